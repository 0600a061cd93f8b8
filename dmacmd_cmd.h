/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command object: struct dmacmd and its mappings, what every file of
 * the command layer (dmacmd_spec.c, dmacmd_cmd.c, dmacmd_map*.c,
 * dmacmd_seg.c, dmacmd_driverkit.c, dmacmd_bounce.c) works on, and the
 * functions of dmacmd_cmd.c.  Not for consumers: include/linux/dmacmd.h
 * is the API.
 */
#ifndef _DMACMD_CMD_H
#define _DMACMD_CMD_H

#include <linux/device.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/dmacmd.h>

#include "dmacmd_bounce.h"
#include "dmacmd_debug.h"
#include "dmacmd_md.h"
#include "dmacmd_track.h"

/*
 * Largest alignment a specification may ask for: the largest naturally
 * aligned block the page allocator hands out on every supported kernel.
 */
#define DMACMD_MAX_ALIGN	SZ_4M

/* Mapping flag accepted for DriverKit-created commands; nothing to do. */
#define DMACMD_MAP_KNOWN_FLAGS	(DMACMD_MAP_NO_CACHE_STORE |		\
				 DMACMD_MAP_ON_CHIP |			\
				 DMACMD_MAP_ITERATE_ONLY |		\
				 DMACMD_MAP_DEXT_OWNER)

/**
 * struct dmacmd_shape - what decides the list a prepare builds
 * @md: the memory
 * @off: the prepared offset within it
 * @len: the prepared length
 * @mask: the device's DMA mask
 * @limit: the device's bus DMA limit
 * @segsz: the device's largest DMA segment
 * @bmask: the device's DMA segment boundary mask
 *
 * The spec is not in it: a new spec forgets every list built before.
 */
struct dmacmd_shape {
	const struct dmacmd_md *md;
	u64 off;
	u64 len;
	u64 mask;
	u64 limit;
	unsigned int segsz;
	unsigned long bmask;
};

/**
 * struct dmacmd_built - a list kept for the next prepare of its shape
 * @shape: the shape it was built for
 * @max_addr: the highest address segments of it may use
 * @n: its entries
 * @valid: there is such a list
 * @verify: its segments need checking against the spec once mapped
 *
 * Only lists holding nothing but the memory's own pages are kept: mapping
 * one again then costs what dma_map_sgtable() of a driver's own table
 * costs.
 */
struct dmacmd_built {
	struct dmacmd_shape shape;
	u64 max_addr;
	unsigned int n;
	bool valid;
	bool verify;
};

/**
 * enum dmacmd_map_state - where the segments of a mapping come from
 * @DMACMD_MAPPED_NONE: nothing is mapped
 * @DMACMD_MAPPED_RUNS: the descriptor's physical runs as they are, with no
 *	list (kIterateOnly without the DMA API, or kBypassed memory that
 *	meets the spec)
 * @DMACMD_MAPPED_LIST: a list of CPU physical addresses, not mapped
 *	(kBypassed memory with bounce memory)
 * @DMACMD_MAPPED_STREAMING: a list this mapping mapped through the DMA API
 * @DMACMD_MAPPED_KEPT: a slice of the mapping the descriptor keeps
 *	(&dmacmd_mapping.kept): the descriptor unmaps it, not this mapping
 * @DMACMD_MAPPED_IN_PLACE: a shared buffer's list at its own bus
 *	addresses, unmapped (dmacmd_map_in_place())
 * @DMACMD_MAPPED_COHERENT: a list of coherent copy blocks' DMA addresses;
 *	nothing is mapped or synced
 *
 * From %DMACMD_MAPPED_LIST on, segments come from the list's DMA side.
 */
enum dmacmd_map_state {
	DMACMD_MAPPED_NONE,
	DMACMD_MAPPED_RUNS,
	DMACMD_MAPPED_LIST,
	DMACMD_MAPPED_STREAMING,
	DMACMD_MAPPED_KEPT,
	DMACMD_MAPPED_IN_PLACE,
	DMACMD_MAPPED_COHERENT,
};

