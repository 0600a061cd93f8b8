// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmacmd_porting: the IOKit and DriverKit porting headers.
 *
 * Drives every wrapper of include/dmacmd/ on a fake device with an explicit
 * DMA mask, checks each error case against the IOReturn IOKit gives for it,
 * and runs the call shapes real IOKit drivers use: descriptor rings,
 * segment loops, a driver-owned cursor, a custom segment function writing
 * into a driver's own structure.  The fake device is never behind an IOMMU,
 * so dma_to_phys() of a segment is the memory the device would access.
 */
#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>
#include <dmacmd/DriverKit/IODMACommand.h>

#include "iokit_util.h"
#include "util.h"

/* IOKit's numbers, as ported code and logs expect them. */
static_assert(kIOReturnSuccess == 0);
static_assert((u32)kIOReturnError == 0xE00002BC);
static_assert((u32)kIOReturnNoMemory == 0xE00002BD);
static_assert((u32)kIOReturnNoResources == 0xE00002BE);
static_assert((u32)kIOReturnBadArgument == 0xE00002C2);
static_assert((u32)kIOReturnUnsupported == 0xE00002C7);
static_assert((u32)kIOReturnVMError == 0xE00002C8);
static_assert((u32)kIOReturnNotAligned == 0xE00002D0);
static_assert((u32)kIOReturnDMAError == 0xE00002D4);
static_assert((u32)kIOReturnBusy == 0xE00002D5);
static_assert((u32)kIOReturnNotReady == 0xE00002D8);
static_assert((u32)kIOReturnNoSpace == 0xE00002DB);
static_assert((u32)kIOReturnMessageTooLarge == 0xE00002E1);
static_assert((u32)kIOReturnNotPermitted == 0xE00002E2);
static_assert((u32)kIOReturnUnderrun == 0xE00002E7);
static_assert((u32)kIOReturnOverrun == 0xE00002E8);
static_assert((u32)kIOReturnInvalid == 0xE0000001);
static_assert(IODMACommand_kMapped == 0x0 && IODMACommand_kBypassed == 0x1 &&
	      IODMACommand_kNonCoherent == 0x2 &&
	      IODMACommand_kUnmapped == 0x3 && IODMACommand_kTypeMask == 0xf &&
	      IODMACommand_kNoCacheStore == 0x10 &&
	      IODMACommand_kOnChip == 0x20 &&
	      IODMACommand_kIterateOnly == 0x40);
static_assert(IODMACommand_kForceDoubleBuffer == 0x01000000);
static_assert(kIODirectionNone == 0 && kIODirectionIn == 1 &&
	      kIODirectionOut == 2 && kIODirectionInOut == 3 &&
	      kIODirectionOutIn == 3);
static_assert(kIOMemoryPhysicallyContiguous == 0x10 &&
	      kIOMemoryHostPhysicallyContiguous == 0x80 &&
	      kIOMapInhibitCache == 0x100);
static_assert(sizeof(IODMACommand_Segment32) == 8 &&
	      sizeof(IODMACommand_Segment64) == 16 &&
	      sizeof(IOAddressSegment) == 16 && sizeof(IOAddressRange) == 16);

static int porting_init(struct kunit *test)
{
	struct device *dev;

	dev = kunit_device_register(test, "dmacmd-porting");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	test->priv = dev;
	return 0;
}

static struct device *porting_dev(struct kunit *test)
{
	return test->priv;
}

/* Hand @cmd to the test: released when the test ends, however it ends. */
static void porting_fill(u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = seed + i * 7 + (i >> 9);
}

static u8 *porting_kbuf(struct kunit *test, size_t len, u8 seed)
{
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	porting_fill(buf, len, seed);
	return buf;
}

/* Virtually contiguous, physically scattered memory. */
static u8 *porting_vbuf(struct kunit *test, size_t len, u8 seed)
{
	u8 *buf = dmacmd_kt_vmalloc(test, len);

	porting_fill(buf, len, seed);
	return buf;
}

static IOMemoryDescriptor *porting_kmd(struct kunit *test, void *buf,
				       size_t len, IODirection dir)
{
	return porting_own_md(test,
			      IOMemoryDescriptor_withAddressRange((uintptr_t)buf,
								  len, dir,
								  kernel_task));
}

/* A 64-bit, byte-aligned command for the fixture's device. */
static IODMACommand *porting_cmd64(struct kunit *test, UInt64 max_segment,
				   UInt64 max_transfer)
{
	return porting_own_cmd(test,
			       IODMACommand_withSpecification(kIODMACommandOutputHost64,
							      64, max_segment,
							      IODMACommand_kMapped,
							      max_transfer, 1,
							      porting_dev(test),
							      NULL));
}

/* The CPU's view of the memory the device reaches at @addr. */
static void *porting_device_va(struct kunit *test, u64 addr, u64 len)
{
	phys_addr_t phys = dma_to_phys(porting_dev(test), addr);

	if (!len || !pfn_valid(PHYS_PFN(phys)) ||
	    !pfn_valid(PHYS_PFN(phys + len - 1))) {
		KUNIT_FAIL(test, "segment %#llx+%#llx is not RAM", addr, len);
		return NULL;
	}
	return phys_to_virt(phys);
}

/* Expect the device to read @want at the segment @addr, @len. */
static void porting_expect_device_sees(struct kunit *test, u64 addr, u64 len,
				       const void *want)
{
	const void *va = porting_device_va(test, addr, len);

	if (va)
		KUNIT_EXPECT_EQ_MSG(test, memcmp(va, want, len), 0,
				    "device reads other bytes at %#llx+%#llx",
				    addr, len);
}

/* The errno table of dmacmd_debug.h, and nothing else. */
static void dmacmd_test_errno_to_ioreturn_table(struct kunit *test)
{
	static const struct {
		int err;
		IOReturn ret;
	} table[] = {
		{ 0, kIOReturnSuccess },
		{ -EINVAL, kIOReturnBadArgument },
		{ -ENOMEM, kIOReturnNoMemory },
		{ -EBUSY, kIOReturnBusy },
		{ -EBADFD, kIOReturnNotReady },
		{ -E2BIG, kIOReturnNoSpace },
		{ -EDOM, kIOReturnNotAligned },
		{ -EMSGSIZE, kIOReturnMessageTooLarge },
		{ -ERANGE, kIOReturnOverrun },
		{ -ENODATA, kIOReturnUnderrun },
		{ -EPERM, kIOReturnNotPermitted },
		{ -EOPNOTSUPP, kIOReturnUnsupported },
		{ -EIO, kIOReturnDMAError },
		{ -EFAULT, kIOReturnVMError },
		{ -EADDRNOTAVAIL, kIOReturnNoResources },
		{ -EWOULDBLOCK, kIOReturnCannotLock },
		{ -EDEADLK, kIOReturnCannotLock },
		{ -EINTR, kIOReturnAborted },
		{ -ENOTTY, kIOReturnError },
		{ 1, kIOReturnError },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    (u32)dmacmd_errno_to_ioreturn(table[i].err),
				    (u32)table[i].ret, "errno %d", table[i].err);
}

/* Argument-list withSpecification(), with IOKit's defaulting. */
static void dmacmd_test_with_specification_defaults(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	int marker;
	IODMACommand *cmd;

	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(kIODMACommandOutputHost64,
							     64, 0,
							     IODMACommand_kMapped,
							     0, 0, dev,
							     &marker));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 64);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignment(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(cmd), 1U);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getRefCon(cmd), (void *)&marker);

	/* A 32-bit output function makes 0 address bits mean 32. */
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(kIODMACommandOutputLittle32,
							     0, PAGE_SIZE,
							     IODMACommand_kMapped,
							     0, 1, dev, NULL));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 32);

	/* The alignment applies to every segment, not to lengths. */
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(IODMACommand_OutputHost64,
							     44, 0,
							     IODMACommand_kMapped,
							     0, 4096, dev, NULL));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 44);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignment(cmd), 4096U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(cmd),
			4096U);
}

/* Specifications IOKit refuses: the factory returns NULL. */
static void dmacmd_test_with_specification_invalid(struct kunit *test)
{
	struct device *dev = porting_dev(test);

	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost32,
							 40, 0,
							 IODMACommand_kMapped,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputBig32,
							 33, 0,
							 IODMACommand_kMapped,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 PAGE_SHIFT - 1, 0,
							 IODMACommand_kMapped,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(NULL, 64, 0,
							 IODMACommand_kMapped,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 64, 0,
							 IODMACommand_kMapped,
							 0, 1, NULL, NULL));
}

/* The SegmentOptions form keeps every field, with IOKit's defaults. */
static void dmacmd_test_with_specification_options(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 40,
		.fMaxSegmentSize = 65536,
		.fMaxTransferSize = 1 << 20,
		.fAlignment = 16,
		.fAlignmentLength = 8,
		.fAlignmentInternalSegments = 32,
	};
	IODMACommand *cmd;

	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecificationOptions(kIODMACommandOutputLittle64,
								    &opts,
								    IODMACommand_kMapped,
								    dev, NULL));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 40);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignment(cmd), 16U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(cmd), 8U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(cmd), 32U);

	/* Length alignment 0 means 1, internal alignment 0 the first's. */
	opts.fAlignmentLength = 0;
	opts.fAlignmentInternalSegments = 0;
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
								    &opts,
								    IODMACommand_kMapped,
								    dev, NULL));
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(cmd), 16U);

	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
								NULL,
								IODMACommand_kMapped,
								dev, NULL));
	opts.fNumAddressBits = 40;
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecificationOptions(kIODMACommandOutputHost32,
								&opts,
								IODMACommand_kMapped,
								dev, NULL));
}

static void dmacmd_test_weak_with_specification(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	IODMACommand *cmd = NULL;

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_weakWithSpecification(NULL,
								   kIODMACommandOutputHost64,
								   64, 0,
								   IODMACommand_kMapped,
								   0, 1, dev, NULL),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_weakWithSpecification(&cmd,
								   kIODMACommandOutputHost32,
								   40, 0,
								   IODMACommand_kMapped,
								   0, 1, dev, NULL),
				kIOReturnError);
	KUNIT_EXPECT_NULL(test, cmd);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_weakWithSpecification(&cmd,
								  kIODMACommandOutputHost64,
								  64, 0,
								  IODMACommand_kMapped,
								  0, 1, dev, NULL));
	porting_own_cmd(test, cmd);
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 64);
}

/* The public field fRefCon, through its accessors. */
static void dmacmd_test_refcon_get_set(struct kunit *test)
{
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	int a, b;

	KUNIT_EXPECT_NULL(test, IODMACommand_getRefCon(cmd));
	IODMACommand_setRefCon(cmd, &a);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getRefCon(cmd), (void *)&a);
	IODMACommand_setRefCon(cmd, &b);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getRefCon(cmd), (void *)&b);
}

