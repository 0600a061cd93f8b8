/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd porting headers: IOKit's kernel IODMACommand as static inline
 * wrappers over the native struct dmacmd API.
 *
 * Spelling: IODMACommand::name (constants, types, static functions)
 * becomes IODMACommand_name; cmd->method(args) becomes
 * IODMACommand_method(cmd, args) with every argument explicit; the
 * IOMapper argument becomes the struct device * the memory is mapped for.
 * Results are IOReturn codes (via dmacmd_errno_to_ioreturn()), factories
 * return NULL on failure; an invalid command (NULL or an ERR_PTR()) gives
 * kIOReturnBadArgument, and queries of one give 0 or NULL.  Misuse is
 * logged, rate-limited, whether dmacmd or the wrapper refuses it.  See
 * Documentation/iokit-mapping.rst.
 */
#ifndef _DMACMD_IOKIT_IODMACOMMAND_H
#define _DMACMD_IOKIT_IODMACOMMAND_H

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/types.h>
#include <linux/dmacmd.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>

struct device;

/* Segments: the native structs, so the field names are addr and len. */
typedef struct dmacmd_seg32 IODMACommand_Segment32;
typedef struct dmacmd_seg64 IODMACommand_Segment64;

/* IOKit's layout, with IOKit's field names (aliases in <linux/dmacmd.h>). */
static_assert(sizeof(IODMACommand_Segment32) == 8);
static_assert(offsetof(IODMACommand_Segment32, fIOVMAddr) == 0);
static_assert(offsetof(IODMACommand_Segment32, fLength) == 4);
static_assert(sizeof(IODMACommand_Segment64) == 16);
static_assert(offsetof(IODMACommand_Segment64, fIOVMAddr) == 0);
static_assert(offsetof(IODMACommand_Segment64, fLength) == 8);

/* Writes one segment into the caller's array (or context); false stops. */
typedef dmacmd_seg_fn IODMACommand_SegmentFunction;

/* The predefined output functions are the native ones. */
#define IODMACommand_OutputHost32	dmacmd_out_host32
#define IODMACommand_OutputBig32	dmacmd_out_be32
#define IODMACommand_OutputLittle32	dmacmd_out_le32
#define IODMACommand_OutputHost64	dmacmd_out_host64
#define IODMACommand_OutputBig64	dmacmd_out_be64
#define IODMACommand_OutputLittle64	dmacmd_out_le64

#define kIODMACommandOutputHost32	IODMACommand_OutputHost32
#define kIODMACommandOutputBig32	IODMACommand_OutputBig32
#define kIODMACommandOutputLittle32	IODMACommand_OutputLittle32
#define kIODMACommandOutputHost64	IODMACommand_OutputHost64
#define kIODMACommandOutputBig64	IODMACommand_OutputBig64
#define kIODMACommandOutputLittle64	IODMACommand_OutputLittle64

/* Mapping options: the low nibble is a type, the rest are flags. */
typedef UInt32 IODMACommand_MappingOptions;
enum {
	IODMACommand_kMapped		= 0x00000000,
	IODMACommand_kBypassed		= 0x00000001,
	IODMACommand_kNonCoherent	= 0x00000002,
	IODMACommand_kUnmapped		= 0x00000003,
	IODMACommand_kTypeMask		= 0x0000000f,
	IODMACommand_kNoCacheStore	= 0x00000010,
	IODMACommand_kOnChip		= 0x00000020,
	IODMACommand_kIterateOnly	= 0x00000040,
};

enum {
	kIODMAMapOptionMapped		= IODMACommand_kMapped,
	kIODMAMapOptionBypassed		= IODMACommand_kBypassed,
	kIODMAMapOptionNonCoherent	= IODMACommand_kNonCoherent,
	kIODMAMapOptionUnmapped		= IODMACommand_kUnmapped,
	kIODMAMapOptionTypeMask		= IODMACommand_kTypeMask,
	kIODMAMapOptionNoCacheStore	= IODMACommand_kNoCacheStore,
	kIODMAMapOptionOnChip		= IODMACommand_kOnChip,
	kIODMAMapOptionIterateOnly	= IODMACommand_kIterateOnly,
};

