// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd_edu - a driver for QEMU's "edu" PCI device, written the way a
 * macOS driver is written: through dmacmd's IOKit porting headers.
 *
 * The edu device (QEMU -device edu, PCI 1234:11e8) is a real DMA master.
 * It copies between memory and its own 4 KiB buffer, which sits at address
 * 0x40000 on its side, one range per command: source, destination and
 * count registers, then a command register with a start bit, a direction
 * bit and a bit asking for an interrupt when done.  The model masks the
 * memory address with its dma_mask property (28 bits unless changed) and
 * complains "EDU: clamping DMA" when a driver hands it more.
 *
 * DOC: How the driver uses dmacmd
 *
 * At probe the driver states the engine's limits once, the IOKit way:
 * IODMACommand_withSpecification() with 28 address bits, 4 KiB segments and
 * 4 KiB transfers, and a clone of that command for the other direction.
 * For every transfer it describes the caller's memory with
 * IOMemoryDescriptor_withAddressRange() (user memory of current_task(), or
 * kernel memory), pins it with IOMemoryDescriptor_prepare(), attaches it
 * with IODMACommand_setMemoryDescriptor() and then, for each chunk (the
 * device buffer holds 4 KiB; the driver moves 2 KiB at a time),
 * IODMACommand_prepare(), one IODMACommand_genIOVMSegments() call per
 * segment (each segment is one DMA of the device, completed by its MSI) and
 * IODMACommand_complete().  Memory the device cannot reach is bounced by
 * dmacmd within the 28 bits; behind an IOMMU the addresses are IOVAs and
 * nothing is bounced.
 *
 * User interface (see edu_dmacmd.h): write() sends bytes through the device
 * into a buffer of the open file, read() sends them back through the device,
 * and the EDU_DMACMD_IOC_XFER ioctl does one round trip and reports
 * segments, bounced bytes and time for each direction.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
/*
 * readq()/writeq() on 32-bit kernels too: two 32-bit accesses, low word
 * first.  edu takes 4-byte accesses to its DMA registers and ignores the
 * high halves, which are zero here (a 28-bit device, a short count).
 */
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iopoll.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <dmacmd/IOKit/IODMACommand.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>

#include "edu_dmacmd.h"

#define EDU_PCI_VENDOR		0x1234
#define EDU_PCI_DEVICE		0x11e8

/* Registers in BAR 0 (QEMU hw/misc/edu.c). */
#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MASK		0xff
#define EDU_ID			0xed
#define EDU_LIVENESS_PROBE	0x5a5ac3c3U

#define EDU_DMA_RUN		BIT(0)	/* start; reads 1 while running */
#define EDU_DMA_TO_RAM		BIT(1)	/* direction: device buffer -> RAM */
#define EDU_DMA_IRQ		BIT(2)	/* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100

/* The device's DMA buffer, at this address on the device's side. */
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096

/*
 * Bytes moved per chunk.  QEMU up to 7.2 (Debian 12's) aborts on a DMA
 * that ends at the last byte of the buffer (an off-by-one in its range
 * check), so only 4095 bytes of it are usable: chunks of half the buffer
 * keep the segments page-friendly.
 */
#define EDU_CHUNK		EDU_DMACMD_CHUNK
static_assert(EDU_CHUNK < EDU_BUF_SIZE);

/* The model masks memory addresses to 28 bits (its dma_mask property). */
#define EDU_ADDRESS_BITS	28

/* Low pages an EDU_XFER_KERNEL_HIGH allocation may skip before giving up. */
#define EDU_HIGH_MAX_REJECTS	65536

#define EDU_MAX_TIMEOUT_MS	60000

static unsigned int timeout_ms = 2000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Time one DMA may take before the device is reset (ms, default 2000)");

/* The device node has one name, so only the first edu device binds. */
static atomic_t edu_claimed = ATOMIC_INIT(0);

