// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memfd_4m.c - the bare-kexec reference: the same benchmark as
 * bench_memfd_4k in the same 4 GiB guest, with a 4 MiB memfd. Its blackout
 * is what a live update costs when it carries next to nothing; the 1 GiB
 * blackout over this one is the price of carrying the data
 * (scripts/bench-side.sh prints that ratio).
 */
#include "bench_memfd.h"

LUO_TEST(bench_memfd_4m, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 4 MiB memfd of 4 KiB pages, the bare-kexec reference")
{
	return bench_memfd_mib(ctx, BENCH_4K, 4);
}
