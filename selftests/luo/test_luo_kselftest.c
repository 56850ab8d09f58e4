// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kselftest.c - the kselftest form (luo-kselftest, ksft_luo.c)
 * run inside the guest as a platform team runs it on a host, its KTAP
 * totals checked: with live update on, every test passes; with kho=off
 * (no /dev/liveupdate), every test is skipped with that reason and none
 * fails.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "luo_test.h"

#define KSFT_BIN	"/bin/luo-kselftest"
#define KSFT_NR		16	/* the tests ksft_luo.c lists */

struct ksft_totals {
	int plan, pass, fail, skip, error, skip_reason;
};

static int run_ksft(struct ksft_totals *t, const char *reason)
{
	char line[512];
	int xfail, xpass, status, got = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->plan = -1;
	f = popen(KSFT_BIN " 2>&1", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf("# ksft: %s\n", line);
		sscanf(line, "1..%d", &t->plan);
		if (sscanf(line, "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d",
			   &t->pass, &t->fail, &xfail, &xpass, &t->skip,
			   &t->error) == 6)
			got = 1;
		if (reason && strstr(line, "# SKIP") && strstr(line, reason))
			t->skip_reason++;
	}
	status = pclose(f);
	luo_info("luo-kselftest exit status %d, totals %s", WEXITSTATUS(status),
		 got ? "found" : "missing");
	return got ? WEXITSTATUS(status) : -1;
}

LUO_TEST(luo_kselftest, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: luo-kselftest (kselftest harness) passes all")
{
	struct ksft_totals t;
	int r;

	r = run_ksft(&t, NULL);
	ASSERT_TRUE(r == 0, "luo-kselftest: exit %d", r);
	ASSERT_TRUE(t.plan == KSFT_NR, "plan 1..%d, expected %d", t.plan, KSFT_NR);
	ASSERT_TRUE(t.pass == KSFT_NR && !t.fail && !t.skip && !t.error,
		    "totals pass:%d fail:%d skip:%d error:%d", t.pass, t.fail,
		    t.skip, t.error);
	return LUO_PASS;
}

LUO_TEST(luo_kselftest_off, .cmdline = "kho=off liveupdate=on",
	 .desc = "single boot: luo-kselftest skips every test without /dev/liveupdate",
	 .expect_log = LUO_LOG("liveupdate: liveupdate=on needs KHO (kho=on): live update disabled"))
{
	struct ksft_totals t;
	int r;

	r = run_ksft(&t, "no /dev/liveupdate");
	ASSERT_TRUE(r >= 0, "luo-kselftest: no totals");
	ASSERT_TRUE(t.plan == KSFT_NR, "plan 1..%d, expected %d", t.plan, KSFT_NR);
	ASSERT_TRUE(t.skip == KSFT_NR && !t.pass && !t.fail && !t.error,
		    "totals pass:%d fail:%d skip:%d error:%d", t.pass, t.fail,
		    t.skip, t.error);
	ASSERT_TRUE(t.skip_reason == KSFT_NR, "%d of %d skips give the reason",
		    t.skip_reason, KSFT_NR);
	return LUO_PASS;
}
