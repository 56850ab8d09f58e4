// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_unpreserve_memory.c - unpreserving (closing the outgoing
 * session) gives a memfd's memory back: once nobody else holds the memfd,
 * free memory returns to its baseline within a small margin, so no page,
 * pin or metadata is left behind.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define BIG_KB		(256 << 10)
/*
 * Room for slab caches, far below the 256 MiB; pages on per-CPU free lists
 * are counted as free (luo_free_kb()), so they need no room here.
 */
#define MARGIN_KB	(16 << 10)

LUO_TEST(memfd_unpreserve_memory, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: free memory back to baseline after unpreserve")
{
	long long base, held, after = 0;
	int luo, s, m, r, round, i;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	/* Twice: a leak per cycle would show in the second one too. */
	for (round = 0; round < 2; round++) {
		base = luo_free_kb();
		s = liveupdate_create_session(luo, "memory");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("memory", (size_t)BIG_KB << 10, round);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		close(m);
		held = luo_free_kb();
		ASSERT_TRUE(base - held >= BIG_KB * 9 / 10,
			    "free memory fell by %lld kB only", base - held);

		close(s);
		for (i = 0; i < 50; i++) {
			after = luo_free_kb();
			if (base - after <= MARGIN_KB)
				break;
			usleep(100000);
		}
		luo_info("round %d: free %lld -> %lld -> %lld kB", round,
			 base, held, after);
		ASSERT_TRUE(base - after <= MARGIN_KB,
			    "%lld kB still missing after unpreserve",
			    base - after);
	}
	close(luo);
	return LUO_PASS;
}
