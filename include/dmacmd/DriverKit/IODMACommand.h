/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd porting headers: DriverKit's IODMACommand (the dext flavour) as
 * static inline wrappers over the native API.
 *
 * Spelling: IODMACommand::Create(...) becomes IODMACommand_Create(...),
 * cmd->PrepareForDMA(args) becomes IODMACommand_PrepareForDMA(cmd, args);
 * the IOService argument becomes the struct device *.  DriverKit's rules
 * apply: PrepareForDMA prepares the memory descriptor for you, and a
 * mapping that needs more segments than the caller's array is an error,
 * never a silent truncation.  See Documentation/iokit-mapping.rst.
 */
#ifndef _DMACMD_DRIVERKIT_IODMACOMMAND_H
#define _DMACMD_DRIVERKIT_IODMACOMMAND_H

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/dmacmd.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOTypes.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>

struct device;

enum {
	kIODMACommandCreateNoOptions			= 0,
	kIODMACommandPrepareForDMANoOptions		= 0,
	kIODMACommandCompleteDMANoOptions		= 0,
	kIODMACommandSpecificationNoOptions		= 0,
};

enum {
	kIODMACommandPerformOperationOptionRead		= 0x00000001,
	kIODMACommandPerformOperationOptionWrite	= 0x00000002,
	kIODMACommandPerformOperationOptionZero		= 0x00000004,
};

/* DriverKit's direction flags, as PrepareForDMA() reports them. */
enum {
	kIOMemoryDirectionNone				= 0x00000000,
	kIOMemoryDirectionIn				= 0x00000001,
	kIOMemoryDirectionOut				= 0x00000002,
	kIOMemoryDirectionOutIn				= 0x00000003,
	kIOMemoryDirectionInOut				= 0x00000003,
	kIOMemoryDisableCopyOnWrite			= 0x00000010,
};

static_assert(kIODMACommandPerformOperationOptionRead == DMACMD_DK_OP_READ);
static_assert(kIODMACommandPerformOperationOptionWrite == DMACMD_DK_OP_WRITE);
static_assert(kIODMACommandPerformOperationOptionZero == DMACMD_DK_OP_ZERO);
static_assert(kIOMemoryDirectionIn == DMACMD_DK_DIR_IN);
static_assert(kIOMemoryDirectionOut == DMACMD_DK_DIR_OUT);

/* What the device can address; only maxAddressBits is used. */
typedef struct IODMACommandSpecification {
	u64 options;
	u64 maxAddressBits;
	u64 _resv[16];
} IODMACommandSpecification;

/* One device-visible segment, DriverKit's field names. */
typedef struct IOAddressSegment {
	u64 address;
	u64 length;
} IOAddressSegment;

static_assert(sizeof(IOAddressSegment) == sizeof(struct dmacmd_seg64));
static_assert(offsetof(IOAddressSegment, address) ==
	      offsetof(struct dmacmd_seg64, addr));
static_assert(offsetof(IOAddressSegment, length) ==
	      offsetof(struct dmacmd_seg64, len));

/**
 * IODMACommand_Create() - Create a DriverKit-style command
 * @device: the device the memory is mapped for (DriverKit's IOService)
 * @options: kIODMACommandCreateNoOptions
 * @specification: the device's address width in maxAddressBits
 *	(0: unrestricted); options must be kIODMACommandSpecificationNoOptions
 * @command: where the new command (one reference) is stored
 *
 * The command has 64-bit host-order segments and no size or alignment
 * limits, as DriverKit's.
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess; kIOReturnBadArgument for non-zero options, a
 * NULL pointer or an address width the specification cannot hold; else the
 * translated error of the creation.
 */
static inline kern_return_t
IODMACommand_Create(struct device *device, u64 options,
		    const IODMACommandSpecification *specification,
		    IODMACommand **command)
{
	struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.alignment = 1,
		.alignment_length = 1,
		.alignment_internal = 1,
		.map_options = DMACMD_MAP_MAPPED,
	};
	struct dmacmd *cmd;

	if (options || !specification || !command ||
	    specification->options || specification->maxAddressBits > 64) {
		dmacmd_iokit_misuse("Create: %s\n",
				    !specification || !command ?
				    "a NULL pointer" :
				    specification->maxAddressBits > 64 ?
				    "more than 64 address bits" :
				    "options other than none");
		return kIOReturnBadArgument;
	}
	spec.address_bits = specification->maxAddressBits;
	cmd = dmacmd_create(device, &spec, NULL);
	if (IS_ERR(cmd))
		return dmacmd_errno_to_ioreturn(PTR_ERR(cmd));
	*command = cmd;
	return kIOReturnSuccess;
}

