// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmacmd_badinput: one table of bad input over the whole API.
 *
 * Every exported function of dmacmd and every porting wrapper of
 * include/dmacmd/ is called with what a driver gets wrong: NULL and
 * ERR_PTR() objects, zero and maximum sizes, offsets whose sum with the
 * length wraps around u64, directions, options and output functions that
 * do not fit, and objects in the wrong state (no spec, no memory, not
 * prepared, completed twice, called in atomic context).  Each row is one
 * KUnit case named "function: input" and expects what the function's
 * kernel-doc promises for it: the -errno, ERR_PTR(), NULL, 0, false or
 * IOReturn (a few rows check that a documented acceptance, such as
 * DMA_NONE or a NULL optional pointer, really is accepted).
 *
 * Around the call each row checks that the refused call changed nothing:
 * the fixture's command keeps its memory, preparation and spec, its
 * descriptor its preparation, and no descriptor, command or pinned user
 * page appeared or went away; after the row's cleanup the module's live
 * counters must be back at their values from before the row.  The module
 * logs each misuse, rate-limited and naming the caller; the rows do not
 * look at the log.
 *
 * Not in the table:
 *
 * - Freed objects.  A command or descriptor whose last reference is gone
 *   is freed memory: nothing in it tells it from a live object, and any
 *   access to it is a use-after-free that KASAN reports (and the harness
 *   fails the run on).  That cannot be tested without a KASAN report, so
 *   the only "freed" rows drop the caller's reference while the module
 *   still holds one, which must keep the object alive.
 * - ERR_PTR() output and buffer pointers (offsets, segment arrays, counts,
 *   copy buffers): those rows pass NULL only.  Object and input-array
 *   arguments get both.
 * - Saturated nesting counts (UINT_MAX prepares): too many calls to reach.
 *
 * The first case checks that every export (EXPORT_SYMBOL_GPL in the
 * sources) and every porting wrapper has a row and that every row names
 * one of them; kunit/Kbuild reads both lists from the sources.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/dmacmd.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>
#include <dmacmd/DriverKit/IODMACommand.h>

#include "../dmacmd_md.h"
#include "util.h"

#ifndef DMACMD_KT_EXPORTS
#error "kunit/Kbuild passes the lists of exports and porting wrappers"
#endif

#define BI_LEN		(4 * PAGE_SIZE)
#define BI_SEGS		8
#define BI_SEED		0x5a
#define BI_POISON	0xa5
/* Physical memory without a struct page (checked: no RAM there). */
#define BI_FAR		BIT_ULL(45)

/* Module data: neither linear-map nor vmalloc memory. */
static u8 bi_module_data[64];

/* A pointer argument: the fixture's, or a bad one. */
enum bi_arg {
	BI_FIX,		/* the fixture's object, buffer or address */
	BI_NULL,	/* NULL (address 0) */
	BI_ERR,		/* ERR_PTR(-EINVAL) */
	BI_TOP,		/* the address space's last page: ranges wrap */
	BI_MODULE,	/* module data: not linear-map or vmalloc memory */
	BI_KERNEL,	/* a kernel address where a user one belongs */
	BI_OTHER,	/* another device, descriptor or task */
	BI_USER,	/* user memory, not prepared */
	BI_NOPAGE,	/* physical memory without a struct page */
};

/* The fixture command's spec. */
enum bi_spec {
	BI_S_HOST64,	/* 64-bit host-order segments, no limits */
	BI_S_HOST32,	/* 32-bit segments: 32 address bits */
	BI_S_ITER,	/* kIterateOnly */
	BI_S_BYPASS,	/* kBypassed */
	BI_S_XFER,	/* transfers of one page at most */
	BI_S_ALEN,	/* lengths a multiple of 512 */
	BI_S_12BITS,	/* 12 address bits: no RAM below 4 KiB is free */
	BI_S_NONE,	/* created without a spec (IOKit's withRefCon) */
};

static const struct dmacmd_spec bi_specs[] = {
	[BI_S_HOST64] = { .out_fn = dmacmd_out_host64 },
	[BI_S_HOST32] = { .out_fn = dmacmd_out_host32 },
	[BI_S_ITER] = { .out_fn = dmacmd_out_host64,
			.map_options = DMACMD_MAP_ITERATE_ONLY },
	[BI_S_BYPASS] = { .out_fn = dmacmd_out_host64,
			  .map_options = DMACMD_MAP_BYPASSED },
	[BI_S_XFER] = { .out_fn = dmacmd_out_host64,
			.max_transfer_size = PAGE_SIZE },
	[BI_S_ALEN] = { .out_fn = dmacmd_out_host64, .alignment_length = 512 },
	[BI_S_12BITS] = { .out_fn = dmacmd_out_host64,
			  .address_bits = PAGE_SHIFT },
};

/* The fixture's descriptor, which the command is given. */
enum bi_mem {
	BI_M_KVA,	/* the kernel buffer, both directions */
	BI_M_TODEV,	/* the kernel buffer, the device only reads */
	BI_M_USER,	/* user memory, not prepared */
	BI_M_USER_RO,	/* read-only user memory the device would write */
	BI_M_USER_PINNED_RO, /* user memory prepared DMA_TO_DEVICE */
	BI_M_NOPAGE,	/* physical memory without a struct page */
	BI_M_SPLIT,	/* two pieces in swapped order: two segments */
};

/* The fixture command's state before the call. */
enum bi_state {
	BI_BARE,	/* no memory */
	BI_ATTACHED,	/* memory attached, not prepared */
	BI_PREPARED,	/* prepared over the whole descriptor */
	BI_COMPLETED,	/* prepared, then completed */
	BI_DK,		/* prepared by dmacmd_prepare_for_dma() */
	BI_DK_DONE,	/* ... then undone by dmacmd_complete_dma() */
};

/* Tasks of the address-range constructors. */
enum bi_task { BI_T_PHYS, BI_T_KERNEL, BI_T_CURRENT, BI_T_OTHER };

/* Output functions for segment generation. */
enum bi_out { BI_OUT_SPEC, BI_OUT_HOST32, BI_OUT_FALSE, BI_OUT_NULL };

/* Output pointers a row passes as NULL, and a count it passes as 0. */
#define BI_NO_OFFSET	BIT(0)
#define BI_NO_SEGS	BIT(1)
#define BI_NO_NSEGS	BIT(2)
#define BI_NO_FLAGS	BIT(3)
#define BI_NO_OUT	BIT(4)	/* the output structure or copy buffer */
#define BI_ZERO_NSEGS	BIT(5)

/* How a row's result is compared with @want. */
enum bi_kind {
	BI_VAL,		/* an int, u64, bool or pointer value: equal */
	BI_IORET,	/* an IOReturn: equal, printed in hex */
	BI_MD,		/* new descriptor: ERR_PTR(@want), NULL or BI_MADE */
	BI_CMD,		/* a new command: likewise */
};

/* @want of a constructor row whose call is accepted. */
#define BI_MADE		1

struct bi_fix;
struct bi_row;

/* One segment-generation call of bi_gen(): where, into what, how many. */
typedef long (*bi_gen_fn)(struct bi_fix *f, const struct bi_row *r,
			  u64 *offset, void *segs, u32 *nsegs);

/**
 * struct bi_row - one call with bad input
 * @fn: the function called, as its kernel-doc names it
 * @input: what is wrong with the call
 * @call: makes the call from the fixture and the row; returns the result
 * @kind: how the result compares with @want
 * @want: the documented result
 * @spec: the fixture command's spec
 * @mem: the fixture's descriptor
 * @state: the fixture command's state
 * @obj: the call's object (command or descriptor), or for an array
 *	argument the array's bad element, or an address
 * @arg: the call's second pointer argument (memory, data, device, spec,
 *	array)
 * @nulls: BI_NO_* output pointers passed as NULL
 * @a: offset, option bits or count, as @call says
 * @b: length or capacity
 * @c: direction, data offset or option bits
 * @d: options, flags, task, count or output function; for bi_copy(),
 *	bi_query() and bi_ref() which call they make
 * @sp: the spec argument of the spec-taking calls
 * @gen: the segment-generation call, for @call bi_gen()
 */
struct bi_row {
	const char *fn;
	const char *input;
	long (*call)(struct bi_fix *f, const struct bi_row *r);
	enum bi_kind kind;
	long want;
	enum bi_spec spec;
	enum bi_mem mem;
	enum bi_state state;
	enum bi_arg obj;
	enum bi_arg arg;
	u32 nulls;
	u64 a, b, c, d;
	const struct dmacmd_spec *sp;
	bi_gen_fn gen;
};

/* What a row works on; everything is released when the row ends. */
struct bi_fix {
	struct kunit *test;
	struct device *dev;
	u8 *buf;		/* BI_LEN bytes of patterned kernel memory */
	u8 *out;		/* BI_LEN bytes for copies out, poisoned */
	unsigned long uaddr;	/* the user mapping of BI_M_USER* */
	struct dmacmd_md *md;	/* the descriptor of the row's @mem */
	struct dmacmd *cmd;	/* the command of @spec, in @state */
	struct dmacmd_seg64 seg[BI_SEGS];
};

/* ---- Arguments ---- */

static void *bi_ptr(enum bi_arg a, const void *fix)
{
	if (a == BI_NULL)
		return NULL;
	if (a == BI_ERR)
		return ERR_PTR(-EINVAL);
	return (void *)fix;
}

static struct dmacmd *bi_cmd(struct bi_fix *f, const struct bi_row *r)
{
	return bi_ptr(r->obj, f->cmd);
}

static struct dmacmd_md *bi_md(struct bi_fix *f, const struct bi_row *r)
{
	return bi_ptr(r->obj, f->md);
}

static void *bi_out(struct bi_fix *f, const struct bi_row *r)
{
	return r->nulls & BI_NO_OUT ? NULL : f->out;
}

static struct task_struct *bi_task(u64 task)
{
	switch (task) {
	case BI_T_KERNEL:
		return kernel_task;
	case BI_T_CURRENT:
		return current;
	case BI_T_OTHER:
		return &init_task;
	default:
		return NULL;
	}
}

/* The start of a range of @task's kind, or a bad one as @a says. */
static u64 bi_addr(struct bi_fix *f, enum bi_arg a, struct task_struct *task)
{
	switch (a) {
	case BI_NULL:
		return 0;
	case BI_ERR:
		return (unsigned long)ERR_PTR(-EINVAL);
	case BI_TOP:
		return -(u64)PAGE_SIZE;
	case BI_MODULE:
		return (unsigned long)bi_module_data;
	case BI_KERNEL:
		return (unsigned long)f->buf;
	default:
		if (!task)
			return virt_to_phys(f->buf);
		return task == current ? f->uaddr : (unsigned long)f->buf;
	}
}

/* The device argument: the fixture's, a bad one, or one behind an IOMMU. */
static struct device *bi_dev(struct bi_fix *f, enum bi_arg a)
{
	struct device *edu;

	if (a != BI_OTHER)
		return bi_ptr(a, f->dev);
	edu = dmacmd_kt_edu_dev(f->test);
	if (!edu || !dmacmd_kt_translated(edu))
		kunit_skip(f->test,
			   "no device behind a translating IOMMU here");
	return edu;
}

static dmacmd_seg_fn bi_out_fn(u64 which);

/* The spec argument: the row's, or the fixture's default. */
static const struct dmacmd_spec *bi_sp(const struct bi_row *r)
{
	return r->sp ?: &bi_specs[BI_S_HOST64];
}

/* IOKit's SegmentOptions for a native spec. */
static IODMACommand_SegmentOptions bi_seg_options(const struct dmacmd_spec *sp)
{
	IODMACommand_SegmentOptions o = {
		.fStructSize = sizeof(o),
		.fNumAddressBits = sp->address_bits,
		.fMaxSegmentSize = sp->max_segment_size,
		.fMaxTransferSize = sp->max_transfer_size,
		.fAlignment = sp->alignment,
		.fAlignmentLength = sp->alignment_length,
		.fAlignmentInternalSegments = sp->alignment_internal,
	};

	return o;
}

/* A data descriptor of the kind @a names; NULL or ERR_PTR() as it says. */
static struct dmacmd_md *bi_data(struct bi_fix *f, enum bi_arg a)
{
	struct dmacmd_md *md;
	unsigned long ua;

	switch (a) {
	case BI_USER:
		ua = dmacmd_kt_user_map(f->test, BI_LEN,
					PROT_READ | PROT_WRITE);
		md = dmacmd_md_from_user(ua, BI_LEN, DMA_BIDIRECTIONAL);
		break;
	case BI_NOPAGE:
		md = dmacmd_md_from_phys(BI_FAR, BI_LEN, DMA_BIDIRECTIONAL);
		break;
	case BI_OTHER:
		md = dmacmd_md_sub(f->md, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		break;
	case BI_FIX:
		md = dmacmd_md_from_kva(f->out, BI_LEN, DMA_BIDIRECTIONAL);
		break;
	default:
		return bi_ptr(a, NULL);
	}
	KUNIT_EXPECT_FALSE(f->test, IS_ERR(md));
	return md;
}

/* Call @expr with interrupts off: atomic context on every kernel. */
#define BI_ATOMIC(expr)							\
	({								\
		unsigned long __flags;					\
		long __ret;						\
									\
		local_irq_save(__flags);				\
		__ret = (long)(expr);					\
		local_irq_restore(__flags);				\
		__ret;							\
	})

/* The copy calls of bi_copy(); the odd ones write into the memory. */
enum bi_copy {
	BI_C_MD_READ, BI_C_MD_WRITE,
	BI_C_READ, BI_C_WRITE,
	BI_C_IO_MD_READ, BI_C_IO_MD_WRITE,
	BI_C_IO_READ, BI_C_IO_WRITE,
};

/*
 * Copy @r->b bytes at offset @r->a between the row's object and the
 * fixture's output buffer, with the call @r->d names.  A copy that copied
 * nothing must leave the other side alone.
 */
static long bi_copy(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = bi_md(f, r);
	struct dmacmd *cmd = bi_cmd(f, r);
	void *buf = bi_out(f, r);
	u64 n;

	switch (r->d) {
	case BI_C_MD_READ:
		n = dmacmd_md_read(md, r->a, buf, r->b);
		break;
	case BI_C_MD_WRITE:
		n = dmacmd_md_write(md, r->a, buf, r->b);
		break;
	case BI_C_READ:
		n = dmacmd_read_bytes(cmd, r->a, buf, r->b);
		break;
	case BI_C_WRITE:
		n = dmacmd_write_bytes(cmd, r->a, buf, r->b);
		break;
	case BI_C_IO_MD_READ:
		n = IOMemoryDescriptor_readBytes(md, r->a, buf, r->b);
		break;
	case BI_C_IO_MD_WRITE:
		n = IOMemoryDescriptor_writeBytes(md, r->a, buf, r->b);
		break;
	case BI_C_IO_READ:
		n = IODMACommand_readBytes(cmd, r->a, buf, r->b);
		break;
	default:
		n = IODMACommand_writeBytes(cmd, r->a, buf, r->b);
		break;
	}
	if (n)
		return n;
	if (!(r->d & 1))
		KUNIT_EXPECT_NULL_MSG(f->test, memchr_inv(f->out, BI_POISON,
							  BI_LEN),
				      "a refused copy wrote the buffer");
	else if (r->mem == BI_M_KVA)
		KUNIT_EXPECT_EQ_MSG(f->test,
				    dmacmd_kt_mismatch(f->buf, BI_LEN, BI_SEED,
						       0), U64_MAX,
				    "a refused write changed the memory");
	return 0;
}

/* The calls of bi_query(): of a descriptor, then of a command. */
enum bi_query {
	BI_Q_MD_LENGTH, BI_Q_MD_DIRECTION, BI_Q_MD_KADDR, BI_Q_MD_IS_PREPARED,
	BI_Q_IO_BYTES, BI_Q_IO_LENGTH, BI_Q_IO_DIRECTION, BI_Q_IO_FLAGS,
	BI_Q_REFCON, BI_Q_DEVICE, BI_Q_BOUNCED, BI_Q_MEMORY, BI_Q_IS_PREPARED,
	BI_Q_IO_REFCON, BI_Q_IO_MEMORY, BI_Q_IO_IO_MEMORY, BI_Q_IO_BITS,
	BI_Q_IO_ALIGNMENT, BI_Q_IO_ALIGNMENT_LENGTH, BI_Q_IO_ALIGNMENT_INTERNAL,
};

/* A query of the row's object, the one @r->d names; its value. */
static long bi_query(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = bi_md(f, r);
	struct dmacmd *cmd = bi_cmd(f, r);

	switch (r->d) {
	case BI_Q_MD_LENGTH:
		return dmacmd_md_length(md);
	case BI_Q_MD_DIRECTION:
		return dmacmd_md_direction(md);
	case BI_Q_MD_KADDR:
		return (long)dmacmd_md_kaddr(md);
	case BI_Q_MD_IS_PREPARED:
		return dmacmd_md_is_prepared(md);
	case BI_Q_IO_BYTES:
		return (long)IOBufferMemoryDescriptor_getBytesNoCopy(md);
	case BI_Q_IO_LENGTH:
		return IOMemoryDescriptor_getLength(md);
	case BI_Q_IO_DIRECTION:
		return IOMemoryDescriptor_getDirection(md);
	case BI_Q_IO_FLAGS:
		return IOMemoryDescriptor_getFlags(md);
	case BI_Q_REFCON:
		return (long)dmacmd_refcon(cmd);
	case BI_Q_DEVICE:
		return (long)dmacmd_device(cmd);
	case BI_Q_BOUNCED:
		return dmacmd_bounced_bytes(cmd);
	case BI_Q_MEMORY:
		return (long)dmacmd_memory(cmd);
	case BI_Q_IS_PREPARED:
		return dmacmd_is_prepared(cmd);
	case BI_Q_IO_REFCON:
		return (long)IODMACommand_getRefCon(cmd);
	case BI_Q_IO_MEMORY:
		return (long)IODMACommand_getMemoryDescriptor(cmd);
	case BI_Q_IO_IO_MEMORY:
		return (long)IODMACommand_getIOMemoryDescriptor(cmd);
	case BI_Q_IO_BITS:
		return IODMACommand_getNumAddressBits(cmd);
	case BI_Q_IO_ALIGNMENT:
		return IODMACommand_getAlignment(cmd);
	case BI_Q_IO_ALIGNMENT_LENGTH:
		return IODMACommand_getAlignmentLength(cmd);
	default:
		return (long)IODMACommand_getAlignmentInternalSegments(cmd);
	}
}

/* The reference calls of bi_ref(). */
enum bi_ref {
	BI_R_MD_GET, BI_R_MD_PUT, BI_R_GET, BI_R_PUT,
	BI_R_IO_MD_RETAIN, BI_R_IO_MD_RELEASE, BI_R_IO_RETAIN, BI_R_IO_RELEASE,
};

/* Take or drop a reference on the row's object, as @r->d says. */
static long bi_ref(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = bi_md(f, r);
	struct dmacmd *cmd = bi_cmd(f, r);

	switch (r->d) {
	case BI_R_MD_GET:
		dmacmd_md_get(md);
		break;
	case BI_R_MD_PUT:
		dmacmd_md_put(md);
		break;
	case BI_R_GET:
		dmacmd_get(cmd);
		break;
	case BI_R_PUT:
		dmacmd_put(cmd);
		break;
	case BI_R_IO_MD_RETAIN:
		IOMemoryDescriptor_retain(md);
		break;
	case BI_R_IO_MD_RELEASE:
		IOMemoryDescriptor_release(md);
		break;
	case BI_R_IO_RETAIN:
		IODMACommand_retain(cmd);
		break;
	default:
		IODMACommand_release(cmd);
		break;
	}
	return 0;
}

/* ---- Descriptors ---- */

static long bi_md_from_kva(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_md_from_kva((void *)(unsigned long)
					bi_addr(f, r->arg, kernel_task),
					r->b, r->c);
}

static long bi_md_from_phys(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_md_from_phys(bi_addr(f, r->arg, NULL), r->b, r->c);
}

static long bi_md_from_pages(struct bi_fix *f, const struct bi_row *r)
{
	struct page *pages[2] = { virt_to_page(f->buf),
				  virt_to_page(f->buf + PAGE_SIZE) };

	pages[1] = bi_ptr(r->obj, pages[1]);
	return (long)dmacmd_md_from_pages(bi_ptr(r->arg, pages), r->d, r->a,
					  r->b, r->c);
}

static long bi_md_from_sgtable(struct bi_fix *f, const struct bi_row *r)
{
	struct scatterlist sg[2];
	struct sg_table sgt = { .sgl = sg, .orig_nents = r->d, .nents = r->d };

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], virt_to_page(f->buf), r->b, 0);
	sg_set_page(&sg[1], virt_to_page(f->buf + PAGE_SIZE), r->b, 0);
	if (r->obj == BI_NULL)
		sg_assign_page(&sg[0], NULL);
	return (long)dmacmd_md_from_sgtable(bi_ptr(r->arg, &sgt), r->c);
}

