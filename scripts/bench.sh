#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build (or reuse) the lean guest kernel, build dmacmd.ko and
# bench/dmacmd_bench.ko against it, boot QEMU per DMA configuration, run the
# benchmark in each boot and report (bench/report.py), written to
# bench/results/latest.md as well.
#
# Two kinds of boot (Documentation/bench.rst, "Modes"):
#   icount  QEMU -icount shift=0,sleep=off: the guest clock counts guest
#           instructions.  Every CPU-cost figure (cycles, fixed costs,
#           latency, allocations, scaling, resume, double buffering,
#           descriptors per I/O, memory): one boot per configuration,
#           reproducible to the instruction.
#   wall    QEMU as make check runs it: bounce bandwidth and parallel
#           scaling, WALL_BOOTS boots per configuration.
#
#   BENCH_ARCH=x86_64|arm64  the guest (make bench ARCH=arm64): arm64 boots
#                        QEMU's virt machine with its own lean kernel
#                        (scripts/kernel-lean-arm64.config, 64 KiB pages) and
#                        runs the arm64-* configurations of make check
#   MODE=both|icount|wall  which boots (default both; on arm64 icount)
#   WALL_BOOTS=<n>       wall-clock boots per configuration (default 3)
#   CONFIGS="direct swiotlb iommu"   which configurations (default: all three;
#                        on arm64 arm64-direct arm64-swiotlb arm64-smmu)
#   BUILD=<dir>          build and log directory (default: ./build/bench)
#   BENCH_ARGS="..."     extra module parameters for every boot, e.g.
#                        "reps=9 run_ms=30" or "tests=1" (they come last)
#   BOOT_TIMEOUT=<s>     per boot (default 900)
#   HOOKS=off            build dmacmd without its tracepoints, statistics and
#                        fault-injection sites (make bench-hooks' reference)
#   TRACE=1              enable dmacmd's trace events in tracefs for the run
#   OUT=<file>           report (default bench/results/latest.md, on arm64
#                        bench/results/latest-arm64.md); the figures
#                        also go to the same name with .json.  The
#                        instruction figures of the JSON already there (the
#                        previous run) are compared with the new ones.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

BENCH_ARCH=${BENCH_ARCH:-x86_64}
# make bench ARCH=arm64 chose the guest; nothing below may hand ARCH (or
# make's command line) to a build for the other architecture.
unset ARCH MAKEFLAGS MFLAGS MAKELEVEL
busybox=/bin/busybox
case $BENCH_ARCH in
x86_64)	march=() frag=kernel-lean.config kname=lean
	image=arch/x86/boot/bzImage latest=latest.md
	CONFIGS=${CONFIGS:-direct swiotlb iommu} ;;
arm64)	read -r -a march <<<"$(arch_args arm64)"
	frag=kernel-lean-arm64.config kname=lean-arm64
	image=arch/arm64/boot/Image latest=latest-arm64.md
	CONFIGS=${CONFIGS:-arm64-direct arm64-swiotlb arm64-smmu} ;;
*)	die "BENCH_ARCH=$BENCH_ARCH: x86_64 or arm64" ;;
esac
# arm64: the instruction counts only, unless asked (its wall boots are
# not part of the reference runs).
[ "$BENCH_ARCH" = arm64 ] && MODE=${MODE:-icount}
MODE=${MODE:-both}
WALL_BOOTS=${WALL_BOOTS:-3}
BUILD=$(realpath -m "${BUILD:-$top/build/bench}")
BENCH_ARGS=${BENCH_ARGS:-}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
HOOKS=${HOOKS:-on}
TRACE=${TRACE:-0}
OUT=$(realpath -m "${OUT:-$top/bench/results/$latest}")
variant="hooks $HOOKS, tracing $([ "$TRACE" = 1 ] && echo on || echo off)"
logs=$BUILD/logs
mkdir -p "$logs"
exec 9>"$BUILD/.lock"
flock 9

"$here/deps.sh" || die "installing Debian packages failed"
kdir=$("$here/kernel.sh" "$here/$frag" "$kname" "$BENCH_ARCH") ||
	die "lean kernel build failed"
if [ "$BENCH_ARCH" = arm64 ]; then
	busybox=$(busybox_arm64) || die "cannot fetch Debian's busybox-static:arm64"
fi

kb=$BUILD/kbuild
nohooks=
case $HOOKS in
on) ;;
off) kb=$BUILD/kbuild-nohooks nohooks=DMACMD_NO_HOOKS=1 ;;
*) die "HOOKS=$HOOKS: on or off" ;;
esac
case $MODE in
both|icount|wall) ;;
*) die "MODE=$MODE: both, icount or wall" ;;
esac
log=$logs/build.log
step "build: dmacmd.ko ($variant) and dmacmd_bench.ko against the lean kernel, W=1"
# The modules name their sources relative to the build directory, so that
# they are the same bytes whatever BUILD is: the icount boots unpack and
# load them, and other bytes cost other instructions.
prefix=KCFLAGS=-ffile-prefix-map=$kb/=
if ! { "$here/build.sh" "$kdir" "$kb" "${march[@]}" DMACMD_CORE_ONLY=1 $nohooks "$prefix" &&
       make -s -C "$kdir" M="$kb/bench" "${march[@]}" W=1 "$prefix" \
		KBUILD_EXTRA_SYMBOLS="$kb/Module.symvers" modules; } >"$log" 2>&1; then
	tail -n 30 "$log"
	die "module build failed (log: $log)"
