// SPDX-License-Identifier: GPL-2.0
/*
 * iokit_consumer: the DMA paths of an imaginary IOKit network driver, ported
 * to Linux through dmacmd's porting headers by the mechanical rules of
 * Documentation/porting.rst, so that every wrapper is built against each
 * supported kernel with -Wall -Wextra.
 *
 * Loaded plainly it does nothing.  With selftest=1 it registers a platform
 * device of its own and runs each path once: a descriptor ring, a USB-style
 * structure page, a scatter-gather transmit with a custom segment function,
 * a receive into user memory of the loading process and a DriverKit-style
 * transfer.  The behavioural tests are the dmacmd_porting KUnit suite.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>
#include <dmacmd/DriverKit/IODMACommand.h>

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run each DMA path once on a device of our own");

#define kRingSize		(4 * PAGE_SIZE)
#define kRingMask		0x00000000FFFFF000ULL
#define kHeaderSize		64
#define kPayloadSize		(3 * PAGE_SIZE + 100)
#define kMaxTxSegments		16

/* The driver's state, also the refCon of its transmit command. */
struct Driver {
	struct device *dev;
	UInt32 segmentsOut;
};

/* A descriptor ring, kept mapped for the life of the driver. */
struct Ring {
	IOBufferMemoryDescriptor *bufDesc;
	IODMACommand *dmaCmd;
	void *cpu;
	IOPhysicalAddress64 base;
};

/* What the transmit segment function fills: the NIC's descriptors. */
struct TxDescriptor {
	__le64 addr;
	__le32 len;
	__le32 flags;
};

struct TxContext {
	struct TxDescriptor desc[kMaxTxSegments];
	UInt32 base;
};

/* A SegmentFunction whose segments argument is the driver's context. */
static bool txOutputSegment(IODMACommand *target,
			    IODMACommand_Segment64 segment, void *segments,
			    UInt32 segmentIndex)
{
	struct Driver *drv = IODMACommand_getRefCon(target);
	struct TxContext *ctx = segments;
	UInt32 slot = ctx->base + segmentIndex;

	if (slot >= kMaxTxSegments)
		return false;
	ctx->desc[slot].addr = cpu_to_le64(segment.addr);
	ctx->desc[slot].len = cpu_to_le32(segment.len);
	ctx->desc[slot].flags = 0;
	drv->segmentsOut++;
	return true;
}

/* IntelMausi's setupDMADescriptors(), ported. */
static IOReturn setupRing(struct Driver *drv, struct Ring *ring)
{
	IODMACommand_Segment64 seg;
	UInt64 offset = 0;
	UInt32 numSegs = 1;
	IOReturn ret;

	ring->bufDesc =
		IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
								kIODirectionInOut |
								kIOMemoryPhysicallyContiguous |
								kIOMapInhibitCache,
								kRingSize,
								kRingMask);
	if (!ring->bufDesc)
		return kIOReturnNoMemory;
	ret = IOMemoryDescriptor_prepare(ring->bufDesc, kIODirectionNone);
	if (ret != kIOReturnSuccess)
		goto out_release_buf;
	ring->cpu = IOBufferMemoryDescriptor_getBytesNoCopy(ring->bufDesc);

	ring->dmaCmd = IODMACommand_withSpecification(kIODMACommandOutputHost64,
						      64, 0,
						      IODMACommand_kMapped, 0,
						      1, drv->dev, NULL);
	if (!ring->dmaCmd) {
		ret = kIOReturnNoMemory;
		goto out_complete_buf;
	}
	ret = IODMACommand_setMemoryDescriptor(ring->dmaCmd, ring->bufDesc,
					       true);
	if (ret != kIOReturnSuccess)
		goto out_release_cmd;
	ret = IODMACommand_gen64IOVMSegments(ring->dmaCmd, &offset, &seg,
					     &numSegs);
	if (ret == kIOReturnSuccess && (numSegs != 1 || seg.len != kRingSize))
		ret = kIOReturnInternalError;
	if (ret != kIOReturnSuccess)
		goto out_clear_cmd;
	ring->base = seg.addr;
	return kIOReturnSuccess;

out_clear_cmd:
	IODMACommand_clearMemoryDescriptor(ring->dmaCmd, true);
out_release_cmd:
	OSSafeReleaseNULL(ring->dmaCmd);
out_complete_buf:
	IOMemoryDescriptor_complete(ring->bufDesc, kIODirectionNone);
out_release_buf:
	OSSafeReleaseNULL(ring->bufDesc);
	return ret;
}

