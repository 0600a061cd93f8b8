// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd_sdhci - an SD host controller driver for QEMU's "sdhci-pci" with an
 * "sd-card", written the way a macOS storage driver is written: through
 * dmacmd's IOKit porting headers.
 *
 * The controller (PCI 1b36:0007, SD Host Controller specification 2.00) is
 * a DMA master with two engines: SDMA, one 32-bit address that the
 * controller advances until it crosses a buffer boundary (4 KiB here),
 * where it stops with a DMA interrupt until the driver writes the next
 * address; and ADMA2, which walks a table of 8-byte descriptors (attribute,
 * 16-bit length where 0 means 64 KiB, 32-bit address) in memory.  Both take
 * 32-bit addresses only: the default capabilities of the model do not
 * offer the 64-bit system bus.
 *
 * DOC: How the driver uses dmacmd
 *
 * At probe the driver states the engine's limits once, as a macOS SDHC
 * driver does: IODMACommand_withSpecification(kIODMACommandOutputHost32,
 * 32, 4096, kMapped, 0, 4096), so that every segment is a 4 KiB-aligned
 * piece of at most 4 KiB, which is what SDMA's boundary rule needs; a small
 * pool of such commands serves the I/O requests, one command per request.
 * A request attaches its memory with IODMACommand_setMemoryDescriptor()
 * and moves it in sub-ranges, one SD command (CMD17/18 or CMD24/25) each:
 * IODMACommand_prepare(offset, length), then
 *
 * * SDMA: the first segment goes into the address register; at each
 *   boundary interrupt the handler resumes the generation where it
 *   stopped (the offset is carried from interrupt to interrupt) and
 *   writes the next segment's address;
 * * ADMA2: a generation loop fills the descriptor table, merging adjacent
 *   segments up to 64 KiB per descriptor; the table lives in an
 *   IOBufferMemoryDescriptor that has its own IODMACommand, and the
 *   table's address the controller gets is that command's segment, never
 *   a CPU physical address, so it is an IOVA behind an IOMMU;
 *
 * and IODMACommand_complete(); at the end of the request
 * IODMACommand_clearMemoryDescriptor().  Memory the controller cannot take
 * (above 4 GiB, or not 4 KiB-aligned) is double-buffered by dmacmd.
 *
 * A failed prepare or segment generation ends the request with its
 * IOReturn; the controller is reset (and the card told to stop) before the
 * memory is completed.  The fault_at field of the test interface makes
 * such a failure happen at any of a request's DMA steps: the driver then
 * asks dmacmd for a range it must refuse, so the failure is dmacmd's own.
 *
 * QEMU 7.2's model has one quirk that stops SDMA across a boundary: a
 * write of the address register is ignored while a transfer is under way
 * (a CVE-2021-3409 fix), and a transfer stopped at a boundary still counts
 * as under way, so the spec's way of continuing never continues.  A data
 * line reset leaves the block count and transfer mode alone in the model
 * and ends the "under way" state; the address write that follows then
 * continues the transfer.  The driver does that on QEMU's controller only
 * (sdma_restart_quirk=-1, the default), and sdma_restart_quirk=0 shows the
 * stall (the request times out and the controller is reset).  Two more:
 * a software reset acts only on a write of a single reset bit, so the
 * lines are reset one at a time; and an SDMA address write starts a
 * transfer whenever a block count is left over, so the count is cleared
 * before the address is written.  (The model also ignores the boundary of
 * an SDMA address that is not boundary-aligned; the 4 KiB alignment of
 * the specification keeps every segment on a boundary.)
 *
 * User interface (see sdhci_dmacmd.h): the SDHCI_DMACMD_IOC_XFER ioctl
 * writes a buffer to the card and reads it back, each direction through
 * the DMA mode asked for, from user memory or from kernel memory of the
 * kind asked for, and reports what each direction did.
 */

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
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
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <dmacmd/IOKit/IODMACommand.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>

#include "sdhci_dmacmd.h"

/* QEMU's sdhci-pci (hw/sd/sdhci-pci.c): Red Hat's vendor id. */
#define SDHCI_PCI_VENDOR	0x1b36
#define SDHCI_PCI_DEVICE	0x0007

/* Registers in BAR 0 (SD Host Controller Simplified Specification 2.00). */
#define SDHCI_DMA_ADDRESS	0x00
#define SDHCI_BLOCK_SIZE	0x04	/* 16 bits, block count above */
#define SDHCI_ARGUMENT		0x08
#define SDHCI_TRANSFER_MODE	0x0c	/* 16 bits, command above */
#define SDHCI_RESPONSE		0x10
#define SDHCI_PRESENT_STATE	0x24
#define SDHCI_HOST_CONTROL	0x28
#define SDHCI_POWER_CONTROL	0x29
#define SDHCI_CLOCK_CONTROL	0x2c
#define SDHCI_TIMEOUT_CONTROL	0x2e
#define SDHCI_SOFTWARE_RESET	0x2f
#define SDHCI_INT_STATUS	0x30	/* normal (low 16) and error (high 16) */
#define SDHCI_INT_ENABLE	0x34
#define SDHCI_SIGNAL_ENABLE	0x38
#define SDHCI_CAPABILITIES	0x40
#define SDHCI_ADMA_ERROR	0x54
#define SDHCI_ADMA_ADDRESS	0x58
#define SDHCI_HOST_VERSION	0xfe

#define SDHCI_BLKSZ_BOUNDARY_4K	(0 << 12)	/* SDMA buffer boundary */

#define SDHCI_TRNS_DMA		BIT(0)
#define SDHCI_TRNS_BLK_CNT_EN	BIT(1)
#define SDHCI_TRNS_AUTO_CMD12	BIT(2)
#define SDHCI_TRNS_READ		BIT(4)
#define SDHCI_TRNS_MULTI	BIT(5)

#define SDHCI_CMD_RESP_NONE	0x00
#define SDHCI_CMD_RESP_136	0x01
#define SDHCI_CMD_RESP_48	0x02
#define SDHCI_CMD_RESP_48_BUSY	0x03
#define SDHCI_CMD_CRC		BIT(3)
#define SDHCI_CMD_INDEX		BIT(4)
#define SDHCI_CMD_DATA		BIT(5)

#define SDHCI_CMD_INHIBIT	BIT(0)
#define SDHCI_DATA_INHIBIT	BIT(1)
#define SDHCI_CARD_PRESENT	BIT(16)

#define SDHCI_CTRL_DMA_MASK	(3 << 3)
#define SDHCI_CTRL_SDMA		(0 << 3)
#define SDHCI_CTRL_ADMA32	(2 << 3)

#define SDHCI_POWER_ON		0x01
#define SDHCI_POWER_330		0x0e

#define SDHCI_CLOCK_INT_EN	BIT(0)
#define SDHCI_CLOCK_INT_STABLE	BIT(1)
#define SDHCI_CLOCK_CARD_EN	BIT(2)

#define SDHCI_RESET_ALL		0x01
#define SDHCI_RESET_CMD		0x02
#define SDHCI_RESET_DATA	0x04

#define SDHCI_INT_CMD_DONE	BIT(0)
#define SDHCI_INT_XFER_DONE	BIT(1)
#define SDHCI_INT_DMA		BIT(3)
#define SDHCI_INT_ERROR		BIT(15)
#define SDHCI_INT_ERR_MASK	0x03ff0000U	/* the error interrupts */
#define SDHCI_INT_CMD_TIMEOUT	BIT(16)
#define SDHCI_INT_ADMA_ERROR	BIT(25)
#define SDHCI_INT_USED		(SDHCI_INT_CMD_DONE | SDHCI_INT_XFER_DONE | \
				 SDHCI_INT_DMA | SDHCI_INT_ERR_MASK)

#define SDHCI_CAN_ADMA2		BIT(19)
#define SDHCI_CAN_SDMA		BIT(22)

/* ADMA2 descriptor attributes (low 16 bits of the 64-bit entry). */
#define ADMA2_VALID		BIT(0)
#define ADMA2_END		BIT(1)
#define ADMA2_TRAN		(2 << 4)
#define ADMA2_MAX_LEN		65536U	/* written as 0 */
#define ADMA2_TABLE_SIZE	4096U
#define ADMA2_MAX_DESCS		(ADMA2_TABLE_SIZE / 8)

