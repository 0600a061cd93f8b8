/* SPDX-License-Identifier: GPL-2.0 */
/* Memory descriptor internals: owned by dmacmd_md.c. */
#ifndef _DMACMD_MD_H
#define _DMACMD_MD_H

#endif /* _DMACMD_MD_H */
