// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_freeze_fail.c - a failing freeze aborts the kexec: reboot
 * returns the handler's EAGAIN, every session stays usable (files can be
 * added, sessions closed), and a second attempt without the failing file
 * reaches the new kernel with the other files intact.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define SZ	(1 << 20)

static enum luo_result stage1(int luo)
{
	struct luo_flb_state flb;
	int keep, bad, extra, m1, m2, m3, t, r;
	uint64_t seed = luo_seed();

	keep = liveupdate_create_session(luo, "keep");
	bad = liveupdate_create_session(luo, "bad");
	ASSERT_TRUE(keep >= 0 && bad >= 0, "create: %d %d", keep, bad);
	m1 = luo_memfd_new("m1", SZ, seed + 1);
	ASSERT_OK(m1);
	ASSERT_TRUE(!liveupdate_preserve_fd(keep, m1, 1), "preserve m1");
	t = luo_testdev_open("fail-freeze");
	ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
	ASSERT_TRUE(!liveupdate_preserve_fd(bad, t, 1), "preserve test file");

	/* Should the kexec happen anyway, stage 2 must know it was this one. */
	luo_put("try", "1");
	r = luo_kexec(NULL);
	ASSERT_TRUE(r == -EAGAIN, "kexec with a failing freeze: %d", r);

	/* Sessions are still live: add files, make and drop a session. */
	m2 = luo_memfd_new("m2", SZ, seed + 2);
	ASSERT_OK(m2);
	r = liveupdate_preserve_fd(keep, m2, 2);
	ASSERT_TRUE(!r, "preserve after the failed kexec: %s", strerror(-r));
	extra = liveupdate_create_session(luo, "extra");
	ASSERT_TRUE(extra >= 0, "create after the failed kexec: %s",
		    strerror(-extra));
	m3 = luo_memfd_new("m3", SZ, seed + 3);
	ASSERT_OK(m3);
	ASSERT_TRUE(!liveupdate_preserve_fd(extra, m3, 1), "preserve m3");
	close(extra);
	/* m3 was unpreserved with "extra": it can go into "keep". */
	r = liveupdate_preserve_fd(keep, m3, 3);
	ASSERT_TRUE(!r, "m3 after closing extra: %s", strerror(-r));

	/* Drop the failing file with its session: then the kexec works. */
	close(bad);
	ASSERT_OK(luo_flb_read(&flb));
	ASSERT_TRUE(!flb.out_preserved, "test FLB still preserved");

	luo_put("try", "2");
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	close(m1);
	close(m2);
	close(m3);
	close(t);
	close(keep);
	close(luo);
	r = luo_kexec(NULL);
	luo_fail("second kexec attempt: %s", strerror(-r));
	return LUO_FAIL;
}

LUO_TEST(luo_kexec_freeze_fail, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: freeze failure aborts kexec, sessions stay usable",
	 .expect_log = LUO_LOG("liveupdate: session 'bad' token 1: freeze failed (-11), reboot aborted"))
{
	int luo, s, m, i, r;
	uint64_t seed;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	ASSERT_TRUE(luo_get_u64("try") == 2,
		    "kexec went through on attempt %s", luo_get("try"));
	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "keep");
	ASSERT_TRUE(s >= 0, "retrieve keep: %s", strerror(-s));
	for (i = 1; i <= 3; i++) {
		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "file %d: %s", i, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed + i),
			    "content of file %d", i);
		close(m);
	}
	r = liveupdate_retrieve_session(luo, "bad");
	ASSERT_TRUE(r == -ENOENT, "closed session bad came back: %d", r);
	r = liveupdate_retrieve_session(luo, "extra");
	ASSERT_TRUE(r == -ENOENT, "closed session extra came back: %d", r);
	return luo_finish_close(s, luo);
}