/* A clone has the exact specification (IOKit swaps two alignments). */
static void dmacmd_test_clone_command_exact_spec(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 40,
		.fMaxSegmentSize = PAGE_SIZE,
		.fMaxTransferSize = 2 * PAGE_SIZE,
		.fAlignment = 4,
		.fAlignmentLength = 8,
		.fAlignmentInternalSegments = 64,
	};
	size_t len = 4 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 1);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand *cmd, *clone;
	int refcon;

	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
								    &opts,
								    IODMACommand_kMapped,
								    dev, NULL));
	clone = porting_own_cmd(test, IODMACommand_cloneCommand(cmd, &refcon));
	KUNIT_EXPECT_PTR_NE(test, clone, cmd);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getRefCon(clone),
			    (void *)&refcon);
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(clone), 40);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignment(clone), 4U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(clone), 8U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(clone),
			64U);

	/* No state is copied, and the maximum transfer still applies. */
	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(clone));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(clone,
									NULL,
									NULL),
				kIOReturnNotReady);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(clone, md, false));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(clone, 0, 3 * PAGE_SIZE,
						     true, true),
				kIOReturnNoSpace);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(clone, 0, 2 * PAGE_SIZE,
						     true, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(clone, true),
				kIOReturnSuccess);
}

/* OSObject_retain/release pick the type; an extra reference keeps alive. */
static void dmacmd_test_retain_release_generic(struct kunit *test)
{
	size_t len = 512;
	u8 *buf = porting_kbuf(test, len, 2);
	IOMemoryDescriptor *md, *extra;
	const IOMemoryDescriptor *attached;
	IODMACommand *cmd, *cmd_extra;
	u8 out[16];

	md = porting_kmd(test, buf, len, kIODirectionInOut);
	cmd = porting_cmd64(test, 0, 0);

	OSObject_retain(cmd);
	OSObject_release(cmd);
	IODMACommand_retain(cmd);
	cmd_extra = cmd;
	OSSafeReleaseNULL(cmd_extra);
	KUNIT_EXPECT_NULL(test, cmd_extra);
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 64);

	OSObject_retain(md);
	extra = md;
	OSSafeReleaseNULL(extra);
	KUNIT_EXPECT_NULL(test, extra);
	IOMemoryDescriptor_retain(md);
	IOMemoryDescriptor_release(md);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), (u64)len);

	/* A const descriptor, as getMemoryDescriptor() returns it. */
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	attached = IODMACommand_getMemoryDescriptor(cmd);
	KUNIT_EXPECT_PTR_EQ(test, attached, (const IOMemoryDescriptor *)md);
	OSObject_retain(attached);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_readBytes(md, 0, out, sizeof(out)),
			(u64)sizeof(out));
	OSObject_release(attached);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf, sizeof(out)), 0);
}

/* Released while attached and prepared twice (no clear): nothing leaks. */
static void dmacmd_test_release_while_prepared(struct kunit *test)
{
	size_t len = 2 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 3);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionInOut);
	IODMACommand *cmd;
	u8 out[32];

	cmd = IODMACommand_withSpecification(kIODMACommandOutputHost64, 64, 0,
					     IODMACommand_kMapped, 0, 1,
					     porting_dev(test), NULL);
	KUNIT_ASSERT_NOT_NULL(test, cmd);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test, IODMACommand_prepare(cmd, 0, 0, true, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);
	IODMACommand_release(cmd);

	/* The descriptor outlives the command and is intact. */
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 100, out,
							   sizeof(out)),
			(u64)sizeof(out));
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 100, sizeof(out)), 0);
}

/* Attaching, busy, clearing, and the descriptor the device uses. */
static void dmacmd_test_set_memory_busy_and_clear(struct kunit *test)
{
	size_t len = PAGE_SIZE + 100;
	u8 *buf = porting_kbuf(test, len, 4);
	u8 *buf2 = porting_kbuf(test, len, 5);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IOMemoryDescriptor *md2 = porting_kmd(test, buf2, len, kIODirectionIn);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	UInt64 off = 1, plen = 1;

	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(cmd));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getMemoryDescriptor(cmd),
			    (const IOMemoryDescriptor *)md);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getIOMemoryDescriptor(cmd), md);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, &off,
									&plen),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, 0ULL);
	KUNIT_EXPECT_EQ(test, plen, (u64)len);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md2, true),
				kIOReturnBusy);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getMemoryDescriptor(cmd),
			    (const IOMemoryDescriptor *)md);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, false),
				kIOReturnNotReady);
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getMemoryDescriptor(cmd),
			    (const IOMemoryDescriptor *)md);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(cmd));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, &off,
									&plen),
				kIOReturnNotReady);
	/* dmacmd: an unbalanced clear is refused, not ignored. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnNotReady);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md2, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* Every refused prepare returns IOKit's code and changes nothing. */
static void dmacmd_test_prepare_errors(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	size_t len = 4 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 6);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 64,
		.fAlignment = 1,
		.fAlignmentLength = 512,
	};
	IODMACommand *cmd = porting_cmd64(test, 0, 2 * PAGE_SIZE);
	IODMACommand *aligned;
	UInt64 off = 0, plen = 0;

	PORTING_EXPECT_IORETURN(test, IODMACommand_prepare(cmd, 0, 0, true, true),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnNotReady);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	/* Longer than the maximum transfer, also when 0 means "the rest". */
	PORTING_EXPECT_IORETURN(test, IODMACommand_prepare(cmd, 0, 0, true, true),
				kIOReturnNoSpace);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(cmd, 0, 3 * PAGE_SIZE,
						     true, true),
				kIOReturnNoSpace);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, NULL,
									NULL),
				kIOReturnNotReady);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepare(cmd, 0, 2 * PAGE_SIZE, true,
						    true));
	/* Nested prepares: the same range counts, another one is refused. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(cmd, PAGE_SIZE, PAGE_SIZE,
						     true, true),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(cmd, 0, 2 * PAGE_SIZE,
						     true, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, &off,
									&plen),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, 0ULL);
	KUNIT_EXPECT_EQ(test, plen, 2ULL * PAGE_SIZE);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);
	/* The refused nested prepare left no count behind. */
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnNotReady);

	/* A length that breaks the length alignment. */
	aligned = porting_own_cmd(test,
				  IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
									&opts,
									IODMACommand_kMapped,
									dev, NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(aligned, md,
								false));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(aligned, 0, 1000, true,
						     true),
				kIOReturnNotAligned);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(aligned,
									NULL,
									NULL),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(aligned, 0, 1024, true,
						     true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(aligned, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* prepare(offset, 0) covers offset to the end, not past it. */
static void dmacmd_test_prepare_zero_length_from_offset(struct kunit *test)
{
	size_t len = 3 * PAGE_SIZE;
	u64 start = PAGE_SIZE + 100;
	u8 *buf = porting_kbuf(test, len, 7);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[8];
	UInt64 off = 0, plen = 0, offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepare(cmd, start, 0, true, true));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, &off,
									&plen),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, start);
	KUNIT_EXPECT_EQ(test, plen, len - start);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							      &n));
	for (i = 0; i < n; i++) {
		porting_expect_device_sees(test, segs[i].addr, segs[i].len,
					   buf + start + covered);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, len - start);
	KUNIT_EXPECT_EQ(test, offset, len - start);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* withRefCon() + prepareWithSpecification(), both forms. */
static void dmacmd_test_with_refcon_prepare_with_specification(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	struct device *other;
	size_t len = 2 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 8);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 40,
		.fAlignment = 1,
	};
	IODMACommand_SegmentFunction out32 = kIODMACommandOutputHost32;
	IODMACommand_SegmentFunction out64 = kIODMACommandOutputHost64;
	IODMACommand_Segment64 segs[4];
	IODMACommand *cmd, *cmd2;
	UInt64 offset = 0;
	UInt32 n = ARRAY_SIZE(segs);
	int refcon;

	cmd = porting_own_cmd(test, IODMACommand_withRefCon(dev, &refcon));
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getRefCon(cmd), (void *)&refcon);

	/* No specification yet: nothing can be prepared. */
	cmd2 = porting_own_cmd(test, IODMACommand_withRefCon(dev, NULL));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd2, md, true),
				kIOReturnNotReady);
	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(cmd2));

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	PORTING_EXPECT_IORETURN(test, IODMACommand_prepare(cmd, 0, 0, true, true),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnNotReady);

	/* The device argument must be the command's own, or NULL. */
	other = kunit_device_register(test, "dmacmd-porting-other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepareWithSpecification(cmd,
								      kIODMACommandOutputHost64,
								      64, 0,
								      IODMACommand_kMapped,
								      0, 1, other,
								      0, 0, true,
								      true),
				kIOReturnBadArgument);
	/* An invalid specification. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepareWithSpecificationOptions(cmd, out32,
									     &opts,
									     IODMACommand_kMapped,
									     NULL, 0, 0,
									     true, true),
				kIOReturnBadArgument);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepareWithSpecification(cmd,
								     kIODMACommandOutputHost64,
								     64, 0,
								     IODMACommand_kMapped,
								     0, 1, dev,
								     0, 0, true,
								     true));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 64);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepareWithSpecification(cmd,
								      kIODMACommandOutputHost64,
								      64, 0,
								      IODMACommand_kMapped,
								      0, 1, NULL,
								      0, 0, true,
								      true),
				kIOReturnNotPermitted);
	n = ARRAY_SIZE(segs);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, offset, (u64)len);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);

	/* The SegmentOptions form, on a sub-range. */
	opts.fNumAddressBits = 48;
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepareWithSpecificationOptions(cmd, out64,
									    &opts,
									    IODMACommand_kMapped,
									    NULL,
									    100,
									    PAGE_SIZE,
									    true,
									    true));
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 48);
	offset = 0;
	n = 1;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							       &n),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, n, 1U);
	porting_expect_device_sees(test, segs[0].addr, segs[0].len, buf + 100);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* synchronize(): argument checks, and a forced double buffer that copies. */
