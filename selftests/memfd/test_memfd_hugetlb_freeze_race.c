// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb_freeze_race.c - huge pages faulted into the holes of
 * a preserved hugetlb memfd while the kexec reboot runs are carried over
 * or refused (SIGBUS), never silently lost.
 *
 * As memfd_kexec_freeze_race for shmem: a writer thread on the second CPU
 * writes through a shared mapping into holes of the memfd, one 2 MiB page
 * after the other, from PRESERVE_FD on (paced, so that it still writes
 * when the reboot comes: a fault takes milliseconds under TCG), and logs
 * each outcome in a preserved page of the same memfd. Pages filled before
 * the freeze must be picked up by it. A fault the frozen file
 * refuses is a SIGBUS, caught and logged. In the next kernel every write
 * logged as done must be there, and every refused one must have left its
 * hole a hole.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "freeze_race.h"

#define HPAGE		(2UL << 20)
#define NR_HOLES	200UL			/* pages 1..NR_HOLES are holes */
#define SIZE		((NR_HOLES + 1) * HPAGE)
#define LOG_MAGIC	0x6875676572616365ULL
#define DONE		1
#define REFUSED		2

struct race_log {
	uint64_t magic;
	uint64_t count;			/* writes attempted and logged */
	int32_t outcome[NR_HOLES];	/* DONE or REFUSED */
};

static char *race_map;
static struct race_log *race_log;	/* page 0 of the memfd */
static uint64_t race_seed;
static __thread sigjmp_buf race_jmp;

static void race_sigbus(int sig)
{
	siglongjmp(race_jmp, 1);
}

static uint64_t race_word(uint64_t page)
{
	return luo_pattern_word(page * HPAGE, race_seed);
}

static void *race_writer(void *arg)
{
	volatile uint64_t i;

	for (i = 0; i < NR_HOLES; i++) {
		/* Paced until the reboot is near, then as fast as it goes. */
		if (!race_go)
			usleep(2000);
		uint64_t page = i + 1;

		if (!sigsetjmp(race_jmp, 1)) {
			*(volatile uint64_t *)(race_map + page * HPAGE) =
				race_word(page);
			race_log->outcome[i] = DONE;
		} else {
			race_log->outcome[i] = REFUSED;
		}
		__atomic_store_n(&race_log->count, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static enum luo_result stage1(void)
{
	struct sigaction sa = { .sa_handler = race_sigbus };
	int luo, s, m, r;

	ASSERT_OK(sigaction(SIGBUS, &sa, NULL));
	race_seed = luo_seed();
	m = memfd_create("race", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, SIZE));
	race_map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(race_map != MAP_FAILED, "mmap: %m");
	race_log = (struct race_log *)race_map;
	memset(race_log, 0, sizeof(*race_log));
	race_log->magic = LOG_MAGIC;

	s = luo_session_new("race", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	ASSERT_TRUE(!race_spawn(race_writer),
		    "a writer on the second of two CPUs: %m");
	luo_put("seed", "0x%llx", (unsigned long long)race_seed);
	luo_kexec(NULL);
	return LUO_FAIL;
}

LUO_TEST(memfd_hugetlb_freeze_race, .stages = 2, .mem = "4G",
	 .cmdline = "kho=on liveupdate=on hugepages=256",
	 .desc = "two-stage: huge pages faulted in during the reboot: kept or refused")
{
	unsigned long done = 0, refused = 0, lost = 0;
	const struct race_log *log;
	uint64_t count, i, w;
	int luo, s, m;

	if (ctx->stage == 1)
		return stage1();

	race_seed = luo_get_u64("seed");
	m = luo_retrieve_one("race", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	log = mmap(NULL, HPAGE, PROT_READ, MAP_SHARED, m, 0);
	ASSERT_TRUE(log != MAP_FAILED, "mmap: %m");
	ASSERT_TRUE(log->magic == LOG_MAGIC, "log page lost");
	count = log->count;
	ASSERT_TRUE(count <= NR_HOLES, "log count %llu",
		    (unsigned long long)count);
	for (i = 0; i < count; i++) {
		/* pread() reads a hole as zeroes without filling it. */
		ASSERT_TRUE(pread(m, &w, sizeof(w), (i + 1) * HPAGE) == sizeof(w),
			    "pread: %m");
		if (log->outcome[i] == DONE) {
			done++;
			if (w != race_word(i + 1) && !lost++)
				luo_info("write %llu lost", (unsigned long long)i);
			continue;
		}
		ASSERT_TRUE(log->outcome[i] == REFUSED, "outcome %d",
			    log->outcome[i]);
		ASSERT_TRUE(!w, "refused write %llu left data",
			    (unsigned long long)i);
		refused++;
	}
	luo_info("%llu writes logged: %lu done, %lu refused, %lu lost",
		 (unsigned long long)count, done, refused, lost);
	ASSERT_TRUE(!lost, "%lu completed writes lost", lost);
	ASSERT_TRUE(count, "the writer did not run before the machine stopped");
	munmap((void *)log, HPAGE);
	close(m);
	return luo_finish_close(s, luo);
}
