// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_owner": misuse detection across objects' lives.
 * Commands and descriptors are counted for the module that created them
 * (this KUnit module, whose code calls the constructors), a module that
 * unloads with objects alive is reported and its leftovers can be reaped;
 * and with the quarantine on, every entry point called with a command or
 * descriptor already released refuses it with its documented error.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/dmacmd.h>

#include "../dmacmd_debug.h"
#include "../dmacmd_md.h"
#include "../dmacmd_track.h"
#include "util.h"

#define OW_LEN		(3 * PAGE_SIZE + 100)
#define OW_QUARANTINE	16

static const struct dmacmd_spec ow_spec = { .out_fn = dmacmd_out_host64,
					    .address_bits = 64 };

/* ---- owners ---- */

static void ow_put_md(void *md)
{
	dmacmd_md_put(md);
}

static void ow_put_cmd(void *cmd)
{
	dmacmd_put(cmd);
}

/* Two pages of user memory in the test's own address space. */
static unsigned long ow_user_pages(struct kunit *test)
{
	unsigned long ua = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE,
					 PROT_READ | PROT_WRITE,
					 MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_TRUE_MSG(test, ua && !IS_ERR_VALUE(ua),
			      "kunit_vm_mmap() failed: %ld", (long)ua);
	return ua;
}

static bool ow_counts_are(struct kunit *test,
			  const struct dmacmd_owner_counts *c, long cmds,
			  long mds, long pinned)
{
	if (c->cmds == cmds && c->mds == mds && c->pinned == pinned)
		return true;
	KUNIT_FAIL(test,
		   "owner counts %ld commands, %ld descriptors, %ld pinned; expected %ld, %ld, %ld",
		   c->cmds, c->mds, c->pinned, cmds, mds, pinned);
	return false;
}

/*
 * Objects count for the module whose code created them, whoever holds
 * references; user pages count while pinned.
 */
static void dmacmd_test_owner_counts_per_module(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_owner_counts c0, c;
	struct dmacmd *cmd, *clone;
	struct dmacmd_md *md, *umd;
	void *buf;

	KUNIT_ASSERT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c0), 0);
	buf = kunit_kzalloc(test, OW_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	md = dmacmd_md_from_kva(buf, OW_LEN, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	cmd = dmacmd_create(dev, &ow_spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ow_put_cmd, cmd),
			0);
	clone = dmacmd_clone(cmd, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clone);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ow_put_cmd,
							clone), 0);
	umd = dmacmd_md_from_user(ow_user_pages(test) + 100, PAGE_SIZE,
				  DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, umd);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ow_put_md, umd),
			0);

	KUNIT_ASSERT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), 0);
	ow_counts_are(test, &c, c0.cmds + 2, c0.mds + 2, c0.pinned);

	/* 100 bytes in: the page-sized range straddles two pages. */
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(umd), 0);
	dmacmd_owner_count(THIS_MODULE, &c);
	ow_counts_are(test, &c, c0.cmds + 2, c0.mds + 2, c0.pinned + 2);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(umd), 0);

	/* A reference more, held by the command, changes no ownership. */
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	dmacmd_md_put(md);
	dmacmd_get(cmd);
	dmacmd_owner_count(THIS_MODULE, &c);
	ow_counts_are(test, &c, c0.cmds + 2, c0.mds + 2, c0.pinned);
	dmacmd_put(cmd);

	/* Releasing the command releases the descriptor it held last. */
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	dmacmd_owner_count(THIS_MODULE, &c);
	ow_counts_are(test, &c, c0.cmds + 2, c0.mds + 1, c0.pinned);
}

/* The module loads again after a simulated unload; leftovers are reaped. */
static void ow_module_back(void *data)
{
	dmacmd_owner_coming(THIS_MODULE);
	dmacmd_owner_reap(module_name(THIS_MODULE));
}

/*
 * The suite plays the module that unloads.  Built into the kernel (in
 * tree, CONFIG_DMACMD_KUNIT_TEST=y) it has no module to play it with.
 */