static long bi_md_from_user(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_md_from_user(bi_addr(f, r->arg, current), r->b,
					 r->c);
}

static long bi_md_from_ranges(struct bi_fix *f, const struct bi_row *r)
{
	/* BI_T_OTHER stands for a value that names no address space. */
	static const enum dmacmd_addr_space space[] = {
		[BI_T_PHYS] = DMACMD_ADDR_PHYS,
		[BI_T_KERNEL] = DMACMD_ADDR_KERNEL,
		[BI_T_CURRENT] = DMACMD_ADDR_USER,
		[BI_T_OTHER] = (enum dmacmd_addr_space)7,
	};
	u64 addr = bi_addr(f, r->obj, bi_task(r->d));
	struct dmacmd_range ranges[2] = { { addr, r->b }, { addr, r->b } };

	return (long)dmacmd_md_from_ranges(bi_ptr(r->arg, ranges), r->a, r->c,
					   space[r->d]);
}

static long bi_md_sub(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_md_sub(bi_md(f, r), r->a, r->b, r->c);
}

/* A sub-range of a chain of sub-ranges already DMACMD_MD_ITER_DEPTH deep. */
static long bi_md_sub_deep(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *chain[DMACMD_MD_ITER_DEPTH] = { f->md };
	struct dmacmd_md *md = ERR_PTR(-ENOTBLK);
	int i;

	for (i = 1; i < DMACMD_MD_ITER_DEPTH; i++) {
		chain[i] = dmacmd_md_sub(chain[i - 1], 0, BI_LEN, r->c);
		if (IS_ERR(chain[i]))
			break;
	}
	KUNIT_EXPECT_EQ_MSG(f->test, i, DMACMD_MD_ITER_DEPTH,
			    "the chain stopped early");
	if (i == DMACMD_MD_ITER_DEPTH)
		md = dmacmd_md_sub(chain[i - 1], 0, BI_LEN, r->c);
	while (--i > 0)
		dmacmd_md_put(chain[i]);
	return (long)md;
}

static long bi_md_multi(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *mds[2] = { f->md, bi_ptr(r->obj, f->md) };

	return (long)dmacmd_md_multi(bi_ptr(r->arg, mds), r->a, r->c);
}

/* BI_LEN times 256^k, for the largest k that keeps it within 64 bits. */
static u64 bi_multi_top(void)
{
	u64 len = BI_LEN;

	while (len <= U64_MAX / 256)
		len *= 256;
	return len;
}

