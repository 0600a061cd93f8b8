// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the dmacmd KUnit suites. */
#include "util.h"
