/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd: IOKit's IODMACommand model over the Linux DMA API.
 *
 * Memory descriptors (struct dmacmd_md) describe a byte range of memory;
 * DMA commands (struct dmacmd) map a range of a descriptor for one device
 * under a hardware specification (struct dmacmd_spec) and hand the mapping
 * out as device-visible segments.  Everything here is exported
 * EXPORT_SYMBOL_GPL in the "DMACMD" symbol namespace.
 */
#ifndef _LINUX_DMACMD_H
#define _LINUX_DMACMD_H

#include <linux/types.h>
#include <linux/dma-direction.h>

struct device;
struct page;
struct sg_table;
struct task_struct;

struct dmacmd_md;
struct dmacmd;

/**
 * struct dmacmd_seg32 - a device-visible segment with 32-bit fields
 * @addr: DMA address the device uses
 * @fIOVMAddr: the same field under IOKit's name
 * @len: length in bytes
 * @fLength: the same field under IOKit's name
 *
 * Same layout as IOKit's IODMACommand::Segment32.  The IOKit field names
 * are aliases so that ported code reading ``seg.fIOVMAddr`` compiles
 * unchanged while both faces of the API share one type, and so one
 * &dmacmd_seg_fn signature: an IOKit SegmentFunction is called by dmacmd
 * through that pointer type (a struct of its own would be another
 * function type to the kernel's control-flow integrity checks), and the
 * predefined output functions stay the native ones the segment fast path
 * recognises.
 */
struct dmacmd_seg32 {
	union {
		u32 addr;
		u32 fIOVMAddr;
	};
	union {
		u32 len;
		u32 fLength;
	};
};

/**
 * struct dmacmd_seg64 - a device-visible segment with 64-bit fields
 * @addr: DMA address the device uses
 * @fIOVMAddr: the same field under IOKit's name
 * @len: length in bytes
 * @fLength: the same field under IOKit's name
 *
 * Same layout as IOKit's IODMACommand::Segment64 and DriverKit's
 * IOAddressSegment.
 */
struct dmacmd_seg64 {
	union {
		u64 addr;
		u64 fIOVMAddr;
	};
	union {
		u64 len;
		u64 fLength;
	};
};

/**
 * typedef dmacmd_seg_fn - write one segment into the caller's array
 * @cmd: the command generating segments
 * @seg: the segment to write
 * @segs: the caller's array (or any context the caller passed)
 * @index: index of @seg within this call's output
 *
 * Return: true if the segment was written, false if it cannot be encoded
 * (segment generation then stops with -EMSGSIZE).
 */
typedef bool (*dmacmd_seg_fn)(struct dmacmd *cmd, struct dmacmd_seg64 seg,
			      void *segs, u32 index);

bool dmacmd_out_host32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index);
bool dmacmd_out_be32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index);
bool dmacmd_out_le32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index);
bool dmacmd_out_host64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index);
bool dmacmd_out_be64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index);
bool dmacmd_out_le64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index);

/* Mapping types (the low nibble of &dmacmd_spec.map_options is a type). */
#define DMACMD_MAP_MAPPED		0x0	/* IOKit kMapped */
#define DMACMD_MAP_BYPASSED		0x1	/* IOKit kBypassed */
#define DMACMD_MAP_NONCOHERENT		0x2	/* IOKit kNonCoherent */
#define DMACMD_MAP_UNMAPPED		0x3	/* IOKit kUnmapped */
#define DMACMD_MAP_TYPE_MASK		0xf
/* Mapping flags. */
#define DMACMD_MAP_NO_CACHE_STORE	0x10	/* IOKit kNoCacheStore */
#define DMACMD_MAP_ON_CHIP		0x20	/* IOKit kOnChip */
#define DMACMD_MAP_ITERATE_ONLY		0x40	/* IOKit kIterateOnly */
#define DMACMD_MAP_DEXT_OWNER		0x80	/* IOKit kIODMAMapOptionDextOwner */

/* dmacmd_synchronize() options. */
#define DMACMD_SYNC_IN			0x1	/* bounce -> memory */
#define DMACMD_SYNC_OUT			0x2	/* memory -> bounce */
#define DMACMD_FORCE_DOUBLE_BUFFER	0x01000000

