/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMACMD_KUNIT_UTIL_H
#define _DMACMD_KUNIT_UTIL_H

#endif /* _DMACMD_KUNIT_UTIL_H */
