// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmacmd_lifecycle": creating commands from a spec (IOKit's
 * defaults and refusals), clones, references and refcons, attaching and
 * detaching memory, and every misuse of the command API answered with its
 * documented error and no change of state.
 */
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/dmacmd.h>

#include "util.h"

#define LC_LEN		(4 * PAGE_SIZE)

/* ---- spec defaults and refusals ---- */

struct lc_spec_case {
	const char *desc;
	struct dmacmd_spec spec;
	int err;
	struct dmacmd_spec want; /* after normalization, when !err */
};

#define LC_U64MAX	U64_MAX

static const struct lc_spec_case lc_spec_cases[] = {
	{
		.desc = "host64, all zero: 64 bits, unlimited, alignments 1",
		.spec = { .out_fn = dmacmd_out_host64 },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "host32, 0 bits: 32 bits",
		.spec = { .out_fn = dmacmd_out_host32 },
		.want = { .address_bits = 32,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "be32, 32 bits",
		.spec = { .out_fn = dmacmd_out_be32, .address_bits = 32 },
		.want = { .address_bits = 32,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "le32, 33 bits: refused",
		.spec = { .out_fn = dmacmd_out_le32, .address_bits = 33 },
		.err = -EINVAL,
	},
	{
		.desc = "host64, 12 bits (page shift)",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = PAGE_SHIFT },
		.want = { .address_bits = PAGE_SHIFT,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "host64, 11 bits: below the page shift",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = PAGE_SHIFT - 1 },
		.err = -EINVAL,
	},
	{
		.desc = "host64, 1 bit",
		.spec = { .out_fn = dmacmd_out_host64, .address_bits = 1 },
		.err = -EINVAL,
	},
	{
		.desc = "host64, 65 bits: absurd",
		.spec = { .out_fn = dmacmd_out_host64, .address_bits = 65 },
		.err = -EINVAL,
	},
	{
		.desc = "no output function",
		.spec = { .out_fn = NULL, .address_bits = 64 },
		.err = -EINVAL,
	},
	{
		.desc = "alignment 64, internal 0: internal 64",
		.spec = { .out_fn = dmacmd_out_be64,
			  .address_bits = 40,
			  .alignment = 64 },
		.want = { .address_bits = 40,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 64,
			  .alignment_length = 1,
			  .alignment_internal = 64 },
	},
	{
		.desc = "sizes kept, alignments kept",
		.spec = { .out_fn = dmacmd_out_le64,
			  .address_bits = 48,
			  .max_segment_size = 65536,
			  .max_transfer_size = 1 << 20,
			  .alignment = 8,
			  .alignment_length = 512,
			  .alignment_internal = 4096 },
		.want = { .address_bits = 48,
			  .max_segment_size = 65536,
			  .max_transfer_size = 1 << 20,
			  .alignment = 8,
			  .alignment_length = 512,
			  .alignment_internal = 4096 },
	},
	{
		.desc = "UINT32_MAX sizes",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .max_segment_size = U32_MAX },
		.want = { .address_bits = 64,
			  .max_segment_size = U32_MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "alignment 3: not a power of two",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .alignment = 3 },
		.err = -EINVAL,
	},
	{
		.desc = "length alignment 6",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .alignment = 1,
			  .alignment_length = 6 },
		.err = -EINVAL,
	},
	{
		.desc = "internal alignment 8 MiB: absurd",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = SZ_8M },
		.err = -EINVAL,
	},
	{
		.desc = "alignment 4 MiB: largest",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .alignment = SZ_4M },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = SZ_4M,
			  .alignment_length = 1,
			  .alignment_internal = SZ_4M },
	},
	{
		.desc = "max segment 100 below internal alignment 256",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .max_segment_size = 100,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 256 },
		.err = -EINVAL,
	},
	{
		.desc = "max transfer 100 below length alignment 512",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .max_transfer_size = 100,
			  .alignment = 1,
			  .alignment_length = 512 },
		.err = -EINVAL,
	},
	{
		.desc = "kUnmapped: refused",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_UNMAPPED },
		.err = -EOPNOTSUPP,
	},
	{
		.desc = "kUnmapped | kIterateOnly: raw physical runs",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_UNMAPPED |
					 DMACMD_MAP_ITERATE_ONLY },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "kNoCacheStore: refused",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_NO_CACHE_STORE },
		.err = -EOPNOTSUPP,
	},
	{
		.desc = "kOnChip: refused",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_ON_CHIP },
		.err = -EOPNOTSUPP,
	},
	{
		.desc = "mapping type 4: unknown",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = 4 },
		.err = -EINVAL,
	},
	{
		.desc = "mapping flag 0x100: unknown",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = 0x100 },
		.err = -EINVAL,
	},
	{
		.desc = "kNonCoherent",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_NONCOHERENT },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "kBypassed",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_BYPASSED },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "kMapped | kIterateOnly, host32, PAGE_SIZE segments",
		.spec = { .out_fn = dmacmd_out_host32,
			  .address_bits = 32,
			  .max_segment_size = PAGE_SIZE,
			  .map_options = DMACMD_MAP_ITERATE_ONLY },
		.want = { .address_bits = 32,
			  .max_segment_size = PAGE_SIZE,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
	{
		.desc = "kMapped | DextOwner",
		.spec = { .out_fn = dmacmd_out_host64,
			  .address_bits = 64,
			  .map_options = DMACMD_MAP_DEXT_OWNER },
		.want = { .address_bits = 64,
			  .max_segment_size = LC_U64MAX,
			  .max_transfer_size = LC_U64MAX,
			  .alignment = 1,
			  .alignment_length = 1,
			  .alignment_internal = 1 },
	},
};

