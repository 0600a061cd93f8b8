// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmacmd_conformance: xnu's own tests of IOMemoryDescriptor
 * and IODMACommand, run against dmacmd.
 *
 * Apple tests its descriptors and commands in
 * iokit/Tests/TestIOMemoryDescriptor.cpp (apple-oss-distributions/xnu).
 * Each case below restates one of those tests in C through the porting
 * headers (include/dmacmd/IOKit/), calling the API as the xnu test does,
 * with its sizes, offsets and expected values, and is named after the xnu
 * function it comes from.  Nothing of Apple's code or comments is copied:
 * the calls, constants and expected values are facts of the API.
 *
 * Where xnu looks at its memory through a kernel mapping
 * (createMappingInTask(), map()), which dmacmd does not provide, the case
 * looks through readBytes() and through the device: an IODMACommand maps
 * the same range and the bytes at its segments are read as the device
 * would (through the IOMMU's page table for the edu device in the iommu
 * boot, the swiotlb slot under swiotlb=force).  kIOMemoryRemote, which
 * dmacmd does not define, is dropped: physical ranges outside RAM stand
 * for remote memory.  kIOMemoryPageable with TASK_NULL is passed as xnu
 * passes it (dmacmd's buffers are wired all the same).
 *
 * xnu test (TestIOMemoryDescriptor.cpp)   case here, or why not
 * -------------------------------------   ------------------------------
 * IOMultMemoryDescriptorTest              xnu_IOMultMemoryDescriptorTest
 *                                         (getDMAMapLength() derived from
 *                                         getPhysicalSegment(); the kernel
 *                                         map becomes readBytes()),
 *                                         xnu_IOMultMemoryDescriptorTest_device
 *                                         (the device's view, through a
 *                                         kIODirectionOut concatenation:
 *                                         Linux maps memory the device may
 *                                         write only once at a time)
 * IODMACommandForceDoubleBufferTest       xnu_IODMACommandForceDoubleBufferTest
 * IODMACommandLocalMappedNonContig         xnu_IODMACommandLocalMappedNonContig
 *   (__unused in xnu)                     (iommu boot only, as xnu needs a
 *                                         mapper)
 * IOMemoryRemoteTest                      xnu_IOMemoryRemoteTest (descriptor),
 *                                         xnu_IOMemoryRemoteTest_iterate
 *                                         (kUnmapped | kIterateOnly command)
 * IOMemoryPrefaultTest                    not restated: user-task buffer,
 *                                         map(kIOMapPrefault)
 * IOBMDOverflowTest                       xnu_IOBMDOverflowTest
 * IOBMDSetLengthMapTest                   xnu_IOBMDSetLengthMapTest (the
 *                                         user map becomes a
 *                                         whole-descriptor prepare)
 * ZeroLengthTest                          xnu_ZeroLengthTest
 * BadFixedAllocTest                       not restated: fixed-address
 *                                         createMappingInTask()
 * IODirectionPrepareNoZeroFillTest        xnu_IODirectionPrepareNoZeroFillTest
 * IOMemoryMapTest(0), from                xnu_IOMemoryMapTest (the read-only
 *   IOMemoryMapCopyOnWriteTest            map becomes prepare + readBytes)
 * IOMemoryMapTest(kIOMemoryMapCopyOnWrite)  not restated: copy-on-write maps
 * AllocationNameTest                      xnu_AllocationNameTest (release
 *                                         while prepared; the allocation
 *                                         name accounting is not restated)
 * IOGuardPageMDTest                       not restated: guard-page
 *                                         descriptors and mappings
 * IOMDContextTest                         not restated: setContext() /
 *                                         copyContext()
 * IOMemoryDescriptorTest, window loop     xnu_IOMemoryDescriptorTest, one
 *                                         parameter per source descriptor
 *                                         (64), every window checked
 * IOMemoryDescriptorTest #if 0, 5         xnu_IOMemoryDescriptorTest_spec_walk
 * IOMemoryDescriptorTest #if 0, 6, 4, 3   not restated: disabled in xnu, and
 *                                         need createMappingInTask(),
 *                                         dmaMap() with a named mapper,
 *                                         IOMemoryMap::redirect()
 *
 * The cases not restated are listed by xnu_not_restated, one skipped
 * parameter each with its reason.  No test of the file allocates a
 * large contiguous buffer, so issue 14 item 8 has no case here.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>

#include "iokit_util.h"
#include "util.h"

/* xnu's ptoa(): bytes in @n pages. */
#define PTOA(n)		((u64)(n) << PAGE_SHIFT)

/*
 * The command xnu's tests make most: 64-bit addresses, no segment or
 * transfer limit, kMapped, for @dev; owned by the test.
 */
static IODMACommand *conform_cmd64(struct kunit *test, struct device *dev)
{
	return porting_own_cmd(test,
			       IODMACommand_withSpecification(kIODMACommandOutputHost64,
							      64, 0,
							      IODMACommand_kMapped,
							      0, 1, dev, NULL));
}

/*
 * The device xnu's system mapper stands for: the edu PCI device where it
 * sits behind a translating IOMMU (the iommu boot), else a fake device
 * with a 64-bit mask (direct mapping, or swiotlb=force).
 */
static struct device *conform_dev(struct kunit *test)
{
	struct device *dev = dmacmd_kt_edu_dev(test);

	if (dev && dmacmd_kt_translated(dev)) {
		dmacmd_kt_set_mask(test, dev, 64);
		return dev;
	}
	return dmacmd_kt_fake_dev(test, 64);
}

/*
 * xnu's getDMAMapLength(): the bytes of whole pages an IOMMU mapping of
 * all of @md spans, and in *@offset the first byte's offset in its page.
 * The porting headers have no such call; this derives it from the
 * physical segments, which gives xnu's numbers when @md describes its
 * memory correctly.
 */
static u64 conform_dma_map_length(IOMemoryDescriptor *md, u64 *offset)
{
	IOByteCount off = 0, len;
	IOPhysicalAddress64 pa;
	u64 span = 0;

	*offset = 0;
	for (;;) {
		pa = IOMemoryDescriptor_getPhysicalSegment(md, off, &len, 0);
		if (!len)
			break;
		if (!off)
			*offset = offset_in_page(pa);
		span += PAGE_ALIGN(pa + len) - (pa & PAGE_MASK);
		off += len;
	}
	return span;
}

/*
 * Map @len bytes of @md from @offset for @dev with a plain 64-bit kMapped
 * command and copy what the device reads there into @buf.
 */
static void conform_device_reads(struct kunit *test, struct device *dev,
				 IOMemoryDescriptor *md, u64 offset, u64 len,
				 void *buf)
{
	struct dmacmd_kt_segs s = {};
	IODMACommand *cmd;

	cmd = conform_cmd64(test, dev);
	PORTING_ASSERT_SUCCESS(test, IODMACommand_setMemoryDescriptor(cmd, md,
								      false));
	PORTING_ASSERT_SUCCESS(test, IODMACommand_prepare(cmd, offset, len,
							  true, true));
	dmacmd_kt_gen_all(test, cmd, &s, 16);
	KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, buf, len, false),
			0);
	PORTING_EXPECT_SUCCESS(test, IODMACommand_clearMemoryDescriptor(cmd,
									true));
	porting_put_cmd(test, cmd);
}

