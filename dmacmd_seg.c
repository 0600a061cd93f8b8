// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: the segment walk.  Turns a prepared range into the segments the
 * hardware is given (IOKit's genIOVMSegments()), cut to the specification,
 * and checks a mapping against the specification's rules.
 */
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/scatterlist.h>

#include "dmacmd_cmd.h"
#include "dmacmd_seg.h"
#include <trace/events/dmacmd.h>

/* ------------------------------------------------------------------ */
/* Segment walk                                                        */

/* The run of the descriptor at relative position @pos (descriptor walks). */
static int dmacmd_pos_md(struct dmacmd *cmd, u64 pos, struct dmacmd_seg_pos *r)
{
	struct dmacmd_md_run seg;
	int ret;

	ret = dmacmd_md_iter_run(&cmd->iter, cmd->prep_off + pos,
				 cmd->prep_len - pos, &seg);
	if (ret)
		return ret;
	if (!seg.len)
		return -EIO;
	r->pos = pos;
	r->addr = seg.phys;
	r->len = min(seg.len, cmd->prep_len - pos);
	r->idx = 0;
	return 0;
}

/* Move @r to the run that follows it. */
static int dmacmd_pos_next(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   struct dmacmd_seg_pos *r)
{
	if (dmacmd_map_has_list(m))
		return dmacmd_pos_sg(m, r->idx + 1, r->pos + r->len, r);
	return dmacmd_pos_md(cmd, r->pos + r->len, r);
}

/*
 * Position @r at @pos, walking forward from @r if @r is at or before @pos
 * (@from_r), else from the start.  Descriptor walks jump directly: the
 * descriptor iterator resumes cheaply by itself.
 */
static int dmacmd_pos_seek(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   u64 pos, bool from_r, struct dmacmd_seg_pos *r)
{
	u64 skip;
	int ret;

	if (!dmacmd_map_has_list(m))
		return dmacmd_pos_md(cmd, pos, r);
	if (!from_r || r->pos > pos) {
		ret = dmacmd_pos_sg(m, 0, 0, r);
		if (ret)
			return ret;
	}
	while (pos - r->pos >= r->len) {
		ret = dmacmd_pos_next(cmd, m, r);
		if (ret)
			return ret;
	}
	skip = pos - r->pos;
	r->pos = pos;
	r->addr += skip;
	r->len -= skip;
	return 0;
}

/*
 * Length of a segment from @start that must be cut before @cap bytes: the
 * next segment has to start on an alignment_internal boundary and this
 * one's length be a multiple of alignment_length.  *@ok is false when no
 * such cut exists (the layout then breaks the spec).
 */
static u64 dmacmd_cut(const struct dmacmd_limits *lim, u64 start, u64 cap,
		      bool *ok)
{
	u64 align_in = lim->align_in, align_len = lim->align_len;
	u64 end = round_down(start + cap, align_in);
	u64 tries = align_len > align_in ? align_len / align_in : 1;
	u64 len;

	while (tries-- && end > start) {
		len = end - start;
		if (!(len & (align_len - 1))) {
			*ok = true;
			return len;
		}
		end -= align_in;
	}
	*ok = false;
	len = round_down(cap, align_len);
	return len ? len : cap;
}

/*
 * Build the segment that starts at @r (coalescing contiguous runs, cutting
 * at the maximum segment size, the device's segment boundary and the
 * address limit) and move @r past it.  *@ok tells whether the cut, if any,
 * honours the spec's alignments.
 */
static int dmacmd_next_seg(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   const struct dmacmd_limits *lim,
			   struct dmacmd_seg_pos *r, struct dmacmd_seg64 *seg,
			   bool *ok)
{
	u64 start = r->addr, cap = cmd->spec.max_segment_size;
	u64 left = cmd->prep_len - r->pos, extent, end, next_pos;
	struct dmacmd_seg_pos cur = *r, next;
	unsigned long bmask;
	bool have_next = false;
	int ret;

	bmask = dmacmd_map_bmask(m);
	if (bmask != ~0UL)
		cap = min(cap, (start | bmask) - start + 1);
	if (start <= lim->max_addr && lim->max_addr - start < cap)
		cap = lim->max_addr - start + 1;

	/*
	 * The last DMA segment of a copy buffer may run past the prepared
	 * length (see dmacmd_build_copy()): @left ends the walk.
	 */
	extent = cur.len;
	while (extent <= cap && extent < left) {
		next = cur;
		ret = dmacmd_pos_next(cmd, m, &next);
		if (ret)
			return ret;
		if (!next.len)
			return -EIO;
		if (next.addr != start + extent) {
			have_next = true;
			break;
		}
		cur = next;
		extent += cur.len;
	}

	*ok = true;
	end = min(extent, left);
	seg->addr = start;
	seg->len = end > cap ? dmacmd_cut(lim, start, cap, ok) : end;

	next_pos = r->pos + seg->len;
	if (next_pos >= cmd->prep_len) {
		r->pos = cmd->prep_len;
		r->len = 0;
		return 0;
	}
	if (seg->len == extent && have_next) {
		*r = next;
		return 0;
	}
	if (next_pos >= cur.pos) {
		u64 skip = next_pos - cur.pos;

		*r = cur;
		r->pos = next_pos;
		r->addr += skip;
		r->len -= skip;
		return 0;
	}
	return dmacmd_pos_seek(cmd, m, next_pos, true, r);
}

/*
 * Does the segment at relative position @pos honour the spec?  -EMSGSIZE
 * when it reaches beyond the address limit, -EDOM when misaligned.
 */
static int dmacmd_seg_check(const struct dmacmd_limits *lim,
			    const struct dmacmd_seg64 *seg, u64 pos, bool ok)
{
	u64 align = pos ? lim->align_in : lim->align;

	if (seg->addr > lim->max_addr || lim->max_addr - seg->addr < seg->len - 1)
		return -EMSGSIZE;
	if (!ok || (seg->addr & (align - 1)) ||
	    (seg->len & (lim->align_len - 1)))
		return -EDOM;
	return 0;
}

/*
 * Walk every segment of mapping @m from the start and check it against the
 * spec.  On failure *@bad is the offending segment.
 */
int dmacmd_verify(struct dmacmd *cmd, struct dmacmd_mapping *m,
		  const struct dmacmd_limits *lim, struct dmacmd_seg64 *bad)
{
	struct dmacmd_seg_pos r;
	bool ok;
	u64 pos;
	int ret;

	ret = dmacmd_pos_seek(cmd, m, 0, false, &r);
	while (!ret && r.pos < cmd->prep_len) {
		pos = r.pos;
		ret = dmacmd_next_seg(cmd, m, lim, &r, bad, &ok);
		if (!ret)
			ret = dmacmd_seg_check(lim, bad, pos, ok);
	}
	return ret;
}

/*
 * Does the memory itself, as the CPU addresses it, break the spec's
 * alignments?  Then it goes into a copy buffer before anything is mapped,
 * whatever the platform would do to it (swiotlb slots happen to be
 * aligned, which is no promise).  Behind an IOMMU only the offset within
 * a page carries over to the IOVA, so larger alignments are left to the
 * check after mapping, as IOKit leaves them to its mapper.
 */
bool dmacmd_mem_misaligned(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	struct dmacmd_limits lim = cmd->lim;
	struct dmacmd_seg64 bad;

	if (cmd->translated) {
		lim.align = min_t(u32, lim.align, PAGE_SIZE);
		lim.align_in = min_t(u32, lim.align_in, PAGE_SIZE);
	}
	lim.max_addr = U64_MAX;
	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	return dmacmd_verify(cmd, m, &lim, &bad) == -EDOM;
}

/* ------------------------------------------------------------------ */
/* Segment generation                                                  */

/*
 * dmacmd_next_seg() for the usual case, in a few instructions: the run at
 * @r fits in one segment (maximum segment size, segment boundary @bmask)
 * and either ends the prepared range or is followed by a DMA entry that
 * does not continue it.  Builds the same segment dmacmd_next_seg() would
 * and moves @r the same way.  False, with nothing changed, for anything
 * else (contiguous entries to coalesce, cuts), which the general walk
 * handles.
 */
static __always_inline bool dmacmd_seg_fast(const struct dmacmd *cmd,
					    const struct dmacmd_mapping *m,
					    unsigned long bmask,
					    struct dmacmd_seg_pos *r,
					    struct dmacmd_seg64 *seg)
{
	u64 left = cmd->prep_len - r->pos;
	u64 len = min(r->len, left);
	const struct scatterlist *nsg;

	if (len > cmd->spec.max_segment_size ||
	    ((r->addr ^ (r->addr + len - 1)) & ~(u64)bmask))
		return false;
	if (len == left) {
		seg->addr = r->addr;
		seg->len = len;
		r->pos = cmd->prep_len;
		r->len = 0;
		return true;
	}
	if (r->idx + 1 >= m->sgt.nents)
		return false;
	nsg = &m->sgl[r->idx + 1];
	if (!sg_dma_len(nsg) || sg_dma_address(nsg) == r->addr + len)
		return false;
	seg->addr = r->addr;
	seg->len = len;
	r->pos += len;
	r->addr = sg_dma_address(nsg);
	r->len = sg_dma_len(nsg);
	r->idx++;
	return true;
}

/*
 * Segments for the usual output function, as long as dmacmd_seg_fast()
 * applies, with the walk held in registers: at most @max into @out.
 * @plain (a constant): no segment can reach the spec's maximum size or
 * cross the device's boundary (&struct dmacmd @gen_plain), so only
 * contiguity ends one.  Returns how many; @r has moved past them.
 */
static __always_inline u32 dmacmd_gen_fast64(const struct dmacmd *cmd,
					     const struct dmacmd_mapping *m,
					     unsigned long bmask,
					     struct dmacmd_seg_pos *r,
					     struct dmacmd_seg64 *out, u32 max,
					     const bool plain)
{
	const struct scatterlist *sgl = m->sgl;
	u64 pos = r->pos, addr = r->addr, len = r->len, end = cmd->prep_len;
	u64 cap = cmd->spec.max_segment_size, outside = ~(u64)bmask;
	unsigned int idx = r->idx, last = m->sgt.nents - 1;
	u64 left, l, next;
	u32 n = 0;

	while (n < max) {
		left = end - pos;
		l = min(len, left);
		if (!plain && (l > cap || ((addr ^ (addr + l - 1)) & outside)))
			break;
		if (l == left) {
			out[n].addr = addr;
			out[n++].len = l;
			pos = end;
			len = 0;
			break;
		}
		if (idx >= last)
			break;
		next = sg_dma_address(&sgl[idx + 1]);
		if (next == addr + l || !sg_dma_len(&sgl[idx + 1]))
			break;
		out[n].addr = addr;
		out[n++].len = l;
		pos += l;
		addr = next;
		len = sg_dma_len(&sgl[++idx]);
	}
	r->pos = pos;
	r->addr = addr;
	r->len = len;
	r->idx = idx;
	return n;
}

/*
 * The general segment walk of __dmacmd_gen(), from relative position @pos
 * with @n segments already written: seeks when @pos is not where the last
 * call stopped, coalesces and cuts, checks descriptor walks against the
 * spec and calls any output function.  @ip names the caller in the log.
 */
static noinline int dmacmd_gen_general(struct dmacmd *cmd, dmacmd_seg_fn fn,
				       u64 pos, void *segs, u32 n, u32 max,
				       u32 *done, unsigned long ip)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);
	struct dmacmd_seg_pos *r = &cmd->gen_pos;
	bool ok, check, out32, fast64;
	struct dmacmd_seg64 seg;
	unsigned long bmask;
	int ret;

	if (!cmd->gen_valid || pos != r->pos) {
		bool from = false;

		if (cmd->gen_valid && dmacmd_map_has_list(m)) {
			if (r->pos <= pos) {
				from = true;
			} else if (cmd->gen_start.pos <= pos) {
				*r = cmd->gen_start;
				from = true;
			}
		}
		cmd->gen_valid = false;
		ret = dmacmd_pos_seek(cmd, m, pos, from, r);
		if (ret)
			return ret;
	}
	if (!n)
		cmd->gen_start = *r;
	cmd->gen_valid = false;
	check = m->gen_check;
	bmask = dmacmd_map_bmask(m);
	fast64 = !check && fn == dmacmd_out_host64;
	out32 = !fast64 && dmacmd_is_out32(fn);
	for (; n < max && r->pos < cmd->prep_len; n++) {
		u64 at;

		if (fast64) {
			n += dmacmd_gen_fast64(cmd, m, bmask, r,
					       (struct dmacmd_seg64 *)segs + n,
					       max - n, false);
			if (n == max || r->pos >= cmd->prep_len)
				break;
		}
		at = r->pos;
		if (check || !dmacmd_seg_fast(cmd, m, bmask, r, &seg)) {
			ret = dmacmd_next_seg(cmd, m, &cmd->lim, r, &seg, &ok);
			if (ret)
				return ret;
		}
		if (check) {
			ret = dmacmd_seg_check(&cmd->lim, &seg, at, ok);
			if (ret)
				return ret;
		}
		if (out32 && (seg.addr > U32_MAX || seg.len > U32_MAX ||
			      U32_MAX - seg.addr < seg.len - 1)) {
			dmacmd_misuse_at(ip, cmd->dev,
					 "segment %#llx+%#llx given to a 32-bit output function\n",
					 seg.addr, seg.len);
			return -EMSGSIZE;
		}
		/* The usual output function, without an indirect call. */
		if (fn == dmacmd_out_host64)
			((struct dmacmd_seg64 *)segs)[n] = seg;
		else if (!fn(cmd, seg, segs, n))
			return -EMSGSIZE;
	}
	cmd->gen_valid = true;
	*done = n;
	return 0;
}