/* SD commands (SD Physical Layer Simplified Specification). */
#define SD_GO_IDLE		0
#define SD_ALL_SEND_CID		2
#define SD_SEND_RCA		3
#define SD_SELECT		7
#define SD_SEND_IF_COND		8
#define SD_SEND_CSD		9
#define SD_STOP			12
#define SD_SET_BLOCKLEN		16
#define SD_READ_SINGLE		17
#define SD_READ_MULTI		18
#define SD_WRITE_SINGLE		24
#define SD_WRITE_MULTI		25
#define SD_APP_OP_COND		41
#define SD_APP_CMD		55

#define SD_IF_COND_ARG		0x1aa		/* 2.7-3.6 V, check pattern */
#define SD_OCR_VOLTAGES		0x00ff8000U
#define SD_OCR_HCS		BIT(30)
#define SD_OCR_READY		BIT(31)
#define SD_R1_ERRORS		0xfdf90008U

/* Everything the controller is handed must lie below 4 GiB. */
#define SDHCI_ADDRESS_BITS	32
#define SDHCI_SDMA_BOUNDARY	4096U
#define SDHCI_POOL		4
#define SDHCI_HIGH_MAX_REJECTS	16384
#define SDHCI_IRQ_LOOPS		512

static char *dma_mode = "adma2";
module_param(dma_mode, charp, 0444);
MODULE_PARM_DESC(dma_mode, "DMA engine of requests that do not choose: sdma or adma2 (default)");

static unsigned int timeout_ms = 2000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "Time one SD command may take before the controller is reset (ms, default 2000)");

static unsigned int chunk_kb = 256;
module_param(chunk_kb, uint, 0644);
MODULE_PARM_DESC(chunk_kb, "Bytes per SD command (prepared sub-range) in KiB, 4 to 1024 (default 256)");

static int sdma_restart_quirk = -1;
module_param(sdma_restart_quirk, int, 0644);
MODULE_PARM_DESC(sdma_restart_quirk, "Continue SDMA after a boundary with a data line reset: -1 on QEMU's controller (default), 0 never, 1 always");

/* The device node has one name, so only the first controller binds. */
static atomic_t sdhci_claimed = ATOMIC_INIT(0);

struct sdhci_ctl;

/**
 * struct sdhci_xfer_ctx - what one ioctl counts across its requests
 * @fault_at: 0, or the DMA step that is to fail
 * @steps: DMA steps made so far
 * @resets: controller resets made
 */
struct sdhci_xfer_ctx {
	u32 fault_at;
	u32 steps;
	u32 resets;
};

/**
 * struct sdhci_req - a command object of the pool, one per I/O request
 * @ctl: the controller
 * @dma: the request's IODMACommand
 * @busy: taken from the pool
 * @xf: the ioctl the request serves (fault injection, counts)
 * @leg: statistics of the request
 * @prep_len: length of the prepared sub-range
 * @gen_off: SDMA: where the next generation resumes (interrupt handler)
 * @irq_err: SDMA: IOReturn of a failure in the interrupt handler
 * @recovered: the controller was reset after a failure of this sub-range
 */
struct sdhci_req {
	struct sdhci_ctl *ctl;
	IODMACommand *dma;
	bool busy;
	struct sdhci_xfer_ctx *xf;
	struct sdhci_dmacmd_leg *leg;
	UInt64 prep_len;
	UInt64 gen_off;
	IOReturn irq_err;
	bool recovered;
};

/**
 * struct sdhci_ctl - one bound controller and its card
 * @ref: held by the PCI binding and by every open file
 * @pdev: the PCI device
 * @regs: BAR 0
 * @irq: Linux interrupt number
 * @misc: the /dev/sdhci-dmacmd node
 * @lock: one request at a time; protects the fields below but @irq_lock's
 * @gone: the driver was unbound
 * @broken: a reset did not complete; every call fails with -EIO
 * @irq_lock: protects @events, @sdma and the SDMA fields of the request
 * @events: interrupt status bits seen since the last command was issued
 * @sdma: the request whose SDMA transfer runs, or NULL
 * @wq: woken by the interrupt handler
 * @caps: capabilities register
 * @version: host controller version register
 * @quirks: SDHCI_QUIRK_* of this controller
 * @mode: default DMA mode (SDHCI_MODE_*)
 * @high_capacity: the card takes block addresses
 * @rca: the card's relative address
 * @blocks: card capacity in 512-byte blocks
 * @resets: controller resets since probe
 * @pool: the request command pool
 * @adma_buf: the ADMA2 descriptor table
 * @adma_cmd: command that maps @adma_buf for the controller
 */
struct sdhci_ctl {
	struct kref ref;
	struct pci_dev *pdev;
	void __iomem *regs;
	int irq;
	struct miscdevice misc;
	struct mutex lock;	/* see @lock above */
	bool gone;
	bool broken;
	spinlock_t irq_lock;	/* see @irq_lock above */
	u32 events;
	struct sdhci_req *sdma;
	wait_queue_head_t wq;
	u32 caps;
	u16 version;
	u32 quirks;
	u32 mode;
	bool high_capacity;
	u32 rca;
	u64 blocks;
	u32 resets;
	struct sdhci_req pool[SDHCI_POOL];
	IOBufferMemoryDescriptor *adma_buf;
	IODMACommand *adma_cmd;
};

static void sdhci_free(struct kref *ref)
{
	kfree(container_of(ref, struct sdhci_ctl, ref));
}

/* The errno user space sees for an IOReturn (reported too). */
static int sdhci_errno(IOReturn ret)
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
	case kIOReturnOverrun:
		return -ERANGE;
	case kIOReturnTimeout:
		return -ETIMEDOUT;
	case kIOReturnNoDevice:
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * Count one DMA step of the ioctl @xf; true if it is the one to fail.
 * Called under the controller's lock or its irq_lock, never both racing.
 */
static bool sdhci_fault_step(struct sdhci_xfer_ctx *xf)
{
	xf->steps++;
	return xf->fault_at && xf->steps == xf->fault_at;
}

static bool sdhci_quirk_sdma_restart(struct sdhci_ctl *ctl)
{
	int q = READ_ONCE(sdma_restart_quirk);

	return q < 0 ? ctl->quirks & SDHCI_QUIRK_SDMA_RESTART_BY_DATA_RESET : q;
}

/* Note a segment handed to the controller in the statistics. */
static void sdhci_account(struct sdhci_dmacmd_leg *leg,
			  const IODMACommand_Segment32 *seg)
{
	leg->segments++;
	leg->min_addr = min_t(u64, leg->min_addr, seg->fIOVMAddr);
	leg->max_addr = max_t(u64, leg->max_addr,
			      (u64)seg->fIOVMAddr + seg->fLength);
}

/*
 * Generate the segment at *@pos of @rq's prepared range, counting the step;
 * the step chosen by fault_at asks for the segment at the range's end,
 * which dmacmd refuses (kIOReturnOverrun).
 */
static IOReturn sdhci_gen(struct sdhci_req *rq, IODMACommand *cmd, UInt64 *pos,
			  UInt64 prep_len, IODMACommand_Segment32 *seg)
{
	UInt64 end = prep_len;
	UInt32 n = 1;

	if (sdhci_fault_step(rq->xf))
		return IODMACommand_gen32IOVMSegments(cmd, &end, seg, &n);
	return IODMACommand_gen32IOVMSegments(cmd, pos, seg, &n);
}

/*
 * An SDMA segment the controller can take: 4 KiB-aligned (QEMU ignores
 * the boundary of an unaligned start and runs on), a whole number of
 * blocks, and, unless it is the last, ending at a boundary, where the
 * controller stops for the next address.
 */
