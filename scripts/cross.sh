#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make cross: compile dmacmd.ko, the KUnit module and the samples with W=1
# for the architectures the x86_64 builds do not cover, and fail on any
# compiler warning:
#   arm64  64 KiB pages (PAGE_SIZE larger than every buffer of the tests)
#   i386   PAE: 64-bit dma_addr_t and phys_addr_t, 32-bit size_t and long
#          (format strings, 64-bit division, truncating casts)
# Each kernel tree is configured from scripts/cross-ARCH.config on top of
# allnoconfig and prepared for external modules only (modules_prepare, no
# vmlinux); it is cached in $DMACMD_CACHE, keyed by the source version and
# the fragment's hash, so that a warm run pays only the module compiles.
# With no vmlinux there is no Module.symvers: modpost runs with
# KBUILD_MODPOST_WARN=1 and its "undefined" and "Module.symvers is missing"
# lines are expected; any other modpost line fails the run.
#
#   ARCHES="arm64 i386"   which architectures (default: both)
#   BUILD=<dir>           build and log directory (default: ./build)
#
# The last line is "cross: PASS (...)" or "cross: FAIL (...)".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

ARCHES=${ARCHES:-arm64 i386}
BUILD=$(realpath -m "${BUILD:-$top/build}")
out=$BUILD/cross
logs=$BUILD/logs
mkdir -p "$out" "$logs"


# prepare_tree ARCH: print a configured, prepared build directory.
prepare_tree() {
	local arch=$1 frag="$here/cross-$1.config" src kout bad=0 line sym
	src=$(kernel_src_dir)
	kout=$(kernel_build_dir "$frag" "cross-$arch")
	if [ -f "$kout/.dmacmd-done" ]; then
		step "cross $arch: kernel tree cached in $kout" >&2
		echo "$kout"
		return 0
	fi
	[ -f "$src/.dmacmd-unpacked" ] ||
		"$here/kernel.sh" "$here/kernel.config" test >/dev/null || return 1
	rm -rf "$kout"
	mkdir -p "$kout"
	step "cross $arch: configuring and preparing $kout (once)" >&2
	# shellcheck disable=SC2046
	make -s -C "$src" O="$kout" $(arch_args "$arch") \
		KCONFIG_ALLCONFIG="$frag" allnoconfig >&2 || return 1
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qx -- "$line" "$kout/.config" ||
				{ echo "fragment line not applied: $line" >&2; bad=1; }
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			grep -q "^$sym=" "$kout/.config" &&
				{ echo "fragment line not applied: $line" >&2; bad=1; }
			;;
		esac
	done <"$frag"
	[ $bad -eq 0 ] || return 1
	# shellcheck disable=SC2046
	make -s -C "$src" O="$kout" $(arch_args "$arch") -j"$(nproc)" \
		modules_prepare >"$kout/prepare.log" 2>&1 ||
		{ tail -n 30 "$kout/prepare.log" >&2; return 1; }
	touch "$kout/.dmacmd-done"
	echo "$kout"
}

# judge LOG: 0 when the log has no compiler diagnostic and no modpost line
# other than the two a tree without vmlinux always produces.
judge() {
	local bad
	bad=$(grep -E 'warning:|error:|^(WARNING|ERROR): ' "$1" |
	      grep -vE '^WARNING: modpost: "[^"]+" \[[^]]+\] undefined!$' |
	      grep -vE '^WARNING: modpost: suppressed [0-9]+ unresolved symbol warnings' |
	      grep -vE '^WARNING: [^ ]*Module\.symvers is missing\.$')
	[ -z "$bad" ] && return 0
	echo "$bad" | head -n 20
	return 1
}

# user_cc ARCH: the compiler for the samples' user-space program (compiled,
# not linked: Debian has no 32-bit libgcc next to a cross compiler).
user_cc() {
	case $1 in
	arm64) echo "aarch64-linux-gnu-gcc" ;;
	i386)  echo "gcc -m32 -idirafter /usr/include/x86_64-linux-gnu" ;;
	esac
}

# build_arch ARCH KDIR: the core and KUnit modules, then each sample as its
# Makefile builds it (dmacmd's Module.symvers in KBUILD_EXTRA_SYMBOLS),
# then the sample drivers' test programs.
build_arch() {
	local arch=$1 kdir=$2 o="$out/$1" log="$logs/cross-$1.log" sample
	local margs
	read -r -a margs <<<"$(arch_args "$arch")"
	margs+=(KBUILD_MODPOST_WARN=1 -j"$(nproc)")
	: >"$log"
	step "cross $arch: dmacmd.ko and the KUnit module, W=1"
	"$here/build.sh" "$kdir" "$o/dmacmd" "${margs[@]}" >>"$log" 2>&1 ||
		{ tail -n 20 "$log"; return 1; }
	for f in dmacmd.ko kunit/dmacmd_kunit.ko; do
		[ -f "$o/dmacmd/$f" ] || { echo "cross $arch: no $f" | tee -a "$log"; return 1; }
	done
	for sample in consumer iokit_consumer edu sdhci; do
		step "cross $arch: samples/$sample, W=1"
		mkdir -p "$o/$sample"
		# Kbuild's outputs stay: a warm run recompiles what changed.
		rsync -a --delete --exclude '*.o' --exclude '*.ko' \
			--exclude '.*.cmd' --exclude '*.mod' --exclude '*.mod.c' \
			--exclude modules.order --exclude Module.symvers \
			"$top/samples/$sample/" "$o/$sample/"
		make -s -C "$kdir" M="$o/$sample" DMACMD="$top" W=1 \
			KBUILD_EXTRA_SYMBOLS="$o/dmacmd/Module.symvers" \
			"${margs[@]}" modules >>"$log" 2>&1 ||
			{ tail -n 20 "$log"; return 1; }
	done
	for sample in edu sdhci; do
		step "cross $arch: samples/$sample/$sample-test.c (user space, -Wall -Wextra)"
		# shellcheck disable=SC2046
		$(user_cc "$arch") -O2 -Wall -Wextra -c \
			-o "$o/$sample/$sample-test.o" \
			"$top/samples/$sample/$sample-test.c" >>"$log" 2>&1 ||
			{ tail -n 20 "$log"; return 1; }
	done
	judge "$log"
}

# Sourced (by a test of this file), define the functions only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

failed=() passed=()
for arch in $ARCHES; do
	case $arch in
	arm64 | i386) ;;
	*) die "unknown architecture '$arch' (arm64, i386)" ;;
	esac
	if ! kdir=$(prepare_tree "$arch"); then
		failed+=("$arch: kernel tree")
		continue
	fi
	if build_arch "$arch" "$kdir"; then
		passed+=("$arch")
	else
		failed+=("$arch (log: $logs/cross-$arch.log)")
		# Kbuild keeps the objects: the next run must compile them again
		# to see their warnings.
		rm -rf "${out:?}/$arch"
	fi
done
if [ ${#failed[@]} -eq 0 ]; then
	step "cross: PASS (${passed[*]}: no warnings)"
	exit 0
fi
step "cross: FAIL (${failed[*]})"
exit 1
