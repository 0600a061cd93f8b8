#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM test of the edu sample, run by vm-init from /tests/ once the harness
# modules are loaded (so after the KUnit suites ran): see sample.inc.
sample=edu
. "$(dirname "$0")/sample.inc"
