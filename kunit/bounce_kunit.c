// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_bounce": double buffering.  Whatever part of a
 * prepared range the device cannot take under the command's specification
 * (address bits, device mask, alignments, DMACMD_FORCE_DOUBLE_BUFFER) must
 * go through bounce memory the device can reach, and the bytes must travel
 * between the caller's memory and that copy exactly when IOKit says so.
 *
 * The "device" here is a fake kunit device that is never behind an IOMMU,
 * so on x86 a DMA address is the CPU physical address the device reaches:
 * the tests play the device by writing and reading through phys_to_virt()
 * of each generated segment.  Under swiotlb=force that is the swiotlb slot,
 * which is what a real device would touch too.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/dmacmd.h>

/* The fault sites of the bounce allocator (test hooks, not API). */
#include "../dmacmd_bounce.h"
#include "../dmacmd_debug.h"
#include "util.h"

#define BNC_MAX_SEGS		1024
#define BNC_MAX_CHUNKS		16
/*
 * Looking for memory above or below an address limit: single pages tried
 * first, then (above) blocks of 2 MiB, up to 320 MiB of them.
 */
#define BNC_SEARCH_PAGES	256
#define BNC_SEARCH_BLOCKS	160
#define BNC_BLOCK_ORDER		9

KUNIT_DEFINE_ACTION_WRAPPER(bnc_put_cmd, dmacmd_put, struct dmacmd *);
KUNIT_DEFINE_ACTION_WRAPPER(bnc_put_md, dmacmd_md_put, struct dmacmd_md *);
KUNIT_DEFINE_ACTION_WRAPPER(bnc_free_page, __free_page, struct page *);

static void bnc_md_complete(void *md)
{
	dmacmd_md_complete(md);
}

static void bnc_clear_memory(void *cmd)
{
	dmacmd_clear_memory(cmd, DMACMD_AUTO);
}

static void bnc_fault_off(void *unused)
{
	dmacmd_fault_disarm(NULL);
}

/*
 * Arm the bounce allocation site: its @nth call from this task fails
 * (INT_MAX: none does, the calls are only counted).  Disarmed at the end
 * of the test should an assertion end it early.
 */
static void bnc_fault_arm(struct kunit *test, unsigned int nth)
{
	dmacmd_fault_arm(BIT(DMACMD_FAULT_BOUNCE), nth);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_fault_off,
							NULL), 0);
}

/* Disarm; returns the faults injected, *@calls the site's calls. */
static unsigned int bnc_fault_disarm(struct kunit *test, unsigned int *calls)
{
	unsigned int fired = dmacmd_fault_disarm(calls);

	kunit_remove_action(test, bnc_fault_off, NULL);
	return fired;
}

/* The caller's memory, as the CPU sees it: a list of contiguous chunks. */
struct bnc_buf {
	unsigned int n;
	u8 *p[BNC_MAX_CHUNKS];
	u64 len[BNC_MAX_CHUNKS];
	u64 total;
};

/* The segments of one prepared command, as the device sees them. */
struct bnc_map {
	struct dmacmd_seg64 *seg;
	u32 n;
	u64 len;
};

static void bnc_buf_add(struct kunit *test, struct bnc_buf *b, void *p,
			u64 len)
{
	KUNIT_ASSERT_LT(test, b->n, BNC_MAX_CHUNKS);
	b->p[b->n] = p;
	b->len[b->n] = len;
	b->n++;
	b->total += len;
}

static u8 *bnc_buf_span(const struct bnc_buf *b, u64 off, u64 *avail)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		if (off < b->len[i]) {
			*avail = b->len[i] - off;
			return b->p[i] + off;
		}
		off -= b->len[i];
	}
	*avail = 0;
	return NULL;
}

/*
 * Test data: a byte stream keyed by a 32-bit seed and the offset within the
 * prepared range, so that two seeds agree on about one byte in 256 and a
 * byte that landed at the wrong offset shows up too.
 */
static u64 bnc_mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Fill @p (bytes at offsets @off..) or count the bytes that match. */
static u64 bnc_pat(u8 *p, u64 off, u64 len, u32 seed, bool fill, u64 *bad)
{
	u64 w = U64_MAX, word = 0, match = 0, i;

	for (i = 0; i < len; i++, off++) {
		u8 v;

		if ((off >> 3) != w) {
			w = off >> 3;
			word = bnc_mix(((u64)seed << 32) ^ w);
		}
		v = word >> ((off & 7) * 8);
		if (fill)
			p[i] = v;
		else if (p[i] == v)
			match++;
		else if (*bad == U64_MAX)
			*bad = off;
	}
	return match;
}

static u32 bnc_seed(void)
{
	return get_random_u32();
}

static void bnc_cpu_fill(struct bnc_buf *b, u64 start, u64 end, u32 seed)
{
	u64 off, avail, n;
	u8 *p;

	for (off = start; off < end; off += n) {
		p = bnc_buf_span(b, off, &avail);
		if (!p)
			return;
		n = min(avail, end - off);
		bnc_pat(p, off, n, seed, true, NULL);
	}
}

static u64 bnc_cpu_count(const struct bnc_buf *b, u64 start, u64 end,
			 u32 seed, u64 *bad)
{
	u64 off, avail, n, match = 0;
	u8 *p;

	*bad = U64_MAX;
	for (off = start; off < end; off += n) {
		p = bnc_buf_span(b, off, &avail);
		if (!p)
			break;
		n = min(avail, end - off);
		match += bnc_pat(p, off, n, seed, false, bad);
	}
	return match;
}

static void bnc_expect_cpu(struct kunit *test, const struct bnc_buf *b,
			   u64 start, u64 end, u32 seed, const char *what)
{
	u64 bad, n = bnc_cpu_count(b, start, end, seed, &bad);

	KUNIT_EXPECT_EQ_MSG(test, n, end - start,
			    "%s: caller memory [%llu, %llu) wrong from offset %llu",
			    what, start, end, bad);
}

/*
 * The CPU address through which the device reaches @addr.  Only RAM with a
 * struct page is acceptable; anything else means the segment is garbage.
 */
static u8 *bnc_dev_ptr(struct kunit *test, u64 addr, u64 len)
{
	unsigned long pfn;

	KUNIT_ASSERT_GT(test, len, 0);
	for (pfn = PHYS_PFN(addr); pfn <= PHYS_PFN(addr + len - 1); pfn++)
		KUNIT_ASSERT_TRUE_MSG(test, pfn_valid(pfn),
				      "segment bytes at %#llx are not RAM", addr);
	return phys_to_virt(addr);
}

static u8 *bnc_dev_span(struct kunit *test, const struct bnc_map *m, u64 off,
			u64 *avail, u64 *addr)
{
	u64 so = 0;
	u32 i;

	for (i = 0; i < m->n; i++) {
		if (off < so + m->seg[i].len) {
			*addr = m->seg[i].addr + (off - so);
			*avail = m->seg[i].len - (off - so);
			return bnc_dev_ptr(test, *addr, *avail);
		}
		so += m->seg[i].len;
	}
	KUNIT_FAIL_AND_ABORT(test, "offset %llu is in no segment", off);
	return NULL;
}

/* The device writes @seed's data at prepared offsets [start, end). */
static void bnc_dev_fill(struct kunit *test, const struct bnc_map *m,
			 u64 start, u64 end, u32 seed)
{
	u64 off, avail, addr, n;
	u8 *p;

	for (off = start; off < end; off += n) {
		p = bnc_dev_span(test, m, off, &avail, &addr);
		n = min(avail, end - off);
		bnc_pat(p, off, n, seed, true, NULL);
	}
}

/* The device reads [start, end) and counts the bytes of @seed's data. */
static u64 bnc_dev_count(struct kunit *test, const struct bnc_map *m,
			 u64 start, u64 end, u32 seed, u64 *bad)
{
	u64 off, avail, addr, n, match = 0;
	u8 *p;

	*bad = U64_MAX;
	for (off = start; off < end; off += n) {
		p = bnc_dev_span(test, m, off, &avail, &addr);
		n = min(avail, end - off);
		match += bnc_pat(p, off, n, seed, false, bad);
	}
	return match;
}

static void bnc_expect_dev(struct kunit *test, const struct bnc_map *m,
			   u64 start, u64 end, u32 seed, const char *what)
{
	u64 bad, n = bnc_dev_count(test, m, start, end, seed, &bad);

	KUNIT_EXPECT_EQ_MSG(test, n, end - start,
			    "%s: device sees wrong data in [%llu, %llu) from offset %llu",
			    what, start, end, bad);
}

/*
 * Bytes of [start, end) that the device reaches at the caller's own
 * physical address, i.e. that were not bounced by anybody.
 */
static u64 bnc_direct_bytes(struct kunit *test, const struct bnc_buf *b,
			    const struct bnc_map *m, u64 start, u64 end)
{
	u64 off, cavail, davail, addr, n, direct = 0;
	u8 *cp;

	for (off = start; off < end; off += n) {
		cp = bnc_buf_span(b, off, &cavail);
		KUNIT_ASSERT_NOT_NULL(test, cp);
		bnc_dev_span(test, m, off, &davail, &addr);
		n = min3(cavail, davail, end - off);
		if (addr == virt_to_phys(cp))
			direct += n;
	}
	return direct;
}

static bool bnc_out_is_32(dmacmd_seg_fn fn)
{
	return fn == dmacmd_out_host32 || fn == dmacmd_out_be32 ||
	       fn == dmacmd_out_le32;
}

