// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the dmacmd KUnit suites.
 *
 * The device's view of a mapping: a fake kunit device is never behind an
 * IOMMU, so what it reaches at a DMA address is dma_to_phys() of it (on
 * x86 the address itself; under swiotlb=force that is the swiotlb slot, as
 * for a real device).  Behind a translating IOMMU (the edu PCI device in
 * the IOMMU configuration) the IOVA goes through the device's domain with
 * iommu_iova_to_phys(), page by page.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>

#include "../dmacmd_debug.h"
#include "../dmacmd_md.h"
#include "../dmacmd_track.h"
#include "util.h"

#define DMACMD_KT_EDU_VENDOR	0x1234
#define DMACMD_KT_EDU_DEVICE	0x11e8
/* Pages tried when looking for memory in a physical range. */
#define DMACMD_KT_TRIES		4096

static atomic_t dmacmd_kt_ndev = ATOMIC_INIT(0);

/**
 * dmacmd_kt_fake_dev() - a fake device with an explicit DMA mask
 * @test: the test
 * @mask_bits: width of its streaming and coherent DMA masks
 *
 * Return: the device; unregistered when the test ends.
 */
struct device *dmacmd_kt_fake_dev(struct kunit *test, unsigned int mask_bits)
{
	char name[32];
	struct device *dev;

	snprintf(name, sizeof(name), "dmacmd-kt-%d",
		 atomic_inc_return(&dmacmd_kt_ndev));
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev,
							DMA_BIT_MASK(mask_bits)),
			0);
	return dev;
}

struct dmacmd_kt_masks {
	struct device *dev;
	u64 mask;
	u64 coherent;
};

static void dmacmd_kt_restore_masks(void *p)
{
	struct dmacmd_kt_masks *m = p;

	*m->dev->dma_mask = m->mask;
	m->dev->coherent_dma_mask = m->coherent;
}

/*
 * Set on the kernel command line (dmacmd_kunit.forcedac=1) by the boot
 * that passes iommu.forcedac=1: devices with 64-bit masks behind the
 * IOMMU then get IOVAs above 4 GiB, which the tests expect to see.
 */
bool dmacmd_kt_forcedac;
module_param_named(forcedac, dmacmd_kt_forcedac, bool, 0444);
MODULE_PARM_DESC(forcedac, "the boot passes iommu.forcedac=1");

/**
 * dmacmd_kt_set_mask() - set a device's DMA masks for the test's duration
 * @test: the test
 * @dev: the device
 * @mask_bits: width of both masks
 *
 * The masks of a device the test does not own (the edu PCI device) come
 * back when the test ends.
 */
void dmacmd_kt_set_mask(struct kunit *test, struct device *dev,
			unsigned int mask_bits)
{
	struct dmacmd_kt_masks *m;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->dev = dev;
	m->mask = *dev->dma_mask;
	m->coherent = dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							dmacmd_kt_restore_masks,
							m), 0);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev,
							DMA_BIT_MASK(mask_bits)),
			0);
}

static void dmacmd_kt_pci_put(void *p)
{
	pci_dev_put(p);
}

KUNIT_DEFINE_ACTION_WRAPPER(dmacmd_kt_vfree, vfree, const void *);

/**
 * dmacmd_kt_vmalloc() - virtually contiguous memory freed when the test ends
 * @test: the test
 * @len: bytes
 *
 * Return: the memory (the test stops if there is none).
 */
void *dmacmd_kt_vmalloc(struct kunit *test, size_t len)
{
	void *p = vmalloc(len);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dmacmd_kt_vfree,
							p), 0);
	return p;
}

/* The edu device's DMA parameters before the test gave it the defaults. */
struct dmacmd_kt_edu_parms {
	struct dmacmd_kt_masks masks;
	unsigned int max_seg;
	unsigned long boundary;
};

/* The test that holds the edu device's parameters, until it ends. */
static struct kunit *dmacmd_kt_edu_holder;

static void dmacmd_kt_edu_restore(void *p)
{
	struct dmacmd_kt_edu_parms *e = p;
	struct device *dev = e->masks.dev;

	dmacmd_kt_restore_masks(&e->masks);
	if (dev->dma_parms) {
		dev->dma_parms->max_segment_size = e->max_seg;
		dev->dma_parms->segment_boundary_mask = e->boundary;
	}
	dmacmd_kt_edu_holder = NULL;
}