/* Whether a mapping needs dma_sync_* calls: asked once, when first needed. */
enum dmacmd_sync {
	DMACMD_SYNC_UNKNOWN,
	DMACMD_SYNC_NO,
	DMACMD_SYNC_YES,
};

/**
 * struct dmacmd_mapping - the state of one mapping of the prepared range
 * @sgl: flat scatterlist; its capacity only grows, so that a prepare of a
 *	shape seen before allocates nothing
 * @sg_cap: entries in @sgl
 * @sgt: table over the first @sgt.orig_nents entries of @sgl; @sgt.nents
 *	counts the DMA segments after mapping
 * @pieces: pieces held in bounce memory, in descriptor order
 * @pieces_cap: capacity of @pieces
 * @nr_pieces: pieces in @pieces
 * @bounced: bytes in bounce memory
 * @dir: direction the range is mapped with
 * @bmask: the device's DMA segment boundary mask, for segment generation
 * @state: where segments come from (&enum dmacmd_map_state)
 * @pool: the pool the memory of @pieces comes from: %DMACMD_POOL_PAGES for
 *	pieces the device cannot reach, the others for a copy buffer of the
 *	whole range
 * @kept: the mapping of the whole descriptor that the descriptor keeps
 *	(dmacmd_md_dma.c), in use: @sgl holds the DMA segments of the
 *	prepared range within it, and the descriptor, not this mapping,
 *	unmaps it
 * @gen_check: segment generation checks every segment against the spec
 *	(kIterateOnly: what breaks it is an error, never bounced)
 * @sync: whether the platform needs dma_sync_* calls for this mapping
 *	(swiotlb or a non-coherent device), asked at the first need
 * @built: the list built last time, which a prepare of the same shape
 *	maps again as it is (dmacmd_map_built())
 */
struct dmacmd_mapping {
	struct scatterlist *sgl;
	unsigned int sg_cap;
	struct sg_table sgt;
	struct dmacmd_bounce_piece *pieces;
	unsigned int pieces_cap;
	unsigned int nr_pieces;
	u64 bounced;
	unsigned long bmask;
	enum dma_data_direction dir;
	enum dmacmd_map_state state;
	enum dmacmd_pool_id pool;
	struct dmacmd_md_dma *kept;
	bool gen_check;
	enum dmacmd_sync sync;
	struct dmacmd_built built;
};

/**
 * struct dmacmd_seg_pos - where segment generation stands
 * @pos: position relative to the prepared offset
 * @addr: device address of the byte at @pos
 * @len: bytes contiguous from @addr within the current run (DMA segment
 *	or descriptor run)
 * @idx: index of the DMA segment holding @pos (scatterlist walks only)
 */
struct dmacmd_seg_pos {
	u64 pos;
	u64 addr;
	u64 len;
	unsigned int idx;
};

struct dmacmd_dev_stats;

/**
 * struct dmacmd_limits - what every segment handed to the device must meet
 * @max_addr: highest device address a segment may reach
 * @align: alignment of the first segment's address
 * @align_in: alignment of the other segments' addresses
 * @align_len: alignment of every segment's length
 */
struct dmacmd_limits {
	u64 max_addr;
	u32 align;
	u32 align_in;
	u32 align_len;
};

