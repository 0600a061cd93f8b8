// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_map": prepare/complete through the DMA API, checked
 * by playing the device.  The device reads and writes the bytes at the
 * segment addresses through the DMA layer's view (the swiotlb slot under
 * swiotlb=force, the IOMMU's page table for the edu PCI device behind an
 * IOMMU) and the bytes must arrive where the caller expects them.  Also:
 * synchronize, read/write bytes, kNonCoherent, kBypassed, kIterateOnly,
 * double buffering basics, failure injection and the DriverKit natives.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/dmacmd.h>

#include "../dmacmd_debug.h"
#include "util.h"
/* The failure sites of dmacmd (test hooks, not API). */
#include "../dmacmd_debug.h"

#define MP_MAX_CHUNKS	32
#define MP_FOUR_GIB	BIT_ULL(32)

/* ---- the caller's memory, as the CPU sees it ---- */

enum mp_mem_kind { MP_KMALLOC, MP_VMALLOC, MP_PAGES_HIGH, MP_NR_MEM };

static const char *const mp_mem_names[] = {
	[MP_KMALLOC] = "kmalloc",
	[MP_VMALLOC] = "vmalloc",
	[MP_PAGES_HIGH] = "pages above 4 GiB where there are",
};

struct mp_mem {
	struct dmacmd_md *md;
	u64 len;
	unsigned int n;
	u8 *p[MP_MAX_CHUNKS];
	u64 clen[MP_MAX_CHUNKS];
};

static void mp_vfree(void *p)
{
	vfree(p);
}

static void mp_add(struct kunit *test, struct mp_mem *m, void *p, u64 len)
{
	KUNIT_ASSERT_LT(test, m->n, MP_MAX_CHUNKS);
	m->p[m->n] = p;
	m->clen[m->n] = len;
	m->n++;
}

/*
 * @len bytes starting @off bytes into the first page (or allocation), so
 * that starts and ends are not page aligned.
 */
static void mp_mem_init(struct kunit *test, struct mp_mem *m,
			enum mp_mem_kind kind, u64 off, u64 len,
			enum dma_data_direction dir)
{
	struct page *pages[MP_MAX_CHUNKS];
	unsigned int i, np;
	u8 *buf;

	memset(m, 0, sizeof(*m));
	m->len = len;
	switch (kind) {
	case MP_KMALLOC:
		buf = kunit_kmalloc(test, off + len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		mp_add(test, m, buf + off, len);
		m->md = dmacmd_md_from_kva(buf + off, len, dir);
		break;
	case MP_VMALLOC:
		buf = vmalloc(off + len);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mp_vfree,
								buf), 0);
		mp_add(test, m, buf + off, len);
		m->md = dmacmd_md_from_kva(buf + off, len, dir);
		break;
	default:
		np = DIV_ROUND_UP(off + len, PAGE_SIZE);
		KUNIT_ASSERT_LE(test, np, MP_MAX_CHUNKS);
		for (i = 0; i < np; i++) {
			u64 s = i ? 0 : off;
			u64 e = min_t(u64, PAGE_SIZE, off + len - i * PAGE_SIZE);

			pages[i] = dmacmd_kt_alloc_pages(test, 0, MP_FOUR_GIB,
							 U64_MAX);
			if (!pages[i])
				pages[i] = dmacmd_kt_alloc_pages(test, 0, 0,
								 U64_MAX);
			KUNIT_ASSERT_NOT_NULL(test, pages[i]);
			mp_add(test, m, (u8 *)page_address(pages[i]) + s, e - s);
		}
		m->md = dmacmd_md_from_pages(pages, np, off, len, dir);
		break;
	}
	dmacmd_kt_md(test, m->md);
}

/* Bytes of the memory at or above 4 GiB, page by page. */
static u64 mp_high_bytes(struct mp_mem *m)
{
	u64 high = 0, o, c;
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		for (o = 0; o < m->clen[i]; o += c) {
			u8 *p = m->p[i] + o;
			phys_addr_t phys;

			c = min_t(u64, m->clen[i] - o,
				  PAGE_SIZE - offset_in_page(p));
			if (is_vmalloc_addr(p))
				phys = page_to_phys(vmalloc_to_page(p)) +
				       offset_in_page(p);
			else
				phys = virt_to_phys(p);
			if (phys >= MP_FOUR_GIB)
				high += c;
		}
	}
	return high;
}

/* Fill [from, from + len) of the memory with the pattern, or compare. */
static u64 mp_cpu(struct mp_mem *m, u64 from, u64 len, u32 seed, bool fill)
{
	u64 pos = 0, end = from + len, bad;
	unsigned int i;

	for (i = 0; i < m->n && pos < end; pos += m->clen[i], i++) {
		u64 a = max(pos, from), b = min(pos + m->clen[i], end);

		if (a >= b)
			continue;
		if (fill) {
			dmacmd_kt_fill(m->p[i] + (a - pos), b - a, seed, a);
		} else {
			bad = dmacmd_kt_mismatch(m->p[i] + (a - pos), b - a, seed,
						 a);
			if (bad != U64_MAX)
				return bad;
		}
	}
	return U64_MAX;
}

/* ---- devices ---- */

enum mp_dev_kind { MP_FAKE64, MP_FAKE32, MP_EDU, MP_NR_DEV };

static const char *const mp_dev_names[] = {
	[MP_FAKE64] = "fake device, 64-bit mask",
	[MP_FAKE32] = "fake device, 32-bit mask",
	[MP_EDU] = "edu PCI device",
};

static struct device *mp_dev(struct kunit *test, enum mp_dev_kind kind)
{
	struct device *dev;

	switch (kind) {
	case MP_FAKE64:
		return dmacmd_kt_fake_dev(test, 64);
	case MP_FAKE32:
		return dmacmd_kt_fake_dev(test, 32);
	default:
		dev = dmacmd_kt_edu_dev(test);
		if (!dev)
			kunit_skip(test, "no unbound edu PCI device (1234:11e8)");
		dmacmd_kt_set_mask(test, dev, 32);
		return dev;
	}
}

static const struct dmacmd_spec mp_spec64 = { .out_fn = dmacmd_out_host64,
					      .address_bits = 64 };

/* ---- the device reads and writes what the caller expects ---- */

struct mp_data_case {
	enum mp_dev_kind dev;
	enum mp_mem_kind mem;
	bool dev_writes;
};

static struct mp_data_case mp_data_cases[MP_NR_DEV * MP_NR_MEM * 2];

