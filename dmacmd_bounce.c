// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: bounce memory of a command.  Each command caches the bounce
 * pages and copy-buffer blocks it has needed so far, so that a stream of
 * prepare/complete cycles of one shape allocates nothing; the overview is
 * "DOC: Bounce buffering" in dmacmd_main.c.
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>

#include "dmacmd_cmd.h"
#include "dmacmd_bounce.h"
#include <trace/events/dmacmd.h>

/* Allocation attempts per zone before trying a lower one. */
#define DMACMD_ZONE_TRIES	8

/**
 * DOC: Bounce pools
 *
 * A command keeps the bounce pages and copy-buffer blocks of its last
 * transfers, so that a stream of transfers of one shape allocates
 * nothing.  What it keeps is bounded:
 *
 * * at complete, a pool holding more than the ``pool_max_kb`` module
 *   parameter (KiB per pool of a command, 16384 by default; writable at
 *   run time) frees the blocks beyond it: a command that once bounced a
 *   huge transfer does not keep it for its life;
 * * under memory pressure a shrinker frees the cached bounce pages and
 *   copy blocks of every command that is neither prepared nor in a call
 *   (coherent blocks, a last resort, go at complete and release only);
 * * ``/sys/kernel/debug/dmacmd/pools`` shows the bytes cached in every
 *   pool, the limit, and the bytes freed so far at complete and by the
 *   shrinker.
 */
unsigned int dmacmd_pool_max_kb = 16384;
EXPORT_SYMBOL_IF_KUNIT(dmacmd_pool_max_kb);
module_param_named(pool_max_kb, dmacmd_pool_max_kb, uint, 0644);
MODULE_PARM_DESC(pool_max_kb,
		 "bounce memory kept between transfers, in KiB per pool of a command (default 16384)");

/* Commands whose pools have held blocks: the shrinker's list. */
static LIST_HEAD(dmacmd_pooled);
static DEFINE_SPINLOCK(dmacmd_pooled_lock);
static atomic_long_t dmacmd_pool_bytes;		/* every block of every pool */
static atomic_long_t dmacmd_pool_trimmed;	/* freed at complete */
static atomic_long_t dmacmd_pool_shrunk;	/* freed by the shrinker */
static struct shrinker *dmacmd_pool_shrinker;

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
	atomic_long_add(size, &dmacmd_pool_bytes);
	pool->nr++;
	pool->used++;
	*blk = b;
	return 0;
}

/* Free the blocks of @pool from @keep on, those in use excepted. */
static unsigned long dmacmd_pool_drop(struct dmacmd_pool *pool,
				      struct device *dev, unsigned int keep)
{
	unsigned long bytes;
	unsigned int i;

	keep = max(keep, pool->used);
	if (keep >= pool->nr)
		return 0;
	for (i = keep; i < pool->nr; i++) {
		struct dmacmd_block *b = &pool->blk[i];

		if (pool->coherent)
			dma_free_coherent(dev, pool->size, b->cpu, b->dma);
		else
			__free_pages(b->page, get_order(pool->size));
	}
	bytes = (unsigned long)(pool->nr - keep) * pool->size;
	pool->nr = keep;
	if (!keep) {
		kvfree(pool->blk);
		pool->blk = NULL;
		pool->cap = 0;
	}
	atomic_long_sub(bytes, &dmacmd_pool_bytes);
	return bytes;
}

/**
 * dmacmd_pool_trim() - free what a pool holds beyond pool_max_kb
 * @pool: the pool, its blocks returned (dmacmd_pool_release())
 * @dev: the device its coherent blocks were allocated for
 */
void dmacmd_pool_trim(struct dmacmd_pool *pool, struct device *dev)
{
	unsigned long bytes;

	bytes = dmacmd_pool_drop(pool, dev,
				 div64_u64(dmacmd_pool_max_bytes(), pool->size));
	atomic_long_add(bytes, &dmacmd_pool_trimmed);
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
	pool->used = 0;
	dmacmd_pool_drop(pool, dev, 0);
	kvfree(pool->blk);
	pool->blk = NULL;
	pool->cap = 0;
}

/**
 * dmacmd_pools_note() - put a command on the shrinker's list
 * @cmd: a command whose pool has just taken a block, not on the list yet
 *
 * Only @cmd's own calls and its release change its membership, so that
 * the caller may test list_empty(&@cmd->pool_node) without the lock.
 */
void dmacmd_pools_note(struct dmacmd *cmd)
{
	spin_lock(&dmacmd_pooled_lock);
	list_add_tail(&cmd->pool_node, &dmacmd_pooled);
	spin_unlock(&dmacmd_pooled_lock);
}

/**
 * dmacmd_pools_forget() - take a command off the shrinker's list
 * @cmd: a command being released (no reference is left)
 */
void dmacmd_pools_forget(struct dmacmd *cmd)
{
	if (list_empty(&cmd->pool_node))
		return;
	/* The shrinker trims under the lock: it is done with @cmd after. */
	spin_lock(&dmacmd_pooled_lock);
	list_del_init(&cmd->pool_node);
	spin_unlock(&dmacmd_pooled_lock);
}

/*
 * Mark @cmd, still on the list (so not released: its release takes it off
 * first, under the lock), as in a call of the shrinker's, unless someone
 * is in a call on it or it is prepared: an interrupt may then walk its
 * segments, and must not find it marked.  Interrupts are off meanwhile,
 * so that none comes in on this CPU.
 */
