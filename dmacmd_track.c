// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: tracking of commands and descriptors.  Each is counted for the
 * module that created it, and a module that unloads with some still
 * alive is reported (owners); released objects are poisoned, and the last
 * few may be kept in a quarantine, so that a driver that calls in with one
 * gets an error and a log line instead of a use after free.
 */
#include <linux/debugfs.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/poison.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "dmacmd_debug.h"
#include "dmacmd_track.h"

/* ------------------------------------------------------------------ */
/* Owners                                                              */

/**
 * DOC: Owners
 *
 * Every command and descriptor records its owner: the module whose code
 * called the constructor (dmacmd_create(), dmacmd_clone(), the
 * dmacmd_md_*() constructors; the porting headers' wrappers are inline,
 * so their code belongs to the driver that includes them).  dmacmd hears
 * of each module as it loads, through a module notifier, and finds the
 * caller's module by address among them (within_module(); the kernel's
 * __module_address() is not exported).  Every module that calls dmacmd
 * loads after it, since it needs dmacmd's symbols; code built into the
 * kernel, and anything dmacmd has no entry for, counts as ``(built-in)``.
 *
 * Each owner counts its live commands and descriptors and the user pages
 * its descriptors keep pinned.  The counts change when an object is created
 * or released (under one mutex), never on the prepare, segment, sync or
 * complete paths.  A descriptor handed to another module, which keeps a
 * reference on it, still counts for the module that created it.
 *
 * When a module unloads (after its exit function ran) with objects it
 * created still alive, one line names it and the counts::
 *
 *   dmacmd: module foo unloads with 2 commands and 1 memory descriptor alive (leaked)
 *
 * with a WARN only under the ``strict`` parameter.  The objects are left
 * alone: a command may still be mapped for a device that is running.
 * ``/sys/kernel/debug/dmacmd/owners`` starts with the module-wide totals
 * (``live commands N, live descriptors M``: the sum over the owners, the
 * module's one count of live objects), then lists every owner with its
 * counts; one that unloaded leaving objects is marked ``(unloaded)`` until
 * they are gone.
 *
 * For tests and development, writing an unloaded module's name to
 * ``/sys/kernel/debug/dmacmd/reap`` drops the reference it left on each of
 * its commands, then each of its descriptors, as dmacmd_put() and
 * dmacmd_md_put() would, where that reference is the only one left: an
 * object that anything else holds (another reference, or one of dmacmd's
 * own objects: a command's memory, a sub-range's parent, a concatenation's
 * part) is kept, and goes with its holder.  Each object is taken under the
 * lock, so two writers never drop the same reference.  Only for memory no
 * device still uses.
 *
 * dmacmd keeps a table of the live objects for that; the table is not
 * scanned by kmemleak, so a driver that loses its last pointer to a
 * command or descriptor is still reported by kmemleak as leaking it.
 */

/**
 * struct dmacmd_owner - what one module owns
 * @node: entry in dmacmd_owners
 * @mod: the module, NULL for the built-in entry and once it has unloaded
 * @gone: the module has unloaded; the entry lives on while objects do
 * @live: commands and descriptors it created that are alive
 * @pinned: user pages its descriptors keep pinned
 * @name: the module's name
 */
struct dmacmd_owner {
	struct list_head node;
	struct module *mod;
	bool gone;
	long live[DMACMD_NR_KINDS];
	atomic_long_t pinned;
	char name[MODULE_NAME_LEN];
};

/*
 * Protects dmacmd_owners (every entry's @mod, @gone and @live) and the
 * table of live objects.  Taken by every constructor and by the release of
 * every object, by the module notifier, debugfs and the reaper; nothing is
 * called with it held but the allocator.
 */
static DEFINE_MUTEX(dmacmd_owners_lock);
static LIST_HEAD(dmacmd_owners);

static struct dmacmd_owner dmacmd_owner_builtin = {
	.pinned = ATOMIC_LONG_INIT(0),
	.name = "(built-in)",
};

/*
 * Every live object, for the reaper: an array of pointers that kmemleak
 * does not scan (kmemleak_no_scan()), so that dmacmd's own record of an
 * object does not hide its caller's leak of it.  An object whose slot
 * could not be allocated is only counted.
 */
