// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_dup_token.c - tokens are unique per session (EEXIST), not
 * globally, and a refused file is not left half-preserved.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_dup_token, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: duplicate token EEXIST; tokens are per session")
{
	int luo, s1, s2, m1, m2, m3, r;

	s1 = luo_session_new("token-1", &luo);
	ASSERT_TRUE(s1 >= 0, "session");
	s2 = liveupdate_create_session(luo, "token-2");
	ASSERT_TRUE(s2 >= 0, "create: %s", strerror(-s2));
	m1 = memfd_create("t1", MFD_CLOEXEC);
	m2 = memfd_create("t2", MFD_CLOEXEC);
	m3 = memfd_create("t3", MFD_CLOEXEC);
	ASSERT_TRUE(m1 >= 0 && m2 >= 0 && m3 >= 0, "memfd_create: %m");

	ASSERT_TRUE(liveupdate_preserve_fd(s1, m1, 7) == 0, "first");
	r = liveupdate_preserve_fd(s1, m2, 7);
	ASSERT_TRUE(r == -EEXIST, "same token, same session: %d", r);
	/* m2 must not be counted as preserved after that refusal. */
	r = liveupdate_preserve_fd(s1, m2, 8);
	ASSERT_TRUE(r == 0, "m2 under a fresh token: %d", r);
	r = liveupdate_preserve_fd(s2, m3, 7);
	ASSERT_TRUE(r == 0, "same token in another session: %d", r);

	/* The extremes of the token space are ordinary tokens. */
	close(m3);
	m3 = memfd_create("t4", MFD_CLOEXEC);
	ASSERT_OK(m3);
	ASSERT_TRUE(liveupdate_preserve_fd(s2, m3, 0) == 0, "token 0");
	close(m3);
	m3 = memfd_create("t5", MFD_CLOEXEC);
	ASSERT_OK(m3);
	ASSERT_TRUE(liveupdate_preserve_fd(s2, m3, UINT64_MAX) == 0,
		    "token ~0");
	close(m3);
	m3 = memfd_create("t6", MFD_CLOEXEC);
	ASSERT_OK(m3);
	r = liveupdate_preserve_fd(s2, m3, UINT64_MAX);
	ASSERT_TRUE(r == -EEXIST, "token ~0 again: %d", r);

	close(m1);
	close(m2);
	close(m3);
	close(s1);
	close(s2);
	close(luo);
	return LUO_PASS;
}
