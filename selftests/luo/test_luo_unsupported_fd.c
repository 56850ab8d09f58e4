// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_unsupported_fd.c - PRESERVE_FD refuses files no handler takes
 * (ENOENT) and fds that are not open (EBADF), and a refusal leaves the
 * token free.
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

LUO_TEST(luo_unsupported_fd, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: /dev/null, pipe, eventfd, linked tmpfs file: ENOENT")
{
	int luo, s, devnull, pipefd[2], efd, tmp, m, r;

	s = luo_session_new("unsupported", &luo);
	ASSERT_TRUE(s >= 0, "session");

	devnull = open("/dev/null", O_RDWR);
	ASSERT_OK(devnull);
	ASSERT_OK(pipe(pipefd));
	efd = eventfd(0, 0);
	ASSERT_OK(efd);
	/* shmem, but linked: only unlinked shmem files (memfds) qualify. */
	tmp = open("/tmp/luo-linked", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_OK(tmp);

	r = liveupdate_preserve_fd(s, devnull, 1);
	ASSERT_TRUE(r == -ENOENT, "/dev/null: %d", r);
	r = liveupdate_preserve_fd(s, pipefd[0], 1);
	ASSERT_TRUE(r == -ENOENT, "pipe: %d", r);
	r = liveupdate_preserve_fd(s, efd, 1);
	ASSERT_TRUE(r == -ENOENT, "eventfd: %d", r);
	r = liveupdate_preserve_fd(s, tmp, 1);
	ASSERT_TRUE(r == -ENOENT, "linked tmpfs file: %d", r);
	/* LUO's own files are not preservable either. */
	r = liveupdate_preserve_fd(s, s, 1);
	ASSERT_TRUE(r == -ENOENT, "the session itself: %d", r);
	r = liveupdate_preserve_fd(s, luo, 1);
	ASSERT_TRUE(r == -ENOENT, "/dev/liveupdate: %d", r);

	r = liveupdate_preserve_fd(s, -1, 1);
	ASSERT_TRUE(r == -EBADF, "fd -1: %d", r);
	close(devnull);
	r = liveupdate_preserve_fd(s, devnull, 1);
	ASSERT_TRUE(r == -EBADF, "closed fd: %d", r);

	/* None of the failures consumed token 1. */
	m = memfd_create("supported", MFD_CLOEXEC);
	ASSERT_OK(m);
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(r == 0, "memfd with token 1: %d", r);

	close(m);
	close(tmp);
	unlink("/tmp/luo-linked");
	close(efd);
	close(pipefd[0]);
	close(pipefd[1]);
	close(s);
	close(luo);
	return LUO_PASS;
}