/* Concatenations of 256 copies of the last, until the length passes u64. */
static long bi_md_multi_huge(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md **mds, *level = f->md, *next = ERR_PTR(-ENOTBLK);
	int i, depth;

	mds = kunit_kmalloc_array(f->test, 256, sizeof(*mds), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(f->test, mds);
	dmacmd_md_get(level);
	for (depth = 1; depth < DMACMD_MD_ITER_DEPTH; depth++) {
		for (i = 0; i < 256; i++)
			mds[i] = level;
		next = dmacmd_md_multi(mds, 256, r->c);
		if (IS_ERR(next))
			break;
		dmacmd_md_put(level);
		level = next;
	}
	/*
	 * The last level that fits is BI_LEN times the largest power of 256
	 * that keeps it within 64 bits (16 KiB * 256^6 = 2^62 with 4 KiB
	 * pages, 256 KiB * 256^5 = 2^58 with 64 KiB): the next overflows.
	 */
	KUNIT_EXPECT_EQ(f->test, dmacmd_md_length(level), bi_multi_top());
	dmacmd_md_put(level);
	return (long)next;
}

static long bi_md_alloc(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_md_alloc(r->b, r->a, r->d, r->c);
}

/*
 * The caller's last reference goes while the descriptor is prepared twice:
 * logged, completed (user pages unpinned) and freed.
 */
static long bi_md_put_prepared(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md;
	long ret;

	if (r->mem == BI_M_USER)
		md = dmacmd_md_from_user(f->uaddr, BI_LEN, DMA_BIDIRECTIONAL);
	else
		md = dmacmd_md_from_kva(f->buf, BI_LEN, DMA_BIDIRECTIONAL);
	if (IS_ERR(md))
		return PTR_ERR(md);
	ret = dmacmd_md_prepare(md);
	if (!ret)
		ret = dmacmd_md_prepare(md);
	dmacmd_md_put(md);
	return ret;
}

/* The caller drops its reference while a command holds one. */
static long bi_md_put_attached(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = dmacmd_md_sub(f->md, 0, BI_LEN,
					     DMA_BIDIRECTIONAL);
	u64 len;

	if (IS_ERR(md))
		return PTR_ERR(md);
	KUNIT_ASSERT_EQ(f->test, dmacmd_set_memory(f->cmd, md, 0), 0);
	dmacmd_md_put(md);
	/* Alive through the command's reference (KASAN would tell). */
	len = dmacmd_md_length(dmacmd_memory(f->cmd));
	KUNIT_EXPECT_EQ(f->test, dmacmd_clear_memory(f->cmd, DMACMD_AUTO), 0);
	return len;
}

static long bi_md_prepare(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_md_prepare(bi_md(f, r));
}

static long bi_md_prepare_atomic(struct bi_fix *f, const struct bi_row *r)
{
	return BI_ATOMIC(dmacmd_md_prepare(bi_md(f, r)));
}

static long bi_md_complete(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_md_complete(bi_md(f, r));
}

static long bi_md_complete_twice(struct bi_fix *f, const struct bi_row *r)
{
	KUNIT_ASSERT_EQ(f->test, dmacmd_md_prepare(f->md), 0);
	KUNIT_ASSERT_EQ(f->test, dmacmd_md_complete(f->md), 0);
	return dmacmd_md_complete(f->md);
}

static long bi_md_phys_segment(struct bi_fix *f, const struct bi_row *r)
{
	u64 len = 1;
	phys_addr_t phys = dmacmd_md_phys_segment(bi_md(f, r), r->a, &len);

	if (!phys)
		KUNIT_EXPECT_EQ_MSG(f->test, len, 0, "length of no segment");
	return phys;
}

/* ---- Commands ---- */

static long bi_create(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_create(bi_dev(f, r->arg), bi_ptr(r->obj, bi_sp(r)),
				   NULL);
}

static long bi_create_atomic(struct bi_fix *f, const struct bi_row *r)
{
	return BI_ATOMIC(dmacmd_create(f->dev, bi_sp(r), NULL));
}

/* A device whose dma_mask pointer is NULL: it does no DMA. */
static long bi_create_no_mask(struct bi_fix *f, const struct bi_row *r)
{
	u64 *mask = f->dev->dma_mask;
	struct dmacmd *cmd;

	f->dev->dma_mask = NULL;
	cmd = dmacmd_create(f->dev, bi_sp(r), NULL);
	f->dev->dma_mask = mask;
	return (long)cmd;
}

static long bi_clone(struct bi_fix *f, const struct bi_row *r)
{
	return (long)dmacmd_clone(bi_cmd(f, r), NULL);
}

/* The last reference goes while prepared: logged, completed, freed. */
static long bi_put_prepared(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd *cmd = dmacmd_create(f->dev, bi_sp(r), NULL);
	long ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_set_memory(cmd, f->md, DMACMD_AUTO);
	dmacmd_put(cmd);
	return ret;
}

static long bi_set_refcon(struct bi_fix *f, const struct bi_row *r)
{
	dmacmd_set_refcon(bi_cmd(f, r), f);
	/* The fixture's command keeps its cookie. */
	return (long)dmacmd_refcon(f->cmd) - (long)f->test;
}

static long bi_get_spec(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_spec sp;

	return dmacmd_get_spec(bi_cmd(f, r),
			       r->nulls & BI_NO_OUT ? NULL : &sp);
}

/* Flags of set/clear memory: @r->d as it is, else %DMACMD_AUTO if @r->a. */
static unsigned int bi_mem_flags(const struct bi_row *r)
{
	return r->d ?: (r->a ? DMACMD_AUTO : 0);
}

/* Flags of prepare or complete: @r->d as it is, else @def. */
static unsigned int bi_flags(const struct bi_row *r, unsigned int def)
{
	return r->d ?: def;
}

static long bi_set_memory(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = r->arg == BI_OTHER ? bi_data(f, BI_OTHER) :
			       bi_ptr(r->arg, f->md);
	long ret = dmacmd_set_memory(bi_cmd(f, r), md, bi_mem_flags(r));

	if (r->arg == BI_OTHER)
		dmacmd_md_put(md);
	return ret;
}

static long bi_clear_memory(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_clear_memory(bi_cmd(f, r), bi_mem_flags(r));
}

static long bi_prepare(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_prepare(bi_cmd(f, r), r->a, r->b,
			      bi_flags(r, DMACMD_PREPARE_DEFAULT));
}

static long bi_prepare_atomic(struct bi_fix *f, const struct bi_row *r)
{
	return BI_ATOMIC(dmacmd_prepare(f->cmd, 0, 0, DMACMD_PREPARE_DEFAULT));
}

static long bi_prepare_with_spec(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_prepare_with_spec(bi_cmd(f, r), bi_ptr(r->arg, bi_sp(r)),
					r->a, r->b,
					bi_flags(r, DMACMD_PREPARE_DEFAULT));
}

/* A command made without device or spec, then given a mapped spec. */
static long bi_prepare_with_spec_no_dev(struct bi_fix *f,
					const struct bi_row *r)
{
	struct dmacmd *cmd = dmacmd_create(NULL, NULL, NULL);
	long ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_set_memory(cmd, f->md, 0);
	if (!ret)
		ret = dmacmd_prepare_with_spec(cmd, bi_sp(r), 0, 0,
					       DMACMD_PREPARE_DEFAULT);
	dmacmd_put(cmd);
	return ret;
}

static long bi_complete(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_complete(bi_cmd(f, r), bi_flags(r, DMACMD_COMPLETE_DEFAULT));
}

static long bi_synchronize(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_synchronize(bi_cmd(f, r), r->a);
}

static long bi_prepared_range(struct bi_fix *f, const struct bi_row *r)
{
	u64 off, len;

	return dmacmd_prepared_range(bi_cmd(f, r), &off, &len);
}

static bool bi_out_false(struct dmacmd *cmd, struct dmacmd_seg64 seg,
			 void *segs, u32 index)
{
	return false;
}

static dmacmd_seg_fn bi_out_fn(u64 which)
{
	switch (which) {
	case BI_OUT_HOST32:
		return dmacmd_out_host32;
	case BI_OUT_FALSE:
		return bi_out_false;
	default:
		return NULL;
	}
}

/*
 * Generate with @r->gen from offset @r->a into the fixture's array
 * (capacity @r->b, or BI_SEGS) with the output pointers the row passes; a
 * refused call must leave the offset and the count as they were.
 */
static long bi_gen(struct bi_fix *f, const struct bi_row *r)
{
	u32 cap = r->nulls & BI_ZERO_NSEGS ? 0 : r->b ?: BI_SEGS;
	u64 off = r->a;
	u32 n = cap;
	long ret;

	ret = r->gen(f, r, r->nulls & BI_NO_OFFSET ? NULL : &off,
		  r->nulls & BI_NO_SEGS ? NULL : f->seg,
		  r->nulls & BI_NO_NSEGS ? NULL : &n);
	if (ret) {
		KUNIT_EXPECT_EQ_MSG(f->test, off, r->a,
				    "a refused call moved the offset");
		KUNIT_EXPECT_EQ_MSG(f->test, n, cap,
				    "a refused call changed the count");
	}
	return ret;
}

static long bi_gen_segments_call(struct bi_fix *f, const struct bi_row *r,
				 u64 *offset, void *segs, u32 *nsegs)
{
	return dmacmd_gen_segments(bi_cmd(f, r), bi_out_fn(r->d), offset, segs,
				   nsegs);
}

static long bi_gen32_call(struct bi_fix *f, const struct bi_row *r,
			  u64 *offset, void *segs, u32 *nsegs)
{
	return dmacmd_gen32(bi_cmd(f, r), offset, segs, nsegs);
}

static long bi_gen64_call(struct bi_fix *f, const struct bi_row *r,
			  u64 *offset, void *segs, u32 *nsegs)
{
	return dmacmd_gen64(bi_cmd(f, r), offset, segs, nsegs);
}

static long bi_prepare_for_dma(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = r->arg == BI_OTHER ? bi_data(f, BI_OTHER) :
			       bi_ptr(r->arg, f->md);
	u32 n = r->nulls & BI_ZERO_NSEGS ? 0 : r->b ?: BI_SEGS;
	u64 flags;
	long ret;

	ret = dmacmd_prepare_for_dma(bi_cmd(f, r), r->d, md, r->a, r->c,
				     r->nulls & BI_NO_FLAGS ? NULL : &flags,
				     r->nulls & BI_NO_NSEGS ? NULL : &n,
				     r->nulls & BI_NO_SEGS ? NULL : f->seg);
	if (r->arg == BI_OTHER)
		dmacmd_md_put(md);
	return ret;
}

static long bi_complete_dma(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_complete_dma(bi_cmd(f, r), r->d);
}

static long bi_get_preparation(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *md = NULL;
	u64 off, len;
	long ret;

	ret = dmacmd_get_preparation(bi_cmd(f, r), &off, &len, &md);
	KUNIT_EXPECT_TRUE(f->test, !ret || !md);
	dmacmd_md_put(md);
	return ret;
}

static long bi_perform_operation(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *data = bi_data(f, r->arg);
	long ret;

	ret = dmacmd_perform_operation(bi_cmd(f, r), r->d, r->a, r->b, r->c,
				       data);
	dmacmd_md_put(data);
	return ret;
}

/*
 * An output function, @r->d picking which, writes a segment that does not
 * fit 32 bits (or reaches the top of the address space) at index 1 with a
 * NULL command: the 32-bit ones truncate, all return true.
 */
static long bi_out_seg(struct bi_fix *f, const struct bi_row *r)
{
	static const dmacmd_seg_fn fns[] = {
		dmacmd_out_host32, dmacmd_out_be32, dmacmd_out_le32,
		dmacmd_out_host64, dmacmd_out_be64, dmacmd_out_le64,
	};
	const struct dmacmd_seg64 seg = { .addr = 0xfffffffffffff000ULL,
					  .len = 0x100001000ULL };
	u32 a32 = lower_32_bits(seg.addr), l32 = lower_32_bits(seg.len);
	union {
		u32 h32[2];
		__be32 b32[2];
		__le32 l32[2];
		u64 h64[2];
		__be64 b64[2];
		__le64 l64[2];
	} want;
	size_t size = r->d < 3 ? 8 : 16;
	bool ret;

	switch (r->d) {
	case 0:
		want.h32[0] = a32;
		want.h32[1] = l32;
		break;
	case 1:
		want.b32[0] = cpu_to_be32(a32);
		want.b32[1] = cpu_to_be32(l32);
		break;
	case 2:
		want.l32[0] = cpu_to_le32(a32);
		want.l32[1] = cpu_to_le32(l32);
		break;
	case 3:
		want.h64[0] = seg.addr;
		want.h64[1] = seg.len;
		break;
	case 4:
		want.b64[0] = cpu_to_be64(seg.addr);
		want.b64[1] = cpu_to_be64(seg.len);
		break;
	default:
		want.l64[0] = cpu_to_le64(seg.addr);
		want.l64[1] = cpu_to_le64(seg.len);
		break;
	}
	ret = fns[r->d](NULL, seg, f->seg, 1);
	KUNIT_EXPECT_MEMEQ(f->test, (u8 *)f->seg + size, &want, size);
	/* Element 0 and what follows element 1 stay as they were. */
	KUNIT_EXPECT_NULL(f->test, memchr_inv(f->seg, BI_POISON, size));
	KUNIT_EXPECT_NULL(f->test, memchr_inv((u8 *)f->seg + 2 * size,
					      BI_POISON, size));
	return ret;
}

/* ---- IOKit porting wrappers: descriptors ---- */

static long bi_io_with_address_range(struct bi_fix *f, const struct bi_row *r)
{
	task_t task = bi_task(r->d);

	return (long)IOMemoryDescriptor_withAddressRange(bi_addr(f, r->obj,
								 task),
							 r->b, r->c, task);
}

static long bi_io_with_address_ranges(struct bi_fix *f, const struct bi_row *r)
{
	task_t task = bi_task(r->d);
	IOAddressRange ranges[1] = { { bi_addr(f, r->obj, task), r->b } };

	IOAddressRange *arg = bi_ptr(r->arg, ranges);

	return (long)IOMemoryDescriptor_withAddressRanges(arg, r->a, r->c,
							  task);
}

static long bi_io_with_address(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IOMemoryDescriptor_withAddress((void *)(unsigned long)
						    bi_addr(f, r->arg,
							    kernel_task),
						    r->b, r->c);
}

static long bi_io_with_physical_address(struct bi_fix *f,
					const struct bi_row *r)
{
	return (long)IOMemoryDescriptor_withPhysicalAddress(bi_addr(f, r->arg,
								    NULL),
							    r->b, r->c);
}

static long bi_io_with_sub_range(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IOSubMemoryDescriptor_withSubRange(bi_md(f, r), r->a, r->b,
							r->c);
}

static long bi_io_with_descriptors(struct bi_fix *f, const struct bi_row *r)
{
	struct dmacmd_md *mds[1] = { f->md };

	IOMemoryDescriptor **arg = bi_ptr(r->arg, mds);

	return (long)IOMultiMemoryDescriptor_withDescriptors(arg, r->a, r->c,
							     false);
}

static long bi_io_in_task_with_physical_mask(struct bi_fix *f,
					     const struct bi_row *r)
{
	task_t task = bi_task(r->d);

	return (long)IOBufferMemoryDescriptor_inTaskWithPhysicalMask(task, r->c,
								     r->b,
								     r->a);
}

static long bi_io_in_task_with_options(struct bi_fix *f,
				       const struct bi_row *r)
{
	return (long)IOBufferMemoryDescriptor_inTaskWithOptions(bi_task(r->d),
								r->c, r->b,
								r->a);
}

static long bi_md_set_length(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_md_set_length(bi_md(f, r), r->b);
}

static long bi_md_sub_retarget(struct bi_fix *f, const struct bi_row *r)
{
	return dmacmd_md_sub_retarget(bi_md(f, r), f->md, r->a, r->b, r->c);
}

/* setLength() returns nothing: the row's value is the length after it. */
static long bi_io_set_length(struct bi_fix *f, const struct bi_row *r)
{
	IOBufferMemoryDescriptor_setLength(bi_md(f, r), r->b);
	return IOMemoryDescriptor_getLength(f->md);
}

static long bi_io_init_sub_range(struct bi_fix *f, const struct bi_row *r)
{
	return IOSubMemoryDescriptor_initSubRange(bi_md(f, r), f->md, r->a,
						  r->b, r->c);
}

static long bi_io_with_options(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IOBufferMemoryDescriptor_withOptions(r->c, r->b, r->a);
}

static long bi_io_with_capacity(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IOBufferMemoryDescriptor_withCapacity(r->b, r->c, r->a);
}

static long bi_io_md_prepare(struct bi_fix *f, const struct bi_row *r)
{
	return IOMemoryDescriptor_prepare(bi_md(f, r), r->c);
}

static long bi_io_md_complete(struct bi_fix *f, const struct bi_row *r)
{
	return IOMemoryDescriptor_complete(bi_md(f, r), r->c);
}

static long bi_io_md_get_physical_segment(struct bi_fix *f,
					  const struct bi_row *r)
{
	IOByteCount len = 1;
	u64 phys = IOMemoryDescriptor_getPhysicalSegment(bi_md(f, r), r->a,
							 &len, 0);

	if (!phys)
		KUNIT_EXPECT_EQ_MSG(f->test, len, 0, "length of no segment");
	return phys;
}

/* ---- IOKit porting wrappers: commands ---- */

static long bi_io_with_specification_options(struct bi_fix *f,
					     const struct bi_row *r)
{
	const struct dmacmd_spec *sp = bi_sp(r);
	IODMACommand_SegmentOptions o = bi_seg_options(sp);

	return (long)IODMACommand_withSpecificationOptions(sp->out_fn,
							   bi_ptr(r->obj, &o),
							   sp->map_options,
							   bi_dev(f, r->arg),
							   NULL);
}

static long bi_io_with_specification(struct bi_fix *f, const struct bi_row *r)
{
	const struct dmacmd_spec *sp = bi_sp(r);

	return (long)IODMACommand_withSpecification(sp->out_fn,
						    sp->address_bits,
						    sp->max_segment_size,
						    sp->map_options,
						    sp->max_transfer_size,
						    sp->alignment,
						    bi_dev(f, r->arg), NULL);
}

static long bi_io_weak_with_specification(struct bi_fix *f,
					  const struct bi_row *r)
{
	const struct dmacmd_spec *sp = bi_sp(r);
	IODMACommand *cmd = ERR_PTR(-ENOTBLK);
	IOReturn ret;

	ret = IODMACommand_weakWithSpecification(r->nulls & BI_NO_OUT ? NULL :
						 &cmd, sp->out_fn,
						 sp->address_bits,
						 sp->max_segment_size,
						 sp->map_options,
						 sp->max_transfer_size,
						 sp->alignment,
						 bi_dev(f, r->arg), NULL);
	if (!(r->nulls & BI_NO_OUT))
		KUNIT_EXPECT_TRUE_MSG(f->test, ret || cmd, "no command stored");
	if (ret && !(r->nulls & BI_NO_OUT))
		KUNIT_EXPECT_NULL_MSG(f->test, cmd, "failed, yet stored %p",
				      cmd);
	if (!ret)
		OSObject_release(cmd);
	return ret;
}

static long bi_io_with_ref_con(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IODMACommand_withRefCon(bi_dev(f, r->arg), NULL);
}

static long bi_io_clone_command(struct bi_fix *f, const struct bi_row *r)
{
	return (long)IODMACommand_cloneCommand(bi_cmd(f, r), NULL);
}

static long bi_io_set_ref_con(struct bi_fix *f, const struct bi_row *r)
{
	IODMACommand_setRefCon(bi_cmd(f, r), f);
	return 0;
}

static long bi_io_set_memory_descriptor(struct bi_fix *f,
					const struct bi_row *r)
{
	IOMemoryDescriptor *md = r->arg == BI_OTHER ? bi_data(f, BI_OTHER) :
				 bi_ptr(r->arg, f->md);
	IOReturn ret = IODMACommand_setMemoryDescriptor(bi_cmd(f, r), md, r->a);

	if (r->arg == BI_OTHER)
		OSObject_release(md);
	return ret;
}

static long bi_io_clear_memory_descriptor(struct bi_fix *f,
					  const struct bi_row *r)
{
	return IODMACommand_clearMemoryDescriptor(bi_cmd(f, r), r->a);
}

static long bi_io_prepare(struct bi_fix *f, const struct bi_row *r)
{
	return IODMACommand_prepare(bi_cmd(f, r), r->a, r->b, true, true);
}

static long bi_io_prepare_atomic(struct bi_fix *f, const struct bi_row *r)
{
	return BI_ATOMIC(IODMACommand_prepare(f->cmd, 0, 0, true, true));
}

static long bi_io_prepare_with_specification_options(struct bi_fix *f,
						     const struct bi_row *r)
{
	const struct dmacmd_spec *sp = bi_sp(r);
	IODMACommand_SegmentOptions o = bi_seg_options(sp);
	struct device *dev = r->d ? dmacmd_kt_fake_dev(f->test, 64) : NULL;

	return IODMACommand_prepareWithSpecificationOptions(bi_cmd(f, r),
							    sp->out_fn,
							    bi_ptr(r->arg, &o),
							    sp->map_options,
							    dev, r->a, r->b,
							    true, true);
}

static long bi_io_prepare_with_specification(struct bi_fix *f,
					     const struct bi_row *r)
{
	const struct dmacmd_spec *sp = bi_sp(r);

	return IODMACommand_prepareWithSpecification(bi_cmd(f, r), sp->out_fn,
						     sp->address_bits,
						     sp->max_segment_size,
						     sp->map_options,
						     sp->max_transfer_size,
						     sp->alignment, NULL,
						     r->a, r->b, true, true);
}

static long bi_io_complete(struct bi_fix *f, const struct bi_row *r)
{
	return IODMACommand_complete(bi_cmd(f, r), true, true);
}

static long bi_io_synchronize(struct bi_fix *f, const struct bi_row *r)
{
	return IODMACommand_synchronize(bi_cmd(f, r), r->a);
}

static long bi_io_get_prepared_offset_and_length(struct bi_fix *f,
						 const struct bi_row *r)
{
	UInt64 off = 1, len = 1;
	IOReturn ret;

	ret = IODMACommand_getPreparedOffsetAndLength(bi_cmd(f, r), &off, &len);
	if (ret)
		KUNIT_EXPECT_TRUE_MSG(f->test, off == 1 && len == 1,
				      "a refused call wrote %llu+%llu",
				      off, len);
	return ret;
}

static long bi_io_gen_with_function_call(struct bi_fix *f,
					 const struct bi_row *r, u64 *offset,
					 void *segs, u32 *nsegs)
{
	return IODMACommand_genIOVMSegmentsWithFunction(bi_cmd(f, r),
							bi_out_fn(r->d),
							offset, segs, nsegs);
}

static long bi_io_gen_call(struct bi_fix *f, const struct bi_row *r,
			   u64 *offset, void *segs, u32 *nsegs)
{
	return IODMACommand_genIOVMSegments(bi_cmd(f, r), offset, segs, nsegs);
}

static long bi_io_gen32_call(struct bi_fix *f, const struct bi_row *r,
			     u64 *offset, void *segs, u32 *nsegs)
{
	return IODMACommand_gen32IOVMSegments(bi_cmd(f, r), offset, segs,
					      nsegs);
}

static long bi_io_gen64_call(struct bi_fix *f, const struct bi_row *r,
			     u64 *offset, void *segs, u32 *nsegs)
{
	return IODMACommand_gen64IOVMSegments(bi_cmd(f, r), offset, segs,
					      nsegs);
}

/* ---- DriverKit porting wrappers ---- */

static long bi_dk_create(struct bi_fix *f, const struct bi_row *r)
{
	IODMACommandSpecification spec = { .options = r->c,
					   .maxAddressBits = r->a };
	IODMACommand *cmd = NULL;
	kern_return_t ret;

	ret = IODMACommand_Create(bi_dev(f, r->arg), r->d,
				  bi_ptr(r->obj, &spec),
				  r->nulls & BI_NO_OUT ? NULL : &cmd);
	if (!ret)
		OSObject_release(cmd);
	return ret;
}

static long bi_dk_prepare_for_dma(struct bi_fix *f, const struct bi_row *r)
{
	IOMemoryDescriptor *md = r->arg == BI_OTHER ? bi_data(f, BI_OTHER) :
				 bi_ptr(r->arg, f->md);
	u32 n = r->nulls & BI_ZERO_NSEGS ? 0 : r->b ?: BI_SEGS;
	u64 flags;
	kern_return_t ret;

	ret = IODMACommand_PrepareForDMA(bi_cmd(f, r), r->d, md, r->a, r->c,
					 r->nulls & BI_NO_FLAGS ? NULL : &flags,
					 &n, (IOAddressSegment *)f->seg);
	if (r->arg == BI_OTHER)
		OSObject_release(md);
	/* Accepted (a NULL @flags): undo it, so that nothing changed. */
	if (!ret)
		KUNIT_EXPECT_EQ(f->test, IODMACommand_CompleteDMA(f->cmd, 0),
				kIOReturnSuccess);
	return ret;
}

static long bi_dk_complete_dma(struct bi_fix *f, const struct bi_row *r)
{
	return IODMACommand_CompleteDMA(bi_cmd(f, r), r->d);
}

static long bi_dk_get_preparation(struct bi_fix *f, const struct bi_row *r)
{
	return IODMACommand_GetPreparation(bi_cmd(f, r), NULL, NULL, NULL);
}

static long bi_dk_perform_operation(struct bi_fix *f, const struct bi_row *r)
{
	IOMemoryDescriptor *data = bi_data(f, r->arg);
	kern_return_t ret;

	ret = IODMACommand_PerformOperation(bi_cmd(f, r), r->d, r->a, r->b,
					    r->c, data);
	OSSafeReleaseNULL(data);
	return ret;
}

/* ---- The table ---- */

/* Specs refused by dmacmd_create() and every spec-taking call. */
#define BI_SP(...)	(&(const struct dmacmd_spec){ __VA_ARGS__ })
#define BI_SP_65BITS	BI_SP(dmacmd_out_host64, 65)
#define BI_SP_NO_FN	BI_SP(NULL, 64)
#define BI_SP_UNMAPPED	BI_SP(dmacmd_out_host64,			\
			      .map_options = DMACMD_MAP_UNMAPPED)

#define BI_ROW(_fn, _input, _call, ...)					\
	{ .fn = _fn, .input = _input, .call = _call, __VA_ARGS__ }

/* A row of a native function returning an -errno. */
#define BI_ERRNO(_fn, _input, _call, _want, ...)			\
	BI_ROW(_fn, _input, _call, .want = _want, __VA_ARGS__)

