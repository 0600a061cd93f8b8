#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build the test kernel (cached), build the modules against it
# and against Debian's stock 6.1 headers, boot QEMU once per DMA
# configuration, and judge the KTAP and the kernel log of every boot.
#
#   SUITE=<kunit glob>   run only matching suites (e.g. dmacmd_md, 'dmacmd_m*')
#   CONFIGS="direct swiotlb iommu passthrough"   which boots (default: these
#                        four x86_64 boots); the arm64 boots are arm64-direct,
#                        arm64-swiotlb, arm64-smmu and arm64-noncoherent
#                        (make check ARCH=arm64 runs those four)
#   BUILD=<dir>          build and log directory (default: ./build)
#   BOOT_TIMEOUT=<s>     per boot (default 1200)
#   BOOT_JOBS=<n>        boots (and the gates) run side by side, n at a time
#                        (default: the number of CPUs)
#   GATES=off            skip lint, docs, DKMS and cross (quicker targeted
#                        runs; such a run always fails)
#
# The last line is always "N passed, N failed" (", N skipped" may follow).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

SUITE=${SUITE:-}
CONFIGS=${CONFIGS:-direct swiotlb iommu passthrough}
BUILD=$(realpath -m "${BUILD:-$top/build}")
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}
# make check ARCH=arm64 chose the configurations; nothing below may pass
# the make variable on to a kernel build of the other architecture.
unset ARCH MAKEFLAGS MFLAGS MAKELEVEL
x86=0 arm64=0
for cfg in $CONFIGS; do
	case $cfg in
	arm64-*) arm64=1 ;;
	*) x86=1 ;;
	esac
done
read -r -a ARM64_MAKE <<<"$(arch_args arm64)"
logs=$BUILD/logs
mkdir -p "$logs"
# Runs that share a build directory take turns.
exec 9>"$BUILD/.lock"
flock 9

# A step that fails before any boot still ends with the counting line.
abort() {
	echo "FAIL [harness] $*"
	echo "0 passed, 1 failed"
	exit 1
}

# build_tree NAME KDIR [MAKE ARGS]: out-of-place W=1 build; any warning
# fails it.
build_tree() {
	local name=$1 kdir=$2 log="$logs/build-$1.log"
	shift 2
	step "build: modules against $name ($kdir), W=1"
	if ! "$here/build.sh" "$kdir" "$BUILD/kbuild-$name" "$@" >"$log" 2>&1; then
		tail -n 30 "$log"
		abort "module build against $name failed (log: $log)"
	fi
	if grep -E 'warning:|error:' "$log"; then
		abort "module build against $name has warnings (log: $log)"
	fi
}

for cfg in $CONFIGS; do
	case " $DMACMD_CONFIGS " in
	*" $cfg "*) ;;
	*) abort "unknown configuration '$cfg' (${DMACMD_CONFIGS// /, })" ;;
	esac
done
"$here/deps.sh" || abort "installing Debian packages failed"
stock=$(stock_kdir) || abort "Debian's 6.1 headers are not installed"
if [ $x86 = 1 ]; then
	kdir=$("$here/kernel.sh" "$here/kernel.config" test) || abort "test kernel build failed"
	build_tree 6.12 "$kdir"
	build_tree 6.1 "$stock"
	[ -f "$BUILD/kbuild-6.1/dmacmd.ko" ] || abort "dmacmd.ko was not built against 6.1"
fi
if [ $arm64 = 1 ]; then
	kdir_arm64=$("$here/kernel.sh" "$here/kernel-arm64.config" test-arm64 arm64) ||
		abort "arm64 test kernel build failed"
	build_tree arm64 "$kdir_arm64" "${ARM64_MAKE[@]}" -j"$(nproc)"
	busybox_arm64=$(busybox_arm64) || abort "cannot fetch Debian's busybox-static:arm64"
fi

