// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_fdt.c - a root FDT with another compatible is refused
 * with a log line and the next kernel boots as a cold boot, without a
 * panic.
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_fdt, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (fdt) gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (fdt)",
				 "KHO: handover FDT is not kho-v4, refusing it: cold boot"))
{
	return kho_corrupt_test(ctx, "fdt",
				"KHO: handover FDT is not kho-v4, refusing it: cold boot");
}
