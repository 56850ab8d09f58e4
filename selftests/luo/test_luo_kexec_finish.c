// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_finish.c - incoming-session semantics: a session is
 * retrieved once (EINVAL after), unknown names and tokens are ENOENT,
 * a file can be retrieved twice (two fds, one file), PRESERVE_FD is for
 * outgoing sessions only, and a second FINISH returns 0.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define SZ	65536

LUO_TEST(luo_kexec_finish, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: FINISH twice, retrieve twice, unknown token/name")
{
	struct liveupdate_session_preserve_fd pfd = { .size = sizeof(pfd) };
	struct stat st1, st2;
	char buf[8];
	int luo, s, m1, m2, m, r;
	uint64_t seed;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "finish");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("finish", SZ, seed);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, 42);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	r = liveupdate_retrieve_session(luo, "no-such-session");
	ASSERT_TRUE(r == -ENOENT, "unknown session: %d", r);
	s = liveupdate_retrieve_session(luo, "finish");
	ASSERT_TRUE(s >= 0, "retrieve: %s", strerror(-s));
	r = liveupdate_retrieve_session(luo, "finish");
	ASSERT_TRUE(r == -EINVAL, "second RETRIEVE_SESSION: %d", r);
	/* Incoming and outgoing names are separate namespaces. */
	r = liveupdate_create_session(luo, "finish");
	ASSERT_TRUE(r >= 0, "outgoing session of the same name: %s",
		    strerror(-r));
	close(r);

	r = liveupdate_retrieve_fd(s, 43);
	ASSERT_TRUE(r == -ENOENT, "unknown token: %d", r);
	m1 = liveupdate_retrieve_fd(s, 42);
	ASSERT_TRUE(m1 >= 0, "retrieve fd: %s", strerror(-m1));
	m2 = liveupdate_retrieve_fd(s, 42);
	ASSERT_TRUE(m2 >= 0, "retrieve fd again: %s", strerror(-m2));
	ASSERT_TRUE(m1 != m2, "same fd number twice");
	ASSERT_TRUE(!luo_memfd_verify(m1, SZ, seed), "content of first fd");
	ASSERT_TRUE(!luo_memfd_verify(m2, SZ, seed), "content of second fd");
	/* One file behind both: same inode, and a write shows through. */
	ASSERT_OK(fstat(m1, &st1));
	ASSERT_OK(fstat(m2, &st2));
	ASSERT_TRUE(st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev,
		    "two different files");
	ASSERT_TRUE(pwrite(m1, "shared!", 8, 100) == 8, "pwrite: %m");
	ASSERT_TRUE(pread(m2, buf, 8, 100) == 8 && !memcmp(buf, "shared!", 8),
		    "write through one fd not seen through the other");

	/* Nothing can be added to an incoming session. */
	m = memfd_create("late", MFD_CLOEXEC);
	ASSERT_OK(m);
	pfd.fd = m;
	pfd.token = 1;
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &pfd), EINVAL);
	close(m);

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "FINISH: %s", strerror(-r));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "second FINISH: %d", r);
	ASSERT_OK(liveupdate_get_name(s, (char *)buf, sizeof(buf)));
	ASSERT_TRUE(!strcmp(buf, "finish"), "name after finish '%s'", buf);
	close(s);
	close(m1);
	close(m2);
	close(luo);
	return LUO_PASS;
}