static void ow_require_module(struct kunit *test)
{
	struct dmacmd_owner_counts c;

#ifndef MODULE
	kunit_skip(test, "built in: no module of its own to unload");
#endif
	KUNIT_ASSERT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), 0);
	/* The report's numbers are exact only if nothing else is alive. */
	KUNIT_ASSERT_TRUE_MSG(test, !c.cmds && !c.mds && !c.pinned,
			      "objects of this module alive before the test: %ld %ld %ld",
			      c.cmds, c.mds, c.pinned);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ow_module_back,
							NULL), 0);
}

/*
 * The module notifier's GOING handler, as the kernel calls it after the
 * module's exit function: one line with the counts; the objects stay
 * until reaped.
 */
static void dmacmd_test_owner_going_reports_leaks(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	long cmds0, mds0, pinned0;
	char line[MODULE_NAME_LEN + 128], want[MODULE_NAME_LEN + 128];
	char name[MODULE_NAME_LEN];
	struct dmacmd_owner_counts c;
	struct dmacmd *cmd, *clone;
	struct dmacmd_md *umd;

	ow_require_module(test);
	cmd = dmacmd_create(dev, &ow_spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	clone = dmacmd_clone(cmd, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clone);
	umd = dmacmd_md_from_user(ow_user_pages(test) + 8, PAGE_SIZE,
				  DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, umd);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(umd), 0);

	kunit_info(test, "a report of %s unloading with objects alive follows\n",
		   module_name(THIS_MODULE));
	KUNIT_EXPECT_TRUE(test, dmacmd_owner_going(THIS_MODULE, line,
						   sizeof(line)));
	strscpy(name, module_name(THIS_MODULE), sizeof(name));
	snprintf(want, sizeof(want),
		 "module %s unloads with 2 commands and 1 memory descriptor alive (leaked), 2 user pages pinned",
		 name);
	KUNIT_EXPECT_STREQ(test, line, want);
	/* Gone: no entry for the module until it loads again. */
	KUNIT_EXPECT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), -ENOENT);

	/* Loaded again: a new entry; what it left stays with the old one. */
	dmacmd_owner_coming(THIS_MODULE);
	KUNIT_ASSERT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), 0);
	ow_counts_are(test, &c, 0, 0, 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(umd));

	cmds0 = dmacmd_cmd_live_count();
	mds0 = dmacmd_md_live_count();
	pinned0 = dmacmd_md_pinned_count();
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 3);
	KUNIT_EXPECT_EQ(test, dmacmd_cmd_live_count(), cmds0 - 2);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_pinned_count(), pinned0 - 2);
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 0);
}

/*
 * Every misuse reported is counted once, whether or not the rate limit
 * lets its log line through, whatever the device.
 */
static void dmacmd_test_misuse_counted(struct kunit *test)
{
	long n0 = dmacmd_misuse_total();
	int i;

	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, dmacmd_prepare(NULL, 0, 0,
						     DMACMD_PREPARE_DEFAULT),
				-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(ERR_PTR(-EIO)), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_misuse_total(), n0 + 21);
}

/*
 * The module's live count is the sum of the owners' counts, each object
 * once, the built-in entry's too: an object created by code dmacmd has no
 * module entry for (here this module, its entry gone as after an unload
 * with nothing alive) counts as built in.
 */
static void dmacmd_test_live_count_sums_owners(struct kunit *test)
{
	char line[MODULE_NAME_LEN + 128];
	struct dmacmd_owner_counts b0, b;
	u8 *buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct dmacmd_md *md;
	long live0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	ow_require_module(test);
	KUNIT_ASSERT_FALSE(test, dmacmd_owner_going(THIS_MODULE, line,
						    sizeof(line)));
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, ow_module_back, NULL),
			0);
	KUNIT_ASSERT_EQ(test, dmacmd_owner_count(NULL, &b0), 0);
	live0 = dmacmd_md_live_count();

	md = dmacmd_md_from_kva(buf, 64, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	dmacmd_owner_count(NULL, &b);
	KUNIT_EXPECT_EQ(test, b.mds, b0.mds + 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), live0 + 1);
	dmacmd_md_put(md);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), live0);
}

