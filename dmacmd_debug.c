// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd observability: tracepoints, per-device statistics in debugfs and
 * fault injection at every site that can fail.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "dmacmd_debug.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dmacmd.h>

static siphash_key_t dmacmd_trace_key __read_mostly;

/**
 * dmacmd_trace_id() - how trace records name an object
 * @obj: the command
 *
 * A hash of @obj's address under a key drawn at module load: stable for
 * the object's life, the same for every record of it, and no kernel
 * address for whoever reads the ring buffer.
 *
 * Context: Any context.
 * Return: the hash.
 */
u32 dmacmd_trace_id(const void *obj)
{
	return (u32)siphash_1u64((unsigned long)obj, &dmacmd_trace_key);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_trace_id);

/* For modules that attach probes (the KUnit suite checks every field). */
EXPORT_TRACEPOINT_SYMBOL_GPL(dmacmd_prepare);
EXPORT_TRACEPOINT_SYMBOL_GPL(dmacmd_complete);
EXPORT_TRACEPOINT_SYMBOL_GPL(dmacmd_synchronize);
EXPORT_TRACEPOINT_SYMBOL_GPL(dmacmd_bounce_copy);
EXPORT_TRACEPOINT_SYMBOL_GPL(dmacmd_gen_segments);

/**
 * DOC: Statistics
 *
 * ``/sys/kernel/debug/dmacmd/stats`` lists, for every device that has
 * commands, the events counted since the first of them was created
 * (the objects alive are counted once, per owner: see "Owners"):
 * prepares, completes, synchronizes, segments handed out,
 * bytes copied through bounce memory and DMA mapping failures.  A line
 * then totals every device, including those whose commands are all gone,
 * and a last one counts every misuse of the API reported (``misuse N``),
 * whatever the device and whether or not the rate limit let its log line
 * through.  The counters are per CPU: the hot path increments its own CPU's
 * copy and shares no lock or cache line with other commands.
 */

static LIST_HEAD(dmacmd_devices);
/* Protects dmacmd_devices, every entry's @users, and dmacmd_retired. */
static DEFINE_MUTEX(dmacmd_devices_lock);
/* Counts of devices whose entry was freed, so the totals stay complete. */
static struct dmacmd_stat_counters dmacmd_retired;

static void dmacmd_stats_sum(const struct dmacmd_dev_stats *stats,
			     struct dmacmd_stat_counters *sum)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct dmacmd_stat_counters *c = per_cpu_ptr(stats->pcpu, cpu);

		for (i = 0; i < DMACMD_STAT_NR; i++)
			sum->v[i] += c->v[i];
	}
}

/**
 * dmacmd_stats_get() - find or create the statistics entry of a device
 * @dev: the device, or NULL
 *
 * Context: Process context; takes a mutex and may allocate.
 * Return: the entry (with a use counted), or NULL for a NULL @dev or when
 * memory is short: statistics are best effort and never fail a caller.
 */
struct dmacmd_dev_stats *dmacmd_stats_get(struct device *dev)
{
	struct dmacmd_dev_stats *stats;

	if (!dev)
		return NULL;
	mutex_lock(&dmacmd_devices_lock);
	list_for_each_entry(stats, &dmacmd_devices, node) {
		if (stats->dev == dev) {
			stats->users++;
			goto out_unlock;
		}
	}
	stats = kzalloc(sizeof(*stats), GFP_KERNEL);
	if (!stats)
		goto out_unlock;
	stats->pcpu = alloc_percpu(struct dmacmd_stat_counters);
	if (!stats->pcpu) {
		kfree(stats);
		stats = NULL;
		goto out_unlock;
	}
	stats->dev = get_device(dev);
	stats->users = 1;
	list_add_tail(&stats->node, &dmacmd_devices);
out_unlock:
	mutex_unlock(&dmacmd_devices_lock);
	return stats;
}

/**
 * dmacmd_stats_put() - drop a use of a statistics entry
 * @stats: the entry, or NULL
 *
 * The last use folds the entry's counts into the retired totals and frees
 * it, releasing the device.
 *
 * Context: Process context; takes a mutex.
 */
void dmacmd_stats_put(struct dmacmd_dev_stats *stats)
{
	if (!stats)
		return;
	mutex_lock(&dmacmd_devices_lock);
	if (--stats->users) {
		mutex_unlock(&dmacmd_devices_lock);
		return;
	}
	list_del(&stats->node);
	dmacmd_stats_sum(stats, &dmacmd_retired);
	mutex_unlock(&dmacmd_devices_lock);
	free_percpu(stats->pcpu);
	put_device(stats->dev);
	kfree(stats);
}

static const char *const dmacmd_stat_names[DMACMD_STAT_NR] = {
	[DMACMD_STAT_PREPARES] = "prepares",
	[DMACMD_STAT_COMPLETES] = "completes",
	[DMACMD_STAT_SYNCS] = "syncs",
	[DMACMD_STAT_SEGMENTS] = "segments",
	[DMACMD_STAT_BOUNCED_BYTES] = "bounced_bytes",
	[DMACMD_STAT_MAP_FAILURES] = "map_failures",
};

