// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: building the scatterlist of a prepared range.  Memory the device
 * reaches as it is goes in as it is; what it cannot reach is
 * double-buffered through bounce memory (dmacmd_bounce.c), or a copy
 * buffer stands in for the whole range.  dmacmd_map.c maps the result.  A
 * buffer shared with the device may be handed out in place instead.
 */
#include <linux/cc_platform.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "dmacmd_cmd.h"
#include "dmacmd_map_build.h"
#include "dmacmd_seg.h"

/* A fresh scatterlist entry at the end of @m's list, growing it. */
struct scatterlist *dmacmd_sg_add(struct dmacmd_mapping *m, unsigned int *n)
{
	struct scatterlist *sg;

	if (dmacmd_grow(m->sgl, m->sg_cap, *n, 16))
		return NULL;
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
	m->state = DMACMD_MAPPED_LIST;
}

/*
 * Add [@phys, @phys + @len) of memory that the device reaches as it is:
 * @pgoff bytes from @page on, which may be more than 4 GiB into a run.
 */
static int dmacmd_build_direct(struct dmacmd_build *b, struct page *page,
			       u64 pgoff, phys_addr_t phys, u64 len)
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

/*
 * A block of @size bytes from the command's pool @id that the device
 * reaches: at or below @b->bounce_max for pages (CPU physical addresses),
 * the command's address limit for coherent blocks (DMA addresses).
 */
static int dmacmd_build_take(struct dmacmd_build *b, enum dmacmd_pool_id id,
			     size_t size, struct dmacmd_block **blk)
{
	struct dmacmd *cmd = b->cmd;
	struct dmacmd_pool *pool = &cmd->pool[id];
	u64 max_addr = pool->coherent ? cmd->lim.max_addr : b->bounce_max;
	int ret;

	ret = dmacmd_pool_take(pool, cmd->dev, size, max_addr, blk);
	if (!ret && unlikely(list_empty(&cmd->pool_node)))
		dmacmd_pools_note(cmd);
	if (ret == -EADDRNOTAVAIL)
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: no %smemory at or below %#llx for bounce buffers (spec of %u address bits)\n",
				    pool->coherent ? "coherent " : "", max_addr,
				    cmd->spec.address_bits);
	return ret;
}

