// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_scale_8g.c - bench_memfd_4k with a 8 GiB memfd: how
 * PRESERVE_FD, RETRIEVE_FD and the blackout grow with the size (see
 * bench_memfd.h).
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_scale_8g, .stages = 2, .mem = "10G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 8 GiB memfd of 4 KiB pages: preserve, blackout, retrieve per GiB")
{
	return bench_memfd_gib(ctx, BENCH_4K, 8);
}
