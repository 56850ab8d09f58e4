// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_partner_depth.c - a chain of partner files retrieves at most
 * LUO_PARTNER_DEPTH deep; deeper, RETRIEVE_FD fails with ELOOP instead of
 * running the kernel stack out.
 *
 * A file's handler may retrieve a partner first (a guest_memfd its VM),
 * and the partner's handler may do the same: a handover crafted as a long
 * chain of such files (thousands of guest_memfds each naming the next)
 * recursed once per link. Stage 1 preserves eight test files, each
 * naming the next as its partner (the test handler's "partner=<token>").
 * In stage 2, the retrieve of the first would nest eight deep: it fails
 * with ELOOP, with one log line; the last three, retrieved from the
 * sixth (three deep), come back.
 */
#include "liveupdate.h"
#include "luo_testdev.h"

#define NR_CHAIN	8

LUO_TEST(luo_partner_depth, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a chain of partner files nests at most 4 deep (ELOOP)",
	 .expect_log = LUO_LOG("liveupdate: session 'chain' token 5: partners nest deeper than 4, refused"))
{
	int luo, s, f, r, i;
	char cmd[32];

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1) {
		s = liveupdate_create_session(luo, "chain");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		for (i = 1; i <= NR_CHAIN; i++) {
			snprintf(cmd, sizeof(cmd), "partner=%d",
				 i < NR_CHAIN ? i + 1 : 0);
			f = luo_testdev_open(cmd);
			ASSERT_TRUE(f >= 0, "test file %d: %s", i, strerror(-f));
			r = liveupdate_preserve_fd(s, f, i);
			ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		}
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "chain");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	f = liveupdate_retrieve_fd(s, 6);
	ASSERT_TRUE(f >= 0, "retrieve 6 (three deep): %s", strerror(-f));
	close(f);
	f = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(f == -ELOOP, "retrieve 1 (eight deep): %s",
		    f < 0 ? strerror(-f) : "retrieved");
	return luo_finish_close(s, luo);
}
