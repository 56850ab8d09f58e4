// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_busy_finish.c - FINISH asks every handler first: while the
 * test file's can_finish says no, FINISH is EBUSY and does nothing (the
 * other file of the session is still retrievable); once allowed, it works.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define SZ	16384

LUO_TEST(luo_kexec_busy_finish, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: FINISH EBUSY while a handler cannot finish")
{
	char buf[64];
	int luo, s, t, m, r;
	uint64_t seed;
	ssize_t n;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "busy");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		t = luo_testdev_open("busy-finish");
		ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
		ASSERT_OK(luo_testdev_cmd(t, "data=77"));
		m = luo_memfd_new("busy", SZ, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, t, 1), "preserve test");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 2), "preserve memfd");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "busy");
	ASSERT_TRUE(s >= 0, "retrieve: %s", strerror(-s));
	/* Refused even before the busy file is retrieved. */
	r = liveupdate_finish(s);
	ASSERT_TRUE(r == -EBUSY, "FINISH with a busy file: %d", r);

	/* EBUSY did nothing: both files are still there. */
	m = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(m >= 0, "memfd after EBUSY: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed), "memfd content");
	t = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(t >= 0, "test file: %s", strerror(-t));
	n = read(t, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0, "read test file: %m");
	buf[n] = '\0';
	ASSERT_TRUE(!strcmp(buf, "data=77\n"), "test file reads '%s'", buf);
	r = liveupdate_finish(s);
	ASSERT_TRUE(r == -EBUSY, "FINISH after retrieving it: %d", r);

	ASSERT_OK(luo_testdev_cmd(t, "allow-finish"));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "FINISH once allowed: %s", strerror(-r));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "second FINISH: %d", r);
	/* The retrieved memfd is the caller's now. */
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed), "memfd after FINISH");
	close(t);
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
