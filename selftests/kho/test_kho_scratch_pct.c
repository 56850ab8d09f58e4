// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_scratch_pct.c - kho_scratch=N% scales the global scratch area
 * with what early boot allocated: 100% in boot 1, then (after a boot with
 * KHO off, so that boot 3 reserves its scratch anew instead of reusing
 * the handed-over layout) 200% in boot 3 gives about twice the size.
 */
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

static long long global_scratch(void)
{
	unsigned long long addr, size;
	char buf[1024], kind[16];
	unsigned int idx;
	char *line;

	if (kho_read_file(KHO_DEBUGFS "/out/scratch", buf, sizeof(buf)) < 0)
		return -1;
	line = strchr(buf, '\n');
	if (!line || sscanf(line + 1, "%u %llx %llx %15s", &idx, &addr, &size,
			    kind) != 4 || idx != 1)
		return -1;
	return size;
}

LUO_TEST(kho_scratch_pct, .stages = 3, .cmdline = "kho=on kho_scratch=100%",
	 .desc = "KHO: kho_scratch=N% scales the scratch areas")
{
	long long g1, g3;

	switch (ctx->stage) {
	case 1:
		g1 = global_scratch();
		ASSERT_TRUE(g1 > 0 && g1 % (4 << 20) == 0, "global area %lld", g1);
		luo_put("g1", "%lld", g1);
		ASSERT_OK(luo_kexec_append("kho=off"));
		break;
	case 2:
		ASSERT_TRUE(!kho_path_exists(KHO_DEBUGFS), "KHO on with kho=off");
		/* Carried values last one stage: pass it on. */
		ASSERT_TRUE(luo_get("g1"), "g1 not carried");
		luo_put("g1", "%s", luo_get("g1"));
		ASSERT_OK(luo_kexec_append("kho=on"));
		ASSERT_OK(luo_kexec_append("kho_scratch=200%"));
		break;
	default:
		ASSERT_TRUE(!kho_path_exists(KHO_DEBUGFS "/in"),
			    "boot 3 should be a cold boot for KHO");
		g1 = luo_get_u64("g1");
		g3 = global_scratch();
		luo_info("global scratch: %lld MiB at 100%%, %lld MiB at 200%%",
			 g1 >> 20, g3 >> 20);
		/* Early allocations differ a little between boots; 4 MiB rounding. */
		ASSERT_TRUE(g3 * 10 >= g1 * 16 && g3 * 10 <= g1 * 24,
			    "200%% gave %lld bytes, 100%% gave %lld", g3, g1);
		return LUO_PASS;
	}
	luo_kexec(NULL);
	return LUO_FAIL;
}
