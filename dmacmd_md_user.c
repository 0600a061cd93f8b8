// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: descriptors of user memory.  The pages of a user range are
 * pinned at the descriptor's first prepare and unpinned at its last
 * complete, as IOKit wires and unwires them.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/backing-dev.h>
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dmacmd_debug.h"
#include "dmacmd_md_impl.h"

/* Pages pinned by user descriptors right now, for the tests. */
static atomic_long_t dmacmd_md_pinned = ATOMIC_LONG_INIT(0);

/* Called with mmap_read_lock(@mm) held. */
VISIBLE_IF_KUNIT long dmacmd_md_pin_user(struct mm_struct *mm,
					 unsigned long start,
					 unsigned long nr_pages,
					 unsigned int gup_flags,
					 struct page **pages)
{
	if (dmacmd_should_fail(DMACMD_FAULT_PIN))
		return -ENOMEM;
	KUNIT_STATIC_STUB_REDIRECT(dmacmd_md_pin_user, mm, start, nr_pages,
				   gup_flags, pages);
	return dmacmd_pin_user_pages_remote(mm, start, nr_pages, gup_flags,
					    pages);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_pin_user);

#if IS_ENABLED(CONFIG_KUNIT)
/* Pinned pages, for the tests to prove nothing leaks. */
long dmacmd_md_pinned_count(void)
{
	return atomic_long_read(&dmacmd_md_pinned);
}
EXPORT_SYMBOL_IF_KUNIT(dmacmd_md_pinned_count);
#endif

/* ---- User ranges ---- */

static struct dmacmd_md *md_user_new(unsigned long addr, u64 len,
				     enum dma_data_direction dir,
				     const char **why, unsigned long ip)
{
	unsigned long end, npages;
	struct dmacmd_md *md;

	if (!md_dir_ok(dir)) {
		*why = "invalid direction";
		return ERR_PTR(-EINVAL);
	}
	if (!len || len > ULONG_MAX || check_add_overflow(addr, len, &end)) {
		*why = "zero length or range wraps around";
		return ERR_PTR(-EINVAL);
	}
	npages = ((end - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
	/* More than the machine has can never be pinned: say so now. */
	if (npages > totalram_pages()) {
		*why = "more pages than the machine has";
		return ERR_PTR(-ENOMEM);
	}
	if (!current->mm) {
		*why = "caller has no user address space";
		return ERR_PTR(-EINVAL);
	}
	if (!access_ok((const void __user *)addr, len)) {
		*why = "not a user address range";
		return ERR_PTR(-EFAULT);
	}

	md = md_new(DMACMD_MD_USER, len, dir, 1, ip);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->user.addr = addr;
	md->user.npages = npages;
	md->user.mm = current->mm;
	mmgrab(md->user.mm);
	return md;
}

/* Name the reason a pin failed at @addr.  Needs mmap_read_lock(@mm). */
static const char *md_user_fault_why(struct mm_struct *mm, unsigned long addr,
				     bool write)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma)
		return "not mapped";
	if (write && !(vma->vm_flags & VM_WRITE))
		return "not writable, and the device writes it";
	return "cannot be pinned";
}

/*
 * Pinned pages count against RLIMIT_MEMLOCK, as RDMA's, vfio's and
 * io_uring's do: in @mm's pinned_vm, under the limit of the caller (the
 * process that prepares), unless it has CAP_IPC_LOCK.
 */
static int md_user_charge(struct mm_struct *mm, unsigned long n,
			  struct dmacmd_md_fault *f)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned = atomic64_add_return(n, &mm->pinned_vm);

	if (pinned <= limit || capable(CAP_IPC_LOCK))
		return 0;
	atomic64_sub(n, &mm->pinned_vm);
	f->why = "the pages would exceed RLIMIT_MEMLOCK";
	f->off = 0;
	return -ENOMEM;
}

/*
 * A device writing a shared file mapping whose pages need dirty tracking
 * bypasses the filesystem (it cannot see the writes, nor keep the pages
 * stable under writeback): since 6.5 the kernel refuses such long-term
 * pins, and so does dmacmd on every kernel, with this reason.  Needs
 * mmap_read_lock(@mm).
 */
