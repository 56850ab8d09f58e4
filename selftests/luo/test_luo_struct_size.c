// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_struct_size.c - the extensible-struct convention: a larger
 * struct is fine when its extra bytes are zero (E2BIG otherwise), a smaller
 * one than the first version is EINVAL, and a refused call does nothing.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

#define BIG	4096

LUO_TEST(luo_struct_size, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: oversized struct E2BIG/ok by tail, undersized EINVAL")
{
	struct liveupdate_ioctl_create_session *cs;
	struct liveupdate_session_preserve_fd *pfd;
	struct liveupdate_session_get_name *gn;
	unsigned char *buf;
	int luo, s, m, i;

	buf = calloc(1, BIG);
	ASSERT_TRUE(buf, "calloc");
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	/* CREATE_SESSION: non-zero last byte of a page-sized struct. */
	cs = (void *)buf;
	cs->size = BIG;
	snprintf((char *)cs->name, sizeof(cs->name), "%s", "size");
	buf[BIG - 1] = 1;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, cs), E2BIG);
	buf[BIG - 1] = 0;
	buf[sizeof(*cs)] = 1;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, cs), E2BIG);
	buf[sizeof(*cs)] = 0;
	cs->size = sizeof(*cs) - 1;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, cs), EINVAL);
	cs->size = 0;
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, cs), EINVAL);
	/* Zero tail: accepted, and the tail is left as it was. */
	cs->size = BIG;
	cs->fd = -1;
	ASSERT_OK(ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, cs));
	s = cs->fd;
	ASSERT_TRUE(s >= 0, "no fd returned");
	for (i = sizeof(*cs); i < BIG; i++)
		ASSERT_TRUE(!buf[i], "tail byte %d written", i);

	/* PRESERVE_FD the same way; the refused calls preserve nothing. */
	m = memfd_create("size", MFD_CLOEXEC);
	ASSERT_OK(m);
	memset(buf, 0, BIG);
	pfd = (void *)buf;
	pfd->fd = m;
	pfd->token = 5;
	pfd->size = sizeof(*pfd) + 8;
	buf[sizeof(*pfd) + 3] = 0x80;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, pfd), E2BIG);
	buf[sizeof(*pfd) + 3] = 0;
	pfd->size = sizeof(*pfd) - 8;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, pfd), EINVAL);
	pfd->size = sizeof(*pfd) + 8;
	ASSERT_OK(ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, pfd));
	/* Only now is token 5 taken. */
	ASSERT_TRUE(liveupdate_preserve_fd(s, m, 5) == -EEXIST,
		    "token 5 free after an accepted PRESERVE_FD");

	/* GET_NAME: out-struct, same rules. */
	memset(buf, 0, BIG);
	gn = (void *)buf;
	gn->size = BIG;
	buf[BIG / 2] = 1;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, gn), E2BIG);
	buf[BIG / 2] = 0;
	gn->size = sizeof(*gn) - 1;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, gn), EINVAL);
	gn->size = BIG;
	ASSERT_OK(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, gn));
	ASSERT_TRUE(!strcmp((char *)gn->name, "size"), "name '%.64s'",
		    gn->name);
	for (i = sizeof(*gn); i < BIG; i++)
		ASSERT_TRUE(!buf[i], "GET_NAME wrote tail byte %d", i);

	close(m);
	close(s);
	close(luo);
	free(buf);
	return LUO_PASS;
}
