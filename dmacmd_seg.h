/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The segment walk of a mapping and segment generation (dmacmd_seg.c).
 */
#ifndef _DMACMD_SEG_H
#define _DMACMD_SEG_H

#include <linux/types.h>

#include "dmacmd_cmd.h"

int dmacmd_pos_sg(struct dmacmd_mapping *m, unsigned int idx, u64 pos,
		  struct dmacmd_seg_pos *r);
int dmacmd_verify(struct dmacmd *cmd, struct dmacmd_mapping *m,
		  const struct dmacmd_limits *lim, struct dmacmd_seg64 *bad);
bool dmacmd_mem_misaligned(struct dmacmd *cmd, struct dmacmd_mapping *m);
int __dmacmd_gen(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
		 void *segs, u32 *nsegs, unsigned long ip);

#endif /* _DMACMD_SEG_H */