static bool md_user_tracked_file(struct mm_struct *mm, unsigned long start,
				 unsigned long end)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;

	for_each_vma_range(vmi, vma, end) {
		const struct vm_operations_struct *ops = vma->vm_ops;

		if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) !=
		    (VM_WRITE | VM_SHARED))
			continue;
		if (ops && (ops->page_mkwrite || ops->pfn_mkwrite))
			return true;
		if (!(vma->vm_flags & VM_PFNMAP) && vma->vm_file &&
		    vma->vm_file->f_mapping &&
		    mapping_can_writeback(vma->vm_file->f_mapping))
			return true;
	}
	return false;
}

#ifdef CONFIG_LOCKDEP
/*
 * Is @user memory of the caller's process, whose mmap_lock the caller
 * holds?  Lockdep off (after a report) knows nothing: false.
 */
static bool md_user_caller_locked(const struct dmacmd_md *user)
{
	return user->user.mm == current->mm &&
	       lock_is_held(&current->mm->mmap_lock.dep_map) ==
	       LOCK_STATE_HELD;
}
#else
static bool md_user_caller_locked(const struct dmacmd_md *user)
{
	return false;
}
#endif

/**
 * md_user_lock_held() - would preparing @md wait for a lock its caller holds?
 * @md: a descriptor about to be prepared
 *
 * Pinning takes the mmap_lock of the memory's process after @md's mutex.
 * A caller of that process that holds the mmap_lock (to read or to write)
 * inverts that order, and the pin may wait for itself or deadlock with a
 * queued writer.  Only lockdep can tell who holds the lock: without it,
 * this says false and the pin's wait is killable.
 *
 * Return: true if @md or a descriptor it covers is user memory of the
 * caller's process, and the caller holds that process's mmap_lock.
 */
bool md_user_lock_held(const struct dmacmd_md *md)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP) || !current->mm)
		return false;
	return md_any_user(md, md_user_caller_locked);
}

/*
 * First prepare of a user descriptor: pin every page for as long as it
 * stays prepared (FOLL_LONGTERM), writable if the device may write it.
 * The pin goes through the descriptor's own mm, so prepare and complete
 * work from any process context, not only from the owner's.
 */
int md_user_pin(struct dmacmd_md *md, struct dmacmd_md_fault *f)
{
	unsigned long start = md->user.addr & PAGE_MASK;
	unsigned long n = md->user.npages, done = 0;
	struct mm_struct *mm = md->user.mm;
	unsigned int gup = FOLL_LONGTERM;
	struct page **pages;
	int ret = 0;

	if (md_dir_dev_writes(md->dir))
		gup |= FOLL_WRITE;

	/* Charged to the caller's memory cgroup, as the pins are. */
	pages = dmacmd_kvcalloc_account(n, sizeof(*pages));
	if (!pages)
		return -ENOMEM;

	if (!mmget_not_zero(mm)) {
		f->why = "its address space is gone";
		f->off = 0;
		ret = -EFAULT;
		goto err_free_pages;
	}
	ret = md_user_charge(mm, n, f);
	if (ret)
		goto err_put_mm;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto err_uncharge;
	if ((gup & FOLL_WRITE) &&
	    md_user_tracked_file(mm, start, start + n * PAGE_SIZE)) {
		f->why = "a shared file mapping, which the device may not write";
		f->off = 0;
		ret = -EFAULT;
	}
	while (!ret && done < n) {
		long got = dmacmd_md_pin_user(mm, start + done * PAGE_SIZE,
					      n - done, gup, pages + done);

		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		done += min_t(unsigned long, got, n - done);
	}
	if (ret && !f->why && ret != -ENOMEM) {
		unsigned long at = max(start + done * PAGE_SIZE, md->user.addr);

		f->off = at - md->user.addr;
		f->why = md_user_fault_why(mm, at, gup & FOLL_WRITE);
	}
	mmap_read_unlock(mm);
	if (ret) {
		unpin_user_pages(pages, done);
		/* -ENOMEM stays; every other failure is a bad user range. */
		if (ret != -ENOMEM)
			ret = -EFAULT;
		goto err_uncharge;
	}
	mmput(mm);

	atomic_long_add(n, &dmacmd_md_pinned);
	dmacmd_track_pinned(&md->track, n);
	md->user.ro = !(gup & FOLL_WRITE);
	/* Pairs with smp_load_acquire() in md_seg(). */
	smp_store_release(&md->user.pages, pages);
	return 0;

err_uncharge:
	atomic64_sub(n, &mm->pinned_vm);
err_put_mm:
	mmput(mm);
err_free_pages:
	kvfree(pages);
	return ret;
}

