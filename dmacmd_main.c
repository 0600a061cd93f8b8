// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: module init and exit, module parameters, live-object accounting.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/atomic.h>

#include "dmacmd_cmd.h"
#include "dmacmd_debug.h"
#include "dmacmd_md.h"
#include "dmacmd_track.h"

/**
 * DOC: Overview
 *
 * dmacmd gives kernel drivers IOKit's DMA model on the Linux DMA API.  A
 * memory descriptor (&struct dmacmd_md, dmacmd_md*.c) names a byte range
 * of memory and the direction of the transfers.  A DMA command (&struct
 * dmacmd, dmacmd_cmd.c) maps a range of a descriptor for one &struct
 * device under a &struct dmacmd_spec (what the device's DMA engine can
 * address; dmacmd_map.c) and hands the mapping out as segments the device
 * can use (dmacmd_seg.c).  Any part the device cannot take as it is goes
 * through bounce memory (dmacmd_bounce.c).  The porting headers in
 * include/dmacmd/ spell the same API the way IOKit and DriverKit do.
 */

/**
 * DOC: Life cycle of a command
 *
 * dmacmd_create() makes a command for a device with a spec (or without
 * one, IOKit's withRefCon: then dmacmd_prepare_with_spec() must give it
 * one); dmacmd_clone() makes another with the same device and spec.
 * Commands are reference counted (dmacmd_get(), dmacmd_put()).  A command
 * holds a reference on its device and on its memory.
 *
 * dmacmd_set_memory() attaches a descriptor (optionally preparing the
 * whole of it), dmacmd_prepare() maps a range of it, dmacmd_gen_segments()
 * hands out the segments, dmacmd_synchronize() moves data between memory
 * and bounce memory while the device works, dmacmd_complete() undoes a
 * prepare and dmacmd_clear_memory() detaches the descriptor.  Prepares
 * nest: only the first maps, only the last complete unmaps.  The last
 * dmacmd_put() of a command that still holds memory completes and releases
 * it.
 *
 * Every call that fails leaves the command as it was, and every misuse
 * (a call in the wrong state, a bad argument) is answered with its
 * documented error and one rate-limited log line naming the caller.  An
 * invalid command or descriptor, in the functions' documentation, is NULL,
 * an ERR_PTR() or one already released (see "Use after release").
 */

/**
 * DOC: Mapping
 *
 * The first prepare builds a scatterlist of the prepared range from the
 * descriptor's physically contiguous runs (split at the device's maximum
 * mapping segment and segment boundary) and maps it with dma_map_sgtable(),
 * so swiotlb and the IOMMU apply as for any Linux driver.  The scatterlist
 * and the record of bounced pieces are kept with their capacity across
 * prepares, and bounce memory returns to a pool of the command, so that a
 * stream of prepare/complete cycles of one shape allocates nothing.
 * Without bounce memory the list itself is kept too: a prepare of the same
 * descriptor and range, with the device's mask, bus limit, maximum DMA
 * segment and segment boundary unchanged, maps it again at once, which
 * costs what dma_map_sgtable() of a driver's own sg_table costs plus the
 * argument checks (and the spec check, where one is needed).  Generating
 * segments hands out each DMA segment as it is, in a tight loop, until one
 * needs the general walk (contiguous segments to coalesce, a cut at the
 * maximum segment size or at a boundary).
 *
 * The DMA API never returns an address beyond the device's DMA mask, but a
 * spec may be narrower than the mask, and a platform that bounces
 * (swiotlb) or translates (IOMMU) places the device's view where it likes.
 * When the spec asks for alignments or for fewer address bits than the
 * mask, prepare walks the mapped segments once and checks each against
 * the spec.  A layout the spec refuses is tried again as a copy buffer,
 * then as a copy buffer of coherent DMA memory (dma_alloc_coherent(), which
 * the platform does not bounce and which is aligned to its size); one that
 * still fails is refused with -EADDRNOTAVAIL and a log line that says why
 * (for a device behind an IOMMU: set its DMA mask to the spec's address
 * bits).  Under swiotlb=force with bounce slots beyond the device's own
 * mask, the coherent copy buffer is the only way and is used directly.
 *
 * kBypassed commands hand out CPU physical addresses without the DMA API
 * (refused for a device behind a translating IOMMU); kIterateOnly commands
 * walk the descriptor's physical runs without mapping or bouncing anything
 * and report segments the spec forbids as errors.  kUnmapped, kNoCacheStore
 * and kOnChip are refused with -EOPNOTSUPP.
 */