/* ---- IOMultMemoryDescriptorTest ---- */

/* Page k of the data holds the byte 0xd0 | k throughout. */
static u8 *conform_mult_data(struct kunit *test)
{
	u8 *data = dmacmd_kt_vmalloc(test, PTOA(8));
	u64 i;

	for (i = 0; i < PTOA(8); i++)
		data[i] = 0xd0 | (i >> PAGE_SHIFT);
	return data;
}

/*
 * xnu's three descriptors over @data: the two halves swapped (data pages
 * 4-7, then 0-3), its pages 3 and 4 (data pages 7 and 0) and its page 7
 * (data page 3); and the multi-descriptor of all three, eleven pages:
 * data pages 4-7, 0-3, 7, 0, 3.  @mds are the test's until released.
 */
static IOMultiMemoryDescriptor *conform_mult_md(struct kunit *test, u8 *data,
						IOMemoryDescriptor *mds[3])
{
	IOAddressRange ranges[2];

	ranges[0].address = (uintptr_t)data + PTOA(4);
	ranges[0].length = PTOA(4);
	ranges[1].address = (uintptr_t)data;
	ranges[1].length = PTOA(4);
	mds[0] = porting_own_md(test,
				IOMemoryDescriptor_withAddressRanges(&ranges[0], 2,
								     kIODirectionOutIn,
								     kernel_task));
	mds[1] = porting_own_md(test,
				IOSubMemoryDescriptor_withSubRange(mds[0], PTOA(3),
								   PTOA(2),
								   kIODirectionOutIn));
	mds[2] = porting_own_md(test,
				IOSubMemoryDescriptor_withSubRange(mds[0], PTOA(7),
								   PTOA(1),
								   kIODirectionOutIn));
	return porting_own_md(test,
			      IOMultiMemoryDescriptor_withDescriptors(&mds[0], 3,
								      kIODirectionOutIn,
								      false));
}

/* xnu maps the multi-descriptor's last four pages: data pages 3, 7, 0, 3. */
static const u8 conform_mult_want[4] = { 0xd3, 0xd7, 0xd0, 0xd3 };

static void conform_mult_check(struct kunit *test, const u8 *buf,
			       const char *how)
{
	u64 i;

	for (i = 0; i < PTOA(4); i++)
		if (buf[i] != conform_mult_want[i >> PAGE_SHIFT]) {
			KUNIT_FAIL(test, "%s: byte %#llx is %#x, want %#x", how,
				   i, buf[i], conform_mult_want[i >> PAGE_SHIFT]);
			return;
		}
}

/*
 * The page spans xnu's getDMAMapLength() gives for single ranges, the
 * swapped halves, a sub-range and the multi-descriptor, and the bytes of
 * the multi-descriptor's last four pages (xnu: a kernel map from page 7;
 * here readBytes()).
 */
