// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: DMA commands (IOKit's IODMACommand) over the Linux DMA API.
 *
 * A command maps a range of a memory descriptor for one device under a
 * specification, hands the mapping out as device-visible segments and
 * undoes it again.  The bounce memory it needs for that lives in
 * dmacmd_bounce.c; the overview is in the DOC: blocks of dmacmd_main.c.
 */
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "dmacmd_internal.h"
#include "dmacmd_debug.h"
#include <trace/events/dmacmd.h>

/* Largest scatterlist entry dmacmd builds (sg lengths are unsigned int). */
#define DMACMD_SG_MAX		(UINT_MAX & PAGE_MASK)
/* Copy-buffer blocks grow to this for long ranges: fewer, longer copies. */
#define DMACMD_COPY_BLOCK	SZ_64K

/* ------------------------------------------------------------------ */
/* Failure sites (see "DOC: Fault injection" in dmacmd_debug.c)         */

void *dmacmd_map_kvcalloc(size_t n, size_t size)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	return kvcalloc(n, size, GFP_KERNEL);
}

static inline int dmacmd_map_dma_sgtable(struct device *dev,
					 struct sg_table *sgt,
					 enum dma_data_direction dir,
					 unsigned long attrs)
{
	if (dmacmd_should_fail(DMACMD_FAULT_MAP))
		return -ENOMEM;
	return dma_map_sgtable(dev, sgt, dir, attrs);
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
	if (IS_ERR_OR_NULL(cmd))
		return true;
	if (!DMACMD_HOOKS || likely(cmd->track.magic == DMACMD_MAGIC_CMD))
		return false;
	return dmacmd_track_stale(&cmd->track, DMACMD_KIND_CMD, ip);
}

#define dmacmd_bad(cmd)		dmacmd_bad_at(cmd, _RET_IP_)

/* The device to name in a misuse log about @cmd, if it is a command. */
static struct device *dmacmd_log_dev(const struct dmacmd *cmd)
{
	return dmacmd_live(cmd) ? cmd->dev : NULL;
}

/* ------------------------------------------------------------------ */
/* Output functions                                                    */

/**
 * dmacmd_out_host32() - write a segment as two host-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputHost32.  Addresses and lengths are truncated to 32 bits:
 * a command with a 32-bit output function never has more than 32 address
 * bits, and dmacmd_gen_segments() refuses a segment that does not fit.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_host32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index)
{
	struct dmacmd_seg32 *s = (struct dmacmd_seg32 *)segs + index;

	s->addr = (u32)seg.addr;
	s->len = (u32)seg.len;
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_host32);

/**
 * dmacmd_out_be32() - write a segment as two big-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputBig32; see dmacmd_out_host32() about truncation.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_be32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__be32 *s = (__be32 *)((struct dmacmd_seg32 *)segs + index);

	s[0] = cpu_to_be32((u32)seg.addr);
	s[1] = cpu_to_be32((u32)seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_be32);

/**
 * dmacmd_out_le32() - write a segment as two little-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputLittle32; see dmacmd_out_host32() about truncation.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_le32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__le32 *s = (__le32 *)((struct dmacmd_seg32 *)segs + index);

	s[0] = cpu_to_le32((u32)seg.addr);
	s[1] = cpu_to_le32((u32)seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_le32);

/**
 * dmacmd_out_host64() - write a segment as two host-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputHost64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_host64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index)
{
	((struct dmacmd_seg64 *)segs)[index] = seg;
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_host64);

/**
 * dmacmd_out_be64() - write a segment as two big-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputBig64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_be64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__be64 *s = (__be64 *)((struct dmacmd_seg64 *)segs + index);

	s[0] = cpu_to_be64(seg.addr);
	s[1] = cpu_to_be64(seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_be64);

/**
 * dmacmd_out_le64() - write a segment as two little-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputLittle64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_le64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__le64 *s = (__le64 *)((struct dmacmd_seg64 *)segs + index);

	s[0] = cpu_to_le64(seg.addr);
	s[1] = cpu_to_le64(seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_le64);

static bool dmacmd_is_out32(dmacmd_seg_fn fn)
{
	return fn == dmacmd_out_host32 || fn == dmacmd_out_be32 ||
	       fn == dmacmd_out_le32;
}

static bool dmacmd_is_out64(dmacmd_seg_fn fn)
{
	return fn == dmacmd_out_host64 || fn == dmacmd_out_be64 ||
	       fn == dmacmd_out_le64;
}

/* ------------------------------------------------------------------ */
/* Specification                                                       */

static u32 dmacmd_map_type(const struct dmacmd *cmd)
{
	return cmd->spec.map_options & DMACMD_MAP_TYPE_MASK;
}

static bool dmacmd_iterate_only(const struct dmacmd *cmd)
{
	return cmd->spec.map_options & DMACMD_MAP_ITERATE_ONLY;
}

static bool dmacmd_uses_dma_api(const struct dmacmd *cmd)
{
	return !dmacmd_iterate_only(cmd) &&
	       dmacmd_map_type(cmd) != DMACMD_MAP_BYPASSED;
}

static bool dmacmd_dev_translated(struct device *dev)
{
	struct iommu_domain *dom;

	if (!dev)
		return false;
	dom = iommu_get_domain_for_dev(dev);
	return dom && (dom->type & __IOMMU_DOMAIN_PAGING);
}

/* Highest address the DMA API lets @dev use (mask and bus limit). */
static u64 dmacmd_dev_max(struct device *dev)
{
	u64 max = dma_get_mask(dev);

	if (dev->bus_dma_limit)
		max = min_t(u64, max, dev->bus_dma_limit);
	return max;
}

/*
 * Apply IOKit's defaults to @in and refuse what IOKit refuses, plus the
 * values that can never work (see "Where dmacmd deliberately differs").
 * On success *@out is the normalized spec.  *@why says what is wrong.
 */
static int dmacmd_spec_normalize(const struct dmacmd_spec *in,
				 struct dmacmd_spec *out, const char **why)
{
	struct dmacmd_spec s = *in;
	u32 type = s.map_options & DMACMD_MAP_TYPE_MASK;
	u32 seg_align;

	if (!s.out_fn) {
		*why = "no output function";
		return -EINVAL;
	}
	if (dmacmd_is_out32(s.out_fn)) {
		if (!s.address_bits) {
			s.address_bits = 32;
		} else if (s.address_bits > 32) {
			*why = "more than 32 address bits for a 32-bit output function";
			return -EINVAL;
		}
	}
	if (!s.address_bits)
		s.address_bits = 64;
	if (s.address_bits < PAGE_SHIFT || s.address_bits > 64) {
		*why = "address bits below the page shift or above 64";
		return -EINVAL;
	}
	if (!s.max_segment_size)
		s.max_segment_size = U64_MAX;
	if (!s.max_transfer_size)
		s.max_transfer_size = U64_MAX;
	if (!s.alignment)
		s.alignment = 1;
	if (!s.alignment_length)
		s.alignment_length = 1;
	if (!s.alignment_internal)
		s.alignment_internal = s.alignment;
	if (!is_power_of_2(s.alignment) || s.alignment > DMACMD_MAX_ALIGN ||
	    !is_power_of_2(s.alignment_length) ||
	    s.alignment_length > DMACMD_MAX_ALIGN ||
	    !is_power_of_2(s.alignment_internal) ||
	    s.alignment_internal > DMACMD_MAX_ALIGN) {
		*why = "an alignment that is not a power of two up to 4 MiB";
		return -EINVAL;
	}
	seg_align = max(s.alignment_internal, s.alignment_length);
	if (s.max_segment_size < seg_align) {
		*why = "a maximum segment size below the segment alignment";
		return -EINVAL;
	}
	if (s.max_transfer_size < s.alignment_length) {
		*why = "a maximum transfer size below the length alignment";
		return -EINVAL;
	}
	if (s.map_options & ~(DMACMD_MAP_TYPE_MASK | DMACMD_MAP_KNOWN_FLAGS)) {
		*why = "unknown mapping flags";
		return -EINVAL;
	}
	switch (type) {
	case DMACMD_MAP_MAPPED:
	case DMACMD_MAP_NONCOHERENT:
	case DMACMD_MAP_BYPASSED:
		break;
	case DMACMD_MAP_UNMAPPED:
		*why = "kUnmapped is not supported (Linux maps through the DMA API)";
		return -EOPNOTSUPP;
	default:
		*why = "unknown mapping type";
		return -EINVAL;
	}
	if (s.map_options & (DMACMD_MAP_NO_CACHE_STORE | DMACMD_MAP_ON_CHIP)) {
		*why = "kNoCacheStore and kOnChip are not supported";
		return -EOPNOTSUPP;
	}
	*out = s;
	return 0;
}

