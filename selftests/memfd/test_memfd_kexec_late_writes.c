// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_late_writes.c - writes made after PRESERVE_FD and
 * before the reboot are not lost: into existing pages (write() and a
 * shared mapping) and into holes, which our kernel picks up at freeze time
 * (the documented choice), while the holes nobody wrote stay holes.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define PG		4096UL
#define NR_PAGES	2048UL		/* 8 MiB */
#define HOLE_START	100UL		/* pages [100, 200) are never written */
#define HOLE_END	200UL

/* Seed for each page: 0 for a hole, @late for the pages rewritten late. */
static uint64_t page_seed(size_t i, uint64_t seed, uint64_t late)
{
	switch (i) {
	case 5: case 6: case 150: case 160: case NR_PAGES - 1:
		return late;
	}
	return i >= HOLE_START && i < HOLE_END ? 0 : seed;
}

static enum luo_result stage1(uint64_t seed, uint64_t late)
{
	static uint64_t page[PG / 8];
	int luo, s, m, r;
	char *p;
	size_t i;

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	m = memfd_create("late", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, NR_PAGES * PG));
	for (i = 0; i < NR_PAGES; i++) {
		if (i >= HOLE_START && i < HOLE_END)
			continue;
		luo_pattern_fill(page, PG, i * PG, seed);
		ASSERT_TRUE(pwrite(m, page, PG, i * PG) == PG, "pwrite: %m");
	}
	p = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");

	s = luo_session_new("late", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	/* Existing pages: write() and a store through the mapping. */
	luo_pattern_fill(page, PG, 5 * PG, late);
	ASSERT_TRUE(pwrite(m, page, PG, 5 * PG) == PG, "pwrite page 5: %m");
	luo_pattern_fill(p + 6 * PG, PG, 6 * PG, late);
	luo_pattern_fill(p + (NR_PAGES - 1) * PG, PG, (NR_PAGES - 1) * PG,
			 late);
	/* Holes: write() allocates page 150, a store faults in page 160. */
	luo_pattern_fill(page, PG, 150 * PG, late);
	ASSERT_TRUE(pwrite(m, page, PG, 150 * PG) == PG,
		    "write into a hole after preserve: %m");
	luo_pattern_fill(p + 160 * PG, PG, 160 * PG, late);

	luo_put("seed", "0x%llx", (unsigned long long)seed);
	luo_put("late", "0x%llx", (unsigned long long)late);
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	munmap(p, NR_PAGES * PG);
	close(m);
	close(s);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

LUO_TEST(memfd_kexec_late_writes, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: writes after PRESERVE_FD survive, also into holes")
{
	static uint64_t page[PG / 8], zero[PG / 8];
	uint64_t seed, late, ps;
	int luo, s, m, r;
	struct stat st;
	size_t i, bad;
	off_t data;

	if (ctx->stage == 1)
		return stage1(luo_seed(), luo_seed());

	seed = luo_get_u64("seed");
	late = luo_get_u64("late");
	m = luo_retrieve_one("late", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");

	for (i = 0; i < NR_PAGES; i++) {
		ASSERT_TRUE(pread(m, page, PG, i * PG) == PG, "pread: %m");
		ps = page_seed(i, seed, late);
		if (!ps) {
			ASSERT_TRUE(!memcmp(page, zero, PG),
				    "hole page %zu is not zero", i);
			continue;
		}
		bad = luo_pattern_check(page, PG, i * PG, ps);
		ASSERT_TRUE(bad == PG, "page %zu (%s data) differs at byte %zu",
			    i, ps == late ? "late" : "early", bad);
	}
	/* The untouched holes are still holes: 98 pages fewer than full. */
	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(st.st_blocks == (blkcnt_t)((NR_PAGES - 98) * (PG / 512)),
		    "%lld blocks for %lu pages", (long long)st.st_blocks,
		    NR_PAGES - 98);
	data = lseek(m, 101 * PG, SEEK_DATA);
	ASSERT_TRUE(data == (off_t)(150 * PG), "first data after page 101 at %lld",
		    (long long)data);

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
