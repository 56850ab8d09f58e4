// SPDX-License-Identifier: GPL-2.0
/*
 * bench_luo_sessions_10k.c - LUO at scale: 10000 sessions (see bench_luo_scale.h).
 */
#include "bench_luo_scale.h"

LUO_TEST(bench_luo_sessions_10k, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 10000 sessions, time per item")
{
	return bench_luo_scale(ctx, "sessions_10000", 10000, 0);
}