static struct dmacmd_track **dmacmd_objs;
static u32 dmacmd_nr_objs;
static u32 dmacmd_objs_cap;

static void dmacmd_objs_add(struct dmacmd_track *t)
{
	struct dmacmd_track **objs;
	u32 cap;

	lockdep_assert_held(&dmacmd_owners_lock);
	t->slot = DMACMD_NO_SLOT;
	if (dmacmd_nr_objs == dmacmd_objs_cap) {
		if (dmacmd_objs_cap > (DMACMD_NO_SLOT - 1) / 2)
			return;
		cap = dmacmd_objs_cap ? 2 * dmacmd_objs_cap : 64;
		objs = kvmalloc_array(cap, sizeof(*objs),
				      GFP_KERNEL | __GFP_NOWARN);
		if (!objs)
			return;
		kmemleak_no_scan(objs);
		if (dmacmd_nr_objs)
			memcpy(objs, dmacmd_objs,
			       dmacmd_nr_objs * sizeof(*objs));
		kvfree(dmacmd_objs);
		dmacmd_objs = objs;
		dmacmd_objs_cap = cap;
	}
	t->slot = dmacmd_nr_objs;
	dmacmd_objs[dmacmd_nr_objs++] = t;
}

static void dmacmd_objs_del(struct dmacmd_track *t)
{
	struct dmacmd_track *last;

	lockdep_assert_held(&dmacmd_owners_lock);
	if (t->slot == DMACMD_NO_SLOT)
		return;
	last = dmacmd_objs[--dmacmd_nr_objs];
	dmacmd_objs[t->slot] = last;
	last->slot = t->slot;
	t->slot = DMACMD_NO_SLOT;
}

/* The entry of the loaded module holding the code at @ip. */
static struct dmacmd_owner *dmacmd_owner_find(unsigned long ip)
{
	struct dmacmd_owner *o;

	lockdep_assert_held(&dmacmd_owners_lock);
	list_for_each_entry(o, &dmacmd_owners, node)
		if (o->mod && within_module(ip, o->mod))
			return o;
	return &dmacmd_owner_builtin;
}

static struct dmacmd_owner *dmacmd_owner_of(const struct module *mod)
{
	struct dmacmd_owner *o;

	lockdep_assert_held(&dmacmd_owners_lock);
	list_for_each_entry(o, &dmacmd_owners, node)
		if (o->mod == mod)
			return o;
	return NULL;
}

/**
 * dmacmd_track_init() - start tracking a new object
 * @t: the object's track
 * @kind: what the object is
 * @ip: the address that called the exported constructor
 *
 * Marks the object alive and counts it for the module holding @ip.
 *
 * Context: Process context; takes a mutex and may allocate.
 */
void dmacmd_track_init(struct dmacmd_track *t, enum dmacmd_kind kind,
		       unsigned long ip)
{
	struct dmacmd_owner *o;

	t->magic = kind == DMACMD_KIND_CMD ? DMACMD_MAGIC_CMD : DMACMD_MAGIC_MD;
	t->ip = ip;
	INIT_LIST_HEAD(&t->qnode);
	mutex_lock(&dmacmd_owners_lock);
	o = dmacmd_owner_find(ip);
	o->live[kind]++;
	t->owner = o;
	dmacmd_objs_add(t);
	mutex_unlock(&dmacmd_owners_lock);
}

/**
 * dmacmd_track_live() - objects of one kind alive in the whole module
 * @kind: what to count
 *
 * The sum of every owner's count: the module's one count of live objects,
 * which the tests, debugfs and the unload check read.
 *
 * Context: Process context; takes a mutex.
 * Return: commands or descriptors created and not yet released.
 */
