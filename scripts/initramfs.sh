#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the harness initramfs:
#   scripts/initramfs.sh OUT.cpio.gz MODULE.ko... [-- TESTSCRIPT... [-- FILE...]]
# Modules are loaded in the order given and unloaded in reverse; test
# scripts run between the two; FILEs are copied to / for the scripts' use.
# BUSYBOX=<path> puts another architecture's static busybox in (its applets
# are the host's busybox's, the same Debian version).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
shift
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,tests}
cp "${BUSYBOX:-/bin/busybox}" "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done
install -m 0755 "$here/vm-init" "$root/init"
: > "$root/modules.list"
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	cp "$1" "$root/"
	basename "$1" .ko >> "$root/modules.list"
	shift
done
[ $# -gt 0 ] && shift
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	cp "$1" "$root/tests/"
	shift
done
[ $# -gt 0 ] && shift
for f in "$@"; do
	cp "$f" "$root/"
done
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
