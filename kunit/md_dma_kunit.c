// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_kept": the mapping of a whole prepared descriptor
 * belongs to the descriptor (IOKit's keepMap in
 * IOGeneralMemoryDescriptor::dmaCommandOperation(kIOMDDMAMap), torn down
 * by IOGeneralMemoryDescriptor::complete()).  A driver may prepare a
 * descriptor, take its address from a command it then releases, and
 * program that address until the descriptor's last complete; commands on
 * the same descriptor and device share the mapping.  Checked by playing
 * the device: it reads and writes through the DMA layer's view (the IOMMU's
 * page table for the edu device behind an IOMMU, the swiotlb slot under
 * swiotlb=force), and dma-debug checks at unload that nothing stays mapped.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/dmacmd.h>

#include "../dmacmd_debug.h"
#include "util.h"

#define KEPT_LEN	(4 * PAGE_SIZE)

struct kept_env {
	struct device *dev;
	struct dmacmd_md *md;
	u8 *buf;
	bool translated;
};

/* The edu device where there is one (behind the IOMMU in that boot). */
static void kept_env_init(struct kunit *test, struct kept_env *e,
			  enum dma_data_direction dir)
{
	struct page *pg;

	e->dev = dmacmd_kt_edu_dev(test);
	if (!e->dev)
		e->dev = dmacmd_kt_fake_dev(test, 64);
	else
		dmacmd_kt_set_mask(test, e->dev, 64);
	e->translated = dmacmd_kt_translated(e->dev);
	pg = dmacmd_kt_alloc_pages(test, 2, 0, U64_MAX);
	KUNIT_ASSERT_NOT_NULL(test, pg);
	e->buf = page_address(pg);
	e->md = dmacmd_kt_md(test, dmacmd_md_from_kva(e->buf, KEPT_LEN, dir));
}

static const struct dmacmd_spec kept_spec = {
	.out_fn = dmacmd_out_host64,
	.address_bits = 64,
};

/* A command released when the test ends. */
static struct dmacmd *kept_cmd(struct kunit *test, struct kept_env *e)
{
	return dmacmd_kt_cmd(test, e->dev, &kept_spec);
}

/* Prepare @cmd over [@off, @off + @len) of @e's memory; its segments. */
static void kept_prepare(struct kunit *test, struct kept_env *e,
			 struct dmacmd *cmd, u64 off, u64 len,
			 struct dmacmd_kt_segs *s)
{
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, e->md, 0), 0);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(cmd, off, len, DMACMD_PREPARE_DEFAULT),
			0);
	dmacmd_kt_gen_all(test, cmd, s, 16);
	KUNIT_ASSERT_EQ(test, s->len, len);
}

/*
 * The usual start: @e's memory filled with @seed, prepared, and a command
 * prepared over all of it (so that the descriptor keeps the mapping).
 */
static struct dmacmd *kept_start(struct kunit *test, struct kept_env *e,
				 enum dma_data_direction dir, u32 seed,
				 struct dmacmd_kt_segs *s)
{
	struct dmacmd *cmd;

	kept_env_init(test, e, dir);
	dmacmd_kt_fill(e->buf, KEPT_LEN, seed, 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(e->md), 0);
	cmd = kept_cmd(test, e);
	kept_prepare(test, e, cmd, 0, KEPT_LEN, s);
	return cmd;
}

/*
 * The device finds @seen in @e's memory through @s and writes @seed
 * there; the command's complete brings @seed home.
 */
static void kept_dev_round(struct kunit *test, struct kept_env *e,
			   struct dmacmd *cmd, struct dmacmd_kt_segs *s,
			   u32 seen, u32 seed)
{
	u64 bad;

	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(e->dev, s, 0, KEPT_LEN, seen,
						 false, &bad), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(e->dev, s, 0, KEPT_LEN, seed,
						 true, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(e->buf, KEPT_LEN, seed, 0),
			U64_MAX);
}

