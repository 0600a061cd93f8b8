// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd_reliability: fault injection swept over every operation that can
 * fail, concurrency on two CPUs, and the tracepoints' fields.
 *
 * The fault hooks (dmacmd_fault_arm() and friends) and the live-object
 * counters are exported only for KUnit and declared in the module's
 * private headers, which this file includes for those declarations alone;
 * everything else goes through <linux/dmacmd.h>.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/dmacmd.h>
#include <trace/events/dmacmd.h>

#include "../dmacmd_cmd.h"
#include "../dmacmd_debug.h"
#include "../dmacmd_md.h"
#include "../dmacmd_track.h"
#include "util.h"

#define REL_LEN		(5 * PAGE_SIZE + 123)
#define REL_SEGS	64	/* segments the tracepoint test generates at most */
#define REL_USER_SEED	77
#define REL_ALL_SITES	(BIT(DMACMD_FAULT_ALLOC) | BIT(DMACMD_FAULT_PIN) | \
			 BIT(DMACMD_FAULT_MAP) | BIT(DMACMD_FAULT_BOUNCE))
#define REL_MAX_NTH	256

/*
 * One operation under test.  @setup builds what the operation needs
 * without faults, @run performs it with faults armed and returns its
 * result, @unchanged checks after a failed @run that the objects are as
 * @setup left them, and @teardown frees everything.
 */
struct rel_ctx {
	struct kunit *test;
	struct device *dev;
	void *buf;
	void *vbuf;
	unsigned long uaddr;
	struct dmacmd_md *md;
	struct dmacmd_md *md2;
	struct dmacmd_md *made;
	struct dmacmd *cmd;
	struct dmacmd *made_cmd;
	struct dmacmd_spec spec;
	u64 bounced;
	struct page *pages[3];
	struct sg_table sgt;
	bool sgt_alloced;
};

struct rel_op {
	const char *name;
	bool can_fail;		/* has at least one failure site */
	int (*setup)(struct rel_ctx *c);
	int (*run)(struct rel_ctx *c);
	bool (*unchanged)(struct rel_ctx *c);
	void (*teardown)(struct rel_ctx *c);
};

static const struct dmacmd_spec rel_spec64 = {
	.out_fn = dmacmd_out_host64,
	.address_bits = 64,
};

/* 64-byte alignment on memory that starts at an odd address: bounces. */
static const struct dmacmd_spec rel_spec_aligned = {
	.out_fn = dmacmd_out_host64,
	.address_bits = 64,
	.alignment = 64,
};

static int rel_setup_buf(struct rel_ctx *c)
{
	c->buf = kmalloc(REL_LEN + 1, GFP_KERNEL);
	return c->buf ? 0 : -ENOMEM;
}

static int rel_setup_md(struct rel_ctx *c)
{
	int ret = rel_setup_buf(c);

	if (ret)
		return ret;
	c->md = dmacmd_md_from_kva(c->buf, REL_LEN, DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->md);
}

static int rel_setup_cmd(struct rel_ctx *c)
{
	int ret = rel_setup_md(c);

	if (ret)
		return ret;
	c->cmd = dmacmd_create(c->dev, &rel_spec64, NULL);
	return PTR_ERR_OR_ZERO(c->cmd);
}

/* A command with misaligned memory attached (not prepared) under @spec. */
static int rel_setup_misaligned(struct rel_ctx *c,
				const struct dmacmd_spec *spec)
{
	int ret = rel_setup_buf(c);

	if (ret)
		return ret;
	c->md = dmacmd_md_from_kva(c->buf + 1, REL_LEN, DMA_BIDIRECTIONAL);
	if (IS_ERR(c->md))
		return PTR_ERR(c->md);
	c->cmd = dmacmd_create(c->dev, spec, NULL);
	if (IS_ERR(c->cmd))
		return PTR_ERR(c->cmd);
	return dmacmd_set_memory(c->cmd, c->md, 0);
}

/* The spec wants 64-byte alignment: prepare bounces. */
static int rel_setup_bounce_cmd(struct rel_ctx *c)
{
	return rel_setup_misaligned(c, &rel_spec_aligned);
}

static int rel_setup_prepared_cmd(struct rel_ctx *c)
{
	int ret = rel_setup_cmd(c);

	if (!ret)
		ret = dmacmd_set_memory(c->cmd, c->md, DMACMD_AUTO);
	if (!ret)
		c->bounced = dmacmd_bounced_bytes(c->cmd);
	return ret;
}

