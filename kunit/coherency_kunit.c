// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the cache work a device whose DMA is not cache-coherent gets.
 *
 * For such a device (arm64's default: every KUnit fake device there, and
 * the PCI devices of QEMU's virt machine once dma-coherent is taken off
 * its PCIe host) the DMA API cleans the CPU's caches before the device
 * reads, arch_sync_dma_for_device(), and invalidates them before the CPU
 * reads what the device wrote, arch_sync_dma_for_cpu().  IOKit leaves
 * that work to prepare(flushCache), complete(invalidateCache) and
 * synchronize(); kNonCoherent commands may skip it.  QEMU models no
 * caches, so a missing clean or invalidate corrupts nothing there: these
 * tests count the calls instead, with a kprobe on each function, counting
 * only the test's own thread.
 */

#include <kunit/test.h>
#include <linux/dma-map-ops.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/dmacmd.h>

#include "util.h"

/* One probed function: its calls and bytes from the test's thread. */
struct coh_site {
	struct kprobe kp;
	struct task_struct *task;
	atomic_t calls;
	atomic64_t bytes;
};

struct coh_probes {
	struct coh_site dev;	/* arch_sync_dma_for_device() */
	struct coh_site cpu;	/* arch_sync_dma_for_cpu() */
	bool registered;
};

static int coh_hit(struct kprobe *kp, struct pt_regs *regs)
{
	struct coh_site *s = container_of(kp, struct coh_site, kp);

	if (current != s->task)
		return 0;
	atomic_inc(&s->calls);
	/* (phys_addr_t paddr, size_t size, enum dma_data_direction dir) */
	atomic64_add(regs_get_kernel_argument(regs, 1), &s->bytes);
	return 0;
}

static void coh_unregister(void *data)
{
	struct coh_probes *p = data;
	struct kprobe *kps[] = { &p->dev.kp, &p->cpu.kp };

	if (p->registered)
		unregister_kprobes(kps, ARRAY_SIZE(kps));
}

/*
 * The probes, for @dev's DMA; the test is skipped, with the reason, where
 * the DMA API has no cache work to do.
 */
static struct coh_probes *coh_probe(struct kunit *test, struct device *dev)
{
	struct coh_probes *p;
	struct kprobe *kps[2];
	int ret;

	if (dev_is_dma_coherent(dev))
		kunit_skip(test, "%s: DMA is cache-coherent, no cache work to do",
			   dev_name(dev));
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->dev.kp.symbol_name = "arch_sync_dma_for_device";
	p->cpu.kp.symbol_name = "arch_sync_dma_for_cpu";
	p->dev.kp.pre_handler = coh_hit;
	p->cpu.kp.pre_handler = coh_hit;
	p->dev.task = current;
	p->cpu.task = current;
	kps[0] = &p->dev.kp;
	kps[1] = &p->cpu.kp;
	ret = register_kprobes(kps, ARRAY_SIZE(kps));
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "kprobes on arch_sync_dma_for_device/cpu: %d", ret);
	p->registered = true;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, coh_unregister, p),
			0);
	return p;
}

static void coh_reset(struct coh_probes *p)
{
	atomic_set(&p->dev.calls, 0);
	atomic_set(&p->cpu.calls, 0);
	atomic64_set(&p->dev.bytes, 0);
	atomic64_set(&p->cpu.bytes, 0);
}

/*
 * What one step did: the device side's and the CPU side's cache work each
 * covers @len bytes at least (@dev, @cpu) or does not happen at all.
 */
static void coh_expect(struct kunit *test, struct coh_probes *p, int ret,
		       u64 len, bool dev, bool cpu, const char *step)
{
	struct coh_site *sites[] = { &p->dev, &p->cpu };
	const bool want[] = { dev, cpu };
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", step);
	for (i = 0; i < ARRAY_SIZE(sites); i++) {
		int calls = atomic_read(&sites[i]->calls);
		u64 bytes = atomic64_read(&sites[i]->bytes);

		if (want[i])
			KUNIT_EXPECT_GE_MSG(test, bytes, len,
					    "%s: %s: %d calls, %llu bytes",
					    step, sites[i]->kp.symbol_name,
					    calls, bytes);
		else
			KUNIT_EXPECT_EQ_MSG(test, calls, 0,
					    "%s: %s: %d calls, %llu bytes",
					    step, sites[i]->kp.symbol_name,
					    calls, bytes);
	}
	coh_reset(p);
}

/*
 * A kMapped command over a buffer the device reads and writes: prepare
 * cleans, synchronize(out) cleans, synchronize(in) invalidates (and hands
 * the buffer back to the device), complete invalidates.  A kNonCoherent
 * one does neither at prepare(0) and complete(0), and each on request
 * (flushCache, invalidateCache).
 */
static void coh_check(struct kunit *test, struct device *dev)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64 };
	struct coh_probes *p = coh_probe(test, dev);
	size_t len = 2 * PAGE_SIZE;
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	void *buf;

	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, len,
						   DMA_BIDIRECTIONAL));

	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	coh_reset(p);
	coh_expect(test, p, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
		   len, true, false, "kMapped prepare");
	coh_expect(test, p, dmacmd_synchronize(cmd, DMACMD_SYNC_OUT), len,
		   true, false, "synchronize(out)");
	coh_expect(test, p, dmacmd_synchronize(cmd, DMACMD_SYNC_IN), len,
		   true, true, "synchronize(in)");
	coh_expect(test, p, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT),
		   len, false, true, "kMapped complete");
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);

	spec.map_options = DMACMD_MAP_NONCOHERENT;
	cmd = dmacmd_kt_cmd(test, dev, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
	coh_reset(p);
	coh_expect(test, p, dmacmd_prepare(cmd, 0, 0, 0), len, false, false,
		   "kNonCoherent prepare(0)");
	coh_expect(test, p, dmacmd_complete(cmd, 0), len, false, false,
		   "kNonCoherent complete(0)");
	coh_expect(test, p, dmacmd_prepare(cmd, 0, 0, DMACMD_FLUSH_CACHE),
		   len, true, false, "kNonCoherent prepare(flushCache)");
	coh_expect(test, p, dmacmd_complete(cmd, DMACMD_INVALIDATE_CACHE),
		   len, false, true, "kNonCoherent complete(invalidateCache)");
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);
}

/* A platform device of KUnit's: non-coherent on arm64, coherent on x86. */
static void dmacmd_test_coherency_fake_device(struct kunit *test)
{
	coh_check(test, dmacmd_kt_fake_dev(test, 64));
}

/* QEMU's edu PCI device: non-coherent in the arm64-noncoherent boot. */
static void dmacmd_test_coherency_pci_device(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);

	if (!dev)
		kunit_skip(test, "no edu device free to map for");
	coh_check(test, dev);
}

static struct kunit_case dmacmd_coherency_cases[] = {
	KUNIT_CASE(dmacmd_test_coherency_fake_device),
	KUNIT_CASE(dmacmd_test_coherency_pci_device),
	{}
};

static struct kunit_suite dmacmd_coherency_suite = {
	.name = "dmacmd_coherency",
	.test_cases = dmacmd_coherency_cases,
};

kunit_test_suites(&dmacmd_coherency_suite);