static void lc_spec_desc(const struct lc_spec_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lc_spec, lc_spec_cases, lc_spec_desc);

static void dmacmd_test_create_spec_defaults(struct kunit *test)
{
	const struct lc_spec_case *c = test->param_value;
	struct dmacmd_spec got;
	struct dmacmd *cmd, *clone;
	struct device *dev;
	const char *why;

	if (!c->err && (c->spec.map_options & DMACMD_MAP_TYPE_MASK) ==
		       DMACMD_MAP_BYPASSED) {
		dev = dmacmd_kt_bypass_dev(test, 64, &why);
		if (!dev)
			kunit_skip(test, "%s", why);
	} else {
		dev = dmacmd_kt_fake_dev(test, 64);
	}
	cmd = dmacmd_create(dev, &c->spec, test);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(cmd), c->err);
		return;
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).address_bits,
			c->want.address_bits);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment, c->want.alignment);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment_length,
			c->want.alignment_length);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).alignment_internal,
			c->want.alignment_internal);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(cmd, &got), 0);
	KUNIT_EXPECT_EQ(test, got.max_segment_size, c->want.max_segment_size);
	KUNIT_EXPECT_EQ(test, got.max_transfer_size, c->want.max_transfer_size);
	KUNIT_EXPECT_PTR_EQ(test, got.out_fn, c->spec.out_fn);
	KUNIT_EXPECT_EQ(test, got.map_options, c->spec.map_options);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_device(cmd), dev);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_refcon(cmd), (void *)test);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
	KUNIT_EXPECT_NULL(test, dmacmd_memory(cmd));

	/* A clone has the same spec exactly (IOKit swaps two fields). */
	clone = dmacmd_clone(cmd, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clone);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(clone).alignment_length,
			c->want.alignment_length);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(clone).alignment_internal,
			c->want.alignment_internal);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(clone, &got), 0);
	KUNIT_EXPECT_EQ(test, got.max_segment_size, c->want.max_segment_size);
	KUNIT_EXPECT_EQ(test, got.address_bits, c->want.address_bits);
	KUNIT_EXPECT_NULL(test, dmacmd_refcon(clone));
	dmacmd_put(clone);
	dmacmd_put(cmd);
}

static void dmacmd_test_create_device_rules(struct kunit *test)
{
	struct dmacmd_spec mapped = { .out_fn = dmacmd_out_host64,
				      .address_bits = 64 };
	struct dmacmd_spec iter = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .map_options = DMACMD_MAP_ITERATE_ONLY };
	struct dmacmd_spec byp = { .out_fn = dmacmd_out_host64,
				   .address_bits = 64,
				   .map_options = DMACMD_MAP_BYPASSED };
	struct device *edu;
	struct dmacmd *cmd;

	KUNIT_EXPECT_EQ(test, PTR_ERR(dmacmd_create(NULL, &mapped, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmacmd_create(ERR_PTR(-ENODEV), &mapped,
						    NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmacmd_create(dmacmd_kt_fake_dev(test, 64),
						    ERR_PTR(-EINVAL), NULL)),
			-EINVAL);

	/* A cursor or a bypassed command needs no device. */
	cmd = dmacmd_create(NULL, &iter, NULL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(cmd));
	if (!IS_ERR(cmd))
		dmacmd_put(cmd);
	cmd = dmacmd_create(NULL, &byp, NULL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(cmd));
	if (!IS_ERR(cmd))
		dmacmd_put(cmd);

	edu = dmacmd_kt_edu_dev(test);
	if (!edu || !dmacmd_kt_translated(edu))
		kunit_skip(test, "no device behind a translating IOMMU here");
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmacmd_create(edu, &byp, NULL)),
			-EOPNOTSUPP);
	cmd = dmacmd_create(edu, &mapped, NULL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(cmd));
	if (!IS_ERR(cmd))
		dmacmd_put(cmd);
}