/**
 * struct edu - one bound edu device
 * @ref: held by the PCI binding and by every open file
 * @pdev: the PCI device
 * @regs: BAR 0
 * @irq: Linux interrupt number of vector 0 (MSI where available)
 * @misc: the /dev/edu-dmacmd node
 * @dma_done: completed by the DMA interrupt
 * @lock: one transfer at a time; protects the fields below and the
 *	buffers of every open file
 * @gone: the driver was unbound; every call fails with -ENODEV
 * @broken: the DMA engine stayed busy after a reset; every call fails
 *	with -EIO until the driver is bound again
 * @to_dev: command for the memory-to-device leg of a transfer
 * @from_dev: command for the device-to-memory leg (a clone of @to_dev)
 */
struct edu {
	struct kref ref;
	struct pci_dev *pdev;
	void __iomem *regs;
	int irq;
	struct miscdevice misc;
	struct completion dma_done;
	struct mutex lock;	/* see @lock above */
	bool gone;
	bool broken;
	IODMACommand *to_dev;
	IODMACommand *from_dev;
};

/**
 * struct edu_file - state of one open file
 * @edu: the device (a reference is held)
 * @buf: bytes of the last write(), as the device returned them
 * @len: valid bytes in @buf
 * @pos: next byte read() returns
 * @last: statistics of the last read() or write()
 */
struct edu_file {
	struct edu *edu;
	IOBufferMemoryDescriptor *buf;
	u64 len;
	u64 pos;
	struct edu_dmacmd_xfer last;
};

static void edu_free(struct kref *ref)
{
	kfree(container_of(ref, struct edu, ref));
}

/*
 * The errno user space sees for an IOReturn; the IOReturn itself is
 * reported in struct edu_dmacmd_xfer.
 */
static int edu_errno(IOReturn ret)
{
	switch (ret) {
	case kIOReturnSuccess:
		return 0;
	case kIOReturnBadArgument:
		return -EINVAL;
	case kIOReturnNoMemory:
		return -ENOMEM;
	case kIOReturnNoResources:
		return -EADDRNOTAVAIL;
	case kIOReturnVMError:
		return -EFAULT;
	case kIOReturnNoSpace:
	case kIOReturnMessageTooLarge:
		return -EMSGSIZE;
	case kIOReturnTimeout:
		return -ETIMEDOUT;
	case kIOReturnNoDevice:
		return -ENODEV;
	default:
		return -EIO;
	}
}

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 status = readl(edu->regs + EDU_REG_IRQ_STATUS);

	if (!status || status == ~0U)
		return IRQ_NONE;
	writel(status, edu->regs + EDU_REG_IRQ_ACK);
	if (status & EDU_IRQ_DMA)
		complete(&edu->dma_done);
	return IRQ_HANDLED;
}

/*
 * Bring the DMA engine back to idle after a DMA that did not complete.
 * The edu has no reset register: bus mastering goes off first, so that a
 * late DMA cannot reach memory that is about to be unmapped, then the
 * engine gets a second to finish.  An engine that stays busy leaves the
 * device unusable until it is bound again.
 */
static void edu_reset(struct edu *edu)
{
	u64 cmd;

	pci_clear_master(edu->pdev);
	if (readq_poll_timeout(edu->regs + EDU_REG_DMA_CMD, cmd,
			       !(cmd & EDU_DMA_RUN), 1000, USEC_PER_SEC)) {
		edu->broken = true;
		dev_err(&edu->pdev->dev,
			"DMA engine still busy after a reset: device disabled until the driver is bound again\n");
	}
	writel(~0U, edu->regs + EDU_REG_IRQ_ACK);
	synchronize_irq(edu->irq);
	if (!edu->broken)
		pci_set_master(edu->pdev);
}

/**
 * edu_dma() - Run one DMA of the device and wait for its interrupt
 * @edu: the device
 * @addr: memory address as the device sees it (from genIOVMSegments)
 * @buf_off: offset within the device's buffer
 * @len: bytes, at most the buffer's size minus @buf_off
 * @to_ram: direction: device buffer to memory if true
 * @x: the transfer (for its flags)
 * @tmo: timeout in ms
 *
 * Context: Process context, @edu->lock held; sleeps.
 * Return: kIOReturnSuccess, kIOReturnBusy if the engine is running,
 * kIOReturnTimeout if the DMA did not complete in time (the device has
 * been reset), kIOReturnNotResponding if it completed without going idle.
 */