/* IODMACommand_synchronize() options, besides kIODirectionIn / Out. */
typedef UInt32 IODMACommand_SynchronizeOptions;
enum {
	IODMACommand_kForceDoubleBuffer	= 0x01000000,
};

/* The values pass to the native API unchanged. */
static_assert(IODMACommand_kMapped == DMACMD_MAP_MAPPED);
static_assert(IODMACommand_kBypassed == DMACMD_MAP_BYPASSED);
static_assert(IODMACommand_kNonCoherent == DMACMD_MAP_NONCOHERENT);
static_assert(IODMACommand_kUnmapped == DMACMD_MAP_UNMAPPED);
static_assert(IODMACommand_kTypeMask == DMACMD_MAP_TYPE_MASK);
static_assert(IODMACommand_kNoCacheStore == DMACMD_MAP_NO_CACHE_STORE);
static_assert(IODMACommand_kOnChip == DMACMD_MAP_ON_CHIP);
static_assert(IODMACommand_kIterateOnly == DMACMD_MAP_ITERATE_ONLY);
static_assert(IODMACommand_kForceDoubleBuffer == DMACMD_FORCE_DOUBLE_BUFFER);
static_assert(kIODirectionIn == DMACMD_SYNC_IN);
static_assert(kIODirectionOut == DMACMD_SYNC_OUT);

/* What the hardware can address, with IOKit's field names. */
typedef struct IODMACommand_SegmentOptions {
	UInt8 fStructSize;
	UInt8 fNumAddressBits;
	UInt64 fMaxSegmentSize;
	UInt64 fMaxTransferSize;
	UInt32 fAlignment;
	UInt32 fAlignmentLength;
	UInt32 fAlignmentInternalSegments;
} IODMACommand_SegmentOptions;

/* Helpers of the wrappers below; not part of the IOKit spelling. */
static inline void
dmacmd_iokit_spec(struct dmacmd_spec *spec, IODMACommand_SegmentFunction fn,
		  const IODMACommand_SegmentOptions *opts,
		  UInt32 mappingOptions)
{
	spec->out_fn = fn;
	spec->address_bits = opts->fNumAddressBits;
	spec->max_segment_size = opts->fMaxSegmentSize;
	spec->max_transfer_size = opts->fMaxTransferSize;
	spec->alignment = opts->fAlignment;
	spec->alignment_length = opts->fAlignmentLength;
	spec->alignment_internal = opts->fAlignmentInternalSegments;
	spec->map_options = mappingOptions;
}

/* The SegmentOptions the argument-list forms stand for. */
static inline IODMACommand_SegmentOptions
dmacmd_iokit_seg_options(UInt8 numAddressBits, UInt64 maxSegmentSize,
			 UInt64 maxTransferSize, UInt32 alignment)
{
	IODMACommand_SegmentOptions opts = {
		.fStructSize = sizeof(opts),
		.fNumAddressBits = numAddressBits,
		.fMaxSegmentSize = maxSegmentSize,
		.fMaxTransferSize = maxTransferSize,
		.fAlignment = alignment,
		.fAlignmentLength = 1,
		.fAlignmentInternalSegments = alignment,
	};

	return opts;
}

/* The flags word of dmacmd_prepare() for IOKit's two bools. */
static inline unsigned int dmacmd_iokit_prep_flags(bool flushCache,
						   bool synchronize)
{
	return (flushCache ? DMACMD_FLUSH_CACHE : 0) |
	       (synchronize ? DMACMD_SYNCHRONIZE : 0);
}

static inline IODMACommand *dmacmd_iokit_cmd(struct dmacmd *cmd)
{
	return IS_ERR(cmd) ? NULL : cmd;
}

/* Factories. */

