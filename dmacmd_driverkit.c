// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: DriverKit's IODMACommand calls (PrepareForDMA, CompleteDMA,
 * GetPreparation, PerformOperation) over the kernel API's commands.
 */
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>

#include "dmacmd_cmd.h"
#include "dmacmd_map.h"
#include "dmacmd_map_rw.h"
#include "dmacmd_seg.h"

/* ------------------------------------------------------------------ */
/* DriverKit                                                           */

/**
 * dmacmd_prepare_for_dma() - DriverKit's IODMACommand::PrepareForDMA
 * @cmd: the command: not prepared, or prepared with @md
 * @options: must be 0
 * @md: the memory; dmacmd prepares it (dmacmd_md_prepare()) for the caller
 * @offset: start of the range within @md
 * @length: bytes; 0 means from @offset to the end of @md
 * @flags: set to %DMACMD_DK_DIR_OUT if the device may read the memory and
 *	%DMACMD_DK_DIR_IN if it may write it
 * @nsegs: in: capacity of @segs; out: segments written
 * @segs: the segments, in host byte order
 *
 * Prepares @md, attaches it without auto-prepare, prepares the range and
 * generates its segments in one pass.  Called again with the memory the
 * command is prepared with, it completes that preparation first and
 * prepares anew, as DriverKit does, here without leaving a prepare of @md
 * behind: one dmacmd_complete_dma() undoes the lot.  Unlike DriverKit, a
 * mapping that needs more segments than *@nsegs is an error, never a
 * silent truncation.  Any failure undoes what this call did: @md is
 * completed again and the command keeps the descriptor it had (no longer
 * prepared, after a preparation this call completed).  Undo a success
 * with dmacmd_complete_dma().
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - prepared, *@nsegs segments cover the whole range
 * * %-EINVAL - @options not 0, or an invalid or NULL argument, *@nsegs 0
 * * %-EBUSY - the command is prepared with other memory (nothing changes)
 * * %-E2BIG - the mapping needs more than *@nsegs segments
 * * errors of dmacmd_md_prepare(), dmacmd_prepare() and
 *   dmacmd_gen_segments()
 */
int dmacmd_prepare_for_dma(struct dmacmd *cmd, u64 options,
			   struct dmacmd_md *md, u64 offset, u64 length,
			   u64 *flags, u32 *nsegs, struct dmacmd_seg64 *segs)
{
	enum dma_data_direction dir;
	struct dmacmd_md *old;
	u32 n;
	u64 pos = 0;
	int ret;

	if (dmacmd_bad(cmd) || dmacmd_md_bad(md, _RET_IP_) || options ||
	    !flags || !nsegs || !segs || !*nsegs) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "prepare_for_dma with an invalid argument\n");
		return -EINVAL;
	}
	if (cmd->active && md != cmd->md) {
		dmacmd_misuse(cmd->dev,
			      "prepare_for_dma while prepared with other memory\n");
		return -EBUSY;
	}
	/* The same memory again: start over (the last complete undoes ours). */
	while (cmd->active)
		__dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT, _RET_IP_);
	ret = dmacmd_md_prepare(md);
	if (ret)
		return ret;
	old = cmd->md;
	dmacmd_md_hold(md);
	dmacmd_use_md(cmd, md);
	ret = __dmacmd_prepare(cmd, offset, length, DMACMD_PREPARE_DEFAULT,
			       _RET_IP_);
	if (ret)
		goto err_restore;
	n = *nsegs;
	ret = __dmacmd_gen(cmd, dmacmd_out_host64, &pos, segs, &n, 0,
			   _RET_IP_);
	if (!ret && pos < cmd->prep_len) {
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: PrepareForDMA of %#llx bytes needs more than %u segments\n",
				    cmd->prep_len, *nsegs);
		ret = -E2BIG;
	}
	if (ret) {
		__dmacmd_complete(cmd, DMACMD_INVALIDATE_CACHE, _RET_IP_);
		goto err_restore;
	}
	if (old)
		dmacmd_md_unhold(old);
	dir = dmacmd_md_direction(md);
	*flags = 0;
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		*flags |= DMACMD_DK_DIR_OUT;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		*flags |= DMACMD_DK_DIR_IN;
	*nsegs = n;
	cmd->prepared_md = true;
	return 0;