static int dmacmd_gen_claimed(struct dmacmd *cmd, dmacmd_seg_fn fn,
			      u64 *offset, void *segs, u32 *nsegs,
			      unsigned long ip)
{
	struct dmacmd_mapping *m;
	u32 n = 0, max;
	u64 pos;
	int ret;

	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "segments of a command that is not prepared\n");
		return -EBADFD;
	}
	if (!fn)
		fn = cmd->spec.out_fn;
	if (!offset || !segs || !nsegs || !*nsegs) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "segments with a NULL or empty argument\n");
		return -EINVAL;
	}
	pos = *offset;
	if (pos >= cmd->prep_len)
		return -ERANGE;

	/*
	 * The usual call continues where the last one stopped, into an array
	 * of dmacmd_seg64: as many segments as the tight loop gives, then the
	 * general walk for the rest.  The walk advances cmd->gen_pos in
	 * place; whatever fails leaves it invalid, so that the next call
	 * seeks afresh.
	 */
	m = dmacmd_cur_map(cmd);
	max = *nsegs;
	if (fn == dmacmd_out_host64 && cmd->gen_valid && cmd->gen_fast &&
	    pos == cmd->gen_pos.pos) {
		cmd->gen_start = cmd->gen_pos;
		if (cmd->gen_plain)
			n = dmacmd_gen_fast64(cmd, m, cmd->gen_bmask,
					      &cmd->gen_pos, segs, max, true);
		else
			n = dmacmd_gen_fast64(cmd, m, cmd->gen_bmask,
					      &cmd->gen_pos, segs, max, false);
		if (n == max || cmd->gen_pos.pos >= cmd->prep_len)
			goto out;
		pos = cmd->gen_pos.pos;
	}
	ret = dmacmd_gen_general(cmd, fn, pos, segs, n, max, &n, ip);
	if (ret)
		return ret;