static IOReturn edu_dma(struct edu *edu, u64 addr, u32 buf_off, u32 len,
			bool to_ram, const struct edu_dmacmd_xfer *x,
			unsigned int tmo)
{
	u64 cmd = EDU_DMA_RUN;

	if (readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN)
		return kIOReturnBusy;
	if (to_ram) {
		cmd |= EDU_DMA_TO_RAM;
		writeq(EDU_BUF_ADDR + buf_off, edu->regs + EDU_REG_DMA_SRC);
		writeq(addr, edu->regs + EDU_REG_DMA_DST);
	} else {
		writeq(addr, edu->regs + EDU_REG_DMA_SRC);
		writeq(EDU_BUF_ADDR + buf_off, edu->regs + EDU_REG_DMA_DST);
	}
	writeq(len, edu->regs + EDU_REG_DMA_COUNT);
	if (!(x->flags & EDU_XFER_NO_IRQ))
		cmd |= EDU_DMA_IRQ;
	reinit_completion(&edu->dma_done);
	writeq(cmd, edu->regs + EDU_REG_DMA_CMD);

	if (!wait_for_completion_timeout(&edu->dma_done,
					 msecs_to_jiffies(tmo))) {
		dev_warn(&edu->pdev->dev,
			 "DMA of %u bytes %s %#llx did not complete in %u ms: resetting the device\n",
			 len, to_ram ? "to" : "from", addr, tmo);
		edu_reset(edu);
		return kIOReturnTimeout;
	}
	if (readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		dev_err(&edu->pdev->dev,
			"DMA engine busy after its completion interrupt: resetting the device\n");
		edu_reset(edu);
		return kIOReturnNotResponding;
	}
	return kIOReturnSuccess;
}

/**
 * edu_dma_chunk() - Move one chunk between memory and the device's buffer
 * @edu: the device
 * @cmd: @edu->to_dev or @edu->from_dev, with the memory attached
 * @offset: start of the chunk within the attached memory
 * @len: bytes, at most EDU_CHUNK
 * @to_ram: direction: device buffer to memory if true
 * @x: the transfer
 * @tmo: timeout of each DMA in ms
 * @leg: statistics of this direction, updated
 *
 * Prepares the chunk, runs one DMA per generated segment into (or from)
 * the same offsets of the device's buffer and completes the chunk, which
 * copies bounced data back for the device-to-memory direction.
 *
 * Context: Process context, @edu->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of the step that failed.
 */
static IOReturn edu_dma_chunk(struct edu *edu, IODMACommand *cmd, u64 offset,
			      u64 len, bool to_ram,
			      const struct edu_dmacmd_xfer *x, unsigned int tmo,
			      struct edu_dmacmd_leg *leg)
{
	const u64 limit = BIT_ULL(EDU_ADDRESS_BITS);
	IODMACommand_Segment64 seg;
	ktime_t start = ktime_get();
	UInt64 pos = 0, at;
	UInt32 n;
	IOReturn ret, cret;

	ret = IODMACommand_prepare(cmd, offset, len, true, true);
	if (ret != kIOReturnSuccess)
		return ret;
	leg->chunks++;
	leg->bounced += dmacmd_bounced_bytes(cmd);