err_restore:
	dmacmd_use_md(cmd, old);
	dmacmd_md_unhold(md);
	dmacmd_md_complete(md);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_prepare_for_dma);

/**
 * dmacmd_complete_dma() - DriverKit's IODMACommand::CompleteDMA
 * @cmd: the prepared command
 * @options: must be 0
 *
 * Completes every outstanding prepare (copying back what the device
 * wrote), detaches the memory and, if dmacmd_prepare_for_dma() prepared
 * it, completes the memory too.
 *
 * Context: Process context.
 * Return:
 *
 * * %0 - done
 * * %-EINVAL - @cmd invalid or @options not 0
 * * %-EBADFD - not prepared
 * * %-EWOULDBLOCK - called in atomic context (logged)
 */
int dmacmd_complete_dma(struct dmacmd *cmd, u64 options)
{
	int ret = 0, r;

	if (dmacmd_bad(cmd) || options) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "complete_dma with an invalid argument\n");
		return -EINVAL;
	}
	if (!cmd->active) {
		dmacmd_misuse(cmd->dev, "complete_dma when not prepared\n");
		return -EBADFD;
	}
	if (dmacmd_atomic_misuse(_RET_IP_, cmd->dev, "complete_dma"))
		return -EWOULDBLOCK;
	while (cmd->active) {
		r = __dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT, _RET_IP_);
		if (r && !ret)
			ret = r;
	}
	dmacmd_md_unhold(cmd->md);
	dmacmd_use_md(cmd, NULL);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_complete_dma);

/**
 * dmacmd_get_preparation() - DriverKit's IODMACommand::GetPreparation
 * @cmd: the prepared command
 * @offset: if not NULL, set to the prepared offset
 * @length: if not NULL, set to the prepared length
 * @md: if not NULL, set to the attached memory with a reference the caller
 *	drops with dmacmd_md_put()
 *
 * Context: Any context.
 * Return:
 *
 * * %0 - filled
 * * %-EINVAL - @cmd invalid
 * * %-EBADFD - not prepared
 */
int dmacmd_get_preparation(struct dmacmd *cmd, u64 *offset, u64 *length,
			   struct dmacmd_md **md)
{
	int ret = dmacmd_enter(cmd, "get_preparation", 0, 0,
			       DMACMD_NEED_PREPARED, _RET_IP_);

	if (ret)
		return ret;
	if (offset)
		*offset = cmd->prep_off;
	if (length)
		*length = cmd->prep_len;
	if (md) {
		dmacmd_md_get(cmd->md);
		*md = cmd->md;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_get_preparation);

/* Copy between the mapping at @dma_off and the runs of @data. */
static int dmacmd_perform_md(struct dmacmd *cmd, u64 dma_off, u64 len,
			     u64 data_off, struct dmacmd_md *data, bool to_dev,
			     u64 *done)
{
	struct dmacmd_md_iter it;
	struct dmacmd_md_run seg;
	int ret;

	dmacmd_md_iter_init(&it, data);
	while (*done < len) {
		u64 rl, o = 0;

		ret = dmacmd_md_iter_run(&it, data_off + *done, len - *done,
					 &seg);
		if (ret)
			return ret;
		if (!seg.page || !seg.len)
			return -EOPNOTSUPP;
		rl = min(seg.len, len - *done);
		while (o < rl) {
			unsigned int po = offset_in_page(seg.offset + o);
			struct page *p = nth_page(seg.page,
						  (seg.offset + o) >> PAGE_SHIFT);
			u64 c = min_t(u64, rl - o, PAGE_SIZE - po), n;
			void *va = kmap_local_page(p);

			n = dmacmd_xfer(cmd, dma_off + *done, va + po, c, to_dev);
			kunmap_local(va);
			*done += n;
			o += n;
			if (n < c)
				return 0;
		}
	}
	return 0;
}

/**
 * dmacmd_perform_operation() - DriverKit's IODMACommand::PerformOperation
 * @cmd: the prepared command
 * @options: exactly one of %DMACMD_DK_OP_READ (mapping to @data),
 *	%DMACMD_DK_OP_WRITE (@data to mapping) or %DMACMD_DK_OP_ZERO (zero
 *	the mapping; @data unused)
 * @dma_offset: offset in the mapping, relative to the prepared offset
 * @length: bytes
 * @data_offset: offset within @data
 * @data: the other side of the copy
 *
 * The CPU copies through what the device sees, as dmacmd_read_bytes() and
 * dmacmd_write_bytes() do.  Every error is logged.
 *
 * Context: Any context that may touch the memory.  Does not sleep.
 * Return:
 *
 * * %0 - all @length bytes copied
 * * %-EINVAL - @cmd invalid, bad @options, @data missing or too short
 * * %-EBADFD - not prepared, or @data needs dmacmd_md_prepare()
 * * %-EOPNOTSUPP - @data is memory without a struct page
 * * %-EPERM - the copy would write user memory pinned read-only (an Out
 *   descriptor: it may be a file's page cache or the shared zero page):
 *   the mapping for Write and Zero, @data for Read
 * * %-ENODATA - the mapping ends before @dma_offset + @length (what fits
 *   is copied)
 */
int dmacmd_perform_operation(struct dmacmd *cmd, u64 options, u64 dma_offset,
			     u64 length, u64 data_offset,
			     struct dmacmd_md *data)
{
	u64 done = 0, todo;
	bool synced;
	int ret = 0;