out:
	if (trace_dmacmd_gen_segments_enabled())
		trace_dmacmd_gen_segments(cmd, cmd->dev, *offset,
					  cmd->gen_pos.pos, n, 0);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_SEGMENTS, n);
	*offset = cmd->gen_pos.pos;
	*nsegs = n;
	return 0;
}

/*
 * dmacmd_gen_segments() and its 32- and 64-bit forms (@width: the bits of
 * the segments @segs holds, 0 for whatever @fn writes).
 */
int __dmacmd_gen(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
		 void *segs, u32 *nsegs, unsigned int width, unsigned long ip)
{
	struct task_struct *prev;
	int ret;

	if (dmacmd_bad_at(cmd, ip)) {
		dmacmd_misuse_at(ip, NULL, "segments of an invalid command\n");
		return -EINVAL;
	}
	/* A dmacmd_out_* function of the other width would overrun @segs. */
	if (unlikely(width && cmd->out_width && cmd->out_width != width)) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "gen%u on a command with a %u-bit output function\n",
				 width, cmd->out_width);
		return -EINVAL;
	}
	prev = dmacmd_claim(cmd, "segments", ip);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	ret = dmacmd_gen_claimed(cmd, fn, offset, segs, nsegs, ip);
	dmacmd_leave(cmd, prev);
	return ret;
}

