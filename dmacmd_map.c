// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: mapping the prepared range of a command for its device.
 *
 * Maps the scatterlist of a prepared range (built by dmacmd_map_build.c,
 * double-buffering what the device cannot reach) through the DMA API, or
 * hands out what the descriptor keeps, and undoes it again at complete;
 * synchronize.  The CPU's reads and writes of the device's view are in
 * dmacmd_map_rw.c.
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "dmacmd_cmd.h"
#include "dmacmd_map.h"
#include "dmacmd_map_build.h"
#include "dmacmd_seg.h"
#include "dmacmd_spec.h"
#include <trace/events/dmacmd.h>

/* ------------------------------------------------------------------ */
/* Building and mapping                                                */

/*
 * Start a mapping of @m: nothing bounced, mapped or known yet.  The pools
 * are left alone: the other mapping may be live and hold their blocks.
 */
static void dmacmd_mapping_begin(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	m->dir = cmd->map_dir;
	m->nr_pieces = 0;
	m->bounced = 0;
	m->state = DMACMD_MAPPED_NONE;
	m->pool = DMACMD_POOL_PAGES;
	m->gen_check = false;
	m->sync = DMACMD_SYNC_UNKNOWN;
}

/* Give @m's bounce memory back to its pool and start @m over. */
static void dmacmd_mapping_reset(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	dmacmd_pool_release(&cmd->pool[m->pool], cmd->dev);
	dmacmd_mapping_begin(cmd, m);
}

bool dmacmd_need_sync(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	unsigned int i;

	if (m->state != DMACMD_MAPPED_STREAMING &&
	    m->state != DMACMD_MAPPED_KEPT)
		return false;
	if (m->sync == DMACMD_SYNC_UNKNOWN) {
		m->sync = DMACMD_SYNC_NO;
		for (i = 0; i < m->sgt.nents; i++) {
			if (dma_need_sync(cmd->dev,
					  sg_dma_address(&m->sgl[i]))) {
				m->sync = DMACMD_SYNC_YES;
				break;
			}
		}
	}
	return m->sync == DMACMD_SYNC_YES;
}

/*
 * Sync the DMA segments of @m for the CPU or for the device.  A mapping of
 * its own is synced as the table it is; a slice of the descriptor's
 * mapping (@m->kept) segment by segment, so that what other commands
 * hand out of the same mapping stays as it is.
 */
void dmacmd_map_sync(struct dmacmd *cmd, struct dmacmd_mapping *m,
		     bool for_cpu)
{
	struct scatterlist *sg;
	unsigned int i;

	if (m->state != DMACMD_MAPPED_KEPT) {
		dmacmd_dma_sync_sgtable(cmd->dev, &m->sgt, m->dir, for_cpu);
		return;
	}
	for_each_sgtable_dma_sg(&m->sgt, sg, i) {
		if (for_cpu)
			dma_sync_single_for_cpu(cmd->dev, sg_dma_address(sg),
						sg_dma_len(sg), m->dir);
		else
			dma_sync_single_for_device(cmd->dev, sg_dma_address(sg),
						   sg_dma_len(sg), m->dir);
	}
}

/*
 * DMA_ATTR_SKIP_CPU_SYNC for a kNonCoherent command whose @flags lack the
 * cache work @cache (flush at prepare, invalidate at complete).
 */
static unsigned long dmacmd_sync_attrs(const struct dmacmd *cmd,
				       unsigned int flags, unsigned int cache)
{
	return dmacmd_map_type(cmd) == DMACMD_MAP_NONCOHERENT &&
	       !(flags & cache) ? DMA_ATTR_SKIP_CPU_SYNC : 0;
}

/* Would swiotlb=force hand @dev bounce slots outside its own mask? */
static bool dmacmd_swiotlb_unreachable(struct device *dev,
				       phys_addr_t *end)
{
#ifdef CONFIG_SWIOTLB
	if (is_swiotlb_force_bounce(dev)) {
		*end = dmacmd_swiotlb_pool_end(dev->dma_io_tlb_mem);
		return *end - 1 > dmacmd_dev_max(dev);
	}
#endif
	return false;
}

static void dmacmd_log_unmet(struct dmacmd *cmd, int err,
			     const struct dmacmd_seg64 *bad, bool coherent)
{
	struct device *dev = cmd->dev;
	u32 bits = cmd->spec.address_bits;

	if (err == -EMSGSIZE && cmd->translated)
		dev_err_ratelimited(dev,
				    "dmacmd: IOVA %#llx+%#llx is outside the spec's %u address bits; the IOMMU allocates up to the device's DMA mask: set the DMA mask to %u bits\n",
				    bad->addr, bad->len, bits, bits);
	else if (err == -EMSGSIZE)
		dev_err_ratelimited(dev,
				    "dmacmd: DMA address %#llx+%#llx is outside the spec's %u address bits (the platform bounced it out of reach)\n",
				    bad->addr, bad->len, bits);
	else if (coherent)
		dev_err_ratelimited(dev,
				    "dmacmd: segment %#llx+%#llx breaks the spec's alignments (%u, %u, length %u) even in a coherent copy buffer\n",
				    bad->addr, bad->len, cmd->spec.alignment,
				    cmd->spec.alignment_internal,
				    cmd->spec.alignment_length);
	else
		dev_err_ratelimited(dev,
				    "dmacmd: segment %#llx+%#llx breaks the spec's alignments (%u, %u, length %u)\n",
				    bad->addr, bad->len, cmd->spec.alignment,
				    cmd->spec.alignment_internal,
				    cmd->spec.alignment_length);
}

/* The shape of the current prepare of @cmd. */
static void dmacmd_shape_fill(const struct dmacmd *cmd, struct dmacmd_shape *s)
{
	struct device *dev = cmd->dev;

	s->md = cmd->md;
	s->off = cmd->prep_off;
	s->len = cmd->prep_len;
	s->mask = dma_get_mask(dev);
	s->limit = dev->bus_dma_limit;
	s->segsz = dma_get_max_seg_size(dev);
	s->bmask = dma_get_seg_boundary(dev);
}

