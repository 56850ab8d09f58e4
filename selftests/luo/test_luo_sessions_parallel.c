// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_sessions_parallel.c - one session's slow handler stalls no
 * other session: while a preserve sleeps 3 s in its handler (the test
 * handler's "preserve-sleep") in session "slow", another session takes a
 * memfd, says its name, and a new session is created, each in well under
 * a second, and the slow preserve is still under way when they are done.
 * Under one global lock across handler callbacks (before per-session
 * locks) each of them waited for the slow preserve.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define SLOW_MS		3000
#define FAST_MS		1000	/* generous for TCG, far below SLOW_MS */

struct slow_preserve {
	int session, fd, err;
	long ms;
	int started, done;	/* written by the thread, polled by the test */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *slow_thread(void *arg)
{
	struct slow_preserve *sp = arg;
	long t0 = now_ms();

	__atomic_store_n(&sp->started, 1, __ATOMIC_RELEASE);
	sp->err = liveupdate_preserve_fd(sp->session, sp->fd, 1);
	sp->ms = now_ms() - t0;
	__atomic_store_n(&sp->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

LUO_TEST(luo_sessions_parallel, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: a slow preserve in one session stalls no other")
{
	struct slow_preserve sp = { };
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	long t0, preserve_ms, name_ms, create_ms;
	int luo, fast, third, m, r;
	pthread_t th;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	sp.session = liveupdate_create_session(luo, "slow");
	fast = liveupdate_create_session(luo, "fast");
	ASSERT_TRUE(sp.session >= 0 && fast >= 0, "create: %d %d", sp.session,
		    fast);
	sp.fd = luo_testdev_open("preserve-sleep=3000");
	ASSERT_TRUE(sp.fd >= 0, "%s: %s", LUO_TEST_FILE, strerror(-sp.fd));
	m = luo_memfd_new("fast", 1 << 20, 7);
	ASSERT_OK(m);

	ASSERT_TRUE(!pthread_create(&th, NULL, slow_thread, &sp), "thread");
	while (!__atomic_load_n(&sp.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* Let the slow preserve get into its handler's sleep. */
	usleep(300 * 1000);

	t0 = now_ms();
	r = liveupdate_preserve_fd(fast, m, 1);
	preserve_ms = now_ms() - t0;
	ASSERT_TRUE(!r, "preserve in the other session: %s", strerror(-r));

	t0 = now_ms();
	r = liveupdate_get_name(fast, name, sizeof(name));
	name_ms = now_ms() - t0;
	ASSERT_TRUE(!r && !strcmp(name, "fast"), "GET_NAME: %d", r);

	t0 = now_ms();
	third = liveupdate_create_session(luo, "third");
	create_ms = now_ms() - t0;
	ASSERT_TRUE(third >= 0, "create a session: %s", strerror(-third));

	luo_info("while 'slow' preserved: PRESERVE_FD %ld ms, GET_NAME %ld ms, CREATE_SESSION %ld ms; slow preserve done: %d",
		 preserve_ms, name_ms, create_ms,
		 __atomic_load_n(&sp.done, __ATOMIC_ACQUIRE));
	ASSERT_TRUE(!__atomic_load_n(&sp.done, __ATOMIC_ACQUIRE), "the slow preserve ended before the others were done");
	ASSERT_TRUE(preserve_ms < FAST_MS && name_ms < FAST_MS &&
		    create_ms < FAST_MS,
		    "another session waited for the slow one (%ld/%ld/%ld ms)",
		    preserve_ms, name_ms, create_ms);

	pthread_join(th, NULL);
	ASSERT_TRUE(!sp.err, "slow preserve: %s", strerror(-sp.err));
	ASSERT_TRUE(sp.ms >= SLOW_MS, "slow preserve took %ld ms", sp.ms);
	luo_info("slow preserve took %ld ms", sp.ms);

	close(third);
	close(fast);
	close(sp.session);
	close(sp.fd);
	close(m);
	close(luo);
	return LUO_PASS;
}
