// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmacmd_md: memory descriptors.
 *
 * Every kind of descriptor is built over memory the test owns, and what
 * the descriptor says (length, physical segments, bytes read and written)
 * is checked against that memory itself.  The suite runs in every boot of
 * the harness (direct, swiotlb, iommu); descriptors do not depend on the
 * DMA configuration, so the same assertions hold in each.
 *
 * The API is used only through <linux/dmacmd.h>.  "../dmacmd_md.h" is
 * included solely for the fault-injection hooks and the live/pinned
 * counters that dmacmd_md.c exports with EXPORT_SYMBOL_IF_KUNIT.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dmacmd.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/kmsg_dump.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mman.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "../dmacmd_debug.h"
#include "../dmacmd_md.h"
#include "util.h"

DMACMD_IMPORT_NS();
MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");

#ifdef MODULE
/* Module data: neither linear-map nor vmalloc memory. */
static u8 md_module_data[64];
#endif

struct md_priv {
	long live0;		/* live descriptors when the test started */
	long pinned0;		/* pinned user pages when the test started */
	int calls;		/* calls of the pin stand-in */
	long pages_out;		/* pages the page hooks handed out, not freed */
	/* Zone fallback test. */
	u64 limit;
	int over_limit;
	int dma_allocs;
	bool fail_dma;
	/* Pin test. */
	struct page *pinned_page;
	long pin_error;
};

static struct md_priv *md_priv(void)
{
	return kunit_get_current_test()->priv;
}

KUNIT_DEFINE_ACTION_WRAPPER(md_put_action, dmacmd_md_put, struct dmacmd_md *);
KUNIT_DEFINE_ACTION_WRAPPER(md_kfree_action, kfree, const void *);
KUNIT_DEFINE_ACTION_WRAPPER(md_free_page_action, __free_page, struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(md_sg_free_action, sg_free_table,
			    struct sg_table *);

/* Runs after every other cleanup of the test: nothing may be left over. */
static void md_check_leaks(void *data)
{
	struct kunit *test = data;
	struct md_priv *p = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_live_count(), p->live0,
			    "descriptors leaked");
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_pinned_count(), p->pinned0,
			    "user pages left pinned");
}

static int md_test_init(struct kunit *test)
{
	struct md_priv *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->live0 = dmacmd_md_live_count();
	p->pinned0 = dmacmd_md_pinned_count();
	test->priv = p;
	return kunit_add_action_or_reset(test, md_check_leaks, test);
}

/* Release @md when the test ends; a failed constructor fails the test. */
static struct dmacmd_md *md_track(struct kunit *test, struct dmacmd_md *md)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_put_action,
							md), 0);
	return md;
}

static long md_live(struct kunit *test)
{
	return dmacmd_md_live_count() - ((struct md_priv *)test->priv)->live0;
}

static long md_pinned(struct kunit *test)
{
	return dmacmd_md_pinned_count() -
	       ((struct md_priv *)test->priv)->pinned0;
}

/* A byte pattern that depends on the position and never repeats per page. */
static u8 md_pat(u64 pos, u8 seed)
{
	return (u8)((pos * 2654435761ULL) >> 11) ^ seed;
}

static void md_fill(void *buf, u64 len, u64 pos, u8 seed)
{
	u64 i;

	for (i = 0; i < len; i++)
		((u8 *)buf)[i] = md_pat(pos + i, seed);
}

static void *md_kmalloc(struct kunit *test, size_t len)
{
	void *p = kmalloc(len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_kfree_action,
							p), 0);
	return p;
}

static struct page *md_page(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							md_free_page_action,
							page), 0);
	return page;
}

/* 2^@order physically contiguous pages, freed page by page at the end. */
static struct page *md_pages(struct kunit *test, unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, order);
	for (i = 0; i < 1UL << order; i++)
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test,
							  md_free_page_action,
							  nth_page(page, i)),
				0);
	return page;
}

/* User memory filled with the pattern at positions @pos.. */
static unsigned long md_user_filled(struct kunit *test, unsigned long npages,
				    u64 pos, u8 seed)
{
	size_t len = npages * PAGE_SIZE;
	unsigned long addr = dmacmd_kt_user_map(test, len,
						PROT_READ | PROT_WRITE);
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	md_fill(buf, len, pos, seed);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, len), 0);
	kunit_kfree(test, buf);
	return addr;
}

static u8 md_phys_byte(phys_addr_t phys)
{
	u8 *va = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
	u8 b = va[offset_in_page(phys)];

	kunmap_local(va);
	return b;
}

static u8 md_read_byte(struct kunit *test, struct dmacmd_md *md, u64 off)
{
	u8 b = 0;

	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, off, &b, 1), 1);
	return b;
}

/*
 * Walk the physical segments of @md with dmacmd_md_phys_segment(): they
 * must tile it, and the memory at each claimed physical address (first
 * byte, every page start, last byte) must hold the byte dmacmd_md_read()
 * sees at that offset.  Returns the number of segments.
 */
static unsigned int md_walk_check(struct kunit *test, struct dmacmd_md *md,
				  phys_addr_t *first)
{
	u64 total = dmacmd_md_length(md), off = 0, len, k;
	unsigned int n = 0;
	phys_addr_t p;

	while (off < total) {
		p = dmacmd_md_phys_segment(md, off, &len);
		if (!n && first)
			*first = p;
		KUNIT_ASSERT_GT_MSG(test, len, 0, "no segment at %llu", off);
		KUNIT_ASSERT_LE(test, len, total - off);
		if (pfn_valid(PHYS_PFN(p))) {
			for (k = 0; k < len;
			     k = PAGE_ALIGN(p + k + 1) - p) {
				KUNIT_ASSERT_EQ_MSG(test, md_phys_byte(p + k),
						    md_read_byte(test, md,
								 off + k),
						    "offset %llu", off + k);
			}
			KUNIT_ASSERT_EQ(test, md_phys_byte(p + len - 1),
					md_read_byte(test, md, off + len - 1));
		}
		off += len;
		n++;
	}
	KUNIT_EXPECT_EQ(test, off, total);
	return n;
}

/* Read all of @md and compare with @want. */
static void md_expect_bytes(struct kunit *test, struct dmacmd_md *md,
			    const void *want, u64 len)
{
	u8 *got = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_ASSERT_EQ(test, dmacmd_md_read(md, 0, got, len), len);
	KUNIT_EXPECT_MEMEQ(test, got, want, len);
	kunit_kfree(test, got);
}

/*
 * Write @len pattern bytes at @off through @md.  They must then be at
 * @mem + @off when the memory is one kernel range; @mirror (the caller's
 * copy of what the memory should hold) gets them too.
 */
static void md_write_pat(struct kunit *test, struct dmacmd_md *md, u64 off,
			 u64 len, u8 seed, const u8 *mem, u8 *mirror)
{
	u8 *src = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, src);
	md_fill(src, len, off, seed);
	KUNIT_ASSERT_EQ(test, dmacmd_md_write(md, off, src, len), len);
	if (mem)
		KUNIT_EXPECT_MEMEQ(test, mem + off, src, len);
	if (mirror)
		memcpy(mirror + off, src, len);
	kunit_kfree(test, src);
}

/* A constructor call that must fail with @err and leave nothing. */
static void md_expect_err(struct kunit *test, struct dmacmd_md *md, long err,
			  long live, const char *what)
{
	KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(md), "%s succeeded", what);
	if (IS_ERR(md))
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(md), err, "%s", what);
	else
		dmacmd_md_put(md);
	KUNIT_EXPECT_EQ_MSG(test, md_live(test), live, "%s", what);
}

/* Expects a variable "live": the live descriptors the call must leave. */
#define MD_EXPECT_ERR(test, expr, err) \
	md_expect_err(test, expr, err, live, #expr)

/* ---- Kernel virtual ranges ---- */

static void dmacmd_test_md_kva_kmalloc(struct kunit *test)
{
	const size_t len = 3 * PAGE_SIZE + 123;
	u8 *buf = md_kmalloc(test, len + 16);
	struct dmacmd_md *md;
	phys_addr_t first;
	u64 seglen;

	md_fill(buf, len + 16, 0, 1);
	md = md_track(test, dmacmd_md_from_kva(buf + 7, len, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(md), DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(md), (void *)(buf + 7));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));

	/* The linear map is physically contiguous: one segment. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			virt_to_phys(buf + 7));
	KUNIT_EXPECT_EQ(test, seglen, len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 1000, &seglen),
			virt_to_phys(buf + 1007));
	KUNIT_EXPECT_EQ(test, seglen, len - 1000);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, md, &first), 1);

	md_expect_bytes(test, md, buf + 7, len);
	md_write_pat(test, md, 500, 2 * PAGE_SIZE, 9, buf + 7, NULL);
	md_expect_bytes(test, md, buf + 7, len);
	KUNIT_EXPECT_EQ(test, buf[6], md_pat(6, 1));
	KUNIT_EXPECT_EQ(test, buf[len + 7], md_pat(len + 7, 1));

	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
}

/*
 * A linear-map range of many pages, over 2 MiB boundaries (x86-64's step
 * of the validity check): one chunk, at virt_to_phys() of its start.
 */
static void dmacmd_test_md_kva_linear_run(struct kunit *test)
{
	const size_t len = SZ_2M + SZ_1M + 3;
	unsigned int order = get_order(SZ_4M);
	u8 *buf = page_address(md_pages(test, order)) + PAGE_SIZE + 5;
	phys_addr_t first;
	struct dmacmd_md *md;
	u64 seglen;

	md_fill(buf, len, 0, 4);
	md = md_track(test, dmacmd_md_from_kva(buf, len, DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			virt_to_phys(buf));
	KUNIT_EXPECT_EQ(test, seglen, len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, SZ_2M, &seglen),
			virt_to_phys(buf + SZ_2M));
	KUNIT_EXPECT_EQ(test, seglen, len - SZ_2M);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, md, &first), 1);
	KUNIT_EXPECT_EQ(test, first, virt_to_phys(buf));
	md_expect_bytes(test, md, buf, len);
}

static void dmacmd_test_md_kva_vmalloc(struct kunit *test)
{
	const size_t len = 5 * PAGE_SIZE - 20;
	u8 *v = dmacmd_kt_vmalloc(test, 5 * PAGE_SIZE);
	struct dmacmd_md *md;
	unsigned int i, n;
	u64 seglen;

	md_fill(v, 5 * PAGE_SIZE, 0, 2);
	md = md_track(test, dmacmd_md_from_kva(v + 10, len, DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(md), (void *)(v + 10));

	/* Each page is where vmalloc_to_page() says. */
	for (i = 0; i < 5; i++) {
		u64 off = i ? i * PAGE_SIZE - 10 : 0;
		phys_addr_t want = page_to_phys(vmalloc_to_page(v + 10 + off)) +
				   offset_in_page(v + 10 + off);

		KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, off, &seglen),
				want);
		KUNIT_EXPECT_GT(test, seglen, 0);
	}
	n = md_walk_check(test, md, NULL);
	KUNIT_EXPECT_GE(test, n, 1);
	KUNIT_EXPECT_LE(test, n, 5);

	md_expect_bytes(test, md, v + 10, len);
	md_write_pat(test, md, PAGE_SIZE - 30, 3 * PAGE_SIZE, 7, v + 10, NULL);
	md_expect_bytes(test, md, v + 10, len);
	KUNIT_EXPECT_EQ(test, v[9], md_pat(9, 2));
}