/* Generate every segment of the prepared range, checking the cursor. */
static void bnc_gen(struct kunit *test, struct dmacmd *cmd, struct bnc_map *m)
{
	struct dmacmd_seg32 *s32 = NULL;
	struct dmacmd_spec spec;
	u64 poff, plen, off = 0;
	bool out32;
	int ret;
	u32 i;

	KUNIT_ASSERT_EQ(test, dmacmd_prepared_range(cmd, &poff, &plen), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_get_spec(cmd, &spec), 0);
	out32 = bnc_out_is_32(spec.out_fn);
	if (!m->seg) {
		m->seg = kunit_kcalloc(test, BNC_MAX_SEGS, sizeof(*m->seg),
				       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->seg);
	}
	if (out32) {
		s32 = kunit_kcalloc(test, BNC_MAX_SEGS, sizeof(*s32),
				    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s32);
	}
	m->len = plen;
	m->n = 0;
	while (off < plen) {
		u32 cnt = BNC_MAX_SEGS - m->n;
		u64 before = off, sum = 0;

		KUNIT_ASSERT_GT_MSG(test, cnt, 0, "more than %d segments",
				    BNC_MAX_SEGS);
		if (out32)
			ret = dmacmd_gen32(cmd, &off, s32 + m->n, &cnt);
		else
			ret = dmacmd_gen64(cmd, &off, m->seg + m->n, &cnt);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "gen at offset %llu of %llu",
				    before, plen);
		KUNIT_ASSERT_GT(test, cnt, 0);
		KUNIT_ASSERT_LE(test, cnt, BNC_MAX_SEGS - m->n);
		for (i = m->n; i < m->n + cnt; i++) {
			if (out32) {
				m->seg[i].addr = s32[i].addr;
				m->seg[i].len = s32[i].len;
			}
			KUNIT_ASSERT_GT_MSG(test, m->seg[i].len, 0,
					    "segment %u is empty", i);
			sum += m->seg[i].len;
		}
		KUNIT_ASSERT_EQ_MSG(test, off, before + sum,
				    "cursor does not follow the segments");
		m->n += cnt;
	}
	KUNIT_ASSERT_EQ(test, off, plen);
}

/*
 * The spec's rules on every segment: address bits (limit 0: none), first
 * and internal alignment, length alignment; and the segments add up to the
 * prepared length.
 */
static void bnc_check_segs(struct kunit *test, const struct bnc_map *m,
			   unsigned int bits, u32 align, u32 align_int,
			   u32 align_len)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < m->n; i++) {
		const struct dmacmd_seg64 *s = &m->seg[i];
		u64 a = i ? align_int : align;

		KUNIT_EXPECT_EQ_MSG(test, s->addr & (a - 1), 0,
				    "segment %u at %#llx is not aligned to %llu",
				    i, s->addr, a);
		KUNIT_EXPECT_EQ_MSG(test, s->len & (align_len - 1), 0,
				    "segment %u length %llu is not a multiple of %u",
				    i, s->len, align_len);
		KUNIT_EXPECT_GE_MSG(test, s->addr + s->len, s->addr,
				    "segment %u wraps", i);
		if (bits && bits < 64)
			KUNIT_EXPECT_LE_MSG(test, s->addr + s->len, 1ULL << bits,
					    "segment %u [%#llx, +%#llx) is above %u bits",
					    i, s->addr, s->len, bits);
		total += s->len;
	}
	KUNIT_EXPECT_EQ(test, total, m->len);
}

static struct device *bnc_device(struct kunit *test, unsigned int mask_bits)
{
	struct device *dev;

	dev = kunit_device_register(test, "dmacmd-bounce");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test,
			dma_set_mask_and_coherent(dev, DMA_BIT_MASK(mask_bits)),
			0);
	if (device_iommu_mapped(dev))
		kunit_skip(test, "fake device behind an IOMMU: DMA address != phys");
	return dev;
}

static bool bnc_swiotlb_forced(struct device *dev)
{
	return is_swiotlb_force_bounce(dev);
}

static struct dmacmd *bnc_cmd(struct kunit *test, struct device *dev,
			      const struct dmacmd_spec *spec)
{
	struct dmacmd *cmd = dmacmd_create(dev, spec, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_put_cmd, cmd),
			0);
	return cmd;
}

static struct dmacmd_md *bnc_md_track(struct kunit *test,
				      struct dmacmd_md *md)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_put_md, md),
			0);
	return md;
}

/* IOKit order: wire the descriptor, then hand it to the command. */
static void bnc_attach(struct kunit *test, struct dmacmd *cmd,
		       struct dmacmd_md *md, bool clear_at_exit)
{
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_md_complete,
							md), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	if (clear_at_exit)
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test,
							  bnc_clear_memory,
							  cmd), 0);
}

/*
 * Prepare; -EADDRNOTAVAIL ("spec cannot be met here") skips the test unless
 * the spec is one every configuration must meet.
 */
static void bnc_prepare(struct kunit *test, struct dmacmd *cmd, bool sync,
			bool must_meet, const char *what)
{
	int ret = dmacmd_prepare(cmd, 0, 0,
				 dmacmd_kt_sync_if(DMACMD_FLUSH_CACHE, sync));

	if (ret == -EADDRNOTAVAIL && !must_meet)
		kunit_skip(test, "spec cannot be met here (-EADDRNOTAVAIL): %s",
			   what);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "prepare: %s", what);
	KUNIT_ASSERT_TRUE(test, dmacmd_is_prepared(cmd));
}

/*
 * A page entirely above (@high) or below @limit.  The page allocator takes
 * no placement hint beyond zones, so keep asking, holding the rejects so
 * that they are not handed back, and free them once done.  Its free lists
 * hand out low addresses first (a 2 GiB machine has nothing but ZONE_DMA32
 * and may give out hundreds of MiB below 256 MiB before anything above), so
 * above a limit the search moves on in 2 MiB blocks, and the block found
 * is split: one page is kept, the rest freed.
 */
static struct page *bnc_page_where(struct kunit *test, gfp_t gfp, bool high,
				   u64 limit)
{
	struct page *page, *tmp, *found = NULL;
	LIST_HEAD(rejects);
	LIST_HEAD(blocks);
	int i, j;

	for (i = 0; i < BNC_SEARCH_PAGES && !found; i++) {
		phys_addr_t phys;

		page = alloc_page(gfp | __GFP_NOWARN);
		if (!page)
			break;
		phys = page_to_phys(page);
		if (high ? phys >= limit : phys + PAGE_SIZE <= limit)
			found = page;
		else
			list_add(&page->lru, &rejects);
	}
	for (i = 0; high && !found && i < BNC_SEARCH_BLOCKS; i++) {
		page = alloc_pages(gfp | __GFP_NOWARN | __GFP_NORETRY,
				   BNC_BLOCK_ORDER);
		if (!page)
			break;
		if (page_to_phys(page) < limit) {
			list_add(&page->lru, &blocks);
			continue;
		}
		split_page(page, BNC_BLOCK_ORDER);
		for (j = 1; j < 1 << BNC_BLOCK_ORDER; j++)
			__free_page(page + j);
		found = page;
	}
	list_for_each_entry_safe(page, tmp, &rejects, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	list_for_each_entry_safe(page, tmp, &blocks, lru) {
		list_del(&page->lru);
		__free_pages(page, BNC_BLOCK_ORDER);
	}
	if (found)
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test, bnc_free_page,
							  found), 0);
	return found;
}

static gfp_t bnc_low_gfp(u64 limit)
{
	if (limit <= SZ_4G / 2)
		return GFP_DMA;
	if (limit <= SZ_4G)
		return GFP_DMA32;
	return GFP_KERNEL;
}

/* A kmalloc'ed buffer whose usable part starts @misalign bytes in. */
static u8 *bnc_kmalloc_at(struct kunit *test, size_t len, size_t misalign)
{
	u8 *p = kunit_kmalloc(test, len + misalign + 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p + misalign;
}

/*
 * IOKit: the copy to the bounce memory at prepare, and an explicit
 * synchronize in either direction, then the copy back at complete.  The
 * command is prepared (with synchronize) over memory holding @seed's data
 * and its direction lets both ways happen; it is completed on return.
 */
static void bnc_roundtrip(struct kunit *test, struct dmacmd *cmd,
			  struct bnc_buf *b, struct bnc_map *m, u32 seed)
{
	u64 len = m->len;

	bnc_expect_dev(test, m, 0, len, seed, "after prepare");

	bnc_cpu_fill(b, 0, len, seed + 1);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_OUT), 0);
	bnc_expect_dev(test, m, 0, len, seed + 1, "after synchronize(OUT)");

	bnc_dev_fill(test, m, 0, len, seed + 2);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_IN), 0);
	bnc_expect_cpu(test, b, 0, len, seed + 2, "after synchronize(IN)");

	bnc_dev_fill(test, m, 0, len, seed + 3);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	bnc_expect_cpu(test, b, 0, len, seed + 3, "after complete");
}

/* ---- address bits ---- */

struct bnc_bits_case {
	unsigned int spec_bits;	/* 0: unrestricted (32 with out32) */
	unsigned int mask_bits;
	bool out32;
};

static const struct bnc_bits_case bnc_bits_cases[] = {
	{ 28, 64 }, { 28, 28 },
	{ 32, 64 }, { 32, 32 },
	{ 36, 64 }, { 36, 36 },
	{ 64, 64 },
	{ 64, 32 },		/* the device mask is the narrower limit */
	{ 0, 64, true },	/* 32-bit output function: 0 means 32 */
};

static void bnc_bits_desc(const struct bnc_bits_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "spec %u bits%s, device mask %u bits", c->spec_bits,
		 c->out32 ? " (32 with 32-bit output)" : "", c->mask_bits);
}

KUNIT_ARRAY_PARAM(bnc_bits, bnc_bits_cases, bnc_bits_desc);

#define BNC_BITS_PAGES	8

/*
 * A limit with no RAM at all below it (arm64's QEMU virt has none below
 * 1 GiB): the kernel refuses a DMA mask that narrow (-EIO, dma_set_mask()),
 * and with a wider mask dmacmd refuses to prepare for a spec that narrow
 * (-EADDRNOTAVAIL): there is no bounce memory within it either.  Nothing
 * is prepared or bounced and the memory is as it was.
 */