/* Can @dev carry a command with the normalized spec @s? */
static int dmacmd_spec_dev_ok(struct device *dev, const struct dmacmd_spec *s,
			      const char **why)
{
	u32 type = s->map_options & DMACMD_MAP_TYPE_MASK;

	if (s->map_options & DMACMD_MAP_ITERATE_ONLY)
		return 0;
	if (type == DMACMD_MAP_BYPASSED) {
		if (dmacmd_dev_translated(dev)) {
			*why = "kBypassed for a device behind a translating IOMMU";
			return -EOPNOTSUPP;
		}
		return 0;
	}
	if (!dev) {
		*why = "no device for a mapped command";
		return -EINVAL;
	}
	if (!dev->dma_mask) {
		*why = "the device has no DMA mask";
		return -EINVAL;
	}
	return 0;
}

/* A new spec or new memory: no scatterlist built so far applies. */
static void dmacmd_forget_built(struct dmacmd *cmd)
{
	cmd->map[0].built = false;
	cmd->map[1].built = false;
}

/*
 * Attach @md (the caller handles references) and read once what the hot
 * path asks of it: descriptors never change length, direction or layout
 * kind.
 */
static void dmacmd_use_md(struct dmacmd *cmd, struct dmacmd_md *md)
{
	cmd->md = md;
	cmd->md_len = md ? dmacmd_md_length(md) : 0;
	cmd->map_dir = md ? dmacmd_md_direction(md) : DMA_NONE;
	/* kIODirectionNone and In|Out: the device may do either. */
	if (cmd->map_dir != DMA_TO_DEVICE && cmd->map_dir != DMA_FROM_DEVICE)
		cmd->map_dir = DMA_BIDIRECTIONAL;
	cmd->md_fixed = md && dmacmd_md_layout_fixed(md);
	cmd->gen_valid = false;
	dmacmd_forget_built(cmd);
}

static void dmacmd_set_spec(struct dmacmd *cmd, const struct dmacmd_spec *s)
{
	dmacmd_forget_built(cmd);
	cmd->spec = *s;
	cmd->specified = true;
	cmd->spec_max = s->address_bits >= 64 ? U64_MAX :
			(1ULL << s->address_bits) - 1;
	cmd->translated = dmacmd_dev_translated(cmd->dev);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

static struct dmacmd *__dmacmd_create(struct device *dev,
				      const struct dmacmd_spec *spec,
				      void *refcon, unsigned long ip)
{
	struct dmacmd_spec norm;
	const char *why = NULL;
	struct dmacmd *cmd;
	int ret;

	if (IS_ERR(dev) || IS_ERR(spec)) {
		dmacmd_misuse_at(ip, NULL, "invalid device or spec pointer\n");
		return ERR_PTR(-EINVAL);
	}
	if (spec) {
		ret = dmacmd_spec_normalize(spec, &norm, &why);
		if (!ret)
			ret = dmacmd_spec_dev_ok(dev, &norm, &why);
		if (ret) {
			dmacmd_misuse_at(ip, dev, "refused spec: %s\n", why);
			return ERR_PTR(ret);
		}
	}
	cmd = dmacmd_map_kvcalloc(1, sizeof(*cmd));
	if (!cmd)
		return ERR_PTR(-ENOMEM);
	dmacmd_track_init(&cmd->track, DMACMD_KIND_CMD, ip);
	refcount_set(&cmd->ref, 1);
	cmd->dev = get_device(dev);
	cmd->stats = dmacmd_stats_get(dev);
	if (cmd->stats)
		atomic_long_inc(&cmd->stats->live_cmds);
	cmd->refcon = refcon;
	if (spec)
		dmacmd_set_spec(cmd, &norm);
	atomic_long_inc(&dmacmd_live_cmds);
	return cmd;
}

/**
 * dmacmd_create() - create a DMA command for a device
 * @dev: the device the memory is mapped for; its DMA mask, swiotlb and
 *	IOMMU apply.  May be NULL only for kIterateOnly and kBypassed specs.
 * @spec: what the DMA engine can address, or NULL for an unspecified
 *	command (IOKit's withRefCon) that must be given one with
 *	dmacmd_prepare_with_spec() before use
 * @refcon: the caller's cookie, see dmacmd_refcon()
 *
 * IOKit's IODMACommand::withSpecification and withRefCon.  The spec is
 * normalized as IOKit does: @spec->address_bits 0 means 64 (32 with a
 * 32-bit output function), maximum sizes of 0 mean unlimited, alignments
 * of 0 mean 1 and @spec->alignment_internal 0 means @spec->alignment.
 * The command holds a reference on @dev.
 *
 * Context: Process context.  May sleep.
 * Return: the new command (one reference), or an ERR_PTR():
 *
 * * %-EINVAL - NULL output function, address bits in 1..PAGE_SHIFT-1 or
 *   above 64 (above 32 for a 32-bit output function), an alignment that
 *   is not a power of two up to 4 MiB, a maximum segment size below the
 *   segment alignments, a maximum transfer size below the length
 *   alignment, unknown mapping type or flags, no device or no DMA mask for
 *   a mapped command
 * * %-EOPNOTSUPP - kUnmapped, kNoCacheStore or kOnChip, or kBypassed for a
 *   device behind a translating IOMMU
 * * %-ENOMEM - out of memory
 * * %-EWOULDBLOCK - called in atomic context (logged)
 */
struct dmacmd *dmacmd_create(struct device *dev,
			     const struct dmacmd_spec *spec, void *refcon)
{
	if (dmacmd_atomic_misuse(_RET_IP_, dev, "create"))
		return ERR_PTR(-EWOULDBLOCK);
	return __dmacmd_create(dev, spec, refcon, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_create);

/**
 * dmacmd_clone() - create a command with another command's spec and device
 * @cmd: the command to copy
 * @refcon: the new command's cookie
 *
 * IOKit's cloneCommand, except that the spec is copied exactly (IOKit
 * swaps the length and internal-segment alignments).  The clone has no
 * memory and is not prepared.
 *
 * Context: Process context.  May sleep.
 * Return: the new command (one reference), or an ERR_PTR():
 *
 * * %-EINVAL - @cmd is NULL, an error pointer or released
 * * %-ENOMEM - out of memory
 */
struct dmacmd *dmacmd_clone(struct dmacmd *cmd, void *refcon)
{
	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "clone of an invalid command\n");
		return ERR_PTR(-EINVAL);
	}
	return __dmacmd_create(cmd->dev, cmd->specified ? &cmd->spec : NULL,
			       refcon, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_clone);

/**
 * dmacmd_get() - take a reference on a command
 * @cmd: the command (NULL is ignored)
 *
 * IOKit's retain().  A released command is logged and ignored.
 *
 * Context: Any context.
 */
void dmacmd_get(struct dmacmd *cmd)
{
	if (IS_ERR(cmd)) {
		dmacmd_misuse(NULL, "get of an error pointer\n");
		return;
	}
	if (cmd && !dmacmd_bad(cmd))
		refcount_inc(&cmd->ref);
}
EXPORT_SYMBOL_GPL(dmacmd_get);

static void dmacmd_mapping_free(struct dmacmd_mapping *m)
{
	kvfree(m->sgl);
	kvfree(m->bref);
	m->sgl = NULL;
	m->bref = NULL;
	m->sg_cap = 0;
	m->bref_cap = 0;
}

static int dmacmd_teardown(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   bool invalidate, bool sync);

/* The last reference is gone; @cmd->track.ip says who dropped it. */
static void dmacmd_release(struct dmacmd *cmd)
{
	unsigned int i;

	if (cmd->active) {
		dmacmd_teardown(cmd, dmacmd_cur_map(cmd), true, true);
		cmd->active = 0;
		if (cmd->dk)
			dmacmd_md_complete(cmd->md);
		cmd->dk = false;
	}
	if (cmd->md)
		dmacmd_md_put(cmd->md);
	for (i = 0; i < ARRAY_SIZE(cmd->map); i++)
		dmacmd_mapping_free(&cmd->map[i]);
	for (i = 0; i < DMACMD_NR_POOLS; i++)
		dmacmd_pool_free(&cmd->pool[i]);
	dmacmd_cpool_free(cmd);
	if (cmd->stats) {
		atomic_long_dec(&cmd->stats->live_cmds);
		dmacmd_stats_put(cmd->stats);
	}
	put_device(cmd->dev);
	dmacmd_track_retire(&cmd->track, DMACMD_KIND_CMD, sizeof(*cmd));
	atomic_long_dec(&dmacmd_live_cmds);
}

/**
 * dmacmd_put() - drop a reference on a command
 * @cmd: the command (NULL is ignored)
 *
 * IOKit's release().  The last reference frees the command.  A command
 * that still holds memory is completed and its memory released first
 * (IOKit leaks the descriptor); if it was still prepared other than by
 * dmacmd_prepare_for_dma(), that is logged as misuse.  A command already
 * released is logged and ignored.
 *
 * Context: Process context when this may be the last reference (the
 * mapping is torn down and memory freed).
 */
void dmacmd_put(struct dmacmd *cmd)
{
	if (!cmd)
		return;
	if (IS_ERR(cmd)) {
		dmacmd_misuse(NULL, "put of an error pointer\n");
		return;
	}
	if (dmacmd_bad(cmd))
		return;
	if (refcount_read(&cmd->ref) == 1 && cmd->active && !cmd->dk)
		dmacmd_misuse(cmd->dev,
			      "command released while prepared (%u prepares outstanding); completing it\n",
			      cmd->active);
	if (refcount_dec_and_test(&cmd->ref)) {
		cmd->track.ip = _RET_IP_;
		dmacmd_release(cmd);
	}
}
EXPORT_SYMBOL_GPL(dmacmd_put);

/**
 * dmacmd_refcon() - the caller's cookie of a command
 * @cmd: the command
 *
 * Stands for IOKit's public fRefCon field.
 *
 * Context: Any context.
 * Return: the cookie, NULL for an invalid @cmd.
 */
void *dmacmd_refcon(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) ? NULL : cmd->refcon;
}
EXPORT_SYMBOL_GPL(dmacmd_refcon);

