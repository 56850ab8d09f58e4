// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_overlap.c - handover data that lists a page inside a preserved
 * large folio must not get that page handed out twice: the folio that
 * contains it refuses to restore (the self-test counts it as bad=1), and
 * the other folios and the vmalloc area still come back intact.
 */
#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_overlap, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: overlapping chunks are never handed out twice",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	char buf[512];

	if (ctx->stage == 1) {
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "corrupt-overlap"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
	luo_info("%s", buf);
	ASSERT_TRUE(strstr(buf, "in: FAILED generation=1 bad=1 of folios=24"),
		    "%s", buf);
	ASSERT_TRUE(luo_kmsg_contains("overlapping"), "refusal not logged");
	return LUO_PASS;
}
