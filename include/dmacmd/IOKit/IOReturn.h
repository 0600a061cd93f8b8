/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmacmd porting headers: IOKit's IOReturn codes and the one place where a
 * dmacmd -errno becomes an IOReturn.
 *
 * The codes carry IOKit's numeric values (system 0x38, common subsystem),
 * so a value printed by a ported driver reads the same as on macOS.
 */
#ifndef _DMACMD_IOKIT_IORETURN_H
#define _DMACMD_IOKIT_IORETURN_H

#include <linux/errno.h>
#include <linux/instruction_pointer.h>
#include <linux/printk.h>
#include <linux/types.h>

/* Mach's result type; IOKit's IOReturn is the same type. */
typedef int kern_return_t;
typedef kern_return_t IOReturn;

#define KERN_SUCCESS			0

#define kIOReturnSuccess		((IOReturn)0)
#define kIOReturnError			((IOReturn)0xE00002BC)
#define kIOReturnNoMemory		((IOReturn)0xE00002BD)
#define kIOReturnNoResources		((IOReturn)0xE00002BE)
#define kIOReturnIPCError		((IOReturn)0xE00002BF)
#define kIOReturnNoDevice		((IOReturn)0xE00002C0)
#define kIOReturnNotPrivileged		((IOReturn)0xE00002C1)
#define kIOReturnBadArgument		((IOReturn)0xE00002C2)
#define kIOReturnLockedRead		((IOReturn)0xE00002C3)
#define kIOReturnLockedWrite		((IOReturn)0xE00002C4)
#define kIOReturnExclusiveAccess	((IOReturn)0xE00002C5)
#define kIOReturnBadMessageID		((IOReturn)0xE00002C6)
#define kIOReturnUnsupported		((IOReturn)0xE00002C7)
#define kIOReturnVMError		((IOReturn)0xE00002C8)
#define kIOReturnInternalError		((IOReturn)0xE00002C9)
#define kIOReturnIOError		((IOReturn)0xE00002CA)
#define kIOReturnCannotLock		((IOReturn)0xE00002CC)
#define kIOReturnNotOpen		((IOReturn)0xE00002CD)
#define kIOReturnNotReadable		((IOReturn)0xE00002CE)
#define kIOReturnNotWritable		((IOReturn)0xE00002CF)
#define kIOReturnNotAligned		((IOReturn)0xE00002D0)
#define kIOReturnBadMedia		((IOReturn)0xE00002D1)
#define kIOReturnStillOpen		((IOReturn)0xE00002D2)
#define kIOReturnRLDError		((IOReturn)0xE00002D3)
#define kIOReturnDMAError		((IOReturn)0xE00002D4)
#define kIOReturnBusy			((IOReturn)0xE00002D5)
#define kIOReturnTimeout		((IOReturn)0xE00002D6)
#define kIOReturnOffline		((IOReturn)0xE00002D7)
#define kIOReturnNotReady		((IOReturn)0xE00002D8)
#define kIOReturnNotAttached		((IOReturn)0xE00002D9)
#define kIOReturnNoChannels		((IOReturn)0xE00002DA)
#define kIOReturnNoSpace		((IOReturn)0xE00002DB)
#define kIOReturnPortExists		((IOReturn)0xE00002DD)
#define kIOReturnCannotWire		((IOReturn)0xE00002DE)
#define kIOReturnNoInterrupt		((IOReturn)0xE00002DF)
#define kIOReturnNoFrames		((IOReturn)0xE00002E0)
#define kIOReturnMessageTooLarge	((IOReturn)0xE00002E1)
#define kIOReturnNotPermitted		((IOReturn)0xE00002E2)
#define kIOReturnNoPower		((IOReturn)0xE00002E3)
#define kIOReturnNoMedia		((IOReturn)0xE00002E4)
#define kIOReturnUnformattedMedia	((IOReturn)0xE00002E5)
#define kIOReturnUnsupportedMode	((IOReturn)0xE00002E6)
#define kIOReturnUnderrun		((IOReturn)0xE00002E7)
#define kIOReturnOverrun		((IOReturn)0xE00002E8)
#define kIOReturnDeviceError		((IOReturn)0xE00002E9)
#define kIOReturnNoCompletion		((IOReturn)0xE00002EA)
#define kIOReturnAborted		((IOReturn)0xE00002EB)
#define kIOReturnNoBandwidth		((IOReturn)0xE00002EC)
#define kIOReturnNotResponding		((IOReturn)0xE00002ED)
#define kIOReturnIsoTooOld		((IOReturn)0xE00002EE)
#define kIOReturnIsoTooNew		((IOReturn)0xE00002EF)
#define kIOReturnNotFound		((IOReturn)0xE00002F0)
#define kIOReturnInvalid		((IOReturn)0xE0000001)