/* A module that released everything unloads silently. */
static void dmacmd_test_owner_going_clean(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_owner_counts c;
	char line[MODULE_NAME_LEN + 128] = "x";
	struct dmacmd *cmd;

	ow_require_module(test);
	cmd = dmacmd_create(dev, &ow_spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	dmacmd_put(cmd);

	KUNIT_EXPECT_FALSE(test, dmacmd_owner_going(THIS_MODULE, line,
						    sizeof(line)));
	KUNIT_EXPECT_STREQ(test, line, "");
	KUNIT_EXPECT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), -ENOENT);
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 0);
	dmacmd_owner_coming(THIS_MODULE);
	KUNIT_EXPECT_EQ(test, dmacmd_owner_count(THIS_MODULE, &c), 0);
}

/*
 * What the reaping cases leave behind: a descriptor (*@parent), a
 * sub-range of it, and another descriptor of the same memory (*@other),
 * all this module's.
 */
static void ow_reap_objects(struct kunit *test, struct dmacmd_md **parent,
			    struct dmacmd_md **other)
{
	struct dmacmd_md *sub;
	void *buf;

	ow_require_module(test);
	buf = kunit_kzalloc(test, OW_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	*parent = dmacmd_md_from_kva(buf, OW_LEN, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *parent);
	sub = dmacmd_md_sub(*parent, 10, 100, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sub);
	*other = dmacmd_md_from_kva(buf, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *other);
}

/*
 * Reaping drops only a reference nobody else holds: a descriptor that a
 * sub-range still references goes after the sub-range, one with an extra
 * reference stays.
 */
static void dmacmd_test_owner_reap_sole_references(struct kunit *test)
{
	char line[MODULE_NAME_LEN + 128];
	struct dmacmd_md *parent, *held;
	long mds0;

	ow_reap_objects(test, &parent, &held);
	dmacmd_md_get(held);

	KUNIT_EXPECT_TRUE(test, dmacmd_owner_going(THIS_MODULE, line,
						   sizeof(line)));
	mds0 = dmacmd_md_live_count();
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 2);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 2);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(held), PAGE_SIZE);
	dmacmd_md_put(held);
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 3);
}

/*
 * Reaping drops only the unloaded module's own last reference.  A parent
 * the module let go of, held now only by its sub-range, and memory only a
 * command still holds, are not reaped on their own (that would free them
 * under their holder): the sub-range goes, and its parent with it; the
 * memory goes with the command.
 */
static void dmacmd_test_owner_reap_held_by_others(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	char line[MODULE_NAME_LEN + 128];
	struct dmacmd_md *parent, *md;
	struct dmacmd *cmd;
	long mds0;

	ow_reap_objects(test, &parent, &md);
	dmacmd_md_put(parent);
	cmd = dmacmd_create(dev, &ow_spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	dmacmd_md_put(md);
	/* Somebody else holds the command: it stays. */
	dmacmd_get(cmd);

	KUNIT_EXPECT_TRUE(test, dmacmd_owner_going(THIS_MODULE, line,
						   sizeof(line)));
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, ow_module_back, NULL),
			0);
	mds0 = dmacmd_md_live_count();
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 2);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), md);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md), PAGE_SIZE);
	dmacmd_put(cmd);
	KUNIT_EXPECT_EQ(test, dmacmd_owner_reap(module_name(THIS_MODULE)), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 3);
}

/* ---- use after release ---- */

struct ow_fix {
	struct device *dev;
	u8 *buf, *buf2;
	struct dmacmd_md *md;		/* alive */
	struct dmacmd *cmd;		/* alive, prepared over @md */
	struct dmacmd *dead;		/* released, in quarantine */
	struct dmacmd_md *dead_md;	/* released, in quarantine */
	unsigned int held;		/* quarantined after the setup */
	long cmds, mds;			/* live after the setup */
};

