// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_sparse.c - a hugetlb memfd with one 2 MiB page in
 * four present: the holes stay holes (no pool page is spent on them) and
 * read as zeroes, a write fills one from the pool.
 */
#include "memfd_hugetlb.h"

LUO_TEST(memfd_hugetlb_sparse, .stages = 2, .mem = "4G", .cmdline = MH_CMDLINE,
	 .desc = "two-stage: sparse hugetlb memfd: holes kept, pool counters")
{
	int luo, s, m;

	if (ctx->stage == 1)
		return mh_stage1(true);
	m = luo_retrieve_one("hugetlb", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	return mh_check(m, s, luo, true);
}
