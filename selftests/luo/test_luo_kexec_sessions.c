// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_sessions.c - several sessions with 0, 1 and 2 files (the
 * same tokens in different sessions) and a 63-character name all come
 * back, each with exactly its own files.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define LONG_NAME "sessions-63-chars-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
#define SZ	8192

static const char *const names[] = { "empty", "one", "two", LONG_NAME };
static const int nfiles[] = { 0, 1, 2, 1 };

LUO_TEST(luo_kexec_sessions, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: sessions with 0, 1 and 2 files; long name")
{
	int luo, s[4], i, t, m, r;
	uint64_t seed;

	ASSERT_TRUE(strlen(LONG_NAME) == 63, "long name is %zu", strlen(LONG_NAME));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		for (i = 0; i < 4; i++) {
			s[i] = liveupdate_create_session(luo, names[i]);
			ASSERT_TRUE(s[i] >= 0, "create %s: %s", names[i],
				    strerror(-s[i]));
			for (t = 1; t <= nfiles[i]; t++) {
				/* Content tells session and token apart. */
				m = luo_memfd_new("f", SZ, seed + i * 16 + t);
				ASSERT_OK(m);
				r = liveupdate_preserve_fd(s[i], m, t);
				ASSERT_TRUE(!r, "preserve %s/%d: %s", names[i],
					    t, strerror(-r));
				close(m);
			}
		}
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
		for (i = 0; i < 4; i++)
			close(s[i]);
		close(luo);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	seed = luo_get_u64("seed");
	/* Retrieve in another order than created. */
	for (i = 3; i >= 0; i--) {
		s[i] = liveupdate_retrieve_session(luo, names[i]);
		ASSERT_TRUE(s[i] >= 0, "retrieve %s: %s", names[i],
			    strerror(-s[i]));
		for (t = nfiles[i]; t >= 1; t--) {
			m = liveupdate_retrieve_fd(s[i], t);
			ASSERT_TRUE(m >= 0, "%s/%d: %s", names[i], t,
				    strerror(-m));
			ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed + i * 16 + t),
				    "content of %s/%d", names[i], t);
			close(m);
		}
		r = liveupdate_retrieve_fd(s[i], nfiles[i] + 1);
		ASSERT_TRUE(r == -ENOENT, "%s has token %d: %d", names[i],
			    nfiles[i] + 1, r);
	}
	r = liveupdate_retrieve_session(luo, "never-created");
	ASSERT_TRUE(r == -ENOENT, "unknown session: %d", r);
	for (i = 0; i < 4; i++) {
		r = liveupdate_finish(s[i]);
		ASSERT_TRUE(!r, "finish %s: %s", names[i], strerror(-r));
		close(s[i]);
	}
	close(luo);
	return LUO_PASS;
}