/* Is @s the shape of the current prepare of @cmd? */
static bool dmacmd_shape_is(const struct dmacmd_shape *s,
			    const struct dmacmd *cmd)
{
	struct device *dev = cmd->dev;

	return s->md == cmd->md && s->off == cmd->prep_off &&
	       s->len == cmd->prep_len && s->mask == dma_get_mask(dev) &&
	       s->limit == dev->bus_dma_limit &&
	       s->segsz == dma_get_max_seg_size(dev) &&
	       s->bmask == dma_get_seg_boundary(dev);
}

/* Is the list built last time still the list this prepare would build? */
static bool dmacmd_built_fits(const struct dmacmd *cmd,
			      const struct dmacmd_mapping *m)
{
	return m->built.valid && dmacmd_shape_is(&m->built.shape, cmd);
}

/*
 * Map the @n entries of @m's list through the DMA API, as the prepare
 * @flags say; -EIO, logged.
 */
static __always_inline int dmacmd_map_sgt(struct dmacmd *cmd,
					  struct dmacmd_mapping *m,
					  unsigned int n, unsigned int flags)
{
	unsigned long attrs = 0;
	int ret;

	/*
	 * The caller's flags only speak for its own memory: what dmacmd
	 * copied into bounce memory is synced for the device in any case
	 * (cleaned from the CPU's caches, or copied into the platform's
	 * bounce slot).
	 */
	if (!m->nr_pieces)
		attrs = dmacmd_sync_attrs(cmd, flags, DMACMD_FLUSH_CACHE);
	ret = dmacmd_dma_map_sgtable(cmd->dev, &m->sgt, m->dir, attrs);
	if (ret) {
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: DMA mapping of %u entries failed: %d\n",
				    n, ret);
		return -EIO;
	}
	m->state = DMACMD_MAPPED_STREAMING;
	return 0;
}

/*
 * A prepare of the shape prepared last time (dmacmd_built_fits()): map the
 * list kept from then.  What dmacmd_map_range() would decide again is what
 * it decided then, so this costs what dma_map_sgtable() of a driver's own
 * sg_table costs, plus the spec check where that is needed.  1 when the
 * check fails: the caller then goes the whole way.
 */
static int dmacmd_map_built(struct dmacmd *cmd, struct dmacmd_mapping *m,
			    unsigned int flags)
{
	struct dmacmd_seg64 bad;
	int ret;

	dmacmd_mapping_begin(cmd, m);
	m->sgt.orig_nents = m->built.n;
	m->sgt.nents = m->built.n;
	m->gen_check = dmacmd_iterate_only(cmd);
	cmd->lim.max_addr = m->built.max_addr;
	ret = dmacmd_map_sgt(cmd, m, m->built.n, flags);
	if (ret) {
		dmacmd_mapping_reset(cmd, m);
		return ret;
	}
	if (m->built.verify && dmacmd_verify(cmd, m, &cmd->lim, &bad)) {
		dmacmd_dma_unmap_sgtable(cmd->dev, &m->sgt, m->dir,
					 DMA_ATTR_SKIP_CPU_SYNC);
		dmacmd_mapping_reset(cmd, m);
		m->built.valid = false;
		return 1;
	}
	return 0;
}

/*
 * Make @m the slice of the descriptor's mapping @d that covers the
 * prepared range: its DMA segments, the first and last cut to the range.
 * Nothing is mapped; segments are generated from @m's list as from a
 * mapping of its own.
 */
static int dmacmd_map_slice(struct dmacmd *cmd, struct dmacmd_mapping *m,
			    struct dmacmd_md_dma *d)
{
	u64 start = cmd->prep_off, end = start + cmd->prep_len, pos = 0;
	struct scatterlist *src, *sg = NULL;
	unsigned int i, n = 0;

	for_each_sgtable_dma_sg(&d->sgt, src, i) {
		u64 len = sg_dma_len(src), from, to;

		if (pos >= end)
			break;
		if (pos + len > start) {
			from = max(pos, start);
			to = min(pos + len, end);
			sg = dmacmd_sg_add(m, &n);
			if (!sg)
				return -ENOMEM;
			sg_dma_address(sg) = sg_dma_address(src) + (from - pos);
			sg_dma_len(sg) = to - from;
		}
		pos += len;
	}
	if (!sg)
		return -EIO;
	dmacmd_list_done(m, n);
	m->state = DMACMD_MAPPED_KEPT;
	m->kept = d;
	m->bmask = dma_get_seg_boundary(cmd->dev);
	return 0;
}

/*
 * A prepare of a descriptor that keeps a mapping for the device
 * (dmacmd_md_dma.c): hand out the slice of it that covers the prepared
 * range, synced for the device where the platform needs that, as a
 * mapping of its own would be.  1 when there is no such mapping or the
 * spec refuses its addresses: the caller then maps the range itself (a
 * mapping of the command's own, as IOKit remaps for such a spec).
 */
static noinline int dmacmd_map_kept(struct dmacmd *cmd,
				    struct dmacmd_mapping *m, unsigned int flags)
{
	struct dmacmd_md_dma *d;
	struct dmacmd_seg64 bad;
	int ret;

	d = dmacmd_md_dma_get(cmd->md, cmd->dev);
	if (!d)
		return 1;
	dmacmd_mapping_begin(cmd, m);
	cmd->lim.max_addr = min(cmd->spec_max, cmd->translated ? U64_MAX :
					   dmacmd_dev_max(cmd->dev));
	ret = dmacmd_map_slice(cmd, m, d);
	if (!ret && !dmacmd_iterate_only(cmd) && dmacmd_verify(cmd, m, &cmd->lim, &bad))
		ret = 1;
	if (ret) {
		m->kept = NULL;
		dmacmd_mapping_reset(cmd, m);
		dmacmd_md_dma_put(cmd->md, d);
		return ret;
	}
	m->gen_check = dmacmd_iterate_only(cmd);
	/* The slice is the device's again (see dmacmd_force_copy()). */
	dmacmd_md_dma_home(cmd->md, d, cmd->prep_off, cmd->prep_len, false);
	if (flags && dmacmd_need_sync(cmd, m))
		dmacmd_map_sync(cmd, m, false);
	return 0;
}