/*
 * IOUSBFamily's throw-away command: prepare the descriptor, take the
 * address from a command, complete and release the command.  The device
 * still reads the memory there and what it writes arrives at the
 * descriptor's last complete; after that, behind the IOMMU, the address
 * reaches nothing any more.
 */
static void dmacmd_test_kept_outlives_command(struct kunit *test)
{
	struct dmacmd_kt_segs s = {};
	struct kept_env e;
	struct dmacmd *cmd;
	u64 bad;

	kept_env_init(test, &e, DMA_BIDIRECTIONAL);
	dmacmd_kt_fill(e.buf, KEPT_LEN, 3, 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(e.md), 0);
	cmd = dmacmd_create(e.dev, &kept_spec, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(cmd));
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	dmacmd_put(cmd);

	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_dev_segs(e.dev, &s, 0, KEPT_LEN, 3,
						     false, &bad), 0,
			    "after the command's release the device no longer reads the memory (%s)",
			    e.translated ? "IOMMU" : "direct");
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(e.dev, &s, 0, KEPT_LEN, 4,
						 true, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(e.buf, KEPT_LEN, 4, 0),
			    U64_MAX,
			    "what the device wrote did not arrive at the descriptor's complete");
	if (e.translated)
		KUNIT_EXPECT_EQ_MSG(test,
				    dmacmd_kt_dev_access(e.dev, s.seg[0].addr,
							 e.buf, 1, false),
				    -EFAULT,
				    "the IOVA still reaches memory after the last complete");
}

/*
 * Several commands on one prepared descriptor and device share its
 * mapping: the same addresses, also for a part of the range, which is
 * the slice of the whole mapping at its offset.
 */