/* freeDMADescriptors(): the descriptor first, then the command. */
static void freeRing(struct Ring *ring)
{
	IOMemoryDescriptor_complete(ring->bufDesc, kIODirectionNone);
	OSObject_release(ring->bufDesc);
	IODMACommand_clearMemoryDescriptor(ring->dmaCmd, true);
	IODMACommand_release(ring->dmaCmd);
}

/* IOUSBFamily: translate one structure page with a throw-away cursor. */
static IOReturn translatePage(struct Driver *drv, IOPhysicalAddress64 *addr)
{
	IOBufferMemoryDescriptor *page;
	IODMACommand_Segment32 seg;
	IODMACommand *cmd;
	UInt64 offset = 0;
	UInt32 numSegments = 1;
	IOReturn ret;

	page = IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
							  kIOMemoryUnshared |
							  kIODirectionInOut,
							  PAGE_SIZE, PAGE_SIZE);
	if (!page)
		return kIOReturnNoMemory;
	ret = IOMemoryDescriptor_prepare(page, kIODirectionInOut);
	if (ret != kIOReturnSuccess)
		goto out_release_page;
	cmd = IODMACommand_withSpecification(kIODMACommandOutputHost32, 32,
					     PAGE_SIZE,
					     (IODMACommand_MappingOptions)
					     (IODMACommand_kMapped |
					      IODMACommand_kIterateOnly),
					     0, 1, drv->dev, NULL);
	if (!cmd) {
		ret = kIOReturnNoMemory;
		goto out_complete_page;
	}
	ret = IODMACommand_setMemoryDescriptor(cmd, page, true);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_gen32IOVMSegments(cmd, &offset, &seg,
						     &numSegments);
	if (ret == kIOReturnSuccess &&
	    (numSegments != 1 || seg.len != PAGE_SIZE ||
	     seg.addr != IOMemoryDescriptor_getPhysicalSegment(page, 0, NULL,
							       kIOMemoryMapperNone)))
		ret = kIOReturnInternalError;
	if (ret == kIOReturnSuccess)
		*addr = seg.addr;
	if (IODMACommand_getMemoryDescriptor(cmd))
		IODMACommand_clearMemoryDescriptor(cmd, true);
	IODMACommand_release(cmd);
out_complete_page:
	IOMemoryDescriptor_complete(page, kIODirectionInOut);
out_release_page:
	IOMemoryDescriptor_release(page);
	return ret;
}

/* Build a packet: header + part of the payload, as one descriptor. */
static IOMemoryDescriptor *buildPacket(u8 *header, u8 *payload)
{
	IOMemoryDescriptor *headerDesc, *payloadDesc, *parts[2];
	IOSubMemoryDescriptor *body;
	IOMultiMemoryDescriptor *packet = NULL;

	headerDesc = IOMemoryDescriptor_withAddress(header, kHeaderSize,
						    kIODirectionOut);
	payloadDesc = IOMemoryDescriptor_withAddressRange((uintptr_t)payload,
							  kPayloadSize,
							  kIODirectionOut,
							  kernel_task);
	if (!headerDesc || !payloadDesc)
		goto out_release;
	body = IOSubMemoryDescriptor_withSubRange(payloadDesc, 100,
						  kPayloadSize - 100,
						  kIODirectionOut);
	if (!body)
		goto out_release;
	parts[0] = headerDesc;
	parts[1] = body;
	packet = IOMultiMemoryDescriptor_withDescriptors(parts, 2,
							 kIODirectionOut,
							 false);
	OSObject_release(body);
out_release:
	OSSafeReleaseNULL(payloadDesc);
	OSSafeReleaseNULL(headerDesc);
	return packet;
}

