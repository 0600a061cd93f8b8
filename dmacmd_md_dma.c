// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: DMA mappings that belong to a memory descriptor.
 *
 * IOKit keeps the mapping of a whole prepared descriptor with the
 * descriptor, not with the command that made it.  A driver may prepare a
 * descriptor, take its address from a command it then releases, and
 * program that address into its controller for as long as the descriptor
 * stays prepared (IOUSBFamily and AppleUSBXHCI do).  So here: a command
 * that maps the whole of a prepared descriptor hands the mapping over to
 * the descriptor; every command on the same descriptor and device uses it
 * from then on, and the descriptor's last complete unmaps it.
 *
 * That unmap syncs for the CPU, bringing home what the device wrote
 * through the mapping, except in the segments a command moved into a copy
 * buffer (kForceDoubleBuffer): the copy buffer brings their data home at
 * the command's complete, and the mapping (a swiotlb slot) holds only
 * what they held before.  A segment a command hands to the device again
 * is the device's again.  A segment that two commands' ranges share is as
 * the last of them left it.
 */
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/**
 * dmacmd_md_dma_get() - use the mapping a descriptor keeps for a device
 * @md: the descriptor
 * @dev: the device
 *
 * While the mapping is in use, @md is held prepared, so that its last
 * complete cannot unmap what a command still hands out; dmacmd_md_dma_put()
 * gives both back.
 *
 * Context: Process context; takes @md's mutex when @md keeps a mapping.
 * Return: the mapping, or NULL when @md keeps none for @dev.
 */
struct dmacmd_md_dma *dmacmd_md_dma_get(struct dmacmd_md *md,
					struct device *dev)
{
	struct dmacmd_md_dma *d, *found = NULL;

	/* Only adoption adds to the list: an empty one needs no lock. */
	if (list_empty_careful(&md->dma_maps))
		return NULL;
	mutex_lock_nested(&md->lock, md->depth - 1);
	list_for_each_entry(d, &md->dma_maps, node) {
		if (d->dev == dev && md->prepared < UINT_MAX) {
			WRITE_ONCE(md->prepared, md->prepared + 1);
			d->users++;
			found = d;
			break;
		}
	}
	mutex_unlock(&md->lock);
	return found;
}

/**
 * dmacmd_md_dma_adopt() - hand a mapping of a whole descriptor to it
 * @md: the descriptor, prepared
 * @dev: the device the mapping is for
 * @dir: the direction it was mapped with
 * @sgt: the mapped table; its entries are copied, the mapping itself
 *	changes hands: the caller must no longer unmap it
 * @out: the descriptor's mapping, in use by the caller
 *
 * Context: Process context; allocates and takes @md's mutex.
 * Return:
 *
 * * %0 - @md owns the mapping; the caller uses it through *@out
 * * %-EBUSY - @md is not prepared or already keeps a mapping for @dev:
 *   the mapping stays the caller's
 * * %-ENOMEM - the same, for want of memory
 */
int dmacmd_md_dma_adopt(struct dmacmd_md *md, struct device *dev,
			enum dma_data_direction dir, const struct sg_table *sgt,
			struct dmacmd_md_dma **out)
{
	struct dmacmd_md_dma *d, *other;
	int ret = 0;

	/* The usual case costs no allocation: checked again under the lock. */
	if (!READ_ONCE(md->prepared))
		return -EBUSY;
	d = dmacmd_kzalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->sgt.sgl = dmacmd_kvcalloc(sgt->orig_nents, sizeof(*d->sgt.sgl));
	if (!d->sgt.sgl) {
		kfree(d);
		return -ENOMEM;
	}
	memcpy(d->sgt.sgl, sgt->sgl, sgt->orig_nents * sizeof(*d->sgt.sgl));
	d->sgt.orig_nents = sgt->orig_nents;
	d->sgt.nents = sgt->nents;
	d->dir = dir;
	d->users = 1;

	mutex_lock_nested(&md->lock, md->depth - 1);
	if (!md->prepared || md->prepared == UINT_MAX)
		ret = -EBUSY;
	list_for_each_entry(other, &md->dma_maps, node)
		if (other->dev == dev)
			ret = -EBUSY;
	if (!ret) {
		d->dev = get_device(dev);
		list_add_tail(&d->node, &md->dma_maps);
		WRITE_ONCE(md->prepared, md->prepared + 1);
	}
	mutex_unlock(&md->lock);
	if (ret) {
		kvfree(d->sgt.sgl);
		kfree(d);
		return ret;
	}
	*out = d;
	return 0;
}

/**
 * dmacmd_md_dma_put() - stop using a descriptor's mapping
 * @md: the descriptor
 * @d: its mapping, from dmacmd_md_dma_get() or dmacmd_md_dma_adopt()
 *
 * Gives back the use and the prepare they held; when that was the last
 * prepare of @md, the mapping is unmapped with the rest of the
 * preparation.
 *
 * Context: Process context; takes @md's mutex.
 */