static void bnc_bits_no_ram(struct kunit *test, const struct bnc_bits_case *c)
{
	struct dmacmd_spec spec = {
		.out_fn = c->out32 ? dmacmd_out_host32 : dmacmd_out_host64,
		.address_bits = c->spec_bits,
	};
	const u64 len = 2 * PAGE_SIZE;
	struct bnc_buf b = {};
	struct dmacmd_md *md;
	struct device *dev;
	struct dmacmd *cmd;
	u32 seed = bnc_seed();
	u8 *p;

	if (c->mask_bits < 64 &&
	    !dmacmd_kt_ram_within(DMA_BIT_MASK(c->mask_bits))) {
		dev = kunit_device_register(test, "dmacmd-bounce");
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
		KUNIT_ASSERT_EQ_MSG(test,
				    dma_set_mask_and_coherent(dev,
							      DMA_BIT_MASK(c->mask_bits)),
				    -EIO, "a %u-bit DMA mask, no RAM within it",
				    c->mask_bits);
		kunit_skip(test, "no RAM within %u bits: the kernel refuses such a mask (checked)",
			   c->mask_bits);
	}
	dev = bnc_device(test, c->mask_bits);
	p = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	bnc_buf_add(test, &b, p, len);
	md = bnc_md_track(test, dmacmd_md_from_kva(p, len, DMA_BIDIRECTIONAL));
	cmd = bnc_cmd(test, dev, &spec);
	bnc_attach(test, cmd, md, true);
	bnc_cpu_fill(&b, 0, len, seed);
	KUNIT_EXPECT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			-EADDRNOTAVAIL);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	bnc_expect_cpu(test, &b, 0, len, seed, "after refused prepare");
}

/*
 * Memory on both sides of the limit (low, high, high, low, high, low, low,
 * high): every segment ends within the limit, only the high pages are
 * bounced and the low ones are handed out at their own address, and data
 * travels both ways through the bounce copy.  Where the machine has no RAM
 * above the limit there is nothing to bounce: the 32-bit case (which must
 * pass everywhere) then checks that nothing is bounced, the others skip.
 * Where it has none below, bnc_bits_no_ram() checks the refusals.
 */
static void dmacmd_test_bounce_address_bits_high_pages(struct kunit *test)
{
	static const bool high_at[BNC_BITS_PAGES] = {
		false, true, true, false, true, false, false, true
	};
	const struct bnc_bits_case *c = test->param_value;
	unsigned int bits = c->spec_bits ? c->spec_bits : 32;
	unsigned int eff = min(bits, c->mask_bits);
	u64 limit = eff < 64 ? 1ULL << eff : 0;
	struct page *pages[BNC_BITS_PAGES];
	bool is_high[BNC_BITS_PAGES];
	struct dmacmd_spec spec = {
		.out_fn = c->out32 ? dmacmd_out_host32 : dmacmd_out_host64,
		.address_bits = c->spec_bits,
	};
	struct bnc_map m = {};
	struct bnc_buf b = {};
	struct dmacmd_md *md;
	struct device *dev;
	struct dmacmd *cmd;
	u64 high_bytes = 0, bounced;
	u32 seed = bnc_seed();
	bool forced, no_high_ram = false;
	int i;

	if (limit && !dmacmd_kt_ram_within(limit - 1)) {
		bnc_bits_no_ram(test, c);
		return;
	}
	dev = bnc_device(test, c->mask_bits);
	forced = bnc_swiotlb_forced(dev);
	for (i = 0; i < BNC_BITS_PAGES; i++) {
		bool high = limit && high_at[i] && !no_high_ram;

		pages[i] = NULL;
		if (high) {
			pages[i] = bnc_page_where(test, GFP_KERNEL, true,
						  limit);
			if (!pages[i] && eff != 32)
				kunit_skip(test, "no RAM above %u bits here: nothing to bounce",
					   eff);
			if (!pages[i]) {
				kunit_info(test, "no RAM above 4 GiB: checking nothing is bounced\n");
				no_high_ram = true;
				high = false;
			}
		}
		if (!limit)
			pages[i] = bnc_page_where(test, GFP_KERNEL, false,
						  U64_MAX);
		else if (!high)
			pages[i] = bnc_page_where(test, bnc_low_gfp(limit),
						  false, limit);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		is_high[i] = high;
		if (high) {
			KUNIT_ASSERT_GE(test, (u64)page_to_phys(pages[i]),
					limit);
			high_bytes += PAGE_SIZE;
		} else if (limit) {
			KUNIT_ASSERT_LE(test,
					(u64)page_to_phys(pages[i]) + PAGE_SIZE,
					limit);
		}
		bnc_buf_add(test, &b, page_address(pages[i]), PAGE_SIZE);
	}

	md = bnc_md_track(test, dmacmd_md_from_pages(pages, BNC_BITS_PAGES, 0,
						     b.total,
						     DMA_BIDIRECTIONAL));
	cmd = bnc_cmd(test, dev, &spec);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).address_bits, c->spec_bits ?: 32);
	bnc_attach(test, cmd, md, true);

	bnc_cpu_fill(&b, 0, b.total, seed);
	bnc_prepare(test, cmd, true, eff == 32 || eff == 64, "address bits");
	bnc_gen(test, cmd, &m);
	bnc_check_segs(test, &m, eff, 1, 1, 1);

	bounced = dmacmd_bounced_bytes(cmd);
	if (!forced && c->mask_bits == 64)
		/* Nobody else bounces for this device: dmacmd must, exactly. */
		KUNIT_EXPECT_EQ(test, bounced, high_bytes);
	else if (forced && bounced > high_bytes)
		/*
		 * swiotlb=force remaps every streaming mapping; where its pool
		 * lies beyond the spec, dmacmd falls back to one coherent copy
		 * buffer within the spec, which takes the whole range.
		 */
		KUNIT_EXPECT_EQ(test, bounced, b.total);
	else
		KUNIT_EXPECT_LE(test, bounced, high_bytes);

	for (i = 0; i < BNC_BITS_PAGES; i++) {
		u64 start = (u64)i * PAGE_SIZE, end = start + PAGE_SIZE;
		u64 direct = bnc_direct_bytes(test, &b, &m, start, end);

		if (is_high[i])
			KUNIT_EXPECT_EQ_MSG(test, direct, 0,
					    "high page %d handed out as is", i);
		else if (!forced)
			KUNIT_EXPECT_EQ_MSG(test, direct, (u64)PAGE_SIZE,
					    "low page %d bounced needlessly", i);
	}

	bnc_roundtrip(test, cmd, &b, &m, seed);
}

/* ---- alignment ---- */

enum bnc_align_kind {
	BNC_AL_START,
	BNC_AL_INT,
	BNC_AL_LEN,
	BNC_AL_ALL,
};

struct bnc_align_case {
	enum bnc_align_kind kind;
	u32 align;
};

static const struct bnc_align_case bnc_align_cases[] = {
	{ BNC_AL_START, 1 }, { BNC_AL_START, 2 }, { BNC_AL_START, 4 },
	{ BNC_AL_START, 8 }, { BNC_AL_START, 16 }, { BNC_AL_START, 32 },
	{ BNC_AL_START, 64 }, { BNC_AL_START, 128 }, { BNC_AL_START, 256 },
	{ BNC_AL_START, 512 }, { BNC_AL_START, SZ_1K },
	{ BNC_AL_START, SZ_2K }, { BNC_AL_START, SZ_4K },
	{ BNC_AL_START, SZ_8K }, { BNC_AL_START, SZ_16K },
	{ BNC_AL_START, SZ_32K }, { BNC_AL_START, SZ_64K },
	{ BNC_AL_INT, 1 }, { BNC_AL_INT, 2 }, { BNC_AL_INT, 4 },
	{ BNC_AL_INT, 8 }, { BNC_AL_INT, 16 }, { BNC_AL_INT, 32 },
	{ BNC_AL_INT, 64 }, { BNC_AL_INT, 128 }, { BNC_AL_INT, 256 },
	{ BNC_AL_INT, 512 }, { BNC_AL_INT, SZ_1K }, { BNC_AL_INT, SZ_2K },
	{ BNC_AL_INT, SZ_4K }, { BNC_AL_INT, SZ_8K }, { BNC_AL_INT, SZ_16K },
	{ BNC_AL_INT, SZ_32K }, { BNC_AL_INT, SZ_64K },
	{ BNC_AL_LEN, 1 }, { BNC_AL_LEN, 2 }, { BNC_AL_LEN, 4 },
	{ BNC_AL_LEN, 8 }, { BNC_AL_LEN, 16 }, { BNC_AL_LEN, 32 },
	{ BNC_AL_LEN, 64 }, { BNC_AL_LEN, 128 }, { BNC_AL_LEN, 256 },
	{ BNC_AL_LEN, 512 }, { BNC_AL_LEN, SZ_1K }, { BNC_AL_LEN, SZ_2K },
	{ BNC_AL_LEN, SZ_4K }, { BNC_AL_LEN, SZ_8K }, { BNC_AL_LEN, SZ_16K },
	{ BNC_AL_LEN, SZ_32K }, { BNC_AL_LEN, SZ_64K },
	{ BNC_AL_ALL, 1 }, { BNC_AL_ALL, 2 }, { BNC_AL_ALL, 4 },
	{ BNC_AL_ALL, 8 }, { BNC_AL_ALL, 16 }, { BNC_AL_ALL, 32 },
	{ BNC_AL_ALL, 64 }, { BNC_AL_ALL, 128 }, { BNC_AL_ALL, 256 },
	{ BNC_AL_ALL, 512 }, { BNC_AL_ALL, SZ_1K }, { BNC_AL_ALL, SZ_2K },
	{ BNC_AL_ALL, SZ_4K }, { BNC_AL_ALL, SZ_8K }, { BNC_AL_ALL, SZ_16K },
	{ BNC_AL_ALL, SZ_32K }, { BNC_AL_ALL, SZ_64K },
};

static void bnc_align_desc(const struct bnc_align_case *c, char *desc)
{
	static const char * const kind[] = {
		[BNC_AL_START] = "start",
		[BNC_AL_INT] = "internal segments",
		[BNC_AL_LEN] = "length",
		[BNC_AL_ALL] = "start, internal and length",
	};

	if (c->align >= SZ_1K)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s aligned to %u KiB",
			 kind[c->kind], c->align / SZ_1K);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s aligned to %u B",
			 kind[c->kind], c->align);
}

KUNIT_ARRAY_PARAM(bnc_align, bnc_align_cases, bnc_align_desc);

