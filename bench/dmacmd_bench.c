// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd_bench: what dmacmd costs next to the DMA API code it replaces, in
 * the spirit of kernel/dma/map_benchmark.c.
 *
 * Load the module, optionally set its parameters under
 * /sys/module/dmacmd_bench/parameters/, then write anything to
 * /sys/kernel/debug/dmacmd_bench/run.  The write returns when the run is
 * over.  The run happens in a kthread bound to CPU 0 and prints one JSON
 * object per line ("dmacmd_bench: {...}") on the console; bench/report.py
 * reads those lines from the console logs of the three boots of
 * "make bench" and computes medians, spreads and ratios.
 *
 * Every comparison is side by side in one boot: the hand-written sequence
 * (A) and dmacmd (B) run on the same memory for the same device, A and B
 * alternate run by run, and each run repeats the operation k times, k being
 * chosen so that one run lasts about run_ms milliseconds.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/dmacmd.h>
#include <linux/iommu.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>

#define BENCH_MAX_REPS		21
#define BENCH_CONTIG_PAGES	(SZ_16M / PAGE_SIZE)
#define BENCH_FRAG_MIN		4096	/* pages the cycle tests need */
#define BENCH_PAR_PAGES		16	/* 64 KiB per parallel worker */
#define BENCH_SITES		16
#define BENCH_SITE_DEPTH	6
#define BENCH_ALLOC_CYCLES	16

/* Bits of the "tests" parameter. */
#define BENCH_T_CYCLE		0x01
#define BENCH_T_ALLOC		0x02
#define BENCH_T_SECT		0x04
#define BENCH_T_SCALE		0x08
#define BENCH_T_RESUME		0x10
#define BENCH_T_BOUNCE		0x20
#define BENCH_T_PAR		0x40
#define BENCH_T_CALLS		0x80
#define BENCH_T_ALL		0xff

static unsigned int reps = 11;
module_param(reps, uint, 0644);
MODULE_PARM_DESC(reps, "timed runs per figure (5..21, default 11)");

static unsigned int run_ms = 40;
module_param(run_ms, uint, 0644);
MODULE_PARM_DESC(run_ms, "target length of one timed run in ms (default 40)");

static unsigned int scale_max = 65536;
module_param(scale_max, uint, 0644);
MODULE_PARM_DESC(scale_max, "largest page count of the scaling test (default 65536)");

static unsigned int resume_max = 16384;
module_param(resume_max, uint, 0644);
MODULE_PARM_DESC(resume_max, "largest segment count of the resume test (default 16384)");

static unsigned int par_ms = 300;
module_param(par_ms, uint, 0644);
MODULE_PARM_DESC(par_ms, "length of one parallel run in ms (default 300)");

static unsigned int tests = BENCH_T_ALL;
module_param(tests, uint, 0644);
MODULE_PARM_DESC(tests, "bitmask: 1 cycle, 2 alloc, 4 sections, 8 scale, 16 resume, 32 bounce, 64 parallel, 128 calls");

static char *device = "auto";
module_param(device, charp, 0644);
MODULE_PARM_DESC(device, "auto (edu when behind an IOMMU, else platform), platform or edu");

static bool flush = true;
module_param(flush, bool, 0644);
MODULE_PARM_DESC(flush, "flush_cache/invalidate_cache of prepare/complete (IOKit default true)");

static bool sync = true;
module_param(sync, bool, 0644);
MODULE_PARM_DESC(sync, "synchronize argument of prepare/complete (IOKit default true)");

/* The flags of prepare and complete that @flush and @sync ask for. */
static inline unsigned int bench_prep_flags(void)
{
	return (flush ? DMACMD_FLUSH_CACHE : 0) |
	       (sync ? DMACMD_SYNCHRONIZE : 0);
}

static inline unsigned int bench_comp_flags(void)
{
	return (flush ? DMACMD_INVALIDATE_CACHE : 0) |
	       (sync ? DMACMD_SYNCHRONIZE : 0);
}

static struct device *bench_dev;
static const char *bench_dev_name;
static struct platform_device *bench_pdev;
static struct pci_dev *bench_edu;
static u64 edu_saved_mask, edu_saved_coherent;
static unsigned int edu_saved_seg;
static unsigned int bench_max_seg;	/* baseline sg_table segment limit */
static unsigned int bench_reps;

/* One JSON line, printed with pr_info(). */
struct jline {
	char s[900];
	size_t n;
};

static __printf(2, 3) void jadd(struct jline *j, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	j->n += vscnprintf(j->s + j->n, sizeof(j->s) - j->n, fmt, args);
	va_end(args);
}

/* Only the benchmark thread prints, one line at a time. */
static struct jline jl;

static void jsep(struct jline *j)
{
	if (j->n)
		jadd(j, ",");
}

static void jstr(const char *key, const char *val)
{
	jsep(&jl);
	jadd(&jl, "\"%s\":\"%s\"", key, val);
}

static void jnum(const char *key, u64 val)
{
	jsep(&jl);
	jadd(&jl, "\"%s\":%llu", key, val);
}

static void jint(const char *key, s64 val)
{
	jsep(&jl);
	jadd(&jl, "\"%s\":%lld", key, val);
}

static void jbool(const char *key, bool val)
{
	jsep(&jl);
	jadd(&jl, "\"%s\":%s", key, val ? "true" : "false");
}

static void jarr(struct jline *j, const char *key, const u64 *v,
		 unsigned int n)
{
	unsigned int i;

	jsep(j);
	jadd(j, "\"%s\":[", key);
	for (i = 0; i < n; i++)
		jadd(j, "%s%llu", i ? "," : "", v[i]);
	jadd(j, "]");
}

static void jprint(struct jline *j)
{
	pr_info("{%s}\n", j->s);
	j->n = 0;
	j->s[0] = '\0';
}

static void bench_error(const char *what, const char *layout, size_t len,
			int err)
{
	jstr("t", "error");
	jstr("what", what);
	jstr("layout", layout);
	jnum("size", len);
	jint("err", err);
	jprint(&jl);
}

static __printf(1, 2) void bench_progress(const char *fmt, ...)
{
	char what[96];
	va_list args;

	va_start(args, fmt);
	vscnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	jstr("t", "progress");
	jstr("what", what);
	jprint(&jl);
}

