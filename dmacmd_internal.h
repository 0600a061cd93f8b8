/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd internals shared by dmacmd_main.c, dmacmd_md.c, dmacmd_map.c and
 * dmacmd_bounce.c.  Not for consumers: include/linux/dmacmd.h is the API.
 */
#ifndef _DMACMD_INTERNAL_H
#define _DMACMD_INTERNAL_H

#include <linux/device.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/dmacmd.h>

#include "dmacmd_md.h"

/*
 * Error codes used across the module, and the IOReturn each becomes in the
 * porting headers (include/dmacmd/IOKit/IOReturn.h has the translation):
 *
 *   -EINVAL        bad argument                kIOReturnBadArgument
 *   -ENOMEM        allocation failed           kIOReturnNoMemory
 *   -EBUSY         in use (prepared)           kIOReturnBusy
 *   -EBADFD        not prepared / wrong state  kIOReturnNotReady
 *   -E2BIG         longer than max transfer    kIOReturnNoSpace
 *   -EDOM          breaks an alignment rule    kIOReturnNotAligned
 *   -EMSGSIZE      segment cannot be encoded   kIOReturnMessageTooLarge
 *   -ERANGE        offset at or past the end   kIOReturnOverrun
 *   -ENODATA       short copy                  kIOReturnUnderrun
 *   -EPERM         not permitted now           kIOReturnNotPermitted
 *   -EOPNOTSUPP    unsupported option          kIOReturnUnsupported
 *   -EIO           DMA mapping failed          kIOReturnDMAError
 *   -EFAULT        user range not mapped       kIOReturnVMError
 *   -EADDRNOTAVAIL spec cannot be met here     kIOReturnNoResources
 */

extern bool dmacmd_strict;

/*
 * Report a caller's misuse of the API: rate-limited, naming the caller, and
 * a WARN only when the "strict" module parameter asks for one.  Expands in
 * the exported function so that _RET_IP_ is the caller's address.
 */
#define dmacmd_misuse(dev, fmt, ...)					\
	do {								\
		static DEFINE_RATELIMIT_STATE(_rs,			\
					      DEFAULT_RATELIMIT_INTERVAL, \
					      DEFAULT_RATELIMIT_BURST);	\
		struct device *_dev = (dev);				\
									\
		if (__ratelimit(&_rs))					\
			pr_err("%s%s%pS: " fmt,				\
			       _dev ? dev_name(_dev) : "",		\
			       _dev ? ": " : "", (void *)_RET_IP_,	\
			       ##__VA_ARGS__);				\
		WARN_ON_ONCE(dmacmd_strict);				\
	} while (0)

/* Live object counters, reported at module unload. */
extern atomic_long_t dmacmd_live_cmds;
extern atomic_long_t dmacmd_live_mds;

#endif /* _DMACMD_INTERNAL_H */
