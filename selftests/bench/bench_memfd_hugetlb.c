// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_hugetlb.c - live update of a 1 GiB hugetlb memfd of 2 MiB
 * pages: PRESERVE_FD, blackout and RETRIEVE_FD times, beside the 4 KiB
 * and THP memfds (see bench_memfd.h). Both kernels have a pool of 600
 * huge pages: the handed-over ones take the place of free ones.
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_hugetlb, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on hugepages=600",
	 .desc = "bench: 1 GiB hugetlb memfd (2 MiB pages): preserve, blackout, retrieve")
{
	return bench_memfd(ctx, BENCH_HUGETLB);
}
