/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The segment walk of a mapping and segment generation (dmacmd_seg.c).
 */
#ifndef _DMACMD_SEG_H
#define _DMACMD_SEG_H

#include <linux/errno.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "dmacmd_cmd.h"

/*
 * Position @r at entry @idx of @m's DMA list, @pos bytes into the prepared
 * range (inline: every prepare positions the first walk at 0).
 */
static inline int dmacmd_pos_sg(struct dmacmd_mapping *m, unsigned int idx,
				u64 pos, struct dmacmd_seg_pos *r)
{
	struct scatterlist *sg;

	if (idx >= m->sgt.nents)
		return -EIO;
	sg = &m->sgl[idx];
	r->pos = pos;
	r->addr = sg_dma_address(sg);
	r->len = sg_dma_len(sg);
	r->idx = idx;
	return 0;
}

/*
 * The live mapping of @cmd is new (a prepare, kForceDoubleBuffer): start
 * segment generation at its beginning, and note once whether the tight
 * loop of dmacmd_gen_fast64() may walk it.
 */
static inline void dmacmd_gen_reset(struct dmacmd *cmd)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);
	bool list = dmacmd_map_has_list(m);

	cmd->gen_valid = list && !dmacmd_pos_sg(m, 0, 0, &cmd->gen_pos);
	cmd->gen_fast = list && !m->gen_check;
	cmd->gen_bmask = dmacmd_map_bmask(m);
	cmd->gen_plain = cmd->spec.max_segment_size >= cmd->prep_len &&
			 cmd->gen_bmask == ~0UL;
}

int dmacmd_verify(struct dmacmd *cmd, struct dmacmd_mapping *m,
		  const struct dmacmd_limits *lim, struct dmacmd_seg64 *bad);
bool dmacmd_mem_misaligned(struct dmacmd *cmd, struct dmacmd_mapping *m);
int __dmacmd_gen(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
		 void *segs, u32 *nsegs, unsigned int width, unsigned long ip);

#endif /* _DMACMD_SEG_H */