static void dmacmd_test_synchronize(struct kunit *test)
{
	size_t len = 2 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 9);
	u8 *pat = porting_kbuf(test, len, 0xa0);
	u8 *out = porting_kbuf(test, len, 0);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionInOut);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[4];
	UInt64 offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionOut),
				kIOReturnNotReady);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionIn |
							 kIODirectionOut),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionOut),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionIn),
				kIOReturnSuccess);

	/*
	 * From here on the device uses a copy of the memory.  dmacmd's copy
	 * is not a descriptor of its own: getIOMemoryDescriptor() stays the
	 * attached one, and readBytes()/writeBytes() reach the copy.
	 */
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_synchronize(cmd,
							IODMACommand_kForceDoubleBuffer));
	KUNIT_EXPECT_PTR_EQ(test, IODMACommand_getIOMemoryDescriptor(cmd), md);
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 0, out, len),
			(u64)len);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf, len), 0);

	/* A write to the copy reaches memory only on synchronize(In). */
	memcpy(out, buf, len);
	KUNIT_EXPECT_EQ(test, IODMACommand_writeBytes(cmd, 0, pat, len),
			(u64)len);
	KUNIT_EXPECT_EQ(test, memcmp(buf, out, len), 0);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionIn),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, memcmp(buf, pat, len), 0);

	/* And memory reaches the copy, and the device, on synchronize(Out). */
	porting_fill(buf, len, 0x5c);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd, kIODirectionOut),
				kIOReturnSuccess);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							      &n));
	for (i = 0; i < n; i++) {
		porting_expect_device_sees(test, segs[i].addr, segs[i].len,
					   buf + covered);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* prepareWithSpecification() of the whole memory with a kBypassed spec. */
static IOReturn porting_prepare_bypassed(IODMACommand *cmd)
{
	return IODMACommand_prepareWithSpecification(cmd,
						     kIODMACommandOutputHost64,
						     64, 0,
						     IODMACommand_kBypassed,
						     0, 1, NULL, 0, 0, true,
						     true);
}

/* Mapping types: what Linux cannot honour is refused, the rest works. */
static void dmacmd_test_mapping_types(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	const char *why;
	size_t len = PAGE_SIZE + 300;
	u8 *buf = porting_kbuf(test, len, 28);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionInOut);
	IODMACommand_Segment64 segs[4];
	UInt64 offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;
	IODMACommand *cmd;

	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 64, 0,
							 IODMACommand_kUnmapped,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 64, 0,
							 IODMACommand_kMapped |
							 IODMACommand_kNoCacheStore,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 64, 0,
							 IODMACommand_kMapped |
							 IODMACommand_kOnChip,
							 0, 1, dev, NULL));
	KUNIT_EXPECT_NULL(test,
			  IODMACommand_withSpecification(kIODMACommandOutputHost64,
							 64, 0,
							 IODMACommand_kTypeMask,
							 0, 1, dev, NULL));
	cmd = porting_own_cmd(test, IODMACommand_withRefCon(dev, NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepareWithSpecification(cmd,
								      kIODMACommandOutputHost64,
								      64, 0,
								      IODMACommand_kUnmapped,
								      0, 1, NULL,
								      0, 0, true,
								      true),
				kIOReturnUnsupported);

	/* A cursor cannot switch to a copy buffer. */
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepareWithSpecification(cmd,
								     kIODMACommandOutputHost64,
								     64, 0,
								     IODMACommand_kMapped |
								     IODMACommand_kIterateOnly,
								     0, 1, NULL,
								     0, 0, true,
								     true));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_synchronize(cmd,
							 IODMACommand_kForceDoubleBuffer),
				kIOReturnUnsupported);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);

	/* kNonCoherent maps and syncs like kMapped. */
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepareWithSpecification(cmd,
								     kIODMACommandOutputHost64,
								     64, 0,
								     IODMACommand_kNonCoherent,
								     0, 1, NULL,
								     0, 0, true,
								     true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							      &n));
	for (i = 0; i < n; i++) {
		porting_expect_device_sees(test, segs[i].addr, segs[i].len,
					   buf + covered);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);

	/*
	 * kBypassed: CPU physical addresses, for a device whose DMA is
	 * coherent (and not behind an IOMMU); refused for one that is not.
	 */
	if (!dev_is_dma_coherent(dev)) {
		PORTING_EXPECT_IORETURN(test, porting_prepare_bypassed(cmd),
					kIOReturnUnsupported);
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_clearMemoryDescriptor(cmd, true),
					kIOReturnSuccess);
		dev = dmacmd_kt_bypass_dev(test, 64, &why);
		if (!dev) {
			kunit_info(test, "kBypassed left out: %s\n", why);
			return;
		}
		cmd = porting_own_cmd(test, IODMACommand_withRefCon(dev, NULL));
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_setMemoryDescriptor(cmd, md,
									false));
	}
	PORTING_ASSERT_SUCCESS(test, porting_prepare_bypassed(cmd));
	offset = 0;
	n = 1;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							       &n),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, segs[0].addr, (u64)virt_to_phys(buf));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* genIOVMSegments() errors leave *offset and *numSegments alone. */
static void dmacmd_test_gen_segments_errors(struct kunit *test)
{
	size_t len = PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 10);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[2];
	UInt64 offset = 0;
	UInt32 n = 2;

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnNotReady);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));

	offset = len;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnOverrun);
	KUNIT_EXPECT_EQ(test, offset, (u64)len);
	KUNIT_EXPECT_EQ(test, n, 2U);
	offset = len + 5;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							       &n),
				kIOReturnOverrun);
	KUNIT_EXPECT_EQ(test, offset, (u64)len + 5);

	offset = 0;
	n = 0;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnBadArgument);
	KUNIT_EXPECT_EQ(test, offset, 0ULL);
	KUNIT_EXPECT_EQ(test, n, 0U);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     NULL),
				kIOReturnBadArgument);
	n = 2;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, NULL, segs, &n),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegmentsWithFunction(cmd, NULL,
									 &offset,
									 segs,
									 &n),
				kIOReturnBadArgument);
	KUNIT_EXPECT_EQ(test, n, 2U);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

struct porting_loop_case {
	u32 per_call;
	const char *desc;
};

static const struct porting_loop_case porting_loop_cases[] = {
	{ 1, "1 segment per call" },
	{ 8, "8 segments per call" },
	{ 10, "10 segments per call" },
};

static void porting_loop_desc(const struct porting_loop_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(porting_loop, porting_loop_cases, porting_loop_desc);

/*
 * set(md, false) + prepare(0, len) + while (offset < len) gen64(K) +
 * complete + clear, over scattered memory with page-sized segments.
 */
static void dmacmd_test_gen_segments_loop(struct kunit *test)
{
	const struct porting_loop_case *pc = test->param_value;
	size_t len = 4 * PAGE_SIZE + 300;
	u8 *data = porting_vbuf(test, len + 200, 11) + 200;
	IOMemoryDescriptor *md = porting_kmd(test, data, len, kIODirectionOut);
	IODMACommand *cmd = porting_cmd64(test, PAGE_SIZE, 0);
	IODMACommand_Segment64 segs[10];
	UInt64 offset = 0, covered = 0;
	unsigned int calls = 0, nsegs = 0;
	UInt32 n, i;

	PORTING_ASSERT_SUCCESS(test, IOMemoryDescriptor_prepare(md,
								kIODirectionOut));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md, false),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_prepare(cmd, 0, len, true, true),
				kIOReturnSuccess);

	while (offset < len && calls++ < 32) {
		IOReturn ret;

		n = pc->per_call;
		ret = IODMACommand_gen64IOVMSegments(cmd, &offset, segs, &n);
		PORTING_EXPECT_IORETURN(test, ret, kIOReturnSuccess);
		if (ret != kIOReturnSuccess)
			break;
		/* Only the call that reaches the end returns fewer. */
		if (offset < len)
			KUNIT_EXPECT_EQ(test, n, pc->per_call);
		KUNIT_EXPECT_GE(test, n, 1U);
		KUNIT_EXPECT_LE(test, n, pc->per_call);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_LE(test, segs[i].len, (u64)PAGE_SIZE);
			porting_expect_device_sees(test, segs[i].addr,
						   segs[i].len, data + covered);
			covered += segs[i].len;
		}
		nsegs += n;
		KUNIT_EXPECT_EQ(test, offset, covered);
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len);
	/* Five pages are touched, each segment at most a page. */
	KUNIT_EXPECT_GE(test, nsegs, 5U);
	KUNIT_EXPECT_EQ(test, calls, DIV_ROUND_UP(nsegs, pc->per_call));

	n = 1;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							       &n),
				kIOReturnOverrun);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionOut),
				kIOReturnSuccess);
}

/*
 * A driver-owned cursor re-seeds *offset and consumes part of a segment:
 * 1000 bytes at most, so each page takes a few steps whatever its size.
 */
static void dmacmd_test_gen_segments_driver_cursor(struct kunit *test)
{
	const u64 step = 1000;
	size_t len = 3 * PAGE_SIZE;
	u8 *data = porting_vbuf(test, len, 12);
	IOMemoryDescriptor *md = porting_kmd(test, data, len, kIODirectionOut);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	/* Segments may end at each page: a short step there. */
	const unsigned int max_steps = 3 * DIV_ROUND_UP(PAGE_SIZE, step);
	u64 transfer = 0;
	unsigned int steps = 0;

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	while (transfer < len && steps++ < max_steps) {
		IODMACommand_Segment64 seg = {};
		UInt64 offset = transfer;
		UInt32 n = 1;
		u64 used;

		PORTING_EXPECT_IORETURN(test,
					IODMACommand_gen64IOVMSegments(cmd,
								       &offset,
								       &seg, &n),
					kIOReturnSuccess);
		if (n != 1 || !seg.len) {
			KUNIT_FAIL(test, "no segment at offset %llu", transfer);
			break;
		}
		KUNIT_EXPECT_EQ(test, offset, transfer + seg.len);
		used = min_t(u64, seg.len, step);
		porting_expect_device_sees(test, seg.addr, used,
					   data + transfer);
		transfer += used;
	}
	KUNIT_EXPECT_EQ(test, transfer, (u64)len);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* A virtio-style driver structure written by a custom SegmentFunction. */
struct porting_vring_desc {
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};

struct porting_vring {
	IODMACommand *cmd;
	struct porting_vring_desc desc[16];
	u32 capacity;
	u32 used;
	bool wrong_target;
};

static bool porting_vring_out(IODMACommand *target,
			      IODMACommand_Segment64 segment, void *segments,
			      UInt32 segmentIndex)
{
	struct porting_vring *ring = segments;

	if (target != ring->cmd)
		ring->wrong_target = true;
	if (segmentIndex >= ring->capacity)
		return false;
	ring->desc[segmentIndex].addr = cpu_to_le64(segment.addr);
	ring->desc[segmentIndex].len = cpu_to_le32(segment.len);
	ring->desc[segmentIndex].next = cpu_to_le16(segmentIndex + 1);
	ring->used = segmentIndex + 1;
	return true;
}

static void dmacmd_test_gen_segments_custom_function(struct kunit *test)
{
	size_t len = 3 * PAGE_SIZE + 100;
	u8 *data = porting_vbuf(test, len, 13);
	IOMemoryDescriptor *md = porting_kmd(test, data, len, kIODirectionOut);
	struct porting_vring *ring = kunit_kzalloc(test, sizeof(*ring),
						   GFP_KERNEL);
	__be64 *big = kunit_kcalloc(test, 32, sizeof(*big), GFP_KERNEL);
	UInt64 offset = 0, covered = 0;
	IODMACommand *cmd;
	UInt32 n, i;

	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_ASSERT_NOT_NULL(test, big);
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(porting_vring_out, 64,
							     PAGE_SIZE,
							     IODMACommand_kMapped,
							     0, 1,
							     porting_dev(test),
							     NULL));
	ring->cmd = cmd;
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));

	/* The function stops after one descriptor: nothing moves. */
	ring->capacity = 1;
	n = ARRAY_SIZE(ring->desc);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, ring,
							     &n),
				kIOReturnMessageTooLarge);
	KUNIT_EXPECT_EQ(test, offset, 0ULL);
	KUNIT_EXPECT_EQ(test, n, (u32)ARRAY_SIZE(ring->desc));

	/* Room for all: the whole range in one call, as virtio-net does. */
	ring->capacity = ARRAY_SIZE(ring->desc);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_genIOVMSegments(cmd, &offset, ring,
							    &n));
	KUNIT_EXPECT_EQ(test, offset, (u64)len);
	KUNIT_EXPECT_EQ(test, n, ring->used);
	KUNIT_EXPECT_GE(test, n, 4U);
	KUNIT_EXPECT_FALSE(test, ring->wrong_target);
	for (i = 0; i < n; i++) {
		u64 addr = le64_to_cpu(ring->desc[i].addr);
		u64 seglen = le32_to_cpu(ring->desc[i].len);

		KUNIT_EXPECT_LE(test, seglen, (u64)PAGE_SIZE);
		porting_expect_device_sees(test, addr, seglen, data + covered);
		covered += seglen;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len);

	/* The same segments through another output function, big endian. */
	offset = 0;
	n = 16;
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_genIOVMSegmentsWithFunction(cmd,
									IODMACommand_OutputBig64,
									&offset,
									big, &n));
	KUNIT_EXPECT_EQ(test, n, ring->used);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, be64_to_cpu(big[2 * i]),
				le64_to_cpu(ring->desc[i].addr));
		KUNIT_EXPECT_EQ(test, be64_to_cpu(big[2 * i + 1]),
				(u64)le32_to_cpu(ring->desc[i].len));
	}
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* The six output functions write slot @index in their own format. */
static void dmacmd_test_output_functions_encoding(struct kunit *test)
{
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 seg = {
		.addr = 0x12345678,
		.len = 0x9abcdef0,
	};
	IODMACommand_Segment64 seg64 = {
		.addr = 0x1122334455667788ULL,
		.len = 0x0102030405060708ULL,
	};
	IODMACommand_Segment32 h32[3] = {};
	IODMACommand_Segment64 h64[3] = {};
	__be32 b32[6] = {};
	__le32 l32[6] = {};
	__be64 b64[6] = {};
	__le64 l64[6] = {};

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputHost32(cmd, seg, h32, 1));
	KUNIT_EXPECT_EQ(test, h32[1].addr, 0x12345678U);
	KUNIT_EXPECT_EQ(test, h32[1].len, 0x9abcdef0U);
	KUNIT_EXPECT_EQ(test, h32[0].addr | h32[0].len | h32[2].addr, 0U);

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputBig32(cmd, seg, b32, 2));
	KUNIT_EXPECT_EQ(test, be32_to_cpu(b32[4]), 0x12345678U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(b32[5]), 0x9abcdef0U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(b32[3]), 0U);

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputLittle32(cmd, seg, l32, 1));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(l32[2]), 0x12345678U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(l32[3]), 0x9abcdef0U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(l32[1]) | le32_to_cpu(l32[4]), 0U);

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputHost64(cmd, seg64, h64, 2));
	KUNIT_EXPECT_EQ(test, h64[2].addr, seg64.addr);
	KUNIT_EXPECT_EQ(test, h64[2].len, seg64.len);
	KUNIT_EXPECT_EQ(test, h64[1].addr | h64[1].len, 0ULL);

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputBig64(cmd, seg64, b64, 1));
	KUNIT_EXPECT_EQ(test, be64_to_cpu(b64[2]), seg64.addr);
	KUNIT_EXPECT_EQ(test, be64_to_cpu(b64[3]), seg64.len);
	KUNIT_EXPECT_EQ(test, be64_to_cpu(b64[1]) | be64_to_cpu(b64[4]), 0ULL);

	KUNIT_EXPECT_TRUE(test, IODMACommand_OutputLittle64(cmd, seg64, l64, 0));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(l64[0]), seg64.addr);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(l64[1]), seg64.len);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(l64[2]), 0ULL);
}