/*
 * IOKit's keepMap: a mapping of the whole of a prepared descriptor, made
 * through the DMA API with nothing double-buffered, goes to the
 * descriptor.  It stays valid, at the same addresses, until the
 * descriptor's last complete, whatever becomes of this command; this
 * command now uses it like any other.  Where the descriptor will not take
 * it (not prepared, or it keeps one for the device already), the mapping
 * stays the command's, as before.
 */
static noinline void dmacmd_map_keep(struct dmacmd *cmd,
				     struct dmacmd_mapping *m)
{
	struct dmacmd_md_dma *d;

	if (m->state != DMACMD_MAPPED_STREAMING || m->nr_pieces || cmd->prep_off ||
	    cmd->prep_len != cmd->md_len)
		return;
	if (dmacmd_md_dma_adopt(cmd->md, cmd->dev, m->dir, &m->sgt, &d))
		return;
	m->state = DMACMD_MAPPED_KEPT;
	m->kept = d;
}

/**
 * struct dmacmd_plan - how a prepared range is to be mapped
 * @api: through the DMA API (dmacmd_uses_dma_api())
 * @iterate: kIterateOnly: nothing is bounced, generation checks the spec
 * @full: everything goes into a copy buffer, not only what the device
 *	cannot reach
 * @coherent: that copy buffer is coherent DMA memory
 * @verify: the mapped list must be checked against the spec
 */
struct dmacmd_plan {
	bool api;
	bool iterate;
	bool full;
	bool coherent;
	bool verify;
};

/*
 * The cases that need no list of their own: a shared buffer in place,
 * kIterateOnly physical runs, kBypassed memory that fits.
 * Return: 1 when @m is mapped, 0 to build a list (*@full set when kBypassed
 * memory breaks an alignment), or an error.
 */
static int dmacmd_map_as_is(struct dmacmd *cmd, struct dmacmd_mapping *m,
			    const struct dmacmd_plan *p, bool *full)
{
	struct dmacmd_seg64 bad;
	int ret;

	if (p->api && !*full && dmacmd_buffer_in_place(cmd)) {
		ret = dmacmd_build_in_place(cmd, m);
		if (!ret)
			return 1;
		dmacmd_mapping_reset(cmd, m);
		if (ret < 0)
			return ret;
	}
	if (p->api)
		return 0;
	if (p->iterate) {
		/* Physical runs as they are, checked as they are handed out. */
		dmacmd_md_iter_init(&cmd->iter, cmd->md);
		m->state = DMACMD_MAPPED_RUNS;
		m->gen_check = true;
		return 1;
	}
	if (*full)
		return 0;
	/* kBypassed: hand out the memory as it is if it fits. */
	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	ret = dmacmd_verify(cmd, m, &cmd->lim, &bad);
	if (!ret) {
		m->state = DMACMD_MAPPED_RUNS;
		m->gen_check = true;
		return 1;
	}
	if (ret != -EMSGSIZE && ret != -EDOM)
		return ret;
	*full = ret == -EDOM;
	return 0;
}

/*
 * Choose how to map the prepared range into @m, starting from @full;
 * dmacmd_map_as_is() maps what needs no list of its own.
 * Return: 1 when @m is mapped already, 0 with @p filled, or an error.
 */
static int dmacmd_map_plan(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   bool full, struct dmacmd_plan *p)
{
	const struct dmacmd_spec *sp = &cmd->spec;
	struct device *dev = cmd->dev;
	bool aligned;
	phys_addr_t end;
	u64 dev_max;
	int ret;

	dev_max = dev ? dmacmd_dev_max(dev) : U64_MAX;
	cmd->lim.max_addr = min(cmd->spec_max,
				cmd->translated ? U64_MAX : dev_max);
	aligned = sp->alignment == 1 && sp->alignment_internal == 1 &&
		  sp->alignment_length == 1;
	p->api = dmacmd_uses_dma_api(cmd);
	p->iterate = dmacmd_iterate_only(cmd);
	p->coherent = false;

	ret = dmacmd_map_as_is(cmd, m, p, &full);
	if (ret)
		return ret;
	if (p->api && full && !cmd->translated && is_swiotlb_force_bounce(dev)) {
		/*
		 * A copy buffer mapped for streaming DMA would be bounced by
		 * swiotlb once more at every synchronize: use coherent memory,
		 * which the device reaches as it is.
		 */
		p->coherent = true;
	}
	if (p->api && !cmd->translated &&
	    dmacmd_swiotlb_unreachable(dev, &end)) {
		if (p->iterate) {
			dev_err_ratelimited(dev,
					    "dmacmd: kIterateOnly: swiotlb=force would bounce below %pa, beyond the device's DMA mask, and kIterateOnly bounces nothing\n",
					    &end);
			return -EADDRNOTAVAIL;
		}
		/*
		 * swiotlb=force would bounce every streaming mapping to slots
		 * beyond the device's mask (and WARN): only coherent memory
		 * can reach the device.
		 */
		full = true;
		p->coherent = true;
	}
	/*
	 * The DMA API never hands out an address beyond the device's mask, so
	 * only a spec narrower than that, or alignments, need a check.  A
	 * kIterateOnly command checks each segment as it hands it out.
	 */
	if (p->iterate)
		p->verify = false;
	else if (!p->api)
		p->verify = true;
	else if (cmd->translated)
		p->verify = !aligned || cmd->spec_max < dev_max;
	else
		p->verify = !aligned || cmd->lim.max_addr < dev_max;

	if (p->api && !p->iterate && !full && !aligned &&
	    dmacmd_mem_misaligned(cmd, m))
		full = true;
	p->full = full;
	return 0;
}

/* Start a list for @m, as @p maps it, within the device's limits. */
static void dmacmd_build_start(struct dmacmd *cmd, struct dmacmd_mapping *m,
			       const struct dmacmd_plan *p,
			       struct dmacmd_build *b)
{
	struct device *dev = cmd->dev;

