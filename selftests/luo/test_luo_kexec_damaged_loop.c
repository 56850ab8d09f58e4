// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_damaged_loop.c - a session block chain that loops back is
 * refused without a panic: /dev/liveupdate fails with EIO, and the memfd
 * read before the loop was found is given back (its pages restored and
 * freed), not leaked.
 */
#include "luo_damage.h"

LUO_TEST(luo_kexec_damaged_loop, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a looping session block chain is refused (EIO)",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)",
				 "liveupdate: block * was not preserved",
				 "liveupdate: incoming sessions are malformed (-22), releasing them"))
{
	return luo_damage_test(ctx, "loop",
			       "liveupdate: incoming sessions are malformed (-22), releasing them",
			       true);
}
