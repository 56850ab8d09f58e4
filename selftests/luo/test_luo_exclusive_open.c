// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_exclusive_open.c - /dev/liveupdate has one opener at a time, and
 * closing it leaves the sessions alone (they live as long as their fds).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_exclusive_open, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: second open EBUSY; closing the device keeps sessions")
{
	int luo, s, m;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open %s: %s", LIVEUPDATE_DEV, strerror(-luo));
	ASSERT_ERRNO(open(LIVEUPDATE_DEV, O_RDWR), EBUSY);
	/* The mode does not matter: the device itself is the unit of exclusion. */
	ASSERT_ERRNO(open(LIVEUPDATE_DEV, O_RDONLY), EBUSY);

	s = liveupdate_create_session(luo, "excl");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	close(luo);

	/* Free again once closed; the session outlived the device fd. */
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "reopen: %s", strerror(-luo));
	ASSERT_TRUE(liveupdate_create_session(luo, "excl") == -EEXIST,
		    "session vanished with the device fd");
	m = memfd_create("excl", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_TRUE(liveupdate_preserve_fd(s, m, 1) == 0,
		    "session fd unusable after device close");
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
