/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory descriptor internals, owned by dmacmd_md.c.  The command layer
 * walks a descriptor only through the iterator below.
 */
#ifndef _DMACMD_MD_H
#define _DMACMD_MD_H

#include <linux/types.h>

struct page;
struct dmacmd_md;

/**
 * struct dmacmd_md_seg - a physically contiguous run of a descriptor
 * @page: page holding @phys, or NULL for a physical range without a
 *	struct page (such a run cannot be mapped through a scatterlist)
 * @offset: offset of @phys within @page
 * @phys: CPU physical address of the run's first byte
 * @len: bytes physically contiguous from @phys (may cross pages)
 */
struct dmacmd_md_seg {
	struct page *page;
	unsigned int offset;
	phys_addr_t phys;
	u64 len;
};

#define DMACMD_MD_ITER_DEPTH	8

/**
 * struct dmacmd_md_iter - resumable walk over a descriptor's runs
 * @md: the descriptor walked
 * @lvl: private resume hints of dmacmd_md.c, one per nesting level
 *	(sub-range and concatenation descriptors nest)
 */
struct dmacmd_md_iter {
	struct dmacmd_md *md;
	struct {
		const struct dmacmd_md *md;
		u64 base;
		unsigned long idx;
	} lvl[DMACMD_MD_ITER_DEPTH];
};

void dmacmd_md_iter_init(struct dmacmd_md_iter *it, struct dmacmd_md *md);
int dmacmd_md_iter_seg(struct dmacmd_md_iter *it, u64 offset, u64 maxlen,
		       struct dmacmd_md_seg *seg);

#endif /* _DMACMD_MD_H */
