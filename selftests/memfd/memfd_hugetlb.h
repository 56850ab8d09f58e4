/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_hugetlb.h - the hugetlb memfd tests' two stages: a MFD_HUGETLB
 * memfd of 2 MiB pages (all present, or one in four), sealed as QEMU seals
 * guest RAM, preserved; in the next kernel its bytes, seals and frames,
 * and the hugetlb pool's counters against the previous kernel's.
 *
 * Both kernels boot with "hugepages=" (the command line is kept across the
 * kexec), and HVO where they have it, so each has a pool of its own: the handed-over pages take the
 * place of free pages of the new kernel's pool, and the counters after
 * RETRIEVE_FD are those before the kexec.
 */
#ifndef MEMFD_HUGETLB_H
#define MEMFD_HUGETLB_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define MH_POOL		600		/* hugepages= of both kernels */
/*
 * HVO on where the kernel has it (the distribution-like one): the old
 * kernel preserves pages whose tail struct pages are freed, the new one
 * frees them again as the pages join its pool.
 */
#define MH_CMDLINE	"kho=on liveupdate=on hugepages=600 hugetlb_free_vmemmap=on"
#define MH_HVO		"/proc/sys/vm/hugetlb_optimize_vmemmap"
#define MH_HPAGE	(2UL << 20)
#define MH_SIZE		(1UL << 30)
#define MH_NR		(MH_SIZE / MH_HPAGE)
#define MH_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)
#define MH_HP		"/proc/sys/vm/nr_hugepages"
#define MH_OVERCOMMIT	"/proc/sys/vm/nr_overcommit_hugepages"
#define MH_FNV		0xcbf29ce484222325ULL
#define MH_KPF_HUGE	17		/* kpageflags: a hugetlb page */

/* One in four huge pages present when sparse. */
static inline bool mh_present(size_t i, bool sparse)
{
	return !sparse || !(i % 4);
}

static inline long mh_nr(bool sparse)
{
	return sparse ? (MH_NR + 3) / 4 : MH_NR;
}

#define MH_1G_SYSFS	"/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB	(30U << 26)
#endif

