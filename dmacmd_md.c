// SPDX-License-Identifier: GPL-2.0
#include "dmacmd_internal.h"