struct ow_restore {
	struct kunit *test;
	unsigned int old;
	long cmds, mds;
};

/* Lower the quarantine back: it is drained and nothing is left. */
static void ow_quarantine_restore(void *data)
{
	struct ow_restore *r = data;

	dmacmd_quarantine_set(r->old);
	KUNIT_EXPECT_EQ_MSG(r->test, dmacmd_quarantine_held(), 0,
			    "objects left in quarantine");
	KUNIT_EXPECT_EQ_MSG(r->test, dmacmd_cmd_live_count(), r->cmds,
			    "commands leaked");
	KUNIT_EXPECT_EQ_MSG(r->test, dmacmd_md_live_count(), r->mds,
			    "descriptors leaked");
}

static void ow_quarantine_on(struct kunit *test, unsigned int max)
{
	struct ow_restore *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->test = test;
	r->cmds = dmacmd_cmd_live_count();
	r->mds = dmacmd_md_live_count();
	r->old = dmacmd_quarantine_set(max);
	KUNIT_ASSERT_EQ(test, r->old, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ow_quarantine_restore,
							r), 0);
}

static void ow_clear_memory_action(void *cmd)
{
	dmacmd_clear_memory(cmd, DMACMD_AUTO);
}

static void ow_fix_init(struct kunit *test, struct ow_fix *f)
{
	struct dmacmd_seg64 seg[8];
	u64 off = 0;
	u32 n = ARRAY_SIZE(seg);

	ow_quarantine_on(test, OW_QUARANTINE);
	f->dev = dmacmd_kt_fake_dev(test, 64);
	f->buf = kunit_kzalloc(test, OW_LEN, GFP_KERNEL);
	f->buf2 = kunit_kzalloc(test, OW_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	KUNIT_ASSERT_NOT_NULL(test, f->buf2);
	f->md = dmacmd_kt_md(test, dmacmd_md_from_kva(f->buf, OW_LEN,
						      DMA_BIDIRECTIONAL));
	f->cmd = dmacmd_kt_cmd(test, f->dev, &ow_spec);

	/*
	 * A command used as a driver uses one, then released (before @cmd
	 * maps the same memory for the same device: dma-debug refuses
	 * overlapping mappings).
	 */
	f->dead = dmacmd_create(f->dev, &ow_spec, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dead);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f->dead, f->md, DMACMD_AUTO),
			0);
	KUNIT_ASSERT_EQ(test, dmacmd_gen64(f->dead, &off, seg, &n), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_complete(f->dead, DMACMD_COMPLETE_DEFAULT),
			0);
	dmacmd_put(f->dead);

	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f->cmd, f->md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ow_clear_memory_action,
							f->cmd), 0);

	/* A descriptor prepared, completed and released. */
	f->dead_md = dmacmd_md_from_kva(f->buf2, OW_LEN, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dead_md);
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(f->dead_md), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_md_complete(f->dead_md), 0);
	dmacmd_md_put(f->dead_md);

	f->held = dmacmd_quarantine_held();
	KUNIT_ASSERT_EQ(test, f->held, 2);
	f->cmds = dmacmd_cmd_live_count();
	f->mds = dmacmd_md_live_count();
}

struct ow_op {
	const char *desc;
	long (*fn)(struct ow_fix *f);
	long expect;
};

static long ow_prepare(struct ow_fix *f)
{
	return dmacmd_prepare(f->dead, 0, 0, DMACMD_PREPARE_DEFAULT);
}

static long ow_prepare_with_spec(struct ow_fix *f)
{
	return dmacmd_prepare_with_spec(f->dead, &ow_spec, 0, 0,
					DMACMD_PREPARE_DEFAULT);
}

static long ow_complete(struct ow_fix *f)
{
	return dmacmd_complete(f->dead, DMACMD_COMPLETE_DEFAULT);
}

