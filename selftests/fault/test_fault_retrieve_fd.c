// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_retrieve_fd.c - RETRIEVE_FD after a kexec with each of its
 * memory allocations failing in turn (failslab, then fail_page_alloc).
 * Stage 1 preserves NR_FILES memfds in one session. In stage 2 the first
 * is retrieved normally, to measure what one retrieve claims from KHO;
 * then, for N = 1, 2, ..., the Nth allocation of RETRIEVE_FD of the next
 * file fails:
 *
 *   - the ioctl fails with ENOMEM (ENOSPC when it is the new memfd's inode
 *     that cannot be allocated: shmem says so, as memfd_create() does)
 *   - nothing is lost: the failure is not final (short of memory, the
 *     handler keeps what it did), and the retry, with allocations working
 *     again, gives every byte; in all, the pages KHO hands back (debugfs
 *     kho/in/pages "restored") grow by exactly what one retrieve claims,
 *     never twice the same page
 *   - the session goes on: the next file is retrieved intact
 *
 * until RETRIEVE_FD no longer reaches its Nth allocation. A retrieve that
 * succeeds although an allocation failed (absorbed) must give the data.
 * FINISH then releases the files never retrieved, exactly their pages
 * (kho_mem_released()), and kmemleak scans once the failed attempts are
 * 5 s old.
 */
#include <stdlib.h>
#include <unistd.h>

#include "fault_inject.h"
#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define NR_FILES	120
#define FILE_SIZE	((size_t)512 << 10)

/* Pages KHO handed back in this boot so far (kho/in/pages). */
static long long restored(void)
{
	static const char key[] = "restored ";
	char buf[256];
	const char *p;

	if (luo_read_file(KHO_DEBUGFS "/in/pages", buf, sizeof(buf) - 1) < 0)
		return -1;
	p = strstr(buf, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static enum luo_result retrieve_loop(int s, enum fault_mode mode,
				     uint64_t seed, int *token,
				     long long per_file)
{
	const char *name = fault_mode_name(mode);
	int n, m, e, failed = 0, tolerated = 0;
	long long free0, free1, rest0, rest1;
	bool injected;

	ASSERT_OK(fault_mode(mode));
	for (n = 1; ; n++, (*token)++) {
		ASSERT_TRUE(*token <= NR_FILES, "%s: out of files at N=%d",
			    name, n);
		free0 = luo_free_kb();
		rest0 = restored();
		ASSERT_OK(fault_arm(n));
		m = liveupdate_retrieve_fd(s, *token);
		injected = fault_disarm();
		if (m >= 0) {
			ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + *token),
				    "%s N=%d: content of file %d", name, n,
				    *token);
			close(m);
			if (!injected)
				break;
			tolerated++;
			continue;
		}
		e = -m;
		ASSERT_TRUE(injected, "%s N=%d: RETRIEVE_FD failed (%s) with no fault injected",
			    name, n, strerror(e));
		/* shmem reports a failed inode allocation as ENOSPC. */
		ASSERT_TRUE(e == ENOMEM || e == ENOSPC,
			    "%s N=%d: RETRIEVE_FD failed with %s, not ENOMEM/ENOSPC",
			    name, n, strerrorname_np(e));
		free1 = luo_free_kb();
		ASSERT_TRUE(free1 - free0 < (long long)FILE_SIZE / 1024 / 2,
			    "%s N=%d: failed retrieve freed %lld kB of a %zu kB file",
			    name, n, free1 - free0, FILE_SIZE / 1024);
		m = liveupdate_retrieve_fd(s, *token);
		ASSERT_TRUE(m >= 0, "%s N=%d: retry after %s: %s", name, n,
			    strerrorname_np(e), strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + *token),
			    "%s N=%d: content of file %d after the retry", name,
			    n, *token);
		close(m);
		rest1 = restored();
		ASSERT_TRUE(rest1 - rest0 == per_file,
			    "%s N=%d: the failed retrieve and its retry claimed %lld pages from KHO, a file has %lld",
			    name, n, rest1 - rest0, per_file);
		failed++;
	}
	luo_info("%s: RETRIEVE_FD makes %d allocations: %d failed it, %d were absorbed",
		 name, n - 1, failed, tolerated);
	/*
	 * The folio array is read in place: RETRIEVE_FD allocates no pages
	 * of its own, only slab pages when a cache needs a new slab.
	 */
	ASSERT_TRUE(failed > 0 || mode == FAULT_PAGE,
		    "%s: no allocation failure reached RETRIEVE_FD", name);
	(*token)++;
	return LUO_PASS;
}

static enum luo_result stage2(int luo)
{
	long long rest0, per_file;
	struct kho_mem_count before;
	uint64_t seed = luo_get_u64("seed");
	enum fault_mode mode;
	int s, m, r, token;

	s = liveupdate_retrieve_session(luo, "fault");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));

	/* What one retrieve claims from KHO: pages, descriptor, array. */
	rest0 = restored();
	ASSERT_TRUE(rest0 >= 0, "no %s/in/pages", KHO_DEBUGFS);
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve file 1: %s", strerror(-m));
	per_file = restored() - rest0;
	ASSERT_TRUE(per_file > (long long)FILE_SIZE / 4096,
		    "one retrieve claimed %lld pages", per_file);
	ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + 1), "file 1");
	close(m);

	token = 2;
	for (mode = FAULT_SLAB; mode <= FAULT_PAGE; mode++)
		if (retrieve_loop(s, mode, seed, &token, per_file) != LUO_PASS)
			return LUO_FAIL;
	luo_info("%d of %d files used; FINISH releases the rest", token - 1,
		 NR_FILES);

	ASSERT_OK(kho_mem_count(&before));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	/* Each file never retrieved gives back what one retrieve claims. */
	ASSERT_OK(kho_mem_released("FINISH", &before,
				   (NR_FILES - token + 1) * per_file, true));
	ASSERT_OK(kho_all_restored());
	sleep(5);
	ASSERT_TRUE(luo_kmemleak_scan() == 0, "kmemleak after the failed attempts");
	return LUO_PASS;
}

LUO_TEST(fault_retrieve_fd, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: RETRIEVE_FD with its Nth slab/page allocation failing, N=1..: ENOMEM, nothing lost, the retry whole",
	 .expect_log = LUO_LOG("memfd_luo: cannot retrieve memfd at * yet (-12): its memory is kept, retry",
			       "memfd_luo: cannot retrieve memfd at * yet (-28): its memory is kept, retry"))
{
	uint64_t seed;
	int luo, s, m, r, i;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 2)
		return stage2(luo);

	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	ASSERT_OK(luo_set_nofile(NR_FILES + 64));
	seed = luo_seed();
	s = liveupdate_create_session(luo, "fault");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 1; i <= NR_FILES; i++) {
		m = luo_memfd_new("fault", FILE_SIZE, seed + i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		close(m);
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}