/**
 * dmacmd_set_refcon() - set the caller's cookie of a command
 * @cmd: the command
 * @refcon: the new cookie
 *
 * Context: Any context.
 */
void dmacmd_set_refcon(struct dmacmd *cmd, void *refcon)
{
	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "set_refcon on an invalid command\n");
		return;
	}
	cmd->refcon = refcon;
}
EXPORT_SYMBOL_GPL(dmacmd_set_refcon);

/**
 * dmacmd_device() - the device a command maps for
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the device (no reference taken), NULL if none or @cmd invalid.
 */
struct device *dmacmd_device(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) ? NULL : cmd->dev;
}
EXPORT_SYMBOL_GPL(dmacmd_device);

/**
 * dmacmd_get_spec() - the normalized specification of a command
 * @cmd: the command
 * @spec: filled with the spec, defaults applied
 *
 * Context: Any context.
 * Return:
 *
 * * %0 - *@spec filled
 * * %-EINVAL - @cmd or @spec invalid
 * * %-EBADFD - the command has no spec yet
 */
int dmacmd_get_spec(const struct dmacmd *cmd, struct dmacmd_spec *spec)
{
	if (dmacmd_bad(cmd) || !spec) {
		dmacmd_misuse(NULL, "get_spec with an invalid argument\n");
		return -EINVAL;
	}
	if (!cmd->specified) {
		dmacmd_misuse(cmd->dev, "get_spec on a command without a spec\n");
		return -EBADFD;
	}
	*spec = cmd->spec;
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_get_spec);

/**
 * dmacmd_address_bits() - IOKit's getNumAddressBits
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the spec's address bits after defaulting (64 when unrestricted,
 * 32 for a 32-bit output function given 0), 0 without a spec.
 */
u8 dmacmd_address_bits(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) || !cmd->specified ? 0 : cmd->spec.address_bits;
}
EXPORT_SYMBOL_GPL(dmacmd_address_bits);

/**
 * dmacmd_alignment() - IOKit's getAlignment
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the alignment of the first segment, 0 without a spec.
 */
u32 dmacmd_alignment(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) || !cmd->specified ? 0 : cmd->spec.alignment;
}
EXPORT_SYMBOL_GPL(dmacmd_alignment);

/**
 * dmacmd_alignment_length() - IOKit's getAlignmentLength
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the multiple every segment length is, 0 without a spec.
 */
u32 dmacmd_alignment_length(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) || !cmd->specified ? 0 :
	       cmd->spec.alignment_length;
}
EXPORT_SYMBOL_GPL(dmacmd_alignment_length);

/**
 * dmacmd_alignment_internal() - IOKit's getAlignmentInternalSegments
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the alignment of every segment after the first, 0 without a
 * spec.
 */
u32 dmacmd_alignment_internal(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) || !cmd->specified ? 0 :
	       cmd->spec.alignment_internal;
}
EXPORT_SYMBOL_GPL(dmacmd_alignment_internal);

/**
 * dmacmd_bounced_bytes() - bytes the command copies through bounce memory
 * @cmd: the command
 *
 * Counts only dmacmd's own bounce memory, not the platform's swiotlb.
 *
 * Context: Any context.
 * Return: the bytes of the current preparation that go through bounce
 * memory, 0 when not prepared.
 */
u64 dmacmd_bounced_bytes(const struct dmacmd *cmd)
{
	if (dmacmd_bad(cmd) || !cmd->active)
		return 0;
	return cmd->map[cmd->cur].bounced;
}
EXPORT_SYMBOL_GPL(dmacmd_bounced_bytes);

/* ------------------------------------------------------------------ */
/* Memory                                                              */

/**
 * dmacmd_memory() - IOKit's getMemoryDescriptor
 * @cmd: the command
 *
 * Context: Any context.
 * Return: the attached descriptor (no reference taken), or NULL.
 */
struct dmacmd_md *dmacmd_memory(const struct dmacmd *cmd)
{
	return dmacmd_bad(cmd) ? NULL : cmd->md;
}
EXPORT_SYMBOL_GPL(dmacmd_memory);

/**
 * dmacmd_dma_memory() - IOKit's getIOMemoryDescriptor
 * @cmd: the command
 *
 * dmacmd's bounce memory is not a descriptor of its own; read or write
 * what the device sees with dmacmd_read_bytes() / dmacmd_write_bytes().
 *
 * Context: Any context.
 * Return: the attached descriptor (no reference taken), or NULL.
 */
struct dmacmd_md *dmacmd_dma_memory(const struct dmacmd *cmd)
{
	return dmacmd_memory(cmd);
}
EXPORT_SYMBOL_GPL(dmacmd_dma_memory);

static int __dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
			    bool flush, bool sync, unsigned long ip);
static int __dmacmd_complete(struct dmacmd *cmd, bool invalidate, bool sync,
			     unsigned long ip);

/**
 * dmacmd_set_memory() - attach a memory descriptor to a command
 * @cmd: the command
 * @md: the descriptor; the command takes a reference
 * @auto_prepare: prepare the whole descriptor, as dmacmd_prepare(@cmd, 0,
 *	0, true, true)
 *
 * IOKit's setMemoryDescriptor.  Attaching the descriptor already attached
 * prepares nothing; without @auto_prepare it completes every outstanding
 * prepare.  A different descriptor replaces the current one, which is
 * released.  The descriptor itself must be prepared (dmacmd_md_prepare())
 * where its kind needs it: IODMACommand never wires memory.
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - attached (and prepared)
 * * %-EINVAL - @cmd or @md invalid
 * * %-EBUSY - the command is prepared with another descriptor
 * * any error of dmacmd_prepare() with @auto_prepare; the command then
 *   keeps the descriptor it had
 */