static const struct bi_row bi_rows[] = {
	/* dmacmd_md_from_kva() */
	BI_ROW("dmacmd_md_from_kva", "NULL address", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_NULL, .b = BI_LEN),
	BI_ROW("dmacmd_md_from_kva", "ERR_PTR address", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_ERR, .b = 1),
	BI_ROW("dmacmd_md_from_kva", "module data", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_MODULE, .b = 64),
	BI_ROW("dmacmd_md_from_kva", "range wraps past the top", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_TOP,
	       .b = 2 * PAGE_SIZE),
	BI_ROW("dmacmd_md_from_kva", "length 0: accepted, empty",
	       bi_md_from_kva, .kind = BI_MD, .want = BI_MADE, .b = 0),
	BI_ROW("dmacmd_md_from_kva", "NULL, length 0: accepted, empty",
	       bi_md_from_kva, .kind = BI_MD, .want = BI_MADE, .arg = BI_NULL,
	       .b = 0),
	BI_ROW("dmacmd_md_from_kva", "length 0, direction 4", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .b = 0, .c = 4),
	BI_ROW("dmacmd_md_from_kva", "length SIZE_MAX", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .b = SIZE_MAX),
	BI_ROW("dmacmd_md_from_kva", "direction 4", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .b = BI_LEN, .c = 4),
	BI_ROW("dmacmd_md_from_kva", "direction -1", bi_md_from_kva,
	       .kind = BI_MD, .want = -EINVAL, .b = BI_LEN, .c = -1),
	BI_ROW("dmacmd_md_from_kva", "DMA_NONE: accepted as both ways",
	       bi_md_from_kva, .kind = BI_MD, .want = BI_MADE, .b = BI_LEN,
	       .c = DMA_NONE),

	/* dmacmd_md_from_phys() */
	BI_ROW("dmacmd_md_from_phys", "range wraps past the top",
	       bi_md_from_phys, .kind = BI_MD, .want = -EINVAL, .arg = BI_TOP,
	       .b = PAGE_SIZE),
	BI_ROW("dmacmd_md_from_phys", "length SIZE_MAX", bi_md_from_phys,
	       .kind = BI_MD, .want = -EINVAL, .b = SIZE_MAX),
	BI_ROW("dmacmd_md_from_phys", "length 0: accepted, empty",
	       bi_md_from_phys, .kind = BI_MD, .want = BI_MADE, .b = 0),
	BI_ROW("dmacmd_md_from_phys", "direction 4", bi_md_from_phys,
	       .kind = BI_MD, .want = -EINVAL, .b = BI_LEN, .c = 4),

	/* dmacmd_md_from_pages() */
	BI_ROW("dmacmd_md_from_pages", "NULL array", bi_md_from_pages,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_NULL, .b = 100,
	       .d = 2),
	BI_ROW("dmacmd_md_from_pages", "ERR_PTR array", bi_md_from_pages,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_ERR, .b = 100, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "0 pages", bi_md_from_pages,
	       .kind = BI_MD, .want = -EINVAL, .b = 100, .d = 0),
	BI_ROW("dmacmd_md_from_pages", "length 0", bi_md_from_pages,
	       .kind = BI_MD, .want = -EINVAL, .b = 0, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "runs past the last page",
	       bi_md_from_pages, .kind = BI_MD, .want = -EINVAL, .a = 100,
	       .b = 2 * PAGE_SIZE, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "offset SIZE_MAX: offset + length wraps",
	       bi_md_from_pages, .kind = BI_MD, .want = -EINVAL, .a = SIZE_MAX,
	       .b = 2, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "NULL page in the range",
	       bi_md_from_pages, .kind = BI_MD, .want = -EINVAL, .obj = BI_NULL,
	       .b = 2 * PAGE_SIZE, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "ERR_PTR page in the range",
	       bi_md_from_pages, .kind = BI_MD, .want = -EINVAL, .obj = BI_ERR,
	       .b = 2 * PAGE_SIZE, .d = 2),
	BI_ROW("dmacmd_md_from_pages", "direction 7", bi_md_from_pages,
	       .kind = BI_MD, .want = -EINVAL, .b = 100, .c = 7, .d = 2),

	/* dmacmd_md_from_sgtable() */
	BI_ROW("dmacmd_md_from_sgtable", "NULL table", bi_md_from_sgtable,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_NULL, .b = 100,
	       .d = 2),
	BI_ROW("dmacmd_md_from_sgtable", "ERR_PTR table", bi_md_from_sgtable,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_ERR, .b = 100, .d = 2),
	BI_ROW("dmacmd_md_from_sgtable", "no entries", bi_md_from_sgtable,
	       .kind = BI_MD, .want = -EINVAL, .b = 100, .d = 0),
	BI_ROW("dmacmd_md_from_sgtable", "an entry without a page",
	       bi_md_from_sgtable, .kind = BI_MD, .want = -EINVAL,
	       .obj = BI_NULL, .b = 100, .d = 2),
	BI_ROW("dmacmd_md_from_sgtable", "total length 0", bi_md_from_sgtable,
	       .kind = BI_MD, .want = -EINVAL, .b = 0, .d = 2),
	BI_ROW("dmacmd_md_from_sgtable", "direction 4", bi_md_from_sgtable,
	       .kind = BI_MD, .want = -EINVAL, .b = 100, .c = 4, .d = 2),

	/* dmacmd_md_from_user() */
	BI_ROW("dmacmd_md_from_user", "kernel thread without an mm",
	       bi_md_from_user, .kind = BI_MD, .want = -EINVAL, .arg = BI_NULL,
	       .b = BI_LEN),
	BI_ROW("dmacmd_md_from_user", "kernel address", bi_md_from_user,
	       .kind = BI_MD, .want = -EFAULT, .mem = BI_M_USER,
	       .arg = BI_KERNEL, .b = BI_LEN),
	BI_ROW("dmacmd_md_from_user", "range wraps past the top",
	       bi_md_from_user, .kind = BI_MD, .want = -EINVAL,
	       .mem = BI_M_USER, .arg = BI_TOP, .b = 2 * PAGE_SIZE),
	BI_ROW("dmacmd_md_from_user", "length 0: accepted, empty",
	       bi_md_from_user, .kind = BI_MD, .want = BI_MADE,
	       .mem = BI_M_USER, .b = 0),
	BI_ROW("dmacmd_md_from_user", "no mm, length 0: accepted, empty",
	       bi_md_from_user, .kind = BI_MD, .want = BI_MADE, .arg = BI_NULL,
	       .b = 0),
	BI_ROW("dmacmd_md_from_user", "length SIZE_MAX", bi_md_from_user,
	       .kind = BI_MD, .want = -EINVAL, .mem = BI_M_USER, .b = SIZE_MAX),
	BI_ROW("dmacmd_md_from_user", "direction 9", bi_md_from_user,
	       .kind = BI_MD, .want = -EINVAL, .mem = BI_M_USER, .b = BI_LEN,
	       .c = 9),
	BI_ROW("dmacmd_md_from_user", "address 0: accepted, prepare checks",
	       bi_md_from_user, .kind = BI_MD, .want = BI_MADE,
	       .mem = BI_M_USER, .arg = BI_NULL, .b = 64),

	/* dmacmd_md_from_ranges() */
	BI_ROW("dmacmd_md_from_ranges", "NULL array", bi_md_from_ranges,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_NULL, .a = 1,
	       .b = BI_LEN),
	BI_ROW("dmacmd_md_from_ranges", "ERR_PTR array", bi_md_from_ranges,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_ERR, .a = 1,
	       .b = BI_LEN),
	BI_ROW("dmacmd_md_from_ranges", "count 0", bi_md_from_ranges,
	       .kind = BI_MD, .want = -EINVAL, .a = 0, .b = BI_LEN),
	BI_ROW("dmacmd_md_from_ranges", "a range of length 0",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL, .a = 2,
	       .b = 0),
	BI_ROW("dmacmd_md_from_ranges", "physical range wraps past the top",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL, .obj = BI_TOP,
	       .a = 1, .b = PAGE_SIZE),
	BI_ROW("dmacmd_md_from_ranges", "total length passes U64_MAX",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL,
	       .obj = BI_NULL, .a = 2, .b = 1ULL << 63),
	BI_ROW("dmacmd_md_from_ranges", "kernel task, module data",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL,
	       .obj = BI_MODULE, .a = 1, .b = 64, .d = BI_T_KERNEL),
	BI_ROW("dmacmd_md_from_ranges", "kernel task, address 0",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL,
	       .obj = BI_NULL, .a = 1, .b = 64, .d = BI_T_KERNEL),
	BI_ROW("dmacmd_md_from_ranges", "unknown address space", bi_md_from_ranges,
	       .kind = BI_MD, .want = -EINVAL, .a = 1, .b = 64,
	       .d = BI_T_OTHER),
	BI_ROW("dmacmd_md_from_ranges", "current task without an mm",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL,
	       .obj = BI_NULL, .a = 1, .b = 64, .d = BI_T_CURRENT),
	BI_ROW("dmacmd_md_from_ranges", "current task, kernel addresses",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EFAULT,
	       .mem = BI_M_USER, .obj = BI_KERNEL, .a = 2, .b = 64,
	       .d = BI_T_CURRENT),
	BI_ROW("dmacmd_md_from_ranges", "current task, direction 5",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL,
	       .mem = BI_M_USER, .a = 2, .b = 64, .c = 5, .d = BI_T_CURRENT),
	BI_ROW("dmacmd_md_from_ranges", "physical, direction 5",
	       bi_md_from_ranges, .kind = BI_MD, .want = -EINVAL, .a = 1,
	       .b = 64, .c = 5),

	/* dmacmd_md_sub() */
	BI_ROW("dmacmd_md_sub", "NULL parent", bi_md_sub, .kind = BI_MD,
	       .want = -EINVAL, .obj = BI_NULL, .b = 1),
	BI_ROW("dmacmd_md_sub", "ERR_PTR parent", bi_md_sub, .kind = BI_MD,
	       .want = -EINVAL, .obj = BI_ERR, .b = 1),
	BI_ROW("dmacmd_md_sub", "length 0: accepted, empty", bi_md_sub,
	       .kind = BI_MD, .want = BI_MADE, .b = 0),
	BI_ROW("dmacmd_md_sub", "length 0 past the parent's end", bi_md_sub,
	       .kind = BI_MD, .want = -EINVAL, .a = BI_LEN + 1, .b = 0),
	BI_ROW("dmacmd_md_sub", "offset U64_MAX: offset + length wraps",
	       bi_md_sub, .kind = BI_MD, .want = -EINVAL, .a = U64_MAX, .b = 2),
	BI_ROW("dmacmd_md_sub", "runs past the parent's end", bi_md_sub,
	       .kind = BI_MD, .want = -EINVAL, .a = BI_LEN - 1, .b = 2),
	BI_ROW("dmacmd_md_sub", "length U64_MAX", bi_md_sub, .kind = BI_MD,
	       .want = -EINVAL, .b = U64_MAX),
	BI_ROW("dmacmd_md_sub", "direction 4", bi_md_sub, .kind = BI_MD,
	       .want = -EINVAL, .b = 1, .c = 4),
	BI_ROW("dmacmd_md_sub", "DMA_FROM_DEVICE of a DMA_TO_DEVICE parent",
	       bi_md_sub, .kind = BI_MD, .want = -EINVAL, .mem = BI_M_TODEV,
	       .b = 1, .c = DMA_FROM_DEVICE),
	BI_ROW("dmacmd_md_sub", "DMA_NONE of a DMA_TO_DEVICE parent: takes it",
	       bi_md_sub, .kind = BI_MD, .want = BI_MADE, .mem = BI_M_TODEV,
	       .b = 1, .c = DMA_NONE),
	BI_ROW("dmacmd_md_sub", "nested deeper than DMACMD_MD_ITER_DEPTH",
	       bi_md_sub_deep, .kind = BI_MD, .want = -EINVAL),

	/* dmacmd_md_multi() */
	BI_ROW("dmacmd_md_sub_retarget", "NULL", bi_md_sub_retarget,
	       .obj = BI_NULL, .b = 1, .c = DMA_TO_DEVICE, .want = -EINVAL),
	BI_ROW("dmacmd_md_sub_retarget", "ERR_PTR", bi_md_sub_retarget,
	       .obj = BI_ERR, .b = 1, .c = DMA_TO_DEVICE, .want = -EINVAL),
	BI_ROW("dmacmd_md_sub_retarget", "not a sub-range", bi_md_sub_retarget,
	       .b = 1, .c = DMA_TO_DEVICE, .want = -EINVAL),
	BI_ROW("dmacmd_md_multi", "NULL array", bi_md_multi, .kind = BI_MD,
	       .want = -EINVAL, .arg = BI_NULL, .a = 2),
	BI_ROW("dmacmd_md_multi", "ERR_PTR array", bi_md_multi, .kind = BI_MD,
	       .want = -EINVAL, .arg = BI_ERR, .a = 2),
	BI_ROW("dmacmd_md_multi", "count 0: accepted, empty", bi_md_multi,
	       .kind = BI_MD, .want = BI_MADE, .a = 0),
	BI_ROW("dmacmd_md_multi", "NULL array, count 0: accepted, empty",
	       bi_md_multi, .kind = BI_MD, .want = BI_MADE, .arg = BI_NULL,
	       .a = 0),
	BI_ROW("dmacmd_md_multi", "ERR_PTR array, count 0", bi_md_multi,
	       .kind = BI_MD, .want = -EINVAL, .arg = BI_ERR, .a = 0),
	BI_ROW("dmacmd_md_multi", "NULL descriptor in the array", bi_md_multi,
	       .kind = BI_MD, .want = -EINVAL, .obj = BI_NULL, .a = 2),
	BI_ROW("dmacmd_md_multi", "ERR_PTR descriptor in the array",
	       bi_md_multi, .kind = BI_MD, .want = -EINVAL, .obj = BI_ERR,
	       .a = 2),
	BI_ROW("dmacmd_md_multi", "DMA_BIDIRECTIONAL over DMA_TO_DEVICE",
	       bi_md_multi, .kind = BI_MD, .want = -EINVAL, .mem = BI_M_TODEV,
	       .a = 2, .c = DMA_BIDIRECTIONAL),
	BI_ROW("dmacmd_md_multi", "direction 6", bi_md_multi, .kind = BI_MD,
	       .want = -EINVAL, .a = 2, .c = 6),
	BI_ROW("dmacmd_md_multi", "total length passes U64_MAX",
	       bi_md_multi_huge, .kind = BI_MD, .want = -EINVAL),

	/* dmacmd_md_alloc() */
	BI_ROW("dmacmd_md_alloc", "capacity 0", bi_md_alloc, .kind = BI_MD,
	       .want = -EINVAL, .b = 0),
	BI_ROW("dmacmd_md_alloc", "capacity SIZE_MAX", bi_md_alloc,
	       .kind = BI_MD, .want = -EINVAL, .b = SIZE_MAX),
	BI_ROW("dmacmd_md_alloc", "capacity ULONG_MAX - PAGE_SIZE: no memory",
	       bi_md_alloc, .kind = BI_MD, .want = -ENOMEM,
	       .b = ULONG_MAX - PAGE_SIZE),
	BI_ROW("dmacmd_md_alloc", "flags 0x2", bi_md_alloc, .kind = BI_MD,
	       .want = -EINVAL, .b = PAGE_SIZE, .d = 0x2),
	BI_ROW("dmacmd_md_alloc", "flags U32_MAX", bi_md_alloc, .kind = BI_MD,
	       .want = -EINVAL, .b = PAGE_SIZE, .d = U32_MAX),
	BI_ROW("dmacmd_md_alloc", "direction 4", bi_md_alloc, .kind = BI_MD,
	       .want = -EINVAL, .b = PAGE_SIZE, .c = 4),
	BI_ROW("dmacmd_md_alloc", "mask 0x1fff cannot hold 3 pages",
	       bi_md_alloc, .kind = BI_MD, .want = -EINVAL, .a = 0x1fff,
	       .b = 3 * PAGE_SIZE),
	BI_ROW("dmacmd_md_alloc", "mask 1 << 63: aligned to 2^63, no memory",
	       bi_md_alloc, .kind = BI_MD, .want = -ENOMEM, .a = 1ULL << 63,
	       .b = PAGE_SIZE),
	BI_ROW("dmacmd_md_alloc",
	       "contiguous 8 MiB: above one block, found in a range",
	       bi_md_alloc, .kind = BI_MD, .want = BI_MADE, .b = SZ_8M,
	       .d = DMACMD_MD_CONTIGUOUS),

	/* References and queries of descriptors */
	BI_ROW("dmacmd_md_get", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_MD_GET),
	BI_ROW("dmacmd_md_get", "ERR_PTR", bi_ref, .obj = BI_ERR,
	       .d = BI_R_MD_GET),
	BI_ROW("dmacmd_md_put", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_MD_PUT),
	BI_ROW("dmacmd_md_put", "ERR_PTR", bi_ref, .obj = BI_ERR,
	       .d = BI_R_MD_PUT),
	BI_ROW("dmacmd_md_put", "last reference while prepared twice",
	       bi_md_put_prepared),
	BI_ROW("dmacmd_md_put", "last reference while pinned twice",
	       bi_md_put_prepared, .mem = BI_M_USER),
	BI_ROW("dmacmd_md_put", "caller's reference while a command holds one",
	       bi_md_put_attached, .want = BI_LEN),
	BI_ROW("dmacmd_md_set_length", "NULL", bi_md_set_length,
	       .obj = BI_NULL, .want = -EINVAL),
	BI_ROW("dmacmd_md_set_length", "ERR_PTR", bi_md_set_length,
	       .obj = BI_ERR, .want = -EINVAL),
	BI_ROW("dmacmd_md_set_length", "not an allocated buffer",
	       bi_md_set_length, .b = 1, .want = -EINVAL),
	BI_ROW("dmacmd_md_length", "NULL: 0", bi_query, .obj = BI_NULL,
	       .d = BI_Q_MD_LENGTH),
	BI_ROW("dmacmd_md_length", "ERR_PTR: 0", bi_query, .obj = BI_ERR,
	       .d = BI_Q_MD_LENGTH),
	BI_ROW("dmacmd_md_direction", "NULL: DMA_NONE", bi_query,
	       .want = DMA_NONE, .obj = BI_NULL, .d = BI_Q_MD_DIRECTION),
	BI_ROW("dmacmd_md_direction", "ERR_PTR: DMA_NONE", bi_query,
	       .want = DMA_NONE, .obj = BI_ERR, .d = BI_Q_MD_DIRECTION),
	BI_ROW("dmacmd_md_kaddr", "NULL", bi_query, .obj = BI_NULL,
	       .d = BI_Q_MD_KADDR),
	BI_ROW("dmacmd_md_kaddr", "ERR_PTR", bi_query, .obj = BI_ERR,
	       .d = BI_Q_MD_KADDR),
	BI_ROW("dmacmd_md_kaddr", "physical memory: none", bi_query,
	       .mem = BI_M_NOPAGE, .d = BI_Q_MD_KADDR),
	BI_ROW("dmacmd_md_is_prepared", "NULL: false", bi_query, .obj = BI_NULL,
	       .d = BI_Q_MD_IS_PREPARED),
	BI_ROW("dmacmd_md_is_prepared", "ERR_PTR: false", bi_query,
	       .obj = BI_ERR, .d = BI_Q_MD_IS_PREPARED),

	/* dmacmd_md_prepare() and dmacmd_md_complete() */
	BI_ERRNO("dmacmd_md_prepare", "NULL", bi_md_prepare, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_md_prepare", "ERR_PTR", bi_md_prepare, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_md_prepare", "read-only user memory the device writes",
		 bi_md_prepare, -EFAULT, .mem = BI_M_USER_RO),
	BI_ERRNO("dmacmd_md_prepare", "atomic context", bi_md_prepare_atomic,
		 -EWOULDBLOCK, .mem = BI_M_USER),
	BI_ERRNO("dmacmd_md_complete", "NULL", bi_md_complete, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_md_complete", "ERR_PTR", bi_md_complete, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_md_complete", "not prepared", bi_md_complete, -EBADFD),
	BI_ERRNO("dmacmd_md_complete", "user memory, not prepared",
		 bi_md_complete, -EBADFD, .mem = BI_M_USER),
	BI_ERRNO("dmacmd_md_complete", "completed twice", bi_md_complete_twice,
		 -EBADFD),

	/* dmacmd_md_read() */
	BI_ROW("dmacmd_md_read", "NULL descriptor", bi_copy, .obj = BI_NULL,
	       .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "ERR_PTR descriptor", bi_copy, .obj = BI_ERR,
	       .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "NULL buffer", bi_copy, .nulls = BI_NO_OUT,
	       .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "offset at the end", bi_copy, .a = BI_LEN,
	       .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "offset U64_MAX", bi_copy, .a = U64_MAX,
	       .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "length U64_MAX from 1: clipped to the end",
	       bi_copy, .want = BI_LEN - 1, .a = 1, .b = U64_MAX,
	       .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "user memory, not prepared", bi_copy,
	       .mem = BI_M_USER, .b = 16, .d = BI_C_MD_READ),
	BI_ROW("dmacmd_md_read", "memory without a struct page", bi_copy,
	       .mem = BI_M_NOPAGE, .b = 16, .d = BI_C_MD_READ),

	/* dmacmd_md_write() */
	BI_ROW("dmacmd_md_write", "NULL descriptor", bi_copy, .obj = BI_NULL,
	       .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "ERR_PTR descriptor", bi_copy, .obj = BI_ERR,
	       .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "NULL buffer", bi_copy, .nulls = BI_NO_OUT,
	       .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "offset at the end", bi_copy, .a = BI_LEN,
	       .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "offset U64_MAX", bi_copy, .a = U64_MAX,
	       .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "length U64_MAX from 1: clipped to the end",
	       bi_copy, .want = BI_LEN - 1, .a = 1, .b = U64_MAX,
	       .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "user memory, not prepared", bi_copy,
	       .mem = BI_M_USER, .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "user memory pinned read-only", bi_copy,
	       .mem = BI_M_USER_PINNED_RO, .b = 16, .d = BI_C_MD_WRITE),
	BI_ROW("dmacmd_md_write", "memory without a struct page", bi_copy,
	       .mem = BI_M_NOPAGE, .b = 16, .d = BI_C_MD_WRITE),

	/* dmacmd_md_phys_segment() */
	BI_ROW("dmacmd_md_phys_segment", "NULL descriptor", bi_md_phys_segment,
	       .obj = BI_NULL),
	BI_ROW("dmacmd_md_phys_segment", "ERR_PTR descriptor",
	       bi_md_phys_segment, .obj = BI_ERR),
	BI_ROW("dmacmd_md_phys_segment", "offset at the end",
	       bi_md_phys_segment, .a = BI_LEN),
	BI_ROW("dmacmd_md_phys_segment", "offset U64_MAX", bi_md_phys_segment,
	       .a = U64_MAX),
	BI_ROW("dmacmd_md_phys_segment", "user memory, not prepared",
	       bi_md_phys_segment, .mem = BI_M_USER),

	/* dmacmd_create() */
	BI_ROW("dmacmd_create", "NULL device, mapped spec", bi_create,
	       .kind = BI_CMD, .want = -EINVAL, .arg = BI_NULL),
	BI_ROW("dmacmd_create", "ERR_PTR device", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .arg = BI_ERR),
	BI_ROW("dmacmd_create", "ERR_PTR spec", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .obj = BI_ERR),
	BI_ROW("dmacmd_create", "NULL spec: a command without one", bi_create,
	       .kind = BI_CMD, .want = BI_MADE, .obj = BI_NULL),
	BI_ROW("dmacmd_create", "device without a DMA mask", bi_create_no_mask,
	       .kind = BI_CMD, .want = -EINVAL),
	BI_ROW("dmacmd_create", "atomic context", bi_create_atomic,
	       .kind = BI_CMD, .want = -EWOULDBLOCK),
	BI_ROW("dmacmd_create", "NULL output function", bi_create,
	       .kind = BI_CMD, .want = -EINVAL, .sp = BI_SP_NO_FN),
	BI_ROW("dmacmd_create", "65 address bits", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .sp = BI_SP_65BITS),
	BI_ROW("dmacmd_create", "255 address bits", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .sp = BI_SP(dmacmd_out_host64, U8_MAX)),
	BI_ROW("dmacmd_create", "1 address bit", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .sp = BI_SP(dmacmd_out_host64, 1)),
	BI_ROW("dmacmd_create", "PAGE_SHIFT - 1 address bits", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, PAGE_SHIFT - 1)),
	BI_ROW("dmacmd_create", "host32 with 33 address bits", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host32, 33)),
	BI_ROW("dmacmd_create", "le32 with 64 address bits", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_le32, 64)),
	BI_ROW("dmacmd_create", "alignment 3", bi_create, .kind = BI_CMD,
	       .want = -EINVAL, .sp = BI_SP(dmacmd_out_host64, .alignment = 3)),
	BI_ROW("dmacmd_create", "alignment U32_MAX", bi_create, .kind = BI_CMD,
	       .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .alignment = U32_MAX)),
	BI_ROW("dmacmd_create", "alignment 2^31: above 4 MiB", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .alignment = 1U << 31)),
	BI_ROW("dmacmd_create", "length alignment 6", bi_create, .kind = BI_CMD,
	       .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .alignment_length = 6)),
	BI_ROW("dmacmd_create", "internal alignment U32_MAX", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .alignment_internal = U32_MAX)),
	BI_ROW("dmacmd_create", "max segment 100 below internal alignment 256",
	       bi_create, .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .max_segment_size = 100,
			   .alignment_internal = 256)),
	BI_ROW("dmacmd_create", "max transfer 100 below length alignment 512",
	       bi_create, .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .max_transfer_size = 100,
			   .alignment_length = 512)),
	BI_ROW("dmacmd_create", "mapping type 4", bi_create, .kind = BI_CMD,
	       .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .map_options = 4)),
	BI_ROW("dmacmd_create", "mapping type 0xf", bi_create, .kind = BI_CMD,
	       .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .map_options = 0xf)),
	BI_ROW("dmacmd_create", "mapping flag 0x100", bi_create, .kind = BI_CMD,
	       .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .map_options = 0x100)),
	BI_ROW("dmacmd_create", "mapping options U32_MAX", bi_create,
	       .kind = BI_CMD, .want = -EINVAL,
	       .sp = BI_SP(dmacmd_out_host64, .map_options = U32_MAX)),
	BI_ROW("dmacmd_create", "kUnmapped", bi_create, .kind = BI_CMD,
	       .want = -EOPNOTSUPP, .sp = BI_SP_UNMAPPED),
	BI_ROW("dmacmd_create", "kNoCacheStore", bi_create, .kind = BI_CMD,
	       .want = -EOPNOTSUPP,
	       .sp = BI_SP(dmacmd_out_host64,
			   .map_options = DMACMD_MAP_NO_CACHE_STORE)),
	BI_ROW("dmacmd_create", "kOnChip", bi_create, .kind = BI_CMD,
	       .want = -EOPNOTSUPP,
	       .sp = BI_SP(dmacmd_out_host64,
			   .map_options = DMACMD_MAP_ON_CHIP)),
	BI_ROW("dmacmd_create", "kBypassed behind a translating IOMMU",
	       bi_create, .kind = BI_CMD, .want = -EOPNOTSUPP, .arg = BI_OTHER,
	       .sp = &bi_specs[BI_S_BYPASS]),

	/* dmacmd_clone(), references, cookie, device */
	BI_ROW("dmacmd_clone", "NULL", bi_clone, .kind = BI_CMD,
	       .want = -EINVAL, .obj = BI_NULL),
	BI_ROW("dmacmd_clone", "ERR_PTR", bi_clone, .kind = BI_CMD,
	       .want = -EINVAL, .obj = BI_ERR),
	BI_ROW("dmacmd_get", "NULL: ignored", bi_ref, .obj = BI_NULL,
	       .d = BI_R_GET),
	BI_ROW("dmacmd_get", "ERR_PTR", bi_ref, .obj = BI_ERR, .d = BI_R_GET),
	BI_ROW("dmacmd_put", "NULL: ignored", bi_ref, .obj = BI_NULL,
	       .d = BI_R_PUT),
	BI_ROW("dmacmd_put", "ERR_PTR", bi_ref, .obj = BI_ERR, .d = BI_R_PUT),
	BI_ROW("dmacmd_put", "last reference while prepared", bi_put_prepared),
	BI_ROW("dmacmd_refcon", "NULL", bi_query, .obj = BI_NULL,
	       .d = BI_Q_REFCON),
	BI_ROW("dmacmd_refcon", "ERR_PTR", bi_query, .obj = BI_ERR,
	       .d = BI_Q_REFCON),
	BI_ROW("dmacmd_set_refcon", "NULL", bi_set_refcon, .obj = BI_NULL),
	BI_ROW("dmacmd_set_refcon", "ERR_PTR", bi_set_refcon, .obj = BI_ERR),
	BI_ROW("dmacmd_device", "NULL", bi_query, .obj = BI_NULL,
	       .d = BI_Q_DEVICE),
	BI_ROW("dmacmd_device", "ERR_PTR", bi_query, .obj = BI_ERR,
	       .d = BI_Q_DEVICE),

	/* dmacmd_get_spec() and the spec queries */
	BI_ERRNO("dmacmd_get_spec", "NULL command", bi_get_spec, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_get_spec", "ERR_PTR command", bi_get_spec, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_get_spec", "NULL spec", bi_get_spec, -EINVAL,
		 .nulls = BI_NO_OUT),
	BI_ERRNO("dmacmd_get_spec", "no spec", bi_get_spec, -EBADFD,
		 .spec = BI_S_NONE),
	BI_ROW("dmacmd_bounced_bytes", "NULL: 0", bi_query, .obj = BI_NULL,
	       .d = BI_Q_BOUNCED),
	BI_ROW("dmacmd_bounced_bytes", "ERR_PTR: 0", bi_query, .obj = BI_ERR,
	       .d = BI_Q_BOUNCED),
	BI_ROW("dmacmd_bounced_bytes", "not prepared: 0", bi_query,
	       .state = BI_ATTACHED, .d = BI_Q_BOUNCED),

	/* Memory of a command */
	BI_ROW("dmacmd_memory", "NULL", bi_query, .obj = BI_NULL,
	       .d = BI_Q_MEMORY),
	BI_ROW("dmacmd_memory", "ERR_PTR", bi_query, .obj = BI_ERR,
	       .d = BI_Q_MEMORY),
	BI_ERRNO("dmacmd_set_memory", "NULL command", bi_set_memory, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_set_memory", "ERR_PTR command", bi_set_memory, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_set_memory", "NULL descriptor while prepared",
		 bi_set_memory, -EBUSY, .arg = BI_NULL, .state = BI_PREPARED),
	BI_ERRNO("dmacmd_set_memory", "ERR_PTR descriptor", bi_set_memory,
		 -EINVAL, .arg = BI_ERR, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_set_memory", "another descriptor while prepared",
		 bi_set_memory, -EBUSY, .arg = BI_OTHER, .state = BI_PREPARED),
	BI_ERRNO("dmacmd_set_memory", "auto-prepare without a spec",
		 bi_set_memory, -EBADFD, .spec = BI_S_NONE, .a = true),
	BI_ERRNO("dmacmd_set_memory", "auto-prepare above the max transfer",
		 bi_set_memory, -E2BIG, .spec = BI_S_XFER, .a = true),
	BI_ERRNO("dmacmd_set_memory", "auto-prepare of unprepared user memory",
		 bi_set_memory, -EBADFD, .mem = BI_M_USER, .a = true),
	BI_ERRNO("dmacmd_set_memory", "unknown flag 0x100", bi_set_memory,
		 -EINVAL, .d = 0x100),
	BI_ERRNO("dmacmd_set_memory", "prepare's flags", bi_set_memory,
		 -EINVAL, .d = DMACMD_PREPARE_DEFAULT),
	BI_ERRNO("dmacmd_clear_memory", "NULL", bi_clear_memory, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_clear_memory", "ERR_PTR", bi_clear_memory, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_clear_memory", "no memory attached", bi_clear_memory,
		 -EBADFD, .a = true),
	BI_ERRNO("dmacmd_clear_memory", "prepared, no auto-complete",
		 bi_clear_memory, -EBADFD, .state = BI_PREPARED),
	BI_ERRNO("dmacmd_clear_memory", "unknown flag 0x100", bi_clear_memory,
		 -EINVAL, .state = BI_PREPARED, .d = 0x100),
	BI_ERRNO("dmacmd_clear_memory", "complete's synchronize flag",
		 bi_clear_memory, -EINVAL, .state = BI_ATTACHED,
		 .d = DMACMD_SYNCHRONIZE),

	/* dmacmd_prepare() */
	BI_ERRNO("dmacmd_prepare", "NULL", bi_prepare, -EINVAL, .obj = BI_NULL),
	BI_ERRNO("dmacmd_prepare", "ERR_PTR", bi_prepare, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_prepare", "no spec", bi_prepare, -EBADFD,
		 .spec = BI_S_NONE, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "no memory", bi_prepare, -EBADFD),
	BI_ERRNO("dmacmd_prepare", "offset at the end", bi_prepare, -ERANGE,
		 .state = BI_ATTACHED, .a = BI_LEN),
	BI_ERRNO("dmacmd_prepare", "offset U64_MAX", bi_prepare, -ERANGE,
		 .state = BI_ATTACHED, .a = U64_MAX, .b = 1),
	BI_ERRNO("dmacmd_prepare", "offset + length wraps", bi_prepare, -ERANGE,
		 .state = BI_ATTACHED, .a = 16, .b = U64_MAX - 8),
	BI_ERRNO("dmacmd_prepare", "length U64_MAX", bi_prepare, -ERANGE,
		 .state = BI_ATTACHED, .b = U64_MAX),
	BI_ERRNO("dmacmd_prepare", "one byte past the end", bi_prepare, -ERANGE,
		 .state = BI_ATTACHED, .b = BI_LEN + 1),
	BI_ERRNO("dmacmd_prepare", "nested prepare of another range",
		 bi_prepare, -EBADFD, .state = BI_PREPARED, .b = PAGE_SIZE),
	BI_ERRNO("dmacmd_prepare", "above the max transfer", bi_prepare, -E2BIG,
		 .spec = BI_S_XFER, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "length breaks the length alignment",
		 bi_prepare, -EDOM, .spec = BI_S_ALEN, .state = BI_ATTACHED,
		 .b = 1000),
	BI_ERRNO("dmacmd_prepare", "user memory, not prepared", bi_prepare,
		 -EBADFD, .mem = BI_M_USER, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "memory without a struct page, mapped",
		 bi_prepare, -EOPNOTSUPP, .mem = BI_M_NOPAGE,
		 .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "12 address bits: no bounce memory there",
		 bi_prepare, -EADDRNOTAVAIL, .spec = BI_S_12BITS,
		 .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "atomic context", bi_prepare_atomic,
		 -EWOULDBLOCK, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare", "unknown flag 0x100", bi_prepare, -EINVAL,
		 .state = BI_ATTACHED, .d = 0x100),
	BI_ERRNO("dmacmd_prepare", "complete's invalidate flag", bi_prepare,
		 -EINVAL, .state = BI_ATTACHED, .d = DMACMD_INVALIDATE_CACHE),
	BI_ERRNO("dmacmd_prepare", "set_memory's auto flag", bi_prepare,
		 -EINVAL, .state = BI_PREPARED, .d = DMACMD_AUTO),

	/* dmacmd_prepare_with_spec() */
	BI_ERRNO("dmacmd_prepare_with_spec", "NULL command",
		 bi_prepare_with_spec, -EINVAL, .obj = BI_NULL),
	BI_ERRNO("dmacmd_prepare_with_spec", "ERR_PTR command",
		 bi_prepare_with_spec, -EINVAL, .obj = BI_ERR),
	BI_ERRNO("dmacmd_prepare_with_spec", "NULL spec", bi_prepare_with_spec,
		 -EINVAL, .arg = BI_NULL, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare_with_spec", "ERR_PTR spec",
		 bi_prepare_with_spec, -EINVAL, .arg = BI_ERR,
		 .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_prepare_with_spec", "prepared", bi_prepare_with_spec,
		 -EPERM, .state = BI_PREPARED),
	BI_ERRNO("dmacmd_prepare_with_spec", "unknown flag 0x100",
		 bi_prepare_with_spec, -EINVAL, .state = BI_ATTACHED,
		 .d = 0x100),
	BI_ERRNO("dmacmd_prepare_with_spec", "65 address bits",
		 bi_prepare_with_spec, -EINVAL, .state = BI_ATTACHED,
		 .sp = BI_SP_65BITS),
	BI_ERRNO("dmacmd_prepare_with_spec", "kUnmapped", bi_prepare_with_spec,
		 -EOPNOTSUPP, .state = BI_ATTACHED, .sp = BI_SP_UNMAPPED),
	BI_ERRNO("dmacmd_prepare_with_spec", "out of range: old spec kept",
		 bi_prepare_with_spec, -ERANGE, .spec = BI_S_HOST32,
		 .state = BI_ATTACHED, .a = BI_LEN),
	BI_ERRNO("dmacmd_prepare_with_spec", "mapped spec, no device",
		 bi_prepare_with_spec_no_dev, -EINVAL),

	/* dmacmd_complete() and dmacmd_synchronize() */
	BI_ERRNO("dmacmd_complete", "NULL", bi_complete, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_complete", "ERR_PTR", bi_complete, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_complete", "no memory", bi_complete, -EBADFD),
	BI_ERRNO("dmacmd_complete", "not prepared", bi_complete, -EBADFD,
		 .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_complete", "completed twice", bi_complete, -EBADFD,
		 .state = BI_COMPLETED),
	BI_ERRNO("dmacmd_complete", "unknown flag 0x100", bi_complete, -EINVAL,
		 .state = BI_PREPARED, .d = 0x100),
	BI_ERRNO("dmacmd_complete", "prepare's flush flag", bi_complete,
		 -EINVAL, .state = BI_PREPARED, .d = DMACMD_FLUSH_CACHE),
	BI_ERRNO("dmacmd_synchronize", "NULL", bi_synchronize, -EINVAL,
		 .obj = BI_NULL, .a = DMACMD_SYNC_IN),
	BI_ERRNO("dmacmd_synchronize", "ERR_PTR", bi_synchronize, -EINVAL,
		 .obj = BI_ERR, .a = DMACMD_SYNC_IN),
	BI_ERRNO("dmacmd_synchronize", "no option", bi_synchronize, -EINVAL,
		 .state = BI_PREPARED),
	BI_ERRNO("dmacmd_synchronize", "option 0x80", bi_synchronize, -EINVAL,
		 .state = BI_PREPARED, .a = 0x80),
	BI_ERRNO("dmacmd_synchronize", "options U32_MAX", bi_synchronize,
		 -EINVAL, .state = BI_PREPARED, .a = U32_MAX),
	BI_ERRNO("dmacmd_synchronize", "In and Out at once", bi_synchronize,
		 -EINVAL, .state = BI_PREPARED,
		 .a = DMACMD_SYNC_IN | DMACMD_SYNC_OUT),
	BI_ERRNO("dmacmd_synchronize", "not prepared", bi_synchronize, -EBADFD,
		 .state = BI_ATTACHED, .a = DMACMD_SYNC_OUT),
	BI_ERRNO("dmacmd_synchronize", "completed twice", bi_synchronize,
		 -EBADFD, .state = BI_COMPLETED, .a = DMACMD_SYNC_IN),
	BI_ERRNO("dmacmd_synchronize", "double buffer a kIterateOnly command",
		 bi_synchronize, -EOPNOTSUPP, .spec = BI_S_ITER,
		 .state = BI_PREPARED, .a = DMACMD_FORCE_DOUBLE_BUFFER),
	BI_ROW("dmacmd_is_prepared", "NULL: false", bi_query, .obj = BI_NULL,
	       .d = BI_Q_IS_PREPARED),
	BI_ROW("dmacmd_is_prepared", "ERR_PTR: false", bi_query, .obj = BI_ERR,
	       .d = BI_Q_IS_PREPARED),
	BI_ERRNO("dmacmd_prepared_range", "NULL", bi_prepared_range, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_prepared_range", "ERR_PTR", bi_prepared_range, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_prepared_range", "not prepared", bi_prepared_range,
		 -EBADFD, .state = BI_ATTACHED),

	/* Segment generation */
	BI_ERRNO("dmacmd_gen_segments", "NULL command", bi_gen, -EINVAL,
		 .obj = BI_NULL, .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "ERR_PTR command", bi_gen, -EINVAL,
		 .obj = BI_ERR, .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "not prepared", bi_gen, -EBADFD,
		 .state = BI_ATTACHED, .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "completed twice", bi_gen, -EBADFD,
		 .state = BI_COMPLETED, .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "NULL offset", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .nulls = BI_NO_OFFSET,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "NULL segments", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .nulls = BI_NO_SEGS,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "NULL count", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .nulls = BI_NO_NSEGS,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "count 0", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .nulls = BI_ZERO_NSEGS,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "offset at the end: overrun", bi_gen,
		 -ERANGE, .state = BI_PREPARED, .a = BI_LEN,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "offset U64_MAX", bi_gen, -ERANGE,
		 .state = BI_PREPARED, .a = U64_MAX,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "output function returns false", bi_gen,
		 -EMSGSIZE, .state = BI_PREPARED, .d = BI_OUT_FALSE,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen_segments", "host32 given a segment above 4 GiB",
		 bi_gen, -EMSGSIZE, .spec = BI_S_BYPASS, .mem = BI_M_NOPAGE,
		 .state = BI_PREPARED, .d = BI_OUT_HOST32,
		 .gen = bi_gen_segments_call),
	BI_ERRNO("dmacmd_gen32", "NULL", bi_gen, -EINVAL, .obj = BI_NULL,
		 .gen = bi_gen32_call),
	BI_ERRNO("dmacmd_gen32", "64-bit output function", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .gen = bi_gen32_call),
	BI_ERRNO("dmacmd_gen32", "not prepared", bi_gen, -EBADFD,
		 .spec = BI_S_HOST32, .state = BI_ATTACHED,
		 .gen = bi_gen32_call),
	BI_ERRNO("dmacmd_gen32", "count 0", bi_gen, -EINVAL,
		 .spec = BI_S_HOST32, .state = BI_PREPARED,
		 .nulls = BI_ZERO_NSEGS, .gen = bi_gen32_call),
	BI_ERRNO("dmacmd_gen64", "NULL", bi_gen, -EINVAL, .obj = BI_NULL,
		 .gen = bi_gen64_call),
	BI_ERRNO("dmacmd_gen64", "ERR_PTR", bi_gen, -EINVAL, .obj = BI_ERR,
		 .gen = bi_gen64_call),
	BI_ERRNO("dmacmd_gen64", "32-bit output function", bi_gen, -EINVAL,
		 .spec = BI_S_HOST32, .state = BI_PREPARED,
		 .gen = bi_gen64_call),
	BI_ERRNO("dmacmd_gen64", "no spec", bi_gen, -EBADFD, .spec = BI_S_NONE,
		 .state = BI_ATTACHED, .gen = bi_gen64_call),
	BI_ERRNO("dmacmd_gen64", "NULL count", bi_gen, -EINVAL,
		 .state = BI_PREPARED, .nulls = BI_NO_NSEGS,
		 .gen = bi_gen64_call),
	BI_ERRNO("dmacmd_gen64", "offset U64_MAX - 1", bi_gen, -ERANGE,
		 .state = BI_PREPARED, .a = U64_MAX - 1, .gen = bi_gen64_call),

	/* Output functions: the command is unused, nothing is refused. */
	BI_ROW("dmacmd_out_host32", "NULL command, above 4 GiB: truncated",
	       bi_out_seg, .want = true, .d = 0),
	BI_ROW("dmacmd_out_be32", "NULL command, above 4 GiB: truncated",
	       bi_out_seg, .want = true, .d = 1),
	BI_ROW("dmacmd_out_le32", "NULL command, above 4 GiB: truncated",
	       bi_out_seg, .want = true, .d = 2),
	BI_ROW("dmacmd_out_host64", "NULL command, top of the address space",
	       bi_out_seg, .want = true, .d = 3),
	BI_ROW("dmacmd_out_be64", "NULL command, top of the address space",
	       bi_out_seg, .want = true, .d = 4),
	BI_ROW("dmacmd_out_le64", "NULL command, top of the address space",
	       bi_out_seg, .want = true, .d = 5),

	/* CPU access through a command */
	BI_ROW("dmacmd_read_bytes", "NULL command", bi_copy, .obj = BI_NULL,
	       .b = 16, .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "ERR_PTR command", bi_copy, .obj = BI_ERR,
	       .b = 16, .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "NULL buffer", bi_copy,
	       .state = BI_PREPARED, .nulls = BI_NO_OUT, .b = 16,
	       .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "not prepared", bi_copy,
	       .state = BI_ATTACHED, .b = 16, .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "offset at the end", bi_copy,
	       .state = BI_PREPARED, .a = BI_LEN, .b = 16, .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "offset U64_MAX", bi_copy,
	       .state = BI_PREPARED, .a = U64_MAX, .b = 16, .d = BI_C_READ),
	BI_ROW("dmacmd_read_bytes", "length U64_MAX from 1: clipped", bi_copy,
	       .want = BI_LEN - 1, .state = BI_PREPARED, .a = 1, .b = U64_MAX,
	       .d = BI_C_READ),
	BI_ROW("dmacmd_write_bytes", "NULL command", bi_copy, .obj = BI_NULL,
	       .b = 16, .d = BI_C_WRITE),
	BI_ROW("dmacmd_write_bytes", "ERR_PTR command", bi_copy, .obj = BI_ERR,
	       .b = 16, .d = BI_C_WRITE),
	BI_ROW("dmacmd_write_bytes", "NULL buffer", bi_copy,
	       .state = BI_PREPARED, .nulls = BI_NO_OUT, .b = 16,
	       .d = BI_C_WRITE),
	BI_ROW("dmacmd_write_bytes", "not prepared", bi_copy,
	       .state = BI_ATTACHED, .b = 16, .d = BI_C_WRITE),
	BI_ROW("dmacmd_write_bytes", "completed twice", bi_copy,
	       .state = BI_COMPLETED, .b = 16, .d = BI_C_WRITE),
	BI_ROW("dmacmd_write_bytes", "offset U64_MAX", bi_copy,
	       .state = BI_PREPARED, .a = U64_MAX, .b = 16, .d = BI_C_WRITE),

	/* DriverKit flavour */
	BI_ERRNO("dmacmd_prepare_for_dma", "NULL command", bi_prepare_for_dma,
		 -EINVAL, .obj = BI_NULL),
	BI_ERRNO("dmacmd_prepare_for_dma", "ERR_PTR command",
		 bi_prepare_for_dma, -EINVAL, .obj = BI_ERR),
	BI_ERRNO("dmacmd_prepare_for_dma", "NULL memory", bi_prepare_for_dma,
		 -EINVAL, .arg = BI_NULL),
	BI_ERRNO("dmacmd_prepare_for_dma", "ERR_PTR memory", bi_prepare_for_dma,
		 -EINVAL, .arg = BI_ERR),
	BI_ERRNO("dmacmd_prepare_for_dma", "options 1", bi_prepare_for_dma,
		 -EINVAL, .d = 1),
	BI_ERRNO("dmacmd_prepare_for_dma", "options U64_MAX",
		 bi_prepare_for_dma, -EINVAL, .d = U64_MAX),
	BI_ERRNO("dmacmd_prepare_for_dma", "NULL flags", bi_prepare_for_dma,
		 -EINVAL, .nulls = BI_NO_FLAGS),
	BI_ERRNO("dmacmd_prepare_for_dma", "NULL count", bi_prepare_for_dma,
		 -EINVAL, .nulls = BI_NO_NSEGS),
	BI_ERRNO("dmacmd_prepare_for_dma", "NULL segments", bi_prepare_for_dma,
		 -EINVAL, .nulls = BI_NO_SEGS),
	BI_ERRNO("dmacmd_prepare_for_dma", "count 0", bi_prepare_for_dma,
		 -EINVAL, .nulls = BI_ZERO_NSEGS),
	BI_ERRNO("dmacmd_prepare_for_dma", "other memory while prepared",
		 bi_prepare_for_dma, -EBUSY, .state = BI_PREPARED,
		 .arg = BI_OTHER),
	BI_ERRNO("dmacmd_prepare_for_dma", "offset at the end",
		 bi_prepare_for_dma, -ERANGE, .a = BI_LEN),
	BI_ERRNO("dmacmd_prepare_for_dma", "offset + length wraps",
		 bi_prepare_for_dma, -ERANGE, .a = 16, .c = U64_MAX - 8),
	BI_ERRNO("dmacmd_prepare_for_dma", "no spec", bi_prepare_for_dma,
		 -EBADFD, .spec = BI_S_NONE),
	BI_ERRNO("dmacmd_prepare_for_dma", "read-only user memory",
		 bi_prepare_for_dma, -EFAULT, .mem = BI_M_USER_RO),
	BI_ERRNO("dmacmd_prepare_for_dma", "more segments than the count",
		 bi_prepare_for_dma, -E2BIG, .mem = BI_M_SPLIT, .b = 1),
	BI_ERRNO("dmacmd_complete_dma", "NULL", bi_complete_dma, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_complete_dma", "ERR_PTR", bi_complete_dma, -EINVAL,
		 .obj = BI_ERR),
	BI_ERRNO("dmacmd_complete_dma", "options 1", bi_complete_dma, -EINVAL,
		 .state = BI_DK, .d = 1),
	BI_ERRNO("dmacmd_complete_dma", "not prepared", bi_complete_dma,
		 -EBADFD, .state = BI_ATTACHED),
	BI_ERRNO("dmacmd_complete_dma", "completed twice", bi_complete_dma,
		 -EBADFD, .state = BI_DK_DONE),
	BI_ERRNO("dmacmd_get_preparation", "NULL", bi_get_preparation, -EINVAL,
		 .obj = BI_NULL),
	BI_ERRNO("dmacmd_get_preparation", "ERR_PTR", bi_get_preparation,
		 -EINVAL, .obj = BI_ERR),
	BI_ERRNO("dmacmd_get_preparation", "not prepared", bi_get_preparation,
		 -EBADFD, .state = BI_DK_DONE),
	BI_ERRNO("dmacmd_perform_operation", "NULL command",
		 bi_perform_operation, -EINVAL, .obj = BI_NULL, .b = 16,
		 .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "ERR_PTR command",
		 bi_perform_operation, -EINVAL, .obj = BI_ERR, .b = 16,
		 .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "options 0", bi_perform_operation,
		 -EINVAL, .state = BI_DK, .b = 16),
	BI_ERRNO("dmacmd_perform_operation", "read and write at once",
		 bi_perform_operation, -EINVAL, .state = BI_DK, .b = 16,
		 .d = DMACMD_DK_OP_READ | DMACMD_DK_OP_WRITE),
	BI_ERRNO("dmacmd_perform_operation", "options U64_MAX",
		 bi_perform_operation, -EINVAL, .state = BI_DK, .b = 16,
		 .d = U64_MAX),
	BI_ERRNO("dmacmd_perform_operation", "NULL data", bi_perform_operation,
		 -EINVAL, .state = BI_DK, .arg = BI_NULL, .b = 16,
		 .d = DMACMD_DK_OP_WRITE),
	BI_ERRNO("dmacmd_perform_operation", "ERR_PTR data",
		 bi_perform_operation, -EINVAL, .state = BI_DK, .arg = BI_ERR,
		 .b = 16, .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "data offset past the data",
		 bi_perform_operation, -EINVAL, .state = BI_DK, .b = 16,
		 .c = BI_LEN + 1, .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "data offset + length wraps",
		 bi_perform_operation, -EINVAL, .state = BI_DK, .b = U64_MAX,
		 .c = 1, .d = DMACMD_DK_OP_WRITE),
	BI_ERRNO("dmacmd_perform_operation", "not prepared",
		 bi_perform_operation, -EBADFD, .state = BI_ATTACHED, .b = 16,
		 .d = DMACMD_DK_OP_ZERO),
	BI_ERRNO("dmacmd_perform_operation", "DMA offset at the end",
		 bi_perform_operation, -ENODATA, .state = BI_DK, .a = BI_LEN,
		 .b = 16, .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "DMA offset U64_MAX, zero",
		 bi_perform_operation, -ENODATA, .state = BI_DK, .a = U64_MAX,
		 .b = 16, .d = DMACMD_DK_OP_ZERO),
	BI_ERRNO("dmacmd_perform_operation", "runs past the mapping's end",
		 bi_perform_operation, -ENODATA, .state = BI_DK,
		 .a = BI_LEN - 8, .b = 16, .d = DMACMD_DK_OP_ZERO),
	BI_ERRNO("dmacmd_perform_operation", "user data, not prepared",
		 bi_perform_operation, -EBADFD, .state = BI_DK, .arg = BI_USER,
		 .b = 16, .d = DMACMD_DK_OP_READ),
	BI_ERRNO("dmacmd_perform_operation", "data without a struct page",
		 bi_perform_operation, -EOPNOTSUPP, .state = BI_DK,
		 .arg = BI_NOPAGE, .b = 16, .d = DMACMD_DK_OP_WRITE),

	/* IOKit porting: descriptors (constructors give NULL) */
	BI_ROW("IOMemoryDescriptor_withAddressRange", "kernel_task, address 0",
	       bi_io_with_address_range, .kind = BI_MD, .obj = BI_NULL, .b = 64,
	       .c = kIODirectionOut, .d = BI_T_KERNEL),
	BI_ROW("IOMemoryDescriptor_withAddressRange", "option 0x8",
	       bi_io_with_address_range, .kind = BI_MD, .b = 64, .c = 0x8,
	       .d = BI_T_KERNEL),
	BI_ROW("IOMemoryDescriptor_withAddressRange", "another task",
	       bi_io_with_address_range, .kind = BI_MD, .b = 64,
	       .d = BI_T_OTHER),
	BI_ROW("IOMemoryDescriptor_withAddressRange", "physical, wraps",
	       bi_io_with_address_range, .kind = BI_MD, .obj = BI_TOP,
	       .b = PAGE_SIZE),
	BI_ROW("IOMemoryDescriptor_withAddressRange", "current_task, no mm",
	       bi_io_with_address_range, .kind = BI_MD, .obj = BI_NULL, .b = 64,
	       .d = BI_T_CURRENT),
	BI_ROW("IOMemoryDescriptor_withAddressRanges", "NULL array",
	       bi_io_with_address_ranges, .kind = BI_MD, .arg = BI_NULL, .a = 1,
	       .b = 64, .d = BI_T_KERNEL),
	BI_ROW("IOMemoryDescriptor_withAddressRanges", "count 0",
	       bi_io_with_address_ranges, .kind = BI_MD, .b = 64,
	       .d = BI_T_KERNEL),
	BI_ROW("IOMemoryDescriptor_withAddressRanges", "another task",
	       bi_io_with_address_ranges, .kind = BI_MD, .a = 1, .b = 64,
	       .d = BI_T_OTHER),
	BI_ROW("IOMemoryDescriptor_withAddressRanges", "option 0x1000",
	       bi_io_with_address_ranges, .kind = BI_MD, .a = 1, .b = 64,
	       .c = 0x1000, .d = BI_T_KERNEL),
	BI_ROW("IOMemoryDescriptor_withAddress", "NULL", bi_io_with_address,
	       .kind = BI_MD, .arg = BI_NULL, .b = 64),
	BI_ROW("IOMemoryDescriptor_withAddress", "length 0: accepted, empty",
	       bi_io_with_address, .kind = BI_MD, .want = BI_MADE, .b = 0),
	BI_ROW("IOMemoryDescriptor_withPhysicalAddress", "wraps past the top",
	       bi_io_with_physical_address, .kind = BI_MD, .arg = BI_TOP,
	       .b = PAGE_SIZE),
	BI_ROW("IOMemoryDescriptor_withPhysicalAddress",
	       "length 0: accepted, empty", bi_io_with_physical_address,
	       .kind = BI_MD, .want = BI_MADE, .b = 0),
	BI_ROW("IOSubMemoryDescriptor_withSubRange", "NULL parent",
	       bi_io_with_sub_range, .kind = BI_MD, .obj = BI_NULL, .b = 1),
	BI_ROW("IOSubMemoryDescriptor_withSubRange", "past the parent's end",
	       bi_io_with_sub_range, .kind = BI_MD, .a = BI_LEN, .b = 1),
	BI_ROW("IOSubMemoryDescriptor_withSubRange", "option 0x1000",
	       bi_io_with_sub_range, .kind = BI_MD, .b = 1, .c = 0x1000),
	BI_ROW("IOMultiMemoryDescriptor_withDescriptors", "NULL array",
	       bi_io_with_descriptors, .kind = BI_MD, .arg = BI_NULL, .a = 1),
	BI_ROW("IOMultiMemoryDescriptor_withDescriptors",
	       "count 0: accepted, empty", bi_io_with_descriptors,
	       .kind = BI_MD, .want = BI_MADE),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithPhysicalMask",
	       "current_task", bi_io_in_task_with_physical_mask, .kind = BI_MD,
	       .b = PAGE_SIZE, .d = BI_T_CURRENT),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithPhysicalMask", "option 0x8",
	       bi_io_in_task_with_physical_mask, .kind = BI_MD, .b = PAGE_SIZE,
	       .c = 0x8, .d = BI_T_KERNEL),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithPhysicalMask", "capacity 0",
	       bi_io_in_task_with_physical_mask, .kind = BI_MD,
	       .d = BI_T_KERNEL),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithPhysicalMask",
	       "mask 0x1fff, 3 pages", bi_io_in_task_with_physical_mask,
	       .kind = BI_MD, .a = 0x1fff, .b = 3 * PAGE_SIZE,
	       .d = BI_T_KERNEL),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithOptions", "capacity 0",
	       bi_io_in_task_with_options, .kind = BI_MD, .d = BI_T_KERNEL),
	BI_ROW("IOBufferMemoryDescriptor_inTaskWithOptions",
	       "alignment 0x3000: not a power of two",
	       bi_io_in_task_with_options, .kind = BI_MD, .a = 0x3000,
	       .b = PAGE_SIZE, .d = BI_T_KERNEL),
	BI_ROW("IOBufferMemoryDescriptor_withOptions", "capacity 0",
	       bi_io_with_options, .kind = BI_MD),
	BI_ROW("IOBufferMemoryDescriptor_withOptions", "purgeable (0x40)",
	       bi_io_with_options, .kind = BI_MD, .b = PAGE_SIZE,
	       .c = kIODirectionIn | kIOMemoryPageable | 0x40),
	BI_ROW("IOBufferMemoryDescriptor_setLength", "NULL: ignored",
	       bi_io_set_length, .obj = BI_NULL, .b = 1, .want = BI_LEN),
	BI_ROW("IOBufferMemoryDescriptor_setLength",
	       "not a buffer: ignored, length kept", bi_io_set_length,
	       .b = 1, .want = BI_LEN),
	BI_ROW("IOSubMemoryDescriptor_initSubRange", "NULL: false",
	       bi_io_init_sub_range, .obj = BI_NULL, .b = 1, .want = false),
	BI_ROW("IOSubMemoryDescriptor_initSubRange", "not a sub-range: false",
	       bi_io_init_sub_range, .b = 1, .want = false),
	BI_ROW("IOSubMemoryDescriptor_initSubRange", "direction 4: false",
	       bi_io_init_sub_range, .b = 1, .c = 4, .want = false),
	BI_ROW("IOMemoryDescriptor_getFlags", "NULL: 0", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_FLAGS, .want = 0),
	BI_ROW("IOMemoryDescriptor_getFlags", "ERR_PTR: 0", bi_query,
	       .obj = BI_ERR, .d = BI_Q_IO_FLAGS, .want = 0),
	BI_ROW("IOBufferMemoryDescriptor_withCapacity", "capacity 0",
	       bi_io_with_capacity, .kind = BI_MD),
	BI_ROW("IOBufferMemoryDescriptor_withCapacity", "capacity SIZE_MAX",
	       bi_io_with_capacity, .kind = BI_MD, .b = SIZE_MAX),
	BI_ROW("IOBufferMemoryDescriptor_getBytesNoCopy", "NULL", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_BYTES),
	BI_ROW("IOMemoryDescriptor_getLength", "NULL: 0", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_LENGTH),
	BI_ROW("IOMemoryDescriptor_getDirection", "NULL: kIODirectionNone",
	       bi_query, .want = kIODirectionNone, .obj = BI_NULL,
	       .d = BI_Q_IO_DIRECTION),
	BI_ROW("IOMemoryDescriptor_prepare", "NULL", bi_io_md_prepare,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IOMemoryDescriptor_prepare", "direction 4", bi_io_md_prepare,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .c = 4),
	BI_ROW("IOMemoryDescriptor_prepare",
	       "kIODirectionCompleteWithDataValid", bi_io_md_prepare,
	       .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .c = kIODirectionCompleteWithDataValid),
	BI_ROW("IOMemoryDescriptor_prepare", "read-only user memory",
	       bi_io_md_prepare, .kind = BI_IORET, .want = kIOReturnVMError,
	       .mem = BI_M_USER_RO),
	BI_ROW("IOMemoryDescriptor_complete", "not prepared", bi_io_md_complete,
	       .kind = BI_IORET, .want = kIOReturnNotReady),
	BI_ROW("IOMemoryDescriptor_complete", "direction 8", bi_io_md_complete,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .c = 8),
	BI_ROW("IOMemoryDescriptor_complete", "kIODirectionPrepareNoZeroFill",
	       bi_io_md_complete, .kind = BI_IORET,
	       .want = kIOReturnBadArgument,
	       .c = kIODirectionPrepareNoZeroFill),
	BI_ROW("IOMemoryDescriptor_readBytes", "NULL: 0", bi_copy,
	       .obj = BI_NULL, .b = 16, .d = BI_C_IO_MD_READ),
	BI_ROW("IOMemoryDescriptor_readBytes", "past the end: 0", bi_copy,
	       .a = BI_LEN, .b = 16, .d = BI_C_IO_MD_READ),
	BI_ROW("IOMemoryDescriptor_writeBytes", "NULL: 0", bi_copy,
	       .obj = BI_NULL, .b = 16, .d = BI_C_IO_MD_WRITE),
	BI_ROW("IOMemoryDescriptor_writeBytes", "NULL buffer: 0", bi_copy,
	       .nulls = BI_NO_OUT, .b = 16, .d = BI_C_IO_MD_WRITE),
	BI_ROW("IOMemoryDescriptor_getPhysicalSegment", "NULL: 0",
	       bi_io_md_get_physical_segment, .obj = BI_NULL),
	BI_ROW("IOMemoryDescriptor_getPhysicalSegment", "past the end: 0",
	       bi_io_md_get_physical_segment, .a = BI_LEN),
	BI_ROW("IOMemoryDescriptor_retain", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_IO_MD_RETAIN),
	BI_ROW("IOMemoryDescriptor_release", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_IO_MD_RELEASE),

	/* IOKit porting: commands */
	BI_ROW("IODMACommand_withSpecificationOptions", "NULL function",
	       bi_io_with_specification_options, .kind = BI_CMD,
	       .sp = BI_SP_NO_FN),
	BI_ROW("IODMACommand_withSpecificationOptions", "NULL options",
	       bi_io_with_specification_options, .kind = BI_CMD,
	       .obj = BI_NULL),
	BI_ROW("IODMACommand_withSpecificationOptions", "65 address bits",
	       bi_io_with_specification_options, .kind = BI_CMD,
	       .sp = BI_SP_65BITS),
	BI_ROW("IODMACommand_withSpecificationOptions", "kUnmapped",
	       bi_io_with_specification_options, .kind = BI_CMD,
	       .sp = BI_SP_UNMAPPED),
	BI_ROW("IODMACommand_withSpecification", "host32, 33 address bits",
	       bi_io_with_specification, .kind = BI_CMD,
	       .sp = BI_SP(dmacmd_out_host32, 33)),
	BI_ROW("IODMACommand_withSpecification", "NULL device, kMapped",
	       bi_io_with_specification, .kind = BI_CMD, .arg = BI_NULL),
	BI_ROW("IODMACommand_withSpecification", "ERR_PTR device",
	       bi_io_with_specification, .kind = BI_CMD, .arg = BI_ERR),
	BI_ROW("IODMACommand_weakWithSpecification", "NULL result pointer",
	       bi_io_weak_with_specification, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .nulls = BI_NO_OUT),
	BI_ROW("IODMACommand_weakWithSpecification", "65 address bits",
	       bi_io_weak_with_specification, .kind = BI_IORET,
	       .want = kIOReturnError, .sp = BI_SP_65BITS),
	BI_ROW("IODMACommand_withRefCon", "ERR_PTR device", bi_io_with_ref_con,
	       .kind = BI_CMD, .arg = BI_ERR),
	BI_ROW("IODMACommand_cloneCommand", "NULL", bi_io_clone_command,
	       .kind = BI_CMD, .obj = BI_NULL),
	BI_ROW("IODMACommand_getRefCon", "NULL", bi_query, .obj = BI_NULL,
	       .d = BI_Q_IO_REFCON),
	BI_ROW("IODMACommand_setRefCon", "NULL", bi_io_set_ref_con,
	       .obj = BI_NULL),
	BI_ROW("IODMACommand_setMemoryDescriptor", "NULL command",
	       bi_io_set_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_setMemoryDescriptor", "NULL memory while prepared",
	       bi_io_set_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnBusy, .arg = BI_NULL, .state = BI_PREPARED),
	BI_ROW("IODMACommand_setMemoryDescriptor", "another while prepared",
	       bi_io_set_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnBusy, .state = BI_PREPARED, .arg = BI_OTHER),
	BI_ROW("IODMACommand_setMemoryDescriptor", "autoPrepare, no spec",
	       bi_io_set_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnNotReady, .spec = BI_S_NONE, .a = true),
	BI_ROW("IODMACommand_clearMemoryDescriptor", "NULL",
	       bi_io_clear_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_clearMemoryDescriptor", "no memory",
	       bi_io_clear_memory_descriptor, .kind = BI_IORET,
	       .want = kIOReturnNotReady, .a = true),
	BI_ROW("IODMACommand_clearMemoryDescriptor",
	       "prepared, no autoComplete", bi_io_clear_memory_descriptor,
	       .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_PREPARED),
	BI_ROW("IODMACommand_getMemoryDescriptor", "NULL", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_MEMORY),
	BI_ROW("IODMACommand_getIOMemoryDescriptor", "NULL", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_IO_MEMORY),
	BI_ROW("IODMACommand_getIOMemoryDescriptor", "ERR_PTR", bi_query,
	       .obj = BI_ERR, .d = BI_Q_IO_IO_MEMORY),
	BI_ROW("IODMACommand_prepare", "NULL", bi_io_prepare, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_prepare", "no memory", bi_io_prepare,
	       .kind = BI_IORET, .want = kIOReturnNotReady),
	BI_ROW("IODMACommand_prepare", "offset at the end", bi_io_prepare,
	       .kind = BI_IORET, .want = kIOReturnOverrun, .state = BI_ATTACHED,
	       .a = BI_LEN),
	BI_ROW("IODMACommand_prepare", "above the max transfer", bi_io_prepare,
	       .kind = BI_IORET, .want = kIOReturnNoSpace, .spec = BI_S_XFER,
	       .state = BI_ATTACHED),
	BI_ROW("IODMACommand_prepare", "length breaks the length alignment",
	       bi_io_prepare, .kind = BI_IORET, .want = kIOReturnNotAligned,
	       .spec = BI_S_ALEN, .state = BI_ATTACHED, .b = 1000),
	BI_ROW("IODMACommand_prepare", "memory without a struct page",
	       bi_io_prepare, .kind = BI_IORET, .want = kIOReturnUnsupported,
	       .mem = BI_M_NOPAGE, .state = BI_ATTACHED),
	BI_ROW("IODMACommand_prepare", "12 address bits", bi_io_prepare,
	       .kind = BI_IORET, .want = kIOReturnNoResources,
	       .spec = BI_S_12BITS, .state = BI_ATTACHED),
	BI_ROW("IODMACommand_prepare", "atomic context", bi_io_prepare_atomic,
	       .kind = BI_IORET, .want = kIOReturnCannotLock,
	       .state = BI_ATTACHED),
	BI_ROW("IODMACommand_prepareWithSpecificationOptions", "NULL function",
	       bi_io_prepare_with_specification_options, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_ATTACHED,
	       .sp = BI_SP_NO_FN),
	BI_ROW("IODMACommand_prepareWithSpecificationOptions", "NULL options",
	       bi_io_prepare_with_specification_options, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_ATTACHED,
	       .arg = BI_NULL),
	BI_ROW("IODMACommand_prepareWithSpecificationOptions", "another device",
	       bi_io_prepare_with_specification_options, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_ATTACHED, .d = 1),
	BI_ROW("IODMACommand_prepareWithSpecificationOptions", "prepared",
	       bi_io_prepare_with_specification_options, .kind = BI_IORET,
	       .want = kIOReturnNotPermitted, .state = BI_PREPARED),
	BI_ROW("IODMACommand_prepareWithSpecificationOptions", "kUnmapped",
	       bi_io_prepare_with_specification_options, .kind = BI_IORET,
	       .want = kIOReturnUnsupported, .state = BI_ATTACHED,
	       .sp = BI_SP_UNMAPPED),
	BI_ROW("IODMACommand_prepareWithSpecification", "65 address bits",
	       bi_io_prepare_with_specification, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_ATTACHED,
	       .sp = BI_SP_65BITS),
	BI_ROW("IODMACommand_prepareWithSpecification", "NULL command",
	       bi_io_prepare_with_specification, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_prepareWithSpecification", "offset + length wraps",
	       bi_io_prepare_with_specification, .kind = BI_IORET,
	       .want = kIOReturnOverrun, .state = BI_ATTACHED, .a = 16,
	       .b = U64_MAX - 8),
	BI_ROW("IODMACommand_complete", "NULL", bi_io_complete,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_complete", "not prepared", bi_io_complete,
	       .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_ATTACHED),
	BI_ROW("IODMACommand_complete", "completed twice", bi_io_complete,
	       .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_COMPLETED),
	BI_ROW("IODMACommand_synchronize", "In and Out at once",
	       bi_io_synchronize, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_PREPARED,
	       .a = kIODirectionIn | kIODirectionOut),
	BI_ROW("IODMACommand_synchronize", "not prepared", bi_io_synchronize,
	       .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_ATTACHED, .a = kIODirectionIn),
	BI_ROW("IODMACommand_synchronize", "kForceDoubleBuffer, kIterateOnly",
	       bi_io_synchronize, .kind = BI_IORET,
	       .want = kIOReturnUnsupported, .spec = BI_S_ITER,
	       .state = BI_PREPARED, .a = IODMACommand_kForceDoubleBuffer),
	BI_ROW("IODMACommand_getPreparedOffsetAndLength", "NULL",
	       bi_io_get_prepared_offset_and_length, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_getPreparedOffsetAndLength", "not prepared",
	       bi_io_get_prepared_offset_and_length, .kind = BI_IORET,
	       .want = kIOReturnNotReady, .state = BI_ATTACHED),
	BI_ROW("IODMACommand_genIOVMSegmentsWithFunction", "NULL function",
	       bi_gen, .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .state = BI_PREPARED, .d = BI_OUT_NULL,
	       .gen = bi_io_gen_with_function_call),
	BI_ROW("IODMACommand_genIOVMSegmentsWithFunction", "function refuses",
	       bi_gen, .kind = BI_IORET, .want = kIOReturnMessageTooLarge,
	       .state = BI_PREPARED, .d = BI_OUT_FALSE,
	       .gen = bi_io_gen_with_function_call),
	BI_ROW("IODMACommand_genIOVMSegments", "not prepared", bi_gen,
	       .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_ATTACHED, .gen = bi_io_gen_call),
	BI_ROW("IODMACommand_genIOVMSegments", "offset at the end", bi_gen,
	       .kind = BI_IORET, .want = kIOReturnOverrun, .state = BI_PREPARED,
	       .a = BI_LEN, .gen = bi_io_gen_call),
	BI_ROW("IODMACommand_genIOVMSegments", "count 0", bi_gen,
	       .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .state = BI_PREPARED, .nulls = BI_ZERO_NSEGS,
	       .gen = bi_io_gen_call),
	BI_ROW("IODMACommand_gen32IOVMSegments", "64-bit output function",
	       bi_gen, .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .state = BI_PREPARED, .gen = bi_io_gen32_call),
	BI_ROW("IODMACommand_gen64IOVMSegments", "32-bit output function",
	       bi_gen, .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .spec = BI_S_HOST32, .state = BI_PREPARED,
	       .gen = bi_io_gen64_call),
	BI_ROW("IODMACommand_gen64IOVMSegments", "NULL offset", bi_gen,
	       .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .state = BI_PREPARED, .nulls = BI_NO_OFFSET,
	       .gen = bi_io_gen64_call),
	BI_ROW("IODMACommand_readBytes", "not prepared: 0", bi_copy,
	       .state = BI_ATTACHED, .b = 16, .d = BI_C_IO_READ),
	BI_ROW("IODMACommand_readBytes", "NULL: 0", bi_copy, .obj = BI_NULL,
	       .b = 16, .d = BI_C_IO_READ),
	BI_ROW("IODMACommand_writeBytes", "not prepared: 0", bi_copy,
	       .state = BI_ATTACHED, .b = 16, .d = BI_C_IO_WRITE),
	BI_ROW("IODMACommand_writeBytes", "past the end: 0", bi_copy,
	       .state = BI_PREPARED, .a = BI_LEN, .b = 16, .d = BI_C_IO_WRITE),
	BI_ROW("IODMACommand_getNumAddressBits", "NULL: 0", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_BITS),
	BI_ROW("IODMACommand_getNumAddressBits", "no spec: 0", bi_query,
	       .spec = BI_S_NONE, .d = BI_Q_IO_BITS),
	BI_ROW("IODMACommand_getNumAddressBits", "ERR_PTR: 0", bi_query,
	       .obj = BI_ERR, .d = BI_Q_IO_BITS),
	BI_ROW("IODMACommand_getAlignment", "NULL: 0", bi_query, .obj = BI_NULL,
	       .d = BI_Q_IO_ALIGNMENT),
	BI_ROW("IODMACommand_getAlignment", "ERR_PTR: 0", bi_query,
	       .obj = BI_ERR, .d = BI_Q_IO_ALIGNMENT),
	BI_ROW("IODMACommand_getAlignment", "no spec: 0", bi_query,
	       .spec = BI_S_NONE, .d = BI_Q_IO_ALIGNMENT),
	BI_ROW("IODMACommand_getAlignmentLength", "NULL: 0", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_ALIGNMENT_LENGTH),
	BI_ROW("IODMACommand_getAlignmentLength", "ERR_PTR: 0", bi_query,
	       .obj = BI_ERR, .d = BI_Q_IO_ALIGNMENT_LENGTH),
	BI_ROW("IODMACommand_getAlignmentLength", "no spec: 0", bi_query,
	       .spec = BI_S_NONE, .d = BI_Q_IO_ALIGNMENT_LENGTH),
	BI_ROW("IODMACommand_getAlignmentInternalSegments", "NULL: 0", bi_query,
	       .obj = BI_NULL, .d = BI_Q_IO_ALIGNMENT_INTERNAL),
	BI_ROW("IODMACommand_getAlignmentInternalSegments", "ERR_PTR: 0",
	       bi_query, .obj = BI_ERR, .d = BI_Q_IO_ALIGNMENT_INTERNAL),
	BI_ROW("IODMACommand_getAlignmentInternalSegments", "no spec: 0",
	       bi_query, .spec = BI_S_NONE, .d = BI_Q_IO_ALIGNMENT_INTERNAL),
	BI_ROW("IODMACommand_retain", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_IO_RETAIN),
	BI_ROW("IODMACommand_release", "NULL", bi_ref, .obj = BI_NULL,
	       .d = BI_R_IO_RELEASE),

	/* DriverKit porting */
	BI_ROW("IODMACommand_Create", "options 1", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = 64, .d = 1),
	BI_ROW("IODMACommand_Create", "NULL specification", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_Create", "NULL result pointer", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = 64,
	       .nulls = BI_NO_OUT),
	BI_ROW("IODMACommand_Create", "specification options 1", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = 64, .c = 1),
	BI_ROW("IODMACommand_Create", "maxAddressBits 65", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = 65),
	BI_ROW("IODMACommand_Create", "maxAddressBits U64_MAX", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = U64_MAX),
	BI_ROW("IODMACommand_Create", "maxAddressBits 5", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .a = 5),
	BI_ROW("IODMACommand_Create", "NULL device", bi_dk_create,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .arg = BI_NULL,
	       .a = 64),
	BI_ROW("IODMACommand_PrepareForDMA", "options 1", bi_dk_prepare_for_dma,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .d = 1),
	BI_ROW("IODMACommand_PrepareForDMA", "NULL memory",
	       bi_dk_prepare_for_dma, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .arg = BI_NULL),
	BI_ROW("IODMACommand_PrepareForDMA", "count 0", bi_dk_prepare_for_dma,
	       .kind = BI_IORET, .want = kIOReturnBadArgument,
	       .nulls = BI_ZERO_NSEGS),
	BI_ROW("IODMACommand_PrepareForDMA", "other memory while prepared",
	       bi_dk_prepare_for_dma, .kind = BI_IORET, .want = kIOReturnBusy,
	       .state = BI_DK, .arg = BI_OTHER),
	BI_ROW("IODMACommand_PrepareForDMA", "more segments than the count",
	       bi_dk_prepare_for_dma, .kind = BI_IORET,
	       .want = kIOReturnNoSpace, .mem = BI_M_SPLIT, .b = 1),
	BI_ROW("IODMACommand_PrepareForDMA", "NULL flags: allowed",
	       bi_dk_prepare_for_dma, .kind = BI_IORET,
	       .want = kIOReturnSuccess, .nulls = BI_NO_FLAGS),
	BI_ROW("IODMACommand_CompleteDMA", "not prepared", bi_dk_complete_dma,
	       .kind = BI_IORET, .want = kIOReturnNotReady),
	BI_ROW("IODMACommand_CompleteDMA", "completed twice",
	       bi_dk_complete_dma, .kind = BI_IORET, .want = kIOReturnNotReady,
	       .state = BI_DK_DONE),
	BI_ROW("IODMACommand_CompleteDMA", "options 1", bi_dk_complete_dma,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .state = BI_DK,
	       .d = 1),
	BI_ROW("IODMACommand_GetPreparation", "not prepared",
	       bi_dk_get_preparation, .kind = BI_IORET,
	       .want = kIOReturnNotReady),
	BI_ROW("IODMACommand_GetPreparation", "NULL", bi_dk_get_preparation,
	       .kind = BI_IORET, .want = kIOReturnBadArgument, .obj = BI_NULL),
	BI_ROW("IODMACommand_PerformOperation", "options 3",
	       bi_dk_perform_operation, .kind = BI_IORET,
	       .want = kIOReturnBadArgument, .state = BI_DK, .b = 16, .d = 3),
	BI_ROW("IODMACommand_PerformOperation", "not prepared",
	       bi_dk_perform_operation, .kind = BI_IORET,
	       .want = kIOReturnNotReady, .state = BI_ATTACHED, .b = 16,
	       .d = kIODMACommandPerformOperationOptionZero),
	BI_ROW("IODMACommand_PerformOperation", "past the mapping's end",
	       bi_dk_perform_operation, .kind = BI_IORET,
	       .want = kIOReturnUnderrun, .state = BI_DK, .a = BI_LEN - 8,
	       .b = 16, .d = kIODMACommandPerformOperationOptionZero),
	BI_ROW("IODMACommand_PerformOperation", "data without a struct page",
	       bi_dk_perform_operation, .kind = BI_IORET,
	       .want = kIOReturnUnsupported, .state = BI_DK, .arg = BI_NOPAGE,
	       .b = 16, .d = kIODMACommandPerformOperationOptionWrite),
};