/*
 * kBypassed hands the device CPU physical addresses: wrong for a device
 * that sees memory at an offset (DMA ranges), which is refused at create
 * (kBypassed also skips the cache work a device that is not DMA coherent
 * needs, and the decryption a memory-encrypted guest needs: refused there
 * too; the first is dmacmd_test_create_bypassed_noncoherent, the second an
 * x86 guest without encryption cannot show).
 */
static void dmacmd_test_create_bypassed_offset(struct kunit *test)
{
	struct dmacmd_spec byp = { .out_fn = dmacmd_out_host64,
				   .address_bits = 64,
				   .map_options = DMACMD_MAP_BYPASSED };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct bus_dma_region *map;
	struct dmacmd *cmd;

	/* Freed with the device (device_release()); a terminating entry. */
	map = kcalloc(2, sizeof(*map), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map);
	map[0].cpu_start = 0;
	map[0].dma_start = 1ULL << 40;
	map[0].size = 1ULL << 40;
	dev->dma_range_map = map;

	cmd = dmacmd_create(dev, &byp, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(cmd), -EOPNOTSUPP);
	if (!IS_ERR_OR_NULL(cmd))
		dmacmd_put(cmd);
}

/*
 * A device whose DMA is not coherent (KUnit's fake devices on arm64) needs
 * the cache maintenance that kBypassed skips: refused at create, and at a
 * prepare with such a spec; a coherent device takes it.
 */
static void dmacmd_test_create_bypassed_noncoherent(struct kunit *test)
{
	struct dmacmd_spec byp = { .out_fn = dmacmd_out_host64,
				   .address_bits = 64,
				   .map_options = DMACMD_MAP_BYPASSED };
	struct dmacmd_spec mapped = { .out_fn = dmacmd_out_host64,
				      .address_bits = 64 };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u8 *buf;

	cmd = dmacmd_create(dev, &byp, NULL);
	if (dev_is_dma_coherent(dev)) {
		KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(cmd));
	} else {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(cmd), -EOPNOTSUPP);

		buf = kunit_kzalloc(test, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		md = dmacmd_kt_md(test, dmacmd_md_from_kva(buf, 64,
							   DMA_TO_DEVICE));
		cmd = dmacmd_kt_cmd(test, dev, &mapped);
		KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, md, 0), 0);
		KUNIT_EXPECT_EQ(test,
				dmacmd_prepare_with_spec(cmd, &byp, 0, 0,
							 DMACMD_PREPARE_DEFAULT),
				-EOPNOTSUPP);
		KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(cmd));
		KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(cmd).map_options, 0);
		KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(cmd, 0), 0);
		return;
	}
	if (!IS_ERR_OR_NULL(cmd))
		dmacmd_put(cmd);
}

static void dmacmd_test_refcount_and_refcon(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64 };
	struct device *dev = dmacmd_kt_fake_dev(test, 64);
	struct dmacmd *cmd, *clone;
	int cookie;

	cmd = dmacmd_create(dev, &spec, &cookie);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_refcon(cmd), (void *)&cookie);
	dmacmd_set_refcon(cmd, test);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_refcon(cmd), (void *)test);

	dmacmd_get(cmd);
	dmacmd_put(cmd);
	/* Still alive: one reference left (KASAN would catch otherwise). */
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_refcon(cmd), (void *)test);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_device(cmd), dev);

	clone = dmacmd_clone(cmd, &cookie);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clone);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_refcon(clone), (void *)&cookie);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_device(clone), dev);
	dmacmd_put(cmd);
	/* The clone does not depend on the original. */
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(clone).address_bits, 64);
	dmacmd_put(clone);

	/* NULL is ignored; error pointers are refused. */
	dmacmd_put(NULL);
	dmacmd_get(NULL);
	KUNIT_EXPECT_NULL(test, dmacmd_refcon(NULL));
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmacmd_clone(ERR_PTR(-EIO), NULL)),
			-EINVAL);
}

