#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test: the native consumer sample loads (namespace import and
# KBUILD_EXTRA_SYMBOLS right) and maps a buffer.  Prints its own KTAP.
case " $(cat /proc/cmdline) " in
*" kunit.filter_glob="*) exit 0 ;;	# a filtered run: only KUnit suites
esac
dmesg -c >/dev/null
if insmod /dmacmd_consumer.ko && dmesg | grep -q "mapped .* bytes in .* segments"; then
	r="ok 1 loads_and_maps"
else
	dmesg | tail -n 20
	r="not ok 1 loads_and_maps"
fi
rmmod dmacmd_consumer 2>/dev/null
printf 'KTAP version 1\n1..1\n    # Subtest: dmacmd_consumer_sample\n    1..1\n    %s\n%s dmacmd_consumer_sample\n' "$r" "${r% loads_and_maps}"