int dmacmd_set_memory(struct dmacmd *cmd, struct dmacmd_md *md,
		      bool auto_prepare)
{
	struct dmacmd_md *old;
	int ret;

	if (dmacmd_bad(cmd) || dmacmd_md_bad(md, _RET_IP_)) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "set_memory with an invalid argument\n");
		return -EINVAL;
	}
	if (md == cmd->md) {
		if (!auto_prepare) {
			while (cmd->active)
				__dmacmd_complete(cmd, true, true, _RET_IP_);
		}
		return 0;
	}
	if (cmd->active) {
		dmacmd_misuse(cmd->dev,
			      "set_memory while prepared with another descriptor\n");
		return -EBUSY;
	}
	old = cmd->md;
	dmacmd_md_get(md);
	dmacmd_use_md(cmd, md);
	if (auto_prepare) {
		ret = __dmacmd_prepare(cmd, 0, 0, true, true, _RET_IP_);
		if (ret) {
			dmacmd_use_md(cmd, old);
			dmacmd_md_put(md);
			return ret;
		}
	}
	if (old)
		dmacmd_md_put(old);
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_set_memory);

/**
 * dmacmd_clear_memory() - detach the memory descriptor of a command
 * @cmd: the command
 * @auto_complete: complete every outstanding prepare first (each as
 *	dmacmd_complete(@cmd, true, true))
 *
 * IOKit's clearMemoryDescriptor.  Releases the command's reference on the
 * descriptor.
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - detached
 * * %-EINVAL - @cmd invalid
 * * %-EBADFD - no descriptor attached, or still prepared and not
 *   @auto_complete
 */
int dmacmd_clear_memory(struct dmacmd *cmd, bool auto_complete)
{
	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "clear_memory on an invalid command\n");
		return -EINVAL;
	}
	if (!cmd->md) {
		dmacmd_misuse(cmd->dev, "clear_memory without memory attached\n");
		return -EBADFD;
	}
	if (cmd->active && !auto_complete) {
		dmacmd_misuse(cmd->dev,
			      "clear_memory while prepared, without auto-complete\n");
		return -EBADFD;
	}
	while (cmd->active)
		__dmacmd_complete(cmd, true, true, _RET_IP_);
	dmacmd_md_put(cmd->md);
	dmacmd_use_md(cmd, NULL);
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_clear_memory);

/* ------------------------------------------------------------------ */
/* Segment walk                                                        */

