/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_memfd.h - body shared by the 1 GiB memfd benchmarks (4 KiB pages,
 * THP, 10 % written): PRESERVE_FD time, blackout from the reboot syscall
 * to the memfd being readable in the new kernel, RETRIEVE_FD time, and
 * for the sparse file the memory it takes after the kexec.
 *
 * The blackout is measured twice. CLOCK_REALTIME is what a user sees, but
 * the new kernel starts its wall clock from the RTC, in whole seconds, so
 * that figure is only good to about a second. The TSC keeps counting
 * through the kexec (under QEMU TCG it follows the host's), which gives a
 * precise figure when it is monotonic across the two boots.
 */
#ifndef BENCH_MEMFD_H
#define BENCH_MEMFD_H

#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

enum bench_memfd_kind { BENCH_4K, BENCH_THP, BENCH_SPARSE, BENCH_HUGETLB };

#define BM_PG		4096UL
#define BM_STRIDE	10

/* Written by the kexec hook into a preserved page, read after the kexec. */
struct bench_stamp {
	uint64_t realtime_ns;
	uint64_t tsc;
};

static inline uint64_t bm_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void bm_stamp(void *arg)
{
	struct bench_stamp *st = arg;

	st->realtime_ns = bm_realtime_ns();
	st->tsc = __rdtsc();
}

/* TSC ticks per second, against CLOCK_MONOTONIC over 200 ms. */
static inline double bm_tsc_hz(void)
{
	double t0 = luo_now(), t1;
	uint64_t c0 = __rdtsc(), c1;

	usleep(200000);
	c1 = __rdtsc();
	t1 = luo_now();
	return (c1 - c0) / (t1 - t0);
}

/*
 * Size of the benchmark's memfd in MiB: 1 GiB, the scaling runs' 2 to
 * 16 GiB, or 4 MiB for the bare-kexec reference (a live update that
 * carries next to nothing).
 */
static unsigned int bm_mib = 1024;

#define BM_SIZE		((size_t)bm_mib << 20)

static inline const char *bm_name(enum bench_memfd_kind k)
{
	const char *kind = k == BENCH_4K ? "4k" : k == BENCH_THP ? "thp" :
			   k == BENCH_HUGETLB ? "hugetlb" : "sparse";
	static char name[32];

	if (bm_mib % 1024)
		snprintf(name, sizeof(name), "memfd_%um_%s", bm_mib, kind);
	else
		snprintf(name, sizeof(name), "memfd_%ug_%s", bm_mib / 1024,
			 kind);
	return name;
}

/*
 * Wait until every @stride-th page of the @size bytes of memfd @m (every
 * page written before the update) is in the page cache, for at most 60 s.
 * mincore() of a shared mapping touches nothing, so it sees what the
 * kernel filled, not what the check itself faulted in. *@passes: the
 * checks it took; *@last_ms: the last one's time, which the blackout to
 * the whole file includes.
 * Return: 0 once it is, -1 on a timeout or an error.
 */
static inline int bm_wait_filled(int m, size_t size, size_t stride,
				 int *passes, double *last_ms)
{
	size_t pages = size / BM_PG, i;
	unsigned char *vec;
	double deadline = luo_now() + 60, t;
	int ret = -1;
	void *p;

	*passes = 0;
	vec = malloc(pages);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, m, 0);
	if (!vec || p == MAP_FAILED)
		goto out;
	do {
		t = luo_now();
		if (mincore(p, size, vec))
			goto out;
		for (i = 0; i < pages && (vec[i] & 1); i += stride)
			;
		*last_ms = (luo_now() - t) * 1e3;
		++*passes;
		if (i >= pages) {
			ret = 0;
			goto out;
		}
		usleep(1000);
	} while (luo_now() < deadline);
out:
	if (p != MAP_FAILED)
		munmap(p, size);
	free(vec);
	return ret;
}

/*
 * bm_wait_filled() for a hugetlb memfd, whose mapping's mincore() tells
 * the page tables, not the page cache: every huge page is in once the
 * file's blocks (counted as each enters the page cache) cover @size.
 */