/**
 * struct dmacmd_spec - what the DMA engine can address
 * @out_fn: output function used by dmacmd_gen_segments() when the caller
 *	passes none; one of the dmacmd_out_* functions or the driver's own
 * @address_bits: width of the engine's addresses; 0 means unrestricted
 *	(32 with a 32-bit output function); 1..PAGE_SHIFT-1 is refused
 * @max_segment_size: largest segment the engine takes; 0 means unlimited
 * @max_transfer_size: largest prepared length; 0 means unlimited
 * @alignment: required alignment of the first segment's address (power of
 *	two; 0 means 1)
 * @alignment_length: every segment length is a multiple of this (power of
 *	two; 0 means 1)
 * @alignment_internal: alignment of every segment after the first (power
 *	of two; 0 means @alignment)
 * @map_options: a DMACMD_MAP_* type or'ed with DMACMD_MAP_* flags
 *
 * Mirrors IOKit's IODMACommand::SegmentOptions plus MappingOptions.
 */
struct dmacmd_spec {
	dmacmd_seg_fn out_fn;
	u8 address_bits;
	u64 max_segment_size;
	u64 max_transfer_size;
	u32 alignment;
	u32 alignment_length;
	u32 alignment_internal;
	u32 map_options;
};

/**
 * struct dmacmd_range - one address range of a descriptor
 * @addr: start address (physical, kernel virtual or user virtual,
 *	depending on the constructor)
 * @len: length in bytes
 *
 * Same layout as IOKit's IOAddressRange.
 */
struct dmacmd_range {
	u64 addr;
	u64 len;
};

/* dmacmd_md_alloc() flags. */
#define DMACMD_MD_CONTIGUOUS		0x1	/* physically contiguous */

/**
 * enum dmacmd_addr_space - what the addresses of dmacmd_md_from_ranges() are
 * @DMACMD_ADDR_PHYS: CPU physical addresses (IOKit's task NULL)
 * @DMACMD_ADDR_KERNEL: kernel virtual addresses (kernel_task)
 * @DMACMD_ADDR_USER: user addresses of the calling process
 *	(current_task())
 */
enum dmacmd_addr_space {
	DMACMD_ADDR_PHYS,
	DMACMD_ADDR_KERNEL,
	DMACMD_ADDR_USER,
};