/* A counter of the pool of 1 GiB pages ("nr_hugepages", ...), or -1. */
static inline long long mh_1g_count(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), MH_1G_SYSFS "%s", name);
	if (luo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* The pool's counters, in pages. */
struct mh_pool {
	long long total, free, surp;
};

static inline struct mh_pool mh_pool(void)
{
	return (struct mh_pool) {
		.total = luo_meminfo_kb("HugePages_Total"),
		.free = luo_meminfo_kb("HugePages_Free"),
		.surp = luo_meminfo_kb("HugePages_Surp"),
	};
}

/*
 * Sum of the present pages' bytes, read through @p, the mapping of @fd;
 * their frames in @pfns (hugetlb pages, or the test fails). Holes are
 * read with pread(), which reads zeroes without filling them (a fault
 * would take a page from the pool).
 */
static inline enum luo_result mh_scan(int fd, const char *p, bool sparse,
				      uint64_t *sum, uint64_t *pfns)
{
	uint64_t w;
	size_t i, off;

	*sum = MH_FNV;
	for (i = 0; i < MH_NR; i++) {
		off = i * MH_HPAGE;
		if (!mh_present(i, sparse)) {
			ASSERT_TRUE(pread(fd, &w, sizeof(w), off) == sizeof(w) &&
				    !w, "hole at %zu MiB is not zeroes",
				    off >> 20);
			continue;
		}
		*sum = luo_checksum(*sum, p + off, MH_HPAGE);
		pfns[i] = luo_pfn(p + off);
		ASSERT_TRUE(pfns[i] && !(pfns[i] & 511),
			    "page at %zu MiB: frame %#llx", off >> 20,
			    (unsigned long long)pfns[i]);
		ASSERT_TRUE((luo_kpageflags(pfns[i]) >> MH_KPF_HUGE) & 1,
			    "page at %zu MiB is not a hugetlb page", off >> 20);
	}
	return LUO_PASS;
}

/* The frames, as a hash small enough to carry on the command line. */
static inline uint64_t mh_pfn_hash(const uint64_t *pfns, bool sparse)
{
	uint64_t h = MH_FNV;
	size_t i;

	for (i = 0; i < MH_NR; i++)
		if (mh_present(i, sparse))
			h = (h ^ pfns[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Stage 1: the memfd, filled (or one page in four), sealed and preserved
 * as token 1 of session "hugetlb"; the pool's free count, the checksum and
 * the frames carried to stage 2; then the kexec.
 */
static inline enum luo_result mh_stage1(bool sparse)
{
	static uint64_t pfns[MH_NR];
	uint64_t seed = luo_seed(), sum;
	struct mh_pool pool;
	char hvo[4] = "";
	int luo, s, m, r;
	size_t i;
	char *p;

	pool = mh_pool();
	ASSERT_TRUE(pool.total == MH_POOL && pool.free == MH_POOL,
		    "boot pool %lld, %lld free", pool.total, pool.free);
	if (!access(MH_HVO, F_OK))
		ASSERT_TRUE(luo_read_file(MH_HVO, hvo, sizeof(hvo)) > 0 &&
			    hvo[0] == '1', "HVO is off: '%s'", hvo);
	m = memfd_create("guest-ram", MFD_CLOEXEC | MFD_HUGETLB |
				      MFD_ALLOW_SEALING);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, MH_SIZE));
	p = mmap(NULL, MH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	for (i = 0; i < MH_NR; i++)
		if (mh_present(i, sparse))
			luo_pattern_fill(p + i * MH_HPAGE, MH_HPAGE,
					 i * MH_HPAGE, seed);
	ASSERT_OK(fcntl(m, F_ADD_SEALS, MH_SEALS));

	s = luo_session_new("hugetlb", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	/* After PRESERVE_FD: pinning may have moved pages out of scratch. */
	if (mh_scan(m, p, sparse, &sum, pfns) != LUO_PASS)
		return LUO_FAIL;
	pool = mh_pool();
	ASSERT_TRUE(pool.free == MH_POOL - mh_nr(sparse),
		    "%lld free pages with %ld in the file", pool.free,
		    mh_nr(sparse));
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("sum", "0x%llx", (unsigned long long)sum);
	luo_put("pfns", "0x%llx", (unsigned long long)mh_pfn_hash(pfns, sparse));
	luo_put("free", "%lld", pool.free);

	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	munmap(p, MH_SIZE);
	close(m);
	close(s);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

/*
 * Stage 2, once the memfd @m is retrieved from session @s: size, seals,
 * every byte, the same frames; the pool as it was before the kexec. Then
 * FINISH, and every page back in the pool once the file is closed.
 */
static inline enum luo_result mh_check(int m, int s, int luo, bool sparse)
{
	static uint64_t pfns[MH_NR];
	struct mh_pool pool;
	uint64_t sum;
	struct stat st;
	char *p;

	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(st.st_size == (off_t)MH_SIZE, "size %lld",
		    (long long)st.st_size);
	ASSERT_TRUE(fcntl(m, F_GET_SEALS) == MH_SEALS, "seals %#x",
		    fcntl(m, F_GET_SEALS));
	ASSERT_TRUE(ftruncate(m, MH_SIZE / 2) < 0 && errno == EPERM,
		    "F_SEAL_SHRINK not kept");

	p = mmap(NULL, MH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	if (mh_scan(m, p, sparse, &sum, pfns) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_TRUE(sum == luo_get_u64("sum"), "checksum %#llx, stage 1 %s",
		    (unsigned long long)sum, luo_get("sum"));
	ASSERT_TRUE(mh_pfn_hash(pfns, sparse) == luo_get_u64("pfns"),
		    "not the same frames as before the kexec");
	if (!sparse)
		ASSERT_TRUE(luo_pattern_check(p, MH_SIZE, 0,
					      luo_get_u64("seed")) == MH_SIZE,
			    "content differs from the pattern");
	pool = mh_pool();
	ASSERT_TRUE(pool.total == MH_POOL && pool.free == (long long)luo_get_u64("free") &&
		    !pool.surp, "pool %lld, %lld free, %lld surplus; before the kexec %d, %s free",
		    pool.total, pool.free, pool.surp, MH_POOL, luo_get("free"));

	/* An ordinary hugetlb memfd: a write fills a hole from the pool. */
	p[MH_HPAGE + 8] = 1;
	ASSERT_TRUE(p[MH_HPAGE + 8] == 1, "write lost");
	munmap(p, MH_SIZE);
	close(m);
	if (luo_finish_close(s, luo) != LUO_PASS)
		return LUO_FAIL;
	pool = mh_pool();
	ASSERT_TRUE(pool.total == MH_POOL && pool.free == MH_POOL,
		    "after close: pool %lld, %lld free", pool.total, pool.free);
	return LUO_PASS;
}

#endif /* MEMFD_HUGETLB_H */
