// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_files_500.c - 500 files in one session, with tokens spread
 * over the whole 64-bit range (0 and ~0 included), each retrieved by its
 * token with its own content.
 */
#include <stdint.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR	500

static uint64_t token_of(int i)
{
	if (i == 0)
		return 0;
	if (i == 1)
		return UINT64_MAX;
	return i * 0x9e3779b97f4a7c15ULL;
}

static size_t size_of(int i)
{
	return (i % 16 + 1) * 512;
}

LUO_TEST(luo_kexec_files_500, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 500 files in one session, any tokens, any order")
{
	int luo, s, i, m, r;
	uint64_t seed;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "files-500");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		for (i = 0; i < NR; i++) {
			m = luo_memfd_new("f", size_of(i), seed + i);
			ASSERT_OK(m);
			r = liveupdate_preserve_fd(s, m, token_of(i));
			ASSERT_TRUE(!r, "file %d: %s", i, strerror(-r));
			close(m);
		}
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "files-500");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	/* Odd ones first, then even ones, each half backwards. */
	for (i = NR - 1; i >= 0; i--) {
		int k = i < NR / 2 ? 2 * i : 2 * (i - NR / 2) + 1;

		m = liveupdate_retrieve_fd(s, token_of(k));
		ASSERT_TRUE(m >= 0, "file %d: %s", k, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, size_of(k), seed + k),
			    "content of file %d", k);
		close(m);
	}
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -ENOENT, "token 1 was never used: %d", r);
	return luo_finish_close(s, luo);
}
