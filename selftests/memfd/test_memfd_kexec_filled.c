// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_filled.c - a retrieved memfd is whole when RETRIEVE_FD
 * returns: every handed-over folio is in its page cache already
 * (mm/memfd_luo_retrieve.c), so that whatever acts on it at once sees the
 * preserved file.
 *
 * Three memfds cross the kexec: A, 512 MiB, and C, 256 MiB, of 4 KiB pages
 * all written, and B, 256 MiB with every tenth page written. Right after
 * RETRIEVE_FD:
 *
 * - A's last page is in the page cache (mincore(), which neither waits nor
 *   fills), and reading A through a mapping, from the end backwards, gives
 *   the preserved bytes.
 * - B's last written page is found by SEEK_DATA, not reported as a hole.
 * - ftruncate(C) to half leaves exactly half its pages (st_blocks), its
 *   first half as preserved, and grown back, its second half reads as
 *   zeroes (no handed-over folio lives on past the new end).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define PG		4096UL
#define A_SIZE		(512UL << 20)
#define C_SIZE		(256UL << 20)
#define B_SIZE		(256UL << 20)
#define B_STRIDE	10
#define B_LAST		((B_SIZE / PG - 1) / B_STRIDE * B_STRIDE)

static enum luo_result stage1(void)
{
	static uint64_t page[PG / 8];
	uint64_t seed = luo_seed();
	int luo, s, a, b, c, r;
	size_t i;

	/* 4 KiB folios: many batches, and pages present exactly as written. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	a = luo_memfd_new("filled-a", A_SIZE, seed);
	ASSERT_TRUE(a >= 0, "memfd A: %s", strerror(-a));
	c = luo_memfd_new("filled-c", C_SIZE, seed);
	ASSERT_TRUE(c >= 0, "memfd C: %s", strerror(-c));
	b = memfd_create("filled-b", MFD_CLOEXEC);
	ASSERT_OK(b);
	ASSERT_OK(ftruncate(b, B_SIZE));
	for (i = 0; i < B_SIZE / PG; i += B_STRIDE) {
		luo_pattern_fill(page, PG, i * PG, seed);
		ASSERT_TRUE(pwrite(b, page, PG, i * PG) == PG, "pwrite: %m");
	}

	s = luo_session_new("filled", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, a, 1);
	ASSERT_TRUE(!r, "preserve A: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, b, 2);
	ASSERT_TRUE(!r, "preserve B: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, c, 3);
	ASSERT_TRUE(!r, "preserve C: %s", strerror(-r));
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

/* Is the page at @off of the mapping @p in the page cache? */
static int resident(void *p, size_t off)
{
	unsigned char v = 0;

	if (mincore((char *)p + off, PG, &v))
		return -1;
	return v & 1;
}

/* A: the end first, backwards through a mapping. */
static enum luo_result check_a(int a, uint64_t seed)
{
	size_t off, bad;
	char *p;
	int in;

	p = mmap(NULL, A_SIZE, PROT_READ, MAP_SHARED, a, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap A: %m");
	in = resident(p, A_SIZE - PG);
	ASSERT_TRUE(in == 1, "A's last page %s right after RETRIEVE_FD",
		    in < 0 ? "unknown (mincore failed)" : "not in the page cache");
	for (off = A_SIZE; off; off -= 64 * PG) {
		bad = luo_pattern_check(p + off - PG, PG, off - PG, seed);
		ASSERT_TRUE(bad == PG, "A: page at %#zx differs at byte %zu",
			    off - PG, bad);
	}
	ASSERT_OK(munmap(p, A_SIZE));
	return LUO_PASS;
}

/* C: truncated to half right away, then grown back. */
static enum luo_result check_c(int c, uint64_t seed)
{
	static const uint64_t zero[PG / 8];
	struct stat st;
	size_t off, bad;
	char *p;

	ASSERT_OK(ftruncate(c, C_SIZE / 2));
	ASSERT_OK(fstat(c, &st));
	ASSERT_TRUE(st.st_blocks == (blkcnt_t)(C_SIZE / 2 / 512),
		    "C truncated to half holds %lld blocks, not %lu",
		    (long long)st.st_blocks, C_SIZE / 2 / 512);
	ASSERT_OK(ftruncate(c, C_SIZE));
	p = mmap(NULL, C_SIZE, PROT_READ, MAP_SHARED, c, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap C: %m");
	for (off = C_SIZE / 2; off < C_SIZE; off += 16 * PG)
		ASSERT_TRUE(!memcmp(p + off, zero, PG),
			    "C: page at %#zx past the truncation is not zero",
			    off);
	/* The half that stayed: every page, as preserved. */
	for (off = 0; off < C_SIZE / 2; off += PG) {
		bad = luo_pattern_check(p + off, PG, off, seed);
		ASSERT_TRUE(bad == PG, "C: page at %#zx differs at byte %zu",
			    off, bad);
	}
	ASSERT_OK(munmap(p, C_SIZE));
	return LUO_PASS;
}

/* B: SEEK_DATA right away finds the last written page. */
static enum luo_result check_b(int b, uint64_t seed)
{
	static uint64_t page[PG / 8];
	struct stat st;
	off_t data;
	size_t bad;

	data = lseek(b, (B_LAST - B_STRIDE + 1) * PG, SEEK_DATA);
	ASSERT_TRUE(data == (off_t)(B_LAST * PG),
		    "B: SEEK_DATA found %lld, the last written page is at %lu",
		    (long long)data, B_LAST * PG);
	ASSERT_TRUE(lseek(b, data, SEEK_HOLE) == (off_t)(data + PG),
		    "B: SEEK_HOLE after the last written page");
	ASSERT_TRUE(pread(b, page, PG, data) == PG, "pread B: %m");
	bad = luo_pattern_check(page, PG, data, seed);
	ASSERT_TRUE(bad == PG, "B: last written page differs at byte %zu", bad);
	ASSERT_OK(fstat(b, &st));
	ASSERT_TRUE(st.st_blocks == (blkcnt_t)((B_LAST / B_STRIDE + 1) * (PG / 512)),
		    "B: %lld blocks", (long long)st.st_blocks);
	return LUO_PASS;
}

LUO_TEST(memfd_kexec_filled, .stages = 2, .mem = "3G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: retrieved memfds are whole when RETRIEVE_FD returns")
{
	uint64_t seed;
	int luo, s, a, b, c, r;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	a = luo_retrieve_one("filled", 1, &luo, &s);
	ASSERT_TRUE(a >= 0, "retrieve");
	if (check_a(a, seed) != LUO_PASS)
		return LUO_FAIL;
	c = liveupdate_retrieve_fd(s, 3);
	ASSERT_TRUE(c >= 0, "retrieve C: %s", strerror(-c));
	if (check_c(c, seed) != LUO_PASS)
		return LUO_FAIL;
	b = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(b >= 0, "retrieve B: %s", strerror(-b));
	if (check_b(b, seed) != LUO_PASS)
		return LUO_FAIL;

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(a);
	close(b);
	close(c);
	close(s);
	close(luo);
	return LUO_PASS;
}
