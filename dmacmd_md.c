// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: memory descriptors (struct dmacmd_md), the IOMemoryDescriptor
 * family of IOKit on Linux memory.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/**
 * DOC: Memory descriptors
 *
 * A descriptor is a byte range of memory with a DMA direction.  Whatever
 * its constructor, it is held in one of a few shapes:
 *
 * - chunks: an array of physically contiguous chunks, built and coalesced
 *   when the descriptor is created (kernel virtual ranges, linear map or
 *   vmalloc; physical ranges; a physically contiguous allocated buffer);
 * - pages: an array of struct page with the offset into the first one
 *   (a caller's page array; a scattered allocated buffer);
 * - user: a range of a process's address space whose pages are pinned by
 *   the first prepare and unpinned by the last complete;
 * - sgtable: a caller's struct sg_table, walked in place (CPU side);
 * - sub: a window on another descriptor;
 * - multi: a concatenation of other descriptors.
 *
 * Sub and multi descriptors hold a reference on what they cover and pass
 * prepare and complete down to it, so descriptors form a tree at most
 * %DMACMD_MD_ITER_DEPTH levels deep (a leaf is one level).  Made with
 * %DMA_NONE, a sub-range takes its parent's direction and a concatenation
 * its children's: as in IOKit, where their prepare passes
 * kIODirectionNone down and each wired descriptor uses its own direction.
 *
 * A descriptor may be empty, as IOKit allows: a kernel, physical or user
 * range of length 0, a sub-range of length 0 (at any offset up to its
 * parent's end) and a concatenation of no descriptors (or of empty ones
 * only).  It prepares and completes like any other (a sub-range still
 * prepares its parent), reads, writes and walks nothing, and a command
 * refuses to prepare it (-ERANGE, nothing to map).
 *
 * The command layer reads a descriptor through dmacmd_md_iter_run(), which
 * returns the physically contiguous run at an offset and remembers where
 * it was at every level of the tree, so that a walk with non-decreasing
 * offsets costs O(1) per run, amortised.
 *
 * The prepare count of a descriptor and the pinned pages of a user
 * descriptor are protected by the descriptor's mutex; a sub or multi
 * descriptor takes the mutexes of what it covers while holding its own,
 * always from the root down (a lockdep subclass per level).  Walking,
 * reading and writing take no lock: the caller keeps the descriptor
 * prepared while it does them, as in IOKit.
 */

/*
 * The page allocator and the vmap() of descriptors go through the failure
 * sites below (and dmacmd_kzalloc()/dmacmd_kvcalloc() of dmacmd_debug.c):
 * the fault injection of dmacmd_debug.c, which the debugfs knobs and the
 * KUnit sweeps arm, makes any of them fail, so that each unwind path is
 * seen to leave nothing behind.  The KUnit suite also stands in for the
 * page allocator (to count pages, or to hand out fragmented memory) with
 * static stubs; a fault is decided before the stand-in is called.
 */
struct page *dmacmd_md_page_alloc(gfp_t gfp,
				  unsigned int order)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	KUNIT_STATIC_STUB_REDIRECT(dmacmd_md_page_alloc, gfp, order);
	return alloc_pages(gfp, order);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_page_alloc);

/*
 * Take the @nr pages from @pfn on out of the page allocator, moving what
 * is movable out of the way (alloc_contig_range()); each page then holds
 * one reference and is freed by dmacmd_md_page_free(page, 0).
 */
int dmacmd_md_range_alloc(unsigned long pfn, unsigned long nr)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return -ENOMEM;
	KUNIT_STATIC_STUB_REDIRECT(dmacmd_md_range_alloc, pfn, nr);
#if IS_ENABLED(CONFIG_CONTIG_ALLOC)
	return alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE,
				  GFP_KERNEL | __GFP_NOWARN);
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_range_alloc);

void dmacmd_md_page_free(struct page *page, unsigned int order)
{
	KUNIT_STATIC_STUB_REDIRECT(dmacmd_md_page_free, page, order);
	__free_pages(page, order);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_page_free);

void *dmacmd_md_vmap(struct page **pages, unsigned int count)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	return vmap(pages, count, VM_MAP, PAGE_KERNEL);
}

#if IS_ENABLED(CONFIG_KUNIT)
/* Live descriptors, for the tests to prove nothing leaks. */
long dmacmd_md_live_count(void)
{
	return dmacmd_track_live(DMACMD_KIND_MD);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_live_count);
#endif

/* md_bad() for the command layer, which names its own caller at @ip. */
bool dmacmd_md_bad(const struct dmacmd_md *md, unsigned long ip)
{
	return md_bad_at(md, ip);
}

/*
 * A reference held by another of dmacmd's objects (a command's memory, a
 * sub-range's parent, a concatenation's part), counted apart so that the
 * reaper knows the references an unloaded module left from the ones its
 * objects hold.
 */
void dmacmd_md_hold(struct dmacmd_md *md)
{
	dmacmd_md_get(md);
	atomic_inc(&md->held);
}

void dmacmd_md_unhold(struct dmacmd_md *md)
{
	atomic_dec(&md->held);
	dmacmd_md_put(md);
}

/*
 * &struct dmacmd_track_ops of descriptors, for the reaper: the references
 * on @t that no object of dmacmd's holds.
 */
unsigned int dmacmd_md_track_refs(struct dmacmd_track *t)
{
	struct dmacmd_md *md = container_of(t, struct dmacmd_md, track);

	return refcount_read(&md->ref) - atomic_read(&md->held);
}

void dmacmd_md_track_put(struct dmacmd_track *t)
{
	dmacmd_md_put(container_of(t, struct dmacmd_md, track));
}

/*
 * Is @md, or a descriptor that @md (a sub-range or concatenation) covers,
 * user memory for which @pred holds?
 */