/**
 * struct dmacmd - one DMA transaction's state for one device
 * @track: alive or released, and the owning module (first member)
 * @ref: reference count; the last dmacmd_put() frees the command
 * @dev: the device the memory is mapped for (may be NULL for
 *	kIterateOnly and kBypassed commands)
 * @refcon: the caller's cookie
 * @specified: @spec is valid (false for a command created with no spec
 *	until dmacmd_prepare_with_spec())
 * @translated: @dev sits behind a translating IOMMU (paging domain):
 *	addresses are IOVAs, no bouncing for address bits
 * @spec: the normalized specification (defaults applied)
 * @spec_max: highest device address the spec allows
 * @md: attached descriptor (a reference is held), or NULL
 * @md_len: length of @md (0 without), read once when it is attached
 * @map_dir: the DMA direction @md is mapped with (its direction; either
 *	way for %DMA_NONE), likewise
 * @md_fixed: dmacmd_md_layout_fixed() of @md, likewise
 * @md_counted: dmacmd_md_counts_dma() of @md, likewise: prepare and
 *	complete tell @md (dmacmd_md_dma_begin()/_end())
 * @active: prepare nesting count
 * @prep_off: prepared offset within @md
 * @prep_len: prepared length
 * @prepared_md: prepared by dmacmd_prepare_for_dma(): completing must also
 *	complete @md
 * @force_full: the current preparation was forced into a copy buffer
 * @lim: what every segment must meet: the spec's alignments (set with the
 *	spec) and the highest device address of the current preparation
 *	(spec and device)
 * @map: two mapping states; @map[@cur] is live while prepared, the other
 *	is the spare used to switch mappings (kForceDoubleBuffer) without
 *	a window where the command has none
 * @cur: index of the live mapping
 * @pool: cached bounce memory, one pool per use (%DMACMD_POOL_PAGES ...),
 *	see &struct dmacmd_pool
 * @iter: descriptor walk used by descriptor-run segment generation
 * @out_width: 32 or 64 for the dmacmd_out_* function @spec names, 0 for a
 *	driver's own (dmacmd_gen32() and dmacmd_gen64() check it)
 * @gen_valid: @gen_pos and @gen_start describe the current preparation
 * @gen_fast: the live mapping is a DMA list whose segments need no check
 *	of their own: dmacmd_gen_fast64() walks it (set with the mapping)
 * @gen_bmask: dmacmd_map_bmask() of the live mapping, likewise
 * @gen_plain: no segment of the live mapping can be cut: the spec's
 *	maximum segment size is at least the prepared length and the device
 *	has no segment boundary (dmacmd_gen_fast64() then only coalesces)
 * @gen_pos: where the last dmacmd_gen_segments() call stopped
 * @gen_start: where the last dmacmd_gen_segments() call started (seek hint
 *	for drivers that re-seed the offset inside the last segment)
 * @stats: the device's statistics entry (dmacmd_debug.c), or NULL
 * @map_size: dma_max_mapping_size() of @dev for the mask @map_size_mask
 * @map_size_mask: the DMA mask @map_size was read with (0: not yet)
 * @in_call: the task inside a call on the command, %DMACMD_IN_RECLAIM
 *	while the pools' shrinker trims it, or NULL (dmacmd_claim())
 * @pool_node: entry in the list of commands whose pools hold blocks, for
 *	the shrinker (dmacmd_bounce.c)
 *
 * Not serialised internally: callers do not call into one command from two
 * threads at once (as IOKit); a call that overlaps another is refused and
 * logged (dmacmd_claim()).  Distinct commands share nothing but the
 * shrinker's list.
 */
struct dmacmd {
	struct dmacmd_track track;
	refcount_t ref;
	struct device *dev;
	void *refcon;
	bool specified;
	bool translated;
	bool prepared_md;
	bool force_full;
	struct dmacmd_spec spec;
	u64 spec_max;
	struct dmacmd_md *md;
	u64 md_len;
	enum dma_data_direction map_dir;
	bool md_fixed;
	bool md_counted;
	unsigned int active;
	u64 prep_off;
	u64 prep_len;
	struct dmacmd_limits lim;
	struct dmacmd_mapping map[2];
	unsigned int cur;
	struct dmacmd_pool pool[DMACMD_NR_POOLS];
	struct dmacmd_md_iter iter;
	u8 out_width;
	bool gen_valid;
	bool gen_fast;
	unsigned long gen_bmask;
	bool gen_plain;
	struct dmacmd_seg_pos gen_pos;
	struct dmacmd_seg_pos gen_start;
	struct dmacmd_dev_stats *stats;
	size_t map_size;
	u64 map_size_mask;
	struct task_struct *in_call;	/* dmacmd_claim() */
	struct list_head pool_node;	/* in dmacmd_bounce.c's list */
};

