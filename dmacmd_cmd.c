// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: the life cycle of a command (IOKit's IODMACommand): creation,
 * cloning, references, release, its accessors, and attaching memory.
 * Preparing that memory for the device is dmacmd_map.c's.
 */
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dmacmd_cmd.h"
#include "dmacmd_map.h"
#include "dmacmd_spec.h"

/* A new spec or new memory: no scatterlist built so far applies. */
static void dmacmd_forget_built(struct dmacmd *cmd)
{
	cmd->map[0].built.valid = false;
	cmd->map[1].built.valid = false;
}

/*
 * Attach @md (the caller handles references) and read once what the hot
 * path asks of it: descriptors never change length, direction or layout
 * kind.
 */
void dmacmd_use_md(struct dmacmd *cmd, struct dmacmd_md *md)
{
	cmd->md = md;
	cmd->md_len = md ? dmacmd_md_length(md) : 0;
	cmd->map_dir = md ? dmacmd_md_direction(md) : DMA_NONE;
	/* kIODirectionNone and In|Out: the device may do either. */
	if (cmd->map_dir != DMA_TO_DEVICE && cmd->map_dir != DMA_FROM_DEVICE)
		cmd->map_dir = DMA_BIDIRECTIONAL;
	cmd->md_fixed = md && dmacmd_md_layout_fixed(md);
	cmd->md_counted = md && dmacmd_md_counts_dma(md);
	cmd->gen_valid = false;
	dmacmd_forget_built(cmd);
}

void dmacmd_set_spec(struct dmacmd *cmd, const struct dmacmd_spec *s)
{
	dmacmd_forget_built(cmd);
	cmd->spec = *s;
	cmd->specified = true;
	cmd->out_width = dmacmd_is_out32(s->out_fn) ? 32 :
			 dmacmd_is_out64(s->out_fn) ? 64 : 0;
	cmd->lim.align = s->alignment;
	cmd->lim.align_in = s->alignment_internal;
	cmd->lim.align_len = s->alignment_length;
	cmd->spec_max = s->address_bits >= 64 ? U64_MAX :
			(1ULL << s->address_bits) - 1;
	cmd->translated = dmacmd_dev_translated(cmd->dev);
}

/* &struct dmacmd_track_ops of commands, for the reaper. */
unsigned int dmacmd_track_refs(struct dmacmd_track *t)
{
	return refcount_read(&container_of(t, struct dmacmd, track)->ref);
}

void dmacmd_track_put(struct dmacmd_track *t)
{
	dmacmd_put(container_of(t, struct dmacmd, track));
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
	cmd = dmacmd_kvcalloc(1, sizeof(*cmd));
	if (!cmd)
		return ERR_PTR(-ENOMEM);
	dmacmd_track_init(&cmd->track, DMACMD_KIND_CMD, ip);
	refcount_set(&cmd->ref, 1);
	cmd->dev = get_device(dev);
	cmd->stats = dmacmd_stats_get(dev);
	cmd->refcon = refcon;
	cmd->pool[DMACMD_POOL_COHERENT].coherent = true;
	INIT_LIST_HEAD(&cmd->pool_node);
	if (spec)
		dmacmd_set_spec(cmd, &norm);
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
 *   device behind a translating IOMMU, one that sees memory at an offset
 *   (DMA ranges) or whose DMA is not coherent, or in a memory-encrypted
 *   guest
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
	kvfree(m->pieces);
	m->sgl = NULL;
	m->pieces = NULL;
	m->sg_cap = 0;
	m->pieces_cap = 0;
}

/* dmacmd_claim() found @cmd marked by @prev: the shrinker, or misuse. */
struct task_struct *dmacmd_claim_contended(struct dmacmd *cmd,
					   struct task_struct *prev,
					   const char *what, unsigned long ip)
{
	/*
	 * The shrinker holds an idle command for a moment, with interrupts
	 * off while it looks: wait, unless in an interrupt (it may have come
	 * in on the shrinker's CPU), where only misuse finds the mark.
	 */
	while (prev == DMACMD_IN_RECLAIM && in_task()) {
		cpu_relax();
		prev = cmpxchg(&cmd->in_call, NULL, current);
	}
	if (!prev)
		return NULL;
	dmacmd_misuse_at(ip, cmd->dev,
			 "%s while another thread is in a call on the same command\n",
			 what);
	return ERR_PTR(-EBUSY);
}

/* The last reference is gone; @cmd->track.ip says who dropped it. */
static void dmacmd_release(struct dmacmd *cmd)
{
	unsigned int i;

	if (cmd->active) {
		dmacmd_teardown(cmd, dmacmd_cur_map(cmd),
				DMACMD_COMPLETE_DEFAULT);
		if (cmd->md_counted)
			dmacmd_md_dma_end(cmd->md);
		cmd->active = 0;
		if (cmd->prepared_md)
			dmacmd_md_complete(cmd->md);
		cmd->prepared_md = false;
	}
	if (cmd->md)
		dmacmd_md_unhold(cmd->md);
	for (i = 0; i < ARRAY_SIZE(cmd->map); i++)
		dmacmd_mapping_free(&cmd->map[i]);
	dmacmd_pools_forget(cmd);
	for (i = 0; i < DMACMD_NR_POOLS; i++)
		dmacmd_pool_free(&cmd->pool[i], cmd->dev);
	if (cmd->stats)
		dmacmd_stats_put(cmd->stats);
	put_device(cmd->dev);
	dmacmd_track_retire(&cmd->track, DMACMD_KIND_CMD, sizeof(*cmd));
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
	/* The last reference frees: say so even when it is not this one. */
	might_sleep_if(refcount_read(&cmd->ref) == 1);
	if (refcount_read(&cmd->ref) == 1 && cmd->active && !cmd->prepared_md)
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
 * @spec: filled with the spec, defaults applied (untouched on error)
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
	/* Asking whether there is a spec is no misuse: not logged. */
	if (!cmd->specified)
		return -EBADFD;
	*spec = cmd->spec;
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_get_spec);

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