static bool sdhci_sdma_seg_ok(const IODMACommand_Segment32 *seg, UInt64 at,
			      UInt64 prep_len)
{
	u64 end = (u64)seg->fIOVMAddr + seg->fLength;

	if (!seg->fLength || seg->fLength > prep_len - at ||
	    end > BIT_ULL(SDHCI_ADDRESS_BITS) ||
	    seg->fIOVMAddr % SDHCI_SDMA_BOUNDARY ||
	    seg->fLength % SDHCI_BLOCK)
		return false;
	return at + seg->fLength == prep_len ||
	       seg->fLength == SDHCI_SDMA_BOUNDARY;
}

/*
 * SDMA boundary interrupt: resume the generation where the last one
 * stopped and hand the controller the next segment.  On failure the
 * controller stays stopped at the boundary; the request's thread resets it.
 */
static void sdhci_sdma_boundary(struct sdhci_ctl *ctl)
{
	struct sdhci_req *rq = ctl->sdma;
	IODMACommand_Segment32 seg;
	UInt64 at;
	IOReturn ret;

	lockdep_assert_held(&ctl->irq_lock);
	if (!rq || rq->irq_err)
		return;
	at = rq->gen_off;
	if (at >= rq->prep_len) {
		/* The controller wants more than the command was given. */
		rq->irq_err = kIOReturnDMAError;
		return;
	}
	ret = sdhci_gen(rq, rq->dma, &rq->gen_off, rq->prep_len, &seg);
	if (ret != kIOReturnSuccess) {
		rq->irq_err = ret;
		return;
	}
	if (!sdhci_sdma_seg_ok(&seg, at, rq->prep_len)) {
		dev_err(&ctl->pdev->dev,
			"SDMA segment %#x+%u at offset %llu breaks the 4 KiB boundary rule\n",
			seg.fIOVMAddr, seg.fLength, at);
		rq->irq_err = kIOReturnDMAError;
		return;
	}
	sdhci_account(rq->leg, &seg);
	rq->leg->boundary_irqs++;
	if (sdhci_quirk_sdma_restart(ctl))
		writeb(SDHCI_RESET_DATA, ctl->regs + SDHCI_SOFTWARE_RESET);
	writel(seg.fIOVMAddr, ctl->regs + SDHCI_DMA_ADDRESS);
}

static irqreturn_t sdhci_irq(int irq, void *data)
{
	struct sdhci_ctl *ctl = data;
	irqreturn_t ret = IRQ_NONE;
	unsigned int loops = 0;
	u32 status;

	spin_lock(&ctl->irq_lock);
	while (loops++ < SDHCI_IRQ_LOOPS) {
		status = readl(ctl->regs + SDHCI_INT_STATUS);
		if (!status || status == ~0U)
			break;
		ret = IRQ_HANDLED;
		writel(status, ctl->regs + SDHCI_INT_STATUS);
		/* An error ends the transfer: no DMA continues after it. */
		if ((status & SDHCI_INT_DMA) && !(status & SDHCI_INT_ERROR))
			sdhci_sdma_boundary(ctl);
		ctl->events |= status;
	}
	spin_unlock(&ctl->irq_lock);
	if (ret == IRQ_HANDLED)
		wake_up(&ctl->wq);
	return ret;
}

/*
 * Reset parts of the controller (SDHCI_RESET_*); false if it stays busy.
 * One bit per write: QEMU's model acts on a write of exactly one reset
 * bit and ignores a write of several.
 */
static bool sdhci_reset_bits(struct sdhci_ctl *ctl, u8 mask)
{
	unsigned int bit;
	u8 v;

	for (bit = 0; bit < 3; bit++) {
		if (!(mask & BIT(bit)))
			continue;
		writeb(BIT(bit), ctl->regs + SDHCI_SOFTWARE_RESET);
		if (readb_poll_timeout(ctl->regs + SDHCI_SOFTWARE_RESET, v,
				       !(v & BIT(bit)), 10, 100000))
			return false;
	}
	return true;
}

static u32 sdhci_events(struct sdhci_ctl *ctl)
{
	u32 ev;

	spin_lock_irq(&ctl->irq_lock);
	ev = ctl->events;
	spin_unlock_irq(&ctl->irq_lock);
	return ev;
}

/* Every bit of @mask seen, an error, or a failure in the handler. */
static bool sdhci_done(struct sdhci_ctl *ctl, u32 mask, struct sdhci_req *rq)
{
	u32 ev = sdhci_events(ctl);

	return (ev & mask) == mask || (ev & SDHCI_INT_ERROR) ||
	       (rq && READ_ONCE(rq->irq_err) != kIOReturnSuccess);
}

/* Wait for sdhci_done() or the timeout; the events seen. */
static u32 sdhci_wait(struct sdhci_ctl *ctl, u32 mask, struct sdhci_req *rq)
{
	wait_event_timeout(ctl->wq, sdhci_done(ctl, mask, rq),
			   msecs_to_jiffies(READ_ONCE(timeout_ms)));
	return sdhci_events(ctl);
}

/**
 * sdhci_issue() - Send one SD command
 * @ctl: the controller
 * @idx: command index
 * @arg: argument
 * @flags: SDHCI_CMD_* response type and checks, SDHCI_CMD_DATA
 * @trns: SDHCI_TRNS_* for a data command, else 0
 *
 * Context: Process context, @ctl->lock held.
 * Return: 0 or -EBUSY if the command line stays busy.
 */
static int sdhci_issue(struct sdhci_ctl *ctl, u8 idx, u32 arg, u16 flags,
		       u16 trns)
{
	u32 state, inhibit = SDHCI_CMD_INHIBIT;

	if (flags & SDHCI_CMD_DATA)
		inhibit |= SDHCI_DATA_INHIBIT;
	if (readl_poll_timeout(ctl->regs + SDHCI_PRESENT_STATE, state,
			       !(state & inhibit), 10, 100000))
		return -EBUSY;
	spin_lock_irq(&ctl->irq_lock);
	ctl->events = 0;
	spin_unlock_irq(&ctl->irq_lock);
	writel(arg, ctl->regs + SDHCI_ARGUMENT);
	/* One 32-bit write: the command's upper byte starts it. */
	writel(trns | (u32)((idx << 8) | flags) << 16,
	       ctl->regs + SDHCI_TRANSFER_MODE);
	return 0;
}

/**
 * sdhci_cmd() - Send a command without data and wait for its response
 * @ctl: the controller
 * @idx: command index
 * @arg: argument
 * @flags: SDHCI_CMD_* response type and checks
 * @resp: the response registers, or NULL
 *
 * Context: Process context, @ctl->lock held (or probe); sleeps.
 * Return: 0, -ETIMEDOUT (no response), -EIO (an error interrupt or an
 * error in an R1 response) or -EBUSY.
 */
static int sdhci_cmd(struct sdhci_ctl *ctl, u8 idx, u32 arg, u16 flags,
		     u32 resp[4])
{
	u32 ev;
	int err, i;

	err = sdhci_issue(ctl, idx, arg, flags, 0);
	if (err)
		return err;
	ev = sdhci_wait(ctl, SDHCI_INT_CMD_DONE, NULL);
	if (ev & SDHCI_INT_ERROR) {
		sdhci_reset_bits(ctl, SDHCI_RESET_CMD);
		return ev & SDHCI_INT_CMD_TIMEOUT ? -ETIMEDOUT : -EIO;
	}
	if (!(ev & SDHCI_INT_CMD_DONE)) {
		sdhci_reset_bits(ctl, SDHCI_RESET_CMD);
		return -ETIMEDOUT;
	}
	for (i = 0; resp && i < 4; i++)
		resp[i] = readl(ctl->regs + SDHCI_RESPONSE + 4 * i);
	return 0;
}

#define R1	(SDHCI_CMD_RESP_48 | SDHCI_CMD_CRC | SDHCI_CMD_INDEX)
#define R1B	(SDHCI_CMD_RESP_48_BUSY | SDHCI_CMD_CRC | SDHCI_CMD_INDEX)
#define R2	(SDHCI_CMD_RESP_136 | SDHCI_CMD_CRC)
#define R3	SDHCI_CMD_RESP_48

/*
 * Bits [@hi:@lo] of the CSD in a 136-bit response: the controller stores
 * CSD bits 127..8 (no CRC) in response bits 119..0.
 */
