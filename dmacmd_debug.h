/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observability and fault injection: the error contract and how a
 * caller's misuse is reported, per-device statistics with per-CPU
 * counters, and the failure sites that tests and debugfs can arm.
 * Implemented in dmacmd_debug.c.
 */
#ifndef _DMACMD_DEBUG_H
#define _DMACMD_DEBUG_H

#include <linux/bug.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/types.h>

/*
 * Error codes used across the module, and the IOReturn each becomes in the
 * porting headers (include/dmacmd/IOKit/IOReturn.h has the translation):
 *
 *   -EINVAL        bad argument                kIOReturnBadArgument
 *   -ENOMEM        allocation failed           kIOReturnNoMemory
 *   -EBUSY         in use (prepared)           kIOReturnBusy
 *   -EBADFD        not prepared / wrong state  kIOReturnNotReady
 *   -E2BIG         longer than max transfer    kIOReturnNoSpace
 *   -EDOM          breaks an alignment rule    kIOReturnNotAligned
 *   -EMSGSIZE      segment cannot be encoded   kIOReturnMessageTooLarge
 *   -ERANGE        offset at or past the end   kIOReturnOverrun
 *   -ENODATA       short copy                  kIOReturnUnderrun
 *   -EPERM         not permitted now           kIOReturnNotPermitted
 *   -EOPNOTSUPP    unsupported option          kIOReturnUnsupported
 *   -EIO           DMA mapping failed          kIOReturnDMAError
 *   -EFAULT        user range not mapped       kIOReturnVMError
 *   -EADDRNOTAVAIL spec cannot be met here     kIOReturnNoResources
 *   -EWOULDBLOCK   may not sleep here          kIOReturnCannotLock
 *   -EDEADLK       caller holds the lock       kIOReturnCannotLock
 *   -EINTR         fatal signal while waiting  kIOReturnAborted
 */

/* The ``strict`` module parameter: a WARN with every misuse report. */
extern bool dmacmd_strict;
/* Every misuse reported, logged or rate-limited away ("DOC: Statistics"). */
extern atomic_long_t dmacmd_misuse_count;

/*
 * Report a caller's misuse of the API: rate-limited, naming the caller at
 * @ip, and a WARN only when the "strict" module parameter asks for one.
 * Helpers that an exported function calls pass its _RET_IP_, so that the
 * log still names the driver that misused the API.
 */