/* Memory descriptors. */
struct dmacmd_md *dmacmd_md_from_kva(void *addr, size_t len,
				     enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_from_pages(struct page **pages,
				       unsigned int npages, size_t offset,
				       size_t len, enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_from_sgtable(struct sg_table *sgt,
					 enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_from_user(unsigned long uaddr, size_t len,
				      enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_from_phys(phys_addr_t phys, size_t len,
				      enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_from_ranges(const struct dmacmd_range *ranges,
					unsigned int count,
					enum dma_data_direction dir,
					enum dmacmd_addr_space space);
struct dmacmd_md *dmacmd_md_sub(struct dmacmd_md *parent, u64 offset,
				u64 len, enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_multi(struct dmacmd_md **mds, unsigned int count,
				  enum dma_data_direction dir);
struct dmacmd_md *dmacmd_md_alloc(size_t capacity, u64 phys_mask, u32 flags,
				  enum dma_data_direction dir);
int dmacmd_md_sub_retarget(struct dmacmd_md *md, struct dmacmd_md *parent,
			   u64 offset, u64 len, enum dma_data_direction dir);
int dmacmd_md_set_length(struct dmacmd_md *md, size_t len);

void dmacmd_md_get(struct dmacmd_md *md);
void dmacmd_md_put(struct dmacmd_md *md);
u64 dmacmd_md_length(const struct dmacmd_md *md);
enum dma_data_direction dmacmd_md_direction(const struct dmacmd_md *md);
void *dmacmd_md_kaddr(struct dmacmd_md *md);
int dmacmd_md_prepare(struct dmacmd_md *md);
int dmacmd_md_complete(struct dmacmd_md *md);
bool dmacmd_md_is_prepared(const struct dmacmd_md *md);
u64 dmacmd_md_read(struct dmacmd_md *md, u64 offset, void *buf, u64 len);
u64 dmacmd_md_write(struct dmacmd_md *md, u64 offset, const void *buf,
		    u64 len);
phys_addr_t dmacmd_md_phys_segment(struct dmacmd_md *md, u64 offset,
				   u64 *len);

/* Commands. */
struct dmacmd *dmacmd_create(struct device *dev,
			     const struct dmacmd_spec *spec, void *refcon);
struct dmacmd *dmacmd_clone(struct dmacmd *cmd, void *refcon);
void dmacmd_get(struct dmacmd *cmd);
void dmacmd_put(struct dmacmd *cmd);
void *dmacmd_refcon(const struct dmacmd *cmd);
void dmacmd_set_refcon(struct dmacmd *cmd, void *refcon);
struct device *dmacmd_device(const struct dmacmd *cmd);
int dmacmd_get_spec(const struct dmacmd *cmd, struct dmacmd_spec *spec);

/**
 * enum dmacmd_flag - bits of the flags word of prepare, complete and
 *	set/clear memory
 * @DMACMD_FLUSH_CACHE: dmacmd_prepare(): do the DMA API's cache work for
 *	the device (IOKit's flushCache)
 * @DMACMD_SYNCHRONIZE: dmacmd_prepare(): copy memory to bounce memory;
 *	dmacmd_complete(): copy it back (IOKit's synchronize)
 * @DMACMD_INVALIDATE_CACHE: dmacmd_complete(): do the DMA API's cache work
 *	for the CPU (IOKit's invalidateCache)
 * @DMACMD_AUTO: dmacmd_set_memory(): prepare the whole descriptor
 *	(autoPrepare); dmacmd_clear_memory(): complete every prepare first
 *	(autoComplete)
 * @DMACMD_PREPARE_DEFAULT: IOKit's default of prepare()
 * @DMACMD_COMPLETE_DEFAULT: IOKit's default of complete()
 *
 * Each call takes only its own bits; any other is refused with -EINVAL.
 */
enum dmacmd_flag {
	DMACMD_FLUSH_CACHE = 0x1,
	DMACMD_SYNCHRONIZE = 0x2,
	DMACMD_INVALIDATE_CACHE = 0x4,
	DMACMD_AUTO = 0x8,
	DMACMD_PREPARE_DEFAULT = DMACMD_FLUSH_CACHE | DMACMD_SYNCHRONIZE,
	DMACMD_COMPLETE_DEFAULT = DMACMD_INVALIDATE_CACHE | DMACMD_SYNCHRONIZE,
};

int dmacmd_set_memory(struct dmacmd *cmd, struct dmacmd_md *md,
		      unsigned int flags);
int dmacmd_clear_memory(struct dmacmd *cmd, unsigned int flags);
struct dmacmd_md *dmacmd_memory(const struct dmacmd *cmd);

int dmacmd_prepare(struct dmacmd *cmd, u64 offset, u64 length,
		   unsigned int flags);
int dmacmd_prepare_with_spec(struct dmacmd *cmd,
			     const struct dmacmd_spec *spec, u64 offset,
			     u64 length, unsigned int flags);
int dmacmd_complete(struct dmacmd *cmd, unsigned int flags);
int dmacmd_synchronize(struct dmacmd *cmd, u32 options);
bool dmacmd_is_prepared(const struct dmacmd *cmd);
int dmacmd_prepared_range(const struct dmacmd *cmd, u64 *offset,
			  u64 *length);

int dmacmd_gen_segments(struct dmacmd *cmd, dmacmd_seg_fn fn, u64 *offset,
			void *segs, u32 *nsegs);
int dmacmd_gen32(struct dmacmd *cmd, u64 *offset, struct dmacmd_seg32 *segs,
		 u32 *nsegs);
int dmacmd_gen64(struct dmacmd *cmd, u64 *offset, struct dmacmd_seg64 *segs,
		 u32 *nsegs);

u64 dmacmd_read_bytes(struct dmacmd *cmd, u64 offset, void *buf, u64 len);
u64 dmacmd_write_bytes(struct dmacmd *cmd, u64 offset, const void *buf,
		       u64 len);

/* DriverKit flavour. */
#define DMACMD_DK_OP_READ	0x1	/* mapping -> data descriptor */
#define DMACMD_DK_OP_WRITE	0x2	/* data descriptor -> mapping */
#define DMACMD_DK_OP_ZERO	0x4	/* zero the mapping */
#define DMACMD_DK_DIR_IN	0x1	/* device may write (kIOMemoryDirectionIn) */
#define DMACMD_DK_DIR_OUT	0x2	/* device may read (kIOMemoryDirectionOut) */

int dmacmd_prepare_for_dma(struct dmacmd *cmd, u64 options,
			   struct dmacmd_md *md, u64 offset, u64 length,
			   u64 *flags, u32 *nsegs, struct dmacmd_seg64 *segs);
int dmacmd_complete_dma(struct dmacmd *cmd, u64 options);
int dmacmd_get_preparation(struct dmacmd *cmd, u64 *offset, u64 *length,
			   struct dmacmd_md **md);
int dmacmd_perform_operation(struct dmacmd *cmd, u64 options, u64 dma_offset,
			     u64 length, u64 data_offset,
			     struct dmacmd_md *data);

u64 dmacmd_bounced_bytes(const struct dmacmd *cmd);

#endif /* _LINUX_DMACMD_H */