/* ---- Running a row ---- */

KUNIT_DEFINE_ACTION_WRAPPER(bi_md_complete_action, dmacmd_md_complete,
			    struct dmacmd_md *);

/* Undo the fixture's state before its command goes: no misuse then. */
static void bi_detach(void *cmd)
{
	if (dmacmd_memory(cmd))
		dmacmd_clear_memory(cmd, DMACMD_AUTO);
}

static struct dmacmd_md *bi_make_md(struct bi_fix *f, enum bi_mem mem)
{
	struct dmacmd_range split[2] = {
		{ (unsigned long)f->buf + PAGE_SIZE + 50, 100 },
		{ (unsigned long)f->buf + 10, 100 },
	};

	switch (mem) {
	case BI_M_TODEV:
		return dmacmd_md_from_kva(f->buf, BI_LEN, DMA_TO_DEVICE);
	case BI_M_USER:
	case BI_M_USER_PINNED_RO:
		f->uaddr = dmacmd_kt_user_map(f->test, BI_LEN,
					      PROT_READ | PROT_WRITE);
		return dmacmd_md_from_user(f->uaddr, BI_LEN, mem == BI_M_USER ?
					   DMA_BIDIRECTIONAL : DMA_TO_DEVICE);
	case BI_M_USER_RO:
		f->uaddr = dmacmd_kt_user_map(f->test, BI_LEN, PROT_READ);
		return dmacmd_md_from_user(f->uaddr, BI_LEN, DMA_FROM_DEVICE);
	case BI_M_NOPAGE:
		return dmacmd_md_from_phys(BI_FAR, BI_LEN, DMA_BIDIRECTIONAL);
	case BI_M_SPLIT:
		return dmacmd_md_from_ranges(split, 2, DMA_TO_DEVICE,
					     DMACMD_ADDR_KERNEL);
	default:
		return dmacmd_md_from_kva(f->buf, BI_LEN, DMA_BIDIRECTIONAL);
	}
}

