// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_flb_fail.c - a file whose FLB fails to retrieve (booted
 * with liveupdate_test.flb_fail=1): its RETRIEVE_FD fails, sticky, and
 * since its handler never saw it, FINISH must still have the handler
 * release its preserved memory (finish called with retrieved=false).
 */
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

LUO_TEST(luo_kexec_flb_fail, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: FLB retrieve fails: file memory released at FINISH",
	 .expect_log = LUO_LOG("liveupdate: FLB 'luo-test-flb-v1': retrieve failed (-5)"))
{
	int luo, s, t, r, fin0, freed0, fin1, freed1;
	long long rest0, rest1;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		s = liveupdate_create_session(luo, "flbfail");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		t = luo_testdev_open("data=5");
		ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
		ASSERT_TRUE(!liveupdate_preserve_fd(s, t, 1), "preserve");
		ASSERT_OK(luo_kexec_append("liveupdate_test.flb_fail=1"));
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "flbfail");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EIO, "retrieve with a failing FLB: %d", r);
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EIO, "retrieve again (sticky): %d", r);

	ASSERT_OK(luo_testdev_stats(&fin0, &freed0));
	rest0 = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	ASSERT_OK(luo_testdev_stats(&fin1, &freed1));
	rest1 = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	luo_info("FINISH: handler finish %d -> %d, pages freed %d -> %d, KHO restored pages %lld -> %lld",
		 fin0, fin1, freed0, freed1, rest0, rest1);
	ASSERT_TRUE(fin1 == fin0 + 1 && freed1 == freed0 + 1,
		    "the file's preserved page was not released");
	ASSERT_TRUE(rest1 == rest0 + 1, "KHO restored %lld pages, expected 1",
		    rest1 - rest0);
	close(s);
	close(luo);
	return LUO_PASS;
}