/* Do @m's segments come from its list (rather than the descriptor)? */
static inline bool dmacmd_map_has_list(const struct dmacmd_mapping *m)
{
	return m->state >= DMACMD_MAPPED_LIST;
}

/* Does @m hold the whole range in a copy buffer? */
static inline bool dmacmd_map_is_copy(const struct dmacmd_mapping *m)
{
	return m->pool != DMACMD_POOL_PAGES;
}

static inline struct dmacmd_mapping *dmacmd_cur_map(struct dmacmd *cmd)
{
	return &cmd->map[cmd->cur];
}

/* A command the API may use: not NULL, not an ERR_PTR(), not released. */
static __always_inline bool dmacmd_live(const struct dmacmd *cmd)
{
	return !IS_ERR_OR_NULL(cmd) && cmd->track.magic == DMACMD_MAGIC_CMD;
}

/*
 * The validity check of every entry point: !dmacmd_live(), with a command
 * already released logged as such, naming the caller at @ip.  dmacmd_bad()
 * expands in the exported function, so that _RET_IP_ is its caller.
 */
static __always_inline bool dmacmd_bad_at(const struct dmacmd *cmd,
					  unsigned long ip)
{
	static_assert(offsetof(struct dmacmd, track) == 0);
	return dmacmd_track_bad(cmd, DMACMD_KIND_CMD, ip);
}

#define dmacmd_bad(cmd)		dmacmd_bad_at(cmd, _RET_IP_)

/* What an entry point needs besides a live command (dmacmd_enter()). */
enum dmacmd_need {
	DMACMD_NEED_PREPARED = 0x1,	/* a prepared command */
	DMACMD_NEED_SLEEP = 0x2,	/* a context that may sleep */
};

/*
 * The checks an entry point of a command starts with, each failure logged
 * as the misuse of the caller at @ip in @what: a live command (-EINVAL),
 * no bit of @flags beyond @known (-EINVAL), and what @need asks: a
 * prepared command (-EBADFD), a context that may sleep (-EWOULDBLOCK).
 * Inline: prepare and complete ask.
 */
static __always_inline int dmacmd_enter(const struct dmacmd *cmd,
					const char *what, unsigned int flags,
					unsigned int known, unsigned int need,
					unsigned long ip)
{
	if (dmacmd_bad_at(cmd, ip)) {
		dmacmd_misuse_at(ip, NULL, "%s of an invalid command\n", what);
		return -EINVAL;
	}
	if (unlikely(flags & ~known)) {
		dmacmd_misuse_at(ip, cmd->dev, "%s with unknown flags %#x\n",
				 what, flags);
		return -EINVAL;
	}
	if ((need & DMACMD_NEED_PREPARED) && !cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev, "%s when not prepared\n", what);
		return -EBADFD;
	}
	if ((need & DMACMD_NEED_SLEEP) && dmacmd_atomic_misuse(ip, cmd->dev, what))
		return -EWOULDBLOCK;
	return 0;
}

/* The mark of the pools' shrinker, trimming an idle command's cache. */
#define DMACMD_IN_RECLAIM	((struct task_struct *)1)

struct task_struct *dmacmd_claim_contended(struct dmacmd *cmd,
					   struct task_struct *prev,
					   const char *what, unsigned long ip);

/*
 * One thread at a time in a command, as in IOKit: a second one entering a
 * call that reads or changes its state while another is inside would
 * corrupt it silently.  dmacmd_claim() marks @cmd as in a call of the
 * current task (one compare-and-exchange); a call of another task finds
 * it marked, is logged as the misuse of the caller at @ip in @what and
 * refused; one that finds the pools' shrinker there waits for it (it
 * holds an idle command for the time it takes to free a few blocks).
 * Calls nest (set_memory's automatic prepare): pass what dmacmd_claim()
 * returned to dmacmd_leave().  @cmd must be live.
 * Return: the mark found (NULL or current), or ERR_PTR(-EBUSY).
 */
