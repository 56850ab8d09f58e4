/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_hugetlb_damage.h - the two stages shared by the tests of a damaged
 * hugetlb memfd folio array (memfd_hugetlb_dup_index,
 * memfd_hugetlb_bad_index).
 *
 * Stage 1 preserves a hugetlb memfd of MHD_PAGES 2 MiB pages, all written,
 * and has the test handler damage its array as the memfd tests' ("memfd-
 * dup": entry 2 takes the index of entry 10; "memfd-index": entry 10 an
 * index past the end). In stage 2:
 *
 *   - RETRIEVE_FD fails with EINVAL, again when retried, with the line of
 *     the check that refused it;
 *   - every huge page is given back, and the pool reads as it did at
 *     boot, with no reservation or surplus page left over. Refused before
 *     the pool made room (@freed), the pages go to the page allocator:
 *     no frame is still reserved (KHO's), a hugetlb page or the head of
 *     a folio (claimed, then kept); refused after, each frame is a free
 *     page of the pool (those adopted went back to it, and as many pages
 *     left it as came in);
 *   - a fresh hugetlb memfd can use the whole pool.
 */
#ifndef MEMFD_HUGETLB_DAMAGE_H
#define MEMFD_HUGETLB_DAMAGE_H

#include "kho_util.h"
#include "memfd_hugetlb.h"

#define MHD_PAGES	16
#define MHD_SIZE	(MHD_PAGES * MH_HPAGE)
#define MHD_KPF_HEAD	15	/* KPF_COMPOUND_HEAD */
#define MHD_KPF_HUGE	17	/* KPF_HUGE */
#define MHD_KPF_RESV	32	/* KPF_RESERVED */
#define MHD_REFUSED	"memfd_luo_hugetlb: cannot retrieve hugetlb memfd at *: -22"

static enum luo_result mhd_stage1(const char *damage)
{
	uint64_t seed = luo_seed();
	int luo, s, m, r, i;
	char key[16];
	char *p;

	m = memfd_create("damaged", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, MHD_SIZE));
	p = mmap(NULL, MHD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	luo_pattern_fill(p, MHD_SIZE, 0, seed);
	/* Every frame, to check in the next kernel that none stays reserved. */
	for (i = 0; i < MHD_PAGES; i++) {
		snprintf(key, sizeof(key), "pfn%d", i);
		luo_put(key, "%#llx", (unsigned long long)luo_pfn(p + i * MH_HPAGE));
	}
	s = luo_session_new("damaged", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
				 damage));
	munmap(p, MHD_SIZE);
	close(m);
	return luo_handover();
}

/*
 * @line:  the log line of the check that refuses the damaged array
 * @freed: the refusal comes before the pool made room for the pages
 */
static enum luo_result mhd_stage2(const char *line, bool freed)
{
	uint64_t pfn, flags, in_use;
	struct mh_pool pool;
	int luo, s, m, i;
	char key[16];
	char *p;

	s = luo_session_get("damaged", &luo);
	ASSERT_TRUE(s >= 0, "session");
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m == -EINVAL, "RETRIEVE_FD of the damaged memfd: %d, not -EINVAL",
		    m);
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m == -EINVAL, "retrieve again: %d, not sticky", m);
	ASSERT_TRUE(luo_kmsg_match(line), "the check did not fire: no '%s'",
		    line);
	in_use = 1ULL << MHD_KPF_RESV | 1ULL << MHD_KPF_HEAD | 1ULL << MHD_KPF_HUGE;
	for (i = 0; i < MHD_PAGES; i++) {
		snprintf(key, sizeof(key), "pfn%d", i);
		pfn = luo_get_u64(key);
		flags = luo_kpageflags(pfn);
		ASSERT_TRUE(pfn && (freed ? !(flags & in_use) :
				    (flags >> MHD_KPF_HUGE & 1) && !(flags >> MHD_KPF_RESV & 1)),
			    "huge page %d (%#llx): flags %#llx, not %s", i,
			    (unsigned long long)pfn, (unsigned long long)flags,
			    freed ? "freed" : "a pool page");
	}
	pool = mh_pool();
	ASSERT_TRUE(pool.total == MH_POOL && pool.free == MH_POOL && !pool.surp &&
		    !luo_meminfo_kb("HugePages_Rsvd"),
		    "pool %lld, %lld free, %lld surplus, %lld reserved; at boot %d, all free",
		    pool.total, pool.free, pool.surp,
		    luo_meminfo_kb("HugePages_Rsvd"), MH_POOL);
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;

	/* The whole pool, for a memfd of this kernel. */
	m = memfd_create("after", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, (off_t)MH_POOL * MH_HPAGE));
	p = mmap(NULL, (size_t)MH_POOL * MH_HPAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap of the whole pool: %m");
	pool = mh_pool();
	ASSERT_TRUE(!pool.free, "%lld pages free with the whole pool mapped",
		    pool.free);
	munmap(p, (size_t)MH_POOL * MH_HPAGE);
	close(m);
	return LUO_PASS;
}

#endif /* MEMFD_HUGETLB_DAMAGE_H */