#define BNC_GUARD	0xa5

/*
 * Bytes of @len bytes of kmalloc'ed memory, mapped in one go for @dev,
 * that the DMA API bounces through swiotlb by itself.  A device whose DMA
 * is not coherent cannot have a piece of a kmalloc buffer that might share
 * a cache line with another object mapped for it to write: with
 * CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC (arm64), dma_direct_map_page()
 * bounces each scatterlist entry that dma_kmalloc_needs_bounce() says so
 * of (shorter than 2 * ARCH_DMA_MINALIGN, a kmalloc size that is not
 * cache-line aligned).  dmacmd hands the DMA API a physically contiguous
 * range in entries of at most the device's maximum segment size (whole
 * pages of it) from its start: the short entry at the end of a range is
 * such a piece.
 */
static u64 bnc_kernel_bounces(struct device *dev, u64 len,
			      enum dma_data_direction dir)
{
	u64 ent = min_t(u64, dma_get_max_seg_size(dev), dma_max_mapping_size(dev));
	u64 part, bytes = 0;

	if (ent >= PAGE_SIZE)
		ent = round_down(ent, PAGE_SIZE);
	for (; len; len -= part) {
		part = min(len, ent);
		if (dma_kmalloc_needs_bounce(dev, part, dir))
			bytes += part;
	}
	return bytes;
}

/*
 * Three kernel ranges, each in its own kmalloc buffer: starting 3, 1 and 5
 * bytes in, with odd lengths, so that for any alignment of 2 or more the
 * first segment, the internal ones and the lengths are all misaligned,
 * while the total is a multiple of the alignment.
 */
static void dmacmd_test_bounce_alignment_misaligned_memory(struct kunit *test)
{
	const struct bnc_align_case *c = test->param_value;
	u64 base = max_t(u64, c->align, PAGE_SIZE);
	const u64 lens[3] = { base + 3, base / 2 - 8, base / 2 + 5 };
	const size_t skew[3] = { 3, 1, 5 };
	struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
		.alignment = 1,
		.alignment_internal = 1,
		.alignment_length = 1,
	};
	struct dmacmd_range ranges[3];
	struct bnc_map m = {};
	struct bnc_buf b = {};
	u8 *raw[3];
	struct dmacmd_md *md;
	struct device *dev;
	struct dmacmd *cmd;
	u32 seed = bnc_seed();
	u64 bounced;
	int i, ret;

	if (c->kind == BNC_AL_START || c->kind == BNC_AL_ALL)
		spec.alignment = c->align;
	if (c->kind == BNC_AL_INT || c->kind == BNC_AL_ALL)
		spec.alignment_internal = c->align;
	if (c->kind == BNC_AL_LEN || c->kind == BNC_AL_ALL)
		spec.alignment_length = c->align;

	dev = bnc_device(test, 64);
	for (i = 0; i < 3; i++) {
		raw[i] = kunit_kmalloc(test, lens[i] + skew[i] + 16,
				       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, raw[i]);
		memset(raw[i], BNC_GUARD, lens[i] + skew[i] + 16);
		ranges[i].addr = (unsigned long)(raw[i] + skew[i]);
		ranges[i].len = lens[i];
		bnc_buf_add(test, &b, raw[i] + skew[i], lens[i]);
	}
	KUNIT_ASSERT_EQ(test, b.total, 2 * base);

	md = bnc_md_track(test, dmacmd_md_from_ranges(ranges, 3,
						      DMA_BIDIRECTIONAL,
						      DMACMD_ADDR_KERNEL));
	KUNIT_ASSERT_EQ(test, dmacmd_md_length(md), b.total);
	cmd = bnc_cmd(test, dev, &spec);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment, spec.alignment);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment_internal,
			spec.alignment_internal);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment_length,
			spec.alignment_length);
	bnc_attach(test, cmd, md, true);

	bnc_cpu_fill(&b, 0, b.total, seed);
	ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	/*
	 * swiotlb=force puts every mapping in a slot that is only 2 KiB (or
	 * page) aligned; dmacmd may say so rather than break the spec.
	 */
	if (ret == -EADDRNOTAVAIL && bnc_swiotlb_forced(dev) &&
	    c->align > SZ_2K)
		kunit_skip(test, "-EADDRNOTAVAIL: swiotlb slots are not %u aligned",
			   c->align);
	KUNIT_ASSERT_EQ(test, ret, 0);
	bnc_gen(test, cmd, &m);
	bnc_check_segs(test, &m, 64, spec.alignment, spec.alignment_internal,
		       spec.alignment_length);

	bounced = dmacmd_bounced_bytes(cmd);
	if (c->align == 1) {
		u64 kernel = 0;

		/* Nothing for dmacmd to bounce, and nothing it does. */
		KUNIT_EXPECT_EQ(test, bounced, 0);
		for (i = 0; i < 3; i++)
			kernel += bnc_kernel_bounces(dev, lens[i],
						     DMA_BIDIRECTIONAL);
		if (kernel)
			kunit_info(test, "%llu bytes bounced by the DMA API (short kmalloc pieces, DMA not coherent)\n",
				   kernel);
		if (!bnc_swiotlb_forced(dev))
			KUNIT_EXPECT_EQ(test,
					bnc_direct_bytes(test, &b, &m, 0, b.total),
					b.total - kernel);
	} else if (c->kind == BNC_AL_ALL && c->align >= 8) {
		/*
		 * Segment boundaries fall on multiples of the alignment in
		 * the range, where no byte of this memory is aligned.
		 */
		KUNIT_EXPECT_EQ(test, bounced, b.total);
	} else {
		KUNIT_EXPECT_GT(test, bounced, 0);
		KUNIT_EXPECT_LE(test, bounced, b.total);
	}

	bnc_roundtrip(test, cmd, &b, &m, seed);

	for (i = 0; i < 3; i++) {
		u64 tail = 16;

		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(raw[i], BNC_GUARD,
						       skew[i]),
				      "bytes before range %d were written", i);
		KUNIT_EXPECT_NULL_MSG(test,
				      memchr_inv(raw[i] + skew[i] + lens[i],
						 BNC_GUARD, tail),
				      "bytes after range %d were written", i);
	}
}

/*
 * A kmalloc buffer 3 bytes in, under a spec with start, internal and length
 * alignment 64: segment boundaries are multiples of 64 into the range where
 * this memory is never 64-byte aligned, so every byte must be bounced, in
 * every configuration (swiotlb slots are 2 KiB aligned).
 */
#define BNC_MIS_ALIGN	64

struct bnc_fix {
	struct device *dev;
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct bnc_buf b;
	struct bnc_map m;
	u8 *p;
	u64 len;
};

/* The spec of the misaligned fixture: 64-byte alignments throughout. */
static const struct dmacmd_spec bnc_mis_spec = {
	.out_fn = dmacmd_out_host64,
	.address_bits = 64,
	.alignment = BNC_MIS_ALIGN,
	.alignment_internal = BNC_MIS_ALIGN,
	.alignment_length = BNC_MIS_ALIGN,
};

/* bnc_fix_misaligned() with a spec of the caller's. */
static void bnc_fix_misaligned_spec(struct kunit *test, struct bnc_fix *f,
				    enum dma_data_direction dir, u64 len,
				    bool clear_at_exit,
				    const struct dmacmd_spec *spec)
{
	/* A caller may have set the device (one for several fixtures). */
	if (!f->dev)
		f->dev = bnc_device(test, 64);
	f->len = len;
	f->p = bnc_kmalloc_at(test, len, 3);
	bnc_buf_add(test, &f->b, f->p, len);
	f->md = bnc_md_track(test, dmacmd_md_from_kva(f->p, len, dir));
	f->cmd = bnc_cmd(test, f->dev, spec);
	bnc_attach(test, f->cmd, f->md, clear_at_exit);
}

static void bnc_fix_misaligned(struct kunit *test, struct bnc_fix *f,
			       enum dma_data_direction dir, u64 len,
			       bool clear_at_exit)
{
	bnc_fix_misaligned_spec(test, f, dir, len, clear_at_exit,
				&bnc_mis_spec);
}

/* After prepare: everything is bounced, or the test proves nothing. */
static void bnc_fix_gen(struct kunit *test, struct bnc_fix *f)
{
	bnc_gen(test, f->cmd, &f->m);
	bnc_check_segs(test, &f->m, 64, BNC_MIS_ALIGN, BNC_MIS_ALIGN,
		       BNC_MIS_ALIGN);
	KUNIT_ASSERT_EQ_MSG(test, dmacmd_bounced_bytes(f->cmd), f->len,
			    "misaligned memory must be bounced entirely");
	if (!bnc_swiotlb_forced(f->dev))
		KUNIT_ASSERT_EQ(test, bnc_direct_bytes(test, &f->b, &f->m, 0,
						       f->len), 0);
}

/* Restore the pool_max_kb parameter at the end of a test. */
static void bnc_pool_max_restore(void *old)
{
	WRITE_ONCE(dmacmd_pool_max_kb, (unsigned int)(uintptr_t)old);
}