static void mp_data_desc(const struct mp_data_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s, device %s",
		 mp_dev_names[c->dev], mp_mem_names[c->mem],
		 c->dev_writes ? "writes" : "reads");
}

static const void *mp_data_gen_params(const void *prev, char *desc)
{
	const struct mp_data_case *c = prev;
	unsigned int i;

	if (!prev) {
		for (i = 0; i < ARRAY_SIZE(mp_data_cases); i++) {
			mp_data_cases[i].dev = i / (MP_NR_MEM * 2);
			mp_data_cases[i].mem = (i / 2) % MP_NR_MEM;
			mp_data_cases[i].dev_writes = i & 1;
		}
		c = mp_data_cases;
	} else if (++c >= mp_data_cases + ARRAY_SIZE(mp_data_cases)) {
		return NULL;
	}
	mp_data_desc(c, desc);
	return c;
}

static void dmacmd_test_map_device_sees_memory(struct kunit *test)
{
	const struct mp_data_case *c = test->param_value;
	const u64 len = 7 * PAGE_SIZE - 300, quarter = len / 4;
	struct dmacmd_kt_segs s = {};
	struct device *dev;
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad, expect_bounced;

	dev = mp_dev(test, c->dev);
	mp_mem_init(test, &m, c->mem, 100, len,
		    c->dev_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, len, 1, true);

	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 3);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));

	/* dmacmd bounces exactly what the device's mask cannot reach. */
	expect_bounced = c->dev != MP_FAKE64 && !dmacmd_kt_translated(dev) ?
			 mp_high_bytes(&m) : 0;
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), expect_bounced);

	if (!c->dev_writes) {
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, len, 1,
							 false, &bad), 0);
		KUNIT_EXPECT_EQ_MSG(test, bad, U64_MAX,
				    "device read a wrong byte at %llu", bad);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
				0);
		KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, len, 1, false), U64_MAX);
		return;
	}
	/* The device writes the middle half only. */
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, quarter, 2 * quarter,
						 2, true, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, quarter, 2 * quarter, 2, false),
			    U64_MAX, "device's data did not arrive");
	KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, 0, quarter, 1, false), U64_MAX,
			    "bytes the device did not write changed");
	KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, 3 * quarter, len - 3 * quarter,
					 1, false), U64_MAX,
			    "bytes the device did not write changed");
}

/* Prepares nest; each needs its complete; the mapping stays meanwhile. */
static void dmacmd_test_map_prepare_nested(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {}, s2 = {};
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 off, len;
	u8 buf[64];

	mp_mem_init(test, &m, MP_VMALLOC, 0, 6 * PAGE_SIZE, DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 3, true);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, PAGE_SIZE + 8, 3 * PAGE_SIZE,
				       DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 64);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, PAGE_SIZE + 8, 3 * PAGE_SIZE, 0),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE + 8);
	KUNIT_EXPECT_EQ(test, len, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(cmd));
	/* Same mapping after the inner complete. */
	dmacmd_kt_gen_all(test, cmd, &s2, 64);
	KUNIT_ASSERT_EQ(test, s2.n, s.n);
	KUNIT_EXPECT_EQ(test, memcmp(s.seg, s2.seg, s.n * sizeof(*s.seg)), 0);
	/* Segment offsets are relative to the prepared offset. */
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, buf, 64, false),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(buf, 64, 3, PAGE_SIZE + 8),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));

	/* prepare(offset, 0) covers offset to the end (IOKit runs past it). */
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, 5 * PAGE_SIZE + 1, 0,
				       DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, NULL, &len), 0);
	KUNIT_EXPECT_EQ(test, len, PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/* The device's pattern at prepared offset o is pattern offset o + skip. */
static void dmacmd_test_map_subrange_bytes(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	const u64 skip = PAGE_SIZE + 8, plen = 3 * PAGE_SIZE;
	struct dmacmd *cmd;
	struct mp_mem m;
	u8 *expect;
	u64 i;

	mp_mem_init(test, &m, MP_KMALLOC, 0, 6 * PAGE_SIZE, DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 3, true);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, skip, plen, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 2);
	expect = kunit_kmalloc(test, plen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	dmacmd_kt_fill(expect, plen, 3, skip);
	for (i = 0; i < s.n; i++) {
		u8 *got = kunit_kmalloc(test, s.seg[i].len, GFP_KERNEL);
		u64 at = 0, j;

		KUNIT_ASSERT_NOT_NULL(test, got);
		for (j = 0; j < i; j++)
			at += s.seg[j].len;
		KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_access(dev, s.seg[i].addr,
							   got, s.seg[i].len,
							   false), 0);
		KUNIT_EXPECT_EQ(test, memcmp(got, expect + at, s.seg[i].len), 0);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/*
 * synchronize(In) brings what the device wrote to memory while prepared;
 * synchronize(Out) brings what the CPU wrote to the device.  Where the
 * platform bounces (swiotlb) the difference shows before the call.
 */
static void dmacmd_test_map_synchronize_platform(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	bool forced = dmacmd_kt_swiotlb_forced(dev);
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad;

	mp_mem_init(test, &m, MP_KMALLOC, 64, 3 * PAGE_SIZE,
		    DMA_BIDIRECTIONAL);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 8);

	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 2, true,
						 &bad), 0);
	if (forced)
		KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, 0, m.len, 1, false),
				    U64_MAX, "swiotlb: memory changed before synchronize(In)");
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_IN), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 2, false), U64_MAX);

	mp_cpu(&m, 0, m.len, 3, true);
	if (forced) {
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 2,
							 false, &bad), 0);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_OUT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 3, false,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 3, false), U64_MAX);
}

/* readBytes/writeBytes go through what the device sees. */
static void dmacmd_test_map_read_write_bytes(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	const u64 skip = 512;
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 plen, bad;
	u8 *buf;

	mp_mem_init(test, &m, MP_VMALLOC, 0, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	plen = m.len - skip;
	buf = kunit_kmalloc(test, m.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, 0, buf, 8), 0);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, skip, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 4);

	/* What the device wrote is what readBytes reads. */
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, plen, 2, true,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, 100, buf, 3000), 3000);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(buf, 3000, 2, 100), U64_MAX);
	/* Clipped at the end; nothing at or past it. */
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, plen - 10, buf, 100), 10);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, plen, buf, 100), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, U64_MAX, buf, 1), 0);

	/* What writeBytes writes is what the device reads. */
	dmacmd_kt_fill(buf, plen, 4, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_write_bytes(cmd, 0, buf, m.len), plen);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, plen, 4, false,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(m.p[0] + skip, plen, 4, 0),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, skip, 1, false), U64_MAX);
}

