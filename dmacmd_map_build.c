// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: building the scatterlist of a prepared range.  Memory the device
 * reaches as it is goes in as it is; what it cannot reach is
 * double-buffered through bounce memory (dmacmd_bounce.c), or a copy
 * buffer stands in for the whole range.  dmacmd_map.c maps the result.
 */
#include <linux/dma-mapping.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dmacmd_internal.h"
#include "dmacmd_map_build.h"

/* A fresh scatterlist entry at the end of @m's list, growing it. */
struct scatterlist *dmacmd_sg_add(struct dmacmd_mapping *m, unsigned int *n)
{
	struct scatterlist *sg;

	if (*n == m->sg_cap) {
		unsigned int cap = m->sg_cap ? 2 * m->sg_cap : 16;
		struct scatterlist *new;

		if (cap < m->sg_cap)
			return NULL;
		new = dmacmd_map_kvcalloc(cap, sizeof(*new));
		if (!new)
			return NULL;
		if (*n)
			memcpy(new, m->sgl, *n * sizeof(*new));
		kvfree(m->sgl);
		m->sgl = new;
		m->sg_cap = cap;
	}
	/* sg_init_table() of one entry, without its end mark. */
	sg = &m->sgl[(*n)++];
	memset(sg, 0, sizeof(*sg));
	return sg;
}

/* Close @m's list after its @n entries: segments come from it from now on. */
void dmacmd_list_done(struct dmacmd_mapping *m, unsigned int n)
{
	sg_mark_end(&m->sgl[n - 1]);
	m->sgt.sgl = m->sgl;
	m->sgt.orig_nents = n;
	m->sgt.nents = n;
	m->sg_walk = true;
}

/* Add [@phys, @phys + @len) of memory that the device reaches as it is. */
static int dmacmd_build_direct(struct dmacmd_build *b, struct page *page,
			       unsigned int pgoff, phys_addr_t phys, u64 len)
{
	struct scatterlist *sg;
	u64 e;

	while (len) {
		struct page *p = nth_page(page, pgoff >> PAGE_SHIFT);
		unsigned int off = offset_in_page(pgoff);

		e = min_t(u64, len, b->max_ent);
		if (b->bmask != ~0UL)
			e = min_t(u64, e, (phys | b->bmask) - phys + 1);
		sg = b->n ? &b->m->sgl[b->n - 1] : NULL;
		if (sg && b->last_direct && b->last_end == phys &&
		    sg->length + e <= b->max_ent &&
		    (b->bmask == ~0UL ||
		     !((sg_phys(sg) ^ (phys + e - 1)) & ~(u64)b->bmask))) {
			sg->length += e;
		} else {
			sg = dmacmd_sg_add(b->m, &b->n);
			if (!sg)
				return -ENOMEM;
			sg_set_page(sg, p, e, off);
		}
		b->last_direct = true;
		b->last_end = phys + e;
		phys += e;
		pgoff += e;
		len -= e;
	}
	return 0;
}

/* Add a piece the device cannot reach: a bounce page at the same offset. */
static int dmacmd_build_bounce(struct dmacmd_build *b, u64 md_off,
			       phys_addr_t phys, u32 len)
{
	struct dmacmd *cmd = b->cmd;
	struct scatterlist *sg;
	struct page *page;
	int ret;

	ret = dmacmd_pool_take(cmd, &cmd->pool[DMACMD_POOL_PAGES], 0,
			       b->bounce_max, &page);
	if (ret)
		return ret;
	ret = dmacmd_bounce_add(b->m, md_off, len,
				page_address(page) + offset_in_page(phys));
	if (ret)
		return ret;
	sg = dmacmd_sg_add(b->m, &b->n);
	if (!sg)
		return -ENOMEM;
	sg_set_page(sg, page, len, offset_in_page(phys));
	b->last_direct = false;
	return 0;
}

/*
 * Scatterlist of the prepared range as it is, with every page the device
 * cannot reach (above @b->bounce_max) replaced by a bounce page.
 */
int dmacmd_build_runs(struct dmacmd_build *b)
{
	struct dmacmd *cmd = b->cmd;
	u64 off = cmd->prep_off, end = cmd->prep_off + cmd->prep_len;
	struct dmacmd_md_seg seg;
	int ret;

	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	while (off < end) {
		u64 len, done = 0;

		ret = dmacmd_md_iter_page_seg(&cmd->iter, off, end - off,
					      &seg);
		if (ret)
			return ret;
		len = min(seg.len, end - off);
		while (done < len) {
			phys_addr_t phys = seg.phys + done;
			u64 rem = len - done, low, chunk;

			if (phys + rem - 1 <= b->bounce_max) {
				ret = dmacmd_build_direct(b, seg.page,
							  seg.offset + done,
							  phys, rem);
				chunk = rem;
			} else {
				low = round_down(b->bounce_max + 1, PAGE_SIZE);
				if (phys < low) {
					chunk = min_t(u64, rem, low - phys);
					ret = dmacmd_build_direct(b, seg.page,
								  seg.offset + done,
								  phys, chunk);
				} else {
					chunk = min_t(u64, rem, PAGE_SIZE -
						      offset_in_page(phys));
					ret = dmacmd_build_bounce(b, off + done,
								  phys, chunk);
				}
			}
			if (ret)
				return ret;
			done += chunk;
		}
		off += len;
	}
	return 0;
}

