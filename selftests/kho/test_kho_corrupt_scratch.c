// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_scratch.c - a tracker table entry pointing into a
 * scratch area (where the next kernel has already been allocating) is
 * refused with a log line and the next kernel boots as a cold boot.
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_scratch, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (scratch) gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (scratch)",
				 "KHO: tracker page * inside scratch",
				 "KHO: preserved-memory map is malformed (-22), refusing handover: cold boot"))
{
	return kho_corrupt_test(ctx, "scratch",
				"KHO: tracker page * inside scratch");
}
