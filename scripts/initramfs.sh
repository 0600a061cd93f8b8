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
# The same inputs give the same bytes: files in one order, one time stamp,
# no inode numbers, owned by root.  make bench's icount boots then run the
# same instructions from one build to the next (unpacking an archive that
# differs only in its time stamps costs other instructions), and a change
# to the archive is a change to its contents.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible -R 0:0) | gzip -1 -n > "$out"
