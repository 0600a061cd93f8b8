// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest real consumer of dmacmd's native API: at load it maps a
 * kernel buffer for a device of its own, walks the segments and checks that
 * they cover the buffer.  Shows what an out-of-tree driver needs: the
 * header, the namespace import and KBUILD_EXTRA_SYMBOLS (see Kbuild).
 *
 * With leak=1 it also makes the mistake dmacmd reports at unload: it
 * leaves a command and the descriptor attached to it alive when it goes
 * (scripts/vm-tests/consumer.sh checks the report, then releases them
 * through dmacmd's debugfs "reap" file).
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/dmacmd.h>

#define CONSUMER_LEN	(3 * PAGE_SIZE + 100)

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "Leave a command and a descriptor alive at unload (default off)");

static int consumer_map_once(struct device *dev)
{
	const struct dmacmd_spec spec = {
		.out_fn = dmacmd_out_host64,
		.address_bits = 64,
		.max_segment_size = PAGE_SIZE,
	};
	struct dmacmd_seg64 segs[8];
	u32 nsegs = ARRAY_SIZE(segs);
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	u64 offset = 0, covered = 0;
	void *buf;
	int ret, i;

	buf = kmalloc(CONSUMER_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	md = dmacmd_md_from_kva(buf, CONSUMER_LEN, DMA_TO_DEVICE);
	if (IS_ERR(md)) {
		ret = PTR_ERR(md);
		goto out_free_buf;
	}
	cmd = dmacmd_create(dev, &spec, NULL);
	if (IS_ERR(cmd)) {
		ret = PTR_ERR(cmd);
		goto out_put_md;
	}
	ret = dmacmd_set_memory(cmd, md, DMACMD_AUTO);
	if (ret)
		goto out_put_cmd;
	ret = dmacmd_gen64(cmd, &offset, segs, &nsegs);
	if (!ret) {
		for (i = 0; i < nsegs; i++)
			covered += segs[i].len;
		if (covered != CONSUMER_LEN || offset != CONSUMER_LEN)
			ret = -EIO;
	}
	dmacmd_clear_memory(cmd, DMACMD_AUTO);
	if (!ret)
		dev_info(dev, "mapped %lu bytes in %u segments\n",
			 CONSUMER_LEN, nsegs);
out_put_cmd:
	dmacmd_put(cmd);
out_put_md:
	dmacmd_md_put(md);
out_free_buf:
	kfree(buf);
	return ret;
}

/* The deliberate leak: created at load, never released. */
static int consumer_leak(struct device *dev)
{
	const struct dmacmd_spec spec = { .out_fn = dmacmd_out_host64 };
	struct dmacmd_md *md;
	struct dmacmd *cmd;
	int ret;

	md = dmacmd_md_alloc(PAGE_SIZE, 0, 0, DMA_BIDIRECTIONAL);
	if (IS_ERR(md))
		return PTR_ERR(md);
	cmd = dmacmd_create(dev, &spec, NULL);
	if (IS_ERR(cmd)) {
		dmacmd_md_put(md);
		return PTR_ERR(cmd);
	}
	ret = dmacmd_set_memory(cmd, md, 0);
	if (ret) {
		dmacmd_put(cmd);
		dmacmd_md_put(md);
		return ret;
	}
	dev_info(dev, "leaving a command and a descriptor alive\n");
	return 0;
}

static struct platform_device *consumer_pdev;

static int __init consumer_init(void)
{
	int ret;

	consumer_pdev = platform_device_register_simple("dmacmd_consumer", -1,
							NULL, 0);
	if (IS_ERR(consumer_pdev))
		return PTR_ERR(consumer_pdev);
	ret = dma_coerce_mask_and_coherent(&consumer_pdev->dev,
					   DMA_BIT_MASK(64));
	if (!ret)
		ret = consumer_map_once(&consumer_pdev->dev);
	if (!ret && leak)
		ret = consumer_leak(&consumer_pdev->dev);
	if (ret) {
		pr_err("dmacmd_consumer: mapping failed: %d\n", ret);
		platform_device_unregister(consumer_pdev);
	}
	return ret;
}

static void __exit consumer_exit(void)
{
	platform_device_unregister(consumer_pdev);
}

module_init(consumer_init);
module_exit(consumer_exit);

/*
 * The namespace import: MODULE_IMPORT_NS(DMACMD) up to 6.12,
 * MODULE_IMPORT_NS("DMACMD") from 6.13; this spelling works on both.
 */
MODULE_INFO(import_ns, "DMACMD");
MODULE_DESCRIPTION("Example consumer of dmacmd's native API");
MODULE_LICENSE("GPL");