/*
 * A driver that had the device leaves its DMA parameters behind when it
 * unbinds: the edu sample's 28-bit masks and 4 KiB segments stay for the
 * suites that the iommu boot runs again after it (the lazy phase).  Give
 * the test, once, the parameters the PCI core gives every device
 * (pci_device_add(), pci_setup_device()), and put back the others when it
 * ends.
 */
static int dmacmd_kt_edu_defaults(struct kunit *test, struct device *dev)
{
	struct dmacmd_kt_edu_parms *e;

	if (dmacmd_kt_edu_holder == test)
		return 0;
	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->masks.dev = dev;
	e->masks.mask = *dev->dma_mask;
	e->masks.coherent = dev->coherent_dma_mask;
	if (dev->dma_parms) {
		e->max_seg = dev->dma_parms->max_segment_size;
		e->boundary = dev->dma_parms->segment_boundary_mask;
	}
	if (kunit_add_action_or_reset(test, dmacmd_kt_edu_restore, e))
		return -ENOMEM;
	dmacmd_kt_edu_holder = test;
	*dev->dma_mask = DMA_BIT_MASK(32);
	dev->coherent_dma_mask = DMA_BIT_MASK(32);
	if (dev->dma_parms) {
		dev->dma_parms->max_segment_size = SZ_64K;
		dev->dma_parms->segment_boundary_mask = DMA_BIT_MASK(32);
	}
	return 0;
}

/**
 * dmacmd_kt_edu_dev() - QEMU's edu PCI device, to map for (never driven)
 * @test: the test
 *
 * The device comes with the PCI core's DMA parameters (32-bit masks,
 * 64 KiB segments within 4 GiB), whatever a driver bound before left.
 *
 * Return: its &struct device, or NULL when there is none or a driver owns
 * it.  Its parameters, and mask changes through dmacmd_kt_set_mask(), are
 * undone at the end.
 */
struct device *dmacmd_kt_edu_dev(struct kunit *test)
{
	struct pci_dev *pdev;

	pdev = pci_get_device(DMACMD_KT_EDU_VENDOR, DMACMD_KT_EDU_DEVICE, NULL);
	if (!pdev)
		return NULL;
	if (kunit_add_action_or_reset(test, dmacmd_kt_pci_put, pdev))
		return NULL;
	if (pdev->dev.driver || !pdev->dev.dma_mask)
		return NULL;
	if (dmacmd_kt_edu_defaults(test, &pdev->dev))
		return NULL;
	return &pdev->dev;
}

/**
 * dmacmd_kt_bypass_dev() - a device that dmacmd gives kBypassed commands
 * @test: the test
 * @mask_bits: width of its DMA masks
 * @why: set, when there is none, to the reason
 *
 * kBypassed hands the device CPU physical addresses without the DMA API's
 * cache maintenance, so dmacmd refuses it (-EOPNOTSUPP) for a device whose
 * DMA is not coherent, as KUnit's fake devices are on arm64.  Where a fake
 * device is coherent (x86) it is the one; otherwise the refusal is checked
 * on it, and the edu PCI device stands in where it can carry kBypassed:
 * free, coherent, not behind a translating IOMMU, no DMA offset.
 *
 * Return: the device, or NULL with *@why set.
 */
struct device *dmacmd_kt_bypass_dev(struct kunit *test, unsigned int mask_bits,
				    const char **why)
{
	static const struct dmacmd_spec byp = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
		.map_options = DMACMD_MAP_BYPASSED,
	};
	struct device *dev = dmacmd_kt_fake_dev(test, mask_bits);
	const char *no = NULL;
	struct dmacmd *cmd;
	long err;

	if (dev_is_dma_coherent(dev))
		return dev;
	cmd = dmacmd_create(dev, &byp, NULL);
	err = PTR_ERR_OR_ZERO(cmd);
	if (!IS_ERR_OR_NULL(cmd))
		dmacmd_put(cmd);
	KUNIT_ASSERT_EQ_MSG(test, err, -EOPNOTSUPP,
			    "kBypassed for a device whose DMA is not coherent");

	dev = dmacmd_kt_edu_dev(test);
	if (!dev)
		no = "fake devices not DMA coherent (kBypassed refused), no free edu device";
	else if (dmacmd_kt_translated(dev))
		no = "fake devices not DMA coherent (kBypassed refused), edu behind an IOMMU";
	else if (!dev_is_dma_coherent(dev))
		no = "fake devices not DMA coherent (kBypassed refused), nor the edu device";
	else if (dev->dma_range_map)
		no = "fake devices not DMA coherent (kBypassed refused), edu has a DMA offset";
	if (no) {
		*why = no;
		return NULL;
	}
	dmacmd_kt_set_mask(test, dev, mask_bits);
	return dev;
}