static void xnu_IOMultMemoryDescriptorTest(struct kunit *test)
{
	u8 *data = conform_mult_data(test);
	IOMultiMemoryDescriptor *mmd;
	IOMemoryDescriptor *mds[3];
	u64 dma_off;
	u8 *buf;

	/* Two bytes at a page start span one page. */
	mds[0] = porting_own_md(test,
				IOMemoryDescriptor_withAddressRange((uintptr_t)data,
								    2,
								    kIODirectionOutIn,
								    kernel_task));
	KUNIT_EXPECT_EQ(test, conform_dma_map_length(mds[0], &dma_off),
			PTOA(1));
	KUNIT_EXPECT_EQ(test, dma_off, 0);
	porting_put_md(test, mds[0]);

	/* Four bytes across a page boundary span two. */
	mds[0] = porting_own_md(test,
				IOMemoryDescriptor_withAddressRange((uintptr_t)data +
								    PAGE_SIZE - 2,
								    4,
								    kIODirectionOutIn,
								    kernel_task));
	KUNIT_EXPECT_EQ(test, conform_dma_map_length(mds[0], &dma_off),
			PTOA(2));
	KUNIT_EXPECT_EQ(test, dma_off, PAGE_SIZE - 2);
	porting_put_md(test, mds[0]);

	mmd = conform_mult_md(test, data, mds);
	KUNIT_EXPECT_EQ(test, conform_dma_map_length(mds[0], &dma_off),
			PTOA(8));
	KUNIT_EXPECT_EQ(test, dma_off, 0);
	KUNIT_EXPECT_EQ(test, conform_dma_map_length(mds[1], &dma_off),
			PTOA(2));
	KUNIT_EXPECT_EQ(test, dma_off, 0);
	KUNIT_EXPECT_EQ(test, conform_dma_map_length(mmd, &dma_off), PTOA(11));
	KUNIT_EXPECT_EQ(test, dma_off, 0);
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(mmd), PTOA(11));

	/* The multi-descriptor keeps what it is made of. */
	porting_put_md(test, mds[2]);
	porting_put_md(test, mds[1]);
	porting_put_md(test, mds[0]);

	buf = dmacmd_kt_vmalloc(test, PTOA(4));
	KUNIT_EXPECT_EQ(test,
			IOMemoryDescriptor_readBytes(mmd, PTOA(7), buf, PTOA(4)),
			PTOA(4));
	conform_mult_check(test, buf, "readBytes");
}

/*
 * The same four pages as the device sees them through a kMapped command
 * over that range.  Data page 3 is in the range twice.  Linux's DMA API
 * does not allow memory the device may write to be mapped twice at once
 * (DMA-API debug reports "overlapping mappings aren't supported"), so
 * where xnu's OutIn concatenation is only read by the device, the device
 * reads one made kIODirectionOut over the same children, as a Linux port
 * must.
 */
static void xnu_IOMultMemoryDescriptorTest_device(struct kunit *test)
{
	struct device *dev = conform_dev(test);
	IOMultiMemoryDescriptor *mmd;
	IOMemoryDescriptor *mds[3];
	u8 *buf;

	mmd = conform_mult_md(test, conform_mult_data(test), mds);
	porting_put_md(test, mmd);
	mmd = porting_own_md(test,
			     IOMultiMemoryDescriptor_withDescriptors(&mds[0], 3,
								     kIODirectionOut,
								     false));
	porting_put_md(test, mds[2]);
	porting_put_md(test, mds[1]);
	porting_put_md(test, mds[0]);
	buf = dmacmd_kt_vmalloc(test, PTOA(4));
	conform_device_reads(test, dev, mmd, PTOA(7), PTOA(4), buf);
	conform_mult_check(test, buf, "device");
}

/* ---- IODMACommandForceDoubleBufferTest ---- */

/*
 * xnu's 128 KiB maximum transfer holds the 8-page buffer of its
 * double-buffer test with its pages (ptoa(8) is 32 KiB with 4 KiB pages,
 * 128 KiB with Apple silicon's 16 KiB); with larger ones (64 KiB on
 * arm64) the limit grows to the eight pages, or the test could not prepare
 * its buffer at all.
 */
#define CONFORM_MAX_TRANSFER	(PTOA(8) > SZ_128K ? PTOA(8) : SZ_128K)

/* The command xnu's double-buffer and remote tests make: 8 KiB segments. */
static const IODMACommand_SegmentOptions conform_opts_8k = {
	.fStructSize = sizeof(conform_opts_8k),
	.fNumAddressBits = 64,
	.fMaxSegmentSize = 0x2000,
	.fMaxTransferSize = CONFORM_MAX_TRANSFER,
	.fAlignment = 1,
	.fAlignmentLength = 1,
	.fAlignmentInternalSegments = 1,
};

/*
 * For each of In, Out and InOut: an 8-page buffer, a kMapped command with
 * 8 KiB segments, synchronize(kForceDoubleBuffer | kIODirectionOut), and
 * the device writes the first word of the first segment.  The buffer
 * keeps what the CPU wrote until the command completes, which brings the
 * device's word home.
 */
static void xnu_IODMACommandForceDoubleBufferTest(struct kunit *test)
{
	struct device *dev = conform_dev(test);
	IODirection dir;

	for (dir = kIODirectionIn; dir <= kIODirectionInOut; dir++) {
		IOBufferMemoryDescriptor *bmd;
		IODMACommand_Segment64 seg[1];
		UInt64 offset = 0, dma_off;
		UInt32 nseg = 1;
		IODMACommand *cmd;
		u32 *word, v;

		kunit_info(test, "direction %u", dir);
		bmd = porting_own_md(test,
				     IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
										dir,
										PTOA(8),
										1));
		KUNIT_EXPECT_EQ(test, conform_dma_map_length(bmd, &dma_off),
				PTOA(8));
		KUNIT_EXPECT_EQ(test, dma_off, 0);

		word = IOBufferMemoryDescriptor_getBytesNoCopy(bmd);
		word[0] = 0x53535300 | dir;
		PORTING_ASSERT_SUCCESS(test, IOMemoryDescriptor_prepare(bmd, dir));

		cmd = IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
							    &conform_opts_8k,
							    kIODMAMapOptionMapped,
							    dev, NULL);
		porting_own_cmd(test, cmd);
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_setMemoryDescriptor(cmd, bmd,
									true));
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_synchronize(cmd,
								IODMACommand_kForceDoubleBuffer |
								kIODirectionOut));
		/* Forced: all of it is in the copy buffer now. */
		KUNIT_EXPECT_EQ(test, dmacmd_bounced_bytes(cmd), PTOA(8));

		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_gen64IOVMSegments(cmd, &offset,
								      seg, &nseg));
		KUNIT_EXPECT_EQ(test, nseg, 1);

		if (dir & kIODirectionOut) {
			KUNIT_EXPECT_EQ(test, word[0], 0x53535300 | dir);
			/* xnu's forced re-prepare copies the memory out. */
			v = 0;
			KUNIT_EXPECT_EQ(test,
					dmacmd_kt_dev_access(dev, seg[0].fIOVMAddr,
							     &v, sizeof(v), false),
					0);
			KUNIT_EXPECT_EQ(test, v, 0x53535300 | dir);
		}
		if (dir & kIODirectionIn) {
			/* xnu's IOMappedWrite32() to the segment. */
			v = 0x11223300 | dir;
			KUNIT_EXPECT_EQ(test,
					dmacmd_kt_dev_access(dev, seg[0].fIOVMAddr,
							     &v, sizeof(v), true),
					0);
		}

		PORTING_EXPECT_SUCCESS(test,
				       IODMACommand_clearMemoryDescriptor(cmd,
									  true));
		porting_put_cmd(test, cmd);
		PORTING_EXPECT_SUCCESS(test,
				       IOMemoryDescriptor_complete(bmd, dir));

		if (dir & kIODirectionIn)
			KUNIT_EXPECT_EQ(test, word[0], 0x11223300 | dir);
		porting_put_md(test, bmd);
	}
}

