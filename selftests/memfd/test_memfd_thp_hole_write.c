// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_thp_hole_write.c - a write into a hole of a retrieved memfd,
 * with shmem THP on, keeps every preserved byte and every hole.
 *
 * A VMM that madvises huge pages on guest RAM (or shmem_enabled=always)
 * makes the first write into a hole allocate a 2 MiB folio. Stage 1
 * builds, with 4 KiB folios, a 1 GiB memfd: 512 MiB dense, then 512 MiB
 * sparse (three 4 KiB pages in every 2 MiB, none at its start). Stage 2
 * turns shmem THP to "always", retrieves it and at once writes one page
 * into the hole that starts the sparse half, then reads the whole file:
 * the dense half as preserved, in the sparse half the preserved pages, the
 * new page, and zeroes everywhere else. (When the folios went in after
 * RETRIEVE_FD, in batches of one array page, the sparse half's first batch
 * began right after that hole: the write put a zeroed 2 MiB folio over
 * indices whose preserved folios were still to come, and from then on
 * every read of the file failed with EIO.)
 */
#include <fcntl.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define GIB		(1UL << 30)
#define HALF		(GIB / 2)
#define PG		4096UL
#define HUGE		(2UL << 20)
#define CHUNK		(1UL << 20)

/* Pages written in each 2 MiB of the sparse half; the hole written. */
static const size_t sparse_pg[] = { 64, 200, 400 };
#define HOLE_OFF	HALF

static bool sparse_written(size_t off)
{
	size_t pg = (off % HUGE) / PG, i;

	for (i = 0; i < ARRAY_SIZE(sparse_pg); i++)
		if (pg == sparse_pg[i])
			return true;
	return false;
}

static enum luo_result stage1(void)
{
	static uint64_t page[PG / 8];
	uint64_t seed = luo_seed();
	int luo, s, m, r;
	size_t off;

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	m = luo_memfd_new("thp-hole", HALF, seed);
	ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
	ASSERT_OK(ftruncate(m, GIB));
	for (off = HALF; off < GIB; off += PG) {
		if (!sparse_written(off))
			continue;
		luo_pattern_fill(page, PG, off, seed);
		ASSERT_TRUE(pwrite(m, page, PG, off) == PG, "pwrite: %m");
	}
	s = luo_session_new("thp-hole", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

/* Every byte of the file: pattern, the new page or zeroes, where due. */
static enum luo_result check_all(int m, uint64_t seed)
{
	static uint64_t buf[CHUNK / 8], want[PG / 8];
	static const uint64_t zero[PG / 8];
	size_t off, pg;
	ssize_t n;

	for (off = 0; off < GIB; off += CHUNK) {
		n = pread(m, buf, CHUNK, off);
		ASSERT_TRUE(n == (ssize_t)CHUNK, "read at %#zx: %zd (%m)", off, n);
		for (pg = 0; pg < CHUNK; pg += PG) {
			const void *got = (const char *)buf + pg;
			size_t at = off + pg;

			if (at == HOLE_OFF) {
				luo_pattern_fill(want, PG, at, ~seed);
				ASSERT_TRUE(!memcmp(got, want, PG),
					    "the page written after the retrieve differs at %#zx", at);
			} else if (at < HALF || sparse_written(at)) {
				ASSERT_TRUE(luo_pattern_check(got, PG, at, seed) == PG,
					    "preserved page at %#zx differs", at);
			} else {
				ASSERT_TRUE(!memcmp(got, zero, PG),
					    "hole at %#zx is not zeroes", at);
			}
		}
	}
	return LUO_PASS;
}

LUO_TEST(memfd_thp_hole_write, .stages = 2, .mem = "3G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: with shmem THP on, a write into a hole right after RETRIEVE_FD keeps every byte and hole")
{
	static uint64_t page[PG / 8];
	int luo, s, m, r;
	uint64_t seed;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "always"));
	m = luo_retrieve_one("thp-hole", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	luo_pattern_fill(page, PG, HOLE_OFF, ~seed);
	ASSERT_TRUE(pwrite(m, page, PG, HOLE_OFF) == PG,
		    "write into a hole: %m");

	if (check_all(m, seed) != LUO_PASS)
		return LUO_FAIL;
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	ASSERT_OK(close(m));
	ASSERT_OK(close(s));
	ASSERT_OK(close(luo));
	return LUO_PASS;
}