/*
 * kNonCoherent: complete(invalidate_cache = false) unmaps without the DMA
 * API's cache work for the CPU, but synchronize = true still brings home
 * what the device wrote (IOKit's complete() treats the two apart): under
 * swiotlb that copy lives in the DMA API's sync for the CPU, so it must
 * not be skipped.  With synchronize = false as well, a platform that
 * bounces leaves the device's data in the bounce slot; elsewhere on x86
 * the device is coherent and the data arrives either way.
 */
static void dmacmd_test_map_noncoherent_invalidate(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .map_options = DMACMD_MAP_NONCOHERENT };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	bool forced = dmacmd_kt_swiotlb_forced(dev);
	static const struct {
		unsigned int flags;	/* of complete */
		bool arrives;		/* where the platform bounces */
	} steps[] = {
		{ .flags = DMACMD_SYNCHRONIZE, .arrives = true },
		{ .flags = DMACMD_COMPLETE_DEFAULT, .arrives = true },
		{ .flags = 0, .arrives = false },
	};
	struct dmacmd_kt_segs s = {};
	struct dmacmd *cmd;
	struct mp_mem m;
	unsigned int i;
	u64 bad;

	mp_mem_init(test, &m, MP_KMALLOC, 0, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		u32 seed = 2 + i;

		mp_cpu(&m, 0, m.len, 1, true);
		KUNIT_ASSERT_EQ(test,
				dmacmd_prepare(cmd, 0, 0,
					       DMACMD_PREPARE_DEFAULT),
				0);
		dmacmd_kt_gen_all(test, cmd, &s, 8);
		KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, seed,
							 true, &bad), 0);
		KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, steps[i].flags), 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    mp_cpu(&m, 0, m.len,
					   !forced || steps[i].arrives ? seed : 1,
					   false),
				    U64_MAX, "complete(%#x), swiotlb forced %d",
				    steps[i].flags, forced);
	}
}

/*
 * kMapped | kIterateOnly with a device maps through the DMA API and only
 * skips double buffering, as IOKit's prepare still maps through the mapper
 * in cursor mode: every segment is an address the device reaches the
 * memory at (an IOVA behind an IOMMU), nothing is bounced, and what the
 * spec forbids is still an error from generation.  Complete unmaps
 * (dma-debug checks that nothing stays mapped).
 */
static void dmacmd_test_map_iterate_only_device(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .map_options = DMACMD_MAP_ITERATE_ONLY };
	struct device *dev = dmacmd_kt_edu_dev(test);
	const u64 len = 3 * PAGE_SIZE;
	struct dmacmd_kt_segs s = {};
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct page *low;
	u64 bad;
	u8 *buf;

	if (!dev)
		dev = dmacmd_kt_fake_dev(test, 64);
	low = dmacmd_kt_alloc_pages(test, 2, 0, MP_FOUR_GIB - 1);
	KUNIT_ASSERT_NOT_NULL(test, low);
	buf = page_address(low);
	dmacmd_kt_fill(buf, len, 7, 0);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, len,
						   DMA_BIDIRECTIONAL));
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, cmd, &s, 8);
	KUNIT_EXPECT_EQ(test, s.len, len);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_dev_segs(dev, &s, 0, len, 7, false,
						     &bad), 0,
			    "the device does not see the memory at %#llx (%s)",
			    bad, dmacmd_kt_translated(dev) ? "IOMMU" : "direct");
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
}

/*
 * kUnmapped | kIterateOnly hands out the raw physical runs (xnu's
 * IOMemoryRemoteTest walks memory so) where those are what the device
 * sees, and is refused for a device behind a translating IOMMU, like
 * kBypassed.
 */
static void dmacmd_test_map_unmapped_iterate(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .map_options = DMACMD_MAP_UNMAPPED |
						   DMACMD_MAP_ITERATE_ONLY };
	struct device *edu = dmacmd_kt_edu_dev(test);
	struct dmacmd_seg64 seg[4];
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct page *pg;
	u64 off = 0;
	u32 n = 4;

	pg = dmacmd_kt_alloc_pages(test, 1, 0, U64_MAX);
	KUNIT_ASSERT_NOT_NULL(test, pg);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(page_address(pg),
						   2 * PAGE_SIZE,
						   DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, NULL, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(cmd, &off, seg, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, seg[0].addr, (u64)page_to_phys(pg));
	KUNIT_EXPECT_EQ(test, seg[0].len, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);

	if (!edu)
		return;
	cmd = dmacmd_create(edu, &spec, NULL);
	if (dmacmd_kt_translated(edu)) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(cmd), -EOPNOTSUPP);
	} else {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(cmd), 0);
		if (!IS_ERR(cmd))
			dmacmd_put(cmd);
	}
}

/*
 * kBypassed hands out CPU physical addresses, without the DMA API, to a
 * device whose DMA is coherent (dmacmd_kt_bypass_dev() checks the refusal
 * for one that is not).
 */
static void dmacmd_test_map_bypassed_physical(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .map_options = DMACMD_MAP_BYPASSED };
	struct dmacmd_kt_segs s = {};
	struct device *dev;
	struct dmacmd *cmd;
	struct mp_mem m;
	const char *why;
	u64 pos = 0, l;
	u32 i;

	dev = dmacmd_kt_bypass_dev(test, 64, &why);
	if (!dev)
		kunit_skip(test, "%s", why);
	mp_mem_init(test, &m, MP_VMALLOC, 40, 5 * PAGE_SIZE, DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, cmd, &s, 2);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	for (i = 0; i < s.n; pos += s.seg[i].len, i++) {
		KUNIT_EXPECT_EQ(test, s.seg[i].addr,
				(u64)dmacmd_md_phys_segment(m.md, pos, &l));
		KUNIT_EXPECT_GE(test, l, s.seg[i].len);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
}

/*
 * kIterateOnly walks the physical runs: no mapping, no bouncing, errors
 * for what the spec forbids.  The IOUSBFamily shape: 32-bit output,
 * PAGE_SIZE segments, no device needed.
 */