bool md_any_user(const struct dmacmd_md *md,
		 bool (*pred)(const struct dmacmd_md *user))
{
	unsigned int i;

	switch (md->kind) {
	case DMACMD_MD_USER:
		return pred(md);
	case DMACMD_MD_SUB:
		return md_any_user(md->sub.parent, pred);
	case DMACMD_MD_MULTI:
		for (i = 0; i < md->multi.count; i++)
			if (md_any_user(md->multi.child[i].md, pred))
				return true;
		return false;
	default:
		return false;
	}
}

static bool md_user_read_only(const struct dmacmd_md *user)
{
	return !md_dir_dev_writes(user->dir);
}

/*
 * May the CPU not write some of @md's memory?  User memory the device only
 * reads (Out) is pinned without FOLL_WRITE: it may be a file's page cache
 * mapped read-only, or the shared zero page.  True if @md or anything it
 * covers is such memory.
 */
bool dmacmd_md_read_only(const struct dmacmd_md *md)
{
	return md_any_user(md, md_user_read_only);
}

/* Is @md a buffer dmacmd allocated (IOKit's IOBufferMemoryDescriptor)? */
bool dmacmd_md_is_buffer(const struct dmacmd_md *md)
{
	return md->owns_memory;
}

/* @ip: the caller of the exported constructor, who owns the descriptor */
struct dmacmd_md *md_new(enum dmacmd_md_kind kind, u64 len,
			 enum dma_data_direction dir,
			 unsigned int depth, unsigned long ip)
{
	struct dmacmd_md *md = dmacmd_kzalloc(sizeof(*md));

	if (!md)
		return NULL;
	refcount_set(&md->ref, 1);
	md->kind = kind;
	md->dir = dir;
	md->depth = depth;
	md->len = len;
	mutex_init(&md->lock);
	INIT_LIST_HEAD(&md->dma_maps);
	dmacmd_track_init(&md->track, DMACMD_KIND_MD, ip);
	return md;
}

/*
 * A descriptor of no bytes (IOKit accepts zero-length ranges): it prepares
 * and completes like any other and walks, reads and writes nothing.
 */
struct dmacmd_md *md_empty_new(enum dma_data_direction dir, const char **why,
			       unsigned long ip)
{
	struct dmacmd_md *md;

	if (!md_dir_ok(dir)) {
		*why = "invalid direction";
		return ERR_PTR(-EINVAL);
	}
	md = md_new(DMACMD_MD_CHUNKS, 0, dir, 1, ip);
	return md ?: ERR_PTR(-ENOMEM);
}

/*
 * Why @md may not change shape now, whoever else would see it change, or
 * NULL: a device mapping of it is kept, or another reference (a command
 * attached, a sub-range or concatenation over it) is held.  Called with
 * @md->lock held.
 */
const char *md_held(struct dmacmd_md *md)
{
	lockdep_assert_held(&md->lock);
	if (!list_empty(&md->dma_maps))
		return "a device mapping of it is kept";
	if (refcount_read(&md->ref) > 1)
		return "held by a command or another descriptor";
	return NULL;
}

static void md_release(struct dmacmd_md *md);

/*
 * Free @md and everything it owns; no reference is left on it.
 * @md->track.ip says who released it.
 */
void md_destroy(struct dmacmd_md *md)
{
	unsigned long i;

	/* Released while prepared: undo the preparation, as IOKit does. */
	if (md->prepared)
		md_release(md);

	switch (md->kind) {
	case DMACMD_MD_CHUNKS:
		if (md->owns_memory) {
			struct page *page = pfn_to_page(PHYS_PFN(md->chunks.one.phys));

			for (i = 0; i < DIV_ROUND_UP(md->capacity, PAGE_SIZE); i++)
				dmacmd_md_page_free(nth_page(page, i), 0);
		}
		if (md->chunks.chunk != &md->chunks.one)
			kvfree(md->chunks.chunk);
		break;
	case DMACMD_MD_PAGES:
		if (md->vmapped)
			vunmap(md->kaddr);
		if (md->owns_memory)
			for (i = 0; i < md->pages.count; i++)
				dmacmd_md_page_free(md->pages.pages[i], 0);
		kvfree(md->pages.pages);
		break;
	case DMACMD_MD_USER:
		if (md->user.mm)
			mmdrop(md->user.mm);
		break;
	case DMACMD_MD_SGT:
		break;
	case DMACMD_MD_SUB:
		if (md->sub.parent)
			dmacmd_md_unhold(md->sub.parent);
		break;
	case DMACMD_MD_MULTI:
		for (i = 0; i < md->multi.count; i++)
			dmacmd_md_unhold(md->multi.child[i].md);
		kvfree(md->multi.child);
		break;
	}
	mutex_destroy(&md->lock);
	dmacmd_track_retire(&md->track, DMACMD_KIND_MD, sizeof(*md));
}

/* ---- Chunks: kernel virtual and physical ranges ---- */

/*
 * Builds the chunk array of a descriptor over its ranges: the first walk
 * (@chunk NULL) counts the chunks and keeps the first of them in @first,
 * which is all a descriptor of one chunk needs; a second walk fills the
 * array of a descriptor of more.  Physically adjacent pieces are merged
 * as they come.
 */
struct md_chunker {
	struct dmacmd_md_chunk *chunk;
	struct dmacmd_md_chunk first;
	unsigned long cap;
	unsigned long count;
	u64 pos;
	phys_addr_t end;	/* physical end of the last chunk */
	bool has_page;		/* of the last chunk */
	bool overflow;		/* more chunks than the first pass found */
};