static void dmacmd_test_md_kva_bad_address(struct kunit *test)
{
	long live = md_live(test);
	u8 *v = dmacmd_kt_vmalloc(test, 2 * PAGE_SIZE);
	u8 *buf = md_kmalloc(test, 64);
	u8 on_stack[64];

	MD_EXPECT_ERR(test, dmacmd_md_from_kva(NULL, 64, DMA_TO_DEVICE),
		      -EINVAL);
#ifdef MODULE
	/* Built in, this is the kernel image's data: linear-map memory. */
	MD_EXPECT_ERR(test, dmacmd_md_from_kva(md_module_data, 64,
					       DMA_TO_DEVICE), -EINVAL);
#endif
	MD_EXPECT_ERR(test, dmacmd_md_from_kva((void *)0x10000, 64,
					       DMA_TO_DEVICE), -EINVAL);
	/* Runs into the unmapped guard page after the vmalloc area. */
	MD_EXPECT_ERR(test, dmacmd_md_from_kva(v + PAGE_SIZE, 2 * PAGE_SIZE,
					       DMA_TO_DEVICE), -EINVAL);
	/*
	 * From the last page of the linear map on past its end: refused,
	 * though the first page is valid (the check goes on along the run).
	 */
	MD_EXPECT_ERR(test, dmacmd_md_from_kva((u8 *)high_memory - PAGE_SIZE,
					       PAGE_SIZE + SZ_4M,
					       DMA_TO_DEVICE), -EINVAL);
	/* Length 0 is an empty descriptor: dmacmd_test_md_zero_length. */
	MD_EXPECT_ERR(test, dmacmd_md_from_kva(buf, SIZE_MAX, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_kva(buf, 64,
					       (enum dma_data_direction)7),
		      -EINVAL);
	/* The caller's stack: gone when it returns, refused by the DMA API. */
	memset(on_stack, 0, sizeof(on_stack));
	MD_EXPECT_ERR(test, dmacmd_md_from_kva(on_stack, sizeof(on_stack),
					       DMA_TO_DEVICE), -EINVAL);
}

/* ---- Page arrays ---- */

static void dmacmd_test_md_pages_array(struct kunit *test)
{
	struct page *block = md_pages(test, 2);
	struct page *pages[4], *rev[4];
	u8 *mirror = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	struct dmacmd_md *md, *mr;
	unsigned int i;
	u64 seglen;

	KUNIT_ASSERT_NOT_NULL(test, mirror);
	for (i = 0; i < 4; i++) {
		pages[i] = nth_page(block, i);
		rev[3 - i] = pages[i];
		md_fill(page_address(pages[i]), PAGE_SIZE, i * PAGE_SIZE, 3);
	}
	md_fill(mirror, 4 * PAGE_SIZE, 0, 3);

	/* Physically adjacent pages merge into one segment. */
	md = md_track(test, dmacmd_md_from_pages(pages, 4, 100,
						 3 * PAGE_SIZE,
						 DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			page_to_phys(block) + 100);
	KUNIT_EXPECT_EQ(test, seglen, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, md, NULL), 1);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(md));
	md_expect_bytes(test, md, mirror + 100, 3 * PAGE_SIZE);

	/* Reversed, no two neighbours are adjacent; offset past a page. */
	mr = md_track(test, dmacmd_md_from_pages(rev, 4, PAGE_SIZE + 8,
						 2 * PAGE_SIZE,
						 DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(mr, 0, &seglen),
			page_to_phys(rev[1]) + 8);
	KUNIT_EXPECT_EQ(test, seglen, PAGE_SIZE - 8);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(mr, PAGE_SIZE, &seglen),
			page_to_phys(rev[2]) + 8);
	KUNIT_EXPECT_EQ(test, seglen, PAGE_SIZE - 8);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, mr, NULL), 3);

	/* Writes land in the pages themselves. */
	md_write_pat(test, mr, 0, 2 * PAGE_SIZE, 5, NULL, NULL);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(rev[1]))[8], md_pat(0, 5));
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(rev[3]))[7],
			md_pat(2 * PAGE_SIZE - 1, 5));
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(rev[3]))[8], md_pat(8, 3));
}

static void dmacmd_test_md_pages_bad_input(struct kunit *test)
{
	long live = md_live(test);
	struct page *pages[2] = { md_page(test), NULL };

	MD_EXPECT_ERR(test, dmacmd_md_from_pages(NULL, 1, 0, 10,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(ERR_PTR(-ENOMEM), 1, 0, 10,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 0, 0, 10,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 1, 0, 0,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 1, 1, PAGE_SIZE,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 1, SIZE_MAX, 2,
						 DMA_TO_DEVICE), -EINVAL);
	/* The second page of the range is NULL. */
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 2, 0, PAGE_SIZE + 1,
						 DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_pages(pages, 1, 0, 10,
						 (enum dma_data_direction)-1),
		      -EINVAL);
}

/* ---- Borrowed sg_table ---- */

static void dmacmd_test_md_sgtable_borrowed(struct kunit *test)
{
	struct sg_table *sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	struct page *p0 = md_page(test), *p1 = md_page(test);
	const size_t len = 300 + PAGE_SIZE + 50;
	u8 *kbuf = md_kmalloc(test, 64);
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	struct scatterlist *sg;
	struct dmacmd_md *md;
	u64 seglen;

	KUNIT_ASSERT_NOT_NULL(test, sgt);
	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(page_address(p0), PAGE_SIZE, 0, 4);
	md_fill(page_address(p1), PAGE_SIZE, PAGE_SIZE, 4);
	md_fill(kbuf, 64, 2 * PAGE_SIZE, 4);
	memcpy(want, page_address(p0) + 100, 300);
	memcpy(want + 300, page_address(p1), PAGE_SIZE);
	memcpy(want + 300 + PAGE_SIZE, kbuf, 50);

	KUNIT_ASSERT_EQ(test, sg_alloc_table(sgt, 4, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							md_sg_free_action,
							sgt), 0);
	sg = sgt->sgl;
	sg_set_page(sg, p0, 300, 100);
	sg = sg_next(sg);
	sg_set_page(sg, p1, 0, 0);		/* empty entry: skipped */
	sg = sg_next(sg);
	sg_set_page(sg, p1, PAGE_SIZE, 0);
	sg = sg_next(sg);
	sg_set_buf(sg, kbuf, 50);

	md = dmacmd_md_from_sgtable(sgt, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			page_to_phys(p0) + 100);
	KUNIT_EXPECT_EQ(test, seglen, 300);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 300, &seglen),
			page_to_phys(p1));
	KUNIT_EXPECT_GE(test, seglen, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, len - 1, &seglen),
			virt_to_phys(kbuf + 49));
	KUNIT_EXPECT_EQ(test, seglen, 1);
	md_walk_check(test, md, NULL);
	md_expect_bytes(test, md, want, len);
	md_write_pat(test, md, 250, PAGE_SIZE + 80, 8, NULL, want);
	md_expect_bytes(test, md, want, len);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(p0) + 100, want, 300);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(p1), want + 300,
			   PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, kbuf, want + 300 + PAGE_SIZE, 50);

	/* Released: the table is the caller's and stays intact. */
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, sgt->orig_nents, 4);
	KUNIT_EXPECT_PTR_EQ(test, sg_page(sgt->sgl), p0);
	KUNIT_EXPECT_EQ(test, sgt->sgl->length, 300);
}

static void dmacmd_test_md_sgtable_bad_input(struct kunit *test)
{
	long live = md_live(test);
	struct sg_table *sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	struct page *page = md_page(test);

	KUNIT_ASSERT_NOT_NULL(test, sgt);
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(NULL, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(ERR_PTR(-EIO),
						   DMA_TO_DEVICE), -EINVAL);
	/* No entries. */
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(sgt, DMA_TO_DEVICE),
		      -EINVAL);

	KUNIT_ASSERT_EQ(test, sg_alloc_table(sgt, 2, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							md_sg_free_action,
							sgt), 0);
	/* Only empty entries. */
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(sgt, DMA_TO_DEVICE),
		      -EINVAL);
	/* An entry with a length but no page. */
	sg_set_page(sgt->sgl, page, 10, 0);
	sg_next(sgt->sgl)->length = 10;
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(sgt, DMA_TO_DEVICE),
		      -EINVAL);
	sg_set_page(sg_next(sgt->sgl), page, 10, 20);
	MD_EXPECT_ERR(test, dmacmd_md_from_sgtable(sgt,
						   (enum dma_data_direction)4),
		      -EINVAL);
}

/* ---- User memory ---- */

static void dmacmd_test_md_user_pin_and_copy(struct kunit *test)
{
	const size_t len = 3 * PAGE_SIZE - 5;
	unsigned long ua = md_user_filled(test, 4, 0, 11);
	u8 *want = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	u8 *back = kunit_kzalloc(test, 3 * PAGE_SIZE, GFP_KERNEL);
	struct dmacmd_md *md;
	struct page *page;
	u64 seglen;
	phys_addr_t p;

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, back);
	md_fill(want, 4 * PAGE_SIZE, 0, 11);
	md = md_track(test, dmacmd_md_from_user(ua + 100, len,
						DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	/* ua + 100 .. ua + 100 + len spans 4 pages. */
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	p = dmacmd_md_phys_segment(md, 0, &seglen);
	KUNIT_ASSERT_GT(test, seglen, 0);
	KUNIT_EXPECT_EQ(test, offset_in_page(p), 100);
	page = pfn_to_page(PHYS_PFN(p));
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	md_walk_check(test, md, NULL);
	md_expect_bytes(test, md, want + 100, len);

	/* Bytes written through the descriptor reach the process. */
	md_write_pat(test, md, PAGE_SIZE, PAGE_SIZE + 7, 12, NULL, want + 100);
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)ua,
					     2 * PAGE_SIZE + 107), 0);
	KUNIT_EXPECT_MEMEQ(test, back + 100 + PAGE_SIZE,
			   want + 100 + PAGE_SIZE, PAGE_SIZE + 7);
	KUNIT_EXPECT_EQ(test, back[99 + PAGE_SIZE], md_pat(99 + PAGE_SIZE, 11));

	/* Nested prepare: one pin; the last complete unpins. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
}

/* How many of the @n pages of user memory at @ua lie in ZONE_MOVABLE. */
static unsigned int md_user_movable(struct kunit *test, unsigned long ua,
				    unsigned int n)
{
	struct page **pages = kunit_kcalloc(test, n, sizeof(*pages),
					    GFP_KERNEL);
	unsigned int i, movable = 0;
	int got;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	/* A plain reference: not FOLL_LONGTERM, so nothing migrates. */
	got = get_user_pages_fast(ua, n, 0, pages);
	KUNIT_ASSERT_EQ(test, got, n);
	for (i = 0; i < n; i++) {
		movable += page_zonenum(pages[i]) == ZONE_MOVABLE;
		put_page(pages[i]);
	}
	kunit_kfree(test, pages);
	return movable;
}

/*
 * A prepare pins user memory for as long as a device may use it
 * (FOLL_LONGTERM), which moves pages out of ZONE_MOVABLE first (make
 * check's direct boot has movablecore=): the descriptor must then hold
 * the new pages, and what the process wrote and what is written through
 * the descriptor must be where both sides look.
 */
static void dmacmd_test_md_user_movable(struct kunit *test)
{
	const unsigned int n = 16;
	const size_t len = n * PAGE_SIZE;
	unsigned long ua = md_user_filled(test, n, 0, 21);
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	u8 *back = kunit_kzalloc(test, len, GFP_KERNEL);
	unsigned int before, pinned_movable = 0;
	struct dmacmd_md *md;
	u64 off, seglen;

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, back);
	before = md_user_movable(test, ua, n);
	if (!before)
		kunit_skip(test, "no user page in ZONE_MOVABLE (no movablecore=)");
	kunit_info(test, "%u of %u pages in ZONE_MOVABLE before the pin\n",
		   before, n);
	md_fill(want, len, 0, 21);
	md = md_track(test, dmacmd_md_from_user(ua, len, DMA_BIDIRECTIONAL));
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	for (off = 0; off < len; off += seglen) {
		phys_addr_t p = dmacmd_md_phys_segment(md, off, &seglen);

		KUNIT_ASSERT_GT(test, seglen, 0);
		pinned_movable += page_zonenum(pfn_to_page(PHYS_PFN(p))) ==
				  ZONE_MOVABLE;
	}
	KUNIT_EXPECT_EQ(test, pinned_movable, 0);
	/* The process's mapping follows the pages that moved. */
	KUNIT_EXPECT_EQ(test, md_user_movable(test, ua, n), 0);
	md_expect_bytes(test, md, want, len);
	md_write_pat(test, md, 3 * PAGE_SIZE + 9, 5 * PAGE_SIZE, 22, NULL, want);
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)ua, len), 0);
	KUNIT_EXPECT_MEMEQ(test, back, want, len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
}

static void dmacmd_test_md_user_not_prepared(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 2, 0, 13);
	struct dmacmd_md *md, *sub;
	u8 buf[16];
	u64 seglen = 1;

	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	sub = md_track(test, dmacmd_md_sub(md, 10, 100, DMA_FROM_DEVICE));
	memset(buf, 0xa5, sizeof(buf));
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 0, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(sub, 0, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 0xa5);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen), 0);
	KUNIT_EXPECT_EQ(test, seglen, 0);
	seglen = 1;
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(sub, 5, &seglen), 0);
	KUNIT_EXPECT_EQ(test, seglen, 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));

	/* Preparing the sub-range prepares (pins) its parent. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(sub), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(sub, 0, buf, sizeof(buf)),
			sizeof(buf));
	KUNIT_EXPECT_EQ(test, buf[0], md_pat(10, 13));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

static void dmacmd_test_md_user_read_only_mapping(struct kunit *test)
{
	unsigned long ua = dmacmd_kt_user_map(test, 2 * PAGE_SIZE, PROT_READ);
	struct dmacmd_md *md;
	u8 *buf;

	/* The device would write read-only memory: refused, nothing pinned. */
	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -EFAULT);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);

	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -EFAULT);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	/* The device only reads it: fine, and it reads zeroes. */
	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_TO_DEVICE));
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 2);
	buf = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xff, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, buf, 2 * PAGE_SIZE),
			2 * PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 2 * PAGE_SIZE));
	/* Pinned read-only (maybe the shared zero page): never written. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 0, buf, 8), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

static void dmacmd_test_md_user_unmapped(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 3, 0, 14);
	struct dmacmd_md *md;

	/* The last page goes away: the first two get pinned, then undone. */
	KUNIT_ASSERT_EQ(test, vm_munmap(ua + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	md = md_track(test, dmacmd_md_from_user(ua + 8, 3 * PAGE_SIZE - 16,
						DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -EFAULT);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	/* Entirely unmapped. */
	md = md_track(test, dmacmd_md_from_user(ua + 2 * PAGE_SIZE, 100,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -EFAULT);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	/* What is still mapped works. */
	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, md_read_byte(test, md, PAGE_SIZE + 3),
			md_pat(PAGE_SIZE + 3, 14));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
}

/*
 * The pin takes the mmap_lock of the memory's process after the
 * descriptor's mutex.  A caller of that process holding the mmap_lock,
 * to read or to write, would take them the other way round (a lockdep
 * report, a deadlock with a queued writer, or a wait for itself): the
 * prepare fails instead, where lockdep tells who holds the lock.
 */
static void dmacmd_test_md_user_mmap_lock_held(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 2, 0, 45);
	struct mm_struct *mm = current->mm;
	struct dmacmd_md *md, *sub;
	int ret;

	if (!IS_ENABLED(CONFIG_LOCKDEP) || !debug_locks)
		kunit_skip(test, "only lockdep knows who holds the lock");
	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_BIDIRECTIONAL));
	sub = md_track(test, dmacmd_md_sub(md, 8, PAGE_SIZE,
					   DMA_BIDIRECTIONAL));
	mmap_read_lock(mm);
	ret = dmacmd_md_prepare(md);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, -EDEADLK);
	mmap_write_lock(mm);
	ret = dmacmd_md_prepare(sub);
	mmap_write_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, -EDEADLK);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	/* Not held: pinned. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(sub), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 2);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);
}

/* The caller's RLIMIT_MEMLOCK, set to leave @pages more, and its old value. */
static unsigned long md_memlock_set(struct mm_struct *mm, unsigned long pages)
{
	struct rlimit *rl = &current->signal->rlim[RLIMIT_MEMLOCK];
	unsigned long old;

	task_lock(current->group_leader);
	old = rl->rlim_cur;
	rl->rlim_cur = (atomic64_read(&mm->pinned_vm) + pages) << PAGE_SHIFT;
	task_unlock(current->group_leader);
	return old;
}

