#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the harness needs, when any is missing.
#   scripts/deps.sh [extra packages...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

pkgs=(make gcc libc6-dev bc bison flex libelf-dev libssl-dev dwarves kmod
      cpio xz-utils gzip rsync python3 perl
      linux-source-6.12 linux-headers-amd64
      qemu-system-x86 busybox-static
      # scripts/cross.sh: arm64 modules and edu-test, edu-test for i386
      # (gcc -m32 needs no gcc-multilib to compile, and that conflicts with
      # the cross compiler in Debian 12).
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross libc6-dev-i386
      # The arm64 boots (make check ARCH=arm64): QEMU's virt machine, and
      # dtc to take dma-coherent off its PCIe host for the non-coherent
      # boot.
      qemu-system-arm device-tree-compiler "$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	step "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
step "deps: installing ${missing[*]}"
[ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
step "deps: done"