static void md_chunk_add(struct md_chunker *b, phys_addr_t phys, u64 len,
			 bool has_page)
{
	if (b->count && b->end == phys && b->has_page == has_page) {
		if (b->chunk)
			b->chunk[b->count - 1].len += len;
		else if (b->count == 1)
			b->first.len += len;
	} else {
		if (b->chunk && b->count >= b->cap) {
			b->overflow = true;
			return;
		}
		if (b->chunk) {
			b->chunk[b->count].start = b->pos;
			b->chunk[b->count].len = len;
			b->chunk[b->count].phys = phys;
			b->chunk[b->count].has_page = has_page;
		} else if (!b->count) {
			b->first = (struct dmacmd_md_chunk){
				.start = b->pos, .len = len, .phys = phys,
				.has_page = has_page,
			};
		}
		b->count++;
	}
	b->end = phys + len;
	b->has_page = has_page;
	b->pos += len;
}

/*
 * The walks below go page by page (a linear-map run by DMACMD_LM_STEP),
 * and a range may span many gigabytes (a physical range, a huge vmalloc
 * area): yield now and then, every 4 MiB of address, so that describing
 * one is no soft lockup.
 */
static inline void md_walk_resched(u64 addr)
{
	if (!(addr & (SZ_4M - 1)))
		cond_resched();
}

/*
 * The step at which virt_addr_valid() can change its answer along the
 * linear map.  x86-64 asks whether the address is in the direct map or
 * the kernel image (bounds aligned far beyond this) and pfn_valid(),
 * which SPARSEMEM answers per subsection.  Elsewhere a page: arm64 asks
 * memblock, whose no-map regions are page-granular.
 */
#ifdef CONFIG_X86_64
#define DMACMD_LM_STEP	(PAGES_PER_SUBSECTION * PAGE_SIZE)
#else
#define DMACMD_LM_STEP	PAGE_SIZE
#endif

/*
 * How much of the linear map from @addr, up to @len bytes, is memory
 * virt_addr_valid() accepts, checked at every step of DMACMD_LM_STEP: the
 * linear map is physically contiguous, so that much is one chunk.
 * @addr is valid.
 */
static u64 md_linear_run(unsigned long addr, u64 len)
{
	unsigned long next = ALIGN_DOWN(addr, DMACMD_LM_STEP);
	u64 run;

	do {
		next += DMACMD_LM_STEP;
		run = min_t(u64, len, next - addr);
		md_walk_resched(next);
	} while (run < len && virt_addr_valid((void *)next));
	return run;
}

/*
 * Linear map: virt_to_phys(), a run at a time.  vmalloc: vmalloc_to_page()
 * page by page.  Anything else (module data, user addresses, holes) is
 * refused.
 */
static int md_walk_kernel(struct md_chunker *b, unsigned long addr, u64 len,
			  const char **why)
{
	/* md_ranges_len() keeps a kernel range within unsigned long. */
	unsigned long last = addr + (unsigned long)(len - 1);

	/* A stack is gone when its function returns; the DMA API refuses it. */
	if (object_is_on_stack((void *)addr) ||
	    object_is_on_stack((void *)last)) {
		*why = "the caller's stack";
		return -EINVAL;
	}
	while (len) {
		void *p = (void *)addr;
		phys_addr_t phys;
		u64 n;

		if (virt_addr_valid(p)) {
			n = md_linear_run(addr, len);
			phys = virt_to_phys(p);
		} else if (is_vmalloc_addr(p)) {
			struct page *page = vmalloc_to_page(p);

			if (!page) {
				*why = "vmalloc range has an unmapped page";
				return -EINVAL;
			}
			n = min_t(u64, len, PAGE_SIZE - offset_in_page(addr));
			phys = page_to_phys(page) + offset_in_page(addr);
			md_walk_resched(addr + n);
		} else {
			*why = "not a linear-map or vmalloc address";
			return -EINVAL;
		}
		md_chunk_add(b, phys, n, true);
		addr += n;
		len -= n;
	}
	return 0;
}

/* Memory without a struct page (pfn_valid() false) gets chunks of its own. */
static void md_walk_phys(struct md_chunker *b, phys_addr_t phys, u64 len)
{
	while (len) {
		u64 n = min_t(u64, len, PAGE_SIZE - offset_in_page(phys));

		md_chunk_add(b, phys, n, pfn_valid(PHYS_PFN(phys)));
		phys += n;
		len -= n;
		md_walk_resched(phys);
	}
}

static int md_walk_ranges(struct md_chunker *b,
			  const struct dmacmd_range *ranges,
			  unsigned int count, bool kernel, const char **why)
{
	unsigned int i;
	int ret;

	for (i = 0; i < count; i++) {
		if (kernel) {
			ret = md_walk_kernel(b, ranges[i].addr, ranges[i].len,
					     why);
			if (ret)
				return ret;
		} else {
			md_walk_phys(b, ranges[i].addr, ranges[i].len);
		}
	}
	return 0;
}

/* Checks every range and returns the total length, or 0 if one is bad. */
u64 md_ranges_len(const struct dmacmd_range *ranges,
		  unsigned int count, bool kernel, const char **why)
{
	u64 total = 0, end;
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (!ranges[i].len) {
			*why = "zero-length range";
			return 0;
		}
		if (check_add_overflow(ranges[i].addr, ranges[i].len, &end) ||
		    (kernel && end - 1 > ULONG_MAX) ||
		    (!kernel && end - 1 > (phys_addr_t)~0)) {
			*why = "range wraps around the address space";
			return 0;
		}
		if (check_add_overflow(total, ranges[i].len, &total)) {
			*why = "total length overflows";
			return 0;
		}
	}
	return total;
}