/* ---- memory ---- */

struct lc_fix {
	struct device *dev;
	struct dmacmd *cmd;
	struct dmacmd_md *md, *md2;
	u8 *buf, *buf2;
};

static void lc_fix_init(struct kunit *test, struct lc_fix *f,
			const struct dmacmd_spec *spec)
{
	f->dev = dmacmd_kt_fake_dev(test, 64);
	f->buf = kunit_kzalloc(test, LC_LEN, GFP_KERNEL);
	f->buf2 = kunit_kzalloc(test, LC_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	KUNIT_ASSERT_NOT_NULL(test, f->buf2);
	f->md = dmacmd_kt_md(test, dmacmd_md_from_kva(f->buf, LC_LEN,
						      DMA_BIDIRECTIONAL));
	f->md2 = dmacmd_kt_md(test, dmacmd_md_from_kva(f->buf2, LC_LEN,
						       DMA_BIDIRECTIONAL));
	f->cmd = dmacmd_kt_cmd(test, f->dev, spec);
}

static const struct dmacmd_spec lc_spec64 = { .out_fn = dmacmd_out_host64,
					      .address_bits = 64 };

static void dmacmd_test_set_memory_auto_prepare(struct kunit *test)
{
	struct lc_fix f;
	u64 off, len;

	lc_fix_init(test, &f, &lc_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, DMACMD_AUTO), 0);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f.cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, len, LC_LEN);

	/* The same descriptor again prepares nothing more... */
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));

	/* ...and without auto-prepare completes every prepare. */
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);

	/* Another descriptor replaces it when not prepared. */
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md2, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md2);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
}

static void dmacmd_test_clear_memory_auto_complete(struct kunit *test)
{
	struct lc_fix f;

	lc_fix_init(test, &f, &lc_spec64);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, PAGE_SIZE, 0,
				       DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, PAGE_SIZE, LC_LEN - PAGE_SIZE,
				       DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, 0), -EBADFD);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			-EBADFD);
}

/*
 * A failed auto-prepare leaves the command holding nothing, as xnu's
 * IODMACommand::setMemoryDescriptor() does: it detaches the old descriptor
 * before it looks at the new one, and clears the new one when its prepare
 * fails.
 */
static void dmacmd_test_set_memory_failed_prepare(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .max_transfer_size = PAGE_SIZE };
	struct lc_fix f;

	lc_fix_init(test, &f, &spec);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md2, DMACMD_AUTO),
			-E2BIG);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, PAGE_SIZE,
				       DMACMD_PREPARE_DEFAULT),
			-EBADFD);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, PAGE_SIZE,
				       DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/*
 * The flags words take only their own bits: anything else (a bit of
 * another call's, or a stray bool passed where flags go) is refused with
 * -EINVAL and changes nothing.
 */
static void dmacmd_test_unknown_flags(struct kunit *test)
{
	struct lc_fix f;

	lc_fix_init(test, &f, &lc_spec64);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0x100), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			dmacmd_set_memory(f.cmd, f.md, DMACMD_PREPARE_DEFAULT),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);

	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_INVALIDATE_CACHE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_prepare(f.cmd, 0, 0, DMACMD_AUTO),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare_with_spec(f.cmd, &lc_spec64, 0, 0,
						 ~0U),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));

	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_FLUSH_CACHE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, DMACMD_SYNCHRONIZE),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);

	/* Every bit of its own is accepted. */
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_FLUSH_CACHE), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, DMACMD_AUTO), 0);
	KUNIT_EXPECT_FALSE(test, dmacmd_is_prepared(f.cmd));
}

/*
 * set_memory(NULL) detaches, as xnu's setMemoryDescriptor(NULL) does:
 * success on an idle command (also one holding nothing), -EBUSY while
 * prepared, with nothing changed.  The descriptor's reference goes.
 */
static void dmacmd_test_set_memory_null_detaches(struct kunit *test)
{
	struct dmacmd_kt_counts before, held, after;
	struct dmacmd_md *md;
	struct lc_fix f;

	lc_fix_init(test, &f, &lc_spec64);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, NULL, DMACMD_AUTO), 0);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));

	/* The command holds the only reference to @md. */
	dmacmd_kt_counts_read(&before);
	md = dmacmd_md_from_kva(f.buf, LC_LEN, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(md));
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, md, DMACMD_AUTO), 0);
	dmacmd_md_put(md);
	dmacmd_kt_counts_read(&held);
	KUNIT_EXPECT_EQ(test, held.mds, before.mds + 1);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, NULL, 0), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), md);
	KUNIT_EXPECT_TRUE(test, dmacmd_is_prepared(f.cmd));
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, NULL, DMACMD_AUTO), 0);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
	dmacmd_kt_counts_read(&after);
	dmacmd_kt_counts_equal(test, &before, &after, "after detaching");
}