static void md_memlock_restore(unsigned long old)
{
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK].rlim_cur = old;
	task_unlock(current->group_leader);
}

/*
 * Pinned user pages count in the process's pinned_vm against the caller's
 * RLIMIT_MEMLOCK, as RDMA's do; CAP_IPC_LOCK lifts the limit.
 */
static void dmacmd_test_md_user_memlock(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 4, 0, 46);
	struct mm_struct *mm = current->mm;
	const struct cred *old_cred;
	struct dmacmd_md *md;
	struct cred *cred;
	s64 pinned0;
	unsigned long old;

	md = md_track(test, dmacmd_md_from_user(ua, 4 * PAGE_SIZE,
						DMA_BIDIRECTIONAL));
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_IPC_LOCK);
	old_cred = override_creds(cred);
	pinned0 = atomic64_read(&mm->pinned_vm);

	old = md_memlock_set(mm, 3);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mm->pinned_vm), pinned0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	md_memlock_set(mm, 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mm->pinned_vm), pinned0 + 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mm->pinned_vm), pinned0);

	/* With CAP_IPC_LOCK, the limit does not apply. */
	revert_creds(old_cred);
	put_cred(cred);
	md_memlock_set(mm, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mm->pinned_vm), pinned0 + 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	md_memlock_restore(old);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mm->pinned_vm), pinned0);
}

/*
 * The last line of the kernel log holding every string of @want (NULL
 * ends the list), into @line; false if none (a rate limit kept it out).
 */
static bool md_log_last(const char *const *want, char *line, size_t size)
{
	struct kmsg_dump_iter iter;
	bool found = false;
	char buf[512];
	size_t len;
	int i;

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, false, buf, sizeof(buf) - 1, &len)) {
		buf[len] = '\0';
		for (i = 0; want[i] && strstr(buf, want[i]); i++)
			;
		if (!want[i]) {
			strscpy(line, buf, size);
			found = true;
		}
	}
	return found;
}

/* Expect the last log line with @want to hold none of @addrs. */
static void md_expect_log_without(struct kunit *test,
				  const char *const *want,
				  const char *const *addrs)
{
	char line[512];
	int i;

	if (!md_log_last(want, line, sizeof(line))) {
		kunit_info(test, "no \"%s\" line: rate-limited", want[0]);
		return;
	}
	for (i = 0; addrs[i]; i++)
		KUNIT_EXPECT_NULL_MSG(test, strstr(line, addrs[i]),
				      "address %s in: %s", addrs[i], line);
}

/*
 * Whoever can read the kernel log may read what a caller's bad input
 * makes dmacmd log: sizes, offsets and reasons, never a user or a
 * physical address (kernel pointers go through %p, which hashes them).
 */
static void dmacmd_test_md_log_no_addresses(struct kunit *test)
{
	unsigned long ua = dmacmd_kt_user_map(test, 2 * PAGE_SIZE, PROT_READ);
	const size_t huge = (totalram_pages() + 0x1235) << PAGE_SHIFT;
	const phys_addr_t phys = (phys_addr_t)-PAGE_SIZE;
	char user[24], huge_hex[24], phys_hex[24];
	const char *const user_line[] = { "bad user range", huge_hex, NULL };
	const char *const user_addr[] = { user, NULL };
	const char *const phys_line[] = { "bad physical range", NULL };
	const char *const phys_addr[] = { phys_hex, NULL };
	const char *const pin_line[] = { "cannot pin user memory", NULL };
	long live = md_live(test);
	struct dmacmd_md *md;

	snprintf(user, sizeof(user), "%lx", ua);
	snprintf(huge_hex, sizeof(huge_hex), "%zx", huge);
	snprintf(phys_hex, sizeof(phys_hex), "%llx", (u64)phys);

	MD_EXPECT_ERR(test, dmacmd_md_from_user(ua, huge, DMA_TO_DEVICE),
		      -ENOMEM);
	md_expect_log_without(test, user_line, user_addr);

	MD_EXPECT_ERR(test, dmacmd_md_from_phys(phys, 2 * PAGE_SIZE,
						DMA_TO_DEVICE), -EINVAL);
	md_expect_log_without(test, phys_line, phys_addr);

	/* Read-only memory the device would write: the pin fails. */
	md = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), -EFAULT);
	md_expect_log_without(test, pin_line, user_addr);
}

static void dmacmd_test_md_user_bad_address(struct kunit *test)
{
	long live = md_live(test);
	u8 *kbuf = md_kmalloc(test, 64);
	unsigned long ua;

	/* A kernel thread without an mm has no user memory. */
	if (!current->mm)
		MD_EXPECT_ERR(test, dmacmd_md_from_user(0x100000, 64,
							DMA_TO_DEVICE),
			      -EINVAL);

	ua = dmacmd_kt_user_map(test, PAGE_SIZE, PROT_READ | PROT_WRITE);
	/* A kernel address is not user memory: access_ok() fails. */
	MD_EXPECT_ERR(test, dmacmd_md_from_user((unsigned long)kbuf, 64,
						DMA_TO_DEVICE), -EFAULT);
	/* Length 0 is an empty descriptor: dmacmd_test_md_zero_length. */
	MD_EXPECT_ERR(test, dmacmd_md_from_user(ULONG_MAX - 10, 64,
						DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_user(ua, 64,
						(enum dma_data_direction)9),
		      -EINVAL);
}

struct md_work {
	struct work_struct work;
	struct dmacmd_md *md;
	bool prepare;
	bool had_mm;
	int ret;
};

static void md_work_fn(struct work_struct *work)
{
	struct md_work *w = container_of(work, struct md_work, work);

	w->had_mm = current->mm;
	w->ret = w->prepare ? dmacmd_md_prepare(w->md) :
			      dmacmd_md_complete(w->md);
}

static int md_in_worker(struct dmacmd_md *md, bool prepare, bool *had_mm)
{
	struct md_work w = { .md = md, .prepare = prepare, .ret = -EIO };

	INIT_WORK_ONSTACK(&w.work, md_work_fn);
	schedule_work(&w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	*had_mm = w.had_mm;
	return w.ret;
}

/*
 * A user range longer than the machine could ever pin is refused when it
 * is described (-ENOMEM, logged), not left for the first prepare to ask
 * the allocator for an absurd page array (kvmalloc() WARNs above
 * INT_MAX).
 */
static void dmacmd_test_md_user_absurd_length(struct kunit *test)
{
	/* Low in the address space: a user range to access_ok(). */
	const unsigned long ua = SZ_1M;
	/* 1 TiB; with a 32-bit size_t, the largest page-aligned length. */
	const size_t len = min_t(u64, 1ULL << 40, SIZE_MAX & PAGE_MASK);
	struct dmacmd_md *md;

	if ((len >> PAGE_SHIFT) <= totalram_pages())
		kunit_skip(test, "%zu bytes is not more than this machine's RAM",
			   len);
	dmacmd_kt_user_map(test, PAGE_SIZE, PROT_READ);
	md = dmacmd_md_from_user(ua, len, DMA_TO_DEVICE);
	if (!IS_ERR(md)) {
		KUNIT_EXPECT_NE(test, dmacmd_md_prepare(md), 0);
		dmacmd_md_put(md);
		KUNIT_FAIL(test, "%zu bytes of user memory described", len);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(md), -ENOMEM);
}

/* Pinning and unpinning use the descriptor's mm, not the caller's. */
static void dmacmd_test_md_user_other_context(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 3, 0, 15);
	u8 *want = kunit_kmalloc(test, 3 * PAGE_SIZE, GFP_KERNEL);
	struct dmacmd_md *md;
	bool had_mm = true;

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(want, 3 * PAGE_SIZE, 0, 15);
	md = md_track(test, dmacmd_md_from_user(ua, 3 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, md_in_worker(md, true, &had_mm), 0);
	KUNIT_EXPECT_FALSE(test, had_mm);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 3);
	md_expect_bytes(test, md, want, 3 * PAGE_SIZE);
	had_mm = true;
	KUNIT_EXPECT_EQ(test, md_in_worker(md, false, &had_mm), 0);
	KUNIT_EXPECT_FALSE(test, had_mm);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
}

static void dmacmd_test_md_user_put_while_prepared(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 2, 0, 16);
	struct dmacmd_md *md, *multi;

	md = dmacmd_md_from_user(ua, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 2);
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_EQ(test, md_live(test), 0);

	/* Same through a concatenation that is the only owner. */
	md = dmacmd_md_from_user(ua, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	multi = dmacmd_md_multi(&md, 1, DMA_BIDIRECTIONAL);
	dmacmd_md_put(md);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, multi);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(multi), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 1);
	dmacmd_md_put(multi);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_EQ(test, md_live(test), 0);
}

/* ---- Physical ranges ---- */

static void dmacmd_test_md_phys_range(struct kunit *test)
{
	struct page *block = md_pages(test, 2);
	phys_addr_t base = page_to_phys(block), far = 1ULL << 45;
	long live = md_live(test);
	struct dmacmd_md *md;
	u8 buf[8];
	u64 seglen;

	/* Length 0 is an empty descriptor: dmacmd_test_md_zero_length. */
	MD_EXPECT_ERR(test, dmacmd_md_from_phys((phys_addr_t)~0ULL - 10, 64,
						DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_phys(base, 64,
						(enum dma_data_direction)5),
		      -EINVAL);

	md_fill(page_address(block), 4 * PAGE_SIZE, 0, 17);
	md = md_track(test, dmacmd_md_from_phys(base + 100, 3 * PAGE_SIZE,
						DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			base + 100);
	KUNIT_EXPECT_EQ(test, seglen, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, PAGE_SIZE, &seglen),
			base + 100 + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, seglen, 2 * PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(md));
	md_expect_bytes(test, md, page_address(block) + 100, 3 * PAGE_SIZE);
	md_write_pat(test, md, 4000, 300, 18, page_address(block) + 100,
		     NULL);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(block))[4100],
			md_pat(4000, 18));
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(block))[4099],
			md_pat(4099, 17));

	/* Physical memory without a struct page: segments, but no copies. */
	if (pfn_valid(PHYS_PFN(far)))
		kunit_skip(test, "%pa has a struct page here", &far);
	md = md_track(test, dmacmd_md_from_phys(far, 2 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 10, &seglen),
			far + 10);
	KUNIT_EXPECT_EQ(test, seglen, 2 * PAGE_SIZE - 10);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 0, buf, sizeof(buf)), 0);
}

/* ---- Several ranges ---- */

static void dmacmd_test_md_ranges_phys(struct kunit *test)
{
	struct page *a = md_page(test), *b = md_page(test);
	const u64 len = 100 + PAGE_SIZE + 50;
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	struct dmacmd_range r[3] = {
		{ page_to_phys(a) + 10, 100 },
		{ page_to_phys(b), PAGE_SIZE },
		{ page_to_phys(a) + 200, 50 },
	};
	struct dmacmd_md *md;
	u64 seglen;

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(page_address(a), PAGE_SIZE, 0, 19);
	md_fill(page_address(b), PAGE_SIZE, PAGE_SIZE, 19);
	memcpy(want, page_address(a) + 10, 100);
	memcpy(want + 100, page_address(b), PAGE_SIZE);
	memcpy(want + 100 + PAGE_SIZE, page_address(a) + 200, 50);

	md = md_track(test, dmacmd_md_from_ranges(r, 3, DMA_TO_DEVICE, DMACMD_ADDR_PHYS));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, &seglen),
			page_to_phys(a) + 10);
	KUNIT_EXPECT_EQ(test, seglen, 100);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 100, &seglen),
			page_to_phys(b));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, len - 1, &seglen),
			page_to_phys(a) + 249);
	KUNIT_EXPECT_EQ(test, seglen, 1);
	md_walk_check(test, md, NULL);
	md_expect_bytes(test, md, want, len);
	md_write_pat(test, md, 50, PAGE_SIZE + 80, 20, NULL, want);
	md_expect_bytes(test, md, want, len);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(a) + 10, want, 100);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(b), want + 100,
			   PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(a) + 200,
			   want + 100 + PAGE_SIZE, 50);
}

