// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd_bench: what dmacmd costs next to the DMA API code it replaces, in
 * the spirit of kernel/dma/map_benchmark.c.
 *
 * Load the module, optionally set its parameters under
 * /sys/module/dmacmd_bench/parameters/, then write anything to
 * /sys/kernel/debug/dmacmd_bench/run.  The write returns when the run is
 * over.  The run happens in a kthread bound to CPU "cpu" (a parameter, 0 by
 * default) and prints one JSON object per line ("dmacmd_bench: {...}") on
 * the console; bench/report.py reads those lines from the console logs of
 * the three boots of "make bench" and computes medians, spreads and
 * ratios.
 *
 * Every comparison is side by side in one boot: the hand-written sequence
 * (A) and dmacmd (B) run on the same memory for the same device, A and B
 * alternate run by run, and each run repeats the operation k times, k being
 * chosen so that one run lasts about run_ms milliseconds.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dmacmd.h>
#include <linux/iommu.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>
#include <linux/swiotlb.h>
#include <linux/timex.h>
#include <linux/vmalloc.h>

#define BENCH_MAX_REPS		21
#define BENCH_CONTIG_PAGES	(SZ_16M / PAGE_SIZE)
#define BENCH_FRAG_MIN		BENCH_CONTIG_PAGES	/* the cycle tests' */
#define BENCH_PAR_PAGES		16	/* per parallel worker (64 KiB on x86) */
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
#define BENCH_T_DBUF		0x100
#define BENCH_T_IO		0x200
#define BENCH_T_LAT		0x400
#define BENCH_T_MEM		0x800
#define BENCH_T_ALL		0xfff

#define BENCH_LAT_N		1024	/* samples per latency figure */

static unsigned int reps = 11;
module_param(reps, uint, 0644);
MODULE_PARM_DESC(reps, "timed runs per figure (5..21, default 11)");

static unsigned int run_ms = 40;
module_param(run_ms, uint, 0644);
MODULE_PARM_DESC(run_ms, "target length of one timed run in ms (default 40)");

/*
 * The scaling and resume tests' largest counts cover the same bytes with
 * any page size (the fragmented pages take twice that): 65536 and 16384
 * pages of 4 KiB, 4096 and 1024 of arm64's 64 KiB.
 */
static unsigned int scale_max = SZ_256M / PAGE_SIZE;
module_param(scale_max, uint, 0644);
MODULE_PARM_DESC(scale_max, "largest page count of the scaling test (default 256 MiB of pages)");

static unsigned int resume_max = SZ_64M / PAGE_SIZE;
module_param(resume_max, uint, 0644);
MODULE_PARM_DESC(resume_max, "largest segment count of the resume test (default 64 MiB of pages)");

static unsigned int par_ms = 300;
module_param(par_ms, uint, 0644);
MODULE_PARM_DESC(par_ms, "length of one parallel run in ms (default 300)");

static unsigned int tests = BENCH_T_ALL;
module_param(tests, uint, 0644);
MODULE_PARM_DESC(tests, "bitmask: 1 cycle, 2 alloc, 4 sections, 8 scale, 16 resume, 32 bounce, 64 parallel, 128 calls, 256 double buffering vs swiotlb, 512 descriptor per I/O, 1024 latency, 2048 memory");

static char *device = "auto";
module_param(device, charp, 0644);
MODULE_PARM_DESC(device, "auto (edu when behind an IOMMU or when a platform device's DMA is not coherent, else platform), platform or edu");

static bool flush = true;
module_param(flush, bool, 0644);
MODULE_PARM_DESC(flush, "flush_cache/invalidate_cache of prepare/complete (IOKit default true)");

static bool sync = true;
module_param(sync, bool, 0644);
MODULE_PARM_DESC(sync, "synchronize argument of prepare/complete (IOKit default true)");

static bool icount;
module_param(icount, bool, 0644);
MODULE_PARM_DESC(icount, "the guest clock counts instructions (QEMU -icount): time each operation on its own");

static unsigned int cpu;
module_param(cpu, uint, 0644);
MODULE_PARM_DESC(cpu, "CPU the run is bound to (make bench's icount boots: 1, a nohz_full CPU without timer ticks)");

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
static struct mm_struct *bench_mm;	/* the writer's, for user memory */
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
	struct device *dev;
	enum dma_data_direction dir;
	bool page_base;		/* baseline: dma_map_page() per chunk */
	size_t chunk;		/* largest mapping of the baseline */
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
	struct page **cpu_dst;
	void *kva;		/* descriptor per I/O: kernel VA ... */
	unsigned long uaddr;	/* ... or user VA, else the pages */
	struct page **upages;	/* pinned user pages of the baseline */
	u64 sect[3];		/* section times of the last timed cycle */
};

/* The A/B result of one case: loop count, segments, each side's runs. */
static void jab(const struct bench_case *c, unsigned int k, const u64 *ta,
		const u64 *tb)
{
	jnum("k", k);
	jnum("nseg_base", c->nsegs_base);
	jnum("nseg_cmd", c->nsegs_cmd);
	jarr(&jl, "base", ta, bench_reps);
	jarr(&jl, "cmd", tb, bench_reps);
}

typedef int (*bench_fn)(struct bench_case *c);

static struct dmacmd_seg64 *bench_segs;
static u32 bench_segs_cap;