	memset(b, 0, sizeof(*b));
	b->cmd = cmd;
	b->m = m;
	b->max_ent = DMACMD_SG_MAX;
	b->bmask = ~0UL;
	b->bounce_max = cmd->translated || p->iterate ? U64_MAX : cmd->lim.max_addr;
	if (!p->api)
		return;
	/* dma_max_mapping_size() only changes with the mask. */
	if (!cmd->map_size_mask || cmd->map_size_mask != dma_get_mask(dev)) {
		cmd->map_size = dma_max_mapping_size(dev);
		cmd->map_size_mask = dma_get_mask(dev);
	}
	b->max_ent = min_t(u64, b->max_ent, dma_get_max_seg_size(dev));
	b->max_ent = min_t(u64, b->max_ent, cmd->map_size);
	if (b->max_ent >= PAGE_SIZE)
		b->max_ent &= PAGE_MASK;
	b->bmask = dma_get_seg_boundary(dev);
}

/*
 * One attempt at @p: build the list, copy memory into bounce memory, map
 * through the DMA API and check the result against the spec.
 * Return: 0 mapped (*@n entries); -EMSGSIZE or -EDOM when the spec is not
 * met (*@bad says where; nothing stays mapped); another error.
 */
static int dmacmd_map_attempt(struct dmacmd *cmd, struct dmacmd_mapping *m,
			      const struct dmacmd_plan *p, unsigned int flags,
			      struct dmacmd_seg64 *bad, unsigned int *n)
{
	struct dmacmd_build b;
	int ret;

	dmacmd_build_start(cmd, m, p, &b);
	m->pool = p->coherent ? DMACMD_POOL_COHERENT :
		  p->full ? DMACMD_POOL_COPY : DMACMD_POOL_PAGES;
	m->built.valid = false;
	if (p->coherent)
		ret = dmacmd_build_coherent(&b);
	else if (p->full)
		ret = dmacmd_build_copy(&b);
	else
		ret = dmacmd_build_runs(&b);
	if (ret)
		goto err_reset;
	dmacmd_list_done(m, b.n);
	m->gen_check = p->iterate;

	/*
	 * Memory the device may write is copied in whatever the flags say: the
	 * bounce copy goes back to memory whole, and a device that writes
	 * only part of it must not leave stale bounce contents behind.
	 */
	if (m->nr_pieces &&
	    ((flags & DMACMD_SYNCHRONIZE) || m->dir != DMA_TO_DEVICE)) {
		ret = dmacmd_bounce_copy(cmd, m, true);
		if (ret)
			goto err_reset;
	}

	if (p->coherent) {
		/* Nothing to map: the blocks' DMA addresses are in the list. */
		m->state = DMACMD_MAPPED_COHERENT;
	} else if (p->api) {
		m->bmask = b.bmask;
		ret = dmacmd_map_sgt(cmd, m, b.n, flags);
		if (ret)
			goto err_reset;
	} else {
		struct scatterlist *sg;
		unsigned int i;

		for_each_sgtable_sg(&m->sgt, sg, i) {
			sg_dma_address(sg) = sg_phys(sg);
			sg_dma_len(sg) = sg->length;
		}
	}

	if (p->verify || p->coherent) {
		ret = dmacmd_verify(cmd, m, &cmd->lim, bad);
		if (ret) {
			if (m->state == DMACMD_MAPPED_STREAMING)
				dmacmd_dma_unmap_sgtable(cmd->dev, &m->sgt,
							 m->dir,
							 DMA_ATTR_SKIP_CPU_SYNC);
			goto err_reset;
		}
	}
	*n = b.n;
	return 0;

err_reset:
	dmacmd_mapping_reset(cmd, m);
	return ret;
}

/*
 * What to try after an attempt that did not meet the spec (@ret): a copy
 * buffer (misaligned layouts), then a copy buffer of coherent DMA memory
 * (what the platform's streaming mappings cannot meet: swiotlb keeps page
 * alignment at most, and its slots may lie beyond a narrow spec).  False
 * when nothing is left to try.
 */
static bool dmacmd_plan_next(const struct dmacmd *cmd, struct dmacmd_plan *p,
			     int ret)
{
	if (ret == -EDOM && !p->full) {
		p->full = true;
		return true;
	}
	if (p->api && !p->coherent &&
	    (ret == -EDOM || !cmd->translated)) {
		p->full = true;
		p->coherent = true;
		return true;
	}
	return false;
}

/*
 * Map the prepared range into @m: plan (dmacmd_map_plan()), attempt
 * (dmacmd_map_attempt()) and fall back while the spec is not met
 * (dmacmd_plan_next()).  Bounce memory holds what the device cannot
 * reach, or everything when @full.  A kIterateOnly command maps the
 * memory as it is and bounces nothing: segment generation refuses what
 * breaks the spec.  On failure nothing stays mapped or taken from the
 * pools.
 */
static int dmacmd_map_range(struct dmacmd *cmd, struct dmacmd_mapping *m,
			    bool full, unsigned int flags)
{
	struct dmacmd_plan p;
	struct dmacmd_seg64 bad;
	unsigned int n;
	int ret;

	dmacmd_mapping_begin(cmd, m);
	ret = dmacmd_map_plan(cmd, m, full, &p);
	if (ret)
		return ret < 0 ? ret : 0;

	for (;;) {
		ret = dmacmd_map_attempt(cmd, m, &p, flags, &bad, &n);
		if (ret != -EMSGSIZE && ret != -EDOM)
			break;
		if (!dmacmd_plan_next(cmd, &p, ret)) {
			dmacmd_log_unmet(cmd, ret, &bad, p.coherent);
			return -EADDRNOTAVAIL;
		}
	}
	if (ret)
		return ret;
	/*
	 * Without bounce memory the list holds only the descriptor's own
	 * pages: keep it for the next prepare of this shape, which then costs
	 * what dma_map_sgtable() of a driver's own sg_table costs.
	 */
	if (p.api && !p.full && !m->nr_pieces && cmd->md_fixed) {
		dmacmd_shape_fill(cmd, &m->built.shape);
		m->built.max_addr = cmd->lim.max_addr;
		m->built.n = n;
		m->built.verify = p.verify;
		m->built.valid = true;
	}
	return 0;
}