/* ---- memory ------------------------------------------------------------ */

/*
 * A set of pages.  Contiguous memory is one physically contiguous run made
 * of MAX_PAGE_ORDER blocks; fragmented memory takes the first page of
 * order-1 blocks, so that no two pages of the set are adjacent and each
 * page is a DMA segment of its own wherever nothing merges them.
 */
struct bench_mem {
	struct page **pages;
	unsigned int npages;
	struct page **blocks;
	unsigned int nblocks;
	unsigned int order;
	bool contiguous;
	void *vaddr;		/* CPU address of the whole set, or NULL */
	bool vmapped;
};

static void mem_free(struct bench_mem *m)
{
	unsigned int i;

	if (m->vmapped)
		vunmap(m->vaddr);
	for (i = 0; i < m->nblocks; i++)
		__free_pages(m->blocks[i], m->order);
	kvfree(m->blocks);
	kvfree(m->pages);
	memset(m, 0, sizeof(*m));
}

static int cmp_pfn(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	return pa < pb ? -1 : pa > pb;
}

static int mem_alloc_contig(struct bench_mem *m, unsigned int npages)
{
	unsigned int order = min_t(unsigned int, MAX_PAGE_ORDER,
				   get_order(npages * PAGE_SIZE));
	unsigned int need = npages >> order, tries = need * 16;
	unsigned int i, n = 0, best = 0, run, start = 0;
	struct page **cand;

	cand = kcalloc(tries, sizeof(*cand), GFP_KERNEL);
	m->pages = kvcalloc(npages, sizeof(*m->pages), GFP_KERNEL);
	m->blocks = kvcalloc(need, sizeof(*m->blocks), GFP_KERNEL);
	if (!cand || !m->pages || !m->blocks)
		goto nomem;
	m->order = order;
	/* Fresh buddy lists hand out ascending blocks: look for a run. */
	for (n = 0; n < tries && !best; n++) {
		cand[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!cand[n])
			break;
		if (n + 1 < need)
			continue;
		sort(cand, n + 1, sizeof(*cand), cmp_pfn, NULL);
		for (i = 0, run = 0; i <= n; i++) {
			if (i && page_to_pfn(cand[i]) ==
				 page_to_pfn(cand[i - 1]) + (1UL << order))
				run++;
			else
				run = 1;
			if (run >= need) {
				start = i + 1 - need;
				best = need;
				break;
			}
		}
	}
	/* n blocks are allocated now */
	if (n < need)
		goto nomem;
	if (!best)		/* no run found: use what we have, say so */
		start = 0;
	for (i = 0; i < need; i++) {
		m->blocks[i] = cand[start + i];
		cand[start + i] = NULL;
	}
	for (i = 0; i < n; i++)
		if (cand[i])
			__free_pages(cand[i], order);
	kfree(cand);
	m->nblocks = need;
	m->npages = npages;
	for (i = 0; i < npages; i++)
		m->pages[i] = nth_page(m->blocks[i >> order],
				       i & ((1U << order) - 1));
	m->contiguous = best != 0;
	if (m->contiguous) {
		m->vaddr = page_address(m->pages[0]);
	} else {
		m->vaddr = vmap(m->pages, npages, VM_MAP, PAGE_KERNEL);
		m->vmapped = true;
		if (!m->vaddr) {
			m->vmapped = false;
			mem_free(m);
			return -ENOMEM;
		}
	}
	return 0;

nomem:
	if (cand) {
		for (i = 0; i < tries; i++)
			if (cand[i])
				__free_pages(cand[i], order);
	}
	kfree(cand);
	mem_free(m);
	return -ENOMEM;
}

static int mem_alloc_frag(struct bench_mem *m, unsigned int npages)
{
	unsigned int i;

	m->pages = kvcalloc(npages, sizeof(*m->pages), GFP_KERNEL);
	m->blocks = kvcalloc(npages, sizeof(*m->blocks), GFP_KERNEL);
	if (!m->pages || !m->blocks) {
		mem_free(m);
		return -ENOMEM;
	}
	m->order = 1;
	for (i = 0; i < npages; i++) {
		m->blocks[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 1);
		if (!m->blocks[i]) {
			mem_free(m);
			return -ENOMEM;
		}
		m->nblocks++;
		m->pages[i] = m->blocks[i];
		if (!(i % 1024))
			cond_resched();
	}
	m->npages = npages;
	return 0;
}

/* ---- one case: the same memory seen by the baseline and by dmacmd ------ */

struct bench_case {
	const char *layout;
	struct page **pages;
	unsigned int npages;
	size_t len;
	struct sg_table sgt;
	bool have_sgt;
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	struct dmacmd_seg64 *segs;
	u32 cap;
	u32 nsegs_base;
	u32 nsegs_cmd;
	void *cpu_src;		/* bounce test: memory and a copy target */
	void *cpu_dst;
	u64 sect[3];		/* section times of the last timed cycle */
};

typedef int (*bench_fn)(struct bench_case *c);

static struct dmacmd_seg64 *bench_segs;
static u32 bench_segs_cap;

static void case_fini(struct bench_case *c)
{
	if (c->cmd) {
		dmacmd_clear_memory(c->cmd, 0);
		dmacmd_put(c->cmd);
	}
	if (c->md)
		dmacmd_md_put(c->md);
	if (c->have_sgt)
		sg_free_table(&c->sgt);
	c->cmd = NULL;
	c->md = NULL;
	c->have_sgt = false;
}

static void spec_default(struct dmacmd_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->out_fn = dmacmd_out_host64;
	spec->address_bits = 64;
	spec->map_options = DMACMD_MAP_MAPPED;
}

