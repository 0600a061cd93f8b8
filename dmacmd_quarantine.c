// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: use of a released command or descriptor.  Released objects are
 * poisoned, and the last few may be kept in a quarantine, so that a driver
 * that calls in with one gets an error and a log line instead of a use
 * after free.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poison.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "dmacmd_internal.h"

/**
 * DOC: Use after release
 *
 * A command and a descriptor carry a magic value from creation; their
 * release replaces it with a "released" value.  Every entry point checks
 * the value together with NULL and ERR_PTR() (one load and one compare on
 * the prepare, segment and complete paths), so a call with an object
 * already released is refused like one with NULL: the documented error
 * (-EINVAL where the function returns an int, NULL, 0 or false
 * otherwise) and a rate-limited line naming the caller and the code that
 * released it::
 *
 *   dmacmd: mydrv_irq+0x3c/0x90 [mydrv]: use of a released command
 *   (released by mydrv_close+0x51/0x70 [mydrv])
 *
 * (one line in the log), followed by the entry point's own misuse line
 * ("prepare of an invalid command"); a WARN is added under
 * ``strict``.  dmacmd_put() and dmacmd_md_put() of a released object do
 * nothing more, so a double release is caught too.
 *
 * The released object's memory is normally freed at once, and reading
 * its magic is then itself a use after free (which KASAN reports, and
 * which may meet a new object at the same address).  The ``quarantine``
 * module parameter keeps the last N released objects allocated, poisoned
 * (0x6b after the magic) and out of reach of the allocator, so that such a
 * call is always refused cleanly: set it while hunting a bug.  Lowering
 * it frees the oldest at once; unloading dmacmd frees them all.
 */

/*
 * Protects the quarantine: the list, its length and the parameter's value
 * as the trimming sees it.  Taken by every release while the quarantine is
 * on, and by the parameter's setter.
 */
static DEFINE_MUTEX(dmacmd_quarantine_lock);
static LIST_HEAD(dmacmd_quarantine);
static unsigned int dmacmd_quarantine_nr;
unsigned int dmacmd_quarantine_max;

/* Objects start at their track: kvfree() of the track frees the object. */
static_assert(offsetof(struct dmacmd, track) == 0);

static const u32 dmacmd_released_magic[DMACMD_NR_KINDS] = {
	[DMACMD_KIND_CMD] = DMACMD_MAGIC_CMD_RELEASED,
	[DMACMD_KIND_MD] = DMACMD_MAGIC_MD_RELEASED,
};

static const char *const dmacmd_kind_names[DMACMD_NR_KINDS] = {
	[DMACMD_KIND_CMD] = "command",
	[DMACMD_KIND_MD] = "memory descriptor",
};

/**
 * dmacmd_track_stale() - report a call with an object that is not alive
 * @t: what the caller passed, as a track
 * @kind: what it should be
 * @ip: the caller of the exported function
 *
 * The slow path of the entry points' validity checks.
 *
 * Context: Any context.
 * Return: true (the object is not valid).
 */
bool __cold dmacmd_track_stale(const struct dmacmd_track *t,
			       enum dmacmd_kind kind, unsigned long ip)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	if (__ratelimit(&rs)) {
		if (READ_ONCE(t->magic) == dmacmd_released_magic[kind])
			pr_err("%pS: use of a released %s (released by %pS)\n",
			       (void *)ip, dmacmd_kind_names[kind],
			       (void *)READ_ONCE(t->ip));
		else
			pr_err("%pS: use of a %s that is not one (released and freed, or a stray pointer)\n",
			       (void *)ip, dmacmd_kind_names[kind]);
	}
	WARN_ON_ONCE(dmacmd_strict);
	return true;
}

/* Move the oldest objects onto @out until at most @max stay. */
static void dmacmd_quarantine_trim(unsigned int max, struct list_head *out)
{
	lockdep_assert_held(&dmacmd_quarantine_lock);
	while (dmacmd_quarantine_nr > max) {
		list_move_tail(dmacmd_quarantine.next, out);
		dmacmd_quarantine_nr--;
	}
}

static void dmacmd_quarantine_free(struct list_head *list)
{
	struct dmacmd_track *t, *tmp;

	list_for_each_entry_safe(t, tmp, list, qnode)
		kvfree(t);
}

/**
 * dmacmd_track_retire() - free a released object, or quarantine it
 * @t: the object's track (its first member)
 * @kind: what the object is
 * @size: the object's size
 *
 * Called last by the release of a command or a descriptor, when nothing
 * of it is used any more; @t->ip says who dropped the last reference.
 *
 * Context: Process context; takes mutexes.
 */
void dmacmd_track_retire(struct dmacmd_track *t, enum dmacmd_kind kind,
			 size_t size)
{
	LIST_HEAD(drop);

	dmacmd_owner_untrack(t, kind);
	WRITE_ONCE(t->magic, dmacmd_released_magic[kind]);
	if (!READ_ONCE(dmacmd_quarantine_max)) {
		kvfree(t);
		return;
	}
	memset(t + 1, POISON_FREE, size - sizeof(*t));
	mutex_lock(&dmacmd_quarantine_lock);
	list_add_tail(&t->qnode, &dmacmd_quarantine);
	dmacmd_quarantine_nr++;
	dmacmd_quarantine_trim(dmacmd_quarantine_max, &drop);
	mutex_unlock(&dmacmd_quarantine_lock);
	dmacmd_quarantine_free(&drop);
}

/**
 * dmacmd_quarantine_resize() - set how many released objects stay
 * @max: the new limit; the oldest beyond it are freed now
 *
 * Context: Process context; takes a mutex.
 */
void dmacmd_quarantine_resize(unsigned int max)
{
	LIST_HEAD(drop);

	mutex_lock(&dmacmd_quarantine_lock);
	WRITE_ONCE(dmacmd_quarantine_max, max);
	dmacmd_quarantine_trim(max, &drop);
	mutex_unlock(&dmacmd_quarantine_lock);
	dmacmd_quarantine_free(&drop);
}

/* Module exit: free everything still in quarantine. */
void dmacmd_quarantine_exit(void)
{
	LIST_HEAD(drop);

	mutex_lock(&dmacmd_quarantine_lock);
	dmacmd_quarantine_trim(0, &drop);
	mutex_unlock(&dmacmd_quarantine_lock);
	dmacmd_quarantine_free(&drop);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * dmacmd_quarantine_set() - the ``quarantine`` parameter, for KUnit
 * @max: the new limit
 *
 * Context: Process context; takes a mutex.
 * Return: the previous limit.
 */
VISIBLE_IF_KUNIT unsigned int dmacmd_quarantine_set(unsigned int max)
{
	unsigned int old = READ_ONCE(dmacmd_quarantine_max);

	dmacmd_quarantine_resize(max);
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_quarantine_set);

/**
 * dmacmd_quarantine_held() - released objects not yet freed
 *
 * Context: Process context; takes a mutex.
 * Return: the number of objects in the quarantine.
 */
VISIBLE_IF_KUNIT unsigned int dmacmd_quarantine_held(void)
{
	unsigned int n;

	mutex_lock(&dmacmd_quarantine_lock);
	n = dmacmd_quarantine_nr;
	mutex_unlock(&dmacmd_quarantine_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_quarantine_held);
#endif /* CONFIG_KUNIT */
