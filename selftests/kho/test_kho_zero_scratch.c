// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_zero_scratch.c - upstream hands over a scratch array with a
 * zero-sized entry (area 1, "global", when the VM is small). Boot 1 hands
 * one over like that (self-test "corrupt-zero-scratch"); boot 2 must accept
 * it, restore the self-test's data, and hand over again with the same
 * array; boot 3 must accept that too.
 */
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_zero_scratch, .stages = 3, .cmdline = "kho=on",
	 .desc = "KHO: a zero-sized scratch area is skipped, not refused",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (zero-scratch)",
				 "KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	unsigned long long addr, size;
	char buf[512], want[64];
	const char *line;

	if (ctx->stage > 1) {
		ASSERT_TRUE(!luo_kmsg_contains("refusing"),
			    "handover refused");
		ASSERT_OK(kho_read_file(KHO_DEBUGFS "/out/scratch", buf,
					sizeof(buf)));
		line = strstr(buf, "\n1 ");
		ASSERT_TRUE(line && sscanf(line, "%*u %llx %llx", &addr, &size) == 2,
			    "no area 1");
		luo_info("stage %d: scratch area 1 [%#llx + %#llx]", ctx->stage,
			 addr, size);
		ASSERT_TRUE(!size, "area 1 is %#llx bytes, not zero-sized", size);
		ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
		luo_info("stage %d: %s", ctx->stage, buf);
		snprintf(want, sizeof(want), "in: verified generation=%d ",
			 ctx->stage - 1);
		ASSERT_TRUE(strstr(buf, want), "expected '%s'", want);
		if (ctx->stage == 3)
			return LUO_PASS;
	}
	ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
	if (ctx->stage == 1)
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest",
					 "corrupt-zero-scratch"));
	luo_kexec(NULL);
	return LUO_FAIL;
}
