// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: walking a memory descriptor.  The per-kind steps that find the
 * physically contiguous run at an offset, the resumable iterator the
 * command layer walks with, and copies between a descriptor and a buffer.
 */
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/* ---- The walk ---- */

static void md_seg_set(struct dmacmd_md_run *seg, phys_addr_t phys, u64 len,
		       bool has_page)
{
	seg->page = has_page ? pfn_to_page(PHYS_PFN(phys)) : NULL;
	seg->offset = offset_in_page(phys);
	seg->phys = phys;
	seg->len = len;
}

/*
 * The element of a descriptor's array holding @off: the hint, the next
 * one (a walk with non-decreasing offsets), or a binary search over the
 * @count elements, which @start and @len describe.  Inlined with the
 * accessors of each array, so the walk pays no indirect call.
 */
static __always_inline unsigned long
md_find(const struct dmacmd_md *md, unsigned long count, unsigned long hint,
	u64 off, u64 (*start)(const struct dmacmd_md *md, unsigned long i),
	u64 (*len)(const struct dmacmd_md *md, unsigned long i))
{
	unsigned long lo = 0, hi = count - 1, mid;

	if (hint <= hi && off >= start(md, hint)) {
		if (off - start(md, hint) < len(md, hint))
			return hint;
		lo = hint + 1;
		if (lo <= hi && off - start(md, lo) < len(md, lo))
			return lo;
	}
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (start(md, mid) <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static __always_inline u64 md_chunk_start(const struct dmacmd_md *md,
					  unsigned long i)
{
	return md->chunks.chunk[i].start;
}

static __always_inline u64 md_chunk_len(const struct dmacmd_md *md,
					unsigned long i)
{
	return md->chunks.chunk[i].len;
}

static __always_inline u64 md_child_start(const struct dmacmd_md *md,
					  unsigned long i)
{
	return md->multi.child[i].start;
}

static __always_inline u64 md_child_len(const struct dmacmd_md *md,
					unsigned long i)
{
	return md->multi.child[i].md->len;
}

/* The chunk holding @off. */
static unsigned long md_chunk_find(const struct dmacmd_md *md,
				   unsigned long hint, u64 off)
{
	return md_find(md, md->chunks.count, hint, off, md_chunk_start,
		       md_chunk_len);
}

/* The child holding @off. */
static unsigned int md_child_find(const struct dmacmd_md *md,
				  unsigned long hint, u64 off)
{
	return md_find(md, md->multi.count, hint, off, md_child_start,
		       md_child_len);
}

/*
 * A run of a page array: direct indexing, then physically adjacent pages
 * up to @maxlen.  The scan is bounded by the run returned, so a walk
 * visits each page about once.
 */
static void md_seg_pages(struct page **pages, unsigned long count,
			 unsigned int first, u64 off, u64 maxlen,
			 struct dmacmd_md_run *seg)
{
	u64 pos = off + first;
	unsigned long i = pos >> PAGE_SHIFT;
	unsigned int pgoff = offset_in_page(pos);
	unsigned long pfn = page_to_pfn(pages[i]);
	u64 len = PAGE_SIZE - pgoff;

	seg->page = pages[i];
	seg->offset = pgoff;
	seg->phys = page_to_phys(pages[i]) + pgoff;
	while (len < maxlen && i + 1 < count &&
	       page_to_pfn(pages[i + 1]) == pfn + 1) {
		i++;
		pfn++;
		len += PAGE_SIZE;
	}
	seg->len = min(len, maxlen);
}

static int md_seg(struct dmacmd_md_iter *it, unsigned int lvl,
		  const struct dmacmd_md *md, u64 off, u64 maxlen,
		  struct dmacmd_md_run *seg, bool *ro);

/*
 * A run of a borrowed sg_table, entry by entry over orig_nents (the CPU
 * side).  The hint is the entry holding the last offset asked for, so
 * resuming at the end of the run returned rescans at most that run.
 */
static int md_seg_sgt(struct dmacmd_md_iter_lvl *h,
		      const struct dmacmd_md *md, u64 off, u64 maxlen,
		      struct dmacmd_md_run *seg)
{
	const struct sg_table *sgt = md->sgt.sgt;
	struct scatterlist *sg = (struct scatterlist *)h->pos;
	unsigned long idx = h->idx;
	u64 base = h->base, len;
	phys_addr_t phys;

	if (!sg || off < base) {
		sg = sgt->sgl;
		idx = 0;
		base = 0;
	}
	while (off - base >= sg->length) {
		base += sg->length;
		if (++idx >= sgt->orig_nents)
			return -EINVAL;	/* the table shrank under us */
		sg = sg_next(sg);
	}
	h->pos = sg;
	h->idx = idx;
	h->base = base;

	phys = sg_phys(sg) + (off - base);
	len = sg->length - (off - base);
	while (len < maxlen && ++idx < sgt->orig_nents) {
		sg = sg_next(sg);
		if (!sg->length)
			continue;
		if (sg_phys(sg) != phys + len)
			break;
		len += sg->length;
	}
	md_seg_set(seg, phys, min(len, maxlen), true);
	return 0;
}

/*
 * A run of a concatenation: the run of the child holding @off (never an
 * empty child: the search lands on the last child starting at or before
 * @off, and one that is empty is followed by one starting there too),
 * extended into the following children with bytes while they continue it
 * physically.
 */
static int md_seg_multi(struct dmacmd_md_iter *it, unsigned int lvl,
			const struct dmacmd_md *md, u64 off, u64 maxlen,
			struct dmacmd_md_run *seg, bool *ro)
{
	struct dmacmd_md_iter_lvl *h = &it->lvl[lvl];
	unsigned int i = md_child_find(md, h->idx, off);
	const struct dmacmd_md *child = md->multi.child[i].md;
	u64 coff = off - md->multi.child[i].start;
	struct dmacmd_md_run next;
	bool next_ro;
	int ret;

	h->idx = i;
	h->base = md->multi.child[i].start;
	ret = md_seg(it, lvl + 1, child, coff, min(maxlen, child->len - coff),
		     seg, ro);
	if (ret)
		return ret;

	while (seg->len < maxlen && coff + seg->len == child->len) {
		/* Empty children have no run of their own to merge. */
		do {
			i++;
		} while (i < md->multi.count && !md->multi.child[i].md->len);
		if (i >= md->multi.count)
			break;
		child = md->multi.child[i].md;
		next_ro = false;
		if (md_seg(it, lvl + 1, child, 0,
			   min(maxlen - seg->len, child->len), &next, &next_ro))
			break;	/* reported when the walk gets there */
		if (next.phys != seg->phys + seg->len || !next.page != !seg->page)
			break;
		/* The next walk resumes where this run ends. */
		h->idx = i;
		h->base = md->multi.child[i].start;
		coff = 0;
		seg->len += next.len;
		*ro |= next_ro;
		if (next.len != child->len)
			break;
	}
	return 0;
}

/*
 * The run at @off of @md, at most @maxlen bytes, with 0 < @maxlen <=
 * @md->len - @off.  *@ro is set if the run is user memory pinned
 * read-only (the CPU must not write it).
 */
static int md_seg(struct dmacmd_md_iter *it, unsigned int lvl,
		  const struct dmacmd_md *md, u64 off, u64 maxlen,
		  struct dmacmd_md_run *seg, bool *ro)
{
	struct dmacmd_md_iter_lvl *h;
	struct page **pages;
	unsigned long i;
	u64 d;

	if (lvl >= DMACMD_MD_ITER_DEPTH)
		return -EINVAL;
	h = &it->lvl[lvl];
	if (h->md != md) {
		h->md = md;
		h->base = 0;
		h->idx = 0;
		h->pos = NULL;
	}

	switch (md->kind) {
	case DMACMD_MD_CHUNKS:
		i = md_chunk_find(md, h->idx, off);
		h->idx = i;
		h->base = md->chunks.chunk[i].start;
		d = off - md->chunks.chunk[i].start;
		md_seg_set(seg, md->chunks.chunk[i].phys + d,
			   min(md->chunks.chunk[i].len - d, maxlen),
			   md->chunks.chunk[i].has_page);
		return 0;
	case DMACMD_MD_PAGES:
		md_seg_pages(md->pages.pages, md->pages.count, md->pages.first,
			     off, maxlen, seg);
		return 0;
	case DMACMD_MD_USER:
		/* Pairs with smp_store_release() in md_user_pin(). */
		pages = smp_load_acquire(&md->user.pages);
		if (!pages)
			return -EBADFD;
		md_seg_pages(pages, md->user.npages,
			     offset_in_page(md->user.addr), off, maxlen, seg);
		*ro |= md->user.ro;
		return 0;
	case DMACMD_MD_SGT:
		return md_seg_sgt(h, md, off, maxlen, seg);
	case DMACMD_MD_SUB:
		return md_seg(it, lvl + 1, md->sub.parent, md->sub.offset + off,
			      maxlen, seg, ro);
	case DMACMD_MD_MULTI:
		return md_seg_multi(it, lvl, md, off, maxlen, seg, ro);
	}
	return -EINVAL;
}

/**
 * dmacmd_md_layout_fixed() - whether a descriptor always walks the same
 * @md: the descriptor
 *
 * True when every walk of @md returns the same physical runs for as long
 * as it lives: pages, chunks and their subranges and concatenations.  User
 * memory is pinned anew by each dmacmd_md_prepare() and a borrowed
 * sg_table may be changed by its owner, so those are not.
 *
 * Context: Any context.
 * Return: whether a scatterlist built from @md stays valid.
 */
bool dmacmd_md_layout_fixed(const struct dmacmd_md *md)
{
	unsigned int i;

	switch (md->kind) {
	case DMACMD_MD_CHUNKS:
	case DMACMD_MD_PAGES:
		return true;
	case DMACMD_MD_SUB:
		return dmacmd_md_layout_fixed(md->sub.parent);
	case DMACMD_MD_MULTI:
		for (i = 0; i < md->multi.count; i++)
			if (!dmacmd_md_layout_fixed(md->multi.child[i].md))
				return false;
		return true;
	default:
		return false;
	}
}

/**
 * dmacmd_md_iter_init() - start a walk over a descriptor
 * @it: iterator to initialise
 * @md: descriptor to walk; the caller holds a reference for the walk
 *
 * Context: Any context.
 */
void dmacmd_md_iter_init(struct dmacmd_md_iter *it, struct dmacmd_md *md)
{
	memset(it, 0, sizeof(*it));
	it->md = md;
}

/**
 * dmacmd_md_iter_run() - the physically contiguous run at an offset
 * @it: iterator from dmacmd_md_iter_init()
 * @offset: byte offset within the descriptor
 * @maxlen: longest run wanted; 0 means up to the end of the descriptor
 * @seg: filled with the run on success, untouched on error
 *
 * Physically adjacent pages, chunks, scatterlist entries and children of
 * a concatenation are merged, so @seg->len may cross pages (and exceed
 * 4 GiB); it never exceeds @maxlen or the end of the descriptor, and a
 * run never mixes memory with and without a struct page.  @seg->page is
 * the page holding @seg->phys; for a run crossing pages use nth_page()
 * or pfn_to_page(), not pointer arithmetic.
 *
 * Calls with non-decreasing offsets (the usual walk: next offset = this
 * offset + @seg->len) cost O(1) amortised: every level of a nested
 * descriptor remembers where it was.  Any offset is allowed; going
 * backwards costs a binary search (a rescan for a borrowed sg_table).
 *
 * Context: Any context.  Does not sleep; takes no lock (the descriptor
 * must stay prepared, and user memory pinned, during the walk).
 * Return:
 * * %0 - @seg holds the run
 * * %-ERANGE - @offset is at or past the end of the descriptor
 * * %-EBADFD - the run is user memory that is not prepared (not pinned)
 * * %-EINVAL - bad iterator, or a borrowed sg_table changed under us
 */
int dmacmd_md_iter_run(struct dmacmd_md_iter *it, u64 offset, u64 maxlen,
		       struct dmacmd_md_run *seg)
{
	struct dmacmd_md *md = it->md;
	bool ro = false;

	if (md_bad(md))
		return -EINVAL;
	if (offset >= md->len)
		return -ERANGE;
	if (!maxlen || maxlen > md->len - offset)
		maxlen = md->len - offset;
	return md_seg(it, 0, md, offset, maxlen, seg, &ro);
}

/* ---- Copies ---- */

/**
 * dmacmd_md_run_copy() - copy between a buffer and the start of a run
 * @run: a run with a struct page (dmacmd_md_iter_page_run())
 * @buf: the buffer
 * @len: bytes, at most @run->len
 * @to_run: into the run if true, else out of it
 *
 * Page by page: kmap_local_page() maps one page, and a run's pages need
 * not follow each other in any kernel mapping (highmem, or memory taken
 * out of the linear map).  The data cache of each page written is flushed
 * where the architecture needs that.
 *
 * Context: Any context that may use kmap_local_page(); does not sleep.
 */
void dmacmd_md_run_copy(const struct dmacmd_md_run *run, void *buf, u64 len,
			bool to_run)
{
	u64 done = 0;

	while (len) {
		u64 pos = run->offset + done;
		u64 n = min_t(u64, len, PAGE_SIZE - offset_in_page(pos));
		struct page *page = nth_page(run->page, pos >> PAGE_SHIFT);
		void *va = kmap_local_page(page) + offset_in_page(pos);

		if (to_run) {
			memcpy(va, buf, n);
			flush_dcache_page(page);
		} else {
			memcpy(buf, va, n);
		}
		kunmap_local(va);
		done += n;
		buf += n;
		len -= n;
	}
}

/* Copy until done or until memory the CPU cannot (or must not) touch. */
u64 md_copy(struct dmacmd_md *md, u64 offset, void *buf, u64 len,
	    bool to_md, int *err)
{
	struct dmacmd_md_iter it;
	struct dmacmd_md_run seg;
	u64 done = 0;
	bool ro;

	*err = 0;
	dmacmd_md_iter_init(&it, md);
	while (done < len) {
		ro = false;
		*err = md_seg(&it, 0, md, offset + done, len - done, &seg, &ro);
		if (*err)
			break;
		if (!seg.page) {
			*err = -EOPNOTSUPP;
			break;
		}
		if (to_md && ro) {
			*err = -EPERM;
			break;
		}
		dmacmd_md_run_copy(&seg, buf + done, seg.len, to_md);
		done += seg.len;
	}
	return done;
}

const char *md_copy_why(int err)
{
	switch (err) {
	case -EBADFD:
		return "user memory not prepared";
	case -EOPNOTSUPP:
		return "memory without a struct page";
	case -EPERM:
		return "user memory pinned read-only (direction DMA_TO_DEVICE)";
	default:
		return "descriptor changed under the copy";
	}
}