/* The run of the descriptor at relative position @pos (descriptor walks). */
static int dmacmd_run_md(struct dmacmd *cmd, u64 pos, struct dmacmd_run *r)
{
	struct dmacmd_md_seg seg;
	int ret;

	ret = dmacmd_md_iter_seg(&cmd->iter, cmd->prep_off + pos,
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

static int dmacmd_run_sg(struct dmacmd_mapping *m, unsigned int idx, u64 pos,
			 struct dmacmd_run *r)
{
	struct scatterlist *sg;

	if (idx >= m->sgt.nents)
		return -EIO;
	sg = &m->sgl[idx];
	r->pos = pos;
	r->addr = sg_dma_address(sg);
	r->len = sg_dma_len(sg);
	r->idx = idx;
	return 0;
}

/* Move @r to the run that follows it. */
static int dmacmd_run_next(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   struct dmacmd_run *r)
{
	if (m->sg_walk)
		return dmacmd_run_sg(m, r->idx + 1, r->pos + r->len, r);
	return dmacmd_run_md(cmd, r->pos + r->len, r);
}

/*
 * Position @r at @pos, walking forward from @r if @r is at or before @pos
 * (@from_r), else from the start.  Descriptor walks jump directly: the
 * descriptor iterator resumes cheaply by itself.
 */
static int dmacmd_run_seek(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   u64 pos, bool from_r, struct dmacmd_run *r)
{
	u64 d;
	int ret;

	if (!m->sg_walk)
		return dmacmd_run_md(cmd, pos, r);
	if (!from_r || r->pos > pos) {
		ret = dmacmd_run_sg(m, 0, 0, r);
		if (ret)
			return ret;
	}
	while (pos - r->pos >= r->len) {
		ret = dmacmd_run_next(cmd, m, r);
		if (ret)
			return ret;
	}
	d = pos - r->pos;
	r->pos = pos;
	r->addr += d;
	r->len -= d;
	return 0;
}

/*
 * Length of a segment from @s that must be cut before @cap bytes: the next
 * segment has to start on an alignment_internal boundary and this one's
 * length be a multiple of alignment_length.  *@ok is false when no such
 * cut exists (the layout then breaks the spec).
 */
static u64 dmacmd_cut(const struct dmacmd_spec *sp, u64 s, u64 cap, bool *ok)
{
	u64 in = sp->alignment_internal, alen = sp->alignment_length;
	u64 e = round_down(s + cap, in);
	u64 tries = alen > in ? alen / in : 1;
	u64 l;

	while (tries-- && e > s) {
		l = e - s;
		if (!(l & (alen - 1))) {
			*ok = true;
			return l;
		}
		e -= in;
	}
	*ok = false;
	l = round_down(cap, alen);
	return l ? l : cap;
}

/*
 * Build the segment that starts at @r (coalescing contiguous runs, cutting
 * at the maximum segment size, the device's segment boundary and the
 * address limit) and move @r past it.  *@ok tells whether the cut, if any,
 * honours the spec's alignments.
 */
static int dmacmd_next_seg(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   struct dmacmd_run *r, struct dmacmd_seg64 *seg,
			   bool *ok)
{
	u64 s = r->addr, cap = cmd->spec.max_segment_size, ext, end, q, bmask;
	u64 left = cmd->prep_len - r->pos;
	struct dmacmd_run cur = *r, nxt;
	bool have_next = false;
	int ret;

	bmask = m->dma_mapped ? m->bmask : ~0UL;
	if (bmask != ~0UL)
		cap = min(cap, (s | bmask) - s + 1);
	if (s <= cmd->max_addr && cmd->max_addr - s < cap)
		cap = cmd->max_addr - s + 1;

	/*
	 * The last DMA segment of a copy buffer may run past the prepared
	 * length (see dmacmd_build_copy()): @left ends the walk.
	 */
	ext = cur.len;
	while (ext <= cap && ext < left) {
		nxt = cur;
		ret = dmacmd_run_next(cmd, m, &nxt);
		if (ret)
			return ret;
		if (!nxt.len)
			return -EIO;
		if (nxt.addr != s + ext) {
			have_next = true;
			break;
		}
		cur = nxt;
		ext += cur.len;
	}

	*ok = true;
	end = min(ext, left);
	seg->addr = s;
	seg->len = end > cap ? dmacmd_cut(&cmd->spec, s, cap, ok) : end;

	q = r->pos + seg->len;
	if (q >= cmd->prep_len) {
		r->pos = cmd->prep_len;
		r->len = 0;
		return 0;
	}
	if (seg->len == ext && have_next) {
		*r = nxt;
		return 0;
	}
	if (q >= cur.pos) {
		u64 d = q - cur.pos;

		*r = cur;
		r->pos = q;
		r->addr += d;
		r->len -= d;
		return 0;
	}
	return dmacmd_run_seek(cmd, m, q, true, r);
}

/*
 * Does the segment at relative position @pos honour the spec?  -EMSGSIZE
 * when it reaches beyond the address limit, -EDOM when misaligned.
 */
static int dmacmd_seg_check(const struct dmacmd *cmd,
			    const struct dmacmd_seg64 *seg, u64 pos, bool ok)
{
	const struct dmacmd_spec *sp = &cmd->spec;
	u64 align = pos ? sp->alignment_internal : sp->alignment;

	if (seg->addr > cmd->max_addr || cmd->max_addr - seg->addr < seg->len - 1)
		return -EMSGSIZE;
	if (!ok || (seg->addr & (align - 1)) ||
	    (seg->len & (sp->alignment_length - 1)))
		return -EDOM;
	return 0;
}

/*
 * Walk every segment of mapping @m from the start and check it against the
 * spec.  On failure *@bad is the offending segment.
 */
static int dmacmd_verify(struct dmacmd *cmd, struct dmacmd_mapping *m,
			 struct dmacmd_seg64 *bad)
{
	struct dmacmd_run r;
	bool ok;
	u64 pos;
	int ret;

	ret = dmacmd_run_seek(cmd, m, 0, false, &r);
	while (!ret && r.pos < cmd->prep_len) {
		pos = r.pos;
		ret = dmacmd_next_seg(cmd, m, &r, bad, &ok);
		if (!ret)
			ret = dmacmd_seg_check(cmd, bad, pos, ok);
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
static bool dmacmd_mem_misaligned(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	struct dmacmd_spec saved = cmd->spec;
	u64 saved_max = cmd->max_addr;
	struct dmacmd_seg64 bad;
	int ret;

	if (cmd->translated) {
		cmd->spec.alignment = min_t(u32, cmd->spec.alignment,
					    PAGE_SIZE);
		cmd->spec.alignment_internal =
			min_t(u32, cmd->spec.alignment_internal, PAGE_SIZE);
	}
	cmd->max_addr = U64_MAX;
	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	ret = dmacmd_verify(cmd, m, &bad);
	cmd->spec = saved;
	cmd->max_addr = saved_max;
	return ret == -EDOM;
}

/* ------------------------------------------------------------------ */
/* Building and mapping                                                */

/* A fresh scatterlist entry at the end of @m's list, growing it. */
static struct scatterlist *dmacmd_sg_add(struct dmacmd_mapping *m,
					 unsigned int *n)
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

struct dmacmd_build {
	struct dmacmd *cmd;
	struct dmacmd_mapping *m;
	unsigned int n;			/* entries used */
	unsigned int max_ent;		/* longest entry */
	unsigned long bmask;		/* device segment boundary */
	u64 bounce_max;			/* highest address mapped directly */
	phys_addr_t last_end;		/* end of the last direct entry */
	bool last_direct;
};

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
static int dmacmd_build_runs(struct dmacmd_build *b)
{
	struct dmacmd *cmd = b->cmd;
	u64 off = cmd->prep_off, end = cmd->prep_off + cmd->prep_len;
	struct dmacmd_md_seg seg;
	int ret;

	dmacmd_md_iter_init(&cmd->iter, cmd->md);
	while (off < end) {
		u64 len, done = 0;

		ret = dmacmd_md_iter_seg(&cmd->iter, off, end - off, &seg);
		if (ret)
			return ret;
		if (!seg.len)
			return -EIO;
		if (!seg.page)
			return -EOPNOTSUPP;
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

static int dmacmd_build_copy(struct dmacmd_build *b)
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
static int dmacmd_build_coherent(struct dmacmd_build *b)
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

static void dmacmd_mapping_reset(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	if (m->coherent)
		cmd->cpool.used = 0;
	else
		dmacmd_pool_release(&cmd->pool[m->full ? DMACMD_POOL_COPY :
						       DMACMD_POOL_PAGES]);
	m->nbref = 0;
	m->bounced = 0;
	m->sg_walk = false;
	m->dma_mapped = false;
	m->sync_known = false;
	m->full = false;
	m->coherent = false;
}

static bool dmacmd_need_sync(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	unsigned int i;

	if (!m->dma_mapped)
		return false;
	if (!m->sync_known) {
		m->need_sync = false;
		for (i = 0; i < m->sgt.nents; i++) {
			if (dma_need_sync(cmd->dev,
					  sg_dma_address(&m->sgl[i]))) {
				m->need_sync = true;
				break;
			}
		}
		m->sync_known = true;
	}
	return m->need_sync;
}

static unsigned long dmacmd_sync_attrs(const struct dmacmd *cmd, bool sync)
{
	return dmacmd_map_type(cmd) == DMACMD_MAP_NONCOHERENT && !sync ?
	       DMA_ATTR_SKIP_CPU_SYNC : 0;
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

/* Is the list built last time still the list this prepare would build? */
static bool dmacmd_built_fits(const struct dmacmd *cmd,
			      const struct dmacmd_mapping *m)
{
	struct device *dev = cmd->dev;

	return m->built && m->built_md == cmd->md &&
	       m->built_off == cmd->prep_off && m->built_len == cmd->prep_len &&
	       m->built_mask == dma_get_mask(dev) &&
	       m->built_limit == dev->bus_dma_limit &&
	       m->built_segsz == dma_get_max_seg_size(dev) &&
	       m->built_bmask == dma_get_seg_boundary(dev);
}

/* Start a mapping of @m: nothing bounced, mapped or known yet. */
static void dmacmd_mapping_begin(struct dmacmd *cmd, struct dmacmd_mapping *m)
{
	m->dir = cmd->map_dir;
	m->nbref = 0;
	m->bounced = 0;
	m->full = false;
	m->coherent = false;
	m->sg_walk = false;
	m->dma_mapped = false;
	m->sync_known = false;
}

/* Map the @n entries of @m's list through the DMA API; -EIO, logged. */
static int dmacmd_map_sgt(struct dmacmd *cmd, struct dmacmd_mapping *m,
			  unsigned int n, bool flush)
{
	int ret;

	ret = dmacmd_map_dma_sgtable(cmd->dev, &m->sgt, m->dir,
				     dmacmd_sync_attrs(cmd, flush));
	if (ret) {
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: DMA mapping of %u entries failed: %d\n",
				    n, ret);
		return -EIO;
	}
	m->dma_mapped = true;
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
			    bool flush)
{
	struct dmacmd_seg64 bad;
	int ret;

	dmacmd_mapping_begin(cmd, m);
	m->sgt.orig_nents = m->built_n;
	m->sgt.nents = m->built_n;
	m->sg_walk = true;
	cmd->max_addr = m->built_max;
	ret = dmacmd_map_sgt(cmd, m, m->built_n, flush);
	if (ret) {
		dmacmd_mapping_reset(cmd, m);
		return ret;
	}
	if (m->built_verify && dmacmd_verify(cmd, m, &bad)) {
		dma_unmap_sgtable(cmd->dev, &m->sgt, m->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
		dmacmd_mapping_reset(cmd, m);
		m->built = false;
		return 1;
	}
	return 0;
}

/*
 * Map the prepared range into @m: build the scatterlist (bouncing what the
 * device cannot reach, or everything into a copy buffer when @full), copy
 * memory into bounce memory, map through the DMA API and check the result
 * against the spec.  What the spec refuses is tried again as a copy buffer
 * (misaligned layouts), then as a copy buffer of coherent DMA memory
 * (what the platform's streaming mappings cannot meet: swiotlb keeps page
 * alignment at most, and its slots may lie beyond a narrow spec).  On
 * failure nothing stays mapped or taken from the pools.
 */
static int dmacmd_map_range(struct dmacmd *cmd, struct dmacmd_mapping *m,
			    bool full, bool flush, bool sync)
{
	const struct dmacmd_spec *sp = &cmd->spec;
	bool api = dmacmd_uses_dma_api(cmd);
	struct device *dev = cmd->dev;
	enum dma_data_direction dir;
	struct dmacmd_seg64 bad;
	struct dmacmd_build b;
	bool verify, aligned, coherent = false;
	phys_addr_t end;
	u64 dev_max;
	int ret;

	dmacmd_mapping_begin(cmd, m);
	dir = m->dir;

	dev_max = dev ? dmacmd_dev_max(dev) : U64_MAX;
	cmd->max_addr = min(cmd->spec_max, cmd->translated ? U64_MAX : dev_max);
	aligned = sp->alignment == 1 && sp->alignment_internal == 1 &&
		  sp->alignment_length == 1;

	if (dmacmd_iterate_only(cmd)) {
		dmacmd_md_iter_init(&cmd->iter, cmd->md);
		return 0;
	}
	if (!api && !full) {
		/* kBypassed: hand out the memory as it is if it fits. */
		dmacmd_md_iter_init(&cmd->iter, cmd->md);
		ret = dmacmd_verify(cmd, m, &bad);
		if (!ret)
			return 0;
		if (ret != -EMSGSIZE && ret != -EDOM)
			return ret;
		full = ret == -EDOM;
	}
	if (api && full && !cmd->translated && is_swiotlb_force_bounce(dev)) {
		/*
		 * A copy buffer mapped for streaming DMA would be bounced by
		 * swiotlb once more at every synchronize: use coherent memory,
		 * which the device reaches as it is.
		 */
		coherent = true;
	}
	if (api && !cmd->translated && dmacmd_swiotlb_unreachable(dev, &end)) {
		/*
		 * swiotlb=force would bounce every streaming mapping to slots
		 * beyond the device's mask (and WARN): only coherent memory
		 * can reach the device.
		 */
		full = true;
		coherent = true;
	}
	/*
	 * The DMA API never hands out an address beyond the device's mask, so
	 * only a spec narrower than that, or alignments, need a check.
	 */
	if (!api)
		verify = true;
	else if (cmd->translated)
		verify = !aligned || cmd->spec_max < dev_max;
	else
		verify = !aligned || cmd->max_addr < dev_max;

	if (api && !full && !aligned && dmacmd_mem_misaligned(cmd, m))
		full = true;

retry:
	memset(&b, 0, sizeof(b));
	b.cmd = cmd;
	b.m = m;
	b.max_ent = DMACMD_SG_MAX;
	b.bmask = ~0UL;
	b.bounce_max = cmd->translated ? U64_MAX : cmd->max_addr;
	if (api) {
		/* dma_max_mapping_size() only changes with the mask. */
		if (!cmd->map_size_mask || cmd->map_size_mask != dma_get_mask(dev)) {
			cmd->map_size = dma_max_mapping_size(dev);
			cmd->map_size_mask = dma_get_mask(dev);
		}
		b.max_ent = min_t(u64, b.max_ent, dma_get_max_seg_size(dev));
		b.max_ent = min_t(u64, b.max_ent, cmd->map_size);
		if (b.max_ent >= PAGE_SIZE)
			b.max_ent &= PAGE_MASK;
		b.bmask = dma_get_seg_boundary(dev);
	}
	m->full = full;
	m->coherent = coherent;
	m->built = false;
	if (coherent)
		ret = dmacmd_build_coherent(&b);
	else if (full)
		ret = dmacmd_build_copy(&b);
	else
		ret = dmacmd_build_runs(&b);
	if (ret)
		goto err_reset;
	sg_mark_end(&m->sgl[b.n - 1]);
	m->sgt.sgl = m->sgl;
	m->sgt.orig_nents = b.n;
	m->sgt.nents = b.n;
	m->sg_walk = true;

	/*
	 * Memory the device may write is copied in whatever @sync says: the
	 * bounce copy goes back to memory whole, and a device that writes
	 * only part of it must not leave stale bounce contents behind.
	 */
	if (m->nbref && (sync || dir != DMA_TO_DEVICE)) {
		ret = dmacmd_bounce_copy(cmd, m, true);
		if (ret)
			goto err_reset;
	}

	if (coherent) {
		verify = true;
	} else if (api) {
		m->bmask = b.bmask;
		ret = dmacmd_map_sgt(cmd, m, b.n, flush);
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

	if (verify) {
		ret = dmacmd_verify(cmd, m, &bad);
		if (ret) {
			if (m->dma_mapped)
				dma_unmap_sgtable(dev, &m->sgt, dir,
						  DMA_ATTR_SKIP_CPU_SYNC);
			dmacmd_mapping_reset(cmd, m);
			if (ret != -EMSGSIZE && ret != -EDOM)
				return ret;
			if (ret == -EDOM && !full) {
				full = true;
				goto retry;
			}
			if (api && !coherent &&
			    (ret == -EDOM || !cmd->translated)) {
				full = true;
				coherent = true;
				goto retry;
			}
			dmacmd_log_unmet(cmd, ret, &bad, coherent);
			return -EADDRNOTAVAIL;
		}
	}
	/*
	 * Without bounce memory the list holds only the descriptor's own
	 * pages: keep it for the next prepare of this shape, which then costs
	 * what dma_map_sgtable() of a driver's own sg_table costs.
	 */
	if (api && !full && !m->nbref && cmd->md_fixed) {
		m->built_md = cmd->md;
		m->built_off = cmd->prep_off;
		m->built_len = cmd->prep_len;
		m->built_max = cmd->max_addr;
		m->built_mask = dma_get_mask(dev);
		m->built_limit = dev->bus_dma_limit;
		m->built_segsz = dma_get_max_seg_size(dev);
		m->built_bmask = dma_get_seg_boundary(dev);
		m->built_n = b.n;
		m->built_verify = verify;
		m->built = true;
	}
	return 0;

err_reset:
	dmacmd_mapping_reset(cmd, m);
	return ret;
}

/*
 * Undo dmacmd_map_range(): unmap (the DMA API syncs for the CPU unless a
 * non-coherent command asked not to invalidate) and copy what the device
 * wrote from bounce memory back to memory when @sync.
 */
static int dmacmd_teardown(struct dmacmd *cmd, struct dmacmd_mapping *m,
			   bool invalidate, bool sync)
{
	int ret = 0;

	if (!m->sg_walk)
		return 0;
	if (m->dma_mapped)
		dma_unmap_sgtable(cmd->dev, &m->sgt, m->dir,
				  dmacmd_sync_attrs(cmd, invalidate));
	if (m->nbref && sync && m->dir != DMA_TO_DEVICE)
		ret = dmacmd_bounce_copy(cmd, m, false);
	dmacmd_mapping_reset(cmd, m);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Prepare and complete                                                */

static int __dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
			    bool flush, bool sync, unsigned long ip)
{
	u64 md_len;
	int ret;

	if (dmacmd_bad_at(cmd, ip)) {
		dmacmd_misuse_at(ip, NULL, "prepare of an invalid command\n");
		return -EINVAL;
	}
	if (dmacmd_atomic_misuse(ip, cmd->dev, "prepare"))
		return -EWOULDBLOCK;
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
	if (offset >= md_len || length > md_len - offset) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx+%#llx outside a descriptor of %#llx bytes\n",
				 offset, length, md_len);
		return -ERANGE;
	}
	if (!length)
		length = md_len - offset;
	if (cmd->active) {
		if (offset != cmd->prep_off || length != cmd->prep_len) {
			dmacmd_misuse_at(ip, cmd->dev,
					 "nested prepare of %#llx+%#llx differs from %#llx+%#llx\n",
					 offset, length, cmd->prep_off,
					 cmd->prep_len);
			return -EBADFD;
		}
		if (cmd->active == UINT_MAX)
			return -EBUSY;
		cmd->active++;
		return 0;
	}
	if (length > cmd->spec.max_transfer_size) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx bytes, above the maximum transfer size %#llx\n",
				 length, cmd->spec.max_transfer_size);
		return -E2BIG;
	}
	if (length & (cmd->spec.alignment_length - 1)) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "prepare of %#llx bytes, not a multiple of the length alignment %u\n",
				 length, cmd->spec.alignment_length);
		return -EDOM;
	}

	cmd->prep_off = offset;
	cmd->prep_len = length;
	ret = 1;
	if (dmacmd_built_fits(cmd, dmacmd_cur_map(cmd)))
		ret = dmacmd_map_built(cmd, dmacmd_cur_map(cmd), flush);
	if (ret > 0)
		ret = dmacmd_map_range(cmd, dmacmd_cur_map(cmd), false, flush,
				       sync);
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
					 "memory without a struct page cannot be mapped (only kBypassed or kIterateOnly hand it out)\n");
		return ret;
	}
	cmd->active = 1;
	cmd->force_full = false;
	/* The usual first generate starts at 0: be there already. */
	cmd->gen_valid = dmacmd_cur_map(cmd)->sg_walk &&
			 !dmacmd_run_sg(dmacmd_cur_map(cmd), 0, 0, &cmd->gen_run);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_PREPARES, 1);
	if (dmacmd_cur_map(cmd)->bounced)
		dmacmd_stat_add(cmd->stats, DMACMD_STAT_BOUNCED_BYTES,
				dmacmd_cur_map(cmd)->bounced);
	trace_dmacmd_prepare(cmd, cmd->dev, offset, length,
			     dmacmd_cur_map(cmd)->sgt.nents,
			     dmacmd_cur_map(cmd)->bounced, 0);
	return 0;
}

