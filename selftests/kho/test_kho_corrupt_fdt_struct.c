// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_fdt_struct.c - a root FDT whose structure is damaged
 * past its header (an unknown tag where its last subnode starts) is
 * refused with a log line and the next kernel boots as a cold boot. Read
 * as it is, every subtree from the damage on would look absent, and LUO's
 * sessions would be lost without a word (found by luo_fuzz_handover,
 * seed 0x234307459a8b97f3).
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_fdt_struct, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (FDT structure) gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (fdt-struct)",
				 "KHO: handover FDT at * is damaged, refusing it: cold boot"))
{
	return kho_corrupt_test(ctx, "fdt-struct",
				"KHO: handover FDT at * is damaged, refusing it: cold boot");
}
