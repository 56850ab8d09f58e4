// SPDX-License-Identifier: GPL-2.0
/*
 * bench_luo_files_10k.c - LUO at scale: 10000 files in one session (see bench_luo_scale.h).
 */
#include "bench_luo_scale.h"

LUO_TEST(bench_luo_files_10k, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 10000 files in one session, time per item")
{
	return bench_luo_scale(ctx, "files_10000", 0, 10000);
}