static u32 sdhci_csd_bits(const u32 resp[4], unsigned int hi, unsigned int lo)
{
	u32 v = 0;
	unsigned int b;

	for (b = hi; b + 1 > lo; b--)
		v = (v << 1) | ((resp[(b - 8) / 32] >> ((b - 8) % 32)) & 1);
	return v;
}

/* Reset all, power, clock, interrupts: the controller ready for a card. */
static int sdhci_host_init(struct sdhci_ctl *ctl)
{
	struct device *dev = &ctl->pdev->dev;
	u16 clk;

	if (!sdhci_reset_bits(ctl, SDHCI_RESET_ALL)) {
		dev_err(dev, "controller does not come out of reset\n");
		return -EIO;
	}
	if (!(readl(ctl->regs + SDHCI_PRESENT_STATE) & SDHCI_CARD_PRESENT)) {
		dev_err(dev, "no card in the slot\n");
		return -ENODEV;
	}
	writeb(SDHCI_POWER_330 | SDHCI_POWER_ON,
	       ctl->regs + SDHCI_POWER_CONTROL);
	writew(SDHCI_CLOCK_INT_EN, ctl->regs + SDHCI_CLOCK_CONTROL);
	if (readw_poll_timeout(ctl->regs + SDHCI_CLOCK_CONTROL, clk,
			       clk & SDHCI_CLOCK_INT_STABLE, 10, 100000)) {
		dev_err(dev, "controller clock does not stabilise\n");
		return -EIO;
	}
	writew(clk | SDHCI_CLOCK_CARD_EN, ctl->regs + SDHCI_CLOCK_CONTROL);
	writeb(0x0e, ctl->regs + SDHCI_TIMEOUT_CONTROL);
	writel(SDHCI_INT_USED, ctl->regs + SDHCI_INT_ENABLE);
	writel(SDHCI_INT_USED, ctl->regs + SDHCI_SIGNAL_ENABLE);
	return 0;
}

/* The SD card's init sequence: CMD0, CMD8, ACMD41, CMD2, CMD3, CMD9, CMD7, CMD16. */
static int sdhci_card_init(struct sdhci_ctl *ctl)
{
	struct device *dev = &ctl->pdev->dev;
	unsigned long until = jiffies + HZ;
	u32 resp[4], ocr = 0;
	int err;

	err = sdhci_cmd(ctl, SD_GO_IDLE, 0, SDHCI_CMD_RESP_NONE, NULL);
	if (err)
		return err;
	err = sdhci_cmd(ctl, SD_SEND_IF_COND, SD_IF_COND_ARG, R1, resp);
	if (err || (resp[0] & 0xfff) != SD_IF_COND_ARG) {
		dev_err(dev, "CMD8 failed (%d): not a version 2 SD card\n", err);
		return err ? err : -ENODEV;
	}
	/* The card powers up after a while: ask until it says ready. */
	do {
		err = sdhci_cmd(ctl, SD_APP_CMD, 0, R1, NULL) ?:
		      sdhci_cmd(ctl, SD_APP_OP_COND,
				SD_OCR_HCS | SD_OCR_VOLTAGES, R3, resp);
		if (err)
			return err;
		ocr = resp[0];
		if (ocr & SD_OCR_READY)
			break;
		usleep_range(1000, 2000);
	} while (time_before(jiffies, until));
	if (!(ocr & SD_OCR_READY)) {
		dev_err(dev, "card not ready after ACMD41 (OCR %#x)\n", ocr);
		return -ETIMEDOUT;
	}
	ctl->high_capacity = ocr & SD_OCR_HCS;
	err = sdhci_cmd(ctl, SD_ALL_SEND_CID, 0, R2, NULL) ?:
	      sdhci_cmd(ctl, SD_SEND_RCA, 0, R1, resp);
	if (err)
		return err;
	ctl->rca = resp[0] >> 16;
	err = sdhci_cmd(ctl, SD_SEND_CSD, ctl->rca << 16, R2, resp);
	if (err)
		return err;
	if (sdhci_csd_bits(resp, 127, 126) == 1) {
		ctl->blocks = ((u64)sdhci_csd_bits(resp, 69, 48) + 1) << 10;
	} else {
		u64 size = (u64)sdhci_csd_bits(resp, 73, 62) + 1;

		size <<= sdhci_csd_bits(resp, 49, 47) + 2;
		size <<= sdhci_csd_bits(resp, 83, 80);
		ctl->blocks = size / SDHCI_BLOCK;
	}
	err = sdhci_cmd(ctl, SD_SELECT, ctl->rca << 16, R1B, NULL) ?:
	      sdhci_cmd(ctl, SD_SET_BLOCKLEN, SDHCI_BLOCK, R1, resp);
	if (err)
		return err;
	dev_info(dev, "SD%s card, RCA %#x, %llu blocks (%llu MiB)\n",
		 ctl->high_capacity ? "HC" : "SC", ctl->rca, ctl->blocks,
		 ctl->blocks >> 11);
	return 0;
}

/*
 * After a failed transfer: reset the command and data lines (the
 * controller stops using the memory before it is completed) and tell the
 * card to stop sending or receiving.
 */
static void sdhci_recover(struct sdhci_ctl *ctl, struct sdhci_xfer_ctx *xf,
			  bool data_cmd_sent)
{
	ctl->resets++;
	xf->resets++;
	spin_lock_irq(&ctl->irq_lock);
	ctl->sdma = NULL;
	spin_unlock_irq(&ctl->irq_lock);
	if (!sdhci_reset_bits(ctl, SDHCI_RESET_CMD | SDHCI_RESET_DATA)) {
		ctl->broken = true;
		dev_err(&ctl->pdev->dev,
			"controller still busy after a reset: disabled until bound again\n");
		return;
	}
	/* No transfer is left for a later address write to start. */
	writel(0, ctl->regs + SDHCI_BLOCK_SIZE);
	if (data_cmd_sent)
		sdhci_cmd(ctl, SD_STOP, 0, R1B, NULL);
	writel(~0U, ctl->regs + SDHCI_INT_STATUS);
	synchronize_irq(ctl->irq);
}

/* Program block size and count, then issue the data command. */
static int sdhci_start_data(struct sdhci_ctl *ctl, u64 lba, u32 nblk,
			    bool write, u8 dma_sel)
{
	u8 hc = readb(ctl->regs + SDHCI_HOST_CONTROL);
	u16 trns = SDHCI_TRNS_DMA | SDHCI_TRNS_BLK_CNT_EN;
	u32 arg = ctl->high_capacity ? lba : lba * SDHCI_BLOCK;
	u8 idx;

	if (nblk > 1)
		trns |= SDHCI_TRNS_MULTI | SDHCI_TRNS_AUTO_CMD12;
	if (!write)
		trns |= SDHCI_TRNS_READ;
	idx = write ? (nblk > 1 ? SD_WRITE_MULTI : SD_WRITE_SINGLE) :
		      (nblk > 1 ? SD_READ_MULTI : SD_READ_SINGLE);
	writeb((hc & ~SDHCI_CTRL_DMA_MASK) | dma_sel,
	       ctl->regs + SDHCI_HOST_CONTROL);
	writel(SDHCI_BLOCK | SDHCI_BLKSZ_BOUNDARY_4K | nblk << 16,
	       ctl->regs + SDHCI_BLOCK_SIZE);
	return sdhci_issue(ctl, idx, arg, R1 | SDHCI_CMD_DATA, trns);
}

/* What the end of a data command says: kIOReturnSuccess or why not. */
static IOReturn sdhci_data_result(struct sdhci_ctl *ctl, u32 ev)
{
	struct device *dev = &ctl->pdev->dev;
	u32 r1;

	if (ev & SDHCI_INT_ERROR) {
		dev_warn(dev, "data command failed: interrupt status %#x, ADMA error %#x\n",
			 ev, readl(ctl->regs + SDHCI_ADMA_ERROR));
		return kIOReturnIOError;
	}
	if ((ev & (SDHCI_INT_CMD_DONE | SDHCI_INT_XFER_DONE)) !=
	    (SDHCI_INT_CMD_DONE | SDHCI_INT_XFER_DONE)) {
		dev_warn(dev, "data command did not complete in %u ms (status %#x)\n",
			 READ_ONCE(timeout_ms), ev);
		return kIOReturnTimeout;
	}
	r1 = readl(ctl->regs + SDHCI_RESPONSE);
	if (r1 & SD_R1_ERRORS) {
		dev_warn(dev, "card reports error status %#x\n", r1);
		return kIOReturnIOError;
	}
	return kIOReturnSuccess;
}