/**
 * dmacmd_prepare() - map a range of the attached memory for the device
 * @cmd: the command
 * @offset: start of the range within the attached descriptor
 * @length: bytes; 0 means from @offset to the end of the descriptor
 * @flush_cache: for a kNonCoherent command, do the DMA API's cache work
 *	for the device (otherwise map with DMA_ATTR_SKIP_CPU_SYNC); other
 *	commands always do it
 * @synchronize: copy memory into bounce memory the device reads
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
 * Context: Process context.  May sleep: the first prepare allocates
 * bounce memory and scatterlist capacity it has not cached yet.
 * Return:
 *
 * * %0 - prepared
 * * %-EINVAL - @cmd invalid
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
 */
int dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
		   bool flush_cache, bool synchronize)
{
	return __dmacmd_prepare(cmd, offset, length, flush_cache, synchronize,
				_RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_prepare);

/**
 * dmacmd_prepare_with_spec() - set a new spec, then prepare
 * @cmd: the command, not prepared
 * @spec: the new specification (see dmacmd_create())
 * @offset: as for dmacmd_prepare()
 * @length: as for dmacmd_prepare()
 * @flush_cache: as for dmacmd_prepare()
 * @synchronize: as for dmacmd_prepare()
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
			     u64 length, bool flush_cache, bool synchronize)
{
	struct dmacmd_spec norm, old_spec;
	bool old_specified, old_translated;
	const char *why = NULL;
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
	old_translated = cmd->translated;
	old_max = cmd->spec_max;
	dmacmd_set_spec(cmd, &norm);
	ret = __dmacmd_prepare(cmd, offset, length, flush_cache, synchronize,
			       _RET_IP_);
	if (ret) {
		cmd->spec = old_spec;
		cmd->specified = old_specified;
		cmd->translated = old_translated;
		cmd->spec_max = old_max;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_prepare_with_spec);

static int __dmacmd_complete(struct dmacmd *cmd, bool invalidate, bool sync,
			     unsigned long ip)
{
	int ret;

	if (dmacmd_bad_at(cmd, ip)) {
		dmacmd_misuse_at(ip, NULL, "complete of an invalid command\n");
		return -EINVAL;
	}
	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "complete of a command that is not prepared\n");
		return -EBADFD;
	}
	if (--cmd->active)
		return 0;
	trace_dmacmd_complete(cmd, cmd->dev, cmd->prep_off, cmd->prep_len,
			      dmacmd_cur_map(cmd)->sgt.nents,
			      dmacmd_cur_map(cmd)->bounced, 0);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_COMPLETES, 1);
	ret = dmacmd_teardown(cmd, dmacmd_cur_map(cmd), invalidate, sync);
	cmd->force_full = false;
	cmd->gen_valid = false;
	if (cmd->dk) {
		/* dmacmd_prepare_for_dma() prepared the memory: undo that. */
		cmd->dk = false;
		dmacmd_md_complete(cmd->md);
	}
	return ret;
}

