#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of make bench-profile (scripts/bench-profile.sh): prints where
# the modules' functions are, waits for the host's debugger to set its
# breakpoint, then starts the benchmark with the command line's
# dmacmd_bench.<param>=<value>.
grep -E '\[(dmacmd|dmacmd_bench)\]' /proc/kallsyms | sed 's/^/dmacmd-profile: sym /'
P=/sys/module/dmacmd_bench/parameters
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmacmd_bench.*=*)
		kv=${arg#dmacmd_bench.}
		echo "${kv#*=}" > "$P/${kv%%=*}"
		;;
	esac
done
D=/sys/kernel/debug
[ -d $D/dmacmd_bench ] || mount -t debugfs nodev $D 2>/dev/null
echo "dmacmd-profile: ready"
sleep 10
echo 1 > $D/dmacmd_bench/run
echo "dmacmd-profile: done"