static bool dmacmd_cmd_shrink_claim(struct dmacmd *cmd)
{
	unsigned long flags;
	bool claimed;

	local_irq_save(flags);
	claimed = !cmpxchg(&cmd->in_call, NULL, DMACMD_IN_RECLAIM);
	if (claimed && READ_ONCE(cmd->active)) {
		/* Nothing changed: give the command back as it was. */
		smp_store_release(&cmd->in_call, NULL);
		claimed = false;
	}
	local_irq_restore(flags);
	return claimed;
}

/*
 * Free what @cmd's page pools cache, claimed by dmacmd_cmd_shrink_claim().
 * Freeing pages does not sleep: the claim is short, and held under the
 * list's lock.  Coherent blocks (dma_free_coherent() may sleep) go at
 * complete beyond the limit, and at release.
 */
static unsigned long dmacmd_cmd_shrink(struct dmacmd *cmd)
{
	unsigned long bytes = 0;
	unsigned int i;

	for (i = 0; i < DMACMD_NR_POOLS; i++)
		if (!cmd->pool[i].coherent)
			bytes += dmacmd_pool_drop(&cmd->pool[i], cmd->dev, 0);
	/* The pools' new state before the command is anyone's again. */
	smp_store_release(&cmd->in_call, NULL);
	return bytes;
}

/**
 * dmacmd_pools_shrink() - free cached bounce memory
 * @nr_pages: pages wanted
 *
 * Frees the cached bounce pages and copy blocks of commands that are not
 * prepared, visiting them one at a time from the head of the list, which
 * is rotated so that the next call starts where this one stopped.  A
 * command is claimed (see dmacmd_claim()) under the list's lock, which
 * its release takes too, so that neither its owner's calls nor its
 * release touch its pools meanwhile.
 *
 * Context: Process context.
 * Return: pages freed.
 */
VISIBLE_IF_KUNIT unsigned long dmacmd_pools_shrink(unsigned long nr_pages)
{
	unsigned long freed = 0, visits;
	struct dmacmd *cmd;

	spin_lock(&dmacmd_pooled_lock);
	visits = list_count_nodes(&dmacmd_pooled);
	spin_unlock(&dmacmd_pooled_lock);
	while (visits-- && freed < nr_pages) {
		spin_lock(&dmacmd_pooled_lock);
		cmd = list_first_entry_or_null(&dmacmd_pooled, struct dmacmd,
					       pool_node);
		if (cmd) {
			list_move_tail(&cmd->pool_node, &dmacmd_pooled);
			if (dmacmd_cmd_shrink_claim(cmd))
				freed += dmacmd_cmd_shrink(cmd) >> PAGE_SHIFT;
		}
		spin_unlock(&dmacmd_pooled_lock);
		cond_resched();
	}
	atomic_long_add(freed << PAGE_SHIFT, &dmacmd_pool_shrunk);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_pools_shrink);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * dmacmd_pools_bytes() - bounce memory cached in every command's pools
 *
 * Return: bytes.
 */
long dmacmd_pools_bytes(void)
{
	return atomic_long_read(&dmacmd_pool_bytes);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_pools_bytes);
#endif

static unsigned long dmacmd_pools_count(struct shrinker *s,
					struct shrink_control *sc)
{
	unsigned long pages = atomic_long_read(&dmacmd_pool_bytes) >>
			      PAGE_SHIFT;

	return pages ? pages : SHRINK_EMPTY;
}

static unsigned long dmacmd_pools_scan(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long freed = dmacmd_pools_shrink(sc->nr_to_scan);

	return freed ? freed : SHRINK_STOP;
}

static int dmacmd_pools_show(struct seq_file *m, void *v)
{
	seq_printf(m, "cached_bytes %ld\nlimit_kb %u\ntrimmed_bytes %ld\nshrunk_bytes %ld\n",
		   atomic_long_read(&dmacmd_pool_bytes),
		   READ_ONCE(dmacmd_pool_max_kb),
		   atomic_long_read(&dmacmd_pool_trimmed),
		   atomic_long_read(&dmacmd_pool_shrunk));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmacmd_pools);

/**
 * dmacmd_pools_init() - register the pools' shrinker and debugfs file
 * @dir: dmacmd's debugfs directory
 *
 * Return: 0 or -ENOMEM.
 */
int dmacmd_pools_init(struct dentry *dir)
{
	dmacmd_pool_shrinker = dmacmd_shrinker_alloc("dmacmd-pools");
	if (!dmacmd_pool_shrinker)
		return -ENOMEM;
	dmacmd_pool_shrinker->count_objects = dmacmd_pools_count;
	dmacmd_pool_shrinker->scan_objects = dmacmd_pools_scan;
	dmacmd_pool_shrinker->seeks = DEFAULT_SEEKS;
	dmacmd_shrinker_register(dmacmd_pool_shrinker, "dmacmd-pools");
	debugfs_create_file("pools", 0444, dir, NULL, &dmacmd_pools_fops);
	return 0;
}

/* Unregister the shrinker: every command is gone by now. */
void dmacmd_pools_exit(void)
{
	dmacmd_shrinker_free(dmacmd_pool_shrinker);
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