/**
 * IODMACommand_withSpecificationOptions() - Create a command (SegmentOptions form)
 * @outSegFunc: output function used by IODMACommand_genIOVMSegments()
 * @segmentOptions: what the hardware can address
 * @mappingOptions: an IODMACommand_k* type or'ed with IODMACommand_k* flags
 * @device: the device the memory is mapped for (IOKit's mapper argument)
 * @refCon: the caller's reference, see IODMACommand_getRefCon()
 *
 * IOKit's second withSpecification() overload.
 *
 * Context: Process context; may sleep.
 * Return: the new command (one reference), or NULL if the specification is
 * invalid or memory is short.
 */
static inline IODMACommand *
IODMACommand_withSpecificationOptions(IODMACommand_SegmentFunction outSegFunc,
				      const IODMACommand_SegmentOptions *segmentOptions,
				      UInt32 mappingOptions,
				      struct device *device, void *refCon)
{
	struct dmacmd_spec spec;

	if (!outSegFunc || !segmentOptions) {
		dmacmd_iokit_misuse("withSpecification: no %s\n",
				    outSegFunc ? "SegmentOptions" :
				    "output function");
		return NULL;
	}
	dmacmd_iokit_spec(&spec, outSegFunc, segmentOptions, mappingOptions);
	return dmacmd_iokit_cmd(dmacmd_create(device, &spec, refCon));
}

/**
 * IODMACommand_withSpecification() - Create a command (argument-list form)
 * @outSegFunc: output function used by IODMACommand_genIOVMSegments()
 * @numAddressBits: address width of the engine (0: unrestricted, or 32
 *	with a 32-bit output function)
 * @maxSegmentSize: longest segment (0: unlimited)
 * @mappingOptions: an IODMACommand_k* type or'ed with IODMACommand_k* flags
 * @maxTransferSize: longest prepared range (0: unlimited)
 * @alignment: alignment of every segment's address (0 means 1)
 * @device: the device the memory is mapped for (IOKit's mapper argument)
 * @refCon: the caller's reference, see IODMACommand_getRefCon()
 *
 * Context: Process context; may sleep.
 * Return: the new command (one reference), or NULL if the specification is
 * invalid or memory is short.
 */
static inline IODMACommand *
IODMACommand_withSpecification(IODMACommand_SegmentFunction outSegFunc,
			       UInt8 numAddressBits, UInt64 maxSegmentSize,
			       IODMACommand_MappingOptions mappingOptions,
			       UInt64 maxTransferSize, UInt32 alignment,
			       struct device *device, void *refCon)
{
	IODMACommand_SegmentOptions opts =
		dmacmd_iokit_seg_options(numAddressBits, maxSegmentSize,
					 maxTransferSize, alignment);

	return IODMACommand_withSpecificationOptions(outSegFunc, &opts,
						     mappingOptions, device,
						     refCon);
}

/**
 * IODMACommand_weakWithSpecification() - Create a command, IOReturn form
 * @newCommand: where the new command is stored
 * @outSegFunc: as for IODMACommand_withSpecification(), and so on
 * @numAddressBits: see there
 * @maxSegmentSize: see there
 * @mappingOptions: see there
 * @maxTransferSize: see there
 * @alignment: see there
 * @device: see there
 * @refCon: see there
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess, kIOReturnBadArgument if @newCommand is NULL,
 * kIOReturnError if the command cannot be created.
 */
static inline IOReturn
IODMACommand_weakWithSpecification(IODMACommand **newCommand,
				   IODMACommand_SegmentFunction outSegFunc,
				   UInt8 numAddressBits, UInt64 maxSegmentSize,
				   IODMACommand_MappingOptions mappingOptions,
				   UInt64 maxTransferSize, UInt32 alignment,
				   struct device *device, void *refCon)
{
	if (!newCommand) {
		dmacmd_iokit_misuse("weakWithSpecification: NULL result pointer\n");
		return kIOReturnBadArgument;
	}
	*newCommand = IODMACommand_withSpecification(outSegFunc, numAddressBits,
						     maxSegmentSize,
						     mappingOptions,
						     maxTransferSize, alignment,
						     device, refCon);
	return *newCommand ? kIOReturnSuccess : kIOReturnError;
}