/**
 * dmacmd_kt_translated() - whether a device's DMA goes through an IOMMU
 * @dev: the device
 *
 * Return: true for a paging (translating) IOMMU domain.
 */
bool dmacmd_kt_translated(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return dom && (dom->type & __IOMMU_DOMAIN_PAGING);
}

/**
 * dmacmd_kt_swiotlb_forced() - whether swiotlb=force bounces @dev's DMA
 * @dev: the device
 *
 * Return: true when every streaming mapping of @dev goes through swiotlb.
 */
bool dmacmd_kt_swiotlb_forced(struct device *dev)
{
	return !dmacmd_kt_translated(dev) && is_swiotlb_force_bounce(dev);
}

/*
 * CPU pointer to what @dev reaches at @dma, and the bytes contiguous from
 * there (*@avail); NULL when the address reaches no RAM.
 */
static void *dmacmd_kt_dev_ptr(struct device *dev, u64 dma, u64 *avail)
{
	phys_addr_t phys;

	if (dmacmd_kt_translated(dev)) {
		phys = iommu_iova_to_phys(iommu_get_domain_for_dev(dev), dma);
		if (!phys)
			return NULL;
		*avail = PAGE_SIZE - offset_in_page(dma);
	} else {
		phys = dma_to_phys(dev, dma);
		*avail = U64_MAX;
	}
	if (!pfn_valid(PHYS_PFN(phys)))
		return NULL;
	/* Stay within the page: the next one is looked up again. */
	*avail = min_t(u64, *avail, PAGE_SIZE - offset_in_page(phys));
	return phys_to_virt(phys);
}

/**
 * dmacmd_kt_dev_access() - read or write as the device would
 * @dev: the device
 * @dma: DMA address
 * @buf: the CPU's side of the copy
 * @len: bytes
 * @dev_writes: copy @buf to the device's memory (else from it)
 *
 * Return: 0, or -EFAULT if some address reaches no RAM.
 */
int dmacmd_kt_dev_access(struct device *dev, u64 dma, void *buf, u64 len,
			 bool dev_writes)
{
	u8 *b = buf;
	u64 avail, c;
	void *p;

	while (len) {
		p = dmacmd_kt_dev_ptr(dev, dma, &avail);
		if (!p)
			return -EFAULT;
		c = min(avail, len);
		if (dev_writes)
			memcpy(p, b, c);
		else
			memcpy(b, p, c);
		b += c;
		dma += c;
		len -= c;
	}
	return 0;
}

/**
 * dmacmd_kt_ram_within() - whether the machine has RAM at or below an address
 * @max_addr: highest physical address
 *
 * arm64's QEMU virt machine has none below 1 GiB: a limit under that can
 * only be refused there.
 *
 * Return: true if some System RAM lies in [0, @max_addr].
 */
bool dmacmd_kt_ram_within(u64 max_addr)
{
	if (max_addr >= SIZE_MAX)
		return true;
	return region_intersects(0, max_addr + 1, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) != REGION_DISJOINT;
}

struct dmacmd_kt_pages {
	struct page *page;
	unsigned int order;
};

static void dmacmd_kt_free_pages(void *p)
{
	struct dmacmd_kt_pages *kp = p;

	__free_pages(kp->page, kp->order);
	kfree(kp);
}

/**
 * dmacmd_kt_alloc_pages() - pages lying in a physical range
 * @test: the test
 * @order: page order of the block
 * @min_phys: lowest physical address the block may start at
 * @max_phys: highest physical address the block may reach
 *
 * Tries the zones from the top (normal, DMA32, DMA) until a block fits;
 * blocks that don't are held until the end so that they are not handed
 * back at once.  The block is freed when the test ends.
 *
 * Return: the block's first page, or NULL when no block was found (the
 * caller skips with a reason: nothing here has such memory free).
 */
