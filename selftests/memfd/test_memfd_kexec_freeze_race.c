// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_freeze_race.c - writes racing with the kexec reboot
 * are either carried over or refused, never silently lost.
 *
 * The reboot system call freezes the preserved files and then shuts the
 * machine down; until it stops the other CPUs, userspace keeps running on
 * them. A writer thread on the second CPU, started right before reboot(),
 * writes in turn into pages fallocated (never written) before PRESERVE_FD
 * and into holes, and after every write logs its outcome in preserved
 * pages of the same memfd. In the next kernel every write the log calls
 * done must be there; a refused one must have failed with ENOSPC (only a
 * hole can refuse) and left its hole a hole.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "freeze_race.h"

#define PG		4096UL
#define NR		8192UL			/* fallocated pages, and holes */
#define LOG_PAGES	20UL			/* struct race_log */
#define FALLOC_PG	32UL			/* first fallocated page */
#define HOLE_PG		(FALLOC_PG + NR)	/* first hole */
#define NR_PAGES	(HOLE_PG + NR)
#define LOG_MAGIC	0x6c756f72616365ULL

struct race_log {
	uint64_t magic;
	uint64_t count;			/* iterations done */
	int32_t falloc_err[NR];		/* errno of write i, 0 if done */
	int32_t hole_err[NR];
};
_Static_assert(sizeof(struct race_log) <= LOG_PAGES * PG, "log too big");

static struct race_log *race_log;
static int race_fd;
static uint64_t race_seed;

static int32_t race_write(uint64_t page)
{
	static uint64_t buf[PG / 8];

	luo_pattern_fill(buf, PG, page * PG, race_seed);
	return pwrite(race_fd, buf, PG, page * PG) == (ssize_t)PG ? 0 : errno;
}

static void *race_writer(void *arg)
{
	uint64_t i;

	while (!race_go)
		;
	for (i = 0; i < NR; i++) {
		race_log->falloc_err[i] = race_write(FALLOC_PG + i);
		race_log->hole_err[i] = race_write(HOLE_PG + i);
		/* x86 keeps stores in order: the outcome is logged first. */
		__atomic_store_n(&race_log->count, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static enum luo_result stage1(void)
{
	int luo, s, r;

	race_seed = luo_seed();
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	race_fd = memfd_create("race", MFD_CLOEXEC);
	ASSERT_OK(race_fd);
	ASSERT_OK(ftruncate(race_fd, NR_PAGES * PG));
	/* The log pages are written, so they are present and uptodate. */
	race_log = mmap(NULL, LOG_PAGES * PG, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, race_fd, 0);
	ASSERT_TRUE(race_log != MAP_FAILED, "mmap: %m");
	memset(race_log, 0, LOG_PAGES * PG);
	race_log->magic = LOG_MAGIC;
	ASSERT_OK(fallocate(race_fd, 0, FALLOC_PG * PG, NR * PG));

	s = luo_session_new("race", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, race_fd, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	ASSERT_TRUE(!race_spawn(race_writer),
		    "a writer on the second of two CPUs: %m");
	luo_put("seed", "0x%llx", (unsigned long long)race_seed);
	/* The session and memfd fds stay open in this process. */
	luo_kexec(NULL);
	return LUO_FAIL;
}

/* 0 if @page holds the writer's data, 1 if it reads as zeroes, else -1. */
static int page_state(int m, uint64_t page, uint64_t seed)
{
	static uint64_t buf[PG / 8], zero[PG / 8];

	if (pread(m, buf, PG, page * PG) != (ssize_t)PG)
		return -1;
	if (luo_pattern_check(buf, PG, page * PG, seed) == PG)
		return 0;
	return memcmp(buf, zero, PG) ? -1 : 1;
}

LUO_TEST(memfd_kexec_freeze_race, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: writes racing with the reboot are kept or refused")
{
	unsigned long lost = 0, refused = 0, first_refused = NR;
	const struct race_log *log;
	uint64_t seed, count, i;
	int luo, s, m, r, st;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	m = luo_retrieve_one("race", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	log = mmap(NULL, LOG_PAGES * PG, PROT_READ, MAP_SHARED, m, 0);
	ASSERT_TRUE(log != MAP_FAILED, "mmap: %m");
	ASSERT_TRUE(log->magic == LOG_MAGIC, "log page lost");
	count = log->count;
	ASSERT_TRUE(count <= NR, "log count %llu", (unsigned long long)count);

	for (i = 0; i < count; i++) {
		/* A fallocated page is preserved: its write cannot fail. */
		ASSERT_TRUE(!log->falloc_err[i], "write %llu into a fallocated page: %s",
			    (unsigned long long)i,
			    strerrorname_np(log->falloc_err[i]) ?: "?");
		st = page_state(m, FALLOC_PG + i, seed);
		if (st) {
			if (!lost++)
				luo_info("write %llu into fallocated page %llu lost (%s)",
					 (unsigned long long)i,
					 (unsigned long long)(FALLOC_PG + i),
					 st > 0 ? "zeroes" : "garbage");
			continue;
		}

		st = page_state(m, HOLE_PG + i, seed);
		if (!log->hole_err[i]) {
			if (st && !lost)
				luo_info("write %llu into hole page %llu lost",
					 (unsigned long long)i,
					 (unsigned long long)(HOLE_PG + i));
			lost += !!st;
			continue;
		}
		ASSERT_TRUE(log->hole_err[i] == ENOSPC,
			    "write %llu into a hole failed with %s, not ENOSPC",
			    (unsigned long long)i,
			    strerrorname_np(log->hole_err[i]) ?: "?");
		ASSERT_TRUE(st == 1, "refused write %llu left data", (unsigned long long)i);
		if (!refused++)
			first_refused = i;
	}
	luo_info("%llu writes logged, %lu hole writes refused (first at %lu), %lu lost",
		 (unsigned long long)count, refused, first_refused, lost);
	ASSERT_TRUE(!lost, "%lu completed writes lost", lost);
	/* Otherwise nothing raced with the reboot and the test proved nothing. */
	ASSERT_TRUE(count, "the writer did not run before the machine stopped");

	munmap((void *)log, LOG_PAGES * PG);
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
