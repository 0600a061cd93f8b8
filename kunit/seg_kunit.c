// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_segments": genIOVMSegments.  The six output
 * functions byte by byte; coalescing of contiguous DMA runs; splitting at
 * the maximum segment size and at the address-bits boundary; resumable
 * generation with the offset in and out; custom output functions; and a
 * seeded property test over random specs, descriptor shapes and offsets
 * that checks every segment against the spec and the device's view of the
 * bytes against the caller's memory.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/dmacmd.h>

#include "util.h"

#define SG_PROP_CASES	320
#define SG_PROP_SEED	0x5eed0000u

/* ---- output functions ---- */

struct sg_out_case {
	const char *desc;
	dmacmd_seg_fn fn;
	unsigned int size;	/* bytes per segment */
	u8 bytes[16];		/* expected for sg_out_seg; host: filled in */
	int host;		/* 32 or 64 for the host-endian functions */
};

static const struct dmacmd_seg64 sg_out_seg = {
	.addr = 0x0102030405060708ULL,
	.len = 0x1112131415161718ULL,
};

static const struct sg_out_case sg_out_cases[] = {
	{ "OutputHost32", dmacmd_out_host32, 8, {}, 32 },
	{ "OutputBig32", dmacmd_out_be32, 8,
	  { 0x05, 0x06, 0x07, 0x08, 0x15, 0x16, 0x17, 0x18 } },
	{ "OutputLittle32", dmacmd_out_le32, 8,
	  { 0x08, 0x07, 0x06, 0x05, 0x18, 0x17, 0x16, 0x15 } },
	{ "OutputHost64", dmacmd_out_host64, 16, {}, 64 },
	{ "OutputBig64", dmacmd_out_be64, 16,
	  { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 } },
	{ "OutputLittle64", dmacmd_out_le64, 16,
	  { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	    0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11 } },
};

static void sg_out_desc(const struct sg_out_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sg_out, sg_out_cases, sg_out_desc);

static void dmacmd_test_segments_output_bytes(struct kunit *test)
{
	const struct sg_out_case *c = test->param_value;
	u8 buf[4 * 16], expect[16];
	unsigned int i;

	memcpy(expect, c->bytes, sizeof(expect));
	if (c->host == 32) {
		u32 w[2] = { (u32)sg_out_seg.addr, (u32)sg_out_seg.len };

		memcpy(expect, w, sizeof(w));
	} else if (c->host == 64) {
		memcpy(expect, &sg_out_seg, sizeof(sg_out_seg));
	}
	memset(buf, 0xa5, sizeof(buf));
	KUNIT_EXPECT_TRUE(test, c->fn(NULL, sg_out_seg, buf, 2));
	for (i = 0; i < sizeof(buf); i++) {
		unsigned int at = i - 2 * c->size;

		if (i >= 2 * c->size && i < 3 * c->size)
			KUNIT_EXPECT_EQ_MSG(test, buf[i], expect[at],
					    "byte %u", at);
		else
			KUNIT_EXPECT_EQ_MSG(test, buf[i], 0xa5,
					    "byte %u outside the segment", i);
	}
}

/* ---- coalescing and splitting ---- */

struct sg_contig {
	struct device *dev;
	struct dmacmd_md *md;
	struct page *page;
	u64 len;
	bool forced;
};

/* A physically contiguous 128 KiB block for a fake 64-bit device. */
static void sg_contig_init(struct kunit *test, struct sg_contig *f)
{
	f->dev = dmacmd_kt_fake_dev(test, 64);
	f->forced = dmacmd_kt_swiotlb_forced(f->dev);
	f->len = SZ_128K;
	f->page = dmacmd_kt_alloc_pages(test, get_order(SZ_128K), 0, U64_MAX);
	KUNIT_ASSERT_NOT_NULL(test, f->page);
	f->md = dmacmd_kt_md(test, dmacmd_md_from_kva(page_address(f->page),
						      f->len, DMA_TO_DEVICE));
	dmacmd_kt_fill(page_address(f->page), f->len, 11, 0);
}

