/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd porting headers: the scalar types, address ranges, tasks and
 * direction / memory option bits that IOKit DMA code uses, with IOKit's
 * names and numeric values (LP64 sizes).
 */
#ifndef _DMACMD_IOKIT_IOTYPES_H
#define _DMACMD_IOKIT_IOTYPES_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/sched.h>
#include <linux/dmacmd.h>

#include <dmacmd/IOKit/IOReturn.h>

typedef u8 UInt8;
typedef u16 UInt16;
typedef u32 UInt32;
typedef u64 UInt64;
typedef s8 SInt8;
typedef s16 SInt16;
typedef s32 SInt32;
typedef s64 SInt64;

typedef UInt32 IOOptionBits;
typedef UInt32 IOItemCount;
typedef UInt64 IOByteCount;
typedef UInt64 IOPhysicalAddress;
typedef UInt64 IOPhysicalAddress64;
typedef UInt64 IOPhysicalLength;
typedef UInt64 IOPhysicalLength64;
typedef UInt64 mach_vm_address_t;
typedef UInt64 mach_vm_size_t;
typedef unsigned long vm_offset_t;
typedef unsigned long vm_size_t;
typedef mach_vm_address_t IOVirtualAddress;
typedef UInt64 addr64_t;
typedef UInt32 IOPhysicalAddress32;

/*
 * One range of an address space, IOKit's field names.  Layout-identical to
 * struct dmacmd_range, so an array of these is handed to the native API
 * as it is.
 */
typedef struct IOAddressRange {
	mach_vm_address_t address;
	mach_vm_size_t length;
} IOAddressRange;

static_assert(sizeof(IOAddressRange) == sizeof(struct dmacmd_range));
static_assert(offsetof(IOAddressRange, address) ==
	      offsetof(struct dmacmd_range, addr));
static_assert(offsetof(IOAddressRange, length) ==
	      offsetof(struct dmacmd_range, len));

/*
 * Address spaces.  kernel_task names kernel virtual addresses (linear map
 * or vmalloc), current_task() the calling process's user addresses, and a
 * NULL task physical addresses.  No other task is supported.  Linux has no
 * task for the kernel's address space: kernel_task is a value no
 * task_struct pointer takes, which the wrappers turn into
 * %DMACMD_ADDR_KERNEL.
 */
typedef struct task_struct *task_t;
#define TASK_NULL			((task_t)NULL)
#define kernel_task			((task_t)-1L)
#define current_task()			(current)

/* IODirection: In = the device writes memory, Out = the device reads it. */
typedef IOOptionBits IODirection;
enum {
	kIODirectionNone		= 0x0,
	kIODirectionIn			= 0x1,
	kIODirectionOut			= 0x2,
	kIODirectionOutIn		= 0x3,
	kIODirectionInOut		= 0x3,
};

/*
 * Modifiers of one call each, accepted without effect: prepare() pins
 * pages that are already there (Linux never hands a device an unfilled
 * page), and complete() has nothing more to keep.
 */
enum {
	kIODirectionPrepareNoZeroFill	= 0x00000010,	/* prepare() only */
	kIODirectionCompleteWithDataValid = 0x00000080,	/* complete() only */
};

/* IOMemoryDescriptor option bits that dmacmd accepts. */
enum {
	kIOMemoryDirectionMask		= 0x00000007,
	kIOMemoryAsReference		= 0x00000100,
	kIOMemoryMapperNone		= 0x00000800,
	kIOMemoryThreadSafe		= 0x00100000,
};

/*
 * IOBufferMemoryDescriptor option bits that dmacmd accepts.  Buffers are
 * always wired, so kIOMemoryPageable only permits what dmacmd does anyway
 * (and lets the buffer have no task); a kIOMemoryKernelUserShared buffer
 * is page aligned, as in IOKit, though dmacmd maps nothing into a process.
 */
