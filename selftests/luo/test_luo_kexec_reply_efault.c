// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_reply_efault.c - incoming ioctls whose argument is
 * read-only, so the reply cannot be copied back: RETRIEVE_SESSION and
 * RETRIEVE_FD fail with EFAULT and leave the session and the file
 * retrievable (no oops); FINISH has no output and reports its outcome (0).
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_roarg.h"
#include "luo_test.h"

#define SZ	(64 << 10)

LUO_TEST(luo_kexec_reply_efault, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: unwritable reply: RETRIEVE_* EFAULT and retrievable")
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	int luo, s, m, r, fd;
	uint64_t seed;
	void *ro;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "efault");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("efault", SZ, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 1), "preserve");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}
	seed = luo_get_u64("seed");

	/* RETRIEVE_SESSION: EFAULT, no fd, and it can be retrieved again. */
	strcpy((char *)rs.name, "efault");
	ro = luo_ro_arg(&rs, sizeof(rs));
	ASSERT_TRUE(ro, "read-only argument: %m");
	ASSERT_ERRNO(ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, ro), EFAULT);
	luo_ro_free(ro);
	fd = dup(0);
	ASSERT_OK(fd);
	close(fd);
	s = liveupdate_retrieve_session(luo, "efault");
	ASSERT_TRUE(s >= 0, "session lost by the failed retrieve: %s",
		    strerror(-s));
	ASSERT_TRUE(s == fd, "failed retrieve leaked an fd: got %d, expected %d",
		    s, fd);

	/* RETRIEVE_FD: EFAULT, and the file is still retrievable, intact. */
	rf.token = 1;
	ro = luo_ro_arg(&rf, sizeof(rf));
	ASSERT_TRUE(ro, "read-only argument: %m");
	ASSERT_ERRNO(ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, ro), EFAULT);
	luo_ro_free(ro);
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "file lost by the failed retrieve: %s",
		    strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed), "memfd content");

	/* FINISH has no output: it reports that it finished. */
	ro = luo_ro_arg(&fin, sizeof(fin));
	ASSERT_TRUE(ro, "read-only argument: %m");
	errno = 0;
	r = ioctl(s, LIVEUPDATE_SESSION_FINISH, ro);
	luo_info("FINISH with a read-only argument: %d (%s)", r,
		 strerrorname_np(errno) ?: "0");
	luo_ro_free(ro);
	ASSERT_TRUE(!r, "FINISH reported %s after finishing",
		    strerrorname_np(errno) ?: "?");
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -ENOENT, "retrieve after FINISH: %d", r);
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed), "memfd after FINISH");
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