static void dmacmd_test_md_ranges_kernel(struct kunit *test)
{
	u8 *k1 = md_kmalloc(test, 64), *k2 = md_kmalloc(test, 128);
	u8 *v = dmacmd_kt_vmalloc(test, 2 * PAGE_SIZE);
	const u64 len = 30 + 2 * PAGE_SIZE + 64;
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	struct dmacmd_range r[3] = {
		{ (unsigned long)(k1 + 5), 30 },
		{ (unsigned long)v, 2 * PAGE_SIZE },
		{ (unsigned long)k2, 64 },
	};
	struct dmacmd_md *md;
	u64 seglen;

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(k1, 64, 0, 21);
	md_fill(v, 2 * PAGE_SIZE, 64, 21);
	md_fill(k2, 128, 3 * PAGE_SIZE, 21);
	memcpy(want, k1 + 5, 30);
	memcpy(want + 30, v, 2 * PAGE_SIZE);
	memcpy(want + 30 + 2 * PAGE_SIZE, k2, 64);

	md = md_track(test, dmacmd_md_from_ranges(r, 3, DMA_BIDIRECTIONAL,
						  DMACMD_ADDR_KERNEL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 30, &seglen),
			page_to_phys(vmalloc_to_page(v)));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, len - 64, &seglen),
			virt_to_phys(k2));
	KUNIT_EXPECT_EQ(test, seglen, 64);
	md_walk_check(test, md, NULL);
	md_expect_bytes(test, md, want, len);
	md_write_pat(test, md, 20, 2 * PAGE_SIZE + 30, 22, NULL, want);
	md_expect_bytes(test, md, want, len);
	KUNIT_EXPECT_MEMEQ(test, k1 + 5, want, 30);
	KUNIT_EXPECT_MEMEQ(test, v, want + 30, 2 * PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, k2, want + 30 + 2 * PAGE_SIZE, 64);

	/* One range: the kernel address is the descriptor's. */
	md = md_track(test, dmacmd_md_from_ranges(&r[2], 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(md), (void *)k2);
}

static void dmacmd_test_md_ranges_user(struct kunit *test)
{
	unsigned long u1 = md_user_filled(test, 2, 0, 23);
	unsigned long u2 = md_user_filled(test, 2, 2 * PAGE_SIZE, 23);
	const u64 len = PAGE_SIZE + PAGE_SIZE + 9;
	u8 *want = kunit_kmalloc(test, 2 * len, GFP_KERNEL);
	struct dmacmd_range r[2] = {
		{ u1 + 7, PAGE_SIZE },
		{ u2, PAGE_SIZE + 9 },
	};
	long live = md_live(test);
	struct dmacmd_md *md;
	u8 b;

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(want, PAGE_SIZE, 7, 23);
	md_fill(want + PAGE_SIZE, PAGE_SIZE + 9, 2 * PAGE_SIZE, 23);

	md = md_track(test, dmacmd_md_from_ranges(r, 2, DMA_BIDIRECTIONAL,
						  DMACMD_ADDR_USER));
	/* One concatenation of one user descriptor per range: three. */
	KUNIT_EXPECT_EQ(test, md_live(test), live + 3);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), len);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, &b, 1), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	md_walk_check(test, md, NULL);
	md_expect_bytes(test, md, want, len);

	md_write_pat(test, md, PAGE_SIZE - 3, 10, 24, NULL, want);
	KUNIT_ASSERT_EQ(test, copy_from_user(want + len, (void __user *)u2, 7),
			0);
	KUNIT_EXPECT_MEMEQ(test, want + len, want + PAGE_SIZE, 7);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

static void dmacmd_test_md_ranges_bad_input(struct kunit *test)
{
	long live = md_live(test);
	u8 *k = md_kmalloc(test, 64);
	struct page *page = md_page(test);
	struct dmacmd_range ok = { page_to_phys(page), 64 };
	struct dmacmd_range r[2] = { { (unsigned long)k, 64 }, { 0, 0 } };
	struct dmacmd_range wrap = { U64_MAX - 10, 64 };

	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(NULL, 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_PHYS), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&ok, 0, DMA_TO_DEVICE,
						  DMACMD_ADDR_PHYS), -EINVAL);
	/* A zero-length range. */
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(r, 2, DMA_TO_DEVICE,
						  DMACMD_ADDR_KERNEL),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&wrap, 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_PHYS), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&wrap, 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_KERNEL),
		      -EINVAL);
	/* A physical address is no kernel virtual address. */
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&ok, 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_KERNEL),
		      -EINVAL);
	/* An address space that is none of the three. */
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&ok, 1, DMA_TO_DEVICE,
						  (enum dmacmd_addr_space)3),
		      -EINVAL);
	dmacmd_kt_user_map(test, PAGE_SIZE, PROT_READ | PROT_WRITE);
	/* A kernel address is not user memory. */
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(r, 1, DMA_TO_DEVICE,
						  DMACMD_ADDR_USER), -EFAULT);
	MD_EXPECT_ERR(test, dmacmd_md_from_ranges(&ok, 1,
						  (enum dma_data_direction)6,
						  DMACMD_ADDR_PHYS), -EINVAL);
}

/* ---- Sub-ranges and concatenations ---- */

static void dmacmd_test_md_sub_range(struct kunit *test)
{
	u8 *v = dmacmd_kt_vmalloc(test, 4 * PAGE_SIZE);
	struct dmacmd_md *parent, *sub, *sub2;
	u64 seglen;

	md_fill(v, 4 * PAGE_SIZE, 0, 25);
	parent = dmacmd_md_from_kva(v, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
	sub = md_track(test, dmacmd_md_sub(parent, 1000, 2 * PAGE_SIZE,
					   DMA_TO_DEVICE));
	sub2 = md_track(test, dmacmd_md_sub(sub, PAGE_SIZE, 10,
					    DMA_TO_DEVICE));
	/* The sub-ranges keep the parent alive. */
	dmacmd_md_put(parent);

	KUNIT_EXPECT_EQ(test, dmacmd_md_length(sub), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(sub), DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(sub), (void *)(v + 1000));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(sub2),
			    (void *)(v + 1000 + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(sub, 0, &seglen),
			page_to_phys(vmalloc_to_page(v)) + 1000);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(sub2, 3, &seglen),
			page_to_phys(vmalloc_to_page(v + 1003 + PAGE_SIZE)) +
			offset_in_page(1003 + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, seglen, 7);
	md_walk_check(test, sub, NULL);
	md_expect_bytes(test, sub, v + 1000, 2 * PAGE_SIZE);
	md_expect_bytes(test, sub2, v + 1000 + PAGE_SIZE, 10);
	md_write_pat(test, sub2, 0, 10, 26, v + 1000 + PAGE_SIZE, NULL);
	KUNIT_EXPECT_EQ(test, v[1000 + PAGE_SIZE + 10],
			md_pat(1000 + PAGE_SIZE + 10, 25));
	md_expect_bytes(test, sub, v + 1000, 2 * PAGE_SIZE);
}

static void dmacmd_test_md_sub_bad_input(struct kunit *test)
{
	long live = md_live(test);
	u8 *k = md_kmalloc(test, 256);
	struct dmacmd_md *parent, *ro;

	parent = md_track(test, dmacmd_md_from_kva(k, 256, DMA_BIDIRECTIONAL));
	ro = md_track(test, dmacmd_md_from_kva(k, 256, DMA_TO_DEVICE));
	live = md_live(test);
	MD_EXPECT_ERR(test, dmacmd_md_sub(NULL, 0, 10, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(ERR_PTR(-ENOMEM), 0, 10,
					  DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, 200, 57, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, 256, 1, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, U64_MAX, 2, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, 0, 10,
					  (enum dma_data_direction)8),
		      -EINVAL);
	/* The device may not write through a read-only parent. */
	MD_EXPECT_ERR(test, dmacmd_md_sub(ro, 0, 10, DMA_FROM_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(ro, 0, 10, DMA_BIDIRECTIONAL),
		      -EINVAL);
	/* The whole parent is a valid sub-range. */
	md_track(test, dmacmd_md_sub(parent, 0, 256, DMA_FROM_DEVICE));
	md_track(test, dmacmd_md_sub(ro, 255, 1, DMA_TO_DEVICE));
}

static void dmacmd_test_md_multi_concat(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 300), *v = dmacmd_kt_vmalloc(test, 3 * PAGE_SIZE);
	struct page *page = md_page(test);
	const u64 len = 300 + 2 * PAGE_SIZE + 100;
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	struct dmacmd_md *kids[3], *multi, *outer, *sub;
	u64 seglen;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(k, 300, 0, 27);
	md_fill(v, 3 * PAGE_SIZE, 300, 27);
	md_fill(page_address(page), PAGE_SIZE, 5 * PAGE_SIZE, 27);
	memcpy(want, k, 300);
	memcpy(want + 300, v + 50, 2 * PAGE_SIZE);
	memcpy(want + 300 + 2 * PAGE_SIZE, page_address(page) + 30, 100);

	kids[0] = md_track(test, dmacmd_md_from_kva(k, 300, DMA_FROM_DEVICE));
	sub = md_track(test, dmacmd_md_from_kva(v, 3 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	kids[1] = md_track(test, dmacmd_md_sub(sub, 50, 2 * PAGE_SIZE,
					       DMA_FROM_DEVICE));
	kids[2] = md_track(test, dmacmd_md_from_phys(page_to_phys(page) + 30,
						     100, DMA_BIDIRECTIONAL));
	multi = md_track(test, dmacmd_md_multi(kids, 3, DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(multi), len);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(multi));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(multi, 299, &seglen),
			virt_to_phys(k + 299));
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(multi, 300, &seglen),
			page_to_phys(vmalloc_to_page(v)) + 50);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(multi, len - 100,
						     &seglen),
			page_to_phys(page) + 30);
	KUNIT_EXPECT_EQ(test, seglen, 100);
	md_walk_check(test, multi, NULL);
	md_expect_bytes(test, multi, want, len);

	/* A write across both boundaries lands in each child. */
	md_write_pat(test, multi, 250, 2 * PAGE_SIZE + 100, 28, NULL, want);
	md_expect_bytes(test, multi, want, len);
	KUNIT_EXPECT_MEMEQ(test, k, want, 300);
	KUNIT_EXPECT_MEMEQ(test, v + 50, want + 300, 2 * PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)page_address(page) + 30,
			   want + 300 + 2 * PAGE_SIZE, 100);

	/* Nested: multi of [multi, sub of multi]; children stay alive. */
	kids[0] = multi;
	kids[1] = md_track(test, dmacmd_md_sub(multi, 290, 20,
					       DMA_FROM_DEVICE));
	outer = md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(outer), len + 20);
	md_walk_check(test, outer, NULL);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, md_read_byte(test, outer, len + i),
				want[290 + i]);

	/* Prepare and complete reach every child. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(outer), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(multi));
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(sub));
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(kids[1]));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(outer), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(multi));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(sub));
}

/* Physically adjacent ends of consecutive children merge. */
static void dmacmd_test_md_multi_coalesce(struct kunit *test)
{
	struct page *block = md_pages(test, 1);
	struct page *second = nth_page(block, 1);
	struct dmacmd_md *a, *b, *kids[2], *ab, *ba;
	u64 seglen;

	a = md_track(test, dmacmd_md_from_phys(page_to_phys(block), PAGE_SIZE,
					       DMA_TO_DEVICE));
	b = md_track(test, dmacmd_md_from_pages(&second, 1, 0, PAGE_SIZE,
						DMA_TO_DEVICE));
	kids[0] = a;
	kids[1] = b;
	ab = md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));
	kids[0] = b;
	kids[1] = a;
	ba = md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));

	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(ab, 0, &seglen),
			page_to_phys(block));
	KUNIT_EXPECT_EQ(test, seglen, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(ab, 5, &seglen),
			page_to_phys(block) + 5);
	KUNIT_EXPECT_EQ(test, seglen, 2 * PAGE_SIZE - 5);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(ba, 0, &seglen),
			page_to_phys(second));
	KUNIT_EXPECT_EQ(test, seglen, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, ab, NULL), 1);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, ba, NULL), 2);
}

