#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make docs: render Documentation/ to HTML with Sphinx and the kernel's
# kernel-doc extension from the 6.12 source; any warning fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

"$here/deps.sh" python3-sphinx >/dev/null
src=$(kernel_src_dir)
[ -f "$src/.dmacmd-unpacked" ] || "$here/kernel.sh" "$here/kernel.config" test >/dev/null
out=$(realpath -m "${BUILD:-$top/build}")/docs
export DMACMD_KSRC=$src
sphinx-build -q -W --keep-going -b html -d "$out/doctrees" "$top/Documentation" "$out/html"
step "docs: $out/html/index.html"