/* A 32-bit engine: every segment below 4 GiB, with the right bytes. */
static void dmacmd_test_gen32_host32_below_4g(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	size_t len = 3 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 14);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionOut);
	IODMACommand_Segment32 segs[2];
	UInt64 offset = 0, covered = 0;
	unsigned int calls = 0;
	IODMACommand *cmd;
	UInt32 n, i;

	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)),
			0);
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(kIODMACommandOutputHost32,
							     32, PAGE_SIZE,
							     IODMACommand_kMapped,
							     0, 1, dev, NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	while (offset < len && calls++ < 16) {
		n = ARRAY_SIZE(segs);
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_gen32IOVMSegments(cmd,
								      &offset,
								      segs,
								      &n));
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_LE(test, (u64)segs[i].addr + segs[i].len,
					1ULL << 32);
			porting_expect_device_sees(test, segs[i].addr,
						   segs[i].len, buf + covered);
			covered += segs[i].len;
		}
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/*
 * IOUSBFamily's structure pages: a buffer below 4 GiB, a throw-away
 * kMapped | kIterateOnly command with 32-bit output and page segments.
 */
static void dmacmd_test_iterate_only_host32_page(struct kunit *test)
{
	IOBufferMemoryDescriptor *page;
	IODMACommand_Segment32 seg = {};
	IOByteCount seglen = 0;
	IOPhysicalAddress64 phys;
	UInt64 offset = 0;
	UInt32 n = 1;
	IODMACommand *cmd;
	u8 *seen;

	page = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							       kIOMemoryUnshared |
							       kIODirectionInOut,
							       PAGE_SIZE,
							       0x00000000FFFFF000ULL);
	porting_own_md(test, page);
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(page, kIODirectionNone));
	phys = IOMemoryDescriptor_getPhysicalSegment(page, 0, &seglen,
						     kIOMemoryMapperNone);
	KUNIT_EXPECT_EQ(test, seglen, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, phys & ~0x00000000FFFFF000ULL, 0ULL);
	dmacmd_kt_fill(IOBufferMemoryDescriptor_getBytesNoCopy(page), PAGE_SIZE,
		       9, 0);
	seen = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);

	cmd = IODMACommand_withSpecification(kIODMACommandOutputHost32, 32,
					     PAGE_SIZE,
					     (IODMACommand_MappingOptions)
					     (IODMACommand_kMapped |
					      IODMACommand_kIterateOnly),
					     0, 1, porting_dev(test), NULL);
	KUNIT_EXPECT_NOT_NULL(test, cmd);
	if (cmd) {
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_setMemoryDescriptor(cmd,
									 page,
									 true),
					kIOReturnSuccess);
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_gen32IOVMSegments(cmd,
								       &offset,
								       &seg,
								       &n),
					kIOReturnSuccess);
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_clearMemoryDescriptor(cmd,
									   true),
					kIOReturnSuccess);
		OSObject_release(cmd);
	}
	/*
	 * An iterating cursor hands out where the device reaches the page:
	 * the page itself, or an IOVA of it behind an IOMMU.
	 */
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, seg.len, (u32)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(porting_dev(test), seg.addr,
						   seen, PAGE_SIZE, false), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(seen, PAGE_SIZE, 9, 0),
			U64_MAX);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(page,
							    kIODirectionNone),
				kIOReturnSuccess);
}

/*
 * IOUSBFamily's transfers: the driver prepares the buffer, takes its
 * address from a command it completes and releases at once, and the
 * controller uses that address until the buffer's complete.  The address
 * must stay what the device reaches the buffer at (behind the IOMMU the
 * same IOVA), and what the device writes arrives at the complete.
 */
static void dmacmd_test_usb_throwaway_command(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);
	const u64 len = 2 * PAGE_SIZE;
	IOBufferMemoryDescriptor *buf;
	IODMACommand_Segment64 seg = {};
	UInt64 offset = 0;
	UInt32 n = 1;
	IODMACommand *cmd;
	u8 *cpu, *seen;

	if (dev)
		dmacmd_kt_set_mask(test, dev, 64);
	else
		dev = porting_dev(test);
	seen = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	buf = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							      kIODirectionInOut |
							      kIOMemoryPhysicallyContiguous,
							      len,
							      0xFFFFFFFFFFFFF000ULL);
	porting_own_md(test, buf);
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(buf);
	dmacmd_kt_fill(cpu, len, 12, 0);
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(buf, kIODirectionNone));

	cmd = IODMACommand_withSpecification(kIODMACommandOutputHost64, 64, 0,
					     IODMACommand_kMapped, 0, 1, dev,
					     NULL);
	KUNIT_ASSERT_NOT_NULL(test, cmd);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, buf,
								 true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset,
							       &seg, &n),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	OSObject_release(cmd);

	/* One segment for all of it, or the device would stray past it. */
	KUNIT_ASSERT_EQ(test, n, 1U);
	KUNIT_ASSERT_EQ(test, seg.fLength, len);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_dev_access(dev, seg.fIOVMAddr, seen,
						       len, false), 0,
			    "the controller's address reaches nothing once the command is gone");
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(seen, len, 12, 0), U64_MAX);
	dmacmd_kt_fill(seen, len, 13, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(dev, seg.fIOVMAddr, seen,
						   len, true), 0);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(buf,
							    kIODirectionNone),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(cpu, len, 13, 0), U64_MAX);
}

/*
 * IntelMausi, LucyRTL8125, RealtekRTL8111 and itlwm: a descriptor ring
 * allocated within 32 bits, prepared once, its address programmed from
 * one segment; from then on the CPU writes descriptors and reads status
 * through getBytesNoCopy() while the device does the same at the segment
 * address, and nobody calls synchronize().  Each side must see the
 * other's writes in every DMA configuration (under swiotlb=force too,
 * where a bounced copy would leave each side alone with its own), but
 * one: swiotlb=force for a device whose DMA is not coherent.
 */
static void dmacmd_test_nic_ring_without_synchronize(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);
	const u64 len = PAGE_SIZE;
	IOBufferMemoryDescriptor *ring;
	IODMACommand_Segment64 seg = {};
	UInt64 offset = 0;
	UInt32 n = 1;
	IODMACommand *cmd;
	u8 *desc, *seen;
	bool by_copy;

	if (!dev)
		dev = porting_dev(test);
	/*
	 * Under swiotlb=force a device whose DMA is not coherent (as the
	 * kernel sees KUnit's fake devices on arm64, and a PCI device no
	 * driver has configured) gets the ring bounced, as dmacmd documents:
	 * each side then sees the other's writes through synchronize() only.
	 */
	by_copy = dmacmd_kt_swiotlb_forced(dev) && !dev_is_dma_coherent(dev);
	seen = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	ring = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							       kIODirectionInOut |
							       kIOMemoryPhysicallyContiguous,
							       len,
							       0x00000000FFFFF000ULL);
	porting_own_md(test, ring);
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(ring, kIODirectionNone));
	desc = IOBufferMemoryDescriptor_getBytesNoCopy(ring);
	memset(desc, 0, len);
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecification(kIODMACommandOutputHost64,
							     32, 0,
							     IODMACommand_kMapped,
							     0, 1, dev, NULL));
	PORTING_ASSERT_SUCCESS(test, IODMACommand_setMemoryDescriptor(cmd, ring,
								      true));
	PORTING_ASSERT_SUCCESS(test, IODMACommand_gen64IOVMSegments(cmd,
								    &offset,
								    &seg, &n));
	KUNIT_ASSERT_EQ(test, n, 1U);
	KUNIT_ASSERT_EQ(test, seg.fLength, len);

	/* The driver fills descriptors; the device fetches them. */
	dmacmd_kt_fill(desc, len, 14, 0);
	if (by_copy) {
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(dev, seg.fIOVMAddr,
							   seen, len, false), 0);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(seen, 0, len),
				      "the device sees more than the copy taken at prepare");
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_synchronize(cmd,
								 kIODirectionOut),
					kIOReturnSuccess);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(dev, seg.fIOVMAddr, seen,
						   len, false), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(seen, len, 14, 0), U64_MAX,
			    "the device does not see the descriptors the CPU wrote");
	/* The device writes status back; the driver polls it. */
	dmacmd_kt_fill(seen, len, 15, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_access(dev, seg.fIOVMAddr, seen,
						   len, true), 0);
	if (by_copy) {
		KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(desc, len, 14, 0),
				    U64_MAX,
				    "the CPU sees the device's writes before synchronize()");
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_synchronize(cmd,
								 kIODirectionIn),
					kIOReturnSuccess);
	}
	KUNIT_EXPECT_EQ_MSG(test, dmacmd_kt_mismatch(desc, len, 15, 0), U64_MAX,
			    "the CPU does not see the status the device wrote");

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(ring,
							    kIODirectionNone),
				kIOReturnSuccess);
}