/* withRefCon: no spec until prepareWithSpecification. */
static void dmacmd_test_unspecified_command(struct kunit *test)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_le64,
				    .address_bits = 48,
				    .alignment = 16 };
	struct dmacmd_spec bad = { .out_fn = dmacmd_out_le64,
				   .address_bits = 3 };
	struct dmacmd_spec got;
	struct lc_fix f;
	u64 off, len;

	lc_fix_init(test, &f, NULL);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(f.cmd).address_bits, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(f.cmd).alignment, 0);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(f.cmd, &got), -EBADFD);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			-EBADFD);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md2, DMACMD_AUTO),
			-EBADFD);
	KUNIT_EXPECT_NULL(test, dmacmd_memory(f.cmd));
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(f.cmd, f.md, 0), 0);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare_with_spec(f.cmd, &bad, 0, 0,
						 DMACMD_PREPARE_DEFAULT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(f.cmd, &got), -EBADFD);
	/* A refused prepare keeps the old (absent) spec too. */
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare_with_spec(f.cmd, &spec, LC_LEN, 0,
						 DMACMD_PREPARE_DEFAULT),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(f.cmd, &got), -EBADFD);

	KUNIT_ASSERT_EQ(test,
			dmacmd_prepare_with_spec(f.cmd, &spec, PAGE_SIZE,
						 PAGE_SIZE,
						 DMACMD_PREPARE_DEFAULT),
			0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(f.cmd).address_bits, 48);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(f.cmd).alignment, 16);
	KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f.cmd, &off, &len), 0);
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, len, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare_with_spec(f.cmd, &lc_spec64, 0, 0,
						 DMACMD_PREPARE_DEFAULT),
			-EPERM);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_spec(f.cmd).address_bits, 48);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);

	/* A later prepare uses the spec set last. */
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

/* Releasing a command that holds prepared memory completes and drops it. */
static void dmacmd_test_release_with_memory(struct kunit *test)
{
	struct lc_fix f;
	struct dmacmd *cmd;

	lc_fix_init(test, &f, &lc_spec64);
	cmd = dmacmd_create(f.dev, &lc_spec64, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, dmacmd_set_memory(cmd, f.md, DMACMD_AUTO), 0);
	KUNIT_ASSERT_EQ(test, dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT),
			0);
	/* The iwl pattern: complete once, release without clearing. */
	KUNIT_EXPECT_EQ(test, dmacmd_complete(cmd, DMACMD_COMPLETE_DEFAULT), 0);
	dmacmd_put(cmd);
	/* The descriptor lives on with the test's reference only. */
	KUNIT_EXPECT_EQ(test, dmacmd_md_length(f.md), LC_LEN);
	KUNIT_EXPECT_EQ(test, dmacmd_set_memory(f.cmd, f.md, DMACMD_AUTO), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_clear_memory(f.cmd, DMACMD_AUTO), 0);
}

/* ---- misuse ---- */

/*
 * Each case runs on a fresh fixture (memory attached; prepared over the
 * whole descriptor if .prepared), must return .err, and must leave the
 * command as it was: same preparation, same memory, and still usable.
 */
struct lc_misuse {
	const char *desc;
	bool prepared;
	int (*fn)(struct lc_fix *f);
	int err;
};

static int lc_prepare_unspecified(struct lc_fix *f)
{
	struct dmacmd *cmd = dmacmd_create(f->dev, NULL, NULL);
	int ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_set_memory(cmd, f->md, 0);
	if (!ret)
		ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	dmacmd_put(cmd);
	return ret;
}

static int lc_prepare_no_memory(struct lc_fix *f)
{
	struct dmacmd *cmd = dmacmd_create(f->dev, &lc_spec64, NULL);
	int ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_prepare(cmd, 0, 0, DMACMD_PREPARE_DEFAULT);
	dmacmd_put(cmd);
	return ret;
}