/* One prepare of the whole fixture: the device reads it, then complete. */
static void bnc_pool_cycle(struct kunit *test, struct bnc_fix *f, u32 seed,
			   const char *what)
{
	bnc_cpu_fill(&f->b, 0, f->len, seed);
	bnc_prepare(test, f->cmd, true, true, what);
	bnc_fix_gen(test, f);
	bnc_expect_dev(test, &f->m, 0, f->len, seed, what);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f->cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/*
 * What a command keeps of its bounce memory between transfers is bounded:
 * a pool above the pool_max_kb parameter gives back the excess at
 * complete, and the shrinker frees what an idle command caches (what a
 * prepared one uses stays).  The next transfer allocates again and its
 * bytes arrive.
 */
static void dmacmd_test_bounce_pool_bounded(struct kunit *test)
{
	const u64 len = 64 * SZ_1K;
	unsigned int old = READ_ONCE(dmacmd_pool_max_kb);
	struct bnc_fix f = {};
	long base, kept;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							bnc_pool_max_restore,
							(void *)(uintptr_t)old),
			0);
	bnc_fix_misaligned(test, &f, DMA_TO_DEVICE, len, true);
	dmacmd_pools_shrink(ULONG_MAX);
	base = dmacmd_pools_bytes();

	WRITE_ONCE(dmacmd_pool_max_kb, 1024);
	bnc_pool_cycle(test, &f, 11, "under the limit");
	kept = dmacmd_pools_bytes() - base;
	KUNIT_EXPECT_GE_MSG(test, kept, len, "the blocks stay cached");

	/* Above the limit: the excess goes at complete. */
	WRITE_ONCE(dmacmd_pool_max_kb, 16);
	bnc_pool_cycle(test, &f, 12, "above the limit");
	KUNIT_EXPECT_LE_MSG(test, dmacmd_pools_bytes() - base, 16 * SZ_1K,
			    "kept %ld bytes", dmacmd_pools_bytes() - base);

	/* Memory pressure: the shrinker frees an idle command's cache... */
	WRITE_ONCE(dmacmd_pool_max_kb, 1024);
	bnc_pool_cycle(test, &f, 13, "cached again");
	KUNIT_EXPECT_GE(test, dmacmd_pools_bytes() - base, len);
	KUNIT_EXPECT_GE(test, dmacmd_pools_shrink(ULONG_MAX),
			(unsigned long)(len >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, dmacmd_pools_bytes(), base);

	/* ...but not the blocks a prepared one maps. */
	bnc_cpu_fill(&f.b, 0, f.len, 14);
	bnc_prepare(test, f.cmd, true, true, "prepared");
	bnc_fix_gen(test, &f);
	dmacmd_pools_shrink(ULONG_MAX);
	KUNIT_EXPECT_GE(test, dmacmd_pools_bytes() - base, len);
	bnc_expect_dev(test, &f.m, 0, f.len, 14, "after the shrinker");
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/*
 * What dmacmd copies into bounce memory is its own to make visible to the
 * device: a kNonCoherent command prepared without FLUSH_CACHE (the caller
 * does the cache work for its own memory) still has the DMA API sync the
 * bounce copy (under swiotlb=force: copy it into the platform's slot).
 */
static void dmacmd_test_bounce_noncoherent_copy_reaches_device(struct kunit *test)
{
	struct dmacmd_spec spec = bnc_mis_spec;
	const u64 len = 3 * PAGE_SIZE;
	struct bnc_fix f = {};
	u32 seed = bnc_seed();

	spec.map_options = DMACMD_MAP_NONCOHERENT;
	bnc_fix_misaligned_spec(test, &f, DMA_BIDIRECTIONAL, len, true, &spec);

	bnc_cpu_fill(&f.b, 0, len, seed);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(f.cmd, 0, 0, DMACMD_SYNCHRONIZE),
			0);
	bnc_fix_gen(test, &f);
	bnc_expect_dev(test, &f.m, 0, len, seed, "after prepare");

	/* The other way: what the device wrote comes back with SYNCHRONIZE. */
	bnc_dev_fill(test, &f.m, 0, len, seed + 1);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_SYNCHRONIZE), 0);
	bnc_expect_cpu(test, &f.b, 0, len, seed + 1, "after complete");
}

/* ---- directions and the synchronize flags of prepare and complete ---- */

struct bnc_dir_case {
	enum dma_data_direction dir;
	bool prep_sync;
	bool comp_sync;
};

static const struct bnc_dir_case bnc_dir_cases[] = {
	{ DMA_FROM_DEVICE, true, true }, { DMA_FROM_DEVICE, true, false },
	{ DMA_FROM_DEVICE, false, true }, { DMA_FROM_DEVICE, false, false },
	{ DMA_TO_DEVICE, true, true }, { DMA_TO_DEVICE, true, false },
	{ DMA_TO_DEVICE, false, true }, { DMA_TO_DEVICE, false, false },
	{ DMA_BIDIRECTIONAL, true, true }, { DMA_BIDIRECTIONAL, true, false },
	{ DMA_BIDIRECTIONAL, false, true }, { DMA_BIDIRECTIONAL, false, false },
	{ DMA_NONE, true, true }, { DMA_NONE, true, false },
	{ DMA_NONE, false, true }, { DMA_NONE, false, false },
};

static void bnc_dir_desc(const struct bnc_dir_case *c, char *desc)
{
	static const char * const name[] = {
		[DMA_BIDIRECTIONAL] = "InOut",
		[DMA_TO_DEVICE] = "Out",
		[DMA_FROM_DEVICE] = "In",
		[DMA_NONE] = "None",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "%s, prepare %ssynchronize, complete %ssynchronize",
		 name[c->dir], c->prep_sync ? "" : "no ",
		 c->comp_sync ? "" : "no ");
}

KUNIT_ARRAY_PARAM(bnc_dir, bnc_dir_cases, bnc_dir_desc);

/*
 * IOKit copies memory to the bounce copy at prepare(synchronize) for Out
 * and None, and back at complete(synchronize) for In and None (None acts as
 * InOut).  dmacmd also initialises the bounce copy of anything the device
 * may write from memory (stale data guard), so only Out can show a skipped
 * copy at prepare.  With the flag false a copy must really be skipped.
 */
static void dmacmd_test_bounce_direction_sync_flags(struct kunit *test)
{
	const struct bnc_dir_case *c = test->param_value;
	bool copy_in = c->dir != DMA_TO_DEVICE;
	struct bnc_fix f = {};
	u32 seed = bnc_seed();
	u64 bad, n;

	bnc_fix_misaligned(test, &f, c->dir, 2 * PAGE_SIZE, true);
	bnc_cpu_fill(&f.b, 0, f.len, seed);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0,
				       dmacmd_kt_sync_if(DMACMD_FLUSH_CACHE,
							 c->prep_sync)),
			0);
	bnc_fix_gen(test, &f);

	if (c->dir == DMA_TO_DEVICE && !c->prep_sync) {
		n = bnc_dev_count(test, &f.m, 0, f.len, seed, &bad);
		KUNIT_EXPECT_LE_MSG(test, n, f.len / 8,
				    "prepare(synchronize=false) copied the memory anyway");
		KUNIT_EXPECT_EQ(test, dmacmd_synchronize(f.cmd,
							 DMACMD_SYNC_OUT), 0);
	}
	bnc_expect_dev(test, &f.m, 0, f.len, seed, "device reads");

	bnc_dev_fill(test, &f.m, 0, f.len, seed + 1);
	/* Nothing reaches memory before complete. */
	bnc_expect_cpu(test, &f.b, 0, f.len, seed, "before complete");
	KUNIT_ASSERT_EQ(test,
			dmacmd_complete(f.cmd,
					dmacmd_kt_sync_if(DMACMD_INVALIDATE_CACHE,
							  c->comp_sync)),
			0);
	if (c->comp_sync && copy_in)
		bnc_expect_cpu(test, &f.b, 0, f.len, seed + 1,
			       "complete(synchronize) copies the device's data");
	else
		bnc_expect_cpu(test, &f.b, 0, f.len, seed,
			       "no copy back expected");
}

/* ---- synchronize ---- */

/*
 * DMACMD_FORCE_DOUBLE_BUFFER moves a prepared command that did not bounce
 * onto a full copy: the segments leave the caller's memory, the copy is
 * made from memory, and the data still travels both ways, within the
 * prepared range only.  Forcing again is a no-op.
 */
static void dmacmd_test_bounce_force_double_buffer_prepared(struct kunit *test)
{
	const u64 len = 3 * PAGE_SIZE, skip = PAGE_SIZE / 2;
	const u64 plen = len - PAGE_SIZE;
	struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
	};
	struct bnc_map m = {};
	struct bnc_buf b = {};
	struct dmacmd_md *md;
	struct device *dev;
	struct dmacmd *cmd;
	u32 seed = bnc_seed();
	phys_addr_t lo, hi;
	u64 poff, size;
	u8 *p;
	u32 i;

	dev = bnc_device(test, 64);
	p = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, BNC_GUARD, len);
	lo = virt_to_phys(p);
	hi = lo + len;
	/* The caller's view is the prepared range. */
	bnc_buf_add(test, &b, p + skip, plen);
	md = bnc_md_track(test, dmacmd_md_from_kva(p, len, DMA_BIDIRECTIONAL));
	cmd = bnc_cmd(test, dev, &spec);
	bnc_attach(test, cmd, md, true);

	bnc_cpu_fill(&b, 0, plen, seed);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, skip, plen, DMACMD_PREPARE_DEFAULT),
			0);
	bnc_gen(test, cmd, &m);
	KUNIT_ASSERT_EQ(test, m.len, plen);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	if (!bnc_swiotlb_forced(dev))
		KUNIT_EXPECT_EQ(test, bnc_direct_bytes(test, &b, &m, 0, plen),
				plen);

	KUNIT_ASSERT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER),
			0);
	KUNIT_ASSERT_TRUE(test, dmacmd_is_prepared(cmd));
	KUNIT_ASSERT_EQ(test, dmacmd_prepared_range(cmd, &poff, &size), 0);
	KUNIT_EXPECT_EQ(test, poff, skip);
	KUNIT_EXPECT_EQ(test, size, plen);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), plen);

	bnc_gen(test, cmd, &m);
	bnc_check_segs(test, &m, 64, 1, 1, 1);
	for (i = 0; i < m.n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, m.seg[i].addr + m.seg[i].len <= lo ||
				      m.seg[i].addr >= hi,
				      "segment %u [%#llx, +%#llx) still in the caller's memory",
				      i, m.seg[i].addr, m.seg[i].len);
	bnc_expect_dev(test, &m, 0, plen, seed, "copy made by force");

	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), plen);

	bnc_roundtrip(test, cmd, &b, &m, seed);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, BNC_GUARD, skip),
			      "bytes before the prepared range were written");
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p + skip + plen, BNC_GUARD,
					       len - skip - plen),
			      "bytes after the prepared range were written");
}

/*
 * Both directions at once is a bad argument that changes nothing: no copy
 * either way, still prepared.
 */
