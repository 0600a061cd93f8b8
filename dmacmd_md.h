/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory descriptor internals, owned by dmacmd_md*.c.  The command layer
 * walks a descriptor only through the iterator below.
 */
#ifndef _DMACMD_MD_H
#define _DMACMD_MD_H

#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct device;
struct page;
struct dmacmd_md;

/**
 * struct dmacmd_md_run - a physically contiguous run of a descriptor
 * @page: page holding @phys, or NULL for a physical range without a
 *	struct page (such a run cannot be mapped through a scatterlist)
 * @offset: offset of @phys within @page
 * @phys: CPU physical address of the run's first byte
 * @len: bytes physically contiguous from @phys (may cross pages)
 */
struct dmacmd_md_run {
	struct page *page;
	unsigned int offset;
	phys_addr_t phys;
	u64 len;
};

/* Deepest nesting of sub-range and concatenation descriptors, leaf included. */
#define DMACMD_MD_ITER_DEPTH	8

/**
 * struct dmacmd_md_iter_lvl - resume hint of one nesting level (private)
 * @md: descriptor the hint belongs to; a hint for another descriptor than
 *	the one met at its level is ignored and rebuilt, so a stale hint costs
 *	time, never correctness
 * @base: offset, within @md, of the element @idx starts at
 * @idx: index of the chunk, scatterlist entry or child last used
 * @pos: the scatterlist entry @idx names (borrowed sg_tables only)
 */
struct dmacmd_md_iter_lvl {
	const struct dmacmd_md *md;
	u64 base;
	unsigned long idx;
	const void *pos;
};

/**
 * struct dmacmd_md_iter - resumable walk over a descriptor's runs
 * @md: the descriptor walked
 * @lvl: private resume hints of dmacmd_md_walk.c, one per nesting level
 *	(sub-range and concatenation descriptors nest)
 *
 * Lives on the caller's stack or in its object; dmacmd_md_iter_init()
 * sets it up, and nothing needs freeing.
 */
struct dmacmd_md_iter {
	struct dmacmd_md *md;
	struct dmacmd_md_iter_lvl lvl[DMACMD_MD_ITER_DEPTH];
};

/**
 * struct dmacmd_md_dma - a DMA mapping that a descriptor keeps
 * @node: entry in the descriptor's list of mappings (under its mutex)
 * @dev: the device it is mapped for (a reference is held)
 * @dir: the direction it is mapped with
 * @sgt: the mapped table over the whole descriptor; its entries are the
 *	mapping's own copy
 * @users: commands using it now (under the descriptor's mutex)
 * @home: one bit per DMA segment: its data came home for good, the unmap
 *	must not copy the segment back (dmacmd_md_dma_home()); NULL until
 *	dmacmd_md_dma_home_reserve()
 * @any_home: some bit of @home is set
 *
 * See dmacmd_md_dma.c.  Lives from a command's dmacmd_md_dma_adopt() to
 * the descriptor's last complete.
 */
struct dmacmd_md_dma {
	struct list_head node;
	struct device *dev;
	enum dma_data_direction dir;
	struct sg_table sgt;
	unsigned int users;
	unsigned long *home;
	bool any_home;
};

struct dmacmd_md_dma *dmacmd_md_dma_get(struct dmacmd_md *md,
					struct device *dev);
int dmacmd_md_dma_adopt(struct dmacmd_md *md, struct device *dev,
			enum dma_data_direction dir, const struct sg_table *sgt,
			struct dmacmd_md_dma **out);
void dmacmd_md_dma_put(struct dmacmd_md *md, struct dmacmd_md_dma *d);
int dmacmd_md_dma_home_reserve(struct dmacmd_md *md, struct dmacmd_md_dma *d);
void dmacmd_md_dma_home(struct dmacmd_md *md, struct dmacmd_md_dma *d,
			u64 offset, u64 len, bool home);
bool dmacmd_md_dma_begin(struct dmacmd_md *md, bool count);
bool dmacmd_md_counts_dma(const struct dmacmd_md *md);
void dmacmd_md_dma_end(struct dmacmd_md *md);

void dmacmd_md_iter_init(struct dmacmd_md_iter *it, struct dmacmd_md *md);
bool dmacmd_md_layout_fixed(const struct dmacmd_md *md);
bool dmacmd_md_is_buffer(const struct dmacmd_md *md);
bool dmacmd_md_read_only(const struct dmacmd_md *md);
int dmacmd_md_iter_run(struct dmacmd_md_iter *it, u64 offset, u64 maxlen,
		       struct dmacmd_md_run *seg);

/*
 * dmacmd_md_iter_run() for callers that copy or map through struct page:
 * -EIO when the walk yields nothing, -EOPNOTSUPP for memory without a
 * struct page.
 */
static inline int dmacmd_md_iter_page_run(struct dmacmd_md_iter *it,
					  u64 offset, u64 maxlen,
					  struct dmacmd_md_run *seg)
{
	int ret = dmacmd_md_iter_run(it, offset, maxlen, seg);

	if (ret)
		return ret;
	if (!seg->len)
		return -EIO;
	return seg->page ? 0 : -EOPNOTSUPP;
}

void dmacmd_md_run_copy(const struct dmacmd_md_run *run, void *buf, u64 len,
			bool to_run);

struct dmacmd_track;

/* Misuse detection (dmacmd_track.h): validity, references, the object. */
bool dmacmd_md_bad(const struct dmacmd_md *md, unsigned long ip);
void dmacmd_md_hold(struct dmacmd_md *md);
void dmacmd_md_unhold(struct dmacmd_md *md);
unsigned int dmacmd_md_track_refs(struct dmacmd_track *t);
void dmacmd_md_track_put(struct dmacmd_track *t);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Stand-ins and counters of dmacmd_md*.c, exported with
 * EXPORT_SYMBOL_IF_KUNIT for kunit/md_kunit.c only: the page allocator and
 * the page pinning of descriptors go through these, and the tests replace
 * them with kunit_activate_static_stub() to count pages or hand out what
 * real memory rarely gives.  Nothing else may call them.
 */
struct mm_struct;

struct page *dmacmd_md_page_alloc(gfp_t gfp, unsigned int order);
void dmacmd_md_page_free(struct page *page, unsigned int order);
int dmacmd_md_range_alloc(unsigned long pfn, unsigned long nr);
long dmacmd_md_pin_user(struct mm_struct *mm, unsigned long start,
			unsigned long nr_pages, unsigned int gup_flags,
			struct page **pages);
long dmacmd_md_live_count(void);
long dmacmd_md_pinned_count(void);
#endif

#endif /* _DMACMD_MD_H */