/**
 * dmacmd_complete() - undo one dmacmd_prepare()
 * @cmd: the command
 * @invalidate_cache: for a kNonCoherent command, do the DMA API's cache
 *	work for the CPU when unmapping (otherwise unmap with
 *	DMA_ATTR_SKIP_CPU_SYNC); other commands always do it
 * @synchronize: copy bounce memory the device wrote back to memory
 *	(directions In and None)
 *
 * IOKit's complete().  Only the last of nested prepares unmaps; bounce
 * memory then returns to the command's pool for the next prepare.
 *
 * Context: Process context.
 * Return:
 *
 * * %0 - completed
 * * %-EINVAL - @cmd invalid
 * * %-EBADFD - not prepared (nothing changes)
 * * an error of the descriptor walk while copying back (the command is
 *   completed all the same)
 */
int dmacmd_complete(struct dmacmd *cmd, bool invalidate_cache,
		    bool synchronize)
{
	return __dmacmd_complete(cmd, invalidate_cache, synchronize, _RET_IP_);
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
	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "prepared_range of an invalid command\n");
		return -EINVAL;
	}
	if (!cmd->active) {
		dmacmd_misuse(cmd->dev, "prepared_range when not prepared\n");
		return -EBADFD;
	}
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
	bool synced = false;
	int ret;

	if (live->full)
		return 0;
	/* What the device wrote so far must reach memory, then the copy. */
	if (dmacmd_need_sync(cmd, live)) {
		dma_sync_sgtable_for_cpu(cmd->dev, &live->sgt, live->dir);
		synced = true;
	}
	if (live->nbref && live->dir != DMA_TO_DEVICE) {
		ret = dmacmd_bounce_copy(cmd, live, false);
		if (ret)
			goto err_give_back;
	}
	ret = dmacmd_map_range(cmd, spare, true, true, true);
	if (ret)
		goto err_give_back;
	if (live->dma_mapped)
		dma_unmap_sgtable(cmd->dev, &live->sgt, live->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
	dmacmd_mapping_reset(cmd, live);
	cmd->cur = !cmd->cur;
	cmd->force_full = true;
	cmd->gen_valid = false;
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_BOUNCED_BYTES, spare->bounced);
	return 0;

err_give_back:
	if (synced)
		dma_sync_sgtable_for_device(cmd->dev, &live->sgt, live->dir);
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
 */
