// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: bounce memory of a command.  Each command caches the bounce
 * pages and copy-buffer blocks it has needed so far, so that a stream of
 * prepare/complete cycles of one shape allocates nothing; the overview is
 * "DOC: Bounce buffering" in dmacmd_main.c.
 */
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dmacmd_internal.h"
#include "dmacmd_debug.h"
#include <trace/events/dmacmd.h>

/* Allocation attempts per zone before trying a lower one. */
#define DMACMD_ZONE_TRIES	8

struct page *dmacmd_bounce_alloc_pages(gfp_t gfp, unsigned int order)
{
	if (dmacmd_should_fail(DMACMD_FAULT_BOUNCE))
		return NULL;
	return alloc_pages(gfp, order);
}

/**
 * dmacmd_copy_block_size() - size of one block of a full copy buffer
 * @spec: a normalized spec
 *
 * Blocks are naturally aligned, so one that is at least as large as the
 * largest of the spec's alignments meets all of them, above the page
 * size too.
 *
 * Return: the block size in bytes, a power of two of at least PAGE_SIZE.
 */
unsigned int dmacmd_copy_block_size(const struct dmacmd_spec *spec)
{
	u32 a = max3(spec->alignment, spec->alignment_internal,
		     spec->alignment_length);

	return max_t(u32, PAGE_SIZE, roundup_pow_of_two(a));
}

/*
 * One zeroed block of 2^@order pages lying wholly at or below @max_addr.
 * The zones are tried from the highest that can hold such memory down to
 * ZONE_DMA, each a few times, because a zone may extend beyond the limit
 * (a 28-bit engine and ZONE_DMA32).  Rejected pages are held until the end
 * so that the allocator does not hand them back at once.
 */
static int dmacmd_alloc_block(unsigned int order, u64 max_addr,
			      struct page **out)
{
	static const gfp_t zones[] = { 0, GFP_DMA32, GFP_DMA };
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;
	u64 size = PAGE_SIZE << order;
	int ret = -EADDRNOTAVAIL;
	struct page *page, *tmp;
	LIST_HEAD(rejects);
	unsigned int z, t;

	*out = NULL;
	for (z = max_addr > DMA_BIT_MASK(32) ? 0 : 1; z < ARRAY_SIZE(zones);
	     z++) {
		for (t = 0; t < DMACMD_ZONE_TRIES; t++) {
			/*
			 * A zone's allocation falls back to the lower zones
			 * by itself, so NULL means there is no memory left.
			 */
			page = dmacmd_bounce_alloc_pages(gfp | zones[z], order);
			if (!page) {
				ret = -ENOMEM;
				goto out_free;
			}
			if (page_to_phys(page) + size - 1 <= max_addr) {
				*out = page;
				ret = 0;
				goto out_free;
			}
			list_add(&page->lru, &rejects);
		}
	}
out_free:
	list_for_each_entry_safe(page, tmp, &rejects, lru) {
		list_del(&page->lru);
		__free_pages(page, order);
	}
	return ret;
}

/**
 * dmacmd_pool_take() - hand a block of bounce memory to the live mapping
 * @cmd: the command owning @pool
 * @pool: one of @cmd's pools
 * @order: page order of the block
 * @max_addr: highest CPU physical address the block may reach
 * @blk: set to the block's first page
 *
 * Reuses a cached block when there is one; cached blocks that do not fit
 * @order or @max_addr are freed first (only when the pool is idle).
 *
 * Return: 0, -ENOMEM, or -EADDRNOTAVAIL when no memory within @max_addr
 * could be found (logged).
 */
int dmacmd_pool_take(struct dmacmd *cmd, struct dmacmd_pool *pool,
		     unsigned int order, u64 max_addr, struct page **blk)
{
	struct page *page;
	int ret;

	if (pool->nr && (pool->order != order || pool->max_addr > max_addr)) {
		if (pool->used)
			return -EBUSY;
		dmacmd_pool_free(pool);
	}
	if (!pool->nr) {
		pool->order = order;
		pool->max_addr = max_addr;
	}
	if (pool->used < pool->nr) {
		*blk = pool->blk[pool->used++];
		return 0;
	}
	if (pool->nr == pool->cap) {
		unsigned int cap = pool->cap ? 2 * pool->cap : 8;
		struct page **arr;

		arr = dmacmd_map_kvcalloc(cap, sizeof(*arr));
		if (!arr)
			return -ENOMEM;
		if (pool->nr)
			memcpy(arr, pool->blk, pool->nr * sizeof(*arr));
		kvfree(pool->blk);
		pool->blk = arr;
		pool->cap = cap;
	}
	ret = dmacmd_alloc_block(order, max_addr, &page);
	if (ret == -EADDRNOTAVAIL)
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: no memory at or below %#llx for bounce buffers (spec of %u address bits)\n",
				    max_addr, cmd->spec.address_bits);
	if (ret)
		return ret;
	pool->blk[pool->nr++] = page;
	pool->used++;
	*blk = page;
	return 0;
}

