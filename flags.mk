# SPDX-License-Identifier: GPL-2.0
#
# Compiler flags shared by every Kbuild file of the tree.
dmacmd_top := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

dmacmd_flags := -I$(dmacmd_top)/include -include $(dmacmd_top)/dmacmd_compat.h
dmacmd_flags += -D'pr_fmt(fmt)=KBUILD_MODNAME ": " fmt'

# Up to 6.12.y before the backport of "module: Convert symbol namespace to
# string literal", export.h stringifies a bare token; later it takes a
# string.  Probe the header rather than guess from the version number.
ifneq ($(shell grep -s '__stringify(DEFAULT_SYMBOL_NAMESPACE)' $(srctree)/include/linux/export.h),)
dmacmd_ns := -DDEFAULT_SYMBOL_NAMESPACE=DMACMD
else
dmacmd_ns := -DDEFAULT_SYMBOL_NAMESPACE='"DMACMD"'
endif

# Out of tree no .config holds dmacmd's options: CONFIG_DMACMD_DEBUG
# (Kconfig) is on, except that make bench-hooks builds dmacmd once without
# its observability hooks (tracepoints, statistics, fault-injection sites,
# the use-after-release check) to measure what they cost when off.
ifneq ($(KBUILD_EXTMOD),)
ifeq ($(DMACMD_NO_HOOKS),)
dmacmd_flags += -DCONFIG_DMACMD_DEBUG=1
else
dmacmd_flags += -DNOTRACE
endif
endif