static void dmacmd_test_map_iterate_only(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host32,
				    .address_bits = 32,
				    .max_segment_size = PAGE_SIZE,
				    .map_options = DMACMD_MAP_ITERATE_ONLY };
	struct dmacmd_spec aligned = { .out_fn = dmacmd_out_host64,
				       .address_bits = 64,
				       .alignment = 64,
				       .map_options = DMACMD_MAP_ITERATE_ONLY };
	struct dmacmd_seg32 seg32[8];
	struct dmacmd_seg64 seg64;
	struct dmacmd *cmd;
	struct page *high, *low;
	struct dmacmd_md *md;
	u64 off = 0, l;
	u32 n = 8, i;
	u8 *buf;

	low = dmacmd_kt_alloc_pages(test, 2, 0, MP_FOUR_GIB - 1);
	KUNIT_ASSERT_NOT_NULL(test, low);
	buf = page_address(low);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, 3 * PAGE_SIZE,
						   DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, NULL, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_gen32(cmd, &off, seg32, &n), 0);
	KUNIT_EXPECT_EQ(test, off, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 3);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, seg32[i].len, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, (u64)seg32[i].addr,
				(u64)dmacmd_md_phys_segment(md, i * PAGE_SIZE,
							    &l));
	}
	KUNIT_EXPECT_EQ(test, seg32[0].addr, (u32)virt_to_phys(buf));
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);

	/* Misaligned memory is an error, not a bounce. */
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf + 1, PAGE_SIZE,
						   DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, NULL, &aligned);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	off = 0;
	n = 1;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, &seg64, &n), -EDOM);
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);

	/* Memory above the address bits is too large a segment. */
	high = dmacmd_kt_alloc_pages(test, 0, MP_FOUR_GIB, U64_MAX);
	if (!high)
		kunit_skip(test, "no free RAM above 4 GiB here");
	md = dmacmd_kt_md(test, dmacmd_md_from_pages(&high, 1, 0, PAGE_SIZE,
						     DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, NULL, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	off = 0;
	n = 8;
	KUNIT_EXPECT_EQ(test, dmacmd_gen32(cmd, &off, seg32, &n), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
}

/* ---- double buffering basics (the full suite is dmacmd_bounce) ---- */

/*
 * A 32-bit spec on a 64-bit device with pages above 4 GiB in between
 * pages below: only the high pages are bounced, the low ones map as they
 * are, and data goes both ways, also through synchronize().
 */
static void dmacmd_test_map_bounce_high_pages(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 32 };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	struct page *pages[6];
	struct dmacmd *cmd;
	struct mp_mem m = {};
	u64 bad, pos;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		bool hi = i != 1 && i != 3;

		pages[i] = dmacmd_kt_alloc_pages(test, 0,
						 hi ? MP_FOUR_GIB : 0,
						 hi ? U64_MAX : MP_FOUR_GIB - 1);
		if (!pages[i])
			kunit_skip(test, "no free RAM above 4 GiB here: nothing to bounce");
		KUNIT_ASSERT_EQ(test, page_to_phys(pages[i]) >= MP_FOUR_GIB, hi);
		mp_add(test, &m, page_address(pages[i]), PAGE_SIZE);
	}
	m.len = ARRAY_SIZE(pages) * PAGE_SIZE;
	m.md = dmacmd_kt_md(test, dmacmd_md_from_pages(pages, ARRAY_SIZE(pages),
						       0, m.len,
						       DMA_BIDIRECTIONAL));
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 4 * PAGE_SIZE);
	dmacmd_kt_gen_all(test, cmd, &s, 1);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	if (!dmacmd_kt_swiotlb_forced(dev)) {
		/* The low pages are mapped where they are. */
		for (pos = 0, i = 0; i < s.n; pos += s.seg[i].len, i++) {
			struct page *pg = pages[pos / PAGE_SIZE];

			if (pos / PAGE_SIZE == 1 || pos / PAGE_SIZE == 3)
				KUNIT_EXPECT_EQ(test, s.seg[i].addr,
						page_to_phys(pg) + pos % PAGE_SIZE);
			else
				KUNIT_EXPECT_NE(test, s.seg[i].addr >> PAGE_SHIFT,
						page_to_phys(pg) >> PAGE_SHIFT);
		}
	}
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 1, false,
						 &bad), 0);

	/* The device writes; synchronize(In) brings it home; then Out. */
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 2, true,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_IN), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 2, false), U64_MAX);
	mp_cpu(&m, 0, m.len, 3, true);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_OUT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 3, false,
						 &bad), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 4, true,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 4, false), U64_MAX);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);

	/* complete(synchronize = false) leaves memory alone. */
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 4);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 5, true,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_INVALIDATE_CACHE), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, PAGE_SIZE, PAGE_SIZE, 5, false),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, PAGE_SIZE, 4, false), U64_MAX);
}

/* kForceDoubleBuffer keeps what the device wrote and moves the mapping. */
static void dmacmd_test_map_force_double_buffer(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad;

	mp_mem_init(test, &m, MP_KMALLOC, 24, 3 * PAGE_SIZE,
		    DMA_BIDIRECTIONAL);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	dmacmd_kt_gen_all(test, cmd, &s, 8);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, PAGE_SIZE, 2, true,
						 &bad), 0);

	KUNIT_ASSERT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), m.len);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, PAGE_SIZE, 2, false), U64_MAX);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, PAGE_SIZE, m.len - PAGE_SIZE, 1,
				     false), U64_MAX);
	/* Again is nothing to do. */
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 8);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, PAGE_SIZE, 2,
						 false, &bad), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 3, true,
						 &bad), 0);
	/* Nested: the inner complete keeps the copy buffer. */
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), m.len);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 3, false), U64_MAX);

	/* The next prepare maps directly again. */
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/* ---- failures ---- */

struct mp_fault_case {
	const char *desc;
	enum dmacmd_fault site;
	int err;
};

static const struct mp_fault_case mp_fault_cases[] = {
	{ "allocation of the command's state", DMACMD_FAULT_ALLOC, -ENOMEM },
	{ "DMA mapping", DMACMD_FAULT_MAP, -EIO },
	{ "bounce memory", DMACMD_FAULT_BOUNCE, -ENOMEM },
};

static void mp_fault_desc(const struct mp_fault_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mp_fault, mp_fault_cases, mp_fault_desc);

static void mp_fault_off(void *unused)
{
	dmacmd_fault_disarm(NULL);
}

/*
 * Fail each failure site of a first prepare in turn: the prepare returns
 * the documented error and changes nothing, or falls back and works; the
 * command then works.  The memory is misaligned under a spec whose copy
 * buffer is one block of the spec's own size, so that bounce memory is
 * needed and has no smaller fallback.
 */