/* Add a piece the device cannot reach: a bounce page at the same offset. */
static int dmacmd_build_bounce(struct dmacmd_build *b, u64 md_off,
			       phys_addr_t phys, u32 len)
{
	struct dmacmd_block *blk;
	struct scatterlist *sg;
	int ret;

	ret = dmacmd_build_take(b, DMACMD_POOL_PAGES, PAGE_SIZE, &blk);
	if (ret)
		return ret;
	ret = dmacmd_bounce_add(b->m, md_off, len,
				blk->cpu + offset_in_page(phys));
	if (ret)
		return ret;
	/* The rest of the page, which the device may reach, holds nothing. */
	memset(blk->cpu, 0, offset_in_page(phys));
	memset(blk->cpu + offset_in_page(phys) + len, 0,
	       PAGE_SIZE - offset_in_page(phys) - len);
	sg = dmacmd_sg_add(b->m, &b->n);
	if (!sg)
		return -ENOMEM;
	sg_set_page(sg, blk->page, len, offset_in_page(phys));
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
	struct dmacmd_md_run seg;
	int ret;

	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	while (off < end) {
		u64 len, done = 0;

		ret = dmacmd_md_iter_page_run(&cmd->iter, off, end - off,
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
	b->m->nr_pieces = 0;
	b->m->bounced = 0;
	return true;
}

/* Entries for the first @blen bytes of a page block of @bsz bytes. */
static int dmacmd_block_pages(struct dmacmd_build *b,
			      const struct dmacmd_block *blk, u64 blen,
			      u64 bsz)
{
	struct scatterlist *sg;
	u64 o, e, mlen;

	/*
	 * Map the last block up to a page boundary: a platform that bounces
	 * (swiotlb) keeps page alignment only for mappings of a page or
	 * more.  Segments still end at the prepared length.
	 */
	mlen = min_t(u64, round_up(blen, PAGE_SIZE), bsz);
	for (o = 0; o < mlen; o += e) {
		e = min_t(u64, mlen - o, b->max_ent);
		sg = dmacmd_sg_add(b->m, &b->n);
		if (!sg)
			return -ENOMEM;
		sg_set_page(sg, nth_page(blk->page, o >> PAGE_SHIFT), e,
			    offset_in_page(o));
	}
	return 0;
}

/*
 * Scatterlist of a copy buffer holding the whole prepared range, in blocks
 * of the pool @id.  Each block is at least as large as the largest
 * alignment and aligned to its size, so the alignments hold whatever the
 * platform is.  Page blocks go in as pages, to be mapped; coherent blocks
 * go in with their DMA addresses only, and nothing is mapped.
 */
static int dmacmd_build_blocks(struct dmacmd_build *b, enum dmacmd_pool_id id)
{
	struct dmacmd *cmd = b->cmd;
	u64 bsz = dmacmd_copy_bsz(b, true), done;
	struct dmacmd_block *blk;
	struct scatterlist *sg;
	int ret;

restart:
	for (done = 0; done < cmd->prep_len; done += bsz) {
		u64 blen = min(bsz, cmd->prep_len - done);

		ret = dmacmd_build_take(b, id, bsz, &blk);
		if (ret && dmacmd_copy_shrink(b, &bsz, ret)) {
			dmacmd_pool_release(&cmd->pool[id], cmd->dev);
			goto restart;
		}
		if (ret)
			return ret;
		ret = dmacmd_bounce_add(b->m, cmd->prep_off + done, blen,
					blk->cpu);
		if (ret)
			return ret;
		/*
		 * What the transfer leaves of a reused block may hold an
		 * earlier one's bytes, and the device reaches it (the block
		 * is mapped up to its page's end, a coherent one whole).
		 */
		if (blen < bsz)
			memset(blk->cpu + blen, 0, bsz - blen);
		if (!blk->page) {
			sg = dmacmd_sg_add(b->m, &b->n);
			if (!sg)
				return -ENOMEM;
			sg_dma_address(sg) = blk->dma;
			sg_dma_len(sg) = blen;
			continue;
		}
		ret = dmacmd_block_pages(b, blk, blen, bsz);
		if (ret)
			return ret;
	}
	return 0;
}

/* A copy buffer of pages, to be mapped through the DMA API. */
int dmacmd_build_copy(struct dmacmd_build *b)
{
	return dmacmd_build_blocks(b, DMACMD_POOL_COPY);
}

/* A copy buffer of coherent DMA memory: nothing to map. */
int dmacmd_build_coherent(struct dmacmd_build *b)
{
	return dmacmd_build_blocks(b, DMACMD_POOL_COHERENT);
}

/*
 * Should a buffer dmacmd allocated be handed out in place?  Such a buffer
 * (IOKit's IOBufferMemoryDescriptor) is memory the driver shares with the
 * device: descriptor rings that the CPU writes through getBytesNoCopy()
 * while the device reads them, with no synchronize() in between.  A
 * platform that bounces every streaming mapping (swiotlb=force) would give
 * the device a copy taken at prepare.  Where the device reaches the buffer
 * as it is (not behind an IOMMU, DMA coherent with the CPU, memory not
 * encrypted), hand out the buffer's own bus addresses, as the platform
 * does for coherent memory.  In a memory-encrypted guest or for a device
 * that is not DMA coherent the buffer is bounced as any memory is, and
 * only synchronize() moves data: said once, with the way out.
 */
bool dmacmd_buffer_in_place(struct dmacmd *cmd)
{
	struct device *dev = cmd->dev;

	if (cmd->translated || !is_swiotlb_force_bounce(dev) ||
	    !dmacmd_md_is_buffer(cmd->md))
		return false;
	if (dev_is_dma_coherent(dev) && !cc_platform_has(CC_ATTR_MEM_ENCRYPT))
		return true;
	dev_notice_once(dev,
			"dmacmd: buffers shared with this device are bounced (%s): the device and the CPU see each other's writes only through synchronize()\n",
			dev_is_dma_coherent(dev) ? "memory encryption" :
			"DMA not coherent");
	return false;
}

/*
 * Hand out a shared buffer in place (see dmacmd_buffer_in_place()): the
 * runs of the prepared range at their bus addresses, nothing mapped or
 * bounced.  1 when that does not meet the spec as it is (address bits,
 * alignments): the caller then maps the range the usual way.  On anything
 * but 0 the caller resets @m.
 */
int dmacmd_build_in_place(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	struct dmacmd_build b = {
		.cmd = cmd,
		.m = m,
		.max_ent = DMACMD_SG_MAX,
		.bmask = dma_get_seg_boundary(cmd->dev),
		.bounce_max = U64_MAX,
	};
	struct dmacmd_seg64 bad;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	ret = dmacmd_build_runs(&b);
	if (ret)
		return ret;
	dmacmd_list_done(m, b.n);
	for_each_sgtable_sg(&m->sgt, sg, i) {
		sg_dma_address(sg) = phys_to_dma(cmd->dev, sg_phys(sg));
		sg_dma_len(sg) = sg->length;
	}
	m->state = DMACMD_MAPPED_IN_PLACE;
	m->bmask = b.bmask;
	m->gen_check = dmacmd_iterate_only(cmd);
	if (m->gen_check)
		return 0;
	ret = dmacmd_verify(cmd, m, &cmd->lim, &bad);
	if (ret == -EMSGSIZE || ret == -EDOM)
		return 1;
	return ret;
}
