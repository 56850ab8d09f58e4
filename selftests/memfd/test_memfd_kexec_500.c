// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_500.c - 500 memfds of assorted sizes (empty, sub-page,
 * multi-page, with a hole) in one session all come back with their own
 * content.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR	500
#define BIG	200000

static size_t size_of(int i)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536, BIG };

	return sizes[i % 7];
}

LUO_TEST(memfd_kexec_500, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 500 memfds of various sizes in one session")
{
	int luo, s, m, i, r;
	uint64_t seed;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "memfd-500");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		for (i = 0; i < NR; i++) {
			m = luo_memfd_new("m", size_of(i), seed + i);
			ASSERT_OK(m);
			/* Every 7th of the largest: punch a hole in it. */
			if (i % 49 == 6)
				ASSERT_OK(fallocate(m, FALLOC_FL_PUNCH_HOLE |
						    FALLOC_FL_KEEP_SIZE,
						    65536, 65536));
			r = liveupdate_preserve_fd(s, m, i);
			ASSERT_TRUE(!r, "memfd %d: %s", i, strerror(-r));
			close(m);
		}
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "memfd-500");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	for (i = 0; i < NR; i++) {
		static uint64_t want[BIG / 8], got[BIG / 8 + 1];

		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		if (i % 49 != 6) {
			ASSERT_TRUE(!luo_memfd_verify(m, size_of(i), seed + i),
				    "memfd %d", i);
			close(m);
			continue;
		}
		/* The punched one: pattern around a zero range, kept a hole. */
		luo_pattern_fill(want, BIG, 0, seed + i);
		memset((char *)want + 65536, 0, 65536);
		ASSERT_TRUE(pread(m, got, BIG + 1, 0) == BIG, "memfd %d: %m", i);
		ASSERT_TRUE(!memcmp(want, got, BIG), "memfd %d: content", i);
		ASSERT_TRUE(lseek(m, 65536, SEEK_DATA) == 131072,
			    "memfd %d: hole not kept", i);
		close(m);
	}
	return luo_finish_close(s, luo);
}