	while (pos < len) {
		at = pos;
		n = 1;
		ret = IODMACommand_genIOVMSegments(cmd, &pos, &seg, &n);
		if (ret != kIOReturnSuccess)
			break;
		/* dmacmd promised the spec: check it before the device sees it. */
		if (n != 1 || !seg.len || seg.len > len - at ||
		    seg.addr >= limit || seg.len > limit - seg.addr) {
			dev_err(&edu->pdev->dev,
				"segment %#llx+%llu at offset %llu breaks the 28-bit, 4 KiB specification\n",
				seg.addr, seg.len, at);
			ret = kIOReturnDMAError;
			break;
		}
		ret = edu_dma(edu, seg.addr, at, seg.len, to_ram, x, tmo);
		if (ret != kIOReturnSuccess)
			break;
		leg->segments++;
		leg->max_addr = max(leg->max_addr, seg.addr + seg.len);
	}

	cret = IODMACommand_complete(cmd, true, true);
	leg->ns += ktime_to_ns(ktime_sub(ktime_get(), start));
	return ret != kIOReturnSuccess ? ret : cret;
}

/**
 * edu_copy() - Send bytes through the device and back
 * @edu: the device
 * @src: memory the device reads, prepared
 * @src_off: offset of the first byte within @src
 * @dst: memory the device writes, prepared
 * @dst_off: offset of the first byte within @dst
 * @x: the transfer: @x->len bytes; statistics are added to it
 *
 * Each chunk goes from @src into the device's buffer, then from the buffer
 * into @dst.
 *
 * Context: Process context, @edu->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of the step that failed.
 */
static IOReturn edu_copy(struct edu *edu, IOMemoryDescriptor *src,
			 u64 src_off, IOMemoryDescriptor *dst, u64 dst_off,
			 struct edu_dmacmd_xfer *x)
{
	unsigned int tmo = x->timeout_ms ? x->timeout_ms : READ_ONCE(timeout_ms);
	IOReturn ret;
	u64 done, n;

	ret = IODMACommand_setMemoryDescriptor(edu->to_dev, src, false);
	if (ret != kIOReturnSuccess)
		return ret;
	ret = IODMACommand_setMemoryDescriptor(edu->from_dev, dst, false);
	if (ret != kIOReturnSuccess)
		goto out_clear_src;

	for (done = 0; done < x->len; done += n) {
		n = min_t(u64, x->len - done, EDU_CHUNK);
		ret = edu_dma_chunk(edu, edu->to_dev, src_off + done, n, false,
				    x, tmo, &x->to_dev);
		if (ret != kIOReturnSuccess)
			break;
		ret = edu_dma_chunk(edu, edu->from_dev, dst_off + done, n, true,
				    x, tmo, &x->from_dev);
		if (ret != kIOReturnSuccess)
			break;
	}

	IODMACommand_clearMemoryDescriptor(edu->from_dev, false);
out_clear_src:
	IODMACommand_clearMemoryDescriptor(edu->to_dev, false);
	return ret;
}

/* Take the device for a transfer: -ENODEV once unbound, -EIO if broken. */
static int edu_lock(struct edu *edu)
{
	if (mutex_lock_interruptible(&edu->lock))
		return -ERESTARTSYS;
	if (edu->gone || edu->broken) {
		mutex_unlock(&edu->lock);
		return edu->gone ? -ENODEV : -EIO;
	}
	return 0;
}

/* The length checks every entry point makes before touching memory. */
static int edu_check_len(u64 len)
{
	if (!len)
		return -EINVAL;
	if (len > EDU_DMACMD_MAX_LEN)
		return -EMSGSIZE;
	return 0;
}

/*
 * Describe @src_addr and @dst_addr of @task as the driver's IOKit original
 * does, prepare them (for a user task that pins the pages; the device may
 * write the destination), run the round trip and undo it all.
 */
static IOReturn edu_xfer_range(struct edu *edu, mach_vm_address_t src_addr,
			       mach_vm_address_t dst_addr, task_t task,
			       struct edu_dmacmd_xfer *x)
{
	IOMemoryDescriptor *src, *dst;
	IOReturn ret = kIOReturnNoMemory;

	src = IOMemoryDescriptor_withAddressRange(src_addr, x->len,
						  kIODirectionOut, task);
	dst = IOMemoryDescriptor_withAddressRange(dst_addr, x->len,
						  kIODirectionIn, task);
	if (!src || !dst)
		goto out_release;