static void case_fini(struct bench_case *c)
{
	if (c->cmd) {
		if (dmacmd_memory(c->cmd))
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

static int case_init_on(struct bench_case *c, struct device *dev,
			enum dma_data_direction dir, size_t chunk,
			const char *layout, struct page **pages,
			unsigned int npages, const struct dmacmd_spec *spec)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->layout = layout;
	c->dev = dev;
	c->dir = dir;
	c->chunk = chunk;
	c->pages = pages;
	c->npages = npages;
	c->len = (size_t)npages * PAGE_SIZE;
	c->segs = bench_segs;
	c->cap = bench_segs_cap;
	/* What a careful driver builds: segments the DMA layer can map. */
	ret = sg_alloc_table_from_pages_segment(&c->sgt, pages, npages, 0,
						c->len, chunk, GFP_KERNEL);
	if (ret) {
		bench_error("sg_alloc_table", layout, c->len, ret);
		return ret;
	}
	c->have_sgt = true;
	c->md = dmacmd_md_from_pages(pages, npages, 0, c->len, dir);
	if (IS_ERR(c->md)) {
		ret = PTR_ERR(c->md);
		c->md = NULL;
		bench_error("dmacmd_md_from_pages", layout, c->len, ret);
		goto fail;
	}
	c->cmd = dmacmd_create(dev, spec, NULL);
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

static int case_init(struct bench_case *c, const char *layout,
		     struct page **pages, unsigned int npages,
		     const struct dmacmd_spec *spec)
{
	return case_init_on(c, bench_dev, DMA_BIDIRECTIONAL, bench_max_seg,
			    layout, pages, npages, spec);
}

/*
 * A, the hand-written DMA API.  Physically contiguous memory (page_base):
 * dma_map_page() of the whole buffer, or of chunks of the largest mapping
 * the DMA layer takes, as kernel/dma/map_benchmark.c does; the segment
 * array is written as the pages are mapped.  Anything else: the kept
 * sg_table through dma_map_sgtable(), then a walk that writes the array.
 */
static void base_unmap(struct bench_case *c)
{
	u32 i;

	if (!c->page_base) {
		dma_unmap_sgtable(c->dev, &c->sgt, c->dir, 0);
		return;
	}
	for (i = 0; i < c->nsegs_base; i++)
		dma_unmap_page(c->dev, c->segs[i].addr, c->segs[i].len, c->dir);
}

static int base_map(struct bench_case *c)
{
	dma_addr_t addr;
	size_t off, n;
	u32 i = 0;

	if (!c->page_base)
		return dma_map_sgtable(c->dev, &c->sgt, c->dir, 0);
	for (off = 0; off < c->len; off += n, i++) {
		n = min(c->len - off, c->chunk);
		addr = dma_map_page(c->dev, c->pages[off >> PAGE_SHIFT], 0, n,
				    c->dir);
		if (dma_mapping_error(c->dev, addr)) {
			c->nsegs_base = i;
			base_unmap(c);
			return -ENOMEM;
		}
		c->segs[i].addr = addr;
		c->segs[i].len = n;
	}
	c->nsegs_base = i;
	return 0;
}

static void base_walk(struct bench_case *c)
{
	struct scatterlist *sg;
	int i;

	if (c->page_base)
		return;
	for_each_sgtable_dma_sg(&c->sgt, sg, i) {
		c->segs[i].addr = sg_dma_address(sg);
		c->segs[i].len = sg_dma_len(sg);
	}
	c->nsegs_base = c->sgt.nents;
}

static int base_cycle(struct bench_case *c)
{
	int ret;

	ret = base_map(c);
	if (ret)
		return ret;
	base_walk(c);
	base_unmap(c);
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

/*
 * The clock of the timed operations.  Under icount the CPU's own counter
 * (x86's TSC; arm64's virtual counter, at 1 GHz in make bench's boots)
 * advances one tick per guest instruction, as QEMU derives it from the
 * instruction count.  ktime_get_ns() counts the same through the
 * clocksource's calibrated multiplier, and the kernel's refinement of the
 * TSC calibration lands on 999.999 or 1000.000 MHz from boot to boot: a
 * part per million on every large figure.  Wall-clock boots keep ktime.
 */
static inline u64 bench_now(void)
{
	return icount ? (u64)get_cycles() : ktime_get_ns();
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
	u64 t0, t1, t2, t3;
	int ret;

	t0 = bench_now();
	ret = base_map(c);
	if (ret)
		return ret;
	t1 = bench_now();
	base_walk(c);
	t2 = bench_now();
	base_unmap(c);
	t3 = bench_now();
	c->sect[0] += t1 - t0;
	c->sect[1] += t2 - t1;
	c->sect[2] += t3 - t2;
	return 0;
}

static int cmd_cycle_sect(struct bench_case *c)
{
	u64 t0, t1, t2, t3;
	int ret, ret2;

	t0 = bench_now();
	ret = dmacmd_prepare(c->cmd, 0, 0, bench_prep_flags());
	if (ret)
		return ret;
	t1 = bench_now();
	ret = cmd_gen_all(c);
	t2 = bench_now();
	ret2 = dmacmd_complete(c->cmd, bench_comp_flags());
	t3 = bench_now();
	c->sect[0] += t1 - t0;
	c->sect[1] += t2 - t1;
	c->sect[2] += t3 - t2;
	return ret ?: ret2;
}

/* ---- interrupts ---------------------------------------------------------- */

/*
 * Interrupts taken on each CPU, counted at irq_enter_rcu() (every hardirq,
 * x86 system vectors and arm64 alike): an icount sample in which this CPU
 * took one is left out.  What an interrupt costs depends on the state of
 * the whole guest (timers, RCU, other CPUs' requests), which is not the
 * same in every boot, so a sample that holds one is not reproducible.
 */
static DEFINE_PER_CPU(unsigned long, bench_irqs);
static struct kprobe irq_kp = { .symbol_name = "irq_enter_rcu" };
static bool irq_kp_on;

static int irq_pre(struct kprobe *p, struct pt_regs *regs)
{
	this_cpu_inc(bench_irqs);
	return 0;
}

/* Interrupts this CPU took so far; the caller stays on its CPU. */
static inline unsigned long bench_irq_count(void)
{
	return irq_kp_on ? this_cpu_read(bench_irqs) : 0;
}

static void irq_probe_register(void)
{
	irq_kp.pre_handler = irq_pre;
	irq_kp_on = icount && !register_kprobe(&irq_kp);
	if (icount && !irq_kp_on)
		pr_warn("dmacmd_bench: no kprobe on irq_enter_rcu: icount samples with interrupts are kept\n");
}

static void irq_probe_unregister(void)
{
	if (irq_kp_on)
		unregister_kprobe(&irq_kp);
	irq_kp_on = false;
}

/* ---- timing ------------------------------------------------------------ */

/*
 * Under icount (the guest clock counts instructions) every operation is
 * timed on its own: the typical operation of a run is then free of the
 * timer interrupts that land in some of them, and the same in every boot.
 */
#define BENCH_SAMPLES		8192

static u64 *bench_samples;	/* 3 * BENCH_SAMPLES */
static u64 bench_clk16;		/* a clock read, in 1/16 ns */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The typical one of @n samples, in 1/16 ns: the smallest within 2 ns of
 * their median.  That leaves out the operations an interrupt landed in,
 * and the clock's rounding (one either way) does not move it, where a
 * median or a mean of few samples can.
 */
static u64 typical16(u64 *s, unsigned int n)
{
	unsigned int i;
	u64 m;

	if (!n)
		return 0;
	sort(s, n, sizeof(*s), cmp_u64, NULL);
	m = s[n / 2];
	for (i = 0; i < n / 2 && s[i] + 2 < m; i++)
		;
	return s[i] * 16;
}

/*
 * The samples of one run, in @n slots of the sample arrays: the first @n
 * of those in which this CPU took no interrupt fill them from the start
 * (@clean), others from the end (@dirty) while there is room, each giving
 * its slot up to a clean one when there is none.  The typical sample is
 * taken among the clean ones, or among the others when every one took an
 * interrupt (an operation longer than the gaps between them).
 */
struct bench_pick {
	unsigned int n, clean, dirty;
};

/* The slot of a sample taken with @irqs interrupts before it, or -1. */
static int pick_slot(struct bench_pick *p, unsigned long irqs)
{
	if (bench_irq_count() == irqs) {
		if (p->clean == p->n)
			return -1;
		if (p->clean + p->dirty == p->n)
			p->dirty--;
		return p->clean++;
	}
	if (p->clean + p->dirty == p->n)
		return -1;
	return p->n - ++p->dirty;
}

/* typical16() of the samples @p picked out of @s. */
static u64 pick_typical16(const struct bench_pick *p, u64 *s)
{
	if (p->clean)
		return typical16(s, p->clean);
	return typical16(s + p->n - p->dirty, p->dirty);
}

/* k times the typical operation's cost, the clock reads taken off. */
static int time_ops(bench_fn fn, struct bench_case *c, unsigned int k,
		    u64 *ns)
{
	struct bench_pick p = { .n = min_t(unsigned int, k, BENCH_SAMPLES) };
	unsigned long irqs;
	unsigned int i;
	u64 t0, t1, op;
	int ret, slot;

	for (i = 0; i < k; i++) {
		irqs = bench_irq_count();
		t0 = bench_now();
		ret = fn(c);
		t1 = bench_now();
		if (ret)
			return ret;
		slot = pick_slot(&p, irqs);
		if (slot >= 0)
			bench_samples[slot] = t1 - t0;
	}
	op = pick_typical16(&p, bench_samples);
	op = op > bench_clk16 ? op - bench_clk16 : 0;
	*ns = DIV_ROUND_CLOSEST_ULL(op, 16) * k;
	cond_resched();
	return 0;
}

static void clock_cost(void)
{
	struct bench_pick p = { .n = BENCH_SAMPLES };
	unsigned long irqs;
	unsigned int i;
	u64 t0, t1;
	int slot;

	for (i = 0; i < BENCH_SAMPLES; i++) {
		irqs = bench_irq_count();
		t0 = bench_now();
		t1 = bench_now();
		slot = pick_slot(&p, irqs);
		if (slot >= 0)
			bench_samples[slot] = t1 - t0;
	}
	bench_clk16 = pick_typical16(&p, bench_samples);
}

static int time_run(bench_fn fn, struct bench_case *c, unsigned int k,
		    u64 *ns)
{
	unsigned int i;
	u64 t0;
	int ret;

	if (icount)
		return time_ops(fn, c, k, ns);
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
 * What the DMA layer does itself, counted in calls and bytes for the
 * benchmark thread: swiotlb's copies (to tell dmacmd's copies from the
 * platform's), swiotlb slot allocations (each map of a bounced buffer)
 * and IOVA allocations (each IOMMU mapping), the allocators the slab and
 * page probes do not see.  @arg is the argument holding the size, in
 * units of 2^@shift bytes.
 */
struct bench_call {
	const char *sym;
	unsigned int arg;
	unsigned int shift;
	struct kprobe kp;
	bool on;
	atomic_long_t calls;
	atomic_long_t bytes;
};

enum {
	CALL_SYNC_DEV, CALL_SYNC_CPU, CALL_SWIOTLB_MAP, CALL_IOVA,
};

static struct bench_call bench_calls[] = {
	/* (dev, tlb_addr, size, dir) */
	[CALL_SYNC_DEV] = { .sym = "__swiotlb_sync_single_for_device", .arg = 2 },
	[CALL_SYNC_CPU] = { .sym = "__swiotlb_sync_single_for_cpu", .arg = 2 },
	/* (dev, orig_addr, mapping_size, ...) */
	[CALL_SWIOTLB_MAP] = { .sym = "swiotlb_tbl_map_single", .arg = 2 },
	/* (iovad, size in granules, ...) */
	[CALL_IOVA] = { .sym = "alloc_iova_fast", .arg = 1, .shift = PAGE_SHIFT },
};

static int call_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct bench_call *bc = container_of(p, struct bench_call, kp);

	if (READ_ONCE(count_task) != current)
		return 0;
	atomic_long_inc(&bc->calls);
	atomic_long_add(regs_get_kernel_argument(regs, bc->arg) << bc->shift,
			&bc->bytes);
	return 0;
}

static long call_count(unsigned int i)
{
	return atomic_long_read(&bench_calls[i].calls);
}

static long call_bytes(unsigned int i)
{
	return atomic_long_read(&bench_calls[i].bytes);
}

static void calls_reset(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_calls); i++) {
		atomic_long_set(&bench_calls[i].calls, 0);
		atomic_long_set(&bench_calls[i].bytes, 0);
	}
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

/*
 * Bytes allocated by the benchmark thread, for the memory an object takes:
 * return probes on the same allocator entry points count the outermost
 * call only (a kmalloc() that refills its slab from the page allocator is
 * one allocation of the kmalloc size), slab objects at the size their
 * cache or kmalloc bucket gives them.
 */
static struct kretprobe mem_krp[ARRAY_SIZE(alloc_syms)];
static bool mem_krp_on[ARRAY_SIZE(alloc_syms)];
static unsigned int mem_depth;
static u64 mem_bytes;
static u64 mem_calls;
static bool mem_counting;

static u64 alloc_size(unsigned int sym, struct pt_regs *regs)
{
	unsigned long a[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(a); i++)
		a[i] = regs_get_kernel_argument(regs, i);
	switch (sym) {
	case 0:	/* __kmalloc_noprof(size, flags) */
	case 1:	/* __kmalloc_node_noprof(size, [b,] flags, node) */
	case 4:	/* __kmalloc_node_track_caller_noprof(size, ...) */
		return kmalloc_size_roundup(a[0]);
	case 2:	/* __kmalloc_cache_noprof(s, flags, size) */
		return kmalloc_size_roundup(a[2]);
	case 3:	/* __kmalloc_cache_node_noprof(s, flags, node, size) */
		return kmalloc_size_roundup(a[3]);
	case 5: case 6: case 7:	/* kmem_cache_alloc*(s, ...) */
		return kmem_cache_size((struct kmem_cache *)a[0]);
	case 8:	/* kmem_cache_alloc_bulk_noprof(s, flags, nr, p) */
		return (u64)kmem_cache_size((struct kmem_cache *)a[0]) * a[2];
	case 9:	/* __alloc_pages_noprof(gfp, order, ...) */
		return PAGE_SIZE << a[1];
	case 10: /* alloc_pages_bulk_noprof(gfp, nid, nodemask, nr, ...) */
		return (u64)a[3] * PAGE_SIZE;
	default:
		return 0;
	}
}

static int mem_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);

	/* (A kprobe handler runs as an NMI: in_task() cannot tell.) */
	if (!READ_ONCE(mem_counting) || READ_ONCE(count_task) != current ||
	    !rp)
		return 1;	/* no return handler */
	if (!mem_depth++) {
		mem_bytes += alloc_size(rp - mem_krp, regs);
		mem_calls++;
	}
	return 0;
}

