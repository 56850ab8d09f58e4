// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_memfd_fill.c - a retrieved memfd whose folios cannot all go
 * into its page cache after RETRIEVE_FD (mm/memfd_luo_fill.c) fails every
 * access with EIO, never reads zeroes where data was, and gives all its
 * memory back.
 *
 * A single failed allocation cannot do it: the page cache retries an
 * allocation that fails under its lock with one outside, so fail-nth
 * (which fails one) is always absorbed. So stage 2 makes every slab
 * allocation of its thread fail (failslab, task filter) while it reads
 * the last page of a retrieved 64 MiB memfd (64 fill batches) at once:
 * the read puts the last batch into the page cache itself, before the
 * fill worker gets there (mincore() tells: should the worker have won,
 * the next file is tried). Then:
 *
 *   - the read fails with EIO, and so does a read of the first page
 *   - the kernel logs that the memfd lost folios
 *   - once the fill is over (stat()) and the file closed, free memory is
 *     back by at least 3/4 of the file
 *   - the session goes on: the next file comes back intact
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault_inject.h"
#include "liveupdate.h"
#include "luo_test.h"

#define NR_FILES	5
#define FILE_SIZE	((size_t)64 << 20)
#define PG		4096UL

static enum luo_result stage1(void)
{
	uint64_t seed = luo_seed();
	int luo, s, m, r, i;

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	s = liveupdate_create_session(luo, "fill");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 1; i <= NR_FILES; i++) {
		m = luo_memfd_new("fill", FILE_SIZE, seed + i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

/* Free memory back to at least @want kB within two seconds? */
static bool free_back(long long want)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (luo_free_kb() >= want)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/*
 * Is the page at @off in the page cache (mincore() neither waits nor
 * fills)? The worker goes in index order: once the page before the last
 * batch is in, the worker may have put the last batch in too.
 */
static bool page_in(int m, size_t off)
{
	unsigned char v = 0;
	char *p;

	p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, m, 0);
	if (p == MAP_FAILED)
		return false;
	if (mincore(p + off, PG, &v))
		v = 0;
	munmap(p, FILE_SIZE);
	return v & 1;
}

#define BEFORE_LAST	(FILE_SIZE - 257 * PG)

/* The read of a broken file: EIO now and on, all memory back on close. */
static enum luo_result check_broken(int m, long long free0, const char *how)
{
	static uint64_t page[PG / 8];
	struct stat st;

	ASSERT_TRUE(pread(m, page, PG, 0) < 0 && errno == EIO,
		    "%s: first page of a broken memfd: not EIO (%m)", how);
	/* stat() waits for the fill to be over: its log line is out. */
	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(luo_kmsg_contains("memfd_luo: retrieved memfd lost folios"),
		    "%s: no log line for the lost folios", how);
	close(m);
	ASSERT_TRUE(free_back(free0 - (long long)FILE_SIZE / 1024 / 4),
		    "%s: memory of the broken memfd not freed: %lld kB free, %lld before the retrieve",
		    how, luo_free_kb(), free0);
	return LUO_PASS;
}

/*
 * Every slab allocation of this thread fails (@on) or none does. The
 * knobs are set once; @fd is /proc/thread-self/make-it-fail, opened
 * before: opening it while allocations fail would fail too.
 */
static int slab_fails(int fd, bool on)
{
	static bool set;
	int err;

	if (!set) {
		/* The filter first: else every task's allocations fail. */
		err = fault_knob("failslab", "task-filter", "Y") ?:
		      fault_knob("failslab", "interval", "1") ?:
		      fault_knob("failslab", "times", "-1") ?:
		      fault_knob("failslab", "probability", "100");
		if (err)
			return err;
		set = true;
	}
	return pwrite(fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

/*
 * Retrieve files until one whose last batch the read reaches before the
 * worker; read its last page with every slab allocation failing. A read
 * that succeeds while the worker was past the batch before proves
 * nothing (the host may have held this vCPU back while the other one
 * filled): the next file is tried.
 */
static enum luo_result break_one(int s, int *token)
{
	static uint64_t page[PG / 8];
	long long free0;
	int m, e, fd;
	ssize_t r;

	/* Neither the read's buffer nor the fault knobs come in under it. */
	memset(page, 0xa5, sizeof(page));
	ASSERT_OK(fault_mode(FAULT_SLAB));
	fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0, "make-it-fail: %m");
	for (;; (*token)++) {
		ASSERT_TRUE(*token < NR_FILES, "the worker won every race");
		free0 = luo_free_kb();
		m = liveupdate_retrieve_fd(s, *token);
		ASSERT_TRUE(m >= 0, "retrieve %d: %s", *token, strerror(-m));
		if (page_in(m, BEFORE_LAST)) {
			luo_info("file %d: the fill worker got there first",
				 *token);
			close(m);
			continue;
		}
		ASSERT_OK(slab_fails(fd, true));
		r = pread(m, page, PG, FILE_SIZE - PG);
		e = errno;
		ASSERT_OK(slab_fails(fd, false));
		if (r != PG || !page_in(m, BEFORE_LAST))
			break;
		luo_info("file %d: the fill worker got there first", *token);
		close(m);
	}
	close(fd);
	ASSERT_TRUE(r < 0 && e == EIO, "file %d: read with slab failing: %zd (%s), not EIO",
		    *token, r, strerror(e));
	if (check_broken(m, free0, "slab failing") != LUO_PASS)
		return LUO_FAIL;
	(*token)++;
	return LUO_PASS;
}

LUO_TEST(fault_memfd_fill, .stages = 2, .mem = "2G",
	 .cmdline = "kho=on liveupdate=on",
	 .allow_log = LUO_LOG("memfd_luo: retrieved memfd lost folios (*): it fails every access with -EIO"),
	 .desc = "two-stage: a retrieved memfd whose fill fails reads EIO, frees all")
{
	uint64_t seed;
	int luo, s, m, r, token = 1;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	s = liveupdate_retrieve_session(luo, "fill");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	if (break_one(s, &token) != LUO_PASS)
		return LUO_FAIL;

	/* The session goes on: the next file is intact. */
	ASSERT_TRUE(token <= NR_FILES, "no file left to check");
	m = liveupdate_retrieve_fd(s, token);
	ASSERT_TRUE(m >= 0, "retrieve %d: %s", token, strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + token),
		    "file %d after the failures", token);
	close(m);
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	close(luo);
	return LUO_PASS;
}