/**
 * sdhci_run_sdma() - Move a prepared sub-range with SDMA
 * @ctl: the controller
 * @rq: the request, its command prepared for @len bytes
 * @lba: first block
 * @len: bytes
 * @write: to the card if true
 * @sent: set once the data command was issued
 *
 * The first segment goes into the address register; the interrupt
 * handler hands out the others at the boundary interrupts.
 *
 * Context: Process context, @ctl->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of what failed.
 */
static IOReturn sdhci_run_sdma(struct sdhci_ctl *ctl, struct sdhci_req *rq,
			       u64 lba, u64 len, bool write, bool *sent)
{
	IODMACommand_Segment32 seg;
	UInt64 pos = 0;
	IOReturn ret;
	u32 ev;

	ret = sdhci_gen(rq, rq->dma, &pos, len, &seg);
	if (ret != kIOReturnSuccess)
		return ret;
	if (!sdhci_sdma_seg_ok(&seg, 0, len)) {
		dev_err(&ctl->pdev->dev,
			"first SDMA segment %#x+%u breaks the 4 KiB boundary rule\n",
			seg.fIOVMAddr, seg.fLength);
		return kIOReturnDMAError;
	}
	sdhci_account(rq->leg, &seg);

	/*
	 * Block count 0 first: QEMU starts SDMA on an address write whenever
	 * a block count is left over.
	 */
	writel(0, ctl->regs + SDHCI_BLOCK_SIZE);
	writel(seg.fIOVMAddr, ctl->regs + SDHCI_DMA_ADDRESS);
	spin_lock_irq(&ctl->irq_lock);
	rq->gen_off = pos;
	rq->prep_len = len;
	rq->irq_err = kIOReturnSuccess;
	ctl->sdma = rq;
	spin_unlock_irq(&ctl->irq_lock);

	if (sdhci_start_data(ctl, lba, len / SDHCI_BLOCK, write,
			     SDHCI_CTRL_SDMA)) {
		ret = kIOReturnBusy;
	} else {
		*sent = true;
		ev = sdhci_wait(ctl, SDHCI_INT_CMD_DONE | SDHCI_INT_XFER_DONE,
				rq);
		spin_lock_irq(&ctl->irq_lock);
		ret = rq->irq_err;
		spin_unlock_irq(&ctl->irq_lock);
		if (ret == kIOReturnSuccess)
			ret = sdhci_data_result(ctl, ev);
	}
	spin_lock_irq(&ctl->irq_lock);
	ctl->sdma = NULL;
	/* Finished without asking for every segment: it ran past one. */
	if (ret == kIOReturnSuccess && rq->gen_off != len) {
		dev_err(&ctl->pdev->dev,
			"SDMA finished after %llu of %llu bytes' segments\n",
			rq->gen_off, len);
		ret = kIOReturnDMAError;
	}
	spin_unlock_irq(&ctl->irq_lock);
	return ret;
}

/* Write descriptor @i of the ADMA2 table. */
static void sdhci_adma_desc(__le64 *table, unsigned int i, u32 addr, u32 len,
			    bool end)
{
	u64 d = ADMA2_VALID | ADMA2_TRAN | (end ? ADMA2_END : 0);

	/* The 16-bit length field: 0 stands for 64 KiB. */
	d |= (u64)(len == ADMA2_MAX_LEN ? 0 : len) << 16;
	d |= (u64)addr << 32;
	table[i] = cpu_to_le64(d);
}

/**
 * sdhci_run_adma() - Move a prepared sub-range with ADMA2
 * @ctl: the controller
 * @rq: the request, its command prepared for @len bytes
 * @lba: first block
 * @len: bytes
 * @write: to the card if true
 * @sent: set once the data command was issued
 *
 * Fills the descriptor table from a generation loop (adjacent segments
 * merged up to 64 KiB), maps the table with its own command and gives the
 * controller the table's segment address.
 *
 * Context: Process context, @ctl->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of what failed.
 */
static IOReturn sdhci_run_adma(struct sdhci_ctl *ctl, struct sdhci_req *rq,
			       u64 lba, u64 len, bool write, bool *sent)
{
	__le64 *table = IOBufferMemoryDescriptor_getBytesNoCopy(ctl->adma_buf);
	struct sdhci_dmacmd_leg *leg = rq->leg;
	IODMACommand_Segment32 seg, tseg;
	u32 d_addr = 0, d_len = 0;
	unsigned int nd = 0;
	UInt64 pos = 0, at, tpos = 0;
	IOReturn ret, cret;

	while (pos < len) {
		at = pos;
		ret = sdhci_gen(rq, rq->dma, &pos, len, &seg);
		if (ret != kIOReturnSuccess)
			return ret;
		if (!seg.fLength || seg.fLength > len - at || seg.fIOVMAddr % 4 ||
		    (u64)seg.fIOVMAddr + seg.fLength > BIT_ULL(SDHCI_ADDRESS_BITS)) {
			dev_err(&ctl->pdev->dev,
				"ADMA2 segment %#x+%u at offset %llu breaks the 32-bit specification\n",
				seg.fIOVMAddr, seg.fLength, at);
			return kIOReturnDMAError;
		}
		sdhci_account(leg, &seg);
		if (d_len && (u64)d_addr + d_len == seg.fIOVMAddr &&
		    d_len + seg.fLength <= ADMA2_MAX_LEN) {
			d_len += seg.fLength;
			continue;
		}
		if (d_len) {
			if (nd == ADMA2_MAX_DESCS - 1)
				return kIOReturnNoSpace;
			sdhci_adma_desc(table, nd++, d_addr, d_len, false);
			leg->max_desc = max(leg->max_desc, d_len);
		}
		d_addr = seg.fIOVMAddr;
		d_len = seg.fLength;
	}
	sdhci_adma_desc(table, nd++, d_addr, d_len, true);
	leg->max_desc = max(leg->max_desc, d_len);
	leg->descs += nd;

	/* The table as the controller sees it: its own command's segment. */
	if (sdhci_fault_step(rq->xf))
		ret = IODMACommand_prepare(ctl->adma_cmd, ADMA2_TABLE_SIZE, 8,
					   true, true);
	else
		ret = IODMACommand_prepare(ctl->adma_cmd, 0, nd * 8, true, true);
	if (ret != kIOReturnSuccess)
		return ret;
	ret = sdhci_gen(rq, ctl->adma_cmd, &tpos, nd * 8, &tseg);
	if (ret == kIOReturnSuccess &&
	    (tseg.fLength != nd * 8 || tseg.fIOVMAddr % 4)) {
		dev_err(&ctl->pdev->dev, "ADMA2 table mapped as %#x+%u, not one piece\n",
			tseg.fIOVMAddr, tseg.fLength);
		ret = kIOReturnDMAError;
	}
	if (ret == kIOReturnSuccess) {
		writel(tseg.fIOVMAddr, ctl->regs + SDHCI_ADMA_ADDRESS);
		writel(0, ctl->regs + SDHCI_ADMA_ADDRESS + 4);
		if (sdhci_start_data(ctl, lba, len / SDHCI_BLOCK, write,
				     SDHCI_CTRL_ADMA32)) {
			ret = kIOReturnBusy;
		} else {
			*sent = true;
			ret = sdhci_data_result(ctl,
						sdhci_wait(ctl, SDHCI_INT_CMD_DONE |
							   SDHCI_INT_XFER_DONE,
							   NULL));
		}
		/* The controller must be done with the table before it goes. */
		if (ret != kIOReturnSuccess) {
			sdhci_recover(ctl, rq->xf, *sent);
			rq->recovered = true;
		}
	}
	cret = IODMACommand_complete(ctl->adma_cmd, true, true);
	return ret != kIOReturnSuccess ? ret : cret;
}