static void dmacmd_test_map_prepare_fault_unwinds(struct kunit *test)
{
	const struct mp_fault_case *c = test->param_value;
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .alignment = 4 * PAGE_SIZE };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	unsigned int nth, fired, calls, failures = 0;
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad, off;
	int ret;

	mp_mem_init(test, &m, MP_VMALLOC, 8, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mp_fault_off,
							NULL), 0);
	for (nth = 1; nth < 64; nth++) {
		cmd = dmacmd_create(dev, &spec, NULL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
		KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
		dmacmd_fault_arm(BIT(c->site), nth);
		ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
		fired = dmacmd_fault_disarm(&calls);
		if (fired && !ret) {
			kunit_info(test, "failure %u of %u had a fallback\n",
				   nth, calls);
		} else if (fired) {
			failures++;
			KUNIT_EXPECT_EQ_MSG(test, ret, c->err, "failure %u of %u",
					    nth, calls);
			KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
			KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, &off,
								    NULL),
					-EBADFD);
			KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 1, false),
					U64_MAX);
			ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
		}
		KUNIT_ASSERT_EQ(test, ret, 0);
		dmacmd_kt_gen_all(test, cmd, &s, 16);
		KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 1,
							 false, &bad), 0);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
				0);
		dmacmd_put(cmd);
		if (!fired)
			break;
	}
	KUNIT_EXPECT_GT_MSG(test, failures, 0,
			    "no failure of the site reached the caller");
	KUNIT_EXPECT_LT(test, nth, 64);
}

/*
 * Once a command has been prepared with a shape, prepare/complete cycles
 * of that shape allocate nothing: no state, no bounce memory.  dmacmd's
 * allocation sites count their calls while armed with a fault that never
 * fires.
 */
static void dmacmd_test_map_cycles_do_not_allocate(struct kunit *test)
{
	struct dmacmd_spec aligned = { .out_fn = dmacmd_out_host64,
				       .address_bits = 64,
				       .alignment = 64 };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_segs s = {};
	struct dmacmd *plain, *copy, *cmd;
	unsigned int calls, cycle, i;
	struct mp_mem m;
	u64 bad;

	mp_mem_init(test, &m, MP_VMALLOC, 8, 5 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	plain = dmacmd_kt_cmd(test, dev, &mp_spec64);
	copy = dmacmd_kt_cmd(test, dev, &aligned);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(plain, m.md, 0), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(copy, m.md, 0), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mp_fault_off,
							NULL), 0);
	for (cycle = 0; cycle < 9; cycle++) {
		if (cycle == 1)
			dmacmd_fault_arm(BIT(DMACMD_FAULT_ALLOC) |
					 BIT(DMACMD_FAULT_BOUNCE), INT_MAX);
		for (i = 0; i < 2; i++) {
			cmd = i ? copy : plain;
			mp_cpu(&m, 0, m.len, cycle, true);
			KUNIT_ASSERT_EQ(test,
					dmacmd_prepare(cmd, 0, 0,
						       DMACMD_PREPARE_DEFAULT),
					0);
			KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd),
					i ? m.len : 0);
			dmacmd_kt_gen_all(test, cmd, &s, 2);
			KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0,
								 m.len, cycle,
								 false, &bad),
					0);
			KUNIT_ASSERT_EQ(test,
					dmacmd_complete(cmd,
							DMACMD_COMPLETE_DEFAULT),
					0);
		}
	}
	dmacmd_fault_disarm(&calls);
	KUNIT_EXPECT_EQ_MSG(test, calls, 0,
			    "allocations in 8 cycles of a shape seen before");
}

static void mp_parms_off(void *p)
{
	struct device *dev = p;

	dev->dma_parms = NULL;
}

/* Prepare all of @cmd, generate its segments and check the device's view. */
static void mp_cycle_segs(struct kunit *test, struct dmacmd *cmd,
			  struct dmacmd_kt_segs *s, u32 seed)
{
	struct device *dev = dmacmd_device(cmd);
	u64 bad;

	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, s, 3);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, s));
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, s, 0, s->len, seed,
						 false, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/*
 * A prepare of the shape prepared before maps the scatterlist kept from
 * then, but only while the device's limits are the same: a new segment
 * boundary or maximum DMA segment size means a new list, and segments
 * that honour the new limits.
 */
static void dmacmd_test_map_kept_list_follows_device_limits(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct device_dma_parameters *parms;
	struct dmacmd_kt_segs s = {};
	struct page *pg, *pages[16];
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u32 i;

	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	dev->dma_parms = parms;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mp_parms_off,
							dev), 0);
	dma_set_max_seg_size(dev, SZ_64K);
	pg = dmacmd_kt_alloc_pages(test, 4, 0, U64_MAX);
	KUNIT_ASSERT_NOT_NULL(test, pg);
	dmacmd_kt_fill(page_address(pg), SZ_64K, 7, 0);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = nth_page(pg, i);
	md = dmacmd_md_from_pages(pages, ARRAY_SIZE(pages), 0, SZ_64K,
				  DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, dmacmd_kt_md(test, md), 0),
			0);

	mp_cycle_segs(test, cmd, &s, 7);
	if (!dmacmd_kt_swiotlb_forced(dev))
		KUNIT_EXPECT_EQ(test, s.n, 1);

	/* A 16 KiB segment boundary: no segment may cross one. */
	dma_set_seg_boundary(dev, SZ_16K - 1);
	mp_cycle_segs(test, cmd, &s, 7);
	KUNIT_EXPECT_GE(test, s.n, 4);
	for (i = 0; i < s.n; i++)
		KUNIT_EXPECT_EQ_MSG(test, (s.seg[i].addr ^
					   (s.seg[i].addr + s.seg[i].len - 1)) &
				    ~(u64)(SZ_16K - 1), 0,
				    "segment %u %#llx+%#llx", i, s.seg[i].addr,
				    s.seg[i].len);

	/*
	 * No boundary, 4 KiB DMA segments: a kept 64 KiB entry would now be
	 * reported by dma-debug; the list has 16 entries, coalesced again.
	 */
	dma_set_seg_boundary(dev, ULONG_MAX);
	dma_set_max_seg_size(dev, SZ_4K);
	mp_cycle_segs(test, cmd, &s, 7);
	KUNIT_EXPECT_EQ(test, s.len, SZ_64K);
	if (!dmacmd_kt_swiotlb_forced(dev))
		KUNIT_EXPECT_EQ(test, s.n, 1);
}

/* ---- the edu PCI device behind an IOMMU ---- */

static struct device *mp_iommu_dev(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);

	if (!dev)
		kunit_skip(test, "no unbound edu PCI device (1234:11e8)");
	if (!dmacmd_kt_translated(dev))
		kunit_skip(test, "the edu device is not behind a translating IOMMU here");
	return dev;
}

