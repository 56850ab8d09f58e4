/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kho_corrupt.h - body of the damaged-handover tests: stage 1 preserves the
 * self-test's data and damages the outgoing handover in one way; stage 2
 * must be a clean cold boot that says so, with KHO ready for the next update.
 */
#ifndef KHO_CORRUPT_H
#define KHO_CORRUPT_H

#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

static inline enum luo_result kho_corrupt_test(struct luo_ctx *ctx,
					       const char *how)
{
	char buf[512], cmd[32];

	if (ctx->stage == 1) {
		snprintf(cmd, sizeof(cmd), "corrupt-%s", how);
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", cmd));
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

#endif /* KHO_CORRUPT_H */