/**
 * dmacmd_gen_segments() - hand out the device-visible segments
 * @cmd: the prepared command
 * @fn: output function writing each segment into @segs, or NULL for the
 *	spec's
 * @offset: in: where to start, relative to the prepared offset; out: just
 *	past the last segment written
 * @segs: the caller's segment array (or whatever context @fn expects)
 * @nsegs: in: capacity of @segs (at least 1); out: segments written
 *
 * IOKit's genIOVMSegments.  Contiguous DMA runs are coalesced, then cut at
 * the spec's maximum segment size, the device's segment boundary and the
 * address limit, with cuts placed so that the next segment starts on the
 * internal-segment alignment and lengths stay multiples of the length
 * alignment.  Every segment is within the spec's address bits and the
 * device's mask and has the spec's alignments (prepare checked the whole
 * mapping).  Calling again from where the last call stopped costs O(1);
 * any other offset is found by walking forward from the last call's start
 * where possible.  On error neither *@offset nor *@nsegs changes.
 *
 * Context: Any context.  Does not sleep or allocate.
 * Return:
 *
 * * %0 - *@nsegs segments written
 * * %-EINVAL - @cmd, @offset, @segs or @nsegs invalid, or *@nsegs is 0
 * * %-EBADFD - not prepared
 * * %-ERANGE - *@offset at or past the prepared length (IOKit's
 *   kIOReturnOverrun; the normal end of a loop, not logged)
 * * %-EMSGSIZE - @fn returned false, a 32-bit output function was given a
 *   segment beyond 4 GiB, or (kIterateOnly, kBypassed) a segment beyond the
 *   address limit
 * * %-EDOM - (kIterateOnly) a segment breaks the spec's alignments
 * * %-EBUSY - another thread is in a call on @cmd (logged)
 */