/*
 * Attributes of the unmap at complete.  A non-coherent command that does
 * not ask to invalidate unmaps without the DMA API's sync for the CPU,
 * unless it asks to synchronize memory the device may have written and
 * the mapping needs syncing: where the platform bounced the mapping
 * (swiotlb), that sync is what copies the device's data home, and the DMA
 * API cannot do the copy without the cache work.
 */
static unsigned long dmacmd_unmap_attrs(struct dmacmd *cmd,
					struct dmacmd_mapping *m,
					unsigned int flags)
{
	unsigned long attrs = dmacmd_sync_attrs(cmd, flags,
						DMACMD_INVALIDATE_CACHE);

	if (attrs && (flags & DMACMD_SYNCHRONIZE) && m->dir != DMA_TO_DEVICE &&
	    dmacmd_need_sync(cmd, m))
		return 0;
	return attrs;
}

/*
 * Let go of @m's DMA mapping, with @attrs as for the unmap: unmap one of
 * its own; give a slice of the descriptor's back to it, synced for the
 * CPU as the unmap would have synced (the descriptor unmaps it at its
 * last complete).
 */
static void dmacmd_map_let_go(struct dmacmd *cmd, struct dmacmd_mapping *m,
			      unsigned long attrs)
{
	if (m->state == DMACMD_MAPPED_STREAMING)
		dmacmd_dma_unmap_sgtable(cmd->dev, &m->sgt, m->dir, attrs);
	if (m->state != DMACMD_MAPPED_KEPT)
		return;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && m->dir != DMA_TO_DEVICE &&
	    dmacmd_need_sync(cmd, m))
		dmacmd_map_sync(cmd, m, true);
	dmacmd_md_dma_put(cmd->md, m->kept);
	m->kept = NULL;
}

/*
 * Undo dmacmd_map_range() as the complete @flags say: unmap (see
 * dmacmd_unmap_attrs() for when the DMA API syncs for the CPU) and, with
 * %DMACMD_SYNCHRONIZE, copy what the device wrote from bounce memory back
 * to memory.
 */
int dmacmd_teardown(struct dmacmd *cmd, struct dmacmd_mapping *m,
		    unsigned int flags)
{
	int ret = 0;

	if (!dmacmd_map_has_list(m))
		return 0;
	dmacmd_map_let_go(cmd, m, dmacmd_unmap_attrs(cmd, m, flags));
	if (m->nr_pieces && (flags & DMACMD_SYNCHRONIZE) &&
	    m->dir != DMA_TO_DEVICE)
		ret = dmacmd_bounce_copy(cmd, m, false);
	dmacmd_mapping_reset(cmd, m);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Prepare and complete                                                */

/*
 * Check a prepare of @offset + *@length (0: up to the end of the memory)
 * and settle *@length.
 * Return: 0 to map it, 1 for a nested prepare of the same range (counted
 * here), or an error (logged as the misuse of the caller at @ip).
 */
static int dmacmd_prepare_check(struct dmacmd *cmd, u64 offset, u64 *length,
				unsigned long ip)
{
	u64 md_len;

	if (!cmd->specified) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of a command without a spec\n");
		return -EBADFD;
	}
	if (!cmd->md) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of a command without memory\n");
		return -EBADFD;
	}
	md_len = cmd->md_len;
	if (offset >= md_len || *length > md_len - offset) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx+%#llx outside a descriptor of %#llx bytes\n",
				 offset, *length, md_len);
		return -ERANGE;
	}
	if (!*length)
		*length = md_len - offset;
	if (cmd->active) {
		if (offset != cmd->prep_off || *length != cmd->prep_len) {
			dmacmd_misuse_at(ip, cmd->dev,
					 "nested prepare of %#llx+%#llx differs from %#llx+%#llx\n",
					 offset, *length, cmd->prep_off,
					 cmd->prep_len);
			return -EBADFD;
		}
		if (cmd->active == UINT_MAX)
			return -EBUSY;
		cmd->active++;
		return 1;
	}
	if (*length > cmd->spec.max_transfer_size) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx bytes, above the maximum transfer size %#llx\n",
				 *length, cmd->spec.max_transfer_size);
		return -E2BIG;
	}
	if (*length & (cmd->spec.alignment_length - 1)) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx bytes, not a multiple of the length alignment %u\n",
				 *length, cmd->spec.alignment_length);
		return -EDOM;
	}
	return 0;
}

/*
 * Map the checked range: through the mapping the descriptor keeps, the
 * list kept from the last prepare of this shape, or a new one.
 */
static int dmacmd_prepare_map(struct dmacmd *cmd, unsigned int flags)
{
	/*
	 * The command maps the memory from here on (dmacmd_md_dma_begin());
	 * only a prepared descriptor keeps mappings (dmacmd_md_dma.c).
	 */
	bool keeps = dmacmd_md_dma_begin(cmd->md, cmd->md_counted) &&
		     dmacmd_uses_dma_api(cmd);
	int ret = 1;

	if (keeps)
		ret = dmacmd_map_kept(cmd, dmacmd_cur_map(cmd), flags);
	if (ret > 0) {
		if (dmacmd_built_fits(cmd, dmacmd_cur_map(cmd)))
			ret = dmacmd_map_built(cmd, dmacmd_cur_map(cmd),
					       flags);
		if (ret > 0)
			ret = dmacmd_map_range(cmd, dmacmd_cur_map(cmd), false,
					       flags);
		if (!ret && keeps)
			dmacmd_map_keep(cmd, dmacmd_cur_map(cmd));
	}
	if (ret && cmd->md_counted)
		dmacmd_md_dma_end(cmd->md);
	return ret;
}

