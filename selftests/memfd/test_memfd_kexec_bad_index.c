// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_bad_index.c - a memfd folio array with an entry past
 * the file's end is refused at RETRIEVE_FD, and every page of that memfd
 * is given back, each once.
 *
 * The test handler's "memfd-index": entry 10 names an index past the end.
 * The check is made as each folio is claimed from KHO, so the refusal
 * comes with entries 0-9 claimed, entry 10's folio claimed and put back,
 * and the rest still KHO's: each must go back exactly once, and the
 * array's pages with them. A second walk of the array freed already would
 * log KHO lines the test does not expect. Stages: memfd_array_damage.h.
 */
#include "memfd_array_damage.h"

LUO_TEST(memfd_kexec_bad_index, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a memfd folio array with an entry past the end is refused, its pages freed once",
	 .expect_log = LUO_LOG(MAD_REFUSED))
{
	int luo = liveupdate_open();

	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 2)
		return mad_stage2(luo, NULL);
	return mad_stage1(luo, "memfd-index");
}
