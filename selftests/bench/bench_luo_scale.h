/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_luo_scale.h - body shared by the LUO scale benchmarks: N sessions
 * (empty) or N files (empty memfds, in one session). Stage 1 times
 * CREATE_SESSION / PRESERVE_FD per item; stage 2 times the first open of
 * /dev/liveupdate (which deserializes everything), RETRIEVE_SESSION /
 * RETRIEVE_FD and FINISH per item. Run at two sizes each, the per-item
 * figures show whether the cost stays flat as counts grow; within a run
 * the last tenth is also timed on its own for the same reason.
 *
 * Serializing at reboot cannot be timed from userspace on its own: the
 * blackout from the reboot syscall to the first retrieved file of the
 * new kernel (a stamp page in a session of its own, not counted) holds it,
 * with the kexec, the boot and the deserialization.
 */
#ifndef BENCH_LUO_SCALE_H
#define BENCH_LUO_SCALE_H

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_memfd.h"		/* the reboot stamp */
#include "liveupdate.h"
#include "luo_test.h"

/* Print "<prefix>_<what>" per item, overall and for the last tenth. */
static inline void bs_report(const char *prefix, const char *what, int n,
			     double total, double last_tenth)
{
	char name[96];

	snprintf(name, sizeof(name), "%s_%s", prefix, what);
	luo_bench(name, total / n * 1e6, "us/item");
	snprintf(name, sizeof(name), "%s_%s_last10pct", prefix, what);
	luo_bench(name, last_tenth / (n - n * 9 / 10) * 1e6, "us/item");
}

static inline enum luo_result bs_stage1(const char *prefix, int nsess,
					int nfiles)
{
	double t, total = 0, tail = 0;
	struct bench_stamp *stamp;
	int luo, s, m, i, r, *fds;
	char name[32];

	ASSERT_OK(luo_set_nofile(200000));
	fds = calloc(nsess + 1, sizeof(*fds));
	ASSERT_TRUE(fds, "calloc");
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	for (i = 0; i < nsess; i++) {
		snprintf(name, sizeof(name), "scale-%d", i);
		t = luo_now();
		fds[i] = liveupdate_create_session(luo, name);
		t = luo_now() - t;
		ASSERT_TRUE(fds[i] >= 0, "session %d: %s", i, strerror(-fds[i]));
		total += t;
		if (i >= nsess * 9 / 10)
			tail += t;
	}
	if (nsess)
		bs_report(prefix, "create_session", nsess, total, tail);

	if (nfiles) {
		s = liveupdate_create_session(luo, "scale-files");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		fds[nsess] = s;
		total = tail = 0;
		for (i = 0; i < nfiles; i++) {
			m = memfd_create("s", MFD_CLOEXEC);
			ASSERT_OK(m);
			t = luo_now();
			r = liveupdate_preserve_fd(s, m, i);
			t = luo_now() - t;
			ASSERT_TRUE(!r, "file %d: %s", i, strerror(-r));
			/* The kernel holds the file: our fd can go. */
			close(m);
			total += t;
			if (i >= nfiles * 9 / 10)
				tail += t;
		}
		bs_report(prefix, "preserve_fd", nfiles, total, tail);
	}

	/* The stamp page, written by the kexec hook right before reboot(). */
	s = liveupdate_create_session(luo, "scale-stamp");
	ASSERT_TRUE(s >= 0, "create stamp session: %s", strerror(-s));
	m = memfd_create("stamp", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, BM_PG));
	stamp = mmap(NULL, BM_PG, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(stamp != MAP_FAILED, "mmap: %m");
	stamp->tsc = 1;		/* the page exists before PRESERVE_FD */
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 0), "preserve stamp");
	close(m);
	luo_put("tsc_hz", "%.0f", bm_tsc_hz());
	luo_kexec_hook(bm_stamp, stamp);

	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	close(s);
	for (i = 0; i < nsess + !!nfiles; i++)
		close(fds[i]);
	free(fds);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

