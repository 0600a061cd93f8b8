/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the dmacmd KUnit suites: devices to map for, memory
 * where the tests need it, the device's view of a mapping, test patterns.
 * Everything a helper creates is released when the test ends.
 */
#ifndef _DMACMD_KUNIT_UTIL_H
#define _DMACMD_KUNIT_UTIL_H

#include <kunit/test.h>
#include <linux/dma-direction.h>
#include <linux/types.h>
#include <linux/dmacmd.h>

struct device;
struct page;

/* Memory. */
void *dmacmd_kt_vmalloc(struct kunit *test, size_t len);

/* Devices. */
struct device *dmacmd_kt_fake_dev(struct kunit *test, unsigned int mask_bits);
extern bool dmacmd_kt_forcedac;
struct device *dmacmd_kt_edu_dev(struct kunit *test);
void dmacmd_kt_set_mask(struct kunit *test, struct device *dev,
			unsigned int mask_bits);
bool dmacmd_kt_translated(struct device *dev);
bool dmacmd_kt_swiotlb_forced(struct device *dev);
struct device *dmacmd_kt_bypass_dev(struct kunit *test, unsigned int mask_bits,
				    const char **why);

/*
 * The device's view: copy between @buf and the memory a device reaches at
 * DMA address @dma (through the IOMMU's page table where there is one).
 * Return: 0, or -EFAULT if some address reaches no RAM.
 */
int dmacmd_kt_dev_access(struct device *dev, u64 dma, void *buf, u64 len,
			 bool dev_writes);

/* Memory. */
bool dmacmd_kt_ram_within(u64 max_addr);
struct page *dmacmd_kt_alloc_pages(struct kunit *test, unsigned int order,
				   u64 min_phys, u64 max_phys);
unsigned long dmacmd_kt_user_map(struct kunit *test, size_t len,
				 unsigned long prot);

/* Test patterns: a byte stream keyed by a seed and the offset. */
u8 dmacmd_kt_pat(u32 seed, u64 off);
void dmacmd_kt_fill(void *buf, u64 len, u32 seed, u64 off);
u64 dmacmd_kt_mismatch(const void *buf, u64 len, u32 seed, u64 off);

/* Objects released when the test ends. */
struct dmacmd_md *dmacmd_kt_md(struct kunit *test, struct dmacmd_md *md);
struct dmacmd *dmacmd_kt_cmd(struct kunit *test, struct device *dev,
			     const struct dmacmd_spec *spec);

/* The module's live objects, compared to prove that nothing leaked. */
struct dmacmd_kt_counts {
	long mds;
	long cmds;
	long pinned;
};

void dmacmd_kt_counts_read(struct dmacmd_kt_counts *c);
bool dmacmd_kt_counts_equal(struct kunit *test,
			    const struct dmacmd_kt_counts *a,
			    const struct dmacmd_kt_counts *b, const char *when);

/* The segments of a prepared command, generated in one go. */
struct dmacmd_kt_segs {
	struct dmacmd_seg64 *seg;
	u32 n;
	u32 cap;
	u64 len;
};

void dmacmd_kt_gen_all(struct kunit *test, struct dmacmd *cmd,
		       struct dmacmd_kt_segs *s, u32 per_call);
bool dmacmd_kt_segs_ok(struct kunit *test, struct dmacmd *cmd,
		       const struct dmacmd_kt_segs *s);
int dmacmd_kt_dev_segs(struct device *dev, const struct dmacmd_kt_segs *s,
		       u64 from, u64 len, u32 seed, bool dev_writes,
		       u64 *bad);
int dmacmd_kt_dev_copy(struct device *dev, const struct dmacmd_kt_segs *s,
		       u64 from, void *buf, u64 len, bool dev_writes);

/* The spec of @cmd (dmacmd_get_spec()), all zeroes without one. */
static inline struct dmacmd_spec dmacmd_kt_spec(const struct dmacmd *cmd)
{
	struct dmacmd_spec spec = {};

	dmacmd_get_spec(cmd, &spec);
	return spec;
}

/* @flags of a prepare or complete, with %DMACMD_SYNCHRONIZE when @sync. */
static inline unsigned int dmacmd_kt_sync_if(unsigned int flags, bool sync)
{
	return sync ? flags | DMACMD_SYNCHRONIZE : flags;
}

#endif /* _DMACMD_KUNIT_UTIL_H */