int dmacmd_gen_segments(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
			void *segs, u32 *nsegs)
{
	return __dmacmd_gen(cmd, fn, offset, segs, nsegs, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_gen_segments);

/**
 * dmacmd_gen32() - dmacmd_gen_segments() into 32-bit segments
 * @cmd: the prepared command
 * @offset: as for dmacmd_gen_segments()
 * @segs: array of *@nsegs 32-bit segments
 * @nsegs: as for dmacmd_gen_segments()
 *
 * IOKit's gen32IOVMSegments: uses the spec's output function, which must
 * write 32-bit segments (a 64-bit dmacmd_out_* function is refused rather
 * than overrunning @segs; a driver's own function is trusted).
 *
 * Context: Any context.  Does not sleep or allocate.
 * Return: as dmacmd_gen_segments(); %-EINVAL for a 64-bit output function.
 */
int dmacmd_gen32(struct dmacmd *cmd, u64 *offset, struct dmacmd_seg32 *segs,
		 u32 *nsegs)
{
	return __dmacmd_gen(cmd, NULL, offset, segs, nsegs, 32, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_gen32);

/**
 * dmacmd_gen64() - dmacmd_gen_segments() into 64-bit segments
 * @cmd: the prepared command
 * @offset: as for dmacmd_gen_segments()
 * @segs: array of *@nsegs 64-bit segments
 * @nsegs: as for dmacmd_gen_segments()
 *
 * IOKit's gen64IOVMSegments: uses the spec's output function, which must
 * write 64-bit segments (a 32-bit dmacmd_out_* function is refused; a
 * driver's own function is trusted).
 *
 * Context: Any context.  Does not sleep or allocate.
 * Return: as dmacmd_gen_segments(); %-EINVAL for a 32-bit output function.
 */
int dmacmd_gen64(struct dmacmd *cmd, u64 *offset, struct dmacmd_seg64 *segs,
		 u32 *nsegs)
{
	return __dmacmd_gen(cmd, NULL, offset, segs, nsegs, 64, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_gen64);
