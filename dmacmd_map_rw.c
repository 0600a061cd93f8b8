// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: the CPU's reads and writes of what the device sees of a
 * prepared command (IOKit's IODMACommand::readBytes() and writeBytes(),
 * DriverKit's PerformOperation()): the bounce memory where the range is
 * double-buffered, the memory itself elsewhere, synchronized around the
 * copy when the DMA layer needs it.
 */
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/scatterlist.h>

#include "dmacmd_cmd.h"
#include "dmacmd_map.h"
#include "dmacmd_map_rw.h"

/* dmacmd_xfer() for a coherent copy buffer: the blocks hold it all. */
static u64 dmacmd_xfer_coherent(struct dmacmd *cmd, struct dmacmd_mapping *m,
				u64 off, u8 *buf, u64 len, bool to_dev)
{
	u64 done = 0, pos, c;
	unsigned int i;

	for (i = 0; i < m->nr_pieces && done < len; i++) {
		struct dmacmd_bounce_piece *r = &m->pieces[i];

		pos = r->md_off - cmd->prep_off;
		if (off + done >= pos + r->len)
			continue;
		c = min(r->len - (off + done - pos), len - done);
		if (to_dev)
			memcpy(r->cpu + (off + done - pos), buf + done, c);
		else
			memcpy(buf + done, r->cpu + (off + done - pos), c);
		done += c;
	}
	return done;
}

/*
 * Copy between @buf and the device's view of the prepared range at @off.
 * The caller has clipped @len and owns the mapping for the CPU.
 */
u64 dmacmd_xfer(struct dmacmd *cmd, u64 off, void *buf, u64 len,
		bool to_dev)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (m->state == DMACMD_MAPPED_COHERENT)
		return dmacmd_xfer_coherent(cmd, m, off, buf, len, to_dev);
	/* The descriptor's own mapping maps its memory as it is. */
	if (!dmacmd_map_has_list(m) || m->state == DMACMD_MAPPED_KEPT)
		return to_dev ?
		       dmacmd_md_write(cmd->md, cmd->prep_off + off, buf, len) :
		       dmacmd_md_read(cmd->md, cmd->prep_off + off, buf, len);
	if (to_dev)
		return sg_pcopy_from_buffer(m->sgl, m->sgt.orig_nents, buf, len,
					    off);
	return sg_pcopy_to_buffer(m->sgl, m->sgt.orig_nents, buf, len, off);
}

bool dmacmd_cpu_begin(struct dmacmd *cmd)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (!dmacmd_need_sync(cmd, m))
		return false;
	dmacmd_map_sync(cmd, m, true);
	return true;
}

void dmacmd_cpu_end(struct dmacmd *cmd, bool synced)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (synced)
		dmacmd_map_sync(cmd, m, false);
}

/*
 * Would a CPU write to what the device sees of @cmd land in memory its
 * descriptor may not write (dmacmd_md_read_only())?  Not where a copy
 * buffer holds the whole range.
 */
bool dmacmd_map_read_only(struct dmacmd *cmd)
{
	return !dmacmd_map_is_copy(dmacmd_cur_map(cmd)) &&
	       dmacmd_md_read_only(cmd->md);
}

static u64 dmacmd_rw_claimed(struct dmacmd *cmd, u64 offset, void *buf,
			     u64 len, bool to_dev, unsigned long ip)
{
	bool synced;
	u64 n;

	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "read/write bytes of a command that is not prepared\n");
		return 0;
	}
	if (to_dev && dmacmd_map_read_only(cmd)) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "write bytes into memory pinned read-only (an Out user range)\n");
		return 0;
	}
	if (offset >= cmd->prep_len || !len)
		return 0;
	len = min(len, cmd->prep_len - offset);
	synced = dmacmd_cpu_begin(cmd);
	n = dmacmd_xfer(cmd, offset, buf, len, to_dev);
	dmacmd_cpu_end(cmd, synced);
	return n;
}

static u64 __dmacmd_rw(struct dmacmd *cmd, u64 offset, void *buf, u64 len,
		       bool to_dev, unsigned long ip)
{
	struct task_struct *prev;
	u64 n;

	if (dmacmd_bad_at(cmd, ip) || (!buf && len)) {
		dmacmd_misuse_at(ip, dmacmd_log_dev(cmd),
				 "read/write bytes with an invalid argument\n");
		return 0;
	}
	prev = dmacmd_claim(cmd, "read/write bytes", ip);
	if (IS_ERR(prev))
		return 0;
	n = dmacmd_rw_claimed(cmd, offset, buf, len, to_dev, ip);
	dmacmd_leave(cmd, prev);
	return n;
}

/**
 * dmacmd_read_bytes() - read what the device sees
 * @cmd: the prepared command
 * @offset: offset relative to the prepared offset
 * @buf: destination
 * @len: bytes wanted
 *
 * IOKit's readBytes: copies from the memory the device reads and writes,
 * the bounce copy where there is one.  Where the platform bounces too
 * (swiotlb) the mapping is synced for the CPU first and handed back after.
 *
 * Context: Any context that may touch the memory.  Does not sleep.
 * Return: bytes copied: 0 when not prepared, when another thread is in a
 * call on @cmd (logged), or when @offset is at or past the prepared
 * length; at most the bytes from @offset to the end.
 */
u64 dmacmd_read_bytes(struct dmacmd *cmd, u64 offset, void *buf, u64 len)
{
	return __dmacmd_rw(cmd, offset, buf, len, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_read_bytes);

/**
 * dmacmd_write_bytes() - write what the device sees
 * @cmd: the prepared command
 * @offset: offset relative to the prepared offset
 * @buf: source
 * @len: bytes to write
 *
 * IOKit's writeBytes: copies into the memory the device reads, the bounce
 * copy where there is one.  Under swiotlb a %DMA_FROM_DEVICE mapping does
 * not carry CPU writes to the device (the DMA API only bounces toward the
 * device for Out and InOut).  Nothing is written into user memory described
 * for the device to read (Out): it is pinned read-only, and may be a file's
 * page cache or the shared zero page; a copy buffer of it may be written.
 *
 * Context: Any context that may touch the memory.  Does not sleep.
 * Return: bytes copied, as for dmacmd_read_bytes(); 0 for memory pinned
 * read-only (logged).
 */
u64 dmacmd_write_bytes(struct dmacmd *cmd, u64 offset, const void *buf,
		       u64 len)
{
	return __dmacmd_rw(cmd, offset, (void *)buf, len, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_write_bytes);
