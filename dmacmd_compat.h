/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dmacmd supports (Debian's 6.1 and
 * 6.12 LTS) lives here.  Force-included into every file by flags.mk, so no
 * source file tests LINUX_VERSION_CODE.
 */
#ifndef _DMACMD_COMPAT_H
#define _DMACMD_COMPAT_H

#include <linux/version.h>

/*
 * Importing the namespace: MODULE_IMPORT_NS() takes a bare token up to 6.12
 * and a string from 6.13; MODULE_INFO() is the same on both.
 */
#define DMACMD_IMPORT_NS() MODULE_INFO(import_ns, "DMACMD")

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
/* pin_user_pages{,_remote}() lost their vmas argument in 6.5. */
#define dmacmd_pin_user_pages(start, nr, flags, pages) \
	pin_user_pages(start, nr, flags, pages, NULL)
#define dmacmd_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL, NULL)
#else
#define dmacmd_pin_user_pages(start, nr, flags, pages) \
	pin_user_pages(start, nr, flags, pages)
#define dmacmd_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL)
#endif

/*
 * KUnit static stubs (fault injection in our own wrappers): the header
 * appeared in 6.2; before it the redirect compiles to nothing.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/static_stub.h>
#else
#define KUNIT_STATIC_STUB_REDIRECT(...) do {} while (0)
#endif

/*
 * End of the default swiotlb pool of a device's io_tlb_mem: 6.6 moved the
 * pool's bounds into a struct io_tlb_pool (for dynamic pools).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define dmacmd_swiotlb_pool_end(mem)	((mem)->end)
#else
#define dmacmd_swiotlb_pool_end(mem)	((mem)->defpool.end)
#endif

/*
 * The buddy allocator's largest order, inclusive: MAX_ORDER counted one
 * past it until 6.4, and is MAX_PAGE_ORDER since 6.8.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define DMACMD_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define DMACMD_MAX_PAGE_ORDER	MAX_ORDER
#else
#define DMACMD_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#endif

/*
 * Shrinkers: 6.7 allocates them (shrinker_alloc()); 6.1 registers one the
 * caller provides.  dmacmd_shrinker_alloc() gives a zeroed one either way.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
static inline struct shrinker *dmacmd_shrinker_alloc(const char *name)
{
	return kzalloc(sizeof(struct shrinker), GFP_KERNEL);
}

static inline void dmacmd_shrinker_register(struct shrinker *s,
					    const char *name)
{
	if (register_shrinker(s, "%s", name))
		pr_warn("%s: no shrinker: cached memory is freed at release only\n",
			name);
}

static inline void dmacmd_shrinker_free(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(s);
}
#else
static inline struct shrinker *dmacmd_shrinker_alloc(const char *name)
{
	return shrinker_alloc(0, "%s", name);
}

static inline void dmacmd_shrinker_register(struct shrinker *s,
					    const char *name)
{
	shrinker_register(s);
}

static inline void dmacmd_shrinker_free(struct shrinker *s)
{
	shrinker_free(s);
}
#endif

#endif /* _DMACMD_COMPAT_H */
