# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for dmacmd's documentation.  Uses the kernel's own
# kernel-doc extension from the 6.12 source tree (DMACMD_KSRC, set by
# scripts/docs.sh), so the API pages are pulled from the sources exactly as
# the kernel's documentation build would.
import os
import sys

ksrc = os.environ.get('DMACMD_KSRC')
if not ksrc:
    raise RuntimeError('DMACMD_KSRC must name a 6.12 kernel source tree')
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'dmacmd'
copyright = 'The dmacmd developers'
extensions = ['kerneldoc', 'rstFlatTable', 'kernel_include']
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['_build']
primary_domain = 'c'
highlight_language = 'none'
html_theme = 'alabaster'
c_id_attributes = ['__init', '__exit', '__must_check']

kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.path.abspath('..')
