// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_sparse.c - holes stay holes: a 1 GiB memfd with only
 * every tenth page written comes back with exactly those pages present
 * (SEEK_DATA/SEEK_HOLE, st_blocks), holes reading as zeros, and the new
 * kernel's shmem use growing by the written pages only.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define GIB		(1UL << 30)
#define PG		4096UL
#define NR_PAGES	(GIB / PG)
#define STRIDE		10
#define NR_DATA		((NR_PAGES + STRIDE - 1) / STRIDE)
#define DATA_KB		((long long)NR_DATA * (long long)(PG >> 10))
#define FNV_BASIS	0xcbf29ce484222325ULL
#define CHUNK		(1UL << 20)

/* Checksum of the whole file as read(): holes contribute zeros. */
static int sparse_sum(int fd, uint64_t *sum)
{
	static uint64_t buf[CHUNK / 8];
	size_t off;

	*sum = FNV_BASIS;
	for (off = 0; off < GIB; off += CHUNK) {
		if (pread(fd, buf, CHUNK, off) != (ssize_t)CHUNK)
			return -1;
		*sum = luo_checksum(*sum, buf, CHUNK);
	}
	return 0;
}

/*
 * Walk the data extents: each must be one written page, in order, and
 * every written page must be found. Returns the first bad offset or -1.
 */
static long long check_layout(int fd)
{
	off_t data, hole, want;
	size_t i;

	for (i = 0; i < NR_DATA; i++) {
		want = i * STRIDE * PG;
		data = lseek(fd, i ? (off_t)((i - 1) * STRIDE * PG + PG) : 0,
			     SEEK_DATA);
		if (data != want)
			return data < 0 ? want : data;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole != (off_t)(want + PG))
			return want;
	}
	/* After the last written page: only hole up to the end. */
	data = lseek(fd, (NR_DATA - 1) * STRIDE * PG + PG, SEEK_DATA);
	return data < 0 && errno == ENXIO ? -1 : (long long)data;
}

/* Fail unless the file holds exactly the written pages. */
static enum luo_result check_blocks(int fd, const char *when)
{
	struct stat st;
	long long bad;

	ASSERT_OK(fstat(fd, &st));
	ASSERT_TRUE(st.st_size == (off_t)GIB, "%s: size %lld", when,
		    (long long)st.st_size);
	ASSERT_TRUE(st.st_blocks == (blkcnt_t)(NR_DATA * (PG / 512)),
		    "%s: %lld blocks, %lu pages written", when,
		    (long long)st.st_blocks, NR_DATA);
	bad = check_layout(fd);
	ASSERT_TRUE(bad < 0, "%s: page layout differs at offset %lld", when,
		    bad);
	return LUO_PASS;
}

static enum luo_result stage1(void)
{
	static uint64_t page[PG / 8];
	uint64_t seed = luo_seed(), sum;
	int luo, s, m, r;
	size_t i;

	/* 4 KiB folios, so that "written" and "present" are the same pages. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	m = memfd_create("sparse", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, GIB));
	for (i = 0; i < NR_PAGES; i += STRIDE) {
		luo_pattern_fill(page, PG, i * PG, seed);
		ASSERT_TRUE(pwrite(m, page, PG, i * PG) == PG, "pwrite: %m");
	}
	if (check_blocks(m, "stage 1") != LUO_PASS)
		return LUO_FAIL;
	ASSERT_OK(sparse_sum(m, &sum));

	s = luo_session_new("sparse", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	/* Preserving must not have filled the holes. */
	if (check_blocks(m, "after preserve") != LUO_PASS)
		return LUO_FAIL;

	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("sum", "0x%llx", (unsigned long long)sum);
	return luo_handover();
}

LUO_TEST(memfd_kexec_sparse, .stages = 2, .mem = "4G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 10%-written 1 GiB memfd comes back sparse")
{
	static uint64_t page[PG / 8];
	long long shmem0, shmem1;
	uint64_t seed, sum;
	int luo, s, m, r;
	size_t i, bad;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	shmem0 = luo_meminfo_kb("Shmem");
	m = luo_retrieve_one("sparse", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");

	/* read() of a hole does not allocate; the checksum covers holes. */
	ASSERT_OK(sparse_sum(m, &sum));
	ASSERT_TRUE(sum == luo_get_u64("sum"), "checksum %#llx, stage 1 %s",
		    (unsigned long long)sum, luo_get("sum"));
	for (i = 0; i < NR_PAGES; i += STRIDE) {
		ASSERT_TRUE(pread(m, page, PG, i * PG) == PG, "pread: %m");
		bad = luo_pattern_check(page, PG, i * PG, seed);
		ASSERT_TRUE(bad == PG, "page %zu differs at byte %zu", i, bad);
	}
	if (check_blocks(m, "stage 2") != LUO_PASS)
		return LUO_FAIL;

	/* Shmem grew by the written pages, not by the file size. */
	shmem1 = luo_meminfo_kb("Shmem");
	luo_info("Shmem %lld -> %lld kB for %lld kB of data in 1 GiB",
		 shmem0, shmem1, DATA_KB);
	ASSERT_TRUE(shmem1 - shmem0 <= DATA_KB + DATA_KB / 10 + 4096,
		    "Shmem grew by %lld kB for %lld kB of data",
		    shmem1 - shmem0, DATA_KB);
	ASSERT_TRUE(shmem1 - shmem0 >= DATA_KB * 9 / 10,
		    "retrieved pages not counted as Shmem: %lld kB",
		    shmem1 - shmem0);

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