/* readBytes()/writeBytes() on a command: relative, clipped, 0 unprepared. */
static void dmacmd_test_cmd_read_write_bytes(struct kunit *test)
{
	size_t len = 3000;
	u8 *buf = porting_kbuf(test, len, 15);
	u8 *copy = porting_kbuf(test, len, 0);
	IOMemoryDescriptor *md = porting_kmd(test, buf, len, kIODirectionInOut);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	u8 out[200], pat[20];
	UInt64 off = 0, plen = 0;

	memcpy(copy, buf, len);
	memset(pat, 0xe5, sizeof(pat));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, false));
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 0, out, 10), 0ULL);
	KUNIT_EXPECT_EQ(test, IODMACommand_writeBytes(cmd, 0, pat, 10), 0ULL);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_prepare(cmd, 1000, 1500, true, true));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, &off,
									NULL),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, 1000ULL);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_getPreparedOffsetAndLength(cmd, NULL,
									&plen),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, plen, 1500ULL);

	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 0, out, 100), 100ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, copy + 1000, 100), 0);
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 1400, out, 200),
			100ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, copy + 2400, 100), 0);
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 1500, out, 10), 0ULL);

	KUNIT_EXPECT_EQ(test, IODMACommand_writeBytes(cmd, 10, pat, 20), 20ULL);
	KUNIT_EXPECT_EQ(test, IODMACommand_writeBytes(cmd, 1490, pat, 20),
			10ULL);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1010, pat, 20), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 2490, pat, 10), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 2500, copy + 2500, len - 2500), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf, copy, 1010), 0);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/* withAddressRange() in the kernel task, withAddress(), and the queries. */
static void dmacmd_test_md_kernel_range(struct kunit *test)
{
	size_t len = 2 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 16);
	u8 *out = porting_kbuf(test, len, 0);
	IOMemoryDescriptor *md, *md2;
	IOByteCount seglen = 0;
	u8 pat[8];

	memset(pat, 0x3c, sizeof(pat));
	md = porting_kmd(test, buf, len, kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), (u64)len);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(md),
			(u32)kIODirectionOut);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(md, kIODirectionNone),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 0, out, len),
			(u64)len);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf, len), 0);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, len - 4, out, 8),
			4ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, len, out, 8),
			0ULL);
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_writeBytes(md, 100, pat, sizeof(pat)),
			(u64)sizeof(pat));
	KUNIT_EXPECT_EQ(test, memcmp(buf + 100, pat, sizeof(pat)), 0);

	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_getPhysicalSegment(md, 10, &seglen,
							      kIOMemoryMapperNone),
			(u64)virt_to_phys(buf + 10));
	KUNIT_EXPECT_EQ(test, seglen, (u64)len - 10);
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_getPhysicalSegment(md, 20, NULL, 0),
			(u64)virt_to_phys(buf + 20));

	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionNone),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionNone),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(md, 0x100),
				kIOReturnBadArgument);

	md2 = porting_own_md(test, IOMemoryDescriptor_withAddress(buf, len,
								  kIODirectionIn));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(md2),
			(u32)kIODirectionIn);
	md2 = porting_own_md(test, IOMemoryDescriptor_withAddress(buf, len,
								  kIODirectionNone));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(md2),
			(u32)kIODirectionInOut);

	/* Another process's address space, and buffer-only options. */
	KUNIT_EXPECT_NULL(test,
			  IOMemoryDescriptor_withAddressRange((uintptr_t)buf, len,
							      kIODirectionOut,
							      &init_task));
	KUNIT_EXPECT_NULL(test,
			  IOMemoryDescriptor_withAddressRange((uintptr_t)buf, len,
							      kIODirectionOut |
							      kIOMemoryPhysicallyContiguous,
							      kernel_task));
}

/* A NULL task means physical addresses; withPhysicalAddress() likewise. */
static void dmacmd_test_md_physical_range(struct kunit *test)
{
	size_t len = PAGE_SIZE + 500;
	u8 *buf = porting_kbuf(test, len, 17);
	u8 *out = porting_kbuf(test, len, 0);
	phys_addr_t phys = virt_to_phys(buf);
	IOMemoryDescriptor *md;
	IOByteCount seglen = 0;

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRange(phys, len,
								kIODirectionIn,
								NULL));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), (u64)len);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 0, out, len),
			(u64)len);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf, len), 0);
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_getPhysicalSegment(md, 0, &seglen,
							      kIOMemoryMapperNone),
			(u64)phys);
	KUNIT_EXPECT_EQ(test, seglen, (u64)len);

	md = porting_own_md(test,
			    IOMemoryDescriptor_withPhysicalAddress(phys + 7, 300,
								   kIODirectionOut));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 300ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(md),
			(u32)kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 0, out, 300),
			300ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 7, 300), 0);
}

/* current_task(): user memory, pinned by prepare, refused before it. */
static void dmacmd_test_md_user_range(struct kunit *test)
{
	size_t len = 2 * PAGE_SIZE;
	u8 *pat = porting_kbuf(test, len, 18);
	u8 *out = porting_kbuf(test, len, 0);
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[4];
	UInt64 offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;
	IOMemoryDescriptor *md;
	unsigned long uaddr;

	uaddr = dmacmd_kt_user_map(test, len, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, pat, len), 0UL);

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRange(uaddr + 100,
								len - 100,
								kIODirectionOut,
								current_task()));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), (u64)len - 100);

	/* Not wired yet: an error, never a crash. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md, true),
				kIOReturnNotReady);
	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(cmd));

	PORTING_ASSERT_SUCCESS(test, IOMemoryDescriptor_prepare(md,
								kIODirectionOut));
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_readBytes(md, 0, out, len - 100),
			(u64)len - 100);
	KUNIT_EXPECT_EQ(test, memcmp(out, pat + 100, len - 100), 0);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, md, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_genIOVMSegments(cmd, &offset, segs,
							     &n),
				kIOReturnSuccess);
	for (i = 0; i < n && i < ARRAY_SIZE(segs); i++) {
		porting_expect_device_sees(test, segs[i].addr, segs[i].len,
					   pat + 100 + covered);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)len - 100);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionOut),
				kIOReturnSuccess);
}

/* withAddressRanges(): kernel and physical ranges concatenated. */
static void dmacmd_test_md_address_ranges(struct kunit *test)
{
	u8 *a = porting_kbuf(test, 300, 19);
	u8 *b = porting_kbuf(test, 500, 20);
	u8 *out = porting_kbuf(test, 800, 0);
	IOAddressRange kranges[2] = {
		{ .address = (uintptr_t)a + 100, .length = 200 },
		{ .address = (uintptr_t)b, .length = 400 },
	};
	IOAddressRange pranges[2] = {
		{ .address = virt_to_phys(b) + 50, .length = 100 },
		{ .address = virt_to_phys(a), .length = 100 },
	};
	IOMemoryDescriptor *md;

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRanges(kranges, 2,
								 kIODirectionOut,
								 kernel_task));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 600ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 150, out, 100),
			100ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, a + 250, 50), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out + 50, b, 50), 0);

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRanges(pranges, 2,
								 kIODirectionIn,
								 NULL));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 200ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 0, out, 200),
			200ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, b + 50, 100), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out + 100, a, 100), 0);

	KUNIT_EXPECT_NULL(test,
			  IOMemoryDescriptor_withAddressRanges(kranges, 2,
							       kIODirectionOut,
							       &init_task));
}

/* IOSubMemoryDescriptor and IOMultiMemoryDescriptor. */
static void dmacmd_test_md_sub_and_multi(struct kunit *test)
{
	size_t len = 3 * PAGE_SIZE;
	u8 *buf = porting_kbuf(test, len, 21);
	u8 *b2 = porting_kbuf(test, 700, 22);
	u8 *out = porting_kbuf(test, len, 0);
	IOMemoryDescriptor *parent, *other, *parts[2];
	IOSubMemoryDescriptor *sub;
	IOMultiMemoryDescriptor *multi;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[8];
	UInt64 offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;

	parent = IOMemoryDescriptor_withAddressRange((uintptr_t)buf, len,
						     kIODirectionOut,
						     kernel_task);
	KUNIT_ASSERT_NOT_NULL(test, parent);
	sub = IOSubMemoryDescriptor_withSubRange(parent, 1000, 2000,
						 kIODirectionOut);
	/* The sub-range holds its parent. */
	OSObject_release(parent);
	porting_own_md(test, sub);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(sub), 2000ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(sub, 0, out, 2000),
			2000ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 1000, 2000), 0);
	KUNIT_EXPECT_NULL(test,
			  IOSubMemoryDescriptor_withSubRange(sub, 1500, 600,
							     kIODirectionOut));

	other = porting_kmd(test, b2, 700, kIODirectionOut);
	parts[0] = sub;
	parts[1] = other;
	multi = porting_own_md(test,
			       IOMultiMemoryDescriptor_withDescriptors(parts, 2,
								       kIODirectionOut,
								       false));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(multi), 2700ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(multi, 1900, out,
							   200),
			200ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 2900, 100), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out + 100, b2, 100), 0);

	/* A command maps the concatenation byte for byte. */
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, multi,
								true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_genIOVMSegments(cmd, &offset, segs,
							    &n));
	for (i = 0; i < n; i++) {
		const u8 *want = covered < 2000 ? buf + 1000 + covered :
			b2 + covered - 2000;
		u64 part = min_t(u64, segs[i].len,
				 covered < 2000 ? 2000 - covered : segs[i].len);

		porting_expect_device_sees(test, segs[i].addr, part, want);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, 2700ULL);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/*
 * xnu's ZeroLengthTest and its neighbours, as a driver writes them: a
 * zero-length range, sub-range and concatenation are descriptors that
 * prepare, complete, read nothing and are released.  A command refuses to
 * prepare one with kIOReturnOverrun (what xnu's own walk of it returns)
 * and stays unprepared.
 */