/* ---- IODMACommandLocalMappedNonContig ---- */

/*
 * Two pages' worth from 0xa00 into memory whose pages are not physically
 * contiguous (xnu splits its VM entries; vmalloc pages are scattered),
 * mapped for a device behind an IOMMU: the first segment is the device's
 * address for the memory, not the CPU's.
 */
static void xnu_IODMACommandLocalMappedNonContig(struct kunit *test)
{
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 64,
		.fMaxSegmentSize = 128 * 1024,
		.fMaxTransferSize = 128 * 1024,
		.fAlignment = 1,
		.fAlignmentLength = 1,
		.fAlignmentInternalSegments = 1,
	};
	struct dmacmd_kt_segs s = {};
	IODMACommand_Segment64 seg[1];
	UInt64 offset = 0, seg_phys;
	UInt32 nseg = 1;
	IOMemoryDescriptor *md;
	struct device *dev;
	IODMACommand *cmd;
	u8 *buffer, *back;

	dev = conform_dev(test);
	if (!dmacmd_kt_translated(dev))
		kunit_skip(test,
			   "no IOMMU in this boot: xnu's test returns without a system mapper");

	buffer = dmacmd_kt_vmalloc(test, PTOA(4));
	dmacmd_kt_fill(buffer, PTOA(4), 34322778, 0);
	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRange((uintptr_t)buffer +
								0xa00, 0x2000,
								kIODirectionOutIn,
								kernel_task));
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(md, kIODirectionOutIn));
	seg_phys = IOMemoryDescriptor_getPhysicalSegment(md, 0, NULL, 0);

	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
								    &opts,
								    kIODMAMapOptionMapped,
								    dev, NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_gen64IOVMSegments(cmd, &offset, seg,
							      &nseg));
	KUNIT_EXPECT_EQ(test, nseg, 1);
	KUNIT_EXPECT_NE_MSG(test, seg[0].fIOVMAddr, seg_phys,
			    "segment 0x%llx is the CPU physical address",
			    seg[0].fIOVMAddr);

	/* And the device reads the memory there. */
	back = kunit_kzalloc(test, 0x2000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, back);
	dmacmd_kt_gen_all(test, cmd, &s, 4);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, back, 0x2000,
						 false), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(back, 0x2000, 34322778, 0xa00),
			U64_MAX);

	PORTING_EXPECT_SUCCESS(test,
			       IODMACommand_clearMemoryDescriptor(cmd, true));
	porting_put_cmd(test, cmd);
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(md, kIODirectionOutIn));
	porting_put_md(test, md);
}

/* ---- IOMemoryRemoteTest ---- */

/*
 * Memory that is not this machine's RAM.  xnu marks it kIOMemoryRemote;
 * dmacmd has no such flag, and describes it as physical ranges that no
 * struct page backs, handed out as they are.
 */
static IOAddressRange conform_remote_ranges[2] = {
	{ 0x1234567890123456ULL, 0x1000 },
	{ 0x5432109876543210ULL, 0x2000 },
};

static IOMemoryDescriptor *conform_remote_md(struct kunit *test)
{
	IOMemoryDescriptor *md;

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRanges(conform_remote_ranges,
								 2,
								 kIODirectionOutIn,
								 NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(md, kIODirectionOutIn));
	return md;
}

/* The descriptor's physical segments are the two ranges, exactly. */
static void xnu_IOMemoryRemoteTest(struct kunit *test)
{
	IOMemoryDescriptor *md = conform_remote_md(test);
	IOByteCount offset, length;
	IOPhysicalAddress64 addr;
	u32 idx;

	/* xnu logs the flags (and whether kIOMemoryRemote is among them). */
	kunit_info(test, "flags %#llx", (u64)IOMemoryDescriptor_getFlags(md));
	for (offset = 0, idx = 0; ; offset += length, idx++) {
		addr = IOMemoryDescriptor_getPhysicalSegment(md, offset,
							     &length, 0);
		if (!length)
			break;
		KUNIT_ASSERT_LT(test, idx, 2);
		KUNIT_EXPECT_EQ(test, addr, conform_remote_ranges[idx].address);
		KUNIT_EXPECT_EQ(test, length, conform_remote_ranges[idx].length);
	}
	KUNIT_EXPECT_EQ(test, offset, IOMemoryDescriptor_getLength(md));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(md, kIODirectionOutIn));
}

