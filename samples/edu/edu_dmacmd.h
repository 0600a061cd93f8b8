/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * User interface of the dmacmd_edu sample driver (/dev/edu-dmacmd), shared
 * by the driver and by the edu-test program.
 *
 * write() sends the caller's bytes to QEMU's edu device and back into a
 * buffer the open file keeps; read() sends that buffer through the device
 * again and into the caller's memory.  EDU_DMACMD_IOC_XFER does one round
 * trip between two user buffers (or two kernel buffers above 256 MiB) and
 * reports what dmacmd did.
 */
#ifndef _EDU_DMACMD_H
#define _EDU_DMACMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define EDU_DMACMD_DEVICE	"edu-dmacmd"

/* Bytes the driver moves through the device's 4 KiB buffer at a time. */
#define EDU_DMACMD_CHUNK	2048U

/* Longest transfer or write() the driver accepts. */
#define EDU_DMACMD_MAX_LEN	(16U << 20)

/* Flags of &struct edu_dmacmd_xfer. */
#define EDU_XFER_KERNEL_HIGH	0x1	/* driver-allocated pages above 256 MiB */
#define EDU_XFER_NO_IRQ		0x2	/* no completion interrupt: time out */
#define EDU_XFER_FLAGS		(EDU_XFER_KERNEL_HIGH | EDU_XFER_NO_IRQ)

/* Lowest physical address of EDU_XFER_KERNEL_HIGH buffers. */
#define EDU_HIGH_MEM_START	(256ULL << 20)

/**
 * struct edu_dmacmd_leg - what one direction of a transfer did
 * @ns: time from the first prepare to the last complete, in nanoseconds
 * @bounced: bytes dmacmd moved through bounce memory
 * @max_addr: highest device address handed to the device, plus one
 * @segments: DMA segments programmed into the device (one DMA each)
 * @chunks: prepared ranges (%EDU_DMACMD_CHUNK bytes or fewer each)
 */
struct edu_dmacmd_leg {
	__u64 ns;
	__u64 bounced;
	__u64 max_addr;
	__u32 segments;
	__u32 chunks;
};

/**
 * struct edu_dmacmd_xfer - one round trip through the device
 * @src: in: user address of the bytes to send; with EDU_XFER_KERNEL_HIGH,
 *	offset within the first page of the driver's source buffer
 * @dst: in: user address receiving the bytes; with EDU_XFER_KERNEL_HIGH,
 *	offset within the first page of the driver's destination buffer
 * @len: in: bytes, 1 to %EDU_DMACMD_MAX_LEN
 * @flags: in: EDU_XFER_* flags
 * @timeout_ms: in: per-DMA timeout, 0 for the module's default
 * @seed: in: EDU_XFER_KERNEL_HIGH: pattern seed
 * @ioreturn: out: IOReturn of the step that failed, 0 on success
 * @mismatches: out: EDU_XFER_KERNEL_HIGH: bytes that arrived wrong
 * @lowest_phys: out: EDU_XFER_KERNEL_HIGH: lowest physical address of the
 *	driver's buffers
 * @to_dev: out: memory to device
 * @from_dev: out: device to memory
 *
 * Returned by EDU_DMACMD_IOC_XFER (also on failure, with @ioreturn set)
 * and, for the last read() or write() of the file, EDU_DMACMD_IOC_LAST.
 */
struct edu_dmacmd_xfer {
	__u64 src;
	__u64 dst;
	__u64 len;
	__u32 flags;
	__u32 timeout_ms;
	__u32 seed;
	__s32 ioreturn;
	__u64 mismatches;
	__u64 lowest_phys;
	struct edu_dmacmd_leg to_dev;
	struct edu_dmacmd_leg from_dev;
};

#define EDU_DMACMD_IOC_XFER	_IOWR('E', 0x01, struct edu_dmacmd_xfer)
#define EDU_DMACMD_IOC_LAST	_IOR('E', 0x02, struct edu_dmacmd_xfer)

/**
 * edu_pattern_byte() - Byte @i of the test pattern with seed @seed
 * @seed: pattern seed
 * @i: byte offset
 *
 * Not periodic within a transfer, so that a chunk that lands in the
 * wrong place is caught.
 *
 * Return: the byte.
 */
static inline __u8 edu_pattern_byte(__u32 seed, __u64 i)
{
	__u32 v = (__u32)(i >> 2) * 0x9e3779b1U + seed;

	v ^= v >> 15;
	v *= 0x85ebca6bU;
	v ^= v >> 13;
	return (__u8)(v >> ((i & 3) * 8));
}

#endif /* _EDU_DMACMD_H */
