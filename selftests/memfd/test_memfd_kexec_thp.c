// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_thp.c - a 1 GiB memfd made of 2 MiB THP folios survives
 * the kexec byte for byte, in the same physical pages, still as THPs.
 */
#include "memfd_1g.h"

LUO_TEST(memfd_kexec_thp, .stages = 2, .mem = "4G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 1 GiB THP memfd, checksum, frames and folio size kept")
{
	return ctx->stage == 1 ? memfd_1g_stage1(true) : memfd_1g_stage2(true);
}