/*
 * A kUnmapped | kIterateOnly command with no mapper walks the same
 * memory: one segment per range, the addresses as given.
 */
static void xnu_IOMemoryRemoteTest_iterate(struct kunit *test)
{
	IODMACommand_Segment64 seg[1];
	IOMemoryDescriptor *md;
	IODMACommand *cmd;
	UInt64 dma_off;
	UInt32 nseg;
	u32 idx;

	md = conform_remote_md(test);
	cmd = porting_own_cmd(test,
			      IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
								    &conform_opts_8k,
								    kIODMAMapOptionUnmapped |
								    kIODMAMapOptionIterateOnly,
								    NULL, NULL));
	PORTING_ASSERT_SUCCESS(test,
			       IODMACommand_setMemoryDescriptor(cmd, md, true));
	for (dma_off = 0, idx = 0; dma_off < IOMemoryDescriptor_getLength(md);
	     idx++) {
		nseg = 1;
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_gen64IOVMSegments(cmd, &dma_off,
								      seg, &nseg));
		KUNIT_EXPECT_EQ(test, nseg, 1);
		KUNIT_ASSERT_LT(test, idx, 2);
		KUNIT_EXPECT_EQ(test, seg[0].fIOVMAddr,
				conform_remote_ranges[idx].address);
		KUNIT_EXPECT_EQ(test, seg[0].fLength,
				conform_remote_ranges[idx].length);
	}
	KUNIT_EXPECT_EQ(test, dma_off, IOMemoryDescriptor_getLength(md));
	PORTING_EXPECT_SUCCESS(test,
			       IODMACommand_clearMemoryDescriptor(cmd, true));
	porting_put_cmd(test, cmd);
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(md, kIODirectionOutIn));
}

/* ---- IOBMDOverflowTest ---- */

/* A capacity of 2^64 - 1 bytes overflows with any alignment: no buffer. */
static void xnu_IOBMDOverflowTest(struct kunit *test)
{
	IOBufferMemoryDescriptor *bmd;

	bmd = IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							      kIODirectionOut,
							      0xffffffffffffffffULL,
							      0);
	KUNIT_EXPECT_NULL(test, bmd);
	if (bmd)
		IOMemoryDescriptor_release(bmd);
}

/* ---- IOBMDSetLengthMapTest ---- */

/*
 * A 16 KiB buffer shortened to 0x100, then lengthened to 0x200 bytes:
 * each time the whole buffer can be mapped, and the mapping is as long as
 * the buffer now is.  xnu maps it into the calling task; here a command
 * prepares all of it (length 0) for the device.  xnu's options say
 * kIOMemoryDirectionOutIn, the same value as kIODirectionOutIn.
 */
static void xnu_IOBMDSetLengthMapTest(struct kunit *test)
{
	static const IOByteCount lengths[] = { 0x100, 0x200 };
	struct device *dev = conform_dev(test);
	IOBufferMemoryDescriptor *bmd;
	UInt64 off, len;
	IODMACommand *cmd;
	unsigned int i;

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task,
									kIODirectionOutIn |
									kIOMemoryKernelUserShared,
									0x4000,
									0x4000));
	cmd = conform_cmd64(test, dev);
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		IOBufferMemoryDescriptor_setLength(bmd, lengths[i]);
		KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(bmd),
				lengths[i]);
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_setMemoryDescriptor(cmd, bmd,
									true));
		PORTING_EXPECT_SUCCESS(test,
				       IODMACommand_getPreparedOffsetAndLength(cmd,
									       &off,
									       &len));
		KUNIT_EXPECT_EQ(test, off, 0);
		KUNIT_EXPECT_EQ(test, len, lengths[i]);
		PORTING_EXPECT_SUCCESS(test,
				       IODMACommand_clearMemoryDescriptor(cmd,
									  true));
	}
}

/* ---- ZeroLengthTest ---- */

/*
 * An empty range at address 0 of the calling process, direction None:
 * the descriptor exists, and prepare() and complete() work on it.  xnu
 * asserts only the first; its prepare() and complete() succeed too.
 */
static void xnu_ZeroLengthTest(struct kunit *test)
{
	struct dmacmd_kt_counts before, after;
	IOMemoryDescriptor *md;

	/* xnu's caller is a process: give the test's kthread memory too. */
	dmacmd_kt_user_map(test, PAGE_SIZE, PROT_READ | PROT_WRITE);
	dmacmd_kt_counts_read(&before);

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRange(0, 0,
								kIODirectionNone,
								current_task()));
	KUNIT_EXPECT_EQ(test, IOMemoryDescriptor_getLength(md), 0);
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(md, kIODirectionNone));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(md, kIODirectionNone));
	porting_put_md(test, md);

	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after,
			       "a zero-length descriptor's life");
}

/* ---- IODirectionPrepareNoZeroFillTest ---- */

/*
 * A 24-page buffer for the device to fill, prepared once promising that
 * the device overwrites every byte and once plainly, then completed once
 * saying the data is valid and once plainly.  xnu asserts only that it
 * does not panic; each call succeeds there.
 */
static void xnu_IODirectionPrepareNoZeroFillTest(struct kunit *test)
{
	IOBufferMemoryDescriptor *bmd;

	bmd = porting_own_md(test,
			     IOBufferMemoryDescriptor_inTaskWithOptions(TASK_NULL,
									kIODirectionIn |
									kIOMemoryPageable,
									PTOA(24),
									1));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(bmd, kIODirectionIn |
							  kIODirectionPrepareNoZeroFill));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(bmd, kIODirectionIn));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(bmd, kIODirectionIn |
							   kIODirectionCompleteWithDataValid));
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(bmd, kIODirectionIn));
	porting_put_md(test, bmd);
}

