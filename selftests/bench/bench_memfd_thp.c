// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_thp.c - live update of a 1 GiB memfd of THPs: PRESERVE_FD,
 * blackout and RETRIEVE_FD times (see bench_memfd.h).
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_thp, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 1 GiB memfd of THPs: preserve, blackout, retrieve")
{
	return bench_memfd(ctx, BENCH_THP);
}