static int case_init(struct bench_case *c, const char *layout,
		     struct page **pages, unsigned int npages,
		     const struct dmacmd_spec *spec)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->layout = layout;
	c->pages = pages;
	c->npages = npages;
	c->len = (size_t)npages * PAGE_SIZE;
	c->segs = bench_segs;
	c->cap = bench_segs_cap;
	/* What a careful driver builds: segments the DMA layer can map. */
	ret = sg_alloc_table_from_pages_segment(&c->sgt, pages, npages, 0,
						c->len, bench_max_seg,
						GFP_KERNEL);
	if (ret) {
		bench_error("sg_alloc_table", layout, c->len, ret);
		return ret;
	}
	c->have_sgt = true;
	c->md = dmacmd_md_from_pages(pages, npages, 0, c->len,
				     DMA_BIDIRECTIONAL);
	if (IS_ERR(c->md)) {
		ret = PTR_ERR(c->md);
		c->md = NULL;
		bench_error("dmacmd_md_from_pages", layout, c->len, ret);
		goto fail;
	}
	c->cmd = dmacmd_create(bench_dev, spec, NULL);
	if (IS_ERR(c->cmd)) {
		ret = PTR_ERR(c->cmd);
		c->cmd = NULL;
		bench_error("dmacmd_create", layout, c->len, ret);
		goto fail;
	}
	ret = dmacmd_set_memory(c->cmd, c->md, 0);
	if (ret) {
		bench_error("dmacmd_set_memory", layout, c->len, ret);
		goto fail;
	}
	return 0;
fail:
	case_fini(c);
	return ret;
}

/* A: dma_map_sgtable + walk + dma_unmap_sgtable. */
static int base_cycle(struct bench_case *c)
{
	struct scatterlist *sg;
	int ret, i;

	ret = dma_map_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	for_each_sgtable_dma_sg(&c->sgt, sg, i) {
		c->segs[i].addr = sg_dma_address(sg);
		c->segs[i].len = sg_dma_len(sg);
	}
	c->nsegs_base = c->sgt.nents;
	dma_unmap_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);
	return 0;
}

static int cmd_gen_all(struct bench_case *c)
{
	u32 n, total = 0;
	u64 off = 0;
	int ret;

	while (off < c->len) {
		n = c->cap;
		ret = dmacmd_gen64(c->cmd, &off, c->segs, &n);
		if (ret)
			return ret;
		if (!n)
			return -EPROTO;
		total += n;
	}
	c->nsegs_cmd = total;
	return 0;
}

/* B: dmacmd prepare + generate segments + complete. */
static int cmd_cycle(struct bench_case *c)
{
	int ret, ret2;

	ret = dmacmd_prepare(c->cmd, 0, 0, bench_prep_flags());
	if (ret)
		return ret;
	ret = cmd_gen_all(c);
	ret2 = dmacmd_complete(c->cmd, bench_comp_flags());
	return ret ?: ret2;
}

/* The same two cycles with a clock read between their three steps. */
static int base_cycle_sect(struct bench_case *c)
{
	struct scatterlist *sg;
	u64 t0, t1, t2, t3;
	int ret, i;

	t0 = ktime_get_ns();
	ret = dma_map_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	for_each_sgtable_dma_sg(&c->sgt, sg, i) {
		c->segs[i].addr = sg_dma_address(sg);
		c->segs[i].len = sg_dma_len(sg);
	}
	t2 = ktime_get_ns();
	dma_unmap_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);
	t3 = ktime_get_ns();
	c->sect[0] += t1 - t0;
	c->sect[1] += t2 - t1;
	c->sect[2] += t3 - t2;
	return 0;
}

static int cmd_cycle_sect(struct bench_case *c)
{
	u64 t0, t1, t2, t3;
	int ret, ret2;

	t0 = ktime_get_ns();
	ret = dmacmd_prepare(c->cmd, 0, 0, bench_prep_flags());
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	ret = cmd_gen_all(c);
	t2 = ktime_get_ns();
	ret2 = dmacmd_complete(c->cmd, bench_comp_flags());
	t3 = ktime_get_ns();
	c->sect[0] += t1 - t0;
	c->sect[1] += t2 - t1;
	c->sect[2] += t3 - t2;
	return ret ?: ret2;
}

/* ---- timing ------------------------------------------------------------ */

static int time_run(bench_fn fn, struct bench_case *c, unsigned int k,
		    u64 *ns)
{
	unsigned int i;
	u64 t0;
	int ret;

	t0 = ktime_get_ns();
	for (i = 0; i < k; i++) {
		ret = fn(c);
		if (ret)
			return ret;
	}
	*ns = ktime_get_ns() - t0;
	cond_resched();
	return 0;
}

/* Repetitions per run so that the slower of @a and @b lasts ~run_ms. */
static int calibrate(bench_fn a, bench_fn b, struct bench_case *c,
		     unsigned int *k)
{
	u64 ta, tb, est, target = (u64)run_ms * NSEC_PER_MSEC;
	int ret;

	ret = time_run(a, c, 1, &ta);
	if (!ret)
		ret = time_run(b, c, 1, &tb);
	if (!ret)
		ret = time_run(a, c, 2, &ta);
	if (!ret)
		ret = time_run(b, c, 2, &tb);
	if (ret)
		return ret;
	est = max3(ta / 2, tb / 2, 1ULL);
	*k = clamp_t(u64, div64_u64(target, est), 1, 1U << 20);
	return 0;
}

