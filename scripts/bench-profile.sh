#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-profile: where the instructions of one benchmark cycle go.
# Boots the lean kernel under QEMU's icount with its gdb stub, runs the
# benchmark's cycle test (dmacmd_bench tests=1; its first case, 4 KiB of
# contiguous memory), single-steps one call of dmacmd's cycle (prepare +
# gen64 + complete) and one of the hand-written baseline's (dma_map_page +
# dma_unmap_page) after SKIP warm-up calls, and reports instructions per
# function and, for dmacmd, per source line (bench/profile.py).  One boot
# per traced call; the counts are those of make bench's icount figures
# (its clock reads aside), to the instruction.
#
#   CONFIGS="direct"     configurations (direct, swiotlb, iommu)
#   CASE=cycle|io        what is traced: the cycle above (default), or the
#                        descriptor per I/O test's first case (tests=512:
#                        a new descriptor of one page from a page array,
#                        set, cycled, released, against
#                        sg_alloc_table_from_pages + map + unmap + free)
#   SKIP=20              calls to let pass before the traced one (the first
#                        builds the kept list)
#   BUILD=<dir>          build directory (default ./build/bench-profile)
#   OUT=<file>           report (default $BUILD/profile.md)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

CONFIGS=${CONFIGS:-direct}
CASE=${CASE:-cycle}
case $CASE in
cycle)	tests=1 cmd_fn=cmd_cycle base_fn=base_cycle
	title="4 KiB contiguous, prepare + gen64 + complete against dma_map_page + dma_unmap_page" ;;
io)	tests=512 cmd_fn=io_cmd base_fn=io_base
	title="a new descriptor of one 4 KiB page per I/O (from_pages + set_memory + prepare + gen64 + complete + clear_memory + put) against sg_alloc_table_from_pages + dma_map_sgtable + unmap + sg_free_table" ;;
*)	die "CASE=$CASE: cycle or io" ;;
esac
SKIP=${SKIP:-20}
BUILD=$(realpath -m "${BUILD:-$top/build/bench-profile}")
OUT=$(realpath -m "${OUT:-$BUILD/profile.md}")
logs=$BUILD/logs
mkdir -p "$logs"
exec 9>"$BUILD/.lock"
flock 9

"$here/deps.sh" gdb || die "installing Debian packages failed"
kdir=$("$here/kernel.sh" "$here/kernel-lean.config" lean) || die "lean kernel build failed"

# Built with -g for addr2line: the code is what make bench boots.
kb=$BUILD/kbuild
step "build: dmacmd.ko (-g) and dmacmd_bench.ko against the lean kernel"
if ! { "$here/build.sh" "$kdir" "$kb" DMACMD_CORE_ONLY=1 KCFLAGS=-g &&
       make -s -C "$kdir" M="$kb/bench" KCFLAGS=-g \
		KBUILD_EXTRA_SYMBOLS="$kb/Module.symvers" modules; } \
		>"$logs/build.log" 2>&1; then
	tail -n 30 "$logs/build.log"
	die "module build failed (log: $logs/build.log)"
fi
initrd=$BUILD/initramfs-profile.cpio.gz
"$here/initramfs.sh" "$initrd" "$kb/dmacmd.ko" "$kb/bench/dmacmd_bench.ko" \
	-- "$top/bench/vm-bench.sh" || die "initramfs build failed"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# trace CFG FUNC OUT: one boot, one traced call of FUNC; its console is
# CFG-FUNC.console beside it.
trace() {
	local cfg=$1 fn=$2 out=$3 con port qpid addr i
	con=$logs/$cfg-$fn.console
	port=$(free_port)
	export DMACMD_ICOUNT=1
	dmacmd_qemu "$cfg" "$kdir/arch/x86/boot/bzImage" "$initrd" "$logs" ||
		die "unknown configuration '$cfg' (direct, swiotlb, iommu)"
	unset DMACMD_ICOUNT
	"${QEMU[@]}" -gdb "tcp:127.0.0.1:$port" \
		-append "console=ttyS0 panic=-1 loglevel=4 $QEMU_APPEND norandmaps dmacmd_profile=1 dmacmd_bench.tests=$tests dmacmd_bench.icount=1" \
		</dev/null >"$con" 2>&1 &
	qpid=$!
	for i in $(seq 1 600); do
		grep -q 'dmacmd-profile: ready' "$con" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.2
	done
	addr=$(sed -n "s/.*dmacmd-profile: sym \([0-9a-f]*\) [tT] $fn[[:space:]].*/\1/p" "$con" | head -n 1)
	if [ -z "$addr" ]; then
		kill "$qpid" 2>/dev/null
		die "boot $cfg: no address for $fn (console: $con)"
	fi
	FN=$addr SKIP=$SKIP OUT=$out GDB_PORT="127.0.0.1:$port" LIMIT=200000 \
		timeout 600 gdb -q -batch -nx -x "$top/bench/profile-gdb.py" \
		>"$logs/$cfg-$fn.gdb" 2>&1
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	[ -s "$out" ] || die "boot $cfg: no trace of $fn (log: $logs/$cfg-$fn.gdb)"
	[ "$(wc -l <"$out")" -lt 200000 ] ||
		die "boot $cfg: $fn did not return within 200000 instructions (a later, larger case?)"
	step "boot $cfg: $fn: $(wc -l <"$out") instructions"
}

: >"$OUT"
{
	echo "# Where the instructions of one cycle go"
	echo
	echo "Written by \`make bench-profile\` on $(date -u '+%Y-%m-%d %H:%M') from $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'):"
	echo "one call of each side of the benchmark's $title, single-stepped"
	echo "after $SKIP warm-up calls (QEMU's gdb stub; interrupts off while stepping)."
	echo
} >>"$OUT"
for cfg in $CONFIGS; do
	trace "$cfg" "$cmd_fn" "$BUILD/$cfg-cmd.trace"
	trace "$cfg" "$base_fn" "$BUILD/$cfg-base.trace"
	python3 "$top/bench/profile.py" --console "$logs/$cfg-$cmd_fn.console" \
		--system-map "$kdir/System.map" --ko "$kb/dmacmd.ko" \
		--config "$cfg" --title "$title" \
		"dmacmd ($cmd_fn)=$BUILD/$cfg-cmd.trace" \
		"baseline ($base_fn)=$BUILD/$cfg-base.trace" >>"$OUT" ||
		die "report failed"
done
step "written to $OUT"
