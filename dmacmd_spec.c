// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: the hardware specification of a command.
 *
 * IOKit's output functions, which encode one segment in the layout the
 * hardware reads, and the normalization of a specification against the
 * device that will carry it.
 */
#include <linux/cc_platform.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/kernel.h>

#include "dmacmd_cmd.h"
#include "dmacmd_spec.h"

/* ------------------------------------------------------------------ */
/* Output functions                                                    */

/**
 * dmacmd_out_host32() - write a segment as two host-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputHost32.  Addresses and lengths are truncated to 32 bits:
 * a command with a 32-bit output function never has more than 32 address
 * bits, and dmacmd_gen_segments() refuses a segment that does not fit.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_host32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index)
{
	struct dmacmd_seg32 *s = (struct dmacmd_seg32 *)segs + index;

	s->addr = (u32)seg.addr;
	s->len = (u32)seg.len;
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_host32);

/**
 * dmacmd_out_be32() - write a segment as two big-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputBig32; see dmacmd_out_host32() about truncation.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_be32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__be32 *s = (__be32 *)((struct dmacmd_seg32 *)segs + index);

	s[0] = cpu_to_be32((u32)seg.addr);
	s[1] = cpu_to_be32((u32)seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_be32);

/**
 * dmacmd_out_le32() - write a segment as two little-endian 32-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg32
 * @index: element of @segs to write
 *
 * IOKit's OutputLittle32; see dmacmd_out_host32() about truncation.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_le32(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__le32 *s = (__le32 *)((struct dmacmd_seg32 *)segs + index);

	s[0] = cpu_to_le32((u32)seg.addr);
	s[1] = cpu_to_le32((u32)seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_le32);

/**
 * dmacmd_out_host64() - write a segment as two host-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputHost64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_host64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		       void *segs, u32 index)
{
	((struct dmacmd_seg64 *)segs)[index] = seg;
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_host64);

/**
 * dmacmd_out_be64() - write a segment as two big-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputBig64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_be64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__be64 *s = (__be64 *)((struct dmacmd_seg64 *)segs + index);

	s[0] = cpu_to_be64(seg.addr);
	s[1] = cpu_to_be64(seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_be64);

/**
 * dmacmd_out_le64() - write a segment as two little-endian 64-bit words
 * @cmd: the command generating segments (unused)
 * @seg: the segment
 * @segs: array of &struct dmacmd_seg64
 * @index: element of @segs to write
 *
 * IOKit's OutputLittle64.
 *
 * Context: Any context.
 * Return: true.
 */
bool dmacmd_out_le64(struct dmacmd *cmd, struct dmacmd_seg64 seg,
		     void *segs, u32 index)
{
	__le64 *s = (__le64 *)((struct dmacmd_seg64 *)segs + index);

	s[0] = cpu_to_le64(seg.addr);
	s[1] = cpu_to_le64(seg.len);
	return true;
}
EXPORT_SYMBOL_GPL(dmacmd_out_le64);

/* ------------------------------------------------------------------ */
/* Specification                                                       */

bool dmacmd_dev_translated(struct device *dev)
{
	struct iommu_domain *dom;

	if (!dev)
		return false;
	dom = iommu_get_domain_for_dev(dev);
	return dom && (dom->type & __IOMMU_DOMAIN_PAGING);
}

/* Highest address the DMA API lets @dev use (mask and bus limit). */
u64 dmacmd_dev_max(struct device *dev)
{
	u64 max = dma_get_mask(dev);

	if (dev->bus_dma_limit)
		max = min_t(u64, max, dev->bus_dma_limit);
	return max;
}

/*
 * Apply IOKit's defaults to @in and refuse what IOKit refuses, plus the
 * values that can never work (see "Where dmacmd deliberately differs").
 * On success *@out is the normalized spec.  *@why says what is wrong.
 */
int dmacmd_spec_normalize(const struct dmacmd_spec *in,
			  struct dmacmd_spec *out, const char **why)
{
	struct dmacmd_spec s = *in;
	u32 type = s.map_options & DMACMD_MAP_TYPE_MASK;
	u32 seg_align;

