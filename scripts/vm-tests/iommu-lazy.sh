#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM: the IOMMU's lazy mode, the distributions' default (iommu.strict=0:
# an unmapped IOVA leaves the IOTLB and returns to the allocator in
# batches, from a flush queue).  Runs in a boot whose command line has
# dmacmd_harness.lazy=SUITE[,SUITE...]; the boot itself is strict.  The edu
# device's IOMMU group is switched to a flush-queue domain (DMA-FQ, the one
# change of domain type the kernel makes while the domain is in use), then
# the named KUnit suites, which map through the edu device, run again from
# debugfs.  Their KTAP follows "dmacmd-harness: phase lazy", from which
# scripts/ktap.py names them lazy:SUITE.  Prints its own KTAP for the switch
# (suite dmacmd_iommu_lazy).
suites=
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmacmd_harness.lazy=*) suites=$(echo "${arg#*=}" | tr , ' ') ;;
	esac
done
[ -n "$suites" ] || exit 0
K=/sys/kernel/debug/kunit

group=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
		group=$d/iommu_group
done
before=$(cat "$group/type" 2>/dev/null)
echo DMA-FQ 2>/dev/null >"$group/type"
after=$(cat "$group/type" 2>/dev/null)

echo "KTAP version 1"
echo "1..1"
echo "    # Subtest: dmacmd_iommu_lazy"
echo "    1..1"
if [ "$before" = DMA ] && [ "$after" = DMA-FQ ]; then
	echo "    ok 1 edu_group_to_flush_queue"
	echo "ok 1 dmacmd_iommu_lazy"
else
	echo "    # edu's IOMMU group ($group): type '$before' -> '$after', want DMA -> DMA-FQ"
	echo "    not ok 1 edu_group_to_flush_queue"
	echo "not ok 1 dmacmd_iommu_lazy"
	exit 1
fi

echo "dmacmd-harness: phase lazy"
# A filtered run (kunit.filter_glob) has debugfs entries only for the
# suites it ran.
for s in $suites; do
	[ -e "$K/$s/run" ] && echo run >"$K/$s/run"
done
echo "dmacmd-harness: phase end"