enum {
	kIOMemoryPhysicallyContiguous	= 0x00000010,
	kIOMemoryPageable		= 0x00000020,
	kIOMemoryHostPhysicallyContiguous = 0x00000080,
	kIOMemoryUnshared		= 0x00000000,
	kIOMemoryKernelUserShared	= 0x00010000,
};

/*
 * Cache modes.  Accepted by the buffer constructors for source
 * compatibility; the memory is ordinary cacheable kernel memory and the
 * DMA API's syncs keep it coherent (see Documentation/porting.rst).
 */
enum {
	kIOMapCacheMask			= 0x00000f00,
	kIOMapCacheShift		= 8,
	kIOMapDefaultCache		= 0x00000000,
	kIOMapInhibitCache		= 0x00000100,
	kIOMapWriteThruCache		= 0x00000200,
	kIOMapCopybackCache		= 0x00000300,
	kIOMapWriteCombineCache		= 0x00000400,
};

/*
 * Objects.  The four descriptor classes are one type, so a subclass
 * pointer passes wherever IOKit accepts the base class.
 */
typedef struct dmacmd_md IOMemoryDescriptor;
typedef struct dmacmd_md IOBufferMemoryDescriptor;
typedef struct dmacmd_md IOSubMemoryDescriptor;
typedef struct dmacmd_md IOMultiMemoryDescriptor;
typedef struct dmacmd IODMACommand;

/* obj->retain() and obj->release(), per type. */
static inline void IOMemoryDescriptor_retain(const IOMemoryDescriptor *md)
{
	dmacmd_md_get((struct dmacmd_md *)md);
}

static inline void IOMemoryDescriptor_release(const IOMemoryDescriptor *md)
{
	dmacmd_md_put((struct dmacmd_md *)md);
}

static inline void IODMACommand_retain(IODMACommand *cmd)
{
	dmacmd_get(cmd);
}

/* Releasing the last reference completes and detaches any memory. */
static inline void IODMACommand_release(IODMACommand *cmd)
{
	dmacmd_put(cmd);
}

/* Helpers of OSSafeReleaseNULL(); not part of the IOKit spelling. */
static inline void dmacmd_iokit_safe_release_cmd(IODMACommand **cmd)
{
	if (*cmd) {
		IODMACommand_release(*cmd);
		*cmd = NULL;
	}
}

static inline void dmacmd_iokit_safe_release_md(IOMemoryDescriptor **md)
{
	if (*md) {
		IOMemoryDescriptor_release(*md);
		*md = NULL;
	}
}

static inline void
dmacmd_iokit_safe_release_cmd_md(const IOMemoryDescriptor **md)
{
	if (*md) {
		IOMemoryDescriptor_release(*md);
		*md = NULL;
	}
}

/*
 * obj->retain() and obj->release() for any of the object types above,
 * chosen by the static type of @obj (evaluated once).
 */
#define OSObject_retain(obj)						\
	_Generic((typeof(obj))NULL,					\
		 IODMACommand * : IODMACommand_retain,			\
		 IOMemoryDescriptor * : IOMemoryDescriptor_retain,	\
		 const IOMemoryDescriptor * : IOMemoryDescriptor_retain)(obj)

#define OSObject_release(obj)						\
	_Generic((typeof(obj))NULL,					\
		 IODMACommand * : IODMACommand_release,			\
		 IOMemoryDescriptor * : IOMemoryDescriptor_release,	\
		 const IOMemoryDescriptor * : IOMemoryDescriptor_release)(obj)

/* Release the object @obj points to, if any, and set @obj to NULL. */
#define OSSafeReleaseNULL(obj)						\
	_Generic((typeof(obj))NULL,					\
		 IODMACommand * : dmacmd_iokit_safe_release_cmd,	\
		 IOMemoryDescriptor * : dmacmd_iokit_safe_release_md,	\
		 const IOMemoryDescriptor * :				\
			dmacmd_iokit_safe_release_cmd_md)(&(obj))

#endif /* _DMACMD_IOKIT_IOTYPES_H */
