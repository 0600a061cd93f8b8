#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM test of the edu sample, run by vm-init from /tests/ once the
# harness modules are loaded (so after the KUnit suites ran): loads
# dmacmd_edu.ko (from / or /tests/), runs edu-test, which prints KTAP (suite
# dmacmd_edu_demo, one case per check) and the transfer table as "# |"
# lines, and unloads the driver again.  Follows kunit.filter_glob=SUITE or
# SUITE.CASE like the KUnit suites do.  Used by make check and make demo.
suite=dmacmd_edu_demo

glob=$(sed -n 's/.*kunit\.filter_glob=\([^ ]*\).*/\1/p' /proc/cmdline)
cases=
if [ -n "$glob" ]; then
	# shellcheck disable=SC2254
	case $suite in
	${glob%%.*}) ;;
	*) exit 0 ;;
	esac
	[ "$glob" != "${glob%%.*}" ] && cases=${glob#*.}
fi

# ktap_fail SUITE CASE MESSAGE: a KTAP run with one failed case.
ktap_fail() {
	printf 'KTAP version 1\n1..1\n'
	printf '    KTAP version 1\n    # Subtest: %s\n    1..1\n' "$1"
	printf '    # %s: %s\n    not ok 1 %s\n' "$2" "$3" "$2"
	printf 'not ok 1 %s\n' "$1"
}

# A failure before edu-test ran.
fail() {
	ktap_fail "$suite" "$1" "$2"
	exit 1
}

dir=
for d in / "$(dirname "$0")"; do
	[ -e "$d/dmacmd_edu.ko" ] && [ -x "$d/edu-test" ] && dir=$d
done
[ -n "$dir" ] || fail setup "dmacmd_edu.ko and edu-test are missing from the initramfs"
insmod "$dir/dmacmd_edu.ko" || fail insmod "insmod dmacmd_edu.ko failed"

"$dir/edu-test" ${cases:+-f "$cases"}
status=$?

if ! rmmod dmacmd_edu; then
	ktap_fail dmacmd_edu_unload rmmod "rmmod dmacmd_edu failed"
	status=1
fi
exit $status
