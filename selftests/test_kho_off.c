// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_off.c - kho=off: no KHO state, no scratch, and a kexec still
 * works (as a plain kexec: nothing is handed over).
 */
#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_off, .stages = 2, .cmdline = "kho=off",
	 .desc = "KHO: kho=off boots with KHO visibly off")
{
	ASSERT_TRUE(!kho_path_exists(KHO_DEBUGFS), "debugfs kho exists with kho=off");
	ASSERT_TRUE(!luo_kmsg_contains("KHO: enabled"), "KHO says it is enabled");
	ASSERT_TRUE(!luo_kmsg_contains("KHO: handover found"),
		    "handover accepted with kho=off");
	if (ctx->stage == 1) {
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	return LUO_PASS;
}