/* Interleaved runs: AB, BA, AB, ... so that drift hits both alike. */
static int ab_runs(bench_fn a, bench_fn b, struct bench_case *c,
		   unsigned int k, u64 *ta, u64 *tb)
{
	unsigned int r;
	int ret;

	for (r = 0; r < bench_reps; r++) {
		if (r & 1) {
			ret = time_run(b, c, k, &tb[r]);
			if (!ret)
				ret = time_run(a, c, k, &ta[r]);
		} else {
			ret = time_run(a, c, k, &ta[r]);
			if (!ret)
				ret = time_run(b, c, k, &tb[r]);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- allocation counting ----------------------------------------------- */

/*
 * Every entry point of the slab and page allocators (6.12 names, then the
 * older ones); a probe counts calls made by the benchmark thread only, and
 * records the call chain so that an allocation can be blamed on a function.
 */
static const char * const alloc_syms[] = {
	"__kmalloc_noprof", "__kmalloc_node_noprof", "__kmalloc_cache_noprof",
	"__kmalloc_cache_node_noprof", "__kmalloc_node_track_caller_noprof",
	"kmem_cache_alloc_noprof", "kmem_cache_alloc_node_noprof",
	"kmem_cache_alloc_lru_noprof", "kmem_cache_alloc_bulk_noprof",
	"__alloc_pages_noprof", "alloc_pages_bulk_noprof",
	"__kmalloc", "__kmalloc_node", "kmalloc_trace", "kmalloc_node_trace",
	"__kmalloc_node_track_caller", "kmem_cache_alloc",
	"kmem_cache_alloc_node", "kmem_cache_alloc_lru",
	"kmem_cache_alloc_bulk", "__alloc_pages", "__alloc_pages_bulk",
};

struct alloc_site {
	unsigned long ip[BENCH_SITE_DEPTH];
	unsigned int depth;
	unsigned long count;
};

static struct kprobe alloc_kp[ARRAY_SIZE(alloc_syms)];
static bool alloc_kp_on[ARRAY_SIZE(alloc_syms)];
static unsigned int alloc_nprobes;
static struct task_struct *count_task;
static atomic_long_t alloc_count;
static bool record_sites;
static struct alloc_site sites[BENCH_SITES];
static unsigned int nsites;
static unsigned long sites_other;

static void site_record(struct kprobe *p)
{
	unsigned long entries[24], addr = (unsigned long)p->addr;
	unsigned int n, i, first = 0, depth;
	struct alloc_site *s;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	/* Start at the probed function, past the handler's own frames. */
	for (i = 0; i < n; i++) {
		if (entries[i] >= addr && entries[i] - addr < 16) {
			first = i;
			break;
		}
	}
	depth = min_t(unsigned int, n - first, BENCH_SITE_DEPTH);
	for (i = 0; i < nsites; i++) {
		s = &sites[i];
		if (s->depth == depth &&
		    !memcmp(s->ip, &entries[first], depth * sizeof(long))) {
			s->count++;
			return;
		}
	}
	if (nsites == BENCH_SITES) {
		sites_other++;
		return;
	}
	s = &sites[nsites++];
	memcpy(s->ip, &entries[first], depth * sizeof(long));
	s->depth = depth;
	s->count = 1;
}

static int alloc_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (READ_ONCE(count_task) != current)
		return 0;
	atomic_long_inc(&alloc_count);
	if (READ_ONCE(record_sites))
		site_record(p);
	return 0;
}

/* A post handler keeps the probe an int3 probe the unwinder can walk. */
static void alloc_post(struct kprobe *p, struct pt_regs *regs,
		       unsigned long flags)
{
}

/*
 * Copies the DMA layer makes itself (swiotlb), counted in calls and bytes
 * for the benchmark thread, to tell dmacmd's copies from the platform's.
 */
struct bench_call {
	const char *sym;
	struct kprobe kp;
	bool on;
	atomic_long_t calls;
	atomic_long_t bytes;
};

static struct bench_call bench_calls[] = {
	{ .sym = "__swiotlb_sync_single_for_device" },
	{ .sym = "__swiotlb_sync_single_for_cpu" },
};

static int call_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct bench_call *bc = container_of(p, struct bench_call, kp);

	if (READ_ONCE(count_task) != current)
		return 0;
	atomic_long_inc(&bc->calls);
	/* (dev, tlb_addr, size, dir): the third argument is the size. */
	atomic_long_add(regs_get_kernel_argument(regs, 2), &bc->bytes);
	return 0;
}

static void calls_arm(bool on)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_calls); i++) {
		if (!bench_calls[i].on)
			continue;
		atomic_long_set(&bench_calls[i].calls, 0);
		atomic_long_set(&bench_calls[i].bytes, 0);
		if (on)
			enable_kprobe(&bench_calls[i].kp);
		else
			disable_kprobe(&bench_calls[i].kp);
	}
}

static void probes_register(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_calls); i++) {
		struct bench_call *bc = &bench_calls[i];

		memset(&bc->kp, 0, sizeof(bc->kp));
		bc->kp.symbol_name = bc->sym;
		bc->kp.pre_handler = call_pre;
		bc->kp.flags = KPROBE_FLAG_DISABLED;
		bc->on = !register_kprobe(&bc->kp);
	}

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++) {
		alloc_kp[i].symbol_name = alloc_syms[i];
		alloc_kp[i].pre_handler = alloc_pre;
		alloc_kp[i].post_handler = alloc_post;
		alloc_kp[i].flags = KPROBE_FLAG_DISABLED;
		if (!register_kprobe(&alloc_kp[i])) {
			alloc_kp_on[i] = true;
			alloc_nprobes++;
		}
	}
}

static void probes_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_calls); i++) {
		if (bench_calls[i].on)
			unregister_kprobe(&bench_calls[i].kp);
		bench_calls[i].on = false;
	}

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++) {
		if (alloc_kp_on[i])
			unregister_kprobe(&alloc_kp[i]);
		alloc_kp_on[i] = false;
		memset(&alloc_kp[i], 0, sizeof(alloc_kp[i]));
	}
	alloc_nprobes = 0;
}

static void probes_arm(bool on)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++) {
		if (!alloc_kp_on[i])
			continue;
		if (on)
			enable_kprobe(&alloc_kp[i]);
		else
			disable_kprobe(&alloc_kp[i]);
	}
}

static void count_begin(bool sites_too)
{
	atomic_long_set(&alloc_count, 0);
	nsites = 0;
	sites_other = 0;
	WRITE_ONCE(record_sites, sites_too);
	WRITE_ONCE(count_task, current);
}

static long count_end(void)
{
	WRITE_ONCE(count_task, NULL);
	WRITE_ONCE(record_sites, false);
	return atomic_long_read(&alloc_count);
}

static void site_head(const char *what, struct bench_case *c,
		      unsigned long count)
{
	jstr("t", "allocsite");
	jstr("what", what);
	jstr("layout", c->layout);
	jnum("size", c->len);
	jnum("count", count);
}

static void sites_print(const char *what, struct bench_case *c)
{
	unsigned int i, d;

	for (i = 0; i < nsites; i++) {
		site_head(what, c, sites[i].count);
		jadd(&jl, ",\"stack\":\"");
		for (d = 0; d < sites[i].depth; d++)
			jadd(&jl, "%s%pS", d ? " < " : "",
			     (void *)sites[i].ip[d]);
		jadd(&jl, "\"");
		jprint(&jl);
	}
	if (sites_other) {
		site_head(what, c, sites_other);
		jstr("stack", "(other sites)");
		jprint(&jl);
	}
}

