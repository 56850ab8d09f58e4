// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_corrupt_chunk.c - two pages of a scratch area listed as
 * preserved single pages: the boot walk sees them as one run, refuses it,
 * checks it again page by page and names the page at fault; the next
 * kernel boots as a cold boot.
 */
#include "kho_corrupt.h"

LUO_TEST(kho_corrupt_chunk, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: a run of preserved pages in scratch gives a clean cold boot",
	 .expect_log = LUO_LOG("KHO selftest: outgoing handover damaged (chunk-scratch)",
				 "KHO: preserved chunk * order 0 is outside RAM or in scratch",
				 "KHO: preserved-memory map is malformed (-22), refusing handover: cold boot"))
{
	return kho_corrupt_test(ctx, "chunk-scratch",
				"KHO: preserved chunk * order 0 is outside RAM or in scratch");
}
