// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_sparse.c - live update of a 1 GiB memfd, 10 % of pages written: PRESERVE_FD,
 * blackout and RETRIEVE_FD times (see bench_memfd.h).
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_sparse, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 1 GiB memfd, 10 % of pages written: preserve, blackout, retrieve")
{
	return bench_memfd(ctx, BENCH_SPARSE);
}