static int rel_setup_uaddr(struct rel_ctx *c)
{
	c->uaddr = kunit_vm_mmap(c->test, NULL, 0, REL_LEN,
				 PROT_READ | PROT_WRITE,
				 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	return IS_ERR_VALUE(c->uaddr) ? -ENOMEM : 0;
}

static int rel_setup_user(struct rel_ctx *c)
{
	int ret = rel_setup_uaddr(c);

	if (ret)
		return ret;
	c->md = dmacmd_md_from_user(c->uaddr, REL_LEN, DMA_FROM_DEVICE);
	return PTR_ERR_OR_ZERO(c->md);
}

static void rel_teardown(struct rel_ctx *c)
{
	if (!IS_ERR_OR_NULL(c->made_cmd))
		dmacmd_put(c->made_cmd);
	if (!IS_ERR_OR_NULL(c->cmd)) {
		if (dmacmd_memory(c->cmd))
			dmacmd_clear_memory(c->cmd, DMACMD_AUTO);
		dmacmd_put(c->cmd);
	}
	if (!IS_ERR_OR_NULL(c->made))
		dmacmd_md_put(c->made);
	if (!IS_ERR_OR_NULL(c->md2))
		dmacmd_md_put(c->md2);
	if (!IS_ERR_OR_NULL(c->md)) {
		while (c->uaddr && dmacmd_md_is_prepared(c->md))
			dmacmd_md_complete(c->md);
		dmacmd_md_put(c->md);
	}
	if (c->sgt_alloced)
		sg_free_table(&c->sgt);
	for (int i = 0; i < ARRAY_SIZE(c->pages); i++)
		if (c->pages[i])
			__free_page(c->pages[i]);
	vfree(c->vbuf);
	kfree(c->buf);
	memset(&c->buf, 0, sizeof(*c) - offsetof(struct rel_ctx, buf));
}

/* Constructors: on failure nothing is created (the counts show it). */
static bool rel_nothing_made(struct rel_ctx *c)
{
	return IS_ERR(c->made) || IS_ERR(c->made_cmd);
}

static int rel_run_kva(struct rel_ctx *c)
{
	c->made = dmacmd_md_from_kva(c->buf, REL_LEN, DMA_TO_DEVICE);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_setup_vbuf(struct rel_ctx *c)
{
	c->vbuf = vmalloc(REL_LEN);
	return c->vbuf ? 0 : -ENOMEM;
}

static int rel_run_vmalloc(struct rel_ctx *c)
{
	c->made = dmacmd_md_from_kva(c->vbuf, REL_LEN, DMA_FROM_DEVICE);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_setup_pages(struct rel_ctx *c)
{
	for (int i = 0; i < ARRAY_SIZE(c->pages); i++) {
		c->pages[i] = alloc_page(GFP_KERNEL);
		if (!c->pages[i])
			return -ENOMEM;
	}
	return 0;
}

static int rel_run_pages(struct rel_ctx *c)
{
	c->made = dmacmd_md_from_pages(c->pages, ARRAY_SIZE(c->pages), 100,
				       2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_setup_sgtable(struct rel_ctx *c)
{
	int ret = rel_setup_pages(c);

	if (ret)
		return ret;
	ret = sg_alloc_table_from_pages(&c->sgt, c->pages, ARRAY_SIZE(c->pages),
					0, ARRAY_SIZE(c->pages) * PAGE_SIZE,
					GFP_KERNEL);
	c->sgt_alloced = !ret;
	return ret;
}

static int rel_run_sgtable(struct rel_ctx *c)
{
	c->made = dmacmd_md_from_sgtable(&c->sgt, DMA_TO_DEVICE);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_phys(struct rel_ctx *c)
{
	c->made = dmacmd_md_from_phys(page_to_phys(c->pages[0]) + 8,
				      PAGE_SIZE - 8, DMA_FROM_DEVICE);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_phys_ranges(struct rel_ctx *c)
{
	const struct dmacmd_range r[] = {
		{ page_to_phys(c->pages[2]), PAGE_SIZE },
		{ page_to_phys(c->pages[0]) + 16, 100 },
	};

	c->made = dmacmd_md_from_ranges(r, ARRAY_SIZE(r), DMA_BIDIRECTIONAL,
					DMACMD_ADDR_PHYS);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_kva_ranges(struct rel_ctx *c)
{
	const struct dmacmd_range r[] = {
		{ (unsigned long)c->buf + 3, PAGE_SIZE },
		{ (unsigned long)c->buf + 2 * PAGE_SIZE, 300 },
	};

	c->made = dmacmd_md_from_ranges(r, ARRAY_SIZE(r), DMA_TO_DEVICE,
					DMACMD_ADDR_KERNEL);
	return PTR_ERR_OR_ZERO(c->made);
}

/* Several user ranges: one descriptor per range, prepared together. */
static int rel_run_user_ranges(struct rel_ctx *c)
{
	const struct dmacmd_range r[] = {
		{ c->uaddr + 5, PAGE_SIZE },
		{ c->uaddr + 3 * PAGE_SIZE, 2 * PAGE_SIZE },
	};
	int ret;

	c->made = dmacmd_md_from_ranges(r, ARRAY_SIZE(r), DMA_FROM_DEVICE,
					DMACMD_ADDR_USER);
	if (IS_ERR(c->made))
		return PTR_ERR(c->made);
	ret = dmacmd_md_prepare(c->made);
	if (!ret)
		return dmacmd_md_complete(c->made);
	dmacmd_md_put(c->made);
	c->made = ERR_PTR(ret);
	return ret;
}

static int rel_run_alloc(struct rel_ctx *c)
{
	c->made = dmacmd_md_alloc(4 * PAGE_SIZE, 0xFFFFF000ULL,
				  DMACMD_MD_CONTIGUOUS, DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_alloc_scattered(struct rel_ctx *c)
{
	c->made = dmacmd_md_alloc(4 * PAGE_SIZE, DMA_BIT_MASK(32), 0,
				  DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_sub(struct rel_ctx *c)
{
	c->made = dmacmd_md_sub(c->md, 100, PAGE_SIZE, DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_setup_two_mds(struct rel_ctx *c)
{
	int ret = rel_setup_md(c);

	if (ret)
		return ret;
	c->md2 = dmacmd_md_sub(c->md, 7, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->md2);
}

static int rel_run_multi(struct rel_ctx *c)
{
	struct dmacmd_md *mds[] = { c->md, c->md2, c->md };

	c->made = dmacmd_md_multi(mds, ARRAY_SIZE(mds), DMA_BIDIRECTIONAL);
	return PTR_ERR_OR_ZERO(c->made);
}

static int rel_run_user_prepare(struct rel_ctx *c)
{
	return dmacmd_md_prepare(c->md);
}

static bool rel_user_unprepared(struct rel_ctx *c)
{
	return !dmacmd_md_is_prepared(c->md);
}

static int rel_run_create(struct rel_ctx *c)
{
	c->made_cmd = dmacmd_create(c->dev, &rel_spec_aligned, NULL);
	return PTR_ERR_OR_ZERO(c->made_cmd);
}

static int rel_run_clone(struct rel_ctx *c)
{
	c->made_cmd = dmacmd_clone(c->cmd, NULL);
	return PTR_ERR_OR_ZERO(c->made_cmd);
}

static int rel_run_set_memory(struct rel_ctx *c)
{
	return dmacmd_set_memory(c->cmd, c->md, DMACMD_AUTO);
}

static bool rel_cmd_bare(struct rel_ctx *c)
{
	return !dmacmd_is_prepared(c->cmd) && !dmacmd_memory(c->cmd);
}

static int rel_run_prepare(struct rel_ctx *c)
{
	return dmacmd_prepare(c->cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
}

static bool rel_cmd_unprepared(struct rel_ctx *c)
{
	return !dmacmd_is_prepared(c->cmd) && dmacmd_memory(c->cmd) == c->md;
}

static int rel_run_force_double(struct rel_ctx *c)
{
	return dmacmd_synchronize(c->cmd, DMACMD_FORCE_DOUBLE_BUFFER);
}

/* A failed switch to double buffering keeps the command as it was. */
static bool rel_still_prepared(struct rel_ctx *c)
{
	u64 off, len;

	return dmacmd_is_prepared(c->cmd) &&
	       !dmacmd_prepared_range(c->cmd, &off, &len) &&
	       off == 0 && len == REL_LEN &&
	       dmacmd_bounced_bytes(c->cmd) == c->bounced;
}

/* A spec that allows the misalignment, until prepare_with_spec. */
static int rel_setup_attached(struct rel_ctx *c)
{
	return rel_setup_misaligned(c, &rel_spec64);
}

static int rel_run_prepare_with_spec(struct rel_ctx *c)
{
	return dmacmd_prepare_with_spec(c->cmd, &rel_spec_aligned, 0, 0,
					DMACMD_PREPARE_DEFAULT);
}

static bool rel_spec_kept(struct rel_ctx *c)
{
	return rel_cmd_unprepared(c) && dmacmd_kt_spec(c->cmd).alignment == 1;
}

static int rel_setup_dk(struct rel_ctx *c)
{
	c->cmd = dmacmd_create(c->dev, &rel_spec_aligned, NULL);
	if (IS_ERR(c->cmd))
		return PTR_ERR(c->cmd);
	return rel_setup_user(c);
}

static int rel_run_dk_prepare(struct rel_ctx *c)
{
	struct dmacmd_seg64 segs[16];
	u32 n = ARRAY_SIZE(segs);
	u64 flags = 0;
	int ret;

	ret = dmacmd_prepare_for_dma(c->cmd, 0, c->md, 1, REL_LEN - 1, &flags,
				     &n, segs);
	if (!ret)
		dmacmd_complete_dma(c->cmd, 0);
	return ret;
}

static bool rel_dk_unchanged(struct rel_ctx *c)
{
	return rel_cmd_bare(c) && !dmacmd_md_is_prepared(c->md);
}

static const struct rel_op rel_ops[] = {
	{ "md_from_kva linear", true, rel_setup_buf, rel_run_kva,
	  rel_nothing_made, rel_teardown },
	{ "md_from_kva vmalloc", true, rel_setup_vbuf, rel_run_vmalloc,
	  rel_nothing_made, rel_teardown },
	{ "md_from_pages", true, rel_setup_pages, rel_run_pages,
	  rel_nothing_made, rel_teardown },
	{ "md_from_sgtable", true, rel_setup_sgtable, rel_run_sgtable,
	  rel_nothing_made, rel_teardown },
	{ "md_from_phys", true, rel_setup_pages, rel_run_phys,
	  rel_nothing_made, rel_teardown },
	{ "md_from_ranges physical", true, rel_setup_pages, rel_run_phys_ranges,
	  rel_nothing_made, rel_teardown },
	{ "md_from_ranges kernel", true, rel_setup_buf, rel_run_kva_ranges,
	  rel_nothing_made, rel_teardown },
	{ "md_from_ranges user, prepared", true, rel_setup_uaddr,
	  rel_run_user_ranges, rel_nothing_made, rel_teardown },
	{ "md_alloc contiguous 32-bit", true, NULL, rel_run_alloc,
	  rel_nothing_made, rel_teardown },
	{ "md_alloc scattered 32-bit", true, NULL, rel_run_alloc_scattered,
	  rel_nothing_made, rel_teardown },
	{ "md_sub", true, rel_setup_md, rel_run_sub, rel_nothing_made,
	  rel_teardown },
	{ "md_multi", true, rel_setup_two_mds, rel_run_multi,
	  rel_nothing_made, rel_teardown },
	{ "md_prepare user (pin)", true, rel_setup_user, rel_run_user_prepare,
	  rel_user_unprepared, rel_teardown },
	{ "create", true, NULL, rel_run_create, rel_nothing_made,
	  rel_teardown },
	{ "clone", true, rel_setup_cmd, rel_run_clone, rel_nothing_made,
	  rel_teardown },
	{ "set_memory auto-prepare", true, rel_setup_cmd, rel_run_set_memory,
	  rel_cmd_bare, rel_teardown },
	{ "prepare bounced", true, rel_setup_bounce_cmd, rel_run_prepare,
	  rel_cmd_unprepared, rel_teardown },
	{ "synchronize force double buffer", true, rel_setup_prepared_cmd,
	  rel_run_force_double, rel_still_prepared, rel_teardown },
	{ "prepare_with_spec", true, rel_setup_attached, rel_run_prepare_with_spec,
	  rel_spec_kept, rel_teardown },
	{ "prepare_for_dma user", true, rel_setup_dk, rel_run_dk_prepare,
	  rel_dk_unchanged, rel_teardown },
};

static void rel_op_desc(const struct rel_op *op, char *desc)
{
	strscpy(desc, op->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rel_op, rel_ops, rel_op_desc);

/* Only errors a failure site can produce. */
static bool rel_fault_errno(int ret)
{
	return ret == -ENOMEM || ret == -EIO || ret == -EFAULT ||
	       ret == -EADDRNOTAVAIL;
}

/*
 * Fail the 1st, 2nd, ... call at any failure site during the operation,
 * until it runs with no fault left to fire.  After every failure: a
 * documented error, the objects unchanged, and once torn down, no
 * descriptor, command or pinned page left behind.
 */
static void dmacmd_test_fault_sweep(struct kunit *test)
{
	const struct rel_op *op = test->param_value;
	struct rel_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_kt_counts before, after;
	unsigned int nth, fired, calls, failures = 0, recovered = 0;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (nth = 1; nth <= REL_MAX_NTH; nth++) {
		c->test = test;
		c->dev = dev;
		dmacmd_kt_counts_read(&before);
		ret = op->setup ? op->setup(c) : 0;
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "setup of %s", op->name);

		dmacmd_fault_arm(REL_ALL_SITES, nth);
		ret = op->run(c);
		fired = dmacmd_fault_disarm(&calls);

		if (!ret) {
			/*
			 * Success, either with no fault left to fire or after
			 * recovering from one (e.g. a narrower zone tried
			 * after a failed page allocation).
			 */
			if (fired)
				recovered++;
			op->teardown(c);
			dmacmd_kt_counts_read(&after);
			if (!dmacmd_kt_counts_equal(test, &before, &after,
						    "after success") || !fired)
				break;
			continue;
		}
		KUNIT_EXPECT_GT_MSG(test, fired, 0,
				    "%s failed (%d) with no fault injected", op->name, ret);
		failures++;
		KUNIT_EXPECT_TRUE_MSG(test, rel_fault_errno(ret),
				      "%s: fault %u gave %d", op->name, nth, ret);
		KUNIT_EXPECT_TRUE_MSG(test, op->unchanged(c),
				      "%s: fault %u changed the objects", op->name, nth);
		op->teardown(c);
		dmacmd_kt_counts_read(&after);
		if (!fired ||
		    !dmacmd_kt_counts_equal(test, &before, &after, op->name))
			break;
	}
	KUNIT_EXPECT_LE_MSG(test, nth, REL_MAX_NTH, "%s never succeeded", op->name);
	if (op->can_fail)
		KUNIT_EXPECT_GT_MSG(test, failures, 0,
				    "%s: no failure site was reached", op->name);
	kunit_info(test, "%s: %u failure points unwound cleanly, %u recovered",
		   op->name, failures, recovered);
}

/*
 * Two CPUs, each with its own commands, sharing two descriptors: an
 * allocated buffer, and user memory that both prepare and complete (its
 * pins come and go under them); one of them also reaps and resizes the
 * quarantine while the other creates and releases objects.
 */
struct rel_worker {
	struct device *dev;
	struct dmacmd_md *shared;
	struct dmacmd_md *user;		/* user memory, seed REL_USER_SEED */
	const u8 *user_expect;
	bool housekeeper;
	struct completion done;
	unsigned long deadline;
	unsigned long iterations;
	unsigned long errors;
	int cpu;
	char why[96];
};

static void rel_worker_error(struct rel_worker *w, const char *what, long v)
{
	if (!w->errors++)
		snprintf(w->why, sizeof(w->why), "cpu %d: %s (%ld)", w->cpu,
			 what, v);
}

/* Run @fn(@data) in a kthread "dmacmd-@name/@cpu" bound to @cpu. */
static void rel_start_on(struct kunit *test, int (*fn)(void *), void *data,
			 const char *name, int cpu)
{
	struct task_struct *t;

	t = kthread_create(fn, data, "dmacmd-%s/%d", name, cpu);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, cpu);
	wake_up_process(t);
}

/* Prepare, walk every segment, check them, read through, complete. */
static void rel_cycle(struct rel_worker *w, struct dmacmd *cmd, u64 len,
		      const u8 *expect, u8 *tmp, u32 align)
{
	struct dmacmd_seg64 segs[8];
	u64 off = 0, total = 0;
	int ret;
	u32 i, n;

	ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	if (ret) {
		rel_worker_error(w, "prepare", ret);
		return;
	}
	while (off < len) {
		n = ARRAY_SIZE(segs);
		ret = dmacmd_gen64(cmd, &off, segs, &n);
		if (ret) {
			rel_worker_error(w, "gen64", ret);
			break;
		}
		for (i = 0; i < n; i++) {
			if (i == 0 && total == 0 && (segs[i].addr & (align - 1)))
				rel_worker_error(w, "misaligned first segment",
						 segs[i].addr);
			total += segs[i].len;
		}
	}
	if (!ret && total != len)
		rel_worker_error(w, "segments cover", total);
	if (!ret && expect) {
		if (dmacmd_read_bytes(cmd, 0, tmp, len) != len ||
		    memcmp(tmp, expect, len))
			rel_worker_error(w, "read_bytes differs", 0);
	}
	ret = dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT);
	if (ret)
		rel_worker_error(w, "complete", ret);
}

/*
 * Prepare the shared user descriptor (the first of the two CPUs pins it),
 * map and read it through a command, complete both (the last unpins).
 */
static void rel_user_cycle(struct rel_worker *w, struct dmacmd *cmd, u8 *tmp)
{
	int ret = dmacmd_md_prepare(w->user);

	if (ret) {
		rel_worker_error(w, "user prepare", ret);
		return;
	}
	rel_cycle(w, cmd, REL_LEN, w->user_expect, tmp, 1);
	ret = dmacmd_md_complete(w->user);
	if (ret)
		rel_worker_error(w, "user complete", ret);
}

static int rel_worker_fn(void *data)
{
	struct rel_worker *w = data;
	u8 *buf = kmalloc(REL_LEN + 1, GFP_KERNEL);
	u8 *tmp = kmalloc(REL_LEN, GFP_KERNEL);
	struct dmacmd *direct = NULL, *bounce = NULL, *shared = NULL;
	struct dmacmd *user = NULL;
	struct dmacmd_md *md = NULL, *mis = NULL;

	if (!buf || !tmp) {
		rel_worker_error(w, "no memory", 0);
		goto out;
	}
	dmacmd_kt_fill(buf, REL_LEN + 1, w->cpu, 0);
	md = dmacmd_md_from_kva(buf, REL_LEN, DMA_TO_DEVICE);
	mis = dmacmd_md_from_kva(buf + 1, REL_LEN, DMA_TO_DEVICE);
	direct = dmacmd_create(w->dev, &rel_spec64, NULL);
	bounce = dmacmd_create(w->dev, &rel_spec_aligned, NULL);
	shared = dmacmd_create(w->dev, &rel_spec64, NULL);
	if (IS_ERR(md) || IS_ERR(mis) || IS_ERR(direct) || IS_ERR(bounce) ||
	    IS_ERR(shared)) {
		rel_worker_error(w, "setup", 0);
		goto out;
	}
	if (dmacmd_set_memory(direct, md, 0) ||
	    dmacmd_set_memory(bounce, mis, 0) ||
	    dmacmd_set_memory(shared, w->shared, 0)) {
		rel_worker_error(w, "set_memory", 0);
		goto out;
	}
	user = dmacmd_create(w->dev, &rel_spec64, NULL);
	if (IS_ERR(user) || dmacmd_set_memory(user, w->user, 0)) {
		rel_worker_error(w, "user command", PTR_ERR_OR_ZERO(user));
		goto out;
	}
	while (time_before(jiffies, w->deadline) && !w->errors) {
		rel_cycle(w, direct, REL_LEN, buf, tmp, 1);
		rel_cycle(w, bounce, REL_LEN, buf + 1, tmp, 64);
		rel_cycle(w, shared, dmacmd_md_length(w->shared), NULL, tmp, 1);
		if (dmacmd_synchronize(bounce, DMACMD_SYNC_OUT) != -EBADFD)
			rel_worker_error(w, "synchronize unprepared", 0);
		rel_user_cycle(w, user, tmp);
		if (w->housekeeper) {
			dmacmd_owner_reap(KBUILD_MODNAME);
			dmacmd_quarantine_set(w->iterations & 1 ? 0 : 8);
		}
		w->iterations++;
		cond_resched();
	}
out:
	if (!IS_ERR_OR_NULL(user))
		dmacmd_put(user);
	if (!IS_ERR_OR_NULL(shared))
		dmacmd_put(shared);
	if (!IS_ERR_OR_NULL(bounce))
		dmacmd_put(bounce);
	if (!IS_ERR_OR_NULL(direct))
		dmacmd_put(direct);
	if (!IS_ERR_OR_NULL(mis))
		dmacmd_md_put(mis);
	if (!IS_ERR_OR_NULL(md))
		dmacmd_md_put(md);
	kfree(tmp);
	kfree(buf);
	complete(&w->done);
	return 0;
}

static void dmacmd_test_stress_two_cpus(struct kunit *test)
{
	struct rel_worker *w;
	struct dmacmd_kt_counts before, after;
	struct dmacmd_md *shared, *user;
	unsigned int quarantine;
	unsigned long ua;
	u8 *expect;
	int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs, have %u", num_online_cpus());
	w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	dmacmd_kt_counts_read(&before);
	/*
	 * Several devices may read one buffer at once; only device-to-memory
	 * mappings must not overlap (dma-debug's rule), so share it read-only.
	 */
	shared = dmacmd_md_alloc(3 * PAGE_SIZE, 0, 0, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, shared);
	expect = kunit_kmalloc(test, REL_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	dmacmd_kt_fill(expect, REL_LEN, REL_USER_SEED, 0);
	ua = dmacmd_kt_user_map(test, REL_LEN, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)ua, expect, REL_LEN),
			0);
	user = dmacmd_md_from_user(ua, REL_LEN, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, user);
	quarantine = dmacmd_quarantine_set(0);
	dmacmd_quarantine_set(quarantine);

	for (i = 0; i < 2; i++) {
		/*
		 * One device per CPU: dma-debug tracks a mapping by device and
		 * address, so the same buffer mapped for one device by two CPUs
		 * at once is ambiguous to it (an unmap may retire the other
		 * CPU's entry while it is being added), though legal.
		 */
		w[i].dev = dmacmd_kt_fake_dev(test, 64);
		w[i].shared = shared;
		w[i].user = user;
		w[i].user_expect = expect;
		w[i].housekeeper = i == 1;
		w[i].cpu = i;
		w[i].deadline = jiffies + msecs_to_jiffies(1500);
		init_completion(&w[i].done);
		rel_start_on(test, rel_worker_fn, &w[i], "stress", i);
	}
	for (i = 0; i < 2; i++)
		wait_for_completion(&w[i].done);
	dmacmd_md_put(shared);
	dmacmd_quarantine_set(quarantine);
	KUNIT_EXPECT_FALSE_MSG(test, dmacmd_md_is_prepared(user),
			       "the user memory is left pinned");
	dmacmd_md_put(user);

	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ_MSG(test, w[i].errors, 0, "%s", w[i].why);
		KUNIT_EXPECT_GT(test, w[i].iterations, 0);
		kunit_info(test, "cpu %d: %lu iterations", i, w[i].iterations);
	}
	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after, "after the stress run");
}

/* The tracepoints: attach probes and check every field they report. */
struct rel_trace {
	const void *cmd;
	struct device *dev;
	unsigned int prepares, completes, syncs, copies, gens;
	u64 offset, length, bounced, copied, gen_offset, gen_next;
	unsigned int nents;
	u32 options, gen_segs;
	int ret;
};

static void rel_probe_prepare(void *data, const void *cmd, struct device *dev,
			      u64 offset, u64 length, unsigned int nents,
			      u64 bounced, int ret)
{
	struct rel_trace *t = data;

	if (cmd != t->cmd)
		return;
	t->prepares++;
	t->dev = dev;
	t->offset = offset;
	t->length = length;
	t->nents = nents;
	t->bounced = bounced;
	t->ret = ret;
}

static void rel_probe_complete(void *data, const void *cmd, struct device *dev,
			       u64 offset, u64 length, unsigned int nents,
			       u64 bounced, int ret)
{
	struct rel_trace *t = data;

	if (cmd == t->cmd && dev == t->dev && offset == t->offset &&
	    length == t->length)
		t->completes++;
}

static void rel_probe_sync(void *data, const void *cmd, struct device *dev,
			   u32 options, int ret)
{
	struct rel_trace *t = data;

	if (cmd != t->cmd)
		return;
	t->syncs++;
	t->options = options;
}

static void rel_probe_copy(void *data, const void *cmd, struct device *dev,
			   bool to_bounce, u64 offset, u64 bytes)
{
	struct rel_trace *t = data;

	if (cmd != t->cmd)
		return;
	t->copies++;
	t->copied += bytes;
}

static void rel_probe_gen(void *data, const void *cmd, struct device *dev,
			  u64 offset, u64 next, u32 nsegs, int ret)
{
	struct rel_trace *t = data;

	if (cmd != t->cmd || ret)
		return;
	t->gens++;
	t->gen_offset = offset;
	t->gen_next = next;
	t->gen_segs = nsegs;
}

static void dmacmd_test_tracepoints_fields(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct rel_trace *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, REL_LEN + 1, GFP_KERNEL);
	/* Not on the stack: 1 KiB is a 32-bit kernel's whole frame limit. */
	struct dmacmd_seg64 *segs = kunit_kcalloc(test, REL_SEGS, sizeof(*segs),
						  GFP_KERNEL);
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u32 n = REL_SEGS;
	u64 off = 0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, segs);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf + 1, REL_LEN,
						   DMA_BIDIRECTIONAL));
	cmd = dmacmd_kt_cmd(test, dev, &rel_spec_aligned);
	t->cmd = cmd;

	KUNIT_ASSERT_EQ(test, register_trace_dmacmd_prepare(rel_probe_prepare, t), 0);
	KUNIT_ASSERT_EQ(test, register_trace_dmacmd_complete(rel_probe_complete, t), 0);
	KUNIT_ASSERT_EQ(test, register_trace_dmacmd_synchronize(rel_probe_sync, t), 0);
	KUNIT_ASSERT_EQ(test, register_trace_dmacmd_bounce_copy(rel_probe_copy, t), 0);
	KUNIT_ASSERT_EQ(test, register_trace_dmacmd_gen_segments(rel_probe_gen, t), 0);

	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(cmd, 10, REL_LEN - 10,
				       DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &off, segs, &n), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_IN), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);

	unregister_trace_dmacmd_gen_segments(rel_probe_gen, t);
	unregister_trace_dmacmd_bounce_copy(rel_probe_copy, t);
	unregister_trace_dmacmd_synchronize(rel_probe_sync, t);
	unregister_trace_dmacmd_complete(rel_probe_complete, t);
	unregister_trace_dmacmd_prepare(rel_probe_prepare, t);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, t->prepares, 1);
	KUNIT_EXPECT_PTR_EQ(test, t->dev, dev);
	KUNIT_EXPECT_EQ(test, t->offset, 10);
	KUNIT_EXPECT_EQ(test, t->length, REL_LEN - 10);
	KUNIT_EXPECT_EQ(test, t->ret, 0);
	KUNIT_EXPECT_GT(test, t->nents, 0);
	/* Misaligned for the spec: the whole range goes through bounce memory. */
	KUNIT_EXPECT_EQ(test, t->bounced, REL_LEN - 10);
	KUNIT_EXPECT_EQ(test, t->completes, 1);
	KUNIT_EXPECT_EQ(test, t->syncs, 1);
	KUNIT_EXPECT_EQ(test, t->options, DMACMD_SYNC_IN);
	KUNIT_EXPECT_GE(test, t->copies, 2);
	KUNIT_EXPECT_GE(test, t->copied, REL_LEN - 10);
	KUNIT_EXPECT_EQ(test, t->gens, 1);
	KUNIT_EXPECT_EQ(test, t->gen_offset, 0);
	KUNIT_EXPECT_EQ(test, t->gen_next, off);
	KUNIT_EXPECT_EQ(test, t->gen_segs, n);
}

/*
 * The sleeping entry points called with a spinlock held or interrupts off:
 * refused with -EWOULDBLOCK before anything sleeps (a sleep there would be
 * a "BUG: sleeping function called from invalid context", which fails the
 * harness), nothing changed, and the same calls work afterwards.
 */
static void dmacmd_test_misuse_atomic_context(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	u8 *buf = kunit_kmalloc(test, REL_LEN, GFP_KERNEL);
	struct dmacmd_md *md;
	struct dmacmd *cmd, *made;
	static DEFINE_SPINLOCK(lock);
	int prep_locked, prep_irqoff, md_prep;
	unsigned long flags;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, REL_LEN, DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &rel_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);

	spin_lock(&lock);
	made = dmacmd_create(dev, &rel_spec64, NULL);
	prep_locked = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	md_prep = dmacmd_md_prepare(md);
	spin_unlock(&lock);
	local_irq_save(flags);
	prep_irqoff = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(made), -EWOULDBLOCK);
	if (!IS_ERR_OR_NULL(made))
		dmacmd_put(made);
	KUNIT_EXPECT_EQ(test, prep_locked, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, prep_irqoff, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, md_prep, -EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_FALSE(test, dmacmd_md_is_prepared(md));

	KUNIT_EXPECT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
}

/*
 * The other entry points that may sleep (unmapping what a descriptor
 * keeps, unpinning, freeing, allocating bounce memory): refused likewise
 * in atomic context, the command and descriptor as they were.
 */
static void dmacmd_test_misuse_atomic_complete(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	u8 *buf = kunit_kmalloc(test, REL_LEN, GFP_KERNEL);
	int comp, clear, sync, md_comp;
	struct dmacmd_md *md;
	static DEFINE_SPINLOCK(lock);
	struct dmacmd *cmd;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, REL_LEN, DMA_TO_DEVICE));
	KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(md), 0);
	cmd = dmacmd_kt_cmd(test, dev, &rel_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);

	spin_lock(&lock);
	comp = dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT);
	clear = dmacmd_clear_memory(cmd, DMACMD_AUTO);
	sync = dmacmd_synchronize(cmd, DMACMD_FORCE_DOUBLE_BUFFER);
	md_comp = dmacmd_md_complete(md);
	spin_unlock(&lock);

	KUNIT_EXPECT_EQ(test, comp, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, clear, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, sync, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, md_comp, -EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), md);
	KUNIT_EXPECT_TRUE(test, dmacmd_md_is_prepared(md));
	KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), 0);

	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_md_complete(md), 0);
}

