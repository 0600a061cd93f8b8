// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: buffers that dmacmd allocates itself (IOKit's
 * IOBufferMemoryDescriptor), placed within a physical address mask.
 */
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/* ---- Allocated buffers ---- */

/* Zones from the widest to the narrowest; a buffer may only move down. */
enum { MD_ZONE_NORMAL, MD_ZONE_DMA32, MD_ZONE_DMA, MD_NR_ZONES };

#define MD_BUF_GFP	(__GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

static unsigned int md_first_zone(u64 limit)
{
	if (limit <= DMA_BIT_MASK(24))
		return MD_ZONE_DMA;
	if (limit <= DMA_BIT_MASK(32))
		return MD_ZONE_DMA32;
	return MD_ZONE_NORMAL;
}

static gfp_t md_zone_gfp(unsigned int zone, bool contig)
{
	switch (zone) {
	case MD_ZONE_DMA:
		return GFP_KERNEL | GFP_DMA | MD_BUF_GFP;
	case MD_ZONE_DMA32:
		return GFP_KERNEL | GFP_DMA32 | MD_BUF_GFP;
	default:
		/* A contiguous buffer's CPU address is page_address(). */
		return (contig ? GFP_KERNEL : GFP_HIGHUSER) | MD_BUF_GFP;
	}
}

/*
 * 2^@order pages whose first @npages end at or below @limit.  A zone is
 * only a hint (ZONE_DMA32 reaches 4 GiB, not a 28-bit limit; some
 * architectures have no ZONE_DMA), so every block is checked, and a
 * block over the limit moves the whole buffer to the next narrower zone.
 */
static struct page *md_buf_block(unsigned int *zone, unsigned int order,
				 unsigned long npages, u64 limit, bool contig)
{
	struct page *page;

	for (; *zone < MD_NR_ZONES; (*zone)++) {
		page = dmacmd_md_page_alloc(md_zone_gfp(*zone, contig), order);
		if (!page)
			continue;
		if (page_to_phys(page) + ((u64)npages << PAGE_SHIFT) - 1 <= limit)
			return page;
		dmacmd_md_page_free(page, order);
	}
	return NULL;
}

/*
 * Could @nr pages from @pfn be taken out of @zone?  Every page must exist,
 * belong to @zone, and be neither reserved nor part of a huge page.  If
 * not, *@next is the first page after the one that spoiled it.
 */
static bool md_range_usable(struct zone *zone, unsigned long pfn,
			    unsigned long nr, unsigned long *next)
{
	struct page *page;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (!pfn_valid(pfn + i))
			goto bad;
		page = pfn_to_page(pfn + i);
		if (page_zone(page) != zone || PageReserved(page) ||
		    PageHuge(page) || PageHighMem(page))
			goto bad;
	}
	return true;
bad:
	*next = pfn + i + 1;
	return false;
}

/*
 * @npages contiguous pages aligned to @align (and to their size rounded
 * up to a power of two, so that a zone holds few candidates) and ending
 * at or below @limit, taken from the zones' ranges with
 * alloc_contig_range(), which moves movable pages out of the way: a block
 * larger than the buddy allocator's largest, or one fragmentation keeps
 * it from finding.
 * Higher zones are tried first, to spare ZONE_DMA32 and ZONE_DMA.
 */
static struct page *md_buf_range(unsigned long npages, u64 align, u64 limit)
{
	/* Candidates aligned to their size, as alloc_contig_pages() tries. */
	unsigned long step = max_t(u64, align >> PAGE_SHIFT,
				   roundup_pow_of_two(npages));
	unsigned long last = min_t(u64, limit >> PAGE_SHIFT, ULONG_MAX - 1);
	unsigned long pfn, end, next;
	struct zone *zone;
	int nid, z;

	for_each_online_node(nid) {
		for (z = MAX_NR_ZONES - 1; z >= 0; z--) {
			zone = &NODE_DATA(nid)->node_zones[z];
			if (!populated_zone(zone) || zone_is_zone_device(zone))
				continue;
			end = min(zone_end_pfn(zone), last + 1);
			pfn = ALIGN(zone->zone_start_pfn, step);
			while (pfn < end && npages <= end - pfn) {
				if (fatal_signal_pending(current))
					return NULL;
				if (!md_range_usable(zone, pfn, npages, &next)) {
					pfn = ALIGN(next, step);
					continue;
				}
				if (!dmacmd_md_range_alloc(pfn, npages))
					return pfn_to_page(pfn);
				pfn += step;
				cond_resched();
			}
		}
	}
	return NULL;
}

