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

# make bench-hooks builds dmacmd once without its observability hooks
# (tracepoints, statistics, fault-injection sites, the use-after-release
# check) to measure what they cost when off.
ifneq ($(DMACMD_NO_HOOKS),)
dmacmd_flags += -DNOTRACE -DDMACMD_NO_HOOKS
endif