static struct dmacmd_md *md_chunks_new(const struct dmacmd_range *ranges,
				       unsigned int count,
				       enum dma_data_direction dir, bool kernel,
				       const char **why, unsigned long ip)
{
	struct md_chunker b = {};
	struct dmacmd_md *md;
	unsigned long n;
	u64 len;
	int ret;

	if (!md_dir_ok(dir)) {
		*why = "invalid direction";
		return ERR_PTR(-EINVAL);
	}
	len = md_ranges_len(ranges, count, kernel, why);
	if (!len)
		return ERR_PTR(-EINVAL);
	ret = md_walk_ranges(&b, ranges, count, kernel, why);
	if (ret)
		return ERR_PTR(ret);
	n = b.count;

	md = md_new(DMACMD_MD_CHUNKS, len, dir, 1, ip);
	if (!md)
		return ERR_PTR(-ENOMEM);
	if (n == 1) {
		/* The first walk found it: no second one. */
		md->chunks.one = b.first;
		md->chunks.chunk = &md->chunks.one;
	} else {
		md->chunks.chunk = dmacmd_kvcalloc(n, sizeof(*b.chunk));
		if (!md->chunks.chunk) {
			ret = -ENOMEM;
			goto err_destroy;
		}
		b = (struct md_chunker){ .chunk = md->chunks.chunk, .cap = n };
		ret = md_walk_ranges(&b, ranges, count, kernel, why);
		if (!ret && (b.overflow || b.count != n)) {
			*why = "vmalloc mapping changed while being described";
			ret = -EINVAL;
		}
		if (ret)
			goto err_destroy;
	}
	md->chunks.count = n;
	if (kernel && count == 1)
		md->kaddr = (void *)(unsigned long)ranges[0].addr;
	return md;

err_destroy:
	md_destroy(md);
	return ERR_PTR(ret);
}

/* ---- Prepare and complete ---- */

static int md_prepare(struct dmacmd_md *md, struct dmacmd_md_fault *f);

/* What the first prepare does; undone by md_release(). */
static int md_acquire(struct dmacmd_md *md, struct dmacmd_md_fault *f)
{
	unsigned int i;
	int ret;

	switch (md->kind) {
	case DMACMD_MD_USER:
		return md_user_pin(md, f);
	case DMACMD_MD_SUB:
		return md_prepare(md->sub.parent, f);
	case DMACMD_MD_MULTI:
		for (i = 0; i < md->multi.count; i++) {
			ret = md_prepare(md->multi.child[i].md, f);
			if (ret) {
				while (i--)
					md_complete(md->multi.child[i].md);
				return ret;
			}
		}
		return 0;
	default:
		return 0;
	}
}

static void md_release(struct dmacmd_md *md)
{
	unsigned int i;

	/* Mappings first: the pages they map may go next. */
	md_dma_unmap_all(md);
	switch (md->kind) {
	case DMACMD_MD_USER:
		md_user_unpin(md);
		break;
	case DMACMD_MD_SUB:
		md_complete(md->sub.parent);
		break;
	case DMACMD_MD_MULTI:
		for (i = md->multi.count; i--; )
			md_complete(md->multi.child[i].md);
		break;
	default:
		break;
	}
}

/*
 * A parent's mutex is held while its children are prepared: the lockdep
 * subclass is the level above the leaves, so the order is always from
 * the root down.
 */
static int md_prepare(struct dmacmd_md *md, struct dmacmd_md_fault *f)
{
	int ret = 0;

	mutex_lock_nested(&md->lock, md->depth - 1);
	if (md->prepared == UINT_MAX)
		ret = -EBUSY;
	else if (!md->prepared)
		ret = md_acquire(md, f);
	if (!ret)
		WRITE_ONCE(md->prepared, md->prepared + 1);
	mutex_unlock(&md->lock);
	return ret;
}

/*
 * Undo one prepare of @md.  The last one releases the memory (unpins user
 * pages, unmaps what @md keeps, completes what it covers), unless a
 * command still maps it.  Then the caller's own complete (@by_caller) of
 * user memory is refused with -EBUSY, as IOKit stops there ("complete()
 * while dma active"); any other is deferred to the last
 * dmacmd_md_dma_end(): kernel memory stays allocated anyway (IOKit's
 * buffers stay wired), and what a sub-range or concatenation covers stays
 * prepared until then.  Prepares held by commands' uses of a kept mapping
 * (dmacmd_md_dma_get()) are not the caller's to complete.
 */
static int md_complete_as(struct dmacmd_md *md, bool by_caller)
{
	bool in_dma;
	int ret = 0;

	mutex_lock_nested(&md->lock, md->depth - 1);
	in_dma = atomic_read(&md->in_dma);
	if (md->prepared == md->complete_deferred) {
		ret = -EBADFD;
	} else if (by_caller && in_dma && md->kind == DMACMD_MD_USER &&
		   md->prepared - md_dma_users(md) <= 1) {
		ret = -EBUSY;
	} else if (md->prepared == 1 && in_dma) {
		md->complete_deferred = true;
	} else {
		if (md->prepared == 1)
			md_release(md);
		WRITE_ONCE(md->prepared, md->prepared - 1);
	}
	mutex_unlock(&md->lock);
	return ret;
}

int md_complete(struct dmacmd_md *md)
{
	return md_complete_as(md, false);
}

/**
 * dmacmd_md_dma_begin() - a command maps @md's memory
 * @md: the descriptor a command is preparing a range of
 * @count: dmacmd_md_counts_dma() of @md: count the mapping
 *
 * With @count, until the matching dmacmd_md_dma_end(), the last complete
 * of @md, which would unpin the memory under the device, is refused or
 * deferred (see md_complete_as()).
 *
 * Context: Any context.
 * Return: whether @md is prepared right now (a hint: no lock is taken).
 */
bool dmacmd_md_dma_begin(struct dmacmd_md *md, bool count)
{
	if (count)
		atomic_inc(&md->in_dma);
	return READ_ONCE(md->prepared);
}

/**
 * dmacmd_md_counts_dma() - must commands count their mappings of @md?
 * @md: the descriptor
 *
 * Only a last complete of user memory, or of a sub-range or concatenation
 * (which may cover some), releases what a device may still use: pinned
 * pages.  Kernel memory stays allocated, and mappings @md keeps are held
 * by a prepare for each use.
 *
 * Context: Any context.
 * Return: true for user memory, sub-ranges and concatenations.
 */