static void
dmacmd_test_bounce_synchronize_both_directions_refused(struct kunit *test)
{
	struct bnc_fix f = {};
	u32 seed = bnc_seed();

	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, 2 * PAGE_SIZE, true);
	bnc_cpu_fill(&f.b, 0, f.len, seed);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);

	bnc_cpu_fill(&f.b, 0, f.len, seed + 1);
	bnc_dev_fill(test, &f.m, 0, f.len, seed + 2);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(f.cmd, DMACMD_SYNC_IN |
						 DMACMD_SYNC_OUT), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(f.cmd, DMACMD_SYNC_IN |
						 DMACMD_SYNC_OUT |
						 DMACMD_FORCE_DOUBLE_BUFFER),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(f.cmd));
	bnc_expect_cpu(test, &f.b, 0, f.len, seed + 1, "refused synchronize");
	bnc_expect_dev(test, &f.m, 0, f.len, seed + 2, "refused synchronize");

	/* Each direction alone still works. */
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(f.cmd, DMACMD_SYNC_IN), 0);
	bnc_expect_cpu(test, &f.b, 0, f.len, seed + 2, "synchronize(IN)");
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/* Not prepared: never prepared, no memory, and completed. */
static void dmacmd_test_bounce_synchronize_not_prepared(struct kunit *test)
{
	static const u32 opts[] = {
		DMACMD_SYNC_IN, DMACMD_SYNC_OUT, DMACMD_FORCE_DOUBLE_BUFFER,
	};
	struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
	};
	struct dmacmd *bare;
	struct bnc_fix f = {};
	u32 seed = bnc_seed();
	int i;

	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, PAGE_SIZE, true);
	bare = bnc_cmd(test, f.dev, &spec);
	bnc_cpu_fill(&f.b, 0, f.len, seed);

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_synchronize(bare, opts[i]),
				    -EBADFD, "no memory, options %#x", opts[i]);
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_synchronize(f.cmd, opts[i]),
				    -EBADFD, "memory set, options %#x", opts[i]);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	}

	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
	for (i = 0; i < ARRAY_SIZE(opts); i++)
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_synchronize(f.cmd, opts[i]),
				    -EBADFD, "completed, options %#x", opts[i]);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	bnc_expect_cpu(test, &f.b, 0, f.len, seed, "untouched");

	/* The refusals left the command usable. */
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);
	bnc_roundtrip(test, f.cmd, &f.b, &f.m, seed);
}

/* ---- stale data (CVE-2022-0854 class) ---- */

struct bnc_stale_case {
	bool high;	/* bounce for address bits rather than alignment */
	bool prep_sync;
};

static const struct bnc_stale_case bnc_stale_cases[] = {
	{ false, true }, { false, false }, { true, true }, { true, false },
};

static void bnc_stale_desc(const struct bnc_stale_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, prepare %ssynchronize",
		 c->high ? "pages above 32 bits" : "misaligned memory",
		 c->prep_sync ? "" : "no ");
}

KUNIT_ARRAY_PARAM(bnc_stale, bnc_stale_cases, bnc_stale_desc);

static const u8 bnc_marker[8] = { 'S', 'T', 'A', 'L', 'E', 0xde, 0xad, 0x5a };

/*
 * Fill freed memory with the marker: pages of a few orders from the zones
 * a bounce allocator uses, and kmalloc objects of the transfer's size, so
 * that the next allocation is likely to be one of them.
 */
static void bnc_spray_marker(struct kunit *test, size_t objsize)
{
	static const struct { unsigned int order, count; gfp_t gfp; } sp[] = {
		{ 0, 128, GFP_KERNEL }, { 0, 128, GFP_DMA32 },
		{ 1, 32, GFP_KERNEL }, { 1, 32, GFP_DMA32 },
		{ 2, 16, GFP_KERNEL }, { 2, 16, GFP_DMA32 },
		{ 4, 4, GFP_KERNEL }, { 4, 4, GFP_DMA32 },
	};
	struct page *page, *tmp;
	LIST_HEAD(held);
	void *obj[32];
	unsigned int i, j, k;

	for (i = 0; i < ARRAY_SIZE(sp); i++) {
		for (j = 0; j < sp[i].count; j++) {
			page = alloc_pages(sp[i].gfp | __GFP_NOWARN,
					   sp[i].order);
			if (!page)
				break;
			for (k = 0; k < (PAGE_SIZE << sp[i].order);
			     k += sizeof(bnc_marker))
				memcpy((u8 *)page_address(page) + k,
				       bnc_marker, sizeof(bnc_marker));
			page->private = sp[i].order;
			list_add(&page->lru, &held);
		}
	}
	for (i = 0; i < ARRAY_SIZE(obj); i++) {
		obj[i] = kmalloc(objsize, GFP_KERNEL | __GFP_NOWARN);
		for (k = 0; obj[i] && k + sizeof(bnc_marker) <= objsize;
		     k += sizeof(bnc_marker))
			memcpy((u8 *)obj[i] + k, bnc_marker,
			       sizeof(bnc_marker));
	}
	for (i = 0; i < ARRAY_SIZE(obj); i++)
		kfree(obj[i]);
	list_for_each_entry_safe(page, tmp, &held, lru) {
		unsigned int order = page->private;

		list_del(&page->lru);
		page->private = 0;
		__free_pages(page, order);
	}
}

static bool bnc_has_marker(const struct bnc_buf *b, u64 *where)
{
	u64 off, avail, i;
	u8 *p;

	/* Chunks here are whole pages or one buffer: scan each. */
	for (off = 0; off < b->total; off += avail) {
		p = bnc_buf_span(b, off, &avail);
		for (i = 0; i + sizeof(bnc_marker) <= avail; i++) {
			if (!memcmp(p + i, bnc_marker, sizeof(bnc_marker))) {
				*where = off + i;
				return true;
			}
		}
	}
	return false;
}

#define BNC_STALE_PAGES	4
#define BNC_STALE_SKEW	100

/*
 * An In transfer through bounce memory where the device writes only the
 * first half: the second half of the caller's memory keeps its content and
 * no stale kernel data (the marker) ever reaches it, whether or not prepare
 * was asked to synchronize.  With pages, the range starts 100 bytes into
 * the first page and ends 100 bytes before the end of the last, and the
 * bytes outside it must not change either.
 */
static void dmacmd_test_bounce_stale_data_partial_write(struct kunit *test)
{
	const struct bnc_stale_case *c = test->param_value;
	struct page *pages[BNC_STALE_PAGES];
	struct bnc_fix f = {};
	struct bnc_map *m = &f.m;
	struct bnc_buf *b = &f.b;
	u32 seed = bnc_seed();
	u64 where, half;
	int i;

	if (c->high) {
		struct dmacmd_spec spec = {
			.out_fn = dmacmd_out_host64,
			.address_bits = 32,
		};
		u64 len = BNC_STALE_PAGES * PAGE_SIZE - 2 * BNC_STALE_SKEW;

		f.dev = bnc_device(test, 64);
		for (i = 0; i < BNC_STALE_PAGES; i++) {
			pages[i] = bnc_page_where(test, GFP_KERNEL, true,
						  SZ_4G);
			if (!pages[i])
				kunit_skip(test, "no free RAM above 4 GiB on this machine");
			KUNIT_ASSERT_GE(test, (u64)page_to_phys(pages[i]),
					(u64)SZ_4G);
			memset(page_address(pages[i]), BNC_GUARD, PAGE_SIZE);
		}
		bnc_buf_add(test, b, page_address(pages[0]) + BNC_STALE_SKEW,
			    PAGE_SIZE - BNC_STALE_SKEW);
		for (i = 1; i < BNC_STALE_PAGES - 1; i++)
			bnc_buf_add(test, b, page_address(pages[i]), PAGE_SIZE);
		bnc_buf_add(test, b, page_address(pages[i]),
			    PAGE_SIZE - BNC_STALE_SKEW);
		f.len = len;
		f.md = bnc_md_track(test,
				    dmacmd_md_from_pages(pages, BNC_STALE_PAGES,
							 BNC_STALE_SKEW, len,
							 DMA_FROM_DEVICE));
		f.cmd = bnc_cmd(test, f.dev, &spec);
		bnc_attach(test, f.cmd, f.md, true);
	} else {
		bnc_fix_misaligned(test, &f, DMA_FROM_DEVICE, 2 * PAGE_SIZE,
				   true);
	}
	half = f.len / 2;

	bnc_cpu_fill(b, 0, f.len, seed);
	bnc_spray_marker(test, f.len);
	bnc_prepare(test, f.cmd, c->prep_sync, true, "stale data");
	if (c->high) {
		bnc_gen(test, f.cmd, m);
		bnc_check_segs(test, m, 32, 1, 1, 1);
		KUNIT_EXPECT_EQ(test, bnc_direct_bytes(test, b, m, 0, f.len),
				0);
		if (!bnc_swiotlb_forced(f.dev))
			KUNIT_ASSERT_EQ(test, dmacmd_bounced_bytes(f.cmd),
					f.len);
	} else {
		bnc_fix_gen(test, &f);
	}

	bnc_dev_fill(test, m, 0, half, seed + 1);
	KUNIT_ASSERT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);

	bnc_expect_cpu(test, b, 0, half, seed + 1, "written half");
	bnc_expect_cpu(test, b, half, f.len, seed, "unwritten half");
	KUNIT_EXPECT_FALSE_MSG(test, bnc_has_marker(b, &where),
			       "stale kernel data at offset %llu", where);
	if (c->high) {
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(pages[0]),
						   BNC_GUARD, BNC_STALE_SKEW));
		KUNIT_EXPECT_NULL(test,
				  memchr_inv((u8 *)page_address(pages[BNC_STALE_PAGES - 1]) +
					     PAGE_SIZE - BNC_STALE_SKEW,
					     BNC_GUARD, BNC_STALE_SKEW));
	}
}

/* ---- bounce memory lifetime ---- */

#define BNC_CYCLES	8

struct bnc_hold {
	struct list_head pages;
	void *obj[8];
};

/*
 * Take memory of the sizes a bounce allocator would ask for, so that
 * memory freed by the last complete would be handed out here, not back to
 * the command.
 */
