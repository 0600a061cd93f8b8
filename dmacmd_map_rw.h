/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU's reads and writes of the device's view of a prepared range
 * (dmacmd_map_rw.c).
 */
#ifndef _DMACMD_MAP_RW_H
#define _DMACMD_MAP_RW_H

#include <linux/types.h>

#include "dmacmd_cmd.h"

u64 dmacmd_xfer(struct dmacmd *cmd, u64 off, void *buf, u64 len,
		bool to_dev);
bool dmacmd_cpu_begin(struct dmacmd *cmd);
bool dmacmd_map_read_only(struct dmacmd *cmd);
void dmacmd_cpu_end(struct dmacmd *cmd, bool synced);

#endif /* _DMACMD_MAP_RW_H */