static void sg_contig_map(struct kunit *test, struct sg_contig *f,
			  const struct dmacmd_spec *spec,
			  struct dmacmd_kt_segs *s, struct dmacmd **cmdp)
{
	struct dmacmd *cmd = dmacmd_kt_cmd(test, f->dev, spec);
	u64 bad;

	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, f->md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, cmd, s, 4);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, s));
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(f->dev, s, 0, f->len, 11,
						 false, &bad), 0);
	*cmdp = cmd;
}

/*
 * The scatterlist holds the block as several entries (the device's maximum
 * mapping segment is 64 KiB): the contiguous DMA runs come out as one.
 */
static void dmacmd_test_segments_coalesce(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64 };
	struct dmacmd_kt_segs s = {};
	struct sg_contig f;
	struct dmacmd *cmd;

	sg_contig_init(test, &f);
	sg_contig_map(test, &f, &spec, &s, &cmd);
	if (f.forced)
		kunit_skip(test,
			   "swiotlb=force: every entry has its own slot, contiguity is chance");
	KUNIT_EXPECT_EQ(test, s.n, 1);
	KUNIT_EXPECT_EQ(test, s.seg[0].addr, (u64)page_to_phys(f.page));
	KUNIT_EXPECT_EQ(test, s.seg[0].len, f.len);
}

struct sg_split_case {
	const char *desc;
	u64 max_seg;
	u32 align_internal;
	u32 align_length;
	u64 expect;		/* length of every segment but the last */
};

static const struct sg_split_case sg_split_cases[] = {
	{ "max 4096", 4096, 0, 0, 4096 },
	{ "max 12800, internal 512", 12800, 512, 0, 12800 },
	{ "max 6000, internal 4096: cut at 4096", 6000, 4096, 0, 4096 },
	{ "max 5000, length 1024: cut at 4096", 5000, 0, 1024, 4096 },
	{ "max 100", 100, 0, 0, 100 },
	{ "max UINT32_MAX", U32_MAX, 0, 0, SZ_128K },
};

static void sg_split_desc(const struct sg_split_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sg_split, sg_split_cases, sg_split_desc);

static void dmacmd_test_segments_split_max_size(struct kunit *test)
{
	const struct sg_split_case *c = test->param_value;
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .max_segment_size = c->max_seg,
				    .alignment = 1,
				    .alignment_length = c->align_length,
				    .alignment_internal = c->align_internal };
	struct dmacmd_kt_segs s = {};
	struct sg_contig f;
	struct dmacmd *cmd;
	u32 i;

	sg_contig_init(test, &f);
	sg_contig_map(test, &f, &spec, &s, &cmd);
	for (i = 0; i < s.n; i++)
		KUNIT_EXPECT_LE(test, s.seg[i].len, c->max_seg);
	if (f.forced)
		kunit_skip(test, "swiotlb=force: slots break the run where they like");
	KUNIT_EXPECT_EQ(test, s.n, DIV_ROUND_UP(f.len, c->expect));
	for (i = 0; i + 1 < s.n; i++) {
		KUNIT_EXPECT_EQ(test, s.seg[i].len, c->expect);
		KUNIT_EXPECT_EQ(test, s.seg[i].addr,
				page_to_phys(f.page) + i * c->expect);
	}
}

/*
 * A physical run across 2^28, walked by a 28-bit cursor command: the part
 * below comes out as its own segment, the next call says the rest is out
 * of reach.  A 64-bit cursor sees one segment.
 */
