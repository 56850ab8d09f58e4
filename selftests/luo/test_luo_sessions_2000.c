// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_sessions_2000.c - 2000 outgoing sessions at once, each with its
 * own name and a file, then all closed; the names are free again after.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR	2000

LUO_TEST(luo_sessions_2000, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: 2000 sessions with a memfd each, GET_NAME, close")
{
	static int fds[NR];
	char name[32], got[LIVEUPDATE_SESSION_NAME_LENGTH];
	int luo, i, m, r;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	for (i = 0; i < NR; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		fds[i] = liveupdate_create_session(luo, name);
		ASSERT_TRUE(fds[i] >= 0, "session %d: %s", i,
			    strerror(-fds[i]));
		m = memfd_create(name, MFD_CLOEXEC);
		ASSERT_OK(m);
		/* The same token in every session: tokens are per session. */
		r = liveupdate_preserve_fd(fds[i], m, 1);
		ASSERT_TRUE(!r, "preserve in session %d: %s", i, strerror(-r));
		close(m);
	}
	/* Each fd still names its own session, and each name is taken. */
	for (i = 0; i < NR; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		ASSERT_OK(liveupdate_get_name(fds[i], got, sizeof(got)));
		ASSERT_TRUE(!strcmp(got, name), "fd of %s names %s", name, got);
		if (i % 97 == 0)
			ASSERT_TRUE(liveupdate_create_session(luo, name) ==
				    -EEXIST, "%s not taken", name);
	}
	for (i = 0; i < NR; i++)
		ASSERT_OK(close(fds[i]));
	for (i = 0; i < NR; i += 97) {
		snprintf(name, sizeof(name), "many-%d", i);
		r = liveupdate_create_session(luo, name);
		ASSERT_TRUE(r >= 0, "%s not freed: %s", name, strerror(-r));
		close(r);
	}
	close(luo);
	return LUO_PASS;
}
