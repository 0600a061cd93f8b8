#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch --strict, kernel-doc -Wall on the public headers and
# exported sources, the self-test of scripts/ktap.py, sparse (C=2) and W=1
# builds with gcc and with clang.
# Prints one line per gate and "lint: N problems" last; exit 1 on any.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

BUILD=$(realpath -m "${BUILD:-$top/build}")/lint
mkdir -p "$BUILD"
"$here/deps.sh" clang llvm lld sparse >/dev/null || die "installing lint tools failed"
src=$(kernel_src_dir)
[ -x "$src/scripts/checkpatch.pl" ] || "$here/kernel.sh" "$here/kernel.config" test >/dev/null
problems=0

gate() {	# gate NAME LOG: count a gate's result from its log
	local name=$1 log=$2 n
	n=$(grep -cE "$3" "$log")
	if [ "$n" -ne 0 ] || [ "${4:-0}" -ne 0 ]; then
		echo "lint: $name: FAILED ($n findings, log $log)"
		grep -E "$3" "$log" | head -n 20 | sed 's/^/    /'
		problems=$((problems + 1))
	else
		echo "lint: $name: clean"
	fi
}

cd "$top"
# checkpatch: CamelCase (and the typedefs IOKit's names are) is allowed
# only where Apple's spelling is the point: the porting headers, the samples
# written in IOKit style and the suites that call the porting spelling.
camel=$(git ls-files 'include/dmacmd/*' 'samples/iokit_consumer/*' 'samples/edu/*' \
	'samples/sdhci/*' \
	kunit/porting_kunit.c kunit/badinput_kunit.c kunit/conformance_kunit.c kunit/iokit_util.h | grep -E '\.[ch]$')
# Checked apart below, each with its own ignores.
apart="include/linux/dmacmd.h dmacmd_compat.h $(git ls-files 'include/trace/*')"
# shellcheck disable=SC2086
plain=$(git ls-files '*.c' '*.h' | grep -vxF -f <(printf '%s\n' $camel $apart))
log=$BUILD/checkpatch.log
{
	# shellcheck disable=SC2086
	"$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $plain
	[ -z "$camel" ] || "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types --ignore CAMELCASE,NEW_TYPEDEFS,FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $camel
	# The native header's segment structures carry IOKit's two field
	# names as aliases (fIOVMAddr, fLength): the only CamelCase there.
	"$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore CAMELCASE -f include/linux/dmacmd.h
	# Trace event headers follow the TRACE_EVENT() layout of the kernel's
	# own include/trace/events/, which --strict's alignment checks reject.
	"$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE -f include/trace/events/*.h
	# The compat header is the one place that compares kernel versions.
	"$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f dmacmd_compat.h
} >"$log" 2>&1
gate checkpatch "$log" '(ERROR|WARNING|CHECK):'

log=$BUILD/kernel-doc.log
# The public header, every source and every private header of the core.
core=$(git ls-files 'dmacmd_*.c' 'dmacmd_*.h')
# shellcheck disable=SC2086
"$src/scripts/kernel-doc" -none -Wall include/linux/dmacmd.h $core >"$log" 2>&1
gate kernel-doc "$log" 'warning|error'

# The judge of every boot: each kind of kernel report must fail a boot.
log=$BUILD/ktap-self-test.log
python3 "$here/ktap.py" --self-test >"$log" 2>&1
gate "ktap.py self-test" "$log" '^ktap self-test: .*(want|did not)' $?

kdir=$("$here/kernel.sh" "$here/kernel.config" test 2>/dev/null)
# One build serves both gates: build.sh compiles with gcc and W=1, and C=2
# runs sparse on every file as it goes.
log=$BUILD/sparse.log
"$here/build.sh" "$kdir" "$BUILD/sparse" C=2 >"$log" 2>&1
gate "sparse C=2 and gcc W=1 (6.12)" "$log" 'warning:|error:' $?

# clang needs a kernel tree configured for clang: prepare one (no vmlinux).
ckdir=$DMACMD_CACHE/kernel-clang-$(kernel_src_version)-$(sha256sum <"$here/kernel.config" | cut -c1-12)
if [ ! -f "$ckdir/.dmacmd-done" ]; then
	step "lint: preparing a clang-configured 6.12 tree in $ckdir"
	rm -rf "$ckdir"; mkdir -p "$ckdir"
	{ make -s -C "$src" O="$ckdir" LLVM=1 KCONFIG_ALLCONFIG="$here/kernel.config" allnoconfig &&
	  make -s -C "$src" O="$ckdir" LLVM=1 -j"$(nproc)" modules_prepare; } >"$BUILD/clang-prepare.log" 2>&1 &&
		touch "$ckdir/.dmacmd-done"
fi
# Same configuration as the gcc test kernel, so the same exports.
cp "$kdir/Module.symvers" "$ckdir/Module.symvers"
log=$BUILD/clang.log
"$here/build.sh" "$ckdir" "$BUILD/clang" LLVM=1 >"$log" 2>&1
gate "clang W=1 (6.12)" "$log" 'warning:|error:' $?

echo "lint: $problems problems"
[ "$problems" -eq 0 ]