/**
 * IODMACommand_withRefCon() - Create a command with no specification yet
 * @device: the device the memory will be mapped for (IOKit takes it later,
 *	as the mapper of prepareWithSpecification(); dmacmd needs it now)
 * @refCon: the caller's reference
 *
 * The command cannot be prepared (kIOReturnNotReady) until
 * IODMACommand_prepareWithSpecification() gives it a specification.
 *
 * Context: Process context; may sleep.
 * Return: the new command (one reference) or NULL.
 */
static inline IODMACommand *IODMACommand_withRefCon(struct device *device,
						    void *refCon)
{
	return dmacmd_iokit_cmd(dmacmd_create(device, NULL, refCon));
}

/**
 * IODMACommand_cloneCommand() - Create a command with the same specification
 * @cmd: the command to copy
 * @refCon: the new command's reference
 *
 * The clone has @cmd's device and exact specification and no memory.
 *
 * Context: Process context; may sleep.
 * Return: the new command (one reference) or NULL.
 */
static inline IODMACommand *IODMACommand_cloneCommand(IODMACommand *cmd,
						      void *refCon)
{
	return dmacmd_iokit_cmd(dmacmd_clone(cmd, refCon));
}

/* The public field fRefCon, as accessors. */
static inline void *IODMACommand_getRefCon(IODMACommand *cmd)
{
	return dmacmd_refcon(cmd);
}

static inline void IODMACommand_setRefCon(IODMACommand *cmd, void *refCon)
{
	dmacmd_set_refcon(cmd, refCon);
}

/* Memory. */

/**
 * IODMACommand_setMemoryDescriptor() - Attach the memory to transfer
 * @cmd: the command
 * @mem: the descriptor (gains a reference), or NULL to detach
 * @autoPrepare: prepare the whole descriptor too
 *
 * As IOKit: the memory attached before is detached first, so a failed
 * @autoPrepare leaves the command holding nothing.
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess; kIOReturnBusy if @cmd is prepared with other
 * memory (or @mem is NULL while prepared); with @autoPrepare, any error of
 * IODMACommand_prepare() (the memory is then detached again).
 */
static inline IOReturn
IODMACommand_setMemoryDescriptor(IODMACommand *cmd,
				 const IOMemoryDescriptor *mem,
				 bool autoPrepare)
{
	return dmacmd_errno_to_ioreturn(dmacmd_set_memory(cmd,
							  (struct dmacmd_md *)mem,
							  autoPrepare ?
							  DMACMD_AUTO : 0));
}

/**
 * IODMACommand_clearMemoryDescriptor() - Detach the memory
 * @cmd: the command
 * @autoComplete: complete every outstanding prepare first
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess; kIOReturnNotReady if @cmd holds no memory, or
 * is still prepared and @autoComplete is false.
 */
static inline IOReturn IODMACommand_clearMemoryDescriptor(IODMACommand *cmd,
							  bool autoComplete)
{
	return dmacmd_errno_to_ioreturn(dmacmd_clear_memory(cmd, autoComplete ?
							    DMACMD_AUTO : 0));
}

/* The descriptor given to IODMACommand_setMemoryDescriptor(), or NULL. */
static inline const IOMemoryDescriptor *
IODMACommand_getMemoryDescriptor(IODMACommand *cmd)
{
	return dmacmd_memory(cmd);
}

/*
 * IOKit returns its bounce buffer here when it double buffers.  dmacmd's
 * bounce memory is not a descriptor, so this is always the attached
 * descriptor; IODMACommand_readBytes() / writeBytes() reach what the
 * device sees.
 */
static inline IOMemoryDescriptor *
IODMACommand_getIOMemoryDescriptor(IODMACommand *cmd)
{
	return dmacmd_memory(cmd);
}

/* Preparation. */

