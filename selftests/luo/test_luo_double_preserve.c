// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_double_preserve.c - a file can be preserved once, in one session:
 * again under another token, through a dup()ed fd, or in another session
 * it is EBUSY, until the session holding it is closed.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_double_preserve, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: same memfd twice (same or other session) EBUSY")
{
	int luo, s1, s2, m, d, r;

	s1 = luo_session_new("double-1", &luo);
	ASSERT_TRUE(s1 >= 0, "session");
	s2 = liveupdate_create_session(luo, "double-2");
	ASSERT_TRUE(s2 >= 0, "create: %s", strerror(-s2));
	m = memfd_create("double", MFD_CLOEXEC);
	ASSERT_OK(m);
	d = dup(m);
	ASSERT_OK(d);

	ASSERT_TRUE(liveupdate_preserve_fd(s1, m, 1) == 0, "first preserve");
	r = liveupdate_preserve_fd(s1, m, 2);
	ASSERT_TRUE(r == -EBUSY, "same session, other token: %d", r);
	r = liveupdate_preserve_fd(s1, d, 3);
	ASSERT_TRUE(r == -EBUSY, "dup()ed fd: %d", r);
	r = liveupdate_preserve_fd(s2, m, 1);
	ASSERT_TRUE(r == -EBUSY, "other session: %d", r);

	/* Closing the holder unpreserves it: the other session may take it. */
	close(s1);
	r = liveupdate_preserve_fd(s2, m, 1);
	ASSERT_TRUE(r == 0, "after the first session closed: %d", r);

	close(d);
	close(m);
	close(s2);
	close(luo);
	return LUO_PASS;
}
