/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd porting headers: IOMemoryDescriptor and its subclasses
 * (IOBufferMemoryDescriptor, IOSubMemoryDescriptor, IOMultiMemoryDescriptor)
 * as static inline wrappers over the native struct dmacmd_md API.
 *
 * Spelling: IOMemoryDescriptor::withAddressRange(...) becomes
 * IOMemoryDescriptor_withAddressRange(...), md->getLength() becomes
 * IOMemoryDescriptor_getLength(md), with every argument explicit.  All four
 * classes are the one type struct dmacmd_md, so a subclass pointer goes
 * wherever IOKit takes an IOMemoryDescriptor.  Constructors return NULL on
 * failure, as IOKit's do; what a wrapper refuses itself is logged as
 * dmacmd logs misuse.  See Documentation/iokit-mapping.rst.
 */
#ifndef _DMACMD_IOKIT_IOMEMORYDESCRIPTOR_H
#define _DMACMD_IOKIT_IOMEMORYDESCRIPTOR_H

#include <linux/dma-direction.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/types.h>
#include <linux/dmacmd.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>

/* Options the buffer constructors accept; any other bit is refused. */
#define DMACMD_IOKIT_BUFFER_OPTIONS					\
	(kIOMemoryDirectionMask | kIOMemoryPhysicallyContiguous |	\
	 kIOMemoryHostPhysicallyContiguous | kIOMapCacheMask |		\
	 kIOMemoryMapperNone | kIOMemoryThreadSafe | kIOMemoryPageable |	\
	 kIOMemoryKernelUserShared)

/* Options the other descriptor constructors accept. */
#define DMACMD_IOKIT_MD_OPTIONS						\
	(kIOMemoryDirectionMask | kIOMemoryAsReference |		\
	 kIOMemoryThreadSafe)

/* Helpers of the wrappers below; not part of the IOKit spelling. */
static inline enum dma_data_direction dmacmd_iokit_dma_dir(IOOptionBits dir)
{
	switch (dir & kIODirectionOutIn) {
	case kIODirectionIn:
		return DMA_FROM_DEVICE;
	case kIODirectionOut:
		return DMA_TO_DEVICE;
	default:
		/* IOKit treats None as both ways when copying. */
		return DMA_BIDIRECTIONAL;
	}
}

/*
 * For a sub-range or a concatenation, kIODirectionNone asks for the
 * direction of what it covers (DMA_NONE in the native API).
 */
static inline enum dma_data_direction dmacmd_iokit_dma_dir_of(IOOptionBits dir)
{
	if (!(dir & kIODirectionOutIn))
		return DMA_NONE;
	return dmacmd_iokit_dma_dir(dir);
}

static inline IODirection dmacmd_iokit_io_dir(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_FROM_DEVICE:
		return kIODirectionIn;
	case DMA_TO_DEVICE:
		return kIODirectionOut;
	case DMA_BIDIRECTIONAL:
		return kIODirectionInOut;
	default:
		return kIODirectionNone;
	}
}

static inline IOMemoryDescriptor *dmacmd_iokit_md(struct dmacmd_md *md)
{
	return IS_ERR(md) ? NULL : md;
}

/* Constructors. */