static void dmacmd_test_md_zero_length(struct kunit *test)
{
	u8 *buf = porting_kbuf(test, 256, 23);
	u8 out[16];
	IOMemoryDescriptor *md, *parent, *sub, *multi;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 seg;
	UInt64 offset = 0;
	UInt32 n = 1;

	md = IOMemoryDescriptor_withAddressRange(0, 0, kIODirectionNone,
						 current_task());
	KUNIT_ASSERT_NOT_NULL(test, md);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(md, kIODirectionNone),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionNone),
				kIOReturnSuccess);
	OSObject_release(md);

	md = porting_kmd(test, buf, 0, kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 0ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(md),
			(u32)kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(md, 0, out, 16),
			0ULL);
	md = porting_own_md(test,
			    IOMemoryDescriptor_withPhysicalAddress(virt_to_phys(buf),
								   0,
								   kIODirectionIn));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 0ULL);

	parent = porting_kmd(test, buf, 256, kIODirectionOut);
	sub = porting_own_md(test,
			     IOSubMemoryDescriptor_withSubRange(parent, 256, 0,
								kIODirectionOut));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(sub), 0ULL);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(sub, kIODirectionNone),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(sub, kIODirectionNone),
				kIOReturnSuccess);
	multi = porting_own_md(test,
			       IOMultiMemoryDescriptor_withDescriptors(NULL, 0,
								       kIODirectionNone,
								       false));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(multi), 0ULL);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(multi, kIODirectionNone),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(multi, kIODirectionNone),
				kIOReturnSuccess);

	/* A command: attaching works, preparing nothing is an overrun. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_setMemoryDescriptor(cmd, sub, true),
				kIOReturnOverrun);
	KUNIT_EXPECT_NULL(test, IODMACommand_getMemoryDescriptor(cmd));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, sub, false));
	PORTING_EXPECT_IORETURN(test, IODMACommand_prepare(cmd, 0, 0, true,
							   true),
				kIOReturnOverrun);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_gen64IOVMSegments(cmd, &offset,
							       &seg, &n),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test, IODMACommand_complete(cmd, true, true),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/*
 * kIODirectionNone on a sub-range or a concatenation: the descriptor
 * takes its parent's or its children's direction, so a window on memory
 * the device only reads can be made without naming the direction again.
 */
static void dmacmd_test_md_direction_none_derived(struct kunit *test)
{
	u8 *buf = porting_kbuf(test, 512, 24), *out = porting_kbuf(test, 64, 0);
	IOMemoryDescriptor *outMD, *inMD, *parts[2];
	IOSubMemoryDescriptor *sub;
	IOMultiMemoryDescriptor *multi;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 seg;
	UInt64 offset = 0;
	UInt32 n = 1;

	outMD = porting_kmd(test, buf, 512, kIODirectionOut);
	inMD = porting_kmd(test, buf, 512, kIODirectionIn);
	sub = porting_own_md(test,
			     IOSubMemoryDescriptor_withSubRange(outMD, 100, 64,
								kIODirectionNone));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(sub),
			(u32)kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(sub, 0, out, 64),
			64ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 100, 64), 0);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, sub, true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset,
							      &seg, &n));
	KUNIT_EXPECT_EQ(test, seg.len, 64ULL);
	porting_expect_device_sees(test, seg.addr, 64, buf + 100);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);

	parts[0] = outMD;
	parts[1] = sub;
	multi = porting_own_md(test,
			       IOMultiMemoryDescriptor_withDescriptors(parts, 2,
								       kIODirectionNone,
								       false));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(multi),
			(u32)kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(multi), 576ULL);
	parts[1] = inMD;
	KUNIT_EXPECT_NULL(test,
			  IOMultiMemoryDescriptor_withDescriptors(parts, 2,
								  kIODirectionNone,
								  false));
	parts[0] = inMD;
	multi = porting_own_md(test,
			       IOMultiMemoryDescriptor_withDescriptors(parts, 2,
								       kIODirectionNone,
								       false));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(multi),
			(u32)kIODirectionIn);
}

/* The buffer constructors honour masks, alignment and contiguity. */
static void dmacmd_test_buffer_constructors(struct kunit *test)
{
	const u64 mask = 0x00000000FFFFF000ULL;
	size_t cap = 3 * PAGE_SIZE + 100;
	IOBufferMemoryDescriptor *bmd;
	IOByteCount seglen = 0;
	IOPhysicalAddress64 phys;
	u8 *cpu, *out = porting_kbuf(test, cap, 0);

	bmd = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							      kIODirectionInOut |
							      kIOMemoryPhysicallyContiguous |
							      kIOMapInhibitCache,
							      cap, mask);
	porting_own_md(test, bmd);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), (u64)cap);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(bmd),
			(u32)kIODirectionInOut);
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(bmd);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	porting_fill(cpu, cap, 23);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(bmd, 0, out, cap),
			(u64)cap);
	KUNIT_EXPECT_EQ(test, memcmp(out, cpu, cap), 0);
	phys = IOMemoryDescriptor_getPhysicalSegment(bmd, 0, &seglen,
						     kIOMemoryMapperNone);
	KUNIT_EXPECT_EQ(test, phys, (u64)virt_to_phys(cpu));
	KUNIT_EXPECT_EQ(test, phys & ~mask, 0ULL);
	KUNIT_EXPECT_LE(test, phys + cap, 1ULL << 32);
	KUNIT_EXPECT_GE(test, seglen, (u64)cap);

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
									kIODirectionOut,
									5000, 16384));
	phys = IOMemoryDescriptor_getPhysicalSegment(bmd, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, phys & (16384 - 1), 0ULL);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 5000ULL);
	/* 12 KiB would come out 4 KiB aligned: refused. */
	KUNIT_EXPECT_NULL(test,
			  IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
								     kIODirectionOut,
								     5000, 0x3000));

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_withCapacity(2 * PAGE_SIZE,
								   kIODirectionIn,
								   true));
	IOMemoryDescriptor_getPhysicalSegment(bmd, 0, &seglen, 0);
	KUNIT_EXPECT_GE(test, seglen, 2ULL * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(bmd),
			(u32)kIODirectionIn);

	/* Only the kernel task, and no purgeable memory. */
	KUNIT_EXPECT_NULL(test,
			  IOBufferMemoryDescriptor_inTaskWithPhysicalMask(current_task(),
									  kIODirectionInOut,
									  PAGE_SIZE,
									  mask));
	KUNIT_EXPECT_NULL(test,
			  IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
									  kIODirectionInOut |
									  kIOMemoryPageable |
									  0x40,
									  PAGE_SIZE,
									  mask));
}

/* Names real drivers use, with xnu's values (iokit/IOKit, osfmk/mach). */
static_assert(kIOMemoryPageable == 0x20 &&
	      kIOMemoryKernelUserShared == 0x10000);
static_assert(kIODirectionPrepareNoZeroFill == 0x10 &&
	      kIODirectionCompleteWithDataValid == 0x80);
static_assert(sizeof(addr64_t) == 8 && sizeof(IOPhysicalAddress32) == 4);
static_assert(__builtin_types_compatible_p(typeof(TASK_NULL), task_t));

/*
 * xnu's IODirectionPrepareNoZeroFillTest and BadFixedAllocTest: a
 * pageable buffer of no task, prepared with kIODirectionPrepareNoZeroFill
 * and completed with kIODirectionCompleteWithDataValid, nested.  A
 * buffer of no task that is not pageable is refused, as in IOKit.
 */
static void dmacmd_test_buffer_pageable_task_null(struct kunit *test)
{
	IOBufferMemoryDescriptor *bmd;
	IOByteCount seglen = 0;

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(TASK_NULL,
									kIODirectionIn |
									kIOMemoryPageable,
									24 * PAGE_SIZE,
									1));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd),
			24ULL * PAGE_SIZE);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(bmd, kIODirectionIn |
							   kIODirectionPrepareNoZeroFill),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(bmd, kIODirectionIn),
				kIOReturnSuccess);
	KUNIT_EXPECT_NE(test,
			IOMemoryDescriptor_getPhysicalSegment(bmd, 0, &seglen, 0),
			0ULL);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(bmd, kIODirectionIn |
							    kIODirectionCompleteWithDataValid),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(bmd, kIODirectionIn),
				kIOReturnSuccess);
	/* The modifiers belong to one call each. */
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(bmd,
							   kIODirectionCompleteWithDataValid),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(bmd,
							    kIODirectionPrepareNoZeroFill),
				kIOReturnBadArgument);

	KUNIT_EXPECT_NULL(test,
			  IOBufferMemoryDescriptor_inTaskWithOptions(TASK_NULL,
								     kIODirectionIn,
								     PAGE_SIZE,
								     1));
	/* Pageable memory of a user task would be mapped there: refused. */
	KUNIT_EXPECT_NULL(test,
			  IOBufferMemoryDescriptor_inTaskWithOptions(current_task(),
								     kIODirectionIn |
								     kIOMemoryPageable,
								     PAGE_SIZE,
								     1));
}

/*
 * xnu's IOBMDSetLengthMapTest: a kernel/user-shared buffer of 16 KiB,
 * aligned to 16 KiB, shortened with setLength(); what a command then maps
 * is the new length.  A length above the capacity is ignored (IOKit
 * asserts it in debug kernels and ignores it otherwise).
 */
static void dmacmd_test_buffer_set_length(struct kunit *test)
{
	IOBufferMemoryDescriptor *bmd;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 seg;
	UInt64 offset = 0;
	UInt32 n = 1;
	u8 *cpu, *out = porting_kbuf(test, 0x4000, 0);

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
									kIODirectionOutIn |
									kIOMemoryKernelUserShared,
									0x4000, 0x4000));
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(bmd);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	porting_fill(cpu, 0x4000, 25);
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_getPhysicalSegment(bmd, 0, NULL, 0) &
			0x3fffULL, 0ULL);
	KUNIT_EXPECT_TRUE(test, IOMemoryDescriptor_getFlags(bmd) &
			  kIOMemoryThreadSafe);

	IOBufferMemoryDescriptor_setLength(bmd, 0x100);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 0x100ULL);
	IOBufferMemoryDescriptor_setLength(bmd, 0x200);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 0x200ULL);
	IOBufferMemoryDescriptor_setLength(bmd, 0x4001);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 0x200ULL);
	KUNIT_EXPECT_PTR_EQ(test, IOBufferMemoryDescriptor_getBytesNoCopy(bmd),
			    (void *)cpu);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_readBytes(bmd, 0, out, 0x4000),
			0x200ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, cpu, 0x200), 0);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, bmd, true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, &seg,
							      &n));
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, seg.fLength, 0x200ULL);
	porting_expect_device_sees(test, seg.fIOVMAddr, 0x200, cpu);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
	/* Back to the whole capacity. */
	IOBufferMemoryDescriptor_setLength(bmd, 0x4000);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 0x4000ULL);

	/* The defaults IOKit's headers give: alignment 1, not contiguous. */
	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
									kIODirectionOut,
									100, 1));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 100ULL);
	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_withCapacity(100,
								   kIODirectionIn,
								   false));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd), 100ULL);
}

/* getFlags(): the direction bits and kIOMemoryThreadSafe. */
static void dmacmd_test_md_get_flags(struct kunit *test)
{
	u8 *buf = porting_kbuf(test, 64, 26);
	IOMemoryDescriptor *md, *sub;

	md = porting_kmd(test, buf, 64, kIODirectionOut);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getFlags(md),
			(UInt64)(kIODirectionOut | kIOMemoryThreadSafe));
	sub = porting_own_md(test,
			     IOSubMemoryDescriptor_withSubRange(md, 0, 10,
								kIODirectionNone));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getFlags(sub) &
			kIOMemoryDirectionMask, (UInt64)kIODirectionOut);
	md = porting_kmd(test, buf, 64, kIODirectionIn);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getFlags(md) &
			kIOMemoryDirectionMask, (UInt64)kIODirectionIn);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getFlags(NULL), 0ULL);
}

/*
 * One sub-range reused for every transfer, as drivers that keep a
 * sub-descriptor per command do: initSubRange(), then set it on the
 * command, generate, clear.  Each transfer's device view is the new
 * window; a sub-range that is prepared, or that a command holds, is not
 * re-targeted (false, nothing changes).
 */
