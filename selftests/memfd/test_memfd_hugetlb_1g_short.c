// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_1g_short.c - a boot-time pool that could not be
 * allocated in full takes the handed-over pages as they come.
 *
 * Both kernels ask for more 1 GiB pages than the guest has
 * (hugepagesz=1G hugepages=20 in 10 GiB), as a host sizes its pool to all
 * but the host's share: each gets what it can, and in the new kernel part
 * of what is missing is the previous kernel's pages, still held. Two
 * memfds of one page each are preserved. RETRIEVE_FD of the first grows
 * the pool by its page instead of giving a free pool page away; FINISH
 * gives the page of the second, never retrieved, to the pool as a free
 * page instead of to the page allocator.
 */
#include "memfd_hugetlb.h"

#define GS_PAGE		(1UL << 30)
#define GS_ASKED	20

struct gs_pool {
	long long total, free, surp;
};

static struct gs_pool gs_pool(void)
{
	return (struct gs_pool) {
		.total = mh_1g_count("nr_hugepages"),
		.free = mh_1g_count("free_hugepages"),
		.surp = mh_1g_count("surplus_hugepages"),
	};
}

/* A memfd of one 1 GiB page, its first bytes @seed's pattern. */
static int gs_memfd(const char *name, uint64_t seed, char **map)
{
	int m = memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_1GB);

	if (m < 0 || ftruncate(m, GS_PAGE))
		return -1;
	*map = mmap(NULL, GS_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	if (*map == MAP_FAILED)
		return -1;
	luo_pattern_fill(*map, 1UL << 20, 0, seed);
	return m;
}

static enum luo_result stage1(void)
{
	uint64_t seed = luo_seed();
	struct gs_pool pool = gs_pool();
	int luo, s, a, b, r;
	char *p, *q;

	ASSERT_TRUE(pool.total >= 3 && pool.total < GS_ASKED,
		    "boot pool %lld of %d asked for", pool.total, GS_ASKED);
	a = gs_memfd("retrieved", seed, &p);
	b = gs_memfd("unretrieved", seed + 1, &q);
	ASSERT_TRUE(a >= 0 && b >= 0, "memfds: %m");
	s = luo_session_new("short", &luo);
	ASSERT_TRUE(s >= 0, "session (is KHO on?)");
	r = liveupdate_preserve_fd(s, a, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, b, 2);
	ASSERT_TRUE(!r, "preserve the second: %s", strerror(-r));
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("pfn", "0x%llx", (unsigned long long)luo_pfn(p));
	munmap(p, GS_PAGE);
	munmap(q, GS_PAGE);
	return luo_handover();
}

static enum luo_result stage2(void)
{
	struct gs_pool boot = gs_pool(), pool;
	int luo, s, m;
	char *p;

	ASSERT_TRUE(boot.total < GS_ASKED - 1 && boot.free == boot.total,
		    "boot pool %lld, %lld free, of %d asked for", boot.total,
		    boot.free, GS_ASKED);
	m = luo_retrieve_one("short", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	pool = gs_pool();
	ASSERT_TRUE(pool.total == boot.total + 1 && pool.free == boot.free &&
		    !pool.surp,
		    "retrieved: pool %lld, %lld free, %lld surplus; at boot %lld, all free",
		    pool.total, pool.free, pool.surp, boot.total);
	p = mmap(NULL, GS_PAGE, PROT_READ, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	ASSERT_TRUE(luo_pattern_check(p, 1UL << 20, 0, luo_get_u64("seed")) ==
		    1UL << 20, "content differs from the pattern");
	ASSERT_TRUE(luo_pfn(p) == luo_get_u64("pfn"), "not the same frame");
	munmap(p, GS_PAGE);
	close(m);

	/* The unretrieved page joins the pool, free; the retrieved one too. */
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;
	pool = gs_pool();
	ASSERT_TRUE(pool.total == boot.total + 2 && pool.free == boot.free + 2 &&
		    !pool.surp,
		    "after FINISH: pool %lld, %lld free, %lld surplus; at boot %lld",
		    pool.total, pool.free, pool.surp, boot.total);
	return LUO_PASS;
}

LUO_TEST(memfd_hugetlb_1g_short, .stages = 2, .mem = "10G",
	 .cmdline =
		"kho=on liveupdate=on hugepagesz=1G hugepages=20 hugetlb_free_vmemmap=on",
	 .desc = "two-stage: a short 1 GiB boot pool takes the handed-over pages")
{
	return ctx->stage == 1 ? stage1() : stage2();
}