/* Scattered pages become one contiguous IOVA range: one segment. */
static void dmacmd_test_map_iommu_one_segment(struct kunit *test)
{
	struct device *dev = mp_iommu_dev(test);
	struct dmacmd_kt_segs s = {};
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad;

	dmacmd_kt_set_mask(test, dev, 32);
	mp_mem_init(test, &m, MP_VMALLOC, 0, 16 * PAGE_SIZE, DMA_TO_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	mp_cpu(&m, 0, m.len, 9, true);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 16);
	KUNIT_EXPECT_EQ(test, s.n, 1);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 9, false,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, bad, U64_MAX);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/*
 * A spec narrower than the device's mask: the IOMMU hands out IOVAs up to
 * the mask, so prepare either meets the spec or says it cannot; with the
 * mask set to the spec it always can.
 */
static void dmacmd_test_map_iommu_spec_below_mask(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 28,
				    .max_segment_size = PAGE_SIZE };
	struct device *dev = mp_iommu_dev(test);
	struct dmacmd_kt_segs s = {};
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 bad;
	int ret;

	dmacmd_kt_set_mask(test, dev, 32);
	mp_mem_init(test, &m, MP_PAGES_HIGH, 0, 4 * PAGE_SIZE,
		    DMA_FROM_DEVICE);
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
	ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	if (ret) {
		KUNIT_EXPECT_EQ(test, ret, -EADDRNOTAVAIL);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	} else {
		dmacmd_kt_gen_all(test, cmd, &s, 16);
		KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
				0);
	}

	dmacmd_kt_set_mask(test, dev, 28);
	mp_cpu(&m, 0, m.len, 1, true);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	dmacmd_kt_gen_all(test, cmd, &s, 16);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, m.len, 2, true,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, mp_cpu(&m, 0, m.len, 2, false), U64_MAX);
}

/* ---- DriverKit ---- */

static void dmacmd_test_map_driverkit_prepare_for_dma(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_seg64 segs[32];
	struct dmacmd_kt_segs s = { .seg = segs };
	struct dmacmd_md *got, *data;
	struct dmacmd *cmd;
	struct mp_mem m;
	u64 flags = 0, off, len;
	u8 *dbuf;
	u32 n = ARRAY_SIZE(segs), i;

	mp_mem_init(test, &m, MP_KMALLOC, 0, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	mp_cpu(&m, 0, m.len, 1, true);
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, m.md, 16, 0,
						     &flags, &n, segs), 0);
	KUNIT_EXPECT_EQ(test, flags, DMACMD_DK_DIR_IN | DMACMD_DK_DIR_OUT);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(m.md));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), m.md);
	s.n = n;
	for (s.len = 0, i = 0; i < n; i++)
		s.len += segs[i].len;
	KUNIT_EXPECT_EQ(test, s.len, m.len - 16);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	dbuf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dbuf);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, dbuf, 100, false),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(dbuf, 100, 1, 16), U64_MAX);

	KUNIT_ASSERT_EQ(test, dmacmd_get_preparation(cmd, &off, &len, &got), 0);
	KUNIT_EXPECT_EQ(test, off, 16);
	KUNIT_EXPECT_EQ(test, len, m.len - 16);
	KUNIT_EXPECT_PTR_EQ(test, got, m.md);
	dmacmd_md_put(got);

	/* PerformOperation: the CPU writes, reads and zeroes the mapping. */
	data = dmacmd_kt_md(test, dmacmd_md_from_kva(dbuf, PAGE_SIZE,
						     DMA_BIDIRECTIONAL));
	dmacmd_kt_fill(dbuf, PAGE_SIZE, 5, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_WRITE,
						       100, 1000, 0, data), 0);
	memset(dbuf, 0, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 100, dbuf, 1000,
						 false), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(dbuf, 1000, 5, 0), U64_MAX);
	memset(dbuf, 0, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_READ,
						       100, 1000, 0, data), 0);
	KUNIT_EXPECT_EQ(test, memcmp(dbuf, m.p[0] + 116, 1000), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_ZERO,
						       0, 64, 0, NULL), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(m.p[0] + 16, 0, 64));
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_ZERO,
						       s.len - 10, 64, 0, NULL),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, 3, 0, 1, 0, data),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_READ,
						       0, PAGE_SIZE + 1, 0,
						       data), -EINVAL);

	KUNIT_EXPECT_EQ(test, dmacmd_complete_dma(cmd, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_complete_dma(cmd, 0), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_NULL(test, dmacmd_memory(cmd));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(m.md));
	KUNIT_EXPECT_EQ(test, dmacmd_complete_dma(cmd, 0), -EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_get_preparation(cmd, &off, &len, &got),
			-EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_perform_operation(cmd, DMACMD_DK_OP_ZERO,
						       0, 1, 0, NULL), -EBADFD);
}

/*
 * PerformOperation stays within the prepared range, as readBytes and
 * writeBytes do, whatever hands the range out: a mapping of its own,
 * kBypassed or kIterateOnly runs of the memory itself.  A copy that would
 * pass its end stops there with -ENODATA, and the memory beyond is as it
 * was.  kBypassed needs a device whose DMA is coherent: without one here
 * that part is left out, and said so.
 */