/**
 * IODMACommand_prepare() - Map a range of the memory for the device
 * @cmd: the command
 * @offset: start within the memory
 * @length: bytes to map, 0 for the rest of the memory from @offset
 * @flushCache: make CPU writes visible to the device first
 * @synchronize: fill bounce memory from the memory
 *
 * Nests: a second prepare of the same range only counts.
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess, or kIOReturnNotReady (no memory or
 * specification, a nested prepare of another range, or memory that needs
 * IOMemoryDescriptor_prepare() first), kIOReturnOverrun (the range is not
 * inside the memory), kIOReturnNoSpace (longer than the maximum transfer),
 * kIOReturnNotAligned, kIOReturnUnsupported (memory without a struct page
 * and a mapped command), kIOReturnNoMemory, kIOReturnNoResources,
 * kIOReturnDMAError, kIOReturnCannotLock (called in atomic context),
 * kIOReturnBadArgument (@cmd invalid).  A failed prepare changes nothing.
 */
static inline IOReturn IODMACommand_prepare(IODMACommand *cmd, UInt64 offset,
					    UInt64 length, bool flushCache,
					    bool synchronize)
{
	return dmacmd_errno_to_ioreturn(dmacmd_prepare(cmd, offset, length,
						       dmacmd_iokit_prep_flags(flushCache,
									       synchronize)));
}

/**
 * IODMACommand_prepareWithSpecificationOptions() - Respecify, then prepare
 * @cmd: the command, not prepared
 * @outSegFunc: as for IODMACommand_withSpecificationOptions()
 * @segmentOptions: see there
 * @mappingOptions: see there
 * @device: NULL or the command's own device (dmacmd cannot change it)
 * @offset: as for IODMACommand_prepare()
 * @length: see there
 * @flushCache: see there
 * @synchronize: see there
 *
 * IOKit's second prepareWithSpecification() overload.
 *
 * Context: Process context; may sleep.
 * Return: as IODMACommand_prepare(); kIOReturnNotPermitted if @cmd is
 * already prepared; kIOReturnBadArgument for an invalid specification.
 */
static inline IOReturn
IODMACommand_prepareWithSpecificationOptions(IODMACommand *cmd,
					     IODMACommand_SegmentFunction outSegFunc,
					     const IODMACommand_SegmentOptions *segmentOptions,
					     UInt32 mappingOptions,
					     struct device *device,
					     UInt64 offset, UInt64 length,
					     bool flushCache, bool synchronize)
{
	struct dmacmd_spec spec;
	unsigned int flags;

	if (!outSegFunc || !segmentOptions ||
	    (device && device != dmacmd_device(cmd))) {
		dmacmd_iokit_misuse("prepareWithSpecification: %s\n",
				    !outSegFunc ? "no output function" :
				    !segmentOptions ? "no SegmentOptions" :
				    "a device other than the command's");
		return kIOReturnBadArgument;
	}
	dmacmd_iokit_spec(&spec, outSegFunc, segmentOptions, mappingOptions);
	flags = dmacmd_iokit_prep_flags(flushCache, synchronize);
	return dmacmd_errno_to_ioreturn(dmacmd_prepare_with_spec(cmd, &spec,
								 offset, length,
								 flags));
}

/**
 * IODMACommand_prepareWithSpecification() - Respecify, then prepare
 * @cmd: the command, not prepared
 * @outSegFunc: as for IODMACommand_withSpecification()
 * @numAddressBits: see there
 * @maxSegmentSize: see there
 * @mappingOptions: see there
 * @maxTransferSize: see there
 * @alignment: see there
 * @device: NULL or the command's own device (dmacmd cannot change it)
 * @offset: as for IODMACommand_prepare()
 * @length: see there
 * @flushCache: see there
 * @synchronize: see there
 *
 * Context: Process context; may sleep.
 * Return: as IODMACommand_prepareWithSpecificationOptions().
 */
static inline IOReturn
IODMACommand_prepareWithSpecification(IODMACommand *cmd,
				      IODMACommand_SegmentFunction outSegFunc,
				      UInt8 numAddressBits,
				      UInt64 maxSegmentSize,
				      IODMACommand_MappingOptions mappingOptions,
				      UInt64 maxTransferSize, UInt32 alignment,
				      struct device *device, UInt64 offset,
				      UInt64 length, bool flushCache,
				      bool synchronize)
{
	IODMACommand_SegmentOptions opts =
		dmacmd_iokit_seg_options(numAddressBits, maxSegmentSize,
					 maxTransferSize, alignment);

	return IODMACommand_prepareWithSpecificationOptions(cmd, outSegFunc,
							    &opts,
							    mappingOptions,
							    device, offset,
							    length, flushCache,
							    synchronize);
}