static void bi_fix_init(struct kunit *test, struct bi_fix *f,
			const struct bi_row *r)
{
	u32 n = BI_SEGS;
	u64 flags;

	if (pfn_valid(PHYS_PFN(BI_FAR)))
		kunit_skip(test, "RAM at %#llx, where none was expected",
			   BI_FAR);
	f->test = test;
	if (r->spec == BI_S_BYPASS) {
		/* kBypassed is for devices whose DMA is coherent only. */
		const char *why;

		f->dev = dmacmd_kt_bypass_dev(test, 64, &why);
		if (!f->dev)
			kunit_skip(test, "%s", why);
	} else {
		f->dev = dmacmd_kt_fake_dev(test, 64);
	}
	f->buf = kunit_kmalloc(test, BI_LEN, GFP_KERNEL);
	f->out = kunit_kmalloc(test, BI_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	KUNIT_ASSERT_NOT_NULL(test, f->out);
	dmacmd_kt_fill(f->buf, BI_LEN, BI_SEED, 0);
	f->md = dmacmd_kt_md(test, bi_make_md(f, r->mem));
	if (r->mem == BI_M_USER_PINNED_RO) {
		KUNIT_ASSERT_EQ(test, dmacmd_md_prepare(f->md), 0);
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test,
							  bi_md_complete_action,
							  f->md), 0);
	}
	f->cmd = dmacmd_kt_cmd(test, f->dev, r->spec == BI_S_NONE ? NULL :
			       &bi_specs[r->spec]);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bi_detach,
							f->cmd), 0);

	switch (r->state) {
	case BI_BARE:
		break;
	case BI_ATTACHED:
		KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f->cmd, f->md, 0), 0);
		break;
	case BI_PREPARED:
	case BI_COMPLETED:
		KUNIT_ASSERT_EQ(test,
				dmacmd_set_memory(f->cmd, f->md, DMACMD_AUTO),
				0);
		if (r->state == BI_COMPLETED)
			KUNIT_ASSERT_EQ(test,
					dmacmd_complete(f->cmd,
							DMACMD_COMPLETE_DEFAULT),
					0);
		break;
	case BI_DK:
	case BI_DK_DONE:
		KUNIT_ASSERT_EQ(test,
				dmacmd_prepare_for_dma(f->cmd, 0, f->md, 0, 0,
						       &flags, &n, f->seg), 0);
		if (r->state == BI_DK_DONE)
			KUNIT_ASSERT_EQ(test, dmacmd_complete_dma(f->cmd, 0),
					0);
		break;
	}
	memset(f->out, BI_POISON, BI_LEN);
	memset(f->seg, BI_POISON, sizeof(f->seg));
}

