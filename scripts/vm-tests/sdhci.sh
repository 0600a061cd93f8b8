#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM test of the sdhci sample, run by vm-init from /tests/ once the
# harness modules are loaded (so after the KUnit suites ran): loads
# dmacmd_sdhci.ko (from / or /tests/), runs sdhci-test, which prints KTAP (suite
# dmacmd_sdhci_demo, one case per check) and the transfer table as "# |"
# lines, and unloads the driver again.  Follows kunit.filter_glob=SUITE or
# SUITE.CASE like the KUnit suites do.  Used by make check and make demo.
suite=dmacmd_sdhci_demo

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

# A failure before sdhci-test ran.
fail() {
	ktap_fail "$suite" "$1" "$2"
	exit 1
}

dir=
for d in / "$(dirname "$0")"; do
	[ -e "$d/dmacmd_sdhci.ko" ] && [ -x "$d/sdhci-test" ] && dir=$d
done
[ -n "$dir" ] || fail setup "dmacmd_sdhci.ko and sdhci-test are missing from the initramfs"
insmod "$dir/dmacmd_sdhci.ko" || fail insmod "insmod dmacmd_sdhci.ko failed"

"$dir/sdhci-test" ${cases:+-f "$cases"}
status=$?

if ! rmmod dmacmd_sdhci; then
	ktap_fail dmacmd_sdhci_unload rmmod "rmmod dmacmd_sdhci failed"
	status=1
elif dmesg | grep -q "module dmacmd_sdhci unloads with"; then
	ktap_fail dmacmd_sdhci_unload leaks "dmacmd_sdhci left dmacmd objects alive"
	status=1
fi
exit $status