/**
 * dmacmd_pool_release() - return every block of a pool to its cache
 * @pool: the pool
 */
void dmacmd_pool_release(struct dmacmd_pool *pool)
{
	pool->used = 0;
}

/**
 * dmacmd_pool_free() - free a pool's blocks
 * @pool: an idle pool
 */
void dmacmd_pool_free(struct dmacmd_pool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr; i++)
		__free_pages(pool->blk[i], pool->order);
	kvfree(pool->blk);
	memset(pool, 0, sizeof(*pool));
}

/**
 * dmacmd_bounce_add() - record a piece of the prepared range as bounced
 * @m: the mapping being built
 * @md_off: offset of the piece within the attached descriptor
 * @len: bytes
 * @page: the bounce memory
 * @page_off: offset of the piece within @page's memory
 *
 * Return: 0 or -ENOMEM.
 */
int dmacmd_bounce_add(struct dmacmd_mapping *m, u64 md_off, u32 len,
		      struct page *page, u32 page_off)
{
	struct dmacmd_bounce_ref *r;

	if (m->nbref == m->bref_cap) {
		unsigned int cap = m->bref_cap ? 2 * m->bref_cap : 16;
		struct dmacmd_bounce_ref *arr;

		if (cap < m->bref_cap)
			return -ENOMEM;
		arr = dmacmd_map_kvcalloc(cap, sizeof(*arr));
		if (!arr)
			return -ENOMEM;
		if (m->nbref)
			memcpy(arr, m->bref, m->nbref * sizeof(*arr));
		kvfree(m->bref);
		m->bref = arr;
		m->bref_cap = cap;
	}
	r = &m->bref[m->nbref++];
	r->md_off = md_off;
	r->len = len;
	r->page = page;
	r->page_off = page_off;
	m->bounced += len;
	return 0;
}

/*
 * Copy @len bytes between @buf and the descriptor at @off, one physically
 * contiguous run (one memcpy) at a time.
 */
static int dmacmd_copy_md(struct dmacmd_md_iter *it, u64 off, u8 *buf,
			  u64 len, bool to_buf)
{
	struct dmacmd_md_seg seg;
	int ret;

	while (len) {
		u64 rl, o = 0;

		ret = dmacmd_md_iter_seg(it, off, len, &seg);
		if (ret)
			return ret;
		if (!seg.len)
			return -EIO;
		if (!seg.page)
			return -EOPNOTSUPP;
		rl = min(seg.len, len);
		while (o < rl) {
			u64 pos = seg.offset + o, c = rl - o;
			struct page *p = nth_page(seg.page, pos >> PAGE_SHIFT);
			void *va;

			if (IS_ENABLED(CONFIG_HIGHMEM))
				c = min_t(u64, c, PAGE_SIZE - offset_in_page(pos));
			va = kmap_local_page(p) + offset_in_page(pos);
			if (to_buf)
				memcpy(buf + o, va, c);
			else
				memcpy(va, buf + o, c);
			kunmap_local(va);
			o += c;
		}
		off += rl;
		buf += rl;
		len -= rl;
	}
	return 0;
}

/**
 * dmacmd_bounce_copy() - copy between memory and a mapping's bounce memory
 * @cmd: the command
 * @m: the mapping
 * @to_bounce: memory to bounce memory if true, else back to memory
 *
 * Walks the bounced pieces in descriptor order with one descriptor
 * iterator, so the whole pass is linear in the size of the range.
 *
 * Return: 0, or the error of the descriptor walk.
 */
int dmacmd_bounce_copy(struct dmacmd *cmd, struct dmacmd_mapping *m,
		       bool to_bounce)
{
	struct dmacmd_md_iter it;
	unsigned int i;
	int ret;

	trace_dmacmd_bounce_copy(cmd, cmd->dev, to_bounce, cmd->prep_off,
				 m->bounced);
	dmacmd_md_iter_init(&it, cmd->md);
	for (i = 0; i < m->nbref; i++) {
		struct dmacmd_bounce_ref *r = &m->bref[i];

		ret = dmacmd_copy_md(&it, r->md_off,
				     (u8 *)page_address(r->page) + r->page_off,
				     r->len, to_bounce);
		if (ret)
			return ret;
	}
	return 0;
}
