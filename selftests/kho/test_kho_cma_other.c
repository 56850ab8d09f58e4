// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_cma_other.c - KHO takes its scratch areas last for movable
 * allocations only while they are all the CMA there is.
 *
 * Stage 1 boots with another CMA area (hugetlb_cma=1G, the least for
 * 1 GiB pages, in an 8 GiB guest: with less, a randomly placed kernel
 * may leave no free 1 GiB-aligned gigabyte; fixed scratch sizes, as
 * scratch scaled from memblock's allocations would count that gigabyte
 * twice over and not fit): the page
 * allocator must keep balancing movable allocations into CMA, which
 * protects unmovable allocations' watermarks, and KHO says it does not
 * take scratch last. Stage 2, a KHO boot without that area
 * (hugetlb_cma=0), must not say so: the line is tied to the other area.
 */
#include "luo_test.h"

#define OTHER_CMA_LINE	"KHO: other CMA areas (262144 pages): scratch is not taken last"

LUO_TEST(kho_cma_other, .stages = 2, .mem = "8G",
	 .cmdline = "kho=on hugetlb_cma=1G kho_scratch=64M,256M,128M",
	 .desc = "KHO: scratch is taken last only when no other CMA area exists")
{
	bool other = luo_kmsg_contains(OTHER_CMA_LINE);

	luo_info("stage %d: '%s' %d", ctx->stage, OTHER_CMA_LINE, other);
	if (ctx->stage == 1) {
		ASSERT_TRUE(luo_kmsg_contains("hugetlb_cma: reserved 1024 MiB"),
			    "no hugetlb CMA area reserved");
		ASSERT_TRUE(other, "KHO takes scratch last beside another CMA area");
		/* Later arguments win. */
		ASSERT_OK(luo_kexec_append("hugetlb_cma=0"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	ASSERT_TRUE(luo_kmsg_contains("KHO: handover found"), "not a KHO boot");
	ASSERT_TRUE(!other, "the line appears without another CMA area");
	return LUO_PASS;
}