void md_user_unpin(struct dmacmd_md *md)
{
	struct page **pages = md->user.pages;

	WRITE_ONCE(md->user.pages, NULL);
	/* What the device wrote must reach the page cache or swap. */
	unpin_user_pages_dirty_lock(pages, md->user.npages, !md->user.ro);
	atomic64_sub(md->user.npages, &md->user.mm->pinned_vm);
	atomic_long_sub(md->user.npages, &dmacmd_md_pinned);
	dmacmd_track_pinned(&md->track, -(long)md->user.npages);
	kvfree(pages);
}

/**
 * dmacmd_md_from_user() - describe a user range of the calling process
 * @uaddr: user virtual address of the first byte
 * @len: length in bytes
 * @dir: direction of the transfers; unless %DMA_TO_DEVICE the device
 *	writes the memory, so it must be writable
 *
 * IOKit's withAddressRange() in a user task.  The descriptor records the
 * caller's mm (current->mm, kept with mmgrab()); nothing is pinned until
 * dmacmd_md_prepare(), which pins every page (pin_user_pages_remote()
 * with FOLL_LONGTERM, plus FOLL_WRITE when the device writes) and may run
 * in any process context.  The last dmacmd_md_complete(), from any
 * context that may sleep, unpins them, marking them dirty when the device
 * could have written them.  Until prepared, walking, reading and writing
 * the descriptor fail (IOKit panics "not wired").  A range that is not
 * mapped or not writable is not checked here: dmacmd_md_prepare() reports
 * it.  A @len of 0 gives an empty descriptor, whatever @uaddr and even in
 * a kernel thread (IOKit's withAddressRange(0, 0, ..., current_task())).
 *
 * Context: Process context of the task whose memory it is.  May sleep.
 * Return: a new descriptor holding one reference, or an ERR_PTR():
 *
 * * %-EINVAL - range wraps, invalid @dir, or the caller is a kernel
 *   thread without an mm
 * * %-EFAULT - the range is not user memory (access_ok() fails, e.g. a
 *   kernel address)
 * * %-ENOMEM - out of memory, or more pages than the machine has (logged)
 */
struct dmacmd_md *dmacmd_md_from_user(unsigned long uaddr, size_t len,
				      enum dma_data_direction dir)
{
	const char *why = NULL;
	struct dmacmd_md *md;

	if (!len)
		md = md_empty_new(dir, &why, _RET_IP_);
	else
		md = md_user_new(uaddr, len, dir, &why, _RET_IP_);
	/* Out of memory is no misuse; a range no machine could pin is. */
	if (IS_ERR(md) && (PTR_ERR(md) != -ENOMEM || why))
		dmacmd_misuse(NULL, "bad user range of %#zx bytes: %s\n", len,
			      why);
	return md;
}
EXPORT_SYMBOL_GPL(dmacmd_md_from_user);

/* Several ranges of the calling process: one user child per range. */
struct dmacmd_md *md_user_ranges_new(const struct dmacmd_range *ranges,
				     unsigned int count,
				     enum dma_data_direction dir,
				     const char **why, unsigned long ip)
{
	struct dmacmd_md **mds, *md;
	unsigned int i, made;

	if (count == 1)
		return md_user_new(ranges[0].addr, ranges[0].len, dir, why,
				   ip);
	if (!md_ranges_len(ranges, count, true, why))
		return ERR_PTR(-EINVAL);

	mds = dmacmd_kvcalloc(count, sizeof(*mds));
	if (!mds)
		return ERR_PTR(-ENOMEM);
	for (made = 0; made < count; made++) {
		md = md_user_new(ranges[made].addr, ranges[made].len, dir, why,
				 ip);
		if (IS_ERR(md))
			goto out_put;
		mds[made] = md;
	}
	md = md_multi_new(mds, count, dir, why, ip);
out_put:
	/* The concatenation holds its own references. */
	for (i = 0; i < made; i++)
		dmacmd_md_put(mds[i]);
	kvfree(mds);
	return md;
}