	ret = IOMemoryDescriptor_prepare(src, kIODirectionOut);
	if (ret != kIOReturnSuccess)
		goto out_release;
	ret = IOMemoryDescriptor_prepare(dst, kIODirectionIn);
	if (ret != kIOReturnSuccess)
		goto out_complete_src;

	ret = edu_copy(edu, src, 0, dst, 0, x);

	IOMemoryDescriptor_complete(dst, kIODirectionIn);
out_complete_src:
	IOMemoryDescriptor_complete(src, kIODirectionOut);
out_release:
	OSSafeReleaseNULL(dst);
	OSSafeReleaseNULL(src);
	return ret;
}

/* Round trip between two user buffers of the calling process. */
static IOReturn edu_xfer_user(struct edu *edu, struct edu_dmacmd_xfer *x)
{
	return edu_xfer_range(edu, x->src, x->dst, current_task(), x);
}

/**
 * struct edu_high_buf - kernel pages that all lie above 256 MiB
 * @pages: the pages
 * @npages: entries in @pages
 * @vaddr: the pages mapped contiguously for the CPU
 */
struct edu_high_buf {
	struct page **pages;
	unsigned int npages;
	u8 *vaddr;
};

static void edu_high_free(struct edu_high_buf *hb)
{
	unsigned int i;

	if (hb->vaddr)
		vunmap(hb->vaddr);
	for (i = 0; hb->pages && i < hb->npages; i++)
		if (hb->pages[i])
			__free_page(hb->pages[i]);
	kvfree(hb->pages);
	memset(hb, 0, sizeof(*hb));
}

/*
 * Allocate @size bytes of pages at or above EDU_HIGH_MEM_START, out of the
 * device's 28-bit reach, so that a transfer must be bounced (or go through
 * the IOMMU).  Pages below are held until the end so that the allocator
 * does not hand them out again.
 */
