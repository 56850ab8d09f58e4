// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_x86_timers_hops.c - a timer calibration handed from kernel to
 * kernel is measured again after KHO_X86_TIMERS_MAX_HOPS (8) kexecs in a
 * row, so that no value lives on unmeasured for ever: stages 2 to 9 take
 * the previous kernel's values, stage 10 measures, stage 11 takes its
 * fresh values again.
 */
#include "luo_test.h"

#define TAKEN	"KHO: x86 timer calibration from the previous kernel"
#define AGAIN	"KHO: x86 timer calibration handed over 8 kexecs in a row, measuring again"

LUO_TEST(kho_x86_timers_hops, .stages = 11, .cmdline = "kho=on",
	 .desc = "x86 timer calibration is measured again after 8 handovers in a row")
{
	bool taken = luo_kmsg_contains(TAKEN), again = luo_kmsg_contains(AGAIN);

	luo_info("stage %d: taken %d, measured again %d", ctx->stage, taken,
		 again);
	if (ctx->stage == 1) {
		ASSERT_TRUE(!taken && !again, "a cold boot took a handover");
	} else if (ctx->stage == 10) {
		ASSERT_TRUE(again && !taken,
			    "stage 10 (8 handovers in a row) did not measure again");
	} else {
		ASSERT_TRUE(taken && !again, "stage %d did not take the handover",
			    ctx->stage);
	}
	if (ctx->stage == 11)
		return LUO_PASS;
	luo_kexec(NULL);
	return LUO_FAIL;
}