static void dmacmd_test_md_multi_bad_input(struct kunit *test)
{
	long live;
	u8 *k = md_kmalloc(test, 64);
	struct dmacmd_md *kids[3], *ro;

	kids[0] = md_track(test, dmacmd_md_from_kva(k, 64, DMA_BIDIRECTIONAL));
	ro = md_track(test, dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE));
	live = md_live(test);
	kids[1] = NULL;
	MD_EXPECT_ERR(test, dmacmd_md_multi(NULL, 1, DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE), -EINVAL);
	kids[1] = ERR_PTR(-ENOMEM);
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE), -EINVAL);
	kids[1] = ro;
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_FROM_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2,
					    (enum dma_data_direction)4),
		      -EINVAL);
	/* The same descriptor twice is fine. */
	kids[2] = kids[0];
	md_track(test, dmacmd_md_multi(kids, 3, DMA_TO_DEVICE));
}

static void dmacmd_test_md_nesting_depth(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 256);
	struct dmacmd_md *chain[DMACMD_MD_ITER_DEPTH], *kids[2];
	long live;
	int i;

	md_fill(k, 256, 0, 29);
	chain[0] = md_track(test, dmacmd_md_from_kva(k, 256, DMA_TO_DEVICE));
	for (i = 1; i < DMACMD_MD_ITER_DEPTH; i++)
		chain[i] = md_track(test, dmacmd_md_sub(chain[i - 1], 1,
							256 - 2 * i,
							DMA_TO_DEVICE));
	/* The deepest allowed descriptor works like any other. */
	md_expect_bytes(test, chain[DMACMD_MD_ITER_DEPTH - 1],
			k + DMACMD_MD_ITER_DEPTH - 1,
			256 - 2 * (DMACMD_MD_ITER_DEPTH - 1));
	KUNIT_EXPECT_EQ(test, md_walk_check(test,
					    chain[DMACMD_MD_ITER_DEPTH - 1],
					    NULL), 1);

	live = md_live(test);
	MD_EXPECT_ERR(test, dmacmd_md_sub(chain[DMACMD_MD_ITER_DEPTH - 1], 0,
					  1, DMA_TO_DEVICE), -EINVAL);
	kids[0] = chain[0];
	kids[1] = chain[DMACMD_MD_ITER_DEPTH - 1];
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE), -EINVAL);
	kids[1] = chain[DMACMD_MD_ITER_DEPTH - 2];
	md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));
}

/* A concatenation of sub-ranges of one user range pins it once. */
static void dmacmd_test_md_nested_user_prepare(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 4, 0, 30);
	struct dmacmd_md *user, *kids[2], *multi;
	u8 *want = kunit_kmalloc(test, 2 * PAGE_SIZE + 5, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, want);
	md_fill(want, PAGE_SIZE, 100, 30);
	md_fill(want + PAGE_SIZE, PAGE_SIZE + 5, 2 * PAGE_SIZE, 30);
	user = md_track(test, dmacmd_md_from_user(ua, 4 * PAGE_SIZE,
						  DMA_BIDIRECTIONAL));
	kids[0] = md_track(test, dmacmd_md_sub(user, 100, PAGE_SIZE,
					       DMA_BIDIRECTIONAL));
	kids[1] = md_track(test, dmacmd_md_sub(user, 2 * PAGE_SIZE,
					       PAGE_SIZE + 5,
					       DMA_FROM_DEVICE));
	multi = md_track(test, dmacmd_md_multi(kids, 2, DMA_FROM_DEVICE));

	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(multi), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(user));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	md_expect_bytes(test, multi, want, 2 * PAGE_SIZE + 5);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(multi), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(user));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);

	/* The user range's own prepare outlives the concatenation's. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(user), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(multi), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(multi), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(user));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 4);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(user), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

/* A failing child undoes the children prepared before it. */
static void dmacmd_test_md_multi_prepare_unwind(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 3, 0, 31);
	struct dmacmd_md *kids[2], *multi;

	KUNIT_ASSERT_EQ(test, vm_munmap(ua + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	kids[0] = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						     DMA_TO_DEVICE));
	kids[1] = md_track(test, dmacmd_md_from_user(ua + 2 * PAGE_SIZE,
						     PAGE_SIZE, DMA_TO_DEVICE));
	multi = md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(multi), -EFAULT);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(multi));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(kids[0]));
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(multi), -EBADFD);
}

/* ---- Allocated buffers ---- */

struct md_alloc_case {
	const char *name;
	size_t capacity;
	u64 mask;
	u32 flags;
};

static const struct md_alloc_case md_alloc_cases[] = {
	{ "24-bit scattered", 2 * PAGE_SIZE, 0x00fff000ULL, 0 },
	{ "28-bit contiguous", 3 * PAGE_SIZE + 5, 0x0ffff000ULL,
	  DMACMD_MD_CONTIGUOUS },
	{ "28-bit scattered", 5 * PAGE_SIZE, 0x0ffff000ULL, 0 },
	{ "32-bit contiguous", 2 * PAGE_SIZE, 0xfffff000ULL,
	  DMACMD_MD_CONTIGUOUS },
	{ "32-bit scattered", 9 * PAGE_SIZE + 1, 0xfffff000ULL, 0 },
	{ "32-bit 64 KiB aligned", PAGE_SIZE, 0xffff0000ULL, 0 },
	{ "64-bit contiguous", 4 * PAGE_SIZE, ~0ULL << 12,
	  DMACMD_MD_CONTIGUOUS },
	{ "64-bit scattered", 17 * PAGE_SIZE + 100, ~0ULL << 12, 0 },
	{ "64-bit byte granular", 100, ~0ULL, 0 },
	{ "no mask", 3 * PAGE_SIZE, 0, 0 },
};

static void md_alloc_desc(const struct md_alloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(md_alloc, md_alloc_cases, md_alloc_desc);

static u64 md_mask_limit(u64 mask)
{
	if (!mask || fls64(mask) == 64)
		return U64_MAX;
	return (1ULL << fls64(mask)) - 1;
}

static void dmacmd_test_md_alloc_mask(struct kunit *test)
{
	const struct md_alloc_case *c = test->param_value;
	u64 limit = md_mask_limit(c->mask), off, seglen;
	u64 align = max_t(u64, c->mask ? c->mask & -c->mask : 1, PAGE_SIZE);
	bool contig = (c->flags & DMACMD_MD_CONTIGUOUS) || align > PAGE_SIZE;
	struct dmacmd_md *md;
	unsigned int n = 0;
	phys_addr_t p;
	u8 *kaddr;

	if (!dmacmd_kt_ram_within(limit)) {
		/* No RAM within the mask (none below 1 GiB on arm64's virt). */
		md = dmacmd_md_alloc(c->capacity, c->mask, c->flags,
				     DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(md), -ENOMEM,
				    "no RAM at or below %#llx", limit);
		if (!IS_ERR_OR_NULL(md))
			dmacmd_md_put(md);
		return;
	}
	md = md_track(test, dmacmd_md_alloc(c->capacity, c->mask, c->flags,
					    DMA_BIDIRECTIONAL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), c->capacity);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	kaddr = dmacmd_md_kaddr(md);
	KUNIT_ASSERT_NOT_NULL(test, kaddr);
	KUNIT_EXPECT_NULL(test, memchr_inv(kaddr, 0, c->capacity));

	/* Every byte of every page lies inside the mask. */
	for (off = 0; off < c->capacity; off += seglen, n++) {
		p = dmacmd_md_phys_segment(md, off, &seglen);
		KUNIT_ASSERT_GT(test, seglen, 0);
		KUNIT_EXPECT_LE_MSG(test, p + seglen - 1, limit,
				    "segment %pa+%llu above the mask %#llx",
				    &p, seglen, c->mask);
		if (!off)
			KUNIT_EXPECT_EQ_MSG(test, p & (align - 1), 0,
					    "start %pa not aligned to %llu",
					    &p, align);
	}
	if (contig)
		KUNIT_EXPECT_EQ(test, n, 1);

	/* The CPU address and the descriptor see the same memory. */
	md_fill(kaddr, c->capacity, 0, 32);
	KUNIT_EXPECT_GE(test, md_walk_check(test, md, NULL), 1);
	md_expect_bytes(test, md, kaddr, c->capacity);
	md_write_pat(test, md, c->capacity / 3, c->capacity / 2, 33, kaddr,
		     NULL);

	/* Always wired, yet prepare and complete still pair. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
}

static void dmacmd_test_md_alloc_bad_input(struct kunit *test)
{
	long live = md_live(test);

	MD_EXPECT_ERR(test, dmacmd_md_alloc(0, 0, 0, DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_alloc(SIZE_MAX, 0, 0, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_alloc(PAGE_SIZE, 0, 0x2, DMA_TO_DEVICE),
		      -EINVAL);
	/* 12 bits hold one page, never two. */
	MD_EXPECT_ERR(test, dmacmd_md_alloc(2 * PAGE_SIZE, 0xfff, 0,
					    DMA_TO_DEVICE), -EINVAL);
	/* Bit 12 as the highest: everything below 8 KiB, never 3 pages. */
	MD_EXPECT_ERR(test, dmacmd_md_alloc(2 * PAGE_SIZE + 1, 0x1000,
					    DMACMD_MD_CONTIGUOUS,
					    DMA_TO_DEVICE), -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_alloc(PAGE_SIZE, 0, 0,
					    (enum dma_data_direction)11),
		      -EINVAL);
}

/* Page hooks that count what they hand out and take back. */
static struct page *md_count_page_alloc(gfp_t gfp, unsigned int order)
{
	struct md_priv *p = md_priv();
	struct page *page;

	if (p->fail_dma && (gfp & __GFP_DMA))
		return NULL;
	page = alloc_pages(gfp, order);
	if (!page)
		return NULL;
	p->pages_out += 1L << order;
	if (gfp & __GFP_DMA)
		p->dma_allocs++;
	else if (page_to_phys(page) + (PAGE_SIZE << order) - 1 > p->limit)
		p->over_limit++;
	return page;
}

static void md_count_page_free(struct page *page, unsigned int order)
{
	md_priv()->pages_out -= 1L << order;
	__free_pages(page, order);
}

static void md_count_pages(struct kunit *test)
{
	kunit_activate_static_stub(test, dmacmd_md_page_alloc,
				   md_count_page_alloc);
	kunit_activate_static_stub(test, dmacmd_md_page_free,
				   md_count_page_free);
}

/*
 * ZONE_DMA32 reaches 4 GiB, so a 28-bit buffer often gets pages above its
 * limit there: each must be given back and ZONE_DMA used instead; with
 * ZONE_DMA failing too, the allocation must fail and leave nothing.  A
 * machine without RAM below the limit (arm64's QEMU virt has none below
 * 1 GiB) gets pages above it from both zones: the allocation fails there,
 * having tried both, and leaves nothing either.
 */
static void dmacmd_test_md_alloc_zone_fallback(struct kunit *test)
{
	struct md_priv *p = test->priv;
	const u64 mask = 0x0ffff000ULL;
	struct dmacmd_md *md;
	u64 off, seglen;
	phys_addr_t pa;

	p->limit = md_mask_limit(mask);
	md_count_pages(test);
	md = dmacmd_md_alloc(4 * PAGE_SIZE, mask, 0, DMA_FROM_DEVICE);
	if (!dmacmd_kt_ram_within(p->limit)) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(md), -ENOMEM);
		if (!IS_ERR_OR_NULL(md))
			dmacmd_md_put(md);
		KUNIT_EXPECT_GT(test, p->over_limit, 0);
		KUNIT_EXPECT_GT(test, p->dma_allocs, 0);
		KUNIT_EXPECT_EQ(test, p->pages_out, 0);
	} else {
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
		KUNIT_EXPECT_EQ(test, p->pages_out, 4);
		if (p->over_limit)
			KUNIT_EXPECT_GT(test, p->dma_allocs, 0);
		for (off = 0; off < 4 * PAGE_SIZE; off += seglen) {
			pa = dmacmd_md_phys_segment(md, off, &seglen);
			KUNIT_ASSERT_GT(test, seglen, 0);
			KUNIT_EXPECT_LE(test, pa + seglen - 1, p->limit);
		}
		dmacmd_md_put(md);
		KUNIT_EXPECT_EQ(test, p->pages_out, 0);
	}

	p->over_limit = 0;
	p->dma_allocs = 0;
	p->fail_dma = true;
	md = dmacmd_md_alloc(2 * PAGE_SIZE, mask, DMACMD_MD_CONTIGUOUS,
			     DMA_FROM_DEVICE);
	if (p->over_limit) {
		KUNIT_EXPECT_TRUE(test, IS_ERR(md));
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(md), -ENOMEM);
	} else {
		/* ZONE_DMA32 happened to give memory below 256 MiB. */
		KUNIT_EXPECT_FALSE(test, IS_ERR(md));
		pa = dmacmd_md_phys_segment(md, 0, &seglen);
		KUNIT_EXPECT_LE(test, pa + 2 * PAGE_SIZE - 1, p->limit);
	}
	if (!IS_ERR(md))
		dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, p->pages_out, 0);

	/* A 24-bit buffer starts in ZONE_DMA: nothing narrower to try. */
	md = dmacmd_md_alloc(PAGE_SIZE, 0x00fff000ULL, 0, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(md), -ENOMEM);
	if (!IS_ERR(md))
		dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, p->pages_out, 0);
}

/* ---- Operations ---- */