/* Reboot to the stamp page readable in this kernel, as in bench_memfd.h. */
static inline enum luo_result bs_blackout(const char *prefix, int luo)
{
	double tsc_hz = luo_get_u64("tsc_hz");
	struct bench_stamp stamp;
	uint64_t rt, tsc;
	char name[96];
	int s, m;

	s = liveupdate_retrieve_session(luo, "scale-stamp");
	ASSERT_TRUE(s >= 0, "retrieve stamp session: %s", strerror(-s));
	m = liveupdate_retrieve_fd(s, 0);
	ASSERT_TRUE(m >= 0, "retrieve stamp: %s", strerror(-m));
	ASSERT_TRUE(pread(m, &stamp, sizeof(stamp), 0) == sizeof(stamp),
		    "read stamp: %m");
	rt = bm_realtime_ns();
	tsc = __rdtsc();
	ASSERT_TRUE(stamp.realtime_ns, "no stamp written at reboot");
	snprintf(name, sizeof(name), "%s_blackout_realtime", prefix);
	luo_bench(name, ((double)rt - (double)stamp.realtime_ns) / 1e6, "ms");
	if (tsc > stamp.tsc && tsc_hz > 0) {
		snprintf(name, sizeof(name), "%s_blackout_tsc", prefix);
		luo_bench(name, (tsc - stamp.tsc) / tsc_hz * 1e3, "ms");
	}
	ASSERT_TRUE(!liveupdate_finish(s), "finish stamp session");
	close(m);
	close(s);
	return LUO_PASS;
}

static inline enum luo_result bs_stage2(const char *prefix, int nsess,
					int nfiles)
{
	double t, total = 0, tail = 0, fin = 0, fin_tail = 0;
	int luo, s, m, i, r, *fds;
	char name[96];

	ASSERT_OK(luo_set_nofile(200000));
	fds = calloc(nsess + 1, sizeof(*fds));
	ASSERT_TRUE(fds, "calloc");
	t = luo_now();
	luo = liveupdate_open();
	t = luo_now() - t;
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	snprintf(name, sizeof(name), "%s_first_open", prefix);
	luo_bench(name, t * 1e3, "ms");
	if (bs_blackout(prefix, luo) != LUO_PASS)
		return LUO_FAIL;

	for (i = 0; i < nsess; i++) {
		snprintf(name, sizeof(name), "scale-%d", i);
		t = luo_now();
		fds[i] = liveupdate_retrieve_session(luo, name);
		t = luo_now() - t;
		ASSERT_TRUE(fds[i] >= 0, "session %d: %s", i, strerror(-fds[i]));
		total += t;
		if (i >= nsess * 9 / 10)
			tail += t;
	}
	for (i = 0; i < nsess; i++) {
		t = luo_now();
		r = liveupdate_finish(fds[i]);
		t = luo_now() - t;
		ASSERT_TRUE(!r, "finish %d: %s", i, strerror(-r));
		close(fds[i]);
		fin += t;
		if (i >= nsess * 9 / 10)
			fin_tail += t;
	}
	if (nsess) {
		bs_report(prefix, "retrieve_session", nsess, total, tail);
		bs_report(prefix, "finish_session", nsess, fin, fin_tail);
	}

	if (nfiles) {
		s = liveupdate_retrieve_session(luo, "scale-files");
		ASSERT_TRUE(s >= 0, "retrieve files session: %s", strerror(-s));
		total = tail = 0;
		for (i = 0; i < nfiles; i++) {
			t = luo_now();
			m = liveupdate_retrieve_fd(s, i);
			t = luo_now() - t;
			ASSERT_TRUE(m >= 0, "file %d: %s", i, strerror(-m));
			close(m);
			total += t;
			if (i >= nfiles * 9 / 10)
				tail += t;
		}
		bs_report(prefix, "retrieve_fd", nfiles, total, tail);
		t = luo_now();
		r = liveupdate_finish(s);
		t = luo_now() - t;
		ASSERT_TRUE(!r, "finish: %s", strerror(-r));
		snprintf(name, sizeof(name), "%s_finish_files", prefix);
		luo_bench(name, t / nfiles * 1e6, "us/item");
		close(s);
	}
	free(fds);
	close(luo);
	return LUO_PASS;
}

static inline enum luo_result bench_luo_scale(struct luo_ctx *ctx,
					      const char *prefix, int nsess,
					      int nfiles)
{
	if (ctx->stage == 1)
		return bs_stage1(prefix, nsess, nfiles);
	return bs_stage2(prefix, nsess, nfiles);
}

#endif /* BENCH_LUO_SCALE_H */