static void bnc_hold_memory(struct bnc_hold *h, size_t len)
{
	static const gfp_t gfp[] = { GFP_KERNEL, GFP_DMA32 };
	struct page *page;
	unsigned int o, g, j;

	INIT_LIST_HEAD(&h->pages);
	for (g = 0; g < ARRAY_SIZE(gfp); g++) {
		for (o = 0; o <= 4; o++) {
			for (j = 0; j < 4; j++) {
				page = alloc_pages(gfp[g] | __GFP_NOWARN, o);
				if (!page)
					continue;
				page->private = o;
				list_add(&page->lru, &h->pages);
			}
		}
	}
	for (j = 0; j < ARRAY_SIZE(h->obj); j++)
		h->obj[j] = kmalloc(len + (j % 4) * BNC_MIS_ALIGN,
				    GFP_KERNEL | __GFP_NOWARN);
}

static void bnc_release_memory(struct bnc_hold *h)
{
	struct page *page, *tmp;
	unsigned int j;

	for (j = 0; j < ARRAY_SIZE(h->obj); j++)
		kfree(h->obj[j]);
	list_for_each_entry_safe(page, tmp, &h->pages, lru) {
		unsigned int order = page->private;

		list_del(&page->lru);
		page->private = 0;
		__free_pages(page, order);
	}
}

/*
 * A steady stream of prepare/complete cycles of one shape does not
 * allocate.  Two criteria:
 * - the calls of dmacmd's bounce allocation site (its fault hook counts
 *   them): some while the command is set up and first prepared, none in
 *   the cycles after;
 * - the bounce memory's address: between cycles the test takes memory of
 *   the sizes a bounce allocator uses, so bounce memory freed at complete
 *   and allocated again at prepare would land elsewhere.  Under
 *   swiotlb=force the segments are swiotlb slots, which move every cycle by
 *   design, and only the count of bounce allocations tells.
 * The memory goes when the command is released (kmemleak checks).
 */
static void dmacmd_test_bounce_pool_reused_across_cycles(struct kunit *test)
{
	struct dmacmd_seg64 *first;
	unsigned int setup_calls, steady_calls;
	struct bnc_fix f = {};
	struct bnc_hold h;
	u32 seed = bnc_seed(), first_n = 0;
	bool forced;
	int cycle;

	first = kunit_kcalloc(test, BNC_MAX_SEGS, sizeof(*first), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);

	bnc_fault_arm(test, INT_MAX);
	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, 2 * PAGE_SIZE, true);
	forced = bnc_swiotlb_forced(f.dev);
	for (cycle = 0; cycle < BNC_CYCLES; cycle++) {
		bool held = cycle > 0;

		if (held)
			bnc_hold_memory(&h, f.len);
		bnc_cpu_fill(&f.b, 0, f.len, seed + cycle * 8);
		KUNIT_ASSERT_EQ(test,
				dmacmd_prepare(f.cmd, 0, 0,
					       DMACMD_PREPARE_DEFAULT),
				0);
		if (held)
			bnc_release_memory(&h);
		bnc_fix_gen(test, &f);

		if (cycle == 0) {
			first_n = f.m.n;
			memcpy(first, f.m.seg, f.m.n * sizeof(*first));
		} else if (!forced) {
			u32 n = min(first_n, f.m.n);
			bool moved = memcmp(first, f.m.seg, n * sizeof(*first));

			KUNIT_EXPECT_EQ_MSG(test, f.m.n, first_n, "cycle %d",
					    cycle);
			KUNIT_EXPECT_FALSE_MSG(test, moved,
					       "cycle %d: bounce memory moved (reallocated)",
					       cycle);
		}
		bnc_roundtrip(test, f.cmd, &f.b, &f.m, seed + cycle * 8);
		if (cycle == 0) {
			bnc_fault_disarm(test, &setup_calls);
			bnc_fault_arm(test, INT_MAX);
		}
	}
	bnc_fault_disarm(test, &steady_calls);

	if (setup_calls)
		KUNIT_EXPECT_EQ_MSG(test, steady_calls, 0,
				    "bounce allocations in %d cycles of one shape",
				    BNC_CYCLES - 1);
	else if (forced)
		kunit_skip(test, "swiotlb=force, no allocation count: nothing to compare");
	else
		kunit_info(test, "bounce allocation site not counted: addresses compared only\n");
}

/*
 * Bounce memory holds the current transfer and nothing else: the last
 * block of a copy buffer is mapped up to its page's end (and a coherent
 * block is all the device's), so the part a shorter transfer leaves over
 * must not keep an earlier transfer's bytes, which may be another
 * process's.  The device reads zeroes there.
 */
static void dmacmd_test_bounce_tail_cleared(struct kunit *test)
{
	const u64 small = 3 * BNC_MIS_ALIGN;
	struct bnc_fix f = {};
	u64 addr;
	u8 *tail;

	bnc_fix_misaligned(test, &f, DMA_TO_DEVICE, PAGE_SIZE, true);
	bnc_cpu_fill(&f.b, 0, f.len, 7);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(f.cmd, 0, 0,
					     DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);
	bnc_expect_dev(test, &f.m, 0, f.len, 7, "whole page");
	KUNIT_ASSERT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);

	KUNIT_ASSERT_EQ(test, dmacmd_prepare(f.cmd, 0, small,
					     DMACMD_PREPARE_DEFAULT), 0);
	bnc_gen(test, f.cmd, &f.m);
	KUNIT_ASSERT_EQ(test, f.m.n, 1);
	KUNIT_ASSERT_EQ(test, f.m.len, small);
	KUNIT_ASSERT_EQ(test, dmacmd_bounced_bytes(f.cmd), small);
	bnc_expect_dev(test, &f.m, 0, small, 7, "short transfer");
	addr = f.m.seg[0].addr + small;
	tail = bnc_dev_ptr(test, addr, PAGE_SIZE - offset_in_page(addr));
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(tail, 0,
					       PAGE_SIZE - offset_in_page(addr)),
			      "an earlier transfer's bytes after the copy");
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/*
 * Releasing a command that still has bounce memory prepared completes it:
 * nothing stays held (kmemleak and dma-debug in the harness check the
 * memory), and the descriptor is free to be used by another command.
 */
static void dmacmd_test_bounce_release_while_prepared(struct kunit *test)
{
	struct bnc_fix f = {};
	struct dmacmd *again;
	u32 seed = bnc_seed();

	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, 2 * PAGE_SIZE, false);
	bnc_cpu_fill(&f.b, 0, f.len, seed);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);

	kunit_release_action(test, bnc_put_cmd, f.cmd);
	f.cmd = NULL;
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(f.md), f.len);

	again = bnc_cmd(test, f.dev, &bnc_mis_spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(again, f.md, 0), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_clear_memory,
							again), 0);
	bnc_cpu_fill(&f.b, 0, f.len, seed + 8);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(again, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	f.cmd = again;
	bnc_fix_gen(test, &f);
	bnc_roundtrip(test, again, &f.b, &f.m, seed + 8);
}

/*
 * readBytes/writeBytes on a command go through what the device sees: the
 * bounce copy, not the caller's memory.
 */
static void dmacmd_test_bounce_read_write_bytes_bounce_copy(struct kunit *test)
{
	struct bnc_fix f = {};
	u32 seed = bnc_seed();
	u8 data[100], out[100];
	u64 bad;

	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, 2 * PAGE_SIZE, true);
	bnc_cpu_fill(&f.b, 0, f.len, seed);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);

	bnc_pat(data, 10, sizeof(data), seed + 1, true, NULL);
	KUNIT_EXPECT_EQ(test, dmacmd_write_bytes(f.cmd, 10, data, sizeof(data)),
			sizeof(data));
	bnc_expect_dev(test, &f.m, 10, 10 + sizeof(data), seed + 1,
		       "write_bytes");
	bnc_expect_dev(test, &f.m, 0, 10, seed, "before write_bytes");
	bnc_expect_dev(test, &f.m, 10 + sizeof(data), f.len, seed,
		       "after write_bytes");
	bnc_expect_cpu(test, &f.b, 0, f.len, seed, "write_bytes is the bounce");

	bnc_dev_fill(test, &f.m, 1000, 1000 + sizeof(out), seed + 2);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(f.cmd, 1000, out, sizeof(out)),
			sizeof(out));
	bad = U64_MAX;
	KUNIT_EXPECT_EQ(test, bnc_pat(out, 1000, sizeof(out), seed + 2, false,
				      &bad), sizeof(out));

	/* Clipped at the end of the prepared range, nothing past it. */
	KUNIT_EXPECT_EQ(test, dmacmd_write_bytes(f.cmd, f.len - 4, data,
						 sizeof(data)), 4);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(f.cmd, f.len, out,
						sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/* ---- failures ---- */

/*
 * Bounce allocation failure, at each allocation of prepare in turn (the
 * "Nth call" fault hook of dmacmd's bounce allocator): prepare returns
 * -ENOMEM and leaves the command as it was (not prepared, memory
 * untouched, nothing leaked), or, where dmacmd has a fallback, succeeds
 * with a mapping that works.  A prepare without faults works afterwards.
 */
static void dmacmd_test_bounce_alloc_failure_enomem(struct kunit *test)
{
	unsigned int nth, fired, calls, enomem = 0;
	struct bnc_fix f = {};
	u32 seed = bnc_seed();
	u64 poff, plen;
	int ret;

	bnc_fix_misaligned(test, &f, DMA_BIDIRECTIONAL, 4 * PAGE_SIZE, true);
	bnc_cpu_fill(&f.b, 0, f.len, seed);

	for (nth = 1; nth <= 64; nth++) {
		bnc_fault_arm(test, nth);
		ret = dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
		fired = bnc_fault_disarm(test, &calls);
		if (!fired) {
			KUNIT_ASSERT_EQ(test, ret, 0);
			bnc_fix_gen(test, &f);
			KUNIT_ASSERT_EQ(test,
					dmacmd_complete(f.cmd,
							DMACMD_INVALIDATE_CACHE),
					0);
			if (nth == 1)
				kunit_skip(test, "no fault hook in the bounce allocator yet");
			break;
		}
		if (ret == 0) {
			kunit_info(test, "bounce allocation %u failed, prepare fell back\n",
				   nth);
			bnc_fix_gen(test, &f);
			bnc_expect_dev(test, &f.m, 0, f.len, seed, "fallback");
			KUNIT_ASSERT_EQ(test,
					dmacmd_complete(f.cmd,
							DMACMD_INVALIDATE_CACHE),
					0);
			continue;
		}
		enomem++;
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
				    "bounce allocation %u of %u failed", nth,
				    calls);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
		KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f.cmd, &poff,
							    &plen), -EBADFD);
		KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(f.cmd), 0);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
				-EBADFD);
		bnc_expect_cpu(test, &f.b, 0, f.len, seed, "failed prepare");
	}
	KUNIT_EXPECT_LE_MSG(test, nth, 64, "prepare kept allocating");
	if (!enomem)
		kunit_info(test, "every bounce allocation failure had a fallback\n");

	bnc_cpu_fill(&f.b, 0, f.len, seed + 8);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	bnc_fix_gen(test, &f);
	bnc_roundtrip(test, f.cmd, &f.b, &f.m, seed + 8);
}