static long ow_gen64(struct ow_fix *f)
{
	struct dmacmd_seg64 seg = { .addr = 1, .len = 2 };
	u64 off = 0;
	u32 n = 1;
	int ret = dmacmd_gen64(f->dead, &off, &seg, &n);

	/* Nothing written. */
	if (off || n != 1 || seg.addr != 1 || seg.len != 2)
		return -EFAULT;
	return ret;
}

static long ow_gen32(struct ow_fix *f)
{
	struct dmacmd_seg32 seg;
	u64 off = 0;
	u32 n = 1;

	return dmacmd_gen32(f->dead, &off, &seg, &n);
}

static long ow_gen_segments(struct ow_fix *f)
{
	struct dmacmd_seg64 seg;
	u64 off = 0;
	u32 n = 1;

	return dmacmd_gen_segments(f->dead, dmacmd_out_host64, &off, &seg, &n);
}

static long ow_synchronize(struct ow_fix *f)
{
	return dmacmd_synchronize(f->dead, DMACMD_SYNC_IN);
}

static long ow_set_memory(struct ow_fix *f)
{
	return dmacmd_set_memory(f->dead, f->md, DMACMD_AUTO);
}

static long ow_clear_memory(struct ow_fix *f)
{
	return dmacmd_clear_memory(f->dead, DMACMD_AUTO);
}

static long ow_prepared_range(struct ow_fix *f)
{
	u64 off, len;

	return dmacmd_prepared_range(f->dead, &off, &len);
}

static long ow_get_spec(struct ow_fix *f)
{
	struct dmacmd_spec spec;

	return dmacmd_get_spec(f->dead, &spec);
}

static long ow_clone(struct ow_fix *f)
{
	return PTR_ERR(dmacmd_clone(f->dead, NULL));
}

static long ow_read_bytes(struct ow_fix *f)
{
	u8 b[8];

	return dmacmd_read_bytes(f->dead, 0, b, sizeof(b));
}

static long ow_write_bytes(struct ow_fix *f)
{
	u8 b[8] = {};

	return dmacmd_write_bytes(f->dead, 0, b, sizeof(b));
}

static long ow_prepare_for_dma(struct ow_fix *f)
{
	struct dmacmd_seg64 seg[4];
	u64 flags = 0;
	u32 n = ARRAY_SIZE(seg);

	return dmacmd_prepare_for_dma(f->dead, 0, f->md, 0, PAGE_SIZE, &flags,
				      &n, seg);
}

static long ow_complete_dma(struct ow_fix *f)
{
	return dmacmd_complete_dma(f->dead, 0);
}

static long ow_get_preparation(struct ow_fix *f)
{
	struct dmacmd_md *md;
	u64 off, len;

	return dmacmd_get_preparation(f->dead, &off, &len, &md);
}

static long ow_perform_operation(struct ow_fix *f)
{
	return dmacmd_perform_operation(f->dead, DMACMD_DK_OP_ZERO, 0, 16, 0,
					NULL);
}

static long ow_accessors(struct ow_fix *f)
{
	dmacmd_set_refcon(f->dead, f);
	/* Each is 0 or NULL for a command that is not alive. */
	return (long)dmacmd_refcon(f->dead) | (long)dmacmd_device(f->dead) |
	       (long)dmacmd_memory(f->dead) | dmacmd_is_prepared(f->dead) |
	       (long)dmacmd_bounced_bytes(f->dead);
}

static long ow_get(struct ow_fix *f)
{
	dmacmd_get(f->dead);
	return dmacmd_prepare(f->dead, 0, 0, DMACMD_PREPARE_DEFAULT);
}

static long ow_put_twice(struct ow_fix *f)
{
	dmacmd_put(f->dead);
	return dmacmd_prepare(f->dead, 0, 0, DMACMD_PREPARE_DEFAULT);
}

/* The same calls with a released descriptor. */
static long ow_md_prepare(struct ow_fix *f)
{
	return dmacmd_md_prepare(f->dead_md);
}

static long ow_md_complete(struct ow_fix *f)
{
	return dmacmd_md_complete(f->dead_md);
}