int dmacmd_synchronize(struct dmacmd *cmd, u32 options)
{
	const u32 known = DMACMD_SYNC_IN | DMACMD_SYNC_OUT |
			  DMACMD_FORCE_DOUBLE_BUFFER;
	struct dmacmd_mapping *m;
	bool synced;
	int ret = 0;

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
	if (!cmd->active) {
		dmacmd_misuse(cmd->dev, "synchronize when not prepared\n");
		return -EBADFD;
	}
	if (options & DMACMD_FORCE_DOUBLE_BUFFER) {
		if (dmacmd_iterate_only(cmd)) {
			dmacmd_misuse(cmd->dev,
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
			dma_sync_sgtable_for_cpu(cmd->dev, &m->sgt, m->dir);
		if (m->nbref && m->dir != DMA_TO_DEVICE)
			ret = dmacmd_bounce_copy(cmd, m, false);
	} else {
		if (m->nbref)
			ret = dmacmd_bounce_copy(cmd, m, true);
	}
	if (synced)
		dma_sync_sgtable_for_device(cmd->dev, &m->sgt, m->dir);
out:
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_SYNCS, 1);
	trace_dmacmd_synchronize(cmd, cmd->dev, options, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_synchronize);

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
					    struct dmacmd_run *r,
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
 * Returns how many; @r has moved past them.
 */
static __always_inline u32 dmacmd_gen_fast64(const struct dmacmd *cmd,
					     const struct dmacmd_mapping *m,
					     unsigned long bmask,
					     struct dmacmd_run *r,
					     struct dmacmd_seg64 *out, u32 max)
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
		if (l > cap || ((addr ^ (addr + l - 1)) & outside))
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
	struct dmacmd_run *r = &cmd->gen_run;
	bool ok, check, out32, fast64;
	struct dmacmd_seg64 seg;
	unsigned long bmask;
	int ret;

	if (!cmd->gen_valid || pos != r->pos) {
		bool from = false;

		if (cmd->gen_valid && m->sg_walk) {
			if (r->pos <= pos) {
				from = true;
			} else if (cmd->gen_start.pos <= pos) {
				*r = cmd->gen_start;
				from = true;
			}
		}
		cmd->gen_valid = false;
		ret = dmacmd_run_seek(cmd, m, pos, from, r);
		if (ret)
			return ret;
	}
	if (!n)
		cmd->gen_start = *r;
	cmd->gen_valid = false;
	check = !m->sg_walk;
	bmask = m->dma_mapped ? m->bmask : ~0UL;
	fast64 = !check && fn == dmacmd_out_host64;
	out32 = !fast64 && dmacmd_is_out32(fn);
	for (; n < max && r->pos < cmd->prep_len; n++) {
		u64 at;

		if (fast64) {
			n += dmacmd_gen_fast64(cmd, m, bmask, r,
					       (struct dmacmd_seg64 *)segs + n,
					       max - n);
			if (n == max || r->pos >= cmd->prep_len)
				break;
		}
		at = r->pos;
		if (check || !dmacmd_seg_fast(cmd, m, bmask, r, &seg)) {
			ret = dmacmd_next_seg(cmd, m, r, &seg, &ok);
			if (ret)
				return ret;
		}
		if (check) {
			ret = dmacmd_seg_check(cmd, &seg, at, ok);
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

static int __dmacmd_gen(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
			void *segs, u32 *nsegs, unsigned long ip)
{
	struct dmacmd_mapping *m;
	u32 n = 0, max;
	u64 pos;
	int ret;

	if (dmacmd_bad_at(cmd, ip)) {
		dmacmd_misuse_at(ip, NULL, "segments of an invalid command\n");
		return -EINVAL;
	}
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
	 * general walk for the rest.  The walk advances cmd->gen_run in
	 * place; whatever fails leaves it invalid, so that the next call
	 * seeks afresh.
	 */
	m = dmacmd_cur_map(cmd);
	max = *nsegs;
	if (fn == dmacmd_out_host64 && cmd->gen_valid &&
	    pos == cmd->gen_run.pos && m->sg_walk) {
		cmd->gen_start = cmd->gen_run;
		n = dmacmd_gen_fast64(cmd, m, m->dma_mapped ? m->bmask : ~0UL,
				      &cmd->gen_run, segs, max);
		if (n == max || cmd->gen_run.pos >= cmd->prep_len)
			goto out;
		pos = cmd->gen_run.pos;
	}
	ret = dmacmd_gen_general(cmd, fn, pos, segs, n, max, &n, ip);
	if (ret)
		return ret;
out:
	trace_dmacmd_gen_segments(cmd, cmd->dev, *offset, cmd->gen_run.pos, n,
				  0);
	dmacmd_stat_add(cmd->stats, DMACMD_STAT_SEGMENTS, n);
	*offset = cmd->gen_run.pos;
	*nsegs = n;
	return 0;
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
 */
int dmacmd_gen_segments(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
			void *segs, u32 *nsegs)
{
	return __dmacmd_gen(cmd, fn, offset, segs, nsegs, _RET_IP_);
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
	if (dmacmd_live(cmd) && cmd->specified &&
	    dmacmd_is_out64(cmd->spec.out_fn)) {
		dmacmd_misuse(cmd->dev,
			      "gen32 on a command with a 64-bit output function\n");
		return -EINVAL;
	}
	return __dmacmd_gen(cmd, NULL, offset, segs, nsegs, _RET_IP_);
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
	if (dmacmd_live(cmd) && cmd->specified &&
	    dmacmd_is_out32(cmd->spec.out_fn)) {
		dmacmd_misuse(cmd->dev,
			      "gen64 on a command with a 32-bit output function\n");
		return -EINVAL;
	}
	return __dmacmd_gen(cmd, NULL, offset, segs, nsegs, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_gen64);

/* ------------------------------------------------------------------ */
/* Reading and writing what the device sees                            */

/* dmacmd_xfer() for a coherent copy buffer: the blocks hold it all. */
static u64 dmacmd_xfer_coherent(struct dmacmd *cmd, struct dmacmd_mapping *m,
				u64 off, u8 *buf, u64 len, bool to_dev)
{
	u64 done = 0, pos, c;
	unsigned int i;

	for (i = 0; i < m->nbref && done < len; i++) {
		struct dmacmd_bounce_ref *r = &m->bref[i];

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
static u64 dmacmd_xfer(struct dmacmd *cmd, u64 off, void *buf, u64 len,
		       bool to_dev)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (m->coherent)
		return dmacmd_xfer_coherent(cmd, m, off, buf, len, to_dev);
	if (!m->sg_walk)
		return to_dev ?
		       dmacmd_md_write(cmd->md, cmd->prep_off + off, buf, len) :
		       dmacmd_md_read(cmd->md, cmd->prep_off + off, buf, len);
	if (to_dev)
		return sg_pcopy_from_buffer(m->sgl, m->sgt.orig_nents, buf, len,
					    off);
	return sg_pcopy_to_buffer(m->sgl, m->sgt.orig_nents, buf, len, off);
}

static bool dmacmd_cpu_begin(struct dmacmd *cmd)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (!dmacmd_need_sync(cmd, m))
		return false;
	dma_sync_sgtable_for_cpu(cmd->dev, &m->sgt, m->dir);
	return true;
}

static void dmacmd_cpu_end(struct dmacmd *cmd, bool synced)
{
	struct dmacmd_mapping *m = dmacmd_cur_map(cmd);

	if (synced)
		dma_sync_sgtable_for_device(cmd->dev, &m->sgt, m->dir);
}

static u64 __dmacmd_rw(struct dmacmd *cmd, u64 offset, void *buf, u64 len,
		       bool to_dev, unsigned long ip)
{
	bool synced;
	u64 n;

	if (dmacmd_bad_at(cmd, ip) || (!buf && len)) {
		dmacmd_misuse_at(ip, dmacmd_log_dev(cmd),
				 "read/write bytes with an invalid argument\n");
		return 0;
	}
	if (!cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "read/write bytes of a command that is not prepared\n");
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
 * Return: bytes copied: 0 when not prepared or @offset is at or past the
 * prepared length, at most the bytes from @offset to the end.
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
 * device for Out and InOut).
 *
 * Context: Any context that may touch the memory.  Does not sleep.
 * Return: bytes copied, as for dmacmd_read_bytes().
 */
u64 dmacmd_write_bytes(struct dmacmd *cmd, u64 offset, const void *buf,
		       u64 len)
{
	return __dmacmd_rw(cmd, offset, (void *)buf, len, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dmacmd_write_bytes);

/* ------------------------------------------------------------------ */
/* DriverKit                                                           */

/**
 * dmacmd_prepare_for_dma() - DriverKit's IODMACommand::PrepareForDMA
 * @cmd: a command that is not prepared
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
 * generates its segments in one pass.  Unlike DriverKit, a mapping that
 * needs more segments than *@nsegs is an error, never a silent truncation.
 * Any failure undoes everything: @md is completed again and the command
 * keeps the descriptor it had.  Undo a success with dmacmd_complete_dma().
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - prepared, *@nsegs segments cover the whole range
 * * %-EINVAL - @options not 0, or an invalid or NULL argument, *@nsegs 0
 * * %-EBUSY - the command is prepared
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
	if (cmd->active) {
		dmacmd_misuse(cmd->dev, "prepare_for_dma while prepared\n");
		return -EBUSY;
	}
	ret = dmacmd_md_prepare(md);
	if (ret)
		return ret;
	old = cmd->md;
	dmacmd_md_get(md);
	dmacmd_use_md(cmd, md);
	ret = __dmacmd_prepare(cmd, offset, length, true, true, _RET_IP_);
	if (ret)
		goto err_restore;
	n = *nsegs;
	ret = __dmacmd_gen(cmd, dmacmd_out_host64, &pos, segs, &n, _RET_IP_);
	if (!ret && pos < cmd->prep_len) {
		dev_err_ratelimited(cmd->dev,
				    "dmacmd: PrepareForDMA of %#llx bytes needs more than %u segments\n",
				    cmd->prep_len, *nsegs);
		ret = -E2BIG;
	}
	if (ret) {
		__dmacmd_complete(cmd, true, false, _RET_IP_);
		goto err_restore;
	}
	if (old)
		dmacmd_md_put(old);
	dir = dmacmd_md_direction(md);
	*flags = 0;
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		*flags |= DMACMD_DK_DIR_OUT;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		*flags |= DMACMD_DK_DIR_IN;
	*nsegs = n;
	cmd->dk = true;
	return 0;

err_restore:
	dmacmd_use_md(cmd, old);
	dmacmd_md_put(md);
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
	while (cmd->active) {
		r = __dmacmd_complete(cmd, true, true, _RET_IP_);
		if (r && !ret)
			ret = r;
	}
	dmacmd_md_put(cmd->md);
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
	if (dmacmd_bad(cmd)) {
		dmacmd_misuse(NULL, "get_preparation of an invalid command\n");
		return -EINVAL;
	}
	if (!cmd->active) {
		dmacmd_misuse(cmd->dev, "get_preparation when not prepared\n");
		return -EBADFD;
	}
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
	struct dmacmd_md_seg seg;
	int ret;

	dmacmd_md_iter_init(&it, data);
	while (*done < len) {
		u64 rl, o = 0;

		ret = dmacmd_md_iter_seg(&it, data_off + *done, len - *done,
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
 * * %-ENODATA - the mapping ends before @dma_offset + @length
 */
int dmacmd_perform_operation(struct dmacmd *cmd, u64 options, u64 dma_offset,
			     u64 length, u64 data_offset,
			     struct dmacmd_md *data)
{
	bool synced;
	u64 done = 0;
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
	if (dma_offset >= cmd->prep_len) {
		if (!length)
			return 0;
		ret = -ENODATA;
		goto out_misuse;
	}

	synced = dmacmd_cpu_begin(cmd);
	if (options == DMACMD_DK_OP_ZERO) {
		void *zero = page_address(ZERO_PAGE(0));
		u64 n, c;

		while (done < length) {
			c = min_t(u64, length - done, PAGE_SIZE);
			n = dmacmd_xfer(cmd, dma_offset + done, zero, c, true);
			done += n;
			if (n < c)
				break;
		}
	} else {
		ret = dmacmd_perform_md(cmd, dma_offset, length, data_offset,
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
