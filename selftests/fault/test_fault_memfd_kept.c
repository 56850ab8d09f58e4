// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_memfd_kept.c - a memfd that cannot be retrieved for want of
 * memory keeps every byte: RETRIEVE_FD fails, a retry once there is room
 * gets the whole file, and only FINISH frees what was never retrieved.
 *
 * Stage 2 runs in a memory cgroup whose limit leaves 24 MiB of room, less
 * than a 64 MiB memfd: the retrieve's charge fails partway through its
 * folios.
 *
 *   - RETRIEVE_FD of file 1 fails with ENOMEM, twice (the error is not
 *     sticky), and the kernel says the memory is kept; the memory that
 *     was handed over is not freed meanwhile
 *   - with the limit lifted, RETRIEVE_FD of file 1 gives every byte
 *   - file 2 fails the same way and is left there, file 3 is never asked
 *     for: FINISH frees both, every page of their 128 MiB
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR_FILES	3
#define FILE_SIZE	((size_t)64 << 20)
#define FILE_KB		((long long)FILE_SIZE >> 10)
#define CG		"/sys/fs/cgroup/luo-kept"
#define ROOM		(24LL << 20)
/* Pages that come and go in the meantime (per-CPU lists, the log). */
#define SLACK_KB	256

static enum luo_result stage1(void)
{
	uint64_t seed = luo_seed();
	int luo, s, m, r, i;

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	s = luo_session_new("kept", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 1; i <= NR_FILES; i++) {
		m = luo_memfd_new("kept", FILE_SIZE, seed + i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

/* Leave the cgroup ROOM bytes above what it uses now. */
static enum luo_result cgroup_limit(void)
{
	char buf[32] = "";

	ASSERT_TRUE(luo_read_file(CG "/memory.current", buf, sizeof(buf) - 1) > 0,
		    "memory.current: %m");
	snprintf(buf, sizeof(buf), "%lld", strtoll(buf, NULL, 10) + ROOM);
	ASSERT_OK(luo_write_file(CG "/memory.max", buf));
	return LUO_PASS;
}

/* This process in a memory cgroup with ROOM bytes to spare. */
static enum luo_result cgroup_enter(void)
{
	char pid[16];

	ASSERT_OK(luo_write_file("/sys/fs/cgroup/cgroup.subtree_control",
				 "+memory"));
	ASSERT_TRUE(!mkdir(CG, 0755) || errno == EEXIST, "mkdir %s: %m", CG);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_OK(luo_write_file(CG "/cgroup.procs", pid));
	return cgroup_limit();
}

/* RETRIEVE_FD of @token fails with ENOMEM, its memory not freed. */
static enum luo_result retrieve_refused(int s, int token)
{
	long long free0 = luo_free_kb();
	int m;

	m = liveupdate_retrieve_fd(s, token);
	ASSERT_TRUE(m == -ENOMEM, "retrieve %d over the limit: %s", token,
		    m < 0 ? strerror(-m) : "succeeded");
	ASSERT_TRUE(luo_free_kb() < free0 + FILE_KB / 2,
		    "retrieve %d: its memory was freed (%lld kB free, %lld before)",
		    token, luo_free_kb(), free0);
	return LUO_PASS;
}

LUO_TEST(fault_memfd_kept, .stages = 2, .mem = "2G",
	 .cmdline = "kho=on liveupdate=on",
	 .expect_log = LUO_LOG("memfd_luo: cannot retrieve memfd at * yet (-12): its memory is kept, retry"),
	 .desc = "two-stage: a memfd over its memory cgroup's limit fails RETRIEVE_FD, keeps every byte for a retry, is freed by FINISH")
{
	long long free0, free1;
	uint64_t seed;
	int luo, s, m, r;

	if (ctx->stage == 1)
		return stage1();

	seed = luo_get_u64("seed");
	if (cgroup_enter() != LUO_PASS)
		return LUO_FAIL;
	s = luo_session_get("kept", &luo);
	ASSERT_TRUE(s >= 0, "session");

	if (retrieve_refused(s, 1) != LUO_PASS ||
	    retrieve_refused(s, 1) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_OK(luo_write_file(CG "/memory.max", "max"));
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve 1 with room: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + 1),
		    "file 1 lost bytes in its failed retrieves");
	ASSERT_OK(close(m));

	/* File 1 stays charged: LUO holds it until FINISH. */
	if (cgroup_limit() != LUO_PASS || retrieve_refused(s, 2) != LUO_PASS)
		return LUO_FAIL;
	ASSERT_OK(luo_write_file(CG "/memory.max", "max"));

	free0 = luo_free_kb();
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	free1 = luo_free_kb();
	ASSERT_TRUE(free1 - free0 >= 2 * FILE_KB - SLACK_KB,
		    "FINISH freed %lld kB, files 2 and 3 hold %lld kB",
		    free1 - free0, 2 * FILE_KB);
	ASSERT_OK(close(s));
	ASSERT_OK(close(luo));
	return LUO_PASS;
}