bool dmacmd_md_counts_dma(const struct dmacmd_md *md)
{
	return md->kind == DMACMD_MD_USER || md->kind == DMACMD_MD_SUB ||
	       md->kind == DMACMD_MD_MULTI;
}

/**
 * dmacmd_md_dma_end() - a command no longer maps @md's memory
 * @md: the descriptor
 *
 * The last end does a complete that was deferred for it.
 *
 * Context: Process context (the deferred complete may sleep).
 */
void dmacmd_md_dma_end(struct dmacmd_md *md)
{
	bool deferred;

	if (!atomic_dec_and_test(&md->in_dma) ||
	    !READ_ONCE(md->complete_deferred))
		return;
	mutex_lock_nested(&md->lock, md->depth - 1);
	deferred = md->complete_deferred;
	md->complete_deferred = false;
	mutex_unlock(&md->lock);
	if (deferred)
		md_complete(md);
}

/* ---- Constructors ---- */

/**
 * dmacmd_md_from_kva() - describe a kernel virtual range
 * @addr: start: linear-map memory (kmalloc(), page_address()) or vmalloc()
 *	memory
 * @len: length in bytes
 * @dir: direction of the transfers: %DMA_TO_DEVICE (IOKit's Out, the device
 *	reads), %DMA_FROM_DEVICE (In, the device writes), %DMA_BIDIRECTIONAL
 *	(InOut) or %DMA_NONE (None: unspecified, treated as both ways)
 *
 * IOKit's withAddressRange() in kernel_task.  The physical layout is read
 * now (vmalloc_to_page() page by page for vmalloc memory) and merged into
 * physically contiguous chunks; the memory must stay allocated, and
 * vmalloc memory mapped, for the life of the descriptor.  Memory of other
 * kernel mappings (module data, fixmaps, ioremap) is refused.  Kernel
 * memory is always resident, but as in IOKit the descriptor should still
 * be prepared before DMA.  dmacmd_md_kaddr() returns @addr.  A @len of 0
 * gives an empty descriptor, whatever @addr (see "DOC: Memory
 * descriptors").
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @addr NULL or not linear-map/vmalloc memory throughout,
 *   range wraps, or invalid @dir
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_from_kva(void *addr, size_t len,
				     enum dma_data_direction dir)
{
	struct dmacmd_range range = { .addr = (unsigned long)addr, .len = len };
	const char *why = NULL;
	struct dmacmd_md *md;

	if (!len)
		md = md_empty_new(dir, &why, _RET_IP_);
	else if (!addr)
		md = ERR_PTR(-EINVAL);
	else
		md = md_chunks_new(&range, 1, dir, true, &why, _RET_IP_);
	if (IS_ERR(md) && PTR_ERR(md) != -ENOMEM)
		dmacmd_misuse(NULL, "bad kernel range %p+%#zx: %s\n", addr,
			      len, why ?: "NULL address");
	return md;
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_kva);

/**
 * dmacmd_md_from_phys() - describe a physical range
 * @phys: CPU physical address of the first byte
 * @len: length in bytes
 * @dir: direction of the transfers
 *
 * IOKit's withPhysicalAddress().  Pages with a struct page (pfn_valid())
 * can be mapped through a scatterlist and copied by dmacmd_md_read() and
 * dmacmd_md_write(); other physical memory (device memory) is only
 * handed out as physical segments.  A @len of 0 gives an empty
 * descriptor.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - range wraps, or invalid @dir
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_from_phys(phys_addr_t phys, size_t len,
				      enum dma_data_direction dir)
{
	struct dmacmd_range range = { .addr = phys, .len = len };
	const char *why = NULL;
	struct dmacmd_md *md;

	if (!len)
		md = md_empty_new(dir, &why, _RET_IP_);
	else
		md = md_chunks_new(&range, 1, dir, false, &why, _RET_IP_);
	if (IS_ERR(md) && PTR_ERR(md) != -ENOMEM)
		dmacmd_misuse(NULL, "bad physical range of %#zx bytes: %s\n",
			      len, why);
	return md;
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_phys);

/**
 * dmacmd_md_from_pages() - describe part of an array of pages
 * @pages: the pages; the array is copied, the pages are not referenced
 * @npages: number of entries in @pages
 * @offset: offset of the first byte from the start of the first page (may be
 *	a page or more)
 * @len: length in bytes
 * @dir: direction of the transfers
 *
 * The pages must stay allocated for the life of the descriptor.  Highmem
 * pages are fine.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @pages NULL, a NULL page in the range, @npages or @len 0,
 *   @offset + @len overflows or runs past the last page, or invalid @dir
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_from_pages(struct page **pages,
				       unsigned int npages, size_t offset,
				       size_t len, enum dma_data_direction dir)
{
	unsigned long first, count, i;
	const char *why = NULL;
	struct dmacmd_md *md;
	u64 end;

	if (IS_ERR_OR_NULL(pages) || !npages || !len) {
		why = "no pages or zero length";
		goto err_inval;
	}
	if (!md_dir_ok(dir)) {
		why = "invalid direction";
		goto err_inval;
	}
	if (check_add_overflow((u64)offset, (u64)len, &end) ||
	    end > (u64)npages << PAGE_SHIFT) {
		why = "range runs past the last page";
		goto err_inval;
	}
	first = offset >> PAGE_SHIFT;
	count = ((end - 1) >> PAGE_SHIFT) - first + 1;
	for (i = first; i < first + count; i++) {
		if (IS_ERR_OR_NULL(pages[i])) {
			why = "NULL page in the range";
			goto err_inval;
		}
	}

	md = md_new(DMACMD_MD_PAGES, len, dir, 1, _RET_IP_);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->pages.pages = dmacmd_kvcalloc(count, sizeof(*pages));
	if (!md->pages.pages) {
		md_destroy(md);
		return ERR_PTR(-ENOMEM);
	}
	memcpy(md->pages.pages, pages + first, count * sizeof(*pages));
	md->pages.count = count;
	md->pages.first = offset_in_page(offset);
	return md;

err_inval:
	dmacmd_misuse(NULL, "bad page array %p[%u] +%#zx len %#zx: %s\n",
		      pages, npages, offset, len, why);
	return ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_pages);

/**
 * dmacmd_md_from_sgtable() - describe the memory of a scatterlist table
 * @sgt: the table, borrowed: not copied, not freed by the descriptor
 * @dir: direction of the transfers
 *
 * Describes the CPU side of @sgt (sg_page(), offset and length of its
 * orig_nents entries, in order; zero-length entries are skipped), not any
 * DMA mapping it may hold.  @sgt and its pages must stay unchanged for the
 * life of the descriptor.
 *
 * Context: Process context.  May sleep (GFP_KERNEL allocation).
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @sgt NULL, no entries, total length 0, an entry without a
 *   page, or invalid @dir
 * * %-ENOMEM - out of memory
 */
