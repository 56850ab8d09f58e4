// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_session_dup.c - outgoing session names are unique while the
 * session exists, and free again once its fd is closed.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_session_dup, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: duplicate session name EEXIST, reusable after close")
{
	int luo, s1, s2, r;

	s1 = luo_session_new("dup", &luo);
	ASSERT_TRUE(s1 >= 0, "session");
	r = liveupdate_create_session(luo, "dup");
	ASSERT_TRUE(r == -EEXIST, "second create: %d", r);
	/* Names compare whole: a prefix or extension is another name. */
	s2 = liveupdate_create_session(luo, "du");
	ASSERT_TRUE(s2 >= 0, "create prefix: %s", strerror(-s2));
	close(s2);
	s2 = liveupdate_create_session(luo, "dupe");
	ASSERT_TRUE(s2 >= 0, "create extension: %s", strerror(-s2));
	close(s2);

	close(s1);
	s1 = liveupdate_create_session(luo, "dup");
	ASSERT_TRUE(s1 >= 0, "name not freed by close: %s", strerror(-s1));
	close(s1);
	close(luo);
	return LUO_PASS;
}