/* ---- IOMemoryMapCopyOnWriteTest: IOMemoryMapTest(0) ---- */

/*
 * A process's buffer, described from 0x800 in for 0x4018 bytes, holds
 * 0x11.., 0x22.., 0x33.., 0x44.. at 0, 0x1000, 0x2000 and 0x3000.  Seen
 * through the descriptor (xnu: a read-only kernel map; here readBytes()
 * of the prepared descriptor) those bytes are there, and a later write
 * by the process shows too: the descriptor is the process's memory, not
 * a copy of it.
 */
static void xnu_IOMemoryMapTest(struct kunit *test)
{
	static const u32 before[4] = {
		0x11111111, 0x22222222, 0x33333333, 0x44444444
	};
	static const u8 after[4] = { 0x11, 0x22, 0x99, 0x44 };
	unsigned long p;
	IOMemoryDescriptor *md;
	unsigned int i;
	u32 data;
	u8 b;

	p = dmacmd_kt_user_map(test, 0x4018 + 0x800, PROT_READ | PROT_WRITE);
	p += 0x800;
	for (i = 0; i < ARRAY_SIZE(before); i++)
		KUNIT_ASSERT_EQ(test,
				copy_to_user((void __user *)(p + i * 0x1000),
					     &before[i], sizeof(before[i])), 0);

	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRange(p, 0x4018,
								kIODirectionOut,
								current_task()));
	PORTING_ASSERT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(md, kIODirectionNone));
	for (i = 0; i < ARRAY_SIZE(before); i++) {
		b = 0;
		KUNIT_EXPECT_EQ(test,
				IOMemoryDescriptor_readBytes(md, i * 0x1000, &b, 1),
				1);
		KUNIT_EXPECT_EQ(test, b, (u8)before[i]);
	}

	data = 0x99999999;
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(p + 0x2000), &data,
					   sizeof(data)), 0);
	for (i = 0; i < ARRAY_SIZE(after); i++) {
		b = 0;
		KUNIT_EXPECT_EQ(test,
				IOMemoryDescriptor_readBytes(md, i * 0x1000, &b, 1),
				1);
		KUNIT_EXPECT_EQ_MSG(test, b, after[i], "at %#x", i * 0x1000);
	}
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_complete(md, kIODirectionNone));
}

/* ---- AllocationNameTest ---- */

/*
 * A 13-page buffer, prepared, then released while still prepared: the
 * release completes it and nothing stays behind.  xnu runs this under an
 * allocation name for its memory accounting, which Linux does not have.
 */
static void xnu_AllocationNameTest(struct kunit *test)
{
	struct dmacmd_kt_counts before, after;
	IOBufferMemoryDescriptor *bmd;

	dmacmd_kt_counts_read(&before);
	bmd = IOBufferMemoryDescriptor_inTaskWithOptions(TASK_NULL,
							 kIODirectionOutIn |
							 kIOMemoryPageable |
							 kIOMemoryKernelUserShared,
							 PTOA(13), 1);
	KUNIT_ASSERT_NOT_NULL(test, bmd);
	PORTING_EXPECT_SUCCESS(test,
			       IOMemoryDescriptor_prepare(bmd, kIODirectionNone));
	IOMemoryDescriptor_release(bmd);
	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after,
			       "a buffer released while prepared");
}

/* ---- IOMemoryDescriptorTest: the window loop ---- */

/*
 * 16 MiB of kernel memory whose 32-bit word i holds i.  Each parameter is
 * one source descriptor over part of it (xnu's two outer loops); the case
 * checks every window of it (the two inner loops).
 */
#define CONFORM_SRC_BYTES	SZ_16M
#define CONFORM_SRC_MAX		80

struct conform_src {
	u64 offset;
	u64 size;
};

static struct conform_src conform_srcs[CONFORM_SRC_MAX];
static unsigned int conform_nsrcs;
static u32 *conform_src_data;

static void conform_srcs_init(void)
{
	u64 off, size;

	conform_nsrcs = 0;
	for (off = 0; off < CONFORM_SRC_BYTES; off = (off << 2) + 0x40c)
		for (size = 4; size < CONFORM_SRC_BYTES - off - 1;
		     size = (size << 2) + 0x3fc)
			if (conform_nsrcs < CONFORM_SRC_MAX)
				conform_srcs[conform_nsrcs++] =
					(struct conform_src){ off, size };
}

static const void *conform_src_gen(const void *prev, char *desc)
{
	const struct conform_src *src = prev;
	unsigned int i;

	if (!src) {
		conform_srcs_init();
		i = 0;
	} else {
		i = src - conform_srcs + 1;
	}
	if (i >= conform_nsrcs)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "source %#llx bytes at %#llx",
		 conform_srcs[i].size, conform_srcs[i].offset);
	return &conform_srcs[i];
}

/*
 * Every word of the @len bytes @how read at @off must be @first + its
 * index; the test stops at the first that is not.
 */
static void conform_assert_words(struct kunit *test, const u32 *w, u64 len,
				 u32 first, const char *how, u64 off)
{
	u64 i, n = len / sizeof(*w);

	for (i = 0; i < n; i++)
		if (w[i] != first + (u32)i)
			break;
	KUNIT_ASSERT_EQ_MSG(test, i, n, "%s of %#llx at %#llx: word at %#llx is %#x",
			    how, len, off, i * sizeof(*w), i < n ? w[i] : 0);
}

