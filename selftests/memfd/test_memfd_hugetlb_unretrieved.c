// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_unretrieved.c - a hugetlb memfd never retrieved: its
 * huge pages stay reserved until FINISH, which gives them to the page
 * allocator; the new kernel's pool is untouched.
 */
#include "memfd_hugetlb.h"

LUO_TEST(memfd_hugetlb_unretrieved, .stages = 2, .mem = "4G",
	 .cmdline = MH_CMDLINE,
	 .desc = "two-stage: hugetlb memfd not retrieved: freed at FINISH, pool untouched")
{
	long long before, gained;
	struct mh_pool pool;
	int luo, s;

	if (ctx->stage == 1)
		return mh_stage1(false);

	s = luo_session_get("hugetlb", &luo);
	ASSERT_TRUE(s >= 0, "session");
	before = luo_free_kb();
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;
	gained = luo_free_kb() - before;
	ASSERT_TRUE(gained >= (long long)(MH_SIZE >> 10) * 98 / 100,
		    "FINISH freed %lld kB of a 1 GiB file", gained);
	pool = mh_pool();
	ASSERT_TRUE(pool.total == MH_POOL && pool.free == MH_POOL && !pool.surp,
		    "pool %lld, %lld free, %lld surplus", pool.total, pool.free,
		    pool.surp);
	return LUO_PASS;
}