/**
 * IOMemoryDescriptor_withAddressRange() - Describe one range of an address space
 * @address: start of the range
 * @length: length in bytes
 * @options: a kIODirection* value, optionally or'ed with kIOMemoryAsReference
 *	or kIOMemoryThreadSafe (both without effect)
 * @task: kernel_task (kernel virtual address), current_task() (user address
 *	of the caller, pinned by IOMemoryDescriptor_prepare()) or NULL (CPU
 *	physical address)
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOMemoryDescriptor *
IOMemoryDescriptor_withAddressRange(mach_vm_address_t address,
				    mach_vm_size_t length, IOOptionBits options,
				    task_t task)
{
	enum dma_data_direction dir = dmacmd_iokit_dma_dir(options);

	if (options & ~DMACMD_IOKIT_MD_OPTIONS) {
		dmacmd_iokit_misuse("withAddressRange: options %#x\n", options);
		return NULL;
	}
	if (!task)
		return dmacmd_iokit_md(dmacmd_md_from_phys(address, length,
							   dir));
	if (task == kernel_task)
		return dmacmd_iokit_md(dmacmd_md_from_kva((void *)(uintptr_t)address,
							  length, dir));
	if (task == current_task())
		return dmacmd_iokit_md(dmacmd_md_from_user(address, length,
							   dir));
	dmacmd_iokit_misuse("withAddressRange: another process's memory\n");
	return NULL;
}

/**
 * IOMemoryDescriptor_withAddressRanges() - Describe several ranges of one space
 * @ranges: array of @rangeCount ranges (copied; need not outlive the call)
 * @rangeCount: number of ranges
 * @options: as for IOMemoryDescriptor_withAddressRange()
 * @task: kernel_task, current_task() or NULL, as there
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOMemoryDescriptor *
IOMemoryDescriptor_withAddressRanges(IOAddressRange *ranges,
				     UInt32 rangeCount, IOOptionBits options,
				     task_t task)
{
	enum dmacmd_addr_space space;

	if (options & ~DMACMD_IOKIT_MD_OPTIONS) {
		dmacmd_iokit_misuse("withAddressRanges: options %#x\n", options);
		return NULL;
	}
	if (!task) {
		space = DMACMD_ADDR_PHYS;
	} else if (task == kernel_task) {
		space = DMACMD_ADDR_KERNEL;
	} else if (task == current_task()) {
		space = DMACMD_ADDR_USER;
	} else {
		dmacmd_iokit_misuse("withAddressRanges: another process's memory\n");
		return NULL;
	}
	return dmacmd_iokit_md(dmacmd_md_from_ranges((const struct dmacmd_range *)ranges,
						     rangeCount,
						     dmacmd_iokit_dma_dir(options),
						     space));
}

/**
 * IOMemoryDescriptor_withAddress() - Describe a kernel virtual range
 * @address: kernel virtual address (linear map or vmalloc)
 * @withLength: length in bytes
 * @withDirection: a kIODirection* value
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOMemoryDescriptor *
IOMemoryDescriptor_withAddress(void *address, IOByteCount withLength,
			       IODirection withDirection)
{
	return dmacmd_iokit_md(dmacmd_md_from_kva(address, withLength,
						  dmacmd_iokit_dma_dir(withDirection)));
}

/**
 * IOMemoryDescriptor_withPhysicalAddress() - Describe a CPU physical range
 * @address: CPU physical address
 * @withLength: length in bytes
 * @withDirection: a kIODirection* value
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOMemoryDescriptor *
IOMemoryDescriptor_withPhysicalAddress(IOPhysicalAddress address,
				       IOByteCount withLength,
				       IODirection withDirection)
{
	return dmacmd_iokit_md(dmacmd_md_from_phys(address, withLength,
						   dmacmd_iokit_dma_dir(withDirection)));
}

/**
 * IOSubMemoryDescriptor_withSubRange() - Describe part of another descriptor
 * @of: the parent descriptor (it gains a reference)
 * @offset: start within @of
 * @length: length in bytes (0 gives an empty descriptor)
 * @options: a kIODirection* value; kIODirectionNone takes @of's direction
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOSubMemoryDescriptor *
IOSubMemoryDescriptor_withSubRange(IOMemoryDescriptor *of, IOByteCount offset,
				   IOByteCount length, IOOptionBits options)
{
	if (options & ~DMACMD_IOKIT_MD_OPTIONS) {
		dmacmd_iokit_misuse("withSubRange: options %#x\n", options);
		return NULL;
	}
	return dmacmd_iokit_md(dmacmd_md_sub(of, offset, length,
					     dmacmd_iokit_dma_dir_of(options)));
}

/**
 * IOSubMemoryDescriptor_initSubRange() - Point a sub-range elsewhere
 * @md: a sub-range made by IOSubMemoryDescriptor_withSubRange()
 * @parent: the descriptor to cover from now on (it gains a reference; the
 *	old parent loses one)
 * @offset: start within @parent
 * @length: length in bytes (0 gives an empty descriptor)
 * @withDirection: a kIODirection* value; kIODirectionNone takes @parent's
 *	direction
 *
 * For drivers that keep one sub-range per transfer.  IOKit's
 * OSTypeAlloc() + initSubRange() for a new object is
 * IOSubMemoryDescriptor_withSubRange().  A sub-range that is prepared or
 * that anything else holds (a command, a sub-range or concatenation over
 * it) is not moved.
 *
 * Context: Process context; may sleep.
 * Return: true if @md now covers the new range; false (nothing changed,
 * logged) if not.
 */
