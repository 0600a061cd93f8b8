/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every command and descriptor carries for misuse detection: whether
 * it is alive (a magic value that each entry point checks, poisoned at
 * release) and which module created it (per-module accounting, reported
 * when that module unloads).  Implemented in dmacmd_track.c.
 */
#ifndef _DMACMD_TRACK_H
#define _DMACMD_TRACK_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/types.h>

#include "dmacmd_debug.h"

/* The first word of a live command and descriptor, and of released ones. */
#define DMACMD_MAGIC_CMD		0x444d4331
#define DMACMD_MAGIC_MD			0x444d4431
#define DMACMD_MAGIC_CMD_RELEASED	0x6b434d44
#define DMACMD_MAGIC_MD_RELEASED	0x6b444d44

/* The objects of the API that dmacmd tracks. */
enum dmacmd_kind {
	DMACMD_KIND_CMD,	/* struct dmacmd */
	DMACMD_KIND_MD,		/* struct dmacmd_md */
	DMACMD_NR_KINDS
};

/* @slot of an object that is not in the table of live objects. */
#define DMACMD_NO_SLOT		U32_MAX

struct dmacmd_owner;

/**
 * struct dmacmd_track - identity, owner and fate of a command or descriptor
 * @magic: %DMACMD_MAGIC_CMD or %DMACMD_MAGIC_MD while the object is alive,
 *	the matching ``_RELEASED`` value from its release on
 * @slot: index in the table of live objects (dmacmd_track.c), or
 *	%DMACMD_NO_SLOT
 * @owner: accounting entry of the module whose code created the object
 * @ip: the address that created the object; after its release, the address
 *	that dropped the last reference
 * @qnode: entry in the quarantine of released objects
 *
 * The first member of &struct dmacmd and of &struct dmacmd_md: an object
 * starts at its track, so the quarantine frees it with kvfree() whatever
 * its kind.
 */
struct dmacmd_track {
	u32 magic;
	u32 slot;
	struct dmacmd_owner *owner;
	unsigned long ip;
	struct list_head qnode;
};

/**
 * struct dmacmd_track_ops - what the tracker asks of one kind of object
 * @refs: the references held on the object of @t
 * @put: drop one of them, as the kind's put function does
 */
struct dmacmd_track_ops {
	unsigned int (*refs)(struct dmacmd_track *t);
	void (*put)(struct dmacmd_track *t);
};

/* dmacmd_track.c: owners */
void dmacmd_track_init(struct dmacmd_track *t, enum dmacmd_kind kind,
		       unsigned long ip);
void dmacmd_track_pinned(const struct dmacmd_track *t, long pages);
void dmacmd_owner_untrack(struct dmacmd_track *t, enum dmacmd_kind kind);
long dmacmd_track_live(enum dmacmd_kind kind);
int dmacmd_owner_init(const struct dmacmd_track_ops *ops);
void dmacmd_owner_exit(void);
struct dentry;
void dmacmd_owner_debugfs(struct dentry *dir);

/* dmacmd_track.c: use after release */
void dmacmd_track_retire(struct dmacmd_track *t, enum dmacmd_kind kind,
			 size_t size);
bool __cold dmacmd_track_stale(const struct dmacmd_track *t,
			       enum dmacmd_kind kind, unsigned long ip);
void dmacmd_quarantine_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
struct module;

/**
 * struct dmacmd_owner_counts - what one module owns (for KUnit)
 * @cmds: live commands it created
 * @mds: live descriptors it created
 * @pinned: user pages pinned by its descriptors
 */
struct dmacmd_owner_counts {
	long cmds;
	long mds;
	long pinned;
};

/* For KUnit only (exported in namespace EXPORTED_FOR_KUNIT_TESTING). */
int dmacmd_owner_count(const struct module *mod,
		       struct dmacmd_owner_counts *c);
void dmacmd_owner_coming(struct module *mod);
bool dmacmd_owner_going(struct module *mod, char *line, size_t size);
unsigned int dmacmd_owner_reap(const char *name);
long dmacmd_cmd_live_count(void);
unsigned int dmacmd_quarantine_set(unsigned int max);
unsigned int dmacmd_quarantine_held(void);
#endif

/**
 * dmacmd_track_bad() - is this not a live object of @kind?
 * @obj: a command or descriptor pointer as a caller passed it
 * @kind: what it should be
 * @ip: the caller, named in the log line
 *
 * NULL and ERR_PTR() are bad; so is an object already released, logged as
 * such (dmacmd_track_stale()).  The track is each object's first member,
 * so @obj points at it.  Inline: every entry point asks, and a live
 * object costs one load and one compare.
 *
 * Return: true when @obj must not be used.
 */
static __always_inline bool dmacmd_track_bad(const void *obj,
					     enum dmacmd_kind kind,
					     unsigned long ip)
{
	const struct dmacmd_track *t = obj;
	u32 live = kind == DMACMD_KIND_CMD ? DMACMD_MAGIC_CMD : DMACMD_MAGIC_MD;

	if (IS_ERR_OR_NULL(obj))
		return true;
	if (!DMACMD_HOOKS || likely(t->magic == live))
		return false;
	return dmacmd_track_stale(t, kind, ip);
}

#endif /* _DMACMD_TRACK_H */
