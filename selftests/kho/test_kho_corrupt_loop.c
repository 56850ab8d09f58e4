// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_loop.c - a tracker table entry pointing back to the
 * root is refused with a log line and the next kernel boots as a cold
 * boot, without a panic.
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_loop, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: damaged handover (loop) gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (loop)",
				 "KHO: tracker page * loops back",
				 "KHO: preserved-memory map is malformed (-40), refusing handover: cold boot"))
{
	return kho_corrupt_test(ctx, "loop", "KHO: tracker page * loops back");
}