static void dmacmd_test_sub_init_sub_range_reuse(struct kunit *test)
{
	static const struct { UInt64 off, len; } xfer[] = {
		{ 0, 512 }, { 3 * 512, 1024 }, { 5000, 100 }, { 0, 4 * PAGE_SIZE },
	};
	size_t len = 4 * PAGE_SIZE;
	u8 *buf = porting_vbuf(test, len, 27), *b2 = porting_kbuf(test, 300, 28);
	IOMemoryDescriptor *parent, *other;
	IOSubMemoryDescriptor *sub;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[8];
	unsigned int t, i;

	parent = porting_kmd(test, buf, len, kIODirectionOut);
	other = porting_kmd(test, b2, 300, kIODirectionOut);
	sub = porting_own_md(test,
			     IOSubMemoryDescriptor_withSubRange(other, 0, 300,
								kIODirectionOut));
	for (t = 0; t < ARRAY_SIZE(xfer); t++) {
		UInt64 offset = 0, covered = 0;
		UInt32 n = ARRAY_SIZE(segs);

		KUNIT_ASSERT_TRUE(test,
				  IOSubMemoryDescriptor_initSubRange(sub, parent,
								     xfer[t].off,
								     xfer[t].len,
								     kIODirectionOut));
		KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(sub),
				xfer[t].len);
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_setMemoryDescriptor(cmd, sub,
									true));
		/* Held by the command: not re-targeted. */
		KUNIT_EXPECT_FALSE(test,
				   IOSubMemoryDescriptor_initSubRange(sub, other,
								      0, 10,
								      kIODirectionOut));
		while (covered < xfer[t].len) {
			n = ARRAY_SIZE(segs);
			PORTING_ASSERT_SUCCESS(test,
					       IODMACommand_gen64IOVMSegments(cmd,
									      &offset,
									      segs,
									      &n));
			for (i = 0; i < n; i++) {
				porting_expect_device_sees(test, segs[i].fIOVMAddr,
							   segs[i].fLength,
							   buf + xfer[t].off +
							   covered);
				covered += segs[i].fLength;
			}
		}
		KUNIT_EXPECT_EQ(test, covered, xfer[t].len);
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_clearMemoryDescriptor(cmd,
									   true),
					kIOReturnSuccess);
	}

	/* Prepared: refused, and nothing changes. */
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(sub, kIODirectionNone));
	KUNIT_EXPECT_FALSE(test,
			   IOSubMemoryDescriptor_initSubRange(sub, other, 0, 10,
							      kIODirectionOut));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(sub), (u64)len);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(sub, kIODirectionNone),
				kIOReturnSuccess);
	/* Outside the parent: refused, the old window stays. */
	KUNIT_EXPECT_FALSE(test,
			   IOSubMemoryDescriptor_initSubRange(sub, other, 200,
							      101,
							      kIODirectionOut));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(sub), (u64)len);
	KUNIT_EXPECT_TRUE(test,
			  IOSubMemoryDescriptor_initSubRange(sub, other, 200, 100,
							     kIODirectionNone));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getDirection(sub),
			(u32)kIODirectionOut);
}

/*
 * An audio or firmware-loading driver's buffer: 8 MiB, physically
 * contiguous, below 4 GiB, allocated once, more than the page allocator's
 * largest block (4 MiB on x86-64).  One physical run; a command maps all
 * of it and the device sees what the CPU wrote, first page and last.
 */
static void dmacmd_test_buffer_contiguous_8m(struct kunit *test)
{
	const u64 size = SZ_8M;
	IOBufferMemoryDescriptor *bmd;
	IODMACommand *cmd = porting_cmd64(test, 0, 0);
	IODMACommand_Segment64 segs[8];
	IOByteCount seglen = 0;
	UInt64 offset = 0, covered = 0, phys;
	UInt32 n = ARRAY_SIZE(segs), i;
	u8 *cpu;

	if (!IS_ENABLED(CONFIG_CONTIG_ALLOC))
		kunit_skip(test, "kernel without CONFIG_CONTIG_ALLOC");
	bmd = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							      kIODirectionInOut |
							      kIOMemoryPhysicallyContiguous,
							      size,
							      0x00000000FFFFF000ULL);
	porting_own_md(test, bmd);
	phys = IOMemoryDescriptor_getPhysicalSegment(bmd, 0, &seglen,
						     kIOMemoryMapperNone);
	KUNIT_EXPECT_EQ(test, seglen, size);
	KUNIT_EXPECT_LE(test, phys + size - 1, 0xFFFFFFFFULL);
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(bmd);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	porting_fill(cpu, size, 29);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, bmd, true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, segs,
							      &n));
	for (i = 0; i < n; i++)
		covered += segs[i].fLength;
	KUNIT_ASSERT_EQ(test, covered, size);
	KUNIT_ASSERT_GE(test, segs[0].fLength, (u64)PAGE_SIZE);
	KUNIT_ASSERT_GE(test, segs[n - 1].fLength, (u64)PAGE_SIZE);
	porting_expect_device_sees(test, segs[0].fIOVMAddr, PAGE_SIZE, cpu);
	porting_expect_device_sees(test, segs[n - 1].fIOVMAddr +
				   segs[n - 1].fLength - PAGE_SIZE, PAGE_SIZE,
				   cpu + size - PAGE_SIZE);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_clearMemoryDescriptor(cmd, true),
				kIOReturnSuccess);
}

/*
 * A descriptor ring as Ethernet and USB drivers set it up: a contiguous
 * buffer below 4 GiB, a command set with auto-prepare, one 64-bit segment;
 * the device writes into it; teardown completes the descriptor before the
 * command is cleared.  Under swiotlb=force a device whose DMA is not
 * coherent gets the ring bounced (see nic_ring_without_synchronize): the
 * DMA API maps it an entry (at most the device's segment size) at a time,
 * each into its own swiotlb slots, so it may come in several segments;
 * the device's status arrives at the command's complete all the same.
 */
static void dmacmd_test_ring_flow_physical_mask(struct kunit *test)
{
	const u64 mask = 0x00000000FFFFF000ULL;
	const size_t size = 4 * PAGE_SIZE;
	IOBufferMemoryDescriptor *ring;
	IODMACommand_Segment64 segs[8] = {};
	UInt64 offset = 0, covered = 0;
	UInt32 n = ARRAY_SIZE(segs), i;
	IODMACommand *cmd;
	bool by_copy;
	u8 status[16];
	u8 *cpu;

	ring = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							       kIODirectionInOut |
							       kIOMemoryPhysicallyContiguous,
							       size, mask);
	porting_own_md(test, ring);
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(ring);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	porting_fill(cpu, size, 24);
	memset(status, 0xd7, sizeof(status));
	by_copy = dmacmd_kt_swiotlb_forced(porting_dev(test)) &&
		  !dev_is_dma_coherent(porting_dev(test));

	/* The driver's own reference, dropped by its teardown. */
	OSObject_retain(ring);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_prepare(ring,
							   kIODirectionNone),
				kIOReturnSuccess);
	cmd = IODMACommand_withSpecification(kIODMACommandOutputHost64, 64, 0,
					     IODMACommand_kMapped, 0, 1,
					     porting_dev(test), NULL);
	KUNIT_EXPECT_NOT_NULL(test, cmd);
	if (cmd) {
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_setMemoryDescriptor(cmd,
									 ring,
									 true),
					kIOReturnSuccess);
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_gen64IOVMSegments(cmd,
								       &offset,
								       segs,
								       &n),
					kIOReturnSuccess);
	} else {
		n = 0;
	}
	KUNIT_EXPECT_EQ(test, offset, (u64)size);
	if (!by_copy) {
		KUNIT_EXPECT_EQ(test, n, 1U);
		KUNIT_EXPECT_EQ(test, segs[0].len, (u64)size);
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, segs[i].addr & ~mask, 0ULL);
		KUNIT_EXPECT_LE(test, segs[i].addr + segs[i].len, 1ULL << 32);
		porting_expect_device_sees(test, segs[i].addr, segs[i].len,
					   cpu + covered);
		covered += segs[i].len;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)size);
	if (n && segs[0].len >= 64 + sizeof(status)) {
		u8 *dev_va = porting_device_va(test, segs[0].addr, segs[0].len);

		/* The device posts a status block into descriptor 4. */
		if (dev_va)
			memcpy(dev_va + 64, status, sizeof(status));
	} else {
		KUNIT_FAIL(test, "no first segment of %zu bytes to write the status into",
			   64 + sizeof(status));
	}

	/* Teardown: descriptor first, then the command. */
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(ring,
							    kIODirectionNone),
				kIOReturnSuccess);
	OSObject_release(ring);
	if (cmd) {
		PORTING_EXPECT_IORETURN(test,
					IODMACommand_clearMemoryDescriptor(cmd,
									   true),
					kIOReturnSuccess);
		OSObject_release(cmd);
	}
	KUNIT_EXPECT_EQ(test, memcmp(cpu + 64, status, sizeof(status)), 0);
}

/* DriverKit Create(): options, specification and the resulting command. */
static void dmacmd_test_driverkit_create(struct kunit *test)
{
	struct device *dev = porting_dev(test);
	IODMACommandSpecification spec = {
		.options = kIODMACommandSpecificationNoOptions,
		.maxAddressBits = 48,
	};
	IODMACommand *cmd = NULL;

	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(dev, 1, &spec, &cmd),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(dev, 0, NULL, &cmd),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(dev, 0, &spec, NULL),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(NULL, 0, &spec, &cmd),
				kIOReturnBadArgument);
	spec.options = 1;
	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(dev, 0, &spec, &cmd),
				kIOReturnBadArgument);
	spec.options = 0;
	spec.maxAddressBits = 256 + 48;
	PORTING_EXPECT_IORETURN(test, IODMACommand_Create(dev, 0, &spec, &cmd),
				kIOReturnBadArgument);
	KUNIT_EXPECT_NULL(test, cmd);

	spec.maxAddressBits = 48;
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_Create(dev,
						   kIODMACommandCreateNoOptions,
						   &spec, &cmd));
	porting_own_cmd(test, cmd);
	KUNIT_EXPECT_EQ(test, IODMACommand_getNumAddressBits(cmd), 48);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignment(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentLength(cmd), 1U);
	KUNIT_EXPECT_EQ(test, IODMACommand_getAlignmentInternalSegments(cmd), 1U);
}

static IODMACommand *porting_dk_cmd(struct kunit *test)
{
	IODMACommandSpecification spec = { .maxAddressBits = 64 };
	IODMACommand *cmd = NULL;

	PORTING_ASSERT_SUCCESS(test, IODMACommand_Create(porting_dev(test), 0,
							 &spec, &cmd));
	return porting_own_cmd(test, cmd);
}

