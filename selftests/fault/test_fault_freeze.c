// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_freeze.c - the reboot-time freeze with each of its memory
 * allocations failing in turn (failslab, then fail_page_alloc). Freeze
 * allocates only when a memfd must take in folios that filled holes after
 * PRESERVE_FD (a new, preserved folio array); here one does.
 *
 * Session "fault" holds a sparse memfd whose holes are written, one per
 * round, after PRESERVE_FD; session "bad", created after it (frozen after
 * it), holds a
 * LUO test file whose freeze always fails, so that no attempt can reach
 * the new kernel before the loop is over. With the image loaded, for
 * N = 1, 2, ...: the Nth allocation the memfd's freeze makes inside
 * reboot(LINUX_REBOOT_CMD_KEXEC) fails:
 *
 *   - the reboot fails with ENOMEM (the memfd's freeze) and the pins and
 *     outgoing KHO pages are exactly as before; the memfd reads the same
 *   - or with the test file's EAGAIN once the memfd's freeze made no
 *     allocation fail: the hole's folios are preserved (one pin each).
 *     If no fault was reached, the mode is done; if one was absorbed, the
 *     next hole is filled and N goes on
 *
 * Then kmemleak scans (5 s later), "bad" is closed, and the kexec goes
 * through: the new kernel must see the whole memfd, filled holes too.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <unistd.h>
#include <linux/reboot.h>

#include "fault_inject.h"
#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

/*
 * 1 MiB of data, then NR_HOLES holes of HOLE bytes every 128 KiB, punched
 * before PRESERVE_FD. Each round of the loop fills the next hole, so that
 * the freeze has the same work again: after an attempt that succeeded
 * (a failure absorbed, e.g. by kmemleak's own allocations or the bulk
 * page allocator's fallback) and after each mode.
 *
 * Only the allocations made under memfd_luo_freeze() count (the fault
 * attributes' stack filter, fault_confine()): the rest of the reboot path
 * allocates too, some of it only sometimes (kmemleak, workqueues, the
 * other sessions), and a walk over all of it could step over the
 * freeze's own. Under the freeze itself one count still moves: a new
 * slab page is one more page allocation (one whose failure slub absorbs
 * by falling back to a smaller order), taken when a cache runs out. So a
 * walk in which no failure reached the freeze is done again, up to
 * MAX_WALKS times; a freeze that absorbs every failure fails them all.
 */
#define SIZE		((size_t)8 << 20)
#define DATA		((size_t)1 << 20)
#define HOLE_AT(i)	(DATA + (size_t)(i) * ((size_t)128 << 10))
#define HOLE		((size_t)64 << 10)
#define NR_HOLES	48
#define MAX_N		400
#define MAX_WALKS	3

static int bad = -1, memfd = -1;
static uint64_t seed;
static bool loop_ok;

static int pins_tracked(long long *pins, long long *tracked)
{
	int err = luo_write_file("/proc/sys/vm/stat_refresh", "1");

	*pins = luo_vmstat("nr_foll_pin_acquired") -
		luo_vmstat("nr_foll_pin_released");
	*tracked = kho_tracked_pages();
	return err ?: *tracked < 0 ? -ENOENT : 0;
}

static int holes_filled;

/* Fill the next hole: the freeze has work again. */
static int fill_hole(void)
{
	static char buf[HOLE];
	size_t at = HOLE_AT(holes_filled);

	if (holes_filled == NR_HOLES)
		return -ENOSPC;
	luo_pattern_fill(buf, HOLE, at, seed);
	if (pwrite(memfd, buf, HOLE, at) != (ssize_t)HOLE)
		return -errno;
	holes_filled++;
	return 0;
}

/*
 * The memfd holds the pattern but in holes holes_filled.. (zeros). With
 * @find, holes_filled is unknown (the new kernel): it is the first hole
 * that reads as zeros.
 */
static int verify_memfd(int fd, bool find)
{
	static char buf[SIZE], want[SIZE];
	static const char zero[HOLE];
	size_t off;
	int i;

	if (pread(fd, buf, SIZE, 0) != (ssize_t)SIZE) {
		luo_fail("read memfd: %m");
		return -1;
	}
	if (find)
		for (holes_filled = 0; holes_filled < NR_HOLES; holes_filled++)
			if (!memcmp(buf + HOLE_AT(holes_filled), zero, HOLE))
				break;
	luo_pattern_fill(want, SIZE, 0, seed);
	for (i = holes_filled; i < NR_HOLES; i++)
		memset(want + HOLE_AT(i), 0, HOLE);
	if (!memcmp(buf, want, SIZE))
		return 0;
	for (off = 0; buf[off] == want[off]; off++)
		;
	luo_fail("memfd differs at %zu (%d holes filled)", off, holes_filled);
	return -1;
}

static enum luo_result freeze_loop(enum fault_mode mode, int *failedp)
{
	const char *name = fault_mode_name(mode);
	int n, r, e, failed = 0, tolerated = 0;
	long long pins0, tracked0, pins, tracked;
	bool injected;

	ASSERT_OK(fault_mode(mode));
	ASSERT_OK(fill_hole());
	ASSERT_OK(pins_tracked(&pins0, &tracked0));
	for (n = 1; n <= MAX_N; n++) {
		ASSERT_OK(fault_arm(n));
		r = reboot(LINUX_REBOOT_CMD_KEXEC);
		e = errno;
		injected = fault_disarm();
		ASSERT_TRUE(r, "%s N=%d: reboot returned 0", name, n);
		ASSERT_OK(pins_tracked(&pins, &tracked));
		if (e == EAGAIN) {
			/* The memfd froze, taking in the hole; the test file refused. */
			ASSERT_TRUE(pins - pins0 == (long long)(HOLE / 4096),
				    "%s N=%d: %lld new pins after the freeze, expected %zu",
				    name, n, pins - pins0, HOLE / 4096);
			if (!injected)
				break;
			/* A failure absorbed: give the freeze the same work again. */
			tolerated++;
			ASSERT_OK(fill_hole());
			ASSERT_OK(pins_tracked(&pins0, &tracked0));
			continue;
		}
		ASSERT_TRUE(injected, "%s N=%d: reboot failed (%s) with no fault injected",
			    name, n, strerror(e));
		ASSERT_TRUE(e == ENOMEM, "%s N=%d: reboot failed with %s, not ENOMEM",
			    name, n, strerrorname_np(e));
		ASSERT_TRUE(pins == pins0 && tracked == tracked0,
			    "%s N=%d: after the failed freeze pins %+lld, tracked %+lld",
			    name, n, pins - pins0, tracked - tracked0);
		ASSERT_TRUE(!verify_memfd(memfd, false), "%s N=%d: memfd content",
			    name, n);
		failed++;
	}
	ASSERT_TRUE(n <= MAX_N, "%s: freeze still failing after %d allocations",
		    name, MAX_N);
	luo_info("%s: the freeze makes %d allocations: %d failed the reboot with ENOMEM, %d were absorbed",
		 name, n - 1, failed, tolerated);
	*failedp = failed;
	return LUO_PASS;
}

/* Right before luo_kexec()'s reboot: the failing attempts first. */
static void hook(void *arg)
{
	enum fault_mode mode;
	int walk, failed, err;

	(void)arg;
	err = fault_confine("memfd_luo_freeze");
	if (err) {
		luo_fail("cannot confine fault injection to memfd_luo_freeze(): %s",
			 strerror(-err));
		return;
	}
	for (mode = FAULT_SLAB; mode <= FAULT_PAGE; mode++) {
		failed = 0;
		for (walk = 1; walk <= MAX_WALKS && !failed; walk++)
			if (freeze_loop(mode, &failed) != LUO_PASS)
				return;
		if (!failed) {
			luo_fail("%s: in %d walks no allocation failure reached the freeze",
				 fault_mode_name(mode), MAX_WALKS);
			return;
		}
	}
	err = fault_confine(NULL);
	if (err) {
		luo_fail("fault injection still confined: %s", strerror(-err));
		return;
	}
	sleep(5);
	if (luo_kmemleak_scan()) {
		luo_fail("kmemleak after the failed freezes");
		return;
	}
	/* Only now may the kexec go through. */
	loop_ok = true;
	close(bad);
}

LUO_TEST(fault_freeze, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: reboot-time freeze with its Nth slab/page allocation failing",
	 .expect_log = LUO_LOG("liveupdate: session 'fault' token 1: freeze failed (-12), reboot aborted",
			       "liveupdate: session 'bad' token 1: freeze failed (-11), reboot aborted"))
{
	int luo, s, t, m, r, i;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
		s = liveupdate_create_session(luo, "fault");
		bad = liveupdate_create_session(luo, "bad");
		ASSERT_TRUE(s >= 0 && bad >= 0, "create: %d %d", s, bad);
		memfd = luo_memfd_new("fault", SIZE, seed);
		ASSERT_OK(memfd);
		for (i = 0; i < NR_HOLES; i++)
			ASSERT_OK(fallocate(memfd, FALLOC_FL_PUNCH_HOLE |
					    FALLOC_FL_KEEP_SIZE, HOLE_AT(i), HOLE));
		r = liveupdate_preserve_fd(s, memfd, 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		t = luo_testdev_open("fail-freeze");
		ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
		r = liveupdate_preserve_fd(bad, t, 1);
		ASSERT_TRUE(!r, "preserve test file: %s", strerror(-r));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		luo_kexec_hook(hook, NULL);
		r = luo_kexec(NULL);
		ASSERT_TRUE(loop_ok, "fault loop failed (above)");
		luo_fail("kexec after the fault loop: %s", strerror(-r));
		return LUO_FAIL;
	}

	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "fault");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
	ASSERT_TRUE(!verify_memfd(m, true), "content after kexec");
	luo_info("%d filled holes came over", holes_filled);
	ASSERT_TRUE(holes_filled >= 2, "only %d filled holes came over",
		    holes_filled);
	r = liveupdate_retrieve_session(luo, "bad");
	ASSERT_TRUE(r == -ENOENT, "closed session bad came back: %d", r);
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(m);
	close(s);
	close(luo);
	return LUO_PASS;
}