/* Allocations of the first dmacmd cycle, then per cycle of each side. */
static void alloc_test(struct bench_case *c)
{
	long first, base, cmd;
	unsigned int i;
	int ret = 0;

	if (!alloc_nprobes)
		return;
	probes_arm(true);
	count_begin(false);
	ret = cmd_cycle(c);		/* the first prepare of this shape */
	first = count_end();
	for (i = 0; !ret && i < 2; i++)
		ret = base_cycle(c);	/* warm the baseline too */
	count_begin(false);
	for (i = 0; !ret && i < BENCH_ALLOC_CYCLES; i++)
		ret = base_cycle(c);
	base = count_end();
	count_begin(true);
	for (i = 0; !ret && i < BENCH_ALLOC_CYCLES; i++)
		ret = cmd_cycle(c);
	cmd = count_end();
	probes_arm(false);
	if (ret) {
		bench_error("alloc", c->layout, c->len, ret);
		return;
	}
	jstr("t", "alloc");
	jstr("layout", c->layout);
	jnum("size", c->len);
	jnum("cycles", BENCH_ALLOC_CYCLES);
	jint("first", first);
	jint("base", base);
	jint("cmd", cmd);
	if (!dmacmd_prepare(c->cmd, 0, 0, bench_prep_flags())) {
		jnum("bounced", dmacmd_bounced_bytes(c->cmd));
		dmacmd_complete(c->cmd, bench_comp_flags());
	}
	jprint(&jl);
	if (cmd > base)
		sites_print("cmd", c);
}

/*
 * The same count for a command that bounces: a 32-bit spec over memory
 * above 4 GiB (the direct boot's buffers) takes dmacmd's bounce pages.
 */
static void alloc_bounce_case(struct bench_mem *m, unsigned int npages)
{
	struct dmacmd_spec spec;
	struct bench_case c;

	if (npages > m->npages)
		return;
	bench_progress("alloc 32-bit spec %zu KiB", npages * PAGE_SIZE / SZ_1K);
	spec_default(&spec);
	spec.address_bits = 32;
	if (case_init(&c, "contig, 32-bit spec", m->pages, npages, &spec))
		return;
	alloc_test(&c);
	case_fini(&c);
}

/* ---- cycle cost --------------------------------------------------------- */

static void sect_test(struct bench_case *c, unsigned int k)
{
	u64 s[6][BENCH_MAX_REPS];
	static const char * const names[] = {
		"map", "walk", "unmap", "prep", "gen", "comp"
	};
	unsigned int r, i;
	u64 ns;
	int ret;

	k = max(k / 2, 1U);
	for (r = 0; r < bench_reps; r++) {
		memset(c->sect, 0, sizeof(c->sect));
		ret = time_run(base_cycle_sect, c, k, &ns);
		for (i = 0; i < 3; i++)
			s[i][r] = c->sect[i];
		memset(c->sect, 0, sizeof(c->sect));
		if (!ret)
			ret = time_run(cmd_cycle_sect, c, k, &ns);
		for (i = 0; i < 3; i++)
			s[3 + i][r] = c->sect[i];
		if (ret) {
			bench_error("sections", c->layout, c->len, ret);
			return;
		}
	}
	jstr("t", "sect");
	jstr("layout", c->layout);
	jnum("size", c->len);
	jnum("k", k);
	for (i = 0; i < 6; i++)
		jarr(&jl, names[i], s[i], bench_reps);
	jprint(&jl);
}

/*
 * Fixed costs, one operation at a time (no clock read inside the loop):
 * what each entry point adds to the DMA API calls it makes.
 */
static int call_empty(struct bench_case *c)
{
	return dmacmd_is_prepared(c->cmd) ? 0 : -EPROTO;
}

/* On a prepared command only the nesting count moves: checks alone. */
static int call_prep(struct bench_case *c)
{
	int ret = dmacmd_prepare(c->cmd, 0, 0, bench_prep_flags());

	return ret ?: dmacmd_complete(c->cmd, bench_comp_flags());
}

static int call_gen(struct bench_case *c)
{
	return cmd_gen_all(c);
}

static int call_map(struct bench_case *c)
{
	int ret = dma_map_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);

	if (!ret)
		dma_unmap_sgtable(bench_dev, &c->sgt, DMA_BIDIRECTIONAL, 0);
	return ret;
}

static void calls_test(struct bench_case *c, unsigned int k)
{
	static const struct {
		const char *name;
		bench_fn fn;
		bool prepared;
	} ops[] = {
		{ "empty", call_empty, true },
		{ "nested", call_prep, true },
		{ "gen", call_gen, true },
		{ "map_unmap", call_map, false },
		{ "prep_comp", call_prep, false },
	};
	u64 s[ARRAY_SIZE(ops)][BENCH_MAX_REPS];
	unsigned int r, i;
	int ret = 0;

	k *= 4;
	for (r = 0; r < bench_reps && !ret; r++) {
		for (i = 0; i < ARRAY_SIZE(ops) && !ret; i++) {
			if (ops[i].prepared)
				ret = dmacmd_prepare(c->cmd, 0, 0,
						     bench_prep_flags());
			if (!ret)
				ret = time_run(ops[i].fn, c, k, &s[i][r]);
			if (ops[i].prepared)
				dmacmd_complete(c->cmd, bench_comp_flags());
		}
	}
	if (ret) {
		bench_error("calls", c->layout, c->len, ret);
		return;
	}
	jstr("t", "calls");
	jstr("layout", c->layout);
	jnum("size", c->len);
	jnum("k", k);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		jarr(&jl, ops[i].name, s[i], bench_reps);
	jprint(&jl);
}

