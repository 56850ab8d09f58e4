// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_preserve_fd.c - PRESERVE_FD of a memfd with each of its
 * memory allocations failing in turn, first the slab ones (failslab), then
 * the page ones (fail_page_alloc), each in its own session:
 *
 *   for N = 1, 2, ...: fail the Nth allocation of PRESERVE_FD
 *     - the ioctl fails with ENOMEM, nothing else
 *     - everything is given back, counted exactly as in
 *       memfd_unpreserve_memory: the memfd's pins, the pages in the
 *       outgoing KHO tracker, VmallocUsed (to a page)
 *     - the same session takes the next attempt
 *   until PRESERVE_FD no longer reaches its Nth allocation and succeeds.
 *
 * An attempt that succeeds although one allocation failed (a fallback) is
 * unpreserved (its session closed, counts back) and the loop goes on in a
 * new session. kmemleak then scans (objects of the failed attempts are
 * older than its 5 s minimum age by then), and both memfds cross a kexec:
 * in the new kernel each must hold its data.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fault_inject.h"
#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

/* 4 KiB pages and a hole: several runs of folios, a two-page array. */
#define SIZE		((size_t)2 << 20)
#define HOLE		((size_t)512 << 10)
#define MAX_N		400

struct counts {
	long long pins, tracked, vmalloc_kb;
};

static int count(struct counts *c)
{
	int err = luo_write_file("/proc/sys/vm/stat_refresh", "1");

	if (err)
		return err;
	c->vmalloc_kb = luo_meminfo_kb("VmallocUsed");
	c->pins = luo_vmstat("nr_foll_pin_acquired") -
		luo_vmstat("nr_foll_pin_released");
	c->tracked = kho_tracked_pages();
	return c->tracked < 0 ? -ENOENT : 0;
}

/* Everything back to @base? Freed vmalloc areas may lag a little. */
static bool same(const struct counts *base, struct counts *now)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (count(now))
			return false;
		if (now->pins == base->pins && now->tracked == base->tracked &&
		    now->vmalloc_kb <= base->vmalloc_kb + 4)
			return true;
		usleep(50000);
	}
	return false;
}

/* A memfd of @SIZE with the pattern of @seed, and a hole at 1 MiB. */
static int sparse_memfd(uint64_t seed)
{
	int m = luo_memfd_new("fault", SIZE, seed);

	if (m < 0)
		return m;
	if (fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      1 << 20, HOLE)) {
		close(m);
		return -errno;
	}
	return m;
}

/* The pattern of @seed but zeros in the hole. */
static int verify_sparse(int m, uint64_t seed)
{
	static char buf[SIZE], want[SIZE];
	size_t off;

	if (pread(m, buf, SIZE, 0) != (ssize_t)SIZE) {
		luo_fail("read memfd: %m");
		return -1;
	}
	luo_pattern_fill(want, SIZE, 0, seed);
	memset(want + (1 << 20), 0, HOLE);
	if (!memcmp(buf, want, SIZE))
		return 0;
	for (off = 0; buf[off] == want[off]; off++)
		;
	luo_fail("memfd differs at %zu", off);
	return -1;
}

static enum luo_result preserve_loop(int luo, enum fault_mode mode,
				     uint64_t seed)
{
	const char *name = fault_mode_name(mode);
	struct counts base0, base, now;
	int s, m, n, r, e, failed = 0, tolerated = 0;
	bool injected;

	ASSERT_OK(fault_mode(mode));
	m = sparse_memfd(seed);
	ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
	/* Before the session: closing it gives back its own pages too. */
	ASSERT_OK(count(&base0));
	s = liveupdate_create_session(luo, name);
	ASSERT_TRUE(s >= 0, "create %s: %s", name, strerror(-s));
	ASSERT_OK(count(&base));

	for (n = 1; n <= MAX_N; n++) {
		ASSERT_OK(fault_arm(n));
		r = liveupdate_preserve_fd(s, m, 1);
		injected = fault_disarm();
		e = -r;
		if (!r && !injected)
			break;
		if (!r) {
			/* An allocation whose failure was absorbed. */
			tolerated++;
			close(s);
			ASSERT_TRUE(same(&base0, &now),
				    "%s N=%d: after unpreserve pins %+lld, tracked %+lld, VmallocUsed %+lld kB",
				    name, n, now.pins - base0.pins,
				    now.tracked - base0.tracked,
				    now.vmalloc_kb - base0.vmalloc_kb);
			s = liveupdate_create_session(luo, name);
			ASSERT_TRUE(s >= 0, "create %s again: %s", name,
				    strerror(-s));
			ASSERT_OK(count(&base));
			continue;
		}
		ASSERT_TRUE(injected, "%s N=%d: PRESERVE_FD failed (%s) with no fault injected",
			    name, n, strerror(e));
		ASSERT_TRUE(e == ENOMEM, "%s N=%d: PRESERVE_FD failed with %s, not ENOMEM",
			    name, n, strerrorname_np(e));
		failed++;
		ASSERT_TRUE(same(&base, &now),
			    "%s N=%d: after the failure pins %+lld, tracked %+lld, VmallocUsed %+lld kB",
			    name, n, now.pins - base.pins,
			    now.tracked - base.tracked,
			    now.vmalloc_kb - base.vmalloc_kb);
	}
	ASSERT_TRUE(n <= MAX_N, "%s: PRESERVE_FD still failing after %d allocations",
		    name, MAX_N);
	luo_info("%s: PRESERVE_FD makes %d allocations: %d failed it with ENOMEM, %d were absorbed; then preserved",
		 name, n - 1, failed, tolerated);
	ASSERT_TRUE(failed > 0, "%s: no allocation failure reached PRESERVE_FD", name);
	/* Preserved now: its pages are held. */
	ASSERT_OK(count(&now));
	ASSERT_TRUE(now.pins > base.pins && now.tracked > base.tracked,
		    "%s: preserved, yet pins %+lld tracked %+lld", name,
		    now.pins - base.pins, now.tracked - base.tracked);
	ASSERT_TRUE(!verify_sparse(m, seed), "%s: content before kexec", name);
	return LUO_PASS;
}

LUO_TEST(fault_preserve_fd, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: PRESERVE_FD with its Nth slab/page allocation failing, N=1..")
{
	enum fault_mode mode;
	uint64_t seed;
	int luo, s, m, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
		for (mode = FAULT_SLAB; mode <= FAULT_PAGE; mode++)
			if (preserve_loop(luo, mode, seed + mode) != LUO_PASS)
				return LUO_FAIL;
		/* The failed attempts' objects are old enough for kmemleak. */
		sleep(5);
		ASSERT_TRUE(luo_kmemleak_scan() == 0, "kmemleak after the failed attempts");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	for (mode = FAULT_SLAB; mode <= FAULT_PAGE; mode++) {
		const char *name = fault_mode_name(mode);

		s = liveupdate_retrieve_session(luo, name);
		ASSERT_TRUE(s >= 0, "retrieve %s: %s", name, strerror(-s));
		m = liveupdate_retrieve_fd(s, 1);
		ASSERT_TRUE(m >= 0, "retrieve fd of %s: %s", name, strerror(-m));
		ASSERT_TRUE(!verify_sparse(m, seed + mode), "%s: content after kexec",
			    name);
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish %s: %s", name, strerror(-r));
		close(m);
		close(s);
	}
	close(luo);
	return LUO_PASS;
}
