/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory descriptor itself, private to the files that implement it:
 * dmacmd_md.c (objects, constructors, prepare and complete),
 * dmacmd_md_compose.c (sub-ranges and concatenations), dmacmd_md_walk.c
 * (the walk and copies), dmacmd_md_user.c (user memory),
 * dmacmd_md_alloc.c (allocated buffers) and dmacmd_md_dma.c (kept
 * mappings).  Everything else reads a descriptor through dmacmd_md.h.
 */
#ifndef _DMACMD_MD_IMPL_H
#define _DMACMD_MD_IMPL_H

#include <linux/dma-direction.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/dmacmd.h>

#include "dmacmd_md.h"
#include "dmacmd_track.h"

enum dmacmd_md_kind {
	DMACMD_MD_CHUNKS,
	DMACMD_MD_PAGES,
	DMACMD_MD_USER,
	DMACMD_MD_SGT,
	DMACMD_MD_SUB,
	DMACMD_MD_MULTI,
};

/* A physically contiguous piece of a chunks descriptor. */
struct dmacmd_md_chunk {
	u64 start;		/* offset within the descriptor */
	u64 len;
	phys_addr_t phys;
	bool has_page;		/* pfn_valid() throughout */
};

/* One descriptor of a concatenation. */
struct dmacmd_md_child {
	struct dmacmd_md *md;
	u64 start;		/* offset of @md within the concatenation */
};

struct dmacmd_md {
	struct dmacmd_track track;	/* alive or released; owner */
	refcount_t ref;
	atomic_t held;			/* of @ref: held by dmacmd's objects */
	enum dmacmd_md_kind kind;
	enum dma_data_direction dir;
	unsigned int depth;		/* levels of the tree, this one included */
	u64 len;
	void *kaddr;			/* CPU address of byte 0, or NULL */
	bool owns_memory;		/* an allocated buffer: always wired */
	size_t capacity;		/* bytes allocated, if @owns_memory */
	bool vmapped;			/* @kaddr comes from vmap() */
	/* Protects @prepared, @complete_deferred, @dma_maps, @user.pages. */
	struct mutex lock;
	unsigned int prepared;		/* prepare nesting count */
	/* Commands whose prepared range is this memory (dmacmd_md_dma_begin). */
	atomic_t in_dma;
	/* A last complete waits for @in_dma to reach 0. */
	bool complete_deferred;
	/* Mappings kept while prepared (dmacmd_md_dma.c). */
	struct list_head dma_maps;
	union {
		struct {
			struct dmacmd_md_chunk *chunk;
			unsigned long count;
			struct dmacmd_md_chunk one;	/* @chunk when count is 1 */
		} chunks;
		struct {
			struct page **pages;
			unsigned long count;
			unsigned int first;		/* offset into pages[0] */
		} pages;
		struct {
			unsigned long addr;
			unsigned long npages;
			struct mm_struct *mm;		/* mmgrab()ed */
			struct page **pages;		/* NULL unless pinned */
			bool ro;			/* pinned without FOLL_WRITE */
		} user;
		struct {
			struct sg_table *sgt;		/* borrowed */
		} sgt;
		struct {
			struct dmacmd_md *parent;
			u64 offset;
		} sub;
		struct {
			struct dmacmd_md_child *child;
			unsigned int count;
		} multi;
	};
};

/* Why a user range could not be pinned, for the caller's log line. */
struct dmacmd_md_fault {
	const char *why;
	unsigned long off;	/* into the user range: no address is logged */
};

/* Objects start at their track (the quarantine frees them through it). */
static_assert(offsetof(struct dmacmd_md, track) == 0);

/*
 * The validity check of every entry point: NULL, an ERR_PTR(), or a
 * descriptor already released (one load and compare; a released one is
 * logged as such, naming the caller at @ip).  md_bad() expands in the
 * exported function, so that _RET_IP_ is its caller.
 */
static __always_inline bool md_bad_at(const struct dmacmd_md *md,
				      unsigned long ip)
{
	static_assert(offsetof(struct dmacmd_md, track) == 0);
	return dmacmd_track_bad(md, DMACMD_KIND_MD, ip);
}

#define md_bad(md)	md_bad_at(md, _RET_IP_)

/* DMA_NONE is IOKit's kIODirectionNone: unspecified, used both ways. */
static inline bool md_dir_ok(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE ||
	       dir == DMA_FROM_DEVICE || dir == DMA_NONE;
}

/* May the device write the memory (IOKit's kIODirectionIn)? */
static inline bool md_dir_dev_writes(enum dma_data_direction dir)
{
	return dir != DMA_TO_DEVICE;
}

/*
 * Every allocation and pin of a descriptor goes through a failure site
 * (see "DOC: Fault injection" in dmacmd_debug.c): these, the pin in
 * dmacmd_md_user.c, and dmacmd_kzalloc()/dmacmd_kvcalloc().
 */
struct page *dmacmd_md_page_alloc(gfp_t gfp, unsigned int order);
void dmacmd_md_page_free(struct page *page, unsigned int order);
int dmacmd_md_range_alloc(unsigned long pfn, unsigned long nr);
void *dmacmd_md_vmap(struct page **pages, unsigned int count);

/* dmacmd_md.c */
struct dmacmd_md *md_new(enum dmacmd_md_kind kind, u64 len,
			 enum dma_data_direction dir,
			 unsigned int depth, unsigned long ip);
void md_destroy(struct dmacmd_md *md);
const char *md_held(struct dmacmd_md *md);
struct dmacmd_md *md_empty_new(enum dma_data_direction dir, const char **why,
			       unsigned long ip);
u64 md_ranges_len(const struct dmacmd_range *ranges,
		  unsigned int count, bool kernel, const char **why);
struct dmacmd_md *md_multi_new(struct dmacmd_md **mds, unsigned int count,
			       enum dma_data_direction dir, const char **why,
			       unsigned long ip);

int md_complete(struct dmacmd_md *md);
bool md_any_user(const struct dmacmd_md *md,
		 bool (*pred)(const struct dmacmd_md *user));

/* dmacmd_md_dma.c */
void md_dma_unmap_all(struct dmacmd_md *md);
unsigned int md_dma_users(struct dmacmd_md *md);

/* dmacmd_md_user.c */
int md_user_pin(struct dmacmd_md *md, struct dmacmd_md_fault *f);
bool md_user_lock_held(const struct dmacmd_md *md);
void md_user_unpin(struct dmacmd_md *md);
struct dmacmd_md *md_user_ranges_new(const struct dmacmd_range *ranges,
				     unsigned int count,
				     enum dma_data_direction dir,
				     const char **why, unsigned long ip);

/* dmacmd_md_walk.c */
u64 md_copy(struct dmacmd_md *md, u64 offset, void *buf, u64 len,
	    bool to_md, int *err);
const char *md_copy_why(int err);

#endif /* _DMACMD_MD_IMPL_H */