/**
 * sdhci_chunk() - One SD command: prepare a sub-range, move it, complete it
 * @ctl: the controller
 * @rq: the request, memory attached
 * @off: offset of the sub-range in the attached memory
 * @len: bytes, a multiple of the block size
 * @lba: first block
 * @write: to the card if true
 * @mode: SDHCI_MODE_SDMA or SDHCI_MODE_ADMA2
 *
 * Context: Process context, @ctl->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of what failed; after a
 * failure the controller has been reset.
 */
static IOReturn sdhci_chunk(struct sdhci_ctl *ctl, struct sdhci_req *rq,
			    u64 off, u64 len, u64 lba, bool write, u32 mode)
{
	struct sdhci_dmacmd_leg *leg = rq->leg;
	ktime_t start = ktime_get();
	bool sent = false;
	IOReturn ret, cret;

	rq->recovered = false;
	if (sdhci_fault_step(rq->xf))
		/* A range past the memory's end: dmacmd refuses it. */
		ret = IODMACommand_prepare(rq->dma, off + U32_MAX, len, true,
					   true);
	else
		ret = IODMACommand_prepare(rq->dma, off, len, true, true);
	if (ret != kIOReturnSuccess) {
		sdhci_recover(ctl, rq->xf, false);
		return ret;
	}
	leg->chunks++;
	leg->bounced += dmacmd_bounced_bytes(rq->dma);

	if (mode == SDHCI_MODE_SDMA)
		ret = sdhci_run_sdma(ctl, rq, lba, len, write, &sent);
	else
		ret = sdhci_run_adma(ctl, rq, lba, len, write, &sent);
	/* Stop the controller before the memory is completed under it. */
	if (ret != kIOReturnSuccess && !rq->recovered)
		sdhci_recover(ctl, rq->xf, sent);

	cret = IODMACommand_complete(rq->dma, true, true);
	leg->ns += ktime_to_ns(ktime_sub(ktime_get(), start));
	return ret != kIOReturnSuccess ? ret : cret;
}

/* A command object from the pool (the controller's lock is held). */
static struct sdhci_req *sdhci_req_get(struct sdhci_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < SDHCI_POOL; i++) {
		if (!ctl->pool[i].busy) {
			ctl->pool[i].busy = true;
			return &ctl->pool[i];
		}
	}
	return NULL;
}

static void sdhci_req_put(struct sdhci_req *rq)
{
	rq->xf = NULL;
	rq->leg = NULL;
	rq->busy = false;
}

/**
 * sdhci_io() - One I/O request: move @len bytes of @md to or from the card
 * @ctl: the controller
 * @md: the memory, prepared
 * @lba: first block on the card
 * @len: bytes, a multiple of the block size
 * @write: to the card if true
 * @mode: SDHCI_MODE_SDMA or SDHCI_MODE_ADMA2
 * @xf: the ioctl (fault injection, counts)
 * @leg: statistics, updated
 *
 * Context: Process context, @ctl->lock held; sleeps.
 * Return: kIOReturnSuccess or the IOReturn of the step that failed.
 */
static IOReturn sdhci_io(struct sdhci_ctl *ctl, IOMemoryDescriptor *md,
			 u64 lba, u64 len, bool write, u32 mode,
			 struct sdhci_xfer_ctx *xf, struct sdhci_dmacmd_leg *leg)
{
	u64 chunk = clamp(READ_ONCE(chunk_kb), 4U, 1024U) * 1024ULL;
	struct sdhci_req *rq;
	IOReturn ret;
	u64 done, n;

	rq = sdhci_req_get(ctl);
	if (!rq)
		return kIOReturnNoResources;
	rq->xf = xf;
	rq->leg = leg;
	leg->mode = mode;
	ret = IODMACommand_setMemoryDescriptor(rq->dma, md, false);
	if (ret != kIOReturnSuccess)
		goto out_put;
	for (done = 0; done < len; done += n) {
		n = min(len - done, chunk);
		ret = sdhci_chunk(ctl, rq, done, n, lba + done / SDHCI_BLOCK,
				  write, mode);
		if (ret != kIOReturnSuccess)
			break;
	}
	IODMACommand_clearMemoryDescriptor(rq->dma, false);
out_put:
	sdhci_req_put(rq);
	return ret;
}

/**
 * struct sdhci_kbuf - a kernel buffer of one of the kinds a block driver sees
 * @kind: SDHCI_MEM_*
 * @size: bytes
 * @vaddr: the CPU's address
 * @pages: SDHCI_MEM_HIGH: the pages
 * @npages: SDHCI_MEM_HIGH: entries in @pages
 */
struct sdhci_kbuf {
	u32 kind;
	size_t size;
	u8 *vaddr;
	struct page **pages;
	unsigned int npages;
};

static void sdhci_kbuf_free(struct sdhci_kbuf *kb)
{
	unsigned int i;

	switch (kb->kind) {
	case SDHCI_MEM_PAGES:
		if (kb->vaddr)
			free_pages_exact(kb->vaddr, kb->size);
		break;
	case SDHCI_MEM_VMALLOC:
		vfree(kb->vaddr);
		break;
	case SDHCI_MEM_HIGH:
		if (kb->vaddr)
			vunmap(kb->vaddr);
		for (i = 0; kb->pages && i < kb->npages; i++)
			if (kb->pages[i])
				__free_page(kb->pages[i]);
		kvfree(kb->pages);
		break;
	}
	kb->vaddr = NULL;
	kb->pages = NULL;
}

/* Pages above 4 GiB only; the ones below are held until the end. */
static int sdhci_high_alloc(struct sdhci_kbuf *kb)
{
	unsigned int i = 0, rejects = 0;
	struct page *page, *tmp;
	LIST_HEAD(low);
	int err = -ENOSPC;

	kb->npages = DIV_ROUND_UP(kb->size, PAGE_SIZE);
	kb->pages = kvcalloc(kb->npages, sizeof(*kb->pages), GFP_KERNEL);
	if (!kb->pages)
		return -ENOMEM;
	while (i < kb->npages) {
		page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
		if (!page)
			goto out;
		if (page_to_phys(page) < SDHCI_HIGH_MEM_START) {
			list_add(&page->lru, &low);
			if (++rejects > SDHCI_HIGH_MAX_REJECTS)
				goto out;
			continue;
		}
		kb->pages[i++] = page;
	}
	kb->vaddr = vmap(kb->pages, kb->npages, VM_MAP, PAGE_KERNEL);
	err = kb->vaddr ? 0 : -ENOMEM;
out:
	list_for_each_entry_safe(page, tmp, &low, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return err;
}

/* Allocate @kb (kind and size set); lowest physical address into @lowest. */
static int sdhci_kbuf_alloc(struct sdhci_kbuf *kb, u64 *lowest)
{
	size_t off;
	int err = 0;

	switch (kb->kind) {
	case SDHCI_MEM_PAGES:
		kb->vaddr = alloc_pages_exact(kb->size,
					      GFP_KERNEL | __GFP_NOWARN);
		break;
	case SDHCI_MEM_VMALLOC:
		kb->vaddr = vmalloc(kb->size);
		break;
	case SDHCI_MEM_HIGH:
		err = sdhci_high_alloc(kb);
		break;
	}
	if (!err && !kb->vaddr)
		err = -ENOMEM;
	if (err) {
		sdhci_kbuf_free(kb);
		return err;
	}
	for (off = 0; off < kb->size; off += PAGE_SIZE) {
		u8 *p = kb->vaddr + off;
		phys_addr_t pa = kb->kind == SDHCI_MEM_PAGES ? virt_to_phys(p) :
				 page_to_phys(vmalloc_to_page(p));

		*lowest = min_t(u64, *lowest, pa);
	}
	return 0;
}

/* Take the controller for a request: -ENODEV once unbound, -EIO if broken. */
static int sdhci_lock(struct sdhci_ctl *ctl)
{
	if (mutex_lock_interruptible(&ctl->lock))
		return -ERESTARTSYS;
	if (ctl->gone || ctl->broken) {
		mutex_unlock(&ctl->lock);
		return ctl->gone ? -ENODEV : -EIO;
	}
	return 0;
}

/*
 * The write, then the read, of one ioctl: @src and @dst are prepared
 * descriptors of the transfer's memory.
 */
static IOReturn sdhci_round_trip(struct sdhci_ctl *ctl, IOMemoryDescriptor *src,
				 IOMemoryDescriptor *dst,
				 struct sdhci_dmacmd_xfer *x)
{
	struct sdhci_xfer_ctx xf = { .fault_at = x->fault_at };
	u32 wmode = x->write_mode ? x->write_mode : ctl->mode;
	u32 rmode = x->read_mode ? x->read_mode : ctl->mode;
	IOReturn ret = kIOReturnSuccess;

	x->wr.min_addr = U64_MAX;
	x->rd.min_addr = U64_MAX;
	if (!(x->flags & SDHCI_XFER_NO_WRITE))
		ret = sdhci_io(ctl, src, x->lba, x->len, true, wmode, &xf,
			       &x->wr);
	if (ret == kIOReturnSuccess && !(x->flags & SDHCI_XFER_NO_READ))
		ret = sdhci_io(ctl, dst, x->lba, x->len, false, rmode, &xf,
			       &x->rd);
	x->dma_steps = xf.steps;
	x->resets = xf.resets;
	if (x->wr.min_addr == U64_MAX)
		x->wr.min_addr = 0;
	if (x->rd.min_addr == U64_MAX)
		x->rd.min_addr = 0;
	return ret;
}

/* Describe and prepare @addr of @task, run the round trip, undo it all. */
static IOReturn sdhci_xfer_range(struct sdhci_ctl *ctl, mach_vm_address_t src_addr,
				 mach_vm_address_t dst_addr, task_t task,
				 struct sdhci_dmacmd_xfer *x)
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

	ret = sdhci_round_trip(ctl, src, dst, x);

	IOMemoryDescriptor_complete(dst, kIODirectionIn);
out_complete_src:
	IOMemoryDescriptor_complete(src, kIODirectionOut);
out_release:
	OSSafeReleaseNULL(dst);
	OSSafeReleaseNULL(src);
	return ret;
}

