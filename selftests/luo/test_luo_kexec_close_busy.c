// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_close_busy.c - closing an incoming session must not
 * finish a file whose can_finish says no (its memory could still be in use,
 * e.g. by a device): such files are left unfinished, their memory stays
 * reserved, with one log line each; the other files are finished.
 */
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define SZ	(32 << 10)

/* Read a retrieved test file: 0 if it says "data=<@want>\n". */
static int check_data(int fd, unsigned long long want)
{
	char buf[64], exp[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	snprintf(exp, sizeof(exp), "data=%llu\n", want);
	return strcmp(buf, exp) ? -EPROTO : 0;
}

LUO_TEST(luo_kexec_close_busy, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: close keeps files that cannot finish unfinished",
	 .expect_log = LUO_LOG("liveupdate: session 'closebusy' closed while token 1 cannot finish: left unfinished, its memory stays reserved",
				 "liveupdate: session 'closebusy' closed while token 2 cannot finish: left unfinished, its memory stays reserved"))
{
	int luo, s, t1, t2, m, r, fin0, freed0, fin1, freed1;
	struct luo_flb_state flb;
	long long rest0, rest1;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		s = liveupdate_create_session(luo, "closebusy");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		/* Token 1 stays unretrieved, token 2 is retrieved: both busy. */
		t1 = luo_testdev_open("busy-finish");
		t2 = luo_testdev_open("busy-finish");
		ASSERT_TRUE(t1 >= 0 && t2 >= 0, "%s: %d %d", LUO_TEST_FILE, t1, t2);
		ASSERT_OK(luo_testdev_cmd(t2, "data=42"));
		m = luo_memfd_new("closebusy", SZ, luo_seed());
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, t1, 1), "preserve t1");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, t2, 2), "preserve t2");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 3), "preserve m");
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "closebusy");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	t2 = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(t2 >= 0, "retrieve t2: %s", strerror(-t2));
	r = liveupdate_finish(s);
	ASSERT_TRUE(r == -EBUSY, "FINISH with busy files: %d", r);

	ASSERT_OK(luo_testdev_stats(&fin0, &freed0));
	rest0 = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	close(s);
	ASSERT_OK(luo_testdev_stats(&fin1, &freed1));
	rest1 = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	ASSERT_OK(luo_flb_read(&flb));
	luo_info("close: handler finish %d -> %d, pages freed %d -> %d, KHO restored pages %lld -> %lld, FLB finished=%d",
		 fin0, fin1, freed0, freed1, rest0, rest1, flb.in_finished);

	ASSERT_TRUE(fin1 == fin0 && freed1 == freed0,
		    "close finished %d busy test file(s)", fin1 - fin0);
	ASSERT_TRUE(!flb.in_finished, "FLB finished under unfinished files");
	/* The memfd (not busy, not retrieved) was finished: its pages freed. */
	ASSERT_TRUE(rest1 > rest0, "memfd not finished at close");
	ASSERT_TRUE(luo_kmsg_contains("stays reserved"),
		    "no log line for the file left unfinished");
	/* The retrieved busy file is untouched. */
	ASSERT_OK(check_data(t2, 42));
	r = liveupdate_retrieve_session(luo, "closebusy");
	ASSERT_TRUE(r == -ENOENT, "closed session came back: %d", r);
	close(t2);
	close(luo);
	return LUO_PASS;
}
