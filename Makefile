# SPDX-License-Identifier: GPL-2.0
#
# dmacmd: thin wrapper around Kbuild plus the project's check targets.
# Kbuild itself is in ./Kbuild (no KERNELRELEASE two-pass trick: DKMS
# appends KERNELRELEASE= to its make command).

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KERNELRELEASE)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build

# The README's test command: see Documentation/testing.rst.  ARCH=arm64
# runs the arm64 boots instead of the x86_64 ones (CONFIGS= may name any).
# The longest boots first: they run two at a time.
CHECK_CONFIGS_x86_64 = iommu direct swiotlb passthrough
CHECK_CONFIGS_arm64 = arm64-smmu arm64-noncoherent arm64-direct arm64-swiotlb
check:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)" SUITE="$(SUITE)" CONFIGS="$(or $(CONFIGS),$(CHECK_CONFIGS_$(or $(ARCH),x86_64)))" ./scripts/check.sh

demo:
	@if [ -x scripts/demo.sh ]; then BUILD="$(or $(BUILD),$(CURDIR)/build)/demo$(if $(filter arm64,$(ARCH)),-arm64)" DEMO_ARCH="$(or $(ARCH),x86_64)" ./scripts/demo.sh; else echo "make demo: not yet (the edu sample has not landed)"; fi

.PHONY: all modules modules_install clean check demo

lint:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)" ./scripts/lint.sh

.PHONY: lint

docs:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)" ./scripts/docs.sh

.PHONY: docs

dkms:
	@KVER="$(KVER)" DKMS_ROOT="$(DKMS_ROOT)" ./scripts/dkms.sh

.PHONY: dkms

# arm64 (64 KiB pages) and i386 (PAE) compile gate: see Documentation/testing.rst.
cross:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)" ARCHES="$(or $(ARCHES),arm64 i386)" ./scripts/cross.sh

.PHONY: cross

# dmacmd built into a 6.12 tree, its suites run by the kernel's kunit.py:
# see Documentation/testing.rst.
intree:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)" SUITE="$(SUITE)" CONFIGS="$(or $(CONFIGS),direct swiotlb iommu)" ./scripts/intree.sh

.PHONY: intree

# Benchmark against the hand-written DMA API: see Documentation/bench.rst.
# ARCH=arm64 runs its instruction counts on arm64 (QEMU virt, 64 KiB pages).
BENCH_CONFIGS_x86_64 = direct swiotlb iommu
BENCH_CONFIGS_arm64 = arm64-direct arm64-swiotlb arm64-smmu
bench:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)/bench$(if $(filter arm64,$(ARCH)),-arm64)" BENCH_ARCH="$(or $(ARCH),x86_64)" CONFIGS="$(or $(CONFIGS),$(BENCH_CONFIGS_$(or $(ARCH),x86_64)))" ./scripts/bench.sh

# What the tracepoints, statistics and fault sites cost (bench.rst).
bench-hooks:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)/bench" CONFIGS="$(or $(CONFIGS),direct swiotlb iommu)" ./scripts/bench-hooks.sh

# Where the instructions of one cycle go, per function and source line.
bench-profile:
	@BUILD="$(or $(BUILD),$(CURDIR)/build)/bench-profile" CONFIGS="$(or $(CONFIGS),direct)" ./scripts/bench-profile.sh

.PHONY: bench bench-hooks bench-profile
