/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The specification of a command (dmacmd_spec.c): normalizing a spec,
 * and what a device's DMA configuration allows.
 */
#ifndef _DMACMD_SPEC_H
#define _DMACMD_SPEC_H

#include <linux/types.h>

#include <linux/dmacmd.h>

struct device;

bool dmacmd_dev_translated(struct device *dev);
u64 dmacmd_dev_max(struct device *dev);
int dmacmd_spec_normalize(const struct dmacmd_spec *in,
			  struct dmacmd_spec *out, const char **why);
int dmacmd_spec_dev_ok(struct device *dev, const struct dmacmd_spec *s,
		       const char **why);

#endif /* _DMACMD_SPEC_H */