/*
 * The source descriptor: one range, or for more than five pages three
 * adjacent ranges of 7634, 9870 and the remaining bytes.  (xnu has a
 * third layout, the first two pages swapped, for sizes of three to five
 * pages at a page-aligned offset; none of its sizes is one with 4 KiB
 * pages.)  Then, for each window, the CPU reads it with readBytes() of
 * the prepared descriptor (xnu reads it that way too, and through a
 * kernel map of the window), and the device reads it through a command
 * prepared over the window: word i of a window at w bytes into the
 * source is (source offset + w) / 4 + i.
 */
static void xnu_IOMemoryDescriptorTest(struct kunit *test)
{
	const struct conform_src *src = test->param_value;
	struct device *dev = conform_dev(test);
	u64 mapoffset, size, nwin = 0;
	IOAddressRange ranges[3] = {};
	struct dmacmd_kt_segs s = {};
	IOMemoryDescriptor *md;
	u32 count = 1, first;
	IODMACommand *cmd;
	u32 *buf;

	KUNIT_ASSERT_NOT_NULL(test, conform_src_data);
	ranges[0].address = (uintptr_t)conform_src_data + src->offset;
	ranges[0].length = src->size;
	if (src->size > PTOA(5)) {
		ranges[0].length = 7634;
		ranges[1].length = 9870;
		ranges[2].length = src->size - 7634 - 9870;
		ranges[1].address = ranges[0].address + ranges[0].length;
		ranges[2].address = ranges[1].address + ranges[1].length;
		count = 3;
	}
	md = porting_own_md(test,
			    IOMemoryDescriptor_withAddressRanges(ranges, count,
								 kIODirectionInOut,
								 kernel_task));
	cmd = conform_cmd64(test, dev);
	PORTING_ASSERT_SUCCESS(test, IODMACommand_setMemoryDescriptor(cmd, md,
								      false));
	buf = dmacmd_kt_vmalloc(test, src->size);

	for (mapoffset = 0; mapoffset < src->size;
	     mapoffset = (mapoffset << 1) + 0xf00) {
		for (size = 4; size < src->size - mapoffset - 1;
		     size = (size << 2) + 0x200) {
			first = (src->offset + mapoffset) / sizeof(u32);
			nwin++;

			PORTING_ASSERT_SUCCESS(test,
					       IOMemoryDescriptor_prepare(md,
									  kIODirectionNone));
			memset(buf, 0, size);
			KUNIT_ASSERT_EQ(test,
					IOMemoryDescriptor_readBytes(md, mapoffset,
								     buf, size),
					size);
			conform_assert_words(test, buf, size, first,
					     "readBytes", mapoffset);

			PORTING_ASSERT_SUCCESS(test,
					       IODMACommand_prepare(cmd, mapoffset,
								    size, true,
								    true));
			dmacmd_kt_gen_all(test, cmd, &s, 64);
			KUNIT_ASSERT_TRUE(test, dmacmd_kt_segs_ok(test, cmd,
								  &s));
			memset(buf, 0, size);
			KUNIT_ASSERT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, buf,
								 size, false),
					0);
			conform_assert_words(test, buf, size, first,
					     "device read", mapoffset);
			PORTING_ASSERT_SUCCESS(test,
					       IODMACommand_complete(cmd, false,
								     false));
			PORTING_ASSERT_SUCCESS(test,
					       IOMemoryDescriptor_complete(md,
									   kIODirectionNone));
		}
	}
	PORTING_EXPECT_SUCCESS(test,
			       IODMACommand_clearMemoryDescriptor(cmd, true));
	kunit_info(test, "%llu windows", nwin);
}

/* ---- IOMemoryDescriptorTest #if 0, newValue 5 ---- */

/*
 * Disabled in xnu, kept because it is dmacmd's subject: a spec with 4 KiB
 * segments, 4-byte address and length alignment and page-aligned internal
 * segments walks three descriptors one segment at a time, each call
 * giving one segment.  xnu describes its own code; here a kernel buffer
 * at an address of the same kind (16-byte aligned, inside a page).
 */