static void dmacmd_test_md_refcount(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 64);
	struct dmacmd_md *md;
	u8 b;

	k[3] = 0x5a;
	md = dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_EXPECT_EQ(test, md_live(test), 1);
	dmacmd_md_get(md);
	dmacmd_md_get(md);
	dmacmd_md_put(md);
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, md_live(test), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 3, &b, 1), 1);
	KUNIT_EXPECT_EQ(test, b, 0x5a);
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, md_live(test), 0);
}

static void dmacmd_test_md_prepare_nesting(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 64);
	struct dmacmd_md *md;

	md = md_track(test, dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
	/* An unbalanced complete changes nothing: one prepare still pairs. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
}

static void dmacmd_test_md_copy_clipping(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 100);
	struct dmacmd_md *md;
	u8 src[64], dst[16];

	md_fill(k, 100, 0, 34);
	md_fill(src, sizeof(src), 1000, 35);
	md = md_track(test, dmacmd_md_from_kva(k + 16, 64, DMA_BIDIRECTIONAL));

	memset(dst, 0, sizeof(dst));
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 60, dst, sizeof(dst)), 4);
	KUNIT_EXPECT_MEMEQ(test, dst, k + 76, 4);
	KUNIT_EXPECT_EQ(test, dst[4], 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 64, dst, 1), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, U64_MAX, dst, 1), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, dst, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, 0, NULL, 4), 0);

	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 60, src, sizeof(src)), 4);
	KUNIT_EXPECT_MEMEQ(test, k + 76, src, 4);
	KUNIT_EXPECT_EQ(test, k[80], md_pat(80, 34));
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 64, src, 1), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 0, src, U64_MAX), 64);
	KUNIT_EXPECT_EQ(test, k[15], md_pat(15, 34));
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(md, 0, NULL, 4), 0);
}

static void dmacmd_test_md_null_args(struct kunit *test)
{
	struct dmacmd_md *bad = ERR_PTR(-ENOMEM);
	u8 *k = md_kmalloc(test, 64);
	struct dmacmd_md *md;
	u64 len = 123;
	u8 b;

	md = md_track(test, dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(NULL), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(NULL), DMA_NONE);
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(NULL));
	KUNIT_EXPECT_NULL(test, dmacmd_md_kaddr(bad));
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(bad), -EINVAL);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(NULL));
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(NULL, 0, &b, 1), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(bad, 0, &b, 1), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(NULL, 0, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
	len = 123;
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 64, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(md, 0, NULL),
			virt_to_phys(k));
	dmacmd_md_get(NULL);
	dmacmd_md_put(NULL);
	dmacmd_md_put(bad);
	KUNIT_EXPECT_EQ(test, md_live(test), 1);
}

static void dmacmd_test_md_direction(struct kunit *test)
{
	static const enum dma_data_direction dirs[] = {
		DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE,
	};
	u8 *k = md_kmalloc(test, 64);
	struct dmacmd_md *md, *kids[2];
	unsigned int i;

	/* DMA_NONE is IOKit's kIODirectionNone: unspecified, both ways. */
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		md = md_track(test, dmacmd_md_from_kva(k, 64, dirs[i]));
		KUNIT_EXPECT_EQ(test, dmacmd_md_direction(md), dirs[i]);
		md = md_track(test, dmacmd_md_alloc(64, 0, 0, dirs[i]));
		KUNIT_EXPECT_EQ(test, dmacmd_md_direction(md), dirs[i]);
	}
	/* The device may read what it may not write, not the reverse. */
	kids[0] = md_track(test, dmacmd_md_from_kva(k, 64, DMA_FROM_DEVICE));
	kids[1] = md_track(test, dmacmd_md_from_kva(k, 64, DMA_BIDIRECTIONAL));
	md = md_track(test, dmacmd_md_multi(kids, 2, DMA_FROM_DEVICE));
	md = md_track(test, dmacmd_md_multi(kids, 2, DMA_TO_DEVICE));
	md = md_track(test, dmacmd_md_sub(md, 0, 10, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(md), DMA_TO_DEVICE);
}

/* ---- Zero-length descriptors and kIODirectionNone (issue #14, 7) ---- */

/*
 * What an empty descriptor of any kind must do: as in IOKit, it exists,
 * prepares and completes (pairing as usual), reads and writes nothing and
 * has no physical segment.
 */
static void md_expect_empty(struct kunit *test, struct dmacmd_md *md,
			    enum dma_data_direction dir, const char *what)
{
	u8 buf[16];
	u64 len = 1;

	memset(buf, 0xa5, sizeof(buf));
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_length(md), 0, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_direction(md), dir, "%s", what);
	KUNIT_EXPECT_FALSE_MSG(test, dmacmd_md_is_prepared(md), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_prepare(md), 0, "%s", what);
	KUNIT_EXPECT_TRUE_MSG(test, dmacmd_md_is_prepared(md), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_read(md, 0, buf, sizeof(buf)), 0,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_write(md, 0, buf, sizeof(buf)), 0,
			    "%s", what);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0xa5, sizeof(buf)),
			      "%s: a read of nothing wrote the buffer", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_phys_segment(md, 0, &len), 0,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, len, 0, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_complete(md), 0, "%s", what);
	KUNIT_EXPECT_FALSE_MSG(test, dmacmd_md_is_prepared(md), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_md_complete(md), -EBADFD, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, md_pinned(test), 0, "%s", what);
}

/*
 * xnu's ZeroLengthTest: withAddressRange(addr, 0, ...) is a descriptor,
 * in every address space; for user memory even in a thread without one
 * (the test's kthread has no mm until a test maps user memory).
 */
static void dmacmd_test_md_zero_length(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 64);

	md_expect_empty(test,
			md_track(test, dmacmd_md_from_kva(k, 0, DMA_TO_DEVICE)),
			DMA_TO_DEVICE, "kernel range");
	md_expect_empty(test,
			md_track(test, dmacmd_md_from_kva(NULL, 0, DMA_NONE)),
			DMA_NONE, "kernel range at NULL");
	md_expect_empty(test,
			md_track(test, dmacmd_md_from_phys(virt_to_phys(k), 0,
							   DMA_FROM_DEVICE)),
			DMA_FROM_DEVICE, "physical range");
	md_expect_empty(test,
			md_track(test, dmacmd_md_from_user(0, 0, DMA_NONE)),
			DMA_NONE, "user range at 0");
	KUNIT_EXPECT_EQ(test, md_live(test), 4);
}

/*
 * A sub-range of length 0 anywhere up to the parent's end, and a
 * concatenation of nothing or with empty children, are descriptors too.
 */
static void dmacmd_test_md_zero_length_sub_multi(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 256), *k2 = md_kmalloc(test, 100);
	struct dmacmd_md *parent, *sub, *kids[5], *multi;
	long live;
	u8 want[356];
	u64 seglen;

	md_fill(k, 256, 0, 40);
	md_fill(k2, 100, 256, 40);
	parent = md_track(test, dmacmd_md_from_kva(k, 256, DMA_BIDIRECTIONAL));
	sub = md_track(test, dmacmd_md_sub(parent, 256, 0, DMA_TO_DEVICE));
	md_expect_empty(test, sub, DMA_TO_DEVICE, "sub-range at the end");
	/* Preparing it prepares its parent, as IOKit does. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(sub), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(parent));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(parent));
	md_expect_empty(test, md_track(test, dmacmd_md_sub(parent, 0, 0,
							   DMA_FROM_DEVICE)),
			DMA_FROM_DEVICE, "sub-range at 0");
	live = md_live(test);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, 257, 0, DMA_TO_DEVICE),
		      -EINVAL);
	MD_EXPECT_ERR(test, dmacmd_md_sub(parent, U64_MAX, 0, DMA_TO_DEVICE),
		      -EINVAL);

	md_expect_empty(test, md_track(test, dmacmd_md_multi(NULL, 0,
							     DMA_TO_DEVICE)),
			DMA_TO_DEVICE, "concatenation of nothing");
	md_expect_empty(test, md_track(test, dmacmd_md_multi(kids, 0,
							     DMA_NONE)),
			DMA_NONE, "concatenation of no descriptor");

	/* Empty children anywhere take no room and break nothing. */
	kids[0] = md_track(test, dmacmd_md_from_kva(k2, 0, DMA_TO_DEVICE));
	kids[1] = md_track(test, dmacmd_md_from_kva(k, 256, DMA_TO_DEVICE));
	kids[2] = sub;
	kids[3] = md_track(test, dmacmd_md_from_kva(k2, 100, DMA_TO_DEVICE));
	kids[4] = kids[0];
	multi = md_track(test, dmacmd_md_multi(kids, 5, DMA_TO_DEVICE));
	memcpy(want, k, 256);
	memcpy(want + 256, k2, 100);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(multi), 356);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(multi, 0, &seglen),
			virt_to_phys(k));
	KUNIT_EXPECT_LE(test, seglen, 256);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(multi, 256, &seglen),
			virt_to_phys(k2));
	KUNIT_EXPECT_EQ(test, seglen, 100);
	md_walk_check(test, multi, NULL);
	md_expect_bytes(test, multi, want, 356);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(multi), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(kids[0]));
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(parent));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(multi), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(kids[0]));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(parent));
}

/*
 * DMA_NONE (kIODirectionNone) for a sub-range means its parent's
 * direction, and for a concatenation its children's, so that a window on
 * memory the device only reads stays read-only (IOKit wires it with the
 * parent's direction).  Children that need opposite directions have no
 * common one and are refused, as an explicit direction would be.
 */
static void dmacmd_test_md_direction_none_derived(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 2, 0, 41);
	u8 *k = md_kmalloc(test, 64), *before, pat[32];
	struct dmacmd_md *to, *from, *both, *none, *user, *sub, *kids[3];
	long live;

	to = md_track(test, dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE));
	from = md_track(test, dmacmd_md_from_kva(k, 64, DMA_FROM_DEVICE));
	both = md_track(test, dmacmd_md_from_kva(k, 64, DMA_BIDIRECTIONAL));
	none = md_track(test, dmacmd_md_from_kva(k, 64, DMA_NONE));

	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_sub(to, 0, 10, DMA_NONE))),
			DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_sub(from, 0, 10, DMA_NONE))),
			DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_sub(none, 0, 10, DMA_NONE))),
			DMA_NONE);

	kids[0] = to;
	kids[1] = to;
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_multi(kids, 2, DMA_NONE))),
			DMA_TO_DEVICE);
	kids[0] = from;
	kids[1] = from;
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_multi(kids, 2, DMA_NONE))),
			DMA_FROM_DEVICE);
	kids[1] = both;
	kids[2] = none;
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_direction(md_track(test, dmacmd_md_multi(kids, 3, DMA_NONE))),
			DMA_BIDIRECTIONAL);
	live = md_live(test);
	kids[0] = to;
	kids[1] = from;
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_NONE), -EINVAL);
	kids[1] = none;
	MD_EXPECT_ERR(test, dmacmd_md_multi(kids, 2, DMA_NONE), -EINVAL);

	/*
	 * A None window on user memory the device only reads is pinned
	 * read-only through it: the CPU may not write it either.
	 */
	user = md_track(test, dmacmd_md_from_user(ua, 2 * PAGE_SIZE,
						  DMA_TO_DEVICE));
	sub = md_track(test, dmacmd_md_sub(user, 100, PAGE_SIZE, DMA_NONE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(sub), DMA_TO_DEVICE);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(sub), 0);
	before = kunit_kmalloc(test, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(sub, 0, before, 32), 32);
	memset(pat, 0x77, sizeof(pat));
	KUNIT_EXPECT_EQ(test, dmacmd_md_write(sub, 0, pat, sizeof(pat)), 0);
	md_expect_bytes(test, sub, before, 32);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

/* ---- Contiguous buffers beyond the buddy allocator (issue #14, 8) ---- */

static long md_pages_freed;

static void md_count_free(struct page *page, unsigned int order)
{
	md_pages_freed += 1L << order;
	__free_pages(page, order);
}

/* A page allocator that has no block of more than one page left. */
static struct page *md_fragmented_page_alloc(gfp_t gfp, unsigned int order)
{
	return order ? NULL : alloc_pages(gfp, order);
}

static int md_busy_range_alloc(unsigned long pfn, unsigned long nr)
{
	return -EBUSY;
}

/*
 * Allocate a contiguous buffer of @size within @mask and check it: one
 * physical run of @size bytes, aligned to the mask's lowest bit and below
 * its highest, zeroed, reads back what the CPU wrote, and every page is
 * given back when it is released.
 */
