/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounce memory of a command: the pools of blocks it caches, and the
 * pieces of a mapping that live in them.  Implemented in dmacmd_bounce.c.
 */
#ifndef _DMACMD_BOUNCE_H
#define _DMACMD_BOUNCE_H

#include <linux/compiler.h>
#include <linux/types.h>

struct dentry;
struct device;
struct page;
struct dmacmd;
struct dmacmd_mapping;
struct dmacmd_spec;

/**
 * struct dmacmd_bounce_piece - a piece of the prepared range in bounce memory
 * @md_off: offset of the piece in the attached descriptor
 * @len: bytes
 * @cpu: the CPU's address of the piece's bounce copy
 */
struct dmacmd_bounce_piece {
	u64 md_off;
	u64 len;
	void *cpu;
};

/**
 * struct dmacmd_block - one block of a pool
 * @page: its first page (page pools; NULL in a coherent pool)
 * @cpu: its CPU address
 * @dma: its DMA address (coherent pools only: a page pool's blocks are
 *	mapped with the rest of the list)
 */
struct dmacmd_block {
	struct page *page;
	void *cpu;
	dma_addr_t dma;
};

/**
 * struct dmacmd_pool - bounce memory cached by one command for one use
 * @blk: blocks allocated so far, all of @size bytes, all ending at or
 *	below @max_addr
 * @nr: blocks in @blk
 * @cap: capacity of @blk
 * @used: blocks handed to the live mapping (the first @used of @blk)
 * @size: bytes per block, a power of two of at least PAGE_SIZE; a block
 *	is aligned to its size
 * @max_addr: highest address a block may reach: CPU physical for pages,
 *	DMA for coherent blocks
 * @coherent: blocks are coherent DMA memory of the command's device
 *	(dma_alloc_coherent()), not pages
 *
 * Blocks stay cached when a mapping is torn down, so prepare/complete
 * cycles of one shape allocate nothing; they are freed when the command is
 * released, or when a new specification needs lower or larger blocks.
 */
struct dmacmd_pool {
	struct dmacmd_block *blk;
	unsigned int nr;
	unsigned int cap;
	unsigned int used;
	size_t size;
	u64 max_addr;
	bool coherent;
};

/* A command's pools, one per use. */
enum dmacmd_pool_id {
	DMACMD_POOL_PAGES,	/* single pages replacing unreachable pages */
	DMACMD_POOL_COPY,	/* aligned blocks of a full copy buffer */
	DMACMD_POOL_COHERENT,	/* the copy buffer's last resort: what the
				 * platform's streaming mappings cannot meet
				 * (swiotlb keeps page alignment at most, its
				 * slots may lie beyond a narrow spec)
				 */
	DMACMD_NR_POOLS,
};

extern unsigned int dmacmd_pool_max_kb;
void dmacmd_pool_trim(struct dmacmd_pool *pool, struct device *dev);

/* The pool_max_kb parameter in bytes. */
static inline u64 dmacmd_pool_max_bytes(void)
{
	return (u64)READ_ONCE(dmacmd_pool_max_kb) << 10;
}

/*
 * Return every block of a pool to its cache (inline: every complete); a
 * pool grown beyond the pool_max_kb parameter gives back the excess.
 */
static inline void dmacmd_pool_release(struct dmacmd_pool *pool,
				       struct device *dev)
{
	pool->used = 0;
	if (unlikely(pool->nr &&
		     (u64)pool->nr * pool->size > dmacmd_pool_max_bytes()))
		dmacmd_pool_trim(pool, dev);
}

int dmacmd_pool_take(struct dmacmd_pool *pool, struct device *dev,
		     size_t size, u64 max_addr, struct dmacmd_block **blk);
void dmacmd_pool_free(struct dmacmd_pool *pool, struct device *dev);
void dmacmd_pools_note(struct dmacmd *cmd);
void dmacmd_pools_forget(struct dmacmd *cmd);
int dmacmd_pools_init(struct dentry *dir);
void dmacmd_pools_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
/* For the tests: the shrinker's work, and what every pool caches. */
unsigned long dmacmd_pools_shrink(unsigned long nr_pages);
long dmacmd_pools_bytes(void);
#endif

int dmacmd_bounce_add(struct dmacmd_mapping *m, u64 md_off, u64 len,
		      void *cpu);
int dmacmd_bounce_copy(struct dmacmd *cmd, struct dmacmd_mapping *m,
		       bool to_bounce);
unsigned int dmacmd_copy_block_size(const struct dmacmd_spec *spec);

#endif /* _DMACMD_BOUNCE_H */