struct dmacmd_md *dmacmd_md_from_sgtable(struct sg_table *sgt,
					 enum dma_data_direction dir)
{
	struct scatterlist *sg;
	const char *why;
	struct dmacmd_md *md;
	u64 len = 0;
	unsigned int i;

	if (IS_ERR_OR_NULL(sgt) || !sgt->sgl || !sgt->orig_nents) {
		why = "no table or no entries";
		goto err_inval;
	}
	if (!md_dir_ok(dir)) {
		why = "invalid direction";
		goto err_inval;
	}
	for_each_sg(sgt->sgl, sg, sgt->orig_nents, i) {
		if (sg->length && !sg_page(sg)) {
			why = "entry without a page";
			goto err_inval;
		}
		len += sg->length;
	}
	if (!len) {
		why = "zero total length";
		goto err_inval;
	}

	md = md_new(DMACMD_MD_SGT, len, dir, 1, _RET_IP_);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->sgt.sgt = sgt;
	return md;

err_inval:
	dmacmd_misuse(NULL, "bad sg_table %p: %s\n", sgt, why);
	return ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_sgtable);

/**
 * dmacmd_md_from_ranges() - describe several address ranges as one
 * @ranges: the ranges, in order (copied)
 * @count: number of ranges
 * @dir: direction of the transfers
 * @space: what the addresses are: %DMACMD_ADDR_PHYS (IOKit's task NULL),
 *	%DMACMD_ADDR_KERNEL (kernel_task) or %DMACMD_ADDR_USER (the calling
 *	process's user addresses, IOKit's current_task())
 *
 * IOKit's withAddressRanges().  Physical and kernel ranges behave as in
 * dmacmd_md_from_phys() and dmacmd_md_from_kva() and give one flat
 * descriptor; user ranges behave as in dmacmd_md_from_user() and give a
 * concatenation of one user descriptor per range (two levels deep when
 * @count > 1), prepared and completed as a whole.
 *
 * Context: Process context (of the memory's process for user ranges).
 * May sleep.
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - @ranges NULL, @count 0, a range of length 0 or that wraps,
 *   total length overflows, an address that is not of the kind @space
 *   says, an unknown @space, or invalid @dir
 * * %-EFAULT - user ranges that are not user memory (access_ok() fails)
 * * %-ENOMEM - out of memory, or user ranges of more pages than the
 *   machine has (logged)
 */
struct dmacmd_md *dmacmd_md_from_ranges(const struct dmacmd_range *ranges,
					unsigned int count,
					enum dma_data_direction dir,
					enum dmacmd_addr_space space)
{
	const char *why = NULL;
	struct dmacmd_md *md;

	if (IS_ERR_OR_NULL(ranges) || !count) {
		md = ERR_PTR(-EINVAL);
		why = "no ranges";
	} else if (space == DMACMD_ADDR_PHYS) {
		md = md_chunks_new(ranges, count, dir, false, &why, _RET_IP_);
	} else if (space == DMACMD_ADDR_KERNEL) {
		md = md_chunks_new(ranges, count, dir, true, &why, _RET_IP_);
	} else if (space == DMACMD_ADDR_USER) {
		md = md_user_ranges_new(ranges, count, dir, &why, _RET_IP_);
	} else {
		md = ERR_PTR(-EINVAL);
		why = "unknown address space";
	}
	if (IS_ERR(md) && (PTR_ERR(md) != -ENOMEM || why))
		dmacmd_misuse(NULL, "bad ranges %p[%u]: %s\n", ranges, count,
			      why);
	return md;
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_ranges);

/* ---- Operations ---- */

/**
 * dmacmd_md_get() - take a reference on a descriptor
 * @md: the descriptor
 *
 * IOKit's retain().
 *
 * Context: Any context.
 */
void dmacmd_md_get(struct dmacmd_md *md)
{
	if (md_bad(md)) {
		dmacmd_misuse(NULL, "get of an invalid descriptor %p\n",
			      md);
		return;
	}
	refcount_inc(&md->ref);
}
EXPORT_SYMBOL_GPL(dmacmd_md_get);

/**
 * dmacmd_md_put() - drop a reference on a descriptor
 * @md: the descriptor; NULL and ERR_PTR() values are ignored, a released
 *	one is logged and ignored
 *
 * IOKit's release().  The last reference frees the descriptor: what it
 * allocated is freed, what it references is released, and a descriptor
 * still prepared is completed first as often as it was prepared (user
 * pages are unpinned), as IOKit does, and the caller is told: releasing
 * memory that may still be under DMA is a bug in the caller.
 *
 * Context: Process context for the last reference (may sleep: unpinning,
 * vunmap()); any context otherwise.
 */
