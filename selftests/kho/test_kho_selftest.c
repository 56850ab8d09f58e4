// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_selftest.c - the in-kernel KHO self-test across one kexec:
 * folios of random orders, a vmalloc area and a blob, checksummed in boot
 * 1, restored and verified by the kernel in boot 2; restoring a folio twice
 * must fail (the kernel checks that too).
 */
#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_selftest, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: folios, vmalloc and a blob survive a kexec",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	char buf[512];

	if (ctx->stage == 1) {
		ASSERT_TRUE(kho_path_exists(KHO_DEBUGFS "/out/fdt"),
			    "no outgoing KHO state in debugfs");
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
		luo_info("%s", buf);
		ASSERT_TRUE(strstr(buf, "out: preserved generation=1"), "%s", buf);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_TRUE(kho_path_exists(KHO_DEBUGFS "/in/fdt"), "not a KHO boot");
	ASSERT_TRUE(kho_path_exists(KHO_DEBUGFS "/in/sub/kho-selftest"),
		    "incoming blob not shown in debugfs");
	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
	luo_info("%s", buf);
	ASSERT_TRUE(strstr(buf, "in: verified generation=1 folios=24"), "%s", buf);
	return LUO_PASS;
}