# build_sample SAMPLE NAME KDIR [MAKE ARGS]: a sample module built the way
# an out-of-tree driver builds against dmacmd (its own Makefile, dmacmd's
# Module.symvers in KBUILD_EXTRA_SYMBOLS), W=1, warnings fail.
build_sample() {
	local sample=$1 name=$2 kdir=$3
	local out="$BUILD/$sample-$name" log="$logs/build-$sample-$name.log"
	shift 3
	step "build: samples/$sample against $name"
	mkdir -p "$out"
	rsync -a --delete "$top/samples/$sample/" "$out/"
	if ! make -C "$out" KDIR="$kdir" DMACMD="$top" W=1 \
		DMACMD_SYMVERS="$BUILD/kbuild-$name/Module.symvers" "$@" >"$log" 2>&1 ||
	   grep -E 'warning:|error:' "$log"; then
		tail -n 20 "$log"
		abort "samples/$sample does not build cleanly against $name (log: $log)"
	fi
}
# consumer: the native API; iokit_consumer: every porting wrapper (a
# compile test); edu and sdhci: the PCI sample drivers and their static
# test programs, run by scripts/vm-tests/edu.sh and sdhci.sh (both
# sample.inc) in every boot (make demo runs the same against Debian's stock
# 6.1 kernel).
for sample in consumer iokit_consumer edu sdhci; do
	if [ $x86 = 1 ]; then
		build_sample $sample 6.12 "$kdir"
		build_sample $sample 6.1 "$stock"
	fi
	[ $arm64 = 1 ] && build_sample $sample arm64 "$kdir_arm64" \
		"${ARM64_MAKE[@]}" USER_CC=aarch64-linux-gnu-gcc
done