fi
grep -E 'warning:|error:' "$log" && die "module build has warnings (log: $log)"

initrd=$BUILD/initramfs-bench.cpio.gz
BUSYBOX=$busybox "$here/initramfs.sh" "$initrd" "$kb/dmacmd.ko" "$kb/bench/dmacmd_bench.ko" \
	-- "$top/bench/vm-bench.sh" || die "initramfs build failed"

params=""
[ "$TRACE" = 1 ] && params=" dmacmd_bench_trace=1"
user=""
for p in $BENCH_ARGS; do
	user+=" dmacmd_bench.$p"
done
# The tests of each kind of boot (dmacmd_bench's "tests" bits): everything
# but bounce bandwidth (32) and parallel scaling (64) counts instructions.
icount_tests=$((0xfff & ~0x60))
wall_tests=$((0x60))
# CPU seconds the whole host has spent busy, and those of our children
# (QEMU once it is waited for): their difference over a boot is what other
# processes took from QEMU.
host_busy() {
	awk -v hz="$(getconf CLK_TCK)" \
		'/^cpu /{printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat
}
children_cpu() {	# not in a subshell: a subshell has no children yet
	times >"$BUILD/.times"
	tail -n 1 "$BUILD/.times" | awk '{ s = 0; for (i = 1; i <= 2; i++) {
		split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f\n", s }'
}

# Print the benchmark's progress lines while QEMU runs.
follow() {
	local cfg=$1 con=$2 seen=0 n
	while sleep 5; do
		n=$(grep -c '"t":"progress"' "$con" 2>/dev/null)
		[ "${n:-0}" -gt "$seen" ] || continue
		grep '"t":"progress"' "$con" | sed -n "$((seen + 1)),${n}p" |
			sed -E 's/.*"what":"([^"]*)".*/\1/' |
			while IFS= read -r what; do step "boot $cfg: $what"; done
		seen=$n
	done
}

# boot CFG MODE [N]: one boot; adds its console to the report's arguments.
args=()
boot() {
	local cfg=$1 mode=$2 tag extra con fpid t status other tests
	tag=$mode${3:-}
	if [ "$mode" = icount ]; then
		export DMACMD_ICOUNT=1
		# norandmaps: the user-memory tests' mappings land at the same
		# addresses (and so get the same page sizes) in every boot.
		# nohz_full: the run's CPU gets no timer tick while it
		# runs alone (the lean kernel has NO_HZ_FULL).
		tests="$icount_tests dmacmd_bench.icount=1 dmacmd_bench.cpu=1 nohz_full=1 norandmaps"
	else
		unset DMACMD_ICOUNT
		tests=$wall_tests
	fi
	dmacmd_qemu "$cfg" "$kdir/$image" "$initrd" "$logs" ||
		die "unknown configuration '$cfg' (direct, swiotlb, iommu; arm64-direct, arm64-swiotlb, arm64-smmu)"
	case $BENCH_ARCH:$cfg in
	x86_64:arm64-*) die "configuration '$cfg' needs BENCH_ARCH=arm64" ;;
	arm64:arm64-*) ;;
	arm64:*) die "configuration '$cfg' is not an arm64 one" ;;
	esac
	unset DMACMD_ICOUNT
	extra=$QEMU_APPEND
	# A 512 MiB bounce pool, so that the scaling test's largest point
	# (256 MiB: 65536 pages of 4 KiB, 4096 of 64 KiB) fits.
	case $cfg in
	swiotlb|arm64-swiotlb) extra="swiotlb=262144,force" ;;
	esac
	con=$logs/$cfg-$tag.console
	: >"$con"
	step "boot $cfg ($tag): ${extra:-no options}"
	follow "$cfg ($tag)" "$con" &
	fpid=$!
	t=$(date +%s)
	children_cpu >"$BUILD/.own0"
	t0=$(date +%s.%N) busy0=$(host_busy)
	timeout "$BOOT_TIMEOUT" "${QEMU[@]}" \
		-append "console=$QEMU_CONSOLE panic=-1 loglevel=7 $extra$params dmacmd_bench.tests=$tests$user" \
		</dev/null >"$con" 2>&1
	status=$?
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	children_cpu >"$BUILD/.own1"
	other=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" -v b0="$busy0" \
		-v b1="$(host_busy)" -v o0="$(cat "$BUILD/.own0")" \
		-v o1="$(cat "$BUILD/.own1")" \
		'BEGIN { x = ((b1 - b0) - (o1 - o0)) / (t1 - t0);
			 printf "%.2f\n", x < 0 ? 0 : x }')
	step "boot $cfg ($tag): finished in $(( $(date +%s) - t ))s (exit $status), other processes used $other CPUs, log $con"
	args+=("$cfg@$tag=$con:$status:$other")
}

if [ "$MODE" != wall ]; then
	for cfg in $CONFIGS; do
		boot "$cfg" icount
	done
fi
if [ "$MODE" != icount ]; then
	for n in $(seq 1 "$WALL_BOOTS"); do
		for cfg in $CONFIGS; do
			boot "$cfg" wall "$n"
		done
	done
fi

mkdir -p "$(dirname "$OUT")"
json=${OUT%.md}.json
prev=()
if [ -f "$json" ]; then
	cp "$json" "$BUILD/previous.json"
	prev=(--previous "$BUILD/previous.json")
fi
python3 "$top/bench/report.py" --arch "$BENCH_ARCH" --out "$OUT" --json "$json" "${prev[@]}" \
	--variant "$variant" --kernel "$kdir" "${args[@]}"
