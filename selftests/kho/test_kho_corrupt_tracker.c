// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_tracker.c - a tracker table entry outside RAM is
 * refused with a log line and the next kernel boots as a cold boot,
 * without a panic.
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_tracker, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (tracker) gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (tracker)",
				 "KHO: tracker page * outside RAM",
				 "KHO: preserved-memory map is malformed (-22), refusing handover: cold boot"))
{
	return kho_corrupt_test(ctx, "tracker",
				"KHO: tracker page * outside RAM");
}
