/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building the scatterlist of a prepared range (dmacmd_map_build.c), for
 * the mapping code of dmacmd_map.c.
 */
#ifndef _DMACMD_MAP_BUILD_H
#define _DMACMD_MAP_BUILD_H

#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "dmacmd_cmd.h"

/* Largest scatterlist entry dmacmd builds (sg lengths are unsigned int). */
#define DMACMD_SG_MAX		(UINT_MAX & PAGE_MASK)
/* Copy-buffer blocks grow to this for long ranges: fewer, longer copies. */
#define DMACMD_COPY_BLOCK	SZ_64K

/**
 * struct dmacmd_build - a scatterlist being built for a prepared range
 * @cmd: the command
 * @m: the mapping whose list it is
 * @n: entries used
 * @max_ent: longest entry
 * @bmask: device segment boundary
 * @bounce_max: highest address mapped directly
 * @last_end: end of the last direct entry
 * @last_direct: the last entry is memory the device reaches as it is
 */
struct dmacmd_build {
	struct dmacmd *cmd;
	struct dmacmd_mapping *m;
	unsigned int n;
	unsigned int max_ent;
	unsigned long bmask;
	u64 bounce_max;
	phys_addr_t last_end;
	bool last_direct;
};

struct scatterlist *dmacmd_sg_add(struct dmacmd_mapping *m, unsigned int *n);
void dmacmd_list_done(struct dmacmd_mapping *m, unsigned int n);
int dmacmd_build_runs(struct dmacmd_build *b);
int dmacmd_build_copy(struct dmacmd_build *b);
int dmacmd_build_coherent(struct dmacmd_build *b);
bool dmacmd_buffer_in_place(struct dmacmd *cmd);
int dmacmd_build_in_place(struct dmacmd *cmd, struct dmacmd_mapping *m);

#endif /* _DMACMD_MAP_BUILD_H */
