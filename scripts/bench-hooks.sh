#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-hooks: what dmacmd's observability hooks (tracepoints,
# per-CPU statistics, fault-injection sites) cost.  Runs the cycle
# benchmark of make bench three times, each with its own boots:
#
#   hooks off          dmacmd built without them (DMACMD_NO_HOOKS): "before"
#   hooks on           the module as shipped, tracing off, no fault armed
#   hooks on, traced   the same with dmacmd's trace events recording
#
# and compares the cycle ratios (bench/report.py --compare).  Results:
# bench/results/hooks.md, next to each run's own report.
#
#   CONFIGS, BUILD, BOOT_TIMEOUT   as for make bench
#   BENCH_ARGS                     default "tests=1" (the cycle figures)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

export BENCH_ARGS=${BENCH_ARGS:-tests=1}
# Instruction counts: the hooks cost instructions, not host luck.
export MODE=${MODE:-icount}
res=$top/bench/results
mkdir -p "$res"

run() {
	local name=$1
	shift
	step "bench-hooks: $name"
	env "$@" OUT="$res/hooks-$name.md" "$here/bench.sh" ||
		die "the $name run failed (report: $res/hooks-$name.md)"
}

run off HOOKS=off
run on HOOKS=on
run traced HOOKS=on TRACE=1
python3 "$top/bench/report.py" --compare "$res/hooks-off.json" \
	"$res/hooks-on.json" "$res/hooks-traced.json" --out "$res/hooks.md"