struct page *dmacmd_kt_alloc_pages(struct kunit *test, unsigned int order,
				   u64 min_phys, u64 max_phys)
{
	static const gfp_t zones[] = { 0, GFP_DMA32, GFP_DMA };
	u64 size = PAGE_SIZE << order;
	struct dmacmd_kt_pages *kp;
	struct page *page, *tmp, *found = NULL;
	LIST_HEAD(rejects);
	unsigned int z, t;

	for (z = 0; z < ARRAY_SIZE(zones) && !found; z++) {
		for (t = 0; t < DMACMD_KT_TRIES / (z + 1); t++) {
			page = alloc_pages(GFP_KERNEL | __GFP_NOWARN | zones[z],
					   order);
			if (!page)
				break;
			if (page_to_phys(page) >= min_phys &&
			    page_to_phys(page) + size - 1 <= max_phys) {
				found = page;
				break;
			}
			list_add(&page->lru, &rejects);
			/* A zone wholly below @min_phys cannot help. */
			if (page_to_phys(page) + size - 1 < min_phys && t > 64)
				break;
		}
	}
	list_for_each_entry_safe(page, tmp, &rejects, lru) {
		list_del(&page->lru);
		__free_pages(page, order);
	}
	if (!found)
		return NULL;
	kp = kzalloc(sizeof(*kp), GFP_KERNEL);
	if (!kp) {
		__free_pages(found, order);
		KUNIT_FAIL(test, "out of memory");
		return NULL;
	}
	kp->page = found;
	kp->order = order;
	if (kunit_add_action_or_reset(test, dmacmd_kt_free_pages, kp))
		return NULL;
	return found;
}

/**
 * dmacmd_kt_user_map() - anonymous user memory in the test's own mm
 * @test: the test (its kthread gets an mm if it had none)
 * @len: bytes to map
 * @prot: PROT_* protection of the mapping
 *
 * Return: the user address; unmapped when the test ends.
 */
unsigned long dmacmd_kt_user_map(struct kunit *test, size_t len,
				 unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, len, prot,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_TRUE_MSG(test, addr && !IS_ERR_VALUE(addr),
			      "kunit_vm_mmap() failed: %ld", (long)addr);
	return addr;
}

/**
 * dmacmd_kt_pat() - byte number @off of the test pattern @seed
 * @seed: which pattern
 * @off: offset of the byte
 *
 * Two seeds agree on about one byte in 256, and a byte moved to another
 * offset shows up too.
 *
 * Return: the byte.
 */
u8 dmacmd_kt_pat(u32 seed, u64 off)
{
	u64 x = ((u64)seed << 32) ^ (off >> 2);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x >> ((off & 3) * 8);
}

/**
 * dmacmd_kt_fill() - write the pattern into a buffer
 * @buf: the buffer
 * @len: its length
 * @seed: which pattern
 * @off: offset of @buf's first byte in the pattern
 */
void dmacmd_kt_fill(void *buf, u64 len, u32 seed, u64 off)
{
	u8 *p = buf;
	u64 i;

	for (i = 0; i < len; i++)
		p[i] = dmacmd_kt_pat(seed, off + i);
}

/**
 * dmacmd_kt_mismatch() - compare a buffer with the pattern
 * @buf: the buffer
 * @len: its length
 * @seed: which pattern
 * @off: offset of @buf's first byte in the pattern
 *
 * Return: offset (in the pattern) of the first byte that differs, or
 * U64_MAX when all match.
 */
u64 dmacmd_kt_mismatch(const void *buf, u64 len, u32 seed, u64 off)
{
	const u8 *p = buf;
	u64 i;

	for (i = 0; i < len; i++)
		if (p[i] != dmacmd_kt_pat(seed, off + i))
			return off + i;
	return U64_MAX;
}

/**
 * dmacmd_kt_counts_read() - read the module's live-object counters
 * @c: filled with the live descriptors, commands and pinned user pages
 */
void dmacmd_kt_counts_read(struct dmacmd_kt_counts *c)
{
	c->mds = dmacmd_md_live_count();
	c->cmds = dmacmd_cmd_live_count();
	c->pinned = dmacmd_md_pinned_count();
}

/**
 * dmacmd_kt_counts_equal() - compare two readings, failing the test if not
 * @test: the test
 * @a: the earlier reading
 * @b: the later reading
 * @when: what happened in between, for the failure message
 *
 * Return: true if both readings are the same.
 */
