// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_iter.c - the luo_file iterator as the review of issue 24 found
 * it, checked:
 *
 *   - no stale state: a plain memfd listed right after a BPF handler's
 *     file shows zeroes past its state_size (0), not the bytes of the
 *     file before it;
 *   - attaching needs CAP_SYS_ADMIN (as /dev/liveupdate does): a process
 *     with CAP_BPF and CAP_PERFMON only gets EPERM;
 *   - a listing is linear: listing 4N files takes less than 8 times as
 *     long as listing N (quadratic took about 16 times).
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"
#include "test_bpf_iter.skel.h"

#define SMALL_N		2000
#define LARGE_N		(4 * SMALL_N)

/* Read an iterator of @prog to the end; 0 or -errno. */
static int run_iter(struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	char buf[4096];
	ssize_t n;
	int fd, err = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}

/* In a child without CAP_SYS_ADMIN (CAP_BPF, CAP_PERFMON kept). */
static int attach_unprivileged(struct bpf_program *prog)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { };
	struct bpf_link *link;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(100);
		data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
		data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
		if (syscall(SYS_capset, &hdr, data))
			_exit(101);
		link = bpf_program__attach_iter(prog, NULL);
		_exit(link ? 0 : errno);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Preserve @n empty memfds in a new session @name; its fd. */
static int many_files(int luo, const char *name, int n)
{
	int s = liveupdate_create_session(luo, name), i, m, r;

	if (s < 0)
		return s;
	for (i = 0; i < n; i++) {
		m = memfd_create("iter", MFD_CLOEXEC);
		if (m < 0)
			return -errno;
		r = liveupdate_preserve_fd(s, m, i + 1);
		close(m);
		if (r)
			return r;
	}
	return s;
}

/* Seconds to list every file with count_files, best of 3. */
static double list_time(struct test_bpf_iter_bpf *skel, __u64 expect)
{
	double best = 1e9, t;
	int i;

	for (i = 0; i < 3; i++) {
		skel->bss->counted = 0;
		t = now();
		if (run_iter(skel->progs.count_files) ||
		    skel->bss->counted != expect)
			return -1;
		t = now() - t;
		if (t < best)
			best = t;
	}
	return best;
}

LUO_TEST(bpf_iter, .cmdline = "kho=on liveupdate=on",
	 .desc = "luo_file iterator: no stale state, CAP_SYS_ADMIN, linear")
{
	struct test_bpf_iter_bpf *skel;
	struct vmram_handler h;
	double t_small, t_large;
	int luo, s, s2, m, c, r;

	skel = test_bpf_iter_bpf__open_and_load();
	ASSERT_TRUE(skel, "open_and_load: %m");
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	/* A BPF handler's file with state, then a plain memfd. */
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
	ASSERT_OK(vmram_describe(&h, 1, 1));
	s = liveupdate_create_session(luo, "iter");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	m = luo_memfd_new("vmram-iter", 1 << 20, 1);
	c = luo_memfd_new("plain", 1 << 20, 2);
	ASSERT_TRUE(m >= 0 && c >= 0, "memfds");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 1), "preserve vmram");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, c, 2), "preserve plain");
	ASSERT_OK(run_iter(skel->progs.scan_files));
	luo_info("%llu files listed, %llu stale state bytes",
		 (unsigned long long)skel->bss->nr_files,
		 (unsigned long long)skel->bss->stale_bytes);
	ASSERT_TRUE(skel->bss->nr_files == 2, "%llu files listed",
		    (unsigned long long)skel->bss->nr_files);
	ASSERT_TRUE(!skel->bss->stale_bytes,
		    "%llu bytes of another file's state past state_size",
		    (unsigned long long)skel->bss->stale_bytes);

	r = attach_unprivileged(skel->progs.scan_files);
	ASSERT_TRUE(r == EPERM, "attach without CAP_SYS_ADMIN: %d (%s)", r,
		    r > 0 ? strerror(r) : "?");

	/* Linear: 4 times the files, well under 16 times the time. */
	s2 = many_files(luo, "iter-small", SMALL_N);
	ASSERT_TRUE(s2 >= 0, "preserve %d files: %s", SMALL_N, strerror(-s2));
	t_small = list_time(skel, SMALL_N + 2);
	ASSERT_TRUE(t_small > 0, "list %d files", SMALL_N + 2);
	close(s2);
	s2 = many_files(luo, "iter-large", LARGE_N);
	ASSERT_TRUE(s2 >= 0, "preserve %d files: %s", LARGE_N, strerror(-s2));
	t_large = list_time(skel, LARGE_N + 2);
	ASSERT_TRUE(t_large > 0, "list %d files", LARGE_N + 2);
	luo_info("listing %d files: %.1f ms, %d files: %.1f ms (x%.1f)",
		 SMALL_N + 2, t_small * 1e3, LARGE_N + 2, t_large * 1e3,
		 t_large / t_small);
	ASSERT_TRUE(t_large < 8 * t_small,
		    "listing 4x the files took x%.1f the time: not linear",
		    t_large / t_small);
	close(s2);

	close(s);
	close(m);
	close(c);
	vmram_detach(&h);
	test_bpf_iter_bpf__destroy(skel);
	close(luo);
	return LUO_PASS;
}
