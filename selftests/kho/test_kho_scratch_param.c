// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_scratch_param.c - kho_scratch=lowmem,global,pernode sets the
 * scratch areas the next kernel will boot in: lowmem below 4 GiB, then
 * global, then one per node, with the sizes asked (multiples of 4 MiB).
 */
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

LUO_TEST(kho_scratch_param, .cmdline = "kho=on kho_scratch=16M,72M,40M",
	 .desc = "KHO: kho_scratch= sizes the scratch areas")
{
	static const unsigned long long want[] = { 16 << 20, 72 << 20, 40 << 20 };
	unsigned long long addr, size;
	char buf[1024], kind[16], *p = buf;
	unsigned int idx, n = 0;
	int used;

	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/out/scratch", buf, sizeof(buf)));
	luo_info("%s", buf);
	while (sscanf(p, "%u %llx %llx %15s%n", &idx, &addr, &size, kind,
		      &used) == 4) {
		ASSERT_TRUE(idx == n, "area %u listed as %u", n, idx);
		ASSERT_TRUE(size == want[n < 2 ? n : 2], "area %u is %#llx bytes",
			    n, size);
		ASSERT_TRUE(addr % (2 << 20) == 0, "area %u at %#llx unaligned",
			    n, addr);
		if (n == 0)
			ASSERT_TRUE(addr + size <= 1ULL << 32, "lowmem above 4 GiB");
		n++;
		p += used;
	}
	ASSERT_TRUE(n >= 3, "%u scratch areas", n);
	return LUO_PASS;
}
