/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every command and descriptor carries for misuse detection: whether
 * it is alive (a magic value that each entry point checks, poisoned at
 * release; dmacmd_quarantine.c).
 */
#ifndef _DMACMD_TRACK_H
#define _DMACMD_TRACK_H

#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/types.h>

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

/**
 * struct dmacmd_track - identity and fate of a command or descriptor
 * @magic: %DMACMD_MAGIC_CMD or %DMACMD_MAGIC_MD while the object is alive,
 *	the matching ``_RELEASED`` value from its release on
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
	unsigned long ip;
	struct list_head qnode;
};

/* Mark a new object alive; @ip called the exported constructor. */
static inline void dmacmd_track_init(struct dmacmd_track *t,
				     enum dmacmd_kind kind, unsigned long ip)
{
	t->magic = kind == DMACMD_KIND_CMD ? DMACMD_MAGIC_CMD : DMACMD_MAGIC_MD;
	t->ip = ip;
	INIT_LIST_HEAD(&t->qnode);
}

/* dmacmd_quarantine.c */
void dmacmd_track_retire(struct dmacmd_track *t, enum dmacmd_kind kind,
			 size_t size);
bool __cold dmacmd_track_stale(const struct dmacmd_track *t,
			       enum dmacmd_kind kind, unsigned long ip);
void dmacmd_quarantine_resize(unsigned int max);
void dmacmd_quarantine_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
/* For KUnit only (exported in namespace EXPORTED_FOR_KUNIT_TESTING). */
unsigned int dmacmd_quarantine_set(unsigned int max);
unsigned int dmacmd_quarantine_held(void);
#endif

#endif /* _DMACMD_TRACK_H */