static inline bool
IOSubMemoryDescriptor_initSubRange(IOSubMemoryDescriptor *md,
				   IOMemoryDescriptor *parent,
				   IOByteCount offset, IOByteCount length,
				   IODirection withDirection)
{
	if (withDirection & ~kIODirectionOutIn) {
		dmacmd_iokit_misuse("initSubRange: direction %#x\n",
				    withDirection);
		return false;
	}
	return !dmacmd_md_sub_retarget(md, parent, offset, length,
				       dmacmd_iokit_dma_dir_of(withDirection));
}

/**
 * IOMultiMemoryDescriptor_withDescriptors() - Concatenate descriptors
 * @descriptors: array of @withCount descriptors (each gains a reference;
 *	the array itself is copied); may be NULL when @withCount is 0
 * @withCount: number of descriptors (0 gives an empty descriptor)
 * @withDirection: a kIODirection* value; kIODirectionNone takes the
 *	descriptors' direction (kIODirectionInOut if they differ, refused if
 *	one of them is kIODirectionOut)
 * @asReference: ignored: the array is always copied
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOMultiMemoryDescriptor *
IOMultiMemoryDescriptor_withDescriptors(IOMemoryDescriptor **descriptors,
					UInt32 withCount,
					IODirection withDirection,
					bool asReference)
{
	(void)asReference;
	return dmacmd_iokit_md(dmacmd_md_multi(descriptors, withCount,
					       dmacmd_iokit_dma_dir_of(withDirection)));
}

/**
 * IOBufferMemoryDescriptor_inTaskWithPhysicalMask() - Allocate a DMA buffer
 * @inTask: kernel_task, or TASK_NULL with kIOMemoryPageable (IOKit's
 *	kernel pageable memory); buffers of a process are not supported
 * @options: a kIODirection* value or'ed with kIOMemoryPhysicallyContiguous
 *	or kIOMemoryHostPhysicallyContiguous (both give CPU-contiguous
 *	memory), and optionally a kIOMap*Cache mode, kIOMemoryMapperNone,
 *	kIOMemoryThreadSafe, kIOMemoryPageable or kIOMemoryKernelUserShared
 *	(accepted; the buffer is always wired and page aligned); any other
 *	bit is refused
 * @capacity: size in bytes
 * @physicalMask: every byte lies at an address within this mask, and the
 *	buffer is aligned to its lowest set bit (0 means no restriction)
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOBufferMemoryDescriptor *
IOBufferMemoryDescriptor_inTaskWithPhysicalMask(task_t inTask,
						IOOptionBits options,
						mach_vm_size_t capacity,
						mach_vm_address_t physicalMask)
{
	u32 flags = 0;

	/* IOKit: a buffer outside kernel_task must be pageable. */
	if (!inTask && (options & kIOMemoryPageable))
		inTask = kernel_task;
	if (inTask != kernel_task || (options & ~DMACMD_IOKIT_BUFFER_OPTIONS)) {
		dmacmd_iokit_misuse("inTaskWithPhysicalMask: %s\n",
				    !inTask ? "TASK_NULL without kIOMemoryPageable" :
				    inTask != kernel_task ?
				    "a task other than kernel_task" :
				    "unknown options");
		return NULL;
	}
	if (options & (kIOMemoryPhysicallyContiguous |
		       kIOMemoryHostPhysicallyContiguous))
		flags |= DMACMD_MD_CONTIGUOUS;
	return dmacmd_iokit_md(dmacmd_md_alloc(capacity, physicalMask, flags,
					       dmacmd_iokit_dma_dir(options)));
}

/**
 * IOBufferMemoryDescriptor_inTaskWithOptions() - Allocate an aligned buffer
 * @inTask: as for IOBufferMemoryDescriptor_inTaskWithPhysicalMask()
 * @options: as for IOBufferMemoryDescriptor_inTaskWithPhysicalMask()
 * @capacity: size in bytes
 * @alignment: alignment in bytes (a power of two; 0 means 1; IOKit's
 *	default argument is 1)
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL, also for an
 * @alignment that is not a power of two (logged).
 */