static int md_buf_contig(struct dmacmd_md *md, unsigned long npages,
			 u64 align, u64 limit)
{
	unsigned int zone = md_first_zone(limit);
	unsigned int order = get_order(max((u64)npages << PAGE_SHIFT, align));
	struct page *page = NULL;
	unsigned long i;

	/* The buddy allocator aligns a block to its size. */
	if (order <= DMACMD_MAX_PAGE_ORDER)
		page = md_buf_block(&zone, order, npages, limit, true);
	if (page && order) {
		split_page(page, order);
		for (i = npages; i < 1UL << order; i++)
			dmacmd_md_page_free(nth_page(page, i), 0);
	}
	/*
	 * Large blocks the buddy allocator has not got (too large, or memory
	 * too fragmented) are searched for; small ones it has if anyone has.
	 */
	if (!page && order > PAGE_ALLOC_COSTLY_ORDER) {
		page = md_buf_range(npages, align, limit);
		if (page)
			for (i = 0; i < npages; i++)
				clear_highpage(nth_page(page, i));
	}
	if (!page)
		return -ENOMEM;
	md->chunks.chunk = &md->chunks.one;
	md->chunks.count = 1;
	md->chunks.one.len = md->len;
	md->chunks.one.phys = page_to_phys(page);
	md->chunks.one.has_page = true;
	md->kaddr = page_address(page);
	md->owns_memory = true;
	return 0;
}

static int md_buf_pages(struct dmacmd_md *md, unsigned long npages,
			u64 limit)
{
	unsigned int zone = md_first_zone(limit);
	struct page **pages;
	unsigned long i;
	void *kaddr;

	if (npages > UINT_MAX)	/* vmap() takes an unsigned int */
		return -ENOMEM;
	pages = dmacmd_kvcalloc(npages, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = md_buf_block(&zone, 0, 1, limit, false);
		if (!pages[i])
			goto err_free_pages;
	}
	kaddr = dmacmd_md_vmap(pages, npages);
	if (!kaddr)
		goto err_free_pages;

	md->pages.pages = pages;
	md->pages.count = npages;
	md->kaddr = kaddr;
	md->vmapped = true;
	md->owns_memory = true;
	return 0;

err_free_pages:
	while (i--)
		dmacmd_md_page_free(pages[i], 0);
	kvfree(pages);
	return -ENOMEM;
}

/**
 * dmacmd_md_alloc() - allocate a buffer within a physical mask
 * @capacity: size in bytes
 * @phys_mask: physical addresses the buffer may use: its lowest set bit is
 *	the alignment of the buffer's start, its highest set bit the highest
 *	address bit any byte may have (e.g. 0xFFFFF000: page aligned, below
 *	4 GiB); 0 means no restriction.  Bits in between are not honoured
 *	separately.
 * @flags: 0 or %DMACMD_MD_CONTIGUOUS (one physically contiguous block)
 * @dir: direction of the transfers
 *
 * IOKit's IOBufferMemoryDescriptor::inTaskWithPhysicalMask() in
 * kernel_task.  The memory is zeroed and comes from the zone that fits
 * the limit (ZONE_DMA up to 24 bits, ZONE_DMA32 up to 32 bits); every
 * page is checked against the limit, and a narrower zone is tried when a
 * page falls above it.  An alignment above a page implies
 * %DMACMD_MD_CONTIGUOUS.  A contiguous buffer comes from the page
 * allocator in one block; one larger than its largest block (4 MiB on
 * x86-64), or one it cannot find for fragmentation, is taken from a range
 * of free and movable pages with alloc_contig_range() (kernels with
 * CONFIG_CONTIG_ALLOC, as Debian's), so that memory really lacks when it
 * fails.  It can take long, as in IOKit.  dmacmd_md_kaddr()
 * returns the CPU address (page_address() when contiguous, a vmap() of
 * the pages otherwise).  The buffer is always wired: it can be walked
 * without dmacmd_md_prepare(), and dmacmd_md_is_prepared() is true; its
 * prepare and complete still nest and must pair.  The memory is freed
 * with the descriptor.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @capacity 0, unknown @flags, invalid @dir, or a mask that
 *   can never hold @capacity bytes
 * * %-ENOMEM - no memory within the mask (logged) or out of memory
 */
