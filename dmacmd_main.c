// SPDX-License-Identifier: GPL-2.0
/*
 * dmacmd: module init and exit, module parameters, live-object accounting.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/atomic.h>

#include "dmacmd_internal.h"

bool dmacmd_strict;
module_param_named(strict, dmacmd_strict, bool, 0644);
MODULE_PARM_DESC(strict, "WARN once on API misuse (debugging aid; default off)");

atomic_long_t dmacmd_live_cmds = ATOMIC_LONG_INIT(0);
atomic_long_t dmacmd_live_mds = ATOMIC_LONG_INIT(0);

static int __init dmacmd_init(void)
{
	return dmacmd_debug_init();
}

static void __exit dmacmd_exit(void)
{
	long cmds = atomic_long_read(&dmacmd_live_cmds);
	long mds = atomic_long_read(&dmacmd_live_mds);

	dmacmd_debug_exit();
	if (cmds || mds)
		pr_err("unloading with %ld live commands and %ld live descriptors\n",
		       cmds, mds);
}

module_init(dmacmd_init);
module_exit(dmacmd_exit);

MODULE_DESCRIPTION("IOKit-style DMA commands and memory descriptors over the DMA API");
MODULE_AUTHOR("The dmacmd developers");
MODULE_LICENSE("GPL");