void dmacmd_md_put(struct dmacmd_md *md)
{
	if (md_bad(md))
		return;
	/* The last reference frees: say so even when it is not this one. */
	might_sleep_if(refcount_read(&md->ref) == 1);
	if (refcount_dec_and_test(&md->ref)) {
		md->track.ip = _RET_IP_;
		if (READ_ONCE(md->prepared))
			dmacmd_misuse(NULL,
				      "descriptor released while prepared %u times: completing it\n",
				      md->prepared);
		md_destroy(md);
	}
}
EXPORT_SYMBOL_GPL(dmacmd_md_put);

/**
 * dmacmd_md_length() - length of a descriptor
 * @md: the descriptor
 *
 * IOKit's getLength().
 *
 * Context: Any context.
 * Return: the length in bytes, 0 if @md is NULL, an ERR_PTR() or
 * released.
 */
u64 dmacmd_md_length(const struct dmacmd_md *md)
{
	return md_bad(md) ? 0 : md->len;
}
EXPORT_SYMBOL_GPL(dmacmd_md_length);

/**
 * dmacmd_md_direction() - direction of a descriptor
 * @md: the descriptor
 *
 * IOKit's getDirection().
 *
 * Context: Any context.
 * Return: the direction given at creation, %DMA_NONE if @md is NULL, an
 * ERR_PTR() or released.
 */
enum dma_data_direction dmacmd_md_direction(const struct dmacmd_md *md)
{
	return md_bad(md) ? DMA_NONE : md->dir;
}
EXPORT_SYMBOL_GPL(dmacmd_md_direction);

static void *md_kaddr(const struct dmacmd_md *md)
{
	void *p;

	if (md->kind == DMACMD_MD_SUB) {
		p = md_kaddr(md->sub.parent);
		return p ? p + md->sub.offset : NULL;
	}
	return md->kaddr;
}

/**
 * dmacmd_md_kaddr() - kernel virtual address of a descriptor's memory
 * @md: the descriptor
 *
 * IOKit's getBytesNoCopy().  Only descriptors whose whole range has one
 * kernel mapping have one: allocated buffers, single kernel virtual
 * ranges, and sub-ranges of those.
 *
 * Context: Any context.
 * Return: the address of byte 0, or NULL.
 */
void *dmacmd_md_kaddr(struct dmacmd_md *md)
{
	return md_bad(md) ? NULL : md_kaddr(md);
}
EXPORT_SYMBOL_GPL(dmacmd_md_kaddr);

/**
 * dmacmd_md_prepare() - make a descriptor's memory resident for DMA
 * @md: the descriptor
 *
 * IOKit's prepare().  Prepares nest: only the first one does work (a user
 * descriptor pins its pages; a sub-range or concatenation prepares what it
 * covers), and each needs its own dmacmd_md_complete().  Every descriptor
 * should be prepared before a command maps it.  A failed prepare changes
 * nothing: no page stays pinned, no covered descriptor stays prepared.
 *
 * Context: Process context.  May sleep (allocation, page pinning, the
 * descriptor's mutex).
 * Return:
 *
 * * %0 - prepared
 * * %-EINVAL - @md NULL, an ERR_PTR() or released
 * * %-EFAULT - user memory not mapped, not writable while the device
 *   writes it, a shared file mapping the device would write (its pages
 *   need the filesystem's dirty tracking), not pinnable, or its process
 *   has exited (logged)
 * * %-ENOMEM - out of memory, or user pages beyond the caller's
 *   RLIMIT_MEMLOCK (logged; they count in the process's pinned_vm, as
 *   RDMA's do; CAP_IPC_LOCK lifts the limit)
 * * %-EBUSY - the prepare count is saturated
 * * %-EWOULDBLOCK - called in atomic context (logged)
 * * %-EDEADLK - user memory of the caller's own process, whose mmap_lock
 *   the caller holds: pinning takes it after @md's mutex, the other way
 *   round (logged; seen where lockdep is built in, elsewhere the wait for
 *   the lock is killable)
 * * %-EINTR - a fatal signal came while waiting for the mmap_lock
 */
int dmacmd_md_prepare(struct dmacmd_md *md)
{
	struct dmacmd_md_fault f = {};
	int ret;

	if (md_bad(md)) {
		dmacmd_misuse(NULL, "prepare of an invalid descriptor %p\n",
			      md);
		return -EINVAL;
	}
	if (dmacmd_atomic_misuse(_RET_IP_, NULL, "descriptor prepare"))
		return -EWOULDBLOCK;
	if (md_user_lock_held(md)) {
		dmacmd_misuse(NULL, "prepare of user memory while holding its mmap_lock\n");
		return -EDEADLK;
	}
	ret = md_prepare(md, &f);
	if (ret && f.why)
		dmacmd_misuse(NULL, "cannot pin user memory (offset %#lx): %s\n",
			      f.off, f.why);
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_md_prepare);

/**
 * dmacmd_md_complete() - undo one dmacmd_md_prepare()
 * @md: the descriptor
 *
 * IOKit's complete().  The last one undoes the preparation (user pages
 * are unpinned, covered descriptors completed), whatever context or
 * process it runs in.  Unlike IOKit, an unbalanced complete is refused
 * and logged; the count never underflows.
 *
 * Context: Process context.  May sleep (unpinning, the descriptor's
 * mutex).
 * Return:
 *
 * * %0 - completed
 * * %-EINVAL - @md NULL, an ERR_PTR() or released
 * * %-EBADFD - @md is not prepared (logged, nothing changes)
 * * %-EBUSY - the last complete of user memory while a command has a
 *   range of it prepared: its pages are still under DMA (logged, nothing
 *   changes; IOKit panics).  Complete the command first.  The last
 *   complete of other memory a command maps takes effect when the
 *   command completes.
 * * %-EWOULDBLOCK - called in atomic context (logged)
 */