/* dmacmd_set_memory() of a live command, once it is the caller's. */
static int dmacmd_set_memory_claimed(struct dmacmd *cmd, struct dmacmd_md *md,
				     unsigned int flags, unsigned long ip)
{
	struct dmacmd_md *old;
	int ret;

	if (md == cmd->md) {
		if (!(flags & DMACMD_AUTO)) {
			while (cmd->active)
				__dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT,
						  ip);
		}
		return 0;
	}
	if (cmd->active) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "set_memory while prepared with another descriptor\n");
		return -EBUSY;
	}
	old = cmd->md;
	if (old) {
		dmacmd_use_md(cmd, NULL);
		dmacmd_md_unhold(old);
	}
	if (!md)
		return 0;
	dmacmd_md_hold(md);
	dmacmd_use_md(cmd, md);
	if (flags & DMACMD_AUTO) {
		ret = __dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT, ip);
		if (ret) {
			dmacmd_use_md(cmd, NULL);
			dmacmd_md_unhold(md);
			return ret;
		}
	}
	return 0;
}

/**
 * dmacmd_set_memory() - attach a memory descriptor to a command
 * @cmd: the command
 * @md: the descriptor, the command takes a reference; or NULL to detach
 * @flags: %DMACMD_AUTO to prepare the whole descriptor, as
 *	dmacmd_prepare(@cmd, 0, 0, %DMACMD_PREPARE_DEFAULT) (IOKit's
 *	autoPrepare, true by default there); or 0
 *
 * IOKit's setMemoryDescriptor.  Attaching the descriptor already attached
 * prepares nothing; without %DMACMD_AUTO it completes every outstanding
 * prepare.  A different descriptor, or NULL, replaces the current one,
 * which is detached and released first, as IOKit does: when the new
 * descriptor's auto-prepare fails, the command holds nothing.  The
 * descriptor itself must be prepared (dmacmd_md_prepare()) where its kind
 * needs it: IODMACommand never wires memory.
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - attached (and prepared), or detached for a NULL @md
 * * %-EINVAL - @cmd or @md invalid, or an unknown bit in @flags
 * * %-EBUSY - the command is prepared with another descriptor (nothing
 *   changes), or another thread is in a call on @cmd (logged)
 * * any error of dmacmd_prepare() with %DMACMD_AUTO; the command then
 *   holds no descriptor
 */
int dmacmd_set_memory(struct dmacmd *cmd, struct dmacmd_md *md,
		      unsigned int flags)
{
	struct task_struct *prev;
	int ret;

	if (dmacmd_bad(cmd) || (md && dmacmd_md_bad(md, _RET_IP_)) ||
	    (flags & ~DMACMD_AUTO)) {
		dmacmd_misuse(dmacmd_log_dev(cmd),
			      "set_memory with an invalid argument\n");
		return -EINVAL;
	}
	prev = dmacmd_claim(cmd, "set_memory", _RET_IP_);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	ret = dmacmd_set_memory_claimed(cmd, md, flags, _RET_IP_);
	dmacmd_leave(cmd, prev);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_set_memory);

/* dmacmd_clear_memory() of a live command, once it is the caller's. */
static int dmacmd_clear_memory_claimed(struct dmacmd *cmd, unsigned int flags,
				       unsigned long ip)
{
	if (!cmd->md) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "clear_memory without memory attached\n");
		return -EBADFD;
	}
	if (cmd->active && !(flags & DMACMD_AUTO)) {
		dmacmd_misuse_at(ip, cmd->dev,
				 "clear_memory while prepared, without auto-complete\n");
		return -EBADFD;
	}
	while (cmd->active)
		__dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT, ip);
	dmacmd_md_unhold(cmd->md);
	dmacmd_use_md(cmd, NULL);
	return 0;
}

/**
 * dmacmd_clear_memory() - detach the memory descriptor of a command
 * @cmd: the command
 * @flags: %DMACMD_AUTO to complete every outstanding prepare first (each
 *	as dmacmd_complete(@cmd, %DMACMD_COMPLETE_DEFAULT); IOKit's
 *	autoComplete, true by default there); or 0
 *
 * IOKit's clearMemoryDescriptor.  Releases the command's reference on the
 * descriptor.
 *
 * Context: Process context.  May sleep.
 * Return:
 *
 * * %0 - detached
 * * %-EINVAL - @cmd invalid, or an unknown bit in @flags
 * * %-EBADFD - no descriptor attached, or still prepared and not
 *   %DMACMD_AUTO
 * * %-EBUSY - another thread is in a call on @cmd (logged)
 * * %-EWOULDBLOCK - called in atomic context (logged)
 */
int dmacmd_clear_memory(struct dmacmd *cmd, unsigned int flags)
{
	struct task_struct *prev;
	int ret;

	ret = dmacmd_enter_claim(cmd, "clear_memory", flags, DMACMD_AUTO,
				 DMACMD_NEED_SLEEP, _RET_IP_, &prev);
	if (ret)
		return ret;
	ret = dmacmd_clear_memory_claimed(cmd, flags, _RET_IP_);
	dmacmd_leave(cmd, prev);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_clear_memory);