#define SDHCI_GUARD	0xa5

/* Round trip through driver-allocated memory of kind @x->mem, checked here. */
static IOReturn sdhci_xfer_kernel(struct sdhci_ctl *ctl,
				  struct sdhci_dmacmd_xfer *x, int *err)
{
	struct sdhci_kbuf sb = { .kind = x->mem, .size = x->src + x->len };
	struct sdhci_kbuf db = { .kind = x->mem, .size = x->dst + x->len };
	u64 i, lowest = U64_MAX;
	IOReturn ret;
	u8 *s, *d;

	*err = sdhci_kbuf_alloc(&sb, &lowest);
	if (*err)
		return kIOReturnNoMemory;
	*err = sdhci_kbuf_alloc(&db, &lowest);
	if (*err) {
		sdhci_kbuf_free(&sb);
		return kIOReturnNoMemory;
	}
	x->lowest_phys = lowest;
	s = sb.vaddr + x->src;
	d = db.vaddr + x->dst;
	memset(db.vaddr, SDHCI_GUARD, db.size);
	for (i = 0; i < x->len; i++) {
		s[i] = sdhci_pattern_byte(x->seed, i);
		d[i] = ~s[i];
	}
	ret = sdhci_xfer_range(ctl, (uintptr_t)s, (uintptr_t)d, kernel_task, x);
	if (ret == kIOReturnSuccess && !(x->flags & SDHCI_XFER_NO_READ)) {
		for (i = 0; i < x->len; i++)
			x->mismatches += d[i] != sdhci_pattern_byte(x->seed, i);
		for (i = 0; i < x->dst; i++)
			x->mismatches += db.vaddr[i] != SDHCI_GUARD;
	}
	sdhci_kbuf_free(&db);
	sdhci_kbuf_free(&sb);
	return ret;
}

static int sdhci_check_mode(u32 mode)
{
	return mode <= SDHCI_MODE_ADMA2 ? 0 : -EINVAL;
}

static long sdhci_ioctl_xfer(struct sdhci_ctl *ctl, void __user *arg)
{
	struct sdhci_dmacmd_xfer x;
	IOReturn ret;
	int err = 0;

	if (copy_from_user(&x, arg, sizeof(x)))
		return -EFAULT;
	if (!x.len || x.len % SDHCI_BLOCK)
		return -EINVAL;
	if (x.len > SDHCI_DMACMD_MAX_LEN)
		return -EMSGSIZE;
	if (x.mem >= SDHCI_MEM_KINDS || (x.flags & ~SDHCI_XFER_FLAGS) ||
	    sdhci_check_mode(x.write_mode) || sdhci_check_mode(x.read_mode))
		return -EINVAL;
	if (x.mem != SDHCI_MEM_USER) {
		if (x.src >= PAGE_SIZE || x.dst >= PAGE_SIZE)
			return -EINVAL;
	} else if (!access_ok(u64_to_user_ptr(x.src), x.len) ||
		   !access_ok(u64_to_user_ptr(x.dst), x.len)) {
		return -EFAULT;
	}
	x.ioreturn = 0;
	x.dma_steps = 0;
	x.resets = 0;
	x.mismatches = 0;
	x.lowest_phys = 0;
	memset(&x.wr, 0, sizeof(x.wr));
	memset(&x.rd, 0, sizeof(x.rd));

	err = sdhci_lock(ctl);
	if (err)
		return err;
	if (x.lba >= ctl->blocks ||
	    x.len / SDHCI_BLOCK > ctl->blocks - x.lba) {
		mutex_unlock(&ctl->lock);
		return -ERANGE;
	}
	if (x.mem == SDHCI_MEM_USER)
		ret = sdhci_xfer_range(ctl, x.src, x.dst, current_task(), &x);
	else
		ret = sdhci_xfer_kernel(ctl, &x, &err);
	mutex_unlock(&ctl->lock);

	x.ioreturn = ret;
	if (copy_to_user(arg, &x, sizeof(x)))
		return -EFAULT;
	return err ? err : sdhci_errno(ret);
}

