// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_scale_2g.c - bench_memfd_4k with a 2 GiB memfd: how
 * PRESERVE_FD, RETRIEVE_FD and the blackout grow with the size (see
 * bench_memfd.h).
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_scale_2g, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 2 GiB memfd of 4 KiB pages: preserve, blackout, retrieve per GiB")
{
	return bench_memfd_gib(ctx, BENCH_4K, 2);
}