/**
 * IODMACommand_complete() - Undo one IODMACommand_prepare()
 * @cmd: the command
 * @invalidateCache: make device writes visible to the CPU
 * @synchronize: copy bounce memory back to the memory
 *
 * The last complete unmaps and frees bounce memory.
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess, kIOReturnNotReady if @cmd is not prepared.
 */
static inline IOReturn IODMACommand_complete(IODMACommand *cmd,
					     bool invalidateCache,
					     bool synchronize)
{
	unsigned int flags = (invalidateCache ? DMACMD_INVALIDATE_CACHE : 0) |
			     (synchronize ? DMACMD_SYNCHRONIZE : 0);

	return dmacmd_errno_to_ioreturn(dmacmd_complete(cmd, flags));
}

/**
 * IODMACommand_synchronize() - Copy between bounce memory and the memory
 * @cmd: the prepared command
 * @options: kIODirectionIn (bounce to memory), kIODirectionOut (memory to
 *	bounce) or IODMACommand_kForceDoubleBuffer
 *
 * Context: Process context for IODMACommand_kForceDoubleBuffer (may
 * sleep), else any context.
 * Return: kIOReturnSuccess; kIOReturnBadArgument for In and Out at once;
 * kIOReturnNotReady if @cmd is not prepared.
 */
static inline IOReturn IODMACommand_synchronize(IODMACommand *cmd,
						IOOptionBits options)
{
	return dmacmd_errno_to_ioreturn(dmacmd_synchronize(cmd, options));
}

/**
 * IODMACommand_getPreparedOffsetAndLength() - The prepared range
 * @cmd: the command
 * @offset: if not NULL, set to the prepared offset
 * @length: if not NULL, set to the prepared length
 *
 * Context: Any context.
 * Return: kIOReturnSuccess, kIOReturnNotReady if @cmd is not prepared.
 */
static inline IOReturn
IODMACommand_getPreparedOffsetAndLength(IODMACommand *cmd, UInt64 *offset,
					UInt64 *length)
{
	u64 off = 0, len = 0;
	int err = dmacmd_prepared_range(cmd, &off, &len);

	if (!err) {
		if (offset)
			*offset = off;
		if (length)
			*length = len;
	}
	return dmacmd_errno_to_ioreturn(err);
}

/* Segments. */

/**
 * IODMACommand_genIOVMSegmentsWithFunction() - Generate segments with a
 *	caller-supplied output function
 * @cmd: the prepared command
 * @segmentFunction: called once per segment with @segments and its index
 * @offset: in: where to start, relative to the prepared offset; out: the
 *	end of the last segment generated
 * @segments: the caller's array, or any context @segmentFunction expects
 * @numSegments: in: capacity; out: segments generated
 *
 * IOKit's genIOVMSegments() overload that takes a SegmentFunction.
 *
 * Context: Any context.  Does not sleep or allocate.
 * Return: kIOReturnSuccess; kIOReturnOverrun if *@offset is at or past the
 * end; kIOReturnMessageTooLarge if @segmentFunction returns false or a
 * segment cannot be expressed; kIOReturnNotReady if not prepared;
 * kIOReturnBadArgument for a NULL pointer or a capacity of 0.  On error
 * *@offset and *@numSegments are unchanged.
 */
static inline IOReturn
IODMACommand_genIOVMSegmentsWithFunction(IODMACommand *cmd,
					 IODMACommand_SegmentFunction segmentFunction,
					 UInt64 *offset, void *segments,
					 UInt32 *numSegments)
{
	if (!segmentFunction) {
		dmacmd_iokit_misuse("genIOVMSegments: no segment function\n");
		return kIOReturnBadArgument;
	}
	return dmacmd_errno_to_ioreturn(dmacmd_gen_segments(cmd,
							    segmentFunction,
							    offset, segments,
							    numSegments));
}