/* PrepareForDMA() .. CompleteDMA() with GetPreparation and PerformOperation. */
static void dmacmd_test_driverkit_prepare_for_dma(struct kunit *test)
{
	const size_t size = 2 * PAGE_SIZE;
	IODMACommand *cmd = porting_dk_cmd(test);
	IOBufferMemoryDescriptor *md, *omd;
	IOMemoryDescriptor *data, *data2, *got = NULL;
	IOAddressSegment segs[32];
	u32 count = ARRAY_SIZE(segs), i;
	u64 flags = 0, off = 1, len = 0, covered = 0;
	u8 *cpu, *src = porting_kbuf(test, 100, 25);
	u8 *dst = porting_kbuf(test, 100, 0);
	u8 out[50], zero[50] = {};
	const u64 op_read = kIODMACommandPerformOperationOptionRead;
	const u64 op_write = kIODMACommandPerformOperationOptionWrite;
	const u64 op_zero = kIODMACommandPerformOperationOptionZero;

	md = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							     kIODirectionInOut |
							     kIOMemoryPhysicallyContiguous,
							     size, 0);
	porting_own_md(test, md);
	cpu = IOBufferMemoryDescriptor_getBytesNoCopy(md);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	porting_fill(cpu, size, 26);
	data = porting_kmd(test, src, 100, kIODirectionInOut);
	data2 = porting_kmd(test, dst, 100, kIODirectionInOut);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_GetPreparation(cmd, &off, &len, NULL),
				kIOReturnNotReady);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_PrepareForDMA(cmd,
							  kIODMACommandPrepareForDMANoOptions,
							  md, 0, 0, &flags,
							  &count, segs));
	KUNIT_EXPECT_EQ(test, flags,
			(u64)(kIOMemoryDirectionIn | kIOMemoryDirectionOut));
	KUNIT_EXPECT_GE(test, count, 1U);
	for (i = 0; i < count && i < ARRAY_SIZE(segs); i++) {
		porting_expect_device_sees(test, segs[i].address, segs[i].length,
					   cpu + covered);
		covered += segs[i].length;
	}
	KUNIT_EXPECT_EQ(test, covered, (u64)size);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_GetPreparation(cmd, &off, &len, &got),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, 0ULL);
	KUNIT_EXPECT_EQ(test, len, (u64)size);
	KUNIT_EXPECT_PTR_EQ(test, got, md);
	if (got)
		OSObject_release(got);

	/* CPU access to the mapping. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PerformOperation(cmd, op_write,
							      300, 50, 10, data),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 300, out, 50), 50ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, src + 10, 50), 0);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PerformOperation(cmd, op_read,
							      300, 50, 0, data2),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, memcmp(dst, src + 10, 50), 0);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PerformOperation(cmd, op_zero,
							      300, 50, 0, data),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, IODMACommand_readBytes(cmd, 300, out, 50), 50ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, zero, 50), 0);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PerformOperation(cmd, op_write,
							      0, 200, 0, data),
				kIOReturnBadArgument);

	PORTING_EXPECT_IORETURN(test,
				IODMACommand_CompleteDMA(cmd,
							 kIODMACommandCompleteDMANoOptions),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test, IODMACommand_CompleteDMA(cmd, 0),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_GetPreparation(cmd, NULL, NULL, NULL),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PerformOperation(cmd, op_read,
							      0, 10, 0, data2),
				kIOReturnNotReady);
	/* PrepareForDMA's prepare of the descriptor was undone too. */
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionNone),
				kIOReturnNotReady);

	/* Memory the device only reads reports only Out. */
	omd = porting_own_md(test,
			     IOBufferMemoryDescriptor_withCapacity(PAGE_SIZE,
								   kIODirectionOut,
								   false));
	count = ARRAY_SIZE(segs);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_PrepareForDMA(cmd, 0, omd, 0, 0, &flags,
							  &count, segs));
	KUNIT_EXPECT_EQ(test, flags, (u64)kIOMemoryDirectionOut);
	PORTING_EXPECT_IORETURN(test, IODMACommand_CompleteDMA(cmd, 0),
				kIOReturnSuccess);

	/* The flags are optional. */
	count = ARRAY_SIZE(segs);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 0, omd, 0, 0, NULL,
							   &count, segs),
				kIOReturnSuccess);
	KUNIT_EXPECT_GE(test, count, 1U);
	PORTING_EXPECT_IORETURN(test, IODMACommand_CompleteDMA(cmd, 0),
				kIOReturnSuccess);
}

/*
 * A dext that calls PrepareForDMA() again on the memory it prepared
 * re-prepares (xnu's PrepareForDMA_Impl completes the command first and
 * prepares anew), without a prepare of the memory left behind: one
 * CompleteDMA() undoes all.  Other memory while prepared is busy.
 */
static void dmacmd_test_driverkit_prepare_again(struct kunit *test)
{
	IODMACommand *cmd = porting_dk_cmd(test);
	IOMemoryDescriptor *md, *other;
	IOAddressSegment segs[32];
	u8 *buf = porting_kbuf(test, 3 * PAGE_SIZE, 27);
	u32 count = ARRAY_SIZE(segs);
	u64 flags = 0, off = 0, len = 0;

	md = porting_kmd(test, buf, 3 * PAGE_SIZE, kIODirectionInOut);
	other = porting_kmd(test, buf, PAGE_SIZE, kIODirectionOut);
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_PrepareForDMA(cmd, 0, md, 0, 0,
							  &flags, &count,
							  segs));
	count = ARRAY_SIZE(segs);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 0, other, 0, 0,
							   &flags, &count,
							   segs),
				kIOReturnBusy);
	count = ARRAY_SIZE(segs);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 0, md,
							   PAGE_SIZE, 0,
							   &flags, &count,
							   segs),
				kIOReturnSuccess);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_GetPreparation(cmd, &off, &len,
							    NULL),
				kIOReturnSuccess);
	KUNIT_EXPECT_EQ(test, off, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, len, (u64)(2 * PAGE_SIZE));
	PORTING_EXPECT_IORETURN(test, IODMACommand_CompleteDMA(cmd, 0),
				kIOReturnSuccess);
	/* Nothing of either PrepareForDMA() is left prepared. */
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md,
							    kIODirectionNone),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(other,
							    kIODirectionNone),
				kIOReturnNotReady);
}

/* PrepareForDMA() refuses, and never truncates a mapping silently. */
static void dmacmd_test_driverkit_prepare_for_dma_errors(struct kunit *test)
{
	IODMACommand *cmd = porting_dk_cmd(test);
	u8 *buf = porting_kbuf(test, 2 * PAGE_SIZE, 27);
	/*
	 * Two short pieces in swapped order: never one physical run, and
	 * swiotlb gives each its own slot, so never one DMA run either.
	 */
	IOAddressRange ranges[2] = {
		{ .address = (uintptr_t)buf + PAGE_SIZE + 50, .length = 100 },
		{ .address = (uintptr_t)buf + 10, .length = 100 },
	};
	IOAddressSegment segs[4];
	IOMemoryDescriptor *md;
	u64 flags = 0;
	u32 count = ARRAY_SIZE(segs), needed;

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRanges(ranges, 2,
								 kIODirectionOut,
								 kernel_task));
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 1, md, 0, 0, &flags,
							   &count, segs),
				kIOReturnBadArgument);
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 0, NULL, 0, 0,
							   &flags, &count, segs),
				kIOReturnBadArgument);

	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_PrepareForDMA(cmd, 0, md, 0, 0, &flags,
							  &count, segs));
	needed = count;
	PORTING_EXPECT_IORETURN(test, IODMACommand_CompleteDMA(cmd, 0),
				kIOReturnSuccess);
	if (needed < 2)
		kunit_skip(test, "the mapping coalesced into one segment");

	/* dmacmd: too few segments is an error (DriverKit truncates). */
	count = needed - 1;
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_PrepareForDMA(cmd, 0, md, 0, 0,
							   &flags, &count, segs),
				kIOReturnNoSpace);
	KUNIT_EXPECT_EQ(test, count, needed - 1);
	/* Nothing is left prepared, in the command or the descriptor. */
	PORTING_EXPECT_IORETURN(test,
				IODMACommand_GetPreparation(cmd, NULL, NULL, NULL),
				kIOReturnNotReady);
	PORTING_EXPECT_IORETURN(test,
				IOMemoryDescriptor_complete(md, kIODirectionNone),
				kIOReturnNotReady);
}

static struct kunit_case dmacmd_porting_cases[] = {
	KUNIT_CASE(dmacmd_test_errno_to_ioreturn_table),
	KUNIT_CASE(dmacmd_test_with_specification_defaults),
	KUNIT_CASE(dmacmd_test_with_specification_invalid),
	KUNIT_CASE(dmacmd_test_with_specification_options),
	KUNIT_CASE(dmacmd_test_weak_with_specification),
	KUNIT_CASE(dmacmd_test_refcon_get_set),
	KUNIT_CASE(dmacmd_test_clone_command_exact_spec),
	KUNIT_CASE(dmacmd_test_retain_release_generic),
	KUNIT_CASE(dmacmd_test_release_while_prepared),
	KUNIT_CASE(dmacmd_test_set_memory_busy_and_clear),
	KUNIT_CASE(dmacmd_test_prepare_errors),
	KUNIT_CASE(dmacmd_test_prepare_zero_length_from_offset),
	KUNIT_CASE(dmacmd_test_with_refcon_prepare_with_specification),
	KUNIT_CASE(dmacmd_test_synchronize),
	KUNIT_CASE(dmacmd_test_mapping_types),
	KUNIT_CASE(dmacmd_test_gen_segments_errors),
	KUNIT_CASE_PARAM(dmacmd_test_gen_segments_loop,
			 porting_loop_gen_params),
	KUNIT_CASE(dmacmd_test_gen_segments_driver_cursor),
	KUNIT_CASE(dmacmd_test_gen_segments_custom_function),
	KUNIT_CASE(dmacmd_test_output_functions_encoding),
	KUNIT_CASE(dmacmd_test_gen32_host32_below_4g),
	KUNIT_CASE(dmacmd_test_iterate_only_host32_page),
	KUNIT_CASE(dmacmd_test_usb_throwaway_command),
	KUNIT_CASE(dmacmd_test_nic_ring_without_synchronize),
	KUNIT_CASE(dmacmd_test_cmd_read_write_bytes),
	KUNIT_CASE(dmacmd_test_md_kernel_range),
	KUNIT_CASE(dmacmd_test_md_physical_range),
	KUNIT_CASE(dmacmd_test_md_user_range),
	KUNIT_CASE(dmacmd_test_md_address_ranges),
	KUNIT_CASE(dmacmd_test_md_sub_and_multi),
	KUNIT_CASE(dmacmd_test_md_zero_length),
	KUNIT_CASE(dmacmd_test_md_direction_none_derived),
	KUNIT_CASE(dmacmd_test_buffer_constructors),
	KUNIT_CASE(dmacmd_test_buffer_pageable_task_null),
	KUNIT_CASE(dmacmd_test_buffer_set_length),
	KUNIT_CASE_SLOW(dmacmd_test_buffer_contiguous_8m),
	KUNIT_CASE(dmacmd_test_md_get_flags),
	KUNIT_CASE(dmacmd_test_sub_init_sub_range_reuse),
	KUNIT_CASE(dmacmd_test_ring_flow_physical_mask),
	KUNIT_CASE(dmacmd_test_driverkit_create),
	KUNIT_CASE(dmacmd_test_driverkit_prepare_for_dma),
	KUNIT_CASE(dmacmd_test_driverkit_prepare_again),
	KUNIT_CASE(dmacmd_test_driverkit_prepare_for_dma_errors),
	{}
};

static struct kunit_suite dmacmd_porting_suite = {
	.name = "dmacmd_porting",
	.init = porting_init,
	.test_cases = dmacmd_porting_cases,
};

kunit_test_suites(&dmacmd_porting_suite);