static void dmacmd_test_map_perform_within_range(struct kunit *test)
{
	static const u32 options[] = {
		0, DMACMD_MAP_BYPASSED,
		DMACMD_MAP_UNMAPPED | DMACMD_MAP_ITERATE_ONLY,
	};
	struct device *dev = dmacmd_kt_fake_dev(test, 64), *byp_dev;
	const u64 off = PAGE_SIZE, len = 100;
	struct dmacmd_md *data;
	struct dmacmd *cmd;
	const char *why;
	struct mp_mem m;
	unsigned int i;
	u8 *dbuf;

	byp_dev = dmacmd_kt_bypass_dev(test, 64, &why);

	dbuf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dbuf);
	dmacmd_kt_fill(dbuf, PAGE_SIZE, 5, 0);
	data = dmacmd_kt_md(test, dmacmd_md_from_kva(dbuf, PAGE_SIZE,
						     DMA_BIDIRECTIONAL));
	mp_mem_init(test, &m, MP_KMALLOC, 0, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
					    .address_bits = 64,
					    .map_options = options[i] };

		if (options[i] == DMACMD_MAP_BYPASSED && !byp_dev) {
			kunit_info(test, "kBypassed left out: %s\n", why);
			continue;
		}
		mp_cpu(&m, 0, m.len, 1, true);
		cmd = dmacmd_kt_cmd(test, options[i] == DMACMD_MAP_BYPASSED ?
				    byp_dev : dev, &spec);
		KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, m.md, 0), 0);
		KUNIT_ASSERT_EQ(test,
				dmacmd_prepare(cmd, off, len,
					       DMACMD_PREPARE_DEFAULT), 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    dmacmd_perform_operation(cmd,
							     DMACMD_DK_OP_ZERO,
							     len / 2, len, 0,
							     NULL),
				    -ENODATA, "options %#x", options[i]);
		KUNIT_EXPECT_EQ_MSG(test,
				    dmacmd_perform_operation(cmd,
							     DMACMD_DK_OP_WRITE,
							     0, 2 * len, 0,
							     data),
				    -ENODATA, "options %#x", options[i]);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
		KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, 0, off, 1, false), U64_MAX,
				    "options %#x: before the range", options[i]);
		KUNIT_EXPECT_EQ_MSG(test, mp_cpu(&m, off + len,
						 m.len - off - len, 1, false),
				    U64_MAX, "options %#x: after the range",
				    options[i]);
		KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(m.p[0] + off, len, 5, 0),
				U64_MAX);
		KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);
	}
}

/*
 * User memory described for the device to read (Out) is pinned without
 * FOLL_WRITE: it may be a file's page cache mapped read-only, or the
 * shared zero page.  No path of the command writes it: writeBytes copies
 * nothing, PerformOperation's Write and Zero are refused, and so is its
 * Read into such memory as the data.
 */
static void dmacmd_test_map_read_only_pin(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	const size_t len = 2 * PAGE_SIZE;
	unsigned long ua = dmacmd_kt_user_map(test, len,
					      PROT_READ | PROT_WRITE);
	struct dmacmd_md *md, *kdata;
	struct dmacmd *cmd;
	unsigned int i;
	u8 *buf, *back;

	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	back = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, back);
	dmacmd_kt_fill(buf, len, 3, 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)ua, buf, len), 0);
	md = dmacmd_kt_md(test, dmacmd_md_from_user(ua, len, DMA_TO_DEVICE));
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	memset(buf, 0xa5, len);
	kdata = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, len,
						      DMA_BIDIRECTIONAL));
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);

	/*
	 * Part of it first (a mapping of the command's own), then the whole
	 * (which the descriptor keeps, and parts after it are slices of).
	 */
	for (i = 0; i < 2; i++) {
		u64 skip = i ? 0 : 16;

		KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, skip, len - 2 * skip,
						     DMACMD_PREPARE_DEFAULT),
				0);
		KUNIT_EXPECT_EQ(test, dmacmd_write_bytes(cmd, 0, buf, 64), 0);
		KUNIT_EXPECT_EQ(test,
				dmacmd_perform_operation(cmd,
							 DMACMD_DK_OP_WRITE,
							 0, 64, 0, kdata),
				-EPERM);
		KUNIT_EXPECT_EQ(test,
				dmacmd_perform_operation(cmd,
							 DMACMD_DK_OP_ZERO,
							 0, 64, 0, NULL),
				-EPERM);
		/* Reading the mapping into read-only memory writes that. */
		KUNIT_EXPECT_EQ(test,
				dmacmd_perform_operation(cmd,
							 DMACMD_DK_OP_READ,
							 0, 64, 0, md),
				-EPERM);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
				0);
		KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)ua,
						     len), 0);
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(back, len, 3, 0),
				    U64_MAX, "%s range", i ? "the whole" :
				    "part of the");
	}
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
}

/*
 * A descriptor's last complete unpins its pages: while a command maps
 * them, it is refused (IOKit stops the machine there), and a complete
 * that reaches it through a sub-range is deferred to the command's own
 * complete, whether the command maps part of the descriptor (a mapping
 * of its own, bounced under swiotlb) or the whole (the descriptor's).
 */
static void dmacmd_test_map_md_complete_while_mapped(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	const size_t len = 2 * PAGE_SIZE;
	unsigned long ua = dmacmd_kt_user_map(test, len,
					      PROT_READ | PROT_WRITE);
	struct dmacmd_kt_segs s = {};
	struct dmacmd_md *md, *sub;
	struct dmacmd *cmd;
	unsigned int i;
	u64 bad;
	u8 *back;
	long n0;

	back = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, back);
	md = dmacmd_kt_md(test, dmacmd_md_from_user(ua, len,
						    DMA_FROM_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	for (i = 0; i < 2; i++) {
		u64 skip = i ? 0 : 16;

		KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
		KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, skip, len - 2 * skip,
						     DMACMD_PREPARE_DEFAULT),
				0);
		n0 = dmacmd_misuse_total();
		KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBUSY);
		KUNIT_EXPECT_EQ(test, dmacmd_misuse_total(), n0 + 1);
		KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));

		/* The same through a sub-range: the pins stay till the end. */
		sub = dmacmd_kt_md(test, dmacmd_md_sub(md, 0, len,
						       DMA_FROM_DEVICE));
		KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(sub), 0);
		KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
		KUNIT_EXPECT_EQ(test, dmacmd_md_complete(sub), 0);
		KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));

		/* What the device writes reaches the pages at complete. */
		dmacmd_kt_gen_all(test, cmd, &s, 8);
		KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, s.len,
							 40 + i, true, &bad),
				0);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
				0);
		KUNIT_EXPECT_FALSE_MSG(test, dmacmd_md_is_prepared(md),
				       "the deferred complete is done");
		KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)ua,
						     len), 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    dmacmd_kt_mismatch(back + skip,
						       len - 2 * skip, 40 + i,
						       0),
				    U64_MAX, "%s range", i ? "the whole" :
				    "part of the");
		KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), -EBADFD);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);
}

/*
 * Behind a translating IOMMU with iommu.forcedac=1, a device with a 64-bit
 * mask gets IOVAs above 4 GiB (for sizes the IOVA caches do not hold: a
 * cached one may be any earlier, lower one): a 64-bit spec hands them out
 * as they are
 * and the device reaches the bytes there; a 32-bit spec on the same
 * device gets addresses below 4 GiB or -EADDRNOTAVAIL, never a truncated
 * one.
 */