	if (!s.out_fn) {
		*why = "no output function";
		return -EINVAL;
	}
	if (dmacmd_is_out32(s.out_fn)) {
		if (!s.address_bits) {
			s.address_bits = 32;
		} else if (s.address_bits > 32) {
			*why = "more than 32 address bits for a 32-bit output function";
			return -EINVAL;
		}
	}
	if (!s.address_bits)
		s.address_bits = 64;
	if (s.address_bits < PAGE_SHIFT || s.address_bits > 64) {
		*why = "address bits below the page shift or above 64";
		return -EINVAL;
	}
	if (!s.max_segment_size)
		s.max_segment_size = U64_MAX;
	if (!s.max_transfer_size)
		s.max_transfer_size = U64_MAX;
	if (!s.alignment)
		s.alignment = 1;
	if (!s.alignment_length)
		s.alignment_length = 1;
	if (!s.alignment_internal)
		s.alignment_internal = s.alignment;
	if (!is_power_of_2(s.alignment) || s.alignment > DMACMD_MAX_ALIGN ||
	    !is_power_of_2(s.alignment_length) ||
	    s.alignment_length > DMACMD_MAX_ALIGN ||
	    !is_power_of_2(s.alignment_internal) ||
	    s.alignment_internal > DMACMD_MAX_ALIGN) {
		*why = "an alignment that is not a power of two up to 4 MiB";
		return -EINVAL;
	}
	seg_align = max(s.alignment_internal, s.alignment_length);
	if (s.max_segment_size < seg_align) {
		*why = "a maximum segment size below the segment alignment";
		return -EINVAL;
	}
	if (s.max_transfer_size < s.alignment_length) {
		*why = "a maximum transfer size below the length alignment";
		return -EINVAL;
	}
	if (s.map_options & ~(DMACMD_MAP_TYPE_MASK | DMACMD_MAP_KNOWN_FLAGS)) {
		*why = "unknown mapping flags";
		return -EINVAL;
	}
	switch (type) {
	case DMACMD_MAP_MAPPED:
	case DMACMD_MAP_NONCOHERENT:
	case DMACMD_MAP_BYPASSED:
		break;
	case DMACMD_MAP_UNMAPPED:
		/* Raw physical runs: only a cursor can hand those out. */
		if (s.map_options & DMACMD_MAP_ITERATE_ONLY)
			break;
		*why = "kUnmapped without kIterateOnly (Linux maps through the DMA API)";
		return -EOPNOTSUPP;
	default:
		*why = "unknown mapping type";
		return -EINVAL;
	}
	if (s.map_options & (DMACMD_MAP_NO_CACHE_STORE | DMACMD_MAP_ON_CHIP)) {
		*why = "kNoCacheStore and kOnChip are not supported";
		return -EOPNOTSUPP;
	}
	*out = s;
	return 0;
}

/* Can @dev carry a command with the normalized spec @s? */
/*
 * kBypassed hands @dev CPU physical addresses and does no cache work:
 * right only where those are its bus addresses (no DMA offset), its DMA
 * is coherent with the CPU, and memory is not encrypted (a device of an
 * encrypted guest reaches only decrypted, bounced memory).
 */
static int dmacmd_bypass_dev_ok(struct device *dev, const char **why)
{
	if (dev->dma_range_map)
		*why = "kBypassed for a device that sees memory at an offset (DMA ranges)";
	else if (!dev_is_dma_coherent(dev))
		*why = "kBypassed for a device whose DMA is not coherent";
	else if (cc_platform_has(CC_ATTR_MEM_ENCRYPT))
		*why = "kBypassed in a memory-encrypted guest";
	else
		return 0;
	return -EOPNOTSUPP;
}

int dmacmd_spec_dev_ok(struct device *dev, const struct dmacmd_spec *s,
		       const char **why)
{
	u32 type = s->map_options & DMACMD_MAP_TYPE_MASK;

	/* CPU physical addresses mean nothing behind a translating IOMMU. */
	if (type == DMACMD_MAP_BYPASSED || type == DMACMD_MAP_UNMAPPED) {
		if (dmacmd_dev_translated(dev)) {
			*why = type == DMACMD_MAP_BYPASSED ?
			       "kBypassed for a device behind a translating IOMMU" :
			       "kUnmapped for a device behind a translating IOMMU";
			return -EOPNOTSUPP;
		}
		if (type == DMACMD_MAP_BYPASSED && dev)
			return dmacmd_bypass_dev_ok(dev, why);
		return 0;
	}
	/* A cursor without a device hands out physical runs. */
	if (!dev && (s->map_options & DMACMD_MAP_ITERATE_ONLY))
		return 0;
	if (!dev) {
		*why = "no device for a mapped command";
		return -EINVAL;
	}
	if (!dev->dma_mask) {
		*why = "the device has no DMA mask";
		return -EINVAL;
	}
	return 0;
}