static int dmacmd_prepare_claimed(struct dmacmd *cmd, u64 offset,
				  u64 length, unsigned int flags,
				  unsigned long ip)
{
	struct dmacmd_mapping *m;
	int ret;

	ret = dmacmd_prepare_check(cmd, offset, &length, ip);
	if (ret)
		return ret < 0 ? ret : 0;

	cmd->prep_off = offset;
	cmd->prep_len = length;
	ret = dmacmd_prepare_map(cmd, flags);
	if (ret) {
		trace_dmacmd_prepare(cmd, cmd->dev, offset, length, 0, 0, ret);
		if (ret == -EIO)
			dmacmd_stat_add(cmd->stats, DMACMD_STAT_MAP_FAILURES, 1);
		cmd->prep_off = 0;
		cmd->prep_len = 0;
		if (ret == -EBADFD)
			dmacmd_misuse_at(ip, cmd->dev,
					 "the descriptor is not prepared (dmacmd_md_prepare())\n");
		else if (ret == -EOPNOTSUPP)
			dmacmd_misuse_at(ip, cmd->dev,
					 "memory without a struct page cannot be mapped (only kBypassed, kUnmapped, or kIterateOnly without a device hand it out)\n");
		return ret;
	}
	m = dmacmd_cur_map(cmd);
	cmd->active = 1;
	cmd->force_full = false;
	/* The usual first generate starts at 0: be there already. */
	dmacmd_gen_reset(cmd);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_PREPARES, 1);
	if (m->bounced)
		dmacmd_stat_add(cmd->stats, DMACMD_STAT_BOUNCED_BYTES,
				m->bounced);
	/* Tested first: the arguments are not computed while tracing is off. */
	if (trace_dmacmd_prepare_enabled())
		trace_dmacmd_prepare(cmd, cmd->dev, offset, length,
				     m->sgt.nents, m->bounced, 0);
	return 0;
}

int __dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
		     unsigned int flags, unsigned long ip)
{
	struct task_struct *prev;
	int ret;

	ret = dmacmd_enter_claim(cmd, "prepare", flags, DMACMD_PREPARE_DEFAULT,
				 DMACMD_NEED_SLEEP, ip, &prev);
	if (ret)
		return ret;
	ret = dmacmd_prepare_claimed(cmd, offset, length, flags, ip);
	dmacmd_leave(cmd, prev);
	return ret;
}

/**
 * dmacmd_prepare() - map a range of the attached memory for the device
 * @cmd: the command
 * @offset: start of the range within the attached descriptor
 * @length: bytes; 0 means from @offset to the end of the descriptor
 * @flags: %DMACMD_PREPARE_DEFAULT (IOKit's default), or an OR of
 *	%DMACMD_FLUSH_CACHE: for a kNonCoherent command, do the DMA API's
 *	cache work for the device (without it, map with
 *	DMA_ATTR_SKIP_CPU_SYNC); other commands always do it;
 *	%DMACMD_SYNCHRONIZE: copy memory into bounce memory the device reads
 *	(directions Out and None).  Bounce memory the device may write is
 *	always initialised from memory, whatever this says.
 *
 * IOKit's prepare().  The range is mapped through the DMA API (swiotlb
 * and IOMMU apply); whatever the device cannot take under the spec goes
 * through bounce memory (see "DOC: Bounce buffering").  Prepares nest: a
 * prepare of the same range while prepared only counts, and each needs a
 * dmacmd_complete().  A failed prepare changes nothing (IOKit leaves the
 * count raised).
 *
 * The mapping of the whole of a descriptor that is prepared
 * (dmacmd_md_prepare()), with nothing double-buffered, goes to the
 * descriptor, as IOKit's does: its addresses stay valid after this
 * command completes, until the descriptor's last complete, and every
 * command on the same descriptor and device hands out the slice of it
 * that it prepared.  A buffer from dmacmd_md_alloc() is shared with the
 * device as it is: where the platform would bounce every mapping
 * (swiotlb=force) and the device reaches the buffer (DMA coherent,
 * memory not encrypted), its own bus addresses are handed out.
 *
 * Context: Process context.  May sleep: the first prepare allocates
 * bounce memory and scatterlist capacity it has not cached yet.
 * Return:
 *
 * * %0 - prepared
 * * %-EINVAL - @cmd invalid, or an unknown bit in @flags
 * * %-EBADFD - no spec, no memory, a nested prepare of a different range,
 *   or a descriptor that needs dmacmd_md_prepare() first
 * * %-ERANGE - the range is outside the descriptor
 * * %-E2BIG - longer than the spec's maximum transfer size
 * * %-EDOM - length not a multiple of the spec's length alignment
 * * %-EOPNOTSUPP - memory without struct page for a mapped command
 * * %-ENOMEM - out of memory
 * * %-EADDRNOTAVAIL - the spec cannot be met here (no bounce memory within
 *   the address limit, IOVAs or platform bounce buffers outside it,
 *   alignments the platform's bounce buffers break); the log says why
 * * %-EIO - the DMA API failed to map
 * * %-EWOULDBLOCK - called in atomic context (logged)
 * * %-EBUSY - the nesting count is saturated, or another thread is in a
 *   call on @cmd (logged)
 */
int dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
		   unsigned int flags)
{
	return __dmacmd_prepare(cmd, offset, length, flags, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_prepare);

/**
 * dmacmd_prepare_with_spec() - set a new spec, then prepare
 * @cmd: the command, not prepared
 * @spec: the new specification (see dmacmd_create())
 * @offset: as for dmacmd_prepare()
 * @length: as for dmacmd_prepare()
 * @flags: as for dmacmd_prepare()
 *
 * IOKit's prepareWithSpecification; the way to give a command created
 * without a spec one.  If the prepare fails the command keeps its old
 * spec.
 *
 * Context: Process context.  May sleep.
 * Return: as dmacmd_prepare(), and:
 *
 * * %-EPERM - the command is prepared
 * * %-EINVAL, %-EOPNOTSUPP - @spec refused, as by dmacmd_create()
 */
int dmacmd_prepare_with_spec(struct dmacmd *cmd,
			     const struct dmacmd_spec *spec, u64 offset,
			     u64 length, unsigned int flags)
{
	struct dmacmd_spec norm, old_spec;
	bool old_specified, old_translated;
	u8 old_width;
	const char *why = NULL;
	struct dmacmd_limits old_lim;
	u64 old_max;
	int ret;

	if (dmacmd_bad(cmd) || IS_ERR_OR_NULL(spec)) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "prepare_with_spec with an invalid argument\n");
		return -EINVAL;
	}
	if (cmd->active) {
		dmacmd_misuse(cmd->dev, "prepare_with_spec while prepared\n");
		return -EPERM;
	}
	ret = dmacmd_spec_normalize(spec, &norm, &why);
	if (!ret)
		ret = dmacmd_spec_dev_ok(cmd->dev, &norm, &why);
	if (ret) {
		dmacmd_misuse(cmd->dev, "refused spec: %s\n", why);
		return ret;
	}
	old_spec = cmd->spec;
	old_specified = cmd->specified;
	old_width = cmd->out_width;
	old_translated = cmd->translated;
	old_max = cmd->spec_max;
	old_lim = cmd->lim;
	dmacmd_set_spec(cmd, &norm);
	ret = __dmacmd_prepare(cmd, offset, length, flags, _RET_IP_);
	if (ret) {
		cmd->spec = old_spec;
		cmd->specified = old_specified;
		cmd->out_width = old_width;
		cmd->translated = old_translated;
		cmd->spec_max = old_max;
		cmd->lim = old_lim;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_prepare_with_spec);

static int dmacmd_complete_claimed(struct dmacmd *cmd, unsigned int flags,
				   unsigned long ip)
{
	struct dmacmd_mapping *m;
	int ret;

	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev, "complete when not prepared\n");
		return -EBADFD;
	}
	if (--cmd->active)
		return 0;
	m = dmacmd_cur_map(cmd);
	if (trace_dmacmd_complete_enabled())
		trace_dmacmd_complete(cmd, cmd->dev, cmd->prep_off,
				      cmd->prep_len, m->sgt.nents, m->bounced,
				      0);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_COMPLETES, 1);
	ret = dmacmd_teardown(cmd, m, flags);
	if (cmd->md_counted)
		dmacmd_md_dma_end(cmd->md);
	cmd->force_full = false;
	cmd->gen_valid = false;
	if (cmd->prepared_md) {
		/* dmacmd_prepare_for_dma() prepared the memory: undo that. */
		cmd->prepared_md = false;
		dmacmd_md_complete(cmd->md);
	}
	return ret;
}

int __dmacmd_complete(struct dmacmd *cmd, unsigned int flags,
		      unsigned long ip)
{
	struct task_struct *prev;
	int ret;

	ret = dmacmd_enter_claim(cmd, "complete", flags,
				 DMACMD_COMPLETE_DEFAULT, DMACMD_NEED_SLEEP, ip,
				 &prev);
	if (ret)
		return ret;
	ret = dmacmd_complete_claimed(cmd, flags, ip);
	dmacmd_leave(cmd, prev);
	return ret;
}

/**
 * dmacmd_complete() - undo one dmacmd_prepare()
 * @cmd: the command
 * @flags: %DMACMD_COMPLETE_DEFAULT (IOKit's default), or an OR of
 *	%DMACMD_INVALIDATE_CACHE: for a kNonCoherent command, do the DMA
 *	API's cache work for the CPU when unmapping (without it, unmap with
 *	DMA_ATTR_SKIP_CPU_SYNC, unless %DMACMD_SYNCHRONIZE needs the
 *	platform's bounce buffer copied back, which the DMA API does only
 *	with that work); other commands always do it;
 *	%DMACMD_SYNCHRONIZE: copy bounce memory the device wrote back to
 *	memory (directions In and None), dmacmd's own and the platform's
 *	(swiotlb)
 *
 * IOKit's complete().  Only the last of nested prepares unmaps; bounce
 * memory then returns to the command's pool for the next prepare.
 *
 * Context: Process context.
 * Return:
 *
 * * %0 - completed
 * * %-EINVAL - @cmd invalid, or an unknown bit in @flags
 * * %-EBADFD - not prepared (nothing changes)
 * * an error of the descriptor walk while copying back (the command is
 *   completed all the same)
 * * %-EWOULDBLOCK - called in atomic context (logged)
 * * %-EBUSY - another thread is in a call on @cmd (logged)
 */
