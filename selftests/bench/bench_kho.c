// SPDX-License-Identifier: GPL-2.0
/*
 * bench_kho.c - what KHO costs: preserve time and tracker bytes per GiB
 * for 4 KiB pages and for 2 MiB folios (in-kernel timing, through the
 * self-test's "bench" command), and the next kernel's boot-time walk over
 * all of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kho_util.h"
#include "luo_test.h"

#define BENCH_MIB	1024

static enum luo_result bench_order(int order, const char *label)
{
	char cmd[32], path[] = KHO_DEBUGFS "/selftest";
	long long ns, bytes, pages;

	snprintf(cmd, sizeof(cmd), "bench %d %d", order, BENCH_MIB);
	ASSERT_OK(kho_write_file(path, cmd));
	ns = kho_file_value(path, "preserve_ns");
	bytes = kho_file_value(path, "tracker_bytes");
	pages = kho_file_value(path, "pages");
	ASSERT_TRUE(ns > 0 && bytes >= 0 && pages > 0, "no bench result");
	luo_info("%s: %lld pages preserved in %lld ns", label, pages, ns);
	snprintf(cmd, sizeof(cmd), "kho_preserve_%s", label);
	luo_bench(cmd, ns / 1e6 * 1024.0 / BENCH_MIB, "ms/GiB");
	snprintf(cmd, sizeof(cmd), "kho_tracker_%s", label);
	luo_bench(cmd, bytes * 1024.0 / BENCH_MIB, "bytes/GiB");
	return LUO_PASS;
}

LUO_TEST(bench_kho, .stages = 2, .mem = "4G", .bench = true, .may_skip = true,
	 .cmdline = "kho=on",
	 .desc = "KHO: preserve time, tracker bytes, boot walk per GiB")
{
	long long pages, ns;

	if (ctx->stage == 1) {
		/* The production-like kernel of "make bench" has no test hooks. */
		if (access(KHO_DEBUGFS "/selftest", F_OK))
			SKIP("needs CONFIG_KEXEC_HANDOVER_SELFTEST: make bench BENCH_KERNEL=test");
		if (bench_order(0, "4k") != LUO_PASS ||
		    bench_order(9, "2m") != LUO_PASS)
			return LUO_FAIL;
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	pages = kho_file_value(KHO_DEBUGFS "/in/pages", "preserved");
	ns = kho_file_value(KHO_DEBUGFS "/in/pages", "walk_ns");
	ASSERT_TRUE(pages >= 2 * BENCH_MIB * 256LL && ns > 0,
		    "preserved %lld walk %lld", pages, ns);
	luo_info("boot walk: %lld preserved pages (1 GiB of 4 KiB + 1 GiB of 2 MiB) in %lld ns",
		 pages, ns);
	luo_bench("kho_boot_walk", ns / 1e6, "ms");
	luo_bench("kho_boot_walk_pages", pages, "pages");
	return LUO_PASS;
}