static void dmacmd_test_segments_address_bits_boundary(struct kunit *test)
{
	struct dmacmd_spec spec28 = { .out_fn = dmacmd_out_host64,
				      .address_bits = 28,
				      .map_options = DMACMD_MAP_ITERATE_ONLY };
	struct dmacmd_spec spec64 = { .out_fn = dmacmd_out_host64,
				      .address_bits = 64,
				      .map_options = DMACMD_MAP_ITERATE_ONLY };
	const phys_addr_t start = SZ_256M - 2 * PAGE_SIZE;
	struct dmacmd_seg64 seg[4];
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u64 off = 0;
	u32 n = 1;

	if (!pfn_valid(PHYS_PFN(start)) ||
	    !pfn_valid(PHYS_PFN(SZ_256M + PAGE_SIZE)))
		kunit_skip(test, "no RAM around 256 MiB");
	/* Only walked, never mapped nor touched. */
	md = dmacmd_kt_md(test, dmacmd_md_from_phys(start, 4 * PAGE_SIZE,
						    DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, NULL, &spec28);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(cmd, &off, seg, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, seg[0].addr, (u64)start);
	KUNIT_EXPECT_EQ(test, seg[0].len, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, off, 2 * PAGE_SIZE);
	n = 4;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, seg, &n), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, off, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 4);
	off = 0;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, seg, &n), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, off, 0);

	cmd = dmacmd_kt_cmd(test, NULL, &spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	n = 4;
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(cmd, &off, seg, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, seg[0].addr, (u64)start);
	KUNIT_EXPECT_EQ(test, seg[0].len, 4 * PAGE_SIZE);
}

/* ---- resumable generation ---- */

struct sg_pages {
	struct device *dev;
	struct dmacmd *cmd;
	struct dmacmd_md *md;
	struct dmacmd_kt_segs all;
	unsigned int npages;
	u32 unit;	/* bytes per segment */
};

/* @n segments of @unit bytes each, of vmalloc memory. */
static void sg_units_init(struct kunit *test, struct sg_pages *f,
			  unsigned int n, u32 unit)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .max_segment_size = unit };
	u8 *buf = dmacmd_kt_vmalloc(test, (size_t)n * unit);

	f->npages = n;
	f->unit = unit;
	f->dev = dmacmd_kt_fake_dev(test, 64);
	f->md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, (size_t)n * unit,
						      DMA_TO_DEVICE));
	f->cmd = dmacmd_kt_cmd(test, f->dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f->cmd, f->md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, f->cmd, &f->all, 64);
	KUNIT_ASSERT_EQ(test, f->all.n, n);
}

/* @npages of vmalloc memory, one segment per page. */
static void sg_pages_init(struct kunit *test, struct sg_pages *f,
			  unsigned int npages)
{
	sg_units_init(test, f, npages, PAGE_SIZE);
}