static void md_check_contig(struct kunit *test, size_t size, u64 mask)
{
	u64 limit = !mask || fls64(mask) == 64 ? U64_MAX :
		    (1ULL << fls64(mask)) - 1;
	u64 align = max_t(u64, mask & -mask, PAGE_SIZE);
	static const size_t at[] = { 0, 4097, 0 };
	struct dmacmd_md *md;
	u64 seglen = 0, v;
	phys_addr_t pa;
	unsigned int i;
	u8 *cpu;

	md = dmacmd_md_alloc(size, mask, DMACMD_MD_CONTIGUOUS,
			     DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, md, "%zu bytes, mask %#llx",
					 size, mask);
	pa = dmacmd_md_phys_segment(md, 0, &seglen);
	KUNIT_EXPECT_EQ(test, seglen, (u64)size);
	KUNIT_EXPECT_EQ(test, pa & (align - 1), 0);
	KUNIT_EXPECT_LE(test, pa + size - 1, limit);
	cpu = dmacmd_md_kaddr(md);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_EXPECT_EQ(test, virt_to_phys(cpu), pa);
	KUNIT_EXPECT_NULL(test, memchr_inv(cpu, 0, size));
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		size_t off = i == 2 ? size - sizeof(v) : at[i];

		v = 0x5a5a000000000000ULL | off;
		memcpy(cpu + off, &v, sizeof(v));
		v = 0;
		KUNIT_EXPECT_EQ(test, dmacmd_md_read(md, off, &v, sizeof(v)),
				sizeof(v));
		KUNIT_EXPECT_EQ(test, v, 0x5a5a000000000000ULL | off);
	}
	md_pages_freed = 0;
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, md_pages_freed,
			(long)DIV_ROUND_UP(size, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, md_live(test), 0);
}

/*
 * Audio rings and firmware images: 8 and 16 MiB physically contiguous,
 * more than the buddy allocator's largest block (4 MiB), anywhere, below
 * 4 GiB, and aligned to their size (IOKit's withCapacity(..., true)).
 */
static void dmacmd_test_md_alloc_contig_large(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_CONTIG_ALLOC))
		kunit_skip(test, "kernel without CONFIG_CONTIG_ALLOC");
	kunit_activate_static_stub(test, dmacmd_md_page_free, md_count_free);
	md_check_contig(test, SZ_8M, 0);
	md_check_contig(test, SZ_16M + 100, 0);
	md_check_contig(test, SZ_8M, 0xFFFFF000ULL);
	md_check_contig(test, SZ_16M, ~(u64)(SZ_16M - 1));
}

/*
 * Fragmented memory: the buddy allocator has no block of 64 pages, yet
 * free pages are there, so a 64-page buffer is still found; a small one
 * (at most PAGE_ALLOC_COSTLY_ORDER) is not searched for and fails.
 * With no range to be had either, the allocation fails and leaves
 * nothing.
 */
static void dmacmd_test_md_alloc_contig_fragmented(struct kunit *test)
{
	long live = md_live(test);

	if (!IS_ENABLED(CONFIG_CONTIG_ALLOC))
		kunit_skip(test, "kernel without CONFIG_CONTIG_ALLOC");
	kunit_activate_static_stub(test, dmacmd_md_page_alloc,
				   md_fragmented_page_alloc);
	kunit_activate_static_stub(test, dmacmd_md_page_free, md_count_free);
	md_check_contig(test, 64 * PAGE_SIZE, 0);
	md_check_contig(test, 64 * PAGE_SIZE, 0xFFFFF000ULL);
	MD_EXPECT_ERR(test, dmacmd_md_alloc(4 * PAGE_SIZE, 0,
					    DMACMD_MD_CONTIGUOUS,
					    DMA_TO_DEVICE), -ENOMEM);

	kunit_activate_static_stub(test, dmacmd_md_range_alloc,
				   md_busy_range_alloc);
	md_pages_freed = 0;
	MD_EXPECT_ERR(test, dmacmd_md_alloc(64 * PAGE_SIZE, 0,
					    DMACMD_MD_CONTIGUOUS,
					    DMA_TO_DEVICE), -ENOMEM);
	MD_EXPECT_ERR(test, dmacmd_md_alloc(SZ_8M, 0, DMACMD_MD_CONTIGUOUS,
					    DMA_TO_DEVICE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, md_pages_freed, 0);
	KUNIT_EXPECT_EQ(test, md_live(test), 0);
}

/* ---- Buffer length and re-targeted sub-ranges (issue #14, 9) ---- */

/*
 * IOKit's IOBufferMemoryDescriptor::setLength(): any length up to the
 * capacity, which stays allocated; a longer one is refused and changes
 * nothing.  Only allocated buffers have a capacity.
 */
static void dmacmd_test_md_set_length(struct kunit *test)
{
	const size_t cap = 2 * PAGE_SIZE + 100;
	struct dmacmd_md *buf, *contig, *kva;
	u8 *k = md_kmalloc(test, 64), *cpu, out[32];
	u64 seglen;

	buf = md_track(test, dmacmd_md_alloc(cap, 0, 0, DMA_BIDIRECTIONAL));
	cpu = dmacmd_md_kaddr(buf);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	md_fill(cpu, cap, 0, 42);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(buf), cap);

	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(buf, 100), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(buf), 100);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(buf, 90, out, 32), 10);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(buf, 100, out, 32), 0);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, buf, NULL), 1);
	md_expect_bytes(test, buf, cpu, 100);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(buf), (void *)cpu);

	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(buf, cap + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(buf), 100);
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(buf, cap), 0);
	md_walk_check(test, buf, NULL);
	md_expect_bytes(test, buf, cpu, cap);
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(buf, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(buf, 0, &seglen), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_read(buf, 0, out, 32), 0);

	contig = md_track(test, dmacmd_md_alloc(cap, 0, DMACMD_MD_CONTIGUOUS,
						DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(contig, PAGE_SIZE + 1), 0);
	KUNIT_EXPECT_EQ(test, md_walk_check(test, contig, NULL), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_phys_segment(contig, 0, &seglen),
			virt_to_phys(dmacmd_md_kaddr(contig)));
	KUNIT_EXPECT_EQ(test, seglen, PAGE_SIZE + 1);

	kva = md_track(test, dmacmd_md_from_kva(k, 64, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(kva, 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(kva), 64);
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_set_length(ERR_PTR(-EIO), 0), -EINVAL);
}

/*
 * IOKit's IOSubMemoryDescriptor::initSubRange() on a sub-range already
 * made: one sub-range object reused per transfer.  It may move to another
 * parent, offset, length and direction while nothing uses it: not while
 * it is prepared, nor while anything else holds it (a command, a
 * sub-range or concatenation over it), whose view of it would change.
 */
static void dmacmd_test_md_sub_retarget(struct kunit *test)
{
	u8 *a = md_kmalloc(test, 512), *b = dmacmd_kt_vmalloc(test, 2 * PAGE_SIZE);
	struct dmacmd_md *pa, *pb, *ro, *sub, *over, *kva;
	long live;

	md_fill(a, 512, 0, 43);
	md_fill(b, 2 * PAGE_SIZE, 1000, 43);
	pa = md_track(test, dmacmd_md_from_kva(a, 512, DMA_BIDIRECTIONAL));
	pb = dmacmd_md_from_kva(b, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pb);
	ro = md_track(test, dmacmd_md_from_kva(a, 512, DMA_TO_DEVICE));
	sub = md_track(test, dmacmd_md_sub(pa, 10, 100, DMA_TO_DEVICE));
	md_expect_bytes(test, sub, a + 10, 100);

	/* To another parent: the sub-range holds it, and lets go of it. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_sub_retarget(sub, pb, PAGE_SIZE - 50,
						     200, DMA_NONE), 0);
	dmacmd_md_put(pb);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(sub), 200);
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(sub), DMA_FROM_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_md_kaddr(sub),
			    (void *)(b + PAGE_SIZE - 50));
	md_walk_check(test, sub, NULL);
	md_expect_bytes(test, sub, b + PAGE_SIZE - 50, 200);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(sub), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(sub));

	/* Prepared: refused, and nothing changes. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 0, 10,
						     DMA_TO_DEVICE), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(sub), 200);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);

	/* Back to the first parent, empty, then the whole of it. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 512, 0,
						     DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, md_live(test), 3);	/* pb is gone */
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(sub), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 0, 512,
						     DMA_BIDIRECTIONAL), 0);
	md_expect_bytes(test, sub, a, 512);

	/* Held by something else: refused. */
	over = dmacmd_md_sub(sub, 0, 10, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, over);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 0, 10,
						     DMA_TO_DEVICE), -EBUSY);
	dmacmd_md_put(over);
	dmacmd_md_get(sub);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 0, 10,
						     DMA_TO_DEVICE), -EBUSY);
	dmacmd_md_put(sub);

	/* Bad targets: refused, and nothing changes. */
	live = md_live(test);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 500, 13,
						     DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, U64_MAX, 2,
						     DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, ro, 0, 10,
						     DMA_FROM_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, pa, 0, 10,
						     (enum dma_data_direction)5),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, sub, 0, 10,
						     DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, NULL, 0, 0,
						     DMA_TO_DEVICE), -EINVAL);
	kva = md_track(test, dmacmd_md_from_kva(a, 512, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(kva, pa, 0, 10,
						     DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(NULL, pa, 0, 10,
						     DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(sub), 512);
	KUNIT_EXPECT_EQ(test, dmacmd_md_direction(sub), DMA_BIDIRECTIONAL);
	md_expect_bytes(test, sub, a, 512);
	KUNIT_EXPECT_EQ(test, md_live(test), live + 1);
}

/* Re-targeting keeps the depth limit: the new parent's depth counts. */
static void dmacmd_test_md_sub_retarget_depth(struct kunit *test)
{
	u8 *k = md_kmalloc(test, 256);
	struct dmacmd_md *chain[DMACMD_MD_ITER_DEPTH], *sub;
	int i;

	chain[0] = md_track(test, dmacmd_md_from_kva(k, 256, DMA_TO_DEVICE));
	for (i = 1; i < DMACMD_MD_ITER_DEPTH; i++)
		chain[i] = md_track(test, dmacmd_md_sub(chain[i - 1], 0, 256,
							DMA_TO_DEVICE));
	sub = md_track(test, dmacmd_md_sub(chain[0], 0, 256, DMA_TO_DEVICE));
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_sub_retarget(sub,
					       chain[DMACMD_MD_ITER_DEPTH - 1],
					       0, 10, DMA_TO_DEVICE), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			dmacmd_md_sub_retarget(sub,
					       chain[DMACMD_MD_ITER_DEPTH - 2],
					       0, 10, DMA_TO_DEVICE), 0);
	/* Now as deep as allowed: nothing may nest under it. */
	KUNIT_EXPECT_TRUE(test, IS_ERR(dmacmd_md_sub(sub, 0, 1,
						     DMA_TO_DEVICE)));
	KUNIT_EXPECT_EQ(test, dmacmd_md_sub_retarget(sub, chain[0], 0, 10,
						     DMA_TO_DEVICE), 0);
	md_track(test, dmacmd_md_sub(sub, 0, 1, DMA_TO_DEVICE));
}

/* ---- Fault injection ---- */

/*
 * Evaluate @expr with the @nth allocation in it failing
 * (dmacmd_fault_arm()); *@fired tells whether there was an @nth.
 */
#define md_with_fault(nth, fired, expr)					\
	({								\
		typeof(expr) __r;					\
									\
		dmacmd_fault_arm(BIT(DMACMD_FAULT_ALLOC), nth);		\
		__r = (expr);						\
		*(fired) = dmacmd_fault_disarm(NULL);			\
		__r;							\
	})

/* Inputs of every constructor, made before faults are switched on. */
struct md_inputs {
	u8 *k;
	u8 *v;
	struct page *pages[3];
	struct sg_table sgt;
	unsigned long ua;
	struct dmacmd_md *kids[2];
};

static void md_inputs_make(struct kunit *test, struct md_inputs *in)
{
	int i;

	in->k = md_kmalloc(test, 2 * PAGE_SIZE);
	in->v = dmacmd_kt_vmalloc(test, 3 * PAGE_SIZE);
	for (i = 0; i < 3; i++)
		in->pages[i] = md_page(test);
	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&in->sgt, in->pages,
							3, 0, 3 * PAGE_SIZE,
							GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							md_sg_free_action,
							&in->sgt), 0);
	in->ua = md_user_filled(test, 3, 0, 36);
	in->kids[0] = md_track(test, dmacmd_md_from_kva(in->k, 100,
							DMA_TO_DEVICE));
	in->kids[1] = md_track(test, dmacmd_md_from_kva(in->v, 100,
							DMA_TO_DEVICE));
}

struct md_ctor_case {
	const char *name;
	struct dmacmd_md *(*make)(struct md_inputs *in);
};

