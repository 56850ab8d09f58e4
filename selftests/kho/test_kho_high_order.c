// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_high_order.c - upstream records a naturally aligned page range
 * as one chunk, even above MAX_PAGE_ORDER. Boot 1 preserves the self-test's
 * data plus an 8 MiB range recorded as one order-11 chunk; boot 2 must
 * accept the handover and give the range back, bytes intact.
 */
#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_high_order, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: a preserved chunk above MAX_PAGE_ORDER is restored",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	char buf[512];

	if (ctx->stage == 1) {
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve-range"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_TRUE(!luo_kmsg_contains("refusing"), "handover refused");
	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
	luo_info("%s", buf);
	ASSERT_TRUE(strstr(buf, "in: verified generation=1 folios=24"), "%s", buf);
	ASSERT_TRUE(strstr(buf, "range=2048"), "range not restored: %s", buf);
	return LUO_PASS;
}
