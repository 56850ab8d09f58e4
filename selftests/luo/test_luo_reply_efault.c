// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_reply_efault.c - ioctls of the outgoing side whose argument is
 * read-only, so the reply cannot be copied back: CREATE_SESSION fails with
 * EFAULT and leaves no session behind; PRESERVE_FD has no output, so it
 * reports what it did (0, the file is preserved), not a late EFAULT;
 * GET_NAME fails with EFAULT and changes nothing.
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_roarg.h"
#include "luo_test.h"

LUO_TEST(luo_reply_efault, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: unwritable reply: CREATE EFAULT, PRESERVE_FD 0")
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	struct liveupdate_session_get_name gn = { .size = sizeof(gn) };
	int luo, s, m, m2, r, fd;
	void *ro;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	/* CREATE_SESSION: EFAULT, and the name is free afterwards. */
	strcpy((char *)cs.name, "efault-create");
	ro = luo_ro_arg(&cs, sizeof(cs));
	ASSERT_TRUE(ro, "read-only argument: %m");
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, ro), EFAULT);
	luo_ro_free(ro);
	/* No fd was installed for it: the next fd is the lowest free one. */
	fd = dup(0);
	ASSERT_OK(fd);
	close(fd);
	s = liveupdate_create_session(luo, "efault-create");
	ASSERT_TRUE(s >= 0, "session left behind by the failed create: %s",
		    strerror(-s));
	ASSERT_TRUE(s == fd, "failed create leaked an fd: got %d, expected %d",
		    s, fd);

	/* PRESERVE_FD has no output: the outcome is the operation's. */
	m = luo_memfd_new("efault", 8192, luo_seed());
	ASSERT_OK(m);
	pf.fd = m;
	pf.token = 7;
	ro = luo_ro_arg(&pf, sizeof(pf));
	ASSERT_TRUE(ro, "read-only argument: %m");
	errno = 0;
	r = ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, ro);
	luo_info("PRESERVE_FD with a read-only argument: %d (%s)", r,
		 strerrorname_np(errno) ?: "0");
	luo_ro_free(ro);
	ASSERT_TRUE(!r, "PRESERVE_FD reported %s after preserving",
		    strerrorname_np(errno) ?: "?");
	/* ... and it is preserved: same object EBUSY, same token EEXIST. */
	r = liveupdate_preserve_fd(s, m, 8);
	ASSERT_TRUE(r == -EBUSY, "memfd preserved again: %d", r);
	m2 = luo_memfd_new("efault2", 4096, luo_seed());
	ASSERT_OK(m2);
	r = liveupdate_preserve_fd(s, m2, 7);
	ASSERT_TRUE(r == -EEXIST, "token 7 free again: %d", r);

	/* GET_NAME: EFAULT, nothing else. */
	ro = luo_ro_arg(&gn, sizeof(gn));
	ASSERT_TRUE(ro, "read-only argument: %m");
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, ro), EFAULT);
	luo_ro_free(ro);

	/* The session still works, and closing it unpreserves the memfd. */
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m2, 9), "preserve m2");
	close(s);
	s = liveupdate_create_session(luo, "efault-after");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "memfd still held after close: %s", strerror(-r));
	close(s);
	close(m);
	close(m2);
	close(luo);
	return LUO_PASS;
}
