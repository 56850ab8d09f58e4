// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_chunk_in_use.c - a handover that lists memory the new kernel
 * uses already as preserved gets none of it handed out.
 *
 * Stage 1 preserves the self-test's data and also lists a page of the low
 * 1 MiB (0x9000) as preserved (the self-test's "corrupt-chunk-low"): the
 * next kernel reserves that range for itself (real mode trampoline, BIOS
 * data) before it walks the handover, and memblock may give it out there.
 * Stage 2: the walk names the page and does not hand it out (a claim of it
 * fails with ENOENT, where it once succeeded and freed a page the kernel
 * uses), and the rest of the handover is intact: the self-test verifies.
 */
#include "kho_util.h"
#include "luo_test.h"

#define ST	KHO_DEBUGFS "/selftest"

LUO_TEST(kho_chunk_in_use, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: a preserved chunk in memory the new kernel uses is never handed out",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (chunk-low)",
			       "KHO: preserved chunk 0x0000000000009000 order 0 lies in memory in use, not handed out",
			       "KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	char buf[4096];
	int r;

	if (ctx->stage == 1) {
		ASSERT_OK(kho_write_file(ST, "preserve"));
		ASSERT_OK(kho_write_file(ST, "corrupt-chunk-low"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	r = kho_write_file(ST, "restore-folio 0x9000");
	ASSERT_TRUE(r == -ENOENT, "claiming the low page 0x9000: %s",
		    r ? strerror(-r) : "claimed");
	ASSERT_OK(kho_read_file(ST, buf, sizeof(buf)));
	ASSERT_TRUE(strstr(buf, "in: verified"),
		    "the rest of the handover: %s", buf);
	return LUO_PASS;
}