static int edu_high_alloc(struct edu_high_buf *hb, u64 size, u64 *lowest)
{
	unsigned int i = 0, rejects = 0;
	struct page *page, *tmp;
	LIST_HEAD(low);
	int err = -ENOMEM;

	hb->npages = DIV_ROUND_UP(size, PAGE_SIZE);
	hb->pages = kvcalloc(hb->npages, sizeof(*hb->pages), GFP_KERNEL);
	if (!hb->pages)
		return -ENOMEM;
	while (i < hb->npages) {
		page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
		if (!page)
			goto out_free_low;
		if (page_to_phys(page) < EDU_HIGH_MEM_START) {
			list_add(&page->lru, &low);
			if (++rejects > EDU_HIGH_MAX_REJECTS)
				goto out_free_low;
			continue;
		}
		*lowest = min_t(u64, *lowest, page_to_phys(page));
		hb->pages[i++] = page;
	}
	hb->vaddr = vmap(hb->pages, hb->npages, VM_MAP, PAGE_KERNEL);
	if (hb->vaddr)
		err = 0;
out_free_low:
	list_for_each_entry_safe(page, tmp, &low, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	if (err)
		edu_high_free(hb);
	return err;
}

/*
 * Round trip between two kernel buffers above 256 MiB, filled and checked
 * here; @x->src and @x->dst are offsets within their first page.
 */
static IOReturn edu_xfer_high(struct edu *edu, struct edu_dmacmd_xfer *x)
{
	struct edu_high_buf sb = {}, db = {};
	u64 i, lowest = U64_MAX, dsize;
	IOReturn ret = kIOReturnNoMemory;
	u8 *s, *d;

	dsize = x->dst + x->len;
	if (edu_high_alloc(&sb, x->src + x->len, &lowest) ||
	    edu_high_alloc(&db, dsize, &lowest)) {
		dev_info(&edu->pdev->dev,
			 "no free memory above 256 MiB for a %llu-byte transfer\n",
			 x->len);
		goto out_free;
	}
	x->lowest_phys = lowest;
	s = sb.vaddr + x->src;
	d = db.vaddr + x->dst;
	/* Guard bytes around the destination, and the opposite of the data. */
	memset(db.vaddr, 0xa5, (size_t)db.npages * PAGE_SIZE);
	for (i = 0; i < x->len; i++) {
		s[i] = edu_pattern_byte(x->seed, i);
		d[i] = ~s[i];
	}

	ret = edu_xfer_range(edu, (uintptr_t)s, (uintptr_t)d, kernel_task, x);
	if (ret == kIOReturnSuccess) {
		for (i = 0; i < x->len; i++)
			x->mismatches += d[i] != s[i];
		for (i = 0; i < x->dst; i++)
			x->mismatches += db.vaddr[i] != 0xa5;
		for (i = dsize; i < (u64)db.npages * PAGE_SIZE; i++)
			x->mismatches += db.vaddr[i] != 0xa5;
	}
out_free:
	edu_high_free(&db);
	edu_high_free(&sb);
	return ret;
}

static long edu_ioctl_xfer(struct edu *edu, void __user *arg)
{
	struct edu_dmacmd_xfer x;
	IOReturn ret;
	int err;

	if (copy_from_user(&x, arg, sizeof(x)))
		return -EFAULT;
	err = edu_check_len(x.len);
	if (err)
		return err;
	if ((x.flags & ~EDU_XFER_FLAGS) || x.timeout_ms > EDU_MAX_TIMEOUT_MS)
		return -EINVAL;
	if (x.flags & EDU_XFER_KERNEL_HIGH) {
		if (x.src >= PAGE_SIZE || x.dst >= PAGE_SIZE)
			return -EINVAL;
	} else if (!access_ok(u64_to_user_ptr(x.src), x.len) ||
		   !access_ok(u64_to_user_ptr(x.dst), x.len)) {
		return -EFAULT;
	}
	x.ioreturn = 0;
	x.mismatches = 0;
	x.lowest_phys = 0;
	memset(&x.to_dev, 0, sizeof(x.to_dev));
	memset(&x.from_dev, 0, sizeof(x.from_dev));

	err = edu_lock(edu);
	if (err)
		return err;
	if (x.flags & EDU_XFER_KERNEL_HIGH)
		ret = edu_xfer_high(edu, &x);
	else
		ret = edu_xfer_user(edu, &x);
	mutex_unlock(&edu->lock);

	x.ioreturn = ret;
	if (copy_to_user(arg, &x, sizeof(x)))
		return -EFAULT;
	return edu_errno(ret);
}

static long edu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu_file *ef = file->private_data;
	struct edu_dmacmd_xfer last;

	switch (cmd) {
	case EDU_DMACMD_IOC_XFER:
		return edu_ioctl_xfer(ef->edu, (void __user *)arg);
	case EDU_DMACMD_IOC_LAST:
		mutex_lock(&ef->edu->lock);
		last = ef->last;
		mutex_unlock(&ef->edu->lock);
		if (copy_to_user((void __user *)arg, &last, sizeof(last)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

/*
 * write(): the bytes go through the device into a new buffer of the file,
 * which replaces the previous one; read() starts again at its beginning.
 */
static ssize_t edu_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct edu_file *ef = file->private_data;
	struct edu_dmacmd_xfer x = { .src = (uintptr_t)ubuf, .len = count };
	struct edu *edu = ef->edu;
	IOBufferMemoryDescriptor *buf;
	IOMemoryDescriptor *src;
	IOReturn ret;
	int err;

	err = edu_check_len(count);
	if (err)
		return err;
	if (!access_ok(ubuf, count))
		return -EFAULT;

	buf = IOBufferMemoryDescriptor_withCapacity(count, kIODirectionInOut,
						    false);
	src = IOMemoryDescriptor_withAddressRange((uintptr_t)ubuf, count,
						  kIODirectionOut,
						  current_task());
	if (!buf || !src) {
		err = -ENOMEM;
		goto out_release;
	}
	err = edu_lock(edu);
	if (err)
		goto out_release;
	ret = IOMemoryDescriptor_prepare(src, kIODirectionOut);
	if (ret == kIOReturnSuccess) {
		ret = edu_copy(edu, src, 0, buf, 0, &x);
		IOMemoryDescriptor_complete(src, kIODirectionOut);
	}
	x.ioreturn = ret;
	ef->last = x;
	if (ret == kIOReturnSuccess) {
		swap(ef->buf, buf);
		ef->len = count;
		ef->pos = 0;
	}
	mutex_unlock(&edu->lock);
	err = edu_errno(ret);
out_release:
	OSSafeReleaseNULL(src);
	OSSafeReleaseNULL(buf);
	return err ? err : count;
}

/* read(): the file's buffer goes through the device into the caller's. */
static ssize_t edu_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct edu_file *ef = file->private_data;
	struct edu_dmacmd_xfer x = { .dst = (uintptr_t)ubuf };
	struct edu *edu = ef->edu;
	IOMemoryDescriptor *dst;
	IOReturn ret;
	int err;

	if (!count)
		return 0;
	err = edu_lock(edu);
	if (err)
		return err;
	if (!ef->buf || ef->pos >= ef->len) {
		mutex_unlock(&edu->lock);
		return 0;
	}
	x.len = min_t(u64, count, ef->len - ef->pos);
	if (!access_ok(ubuf, x.len)) {
		mutex_unlock(&edu->lock);
		return -EFAULT;
	}

	dst = IOMemoryDescriptor_withAddressRange((uintptr_t)ubuf, x.len,
						  kIODirectionIn,
						  current_task());
	if (!dst) {
		ret = kIOReturnNoMemory;
	} else {
		ret = IOMemoryDescriptor_prepare(dst, kIODirectionIn);
		if (ret == kIOReturnSuccess) {
			ret = edu_copy(edu, ef->buf, ef->pos, dst, 0, &x);
			IOMemoryDescriptor_complete(dst, kIODirectionIn);
		}
		OSSafeReleaseNULL(dst);
	}
	x.ioreturn = ret;
	ef->last = x;
	if (ret == kIOReturnSuccess)
		ef->pos += x.len;
	mutex_unlock(&edu->lock);
	err = edu_errno(ret);
	return err ? err : x.len;
}

static int edu_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data and holds misc_mtx: @edu is alive. */
	struct edu *edu = container_of(file->private_data, struct edu, misc);
	struct edu_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	kref_get(&edu->ref);
	ef->edu = edu;
	file->private_data = ef;
	return stream_open(inode, file);
}

static int edu_release(struct inode *inode, struct file *file)
{
	struct edu_file *ef = file->private_data;

	OSSafeReleaseNULL(ef->buf);
	kref_put(&ef->edu->ref, edu_free);
	kfree(ef);
	return 0;
}

static const struct file_operations edu_fops = {
	.owner = THIS_MODULE,
	.open = edu_open,
	.release = edu_release,
	.read = edu_read,
	.write = edu_write,
	.unlocked_ioctl = edu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Is the device there and an edu?  Reads its id and liveness registers. */
static int edu_check_alive(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	u32 id = readl(edu->regs + EDU_REG_ID);

	if ((id & EDU_ID_MASK) != EDU_ID) {
		dev_err(dev, "not an edu device or not answering (id register %#x)\n",
			id);
		return -ENODEV;
	}
	writel(EDU_LIVENESS_PROBE, edu->regs + EDU_REG_LIVENESS);
	if (readl(edu->regs + EDU_REG_LIVENESS) != ~EDU_LIVENESS_PROBE) {
		dev_err(dev, "liveness check failed: the device does not answer\n");
		return -ENODEV;
	}
	dev_info(dev, "edu %u.%u\n", id >> 24, (id >> 16) & 0xff);
	return 0;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct edu *edu;
	int err;

	if (atomic_cmpxchg(&edu_claimed, 0, 1)) {
		dev_info(dev, "another edu device has /dev/%s: not binding\n",
			 EDU_DMACMD_DEVICE);
		return -EBUSY;
	}
	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu) {
		err = -ENOMEM;
		goto err_unclaim;
	}
	kref_init(&edu->ref);
	mutex_init(&edu->lock);
	init_completion(&edu->dma_done);
	edu->pdev = pdev;

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = pci_request_regions(pdev, KBUILD_MODNAME);
	if (err)
		goto err_disable;
	edu->regs = pci_iomap(pdev, 0, 0);
	if (!edu->regs) {
		err = -ENOMEM;
		goto err_release_regions;
	}
	err = edu_check_alive(edu);
	if (err)
		goto err_unmap;

	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(EDU_ADDRESS_BITS));
	if (err) {
		dev_err(dev, "no usable 28-bit DMA configuration\n");
		goto err_unmap;
	}
	dma_set_max_seg_size(dev, EDU_BUF_SIZE);

	/* MSI where the platform has it; INTx otherwise. */
	err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (err < 0)
		goto err_unmap;
	edu->irq = pci_irq_vector(pdev, 0);
	writel(~0U, edu->regs + EDU_REG_IRQ_ACK);
	err = request_irq(edu->irq, edu_irq, IRQF_SHARED, KBUILD_MODNAME, edu);
	if (err)
		goto err_free_vectors;

	/*
	 * What the engine can do, stated once: 28 address bits, one 4 KiB
	 * buffer, so segments and transfers of at most 4 KiB, no alignment.
	 */
	edu->to_dev = IODMACommand_withSpecification(kIODMACommandOutputHost64,
						     EDU_ADDRESS_BITS,
						     EDU_BUF_SIZE,
						     IODMACommand_kMapped,
						     EDU_BUF_SIZE, 1, dev, edu);
	if (!edu->to_dev) {
		dev_err(dev, "IODMACommand_withSpecification failed\n");
		err = -ENOMEM;
		goto err_free_irq;
	}
	edu->from_dev = IODMACommand_cloneCommand(edu->to_dev, edu);
	if (!edu->from_dev) {
		dev_err(dev, "IODMACommand_cloneCommand failed\n");
		err = -ENOMEM;
		goto err_release_cmd;
	}
	pci_set_master(pdev);

	edu->misc.minor = MISC_DYNAMIC_MINOR;
	edu->misc.name = EDU_DMACMD_DEVICE;
	edu->misc.fops = &edu_fops;
	edu->misc.parent = dev;
	edu->misc.mode = 0600;
	pci_set_drvdata(pdev, edu);
	err = misc_register(&edu->misc);
	if (err)
		goto err_clear_master;

	dev_info(dev, "%s interrupt, %u DMA address bits: /dev/%s\n",
		 pdev->msi_enabled ? "MSI" : "INTx", EDU_ADDRESS_BITS,
		 EDU_DMACMD_DEVICE);
	return 0;

err_clear_master:
	pci_clear_master(pdev);
	OSSafeReleaseNULL(edu->from_dev);
err_release_cmd:
	OSSafeReleaseNULL(edu->to_dev);
err_free_irq:
	free_irq(edu->irq, edu);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_iounmap(pdev, edu->regs);
err_release_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kref_put(&edu->ref, edu_free);
err_unclaim:
	atomic_set(&edu_claimed, 0);
	return err;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	/* No new opens; files already open fail with -ENODEV from now on. */
	misc_deregister(&edu->misc);
	mutex_lock(&edu->lock);
	edu->gone = true;
	pci_clear_master(pdev);
	OSSafeReleaseNULL(edu->from_dev);
	OSSafeReleaseNULL(edu->to_dev);
	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	pci_iounmap(pdev, edu->regs);
	edu->regs = NULL;
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	mutex_unlock(&edu->lock);
	kref_put(&edu->ref, edu_free);
	atomic_set(&edu_claimed, 0);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("QEMU edu device driven through dmacmd's IOKit porting API");
MODULE_LICENSE("GPL");
DMACMD_IMPORT_NS();
