// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_files_500.c - 500 files in one outgoing session. The user's fds
 * are closed at once (the kernel holds its own references), and closing
 * the session lets every one of them go.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR	500

LUO_TEST(luo_files_500, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: 500 memfds in one session, tokens unique, close")
{
	static int keep[NR];
	int luo, s, i, m, r;

	ASSERT_OK(luo_set_nofile(NR + 64));
	s = luo_session_new("files-500", &luo);
	ASSERT_TRUE(s >= 0, "session");

	for (i = 0; i < NR; i++) {
		m = memfd_create("f", MFD_CLOEXEC);
		ASSERT_OK(m);
		ASSERT_OK(ftruncate(m, (i + 1) * 8));
		/* Keep a second fd to the same file for the checks below. */
		keep[i] = fcntl(m, F_DUPFD_CLOEXEC, 0);
		ASSERT_OK(keep[i]);
		r = liveupdate_preserve_fd(s, m, 1000 + i);
		ASSERT_TRUE(!r, "file %d: %s", i, strerror(-r));
		close(m);
	}
	for (i = 0; i < NR; i += 50) {
		m = memfd_create("dup", MFD_CLOEXEC);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, 1000 + i);
		ASSERT_TRUE(r == -EEXIST, "token %d: %d", 1000 + i, r);
		close(m);
		r = liveupdate_preserve_fd(s, keep[i], 5000 + i);
		ASSERT_TRUE(r == -EBUSY, "file %d again: %d", i, r);
	}

	close(s);
	/* All were unpreserved: each can go into a new session. */
	s = liveupdate_create_session(luo, "files-500");
	ASSERT_TRUE(s >= 0, "recreate: %s", strerror(-s));
	for (i = 0; i < NR; i++) {
		r = liveupdate_preserve_fd(s, keep[i], 1000 + i);
		ASSERT_TRUE(!r, "file %d after close: %s", i, strerror(-r));
		close(keep[i]);
	}
	close(s);
	close(luo);
	return LUO_PASS;
}