/* Scatterlist of a copy buffer holding the whole prepared range. */
/*
 * Block size of a copy buffer: the spec's (dmacmd_copy_block_size()), or
 * larger for a long range, up to %DMACMD_COPY_BLOCK and the longest entry
 * the device maps, so that copies are long memcpy()s.  A larger naturally
 * aligned block meets every alignment a smaller one does.
 */
static u64 dmacmd_copy_bsz(const struct dmacmd_build *b, bool large)
{
	u64 min = dmacmd_copy_block_size(&b->cmd->spec), want;

	if (!large)
		return min;
	want = min_t(u64, roundup_pow_of_two(b->cmd->prep_len),
		     DMACMD_COPY_BLOCK);
	if (b->max_ent >= min)
		want = min_t(u64, want, rounddown_pow_of_two(b->max_ent));
	return max(want, min);
}

/* Start a copy buffer over with the spec's own block size. */
static bool dmacmd_copy_shrink(struct dmacmd_build *b, u64 *bsz, int ret)
{
	u64 min = dmacmd_copy_bsz(b, false);

	if (ret != -ENOMEM || *bsz <= min)
		return false;
	*bsz = min;
	b->n = 0;
	b->m->nbref = 0;
	b->m->bounced = 0;
	return true;
}

int dmacmd_build_copy(struct dmacmd_build *b)
{
	struct dmacmd *cmd = b->cmd;
	u64 bsz = dmacmd_copy_bsz(b, true), done, e;
	struct scatterlist *sg;
	struct page *blk;
	int ret;

restart:
	for (done = 0; done < cmd->prep_len; done += bsz) {
		u64 blen = min(bsz, cmd->prep_len - done), o, mlen;

		ret = dmacmd_pool_take(cmd, &cmd->pool[DMACMD_POOL_COPY],
				       get_order(bsz), b->bounce_max, &blk);
		if (ret && dmacmd_copy_shrink(b, &bsz, ret)) {
			dmacmd_pool_release(&cmd->pool[DMACMD_POOL_COPY]);
			goto restart;
		}
		if (ret)
			return ret;
		ret = dmacmd_bounce_add(b->m, cmd->prep_off + done, blen,
					page_address(blk));
		if (ret)
			return ret;
		/*
		 * Map the last block up to a page boundary: a platform that
		 * bounces (swiotlb) keeps page alignment only for mappings of
		 * a page or more.  Segments still end at the prepared length.
		 */
		mlen = min_t(u64, round_up(blen, PAGE_SIZE), bsz);
		for (o = 0; o < mlen; o += e) {
			e = min_t(u64, mlen - o, b->max_ent);
			sg = dmacmd_sg_add(b->m, &b->n);
			if (!sg)
				return -ENOMEM;
			sg_set_page(sg, nth_page(blk, o >> PAGE_SHIFT), e,
				    offset_in_page(o));
		}
	}
	return 0;
}

/*
 * Scatterlist of a copy buffer of coherent DMA memory: the entries carry
 * the blocks' DMA addresses only; nothing is mapped.  Each block is as
 * large as the largest alignment, and dma_alloc_coherent() aligns a block
 * to its size, so the alignments hold whatever the platform is.
 */
int dmacmd_build_coherent(struct dmacmd_build *b)
{
	struct dmacmd *cmd = b->cmd;
	u64 bsz = dmacmd_copy_bsz(b, true), done;
	struct dmacmd_cblock *blk;
	struct scatterlist *sg;
	int ret;

restart:
	for (done = 0; done < cmd->prep_len; done += bsz) {
		u64 blen = min(bsz, cmd->prep_len - done);

		ret = dmacmd_cpool_take(cmd, bsz, &blk);
		if (ret && dmacmd_copy_shrink(b, &bsz, ret)) {
			cmd->cpool.used = 0;
			goto restart;
		}
		if (ret)
			return ret;
		ret = dmacmd_bounce_add(b->m, cmd->prep_off + done, blen,
					blk->cpu);
		if (ret)
			return ret;
		sg = dmacmd_sg_add(b->m, &b->n);
		if (!sg)
			return -ENOMEM;
		sg_dma_address(sg) = blk->dma;
		sg_dma_len(sg) = blen;
	}
	return 0;
}
