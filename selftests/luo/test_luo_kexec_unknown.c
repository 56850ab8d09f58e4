// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_unknown.c - a file whose handler the new kernel does not
 * know (booted with liveupdate_test.unknown=1, so the test handler is not
 * registered): its RETRIEVE_FD fails with EOPNOTSUPP, every time, while
 * the other file of its session, another session and FINISH all work.
 */
#include <fcntl.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define SZ	(256 << 10)

LUO_TEST(luo_kexec_unknown, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: unknown handler compatible: EOPNOTSUPP, rest usable",
	 .expect_log = LUO_LOG("liveupdate: session 'mixed' token 1: no handler for 'luo-test-v1'",
				 "liveupdate: session 'mixed' token 1: no handler for 'luo-test-v1', its memory stays reserved"))
{
	char cmdline[2048];
	int luo, mixed, plain, t, m, r;
	uint64_t seed;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		mixed = liveupdate_create_session(luo, "mixed");
		plain = liveupdate_create_session(luo, "plain");
		ASSERT_TRUE(mixed >= 0 && plain >= 0, "create: %d %d", mixed,
			    plain);
		t = luo_testdev_open("data=5");
		ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
		ASSERT_TRUE(!liveupdate_preserve_fd(mixed, t, 1), "preserve t");
		m = luo_memfd_new("mixed", SZ, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(mixed, m, 2), "preserve m");
		close(m);
		m = luo_memfd_new("plain", SZ, ~seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(plain, m, 1), "preserve m");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_OK(luo_kexec_append("liveupdate_test.unknown=1"));
		return luo_handover();
	}

	ASSERT_TRUE(luo_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) > 0,
		    "read /proc/cmdline");
	ASSERT_TRUE(strstr(cmdline, "liveupdate_test.unknown=1"),
		    "appended argument missing: %s", cmdline);
	seed = luo_get_u64("seed");

	mixed = liveupdate_retrieve_session(luo, "mixed");
	ASSERT_TRUE(mixed >= 0, "retrieve mixed: %s", strerror(-mixed));
	r = liveupdate_retrieve_fd(mixed, 1);
	ASSERT_TRUE(r == -EOPNOTSUPP, "unknown handler: %d", r);
	r = liveupdate_retrieve_fd(mixed, 1);
	ASSERT_TRUE(r == -EOPNOTSUPP, "unknown handler, again: %d", r);
	m = liveupdate_retrieve_fd(mixed, 2);
	ASSERT_TRUE(m >= 0, "memfd beside it: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed), "content in mixed");
	close(m);
	r = liveupdate_finish(mixed);
	ASSERT_TRUE(!r, "finish mixed: %s", strerror(-r));
	close(mixed);

	plain = liveupdate_retrieve_session(luo, "plain");
	ASSERT_TRUE(plain >= 0, "retrieve plain: %s", strerror(-plain));
	m = liveupdate_retrieve_fd(plain, 1);
	ASSERT_TRUE(m >= 0, "memfd in plain: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SZ, ~seed), "content in plain");
	close(m);
	r = liveupdate_finish(plain);
	ASSERT_TRUE(!r, "finish plain: %s", strerror(-r));
	close(plain);
	close(luo);
	return LUO_PASS;
}