static inline IOBufferMemoryDescriptor *
IOBufferMemoryDescriptor_inTaskWithOptions(task_t inTask, IOOptionBits options,
					   vm_size_t capacity,
					   vm_offset_t alignment)
{
	u64 mask = alignment ? ~((u64)alignment - 1) : ~0ULL;

	/* The mask's lowest bit would silently align to less. */
	if (alignment & (alignment - 1)) {
		dmacmd_iokit_misuse("inTaskWithOptions: alignment %#lx is not a power of two\n",
				    alignment);
		return NULL;
	}

	return IOBufferMemoryDescriptor_inTaskWithPhysicalMask(inTask, options,
							       capacity, mask);
}

/**
 * IOBufferMemoryDescriptor_withOptions() - Allocate a kernel buffer
 * @options: as for IOBufferMemoryDescriptor_inTaskWithPhysicalMask()
 * @capacity: size in bytes
 * @alignment: as for IOBufferMemoryDescriptor_inTaskWithOptions() (IOKit's
 *	default argument is 1)
 *
 * IOKit's inTaskWithOptions() in kernel_task.
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOBufferMemoryDescriptor *
IOBufferMemoryDescriptor_withOptions(IOOptionBits options, vm_size_t capacity,
				     vm_offset_t alignment)
{
	return IOBufferMemoryDescriptor_inTaskWithOptions(kernel_task, options,
							  capacity, alignment);
}

/**
 * IOBufferMemoryDescriptor_withCapacity() - Allocate a buffer
 * @capacity: size in bytes
 * @withDirection: a kIODirection* value
 * @withContiguousMemory: physically contiguous if true, and then aligned to
 *	@capacity rounded up to a power of two, as IOKit aligns it to
 *	@capacity (IOKit's default argument is false)
 *
 * Context: Process context; may sleep.
 * Return: the new descriptor (one reference) or NULL.
 */
static inline IOBufferMemoryDescriptor *
IOBufferMemoryDescriptor_withCapacity(vm_size_t capacity,
				      IODirection withDirection,
				      bool withContiguousMemory)
{
	IOOptionBits options = withDirection & kIODirectionOutIn;
	mach_vm_address_t mask = 0;

	if (withContiguousMemory) {
		options |= kIOMemoryPhysicallyContiguous;
		if (capacity && capacity <= (1UL << (BITS_PER_LONG - 1)))
			mask = ~((u64)roundup_pow_of_two(capacity) - 1);
	}
	return IOBufferMemoryDescriptor_inTaskWithPhysicalMask(kernel_task,
							       options,
							       capacity, mask);
}

/**
 * IOBufferMemoryDescriptor_setLength() - Change how much of a buffer is described
 * @md: a buffer descriptor
 * @length: the new length, at most the capacity
 *
 * A @length above the capacity is ignored, as IOKit ignores it (and logged).
 * Unlike IOKit, a buffer that a command, sub-range or concatenation holds,
 * or whose device mapping is kept, keeps its length (logged): their view
 * of it would change under them.  Set the length before attaching it.
 *
 * Context: Process context; may sleep.
 */
static inline void
IOBufferMemoryDescriptor_setLength(IOBufferMemoryDescriptor *md,
				   vm_size_t length)
{
	dmacmd_md_set_length(md, length);
}

/**
 * IOBufferMemoryDescriptor_getBytesNoCopy() - The CPU's address of a buffer
 * @md: a buffer descriptor
 *
 * Context: Any context.
 * Return: the kernel virtual address of the buffer's first byte.
 */
static inline void *
IOBufferMemoryDescriptor_getBytesNoCopy(IOBufferMemoryDescriptor *md)
{
	return dmacmd_md_kaddr(md);
}

/* Queries. */

static inline IOByteCount
IOMemoryDescriptor_getLength(const IOMemoryDescriptor *md)
{
	return dmacmd_md_length(md);
}

static inline IODirection
IOMemoryDescriptor_getDirection(const IOMemoryDescriptor *md)
{
	return dmacmd_iokit_io_dir(dmacmd_md_direction(md));
}

/**
 * IOMemoryDescriptor_getFlags() - The descriptor's option bits
 * @md: the descriptor
 *
 * Context: Any context.
 * Return: its direction bits (as IOMemoryDescriptor_getDirection()) and
 * kIOMemoryThreadSafe (every dmacmd descriptor is); 0 for NULL.
 */