/* Map a packet with a custom segment function, 10 segments per call. */
static IOReturn transmit(struct Driver *drv, IOMemoryDescriptor *packet)
{
	IOByteCount length = IOMemoryDescriptor_getLength(packet);
	struct TxContext *ctx;
	UInt64 offset = 0, prepOffset, prepLength;
	UInt16 checksum = 0x1234, readBack = 0;
	IODMACommand *cmd;
	IOReturn ret;

	if (IOMemoryDescriptor_getDirection(packet) != kIODirectionOut)
		return kIOReturnBadArgument;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return kIOReturnNoMemory;
	/* The transmit queue holds the packet while it is in flight. */
	IOMemoryDescriptor_retain(packet);
	ret = IOMemoryDescriptor_prepare(packet, kIODirectionOut);
	if (ret != kIOReturnSuccess)
		goto out_free_ctx;
	cmd = IODMACommand_withRefCon(drv->dev, drv);
	if (!cmd) {
		ret = kIOReturnNoMemory;
		goto out_complete_packet;
	}
	ret = IODMACommand_setMemoryDescriptor(cmd, packet, false);
	if (ret != kIOReturnSuccess)
		goto out_release_cmd;
	ret = IODMACommand_prepareWithSpecification(cmd, txOutputSegment, 64,
						    PAGE_SIZE,
						    IODMACommand_kMapped, 0, 1,
						    NULL, 0, 0, true, true);
	if (ret != kIOReturnSuccess)
		goto out_clear_cmd;

	/* The checksum goes where the device reads it. */
	if (IODMACommand_writeBytes(cmd, 10, &checksum, sizeof(checksum)) !=
	    sizeof(checksum) ||
	    IODMACommand_readBytes(cmd, 10, &readBack, sizeof(readBack)) !=
	    sizeof(readBack) || readBack != checksum)
		ret = kIOReturnIOError;
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_synchronize(cmd, kIODirectionOut);
	while (ret == kIOReturnSuccess && offset < length) {
		UInt32 numSegments = 10;

		ctx->base = drv->segmentsOut;
		ret = IODMACommand_genIOVMSegments(cmd, &offset, ctx,
						   &numSegments);
	}
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_getPreparedOffsetAndLength(cmd, &prepOffset,
							      &prepLength);
	if (ret == kIOReturnSuccess && (prepOffset || prepLength != length))
		ret = kIOReturnInternalError;
	IODMACommand_complete(cmd, true, true);
out_clear_cmd:
	IODMACommand_clearMemoryDescriptor(cmd, true);
out_release_cmd:
	OSObject_release(cmd);
out_complete_packet:
	IOMemoryDescriptor_complete(packet, kIODirectionOut);
out_free_ctx:
	IOMemoryDescriptor_release(packet);
	kfree(ctx);
	return ret;
}

/* A 32-bit engine taking the same packet: the SegmentOptions forms. */
static IOReturn transmit32(struct Driver *drv, IOMemoryDescriptor *packet)
{
	IODMACommand_SegmentOptions options = {
		.fStructSize = sizeof(options),
		.fNumAddressBits = 32,
		.fMaxSegmentSize = PAGE_SIZE,
		.fMaxTransferSize = 0,
		.fAlignment = 4,
		.fAlignmentLength = 1,
		.fAlignmentInternalSegments = 4,
	};
	IODMACommand_Segment32 segs32[kMaxTxSegments];
	__be32 big32[2 * kMaxTxSegments];
	IODMACommand *cmd, *clone;
	const IOMemoryDescriptor *attached;
	UInt64 offset = 0;
	UInt32 numSegments = kMaxTxSegments;
	IOReturn ret;

	cmd = IODMACommand_withSpecificationOptions(IODMACommand_OutputLittle32,
						    &options,
						    IODMACommand_kMapped,
						    drv->dev, NULL);
	if (!cmd)
		return kIOReturnNoMemory;
	ret = IODMACommand_setMemoryDescriptor(cmd, packet, false);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_prepareWithSpecificationOptions(cmd,
								   IODMACommand_OutputHost32,
								   &options,
								   IODMACommand_kMapped,
								   drv->dev, 0, 0,
								   true, true);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_gen32IOVMSegments(cmd, &offset, segs32,
						     &numSegments);
	if (ret == kIOReturnSuccess) {
		offset = 0;
		numSegments = kMaxTxSegments;
		ret = IODMACommand_genIOVMSegmentsWithFunction(cmd,
							       IODMACommand_OutputBig32,
							       &offset, big32,
							       &numSegments);
	}
	if (ret == kIOReturnSuccess && be32_to_cpu(big32[0]) != segs32[0].addr)
		ret = kIOReturnInternalError;

	/* The descriptor stays alive while anyone holds a reference. */
	attached = IODMACommand_getMemoryDescriptor(cmd);
	if (attached)
		OSObject_retain(attached);
	if (IODMACommand_getIOMemoryDescriptor(cmd) != attached)
		ret = kIOReturnInternalError;
	IODMACommand_clearMemoryDescriptor(cmd, true);
	OSSafeReleaseNULL(attached);

	/* A second engine of the same kind. */
	clone = IODMACommand_cloneCommand(cmd, drv);
	if (!clone) {
		ret = kIOReturnNoMemory;
	} else {
		if (IODMACommand_getNumAddressBits(clone) != 32 ||
		    IODMACommand_getAlignment(clone) != 4 ||
		    IODMACommand_getAlignmentLength(clone) != 1 ||
		    IODMACommand_getAlignmentInternalSegments(clone) != 4)
			ret = kIOReturnInternalError;
		/* A command queue holds its own reference. */
		IODMACommand_retain(clone);
		IODMACommand_setRefCon(clone, NULL);
		IODMACommand_release(clone);
		IODMACommand_release(clone);
	}
	IODMACommand_release(cmd);
	return ret;
}

