#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make dkms: add, build and install the core module through Debian's dkms.
#   KVER=<kernel release>   kernel to build for (default: newest Debian 6.1
#                           headers installed, else the running kernel)
#   DKMS_ROOT=<dir>         stage dkms's trees and the installed module
#                           under <dir> instead of the system (/var/lib/dkms,
#                           /lib/modules); what the harness uses
# Checks that the installed module exports its API in the DMACMD namespace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

"$here/deps.sh" dkms >/dev/null
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
stock=$(stock_kdir || true)
KVER=${KVER:-$( [ -n "$stock" ] && basename "$stock" | sed 's/^linux-headers-//' || uname -r)}
args=(-m dmacmd -v "$ver" -k "$KVER")
if [ -n "${DKMS_ROOT:-}" ]; then
	mkdir -p "$DKMS_ROOT"/{dkms,src,modules/$KVER}
	args+=(--dkmstree "$DKMS_ROOT/dkms" --sourcetree "$DKMS_ROOT/src"
	       --installtree "$DKMS_ROOT/modules")
	srcdir=$DKMS_ROOT/src/dmacmd-$ver
else
	srcdir=/usr/src/dmacmd-$ver
fi
[ -d "/lib/modules/$KVER/build" ] || [ -d "/usr/src/linux-headers-$KVER" ] ||
	die "no headers for $KVER"
[ -d "/lib/modules/$KVER/build" ] || args+=(--kernelsourcedir "/usr/src/linux-headers-$KVER")

step "dkms: staging sources in $srcdir"
rm -rf "$srcdir"
mkdir -p "$srcdir"
(cd "$top" && cp -r --parents -t "$srcdir" Kbuild Makefile flags.mk dkms.conf \
	dmacmd_*.[ch] include/linux/dmacmd.h include/trace)
dkms remove "${args[@]}" >/dev/null 2>&1 || true
step "dkms: add, build, install for $KVER"
dkms add "${args[@]}" >/dev/null
dkms build "${args[@]}" || die "dkms build failed"
dkms install --force "${args[@]}" || die "dkms install failed"
moddir=/lib/modules dkmsdir=/var/lib/dkms
[ -z "${DKMS_ROOT:-}" ] || { moddir=$DKMS_ROOT/modules; dkmsdir=$DKMS_ROOT/dkms; }
ko=$(find "$moddir/$KVER" -name 'dmacmd.ko*' | head -n 1)
[ -n "$ko" ] || die "dkms installed no dmacmd.ko"
step "dkms: installed $ko"
vermagic=$(/sbin/modinfo -F vermagic "$ko")
case $vermagic in "$KVER "*) ;; *) die "vermagic '$vermagic' is not for $KVER" ;; esac
# The exports' namespace strings live in __ksymtab_strings next to the
# symbol names (6.1: one "DMACMD" per export unless merged).
exports=$(nm "$ko" | grep -c ' __ksymtab_' || true)
ns=$(objcopy -O binary --only-section=__ksymtab_strings "$ko" /dev/stdout | tr '\0' '\n' | grep -cx DMACMD || true)
step "dkms: $KVER: $exports exports, namespace DMACMD named $ns times ($vermagic)"
[ "$exports" -gt 0 ] && [ "$ns" -gt 0 ] || die "dmacmd.ko exports nothing in the DMACMD namespace"