# initrd NAME [BUSYBOX [OUT]]: the boots' initramfs of the modules built as
# NAME (OUT: another file than the boots').
initrd() {
	local name=$1 kb=$BUILD/kbuild-$1 m mods
	mods=("$kb/dmacmd.ko" "$kb/kunit/dmacmd_kunit.ko")
	for m in "${mods[@]}"; do
		[ -f "$m" ] || abort "missing $m"
	done
	BUSYBOX=${2:-} "$here/initramfs.sh" "${3:-$BUILD/initramfs-check-$name.cpio.gz}" "${mods[@]}" \
		-- $(ls "$top"/scripts/vm-tests/*.sh "$top"/scripts/vm-tests/*.inc 2>/dev/null) \
		-- "$BUILD/consumer-$name/dmacmd_consumer.ko" \
		"$BUILD/edu-$name/dmacmd_edu.ko" "$BUILD/edu-$name/edu-test" \
		"$BUILD/sdhci-$name/dmacmd_sdhci.ko" "$BUILD/sdhci-$name/sdhci-test" ||
		abort "initramfs build failed"
}
[ $x86 = 1 ] && initrd 6.12
[ $arm64 = 1 ] && initrd arm64 "$busybox_arm64"

# Quality gates that do not stop the boots but fail the run: lint, docs,
# the DKMS install of the core module against Debian's stock headers, and
# the arm64 and i386 compile gate.  Each writes its failures to its own
# file in $gatedir; they run as one job beside the boots.
gatedir=$BUILD/gates
rm -rf "$gatedir"
mkdir -p "$gatedir"
run_gates() {
	local g=$gatedir
	step "gate: make lint"
	if ! BUILD=$BUILD "$here/lint.sh" >"$logs/lint.log" 2>&1; then
		grep '^lint: .*FAILED' "$logs/lint.log" | sed 's/^/make /' >>"$g/lint"
		grep -q . "$g/lint" 2>/dev/null ||
			echo "make lint failed (log: $logs/lint.log)" >>"$g/lint"
	fi
	step "gate: make docs (Sphinx, kernel-doc, zero warnings)"
	if ! BUILD=$BUILD "$here/docs.sh" >"$logs/docs.log" 2>&1; then
		echo "make docs has warnings or errors (log: $logs/docs.log)" >>"$g/docs"
	fi
	step "gate: DKMS install against $(basename "$stock") into a staging tree"
	if ! DKMS_ROOT=$BUILD/dkms "$here/dkms.sh" >"$logs/dkms.log" 2>&1; then
		echo "make dkms failed: $(tail -n 1 "$logs/dkms.log") (log: $logs/dkms.log)" >>"$g/dkms"
	fi
	grep '^\[.*dkms: .*exports' "$logs/dkms.log" || true
	step "gate: make cross (arm64 64K pages, i386 PAE; W=1, no warnings)"
	if ! BUILD=$BUILD "$here/cross.sh" >"$logs/cross.log" 2>&1; then
		echo "make cross failed: $(tail -n 1 "$logs/cross.log") (log: $logs/cross.log)" >>"$g/cross"
	fi
	# make bench's icount boots reproduce their figures only from an
	# archive that is the same bytes when built again from the same files.
	step "gate: the initramfs is the same when built again"
	local name=6.12 bb=
	[ $x86 = 1 ] || { name=arm64; bb=$busybox_arm64; }
	if ! (initrd "$name" "$bb" "$BUILD/initramfs-again.cpio.gz") >/dev/null 2>&1 ||
	   ! cmp -s "$BUILD/initramfs-check-$name.cpio.gz" "$BUILD/initramfs-again.cpio.gz"; then
		echo "scripts/initramfs.sh: a second build of the same files differs" >>"$g/initramfs"
	fi
	step "gates: done"
}

LAZY_SUITES=dmacmd_cmd,dmacmd_map,dmacmd_seg,dmacmd_md_dma,dmacmd_badinput,dmacmd_porting,dmacmd_conformance

# boot CFG: one boot, its console in $logs/CFG.console, its QEMU exit
# status in $logs/CFG.status, a failed SD card image check in $gatedir.
boot() {
	local cfg=$1 image name append extra sdimg t status
	case $cfg in
	arm64-*) image=$kdir_arm64/arch/arm64/boot/Image name=arm64 ;;
	*) image=$kdir/arch/x86/boot/bzImage name=6.12 ;;
	esac
	if ! dmacmd_qemu "$cfg" "$image" "$BUILD/initramfs-check-$name.cpio.gz" "$logs"; then
		echo "boot $cfg: no QEMU command (the device tree edit failed?)" >"$gatedir/qemu-$cfg"
		return
	fi
	append="console=$QEMU_CONSOLE panic=-1 loglevel=7 kunit.enable=1"
	[ -n "$SUITE" ] && append+=" kunit.filter_glob=$SUITE"
	extra=$QEMU_APPEND
	# The SD card of samples/sdhci: a fresh image each boot, checked after.
	sdimg=$BUILD/sdcard-$cfg.img
	sdhci_card "$sdimg" || { echo "cannot create $sdimg" >"$gatedir/sd-$cfg"; return; }
	QEMU+=("${SDHCI_QEMU[@]}")
	# Behind the IOMMU, devices with 64-bit masks get IOVAs above 4 GiB
	# (dma-iommu otherwise tries 32-bit ones first and hides truncation).
	[ "$cfg" = iommu ] && extra+=" iommu.forcedac=1 dmacmd_kunit.forcedac=1"
	# The suites that map through the edu device run again with its
	# IOMMU group in lazy mode (scripts/vm-tests/iommu-lazy.sh).
	case $cfg in iommu | arm64-smmu) extra+=" dmacmd_harness.lazy=$LAZY_SUITES" ;; esac
	# The top GiB of the direct boot's RAM is ZONE_MOVABLE: user memory
	# lands there, and pinning it for DMA must migrate it first.
	[ "$cfg" = direct ] && extra+=" movablecore=1G"
	step "boot $cfg: ${extra:-no options}${SUITE:+, suites $SUITE}"
	t=$(date +%s)
	timeout "$BOOT_TIMEOUT" "${QEMU[@]}" -append "$append $extra" \
		</dev/null >"$logs/$cfg.console" 2>&1
	status=$?
	echo $status >"$logs/$cfg.status"
	step "boot $cfg: finished in $(( $(date +%s) - t ))s (exit $status), log $logs/$cfg.console"
	sdhci_check_image "$sdimg" "$logs/$cfg.console" >"$gatedir/sd-$cfg" || true
}

# The gates and the boots run side by side, BOOT_JOBS at a time (default:
# the number of CPUs): a boot keeps about one CPU busy (the suites run one
# at a time), the gates one.
BOOT_JOBS=${BOOT_JOBS:-$(nproc)}
step "running the gates and ${CONFIGS// /, } ($BOOT_JOBS at a time)"
if [ "${GATES:-on}" = off ]; then
	step "gates: skipped (GATES=off): this run cannot pass"
	echo "gates skipped (GATES=off)" >"$gatedir/off"
else
	run_gates &
fi
for cfg in $CONFIGS; do
	rm -f "$logs/$cfg.status"
	while [ "$(jobs -rp | wc -l)" -ge "$BOOT_JOBS" ]; do
		wait -n
	done
	boot "$cfg" &
done
wait

args=()
for cfg in $CONFIGS; do
	args+=("$cfg=$logs/$cfg.console:$logs/$cfg.qemu:$(cat "$logs/$cfg.status" 2>/dev/null || echo 1)")
done
gates=$BUILD/gates.txt
cat "$gatedir"/* >"$gates" 2>/dev/null
python3 "$here/ktap.py" --gates "$gates" "${args[@]}"