static long ow_md_accessors(struct ow_fix *f)
{
	u64 len = 1;
	u8 b[8] = {};

	/* 0, NULL or false each, and DMA_NONE for the direction. */
	return (long)dmacmd_md_length(f->dead_md) |
	       (long)dmacmd_md_kaddr(f->dead_md) |
	       dmacmd_md_is_prepared(f->dead_md) |
	       (long)dmacmd_md_read(f->dead_md, 0, b, sizeof(b)) |
	       (long)dmacmd_md_write(f->dead_md, 0, b, sizeof(b)) |
	       (long)dmacmd_md_phys_segment(f->dead_md, 0, &len) | (long)len |
	       (dmacmd_md_direction(f->dead_md) != DMA_NONE);
}

static long ow_md_sub(struct ow_fix *f)
{
	return PTR_ERR(dmacmd_md_sub(f->dead_md, 0, 16, DMA_TO_DEVICE));
}

static long ow_md_multi(struct ow_fix *f)
{
	struct dmacmd_md *mds[2] = { f->md, f->dead_md };

	return PTR_ERR(dmacmd_md_multi(mds, 2, DMA_TO_DEVICE));
}

static long ow_md_set_memory(struct ow_fix *f)
{
	return dmacmd_set_memory(f->cmd, f->dead_md, 0);
}

static long ow_md_prepare_for_dma(struct ow_fix *f)
{
	struct dmacmd *cmd = dmacmd_create(f->dev, &ow_spec, NULL);
	struct dmacmd_seg64 seg[4];
	u64 flags = 0;
	u32 n = ARRAY_SIZE(seg);
	long ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_prepare_for_dma(cmd, 0, f->dead_md, 0, PAGE_SIZE, &flags,
				     &n, seg);
	dmacmd_put(cmd);
	/* The released command went to the quarantine too. */
	f->held++;
	return ret;
}

static long ow_md_perform_operation(struct ow_fix *f)
{
	return dmacmd_perform_operation(f->cmd, DMACMD_DK_OP_WRITE, 0, 16, 0,
					f->dead_md);
}

static long ow_md_get(struct ow_fix *f)
{
	dmacmd_md_get(f->dead_md);
	return dmacmd_md_prepare(f->dead_md);
}

static long ow_md_put_twice(struct ow_fix *f)
{
	dmacmd_md_put(f->dead_md);
	return dmacmd_md_prepare(f->dead_md);
}

static const struct ow_op ow_ops[] = {
	{ "command: prepare", ow_prepare, -EINVAL },
	{ "command: prepare with spec", ow_prepare_with_spec, -EINVAL },
	{ "command: complete", ow_complete, -EINVAL },
	{ "command: gen64, nothing written", ow_gen64, -EINVAL },
	{ "command: gen32", ow_gen32, -EINVAL },
	{ "command: gen_segments", ow_gen_segments, -EINVAL },
	{ "command: synchronize", ow_synchronize, -EINVAL },
	{ "command: set memory", ow_set_memory, -EINVAL },
	{ "command: clear memory", ow_clear_memory, -EINVAL },
	{ "command: prepared range", ow_prepared_range, -EINVAL },
	{ "command: get spec", ow_get_spec, -EINVAL },
	{ "command: clone", ow_clone, -EINVAL },
	{ "command: read bytes", ow_read_bytes, 0 },
	{ "command: write bytes", ow_write_bytes, 0 },
	{ "command: prepare for DMA", ow_prepare_for_dma, -EINVAL },
	{ "command: complete DMA", ow_complete_dma, -EINVAL },
	{ "command: get preparation", ow_get_preparation, -EINVAL },
	{ "command: perform operation", ow_perform_operation, -EINVAL },
	{ "command: accessors give 0 and NULL", ow_accessors, 0 },
	{ "command: get takes no reference", ow_get, -EINVAL },
	{ "command: second put", ow_put_twice, -EINVAL },
	{ "descriptor: prepare", ow_md_prepare, -EINVAL },
	{ "descriptor: complete", ow_md_complete, -EINVAL },
	{ "descriptor: accessors give 0, NULL, DMA_NONE", ow_md_accessors, 0 },
	{ "descriptor: sub-range of it", ow_md_sub, -EINVAL },
	{ "descriptor: concatenation with it", ow_md_multi, -EINVAL },
	{ "descriptor: set memory of a live command", ow_md_set_memory,
	  -EINVAL },
	{ "descriptor: prepare for DMA", ow_md_prepare_for_dma, -EINVAL },
	{ "descriptor: perform operation's data", ow_md_perform_operation,
	  -EINVAL },
	{ "descriptor: get takes no reference", ow_md_get, -EINVAL },
	{ "descriptor: second put", ow_md_put_twice, -EINVAL },
};