/* Receive into a buffer of the loading process, big-endian segments. */
static IOReturn receiveUser(struct Driver *drv)
{
	const size_t len = 2 * PAGE_SIZE;
	struct {
		__be64 addr;
		__be64 len;
	} segs[4];
	struct {
		__le64 addr;
		__le64 len;
	} little[4];
	IOMemoryDescriptor *md;
	IODMACommand *cmd = NULL;
	UInt64 offset = 0;
	UInt32 numSegments = ARRAY_SIZE(segs);
	unsigned long uaddr;
	IOReturn ret;

	if (!current->mm)
		return kIOReturnSuccess;
	uaddr = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr))
		return dmacmd_errno_to_ioreturn((int)uaddr);
	md = IOMemoryDescriptor_withAddressRange(uaddr, len, kIODirectionIn,
						 current_task());
	if (!md) {
		ret = kIOReturnNoMemory;
		goto out_unmap;
	}
	ret = IOMemoryDescriptor_prepare(md, kIODirectionIn);
	if (ret != kIOReturnSuccess)
		goto out_release_md;
	ret = IODMACommand_weakWithSpecification(&cmd,
						 IODMACommand_OutputBig64, 64,
						 0, IODMACommand_kMapped, 0, 1,
						 drv->dev, NULL);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_setMemoryDescriptor(cmd, md, false);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_prepare(cmd, 0, len, true, true);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_genIOVMSegments(cmd, &offset, segs,
						   &numSegments);
	if (ret == kIOReturnSuccess) {
		offset = 0;
		numSegments = ARRAY_SIZE(little);
		ret = IODMACommand_genIOVMSegmentsWithFunction(cmd,
							       IODMACommand_OutputLittle64,
							       &offset, little,
							       &numSegments);
	}
	if (ret == kIOReturnSuccess &&
	    le64_to_cpu(little[0].addr) != be64_to_cpu(segs[0].addr))
		ret = kIOReturnInternalError;
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_synchronize(cmd, kIODirectionIn);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_complete(cmd, true, true);
	if (cmd) {
		if (IODMACommand_getMemoryDescriptor(cmd))
			IODMACommand_clearMemoryDescriptor(cmd, true);
		IODMACommand_release(cmd);
	}
	IOMemoryDescriptor_complete(md, kIODirectionIn);
out_release_md:
	IOMemoryDescriptor_release(md);
out_unmap:
	vm_munmap(uaddr, len);
	return ret;
}

/* A dext's transfer: DriverKit's spelling on the same objects. */
static IOReturn transferDriverKit(struct Driver *drv, u8 *header)
{
	IODMACommandSpecification spec = {
		.options = kIODMACommandSpecificationNoOptions,
		.maxAddressBits = 64,
	};
	IOAddressSegment segments[32];
	IOBufferMemoryDescriptor *status;
	IOMemoryDescriptor *data, *prepared = NULL;
	IODMACommand *cmd = NULL;
	u64 flags = 0, offset = 0, length = 0;
	u32 segmentsCount = ARRAY_SIZE(segments);
	u8 check[kHeaderSize];
	kern_return_t ret;

	status = IOBufferMemoryDescriptor_withCapacity(PAGE_SIZE,
						       kIODirectionInOut,
						       true);
	data = IOMemoryDescriptor_withPhysicalAddress(virt_to_phys(header),
						      kHeaderSize,
						      kIODirectionOut);
	if (!status || !data) {
		ret = kIOReturnNoMemory;
		goto out_release;
	}
	ret = IODMACommand_Create(drv->dev, kIODMACommandCreateNoOptions,
				  &spec, &cmd);
	if (ret != kIOReturnSuccess)
		goto out_release;
	ret = IODMACommand_PrepareForDMA(cmd,
					 kIODMACommandPrepareForDMANoOptions,
					 status, 0, 0, &flags, &segmentsCount,
					 segments);
	if (ret != kIOReturnSuccess)
		goto out_release;
	if (flags != (kIOMemoryDirectionIn | kIOMemoryDirectionOut) ||
	    segments[0].length != PAGE_SIZE)
		ret = kIOReturnInternalError;
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_GetPreparation(cmd, &offset, &length,
						  &prepared);
	if (ret == kIOReturnSuccess && (prepared != status || offset ||
					length != PAGE_SIZE))
		ret = kIOReturnInternalError;
	OSSafeReleaseNULL(prepared);
	if (ret == kIOReturnSuccess)
		ret = IODMACommand_PerformOperation(cmd,
						    kIODMACommandPerformOperationOptionWrite,
						    0, kHeaderSize, 0, data);
	IODMACommand_CompleteDMA(cmd, kIODMACommandCompleteDMANoOptions);
	/* What the CPU wrote through the mapping reached the buffer. */
	if (ret == kIOReturnSuccess &&
	    (IOMemoryDescriptor_readBytes(status, 0, check, kHeaderSize) !=
	     kHeaderSize || memcmp(check, header, kHeaderSize)))
		ret = kIOReturnUnderrun;
out_release:
	OSSafeReleaseNULL(cmd);
	OSSafeReleaseNULL(data);
	OSSafeReleaseNULL(status);
	return ret;
}

