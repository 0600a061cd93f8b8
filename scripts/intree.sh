#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make intree: dmacmd as upstream would run it.  The tree is placed at
# drivers/misc/dmacmd of a copy of the 6.12 source (Kconfig and Makefile
# lines in drivers/misc), built into the kernel with every KUnit suite, and
# the suites are run by the kernel's own tools/testing/kunit/kunit.py under
# QEMU, once per DMA configuration of make check.  kunit.py judges the KTAP
# only; scripts/ktap.py then judges each boot's console as make check's
# (KASAN, UBSAN, lockdep, DMA-API debug, kmemleak's automatic scan, BUG and
# WARNING reports).
#
# The copy is $DMACMD_CACHE/intree-<source version>/linux, hard links into
# the cached source except for the two drivers/misc files it changes (new
# files: the cached source is never written); the build directory is
# $DMACMD_CACHE/intree-<source version>/build-x86_64.
#
#   CONFIGS="direct swiotlb iommu"   which boots (default: all three)
#   SUITE=<kunit glob>               run only matching suites
#   BUILD=<dir>                      log directory (default: ./build)
#   BOOT_TIMEOUT=<s>                 per boot (default 1200)
#
# The last line is "N passed, N failed" (", N skipped" may follow).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

CONFIGS=${CONFIGS:-direct swiotlb iommu}
SUITE=${SUITE:-}
BUILD=$(realpath -m "${BUILD:-$top/build}")
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}
logs=$BUILD/logs
mkdir -p "$logs"

abort() {
	echo "FAIL [intree] $*"
	echo "0 passed, 1 failed"
	exit 1
}

"$here/deps.sh" >/dev/null || abort "installing Debian packages failed"
[ -n "$(kernel_src_version)" ] ||
	abort "linux-source-$KVER_TEST is not installed (run scripts/deps.sh)"
src=$(kernel_src_dir)
[ -f "$src/.dmacmd-unpacked" ] ||
	"$here/kernel.sh" "$here/kernel.config" test >/dev/null ||
	abort "unpacking the 6.12 source failed"
base=$DMACMD_CACHE/intree-$(kernel_src_version)
linux=$base/linux
kb=$base/build-x86_64
# Runs that share the copy take turns.
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9

if [ ! -f "$linux/.dmacmd-linked" ]; then
	step "intree: linking a copy of $src into $linux (once)"
	rm -rf "$linux" "$linux.tmp"
	cp -al "$src" "$linux.tmp" || abort "cp -al $src failed"
	touch "$linux.tmp/.dmacmd-linked"
	mv "$linux.tmp" "$linux"
fi

# replace FILE: FILE.new becomes FILE unless they are equal.  A rename,
# never a write through the hard link into the cached source.
replace() {
	if cmp -s "$1.new" "$1"; then
		rm -f "$1.new"
	else
		mv -f "$1.new" "$1"
	fi
}
misc=$linux/drivers/misc
last=$(grep -n '^endmenu' "$src/drivers/misc/Kconfig" | tail -n 1 | cut -d: -f1)
[ -n "$last" ] || abort "no endmenu in $src/drivers/misc/Kconfig"
sed "${last}i source \"drivers/misc/dmacmd/Kconfig\"" \
	"$src/drivers/misc/Kconfig" >"$misc/Kconfig.new" || abort "drivers/misc/Kconfig"
replace "$misc/Kconfig"
# shellcheck disable=SC2016
{ cat "$src/drivers/misc/Makefile"; echo 'obj-$(CONFIG_DMACMD)		+= dmacmd/'; } \
	>"$misc/Makefile.new" || abort "drivers/misc/Makefile"
replace "$misc/Makefile"
mkdir -p "$misc/dmacmd"
rsync -a --delete --exclude .git --exclude /build \
	--exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod' --exclude '*.mod.c' --exclude modules.order \
	--exclude Module.symvers "$top/" "$misc/dmacmd/" || abort "copying the tree failed"

kunit=(python3 "$linux/tools/testing/kunit/kunit.py")
opts=(--build_dir="$kb"
      --kunitconfig="$misc/dmacmd/kunit"
      --kunitconfig="$misc/dmacmd/kunit/x86_64.kunitconfig"
      --qemu_config="$misc/dmacmd/kunit/qemu_x86_64_q35.py")

cd "$linux" || abort "no $linux"
[ -f "$kb/.config" ] && what=incremental || what="cold, about 30 min on 2 CPUs"
step "intree: kunit.py build in $kb ($what)"
t=$(date +%s)
if ! "${kunit[@]}" build "${opts[@]}" --jobs="$(nproc)" >"$logs/intree-build.log" 2>&1; then
	tail -n 30 "$logs/intree-build.log"
	abort "kunit.py build failed (log: $logs/intree-build.log)"
fi
step "intree: built in $(( $(date +%s) - t ))s"

args=()
for cfg in $CONFIGS; do
	exe=(--timeout="$BOOT_TIMEOUT")
	[ -n "$SUITE" ] && exe+=("$SUITE")
	case $cfg in
	direct)  exe+=(--qemu_args='-m 6G -device edu') ;;
	swiotlb) exe+=(--qemu_args='-m 2G -device edu' --kernel_args=swiotlb=force) ;;
	iommu)   exe+=(--qemu_args='-m 2G -device intel-iommu,intremap=off -device edu'
		       --kernel_args=intel_iommu=on --kernel_args=iommu.strict=1
		       --kernel_args=iommu.forcedac=1 --kernel_args=dmacmd_kunit.forcedac=1) ;;
	*) abort "unknown configuration '$cfg' (direct, swiotlb, iommu)" ;;
	esac
	step "intree boot $cfg: kunit.py exec ${exe[*]:1}"
	t=$(date +%s)
	"${kunit[@]}" exec "${opts[@]}" "${exe[@]}" >"$logs/intree-$cfg.kunit" 2>&1
	status=$?
	cp "$kb/test.log" "$logs/intree-$cfg.console" 2>/dev/null ||
		: >"$logs/intree-$cfg.console"
	step "intree boot $cfg: finished in $(( $(date +%s) - t ))s" \
	     "(kunit.py: $(grep -E '^\[[0-9:]+\] Testing complete' "$logs/intree-$cfg.kunit" |
			   sed 's/^\[[0-9:]*\] //' || echo "exit $status"))"
	args+=("intree-$cfg=$logs/intree-$cfg.console::$status")
done

python3 "$here/ktap.py" --kunit-py "${args[@]}"