static void dmacmd_test_kept_shared_by_commands(struct kunit *test)
{
	struct dmacmd_kt_segs a = {}, b = {}, part = {};
	struct dmacmd *ca, *cb, *cp;
	struct kept_env e;
	u8 *seen;
	u64 bad;
	u32 i;

	kept_env_init(test, &e, DMA_TO_DEVICE);
	dmacmd_kt_fill(e.buf, KEPT_LEN, 5, 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(e.md), 0);
	ca = kept_cmd(test, &e);
	cb = kept_cmd(test, &e);
	cp = kept_cmd(test, &e);
	kept_prepare(test, &e, ca, 0, KEPT_LEN, &a);
	kept_prepare(test, &e, cb, 0, KEPT_LEN, &b);
	KUNIT_ASSERT_EQ(test, a.n, b.n);
	for (i = 0; i < a.n; i++) {
		KUNIT_EXPECT_EQ(test, a.seg[i].addr, b.seg[i].addr);
		KUNIT_EXPECT_EQ(test, a.seg[i].len, b.seg[i].len);
	}
	kept_prepare(test, &e, cp, PAGE_SIZE + 8, PAGE_SIZE, &part);
	seen = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_copy(e.dev, &part, 0, seen,
						 PAGE_SIZE, false), 0);
	KUNIT_EXPECT_EQ(test, memcmp(seen, e.buf + PAGE_SIZE + 8, PAGE_SIZE),
			0);
	if (a.n == 1)
		KUNIT_EXPECT_EQ(test, part.seg[0].addr,
				a.seg[0].addr + PAGE_SIZE + 8);

	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(ca, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cb, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cp, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(e.dev, &a, 0, KEPT_LEN, 5,
						 false, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
}

/*
 * A command still prepared when the descriptor's caller completes it
 * keeps the mapping alive until its own complete (IOKit would panic);
 * then it goes.
 */
static void dmacmd_test_kept_until_last_user(struct kunit *test)
{
	struct dmacmd_kt_segs s = {};
	struct kept_env e;
	struct dmacmd *cmd;
	u64 bad;

	cmd = kept_start(test, &e, DMA_TO_DEVICE, 6, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(e.dev, &s, 0, KEPT_LEN, 6,
						 false, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(e.md));
	if (e.translated)
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(e.dev,
							   s.seg[0].addr,
							   e.buf, 1, false),
				-EFAULT);
}

/*
 * What stays the command's: memory that is not prepared, a part of the
 * range mapped first, and a mapping with double-buffered pieces.  Behind
 * the IOMMU such an address reaches nothing once the command completes.
 */
static void dmacmd_test_kept_not_for_own_mappings(struct kunit *test)
{
	struct dmacmd_spec spec32 = { .out_fn = dmacmd_out_host64,
				      .address_bits = 32,
				      .alignment = 1 };
	struct dmacmd_kt_segs s = {};
	struct kept_env e;
	struct dmacmd *cmd;
	u64 bad;

	kept_env_init(test, &e, DMA_TO_DEVICE);
	dmacmd_kt_fill(e.buf, KEPT_LEN, 8, 0);

	/* Not prepared: the command's, gone at its complete. */
	cmd = kept_cmd(test, &e);
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(e.dev, &s, 0, KEPT_LEN, 8,
						 false, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	if (e.translated)
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(e.dev,
							   s.seg[0].addr,
							   e.buf, 1, false),
				-EFAULT);

	/* Prepared, but only a part mapped: the command's as well. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(e.md), 0);
	kept_prepare(test, &e, cmd, PAGE_SIZE, PAGE_SIZE, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	if (e.translated)
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(e.dev,
							   s.seg[0].addr,
							   e.buf, 1, false),
				-EFAULT);

	/*
	 * Double-buffered for a 32-bit spec (memory above 4 GiB on a
	 * 64-bit device without an IOMMU): the bounce pages are the
	 * command's, and so is the mapping.
	 */
	if (e.translated)
		goto out;
	cmd = dmacmd_kt_cmd(test, e.dev, &spec32);
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	if (dmacmd_bounced_bytes(cmd)) {
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_segs(e.dev, &s, 0,
							 KEPT_LEN, 8, false,
							 &bad), 0);
		KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
		cmd = kept_cmd(test, &e);
		kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
		KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
out:
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
}

/*
 * Under swiotlb the kept mapping is one bounce slot for all: a command's
 * complete with synchronize brings home what the device wrote into its
 * part, and its prepare with synchronize hands the CPU's data to the
 * device, as a mapping of its own would.
 */
static void dmacmd_test_kept_synchronizes_per_command(struct kunit *test)
{
	struct dmacmd_kt_segs s = {};
	struct kept_env e;
	struct dmacmd *cmd;

	cmd = kept_start(test, &e, DMA_BIDIRECTIONAL, 9, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);

	/*
	 * The CPU writes, a command's prepare hands it to the device; the
	 * device writes, the command's complete brings it home.
	 */
	dmacmd_kt_fill(e.buf, KEPT_LEN, 10, 0);
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	kept_dev_round(test, &e, cmd, &s, 10, 11);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
}

/*
 * kForceDoubleBuffer moves a command off its slice of the kept mapping
 * into a copy buffer, which its complete brings home.  The descriptor's
 * last complete must not then copy back what the slice held before (the
 * stale swiotlb slot): memory keeps what the device wrote into the copy
 * buffer.  A later prepare hands the slice to the device again, and what
 * the device writes there arrives at the last complete as before.
 */
static void dmacmd_test_kept_force_double_buffer(struct kunit *test)
{
	struct dmacmd_kt_segs s = {}, copy = {};
	struct kept_env e;
	struct dmacmd *cmd;
	u64 bad;

	cmd = kept_start(test, &e, DMA_BIDIRECTIONAL, 12, &s);
	KUNIT_ASSERT_EQ(test,
			dmacmd_synchronize(cmd, DMACMD_FORCE_DOUBLE_BUFFER), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), (u64)KEPT_LEN);
	dmacmd_kt_gen_all(test, cmd, &copy, 16);
	KUNIT_ASSERT_EQ(test, copy.len, (u64)KEPT_LEN);
	kept_dev_round(test, &e, cmd, &copy, 12, 13);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(e.buf, KEPT_LEN, 13, 0),
			    U64_MAX,
			    "the descriptor's last complete copied back what the copy buffer replaced");

	/* Handed to the device again: its writes there come home. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(e.md), 0);
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	KUNIT_ASSERT_EQ(test, dmacmd_synchronize(cmd,
						 DMACMD_FORCE_DOUBLE_BUFFER), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	kept_prepare(test, &e, cmd, 0, KEPT_LEN, &s);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_segs(e.dev, &s, 0, KEPT_LEN, 14,
						 true, &bad), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(e.buf, KEPT_LEN, 14, 0),
			    U64_MAX,
			    "what the device wrote through the kept mapping did not arrive");
}

static void kept_fault_off(void *unused)
{
	dmacmd_fault_disarm(NULL);
}

/*
 * kForceDoubleBuffer over a kept mapping when the first allocation of the
 * move fails: -ENOMEM, and the command stays on its slice as it was, so
 * that what the device writes there arrives at the descriptor's last
 * complete.  Nothing leaks (kmemleak, the harness's object counts).
 */
