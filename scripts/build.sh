#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the tree out of place: scripts/build.sh KDIR OUTDIR [make args...]
# copies the sources to OUTDIR (so the work tree stays clean and several
# builds can run side by side) and runs Kbuild there with W=1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1 out=$2
shift 2
mkdir -p "$out"
# Never the build output itself: a BUILD= directory inside the tree
# (make check BUILD=./mine) would be copied into itself.
ex=()
for d in "$out" "${BUILD:-}"; do
	[ -n "$d" ] || continue
	d=$(realpath -m "$d")
	case $d/ in
	"$top"/?*) d=${d#"$top"/}; ex+=(--exclude "/${d%%/*}") ;;
	esac
done
rsync -a --delete --exclude .git --exclude /build "${ex[@]}" \
	--exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod' --exclude '*.mod.c' --exclude modules.order \
	--exclude Module.symvers "$top/" "$out/"
make -s -C "$kdir" M="$out" W=1 "$@" modules