static void dmacmd_stats_line(struct seq_file *m, const char *name,
			      const struct dmacmd_stat_counters *c)
{
	int i;

	seq_printf(m, "%-24s", name);
	for (i = 0; i < DMACMD_STAT_NR; i++)
		seq_printf(m, " %s=%llu", dmacmd_stat_names[i], c->v[i]);
	seq_putc(m, '\n');
}

static int dmacmd_stats_show(struct seq_file *m, void *unused)
{
	struct dmacmd_stat_counters total, one;
	struct dmacmd_dev_stats *stats;
	int i;

	mutex_lock(&dmacmd_devices_lock);
	total = dmacmd_retired;
	list_for_each_entry(stats, &dmacmd_devices, node) {
		memset(&one, 0, sizeof(one));
		dmacmd_stats_sum(stats, &one);
		for (i = 0; i < DMACMD_STAT_NR; i++)
			total.v[i] += one.v[i];
		dmacmd_stats_line(m, dev_name(stats->dev), &one);
	}
	mutex_unlock(&dmacmd_devices_lock);
	dmacmd_stats_line(m, "total", &total);
	seq_printf(m, "misuse %ld\n", atomic_long_read(&dmacmd_misuse_count));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmacmd_stats);

/**
 * DOC: Fault injection
 *
 * Every operation of dmacmd that can fail (allocating its own state,
 * pinning user pages, DMA mapping, allocating bounce pages) first asks
 * dmacmd_should_fail().  Two things can make it say yes:
 *
 * * the knobs ``/sys/kernel/debug/dmacmd/fail_{alloc,pin,map,bounce}/``,
 *   standard fault_attr directories (probability, interval, times,
 *   task-filter, ...; see Documentation/fault-injection/), which take
 *   effect while ``/sys/kernel/debug/dmacmd/fault_enable`` is 1;
 * * a KUnit test, which arms "fail the Nth call at any of these sites,
 *   made by this task" with dmacmd_fault_arm().
 *
 * While neither is armed the check is a static branch that costs nothing.
 */
DEFINE_STATIC_KEY_FALSE(dmacmd_fault_armed);

#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
static const char *const dmacmd_fault_names[DMACMD_FAULT_NR] = {
	[DMACMD_FAULT_ALLOC] = "fail_alloc",
	[DMACMD_FAULT_PIN] = "fail_pin",
	[DMACMD_FAULT_MAP] = "fail_map",
	[DMACMD_FAULT_BOUNCE] = "fail_bounce",
};

static struct fault_attr dmacmd_fault_attrs[DMACMD_FAULT_NR];
#endif

/* The KUnit "fail the Nth call" arming, used by one test at a time. */
static struct {
	struct task_struct *task;	/* only this task's calls count */
	unsigned int sites;		/* bit mask of enum dmacmd_fault */
	atomic_t countdown;		/* fails the call that reaches 0 */
	atomic_t calls;			/* calls seen while armed */
	atomic_t fired;			/* faults injected */
} dmacmd_nth;
static bool dmacmd_debugfs_enabled;
static DEFINE_MUTEX(dmacmd_fault_lock);

static void dmacmd_fault_update_key(void)
{
	lockdep_assert_held(&dmacmd_fault_lock);
	if (dmacmd_debugfs_enabled || dmacmd_nth.task)
		static_branch_enable(&dmacmd_fault_armed);
	else
		static_branch_disable(&dmacmd_fault_armed);
}

/**
 * __dmacmd_should_fail() - slow path of dmacmd_should_fail()
 * @site: the failure site asking
 *
 * Context: Any context.
 * Return: true if this call must fail.
 */
