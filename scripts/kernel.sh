#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) a 6.12 guest kernel from Debian's linux-source-6.12.
#   scripts/kernel.sh FRAGMENT NAME [ARCH]   prints the build directory.
# ARCH is x86_64 (the default) or arm64 (cross-compiled with
# aarch64-linux-gnu-; the image is arch/arm64/boot/Image).
# The build lives in $DMACMD_CACHE, keyed by source version and fragment
# hash; a finished build is marked with .dmacmd-done and reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

frag=$(realpath "$1")
name=$2
arch=${3:-x86_64}
case $arch in
x86_64 | arm64) read -r -a march <<<"$(arch_args "$arch")" ;;
*) die "kernel.sh: unknown architecture $arch" ;;
esac
[ -n "$(kernel_src_version)" ] || die "linux-source-$KVER_TEST is not installed (run scripts/deps.sh)"
src=$(kernel_src_dir)
out=$(kernel_build_dir "$frag" "$name")

if [ -f "$out/.dmacmd-done" ]; then
	step "kernel $name: cached in $out" >&2
	echo "$out"
	exit 0
fi

mkdir -p "$DMACMD_CACHE"
if [ ! -f "$src/.dmacmd-unpacked" ]; then
	step "kernel: unpacking /usr/src/linux-source-$KVER_TEST.tar.xz" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "/usr/src/linux-source-$KVER_TEST.tar.xz"
	mv "$src.tmp" "$src"
	touch "$src/.dmacmd-unpacked"
fi

rm -rf "$out"
mkdir -p "$out"
step "kernel $name: configuring (allnoconfig + $(basename "$frag"))" >&2
make -s -C "$src" O="$out" "${march[@]}" KCONFIG_ALLCONFIG="$frag" allnoconfig >&2
# Every line of the fragment must have taken effect, or a test would run on
# a kernel without the debugging it relies on.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx -- "$line" "$out/.config" || { echo "fragment line not applied: $line" >&2; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -q "^$sym=" "$out/.config" && { echo "fragment line not applied: $line" >&2; bad=1; }
		;;
	esac
done < "$frag"
[ $bad -eq 0 ] || die "kernel config fragment did not apply"

step "kernel $name: building with -j$(nproc) (cold build takes ~10-20 min)" >&2
log="$out/build.log"
if ! make -C "$src" O="$out" "${march[@]}" -j"$(nproc)" >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "kernel build failed; full log in $log"
fi
touch "$out/.dmacmd-done"
step "kernel $name: done" >&2
echo "$out"
