// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_disabled.c - liveupdate=on is forced off when KHO is off, and
 * then /dev/liveupdate does not exist.
 */
#include <sys/stat.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_disabled, .cmdline = "kho=off liveupdate=on",
	 .desc = "single boot: with kho=off there is no /dev/liveupdate",
	 .expect_log = LUO_LOG("liveupdate: liveupdate=on needs KHO (kho=on): live update disabled"))
{
	struct stat st;
	int r;

	ASSERT_ERRNO(stat(LIVEUPDATE_DEV, &st), ENOENT);
	r = liveupdate_open();
	ASSERT_TRUE(r == -ENOENT, "open: %d", r);
	/* The same kernel with LUO on does have it: see luo_cold_boot. */
	return LUO_PASS;
}
