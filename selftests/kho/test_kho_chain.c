// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_chain.c - three boots, data preserved at every hop: boot 2 runs
 * on the scratch layout boot 1 made, and must hand over again.
 */
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_chain, .stages = 3, .cmdline = "kho=on",
	 .desc = "KHO: boot 1 -> 2 -> 3 with data preserved at each hop",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	char buf[512], want[64];

	if (ctx->stage > 1) {
		ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
		luo_info("stage %d: %s", ctx->stage, buf);
		snprintf(want, sizeof(want), "in: verified generation=%d ",
			 ctx->stage - 1);
		ASSERT_TRUE(strstr(buf, want), "expected '%s'", want);
		if (ctx->stage == 3)
			return LUO_PASS;
	}
	ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
	luo_kexec(NULL);
	return LUO_FAIL;
}