/*
 * swiotlb's pool, filled for real: one mapping after another of fresh
 * memory (overlapping mappings of one buffer would trip dma-debug's
 * cacheline tracking), the largest size swiotlb maps first, down to one
 * slot, until the DMA API refuses.
 */
struct bnc_fill {
	struct device *dev;
	unsigned int n;
	struct {
		struct page *page;
		dma_addr_t dma;
		size_t len;
	} map[];
};

#define BNC_FILL_MAX 8192	/* 64 MiB at 8 KiB: more than any pool here */

static void bnc_fill_unmap(struct bnc_fill *fill, unsigned int keep)
{
	while (fill->n > keep) {
		fill->n--;
		dma_unmap_page(fill->dev, fill->map[fill->n].dma,
			       fill->map[fill->n].len, DMA_TO_DEVICE);
		__free_pages(fill->map[fill->n].page,
			     get_order(fill->map[fill->n].len));
	}
}

static void bnc_fill_release(void *data)
{
	struct bnc_fill *fill = data;

	bnc_fill_unmap(fill, 0);
	kvfree(fill);
}

static struct bnc_fill *bnc_fill_pool(struct kunit *test, struct device *dev)
{
	struct bnc_fill *fill;
	struct page *page;
	dma_addr_t dma;
	size_t len;

	fill = kvzalloc(struct_size(fill, map, BNC_FILL_MAX), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	fill->dev = dev;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bnc_fill_release,
							fill), 0);
	len = min_t(size_t, dma_max_mapping_size(dev), SZ_1M);
	for (len = rounddown_pow_of_two(len); len >= SZ_2K; len /= 2) {
		while (fill->n < BNC_FILL_MAX) {
			page = alloc_pages(GFP_KERNEL | __GFP_NOWARN,
					   get_order(len));
			KUNIT_ASSERT_NOT_NULL(test, page);
			dma = dma_map_page_attrs(dev, page, 0, len,
						 DMA_TO_DEVICE,
						 DMA_ATTR_NO_WARN);
			if (dma_mapping_error(dev, dma)) {
				__free_pages(page, get_order(len));
				break;
			}
			fill->map[fill->n].page = page;
			fill->map[fill->n].dma = dma;
			fill->map[fill->n].len = len;
			fill->n++;
		}
	}
	KUNIT_ASSERT_LT_MSG(test, fill->n, BNC_FILL_MAX,
			    "swiotlb's pool did not fill up");
	return fill;
}

/*
 * swiotlb=force with its pool really full (no injected failure): prepare
 * fails with -EIO and leaves the command as it was (not prepared, memory
 * untouched, nothing bounced or kept), both for memory mapped as it is
 * and for memory dmacmd bounced first (misaligned for the spec: its
 * bounce memory is given back).  Once one mapping of the pool is
 * unmapped, the same prepare works and the bytes arrive both ways.
 */
static void dmacmd_test_bounce_swiotlb_pool_full(struct kunit *test)
{
	static const struct dmacmd_spec plain = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
	};
	const struct dmacmd_spec *specs[] = { &plain, &bnc_mis_spec };
	struct dmacmd_kt_counts before, after;
	struct bnc_fix f[2] = {};
	struct bnc_fill *fill;
	u32 seed = bnc_seed();
	unsigned int i;
	u64 poff, plen;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		f[i].dev = f[0].dev;
		bnc_fix_misaligned_spec(test, &f[i], DMA_BIDIRECTIONAL,
					16 * SZ_1K, true, specs[i]);
		if (!bnc_swiotlb_forced(f[i].dev))
			kunit_skip(test, "needs swiotlb=force");
		bnc_cpu_fill(&f[i].b, 0, f[i].len, seed + i);
	}
	dmacmd_kt_counts_read(&before);
	fill = bnc_fill_pool(test, f[0].dev);
	kunit_info(test, "swiotlb pool full after %u mappings\n", fill->n);

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_prepare(f[i].cmd, 0, 0,
							 DMACMD_PREPARE_DEFAULT),
				    -EIO, "spec %u", i);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f[i].cmd));
		KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f[i].cmd, &poff,
							    &plen), -EBADFD);
		KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(f[i].cmd), 0);
		bnc_expect_cpu(test, &f[i].b, 0, f[i].len, seed + i,
			       "failed prepare");
	}
	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after, "pool full");

	/* One largest mapping back: room for either transfer. */
	bnc_fill_unmap(fill, fill->n - 1);
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		KUNIT_ASSERT_EQ_MSG(test,
				    dmacmd_prepare(f[i].cmd, 0, 0,
						   DMACMD_PREPARE_DEFAULT),
				    0, "spec %u", i);
		bnc_gen(test, f[i].cmd, &f[i].m);
		bnc_roundtrip(test, f[i].cmd, &f[i].b, &f[i].m, seed + i);
	}
}

/*
 * A spec no memory can meet here, with a buffer above it: PAGE_SHIFT + 1
 * address bits, two pages (the fewest bits a spec may have is PAGE_SHIFT,
 * as in xnu): 8 KiB with 4 KiB pages, where x86 keeps the first 64 KiB
 * for itself, 128 KiB with 64 KiB pages, where arm64's QEMU virt has no
 * RAM below 1 GiB.  prepare fails with -EADDRNOTAVAIL ("spec cannot be met
 * here"), changes nothing, and the command works once given a spec that
 * can be met.
 */
static void dmacmd_test_bounce_unreachable_spec_refused(struct kunit *test)
{
	struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.address_bits = PAGE_SHIFT + 1,
	};
	struct dmacmd_spec wide = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
	};
	const u64 len = 2 * PAGE_SIZE;
	struct bnc_map m = {};
	struct bnc_buf b = {};
	struct dmacmd_md *md;
	struct device *dev;
	struct dmacmd *cmd;
	u32 seed = bnc_seed(), n = 1;
	u64 off = 0, poff, plen;
	struct dmacmd_seg64 seg;
	u8 *p;

	dev = bnc_device(test, 64);
	p = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_GE(test, (u64)virt_to_phys(p), 2 * PAGE_SIZE);
	bnc_buf_add(test, &b, p, len);
	md = bnc_md_track(test, dmacmd_md_from_kva(p, len, DMA_BIDIRECTIONAL));
	cmd = bnc_cmd(test, dev, &spec);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).address_bits, PAGE_SHIFT + 1);
	bnc_attach(test, cmd, md, true);

	bnc_cpu_fill(&b, 0, len, seed);
	KUNIT_EXPECT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			-EADDRNOTAVAIL);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, &poff, &plen),
			-EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, &seg, &n), -EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
			-EBADFD);
	bnc_expect_cpu(test, &b, 0, len, seed, "after refused prepare");

	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare_with_spec(cmd, &wide, 0, 0,
						 DMACMD_PREPARE_DEFAULT),
			0);
	bnc_gen(test, cmd, &m);
	bnc_check_segs(test, &m, 64, 1, 1, 1);
	bnc_roundtrip(test, cmd, &b, &m, seed);
}

static struct kunit_case dmacmd_bounce_cases[] = {
	KUNIT_CASE_PARAM(dmacmd_test_bounce_address_bits_high_pages,
			 bnc_bits_gen_params),
	KUNIT_CASE_PARAM(dmacmd_test_bounce_alignment_misaligned_memory,
			 bnc_align_gen_params),
	KUNIT_CASE_PARAM(dmacmd_test_bounce_direction_sync_flags,
			 bnc_dir_gen_params),
	KUNIT_CASE(dmacmd_test_bounce_force_double_buffer_prepared),
	KUNIT_CASE(dmacmd_test_bounce_synchronize_both_directions_refused),
	KUNIT_CASE(dmacmd_test_bounce_synchronize_not_prepared),
	KUNIT_CASE_PARAM(dmacmd_test_bounce_stale_data_partial_write,
			 bnc_stale_gen_params),
	KUNIT_CASE(dmacmd_test_bounce_pool_reused_across_cycles),
	KUNIT_CASE(dmacmd_test_bounce_tail_cleared),
	KUNIT_CASE(dmacmd_test_bounce_release_while_prepared),
	KUNIT_CASE(dmacmd_test_bounce_read_write_bytes_bounce_copy),
	KUNIT_CASE(dmacmd_test_bounce_alloc_failure_enomem),
	KUNIT_CASE(dmacmd_test_bounce_unreachable_spec_refused),
	KUNIT_CASE(dmacmd_test_bounce_swiotlb_pool_full),
	KUNIT_CASE(dmacmd_test_bounce_pool_bounded),
	KUNIT_CASE(dmacmd_test_bounce_noncoherent_copy_reaches_device),
	{}
};

static struct kunit_suite dmacmd_bounce_suite = {
	.name = "dmacmd_bounce",
	.test_cases = dmacmd_bounce_cases,
};

kunit_test_suites(&dmacmd_bounce_suite);

MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");
