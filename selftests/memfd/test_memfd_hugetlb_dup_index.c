// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_dup_index.c - a hugetlb memfd folio array that names
 * two huge pages for one index is refused at RETRIEVE_FD, after the pages
 * were adopted into the pool and the first ten went into the new file:
 * every page goes back to the pool, and the pool is as it was at boot.
 * Stages: memfd_hugetlb_damage.h.
 */
#include "memfd_hugetlb_damage.h"

#define OVERLAP_LINE	"memfd_luo_hugetlb: huge page entries overlap in the page cache"

LUO_TEST(memfd_hugetlb_dup_index, .stages = 2, .mem = "4G",
	 .cmdline = MH_CMDLINE,
	 .desc = "two-stage: hugetlb memfd array with two pages for one index: refused, pool intact",
	 .expect_log = LUO_LOG(OVERLAP_LINE, MHD_REFUSED))
{
	return ctx->stage == 1 ? mhd_stage1("memfd-dup") : mhd_stage2(OVERLAP_LINE, false);
}
