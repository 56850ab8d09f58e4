/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_1g.h - body shared by the two 1 GiB memfd tests (4 KiB pages and
 * THP): byte-for-byte content, and the same physical pages at the same
 * folio size after the kexec (zero copy).
 */
#ifndef MEMFD_1G_H
#define MEMFD_1G_H

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define GIB		(1UL << 30)
#define GIB_KB		(1LL << 20)
#define FNV_BASIS	0xcbf29ce484222325ULL

/* Pages whose frame and folio size are compared across the kexec. */
static const size_t memfd_1g_samples[] = { 0, GIB / 2 + 3 * 4096, GIB - 4096 };
#define NR_SAMPLES	ARRAY_SIZE(memfd_1g_samples)

/* Fail unless the sampled pages of @p are (@thp) or are not THP. */
static inline enum luo_result memfd_1g_folios(const char *p, bool thp,
					      uint64_t *pfns)
{
	uint64_t pfn, flags;
	size_t i;

	for (i = 0; i < NR_SAMPLES; i++) {
		pfn = luo_pfn(p + memfd_1g_samples[i]);
		ASSERT_TRUE(pfn, "no frame for offset %zu", memfd_1g_samples[i]);
		flags = luo_kpageflags(pfn);
		ASSERT_TRUE(((flags >> LUO_KPF_THP) & 1) == thp,
			    "offset %zu: kpageflags %#llx, THP expected %d",
			    memfd_1g_samples[i], (unsigned long long)flags, thp);
		pfns[i] = pfn;
	}
	return LUO_PASS;
}

static inline enum luo_result memfd_1g_stage1(bool thp)
{
	uint64_t seed, sum, pfns[NR_SAMPLES];
	long long hp0, hp;
	int luo, s, m, r;
	char key[8];
	size_t i;
	void *p;

	/* The folio size is decided when the pages are allocated. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, thp ? "always" : "never"));
	hp0 = luo_meminfo_kb("ShmemHugePages");
	seed = luo_seed();
	m = luo_memfd_new(thp ? "thp" : "4k", GIB, seed);
	ASSERT_OK(m);
	hp = luo_meminfo_kb("ShmemHugePages") - hp0;
	if (thp)
		ASSERT_TRUE(hp >= GIB_KB * 9 / 10, "only %lld kB in THPs", hp);
	else
		ASSERT_TRUE(hp == 0, "%lld kB in THPs", hp);

	s = luo_session_new("memfd-1g", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	/* After PRESERVE_FD: preserving may have moved pages (out of scratch). */
	p = mmap(NULL, GIB, PROT_READ, MAP_SHARED | MAP_POPULATE, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	sum = luo_checksum(FNV_BASIS, p, GIB);
	if (memfd_1g_folios(p, thp, pfns) != LUO_PASS)
		return LUO_FAIL;
	for (i = 0; i < NR_SAMPLES; i++) {
		snprintf(key, sizeof(key), "pfn%zu", i);
		luo_put(key, "0x%llx", (unsigned long long)pfns[i]);
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("sum", "0x%llx", (unsigned long long)sum);

	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	munmap(p, GIB);
	close(m);
	close(s);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

static inline enum luo_result memfd_1g_stage2(bool thp)
{
	uint64_t seed, sum, pfns[NR_SAMPLES];
	int luo, s, m, r;
	struct stat st;
	char key[8];
	size_t i, bad;
	void *p;

	seed = luo_get_u64("seed");
	m = luo_retrieve_one("memfd-1g", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(st.st_size == (off_t)GIB, "size %lld", (long long)st.st_size);

	p = mmap(NULL, GIB, PROT_READ, MAP_SHARED | MAP_POPULATE, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	bad = luo_pattern_check(p, GIB, 0, seed);
	ASSERT_TRUE(bad == GIB, "content differs from offset %zu", bad);
	sum = luo_checksum(FNV_BASIS, p, GIB);
	ASSERT_TRUE(sum == luo_get_u64("sum"), "checksum %#llx, stage 1 %s",
		    (unsigned long long)sum, luo_get("sum"));

	/* Zero copy: the very same frames, still of the same folio size. */
	if (memfd_1g_folios(p, thp, pfns) != LUO_PASS)
		return LUO_FAIL;
	for (i = 0; i < NR_SAMPLES; i++) {
		snprintf(key, sizeof(key), "pfn%zu", i);
		ASSERT_TRUE(pfns[i] == luo_get_u64(key),
			    "offset %zu: frame %#llx, was %s",
			    memfd_1g_samples[i], (unsigned long long)pfns[i],
			    luo_get(key));
	}
	if (thp)
		ASSERT_TRUE(luo_meminfo_kb("ShmemHugePages") >= GIB_KB * 9 / 10,
			    "ShmemHugePages %lld kB after retrieve",
			    luo_meminfo_kb("ShmemHugePages"));

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	munmap(p, GIB);
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}

#endif /* MEMFD_1G_H */
