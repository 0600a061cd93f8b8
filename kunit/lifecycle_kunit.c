// SPDX-License-Identifier: GPL-2.0
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/dmacmd.h>

static void dmacmd_test_placeholder(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static struct kunit_case dmacmd_lifecycle_cases[] = {
	KUNIT_CASE(dmacmd_test_placeholder),
	{}
};

static struct kunit_suite dmacmd_lifecycle_suite = {
	.name = "dmacmd_lifecycle",
	.test_cases = dmacmd_lifecycle_cases,
};
kunit_test_suites(&dmacmd_lifecycle_suite);

DMACMD_IMPORT_NS();
MODULE_DESCRIPTION("KUnit tests for dmacmd");
MODULE_LICENSE("GPL");