static void cycle_case(const char *layout, struct bench_mem *m,
		       unsigned int npages)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int k;
	int ret;

	if (npages > m->npages)
		return;
	bench_progress("cycle %s %zu KiB", layout, npages * PAGE_SIZE / SZ_1K);
	spec_default(&spec);
	if (case_init(&c, layout, m->pages, npages, &spec))
		return;
	if (tests & BENCH_T_ALLOC)
		alloc_test(&c);
	if (!(tests & (BENCH_T_CYCLE | BENCH_T_SECT | BENCH_T_CALLS)))
		goto out;
	ret = calibrate(base_cycle, cmd_cycle, &c, &k);
	if (ret) {
		bench_error(base_cycle(&c) ? "dma_map_sgtable" : "dmacmd cycle",
			    layout, c.len, ret);
		goto out;
	}
	if (tests & BENCH_T_CYCLE) {
		ret = ab_runs(base_cycle, cmd_cycle, &c, k, ta, tb);
		if (ret) {
			bench_error("cycle", layout, c.len, ret);
			goto out;
		}
		jstr("t", "cycle");
		jstr("layout", layout);
		jnum("size", c.len);
		jbool("contiguous", m->contiguous);
		jnum("k", k);
		jnum("nseg_base", c.nsegs_base);
		jnum("nseg_cmd", c.nsegs_cmd);
		jarr(&jl, "base", ta, bench_reps);
		jarr(&jl, "cmd", tb, bench_reps);
		jprint(&jl);
	}
	if (tests & BENCH_T_SECT)
		sect_test(&c, k);
	if ((tests & BENCH_T_CALLS) && npages == 1)
		calls_test(&c, k);
out:
	case_fini(&c);
}

/* ---- scaling and resume ------------------------------------------------- */

static void scale_test(struct bench_mem *frag)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int n, k;
	int ret;

	spec_default(&spec);
	for (n = 1; n <= scale_max && n <= frag->npages; n *= 4) {
		bench_progress("scale %u pages", n);
		if (case_init(&c, "frag", frag->pages, n, &spec))
			return;
		ret = calibrate(base_cycle, cmd_cycle, &c, &k);
		if (!ret)
			ret = ab_runs(base_cycle, cmd_cycle, &c, k, ta, tb);
		if (ret) {
			bench_error("scale", "frag", c.len, ret);
			case_fini(&c);
			return;
		}
		jstr("t", "scale");
		jnum("pages", n);
		jnum("k", k);
		jnum("nseg_base", c.nsegs_base);
		jnum("nseg_cmd", c.nsegs_cmd);
		jarr(&jl, "base", ta, bench_reps);
		jarr(&jl, "cmd", tb, bench_reps);
		jprint(&jl);
		case_fini(&c);
	}
}

static int gen_one_by_one(struct bench_case *c)
{
	u64 off = 0;
	u32 n;
	int ret;

	while (off < c->len) {
		n = 1;
		ret = dmacmd_gen64(c->cmd, &off, c->segs, &n);
		if (ret)
			return ret;
		if (n != 1)
			return -EPROTO;
	}
	return 0;
}

/* Segments one call at a time against one call for all of them. */
static void resume_test(struct bench_mem *frag)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int n, k;
	int ret;

	spec_default(&spec);
	spec.max_segment_size = PAGE_SIZE;	/* one segment per page */
	for (n = 16; n <= resume_max && n <= frag->npages; n *= 4) {
		bench_progress("resume %u segments", n);
		if (case_init(&c, "frag", frag->pages, n, &spec))
			return;
		ret = dmacmd_prepare(c.cmd, 0, 0, bench_prep_flags());
		if (ret) {
			bench_error("resume prepare", "frag", c.len, ret);
			case_fini(&c);
			return;
		}
		ret = cmd_gen_all(&c);
		if (!ret && c.nsegs_cmd != n)
			ret = -EPROTO;
		if (!ret)
			ret = calibrate(cmd_gen_all, gen_one_by_one, &c, &k);
		if (!ret)
			ret = ab_runs(cmd_gen_all, gen_one_by_one, &c, k, ta, tb);
		dmacmd_complete(c.cmd, bench_comp_flags());
		if (ret) {
			bench_error("resume", "frag", c.len, ret);
			case_fini(&c);
			return;
		}
		jstr("t", "resume");
		jnum("n", n);
		jnum("k", k);
		jarr(&jl, "all", ta, bench_reps);
		jarr(&jl, "one", tb, bench_reps);
		jprint(&jl);
		case_fini(&c);
	}
}

/* ---- bounce throughput -------------------------------------------------- */

static int memcpy_out(struct bench_case *c)
{
	memcpy(c->cpu_dst, c->cpu_src, c->len);
	return 0;
}

static int memcpy_in(struct bench_case *c)
{
	memcpy(c->cpu_src, c->cpu_dst, c->len);
	return 0;
}

static int cmd_sync_out(struct bench_case *c)
{
	return dmacmd_synchronize(c->cmd, DMACMD_SYNC_OUT);
}

static int cmd_sync_in(struct bench_case *c)
{
	return dmacmd_synchronize(c->cmd, DMACMD_SYNC_IN);
}

static void bounce_case(struct bench_mem *contig, unsigned int npages,
			void *dst)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int k, dir;
	u64 bounced;
	int ret;

	if (npages > contig->npages)
		return;
	bench_progress("bounce %zu KiB", npages * PAGE_SIZE / SZ_1K);
	spec_default(&spec);
	if (case_init(&c, "contig", contig->pages, npages, &spec))
		return;
	c.cpu_src = contig->vaddr;
	c.cpu_dst = dst;
	ret = dmacmd_prepare(c.cmd, 0, 0, bench_prep_flags());
	if (ret) {
		bench_error("bounce prepare", "contig", c.len, ret);
		goto out;
	}
	ret = dmacmd_synchronize(c.cmd, DMACMD_FORCE_DOUBLE_BUFFER);
	bounced = dmacmd_bounced_bytes(c.cmd);
	if (ret || bounced < c.len) {
		bench_error("force double buffer", "contig", c.len,
			    ret ?: -EPROTO);
		goto complete;
	}
	for (dir = 0; dir < 2; dir++) {
		bench_fn a = dir ? memcpy_in : memcpy_out;
		bench_fn b = dir ? cmd_sync_in : cmd_sync_out;
		unsigned int i;

		ret = calibrate(a, b, &c, &k);
		if (!ret)
			ret = ab_runs(a, b, &c, k, ta, tb);
		if (ret) {
			bench_error("bounce", "contig", c.len, ret);
			break;
		}
		/* The platform's own copies in one synchronize. */
		calls_arm(true);
		count_begin(false);
		for (i = 0; i < 4; i++)
			b(&c);
		count_end();
		jstr("t", "bounce");
		for (i = 0; i < ARRAY_SIZE(bench_calls); i++) {
			jnum(i ? "swiotlb_cpu_bytes" : "swiotlb_dev_bytes",
			     atomic_long_read(&bench_calls[i].bytes) / 4);
			jnum(i ? "swiotlb_cpu_calls" : "swiotlb_dev_calls",
			     atomic_long_read(&bench_calls[i].calls) / 4);
		}
		calls_arm(false);
		jstr("dir", dir ? "in" : "out");
		jnum("size", c.len);
		jnum("bounced", bounced);
		jnum("k", k);
		jarr(&jl, "memcpy", ta, bench_reps);
		jarr(&jl, "cmd", tb, bench_reps);
		jprint(&jl);
	}
