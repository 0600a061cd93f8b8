#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of what a consumer module and an operator see: the native
# consumer sample loads (namespace import and KBUILD_EXTRA_SYMBOLS right)
# and maps a buffer; its transfer shows up in tracefs with the right fields
# and in dmacmd's debugfs statistics.  Prints its own KTAP.
case " $(cat /proc/cmdline) " in
*" kunit.filter_glob="*) exit 0 ;;	# a filtered run: only KUnit suites
esac
T=/sys/kernel/tracing
S=/sys/kernel/debug/dmacmd/stats
LEN=12388	# the sample maps 3 pages + 100 bytes

mountpoint -q $T || mount -t tracefs tracefs $T
total_prepares() { sed -n 's/^total .* prepares=\([0-9]*\).*/\1/p' $S; }

before=$(total_prepares)
echo > $T/trace
echo 1 > $T/events/dmacmd/enable
dmesg -c >/dev/null
insmod /dmacmd_consumer.ko
loaded=$?
echo 0 > $T/events/dmacmd/enable
after=$(total_prepares)
rmmod dmacmd_consumer 2>/dev/null

n=0
result() {	# result NAME CONDITION-STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "    ok $n $1"
	else
		echo "    not ok $n $1"
		fails=1
	fi
}
fails=0
echo "KTAP version 1"
echo "1..1"
echo "    # Subtest: dmacmd_consumer_sample"
echo "    1..3"
[ $loaded -eq 0 ] && dmesg | grep -q "mapped $LEN bytes in .* segments"
r=$?
[ $r -eq 0 ] || dmesg | tail -n 20 | sed 's/^/    # /'
result loads_and_maps $r

grep -q "dmacmd_prepare: .* dev=dmacmd_consumer offset=0 length=$LEN .*ret=0" $T/trace &&
	grep -q "dmacmd_gen_segments: .* dev=dmacmd_consumer offset=0 next=$LEN .*ret=0" $T/trace &&
	grep -q "dmacmd_complete: .* dev=dmacmd_consumer offset=0 length=$LEN " $T/trace
r=$?
[ $r -eq 0 ] || grep dmacmd $T/trace | head -n 10 | sed 's/^/    # /'
result tracepoints_in_tracefs $r

[ -n "$before" ] && [ -n "$after" ] && [ "$after" -eq $((before + 1)) ]
r=$?
[ $r -eq 0 ] || { echo "    # prepares before $before after $after"; sed 's/^/    # /' $S; }
result debugfs_stats_count_prepare $r

if [ $fails -eq 0 ]; then echo "ok 1 dmacmd_consumer_sample"; else echo "not ok 1 dmacmd_consumer_sample"; fi