long dmacmd_track_live(enum dmacmd_kind kind)
{
	struct dmacmd_owner *o;
	long n;

	/* The built-in entry is on the list too. */
	mutex_lock(&dmacmd_owners_lock);
	n = 0;
	list_for_each_entry(o, &dmacmd_owners, node)
		n += o->live[kind];
	mutex_unlock(&dmacmd_owners_lock);
	return n;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * dmacmd_cmd_live_count() - commands alive in the whole module
 *
 * Context: Process context; takes a mutex.
 * Return: the number of commands created and not yet freed.
 */
VISIBLE_IF_KUNIT long dmacmd_cmd_live_count(void)
{
	return dmacmd_track_live(DMACMD_KIND_CMD);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_cmd_live_count);
#endif

/**
 * dmacmd_track_pinned() - count user pages pinned or unpinned for an owner
 * @t: the descriptor's track
 * @pages: pages pinned (negative: unpinned)
 *
 * Context: Any context.
 */
void dmacmd_track_pinned(const struct dmacmd_track *t, long pages)
{
	/* The entry lives at least as long as the descriptor. */
	if (t->owner)
		atomic_long_add(pages, &t->owner->pinned);
}

/**
 * dmacmd_owner_untrack() - stop tracking an object being released
 * @t: the object's track
 * @kind: what the object is
 *
 * The last object of a module that has unloaded frees its entry.
 *
 * Context: Process context; takes a mutex.
 */
void dmacmd_owner_untrack(struct dmacmd_track *t, enum dmacmd_kind kind)
{
	struct dmacmd_owner *o = t->owner, *dead = NULL;

	mutex_lock(&dmacmd_owners_lock);
	dmacmd_objs_del(t);
	if (o) {
		o->live[kind]--;
		if (o->gone && !o->live[DMACMD_KIND_CMD] &&
		    !o->live[DMACMD_KIND_MD]) {
			list_del(&o->node);
			dead = o;
		}
	}
	mutex_unlock(&dmacmd_owners_lock);
	t->owner = NULL;
	kfree(dead);
}

/**
 * dmacmd_owner_coming() - give a loading module an accounting entry
 * @mod: the module
 *
 * The module notifier's %MODULE_STATE_COMING.  Without memory the module's
 * objects count as built-in.
 *
 * Context: Process context; takes a mutex and may allocate.
 */
VISIBLE_IF_KUNIT void dmacmd_owner_coming(struct module *mod)
{
	struct dmacmd_owner *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return;
	o->mod = mod;
	atomic_long_set(&o->pinned, 0);
	strscpy(o->name, module_name(mod), sizeof(o->name));
	mutex_lock(&dmacmd_owners_lock);
	if (dmacmd_owner_of(mod)) {
		mutex_unlock(&dmacmd_owners_lock);
		kfree(o);
		return;
	}
	list_add_tail(&o->node, &dmacmd_owners);
	mutex_unlock(&dmacmd_owners_lock);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_owner_coming);

static void dmacmd_owner_line(const struct dmacmd_owner *o, char *line,
			      size_t size)
{
	long cmds = o->live[DMACMD_KIND_CMD], mds = o->live[DMACMD_KIND_MD];
	long pinned = atomic_long_read(&o->pinned);
	int n;

	n = scnprintf(line, size,
		      "module %s unloads with %ld command%s and %ld memory descriptor%s alive (leaked)",
		      o->name, cmds, cmds == 1 ? "" : "s", mds,
		      mds == 1 ? "" : "s");
	if (pinned)
		scnprintf(line + n, size - n, ", %ld user page%s pinned",
			  pinned, pinned == 1 ? "" : "s");
}

/**
 * dmacmd_owner_going() - report what an unloading module left alive
 * @mod: the module
 * @line: filled with the report (without the "dmacmd: " prefix), or ""
 * @size: bytes at @line
 *
 * The module notifier's %MODULE_STATE_GOING, which the kernel sends after
 * the module's exit function.  A module that owns live objects is logged
 * (a WARN too under ``strict``); its entry stays, marked unloaded, until
 * they are released.
 *
 * Context: Process context; takes a mutex.
 * Return: true if the module left objects alive.
 */
VISIBLE_IF_KUNIT bool dmacmd_owner_going(struct module *mod, char *line,
					 size_t size)
{
	struct dmacmd_owner *o, *dead = NULL;
	bool leaked = false;

	if (size)
		line[0] = '\0';
	mutex_lock(&dmacmd_owners_lock);
	o = dmacmd_owner_of(mod);
	if (o) {
		o->mod = NULL;
		o->gone = true;
		if (o->live[DMACMD_KIND_CMD] || o->live[DMACMD_KIND_MD]) {
			dmacmd_owner_line(o, line, size);
			leaked = true;
		} else {
			list_del(&o->node);
			dead = o;
		}
	}
	mutex_unlock(&dmacmd_owners_lock);
	kfree(dead);
	if (leaked) {
		pr_err("%s\n", line);
		WARN_ON_ONCE(dmacmd_strict);
	}
	return leaked;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_owner_going);

/* Built into a kernel without CONFIG_MODULES, it is never called. */
static int dmacmd_owner_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
#ifdef CONFIG_MODULES
	char line[MODULE_NAME_LEN + 128];

	if (action == MODULE_STATE_COMING)
		dmacmd_owner_coming(data);
	else if (action == MODULE_STATE_GOING)
		dmacmd_owner_going(data, line, sizeof(line));
#endif
	return NOTIFY_OK;
}

