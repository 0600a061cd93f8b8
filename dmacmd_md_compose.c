// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: descriptors over other descriptors, IOKit's
 * IOSubMemoryDescriptor and IOMultiMemoryDescriptor.  Each holds a
 * reference on what it covers; prepare, complete and the walk pass down
 * to it (dmacmd_md.c, dmacmd_md_walk.c).
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/* A child the device may not write cannot be part of one it may write. */
static bool md_dir_covers(enum dma_data_direction child,
			  enum dma_data_direction dir)
{
	return !md_dir_dev_writes(dir) || md_dir_dev_writes(child);
}

/*
 * Check a sub-range of @parent and settle its direction (%DMA_NONE takes
 * the parent's); NULL if it is fine, else why not.
 */
static const char *md_sub_check(const struct dmacmd_md *parent, u64 offset,
				u64 len, enum dma_data_direction *dir)
{
	u64 end;

	if (!md_dir_ok(*dir))
		return "invalid direction";
	if (*dir == DMA_NONE)
		*dir = parent->dir;
	if (!md_dir_covers(parent->dir, *dir))
		return "the device writes a read-only parent";
	if (check_add_overflow(offset, len, &end) || end > parent->len)
		return "sub-range outside its parent";
	if (parent->depth >= DMACMD_MD_ITER_DEPTH)
		return "descriptors nested too deeply";
	return NULL;
}

/**
 * dmacmd_md_sub() - describe a sub-range of another descriptor
 * @parent: the descriptor; the new one holds a reference on it
 * @offset: offset of the sub-range within @parent
 * @len: length of the sub-range; 0 gives an empty descriptor
 * @dir: direction of the transfers: %DMA_NONE means @parent's; otherwise,
 *	if the device may write (anything but %DMA_TO_DEVICE), @parent must
 *	allow it too
 *
 * IOKit's IOSubMemoryDescriptor::withSubRange().  Preparing the
 * sub-range prepares @parent (all of it, as IOKit does); completing it
 * completes @parent.  dmacmd_md_kaddr() gives @parent's address plus
 * @offset when @parent has one.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @parent invalid, @offset + @len overflows or runs past the
 *   end of @parent, nesting deeper than %DMACMD_MD_ITER_DEPTH, invalid
 *   @dir or one @parent does not allow
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_sub(struct dmacmd_md *parent, u64 offset,
				u64 len, enum dma_data_direction dir)
{
	struct dmacmd_md *md;
	const char *why;

	if (md_bad(parent))
		why = "no parent";
	else
		why = md_sub_check(parent, offset, len, &dir);
	if (why)
		goto err_inval;

	md = md_new(DMACMD_MD_SUB, len, dir, parent->depth + 1, _RET_IP_);
	if (!md)
		return ERR_PTR(-ENOMEM);
	dmacmd_md_hold(parent);
	md->sub.parent = parent;
	md->sub.offset = offset;
	return md;

err_inval:
	dmacmd_misuse(NULL, "bad sub-range %#llx+%#llx of %p: %s\n", offset,
		      len, parent, why);
	return ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(dmacmd_md_sub);

/**
 * dmacmd_md_sub_retarget() - make a sub-range describe another range
 * @md: a sub-range made by dmacmd_md_sub()
 * @parent: the descriptor it is to cover from now on; @md takes a reference
 *	on it and drops the one on its old parent
 * @offset: offset of the range within @parent
 * @len: length of the range; 0 gives an empty descriptor
 * @dir: direction, as for dmacmd_md_sub()
 *
 * IOKit's IOSubMemoryDescriptor::initSubRange() on a sub-range already
 * made, which drivers use to reuse one object per transfer.  Only a
 * sub-range nothing else uses can move: not prepared, and holding no
 * reference but the caller's (no command attached, no sub-range or
 * concatenation over it), so that no one's view of it changes under them.
 * A refused call changes nothing.
 *
 * Context: Process context.  May sleep (the descriptor's mutex).
 * Return:
 *
 * * %0 - @md now covers @offset..@offset + @len of @parent
 * * %-EINVAL - @md is not a sub-range; @parent invalid or @md itself;
 *   the range outside @parent; nesting deeper than %DMACMD_MD_ITER_DEPTH;
 *   invalid @dir or one @parent does not allow
 * * %-EBUSY - @md is prepared or used by something else
 */
int dmacmd_md_sub_retarget(struct dmacmd_md *md, struct dmacmd_md *parent,
			   u64 offset, u64 len, enum dma_data_direction dir)
{
	struct dmacmd_md *old;
	const char *why;

	if (md_bad(md) || md->kind != DMACMD_MD_SUB)
		why = "not a sub-range";
	else if (md_bad(parent) || parent == md)
		why = "no parent, or the sub-range itself";
	else
		why = md_sub_check(parent, offset, len, &dir);
	if (why) {
		dmacmd_misuse(NULL, "bad re-target of sub-range %p to %#llx+%#llx of %p: %s\n",
			      md, offset, len, parent, why);
		return -EINVAL;
	}

	mutex_lock(&md->lock);
	why = md->prepared ? "prepared" : md_held(md);
	if (why) {
		mutex_unlock(&md->lock);
		dmacmd_misuse(NULL, "re-target of sub-range %p refused: %s\n",
			      md, why);
		return -EBUSY;
	}
	dmacmd_md_hold(parent);
	old = md->sub.parent;
	md->sub.parent = parent;
	md->sub.offset = offset;
	md->dir = dir;
	md->depth = parent->depth + 1;
	WRITE_ONCE(md->len, len);
	mutex_unlock(&md->lock);
	dmacmd_md_unhold(old);
	return 0;
}
EXPORT_SYMBOL_GPL(dmacmd_md_sub_retarget);