int dmacmd_complete(struct dmacmd *cmd, unsigned int flags)
{
	return __dmacmd_complete(cmd, flags, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_complete);

/**
 * dmacmd_is_prepared() - whether a command is prepared
 * @cmd: the command
 *
 * Context: Any context.
 * Return: true while at least one prepare is outstanding.
 */
bool dmacmd_is_prepared(const struct dmacmd *cmd)
{
	return !dmacmd_bad(cmd) && cmd->active;
}
EXPORT_SYMBOL_GPL(dmacmd_is_prepared);

/**
 * dmacmd_prepared_range() - IOKit's getPreparedOffsetAndLength
 * @cmd: the command
 * @offset: if not NULL, set to the prepared offset within the descriptor
 * @length: if not NULL, set to the prepared length
 *
 * Context: Any context.
 * Return:
 *
 * * %0 - filled
 * * %-EINVAL - @cmd invalid
 * * %-EBADFD - not prepared
 */
int dmacmd_prepared_range(const struct dmacmd *cmd, u64 *offset, u64 *length)
{
	int ret = dmacmd_enter(cmd, "prepared_range", 0, 0,
			       DMACMD_NEED_PREPARED, _RET_IP_);

	if (ret)
		return ret;
	if (offset)
		*offset = cmd->prep_off;
	if (length)
		*length = cmd->prep_len;
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_prepared_range);

/* ------------------------------------------------------------------ */
/* Synchronize                                                         */

/* Switch the live mapping to a full copy buffer (kForceDoubleBuffer). */
static int dmacmd_force_copy(struct dmacmd *cmd)
{
	struct dmacmd_mapping *live = dmacmd_cur_map(cmd);
	struct dmacmd_mapping *spare = &cmd->map[!cmd->cur];
	bool synced = false, mark_home;
	int ret;

	if (dmacmd_map_is_copy(live))
		return 0;
	/* A slice of a kept mapping the device may write: marked home below. */
	mark_home = live->state == DMACMD_MAPPED_KEPT &&
		    live->dir != DMA_TO_DEVICE;
	/* Room to mark it, before anything changes. */
	if (mark_home) {
		ret = dmacmd_md_dma_home_reserve(cmd->md, live->kept);
		if (ret)
			return ret;
	}
	/* What the device wrote so far must reach memory, then the copy. */
	if (dmacmd_need_sync(cmd, live)) {
		dmacmd_map_sync(cmd, live, true);
		synced = true;
	}
	if (live->nr_pieces && live->dir != DMA_TO_DEVICE) {
		ret = dmacmd_bounce_copy(cmd, live, false);
		if (ret)
			goto err_give_back;
	}
	ret = dmacmd_map_range(cmd, spare, true, DMACMD_PREPARE_DEFAULT);
	if (ret)
		goto err_give_back;
	/*
	 * The copy buffer now holds the range and brings it home at
	 * complete; a slice of the descriptor's mapping holds only what was
	 * synced above, which its unmap at the descriptor's last complete
	 * must not copy back over that (a stale swiotlb slot).
	 */
	if (mark_home)
		dmacmd_md_dma_home(cmd->md, live->kept, cmd->prep_off,
				   cmd->prep_len, true);
	dmacmd_map_let_go(cmd, live, DMA_ATTR_SKIP_CPU_SYNC);
	dmacmd_mapping_reset(cmd, live);
	cmd->cur = !cmd->cur;
	cmd->force_full = true;
	dmacmd_gen_reset(cmd);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_BOUNCED_BYTES, spare->bounced);
	return 0;

err_give_back:
	if (synced)
		dmacmd_map_sync(cmd, live, false);
	return ret;
}

/* dmacmd_synchronize() of a live command, once it is the caller's. */
static int dmacmd_synchronize_claimed(struct dmacmd *cmd, u32 options,
				      unsigned long ip)
{
	struct dmacmd_mapping *m;
	bool synced;
	int ret = 0;

	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "synchronize when not prepared\n");
		return -EBADFD;
	}
	if (options & DMACMD_FORCE_DOUBLE_BUFFER) {
		if (dmacmd_atomic_misuse(ip, cmd->dev,
					 "kForceDoubleBuffer"))
			return -EWOULDBLOCK;
		if (dmacmd_iterate_only(cmd)) {
			dmacmd_misuse_at(ip, cmd->dev,
					 "kForceDoubleBuffer on a kIterateOnly command\n");
			return -EOPNOTSUPP;
		}
		ret = dmacmd_force_copy(cmd);
		goto out;
	}
	m = dmacmd_cur_map(cmd);
	synced = dmacmd_need_sync(cmd, m);
	if (options & DMACMD_SYNC_IN) {
		if (synced)
			dmacmd_map_sync(cmd, m, true);
		if (m->nr_pieces && m->dir != DMA_TO_DEVICE)
			ret = dmacmd_bounce_copy(cmd, m, false);
	} else {
		if (m->nr_pieces)
			ret = dmacmd_bounce_copy(cmd, m, true);
	}
	if (synced)
		dmacmd_map_sync(cmd, m, false);
out:
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_SYNCS, 1);
	trace_dmacmd_synchronize(cmd, cmd->dev, options, ret);
	return ret;
}

/**
 * dmacmd_synchronize() - copy between memory and bounce memory on demand
 * @cmd: the prepared command
 * @options: %DMACMD_SYNC_IN (what the device wrote reaches memory: the
 *	DMA API syncs for the CPU, bounce memory is copied to memory),
 *	%DMACMD_SYNC_OUT (what the CPU wrote reaches the device: memory is
 *	copied to bounce memory, the DMA API syncs for the device), or
 *	%DMACMD_FORCE_DOUBLE_BUFFER (move the whole prepared range into a
 *	copy buffer, keeping what the device wrote so far)
 *
 * IOKit's synchronize().  After %DMACMD_SYNC_IN the mapping is handed back
 * to the device (dma_sync_*_for_device), so a ring can keep running.
 * Copies back to memory are skipped for a %DMA_TO_DEVICE descriptor (the
 * device cannot have written it, and its pages may be read-only).
 *
 * Context: Process context for %DMACMD_FORCE_DOUBLE_BUFFER (allocates);
 * otherwise any context that may touch the memory, does not sleep.
 * Return:
 *
 * * %0 - done
 * * %-EINVAL - @cmd invalid, unknown options, no option, or both
 *   directions at once
 * * %-EBADFD - not prepared
 * * %-EOPNOTSUPP - %DMACMD_FORCE_DOUBLE_BUFFER on a kIterateOnly command
 * * an error of dmacmd_prepare() for %DMACMD_FORCE_DOUBLE_BUFFER (the
 *   command keeps its mapping)
 * * %-EWOULDBLOCK - %DMACMD_FORCE_DOUBLE_BUFFER in atomic context (logged)
 * * %-EBUSY - another thread is in a call on @cmd (logged)
 */
int dmacmd_synchronize(struct dmacmd *cmd, u32 options)
{
	const u32 known = DMACMD_SYNC_IN | DMACMD_SYNC_OUT |
			  DMACMD_FORCE_DOUBLE_BUFFER;
	struct task_struct *prev;
	int ret;

	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "synchronize of an invalid command\n");
		return -EINVAL;
	}
	if (!options || (options & ~known) ||
	    ((options & DMACMD_SYNC_IN) && (options & DMACMD_SYNC_OUT))) {
		dmacmd_misuse(cmd->dev, "synchronize with options %#x\n",
			      options);
		return -EINVAL;
	}
	prev = dmacmd_claim(cmd, "synchronize", _RET_IP_);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	ret = dmacmd_synchronize_claimed(cmd, options, _RET_IP_);
	dmacmd_leave(cmd, prev);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_synchronize);
