// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_unretrieved.c - what is preserved but never retrieved is
 * released: a session finished without retrieving its file, a session
 * closed without retrieving its file (implicit finish) and, one update
 * later, a session that was never retrieved at all.
 *
 *   stage 1: sessions "fin", "close" (128 MiB memfd each) and "skip"
 *   stage 2: FINISH "fin", close "close", both give their memory back;
 *            "skip" is left alone; kexec again
 *   stage 3: none of the three exists any more
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define BIG_KB	(128 << 10)

/* Wait (up to 5 s) for MemFree to exceed @base by 100 of the 128 MiB. */
static long long wait_free_above(long long base)
{
	long long now = 0;
	int i;

	for (i = 0; i < 50; i++) {
		now = luo_meminfo_kb("MemFree");
		if (now - base >= BIG_KB * 100 / 128)
			break;
		usleep(100000);
	}
	return now;
}

static enum luo_result stage1(int luo)
{
	static const char *const names[] = { "fin", "close", "skip" };
	int s[3], i, m, r;

	for (i = 0; i < 3; i++) {
		s[i] = liveupdate_create_session(luo, names[i]);
		ASSERT_TRUE(s[i] >= 0, "create %s: %s", names[i],
			    strerror(-s[i]));
		m = luo_memfd_new(names[i], (size_t)BIG_KB << 10, i + 1);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s[i], m, 1);
		ASSERT_TRUE(!r, "preserve in %s: %s", names[i], strerror(-r));
		close(m);
	}
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	for (i = 0; i < 3; i++)
		close(s[i]);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

static enum luo_result stage2(int luo)
{
	long long free0, free1, free2;
	int s, r;

	free0 = luo_meminfo_kb("MemFree");
	s = liveupdate_retrieve_session(luo, "fin");
	ASSERT_TRUE(s >= 0, "retrieve fin: %s", strerror(-s));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish fin: %s", strerror(-r));
	/* Finished: its file is gone for good. */
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -ENOENT, "file of a finished session: %d", r);
	free1 = wait_free_above(free0);
	ASSERT_TRUE(free1 - free0 >= BIG_KB * 100 / 128,
		    "FINISH released %lld kB of %d", free1 - free0, BIG_KB);
	close(s);

	s = liveupdate_retrieve_session(luo, "close");
	ASSERT_TRUE(s >= 0, "retrieve close: %s", strerror(-s));
	close(s);
	free2 = wait_free_above(free1);
	ASSERT_TRUE(free2 - free1 >= BIG_KB * 100 / 128,
		    "close released %lld kB of %d", free2 - free1, BIG_KB);

	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

LUO_TEST(luo_kexec_unretrieved, .stages = 3, .cmdline = "kho=on liveupdate=on",
	 .desc = "three-stage: unretrieved files/sessions released by finish/close")
{
	static const char *const names[] = { "fin", "close", "skip" };
	int luo, i, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);
	if (ctx->stage == 2)
		return stage2(luo);

	/* Unretrieved incoming sessions are not carried into a further update. */
	for (i = 0; i < 3; i++) {
		r = liveupdate_retrieve_session(luo, names[i]);
		ASSERT_TRUE(r == -ENOENT, "%s in the third kernel: %d",
			    names[i], r);
	}
	close(luo);
	return LUO_PASS;
}
