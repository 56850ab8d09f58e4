// SPDX-License-Identifier: GPL-2.0
/*
 * bench_luo_files_100k.c - LUO at scale: 100000 files in one session (see bench_luo_scale.h).
 */
#include "bench_luo_scale.h"

LUO_TEST(bench_luo_files_100k, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 100000 files in one session, time per item")
{
	return bench_luo_scale(ctx, "files_100000", 0, 100000);
}