static struct notifier_block dmacmd_owner_nb = {
	.notifier_call = dmacmd_owner_notify,
};

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * dmacmd_owner_count() - what a loaded module owns
 * @mod: the module; NULL for the built-in entry
 * @c: filled with its counts
 *
 * Context: Process context; takes a mutex.
 * Return: 0, or -ENOENT if dmacmd has no entry for @mod.
 */
VISIBLE_IF_KUNIT int dmacmd_owner_count(const struct module *mod,
					struct dmacmd_owner_counts *c)
{
	struct dmacmd_owner *o;

	mutex_lock(&dmacmd_owners_lock);
	o = mod ? dmacmd_owner_of(mod) : &dmacmd_owner_builtin;
	if (o) {
		c->cmds = o->live[DMACMD_KIND_CMD];
		c->mds = o->live[DMACMD_KIND_MD];
		c->pinned = atomic_long_read(&o->pinned);
	}
	mutex_unlock(&dmacmd_owners_lock);
	return o ? 0 : -ENOENT;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_owner_count);
#endif

/* What the reaper asks of each kind of object (dmacmd_owner_init()). */
static const struct dmacmd_track_ops *dmacmd_kind_ops;

/*
 * An object of kind @kind whose only reference is the one the module
 * @name left (none of dmacmd's objects holds it), taken out of the table
 * so that a second reaper cannot drop the same reference.
 */
static struct dmacmd_track *dmacmd_owner_orphan(const char *name,
						enum dmacmd_kind kind)
{
	struct dmacmd_track *t;
	u32 i;

	lockdep_assert_held(&dmacmd_owners_lock);
	for (i = 0; i < dmacmd_nr_objs; i++) {
		t = dmacmd_objs[i];
		if (t->owner->gone && !strcmp(t->owner->name, name) &&
		    t->magic == (kind == DMACMD_KIND_CMD ? DMACMD_MAGIC_CMD :
							  DMACMD_MAGIC_MD) &&
		    dmacmd_kind_ops[kind].refs(t) == 1) {
			dmacmd_objs_del(t);
			return t;
		}
	}
	return NULL;
}

/**
 * dmacmd_owner_reap() - release what an unloaded module left alive
 * @name: the module's name
 *
 * Drops the one reference left on each command, then on each descriptor,
 * that the module @name created before it unloaded, one at a time so that
 * a command's release can free its descriptor first.  An object that
 * something else still holds a reference on, a module or one of dmacmd's
 * own objects, is kept.
 *
 * Context: Process context; may sleep.
 * Return: the number of objects released.
 */
VISIBLE_IF_KUNIT unsigned int dmacmd_owner_reap(const char *name)
{
	unsigned int done[DMACMD_NR_KINDS] = {}, budget;
	struct dmacmd_track *t;
	enum dmacmd_kind kind;

	mutex_lock(&dmacmd_owners_lock);
	budget = dmacmd_nr_objs;
	mutex_unlock(&dmacmd_owners_lock);
	for (kind = DMACMD_KIND_CMD; kind < DMACMD_NR_KINDS; kind++) {
		while (budget) {
			mutex_lock(&dmacmd_owners_lock);
			t = dmacmd_owner_orphan(name, kind);
			mutex_unlock(&dmacmd_owners_lock);
			if (!t)
				break;
			dmacmd_kind_ops[kind].put(t);
			done[kind]++;
			budget--;
		}
	}
	if (done[DMACMD_KIND_CMD] || done[DMACMD_KIND_MD])
		pr_info("reaped what module %s left: %u command(s), %u memory descriptor(s)\n",
			name, done[DMACMD_KIND_CMD], done[DMACMD_KIND_MD]);
	return done[DMACMD_KIND_CMD] + done[DMACMD_KIND_MD];
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_owner_reap);

