/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What dmacmd_map.c offers the files beside it: the DMA layer's syncs of
 * a mapping, for the CPU's reads and writes in dmacmd_map_rw.c.
 */
#ifndef _DMACMD_MAP_H
#define _DMACMD_MAP_H

#include <linux/types.h>

#include "dmacmd_internal.h"

bool dmacmd_need_sync(struct dmacmd *cmd, struct dmacmd_mapping *m);
void dmacmd_map_sync(struct dmacmd *cmd, struct dmacmd_mapping *m,
		     bool for_cpu);

#endif /* _DMACMD_MAP_H */