static int lc_prepare_past_end(struct lc_fix *f)
{
	return dmacmd_prepare(f->cmd, LC_LEN, 0, DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_too_long(struct lc_fix *f)
{
	return dmacmd_prepare(f->cmd, PAGE_SIZE, LC_LEN,
			      DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_overflow(struct lc_fix *f)
{
	return dmacmd_prepare(f->cmd, 16, U64_MAX - 8, DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_huge_offset(struct lc_fix *f)
{
	return dmacmd_prepare(f->cmd, U64_MAX, 1, DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_above_max_transfer(struct lc_fix *f)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .max_transfer_size = PAGE_SIZE };

	return dmacmd_prepare_with_spec(f->cmd, &spec, 0, 2 * PAGE_SIZE,
					DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_length_misaligned(struct lc_fix *f)
{
	struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64,
				    .address_bits = 64,
				    .alignment = 1,
				    .alignment_length = 512 };

	return dmacmd_prepare_with_spec(f->cmd, &spec, 0, 1000,
					DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_nested_other_range(struct lc_fix *f)
{
	return dmacmd_prepare(f->cmd, 0, PAGE_SIZE, DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_null(struct lc_fix *f)
{
	return dmacmd_prepare(NULL, 0, 0, DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_err_ptr(struct lc_fix *f)
{
	return dmacmd_prepare(ERR_PTR(-ENOMEM), 0, 0, DMACMD_PREPARE_DEFAULT);
}

static int lc_complete_unprepared(struct lc_fix *f)
{
	return dmacmd_complete(f->cmd, DMACMD_COMPLETE_DEFAULT);
}

static int lc_complete_twice(struct lc_fix *f)
{
	int ret = dmacmd_complete(f->cmd, DMACMD_COMPLETE_DEFAULT);

	if (ret)
		return ret;
	ret = dmacmd_complete(f->cmd, DMACMD_COMPLETE_DEFAULT);
	/* Put the state back as the table expects it. */
	if (dmacmd_prepare(f->cmd, 0, 0, DMACMD_PREPARE_DEFAULT))
		return -EFAULT;
	return ret;
}

static int lc_complete_null(struct lc_fix *f)
{
	return dmacmd_complete(NULL, DMACMD_COMPLETE_DEFAULT);
}

static int lc_set_memory_other_prepared(struct lc_fix *f)
{
	return dmacmd_set_memory(f->cmd, f->md2, DMACMD_AUTO);
}

static int lc_set_memory_null_md(struct lc_fix *f)
{
	return dmacmd_set_memory(f->cmd, NULL, 0);
}

static int lc_set_memory_err_md(struct lc_fix *f)
{
	return dmacmd_set_memory(f->cmd, ERR_PTR(-EINVAL), 0);
}

static int lc_clear_memory_prepared(struct lc_fix *f)
{
	return dmacmd_clear_memory(f->cmd, 0);
}

static int lc_clear_memory_none(struct lc_fix *f)
{
	struct dmacmd *cmd = dmacmd_create(f->dev, &lc_spec64, NULL);
	int ret;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	ret = dmacmd_clear_memory(cmd, DMACMD_AUTO);
	dmacmd_put(cmd);
	return ret;
}

static int lc_gen_unprepared(struct lc_fix *f)
{
	struct dmacmd_seg64 seg;
	u64 off = 0;
	u32 n = 1;

	return dmacmd_gen64(f->cmd, &off, &seg, &n);
}

static int lc_gen_null_offset(struct lc_fix *f)
{
	struct dmacmd_seg64 seg;
	u32 n = 1;

	return dmacmd_gen64(f->cmd, NULL, &seg, &n);
}

static int lc_gen_zero_segments(struct lc_fix *f)
{
	struct dmacmd_seg64 seg;
	u64 off = 0;
	u32 n = 0;

	return dmacmd_gen64(f->cmd, &off, &seg, &n);
}

static int lc_gen_null_segments(struct lc_fix *f)
{
	u64 off = 0;
	u32 n = 1;

	return dmacmd_gen_segments(f->cmd, NULL, &off, NULL, &n);
}

static int lc_gen_past_end(struct lc_fix *f)
{
	struct dmacmd_seg64 seg = { .addr = 1, .len = 2 };
	u64 off = LC_LEN;
	u32 n = 1;
	int ret = dmacmd_gen64(f->cmd, &off, &seg, &n);

	if (off != LC_LEN || n != 1 || seg.addr != 1 || seg.len != 2)
		return -EFAULT;
	return ret;
}

static int lc_gen32_on_64bit_fn(struct lc_fix *f)
{
	struct dmacmd_seg32 seg;
	u64 off = 0;
	u32 n = 1;

	return dmacmd_gen32(f->cmd, &off, &seg, &n);
}

static int lc_sync_both(struct lc_fix *f)
{
	return dmacmd_synchronize(f->cmd, DMACMD_SYNC_IN | DMACMD_SYNC_OUT);
}

static int lc_sync_none(struct lc_fix *f)
{
	return dmacmd_synchronize(f->cmd, 0);
}

static int lc_sync_unknown(struct lc_fix *f)
{
	return dmacmd_synchronize(f->cmd, 0x80);
}

static int lc_sync_unprepared(struct lc_fix *f)
{
	return dmacmd_synchronize(f->cmd, DMACMD_SYNC_IN);
}

static int lc_prepare_with_spec_prepared(struct lc_fix *f)
{
	return dmacmd_prepare_with_spec(f->cmd, &lc_spec64, 0, 0,
					DMACMD_PREPARE_DEFAULT);
}

static int lc_prepare_with_spec_null(struct lc_fix *f)
{
	return dmacmd_prepare_with_spec(f->cmd, NULL, 0, 0,
					DMACMD_PREPARE_DEFAULT);
}

static int lc_prepared_range_unprepared(struct lc_fix *f)
{
	u64 off, len;

	return dmacmd_prepared_range(f->cmd, &off, &len);
}

static int lc_read_bytes_unprepared(struct lc_fix *f)
{
	u8 b[8];

	return dmacmd_read_bytes(f->cmd, 0, b, sizeof(b)) ? -EFAULT : -EBADFD;
}

static int lc_get_spec_null(struct lc_fix *f)
{
	return dmacmd_get_spec(f->cmd, NULL);
}

static const struct lc_misuse lc_misuse_cases[] = {
	{ "prepare without a spec", false, lc_prepare_unspecified, -EBADFD },
	{ "prepare without memory", false, lc_prepare_no_memory, -EBADFD },
	{ "prepare at the end", false, lc_prepare_past_end, -ERANGE },
	{ "prepare past the end", false, lc_prepare_too_long, -ERANGE },
	{ "prepare, offset + length overflows", false, lc_prepare_overflow,
	  -ERANGE },
	{ "prepare at offset U64_MAX", false, lc_prepare_huge_offset,
	  -ERANGE },
	{ "prepare above the max transfer size", false,
	  lc_prepare_above_max_transfer, -E2BIG },
	{ "prepare, length breaks the length alignment", false,
	  lc_prepare_length_misaligned, -EDOM },
	{ "nested prepare of another range", true,
	  lc_prepare_nested_other_range, -EBADFD },
	{ "prepare NULL", false, lc_prepare_null, -EINVAL },
	{ "prepare ERR_PTR", false, lc_prepare_err_ptr, -EINVAL },
	{ "complete when not prepared", false, lc_complete_unprepared,
	  -EBADFD },
	{ "double complete", true, lc_complete_twice, -EBADFD },
	{ "complete NULL", false, lc_complete_null, -EINVAL },
	{ "set memory while prepared", true, lc_set_memory_other_prepared,
	  -EBUSY },
	{ "set memory NULL while prepared", true, lc_set_memory_null_md,
	  -EBUSY },
	{ "set memory ERR_PTR", false, lc_set_memory_err_md, -EINVAL },
	{ "clear memory while prepared, no auto-complete", true,
	  lc_clear_memory_prepared, -EBADFD },
	{ "clear memory with none attached", false, lc_clear_memory_none,
	  -EBADFD },
	{ "generate when not prepared", false, lc_gen_unprepared, -EBADFD },
	{ "generate, NULL offset", true, lc_gen_null_offset, -EINVAL },
	{ "generate, zero segments", true, lc_gen_zero_segments, -EINVAL },
	{ "generate, NULL segments", true, lc_gen_null_segments, -EINVAL },
	{ "generate at the end: overrun, nothing written", true,
	  lc_gen_past_end, -ERANGE },
	{ "gen32 with a 64-bit output function", true, lc_gen32_on_64bit_fn,
	  -EINVAL },
	{ "synchronize In and Out", true, lc_sync_both, -EINVAL },
	{ "synchronize, no option", true, lc_sync_none, -EINVAL },
	{ "synchronize, unknown option", true, lc_sync_unknown, -EINVAL },
	{ "synchronize when not prepared", false, lc_sync_unprepared,
	  -EBADFD },
	{ "prepare with spec while prepared", true,
	  lc_prepare_with_spec_prepared, -EPERM },
	{ "prepare with spec NULL", false, lc_prepare_with_spec_null,
	  -EINVAL },
	{ "prepared range when not prepared", false,
	  lc_prepared_range_unprepared, -EBADFD },
	{ "read bytes when not prepared: nothing", false,
	  lc_read_bytes_unprepared, -EBADFD },
	{ "get spec into NULL", false, lc_get_spec_null, -EINVAL },
};

static void lc_misuse_desc(const struct lc_misuse *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lc_misuse, lc_misuse_cases, lc_misuse_desc);

static void dmacmd_test_misuse_refused_no_change(struct kunit *test)
{
	const struct lc_misuse *c = test->param_value;
	struct dmacmd_spec before, after;
	u64 off = 0, len = 0, off2, len2;
	struct lc_fix f;
	u8 pat[16];

	lc_fix_init(test, &f, &lc_spec64);
	dmacmd_kt_fill(f.buf, LC_LEN, 7, 0);
	KUNIT_ASSERT_EQ(test,
			dmacmd_set_memory(f.cmd, f.md,
					  (c->prepared ? DMACMD_AUTO : 0)),
			0);
	KUNIT_ASSERT_EQ(test, dmacmd_get_spec(f.cmd, &before), 0);
	if (c->prepared)
		KUNIT_ASSERT_EQ(test, dmacmd_prepared_range(f.cmd, &off, &len),
				0);

	KUNIT_EXPECT_EQ(test, c->fn(&f), c->err);

	KUNIT_EXPECT_EQ(test, dmacmd_is_prepared(f.cmd), c->prepared);
	KUNIT_EXPECT_PTR_EQ(test, dmacmd_memory(f.cmd), f.md);
	KUNIT_EXPECT_EQ(test, dmacmd_get_spec(f.cmd, &after), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&before, &after, sizeof(before)), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(f.buf, LC_LEN, 7, 0),
			U64_MAX);
	if (c->prepared) {
		KUNIT_EXPECT_EQ(test, dmacmd_prepared_range(f.cmd, &off2,
							    &len2), 0);
		KUNIT_EXPECT_EQ(test, off2, off);
		KUNIT_EXPECT_EQ(test, len2, len);
		/* Still works: one complete undoes the one prepare. */
		KUNIT_EXPECT_EQ(test, dmacmd_read_bytes(f.cmd, 0, pat,
							sizeof(pat)),
				sizeof(pat));
		KUNIT_EXPECT_EQ(test, dmacmd_kt_mismatch(pat, sizeof(pat), 7, 0),
				U64_MAX);
		KUNIT_EXPECT_EQ(test,
				dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
				0);
	}
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			-EBADFD);
	KUNIT_EXPECT_EQ(test,
			dmacmd_prepare(f.cmd, 0, 0, DMACMD_PREPARE_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, dmacmd_complete(f.cmd, DMACMD_COMPLETE_DEFAULT),
			0);
}

static struct kunit_case dmacmd_lifecycle_cases[] = {
	KUNIT_CASE_PARAM(dmacmd_test_create_spec_defaults, lc_spec_gen_params),
	KUNIT_CASE(dmacmd_test_create_device_rules),
	KUNIT_CASE(dmacmd_test_create_bypassed_offset),
	KUNIT_CASE(dmacmd_test_create_bypassed_noncoherent),
	KUNIT_CASE(dmacmd_test_refcount_and_refcon),
	KUNIT_CASE(dmacmd_test_set_memory_auto_prepare),
	KUNIT_CASE(dmacmd_test_clear_memory_auto_complete),
	KUNIT_CASE(dmacmd_test_set_memory_failed_prepare),
	KUNIT_CASE(dmacmd_test_set_memory_null_detaches),
	KUNIT_CASE(dmacmd_test_unknown_flags),
	KUNIT_CASE(dmacmd_test_unspecified_command),
	KUNIT_CASE(dmacmd_test_release_with_memory),
	KUNIT_CASE_PARAM(dmacmd_test_misuse_refused_no_change,
			 lc_misuse_gen_params),
	{}
};

static struct kunit_suite dmacmd_lifecycle_suite = {
	.name = "dmacmd_cmd",
	.test_cases = dmacmd_lifecycle_cases,
};

kunit_test_suites(&dmacmd_lifecycle_suite);

DMACMD_IMPORT_NS();
MODULE_DESCRIPTION("KUnit tests for dmacmd");
MODULE_LICENSE("GPL");