void dmacmd_md_dma_put(struct dmacmd_md *md, struct dmacmd_md_dma *d)
{
	mutex_lock_nested(&md->lock, md->depth - 1);
	d->users--;
	mutex_unlock(&md->lock);
	md_complete(md);
}

/**
 * dmacmd_md_dma_home_reserve() - make room to mark parts of a kept mapping
 * @md: the descriptor
 * @d: its mapping, in use by the caller
 *
 * The marks of dmacmd_md_dma_home() take a bitmap, which only a mapping
 * that a command moves into a copy buffer needs: it is allocated here,
 * before the caller changes anything, rather than for every mapping.
 *
 * Context: Process context; may sleep; takes @md's mutex.
 * Return: 0, or -ENOMEM.
 */
int dmacmd_md_dma_home_reserve(struct dmacmd_md *md, struct dmacmd_md_dma *d)
{
	unsigned long *home;

	if (READ_ONCE(d->home))
		return 0;
	home = dmacmd_kvcalloc(BITS_TO_LONGS(d->sgt.nents), sizeof(*home));
	if (!home)
		return -ENOMEM;
	mutex_lock_nested(&md->lock, md->depth - 1);
	if (!d->home)
		swap(d->home, home);
	mutex_unlock(&md->lock);
	kvfree(home);
	return 0;
}

/**
 * dmacmd_md_dma_home() - whose the data of a part of a kept mapping is
 * @md: the descriptor
 * @d: its mapping, in use by the caller
 * @offset: start of the part within the descriptor
 * @len: bytes
 * @home: the part's data came home for good, and reaches memory from now
 *	on by another way (a command's copy buffer): the last complete must
 *	not copy it back (dmacmd_md_dma_home_reserve() first); false: the
 *	part is the device's again
 *
 * Marks every DMA segment of @d that the part touches.
 *
 * Context: Process context; takes @md's mutex (only for @home, or when
 * some segment is marked).
 */
void dmacmd_md_dma_home(struct dmacmd_md *md, struct dmacmd_md_dma *d,
			u64 offset, u64 len, bool home)
{
	struct scatterlist *sg;
	u64 pos = 0, end = offset + len;
	unsigned int i;

	if (!home && !READ_ONCE(d->any_home))
		return;
	mutex_lock_nested(&md->lock, md->depth - 1);
	if (!d->home)
		goto out;
	for_each_sgtable_dma_sg(&d->sgt, sg, i) {
		if (pos >= end)
			break;
		if (pos + sg_dma_len(sg) > offset) {
			if (home)
				__set_bit(i, d->home);
			else
				__clear_bit(i, d->home);
		}
		pos += sg_dma_len(sg);
	}
	WRITE_ONCE(d->any_home, !bitmap_empty(d->home, d->sgt.nents));
out:
	mutex_unlock(&md->lock);
}

/* Unmap @d, syncing for the CPU the segments that are not home. */
static void md_dma_unmap(struct dmacmd_md_dma *d)
{
	struct scatterlist *sg;
	unsigned int i;

	if (!d->any_home || d->dir == DMA_TO_DEVICE) {
		dmacmd_dma_unmap_sgtable(d->dev, &d->sgt, d->dir, 0);
		return;
	}
	for_each_sgtable_dma_sg(&d->sgt, sg, i)
		if (!test_bit(i, d->home))
			dma_sync_single_for_cpu(d->dev, sg_dma_address(sg),
						sg_dma_len(sg), d->dir);
	dmacmd_dma_unmap_sgtable(d->dev, &d->sgt, d->dir,
				 DMA_ATTR_SKIP_CPU_SYNC);
}

/* Prepares of @md that uses of its kept mappings hold; @md's mutex held. */
unsigned int md_dma_users(struct dmacmd_md *md)
{
	struct dmacmd_md_dma *d;
	unsigned int n = 0;

	lockdep_assert_held(&md->lock);
	list_for_each_entry(d, &md->dma_maps, node)
		n += d->users;
	return n;
}

/*
 * Unmap and free every mapping @md keeps: its last complete.  The unmap
 * syncs for the CPU, so what a device wrote through a bounced mapping
 * (swiotlb) reaches memory, as IOKit's complete brings it home; segments
 * whose data came home by another way are left as they are.  Called
 * with @md's mutex held; nothing uses the mappings any more, since each
 * use holds a prepare.
 */
void md_dma_unmap_all(struct dmacmd_md *md)
{
	struct dmacmd_md_dma *d, *next;

	list_for_each_entry_safe(d, next, &md->dma_maps, node) {
		list_del(&d->node);
		md_dma_unmap(d);
		put_device(d->dev);
		kvfree(d->home);
		kvfree(d->sgt.sgl);
		kfree(d);
	}
}