static __always_inline struct task_struct *
dmacmd_claim(struct dmacmd *cmd, const char *what, unsigned long ip)
{
	struct task_struct *prev = cmpxchg(&cmd->in_call, NULL, current);

	if (likely(!prev || prev == current))
		return prev;
	return dmacmd_claim_contended(cmd, prev, what, ip);
}

static __always_inline void dmacmd_leave(struct dmacmd *cmd,
					 struct task_struct *prev)
{
	/*
	 * Back to the mark found: NULL, or current for a nested call.  What
	 * the call did is seen before the command is anyone's again.
	 */
	smp_store_release(&cmd->in_call, prev);
}

/*
 * dmacmd_enter() and then dmacmd_claim(): the start of every entry point
 * that changes a command.  On success *@prev is for dmacmd_leave().
 */
static __always_inline int dmacmd_enter_claim(struct dmacmd *cmd,
					      const char *what,
					      unsigned int flags,
					      unsigned int known,
					      unsigned int need,
					      unsigned long ip,
					      struct task_struct **prev)
{
	int ret = dmacmd_enter(cmd, what, flags, known, need, ip);

	if (ret)
		return ret;
	*prev = dmacmd_claim(cmd, what, ip);
	return PTR_ERR_OR_ZERO(*prev);
}

/* The device to name in a misuse log about @cmd, if it is a command. */
static inline struct device *dmacmd_log_dev(const struct dmacmd *cmd)
{
	return dmacmd_live(cmd) ? cmd->dev : NULL;
}

static inline bool dmacmd_is_out32(dmacmd_seg_fn fn)
{
	return fn == dmacmd_out_host32 || fn == dmacmd_out_be32 ||
	       fn == dmacmd_out_le32;
}

static inline bool dmacmd_is_out64(dmacmd_seg_fn fn)
{
	return fn == dmacmd_out_host64 || fn == dmacmd_out_be64 ||
	       fn == dmacmd_out_le64;
}

static inline u32 dmacmd_map_type(const struct dmacmd *cmd)
{
	return cmd->spec.map_options & DMACMD_MAP_TYPE_MASK;
}

static inline bool dmacmd_iterate_only(const struct dmacmd *cmd)
{
	return cmd->spec.map_options & DMACMD_MAP_ITERATE_ONLY;
}

/*
 * Does the command map through the DMA API?  kMapped and kNonCoherent do,
 * kIterateOnly ones too when they have a device (the device sees IOVAs
 * behind an IOMMU; only double buffering is skipped).  kBypassed and
 * kUnmapped hand out CPU physical addresses.
 */
static inline bool dmacmd_uses_dma_api(const struct dmacmd *cmd)
{
	u32 type = dmacmd_map_type(cmd);

	return (type == DMACMD_MAP_MAPPED || type == DMACMD_MAP_NONCOHERENT) &&
	       cmd->dev;
}

/* The device's segment boundary where the DMA API made the segments. */
static inline unsigned long dmacmd_map_bmask(const struct dmacmd_mapping *m)
{
	switch (m->state) {
	case DMACMD_MAPPED_STREAMING:
	case DMACMD_MAPPED_KEPT:
	case DMACMD_MAPPED_IN_PLACE:
		return m->bmask;
	default:
		return ~0UL;
	}
}

/* dmacmd_cmd.c */
void dmacmd_use_md(struct dmacmd *cmd, struct dmacmd_md *md);
unsigned int dmacmd_track_refs(struct dmacmd_track *t);
void dmacmd_track_put(struct dmacmd_track *t);
void dmacmd_set_spec(struct dmacmd *cmd, const struct dmacmd_spec *s);

#endif /* _DMACMD_CMD_H */
