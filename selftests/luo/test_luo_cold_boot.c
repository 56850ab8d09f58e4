// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_cold_boot.c - after a cold boot there is nothing to retrieve,
 * and that is ENOENT rather than an error of the device.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_cold_boot, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: RETRIEVE_SESSION on a cold boot fails with ENOENT")
{
	int luo, s, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = liveupdate_retrieve_session(luo, "anything");
	ASSERT_TRUE(r == -ENOENT, "retrieve: %d", r);

	/* An outgoing session of that name is not an incoming one. */
	s = liveupdate_create_session(luo, "anything");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_retrieve_session(luo, "anything");
	ASSERT_TRUE(r == -ENOENT, "retrieve of an outgoing session: %d", r);
	close(s);
	close(luo);
	return LUO_PASS;
}
