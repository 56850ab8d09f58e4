// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_damaged_compatible.c - handover data of another format
 * ("luo-v0") is refused without a panic: /dev/liveupdate fails with EIO.
 * Nothing can be read in a format this kernel does not know, so the
 * memory stays reserved.
 */
#include "luo_damage.h"

LUO_TEST(luo_kexec_damaged_compatible, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: LUO data of an unknown format is refused (EIO)",
	 .expect_log = LUO_LOG("liveupdate: handover is 'luo-v0', this kernel reads 'luo-v5': incoming sessions lost"))
{
	return luo_damage_test(ctx, "compatible",
			       "liveupdate: handover is 'luo-v0', this kernel reads 'luo-v5': incoming sessions lost",
			       false);
}