/*
 * The direction of a concatenation made with %DMA_NONE: its children's
 * when they agree; both ways when each may be written by the device;
 * otherwise no direction covers them all (%DMA_TO_DEVICE children beside
 * children the device writes) and the caller's check refuses them.
 * Without children, %DMA_NONE.
 */
static enum dma_data_direction md_multi_dir(struct dmacmd_md **mds,
					    unsigned int count)
{
	enum dma_data_direction dir = count ? mds[0]->dir : DMA_NONE;
	unsigned int i;

	for (i = 1; i < count; i++)
		if (mds[i]->dir != dir)
			return DMA_BIDIRECTIONAL;
	return dir;
}

struct dmacmd_md *md_multi_new(struct dmacmd_md **mds, unsigned int count,
			       enum dma_data_direction dir, const char **why,
			       unsigned long ip)
{
	unsigned int i, depth = 0;
	struct dmacmd_md *md;
	u64 len = 0;

	if (IS_ERR(mds) || (!mds && count)) {
		*why = "no descriptors";
		return ERR_PTR(-EINVAL);
	}
	if (!md_dir_ok(dir)) {
		*why = "invalid direction";
		return ERR_PTR(-EINVAL);
	}
	for (i = 0; i < count; i++) {
		if (md_bad_at(mds[i], ip)) {
			*why = "invalid descriptor in the array";
			return ERR_PTR(-EINVAL);
		}
	}
	if (dir == DMA_NONE)
		dir = md_multi_dir(mds, count);
	for (i = 0; i < count; i++) {
		if (!md_dir_covers(mds[i]->dir, dir)) {
			*why = "the device writes a read-only descriptor";
			return ERR_PTR(-EINVAL);
		}
		if (check_add_overflow(len, mds[i]->len, &len)) {
			*why = "total length overflows";
			return ERR_PTR(-EINVAL);
		}
		depth = max(depth, mds[i]->depth);
	}
	if (depth >= DMACMD_MD_ITER_DEPTH) {
		*why = "descriptors nested too deeply";
		return ERR_PTR(-EINVAL);
	}

	md = md_new(DMACMD_MD_MULTI, len, dir, depth + 1, ip);
	if (!md)
		return ERR_PTR(-ENOMEM);
	if (!count)
		return md;
	md->multi.child = dmacmd_kvcalloc(count, sizeof(*md->multi.child));
	if (!md->multi.child) {
		md_destroy(md);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0, len = 0; i < count; i++) {
		dmacmd_md_hold(mds[i]);
		md->multi.child[i].md = mds[i];
		md->multi.child[i].start = len;
		len += mds[i]->len;
	}
	md->multi.count = count;
	return md;
}

/**
 * dmacmd_md_multi() - describe the concatenation of descriptors
 * @mds: the descriptors, in order; the new one holds a reference on each
 *	(the array itself is copied); may be NULL when @count is 0
 * @count: number of descriptors; 0 gives an empty descriptor
 * @dir: direction of the transfers: %DMA_NONE means the descriptors'
 *	(theirs if they agree, else %DMA_BIDIRECTIONAL, which descriptors
 *	the device only reads refuse); otherwise, if the device may write
 *	(anything but %DMA_TO_DEVICE), every descriptor must allow it too
 *
 * IOKit's IOMultiMemoryDescriptor::withDescriptors().  Descriptors may be
 * of any kind, sub-ranges and concatenations included, and may appear
 * more than once.  Preparing the concatenation prepares each of them, in
 * order, undoing those already done if one fails; completing it completes
 * each.  Physically adjacent ends of consecutive descriptors are merged
 * into one run.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @mds NULL with @count not 0, an invalid descriptor, total
 *   length overflows, nesting deeper than %DMACMD_MD_ITER_DEPTH, invalid
 *   @dir or one a descriptor does not allow
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_multi(struct dmacmd_md **mds, unsigned int count,
				  enum dma_data_direction dir)
{
	const char *why = NULL;
	struct dmacmd_md *md;

	md = md_multi_new(mds, count, dir, &why, _RET_IP_);
	if (IS_ERR(md) && PTR_ERR(md) != -ENOMEM)
		dmacmd_misuse(NULL, "bad concatenation %p[%u]: %s\n", mds,
			      count, why);
	return md;
}
EXPORT_SYMBOL_GPL(dmacmd_md_multi);