bool __dmacmd_should_fail(enum dmacmd_fault site)
{
	struct task_struct *task = READ_ONCE(dmacmd_nth.task);

	if (task == current && (dmacmd_nth.sites & BIT(site))) {
		atomic_inc(&dmacmd_nth.calls);
		if (atomic_dec_return(&dmacmd_nth.countdown) == 0) {
			atomic_inc(&dmacmd_nth.fired);
			return true;
		}
	}
#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
	if (READ_ONCE(dmacmd_debugfs_enabled) &&
	    should_fail(&dmacmd_fault_attrs[site], 1))
		return true;
#endif
	return false;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * dmacmd_fault_arm() - make the Nth call at the given sites fail
 * @sites: bit mask of BIT(enum dmacmd_fault)
 * @nth: which call fails, counting from 1; calls by other tasks don't count
 *
 * For KUnit sweeps: arm with nth = 1, 2, ... until an operation succeeds
 * without the fault firing.
 *
 * Context: Process context.
 */
VISIBLE_IF_KUNIT void dmacmd_fault_arm(unsigned int sites, unsigned int nth)
{
	mutex_lock(&dmacmd_fault_lock);
	dmacmd_nth.sites = sites;
	atomic_set(&dmacmd_nth.countdown, nth);
	atomic_set(&dmacmd_nth.calls, 0);
	atomic_set(&dmacmd_nth.fired, 0);
	WRITE_ONCE(dmacmd_nth.task, current);
	dmacmd_fault_update_key();
	mutex_unlock(&dmacmd_fault_lock);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_fault_arm);

/**
 * dmacmd_fault_disarm() - stop injecting and report what happened
 * @calls: if not NULL, the number of calls seen at the armed sites
 *
 * Context: Process context.
 * Return: the number of faults injected since dmacmd_fault_arm().
 */
VISIBLE_IF_KUNIT unsigned int dmacmd_fault_disarm(unsigned int *calls)
{
	unsigned int fired;

	mutex_lock(&dmacmd_fault_lock);
	WRITE_ONCE(dmacmd_nth.task, NULL);
	dmacmd_fault_update_key();
	fired = atomic_read(&dmacmd_nth.fired);
	if (calls)
		*calls = atomic_read(&dmacmd_nth.calls);
	mutex_unlock(&dmacmd_fault_lock);
	return fired;
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_fault_disarm);

/**
 * dmacmd_misuse_total() - misuse reports since the module loaded
 *
 * Context: Any context.
 * Return: the number of misuse reports, logged or rate-limited away.
 */
VISIBLE_IF_KUNIT long dmacmd_misuse_total(void)
{
	return atomic_long_read(&dmacmd_misuse_count);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_misuse_total);

#endif /* CONFIG_KUNIT */

atomic_long_t dmacmd_misuse_count = ATOMIC_LONG_INIT(0);
bool dmacmd_strict;
module_param_named(strict, dmacmd_strict, bool, 0644);
MODULE_PARM_DESC(strict, "WARN once on API misuse (debugging aid; default off)");

/* ------------------------------------------------------------------ */
/* Failure sites (see "DOC: Fault injection" above)                   */

void *dmacmd_kzalloc(size_t size)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	return kzalloc(size, GFP_KERNEL);
}

void *dmacmd_kvcalloc(size_t n, size_t size)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	return kvcalloc(n, size, GFP_KERNEL);
}

void *dmacmd_kvcalloc_account(size_t n, size_t size)
{
	if (dmacmd_should_fail(DMACMD_FAULT_ALLOC))
		return NULL;
	return kvcalloc(n, size, GFP_KERNEL_ACCOUNT);
}

struct page *dmacmd_bounce_alloc_pages(gfp_t gfp, unsigned int order)
{
	if (dmacmd_should_fail(DMACMD_FAULT_BOUNCE))
		return NULL;
	return alloc_pages(gfp, order);
}

/* dmacmd_grow(), through the failure site above. */
int __dmacmd_grow(void **arr, unsigned int *cap, unsigned int nr,
		  size_t size, unsigned int first)
{
	unsigned int new_cap = *cap ? 2 * *cap : first;
	void *new;

	if (nr < *cap)
		return 0;
	if (new_cap < *cap)
		return -ENOMEM;
	new = dmacmd_kvcalloc(new_cap, size);
	if (!new)
		return -ENOMEM;
	if (nr)
		memcpy(new, *arr, nr * size);
	kvfree(*arr);
	*arr = new;
	*cap = new_cap;
	return 0;
}

static int dmacmd_fault_enable_get(void *data, u64 *val)
{
	*val = READ_ONCE(dmacmd_debugfs_enabled);
	return 0;
}

static int dmacmd_fault_enable_set(void *data, u64 val)
{
	mutex_lock(&dmacmd_fault_lock);
	WRITE_ONCE(dmacmd_debugfs_enabled, !!val);
	dmacmd_fault_update_key();
	mutex_unlock(&dmacmd_fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(dmacmd_fault_enable_fops, dmacmd_fault_enable_get,
			 dmacmd_fault_enable_set, "%llu\n");

static struct dentry *dmacmd_debugfs;

/* The module's debugfs directory, for the other files' entries. */
struct dentry *dmacmd_debug_dir(void)
{
	return dmacmd_debugfs;
}

int dmacmd_debug_init(void)
{
	get_random_bytes(&dmacmd_trace_key, sizeof(dmacmd_trace_key));
	dmacmd_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, dmacmd_debugfs, NULL,
			    &dmacmd_stats_fops);
	debugfs_create_file_unsafe("fault_enable", 0600, dmacmd_debugfs, NULL,
				   &dmacmd_fault_enable_fops);
#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
	for (int i = 0; i < DMACMD_FAULT_NR; i++) {
		dmacmd_fault_attrs[i] = (struct fault_attr)FAULT_ATTR_INITIALIZER;
		fault_create_debugfs_attr(dmacmd_fault_names[i], dmacmd_debugfs,
					  &dmacmd_fault_attrs[i]);
	}
#endif
	return 0;
}

void dmacmd_debug_exit(void)
{
	debugfs_remove_recursive(dmacmd_debugfs);
	mutex_lock(&dmacmd_fault_lock);
	dmacmd_debugfs_enabled = false;
	dmacmd_nth.task = NULL;
	dmacmd_fault_update_key();
	mutex_unlock(&dmacmd_fault_lock);
}
