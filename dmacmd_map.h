/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mapping the prepared range of a command (dmacmd_map.c): prepare and
 * complete, and the DMA layer's syncs of a mapping.
 */
#ifndef _DMACMD_MAP_H
#define _DMACMD_MAP_H

#include <linux/types.h>

#include "dmacmd_cmd.h"

int __dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
		     unsigned int flags, unsigned long ip);
int __dmacmd_complete(struct dmacmd *cmd, unsigned int flags,
		      unsigned long ip);
int dmacmd_teardown(struct dmacmd *cmd, struct dmacmd_mapping *m,
		    unsigned int flags);
bool dmacmd_need_sync(struct dmacmd *cmd, struct dmacmd_mapping *m);
void dmacmd_map_sync(struct dmacmd *cmd, struct dmacmd_mapping *m,
		     bool for_cpu);

#endif /* _DMACMD_MAP_H */
