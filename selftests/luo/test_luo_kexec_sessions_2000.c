// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_sessions_2000.c - 2000 sessions across a kexec (more than
 * one serialization block of them), every tenth with a file.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR	2000

LUO_TEST(luo_kexec_sessions_2000, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 2000 sessions, every tenth with a memfd")
{
	static int fds[NR];
	char name[32], got[LIVEUPDATE_SESSION_NAME_LENGTH];
	int luo, i, m, r;
	uint64_t seed;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		for (i = 0; i < NR; i++) {
			snprintf(name, sizeof(name), "s2k-%d", i);
			fds[i] = liveupdate_create_session(luo, name);
			ASSERT_TRUE(fds[i] >= 0, "session %d: %s", i,
				    strerror(-fds[i]));
			if (i % 10)
				continue;
			m = luo_memfd_new(name, 4096, seed + i);
			ASSERT_OK(m);
			r = liveupdate_preserve_fd(fds[i], m, i);
			ASSERT_TRUE(!r, "file of %d: %s", i, strerror(-r));
			close(m);
		}
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
		for (i = 0; i < NR; i++)
			close(fds[i]);
		close(luo);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	seed = luo_get_u64("seed");
	for (i = NR - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "s2k-%d", i);
		fds[i] = liveupdate_retrieve_session(luo, name);
		ASSERT_TRUE(fds[i] >= 0, "session %d: %s", i,
			    strerror(-fds[i]));
		ASSERT_OK(liveupdate_get_name(fds[i], got, sizeof(got)));
		ASSERT_TRUE(!strcmp(got, name), "%s came back as %s", name, got);
		m = liveupdate_retrieve_fd(fds[i], i);
		if (i % 10) {
			ASSERT_TRUE(m == -ENOENT, "session %d has a file: %d",
				    i, m);
			continue;
		}
		ASSERT_TRUE(m >= 0, "file of %d: %s", i, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, 4096, seed + i),
			    "content of %d", i);
		close(m);
	}
	for (i = 0; i < NR; i++) {
		r = liveupdate_finish(fds[i]);
		ASSERT_TRUE(!r, "finish %d: %s", i, strerror(-r));
		close(fds[i]);
	}
	close(luo);
	return LUO_PASS;
}