int dmacmd_md_complete(struct dmacmd_md *md)
{
	int ret;

	if (md_bad(md)) {
		dmacmd_misuse(NULL, "complete of an invalid descriptor %p\n",
			      md);
		return -EINVAL;
	}
	if (dmacmd_atomic_misuse(_RET_IP_, NULL, "descriptor complete"))
		return -EWOULDBLOCK;
	ret = md_complete_as(md, true);
	if (ret == -EBADFD)
		dmacmd_misuse(NULL, "complete without prepare of descriptor %p\n",
			      md);
	else if (ret == -EBUSY)
		dmacmd_misuse(NULL, "last complete of descriptor %p refused: %d commands map it\n",
			      md, atomic_read(&md->in_dma));
	return ret;
}
EXPORT_SYMBOL_GPL(dmacmd_md_complete);

/**
 * dmacmd_md_is_prepared() - whether a descriptor is prepared
 * @md: the descriptor
 *
 * Context: Any context.
 * Return: true if @md has been prepared more often than completed, or is
 * an allocated buffer (always wired); false otherwise or if @md is NULL,
 * an ERR_PTR() or released.
 */
bool dmacmd_md_is_prepared(const struct dmacmd_md *md)
{
	if (md_bad(md))
		return false;
	return md->owns_memory || READ_ONCE(md->prepared);
}
EXPORT_SYMBOL_GPL(dmacmd_md_is_prepared);

/**
 * dmacmd_md_read() - copy bytes out of a descriptor's memory
 * @md: the descriptor
 * @offset: offset of the first byte to copy
 * @buf: destination (kernel memory)
 * @len: bytes wanted
 *
 * IOKit's readBytes().  The copy is clipped to the end of the descriptor
 * and stops early at memory the CPU cannot copy: user memory that is not
 * prepared, or physical memory without a struct page (each logged).
 *
 * Context: Any context that may use kmap_local_page(); does not sleep.
 * The caller keeps user memory prepared during the copy.
 * Return: the number of bytes copied: 0 if @offset is at or past the end,
 * @md is invalid, @buf is NULL, or nothing could be copied.
 */
u64 dmacmd_md_read(struct dmacmd_md *md, u64 offset, void *buf, u64 len)
{
	u64 done;
	int err;

	if (md_bad(md) || !buf) {
		dmacmd_misuse(NULL, "read with descriptor %p, buffer %p\n", md,
			      buf);
		return 0;
	}
	if (offset >= md->len || !len)
		return 0;
	done = md_copy(md, offset, buf, min(len, md->len - offset), false,
		       &err);
	if (err)
		dmacmd_misuse(NULL, "read of descriptor %p stopped at %#llx: %s\n",
			      md, offset + done, md_copy_why(err));
	return done;
}
EXPORT_SYMBOL_GPL(dmacmd_md_read);

/**
 * dmacmd_md_write() - copy bytes into a descriptor's memory
 * @md: the descriptor
 * @offset: offset of the first byte to write
 * @buf: source (kernel memory)
 * @len: bytes to write
 *
 * IOKit's writeBytes().  The copy is clipped to the end of the descriptor
 * and stops early at memory the CPU cannot or must not write: user memory
 * that is not prepared or was pinned read-only (a %DMA_TO_DEVICE user
 * descriptor: its pages may be shared copy-on-write), or physical memory
 * without a struct page (each logged).
 *
 * Context: Any context that may use kmap_local_page(); does not sleep.
 * The caller keeps user memory prepared during the copy.
 * Return: the number of bytes copied: 0 if @offset is at or past the end,
 * @md is invalid, @buf is NULL, or nothing could be copied.
 */
u64 dmacmd_md_write(struct dmacmd_md *md, u64 offset, const void *buf,
		    u64 len)
{
	u64 done;
	int err;

	if (md_bad(md) || !buf) {
		dmacmd_misuse(NULL, "write with descriptor %p, buffer %p\n", md,
			      buf);
		return 0;
	}
	if (offset >= md->len || !len)
		return 0;
	done = md_copy(md, offset, (void *)buf, min(len, md->len - offset),
		       true, &err);
	if (err)
		dmacmd_misuse(NULL, "write of descriptor %p stopped at %#llx: %s\n",
			      md, offset + done, md_copy_why(err));
	return done;
}
EXPORT_SYMBOL_GPL(dmacmd_md_write);

/**
 * dmacmd_md_phys_segment() - the physical segment at an offset
 * @md: the descriptor
 * @offset: offset within the descriptor
 * @len: set to the length of the segment, 0 on error; may be NULL
 *
 * IOKit's getPhysicalSegment() with kIOMemoryMapperNone: the CPU
 * physical address of the byte at @offset and how many bytes are
 * physically contiguous from there (to the end of the descriptor at
 * most).  These are not DMA addresses: a device behind an IOMMU or with
 * bounce buffering needs a command (struct dmacmd) to map the memory.
 *
 * Context: Any context.  Does not sleep.
 * Return: the physical address, or 0 with *@len 0 if @md is invalid, @offset
 * is at or past the end, or the memory is user memory not prepared
 * (logged).
 */
phys_addr_t dmacmd_md_phys_segment(struct dmacmd_md *md, u64 offset,
				   u64 *len)
{
	struct dmacmd_md_iter it;
	struct dmacmd_md_run seg;
	int ret;

	if (len)
		*len = 0;
	if (md_bad(md)) {
		dmacmd_misuse(NULL, "physical segment of an invalid descriptor %p\n",
			      md);
		return 0;
	}
	dmacmd_md_iter_init(&it, md);
	ret = dmacmd_md_iter_run(&it, offset, 0, &seg);
	if (ret) {
		if (ret == -EBADFD)
			dmacmd_misuse(NULL, "segment of descriptor %p: user memory not prepared\n",
				      md);
		return 0;
	}
	if (len)
		*len = seg.len;
	return seg.phys;
}
EXPORT_SYMBOL_GPL(dmacmd_md_phys_segment);