/* What a refused call must leave as it was. */
struct bi_snap {
	struct dmacmd_kt_counts n;
	bool cmd_prepared;
	bool md_prepared;
	struct dmacmd_md *memory;
	u64 off, len;
	struct dmacmd_spec spec;
};

static void bi_snap(const struct bi_fix *f, struct bi_snap *s)
{
	memset(s, 0, sizeof(*s));
	dmacmd_kt_counts_read(&s->n);
	s->md_prepared = dmacmd_md_is_prepared(f->md);
	s->cmd_prepared = dmacmd_is_prepared(f->cmd);
	s->memory = dmacmd_memory(f->cmd);
	if (s->cmd_prepared)
		dmacmd_prepared_range(f->cmd, &s->off, &s->len);
	dmacmd_get_spec(f->cmd, &s->spec);
}

static void bi_expect_unchanged(struct kunit *test, const struct bi_snap *a,
				const struct bi_snap *b)
{
	const struct dmacmd_spec *x = &a->spec, *y = &b->spec;

	dmacmd_kt_counts_equal(test, &a->n, &b->n, "across the call");
	KUNIT_EXPECT_EQ_MSG(test, a->cmd_prepared, b->cmd_prepared,
			    "the command's preparation changed");
	KUNIT_EXPECT_EQ_MSG(test, a->md_prepared, b->md_prepared,
			    "the descriptor's preparation changed");
	KUNIT_EXPECT_PTR_EQ_MSG(test, a->memory, b->memory,
				"the command's memory changed");
	KUNIT_EXPECT_TRUE_MSG(test, a->off == b->off && a->len == b->len,
			      "prepared range %llu+%llu became %llu+%llu",
			      a->off, a->len, b->off, b->len);
	KUNIT_EXPECT_TRUE_MSG(test, x->out_fn == y->out_fn &&
			      x->address_bits == y->address_bits &&
			      x->max_segment_size == y->max_segment_size &&
			      x->max_transfer_size == y->max_transfer_size &&
			      x->alignment == y->alignment &&
			      x->alignment_length == y->alignment_length &&
			      x->alignment_internal == y->alignment_internal &&
			      x->map_options == y->map_options,
			      "the command's spec changed");
}

