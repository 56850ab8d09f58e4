// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_flb.c - the FLB in the new kernel: present after the
 * kexec, retrieved lazily by the first retrieve of a dependent file (not
 * by retrieving a session), finished only when its last file finishes,
 * including a file that was never retrieved.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

/* Read the FLB state into @f, failing the test if unreadable. */
#define FLB(f) ASSERT_OK(luo_flb_read(&(f)))

/* Read a retrieved test file: 0 if it says "data=<@want>\n". */
static int check_data(int fd, unsigned long long want)
{
	char buf[64], exp[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	snprintf(exp, sizeof(exp), "data=%llu\n", want);
	if (strcmp(buf, exp)) {
		luo_info("test file reads '%s', expected '%s'", buf, exp);
		return -EPROTO;
	}
	return 0;
}

static enum luo_result stage1(int luo)
{
	static const char *const cmd[] = { "data=11", "data=22", "data=33" };
	struct luo_flb_state f;
	int a, b, t[3], i;

	a = liveupdate_create_session(luo, "flb-a");
	b = liveupdate_create_session(luo, "flb-b");
	ASSERT_TRUE(a >= 0 && b >= 0, "create: %d %d", a, b);
	for (i = 0; i < 3; i++) {
		t[i] = luo_testdev_open(cmd[i]);
		ASSERT_TRUE(t[i] >= 0, "%s: %s", LUO_TEST_FILE,
			    strerror(-t[i]));
		/* t0, t1 in flb-a; t2 in flb-b. */
		ASSERT_TRUE(!liveupdate_preserve_fd(i < 2 ? a : b, t[i], i + 1),
			    "preserve t%d", i);
	}
	FLB(f);
	ASSERT_TRUE(f.out_preserved == 1 && f.out_files == 3,
		    "outgoing FLB %d/%d", f.out_preserved, f.out_files);
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	for (i = 0; i < 3; i++)
		close(t[i]);
	close(a);
	close(b);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

LUO_TEST(luo_kexec_flb, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: FLB present, retrieved lazily, finished with last file")
{
	struct luo_flb_state f;
	int luo, a, b, t, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	FLB(f);
	ASSERT_TRUE(f.in_present && !f.in_retrieved && !f.in_finished,
		    "incoming FLB present=%d retrieved=%d finished=%d",
		    f.in_present, f.in_retrieved, f.in_finished);
	ASSERT_TRUE(f.in_files == 3, "incoming FLB has %d files", f.in_files);
	ASSERT_TRUE(!f.out_preserved && !f.out_files, "outgoing FLB %d/%d",
		    f.out_preserved, f.out_files);

	a = liveupdate_retrieve_session(luo, "flb-a");
	b = liveupdate_retrieve_session(luo, "flb-b");
	ASSERT_TRUE(a >= 0 && b >= 0, "retrieve sessions: %d %d", a, b);
	FLB(f);
	ASSERT_TRUE(!f.in_retrieved, "FLB retrieved with the sessions");

	t = liveupdate_retrieve_fd(a, 1);
	ASSERT_TRUE(t >= 0, "retrieve t0: %s", strerror(-t));
	FLB(f);
	ASSERT_TRUE(f.in_retrieved && !f.in_finished,
		    "after first file: retrieved=%d finished=%d",
		    f.in_retrieved, f.in_finished);
	ASSERT_OK(check_data(t, 11));
	close(t);

	/* t1 is never retrieved; finishing flb-a still leaves t2 (flb-b). */
	r = liveupdate_finish(a);
	ASSERT_TRUE(!r, "finish flb-a: %s", strerror(-r));
	FLB(f);
	ASSERT_TRUE(!f.in_finished, "FLB finished while flb-b depends on it");

	t = liveupdate_retrieve_fd(b, 3);
	ASSERT_TRUE(t >= 0, "retrieve t2: %s", strerror(-t));
	ASSERT_OK(check_data(t, 33));
	close(t);
	r = liveupdate_finish(b);
	ASSERT_TRUE(!r, "finish flb-b: %s", strerror(-r));
	FLB(f);
	ASSERT_TRUE(f.in_finished, "FLB not finished with its last file");
	close(a);
	close(b);
	close(luo);
	return LUO_PASS;
}
