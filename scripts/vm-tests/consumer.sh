#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of what a consumer module and an operator see: the native
# consumer sample loads (namespace import and KBUILD_EXTRA_SYMBOLS right)
# and maps a buffer; its transfer shows up in tracefs with the right fields
# and in dmacmd's debugfs statistics.  Loaded again with leak=1 it leaves a
# command and a descriptor alive: dmacmd counts them for it in debugfs,
# reports them when it unloads, and "reap" releases them (so that neither
# kmemleak nor dmacmd's own unload finds them later).  Prints its own KTAP.
case " $(cat /proc/cmdline) " in
*" kunit.filter_glob="*) exit 0 ;;	# a filtered run: only KUnit suites
esac
T=/sys/kernel/tracing
S=/sys/kernel/debug/dmacmd/stats
O=/sys/kernel/debug/dmacmd/owners
R=/sys/kernel/debug/dmacmd/reap
# The sample maps 3 pages + 100 bytes (pages of 4 KiB, or 64 KiB on arm64).
kb=$(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1)
LEN=$((3 * ${kb:-4} * 1024 + 100))

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
dmesg >/tmp/load-dmesg

# The deliberate leak.
live() { sed -n 's/^live commands \([0-9]*\), live descriptors \([0-9]*\)$/\1 \2/p' $O; }
owner() { grep "^dmacmd_consumer " $O; }
live0=$(live)
dmesg -c >/dev/null
insmod /dmacmd_consumer.ko leak=1
leak_loaded=$?
owner >/tmp/owner-loaded
rmmod dmacmd_consumer 2>/dev/null
owner >/tmp/owner-gone
dmesg >/tmp/leak-dmesg
echo dmacmd_consumer >$R
reaped=$?
owner >/tmp/owner-reaped
live1=$(live)

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
echo "    1..9"
[ $loaded -eq 0 ] && grep -q "mapped $LEN bytes in .* segments" /tmp/load-dmesg
r=$?
[ $r -eq 0 ] || tail -n 20 /tmp/load-dmesg | sed 's/^/    # /'
result loads_and_maps $r

grep -q "dmacmd_prepare: .* dev=dmacmd_consumer offset=0 length=$LEN .*ret=0" $T/trace &&
	grep -q "dmacmd_gen_segments: .* dev=dmacmd_consumer offset=0 next=$LEN .*ret=0" $T/trace &&
	grep -q "dmacmd_complete: .* dev=dmacmd_consumer offset=0 length=$LEN " $T/trace
r=$?
[ $r -eq 0 ] || grep dmacmd $T/trace | head -n 10 | sed 's/^/    # /'
result tracepoints_in_tracefs $r

# A record names its command by a hash, never by address: with hash-ptr
# off, tracefs prints what the ring buffer holds.
echo nohash-ptr > $T/trace_options
grep -E "dmacmd_[a-z_]+: cmd=" $T/trace >/tmp/trace-records
echo hash-ptr > $T/trace_options
[ -s /tmp/trace-records ] && ! grep -Evq "cmd=[0-9a-f]{8} " /tmp/trace-records
r=$?
[ $r -eq 0 ] || head -n 5 /tmp/trace-records | sed 's/^/    # /'
result trace_records_hold_no_address $r

[ -n "$before" ] && [ -n "$after" ] && [ "$after" -eq $((before + 1)) ]
r=$?
[ $r -eq 0 ] || { echo "    # prepares before $before after $after"; sed 's/^/    # /' $S; }
result debugfs_stats_count_prepare $r

! grep "dmacmd: module dmacmd_consumer unloads" /tmp/load-dmesg >/tmp/clean-report
r=$?
[ $r -eq 0 ] || sed 's/^/    # /' /tmp/clean-report
result no_report_when_nothing_left $r

[ $leak_loaded -eq 0 ] &&
	grep -q "^dmacmd_consumer  *commands=1 descriptors=1 pinned_pages=0$" /tmp/owner-loaded
r=$?
[ $r -eq 0 ] || { echo "    # insmod leak=1: $leak_loaded"; sed 's/^/    # /' $O; }
result owners_count_while_loaded $r

grep -q "dmacmd: module dmacmd_consumer unloads with 1 command and 1 memory descriptor alive (leaked)$" /tmp/leak-dmesg
r=$?
[ $r -eq 0 ] || tail -n 20 /tmp/leak-dmesg | sed 's/^/    # /'
result leak_reported_at_unload $r

grep -q "^dmacmd_consumer  *commands=1 descriptors=1 pinned_pages=0 (unloaded)$" /tmp/owner-gone
r=$?
[ $r -eq 0 ] || sed 's/^/    # /' /tmp/owner-gone
result owners_list_unloaded_leaker $r

[ $reaped -eq 0 ] && [ ! -s /tmp/owner-reaped ] && [ -n "$live0" ] &&
	[ "$live1" = "$live0" ]
r=$?
[ $r -eq 0 ] || { echo "    # reap status $reaped, live before '$live0' after '$live1'"; sed 's/^/    # /' $O; }
result reap_releases_leftovers $r

if [ $fails -eq 0 ]; then echo "ok 1 dmacmd_consumer_sample"; else echo "not ok 1 dmacmd_consumer_sample"; fi