static struct dmacmd_md *md_mk_kmalloc(struct md_inputs *in)
{
	return dmacmd_md_from_kva(in->k, PAGE_SIZE, DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_vmalloc(struct md_inputs *in)
{
	return dmacmd_md_from_kva(in->v, 3 * PAGE_SIZE, DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_pages(struct md_inputs *in)
{
	return dmacmd_md_from_pages(in->pages, 3, 10, 2 * PAGE_SIZE,
				    DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_sgtable(struct md_inputs *in)
{
	return dmacmd_md_from_sgtable(&in->sgt, DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_user(struct md_inputs *in)
{
	return dmacmd_md_from_user(in->ua, 3 * PAGE_SIZE, DMA_FROM_DEVICE);
}

static struct dmacmd_md *md_mk_phys(struct md_inputs *in)
{
	return dmacmd_md_from_phys(page_to_phys(in->pages[0]), PAGE_SIZE,
				   DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_phys_ranges(struct md_inputs *in)
{
	struct dmacmd_range r[3];
	int i;

	for (i = 0; i < 3; i++) {
		r[i].addr = page_to_phys(in->pages[2 - i]) + 8;
		r[i].len = 100;
	}
	return dmacmd_md_from_ranges(r, 3, DMA_TO_DEVICE, DMACMD_ADDR_PHYS);
}

static struct dmacmd_md *md_mk_kernel_ranges(struct md_inputs *in)
{
	struct dmacmd_range r[2] = {
		{ (unsigned long)in->v, 3 * PAGE_SIZE },
		{ (unsigned long)in->k, 50 },
	};

	return dmacmd_md_from_ranges(r, 2, DMA_TO_DEVICE, DMACMD_ADDR_KERNEL);
}

static struct dmacmd_md *md_mk_user_ranges(struct md_inputs *in)
{
	struct dmacmd_range r[3] = {
		{ in->ua, 100 },
		{ in->ua + PAGE_SIZE, 100 },
		{ in->ua + 2 * PAGE_SIZE, 100 },
	};

	return dmacmd_md_from_ranges(r, 3, DMA_FROM_DEVICE, DMACMD_ADDR_USER);
}

static struct dmacmd_md *md_mk_sub(struct md_inputs *in)
{
	return dmacmd_md_sub(in->kids[1], 10, 20, DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_multi(struct md_inputs *in)
{
	return dmacmd_md_multi(in->kids, 2, DMA_TO_DEVICE);
}

static struct dmacmd_md *md_mk_buffer(struct md_inputs *in)
{
	return dmacmd_md_alloc(3 * PAGE_SIZE, 0xfffff000ULL, 0,
			       DMA_BIDIRECTIONAL);
}

static struct dmacmd_md *md_mk_contig_buffer(struct md_inputs *in)
{
	return dmacmd_md_alloc(3 * PAGE_SIZE, 0xfffff000ULL,
			       DMACMD_MD_CONTIGUOUS, DMA_BIDIRECTIONAL);
}

static const struct md_ctor_case md_ctor_cases[] = {
	{ "kmalloc range", md_mk_kmalloc },
	{ "vmalloc range", md_mk_vmalloc },
	{ "page array", md_mk_pages },
	{ "sg_table", md_mk_sgtable },
	{ "user range", md_mk_user },
	{ "physical range", md_mk_phys },
	{ "physical ranges", md_mk_phys_ranges },
	{ "kernel ranges", md_mk_kernel_ranges },
	{ "user ranges", md_mk_user_ranges },
	{ "sub-range", md_mk_sub },
	{ "concatenation", md_mk_multi },
	{ "scattered buffer", md_mk_buffer },
	{ "contiguous buffer", md_mk_contig_buffer },
};

static void md_ctor_desc(const struct md_ctor_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(md_ctor, md_ctor_cases, md_ctor_desc);

/*
 * Fail the first allocation, then the second, and so on, until the
 * constructor succeeds: each failure is -ENOMEM and leaves nothing.
 */
static void dmacmd_test_md_fault_alloc(struct kunit *test)
{
	const struct md_ctor_case *c = test->param_value;
	struct md_priv *p = test->priv;
	struct md_inputs *in = kunit_kzalloc(test, sizeof(*in), GFP_KERNEL);
	unsigned int fired, refused = 0;
	struct dmacmd_md *md;
	long live;
	int n;

	KUNIT_ASSERT_NOT_NULL(test, in);
	md_inputs_make(test, in);
	live = md_live(test);
	md_count_pages(test);

	for (n = 1; n < 32; n++) {
		md = md_with_fault(n, &fired, c->make(in));
		if (!fired)
			break;
		/* A buffer's page allocation falls back to another zone. */
		if (IS_ERR(md)) {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(md), -ENOMEM,
					    "allocation %d failing", n);
			refused++;
		} else {
			dmacmd_md_put(md);
		}
		KUNIT_EXPECT_EQ_MSG(test, md_live(test), live,
				    "allocation %d failing", n);
		KUNIT_EXPECT_EQ(test, p->pages_out, 0);
		KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	}
	KUNIT_ASSERT_FALSE(test, IS_ERR(md));
	KUNIT_EXPECT_GT_MSG(test, refused, 0, "no allocation to fail");
	/* User ranges are a concatenation of internal user descriptors. */
	KUNIT_EXPECT_GT(test, md_live(test), live);
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, md_live(test), live);
	KUNIT_EXPECT_EQ(test, p->pages_out, 0);
}

/*
 * Buffers: every page allocation and the vmap() may fail.  The vmap() of
 * a buffer of separate pages is its last allocation, so the sweep's last
 * failing call is that.
 */
static void dmacmd_test_md_fault_buffer_pages(struct kunit *test)
{
	static const u32 flags[] = { 0, DMACMD_MD_CONTIGUOUS };
	struct md_priv *p = test->priv;
	unsigned int f, fired, refused;
	struct dmacmd_md *md;
	int n;

	md_count_pages(test);
	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		refused = 0;
		for (n = 1; n < 32; n++) {
			md = md_with_fault(n, &fired,
					   dmacmd_md_alloc(5 * PAGE_SIZE,
							   ~0ULL << 12,
							   flags[f],
							   DMA_TO_DEVICE));
			if (!fired)
				break;
			/* A page allocation falls back to another zone. */
			if (IS_ERR(md)) {
				KUNIT_EXPECT_EQ(test, PTR_ERR(md), -ENOMEM);
				refused++;
			} else {
				dmacmd_md_put(md);
			}
			KUNIT_EXPECT_EQ(test, p->pages_out, 0);
			KUNIT_EXPECT_EQ(test, md_live(test), 0);
		}
		KUNIT_ASSERT_FALSE(test, IS_ERR(md));
		KUNIT_EXPECT_GT(test, refused, 0);
		KUNIT_EXPECT_EQ(test, p->pages_out, 5);
		dmacmd_md_put(md);
		KUNIT_EXPECT_EQ(test, p->pages_out, 0);
	}
}

/* Pins one page for real, then fails with p->pin_error. */
static long md_fail_pin(struct mm_struct *mm, unsigned long start,
			unsigned long nr_pages, unsigned int gup_flags,
			struct page **pages)
{
	struct md_priv *p = md_priv();
	long got;

	if (p->calls++)
		return p->pin_error;
	got = dmacmd_pin_user_pages_remote(mm, start, 1, gup_flags, pages);
	if (got == 1)
		p->pinned_page = pages[0];
	return got;
}

static void dmacmd_test_md_fault_pin(struct kunit *test)
{
	static const long errs[] = { -ENOMEM, -EFAULT, -EINTR, 0 };
	unsigned long ua = md_user_filled(test, 3, 0, 37);
	struct md_priv *p = test->priv;
	struct dmacmd_md *md;
	unsigned int i;

	md = md_track(test, dmacmd_md_from_user(ua, 3 * PAGE_SIZE,
						DMA_FROM_DEVICE));
	kunit_activate_static_stub(test, dmacmd_md_pin_user, md_fail_pin);
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		p->calls = 0;
		p->pinned_page = NULL;
		p->pin_error = errs[i];
		KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(md),
				errs[i] == -ENOMEM ? -ENOMEM : -EFAULT);
		KUNIT_EXPECT_EQ(test, p->calls, 2);
		KUNIT_ASSERT_NOT_NULL(test, p->pinned_page);
		KUNIT_EXPECT_FALSE_MSG(test,
				       folio_maybe_dma_pinned(page_folio(p->pinned_page)),
				       "page left pinned after error %ld",
				       errs[i]);
		KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
		KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	}
	kunit_deactivate_static_stub(test, dmacmd_md_pin_user);

	/* The same pages pin fine for real, and the check above can fail. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_EXPECT_TRUE(test,
			  folio_maybe_dma_pinned(page_folio(p->pinned_page)));
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_FALSE(test,
			   folio_maybe_dma_pinned(page_folio(p->pinned_page)));
}

/* Prepare's own allocations fail: nothing pinned, nothing prepared. */
static void dmacmd_test_md_fault_prepare_alloc(struct kunit *test)
{
	unsigned long ua = md_user_filled(test, 3, 0, 38);
	struct dmacmd_range r[3] = {
		{ ua, 10 },
		{ ua + PAGE_SIZE, PAGE_SIZE },
		{ ua + 2 * PAGE_SIZE + 5, 10 },
	};
	unsigned int fired;
	struct dmacmd_md *md;
	int n, ret = -ENOMEM;

	md = md_track(test, dmacmd_md_from_ranges(r, 3, DMA_BIDIRECTIONAL,
						  DMACMD_ADDR_USER));
	for (n = 1; n < 8; n++) {
		ret = md_with_fault(n, &fired, dmacmd_md_prepare(md));
		if (!fired)
			break;
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));
		KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
	}
	/* One page array per range: the fourth try succeeds. */
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 3);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
	KUNIT_EXPECT_EQ(test, md_pinned(test), 0);
}

static struct kunit_case dmacmd_md_cases[] = {
	KUNIT_CASE(dmacmd_test_md_kva_kmalloc),
	KUNIT_CASE(dmacmd_test_md_kva_linear_run),
	KUNIT_CASE(dmacmd_test_md_kva_vmalloc),
	KUNIT_CASE(dmacmd_test_md_kva_bad_address),
	KUNIT_CASE(dmacmd_test_md_pages_array),
	KUNIT_CASE(dmacmd_test_md_pages_bad_input),
	KUNIT_CASE(dmacmd_test_md_sgtable_borrowed),
	KUNIT_CASE(dmacmd_test_md_sgtable_bad_input),
	KUNIT_CASE(dmacmd_test_md_user_pin_and_copy),
	KUNIT_CASE(dmacmd_test_md_user_movable),
	KUNIT_CASE(dmacmd_test_md_user_not_prepared),
	KUNIT_CASE(dmacmd_test_md_user_read_only_mapping),
	KUNIT_CASE(dmacmd_test_md_user_unmapped),
	KUNIT_CASE(dmacmd_test_md_user_bad_address),
	KUNIT_CASE(dmacmd_test_md_user_mmap_lock_held),
	KUNIT_CASE(dmacmd_test_md_user_memlock),
	KUNIT_CASE(dmacmd_test_md_log_no_addresses),
	KUNIT_CASE(dmacmd_test_md_user_other_context),
	KUNIT_CASE(dmacmd_test_md_user_absurd_length),
	KUNIT_CASE(dmacmd_test_md_user_put_while_prepared),
	KUNIT_CASE(dmacmd_test_md_phys_range),
	KUNIT_CASE(dmacmd_test_md_ranges_phys),
	KUNIT_CASE(dmacmd_test_md_ranges_kernel),
	KUNIT_CASE(dmacmd_test_md_ranges_user),
	KUNIT_CASE(dmacmd_test_md_ranges_bad_input),
	KUNIT_CASE(dmacmd_test_md_sub_range),
	KUNIT_CASE(dmacmd_test_md_sub_bad_input),
	KUNIT_CASE(dmacmd_test_md_multi_concat),
	KUNIT_CASE(dmacmd_test_md_multi_coalesce),
	KUNIT_CASE(dmacmd_test_md_multi_bad_input),
	KUNIT_CASE(dmacmd_test_md_nesting_depth),
	KUNIT_CASE(dmacmd_test_md_nested_user_prepare),
	KUNIT_CASE(dmacmd_test_md_multi_prepare_unwind),
	KUNIT_CASE_PARAM(dmacmd_test_md_alloc_mask, md_alloc_gen_params),
	KUNIT_CASE(dmacmd_test_md_alloc_bad_input),
	KUNIT_CASE(dmacmd_test_md_alloc_zone_fallback),
	KUNIT_CASE(dmacmd_test_md_refcount),
	KUNIT_CASE(dmacmd_test_md_prepare_nesting),
	KUNIT_CASE(dmacmd_test_md_copy_clipping),
	KUNIT_CASE(dmacmd_test_md_null_args),
	KUNIT_CASE(dmacmd_test_md_direction),
	KUNIT_CASE(dmacmd_test_md_zero_length),
	KUNIT_CASE(dmacmd_test_md_zero_length_sub_multi),
	KUNIT_CASE(dmacmd_test_md_direction_none_derived),
	KUNIT_CASE_SLOW(dmacmd_test_md_alloc_contig_large),
	KUNIT_CASE(dmacmd_test_md_alloc_contig_fragmented),
	KUNIT_CASE(dmacmd_test_md_set_length),
	KUNIT_CASE(dmacmd_test_md_sub_retarget),
	KUNIT_CASE(dmacmd_test_md_sub_retarget_depth),
	KUNIT_CASE_PARAM(dmacmd_test_md_fault_alloc, md_ctor_gen_params),
	KUNIT_CASE(dmacmd_test_md_fault_buffer_pages),
	KUNIT_CASE(dmacmd_test_md_fault_pin),
	KUNIT_CASE(dmacmd_test_md_fault_prepare_alloc),
	{}
};

static struct kunit_suite dmacmd_md_suite = {
	.name = "dmacmd_md",
	.init = md_test_init,
	.test_cases = dmacmd_md_cases,
};

kunit_test_suites(&dmacmd_md_suite);
