// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_bad_index.c - a hugetlb memfd folio array with an
 * index past the file's end is refused at RETRIEVE_FD while the pages are
 * claimed, before any is adopted: every page is freed, and the pool is
 * as it was at boot. Stages: memfd_hugetlb_damage.h.
 */
#include "memfd_hugetlb_damage.h"

LUO_TEST(memfd_hugetlb_bad_index, .stages = 2, .mem = "4G", .cmdline = MH_CMDLINE,
	 .desc = "two-stage: hugetlb memfd array with an index past the end: refused, pages freed",
	 .expect_log = LUO_LOG(MHD_REFUSED))
{
	return ctx->stage == 1 ? mhd_stage1("memfd-index") : mhd_stage2(MHD_REFUSED, true);
}