bool dmacmd_kt_counts_equal(struct kunit *test,
			    const struct dmacmd_kt_counts *a,
			    const struct dmacmd_kt_counts *b, const char *when)
{
	if (a->mds == b->mds && a->cmds == b->cmds && a->pinned == b->pinned)
		return true;
	KUNIT_FAIL(test,
		   "%s: live descriptors %ld -> %ld, commands %ld -> %ld, pinned %ld -> %ld",
		   when, a->mds, b->mds, a->cmds, b->cmds, a->pinned, b->pinned);
	return false;
}

static void dmacmd_kt_md_put(void *md)
{
	dmacmd_md_put(md);
}

/**
 * dmacmd_kt_md() - assert a descriptor was made; put it when the test ends
 * @test: the test
 * @md: result of a dmacmd_md_* constructor
 *
 * Return: @md.
 */
struct dmacmd_md *dmacmd_kt_md(struct kunit *test, struct dmacmd_md *md)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dmacmd_kt_md_put,
							md), 0);
	return md;
}

static void dmacmd_kt_cmd_put(void *cmd)
{
	dmacmd_put(cmd);
}

/**
 * dmacmd_kt_cmd() - create a command; put it when the test ends
 * @test: the test
 * @dev: the device
 * @spec: the spec
 *
 * Return: the command.
 */
struct dmacmd *dmacmd_kt_cmd(struct kunit *test, struct device *dev,
			     const struct dmacmd_spec *spec)
{
	struct dmacmd *cmd = dmacmd_create(dev, spec, test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							dmacmd_kt_cmd_put,
							cmd), 0);
	return cmd;
}

/**
 * dmacmd_kt_gen_all() - generate every segment of a prepared command
 * @test: the test
 * @cmd: the prepared command
 * @s: the segments; @s->seg grows as needed (freed with the test)
 * @per_call: segments asked for per dmacmd_gen64() call
 *
 * Checks the loop's contract on the way: each call moves the offset to the
 * end of its last segment, and the call at the end says -ERANGE without
 * touching its arguments.
 */
void dmacmd_kt_gen_all(struct kunit *test, struct dmacmd *cmd,
		       struct dmacmd_kt_segs *s, u32 per_call)
{
	u64 off = 0, plen, sum;
	u32 n, i;
	int ret;

	KUNIT_ASSERT_EQ(test, dmacmd_prepared_range(cmd, NULL, &plen), 0);
	s->n = 0;
	s->len = 0;
	for (;;) {
		if (s->n + per_call > s->cap) {
			u32 cap = max(2 * s->cap, s->n + per_call + 16);
			struct dmacmd_seg64 *seg;

			seg = kunit_kcalloc(test, cap, sizeof(*seg), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, seg);
			if (s->n)
				memcpy(seg, s->seg, s->n * sizeof(*seg));
			s->seg = seg;
			s->cap = cap;
		}
		n = per_call;
		ret = dmacmd_gen64(cmd, &off, s->seg + s->n, &n);
		if (ret == -ERANGE) {
			KUNIT_EXPECT_EQ(test, n, per_call);
			KUNIT_EXPECT_EQ(test, off, plen);
			break;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "at offset %llu", off);
		KUNIT_ASSERT_GT(test, n, 0);
		KUNIT_ASSERT_LE(test, n, per_call);
		for (sum = 0, i = 0; i < n; i++)
			sum += s->seg[s->n + i].len;
		KUNIT_ASSERT_EQ(test, off, s->len + sum);
		s->len += sum;
		s->n += n;
		KUNIT_ASSERT_LE(test, s->len, plen);
	}
}

/**
 * dmacmd_kt_segs_ok() - check segments against their command's spec
 * @test: the test
 * @cmd: the prepared command
 * @s: its segments, from dmacmd_kt_gen_all()
 *
 * Every segment lies within the spec's address bits and the device's
 * mask, is no longer than the maximum segment size, starts on the
 * alignment (the first) or the internal alignment (the others) and has a
 * length that is a multiple of the length alignment; together they cover
 * the prepared length.  Each failure is reported with the numbers.
 *
 * Return: true if all hold.
 */