static void dmacmd_test_segments_resume(struct kunit *test)
{
	struct dmacmd_seg64 seg[8] = {}, keep;
	struct sg_pages f;
	u64 off, l, len = 32 * PAGE_SIZE;
	u32 n, i, got = 0;

	sg_pages_init(test, &f, 32);

	/* Five at a time: each call continues where the last stopped. */
	for (off = 0; off < len; got += n) {
		n = 5;
		KUNIT_ASSERT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), 0);
		KUNIT_EXPECT_EQ(test, n, min(5u, 32 - got));
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ(test, memcmp(&seg[i], &f.all.seg[got + i],
						     sizeof(seg[i])), 0);
		KUNIT_EXPECT_EQ(test, off, (u64)(got + n) * PAGE_SIZE);
	}
	/* At and past the end: overrun, arguments untouched. */
	keep = seg[0];
	n = 5;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), -ERANGE);
	KUNIT_EXPECT_EQ(test, off, len);
	KUNIT_EXPECT_EQ(test, n, 5);
	KUNIT_EXPECT_EQ(test, memcmp(&keep, &seg[0], sizeof(keep)), 0);
	off = U64_MAX;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), -ERANGE);

	/* A driver's own cursor, inside a segment it consumed in part. */
	off = 3 * PAGE_SIZE + 100;
	n = 1;
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), 0);
	KUNIT_EXPECT_EQ(test, seg[0].addr, f.all.seg[3].addr + 100);
	/* Up to the maximum size if the next page follows physically. */
	l = f.all.seg[4].addr == f.all.seg[3].addr + PAGE_SIZE ? PAGE_SIZE :
	    PAGE_SIZE - 100;
	KUNIT_EXPECT_EQ(test, seg[0].len, l);
	KUNIT_EXPECT_EQ(test, off, 3 * PAGE_SIZE + 100 + l);
	off = 3 * PAGE_SIZE + 200;
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), 0);
	KUNIT_EXPECT_EQ(test, seg[0].addr, f.all.seg[3].addr + 200);

	/* Any order: forward jumps, backward jumps. */
	for (i = 0; i < 32; i++) {
		u32 k = (i * 13) % 32;

		off = (u64)k * PAGE_SIZE;
		n = 1;
		KUNIT_ASSERT_EQ(test, dmacmd_gen64(f.cmd, &off, seg, &n), 0);
		KUNIT_EXPECT_EQ(test, seg[0].addr, f.all.seg[k].addr);
		KUNIT_EXPECT_EQ(test, off, (u64)(k + 1) * PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

struct sg_ctx {
	struct dmacmd *cmd;
	struct dmacmd_seg64 seg[8];
	u32 calls, stop_at;
	bool bad_args;
};

static bool sg_ctx_fn(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		      void *segs, u32 index)
{
	struct sg_ctx *ctx = segs;

	if (cmd != ctx->cmd || index >= ARRAY_SIZE(ctx->seg))
		ctx->bad_args = true;
	if (ctx->calls++ == ctx->stop_at)
		return false;
	if (index < ARRAY_SIZE(ctx->seg))
		ctx->seg[index] = seg;
	return true;
}

/*
 * A custom SegmentFunction gets the driver's own context as "segments";
 * returning false stops with kIOReturnMessageTooLarge and no progress.
 */
static void dmacmd_test_segments_custom_function(struct kunit *test)
{
	struct sg_ctx ctx = { .stop_at = U32_MAX };
	struct sg_pages f;
	u64 off = 0;
	u32 n = 4, i;

	sg_pages_init(test, &f, 8);
	ctx.cmd = f.cmd;
	KUNIT_ASSERT_EQ(test, dmacmd_gen_segments(f.cmd, sg_ctx_fn, &off, &ctx,
						  &n), 0);
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, ctx.calls, 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ctx.seg[i].addr, f.all.seg[i].addr);
	KUNIT_ASSERT_EQ(test, dmacmd_gen_segments(f.cmd, sg_ctx_fn, &off, &ctx,
						  &n), 0);
	KUNIT_EXPECT_EQ(test, ctx.seg[0].addr, f.all.seg[4].addr);

	ctx.calls = 0;
	ctx.stop_at = 2;
	off = PAGE_SIZE;
	n = 4;
	KUNIT_EXPECT_EQ(test, dmacmd_gen_segments(f.cmd, sg_ctx_fn, &off, &ctx,
						  &n), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, ctx.calls, 3);
	KUNIT_EXPECT_FALSE(test, ctx.bad_args);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/*
 * 32-bit output: gen32 with the spec's 32-bit function, and a 32-bit
 * function asked to write a segment beyond 4 GiB refuses.
 */
static void dmacmd_test_segments_out32(struct kunit *test)
{
	struct dmacmd_spec spec32 = { .out_fn = dmacmd_out_be32,
				      .max_segment_size = PAGE_SIZE };
	struct dmacmd_spec spec64 = { .out_fn = dmacmd_out_host64,
				      .address_bits = 64 };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_seg32 seg32[4];
	struct dmacmd_seg64 seg64[4];
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct page *high;
	u64 off = 0;
	u32 n = 4, i;
	u8 *buf;

	buf = dmacmd_kt_vmalloc(test, 4 * PAGE_SIZE);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, 4 * PAGE_SIZE,
						   DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &spec32);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).address_bits, 32);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_gen32(cmd, &off, seg32, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 4);
	off = 0;
	KUNIT_ASSERT_EQ(test, dmacmd_gen_segments(cmd, dmacmd_out_host64, &off,
						  seg64, &n), 0);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_LT(test, seg64[i].addr, 1ULL << 32);
		KUNIT_EXPECT_EQ(test, be32_to_cpu((__force __be32)seg32[i].addr),
				(u32)seg64[i].addr);
		KUNIT_EXPECT_EQ(test, be32_to_cpu((__force __be32)seg32[i].len),
				PAGE_SIZE);
	}
	off = 0;
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, seg64, &n), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);

	high = dmacmd_kt_alloc_pages(test, 0, 1ULL << 32, U64_MAX);
	if (!high)
		kunit_skip(test, "no free RAM above 4 GiB here");
	md = dmacmd_kt_md(test, dmacmd_md_from_pages(&high, 1, 0, PAGE_SIZE,
						     DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	off = 0;
	n = 1;
	KUNIT_EXPECT_EQ(test, dmacmd_gen_segments(cmd, dmacmd_out_le32, &off,
						  seg32, &n), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_gen32(cmd, &off, seg32, &n), -EINVAL);
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(cmd, &off, seg64, &n), 0);
	KUNIT_EXPECT_GE(test, seg64[0].addr, 1ULL << 32);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
}

