/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the suites that call dmacmd through the porting headers
 * (dmacmd_porting, dmacmd_conformance): IOReturn expectations printed in
 * hex, and commands and descriptors handed to the test, released when it
 * ends.
 */
#ifndef _DMACMD_KUNIT_IOKIT_UTIL_H
#define _DMACMD_KUNIT_IOKIT_UTIL_H

#include <kunit/resource.h>
#include <kunit/test.h>

#include <dmacmd/IOKit/IOReturn.h>
#include <dmacmd/IOKit/IOMemoryDescriptor.h>
#include <dmacmd/IOKit/IODMACommand.h>

/* Expect @expr to return the IOReturn @want, printing both in hex. */
#define PORTING_EXPECT_IORETURN(test, expr, want)			\
	do {								\
		IOReturn __got = (expr);				\
		IOReturn __want = (want);				\
									\
		KUNIT_EXPECT_EQ_MSG(test, (u32)__got, (u32)__want,	\
				    "%s returned 0x%08x, want 0x%08x",	\
				    #expr, (u32)__got, (u32)__want);	\
	} while (0)

#define PORTING_EXPECT_SUCCESS(test, expr)				\
	PORTING_EXPECT_IORETURN(test, expr, kIOReturnSuccess)

/* A precondition: @expr must succeed or the test stops here. */
#define PORTING_ASSERT_SUCCESS(test, expr)				\
	do {								\
		IOReturn __got = (expr);				\
									\
		KUNIT_ASSERT_EQ_MSG(test, (u32)__got, 0U,		\
				    "%s returned 0x%08x", #expr,	\
				    (u32)__got);			\
	} while (0)

KUNIT_DEFINE_ACTION_WRAPPER(porting_release_cmd, IODMACommand_release,
			    IODMACommand *);
KUNIT_DEFINE_ACTION_WRAPPER(porting_release_md, IOMemoryDescriptor_release,
			    const IOMemoryDescriptor *);

/* Hand @cmd to the test: released when it ends, or by porting_put_cmd(). */
static inline IODMACommand *porting_own_cmd(struct kunit *test,
					    IODMACommand *cmd)
{
	KUNIT_ASSERT_NOT_NULL(test, cmd);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							porting_release_cmd,
							cmd), 0);
	return cmd;
}

static inline void porting_put_cmd(struct kunit *test, IODMACommand *cmd)
{
	kunit_release_action(test, porting_release_cmd, cmd);
}

/* Hand @md to the test: released when it ends, or by porting_put_md(). */
static inline IOMemoryDescriptor *porting_own_md(struct kunit *test,
						 IOMemoryDescriptor *md)
{
	KUNIT_ASSERT_NOT_NULL(test, md);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							porting_release_md,
							md), 0);
	return md;
}

static inline void porting_put_md(struct kunit *test, IOMemoryDescriptor *md)
{
	kunit_release_action(test, porting_release_md, md);
}

#endif /* _DMACMD_KUNIT_IOKIT_UTIL_H */
