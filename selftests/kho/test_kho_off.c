// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_off.c - kho=off: no KHO state, no scratch, and a kexec still
 * works (as a plain kexec: nothing is handed over).
 *
 * The lines whose absence stage 1 checks must be the ones KHO prints when
 * it is on, or a reworded message would pass the test: stage 2 boots the
 * same kernel with kho=on and finds "KHO: enabled", stage 3 (a KHO kexec)
 * finds "KHO: handover found" too, with the same needles.
 */
#include "kho_util.h"
#include "luo_test.h"

#define KHO_ON_LINE	"KHO: enabled"
#define KHO_BOOT_LINE	"KHO: handover found"

LUO_TEST(kho_off, .stages = 3, .cmdline = "kho=off",
	 .desc = "KHO: kho=off boots with KHO visibly off (on: the lines appear)")
{
	bool debugfs = kho_path_exists(KHO_DEBUGFS);
	bool on = luo_kmsg_contains(KHO_ON_LINE);
	bool boot = luo_kmsg_contains(KHO_BOOT_LINE);

	luo_info("stage %d: debugfs kho %d, '%s' %d, '%s' %d", ctx->stage,
		 debugfs, KHO_ON_LINE, on, KHO_BOOT_LINE, boot);
	if (ctx->stage == 1) {
		ASSERT_TRUE(!debugfs, "debugfs kho exists with kho=off");
		ASSERT_TRUE(!on, "KHO says it is enabled");
		ASSERT_TRUE(!boot, "handover accepted with kho=off");
		/* Later arguments win: the next boots have KHO on. */
		ASSERT_OK(luo_kexec_append("kho=on"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_TRUE(debugfs, "no debugfs kho with kho=on");
	ASSERT_TRUE(on, "no '%s' with kho=on", KHO_ON_LINE);
	ASSERT_TRUE(luo_kmsg_match("KHO: enabled: * scratch areas"),
		    "'%s' line changed", KHO_ON_LINE);
	if (ctx->stage == 2) {
		/* Came from a kernel with KHO off: nothing handed over. */
		ASSERT_TRUE(!boot, "handover found after a kho=off kernel");
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	ASSERT_TRUE(boot, "no '%s' after a kexec with KHO on", KHO_BOOT_LINE);
	return LUO_PASS;
}