static void dmacmd_test_map_iova_above_4g(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);
	const struct dmacmd_spec spec32 = { .out_fn = dmacmd_out_host64,
					    .address_bits = 32 };
	/* Above the IOVA caches' largest size: allocated top-down afresh. */
	const size_t len = SZ_256K;
	struct dmacmd_kt_segs s = {};
	struct dmacmd *cmd64, *cmd32;
	struct dmacmd_md *md;
	u64 bad;
	u32 i;
	int ret;
	u8 *buf;

	if (!dev || !dmacmd_kt_translated(dev))
		kunit_skip(test, "needs the edu device behind a translating IOMMU");
	dmacmd_kt_set_mask(test, dev, 64);
	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	dmacmd_kt_fill(buf, len, 51, 0);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, len, DMA_TO_DEVICE));

	cmd64 = dmacmd_kt_cmd(test, dev, &mp_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd64, md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, cmd64, &s, 8);
	kunit_info(test, "64-bit spec: IOVA %#llx (forcedac %d)", s.seg[0].addr,
		   dmacmd_kt_forcedac);
	if (dmacmd_kt_forcedac)
		KUNIT_EXPECT_GT_MSG(test, s.seg[0].addr, (u64)U32_MAX,
				    "iommu.forcedac=1 gave an IOVA below 4 GiB");
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, len, 51, false,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd64, DMACMD_AUTO), 0);

	cmd32 = dmacmd_kt_cmd(test, dev, &spec32);
	ret = dmacmd_set_memory(cmd32, md, DMACMD_AUTO);
	if (ret) {
		KUNIT_EXPECT_EQ(test, ret, -EADDRNOTAVAIL);
		return;
	}
	dmacmd_kt_gen_all(test, cmd32, &s, 8);
	for (i = 0; i < s.n; i++)
		KUNIT_EXPECT_LE_MSG(test, s.seg[i].addr + s.seg[i].len - 1,
				    (u64)U32_MAX, "segment %u", i);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(dev, &s, 0, len, 51, false,
						 &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd32, DMACMD_AUTO), 0);
}

/* Too few segments is an error that undoes everything, not truncation. */
static void dmacmd_test_map_driverkit_too_few_segments(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .max_segment_size = PAGE_SIZE };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_md *other;
	struct dmacmd_seg64 segs[8];
	struct dmacmd *cmd, *cmd2;
	u64 flags = 0, off, len;
	struct mp_mem m;
	u32 n;

	mp_mem_init(test, &m, MP_VMALLOC, 0, 8 * PAGE_SIZE, DMA_TO_DEVICE);
	other = dmacmd_kt_md(test, dmacmd_md_from_kva(m.p[0], PAGE_SIZE,
						      DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, other, 0), 0);

	n = 7;
	KUNIT_EXPECT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, m.md, 0, 0, &flags,
						     &n, segs), -E2BIG);
	KUNIT_EXPECT_EQ(test, n, 7);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(m.md));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), other);
	n = 8;
	KUNIT_EXPECT_EQ(test, dmacmd_prepare_for_dma(cmd, 1, m.md, 0, 0, &flags,
						     &n, segs), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, m.md, 0,
						     9 * PAGE_SIZE, &flags, &n,
						     segs), -ERANGE);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(m.md));
	KUNIT_ASSERT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, m.md, 0, 0, &flags,
						     &n, segs), 0);
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_EQ(test, flags, DMACMD_DK_DIR_OUT);
	/* Other memory while prepared is busy; nothing changes. */
	KUNIT_EXPECT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, other, 0, 0,
						     &flags, &n, segs), -EBUSY);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(other));
	/*
	 * The same memory again re-prepares (xnu's PrepareForDMA_Impl
	 * completes the command first), here without leaking the memory's
	 * prepare: one complete still undoes all.
	 */
	n = 8;
	KUNIT_EXPECT_EQ(test, dmacmd_prepare_for_dma(cmd, 0, m.md, PAGE_SIZE, 0,
						     &flags, &n, segs), 0);
	KUNIT_EXPECT_EQ(test, n, 7);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, len, 7 * PAGE_SIZE);
	/* A plain complete undoes the memory's prepare too. */
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(m.md));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), m.md);

	/* Released while prepared: DriverKit's auto-complete, memory too. */
	cmd2 = dmacmd_create(dev, &spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd2);
	n = 8;
	KUNIT_ASSERT_EQ(test, dmacmd_prepare_for_dma(cmd2, 0, m.md, 0, 0,
						     &flags, &n, segs), 0);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(m.md));
	dmacmd_put(cmd2);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(m.md));
}

static struct kunit_case dmacmd_map_cases[] = {
	KUNIT_CASE_PARAM(dmacmd_test_map_device_sees_memory,
			 mp_data_gen_params),
	KUNIT_CASE(dmacmd_test_map_prepare_nested),
	KUNIT_CASE(dmacmd_test_map_subrange_bytes),
	KUNIT_CASE(dmacmd_test_map_synchronize_platform),
	KUNIT_CASE(dmacmd_test_map_read_write_bytes),
	KUNIT_CASE(dmacmd_test_map_noncoherent_invalidate),
	KUNIT_CASE(dmacmd_test_map_bypassed_physical),
	KUNIT_CASE(dmacmd_test_map_iterate_only),
	KUNIT_CASE(dmacmd_test_map_iterate_only_device),
	KUNIT_CASE(dmacmd_test_map_unmapped_iterate),
	KUNIT_CASE(dmacmd_test_map_bounce_high_pages),
	KUNIT_CASE(dmacmd_test_map_force_double_buffer),
	KUNIT_CASE_PARAM(dmacmd_test_map_prepare_fault_unwinds,
			 mp_fault_gen_params),
	KUNIT_CASE(dmacmd_test_map_cycles_do_not_allocate),
	KUNIT_CASE(dmacmd_test_map_kept_list_follows_device_limits),
	KUNIT_CASE(dmacmd_test_map_iommu_one_segment),
	KUNIT_CASE(dmacmd_test_map_iommu_spec_below_mask),
	KUNIT_CASE(dmacmd_test_map_driverkit_prepare_for_dma),
	KUNIT_CASE(dmacmd_test_map_driverkit_too_few_segments),
	KUNIT_CASE(dmacmd_test_map_perform_within_range),
	KUNIT_CASE(dmacmd_test_map_read_only_pin),
	KUNIT_CASE(dmacmd_test_map_md_complete_while_mapped),
	KUNIT_CASE(dmacmd_test_map_iova_above_4g),
	{}
};

static struct kunit_suite dmacmd_map_suite = {
	.name = "dmacmd_map",
	.test_cases = dmacmd_map_cases,
};

kunit_test_suites(&dmacmd_map_suite);