/*
 * A call on a command while another thread is in one is refused and
 * logged, and changes nothing (IOKit's commands are not thread-safe
 * either; here the overlap is seen, not suffered).  "Another thread" is
 * written into the command's mark, as a thread inside a call leaves it.
 */
static void dmacmd_test_misuse_other_thread_inside(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	u8 *buf = kunit_kmalloc(test, REL_LEN, GFP_KERNEL);
	struct dmacmd_seg64 segs[4];
	u64 pos = 0, off, len;
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u32 n = ARRAY_SIZE(segs);
	long n0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, REL_LEN,
						   DMA_BIDIRECTIONAL));
	cmd = dmacmd_kt_cmd(test, dev, &rel_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, DMACMD_AUTO), 0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(cmd->in_call));

	n0 = dmacmd_misuse_total();
	WRITE_ONCE(cmd->in_call, &init_task);
	KUNIT_EXPECT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &pos, segs, &n), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_synchronize(cmd, DMACMD_SYNC_OUT), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(cmd, 0, buf, 16), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_write_bytes(cmd, 0, buf, 16), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(cmd, NULL, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, DMACMD_AUTO), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmacmd_misuse_total(), n0 + 8);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(cmd->in_call), &init_task);
	WRITE_ONCE(cmd->in_call, NULL);

	/* Nothing changed: one prepare of the whole, the segments at 0. */
	KUNIT_EXPECT_EQ(test, pos, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, len, REL_LEN);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(cmd), md);
	KUNIT_EXPECT_EQ(test, dmacmd_gen64(cmd, &pos, segs, &n), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_NULL(test, READ_ONCE(cmd->in_call));
}

