// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_wrong_kind.c - incoming-only session ioctls on an outgoing
 * session, and ioctls of one fd type on the other, fail with EINVAL.
 * (PRESERVE_FD on an incoming session is checked in luo_kexec_finish.)
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_wrong_kind, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: RETRIEVE_FD/FINISH on an outgoing session EINVAL")
{
	struct liveupdate_session_retrieve_fd rfd = { .size = sizeof(rfd) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	struct liveupdate_session_preserve_fd pfd = { .size = sizeof(pfd) };
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	int luo, s, m;

	s = luo_session_new("kind", &luo);
	ASSERT_TRUE(s >= 0, "session");
	m = memfd_create("kind", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_TRUE(liveupdate_preserve_fd(s, m, 1) == 0, "preserve");

	/* Even for a token that exists in the session. */
	rfd.token = 1;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &rfd), EINVAL);
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin), EINVAL);

	/* Session ioctls on the device, device ioctls on a session. */
	pfd.fd = m;
	pfd.token = 2;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_SESSION_PRESERVE_FD, &pfd), EINVAL);
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_SESSION_FINISH, &fin), EINVAL);
	snprintf((char *)cs.name, sizeof(cs.name), "%s", "kind-2");
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs), EINVAL);

	/* The session was not disturbed: the file is still in it. */
	ASSERT_TRUE(liveupdate_preserve_fd(s, m, 3) == -EBUSY,
		    "memfd no longer preserved");
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