/**
 * DOC: Segment generation
 *
 * dmacmd_gen_segments() walks the DMA side of the mapping.  Contiguous DMA
 * runs are coalesced into one segment, then cut at the spec's maximum
 * segment size, at the device's segment boundary and at the spec's address
 * limit; a cut is placed so that the next segment starts on the internal
 * alignment and the length stays a multiple of the length alignment.  The
 * walk remembers where the last call stopped, so a loop that passes the
 * returned offset back costs O(1) per call; a driver that re-seeds the
 * offset (inside the last segment, say) walks forward from where the last
 * call started.  Offsets are relative to the prepared offset; at or past
 * the end the call returns -ERANGE (IOKit's kIOReturnOverrun).
 */

/**
 * DOC: Bounce buffering
 *
 * Whatever part of the prepared range the device cannot take under the
 * spec goes through bounce memory that the command allocates within the
 * address limit (the lower of the spec's address bits and the device's
 * mask; not behind a translating IOMMU, where the IOVA is what counts):
 *
 * * Pages above the limit are replaced one by one by bounce pages at the
 *   same offset within the page; the rest of the range maps as it is, so
 *   only what needs it is copied (dmacmd_bounced_bytes() tells how much).
 * * Memory that breaks the spec's alignments (the first segment's start,
 *   the others' start, any length), and every range after
 *   %DMACMD_FORCE_DOUBLE_BUFFER, goes whole into a copy buffer made of
 *   naturally aligned blocks at least as large as the largest alignment,
 *   so alignments above the page size are met too.
 *
 * Bounce memory comes from the zones that can hold it (normal, DMA32, DMA;
 * each block's physical address is checked) and stays cached in the
 * command until it is released or a spec needs other blocks.  Where the
 * platform bounces streaming mappings itself (swiotlb=force: page
 * alignment at most, slots maybe beyond a narrow spec) the copy buffer is
 * made of coherent DMA memory instead, also cached.  No memory within the
 * limit: prepare fails with -EADDRNOTAVAIL.
 *
 * Copies: on prepare, memory is copied into bounce memory the device will
 * read when @synchronize asks (directions Out and None); bounce memory the
 * device may write (In, InOut, None) is always initialised from memory,
 * whatever @synchronize says, so that a device writing only part of it
 * never leaves stale bounce contents in the caller's memory on complete
 * (the class of CVE-2022-0854).  On complete, bounce memory goes back to
 * memory for directions In, InOut and None when @synchronize asks.
 * dmacmd_synchronize() does either copy on demand.  Each copy is one
 * memcpy() per physically contiguous run.
 */

/**
 * DOC: Caches and the DMA API's syncs
 *
 * The DMA API does each architecture's cache maintenance (and swiotlb's
 * copies) in its map, unmap and sync calls.  dmacmd maps IOKit's cache
 * arguments onto them: a kNonCoherent command prepared without
 * @flush_cache maps with %DMA_ATTR_SKIP_CPU_SYNC, and one completed without
 * @invalidate_cache unmaps with it; every other command always lets the
 * DMA API sync.  dmacmd_synchronize() syncs the whole mapping for the CPU
 * before copying what the device wrote (%DMACMD_SYNC_IN) and for the
 * device after copying what the CPU wrote (%DMACMD_SYNC_OUT), and hands
 * the mapping back to the device in both cases.  dmacmd_read_bytes() and
 * dmacmd_write_bytes() do the same around their copy when the platform
 * needs syncs at all (dma_need_sync()).
 */