/* Time to walk every segment one call at a time, once. */
static u64 sg_walk_ns(struct kunit *test, struct sg_pages *f)
{
	struct dmacmd_seg64 seg;
	u64 off, t;
	u32 n;

	t = ktime_get_ns();
	for (off = 0; off < (u64)f->npages * f->unit;) {
		n = 1;
		if (dmacmd_gen64(f->cmd, &off, &seg, &n))
			break;
	}
	t = ktime_get_ns() - t;
	KUNIT_EXPECT_EQ(test, off, (u64)f->npages * f->unit);
	return t;
}

/*
 * Resuming is O(1): walking 8 times the segments one at a time costs about
 * 8 times as much, not 64 (a rescan from the start per call).  The two
 * walks take turns and each keeps its fastest run, so that a host that is
 * busy for a while (QEMU's vCPU waiting for a host CPU for milliseconds)
 * slows both alike; the limit, half of a rescan's 64, leaves room for the
 * emulated TLB, which the longer list overflows.
 */
static void dmacmd_test_segments_resume_constant(struct kunit *test)
{
	u64 ts = U64_MAX, tb = U64_MAX;
	struct sg_pages small, big;
	int rep;

	/* 4 KiB segments whatever the page size: 9 MiB in all to map. */
	sg_units_init(test, &small, 256, SZ_4K);
	sg_units_init(test, &big, 2048, SZ_4K);
	for (rep = 0; rep < 5; rep++) {
		ts = min(ts, sg_walk_ns(test, &small));
		tb = min(tb, sg_walk_ns(test, &big));
	}
	kunit_info(test, "256 segments: %llu ns, 2048 segments: %llu ns\n",
		   ts, tb);
	KUNIT_EXPECT_LT_MSG(test, tb, 32 * max(ts, 1ULL),
			    "walk cost grows faster than linearly");
	KUNIT_EXPECT_EQ(test,
			dmacmd_complete(small.cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(big.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/* ---- property test ---- */

#define SG_PROP_PIECES	6

struct sg_prop {
	u32 seed;
	struct rnd_state rnd;
	struct device *dev;
	struct dmacmd_md *pieces[SG_PROP_PIECES];
	unsigned int npieces;
	/* CPU view of the concatenation, piece by piece */
	u8 *p[SG_PROP_PIECES];
	u64 plen[SG_PROP_PIECES];
	u64 total;
};

static u32 sg_rnd(struct sg_prop *t, u32 n)
{
	return n ? prandom_u32_state(&t->rnd) % n : 0;
}

static u32 sg_rnd_pow2(struct sg_prop *t, unsigned int max_shift)
{
	/* Mostly small alignments, sometimes large ones. */
	u32 shift = sg_rnd(t, 3) ? sg_rnd(t, 7) : sg_rnd(t, max_shift + 1);

	return 1u << shift;
}

static void sg_prop_piece(struct kunit *test, struct sg_prop *t)
{
	u64 len = 64 + sg_rnd(t, 3 * PAGE_SIZE);
	u32 off = sg_rnd(t, 4) ? sg_rnd(t, 256) & ~63u : 0;
	unsigned int kind = sg_rnd(t, 3), i = t->npieces;
	struct page *page;
	u8 *base;

	switch (kind) {
	case 0:		/* kmalloc, physically contiguous */
		base = kunit_kmalloc(test, off + len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, base);
		break;
	case 1:		/* vmalloc, page by page */
		base = dmacmd_kt_vmalloc(test, off + len);
		break;
	default:	/* a block of pages at any address */
		page = dmacmd_kt_alloc_pages(test, get_order(off + len), 0,
					     U64_MAX);
		KUNIT_ASSERT_NOT_NULL(test, page);
		base = page_address(page);
		break;
	}
	t->p[i] = base + off;
	t->plen[i] = len;
	dmacmd_kt_fill(t->p[i], len, t->seed, t->total);
	t->pieces[i] = dmacmd_md_from_kva(t->p[i], len, DMA_TO_DEVICE);
	dmacmd_kt_md(test, t->pieces[i]);
	t->total += len;
	t->npieces++;
}

static const void *sg_prop_gen_params(const void *prev, char *desc)
{
	unsigned long i = prev ? (unsigned long)prev : 0;

	if (++i > SG_PROP_CASES)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "case %lu seed %#x", i,
		 SG_PROP_SEED + (u32)i);
	return (void *)i;
}

/* A driver's own output function: a plain array, written by index. */
static bool sg_array_fn(struct dmacmd *cmd, struct dmacmd_seg64 seg,
			void *segs, u32 index)
{
	((struct dmacmd_seg64 *)segs)[index] = seg;
	return true;
}

/*
 * dmacmd_gen64() with the spec's dmacmd_out_host64 takes a shortcut that a
 * driver's own output function does not: both must hand out the very same
 * segments (@s, generated with dmacmd_gen64()).
 */
static void sg_prop_general_walk(struct kunit *test, struct sg_prop *t,
				 struct dmacmd *cmd,
				 const struct dmacmd_kt_segs *s)
{
	struct dmacmd_seg64 *seg;
	u32 n, got = 0, per = 1 + sg_rnd(t, 8);
	u64 o = 0;

	seg = kunit_kcalloc(test, s->n + per, sizeof(*seg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seg);
	while (got < s->n + per) {
		n = per;
		if (dmacmd_gen_segments(cmd, sg_array_fn, &o, seg + got,
					&n) == -ERANGE)
			break;
		got += n;
	}
	KUNIT_ASSERT_EQ_MSG(test, got, s->n, "seed %#x", t->seed);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(seg, s->seg, got * sizeof(*seg)), 0,
			    "seed %#x", t->seed);
}

/*
 * One random case: a device with a random mask (or, behind an IOMMU, the
 * edu PCI device with its mask set to the spec's address bits, as a driver
 * would), a random spec, a concatenation of random pieces of memory,
 * perhaps a sub-range of it, a random range of that.  Every
 * segment must meet the spec and the mask, the segments must cover the
 * range in order (the device reads the caller's bytes through them), a
 * driver-owned cursor that re-seeds anywhere must get the same addresses,
 * and only a configuration that cannot meet the spec may refuse it: one
 * without RAM within the spec's address bits must.
 */
static void dmacmd_test_segments_property(struct kunit *test)
{
	static const u8 masks[] = { 64, 64, 40, 36, 32 };
	static const u8 bits[] = { 64, 48, 40, 36, 32, 32, 28 };
	unsigned long idx = (unsigned long)test->param_value;
	struct dmacmd_kt_segs s = {};
	struct dmacmd_spec spec = {};
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct sg_prop *t;
	struct device *edu;
	u64 off, len, cur, seg_align, base = 0, avail;
	u8 *buf;
	int ret;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->seed = SG_PROP_SEED + (u32)idx;
	prandom_seed_state(&t->rnd, t->seed);

	spec.out_fn = dmacmd_out_host64;
	spec.address_bits = bits[sg_rnd(t, ARRAY_SIZE(bits))];
	edu = sg_rnd(t, 3) ? NULL : dmacmd_kt_edu_dev(test);
	if (edu && dmacmd_kt_translated(edu)) {
		t->dev = edu;
		dmacmd_kt_set_mask(test, edu, spec.address_bits);
	} else {
		t->dev = dmacmd_kt_fake_dev(test,
					    masks[sg_rnd(t, ARRAY_SIZE(masks))]);
	}
	spec.alignment = sg_rnd_pow2(t, 16);
	spec.alignment_length = sg_rnd(t, 2) ? 1 : sg_rnd_pow2(t, 12);
	spec.alignment_internal = sg_rnd(t, 2) ? 0 : sg_rnd_pow2(t, 16);
	seg_align = max(spec.alignment_length,
			spec.alignment_internal ?: spec.alignment);
	if (sg_rnd(t, 2))
		spec.max_segment_size = seg_align * (1 + sg_rnd(t, 16)) +
					(sg_rnd(t, 2) ? sg_rnd(t, seg_align) : 0);
	if (!sg_rnd(t, 8))
		spec.map_options = DMACMD_MAP_NONCOHERENT;

	do {
		sg_prop_piece(test, t);
	} while (t->npieces < SG_PROP_PIECES && sg_rnd(t, 3));
	md = t->npieces == 1 ? t->pieces[0] :
	     dmacmd_kt_md(test, dmacmd_md_multi(t->pieces, t->npieces,
						DMA_TO_DEVICE));
	avail = t->total;
	if (!sg_rnd(t, 4) && t->total > 2) {
		/* An IOSubMemoryDescriptor of the concatenation. */
		base = sg_rnd(t, t->total / 2);
		avail = 1 + sg_rnd(t, t->total - base);
		md = dmacmd_kt_md(test, dmacmd_md_sub(md, base, avail,
						      DMA_TO_DEVICE));
	}

	off = sg_rnd(t, avail / 2);
	len = sg_rnd(t, 4) ? 1 + sg_rnd(t, avail - off) : avail - off;
	len = round_down(len, spec.alignment_length);
	if (!len) {
		/* Too short for the length alignment: widen the range. */
		off = 0;
		len = round_down(avail, spec.alignment_length);
	}
	if (!len) {
		spec.alignment_length = 1;
		len = avail;
	}

	cmd = dmacmd_kt_cmd(test, t->dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	ret = dmacmd_prepare(cmd, off, len, DMACMD_PREPARE_DEFAULT);
	if (!dmacmd_kt_translated(t->dev) && spec.address_bits < 64 &&
	    !dmacmd_kt_ram_within(BIT_ULL(spec.address_bits) - 1)) {
		/*
		 * No RAM at all within the spec (arm64's QEMU virt has none
		 * below 1 GiB): neither the memory nor a bounce buffer can
		 * meet it, which prepare must say.
		 */
		KUNIT_EXPECT_EQ_MSG(test, ret, -EADDRNOTAVAIL,
				    "seed %#x: %u bits, no RAM within them",
				    t->seed, spec.address_bits);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
		return;
	}
	if (ret == -EADDRNOTAVAIL && dmacmd_kt_swiotlb_forced(t->dev) &&
	    (seg_align > PAGE_SIZE || spec.alignment > PAGE_SIZE ||
	     spec.address_bits < 32))
		kunit_skip(test, "swiotlb=force cannot meet %u bits, alignments %u/%u/%u",
			   spec.address_bits, spec.alignment,
			   spec.alignment_internal, spec.alignment_length);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "seed %#x: %s bits %u mask %llu align %u/%u/%u max %llu, %#llx+%#llx of %#llx",
			    t->seed, dev_name(t->dev), spec.address_bits,
			    dma_get_mask(t->dev), spec.alignment,
			    spec.alignment_internal, spec.alignment_length,
			    spec.max_segment_size, off, len, avail);

	dmacmd_kt_gen_all(test, cmd, &s, 1 + sg_rnd(t, 8));
	KUNIT_EXPECT_TRUE_MSG(test, dmacmd_kt_segs_ok(test, cmd, &s),
			      "seed %#x", t->seed);

	/* The device reads the caller's bytes, in order. */
	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(t->dev, &s, 0, buf, len,
						 false), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(buf, len, t->seed,
						     base + off),
			    U64_MAX, "seed %#x", t->seed);

	/* A cursor that consumes part of each segment and re-seeds. */
	for (cur = 0; cur < len;) {
		struct dmacmd_seg64 seg;
		u64 o = cur, pos = 0, at;
		u32 n = 1, i;

		KUNIT_ASSERT_EQ(test, dmacmd_gen64(cmd, &o, &seg, &n), 0);
		KUNIT_ASSERT_EQ(test, o, cur + seg.len);
		for (i = 0; i < s.n; pos += s.seg[i].len, i++) {
			if (cur < pos + s.seg[i].len)
				break;
		}
		KUNIT_ASSERT_LT(test, i, s.n);
		at = s.seg[i].addr + (cur - pos);
		KUNIT_EXPECT_EQ_MSG(test, seg.addr, at, "seed %#x offset %llu",
				    t->seed, cur);
		cur += sg_rnd(t, 2) ? seg.len : 1 + sg_rnd(t, seg.len);
	}
	sg_prop_general_walk(test, t, cmd, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);

	/* A prepare of the same shape again (the kept list, if any). */
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, off, len, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, &s, 1 + sg_rnd(t, 8));
	KUNIT_EXPECT_TRUE_MSG(test, dmacmd_kt_segs_ok(test, cmd, &s),
			      "seed %#x, second prepare", t->seed);
	memset(buf, 0, len);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(t->dev, &s, 0, buf, len,
						 false), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(buf, len, t->seed,
						     base + off),
			    U64_MAX, "seed %#x, second prepare", t->seed);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

static struct kunit_case dmacmd_segments_cases[] = {
	KUNIT_CASE_PARAM(dmacmd_test_segments_output_bytes, sg_out_gen_params),
	KUNIT_CASE(dmacmd_test_segments_coalesce),
	KUNIT_CASE_PARAM(dmacmd_test_segments_split_max_size,
			 sg_split_gen_params),
	KUNIT_CASE(dmacmd_test_segments_address_bits_boundary),
	KUNIT_CASE(dmacmd_test_segments_resume),
	KUNIT_CASE(dmacmd_test_segments_custom_function),
	KUNIT_CASE(dmacmd_test_segments_out32),
	KUNIT_CASE(dmacmd_test_segments_resume_constant),
	KUNIT_CASE_PARAM(dmacmd_test_segments_property, sg_prop_gen_params),
	{}
};

static struct kunit_suite dmacmd_segments_suite = {
	.name = "dmacmd_seg",
	.test_cases = dmacmd_segments_cases,
};

kunit_test_suites(&dmacmd_segments_suite);