static inline UInt64 IOMemoryDescriptor_getFlags(const IOMemoryDescriptor *md)
{
	if (IS_ERR_OR_NULL(md))
		return 0;
	return IOMemoryDescriptor_getDirection(md) | kIOMemoryThreadSafe;
}

/**
 * IOMemoryDescriptor_prepare() - Make the memory resident for DMA
 * @md: the descriptor
 * @forDirection: kIODirectionNone or a kIODirection* value (the
 *	descriptor's own direction always applies), optionally or'ed with
 *	kIODirectionPrepareNoZeroFill (no effect)
 *
 * Pins user pages; nests, each call needing an IOMemoryDescriptor_complete().
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess or the translated error.
 */
static inline IOReturn IOMemoryDescriptor_prepare(IOMemoryDescriptor *md,
						  IODirection forDirection)
{
	if (forDirection & ~(kIODirectionOutIn | kIODirectionPrepareNoZeroFill)) {
		dmacmd_iokit_misuse("prepare: direction %#x\n", forDirection);
		return kIOReturnBadArgument;
	}
	return dmacmd_errno_to_ioreturn(dmacmd_md_prepare(md));
}

/**
 * IOMemoryDescriptor_complete() - Undo one IOMemoryDescriptor_prepare()
 * @md: the descriptor
 * @forDirection: kIODirectionNone or a kIODirection* value, optionally
 *	or'ed with kIODirectionCompleteWithDataValid (no effect)
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess, kIOReturnNotReady if not prepared.
 */
static inline IOReturn IOMemoryDescriptor_complete(IOMemoryDescriptor *md,
						   IODirection forDirection)
{
	if (forDirection & ~(kIODirectionOutIn |
			     kIODirectionCompleteWithDataValid)) {
		dmacmd_iokit_misuse("complete: direction %#x\n", forDirection);
		return kIOReturnBadArgument;
	}
	return dmacmd_errno_to_ioreturn(dmacmd_md_complete(md));
}

/**
 * IOMemoryDescriptor_readBytes() - Copy bytes out of the described memory
 * @md: the descriptor
 * @offset: offset within @md
 * @bytes: destination
 * @withLength: bytes to copy
 *
 * Context: Process context for user memory, else any context.
 * Return: the number of bytes copied (0 at or past the end).
 */
static inline IOByteCount IOMemoryDescriptor_readBytes(IOMemoryDescriptor *md,
						       IOByteCount offset,
						       void *bytes,
						       IOByteCount withLength)
{
	return dmacmd_md_read(md, offset, bytes, withLength);
}

/**
 * IOMemoryDescriptor_writeBytes() - Copy bytes into the described memory
 * @md: the descriptor
 * @offset: offset within @md
 * @bytes: source
 * @withLength: bytes to copy
 *
 * Context: Process context for user memory, else any context.
 * Return: the number of bytes copied (0 at or past the end).
 */
static inline IOByteCount IOMemoryDescriptor_writeBytes(IOMemoryDescriptor *md,
							IOByteCount offset,
							const void *bytes,
							IOByteCount withLength)
{
	return dmacmd_md_write(md, offset, bytes, withLength);
}

/**
 * IOMemoryDescriptor_getPhysicalSegment() - CPU physical run at an offset
 * @md: the descriptor
 * @offset: offset within @md
 * @length: if not NULL, set to the bytes physically contiguous from there
 * @options: kIOMemoryMapperNone or 0; the result is always a CPU physical
 *	address, never an IOMMU address (use an IODMACommand for those)
 *
 * Context: Any context for prepared memory.
 * Return: the CPU physical address, or 0 (with *@length 0) past the end.
 */
static inline IOPhysicalAddress64
IOMemoryDescriptor_getPhysicalSegment(IOMemoryDescriptor *md,
				      IOByteCount offset, IOByteCount *length,
				      IOOptionBits options)
{
	u64 len = 0;
	phys_addr_t phys = dmacmd_md_phys_segment(md, offset, &len);

	(void)options;
	if (length)
		*length = len;
	return phys;
}

#endif /* _DMACMD_IOKIT_IOMEMORYDESCRIPTOR_H */