static inline int bm_wait_blocks(int m, size_t size, int *passes,
				 double *last_ms)
{
	double deadline = luo_now() + 60, t;
	struct stat st;

	*passes = 0;
	do {
		t = luo_now();
		if (fstat(m, &st))
			return -1;
		*last_ms = (luo_now() - t) * 1e3;
		++*passes;
		if ((size_t)st.st_blocks * 512 >= size)
			return 0;
		usleep(1000);
	} while (luo_now() < deadline);
	return -1;
}

/*
 * A hugetlb memfd (2 MiB pages, from the pool hugepages= made) of
 * BM_SIZE bytes holding the pattern of @seed, written through a mapping
 * (hugetlbfs has no write()). Returns the fd or -errno.
 */
static inline int bm_hugetlb_new(uint64_t seed)
{
	int m = memfd_create("bench", MFD_CLOEXEC | MFD_HUGETLB);
	void *p;

	if (m < 0)
		return -errno;
	if (ftruncate(m, BM_SIZE))
		goto fail;
	p = mmap(NULL, BM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	if (p == MAP_FAILED)
		goto fail;
	luo_pattern_fill(p, BM_SIZE, 0, seed);
	munmap(p, BM_SIZE);
	return m;
fail:
	close(m);
	return -errno;
}

/* Write every BM_STRIDE-th page of the 1 GiB memfd. */
static inline int bm_fill_sparse(int m, uint64_t seed)
{
	static uint64_t page[BM_PG / 8];
	size_t i;

	for (i = 0; i < BM_SIZE / BM_PG; i += BM_STRIDE) {
		luo_pattern_fill(page, BM_PG, i * BM_PG, seed);
		if (pwrite(m, page, BM_PG, i * BM_PG) != BM_PG)
			return -1;
	}
	return 0;
}

/*
 * Read every hole of the retrieved sparse file through a shared mapping,
 * one byte a page, as a VMM touching guest memory would: shmem gives each
 * hole a page of its own (a shared mapping cannot map the zero page),
 * unlike upstream, which filled the holes at preserve already. Reports the
 * time and the memory it took.
 */
static inline int bm_read_holes(int m, enum bench_memfd_kind k)
{
	long long shmem0 = luo_meminfo_kb("Shmem");
	volatile const char *p;
	unsigned long sum = 0;
	char name[64];
	size_t i;
	double t;

	p = mmap(NULL, BM_SIZE, PROT_READ, MAP_SHARED, m, 0);
	if (p == MAP_FAILED)
		return -1;
	t = luo_now();
	for (i = 0; i < BM_SIZE / BM_PG; i++)
		if (i % BM_STRIDE)
			sum += p[i * BM_PG];
	t = luo_now() - t;
	munmap((void *)p, BM_SIZE);
	if (sum)
		return -1;	/* holes read as zeroes */
	snprintf(name, sizeof(name), "%s_hole_read_mmap", bm_name(k));
	luo_bench(name, t * 1e3, "ms");
	snprintf(name, sizeof(name), "%s_hole_read_shmem_growth", bm_name(k));
	luo_bench(name, luo_meminfo_kb("Shmem") - shmem0, "KiB");
	return 0;
}

/*
 * The kernel's own timeline of the update (our kernels only,
 * kernel/liveupdate/luo_timeline.c): where the blackout went, phase by
 * phase, on the cycle counter both kernels read. Printed as figures
 * "<name>_tl_<from>_to_<to>" in ms.
 */
static inline void bm_timeline(enum bench_memfd_kind k)
{
	static const char *const phases[] = {
		"freeze", "frozen", "serialized", "shutdown", "handover_found",
		"kho_walked", "dev_open", "first_retrieve",
	};
	long long us[ARRAY_SIZE(phases)];
	char line[128], ph[32], name[96];
	unsigned long long v;
	size_t i;
	FILE *f;

	f = fopen("/sys/kernel/debug/liveupdate/timeline", "r");
	if (!f)
		return;
	for (i = 0; i < ARRAY_SIZE(phases); i++)
		us[i] = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %llu", ph, &v) == 2)
			for (i = 0; i < ARRAY_SIZE(phases); i++)
				if (!strcmp(ph, phases[i]))
					us[i] = v;
	fclose(f);
	for (i = 1; i < ARRAY_SIZE(phases); i++) {
		if (us[i - 1] < 0 || us[i] < us[i - 1])
			continue;
		snprintf(name, sizeof(name), "%s_tl_%s_to_%s", bm_name(k),
			 phases[i - 1], phases[i]);
		luo_bench(name, (us[i] - us[i - 1]) / 1e3, "ms");
	}
}

static inline enum luo_result bm_stage1(enum bench_memfd_kind k)
{
	char name[64];
	uint64_t seed = luo_seed();
	struct bench_stamp *stamp;
	long long migrated, cma_free;
	int luo, s, m, sm, r;
	double t;

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, k == BENCH_THP ? "always" :
				 "never"));
	cma_free = luo_meminfo_kb("CmaFree");
	t = luo_now();
	if (k == BENCH_SPARSE) {
		m = memfd_create("bench", MFD_CLOEXEC);
		ASSERT_OK(m);
		ASSERT_OK(ftruncate(m, BM_SIZE));
		ASSERT_OK(bm_fill_sparse(m, seed));
	} else if (k == BENCH_HUGETLB) {
		m = bm_hugetlb_new(seed);
		ASSERT_OK(m);
	} else {
		m = luo_memfd_new("bench", BM_SIZE, seed);
		ASSERT_OK(m);
	}
	/* What a workload pays to fault in and write the data: a yardstick. */
	snprintf(name, sizeof(name), "%s_fill", bm_name(k));
	luo_bench(name, (luo_now() - t) * 1e3, "ms");
	if (k == BENCH_THP)
		ASSERT_TRUE(luo_meminfo_kb("ShmemHugePages") >=
			    1024LL * bm_mib * 9 / 10,
			    "THP not used: ShmemHugePages %lld kB",
			    luo_meminfo_kb("ShmemHugePages"));
	sm = memfd_create("stamp", MFD_CLOEXEC);
	ASSERT_OK(sm);
	ASSERT_OK(ftruncate(sm, BM_PG));
	stamp = mmap(NULL, BM_PG, PROT_READ | PROT_WRITE, MAP_SHARED, sm, 0);
	ASSERT_TRUE(stamp != MAP_FAILED, "mmap: %m");
	stamp->tsc = 1;		/* the page exists before PRESERVE_FD */

	s = luo_session_new("bench", &luo);
	ASSERT_TRUE(s >= 0, "session");
	/*
	 * Data that landed in the scratch areas (CMA pageblocks) must move
	 * out at preserve: what filling the file took of CMA's free memory.
	 */
	snprintf(name, sizeof(name), "%s_fill_took_from_cma", bm_name(k));
	luo_bench(name, cma_free - luo_meminfo_kb("CmaFree"), "KiB");
	migrated = luo_vmstat("pgmigrate_success");
	t = luo_now();
	r = liveupdate_preserve_fd(s, m, 1);
	t = luo_now() - t;
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	snprintf(name, sizeof(name), "%s_preserve_fd", bm_name(k));
	luo_bench(name, t * 1e3, "ms");
	if (bm_mib > 1024) {
		snprintf(name, sizeof(name), "%s_preserve_fd_per_gib", bm_name(k));
		luo_bench(name, t * 1e3 * 1024 / bm_mib, "ms");
	}
	if (migrated >= 0) {
		snprintf(name, sizeof(name), "%s_preserve_migrated", bm_name(k));
		luo_bench(name, (luo_vmstat("pgmigrate_success") - migrated) *
			  BM_PG / 1024.0, "KiB");
	}
	ASSERT_TRUE(!liveupdate_preserve_fd(s, sm, 2), "preserve stamp");

	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("tsc_hz", "%.0f", bm_tsc_hz());
	luo_kexec_hook(bm_stamp, stamp);
	return luo_handover();
}

