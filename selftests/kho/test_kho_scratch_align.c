// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_scratch_align.c - scratch areas start and end on MAX_PAGE_ORDER
 * boundaries (4 MiB), as upstream places them: needed where struct pages
 * are initialized in MAX_ORDER blocks (deferred struct page init), and
 * what an upstream kernel booted into them expects.
 */
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

#define SZ_4M	(4ULL << 20)

LUO_TEST(kho_scratch_align, .cmdline = "kho=on",
	 .desc = "KHO: scratch areas are 4 MiB aligned")
{
	unsigned long long addr, size;
	char buf[512], kind[16], *p;
	unsigned int i, n = 0;

	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/out/scratch", buf, sizeof(buf)));
	for (p = buf; sscanf(p, "%u %llx %llx %15s", &i, &addr, &size, kind) == 4;
	     p = strchr(p, '\n') + 1) {
		luo_info("scratch %u %s: %#llx + %#llx", i, kind, addr, size);
		ASSERT_TRUE(!(addr % SZ_4M) && !(size % SZ_4M),
			    "area %u [%#llx + %#llx] not 4 MiB aligned", i,
			    addr, size);
		n++;
		if (!strchr(p, '\n'))
			break;
	}
	ASSERT_TRUE(n >= 3, "only %u scratch areas", n);
	return LUO_PASS;
}