static long sdhci_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sdhci_ctl *ctl = file->private_data;
	struct sdhci_dmacmd_info info = {};
	int err;

	switch (cmd) {
	case SDHCI_DMACMD_IOC_XFER:
		return sdhci_ioctl_xfer(ctl, (void __user *)arg);
	case SDHCI_DMACMD_IOC_INFO:
		err = sdhci_lock(ctl);
		if (err)
			return err;
		info.blocks = ctl->blocks;
		info.high_capacity = ctl->high_capacity;
		info.rca = ctl->rca;
		info.version = ctl->version;
		info.caps = ctl->caps;
		info.quirks = sdhci_quirk_sdma_restart(ctl) ?
			      SDHCI_QUIRK_SDMA_RESTART_BY_DATA_RESET : 0;
		info.dma_mode = ctl->mode;
		info.resets = ctl->resets;
		info.irq_msi = ctl->pdev->msi_enabled;
		mutex_unlock(&ctl->lock);
		if (copy_to_user((void __user *)arg, &info, sizeof(info)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

static int sdhci_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data and holds misc_mtx: @ctl is alive. */
	struct sdhci_ctl *ctl = container_of(file->private_data,
					     struct sdhci_ctl, misc);

	kref_get(&ctl->ref);
	file->private_data = ctl;
	return nonseekable_open(inode, file);
}

static int sdhci_release(struct inode *inode, struct file *file)
{
	struct sdhci_ctl *ctl = file->private_data;

	kref_put(&ctl->ref, sdhci_free);
	return 0;
}

static const struct file_operations sdhci_fops = {
	.owner = THIS_MODULE,
	.open = sdhci_open,
	.release = sdhci_release,
	.unlocked_ioctl = sdhci_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void sdhci_release_cmds(struct sdhci_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < SDHCI_POOL; i++)
		OSSafeReleaseNULL(ctl->pool[i].dma);
	OSSafeReleaseNULL(ctl->adma_cmd);
	OSSafeReleaseNULL(ctl->adma_buf);
}

/* The command pool and the ADMA2 table with its command. */
static int sdhci_create_cmds(struct sdhci_ctl *ctl)
{
	struct device *dev = &ctl->pdev->dev;
	unsigned int i;
	IOReturn ret;

	/*
	 * The engines' limits, as a macOS SDHC driver states them: 32-bit
	 * addresses, segments of at most 4 KiB aligned to 4 KiB (the SDMA
	 * boundary), no limit on the transfer.
	 */
	ctl->pool[0].dma = IODMACommand_withSpecification(kIODMACommandOutputHost32,
							  SDHCI_ADDRESS_BITS,
							  4096,
							  IODMACommand_kMapped,
							  0, 4096, dev,
							  &ctl->pool[0]);
	if (!ctl->pool[0].dma)
		return -ENOMEM;
	for (i = 0; i < SDHCI_POOL; i++) {
		ctl->pool[i].ctl = ctl;
		if (i)
			ctl->pool[i].dma = IODMACommand_cloneCommand(ctl->pool[0].dma,
								     &ctl->pool[i]);
		if (!ctl->pool[i].dma)
			return -ENOMEM;
	}

	/* The table: 4-byte aligned, one piece, below 4 GiB for the device. */
	ctl->adma_buf = IOBufferMemoryDescriptor_withCapacity(ADMA2_TABLE_SIZE,
							      kIODirectionOut,
							      true);
	if (!ctl->adma_buf)
		return -ENOMEM;
	ctl->adma_cmd = IODMACommand_withSpecification(kIODMACommandOutputHost32,
						       SDHCI_ADDRESS_BITS, 0,
						       IODMACommand_kMapped,
						       ADMA2_TABLE_SIZE, 4, dev,
						       ctl);
	if (!ctl->adma_cmd)
		return -ENOMEM;
	ret = IODMACommand_setMemoryDescriptor(ctl->adma_cmd, ctl->adma_buf,
					       false);
	return ret == kIOReturnSuccess ? 0 : sdhci_errno(ret);
}

static int sdhci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct sdhci_ctl *ctl;
	int err;

	if (atomic_cmpxchg(&sdhci_claimed, 0, 1)) {
		dev_info(dev, "another controller has /dev/%s: not binding\n",
			 SDHCI_DMACMD_DEVICE);
		return -EBUSY;
	}
	ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);
	if (!ctl) {
		err = -ENOMEM;
		goto err_unclaim;
	}
	kref_init(&ctl->ref);
	mutex_init(&ctl->lock);
	spin_lock_init(&ctl->irq_lock);
	init_waitqueue_head(&ctl->wq);
	ctl->pdev = pdev;
	if (!strcmp(dma_mode, "sdma")) {
		ctl->mode = SDHCI_MODE_SDMA;
	} else if (!strcmp(dma_mode, "adma2")) {
		ctl->mode = SDHCI_MODE_ADMA2;
	} else {
		dev_err(dev, "dma_mode=%s: sdma or adma2\n", dma_mode);
		err = -EINVAL;
		goto err_free;
	}
	if (pdev->vendor == SDHCI_PCI_VENDOR && pdev->device == SDHCI_PCI_DEVICE)
		ctl->quirks |= SDHCI_QUIRK_SDMA_RESTART_BY_DATA_RESET;

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = pci_request_regions(pdev, KBUILD_MODNAME);
	if (err)
		goto err_disable;
	ctl->regs = pci_iomap(pdev, 0, 0);
	if (!ctl->regs) {
		err = -ENOMEM;
		goto err_release_regions;
	}
	ctl->caps = readl(ctl->regs + SDHCI_CAPABILITIES);
	ctl->version = readw(ctl->regs + SDHCI_HOST_VERSION);
	if (!(ctl->caps & SDHCI_CAN_SDMA) || !(ctl->caps & SDHCI_CAN_ADMA2)) {
		dev_err(dev, "controller without SDMA and ADMA2 (capabilities %#x)\n",
			ctl->caps);
		err = -ENODEV;
		goto err_unmap;
	}
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(SDHCI_ADDRESS_BITS));
	if (err) {
		dev_err(dev, "no usable 32-bit DMA configuration\n");
		goto err_unmap;
	}
	dma_set_max_seg_size(dev, 65536);

	err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (err < 0)
		goto err_unmap;
	ctl->irq = pci_irq_vector(pdev, 0);
	writel(0, ctl->regs + SDHCI_SIGNAL_ENABLE);
	err = request_irq(ctl->irq, sdhci_irq, IRQF_SHARED, KBUILD_MODNAME, ctl);
	if (err)
		goto err_free_vectors;
	pci_set_master(pdev);

	err = sdhci_host_init(ctl);
	if (!err) {
		mutex_lock(&ctl->lock);
		err = sdhci_card_init(ctl);
		mutex_unlock(&ctl->lock);
	}
	if (err) {
		dev_err(dev, "SD card initialisation failed (%d)\n", err);
		goto err_stop;
	}
	err = sdhci_create_cmds(ctl);
	if (err) {
		dev_err(dev, "creating the DMA commands failed (%d)\n", err);
		goto err_release_cmds;
	}

	ctl->misc.minor = MISC_DYNAMIC_MINOR;
	ctl->misc.name = SDHCI_DMACMD_DEVICE;
	ctl->misc.fops = &sdhci_fops;
	ctl->misc.parent = dev;
	ctl->misc.mode = 0600;
	pci_set_drvdata(pdev, ctl);
	err = misc_register(&ctl->misc);
	if (err)
		goto err_release_cmds;

	dev_info(dev, "SDHCI %u.00, %s interrupt, %s by default%s: /dev/%s\n",
		 (ctl->version & 0xff) + 1, pdev->msi_enabled ? "MSI" : "INTx",
		 ctl->mode == SDHCI_MODE_SDMA ? "SDMA" : "ADMA2",
		 sdhci_quirk_sdma_restart(ctl) ? ", SDMA restarted by data reset (QEMU)" : "",
		 SDHCI_DMACMD_DEVICE);
	return 0;

err_release_cmds:
	sdhci_release_cmds(ctl);
err_stop:
	writel(0, ctl->regs + SDHCI_SIGNAL_ENABLE);
	sdhci_reset_bits(ctl, SDHCI_RESET_ALL);
	pci_clear_master(pdev);
	free_irq(ctl->irq, ctl);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_iounmap(pdev, ctl->regs);
err_release_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kref_put(&ctl->ref, sdhci_free);
err_unclaim:
	atomic_set(&sdhci_claimed, 0);
	return err;
}

static void sdhci_remove(struct pci_dev *pdev)
{
	struct sdhci_ctl *ctl = pci_get_drvdata(pdev);

	/* No new opens; files already open fail with -ENODEV from now on. */
	misc_deregister(&ctl->misc);
	mutex_lock(&ctl->lock);
	ctl->gone = true;
	writel(0, ctl->regs + SDHCI_SIGNAL_ENABLE);
	sdhci_reset_bits(ctl, SDHCI_RESET_ALL);
	pci_clear_master(pdev);
	free_irq(ctl->irq, ctl);
	sdhci_release_cmds(ctl);
	pci_free_irq_vectors(pdev);
	pci_iounmap(pdev, ctl->regs);
	ctl->regs = NULL;
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	mutex_unlock(&ctl->lock);
	kref_put(&ctl->ref, sdhci_free);
	atomic_set(&sdhci_claimed, 0);
}

static const struct pci_device_id sdhci_ids[] = {
	{ PCI_DEVICE(SDHCI_PCI_VENDOR, SDHCI_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sdhci_ids);

static struct pci_driver sdhci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = sdhci_ids,
	.probe = sdhci_probe,
	.remove = sdhci_remove,
};
module_pci_driver(sdhci_driver);

MODULE_DESCRIPTION("QEMU's SD host controller driven through dmacmd's IOKit porting API");
MODULE_LICENSE("GPL");
DMACMD_IMPORT_NS();