static inline enum luo_result bm_stage2(enum bench_memfd_kind k)
{
	uint64_t seed = luo_get_u64("seed"), rt, tsc, tsc_filled, word;
	double check_ms = 0;
	int passes;
	double tsc_hz = luo_get_u64("tsc_hz"), t_open, t_ret, t_fill;
	long long shmem0 = luo_meminfo_kb("Shmem");
	struct timespec up0;
	long long preserved, data_pages;
	struct bench_stamp stamp;
	struct timespec up;
	char name[64];
	int luo, s, m, sm;
	struct stat st;

	/*
	 * Handover metadata: everything preserved that is not file data
	 * (LUO blocks, memfd descriptor and folio array, KHO FDT) — the
	 * data pages are 1 GiB, a tenth of it for the sparse file, plus the
	 * stamp page.
	 */
	clock_gettime(CLOCK_BOOTTIME, &up0);
	preserved = kho_file_value(KHO_DEBUGFS "/in/pages", "preserved");
	data_pages = BM_SIZE / BM_PG;
	if (k == BENCH_SPARSE)
		data_pages = (data_pages + BM_STRIDE - 1) / BM_STRIDE;
	if (luo_kernel_is_ours()) {
		ASSERT_TRUE(preserved > data_pages, "preserved %lld pages",
			    preserved);
		snprintf(name, sizeof(name), "%s_handover_metadata", bm_name(k));
		luo_bench(name, (preserved - data_pages - 1) * BM_PG / 1024.0,
			  "KiB");
		/* Early boot: the tracker walk that reserved them. */
		snprintf(name, sizeof(name), "%s_kho_boot_walk", bm_name(k));
		luo_bench(name, kho_file_value(KHO_DEBUGFS "/in/pages",
					       "walk_ns") / 1e6, "ms");
	} else {
		luo_info("%s: this kernel does not count preserved pages",
			 bm_name(k));
	}

	t_open = luo_now();
	luo = liveupdate_open();
	t_open = luo_now() - t_open;
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	s = liveupdate_retrieve_session(luo, "bench");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	t_fill = t_ret = luo_now();
	m = liveupdate_retrieve_fd(s, 1);
	t_ret = luo_now() - t_ret;
	ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
	/* Readable: the first word is there and right. */
	ASSERT_TRUE(pread(m, &word, 8, 0) == 8, "read: %m");
	rt = bm_realtime_ns();
	tsc = __rdtsc();
	clock_gettime(CLOCK_BOOTTIME, &up);
	ASSERT_TRUE(word == luo_pattern_word(0, seed), "first word wrong");
	/*
	 * The first word only shows that the file is there. The blackout
	 * ends when the last byte is back: every page written before the
	 * update in the page cache again, whoever fills it and when.
	 */
	ASSERT_TRUE(k == BENCH_HUGETLB ?
		    !bm_wait_blocks(m, BM_SIZE, &passes, &check_ms) :
		    !bm_wait_filled(m, BM_SIZE, k == BENCH_SPARSE ?
				    BM_STRIDE : 1, &passes, &check_ms),
		    "the file is not back in the page cache within 60 s");
	tsc_filled = __rdtsc();
	t_fill = luo_now() - t_fill;

	sm = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(sm >= 0, "retrieve stamp: %s", strerror(-sm));
	ASSERT_TRUE(pread(sm, &stamp, sizeof(stamp), 0) == sizeof(stamp),
		    "read stamp: %m");
	ASSERT_TRUE(stamp.realtime_ns, "no stamp written at reboot");

	snprintf(name, sizeof(name), "%s_first_open", bm_name(k));
	luo_bench(name, t_open * 1e3, "ms");
	snprintf(name, sizeof(name), "%s_retrieve_fd", bm_name(k));
	luo_bench(name, t_ret * 1e3, "ms");
	if (bm_mib > 1024) {
		snprintf(name, sizeof(name), "%s_retrieve_fd_per_gib", bm_name(k));
		luo_bench(name, t_ret * 1e3 * 1024 / bm_mib, "ms");
	}
	snprintf(name, sizeof(name), "%s_blackout_realtime", bm_name(k));
	luo_bench(name, ((double)rt - (double)stamp.realtime_ns) / 1e6, "ms");
	if (tsc > stamp.tsc && tsc_hz > 0) {
		snprintf(name, sizeof(name), "%s_blackout_tsc", bm_name(k));
		luo_bench(name, (tsc - stamp.tsc) / tsc_hz * 1e3, "ms");
		snprintf(name, sizeof(name), "%s_blackout_filled_tsc",
			 bm_name(k));
		luo_bench(name, (tsc_filled - stamp.tsc) / tsc_hz * 1e3, "ms");
	} else {
		luo_info("TSC not monotonic across the kexec: no TSC blackout");
	}
	snprintf(name, sizeof(name), "%s_new_kernel_boot_to_readable",
		 bm_name(k));
	luo_bench(name, up.tv_sec * 1e3 + up.tv_nsec / 1e6, "ms");
	/* The new kernel's part of the blackout: booting, then retrieving. */
	snprintf(name, sizeof(name), "%s_late_boot", bm_name(k));
	luo_bench(name, up0.tv_sec * 1e3 + up0.tv_nsec / 1e6, "ms");
	snprintf(name, sizeof(name), "%s_test_start_to_readable", bm_name(k));
	luo_bench(name, (up.tv_sec - up0.tv_sec) * 1e3 +
		  (up.tv_nsec - up0.tv_nsec) / 1e6, "ms");

	bm_timeline(k);
	snprintf(name, sizeof(name), "%s_filled_check", bm_name(k));
	luo_bench(name, check_ms, "ms");
	snprintf(name, sizeof(name), "%s_filled_check_passes", bm_name(k));
	luo_bench(name, passes, "passes");
	/* From RETRIEVE_FD to the whole file back (bm_wait_filled()). */
	snprintf(name, sizeof(name), "%s_retrieve_fd_to_filled", bm_name(k));
	luo_bench(name, t_fill * 1e3, "ms");

	/* The content, all of it (holes included), as a sanity check. */
	if (k == BENCH_SPARSE) {
		static uint64_t page[BM_PG / 8];
		size_t i;

		for (i = 0; i < BM_SIZE / BM_PG; i += BM_STRIDE) {
			ASSERT_TRUE(pread(m, page, BM_PG, i * BM_PG) == BM_PG,
				    "pread: %m");
			ASSERT_TRUE(luo_pattern_check(page, BM_PG, i * BM_PG,
						      seed) == BM_PG,
				    "page %zu differs", i);
		}
		ASSERT_OK(fstat(m, &st));
		snprintf(name, sizeof(name), "%s_file_blocks", bm_name(k));
		luo_bench(name, st.st_blocks / 2.0, "KiB");
		snprintf(name, sizeof(name), "%s_shmem_growth", bm_name(k));
		luo_bench(name, luo_meminfo_kb("Shmem") - shmem0, "KiB");
		ASSERT_OK(bm_read_holes(m, k));
	} else {
		ASSERT_TRUE(!luo_memfd_verify(m, BM_SIZE, seed), "content");
	}
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(m);
	close(sm);
	close(s);
	close(luo);
	return LUO_PASS;
}

static inline enum luo_result bench_memfd(struct luo_ctx *ctx,
					  enum bench_memfd_kind k)
{
	return ctx->stage == 1 ? bm_stage1(k) : bm_stage2(k);
}

/* The same with a memfd of @mib MiB. */
static inline enum luo_result bench_memfd_mib(struct luo_ctx *ctx,
					      enum bench_memfd_kind k,
					      unsigned int mib)
{
	bm_mib = mib;
	return bench_memfd(ctx, k);
}

/* The same with a memfd of @gib GiB: the cost per GiB as the size grows. */
static inline enum luo_result bench_memfd_gib(struct luo_ctx *ctx,
					      enum bench_memfd_kind k,
					      unsigned int gib)
{
	return bench_memfd_mib(ctx, k, gib * 1024);
}

#endif /* BENCH_MEMFD_H */