/* Two threads taking turns on one command, each retrying what is refused. */
struct rel_turns {
	struct dmacmd *cmd;
	struct completion done;
	unsigned long deadline;
	unsigned long cycles;
	unsigned long refused;
	long err;			/* the first unexpected result */
};

/* Retry @call while another thread is in a call on the command. */
#define REL_RETRY(t, call)						\
	({								\
		long __r;						\
		while ((__r = (call)) == -EBUSY) {			\
			(t)->refused++;					\
			cpu_relax();					\
		}							\
		__r;							\
	})

static int rel_turns_fn(void *data)
{
	struct rel_turns *t = data;
	struct dmacmd_seg64 segs[4];
	u64 pos;
	u32 n;
	long r;

	while (time_before(jiffies, t->deadline) && !t->err) {
		r = REL_RETRY(t, dmacmd_prepare(t->cmd, 0, 0,
						DMACMD_PREPARE_DEFAULT));
		if (r) {
			t->err = r;
			break;
		}
		pos = 0;
		n = ARRAY_SIZE(segs);
		r = REL_RETRY(t, dmacmd_gen64(t->cmd, &pos, segs, &n));
		if (r || !n || !pos)
			t->err = r ? r : -ENODATA;
		r = REL_RETRY(t, dmacmd_complete(t->cmd,
						 DMACMD_COMPLETE_DEFAULT));
		if (r && !t->err)
			t->err = r;
		t->cycles++;
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

/*
 * Two CPUs in one command: prepares nest, so turns taken one call at a
 * time are legal, and every overlap is refused rather than lost (an
 * increment of the prepare count lost to a race leaves the command
 * prepared, or a complete without its prepare).
 */
static void dmacmd_test_stress_one_command(struct kunit *test)
{
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	u8 *buf = kunit_kmalloc(test, REL_LEN, GFP_KERNEL);
	struct rel_turns *t;
	struct dmacmd *cmd;
	struct dmacmd_md *md;
	int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs, have %u", num_online_cpus());
	KUNIT_ASSERT_NOT_NULL(test, buf);
	t = kunit_kcalloc(test, 2, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, REL_LEN,
						   DMA_TO_DEVICE));
	cmd = dmacmd_kt_cmd(test, dev, &rel_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	for (i = 0; i < 2; i++) {
		t[i].cmd = cmd;
		t[i].deadline = jiffies + msecs_to_jiffies(1000);
		init_completion(&t[i].done);
		rel_start_on(test, rel_turns_fn, &t[i], "turns", i);
	}
	for (i = 0; i < 2; i++)
		wait_for_completion(&t[i].done);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ_MSG(test, t[i].err, 0, "cpu %d", i);
		KUNIT_EXPECT_GT(test, t[i].cycles, 0);
		kunit_info(test, "cpu %d: %lu cycles, %lu calls refused", i,
			   t[i].cycles, t[i].refused);
	}
	KUNIT_EXPECT_FALSE_MSG(test, dmacmd_is_prepared(cmd),
			       "a prepare or complete was lost");
	KUNIT_EXPECT_NULL(test, READ_ONCE(cmd->in_call));
}

static struct kunit_case dmacmd_reliability_cases[] = {
	KUNIT_CASE_PARAM(dmacmd_test_fault_sweep, rel_op_gen_params),
	KUNIT_CASE_SLOW(dmacmd_test_stress_two_cpus),
	KUNIT_CASE(dmacmd_test_tracepoints_fields),
	KUNIT_CASE(dmacmd_test_misuse_atomic_context),
	KUNIT_CASE(dmacmd_test_misuse_atomic_complete),
	KUNIT_CASE(dmacmd_test_misuse_other_thread_inside),
	KUNIT_CASE_SLOW(dmacmd_test_stress_one_command),
	{}
};

static struct kunit_suite dmacmd_reliability_suite = {
	.name = "dmacmd_reliability",
	.test_cases = dmacmd_reliability_cases,
};

kunit_test_suites(&dmacmd_reliability_suite);