bool dmacmd_kt_segs_ok(struct kunit *test, struct dmacmd *cmd,
		       const struct dmacmd_kt_segs *s)
{
	struct device *dev = dmacmd_device(cmd);
	struct dmacmd_spec sp;
	u64 max, plen, align;
	bool ok = true;
	u32 i;

	KUNIT_ASSERT_EQ(test, dmacmd_get_spec(cmd, &sp), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_prepared_range(cmd, NULL, &plen), 0);
	max = sp.address_bits >= 64 ? U64_MAX : BIT_ULL(sp.address_bits) - 1;
	if (dev && !(sp.map_options & DMACMD_MAP_ITERATE_ONLY) &&
	    (sp.map_options & DMACMD_MAP_TYPE_MASK) != DMACMD_MAP_BYPASSED)
		max = min(max, dma_get_mask(dev));
	if (s->len != plen) {
		KUNIT_FAIL(test, "segments cover %llu bytes of %llu", s->len,
			   plen);
		ok = false;
	}
	for (i = 0; i < s->n; i++) {
		const struct dmacmd_seg64 *g = &s->seg[i];

		align = i ? sp.alignment_internal : sp.alignment;
		if (!g->len || g->addr > max || max - g->addr < g->len - 1) {
			KUNIT_FAIL(test, "segment %u %#llx+%#llx beyond %#llx",
				   i, g->addr, g->len, max);
			ok = false;
		}
		if (g->len > sp.max_segment_size) {
			KUNIT_FAIL(test, "segment %u length %#llx > max %#llx",
				   i, g->len, sp.max_segment_size);
			ok = false;
		}
		if (g->addr & (align - 1)) {
			KUNIT_FAIL(test, "segment %u at %#llx not %llu aligned",
				   i, g->addr, align);
			ok = false;
		}
		if (g->len & (sp.alignment_length - 1)) {
			KUNIT_FAIL(test, "segment %u length %#llx not a multiple of %u",
				   i, g->len, sp.alignment_length);
			ok = false;
		}
		if (!ok)
			break;
	}
	return ok;
}

/**
 * dmacmd_kt_dev_copy() - copy through segments as the device would
 * @dev: the device
 * @s: the segments
 * @from: first byte, relative to the prepared offset
 * @buf: the CPU's side of the copy
 * @len: bytes
 * @dev_writes: copy @buf to the device's memory (else from it)
 *
 * Return: 0, -EFAULT if an address reaches no RAM, -ERANGE if the
 * segments end before @from + @len.
 */
int dmacmd_kt_dev_copy(struct device *dev, const struct dmacmd_kt_segs *s,
		       u64 from, void *buf, u64 len, bool dev_writes)
{
	u64 pos = 0, end = from + len;
	u8 *b = buf;
	u32 i;
	int ret;

	for (i = 0; i < s->n && pos < end; pos += s->seg[i].len, i++) {
		u64 a = max(pos, from), e = min(pos + s->seg[i].len, end);

		if (a >= e)
			continue;
		ret = dmacmd_kt_dev_access(dev, s->seg[i].addr + (a - pos),
					   b + (a - from), e - a, dev_writes);
		if (ret)
			return ret;
	}
	return pos >= end ? 0 : -ERANGE;
}

/**
 * dmacmd_kt_dev_segs() - play the device over a range of segments
 * @dev: the device
 * @s: the segments
 * @from: first byte, relative to the prepared offset
 * @len: bytes
 * @seed: pattern the device writes, or expects to read
 * @dev_writes: write the pattern (else compare with it)
 * @bad: set to the first offset that differs when reading
 *
 * The pattern is keyed by the prepared-relative offset.
 *
 * Return: 0 if done (and, reading, all bytes matched), -EFAULT if an
 * address reaches no RAM, -EIO on a mismatch.
 */
int dmacmd_kt_dev_segs(struct device *dev, const struct dmacmd_kt_segs *s,
		       u64 from, u64 len, u32 seed, bool dev_writes, u64 *bad)
{
	u64 pos = 0, end = from + len;
	u32 i;

	*bad = U64_MAX;
	for (i = 0; i < s->n && pos < end; pos += s->seg[i].len, i++) {
		u64 a = max(pos, from), b = min(pos + s->seg[i].len, end);
		u64 dma = s->seg[i].addr + (a - pos), avail, c;
		void *p;

		while (a < b) {
			p = dmacmd_kt_dev_ptr(dev, dma, &avail);
			if (!p)
				return -EFAULT;
			c = min(avail, b - a);
			if (dev_writes) {
				dmacmd_kt_fill(p, c, seed, a);
			} else {
				*bad = dmacmd_kt_mismatch(p, c, seed, a);
				if (*bad != U64_MAX)
					return -EIO;
			}
			a += c;
			dma += c;
		}
	}
	return 0;
}