static void ow_op_desc(const struct ow_op *op, char *desc)
{
	strscpy(desc, op->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ow_op, ow_ops, ow_op_desc);

/*
 * With the quarantine on, a call with a released command or descriptor
 * returns the documented error and changes nothing: the released objects
 * stay released and quarantined, live ones keep their state, and nothing
 * is created.  (KASAN would report any access to freed memory.)
 */
static void dmacmd_test_released_object_refused(struct kunit *test)
{
	const struct ow_op *op = test->param_value;
	struct ow_fix f;
	u64 off, len;

	ow_fix_init(test, &f);
	KUNIT_EXPECT_EQ(test, op->fn(&f), op->expect);

	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_held(), f.held);
	KUNIT_EXPECT_EQ(test, dmacmd_cmd_live_count(), f.cmds);
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), f.mds);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.dead, 0, 0, DMACMD_PREPARE_DEFAULT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_md_prepare(f.dead_md), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f.cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, len, OW_LEN);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(f.md), OW_LEN);
}

/* The quarantine keeps the last N released objects; lowering it frees. */
static void dmacmd_test_quarantine_keeps_last(struct kunit *test)
{
	struct dmacmd_md *md[3];
	long mds0;
	void *buf;
	int i;

	ow_quarantine_on(test, 2);
	buf = kunit_kzalloc(test, OW_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(md); i++) {
		md[i] = dmacmd_md_from_kva(buf, OW_LEN, DMA_TO_DEVICE);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md[i]);
	}
	mds0 = dmacmd_md_live_count();
	for (i = 0; i < ARRAY_SIZE(md); i++)
		dmacmd_md_put(md[i]);
	/* Released at once (not alive), only their memory is held. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_live_count(), mds0 - 3);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_held(), 2);
	/* The last two are refused cleanly. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md[1]), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md[2]), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_set(1), 2);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_held(), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(md[2]), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_set(0), 1);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_held(), 0);
	/* Off: a release frees at once. */
	md[0] = dmacmd_md_from_kva(buf, OW_LEN, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md[0]);
	dmacmd_md_put(md[0]);
	KUNIT_EXPECT_EQ(test, dmacmd_quarantine_held(), 0);
}

static struct kunit_case dmacmd_owner_cases[] = {
	KUNIT_CASE(dmacmd_test_owner_counts_per_module),
	KUNIT_CASE(dmacmd_test_live_count_sums_owners),
	KUNIT_CASE(dmacmd_test_misuse_counted),
	KUNIT_CASE(dmacmd_test_owner_going_reports_leaks),
	KUNIT_CASE(dmacmd_test_owner_going_clean),
	KUNIT_CASE(dmacmd_test_owner_reap_sole_references),
	KUNIT_CASE(dmacmd_test_owner_reap_held_by_others),
	KUNIT_CASE_PARAM(dmacmd_test_released_object_refused,
			 ow_op_gen_params),
	KUNIT_CASE(dmacmd_test_quarantine_keeps_last),
	{}
};

static struct kunit_suite dmacmd_owner_suite = {
	.name = "dmacmd_track",
	.test_cases = dmacmd_owner_cases,
};

kunit_test_suites(&dmacmd_owner_suite);