static int mem_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (mem_depth)
		mem_depth--;
	return 0;
}

static bool mem_begin(void)
{
	mem_bytes = 0;
	mem_calls = 0;
	mem_depth = 0;
	WRITE_ONCE(count_task, current);
	WRITE_ONCE(mem_counting, true);
	return true;
}

static u64 mem_end(void)
{
	WRITE_ONCE(mem_counting, false);
	WRITE_ONCE(count_task, NULL);
	return mem_bytes;
}

static unsigned int mem_probes(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++)
		n += mem_krp_on[i];
	return n;
}

/* Only around the memory test: they would slow every allocation. */
static void mem_register(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++) {
		mem_krp[i].kp.symbol_name = alloc_syms[i];
		mem_krp[i].entry_handler = mem_entry;
		mem_krp[i].handler = mem_ret;
		mem_krp[i].maxactive = 16;
		mem_krp_on[i] = !register_kretprobe(&mem_krp[i]);
	}
}

static void mem_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alloc_syms); i++) {
		if (mem_krp_on[i])
			unregister_kretprobe(&mem_krp[i]);
		mem_krp_on[i] = false;
		memset(&mem_krp[i], 0, sizeof(mem_krp[i]));
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

/*
 * Allocations of the first dmacmd cycle, then per cycle of each side:
 * slab and page allocator calls, swiotlb slot and IOVA allocations, each
 * side counted on its own.
 */
static void alloc_test(struct bench_case *c)
{
	long first, base, cmd, bslots, cslots, biova, ciova;
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
	calls_arm(true);
	count_begin(false);
	for (i = 0; !ret && i < BENCH_ALLOC_CYCLES; i++)
		ret = base_cycle(c);
	base = count_end();
	bslots = call_count(CALL_SWIOTLB_MAP);
	biova = call_count(CALL_IOVA);
	calls_reset();
	count_begin(true);
	for (i = 0; !ret && i < BENCH_ALLOC_CYCLES; i++)
		ret = cmd_cycle(c);
	cmd = count_end();
	cslots = call_count(CALL_SWIOTLB_MAP);
	ciova = call_count(CALL_IOVA);
	calls_arm(false);
	probes_arm(false);
	if (ret) {
		bench_error("alloc", c->layout, c->len, ret);
		return;
	}
	jstr("t", "alloc");
	jstr("layout", c->layout);
	jstr("baseline", c->page_base ? "map_page" : "map_sgtable");
	jnum("size", c->len);
	jnum("cycles", BENCH_ALLOC_CYCLES);
	jint("first", first);
	jint("base", base);
	jint("cmd", cmd);
	jint("base_slots", bslots);
	jint("cmd_slots", cslots);
	jint("base_iova", biova);
	jint("cmd_iova", ciova);
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

/*
 * The three sections of @k cycles: their sums, or under icount k times
 * the typical cycle's.
 */
static int sect_run(bench_fn fn, struct bench_case *c, unsigned int k,
		    u64 *out)
{
	struct bench_pick p = { .n = min_t(unsigned int, k, BENCH_SAMPLES) };
	unsigned long irqs;
	unsigned int i, j;
	int ret, slot;
	u64 ns;

	memset(c->sect, 0, sizeof(c->sect));
	if (!icount) {
		ret = time_run(fn, c, k, &ns);
		memcpy(out, c->sect, sizeof(c->sect));
		return ret;
	}
	/* As time_ops(): the cycles without an interrupt, if there are any. */
	for (i = 0; i < k; i++) {
		irqs = bench_irq_count();
		memset(c->sect, 0, sizeof(c->sect));
		ret = fn(c);
		if (ret)
			return ret;
		slot = pick_slot(&p, irqs);
		for (j = 0; j < 3 && slot >= 0; j++)
			bench_samples[j * BENCH_SAMPLES + slot] = c->sect[j];
	}
	for (j = 0; j < 3; j++)
		out[j] = DIV_ROUND_CLOSEST_ULL(pick_typical16(&p, bench_samples +
							      j * BENCH_SAMPLES),
					       16) * k;
	cond_resched();
	return 0;
}

static void sect_test(struct bench_case *c, unsigned int k)
{
	u64 s[6][BENCH_MAX_REPS], v[3];
	static const char * const names[] = {
		"map", "walk", "unmap", "prep", "gen", "comp"
	};
	unsigned int r, i;
	int ret;

	k = max(k / 2, 1U);
	for (r = 0; r < bench_reps; r++) {
		ret = sect_run(base_cycle_sect, c, k, v);
		for (i = 0; i < 3; i++)
			s[i][r] = v[i];
		if (!ret)
			ret = sect_run(cmd_cycle_sect, c, k, v);
		for (i = 0; i < 3; i++)
			s[3 + i][r] = v[i];
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
	int ret = base_map(c);

	if (!ret)
		base_unmap(c);
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

/*
 * Latency of each step, cycle by cycle: p50, p99 and the maximum of
 * BENCH_LAT_N samples (one clock read per step, on both sides).
 */
static void lat_test(struct bench_case *c)
{
	static const char * const names[] = {
		"map", "walk", "unmap", "prep", "gen", "comp"
	};
	const unsigned int n = BENCH_LAT_N;
	unsigned int i, j;
	u64 *v, p[3];
	int ret = 0;

	v = kvmalloc_array(6 * n, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	for (i = 0; i < n && !ret; i++) {
		memset(c->sect, 0, sizeof(c->sect));
		ret = base_cycle_sect(c);
		for (j = 0; j < 3; j++)
			v[j * n + i] = c->sect[j];
		memset(c->sect, 0, sizeof(c->sect));
		if (!ret)
			ret = cmd_cycle_sect(c);
		for (j = 0; j < 3; j++)
			v[(3 + j) * n + i] = c->sect[j];
		if (!(i % 64))
			cond_resched();
	}
	if (ret) {
		bench_error("latency", c->layout, c->len, ret);
		goto out;
	}
	jstr("t", "lat");
	jstr("layout", c->layout);
	jstr("baseline", c->page_base ? "map_page" : "map_sgtable");
	jnum("size", c->len);
	jnum("n", n);
	for (j = 0; j < 6; j++) {
		sort(v + j * n, n, sizeof(*v), cmp_u64, NULL);
		p[0] = v[j * n + n / 2];
		p[1] = v[j * n + n * 99 / 100];
		p[2] = v[j * n + n - 1];
		jarr(&jl, names[j], p, 3);
	}
	jprint(&jl);
out:
	kvfree(v);
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
	/* What a driver writes for one contiguous buffer. */
	c.page_base = m->contiguous && !strcmp(layout, "contig");
	if (tests & BENCH_T_ALLOC)
		alloc_test(&c);
	if (!(tests & (BENCH_T_CYCLE | BENCH_T_SECT | BENCH_T_CALLS |
		       BENCH_T_LAT)))
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
		jstr("baseline", c.page_base ? "map_page" : "map_sgtable");
		jab(&c, k, ta, tb);
		jprint(&jl);
	}
	if (tests & BENCH_T_SECT)
		sect_test(&c, k);
	if ((tests & BENCH_T_CALLS) && npages == 1)
		calls_test(&c, k);
	if ((tests & BENCH_T_LAT) && (c.page_base ? npages == 1 : npages == 16))
		lat_test(&c);
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
		jab(&c, k, ta, tb);
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

/*
 * The baseline copies between the same kinds of memory as dmacmd's bounce
 * buffer, whose blocks are single pages of the page allocator: the
 * buffer's linear mapping on one side, pages of the page allocator
 * through their linear mapping on the other, one page at a time.
 */
static void memcpy_blocks(struct bench_case *c, bool out)
{
	u8 *src = c->cpu_src;
	unsigned int i;

	for (i = 0; i < c->npages; i++) {
		if (out)
			memcpy(page_address(c->cpu_dst[i]), src + i * PAGE_SIZE,
			       PAGE_SIZE);
		else
			memcpy(src + i * PAGE_SIZE, page_address(c->cpu_dst[i]),
			       PAGE_SIZE);
	}
}

static int memcpy_out(struct bench_case *c)
{
	memcpy_blocks(c, true);
	return 0;
}

static int memcpy_in(struct bench_case *c)
{
	memcpy_blocks(c, false);
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
			struct page **dst)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int k, dir;
	u64 bounced;
	int ret;

	if (npages > contig->npages || !contig->contiguous)
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
		jnum("swiotlb_dev_bytes", call_bytes(CALL_SYNC_DEV) / 4);
		jnum("swiotlb_dev_calls", call_count(CALL_SYNC_DEV) / 4);
		jnum("swiotlb_cpu_bytes", call_bytes(CALL_SYNC_CPU) / 4);
		jnum("swiotlb_cpu_calls", call_count(CALL_SYNC_CPU) / 4);
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

/* The copy target: the fragmented set's pages, one page per block. */
static void bounce_test(struct bench_mem *contig, struct bench_mem *frag)
{
	unsigned int n;

	for (n = SZ_64K / PAGE_SIZE; n <= contig->npages; n *= 16)
		if (n <= frag->npages)
			bounce_case(contig, n, frag->pages);
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

/*
 * arm64: a platform device of our own is not DMA-coherent (nothing in the
 * device tree says it is), the edu device /init bound to pci-stub is, as
 * the PCI devices of QEMU's virt machine are.  Map for edu there, or every
 * cycle would time the cache maintenance a non-coherent device needs.
 */
static bool edu_coherent_only(void)
{
	struct platform_device *pdev;
	bool coherent;

	/* (Where all DMA is coherent, as on x86, there is nothing to ask.) */
	if (!IS_ENABLED(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) ||
	    !dev_is_dma_coherent(&bench_edu->dev))
		return false;
	pdev = platform_device_register_simple("dmacmd_bench_probe",
					       PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev))
		return false;
	coherent = dev_is_dma_coherent(&pdev->dev);
	platform_device_unregister(pdev);
	return !coherent;
}

static int device_setup(void)
{
	bool want_edu = !strcmp(device, "edu");
	int ret;

	bench_edu = pci_get_device(0x1234, 0x11e8, NULL);
	if (bench_edu && !strcmp(device, "auto") &&
	    (device_iommu_mapped(&bench_edu->dev) || edu_coherent_only()))
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

/* ---- double buffering against swiotlb ----------------------------------- */

/* A platform device of its own whose DMA mask has @bits bits. */
static struct platform_device *narrow_dev_new(unsigned int bits)
{
	struct platform_device *pdev;
	int ret;

	pdev = platform_device_register_simple("dmacmd_bench_narrow", bits,
					       NULL, 0);
	if (IS_ERR(pdev))
		return pdev;
	if (!pdev->dev.dma_mask)
		pdev->dev.dma_mask = &pdev->platform_dma_mask;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret) {
		platform_device_unregister(pdev);
		return ERR_PTR(ret);
	}
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	return pdev;
}

static size_t dev_chunk(struct device *dev)
{
	return ALIGN_DOWN(min_t(size_t, dma_max_mapping_size(dev),
				dma_get_max_seg_size(dev)), PAGE_SIZE);
}

static const char *dir_name(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE ? "out" :
	       dir == DMA_FROM_DEVICE ? "in" : "bidi";
}

/*
 * One buffer above 4 GiB for a device that cannot reach it: dma_map_page()
 * per chunk, which swiotlb bounces, against a command whose spec has the
 * device's address width, which double buffers in its own pages.
 */
static void dbuf_case(struct device *dev, unsigned int bits,
		      struct bench_mem *contig, unsigned int npages,
		      enum dma_data_direction dir)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	long ballocs, callocs, bslots, cslots, bbytes, cbytes;
	struct dmacmd_spec spec;
	struct bench_case c;
	int berr, cerr, ret;
	u64 bounced = 0;
	unsigned int k, i;

	bench_progress("double buffering %u-bit %zu KiB %s", bits,
		       npages * PAGE_SIZE / SZ_1K, dir_name(dir));
	spec_default(&spec);
	spec.address_bits = bits;
	if (case_init_on(&c, dev, dir, dev_chunk(dev), "contig",
			 contig->pages, npages, &spec))
		return;
	c.page_base = true;
	/* Does each side work at all?  Then one cycle of each, counted. */
	berr = base_cycle(&c);
	cerr = cmd_cycle(&c);
	if (!cerr && !dmacmd_prepare(c.cmd, 0, 0, bench_prep_flags())) {
		bounced = dmacmd_bounced_bytes(c.cmd);
		dmacmd_complete(c.cmd, bench_comp_flags());
	}
	probes_arm(true);
	calls_arm(true);
	count_begin(false);
	if (!berr)
		base_cycle(&c);
	ballocs = count_end();
	bslots = call_count(CALL_SWIOTLB_MAP);
	bbytes = call_bytes(CALL_SWIOTLB_MAP);
	calls_reset();
	count_begin(false);
	if (!cerr)
		cmd_cycle(&c);
	callocs = count_end();
	cslots = call_count(CALL_SWIOTLB_MAP);
	cbytes = call_bytes(CALL_SWIOTLB_MAP);
	calls_arm(false);
	probes_arm(false);

	jstr("t", "dbuf");
	jnum("bits", bits);
	jstr("dir", dir_name(dir));
	jnum("size", c.len);
	jnum("chunk", c.chunk);
	jint("base_err", berr);
	jint("cmd_err", cerr);
	jnum("bounced", bounced);
	jint("base_allocs", ballocs);
	jint("cmd_allocs", callocs);
	jint("base_slots", bslots);
	jint("cmd_slots", cslots);
	jint("base_slot_bytes", bbytes);
	jint("cmd_slot_bytes", cbytes);
	if (!berr && !cerr) {
		ret = calibrate(base_cycle, cmd_cycle, &c, &k);
		if (!ret)
			ret = ab_runs(base_cycle, cmd_cycle, &c, k, ta, tb);
		if (ret)
			jint("err", ret);
		else
			jab(&c, k, ta, tb);
	}
	jprint(&jl);
	for (i = 0; i < 2; i++)		/* leave nothing prepared */
		if (dmacmd_is_prepared(c.cmd))
			dmacmd_complete(c.cmd, 0);
	case_fini(&c);
}

static void dbuf_test(struct bench_mem *contig)
{
	static const enum dma_data_direction dirs[] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE
	};
	static const unsigned int bits[] = { 32, 28 };
	struct platform_device *pdev;
	unsigned int b, d, n;

	/* The direct boot only: memory above 4 GiB, swiotlb not forced. */
	if (device_iommu_mapped(bench_dev) || is_swiotlb_force_bounce(bench_dev) ||
	    !contig->contiguous ||
	    page_to_phys(contig->pages[0]) < SZ_4G) {
		jstr("t", "skip");
		jstr("what", "dbuf");
		jstr("why", "needs contiguous memory above 4 GiB, swiotlb not forced");
		jprint(&jl);
		return;
	}
	for (b = 0; b < ARRAY_SIZE(bits); b++) {
		pdev = narrow_dev_new(bits[b]);
		/* -EIO: no RAM below the mask (arm64 virt's starts at 1 GiB). */
		if (PTR_ERR_OR_ZERO(pdev) == -EIO) {
			jstr("t", "skip");
			jstr("what", "dbuf");
			jnum("bits", bits[b]);
			jstr("why", "no memory within the mask");
			jprint(&jl);
			continue;
		}
		if (IS_ERR(pdev)) {
			bench_error("narrow device", "-", bits[b], PTR_ERR(pdev));
			continue;
		}
		/* 28 bits: swiotlb's pool lies above; it warns once. */
		for (n = 1; n <= BENCH_CONTIG_PAGES; n *= 16)
			for (d = 0; d < ARRAY_SIZE(dirs); d++)
				if (bits[b] == 32 || n == 1)
					dbuf_case(&pdev->dev, bits[b], contig,
						  n, dirs[d]);
		platform_device_unregister(pdev);
	}
}

/* ---- a new descriptor per I/O -------------------------------------------- */

/* B: a descriptor of the request's memory, set, cycled, released. */
static int io_cmd(struct bench_case *c)
{
	struct dmacmd_md *md;
	int ret;

	if (c->uaddr) {
		/* User memory is pinned by the descriptor's own prepare. */
		md = dmacmd_md_from_user(c->uaddr, c->len, c->dir);
		if (IS_ERR(md))
			return PTR_ERR(md);
		ret = dmacmd_md_prepare(md);
		if (ret) {
			dmacmd_md_put(md);
			return ret;
		}
	} else if (c->kva) {
		md = dmacmd_md_from_kva(c->kva, c->len, c->dir);
	} else {
		md = dmacmd_md_from_pages(c->pages, c->npages, 0, c->len,
					  c->dir);
	}
	if (IS_ERR(md))
		return PTR_ERR(md);
	ret = dmacmd_set_memory(c->cmd, md, 0);
	if (!ret) {
		ret = cmd_cycle(c);
		dmacmd_clear_memory(c->cmd, 0);
	}
	if (c->uaddr)
		dmacmd_md_complete(md);
	dmacmd_md_put(md);
	return ret;
}

/* A kernel buffer in the linear map: dma_map_single() per chunk. */
static int io_base_kva(struct bench_case *c)
{
	dma_addr_t addr;
	size_t off, n;
	u32 i = 0, j;

	for (off = 0; off < c->len; off += n, i++) {
		n = min(c->len - off, c->chunk);
		addr = dma_map_single(c->dev, c->kva + off, n, c->dir);
		if (dma_mapping_error(c->dev, addr))
			break;
		c->segs[i].addr = addr;
		c->segs[i].len = n;
	}
	for (j = 0; j < i; j++)
		dma_unmap_single(c->dev, c->segs[j].addr, c->segs[j].len,
				 c->dir);
	return off < c->len ? -ENOMEM : 0;
}

/*
 * A: what a block or network driver writes per request: pin user pages
 * (pin_user_pages_fast(), FOLL_LONGTERM as dmacmd pins), build an sg_table
 * from the pages, map it, walk it, unmap it, free it, unpin.
 */
static int io_base(struct bench_case *c)
{
	struct page **pages = c->pages;
	struct scatterlist *sg;
	struct sg_table sgt;
	int ret, i, pinned;

	if (c->kva)
		return io_base_kva(c);
	if (c->uaddr) {
		pinned = pin_user_pages_fast(c->uaddr, c->npages,
					     FOLL_WRITE | FOLL_LONGTERM,
					     c->upages);
		if (pinned != c->npages) {
			if (pinned > 0)
				unpin_user_pages(c->upages, pinned);
			return pinned < 0 ? pinned : -EFAULT;
		}
		pages = c->upages;
	}
	ret = sg_alloc_table_from_pages_segment(&sgt, pages, c->npages, 0,
						c->len, c->chunk, GFP_KERNEL);
	if (!ret) {
		ret = dma_map_sgtable(c->dev, &sgt, c->dir, 0);
		if (!ret) {
			for_each_sgtable_dma_sg(&sgt, sg, i) {
				c->segs[i].addr = sg_dma_address(sg);
				c->segs[i].len = sg_dma_len(sg);
			}
			c->nsegs_base = sgt.nents;
			dma_unmap_sgtable(c->dev, &sgt, c->dir, 0);
		}
		sg_free_table(&sgt);
	}
	if (c->uaddr)
		unpin_user_pages_dirty_lock(pages, c->npages, true);
	return ret;
}

static void io_case(const char *kind, struct page **pages, void *kva,
		    unsigned long uaddr, struct page **upages,
		    unsigned int npages)
{
	u64 ta[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
	long ballocs, callocs;
	struct dmacmd_spec spec;
	struct bench_case c;
	unsigned int k, i;
	int ret;

	bench_progress("descriptor per I/O %s %zu KiB", kind,
		       npages * PAGE_SIZE / SZ_1K);
	spec_default(&spec);
	if (case_init(&c, kind, pages, npages, &spec))
		return;
	dmacmd_clear_memory(c.cmd, 0);	/* each I/O sets its own */
	c.kva = kva;
	c.uaddr = uaddr;
	c.upages = upages;
	ret = io_base(&c);
	if (!ret)
		ret = io_cmd(&c);
	if (!ret)
		ret = calibrate(io_base, io_cmd, &c, &k);
	if (!ret)
		ret = ab_runs(io_base, io_cmd, &c, k, ta, tb);
	if (ret) {
		bench_error("descriptor per I/O", kind, c.len, ret);
		goto out;
	}
	probes_arm(true);
	count_begin(false);
	for (i = 0; i < BENCH_ALLOC_CYCLES; i++)
		io_base(&c);
	ballocs = count_end();
	count_begin(false);
	for (i = 0; i < BENCH_ALLOC_CYCLES; i++)
		io_cmd(&c);
	callocs = count_end();
	probes_arm(false);
	jstr("t", "io");
	jstr("kind", kind);
	jnum("size", c.len);
	jnum("k", k);
	jnum("cycles", BENCH_ALLOC_CYCLES);
	jint("base_allocs", ballocs);
	jint("cmd_allocs", callocs);
	jarr(&jl, "base", ta, bench_reps);
	jarr(&jl, "cmd", tb, bench_reps);
	jprint(&jl);
out:
	case_fini(&c);
}

static void io_test(struct bench_mem *contig, struct bench_mem *frag)
{
	const unsigned int max = SZ_1M / PAGE_SIZE;
	struct page **upages;
	unsigned long uaddr;
	unsigned int n;

	for (n = 1; n <= max && n <= frag->npages; n *= 16)
		io_case("pages", frag->pages, NULL, 0, NULL, n);
	if (contig->contiguous)
		for (n = 1; n <= max; n *= 16)
			io_case("kva", contig->pages, contig->vaddr, 0, NULL, n);
	if (!bench_mm) {
		jstr("t", "skip");
		jstr("what", "io user");
		jstr("why", "no user address space");
		jprint(&jl);
		return;
	}
	upages = kvcalloc(max, sizeof(*upages), GFP_KERNEL);
	if (!upages)
		return;
	kthread_use_mm(bench_mm);
	uaddr = vm_mmap(NULL, 0, max * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
	if (IS_ERR_VALUE(uaddr)) {
		bench_error("vm_mmap", "user", max * PAGE_SIZE, (int)uaddr);
	} else {
		for (n = 1; n <= max; n *= 16)
			io_case("user", frag->pages, NULL, uaddr, upages, n);
		vm_munmap(uaddr, max * PAGE_SIZE);
	}
	kthread_unuse_mm(bench_mm);
	kvfree(upages);
}

/* ---- memory per object ---------------------------------------------------- */

static void mem_print(const char *what, u64 pages, u64 bytes, u64 calls)
{
	jstr("t", "mem");
	jstr("what", what);
	jnum("pages", pages);
	jnum("bytes", bytes);
	jnum("calls", calls);
	jprint(&jl);
}

/* Bytes the objects of one shape take, dmacmd's and an sg_table's. */
static void mem_kept(struct bench_mem *frag, unsigned int n)
{
	u64 sgt_b, map_b = 0, md_b, cmd_b, set_b, prep_b, again_b;
	struct dmacmd_spec spec;
	struct dmacmd_md *md;
	struct sg_table sgt;
	struct dmacmd *cmd;
	u64 off = 0;
	u32 nsegs;
	int ret;

	spec_default(&spec);
	mem_begin();
	ret = sg_alloc_table_from_pages_segment(&sgt, frag->pages, n, 0,
						(size_t)n * PAGE_SIZE,
						bench_max_seg, GFP_KERNEL);
	sgt_b = mem_end();
	if (ret)
		return;
	mem_begin();
	ret = dma_map_sgtable(bench_dev, &sgt, DMA_BIDIRECTIONAL, 0);
	map_b = mem_end();
	if (!ret)
		dma_unmap_sgtable(bench_dev, &sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&sgt);

	mem_begin();
	md = dmacmd_md_from_pages(frag->pages, n, 0, (size_t)n * PAGE_SIZE,
				  DMA_BIDIRECTIONAL);
	md_b = mem_end();
	if (IS_ERR(md))
		return;
	mem_begin();
	cmd = dmacmd_create(bench_dev, &spec, NULL);
	cmd_b = mem_end();
	if (IS_ERR(cmd))
		goto put_md;
	mem_begin();
	ret = dmacmd_set_memory(cmd, md, 0);
	set_b = mem_end();
	if (ret)
		goto put_cmd;
	mem_begin();
	ret = dmacmd_prepare(cmd, 0, 0, bench_prep_flags());
	while (!ret && off < (u64)n * PAGE_SIZE) {
		nsegs = bench_segs_cap;
		ret = dmacmd_gen64(cmd, &off, bench_segs, &nsegs);
		if (!nsegs)
			break;
	}
	if (dmacmd_is_prepared(cmd))
		dmacmd_complete(cmd, bench_comp_flags());
	prep_b = mem_end();
	mem_begin();
	if (!dmacmd_prepare(cmd, 0, 0, bench_prep_flags()))
		dmacmd_complete(cmd, bench_comp_flags());
	again_b = mem_end();
	jstr("t", "memkept");
	jnum("pages", n);
	jnum("sgt", sgt_b);
	jnum("map", map_b);
	jnum("md", md_b);
	jnum("cmd", cmd_b);
	jnum("set", set_b);
	jnum("first", prep_b);
	jnum("again", again_b);
	jint("err", ret);
	jprint(&jl);
	dmacmd_clear_memory(cmd, 0);
put_cmd:
	dmacmd_put(cmd);
put_md:
	dmacmd_md_put(md);
}

static void mem_md(const char *what, struct dmacmd_md *md, u64 bytes)
{
	if (IS_ERR(md)) {
		bench_error("memory per object", what, PAGE_SIZE, PTR_ERR(md));
		return;
	}
	mem_print(what, 1, bytes, mem_calls);
	dmacmd_md_put(md);
}

static void mem_test(struct bench_mem *contig, struct bench_mem *frag)
{
	struct dmacmd_spec spec;
	struct dmacmd_md *md;
	struct sg_table sgt;
	struct dmacmd *cmd;
	unsigned long ua;
	unsigned int n;
	u64 b;

	bench_progress("memory per object");
	mem_register();
	if (!mem_probes()) {
		bench_error("memory probes", "-", 0, -ENOENT);
		return;
	}
	spec_default(&spec);
	mem_begin();
	cmd = dmacmd_create(bench_dev, &spec, NULL);
	b = mem_end();
	if (!IS_ERR(cmd)) {
		mem_print("command", 0, b, mem_calls);
		dmacmd_put(cmd);
	}
	mem_begin();
	md = dmacmd_md_from_pages(frag->pages, 1, 0, PAGE_SIZE,
				  DMA_BIDIRECTIONAL);
	mem_md("md pages", md, mem_end());
	if (contig->contiguous) {
		mem_begin();
		md = dmacmd_md_from_kva(contig->vaddr, PAGE_SIZE,
					DMA_BIDIRECTIONAL);
		mem_md("md kva", md, mem_end());
	}
	mem_begin();
	md = dmacmd_md_from_phys(page_to_phys(frag->pages[0]), PAGE_SIZE,
				 DMA_BIDIRECTIONAL);
	mem_md("md phys", md, mem_end());
	if (!sg_alloc_table_from_pages(&sgt, frag->pages, 1, 0, PAGE_SIZE,
				       GFP_KERNEL)) {
		mem_begin();
		md = dmacmd_md_from_sgtable(&sgt, DMA_BIDIRECTIONAL);
		mem_md("md sgtable", md, mem_end());
		sg_free_table(&sgt);
	}
	if (bench_mm) {
		kthread_use_mm(bench_mm);
		ua = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, 0);
		if (!IS_ERR_VALUE(ua)) {
			mem_begin();
			md = dmacmd_md_from_user(ua, PAGE_SIZE,
						 DMA_BIDIRECTIONAL);
			mem_md("md user", md, mem_end());
			vm_munmap(ua, PAGE_SIZE);
		}
		kthread_unuse_mm(bench_mm);
	}
	for (n = 1; n <= frag->npages && n <= 65536; n *= 256)
		mem_kept(frag, n);
	/* dmacmd's bounce pages: a 32-bit spec over memory above 4 GiB. */
	if (contig->contiguous && page_to_phys(contig->pages[0]) >= SZ_4G) {
		n = SZ_1M / PAGE_SIZE;
		spec.address_bits = 32;
		cmd = dmacmd_create(bench_dev, &spec, NULL);
		md = dmacmd_md_from_pages(contig->pages, n, 0, SZ_1M,
					  DMA_BIDIRECTIONAL);
		if (!IS_ERR(cmd) && !IS_ERR(md) &&
		    !dmacmd_set_memory(cmd, md, 0)) {
			mem_begin();
			if (!dmacmd_prepare(cmd, 0, 0, bench_prep_flags())) {
				b = mem_end();
				mem_print("bounce 1 MiB 32-bit", n, b,
					  mem_calls);
				dmacmd_complete(cmd, bench_comp_flags());
			} else {
				mem_end();
			}
			dmacmd_clear_memory(cmd, 0);
		}
		if (!IS_ERR(md))
			dmacmd_md_put(md);
		if (!IS_ERR(cmd))
			dmacmd_put(cmd);
	}
	mem_unregister();
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
	bench_samples = kvmalloc_array(3 * BENCH_SAMPLES, sizeof(*bench_samples),
				       GFP_KERNEL);
	if (!bench_samples) {
		ret = -ENOMEM;
		bench_error("memory", "-", 0, ret);
		goto out_dev;
	}
	irq_probe_register();
	if (icount)
		clock_cost();
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
	jnum("page_size", PAGE_SIZE);
	jnum("reps", bench_reps);
	jnum("run_ms", run_ms);
	jbool("icount", icount);
	jnum("clock16", bench_clk16);
	jbool("flush", flush);
	jbool("sync", sync);
	jnum("probes", alloc_nprobes);
	jbool("contiguous", contig.contiguous);
	jnum("frag_pages", nfrag);
	jnum("contig_phys", contig.npages ? page_to_phys(contig.pages[0]) : 0);
	jbool("user_mm", bench_mm);
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
		bounce_test(&contig, &frag);
	if (tests & BENCH_T_PAR)
		par_test(&frag);
	if (tests & BENCH_T_DBUF)
		dbuf_test(&contig);
	if (tests & BENCH_T_IO)
		io_test(&contig, &frag);
	if (tests & BENCH_T_MEM)
		mem_test(&contig, &frag);

	probes_unregister();
out_mem:
	irq_probe_unregister();
	mem_free(&frag);
	mem_free(&contig);
	kvfree(bench_segs);
	bench_segs = NULL;
out_dev:
	kvfree(bench_samples);
	bench_samples = NULL;
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
	/* The user-memory tests borrow the writer's address space. */
	bench_mm = get_task_mm(current);
	/* One CPU runs the benchmark; the parallel test uses CPUs 0 and 1. */
	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		if (bench_mm)
			mmput(bench_mm);
		bench_mm = NULL;
		mutex_unlock(&bench_lock);
		return -EINVAL;
	}
	t = kthread_create_on_cpu(bench_thread, NULL, cpu, "dmacmd_bench/%u");
	if (IS_ERR(t)) {
		if (bench_mm)
			mmput(bench_mm);
		bench_mm = NULL;
		mutex_unlock(&bench_lock);
		return PTR_ERR(t);
	}
	wake_up_process(t);
	wait_for_completion(&bench_done);
	if (bench_mm)
		mmput(bench_mm);
	bench_mm = NULL;
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
