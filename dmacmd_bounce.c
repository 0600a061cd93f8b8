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

#include "dmacmd_cmd.h"
#include "dmacmd_bounce.h"
#include <trace/events/dmacmd.h>

/* Allocation attempts per zone before trying a lower one. */
#define DMACMD_ZONE_TRIES	8

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

/* A block of pages: dmacmd_alloc_block() at the order of @size. */
static int dmacmd_page_block(size_t size, u64 max_addr,
			     struct dmacmd_block *blk)
{
	int ret;

	ret = dmacmd_alloc_block(get_order(size), max_addr, &blk->page);
	if (ret)
		return ret;
	blk->cpu = page_address(blk->page);
	blk->dma = 0;
	return 0;
}

/*
 * A coherent block within @max_addr.  dma_alloc_coherent() honours the
 * device's coherent mask, not a narrower spec, so a block beyond the spec
 * is held and another tried, a few times.
 */
static int dmacmd_coherent_block(struct device *dev, size_t size,
				 u64 max_addr, struct dmacmd_block *blk)
{
	struct dmacmd_block rej[DMACMD_ZONE_TRIES];
	unsigned int n = 0;
	int ret = -EADDRNOTAVAIL;

	blk->page = NULL;
	while (n < ARRAY_SIZE(rej)) {
		if (dmacmd_should_fail(DMACMD_FAULT_BOUNCE)) {
			ret = -ENOMEM;
			break;
		}
		blk->cpu = dma_alloc_coherent(dev, size, &blk->dma,
					      GFP_KERNEL | __GFP_NOWARN);
		if (!blk->cpu) {
			ret = -ENOMEM;
			break;
		}
		if (blk->dma <= max_addr && max_addr - blk->dma >= size - 1) {
			ret = 0;
			break;
		}
		rej[n++] = *blk;
	}
	while (n--)
		dma_free_coherent(dev, size, rej[n].cpu, rej[n].dma);
	return ret;
}

/**
 * dmacmd_pool_take() - hand a block of bounce memory to the live mapping
 * @pool: one of a command's pools
 * @dev: the command's device (coherent pools allocate for it)
 * @size: bytes per block, a power of two of at least PAGE_SIZE
 * @max_addr: highest address the block may reach (see &struct dmacmd_pool)
 * @blk: set to the block
 *
 * Reuses a cached block when there is one; cached blocks of another size,
 * or beyond @max_addr, are freed first (only when the pool is idle).
 *
 * Return: 0, -EBUSY (blocks of another size or limit in use), -ENOMEM, or
 * -EADDRNOTAVAIL when no memory within @max_addr could be found.
 */
int dmacmd_pool_take(struct dmacmd_pool *pool, struct device *dev,
		     size_t size, u64 max_addr, struct dmacmd_block **blk)
{
	struct dmacmd_block *b;
	int ret;

	if (pool->nr && (pool->size != size || pool->max_addr > max_addr)) {
		if (pool->used)
			return -EBUSY;
		dmacmd_pool_free(pool, dev);
	}
	if (!pool->nr) {
		pool->size = size;
		pool->max_addr = max_addr;
	}
	if (pool->used < pool->nr) {
		*blk = &pool->blk[pool->used++];
		return 0;
	}
	ret = dmacmd_grow(pool->blk, pool->cap, pool->nr, 8);
	if (ret)
		return ret;
	b = &pool->blk[pool->nr];
	if (pool->coherent)
		ret = dmacmd_coherent_block(dev, size, max_addr, b);
	else
		ret = dmacmd_page_block(size, max_addr, b);
	if (ret)
		return ret;
	pool->nr++;
	pool->used++;
	*blk = b;
	return 0;
}

/**
 * dmacmd_pool_free() - free a pool's blocks
 * @pool: an idle pool
 * @dev: the device its coherent blocks were allocated for
 *
 * The pool stays usable, of the same kind.
 */
void dmacmd_pool_free(struct dmacmd_pool *pool, struct device *dev)
{
	unsigned int i;

	for (i = 0; i < pool->nr; i++) {
		struct dmacmd_block *b = &pool->blk[i];

		if (pool->coherent)
			dma_free_coherent(dev, pool->size, b->cpu, b->dma);
		else
			__free_pages(b->page, get_order(pool->size));
	}
	kvfree(pool->blk);
	pool->blk = NULL;
	pool->nr = 0;
	pool->cap = 0;
	pool->used = 0;
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
	struct dmacmd_bounce_piece *r;

	if (dmacmd_grow(m->pieces, m->pieces_cap, m->nr_pieces, 16))
		return -ENOMEM;
	r = &m->pieces[m->nr_pieces++];
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
	struct dmacmd_md_run run;
	u64 n;
	int ret;

	while (len) {
		ret = dmacmd_md_iter_page_run(it, off, len, &run);
		if (ret)
			return ret;
		n = min(run.len, len);
		dmacmd_md_run_copy(&run, buf, n, !to_buf);
		off += n;
		buf += n;
		len -= n;
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
	for (i = 0; i < m->nr_pieces; i++) {
		struct dmacmd_bounce_piece *r = &m->pieces[i];

		ret = dmacmd_copy_md(&it, r->md_off, r->cpu, r->len, to_bounce);
		if (ret)
			return ret;
	}
	return 0;
}