static void dmacmd_test_kept_force_double_buffer_nomem(struct kunit *test)
{
	struct dmacmd_kt_segs s = {};
	struct kept_env e;
	struct dmacmd *cmd;

	cmd = kept_start(test, &e, DMA_BIDIRECTIONAL, 15, &s);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kept_fault_off,
							NULL), 0);
	dmacmd_fault_arm(BIT(DMACMD_FAULT_ALLOC), 1);
	KUNIT_EXPECT_EQ(test,
			dmacmd_synchronize(cmd, DMACMD_FORCE_DOUBLE_BUFFER),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, dmacmd_fault_disarm(NULL), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);
	kept_dev_round(test, &e, cmd, &s, 15, 16);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(e.md), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(e.buf, KEPT_LEN, 16, 0),
			    U64_MAX,
			    "what the device wrote through the kept mapping did not arrive");
}

/* Live objects and pinned pages come back to where they were. */
static void dmacmd_test_kept_releases_everything(struct kunit *test)
{
	struct dmacmd_kt_counts before, after;
	struct dmacmd_kt_segs s = {};
	struct dmacmd_md *md;
	struct kept_env e;
	struct dmacmd *cmd;

	kept_env_init(test, &e, DMA_FROM_DEVICE);
	dmacmd_kt_counts_read(&before);
	md = dmacmd_md_from_kva(e.buf, KEPT_LEN, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(md));
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	cmd = dmacmd_create(e.dev, &kept_spec, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(cmd));
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	dmacmd_kt_gen_all(test, cmd, &s, 16);
	dmacmd_put(cmd);
	/* Released while prepared: completed, and the mapping goes with it. */
	dmacmd_md_put(md);
	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after, "after release");
}

static struct kunit_case dmacmd_kept_cases[] = {
	KUNIT_CASE(dmacmd_test_kept_outlives_command),
	KUNIT_CASE(dmacmd_test_kept_shared_by_commands),
	KUNIT_CASE(dmacmd_test_kept_until_last_user),
	KUNIT_CASE(dmacmd_test_kept_not_for_own_mappings),
	KUNIT_CASE(dmacmd_test_kept_synchronizes_per_command),
	KUNIT_CASE(dmacmd_test_kept_force_double_buffer),
	KUNIT_CASE(dmacmd_test_kept_force_double_buffer_nomem),
	KUNIT_CASE(dmacmd_test_kept_releases_everything),
	{}
};

static struct kunit_suite dmacmd_kept_suite = {
	.name = "dmacmd_md_dma",
	.test_cases = dmacmd_kept_cases,
};

kunit_test_suites(&dmacmd_kept_suite);
