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

/*
 * A coherent block within @max_addr.  dma_alloc_coherent() honours the
 * device's coherent mask, not a narrower spec, so a block beyond the spec
 * is held and another tried, a few times.
 */
static int dmacmd_cpool_alloc(struct device *dev, size_t size, u64 max_addr,
			      struct dmacmd_cblock *b)
{
	struct dmacmd_cblock rej[DMACMD_ZONE_TRIES];
	unsigned int n = 0;
	int ret = -EADDRNOTAVAIL;

	while (n < ARRAY_SIZE(rej)) {
		if (dmacmd_should_fail(DMACMD_FAULT_BOUNCE)) {
			ret = -ENOMEM;
			break;
		}
		b->cpu = dma_alloc_coherent(dev, size, &b->dma,
					    GFP_KERNEL | __GFP_NOWARN);
		if (!b->cpu) {
			ret = -ENOMEM;
			break;
		}
		if (b->dma <= max_addr && max_addr - b->dma >= size - 1) {
			ret = 0;
			break;
		}
		rej[n++] = *b;
	}
	while (n--)
		dma_free_coherent(dev, size, rej[n].cpu, rej[n].dma);
	return ret;
}

/**
 * dmacmd_cpool_take() - hand a coherent block to the live mapping
 * @cmd: the command
 * @size: bytes per block, a power of two
 * @blk: set to the block
 *
 * Reuses a cached block when there is one; cached blocks of another size,
 * or beyond the current address limit, are freed first (only when the
 * pool is idle).
 *
 * Return: 0, -EBUSY (blocks of another size in use), -ENOMEM, or
 * -EADDRNOTAVAIL when no block within the address limit came.
 */
int dmacmd_cpool_take(struct dmacmd *cmd, size_t size,
		      struct dmacmd_cblock **blk)
{
	struct dmacmd_cpool *cp = &cmd->cpool;
	int ret;

	if (cp->nr && (cp->size != size || cp->max_addr > cmd->max_addr)) {
		if (cp->used)
			return -EBUSY;
		dmacmd_cpool_free(cmd);
	}
	if (!cp->nr) {
		cp->size = size;
		cp->max_addr = cmd->max_addr;
	}
	if (cp->used < cp->nr) {
		*blk = &cp->blk[cp->used++];
		return 0;
	}
	if (cp->nr == cp->cap) {
		unsigned int cap = cp->cap ? 2 * cp->cap : 8;
		struct dmacmd_cblock *arr;

		arr = dmacmd_map_kvcalloc(cap, sizeof(*arr));
		if (!arr)
			return -ENOMEM;
		if (cp->nr)
			memcpy(arr, cp->blk, cp->nr * sizeof(*arr));
		kvfree(cp->blk);
		cp->blk = arr;
		cp->cap = cap;
	}
	ret = dmacmd_cpool_alloc(cmd->dev, size, cmd->max_addr,
				 &cp->blk[cp->nr]);
	if (ret == -EADDRNOTAVAIL)
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: no coherent memory at or below %#llx for a copy buffer (spec of %u address bits)\n",
				    cmd->max_addr, cmd->spec.address_bits);
	if (ret)
		return ret;
	*blk = &cp->blk[cp->nr++];
	cp->used++;
	return 0;
}

/**
 * dmacmd_cpool_free() - free a command's coherent blocks
 * @cmd: the command; its coherent pool must be idle
 */
void dmacmd_cpool_free(struct dmacmd *cmd)
{
	struct dmacmd_cpool *cp = &cmd->cpool;
	unsigned int i;

	for (i = 0; i < cp->nr; i++)
		dma_free_coherent(cmd->dev, cp->size, cp->blk[i].cpu,
				  cp->blk[i].dma);
	kvfree(cp->blk);
	memset(cp, 0, sizeof(*cp));
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
 * @cpu: the CPU's address of the bounce copy
 *
 * Return: 0 or -ENOMEM.
 */
int dmacmd_bounce_add(struct dmacmd_mapping *m, u64 md_off, u64 len,
		      void *cpu)
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
	r->cpu = cpu;
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

		ret = dmacmd_md_iter_page_seg(it, off, len, &seg);
		if (ret)
			return ret;
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

		ret = dmacmd_copy_md(&it, r->md_off, r->cpu, r->len, to_bounce);
		if (ret)
			return ret;
	}
	return 0;
}
