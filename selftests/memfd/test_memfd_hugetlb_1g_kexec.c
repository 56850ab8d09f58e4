// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_1g_kexec.c - memfds of 1 GiB hugetlb pages across a
 * kexec: one with a page written and a hole, sealed as QEMU seals guest
 * RAM, retrieved; one never retrieved, freed at FINISH.
 *
 * Both kernels boot with hugepagesz=1G hugepages=3 (the command line is
 * kept across the kexec). The first allocates its pool before KHO sizes
 * the scratch areas, which must not count the pool as boot memory (it
 * asked for 2 x 200 % of 2 GiB of scratch, more than the guest has: KHO
 * was off). The second, a KHO boot, allocates its pool once the preserved
 * page is reserved: while the command line is parsed only scratch is
 * allocated from, and there is no room for 1 GiB there. Then the
 * handed-over page, above MAX_PAGE_ORDER, comes back as one 1 GiB folio in
 * its frame, with every byte, and takes the place of one free pool page.
 * The page of the memfd never retrieved goes to the page allocator at
 * FINISH (the new pool is full already), a pageblock at a time.
 *
 * 10 GiB of guest RAM: the second kernel's pool needs three free 1 GiB
 * aligned ranges beside the two preserved pages and the small preserved
 * pages (descriptors, arrays), which may lie in any range (with 8 GiB,
 * one boot in two got only two pages).
 */
#include "memfd_hugetlb.h"

#define G1_PAGE		(1UL << 30)
#define G1_SIZE		(2 * G1_PAGE)		/* page 0 written, page 1 a hole */
#define G1_POOL		3
#define G1_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)
#define G1_KPF_HUGE	17

/* The pool is @total pages, @free of them free, none surplus. */
static enum luo_result g1_pool_is(long long total, long long free,
				  const char *when)
{
	long long t = mh_1g_count("nr_hugepages"), f = mh_1g_count("free_hugepages");
	long long s = mh_1g_count("surplus_hugepages");

	ASSERT_TRUE(t == total && f == free && !s,
		    "%s: 1 GiB pool %lld, %lld free, %lld surplus; want %lld, %lld free",
		    when, t, f, s, total, free);
	return LUO_PASS;
}

/* The frame of page 0 through @p: a 1 GiB hugetlb page. */
static enum luo_result g1_frame(const char *p, uint64_t *pfn)
{
	/* Mapped, so that pagemap has the frame. */
	(void)*(volatile const char *)p;
	*pfn = luo_pfn(p);
	ASSERT_TRUE(*pfn && !(*pfn & ((G1_PAGE >> 12) - 1)),
		    "frame %#llx is not 1 GiB aligned", (unsigned long long)*pfn);
	ASSERT_TRUE((luo_kpageflags(*pfn) >> G1_KPF_HUGE) & 1,
		    "frame %#llx is not a hugetlb page", (unsigned long long)*pfn);
	return LUO_PASS;
}

static enum luo_result stage1(void)
{
	uint64_t seed = luo_seed(), pfn;
	int luo, s, m, u, r;
	char *p, *q;

	if (g1_pool_is(G1_POOL, G1_POOL, "boot") != LUO_PASS)
		return LUO_FAIL;
	m = memfd_create("guest-ram", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_1GB |
				      MFD_ALLOW_SEALING);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, G1_SIZE));
	p = mmap(NULL, G1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	luo_pattern_fill(p, G1_PAGE, 0, seed);
	ASSERT_OK(fcntl(m, F_ADD_SEALS, G1_SEALS));

	/* Never retrieved: one page, faulted in (hugetlbfs has no write()). */
	u = memfd_create("unretrieved", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_1GB);
	ASSERT_OK(u);
	ASSERT_OK(ftruncate(u, G1_PAGE));
	q = mmap(NULL, G1_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, u, 0);
	ASSERT_TRUE(q != MAP_FAILED, "mmap: %m");
	*(uint64_t *)q = seed;
	munmap(q, G1_PAGE);

	s = luo_session_new("hugetlb-1g", &luo);
	ASSERT_TRUE(s >= 0, "session (is KHO on?)");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, u, 2);
	ASSERT_TRUE(!r, "preserve the second: %s", strerror(-r));
	/* After PRESERVE_FD, which pins it where it stays. */
	if (g1_frame(p, &pfn) != LUO_PASS ||
	    g1_pool_is(G1_POOL, G1_POOL - 2, "preserved") != LUO_PASS)
		return LUO_FAIL;
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("pfn", "0x%llx", (unsigned long long)pfn);

	munmap(p, G1_SIZE);
	return luo_handover();
}

static enum luo_result stage2(void)
{
	long long free_kb;
	uint64_t pfn, w;
	struct stat st;
	int luo, s, m;
	char *p;

	/* Allocated after the preserved page was reserved, elsewhere. */
	if (g1_pool_is(G1_POOL, G1_POOL, "boot after the kexec") != LUO_PASS)
		return LUO_FAIL;
	m = luo_retrieve_one("hugetlb-1g", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	if (g1_pool_is(G1_POOL, G1_POOL - 1, "retrieved") != LUO_PASS)
		return LUO_FAIL;

	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(st.st_size == (off_t)G1_SIZE, "size %lld",
		    (long long)st.st_size);
	ASSERT_TRUE(fcntl(m, F_GET_SEALS) == G1_SEALS, "seals %#x",
		    fcntl(m, F_GET_SEALS));
	/* pread() reads a hole without filling it. */
	ASSERT_TRUE(pread(m, &w, sizeof(w), G1_PAGE + 4096) == sizeof(w) && !w,
		    "the hole is not zeroes");
	p = mmap(NULL, G1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	if (g1_frame(p, &pfn) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_TRUE(pfn == luo_get_u64("pfn"), "frame %#llx, before the kexec %s",
		    (unsigned long long)pfn, luo_get("pfn"));
	ASSERT_TRUE(luo_pattern_check(p, G1_PAGE, 0, luo_get_u64("seed")) ==
		    G1_PAGE, "content differs from the pattern");

	/* An ordinary hugetlb memfd: a write fills the hole from the pool. */
	p[G1_PAGE + 8] = 1;
	ASSERT_TRUE(p[G1_PAGE + 8] == 1, "write lost");
	if (g1_pool_is(G1_POOL, G1_POOL - 2, "hole filled") != LUO_PASS)
		return LUO_FAIL;
	munmap(p, G1_SIZE);
	close(m);

	/*
	 * FINISH lets go of the retrieved file (its pages go back to the
	 * pool) and frees the unretrieved page: 1 GiB, to the page allocator.
	 */
	free_kb = luo_free_kb();
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_TRUE(luo_free_kb() - free_kb >= (long long)(G1_PAGE >> 10) * 98 / 100,
		    "FINISH freed %lld kB of a 1 GiB page", luo_free_kb() - free_kb);
	return g1_pool_is(G1_POOL, G1_POOL, "after FINISH");
}

LUO_TEST(memfd_hugetlb_1g_kexec, .stages = 2, .mem = "10G",
	 .cmdline = "kho=on liveupdate=on hugepagesz=1G hugepages=3 hugetlb_free_vmemmap=on",
	 .desc = "two-stage: 1 GiB hugetlb pages: bytes, frame, hole, seals, pool; unretrieved freed")
{
	return ctx->stage == 1 ? stage1() : stage2();
}