/*
 * dmacmd_iokit_misuse() - log a wrapper's own refusal of a call
 *
 * As dmacmd logs misuse: rate-limited, naming the code that called the
 * wrapper (the wrappers are inlined into it).  @fmt ends in a newline.
 */
#define dmacmd_iokit_misuse(fmt, ...)					\
	pr_err_ratelimited("dmacmd: %pS: " fmt, (void *)_THIS_IP_,	\
			   ##__VA_ARGS__)

/**
 * dmacmd_errno_to_ioreturn() - Translate a dmacmd result into an IOReturn
 * @err: 0 or a negative errno returned by a dmacmd_* function
 *
 * The single translation used by every porting wrapper.  The table is the
 * module's error contract (see dmacmd_debug.h):
 *
 * * 0 - %kIOReturnSuccess
 * * %-EINVAL - %kIOReturnBadArgument (bad argument)
 * * %-ENOMEM - %kIOReturnNoMemory (allocation failed)
 * * %-EBUSY - %kIOReturnBusy (in use, e.g. prepared)
 * * %-EBADFD - %kIOReturnNotReady (not prepared, no specification, or
 *   another wrong state)
 * * %-E2BIG - %kIOReturnNoSpace (longer than the maximum transfer)
 * * %-EDOM - %kIOReturnNotAligned (breaks an alignment rule)
 * * %-EMSGSIZE - %kIOReturnMessageTooLarge (a segment cannot be encoded)
 * * %-ERANGE - %kIOReturnOverrun (offset at or past the end)
 * * %-ENODATA - %kIOReturnUnderrun (short copy)
 * * %-EPERM - %kIOReturnNotPermitted (not permitted now)
 * * %-EOPNOTSUPP - %kIOReturnUnsupported (unsupported option)
 * * %-EIO - %kIOReturnDMAError (the DMA mapping failed)
 * * %-EFAULT - %kIOReturnVMError (user range not mapped)
 * * %-EADDRNOTAVAIL - %kIOReturnNoResources (the specification cannot be
 *   met on this device, or no bounce memory within it)
 * * %-EWOULDBLOCK - %kIOReturnCannotLock (called where it may not sleep,
 *   e.g. with a spinlock held or in an interrupt)
 * * %-EDEADLK - %kIOReturnCannotLock (would wait for a lock the caller
 *   holds: user memory prepared with its mmap_lock held)
 * * %-EINTR - %kIOReturnAborted (a fatal signal ended a wait)
 * * anything else - %kIOReturnError
 *
 * Context: Any context.
 * Return: the IOReturn IOKit gives for the same condition.
 */
static inline IOReturn dmacmd_errno_to_ioreturn(int err)
{
	switch (err) {
	case 0:
		return kIOReturnSuccess;
	case -EINVAL:
		return kIOReturnBadArgument;
	case -ENOMEM:
		return kIOReturnNoMemory;
	case -EBUSY:
		return kIOReturnBusy;
	case -EBADFD:
		return kIOReturnNotReady;
	case -E2BIG:
		return kIOReturnNoSpace;
	case -EDOM:
		return kIOReturnNotAligned;
	case -EMSGSIZE:
		return kIOReturnMessageTooLarge;
	case -ERANGE:
		return kIOReturnOverrun;
	case -ENODATA:
		return kIOReturnUnderrun;
	case -EPERM:
		return kIOReturnNotPermitted;
	case -EOPNOTSUPP:
		return kIOReturnUnsupported;
	case -EIO:
		return kIOReturnDMAError;
	case -EFAULT:
		return kIOReturnVMError;
	case -EADDRNOTAVAIL:
		return kIOReturnNoResources;
	case -EWOULDBLOCK:
	case -EDEADLK:
		return kIOReturnCannotLock;
	case -EINTR:
		return kIOReturnAborted;
	default:
		return kIOReturnError;
	}
}

#endif /* _DMACMD_IOKIT_IORETURN_H */
