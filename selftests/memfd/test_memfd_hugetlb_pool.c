// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_pool.c - a new kernel whose hugetlb pool has no room
 * for the handed-over pages: RETRIEVE_FD fails with ENOMEM and keeps them;
 * with room again (surplus pages allowed) the retry gives every byte back,
 * the pages counted as surplus.
 */
#include "memfd_hugetlb.h"

LUO_TEST(memfd_hugetlb_pool, .stages = 2, .mem = "4G", .cmdline = MH_CMDLINE,
	 .desc = "two-stage: hugetlb pool too small: ENOMEM, kept; retry as surplus",
	 .expect_log = LUO_LOG("memfd_luo_hugetlb: the pool of 2048 KiB pages has no room for 512 more (nr_hugepages, nr_overcommit_hugepages): file kept, retry"))
{
	static uint64_t pfns[MH_NR];
	struct mh_pool pool;
	int luo, s, m, i;
	uint64_t sum;
	char *p;

	if (ctx->stage == 1)
		return mh_stage1(false);

	/* Shrink the pool to less than the file needs; no surplus. */
	ASSERT_OK(luo_write_file(MH_HP, "100"));
	s = luo_session_get("hugetlb", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < 2; i++) {
		m = liveupdate_retrieve_fd(s, 1);
		ASSERT_TRUE(m == -ENOMEM, "retrieve %d with a small pool: %d",
			    i, m);
	}
	ASSERT_TRUE(luo_kmsg_contains("has no room for 512 more"),
		    "no log line for the refusal");
	pool = mh_pool();
	ASSERT_TRUE(pool.total == 100 && pool.free == 100,
		    "refusals changed the pool: %lld, %lld free", pool.total,
		    pool.free);

	ASSERT_OK(luo_write_file(MH_OVERCOMMIT, "512"));
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve with room: %s", strerror(-m));
	pool = mh_pool();
	ASSERT_TRUE(pool.total == 612 && pool.free == 100 && pool.surp == 512,
		    "pool %lld, %lld free, %lld surplus", pool.total, pool.free,
		    pool.surp);
	p = mmap(NULL, MH_SIZE, PROT_READ, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	if (mh_scan(m, p, false, &sum, pfns) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_TRUE(sum == luo_get_u64("sum") &&
		    mh_pfn_hash(pfns, false) == luo_get_u64("pfns"),
		    "bytes or frames differ after the retry");
	munmap(p, MH_SIZE);
	close(m);
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;
	/* Surplus pages go back to the page allocator. */
	pool = mh_pool();
	ASSERT_TRUE(pool.total == 100 && pool.surp == 0,
		    "after finish: pool %lld, %lld surplus", pool.total,
		    pool.surp);
	return LUO_PASS;
}