/* Compare a result with the row's; release a new object it made. */
static void bi_judge(struct kunit *test, const struct bi_row *r, long got)
{
	void *p = (void *)got;

	switch (r->kind) {
	case BI_VAL:
		KUNIT_EXPECT_EQ(test, got, r->want);
		return;
	case BI_IORET:
		KUNIT_EXPECT_EQ_MSG(test, got, r->want,
				    "IOReturn 0x%08x, want 0x%08x", (u32)got,
				    (u32)r->want);
		return;
	default:
		break;
	}
	if (r->want == BI_MADE)
		KUNIT_EXPECT_FALSE_MSG(test, IS_ERR_OR_NULL(p), "refused: %ld",
				       PTR_ERR(p));
	else if (!r->want)
		KUNIT_EXPECT_NULL(test, p);
	else
		KUNIT_EXPECT_EQ_MSG(test, IS_ERR(p) ? PTR_ERR(p) : 0L, r->want,
				    "returned %p", p);
	if (IS_ERR_OR_NULL(p))
		return;
	if (r->kind == BI_MD)
		dmacmd_md_put(p);
	else
		dmacmd_put(p);
}

static void dmacmd_test_badinput(struct kunit *test)
{
	const struct bi_row *r = test->param_value;
	struct bi_snap before, after;
	struct bi_fix f = {};

#ifndef MODULE
	/* Built in, "module data" is the kernel image's: linear-map memory. */
	if (r->arg == BI_MODULE || r->obj == BI_MODULE)
		kunit_skip(test, "built in: no module data to refuse");
#endif
	bi_fix_init(test, &f, r);
	bi_snap(&f, &before);
	bi_judge(test, r, r->call(&f, r));
	bi_snap(&f, &after);
	bi_expect_unchanged(test, &before, &after);
}

static void bi_desc(const struct bi_row *r, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s: %s", r->fn, r->input);
}

KUNIT_ARRAY_PARAM(bi, bi_rows, bi_desc);

/* Runs after every other cleanup of a row: all of it went away. */
static void bi_check_leaks(void *data)
{
	struct kunit *test = data;
	struct dmacmd_kt_counts now;

	dmacmd_kt_counts_read(&now);
	dmacmd_kt_counts_equal(test, test->priv, &now,
			       "from before the row to after its cleanup");
}

static int bi_init(struct kunit *test)
{
	struct dmacmd_kt_counts *start;

	start = kunit_kzalloc(test, sizeof(*start), GFP_KERNEL);
	if (!start)
		return -ENOMEM;
	dmacmd_kt_counts_read(start);
	test->priv = start;
	return kunit_add_action_or_reset(test, bi_check_leaks, test);
}

/* The rows naming @name, a @len-byte word of a list. */
static unsigned int bi_rows_of(const char *name, size_t len)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(bi_rows); i++)
		if (strlen(bi_rows[i].fn) == len &&
		    !strncmp(bi_rows[i].fn, name, len))
			n++;
	return n;
}

/* Every name of @list (space-separated) has a row; returns how many. */
static unsigned int bi_expect_rows(struct kunit *test, const char *list)
{
	unsigned int names = 0;
	const char *p = list;
	size_t len;

	while (*p) {
		len = strcspn(p, " ");
		if (len) {
			KUNIT_EXPECT_GT_MSG(test, bi_rows_of(p, len), 0,
					    "no row calls %.*s", (int)len, p);
			names++;
		}
		p += len + !!p[len];
	}
	return names;
}

/* @name is a word of the space-separated @list. */
static bool bi_listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ' ') && (!p[len] || p[len] == ' '))
			return true;
		p += len;
	}
	return false;
}

static void dmacmd_test_badinput_covers_api(struct kunit *test)
{
	static const char exports[] = DMACMD_KT_EXPORTS;
	static const char wrappers[] = DMACMD_KT_WRAPPERS;
	unsigned int nexp, nwrap, i;

	nexp = bi_expect_rows(test, exports);
	nwrap = bi_expect_rows(test, wrappers);
	KUNIT_EXPECT_GT(test, nexp, 0);
	KUNIT_EXPECT_GT(test, nwrap, 0);
	for (i = 0; i < ARRAY_SIZE(bi_rows); i++)
		KUNIT_EXPECT_TRUE_MSG(test, bi_listed(exports, bi_rows[i].fn) ||
				      bi_listed(wrappers, bi_rows[i].fn),
				      "row %u calls %s, not an export or a wrapper",
				      i, bi_rows[i].fn);
	kunit_info(test, "%zu rows over %u exported functions and %u porting wrappers\n",
		   ARRAY_SIZE(bi_rows), nexp, nwrap);
}

static struct kunit_case dmacmd_badinput_cases[] = {
	KUNIT_CASE(dmacmd_test_badinput_covers_api),
	KUNIT_CASE_PARAM(dmacmd_test_badinput, bi_gen_params),
	{}
};

static struct kunit_suite dmacmd_badinput_suite = {
	.name = "dmacmd_badinput",
	.init = bi_init,
	.test_cases = dmacmd_badinput_cases,
};

kunit_test_suites(&dmacmd_badinput_suite);

MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");
