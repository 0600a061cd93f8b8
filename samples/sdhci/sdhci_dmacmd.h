/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * User interface of the dmacmd_sdhci sample driver (/dev/sdhci-dmacmd),
 * shared by the driver and by the sdhci-test program.
 *
 * SDHCI_DMACMD_IOC_XFER writes a buffer to the SD card through one DMA
 * mode of the host controller, reads the same blocks back through another
 * into a second buffer and reports what dmacmd and the controller did.
 * The buffers are the caller's user memory, or memory of a kind a block
 * driver sees that the driver allocates, fills with a pattern and checks.
 */
#ifndef _SDHCI_DMACMD_H
#define _SDHCI_DMACMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SDHCI_DMACMD_DEVICE	"sdhci-dmacmd"

#define SDHCI_BLOCK		512U

/* Longest transfer the driver accepts. */
#define SDHCI_DMACMD_MAX_LEN	(4U << 20)

/* Memory kinds of &struct sdhci_dmacmd_xfer.mem. */
#define SDHCI_MEM_USER		0	/* the caller's src and dst */
#define SDHCI_MEM_PAGES		1	/* physically contiguous kernel pages */
#define SDHCI_MEM_VMALLOC	2	/* vmalloc() memory */
#define SDHCI_MEM_HIGH		3	/* pages above 4 GiB, mapped with vmap() */
#define SDHCI_MEM_KINDS		4

/* DMA modes (&struct sdhci_dmacmd_xfer.write_mode, .read_mode). */
#define SDHCI_MODE_DEFAULT	0	/* the module's dma_mode parameter */
#define SDHCI_MODE_SDMA		1
#define SDHCI_MODE_ADMA2	2

/* Lowest physical address of SDHCI_MEM_HIGH buffers. */
#define SDHCI_HIGH_MEM_START	(4096ULL << 20)

/**
 * struct sdhci_dmacmd_leg - what one direction of a transfer did
 * @ns: time from the first prepare to the last complete, in nanoseconds
 * @bounced: bytes dmacmd moved through bounce memory
 * @min_addr: lowest device address handed to the controller
 * @max_addr: highest device address handed to the controller, plus one
 * @segments: segments generated (IODMACommand_gen32IOVMSegments())
 * @descs: ADMA2 descriptors written (0 for SDMA)
 * @boundary_irqs: SDMA boundary interrupts, each answered with the next
 *	segment of the resumed generation (0 for ADMA2)
 * @chunks: prepared sub-ranges, one SD command each
 * @mode: SDHCI_MODE_SDMA or SDHCI_MODE_ADMA2, as used
 * @max_desc: longest ADMA2 descriptor in bytes (65536 is encoded as 0)
 */
struct sdhci_dmacmd_leg {
	__u64 ns;
	__u64 bounced;
	__u64 min_addr;
	__u64 max_addr;
	__u32 segments;
	__u32 descs;
	__u32 boundary_irqs;
	__u32 chunks;
	__u32 mode;
	__u32 max_desc;
};

/**
 * struct sdhci_dmacmd_xfer - write blocks, read them back
 * @src: in: SDHCI_MEM_USER: user address of the bytes to write; other
 *	kinds: offset of the data within the driver's buffer (< 4096)
 * @dst: in: as @src, for the bytes read back
 * @len: in: bytes, a multiple of %SDHCI_BLOCK up to %SDHCI_DMACMD_MAX_LEN
 * @lba: in: first block on the card
 * @mem: in: SDHCI_MEM_*
 * @write_mode: in: SDHCI_MODE_* of the write
 * @read_mode: in: SDHCI_MODE_* of the read
 * @seed: in: kernel kinds: pattern seed
 * @fault_at: in: 0, or make the Nth DMA step of the transfer (prepare or
 *	segment generation, counted over both directions) fail
 * @flags: in: SDHCI_XFER_* flags
 * @ioreturn: out: IOReturn of the step that failed, 0 on success
 * @dma_steps: out: DMA steps (prepares and generations) the transfer made
 * @resets: out: controller resets the transfer caused
 * @pad: zero
 * @mismatches: out: kernel kinds: bytes that arrived wrong
 * @lowest_phys: out: kernel kinds: lowest physical address of the buffers
 * @wr: out: the write (memory to card)
 * @rd: out: the read (card to memory)
 */
struct sdhci_dmacmd_xfer {
	__u64 src;
	__u64 dst;
	__u64 len;
	__u64 lba;
	__u32 mem;
	__u32 write_mode;
	__u32 read_mode;
	__u32 seed;
	__u32 fault_at;
	__u32 flags;
	__s32 ioreturn;
	__u32 dma_steps;
	__u32 resets;
	__u32 pad;
	__u64 mismatches;
	__u64 lowest_phys;
	struct sdhci_dmacmd_leg wr;
	struct sdhci_dmacmd_leg rd;
};

/* Flags of &struct sdhci_dmacmd_xfer. */
#define SDHCI_XFER_NO_READ	0x1	/* write only */
#define SDHCI_XFER_NO_WRITE	0x2	/* read only */
#define SDHCI_XFER_FLAGS	(SDHCI_XFER_NO_READ | SDHCI_XFER_NO_WRITE)

/**
 * struct sdhci_dmacmd_info - the controller and the card
 * @blocks: card capacity in blocks of %SDHCI_BLOCK bytes
 * @high_capacity: the card takes block addresses (SDHC), not byte ones
 * @rca: the card's relative address
 * @version: host controller version register
 * @caps: capabilities register
 * @quirks: SDHCI_QUIRK_* the driver applies
 * @dma_mode: the module's default SDHCI_MODE_*
 * @resets: controller resets since the driver was bound
 * @irq_msi: the interrupt is MSI (else INTx)
 * @pad: zero
 */
struct sdhci_dmacmd_info {
	__u64 blocks;
	__u32 high_capacity;
	__u32 rca;
	__u32 version;
	__u32 caps;
	__u32 quirks;
	__u32 dma_mode;
	__u32 resets;
	__u32 irq_msi;
	__u32 pad[2];
};

/* QEMU's SDMA does not restart on a new address: see the driver. */
#define SDHCI_QUIRK_SDMA_RESTART_BY_DATA_RESET	0x1

#define SDHCI_DMACMD_IOC_XFER	_IOWR('S', 0x01, struct sdhci_dmacmd_xfer)
#define SDHCI_DMACMD_IOC_INFO	_IOR('S', 0x02, struct sdhci_dmacmd_info)

/**
 * sdhci_pattern_byte() - Byte @i of the test pattern with seed @seed
 * @seed: pattern seed
 * @i: byte offset
 *
 * Not periodic within a transfer, so that a block that lands in the wrong
 * place is caught.
 *
 * Return: the byte.
 */
static inline __u8 sdhci_pattern_byte(__u32 seed, __u64 i)
{
	__u32 v = (__u32)(i >> 2) * 0x9e3779b1U + seed;

	v ^= v >> 15;
	v *= 0x85ebca6bU;
	v ^= v >> 13;
	return (__u8)(v >> ((i & 3) * 8));
}

#endif /* _SDHCI_DMACMD_H */
