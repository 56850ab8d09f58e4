// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_ioctl_dispatch.c - the order of the generic ioctl checks:
 * unknown nr (EINVAL), unreadable struct (EFAULT), full command mismatch
 * (ENOTTY), wrong session kind (EINVAL), size too small (EINVAL), non-zero
 * tail (E2BIG), and only then the operation itself.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

struct create_big {
	struct liveupdate_ioctl_create_session s;
	__u64 tail;
};

struct retrieve_big {
	struct liveupdate_session_retrieve_fd r;
	__u64 tail;
};

LUO_TEST(luo_ioctl_dispatch, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: ioctl check order EINVAL/EFAULT/ENOTTY/EINVAL/E2BIG")
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct create_big cb = { .s.size = sizeof(cb) };
	struct retrieve_big rb = { .r.size = sizeof(rb) };
	int luo, s, fd;

	s = luo_session_new("dispatch", &luo);
	ASSERT_TRUE(s >= 0, "session");

	/* An nr outside the table is refused before the struct is read. */
	ASSERT_ERRNO(ioctl(luo, _IO(LIVEUPDATE_IOCTL_TYPE, 0x02), NULL), EINVAL);
	ASSERT_ERRNO(ioctl(luo, _IO(LIVEUPDATE_IOCTL_TYPE, 0x3f), NULL), EINVAL);
	ASSERT_ERRNO(ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x44), NULL), EINVAL);
	ASSERT_ERRNO(ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x00), NULL), EINVAL);

	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, NULL), EFAULT);

	/* A known nr in a command with another type or direction/size bits. */
	snprintf((char *)cs.name, sizeof(cs.name), "%s", "dispatch-tty");
	ASSERT_ERRNO(ioctl(luo, _IOWR(LIVEUPDATE_IOCTL_TYPE, 0x00,
				      struct liveupdate_ioctl_create_session),
			   &cs), ENOTTY);
	ASSERT_ERRNO(ioctl(luo, _IO(LIVEUPDATE_IOCTL_TYPE + 1, 0x00), &cs),
		     ENOTTY);

	/* Wrong kind comes before the size checks. */
	rb.tail = 1;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &rb), EINVAL);

	/* Size checks come before the operation (EEXIST for "dispatch"). */
	snprintf((char *)cs.name, sizeof(cs.name), "%s", "dispatch");
	cs.size = 4;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs), EINVAL);
	snprintf((char *)cb.s.name, sizeof(cb.s.name), "%s", "dispatch");
	cb.tail = 1;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cb), E2BIG);

	/* None of the above created "dispatch-tty". */
	fd = liveupdate_create_session(luo, "dispatch-tty");
	ASSERT_TRUE(fd >= 0, "dispatch-tty: %s", strerror(-fd));
	close(fd);
	close(s);
	close(luo);
	return LUO_PASS;
}