#define dmacmd_misuse_at(ip, dev, fmt, ...)				\
	do {								\
		static DEFINE_RATELIMIT_STATE(_rs,			\
					      DEFAULT_RATELIMIT_INTERVAL, \
					      DEFAULT_RATELIMIT_BURST);	\
		struct device *_dev = (dev);				\
		unsigned long _ip = (ip);				\
									\
		atomic_long_inc(&dmacmd_misuse_count);			\
		if (__ratelimit(&_rs))					\
			pr_err("%s%s%pS: " fmt,				\
			       _dev ? dev_name(_dev) : "",		\
			       _dev ? ": " : "", (void *)_ip,		\
			       ##__VA_ARGS__);				\
		WARN_ON_ONCE(dmacmd_strict);				\
	} while (0)

/* dmacmd_misuse_at() in the exported function itself: its caller. */
#define dmacmd_misuse(dev, fmt, ...)					\
	dmacmd_misuse_at(_RET_IP_, dev, fmt, ##__VA_ARGS__)

/*
 * dmacmd_atomic_misuse() - refuse a sleeping entry point in atomic context
 *
 * Prepares pin pages and allocate; called with a spinlock held, with
 * interrupts off or from an interrupt they would sleep where they must not
 * (IOKit: "never call while gated").  Such a call is misuse: report it,
 * naming the caller at @ip, and let the caller return -EWOULDBLOCK
 * (kIOReturnCannotLock) before anything sleeps.  Kernels without a
 * preemption count cannot see a held spinlock; there only interrupt
 * context and disabled interrupts are caught.
 */
#define dmacmd_atomic_misuse(ip, dev, what)				\
	({								\
		bool _atomic = !in_task() || irqs_disabled() ||	\
			(IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preemptible()); \
									\
		if (_atomic)						\
			dmacmd_misuse_at(ip, dev,			\
					 "%s from atomic context\n", what); \
		_atomic;						\
	})

/*
 * CONFIG_DMACMD_DEBUG (Kconfig; on out of tree but for make bench-hooks'
 * reference build, flags.mk) keeps what issue-free calls pay for
 * observability and misuse detection: statistics, fault sites and the
 * use-after-release check.  Without it they are stubs below.
 */
#define DMACMD_HOOKS IS_ENABLED(CONFIG_DMACMD_DEBUG)

enum dmacmd_stat {
	DMACMD_STAT_PREPARES,
	DMACMD_STAT_COMPLETES,
	DMACMD_STAT_SYNCS,
	DMACMD_STAT_SEGMENTS,
	DMACMD_STAT_BOUNCED_BYTES,
	DMACMD_STAT_MAP_FAILURES,
	DMACMD_STAT_NR
};

struct dmacmd_stat_counters {
	u64 v[DMACMD_STAT_NR];
};

/**
 * struct dmacmd_dev_stats - statistics of every command of one device
 * @node: entry in the module's list of devices (under its mutex)
 * @dev: the device (a reference is held while any command uses it)
 * @users: commands using this entry (its commands alive)
 * @pcpu: the counters, per CPU so that the hot path shares no cache line
 */
struct dmacmd_dev_stats {
	struct list_head node;
	struct device *dev;
	unsigned int users;
	struct dmacmd_stat_counters __percpu *pcpu;
};

struct dmacmd_dev_stats *dmacmd_stats_get(struct device *dev);
void dmacmd_stats_put(struct dmacmd_dev_stats *stats);

#if IS_ENABLED(CONFIG_DMACMD_DEBUG)
/* Count an event for a device; @stats may be NULL (no device). */
static inline void dmacmd_stat_add(struct dmacmd_dev_stats *stats,
				   enum dmacmd_stat which, u64 n)
{
	if (stats)
		this_cpu_add(stats->pcpu->v[which], n);
}
#else /* CONFIG_DMACMD_DEBUG */
static inline void dmacmd_stat_add(struct dmacmd_dev_stats *stats,
				   enum dmacmd_stat which, u64 n)
{
}
#endif /* CONFIG_DMACMD_DEBUG */

/* The operations that can fail, each with its own debugfs knob. */
enum dmacmd_fault {
	DMACMD_FAULT_ALLOC,	/* kmalloc/kvmalloc of dmacmd's own state */
	DMACMD_FAULT_PIN,	/* pinning user pages */
	DMACMD_FAULT_MAP,	/* dma_map_* */
	DMACMD_FAULT_BOUNCE,	/* bounce page allocation */
	DMACMD_FAULT_NR
};

DECLARE_STATIC_KEY_FALSE(dmacmd_fault_armed);
bool __dmacmd_should_fail(enum dmacmd_fault site);

#if IS_ENABLED(CONFIG_DMACMD_DEBUG)
/*
 * dmacmd_should_fail() - whether an armed fault hits this call.  Free (a
 * patched-out jump) until a test or a debugfs knob arms a fault.
 */
static inline bool dmacmd_should_fail(enum dmacmd_fault site)
{
	if (static_branch_unlikely(&dmacmd_fault_armed))
		return __dmacmd_should_fail(site);
	return false;
}
#else /* CONFIG_DMACMD_DEBUG */
static inline bool dmacmd_should_fail(enum dmacmd_fault site)
{
	return false;
}
#endif /* CONFIG_DMACMD_DEBUG */

/*
 * Failure sites: every allocation of dmacmd's own state goes through
 * dmacmd_kzalloc() or dmacmd_kvcalloc(), every bounce page through
 * dmacmd_bounce_alloc_pages(), every DMA mapping through
 * dmacmd_dma_map_sgtable() (below); the descriptor layer's page allocator, vmap()
 * and pinning through its own (dmacmd_md_impl.h).  Each asks
 * dmacmd_should_fail() first.
 */
void *dmacmd_kzalloc(size_t size);
void *dmacmd_kvcalloc(size_t n, size_t size);
void *dmacmd_kvcalloc_account(size_t n, size_t size);
struct page *dmacmd_bounce_alloc_pages(gfp_t gfp, unsigned int order);

/*
 * A list with one entry is handed to the DMA API as a driver hands it one
 * buffer: dma_map_page_attrs(), which costs half of what dma_map_sgtable()
 * of a one-entry table costs (and a third behind an IOMMU).  Every map,
 * unmap and sync of a list goes through these three, so that a list is
 * always unmapped and synced the way it was mapped (DMA-API debugging
 * checks that).
 */
static inline int dmacmd_dma_map_sgtable(struct device *dev,
					 struct sg_table *sgt,
					 enum dma_data_direction dir,
					 unsigned long attrs)
{
	struct scatterlist *sg = sgt->sgl;
	dma_addr_t addr;

	if (dmacmd_should_fail(DMACMD_FAULT_MAP))
		return -ENOMEM;
	if (sgt->orig_nents != 1)
		return dma_map_sgtable(dev, sgt, dir, attrs);
	addr = dma_map_page_attrs(dev, sg_page(sg), sg->offset, sg->length,
				  dir, attrs);
	if (dma_mapping_error(dev, addr))
		return -EIO;
	sg_dma_address(sg) = addr;
	sg_dma_len(sg) = sg->length;
	sgt->nents = 1;
	return 0;
}

static inline void dmacmd_dma_unmap_sgtable(struct device *dev,
					    struct sg_table *sgt,
					    enum dma_data_direction dir,
					    unsigned long attrs)
{
	struct scatterlist *sg = sgt->sgl;

	if (sgt->orig_nents != 1)
		dma_unmap_sgtable(dev, sgt, dir, attrs);
	else
		dma_unmap_page_attrs(dev, sg_dma_address(sg), sg_dma_len(sg),
				     dir, attrs);
}

static inline void dmacmd_dma_sync_sgtable(struct device *dev,
					   struct sg_table *sgt,
					   enum dma_data_direction dir,
					   bool for_cpu)
{
	struct scatterlist *sg = sgt->sgl;

	if (sgt->orig_nents != 1) {
		if (for_cpu)
			dma_sync_sgtable_for_cpu(dev, sgt, dir);
		else
			dma_sync_sgtable_for_device(dev, sgt, dir);
	} else if (for_cpu) {
		dma_sync_single_for_cpu(dev, sg_dma_address(sg),
					sg_dma_len(sg), dir);
	} else {
		dma_sync_single_for_device(dev, sg_dma_address(sg),
					   sg_dma_len(sg), dir);
	}
}

int __dmacmd_grow(void **arr, unsigned int *cap, unsigned int nr,
		  size_t size, unsigned int first);

/**
 * dmacmd_grow() - make room for one more element in a growing array
 * @arr: the array (kvmalloc'ed, or NULL)
 * @cap: its capacity
 * @nr: elements in use
 * @first: capacity of a first allocation
 *
 * Doubles the capacity when @nr reaches it, through the allocation
 * failure site.  Evaluates to 0 or -ENOMEM (@arr and @cap unchanged).
 */
#define dmacmd_grow(arr, cap, nr, first)				\
	({								\
		typeof(arr) *__arr = &(arr);				\
									\
		__dmacmd_grow((void **)__arr, &(cap), nr,		\
			      sizeof(**__arr), first);			\
	})

#if IS_ENABLED(CONFIG_KUNIT)
/* For KUnit only (exported in namespace EXPORTED_FOR_KUNIT_TESTING). */
void dmacmd_fault_arm(unsigned int sites, unsigned int nth);
unsigned int dmacmd_fault_disarm(unsigned int *calls);
long dmacmd_misuse_total(void);
#endif

struct dentry;
struct dentry *dmacmd_debug_dir(void);
int dmacmd_debug_init(void);
void dmacmd_debug_exit(void);

#endif /* _DMACMD_DEBUG_H */