static IOReturn runSelfTest(struct Driver *drv)
{
	IOPhysicalAddress64 page = 0;
	IOMemoryDescriptor *packet;
	IOAddressRange ranges[2];
	struct Ring ring;
	u8 *header, *payload;
	IOReturn ret;

	ret = setupRing(drv, &ring);
	if (ret != kIOReturnSuccess)
		return ret;
	ret = translatePage(drv, &page);

	header = kzalloc(kHeaderSize, GFP_KERNEL);
	payload = kzalloc(kPayloadSize, GFP_KERNEL);
	packet = header && payload ? buildPacket(header, payload) : NULL;
	if (!packet && ret == kIOReturnSuccess)
		ret = kIOReturnNoMemory;
	if (ret == kIOReturnSuccess)
		ret = transmit(drv, packet);
	if (ret == kIOReturnSuccess)
		ret = transmit32(drv, packet);
	OSSafeReleaseNULL(packet);

	/* The same bytes described as two ranges of the kernel's space. */
	if (ret == kIOReturnSuccess) {
		ranges[0].address = (uintptr_t)header;
		ranges[0].length = kHeaderSize;
		ranges[1].address = (uintptr_t)payload;
		ranges[1].length = kPayloadSize;
		packet = IOMemoryDescriptor_withAddressRanges(ranges, 2,
							      kIODirectionOut,
							      kernel_task);
		if (!packet)
			ret = kIOReturnNoMemory;
		else if (IOMemoryDescriptor_writeBytes(packet, 0, "hdr", 3) != 3)
			ret = kIOReturnIOError;
		OSSafeReleaseNULL(packet);
	}
	if (ret == kIOReturnSuccess)
		ret = receiveUser(drv);
	if (ret == kIOReturnSuccess)
		ret = transferDriverKit(drv, header);
	kfree(payload);
	kfree(header);

	dev_info(drv->dev,
		 "ring at %#llx, page at %#llx, %u transmit segments\n",
		 ring.base, page, drv->segmentsOut);
	freeRing(&ring);
	return ret;
}

static struct platform_device *iokit_consumer_pdev;

static int __init iokit_consumer_init(void)
{
	struct Driver drv = {};
	IOReturn ret;
	int err;

	if (!selftest)
		return 0;
	iokit_consumer_pdev = platform_device_register_simple("iokit_consumer",
							      PLATFORM_DEVID_NONE,
							      NULL, 0);
	if (IS_ERR(iokit_consumer_pdev))
		return PTR_ERR(iokit_consumer_pdev);
	drv.dev = &iokit_consumer_pdev->dev;
	err = dma_coerce_mask_and_coherent(drv.dev, DMA_BIT_MASK(64));
	ret = err ? dmacmd_errno_to_ioreturn(err) : runSelfTest(&drv);
	if (ret != kIOReturnSuccess) {
		dev_err(drv.dev, "self-test failed: IOReturn %#x\n", ret);
		platform_device_unregister(iokit_consumer_pdev);
		return -EIO;
	}
	return 0;
}

static void __exit iokit_consumer_exit(void)
{
	if (selftest)
		platform_device_unregister(iokit_consumer_pdev);
}

module_init(iokit_consumer_init);
module_exit(iokit_consumer_exit);

/* MODULE_INFO(import_ns, "DMACMD") on any kernel; see dmacmd_compat.h. */
DMACMD_IMPORT_NS();
MODULE_DESCRIPTION("An IOKit-style driver's DMA paths on dmacmd's porting headers");
MODULE_LICENSE("GPL");