/**
 * IODMACommand_genIOVMSegments() - Generate segments
 * @cmd: the prepared command
 * @offset: as for IODMACommand_genIOVMSegmentsWithFunction()
 * @segments: the caller's array, written by the command's output function
 * @numSegments: as for IODMACommand_genIOVMSegmentsWithFunction()
 *
 * Context: Any context.  Does not sleep or allocate.
 * Return: as IODMACommand_genIOVMSegmentsWithFunction().
 */
static inline IOReturn IODMACommand_genIOVMSegments(IODMACommand *cmd,
						    UInt64 *offset,
						    void *segments,
						    UInt32 *numSegments)
{
	return dmacmd_errno_to_ioreturn(dmacmd_gen_segments(cmd, NULL, offset,
							    segments,
							    numSegments));
}

/* IODMACommand_genIOVMSegments() into a Segment32 array. */
static inline IOReturn
IODMACommand_gen32IOVMSegments(IODMACommand *cmd, UInt64 *offset,
			       IODMACommand_Segment32 *segments,
			       UInt32 *numSegments)
{
	return dmacmd_errno_to_ioreturn(dmacmd_gen32(cmd, offset, segments,
						     numSegments));
}

/* IODMACommand_genIOVMSegments() into a Segment64 array. */
static inline IOReturn
IODMACommand_gen64IOVMSegments(IODMACommand *cmd, UInt64 *offset,
			       IODMACommand_Segment64 *segments,
			       UInt32 *numSegments)
{
	return dmacmd_errno_to_ioreturn(dmacmd_gen64(cmd, offset, segments,
						     numSegments));
}

/* CPU access to what the device sees. */

/**
 * IODMACommand_readBytes() - Copy out of the prepared range
 * @cmd: the prepared command
 * @offset: relative to the prepared offset
 * @bytes: destination
 * @length: bytes to copy (clipped to the prepared range)
 *
 * Reads the bounce memory where there is some.
 *
 * Context: Any context.
 * Return: bytes copied; 0 if not prepared or @offset is past the range.
 */
static inline UInt64 IODMACommand_readBytes(IODMACommand *cmd, UInt64 offset,
					    void *bytes, UInt64 length)
{
	return dmacmd_read_bytes(cmd, offset, bytes, length);
}

/**
 * IODMACommand_writeBytes() - Copy into the prepared range
 * @cmd: the prepared command
 * @offset: relative to the prepared offset
 * @bytes: source
 * @length: bytes to copy (clipped to the prepared range)
 *
 * Writes the bounce memory where there is some.
 *
 * Context: Any context.
 * Return: bytes copied; 0 if not prepared or @offset is past the range.
 */
static inline UInt64 IODMACommand_writeBytes(IODMACommand *cmd, UInt64 offset,
					     const void *bytes, UInt64 length)
{
	return dmacmd_write_bytes(cmd, offset, bytes, length);
}

/*
 * Specification queries, after IOKit's defaulting (dmacmd_get_spec()):
 * 0 for a command without a spec, or an invalid one (logged).
 */

static inline struct dmacmd_spec dmacmd_iokit_spec_of(IODMACommand *cmd)
{
	struct dmacmd_spec spec = {};

	/* Untouched, so all zeroes, when there is no spec. */
	dmacmd_get_spec(cmd, &spec);
	return spec;
}

static inline UInt8 IODMACommand_getNumAddressBits(IODMACommand *cmd)
{
	return dmacmd_iokit_spec_of(cmd).address_bits;
}

static inline UInt32 IODMACommand_getAlignment(IODMACommand *cmd)
{
	return dmacmd_iokit_spec_of(cmd).alignment;
}

static inline UInt32 IODMACommand_getAlignmentLength(IODMACommand *cmd)
{
	return dmacmd_iokit_spec_of(cmd).alignment_length;
}

static inline UInt32
IODMACommand_getAlignmentInternalSegments(IODMACommand *cmd)
{
	return dmacmd_iokit_spec_of(cmd).alignment_internal;
}

#endif /* _DMACMD_IOKIT_IODMACOMMAND_H */
