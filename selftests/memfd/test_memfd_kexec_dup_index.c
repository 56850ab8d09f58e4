// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_dup_index.c - a memfd folio array that names two folios
 * for one page cache index is refused at RETRIEVE_FD, and every page of
 * that memfd is given back, each once.
 *
 * The test handler's "memfd-dup": entry 2 takes the index of entry 10, so
 * that entry 10 meets an occupied slot right after entry 9, where the page
 * cache insertion steps to the next slot instead of walking down the
 * xarray. Every folio is claimed by then: the overlap is found when entry
 * 10 goes into the page cache. Stages: memfd_array_damage.h.
 */
#include "memfd_array_damage.h"

#define OVERLAP_LINE	"memfd_luo: folio entries overlap in the page cache"

LUO_TEST(memfd_kexec_dup_index, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a memfd folio array with two folios for one index is refused, its pages freed",
	 .expect_log = LUO_LOG(OVERLAP_LINE, MAD_REFUSED))
{
	int luo = liveupdate_open();

	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 2)
		return mad_stage2(luo, OVERLAP_LINE);
	return mad_stage1(luo, "memfd-dup");
}
