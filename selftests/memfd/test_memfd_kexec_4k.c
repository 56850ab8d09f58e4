// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_4k.c - a 1 GiB memfd of 4 KiB pages survives the kexec
 * byte for byte, in the same physical pages.
 */
#include "memfd_1g.h"

LUO_TEST(memfd_kexec_4k, .stages = 2, .mem = "4G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 1 GiB memfd, 4 KiB pages, checksum and frames kept")
{
	return ctx->stage == 1 ? memfd_1g_stage1(false) : memfd_1g_stage2(false);
}