/**
 * DOC: Where dmacmd differs from IOKit
 *
 * * A failed call changes nothing: IOKit raises the prepare count before
 *   validating, so a refused prepare leaves its command busy.
 * * dmacmd_prepare() with @offset > 0 and @length 0 covers @offset to the
 *   end; IOKit's range runs past the end of the descriptor.
 * * Memory that needs preparing and is not gives -EBADFD, not a panic.
 * * An unbalanced complete or clear returns -EBADFD and is logged; a
 *   clear with no memory attached too (IOKit returns success).
 * * Releasing a command that holds memory completes and releases it.
 * * dmacmd_clone() copies the spec exactly.
 * * dmacmd_prepare_for_dma() fails with -E2BIG instead of returning fewer
 *   bytes than asked when the caller's segment array is too small.
 * * Copy buffers meet alignments above the page size.
 * * dmacmd_synchronize() with no direction is refused; copies back to
 *   memory are skipped for a %DMA_TO_DEVICE descriptor.
 * * A 32-bit output function given a segment beyond 4 GiB fails with
 *   -EMSGSIZE instead of truncating it; dmacmd_gen32() and dmacmd_gen64()
 *   refuse a spec output function of the other width.
 * * Spec values that can never work (alignments that are not powers of
 *   two or above 4 MiB, a maximum segment size below the segment
 *   alignments, more than 64 address bits) are refused at create.
 * * IODMACommand_getIOMemoryDescriptor() returns the attached descriptor:
 *   bounce memory is not a descriptor of its own.
 */

/**
 * DOC: Contexts and concurrency
 *
 * Creating, preparing, setting and clearing memory and completing may
 * sleep (they allocate, the first time for a shape); generating segments,
 * synchronizing (except %DMACMD_FORCE_DOUBLE_BUFFER) and reading or
 * writing bytes neither sleep nor allocate.  A command is not serialised
 * internally, as in IOKit: its user does not call into it from two threads
 * at once.  Distinct commands share no lock: their state, their
 * scatterlists and their bounce pools are their own.
 */

/**
 * DOC: Module parameters
 *
 * * ``strict`` (bool, default off): add a WARN (once) to every misuse
 *   report, including a module unloading with objects alive and the use
 *   of a released object.  A debugging aid: a WARN taints the kernel.
 * * ``quarantine`` (unsigned int, default 0): keep the last N released
 *   commands and descriptors allocated and poisoned instead of freeing
 *   them, so that a driver calling in with one it released gets -EINVAL
 *   and a log line, never a use after free (see "Use after release").
 *   Writable at any time in ``/sys/module/dmacmd/parameters/quarantine``;
 *   lowering it frees the oldest at once, and unloading dmacmd frees all.
 *   Each held object costs its size (1 KiB for a command).
 * * ``pool_max_kb`` (unsigned int, default 16384): the bounce memory, in
 *   KiB, each pool of a command keeps cached between transfers; the
 *   excess is freed at complete (see "Bounce pools").  Writable at any
 *   time.
 */
/* How the tracker reads and drops references of each kind of object. */
static const struct dmacmd_track_ops dmacmd_kinds[DMACMD_NR_KINDS] = {
	[DMACMD_KIND_CMD] = {
		.refs = dmacmd_track_refs,
		.put = dmacmd_track_put,
	},
	[DMACMD_KIND_MD] = {
		.refs = dmacmd_md_track_refs,
		.put = dmacmd_md_track_put,
	},
};

static int __init dmacmd_init(void)
{
	int ret;

	ret = dmacmd_owner_init(dmacmd_kinds);
	if (ret)
		return ret;
	ret = dmacmd_debug_init();
	if (ret)
		goto err_owner_exit;
	ret = dmacmd_pools_init(dmacmd_debug_dir());
	if (ret)
		goto err_debug_exit;
	dmacmd_owner_debugfs(dmacmd_debug_dir());
	return 0;

err_debug_exit:
	dmacmd_debug_exit();
err_owner_exit:
	dmacmd_owner_exit();
	return ret;
}

static void __exit dmacmd_exit(void)
{
	long cmds, mds;

	dmacmd_debug_exit();
	dmacmd_pools_exit();
	dmacmd_quarantine_exit();
	cmds = dmacmd_track_live(DMACMD_KIND_CMD);
	mds = dmacmd_track_live(DMACMD_KIND_MD);
	dmacmd_owner_exit();
	if (cmds || mds)
		pr_err("unloading with %ld live commands and %ld live descriptors\n",
		       cmds, mds);
}

module_init(dmacmd_init);
module_exit(dmacmd_exit);

MODULE_DESCRIPTION("IOKit-style DMA commands and memory descriptors over the DMA API");
MODULE_AUTHOR("The dmacmd developers");
MODULE_LICENSE("GPL");
