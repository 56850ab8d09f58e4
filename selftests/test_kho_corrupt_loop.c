// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_loop.c - a damaged handover (loop) is refused with a
 * log line and the next kernel boots as a cold boot, without a panic.
 */
#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_corrupt_loop, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (loop) gives a clean cold boot")
{
	char buf[512];

	if (ctx->stage == 1) {
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "corrupt-loop"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_TRUE(luo_kmsg_contains("refusing"), "no refusal logged");
	ASSERT_TRUE(luo_kmsg_contains("cold boot"), "no cold boot logged");
	ASSERT_TRUE(!kho_path_exists(KHO_DEBUGFS "/in"),
		    "incoming handover accepted");
	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
	ASSERT_TRUE(strstr(buf, "in: none"), "%s", buf);
	/* KHO itself still works for the next update. */
	ASSERT_TRUE(kho_path_exists(KHO_DEBUGFS "/out/fdt"), "KHO not enabled");
	return LUO_PASS;
}