	if (dmacmd_bad(cmd) ||
	    (options != DMACMD_DK_OP_READ && options != DMACMD_DK_OP_WRITE &&
	     options != DMACMD_DK_OP_ZERO)) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "perform_operation with options %#llx\n", options);
		return -EINVAL;
	}
	if (options != DMACMD_DK_OP_ZERO &&
	    (dmacmd_md_bad(data, _RET_IP_) ||
	     data_offset > dmacmd_md_length(data) ||
	     length > dmacmd_md_length(data) - data_offset)) {
		dmacmd_misuse(cmd->dev,
			      "perform_operation with missing or short data\n");
		return -EINVAL;
	}
	if (!cmd->active) {
		dmacmd_misuse(cmd->dev, "perform_operation when not prepared\n");
		return -EBADFD;
	}
	if (options == DMACMD_DK_OP_READ ? dmacmd_md_read_only(data) :
	    dmacmd_map_read_only(cmd)) {
		dmacmd_misuse(cmd->dev,
			      "perform_operation would write memory pinned read-only (an Out user range)\n");
		return -EPERM;
	}
	if (dma_offset >= cmd->prep_len) {
		if (!length)
			return 0;
		ret = -ENODATA;
		goto out_misuse;
	}

	/* What hands the range out may reach beyond it: stop at its end. */
	todo = min(length, cmd->prep_len - dma_offset);
	synced = dmacmd_cpu_begin(cmd);
	if (options == DMACMD_DK_OP_ZERO) {
		void *zero = page_address(ZERO_PAGE(0));
		u64 n, c;

		while (done < todo) {
			c = min_t(u64, todo - done, PAGE_SIZE);
			n = dmacmd_xfer(cmd, dma_offset + done, zero, c, true);
			done += n;
			if (n < c)
				break;
		}
	} else {
		ret = dmacmd_perform_md(cmd, dma_offset, todo, data_offset,
					data, options == DMACMD_DK_OP_WRITE,
					&done);
	}
	dmacmd_cpu_end(cmd, synced);
	if (!ret && done < length)
		ret = -ENODATA;
	if (!ret)
		return 0;
out_misuse:
	dmacmd_misuse(cmd->dev,
		      "perform_operation of %#llx bytes at %#llx stopped after %#llx: %s\n",
		      length, dma_offset, done,
		      ret == -ENODATA ? "past the prepared range" :
		      ret == -EBADFD ? "data not prepared" :
		      ret == -EOPNOTSUPP ? "data without a struct page" :
		      "data changed under the copy");
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_perform_operation);