/**
 * IODMACommand_PrepareForDMA() - Prepare memory and map it for the device
 * @cmd: the command, not prepared
 * @options: kIODMACommandPrepareForDMANoOptions
 * @memory: the descriptor; it is prepared (pinned) here, and completed by
 *	IODMACommand_CompleteDMA()
 * @offset: start within @memory
 * @length: bytes to map, 0 for the rest of @memory
 * @flags: if not NULL, set to kIOMemoryDirectionIn and/or
 *	kIOMemoryDirectionOut, as the device may write and/or read the memory
 * @segmentsCount: in: capacity of @segments; out: segments written
 * @segments: the caller's array
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess; kIOReturnBadArgument for non-zero options, a
 * NULL pointer or a capacity of 0; kIOReturnBusy if @cmd is prepared;
 * kIOReturnNoSpace if the mapping needs more than *@segmentsCount
 * segments (DriverKit would return fewer bytes than asked); any error of
 * IOMemoryDescriptor_prepare() or IODMACommand_prepare().  On error
 * nothing is left prepared.
 */
static inline kern_return_t
IODMACommand_PrepareForDMA(IODMACommand *cmd, u64 options,
			   IOMemoryDescriptor *memory, u64 offset,
			   u64 length, u64 *flags,
			   u32 *segmentsCount, IOAddressSegment *segments)
{
	u64 unused;

	/* dmacmd_prepare_for_dma() always reports them: give it somewhere. */
	return dmacmd_errno_to_ioreturn(dmacmd_prepare_for_dma(cmd, options,
							       memory, offset,
							       length,
							       flags ?: &unused,
							       segmentsCount,
							       (struct dmacmd_seg64 *)segments));
}

/**
 * IODMACommand_CompleteDMA() - Undo IODMACommand_PrepareForDMA()
 * @cmd: the command
 * @options: kIODMACommandCompleteDMANoOptions
 *
 * Context: Process context; may sleep.
 * Return: kIOReturnSuccess, kIOReturnNotReady if @cmd is not prepared.
 */
static inline kern_return_t IODMACommand_CompleteDMA(IODMACommand *cmd,
						     u64 options)
{
	return dmacmd_errno_to_ioreturn(dmacmd_complete_dma(cmd, options));
}

/**
 * IODMACommand_GetPreparation() - What IODMACommand_PrepareForDMA() mapped
 * @cmd: the command
 * @offset: if not NULL, set to the prepared offset
 * @length: if not NULL, set to the prepared length
 * @memory: if not NULL, set to the descriptor, with a reference the caller
 *	drops with OSObject_release()
 *
 * Context: Any context.
 * Return: kIOReturnSuccess, kIOReturnNotReady if @cmd is not prepared.
 */
static inline kern_return_t
IODMACommand_GetPreparation(IODMACommand *cmd, u64 *offset,
			    u64 *length, IOMemoryDescriptor **memory)
{
	return dmacmd_errno_to_ioreturn(dmacmd_get_preparation(cmd, offset,
							       length, memory));
}

/**
 * IODMACommand_PerformOperation() - CPU access to the mapping
 * @cmd: the prepared command
 * @options: one of kIODMACommandPerformOperationOptionRead (mapping to
 *	@data), ...Write (@data to mapping) or ...Zero (zero the mapping)
 * @dmaOffset: offset within the prepared range
 * @length: bytes to transfer
 * @dataOffset: offset within @data
 * @data: the other side of a read or write (unused for zero)
 *
 * Context: Process context.
 * Return: kIOReturnSuccess; kIOReturnBadArgument for bad options or a range
 * outside @data; kIOReturnNotReady if not prepared; kIOReturnUnderrun for a
 * short copy.
 */
static inline kern_return_t
IODMACommand_PerformOperation(IODMACommand *cmd, u64 options,
			      u64 dmaOffset, u64 length,
			      u64 dataOffset, IOMemoryDescriptor *data)
{
	return dmacmd_errno_to_ioreturn(dmacmd_perform_operation(cmd, options,
								 dmaOffset,
								 length,
								 dataOffset,
								 data));
}

#endif /* _DMACMD_DRIVERKIT_IODMACOMMAND_H */