static void xnu_IOMemoryDescriptorTest_spec_walk(struct kunit *test)
{
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = 64,
		.fMaxSegmentSize = 4096,
		.fMaxTransferSize = 128 * 1024,
		.fAlignment = 4,
		.fAlignmentLength = 4,
		.fAlignmentInternalSegments = 0x1000,
	};
	static const u32 counts[3] = { 1, 2, 2 };
	struct device *dev = conform_dev(test);
	IOAddressRange ranges[3][2];
	u8 *mem, *cpu, *seen;
	IOMemoryDescriptor *md;
	IODMACommand *cmd;
	mach_vm_address_t a;
	unsigned int t;

	mem = dmacmd_kt_vmalloc(test, PTOA(5));
	dmacmd_kt_fill(mem, PTOA(5), 5, 0);
	a = (uintptr_t)mem + 0x7c0;
	ranges[0][0] = (IOAddressRange){ a, 0x2ffc };
	ranges[0][1] = (IOAddressRange){ 0, 0 };
	ranges[1][0] = (IOAddressRange){ a, 0x10 };
	ranges[1][1] = (IOAddressRange){ a + 0x3000, 0xff0 };
	ranges[2][0] = (IOAddressRange){ a, 0x2ffc };
	ranges[2][1] = (IOAddressRange){ a & PAGE_MASK, 0x800 };
	cpu = dmacmd_kt_vmalloc(test, 0x3800);
	seen = dmacmd_kt_vmalloc(test, 0x3800);

	for (t = 0; t < ARRAY_SIZE(counts); t++) {
		struct dmacmd_kt_segs s = {};
		u64 len;

		kunit_info(test, "descriptor %u", t);
		md = porting_own_md(test,
				    IOMemoryDescriptor_withAddressRanges(ranges[t],
									 counts[t],
									 kIODirectionOut,
									 kernel_task));
		len = IOMemoryDescriptor_getLength(md);
		PORTING_ASSERT_SUCCESS(test,
				       IOMemoryDescriptor_prepare(md,
								  kIODirectionNone));
		cmd = IODMACommand_withSpecificationOptions(kIODMACommandOutputHost64,
							    &opts,
							    IODMACommand_kMapped,
							    dev, NULL);
		porting_own_cmd(test, cmd);
		PORTING_ASSERT_SUCCESS(test,
				       IODMACommand_setMemoryDescriptor(cmd, md,
									true));
		/* One segment per call, every call a success. */
		dmacmd_kt_gen_all(test, cmd, &s, 1);
		KUNIT_EXPECT_TRUE(test, dmacmd_kt_segs_ok(test, cmd, &s));
		KUNIT_ASSERT_EQ(test,
				IOMemoryDescriptor_readBytes(md, 0, cpu, len),
				len);
		KUNIT_EXPECT_EQ(test, dmacmd_kt_dev_copy(dev, &s, 0, seen, len,
							 false), 0);
		KUNIT_EXPECT_EQ(test, memcmp(seen, cpu, len), 0);
		PORTING_EXPECT_SUCCESS(test,
				       IODMACommand_clearMemoryDescriptor(cmd,
									  true));
		porting_put_cmd(test, cmd);
		PORTING_EXPECT_SUCCESS(test,
				       IOMemoryDescriptor_complete(md,
								   kIODirectionNone));
		porting_put_md(test, md);
	}
}

/* ---- The tests not restated ---- */

struct conform_skip {
	const char *xnu;
	const char *why;
};

static const struct conform_skip conform_skips[] = {
	{ "IOMemoryPrefaultTest",
	  "user-task buffer, map(kIOMapPrefault): buffers are kernel_task's, no map()" },
	{ "BadFixedAllocTest",
	  "createMappingInTask() at a fixed address of a task-less buffer: not provided" },
	{ "IOMemoryMapTest(kIOMemoryMapCopyOnWrite)",
	  "copy-on-write maps: kIOMemoryMapCopyOnWrite and map() are not provided" },
	{ "IOGuardPageMDTest",
	  "IOGuardPageMemoryDescriptor, inTaskWithGuardPages(), guarded maps: not provided" },
	{ "IOMDContextTest",
	  "setContext() and copyContext() with OSObjects are not provided" },
	{ "IOMemoryDescriptorTest #if 0, newValue 6",
	  "disabled in xnu; a nested multi-descriptor's createMappingInTask()" },
	{ "IOMemoryDescriptorTest #if 0, newValue 4",
	  "disabled in xnu; dmaMap() with a named device's IOMapper (isp)" },
	{ "IOMemoryDescriptorTest #if 0, newValue 3",
	  "disabled in xnu; IOMemoryMap::redirect(), not provided" },
};

static void conform_skip_desc(const struct conform_skip *s, char *desc)
{
	strscpy(desc, s->xnu, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(conform_skip, conform_skips, conform_skip_desc);

static void xnu_not_restated(struct kunit *test)
{
	const struct conform_skip *s = test->param_value;

	kunit_skip(test, "not restated: %s", s->why);
}

static int conform_suite_init(struct kunit_suite *suite)
{
	u32 i;

	conform_src_data = vmalloc(CONFORM_SRC_BYTES);
	if (!conform_src_data)
		return -ENOMEM;
	for (i = 0; i < CONFORM_SRC_BYTES / sizeof(u32); i++)
		conform_src_data[i] = i;
	return 0;
}

static void conform_suite_exit(struct kunit_suite *suite)
{
	vfree(conform_src_data);
	conform_src_data = NULL;
}

static struct kunit_case dmacmd_conformance_cases[] = {
	KUNIT_CASE(xnu_IOMultMemoryDescriptorTest),
	KUNIT_CASE(xnu_IOMultMemoryDescriptorTest_device),
	KUNIT_CASE(xnu_IODMACommandForceDoubleBufferTest),
	KUNIT_CASE(xnu_IODMACommandLocalMappedNonContig),
	KUNIT_CASE(xnu_IOMemoryRemoteTest),
	KUNIT_CASE(xnu_IOMemoryRemoteTest_iterate),
	KUNIT_CASE(xnu_IOBMDOverflowTest),
	KUNIT_CASE(xnu_IOBMDSetLengthMapTest),
	KUNIT_CASE(xnu_ZeroLengthTest),
	KUNIT_CASE(xnu_IODirectionPrepareNoZeroFillTest),
	KUNIT_CASE(xnu_IOMemoryMapTest),
	KUNIT_CASE(xnu_AllocationNameTest),
	KUNIT_CASE_PARAM_ATTR(xnu_IOMemoryDescriptorTest, conform_src_gen,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(xnu_IOMemoryDescriptorTest_spec_walk),
	KUNIT_CASE_PARAM(xnu_not_restated, conform_skip_gen_params),
	{}
};

static struct kunit_suite dmacmd_conformance_suite = {
	.name = "dmacmd_conformance",
	.suite_init = conform_suite_init,
	.suite_exit = conform_suite_exit,
	.test_cases = dmacmd_conformance_cases,
};

kunit_test_suites(&dmacmd_conformance_suite);
