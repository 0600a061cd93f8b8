#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of make bench and make bench-profile, run by the initramfs'
# /init between loading and unloading the modules.  Hands every
# dmacmd_bench.<param>=<value> of the kernel command line to the module,
# then starts the run; the results are the module's "dmacmd_bench: {...}"
# console lines.
P=/sys/module/dmacmd_bench/parameters
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmacmd_bench.*=*)
		kv=${arg#dmacmd_bench.}
		echo "${kv#*=}" > "$P/${kv%%=*}" ||
			echo "dmacmd-harness: bench: cannot set ${kv%%=*}"
		;;
	esac
done
# make bench-hooks: the run with dmacmd's trace events recording.
if grep -qw dmacmd_bench_trace=1 /proc/cmdline; then
	T=/sys/kernel/tracing
	[ -d $T/events ] || mount -t tracefs nodev $T
	if echo 1 > $T/events/dmacmd/enable; then
		echo "dmacmd-harness: bench tracing dmacmd events"
	else
		echo "dmacmd-harness: bench: cannot enable dmacmd events"
	fi
fi
# The size of swiotlb's default pool, for the memory table.
D=/sys/kernel/debug/swiotlb
[ -d $D ] || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
[ -r $D/io_tlb_nslabs ] &&
	echo "dmacmd-harness: bench swiotlb slabs $(cat $D/io_tlb_nslabs)"
# make bench-profile: say where the modules' functions are, then give the
# host's debugger time to set its breakpoint before the run starts.
if grep -qw dmacmd_profile=1 /proc/cmdline; then
	grep -E '\[(dmacmd|dmacmd_bench)\]' /proc/kallsyms |
		sed 's/^/dmacmd-profile: sym /'
	echo "dmacmd-profile: ready"
	sleep 10
fi
echo "dmacmd-harness: bench start"
echo 1 > /sys/kernel/debug/dmacmd_bench/run
echo "dmacmd-harness: bench status $?"
