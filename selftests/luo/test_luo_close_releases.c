// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_close_releases.c - closing an outgoing session unpreserves all
 * its files: a file only the kernel still held is freed, a file the user
 * still has can be preserved again and resized, the FLB its test file
 * pulled in is unpreserved, and the name is free.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define BIG	(64 << 20)

LUO_TEST(luo_close_releases, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: closing an outgoing session releases everything")
{
	struct luo_flb_state flb;
	long long shmem_before, shmem_held, shmem_after;
	int luo, s, kept, big, t, r, i;

	s = luo_session_new("release", &luo);
	ASSERT_TRUE(s >= 0, "session");

	kept = luo_memfd_new("kept", 1 << 20, 1);
	ASSERT_OK(kept);
	shmem_before = luo_meminfo_kb("Shmem");
	big = luo_memfd_new("big", BIG, 2);
	ASSERT_OK(big);
	t = luo_testdev_open(NULL);
	ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));

	ASSERT_TRUE(!liveupdate_preserve_fd(s, kept, 1), "preserve kept");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, big, 2), "preserve big");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, t, 3), "preserve test file");
	close(big);
	close(t);
	ASSERT_OK(luo_flb_read(&flb));
	ASSERT_TRUE(flb.out_preserved == 1 && flb.out_files == 1,
		    "FLB while preserved: %d/%d", flb.out_preserved,
		    flb.out_files);
	/* Only the session holds "big" now, and it is still there. */
	shmem_held = luo_meminfo_kb("Shmem");
	ASSERT_TRUE(shmem_held - shmem_before >= (BIG >> 10) * 9 / 10,
		    "Shmem grew by %lld kB only", shmem_held - shmem_before);

	close(s);

	/* Freeing may be deferred a little; give it a few seconds. */
	for (i = 0; i < 50; i++) {
		shmem_after = luo_meminfo_kb("Shmem");
		if (shmem_held - shmem_after >= (BIG >> 10) * 9 / 10)
			break;
		usleep(100000);
	}
	ASSERT_TRUE(shmem_held - shmem_after >= (BIG >> 10) * 9 / 10,
		    "Shmem %lld kB -> %lld kB: big memfd not freed",
		    shmem_held, shmem_after);
	ASSERT_OK(luo_flb_read(&flb));
	ASSERT_TRUE(flb.out_preserved == 0 && flb.out_files == 0,
		    "FLB after close: %d/%d", flb.out_preserved, flb.out_files);

	/* "kept" is an ordinary memfd again. */
	ASSERT_OK(ftruncate(kept, 2 << 20));
	s = liveupdate_create_session(luo, "release");
	ASSERT_TRUE(s >= 0, "name not freed: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, kept, 1);
	ASSERT_TRUE(!r, "kept cannot be preserved again: %s", strerror(-r));
	close(s);
	close(kept);
	close(luo);
	return LUO_PASS;
}
