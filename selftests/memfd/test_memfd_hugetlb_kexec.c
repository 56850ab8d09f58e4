// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_kexec.c - a 1 GiB memfd of 2 MiB hugetlb pages,
 * sealed as QEMU seals guest RAM, survives the kexec byte for byte in the
 * same frames; the new kernel's pool counts as the old one's did.
 */
#include "memfd_hugetlb.h"

LUO_TEST(memfd_hugetlb_kexec, .stages = 2, .mem = "4G", .cmdline = MH_CMDLINE,
	 .desc = "two-stage: 1 GiB hugetlb memfd: bytes, frames, seals, pool counters")
{
	int luo, s, m;

	if (ctx->stage == 1)
		return mh_stage1(false);
	m = luo_retrieve_one("hugetlb", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	return mh_check(m, s, luo, false);
}