complete:
	dmacmd_complete(c.cmd, bench_comp_flags());
out:
	case_fini(&c);
}

static void bounce_test(struct bench_mem *contig)
{
	unsigned int n;
	void *dst;

	dst = vmalloc(contig->npages * PAGE_SIZE);
	if (!dst) {
		bench_error("bounce vmalloc", "contig", 0, -ENOMEM);
		return;
	}
	for (n = SZ_64K / PAGE_SIZE; n <= contig->npages; n *= 16)
		bounce_case(contig, n, dst);
	vfree(dst);
}

/* ---- parallel scaling --------------------------------------------------- */

struct par_worker {
	struct bench_case c;
	struct dmacmd_seg64 segs[BENCH_PAR_PAGES];
	bench_fn fn;
	struct completion *start;
	struct completion done;
	struct task_struct *task;
	u64 ops;
	u64 ns;
	int err;
};

static int par_thread(void *data)
{
	struct par_worker *w = data;
	u64 t0, now, end;
	int ret = 0;

	wait_for_completion(w->start);
	t0 = ktime_get_ns();
	now = t0;
	end = t0 + (u64)par_ms * NSEC_PER_MSEC;
	w->ops = 0;
	do {
		ret = w->fn(&w->c);
		if (ret)
			break;
		w->ops++;
		cond_resched();
		now = ktime_get_ns();
	} while (now < end);
	w->ns = ktime_get_ns() - t0;
	w->err = ret;
	complete(&w->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * What the platform allows: private arithmetic on a private buffer, no
 * memory shared between the CPUs.  Its scaling is the ceiling of any other.
 */
static int cpu_work(struct bench_case *c)
{
	u64 *v = (u64 *)c->segs;
	unsigned int i, j, n = c->cap * 2;

	for (j = 0; j < 64; j++)
		for (i = 1; i < n; i++)
			v[i] = v[i] * 6364136223846793005ULL + v[i - 1] + j;
	return 0;
}

/* Operations per second of @nr workers on CPUs 0..nr-1, summed. */
static int par_run(struct par_worker *w, unsigned int nr, bench_fn fn,
		   u64 *rate)
{
	DECLARE_COMPLETION_ONSTACK(start);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		w[i].fn = fn;
		w[i].start = &start;
		init_completion(&w[i].done);
		w[i].task = kthread_create_on_cpu(par_thread, &w[i], i,
						  "dmacmd_bench_w/%u");
		if (IS_ERR(w[i].task)) {
			ret = PTR_ERR(w[i].task);
			nr = i;
			break;
		}
		wake_up_process(w[i].task);
	}
	complete_all(&start);
	*rate = 0;
	for (i = 0; i < nr; i++) {
		wait_for_completion(&w[i].done);
		kthread_stop(w[i].task);
		if (w[i].err)
			ret = w[i].err;
		else if (w[i].ns)
			*rate += div64_u64(w[i].ops * NSEC_PER_SEC, w[i].ns);
	}
	return ret;
}

static void par_test(struct bench_mem *frag)
{
	u64 rate[6][BENCH_MAX_REPS];
	static const char * const names[] = {
		"cpu1", "cpu2", "base1", "base2", "cmd1", "cmd2"
	};
	static const bench_fn fns[] = { cpu_work, base_cycle, cmd_cycle };
	struct par_worker *w;
	struct dmacmd_spec spec;
	unsigned int i, r;
	int ret = 0;

	if (num_online_cpus() < 2 || !cpu_online(1) ||
	    frag->npages < 2 * BENCH_PAR_PAGES)
		return;
	bench_progress("parallel");
	w = kcalloc(2, sizeof(*w), GFP_KERNEL);
	if (!w)
		return;
	spec_default(&spec);
	for (i = 0; i < 2 && !ret; i++) {
		ret = case_init(&w[i].c, "frag",
				frag->pages + i * BENCH_PAR_PAGES,
				BENCH_PAR_PAGES, &spec);
		w[i].c.segs = w[i].segs;
		w[i].c.cap = ARRAY_SIZE(w[i].segs);
	}
	if (ret)
		goto out;
	for (r = 0; r < bench_reps && !ret; r++) {
		for (i = 0; i < 6 && !ret; i++)
			ret = par_run(w, 1 + (i & 1), fns[i / 2], &rate[i][r]);
	}
	if (ret) {
		bench_error("parallel", "frag", BENCH_PAR_PAGES * PAGE_SIZE,
			    ret);
		goto out;
	}
	jstr("t", "par");
	jstr("layout", "frag");
	jnum("size", BENCH_PAR_PAGES * PAGE_SIZE);
	jnum("ms", par_ms);
	for (i = 0; i < 6; i++)
		jarr(&jl, names[i], rate[i], bench_reps);
	jprint(&jl);
out:
	for (i = 0; i < 2; i++)
		case_fini(&w[i].c);
	kfree(w);
}

/* ---- the device --------------------------------------------------------- */

static const char *domain_kind(struct device *dev)
{
	struct iommu_domain *dom;

	if (!device_iommu_mapped(dev))
		return "none";
	dom = iommu_get_domain_for_dev(dev);
	if (!dom)
		return "none";
	switch (dom->type) {
	case IOMMU_DOMAIN_DMA:
		return "dma";
	case IOMMU_DOMAIN_DMA_FQ:
		return "dma-fq";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	default:
		return "other";
	}
}

static int device_setup(void)
{
	bool want_edu = !strcmp(device, "edu");
	int ret;

	bench_edu = pci_get_device(0x1234, 0x11e8, NULL);
	if (bench_edu && !strcmp(device, "auto") &&
	    device_iommu_mapped(&bench_edu->dev))
		want_edu = true;
	if (want_edu) {
		if (!bench_edu) {
			pr_err("no edu device (1234:11e8)\n");
			return -ENODEV;
		}
		/* Never bound to a driver: borrow it, restore it after. */
		bench_dev = &bench_edu->dev;
		bench_dev_name = "edu";
		edu_saved_mask = *bench_dev->dma_mask;
		edu_saved_coherent = bench_dev->coherent_dma_mask;
		edu_saved_seg = dma_get_max_seg_size(bench_dev);
	} else {
		bench_pdev = platform_device_register_simple("dmacmd_bench",
							     PLATFORM_DEVID_NONE,
							     NULL, 0);
		if (IS_ERR(bench_pdev)) {
			ret = PTR_ERR(bench_pdev);
			bench_pdev = NULL;
			return ret;
		}
		bench_dev = &bench_pdev->dev;
		bench_dev_name = "platform";
		if (!bench_dev->dma_mask)
			bench_dev->dma_mask = &bench_pdev->platform_dma_mask;
	}
	ret = dma_set_mask_and_coherent(bench_dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	dma_set_max_seg_size(bench_dev, UINT_MAX);
	bench_max_seg = ALIGN_DOWN(min_t(size_t, dma_max_mapping_size(bench_dev),
					 dma_get_max_seg_size(bench_dev)),
				   PAGE_SIZE);
	return 0;
}

static void device_teardown(void)
{
	if (bench_edu) {
		if (bench_dev == &bench_edu->dev) {
			dma_set_mask(bench_dev, edu_saved_mask);
			dma_set_coherent_mask(bench_dev, edu_saved_coherent);
			dma_set_max_seg_size(bench_dev, edu_saved_seg);
		}
		pci_dev_put(bench_edu);
	}
	if (bench_pdev)
		platform_device_unregister(bench_pdev);
	bench_edu = NULL;
	bench_pdev = NULL;
	bench_dev = NULL;
}

/* ---- the run ------------------------------------------------------------ */

static int bench_run(void)
{
	struct bench_mem contig = {}, frag = {};
	u64 t0 = ktime_get_ns();
	unsigned int nfrag, n;
	int ret;

	bench_reps = clamp(reps, 5U, (unsigned int)BENCH_MAX_REPS);
	ret = device_setup();
	if (ret) {
		bench_error("device", "-", 0, ret);
		goto out_dev;
	}
	nfrag = max3(scale_max, resume_max, (unsigned int)BENCH_FRAG_MIN);
	bench_segs_cap = nfrag;
	bench_segs = kvcalloc(bench_segs_cap, sizeof(*bench_segs), GFP_KERNEL);
	ret = bench_segs ? mem_alloc_contig(&contig, BENCH_CONTIG_PAGES) :
			   -ENOMEM;
	if (!ret)
		ret = mem_alloc_frag(&frag, nfrag);
	if (ret) {
		bench_error("memory", "-", 0, ret);
		goto out_mem;
	}
	probes_register();

	jstr("t", "env");
	jstr("dev", bench_dev_name);
	jstr("iommu", domain_kind(bench_dev));
	jbool("swiotlb_force", is_swiotlb_force_bounce(bench_dev));
	jnum("max_map", dma_max_mapping_size(bench_dev));
	jnum("max_seg", bench_max_seg);
	jnum("cpus", num_online_cpus());
	jnum("reps", bench_reps);
	jnum("run_ms", run_ms);
	jbool("flush", flush);
	jbool("sync", sync);
	jnum("probes", alloc_nprobes);
	jbool("contiguous", contig.contiguous);
	jnum("frag_pages", nfrag);
	jprint(&jl);

	if (tests & (BENCH_T_CYCLE | BENCH_T_ALLOC | BENCH_T_SECT |
		     BENCH_T_CALLS)) {
		for (n = 1; n <= BENCH_CONTIG_PAGES; n *= 16)
			cycle_case("contig", &contig, n);
		for (n = 1; n <= BENCH_CONTIG_PAGES; n *= 16)
			cycle_case("frag", &frag, n);
	}
	if (tests & BENCH_T_ALLOC)
		alloc_bounce_case(&contig, SZ_1M / PAGE_SIZE);
	if (tests & BENCH_T_SCALE)
		scale_test(&frag);
	if (tests & BENCH_T_RESUME)
		resume_test(&frag);
	if (tests & BENCH_T_BOUNCE)
		bounce_test(&contig);
	if (tests & BENCH_T_PAR)
		par_test(&frag);

	probes_unregister();
out_mem:
	mem_free(&frag);
	mem_free(&contig);
	kvfree(bench_segs);
	bench_segs = NULL;
out_dev:
	device_teardown();
	jstr("t", "done");
	jnum("ms", div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	jint("err", ret);
	jprint(&jl);
	return ret;
}

static DEFINE_MUTEX(bench_lock);
static DECLARE_COMPLETION(bench_done);
static int bench_result;
static struct dentry *bench_dir;

static int bench_thread(void *data)
{
	bench_result = bench_run();
	kthread_complete_and_exit(&bench_done, 0);
}

static ssize_t run_write(struct file *file, const char __user *buf,
			 size_t len, loff_t *ppos)
{
	struct task_struct *t;
	int ret;

	if (!mutex_trylock(&bench_lock))
		return -EBUSY;
	reinit_completion(&bench_done);
	/* CPU 0 runs the benchmark; the parallel test adds CPU 1. */
	t = kthread_create_on_cpu(bench_thread, NULL, 0, "dmacmd_bench/%u");
	if (IS_ERR(t)) {
		mutex_unlock(&bench_lock);
		return PTR_ERR(t);
	}
	wake_up_process(t);
	wait_for_completion(&bench_done);
	ret = bench_result;
	mutex_unlock(&bench_lock);
	return ret ? ret : len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static int __init dmacmd_bench_init(void)
{
	bench_dir = debugfs_create_dir("dmacmd_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	return 0;
}

static void __exit dmacmd_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(dmacmd_bench_init);
module_exit(dmacmd_bench_exit);

MODULE_DESCRIPTION("dmacmd benchmark: dmacmd against the hand-written DMA API");
MODULE_AUTHOR("The dmacmd developers");
MODULE_LICENSE("GPL");
DMACMD_IMPORT_NS();