static int dmacmd_owners_show(struct seq_file *m, void *unused)
{
	struct dmacmd_owner *o;

	seq_printf(m, "live commands %ld, live descriptors %ld\n",
		   dmacmd_track_live(DMACMD_KIND_CMD),
		   dmacmd_track_live(DMACMD_KIND_MD));
	mutex_lock(&dmacmd_owners_lock);
	list_for_each_entry(o, &dmacmd_owners, node)
		seq_printf(m, "%-24s commands=%ld descriptors=%ld pinned_pages=%ld%s\n",
			   o->name, o->live[DMACMD_KIND_CMD],
			   o->live[DMACMD_KIND_MD],
			   atomic_long_read(&o->pinned),
			   o->gone ? " (unloaded)" : "");
	mutex_unlock(&dmacmd_owners_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmacmd_owners);

static ssize_t dmacmd_reap_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char name[MODULE_NAME_LEN];

	if (!len || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	if (!dmacmd_owner_reap(strim(name)))
		return -ENOENT;
	return len;
}

static const struct file_operations dmacmd_reap_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = dmacmd_reap_write,
};

/**
 * dmacmd_owner_debugfs() - create the owners' debugfs files
 * @dir: dmacmd's debugfs directory
 */
void dmacmd_owner_debugfs(struct dentry *dir)
{
	debugfs_create_file("owners", 0444, dir, NULL, &dmacmd_owners_fops);
	debugfs_create_file("reap", 0200, dir, NULL, &dmacmd_reap_fops);
}

/**
 * dmacmd_owner_init() - start accounting objects to modules
 * @ops: per &enum dmacmd_kind, how to read an object's references and drop
 *	one (for the reaper), so that this file needs no object's insides
 *
 * Context: Process context, at module init.
 * Return: 0 or the error of register_module_notifier().
 */
int dmacmd_owner_init(const struct dmacmd_track_ops *ops)
{
	dmacmd_kind_ops = ops;
	list_add(&dmacmd_owner_builtin.node, &dmacmd_owners);
	return register_module_notifier(&dmacmd_owner_nb);
}

void dmacmd_owner_exit(void)
{
	struct dmacmd_owner *o, *tmp;

	unregister_module_notifier(&dmacmd_owner_nb);
	mutex_lock(&dmacmd_owners_lock);
	list_for_each_entry_safe(o, tmp, &dmacmd_owners, node) {
		list_del(&o->node);
		if (o != &dmacmd_owner_builtin)
			kfree(o);
	}
	kvfree(dmacmd_objs);
	dmacmd_objs = NULL;
	dmacmd_nr_objs = 0;
	dmacmd_objs_cap = 0;
	mutex_unlock(&dmacmd_owners_lock);
}

/* ------------------------------------------------------------------ */
/* Use after release                                                   */

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
static unsigned int dmacmd_quarantine_max;

/*
 * Objects start at their track (asserted where each is defined): kvfree()
 * of the track frees the object.
 */

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
static void dmacmd_quarantine_resize(unsigned int max)
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

static int dmacmd_quarantine_param_set(const char *val,
				       const struct kernel_param *kp)
{
	unsigned int max;
	int ret = kstrtouint(val, 0, &max);

	if (ret)
		return ret;
	dmacmd_quarantine_resize(max);
	return 0;
}

static const struct kernel_param_ops dmacmd_quarantine_ops = {
	.set = dmacmd_quarantine_param_set,
	.get = param_get_uint,
};
module_param_cb(quarantine, &dmacmd_quarantine_ops, &dmacmd_quarantine_max,
		0644);
MODULE_PARM_DESC(quarantine,
		 "Released objects kept poisoned before they are freed, to catch their use (default 0)");

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