struct dmacmd_md *dmacmd_md_alloc(size_t capacity, u64 phys_mask, u32 flags,
				  enum dma_data_direction dir)
{
	unsigned long npages;
	struct dmacmd_md *md;
	u64 align, limit, need;
	const char *why;
	bool contig;
	int ret;

	if (!capacity || capacity > ULONG_MAX - PAGE_SIZE) {
		why = "zero or huge capacity";
		goto err_inval;
	}
	if (flags & ~DMACMD_MD_CONTIGUOUS) {
		why = "unknown flags";
		goto err_inval;
	}
	if (!md_dir_ok(dir)) {
		why = "invalid direction";
		goto err_inval;
	}
	if (!phys_mask)
		phys_mask = U64_MAX;
	align = max_t(u64, phys_mask & -phys_mask, PAGE_SIZE);
	limit = fls64(phys_mask) == 64 ? U64_MAX :
		(1ULL << fls64(phys_mask)) - 1;
	npages = DIV_ROUND_UP(capacity, PAGE_SIZE);
	contig = (flags & DMACMD_MD_CONTIGUOUS) || align > PAGE_SIZE;
	/*
	 * The limit is a power of two minus one, so a contiguous buffer's
	 * block (the smallest power of two holding it) fits when it does.
	 */
	need = (u64)npages << PAGE_SHIFT;
	if (need - 1 > limit) {
		why = "mask cannot hold the capacity";
		goto err_inval;
	}

	md = md_new(contig ? DMACMD_MD_CHUNKS : DMACMD_MD_PAGES, capacity, dir,
		    1, _RET_IP_);
	if (!md)
		return ERR_PTR(-ENOMEM);
	if (contig)
		ret = md_buf_contig(md, npages, align, limit);
	else
		ret = md_buf_pages(md, npages, limit);
	if (ret) {
		pr_err_ratelimited("%pS: no memory for %zu%s bytes within physical mask %#llx (below %#llx, aligned to %#llx)\n",
				   (void *)_RET_IP_, capacity,
				   contig ? " contiguous" : "", phys_mask,
				   limit, align);
		md_destroy(md);
		return ERR_PTR(ret);
	}
	md->capacity = capacity;
	return md;

err_inval:
	dmacmd_misuse(NULL, "bad buffer of %zu bytes, mask %#llx, flags %#x: %s\n",
		      capacity, phys_mask, flags, why);
	return ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(dmacmd_md_alloc);

/**
 * dmacmd_md_set_length() - change the length of an allocated buffer
 * @md: a buffer made by dmacmd_md_alloc()
 * @len: its new length, at most the capacity it was allocated with
 *
 * IOKit's IOBufferMemoryDescriptor::setLength().  The memory stays
 * allocated and at the same addresses; only the bytes the descriptor
 * describes (and so what a command maps of all of it, reads and writes)
 * change.  Only a buffer nothing else uses may change length: no
 * reference on it but the caller's (a command attached to it, a sub-range
 * or concatenation over it would all see their view change) and no
 * device mapping of it kept (see dmacmd_md_prepare()).  A prepared buffer
 * may change length.
 *
 * Context: Process context.  May sleep (the descriptor's mutex).
 * Return:
 *
 * * %0 - done
 * * %-EINVAL - @md is not an allocated buffer, or @len exceeds its capacity
 * * %-EBUSY - @md is held by something else or a device mapping of it is
 *   kept
 */
int dmacmd_md_set_length(struct dmacmd_md *md, size_t len)
{
	const char *why = NULL;

	if (md_bad(md) || !md->owns_memory)
		why = "not an allocated buffer";
	else if (len > md->capacity)
		why = "longer than its capacity";
	if (why) {
		dmacmd_misuse(NULL, "bad length %#zx of buffer %p: %s\n", len,
			      md, why);
		return -EINVAL;
	}

	mutex_lock(&md->lock);
	why = md_held(md);
	if (why) {
		mutex_unlock(&md->lock);
		dmacmd_misuse(NULL, "length of buffer %p not changed: %s\n", md,
			      why);
		return -EBUSY;
	}
	WRITE_ONCE(md->len, len);
	if (md->kind == DMACMD_MD_CHUNKS)
		md->chunks.one.len = len;
	mutex_unlock(&md->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_md_set_length);
