// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - entry point of luo-selftests, in the guest and on the host:
 * the registered tests, /init, one stage of one test and its verdict. The
 * rest of the runner: runner_stage.c (from one stage to the next),
 * runner_log.c (the kernel log), runner_util.c (helpers for the tests).
 *
 *   luo-selftests --list          one line per test, for the host runner:
 *                                 name stages mem kind kernel cmdline desc
 *                                 (tab-separated, "-" for a default)
 *   luo-selftests                 run the test named by luo.test= on the
 *                                 kernel command line, at stage luo.stage=
 *   luo-selftests --check-log NAME LOG
 *                                 on the host: check the serial log of test
 *                                 NAME against its .expect_log; prints one
 *                                 "# " line per problem, exit 1 if any
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "luo_test.h"
#include "runner_internal.h"

const struct luo_test **runner_tests;	/* no fixed maximum */
int runner_nr_tests;
const struct luo_test *runner_cur_test;	/* the one this boot runs */
int runner_cur_stage;

int runner_stages_of(const struct luo_test *t)
{
	return t->stages ?: 1;
}

void luo_register(const struct luo_test *t)
{
	const struct luo_test **n = realloc(runner_tests, (runner_nr_tests + 1) * sizeof(*n));

	if (!n) {
		fprintf(stderr, "luo-selftests: out of memory registering %s\n",
			t->name);
		exit(1);
	}
	runner_tests = n;
	runner_tests[runner_nr_tests++] = t;
}

int luo_tests(const struct luo_test *const **list)
{
	runner_read_cmdline();
	runner_cur_stage = 1;
	*list = runner_tests;
	return runner_nr_tests;
}

static int list_tests(void)
{
	int i;

	for (i = 0; i < runner_nr_tests; i++)
		printf("%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", runner_tests[i]->name,
		       runner_stages_of(runner_tests[i]), runner_tests[i]->mem ?: "-",
		       runner_tests[i]->demo ? "demo" : runner_tests[i]->bench ? "bench" : "test",
		       runner_tests[i]->kernel ?: "-", runner_tests[i]->cmdline ?: "-",
		       runner_tests[i]->qemu ?: "-", runner_tests[i]->desc ?: "");
	return 0;
}

#ifndef LUO_NO_MAIN
/*
 * /init of the test initramfs is this binary (scripts/mkinitramfs.sh):
 * every benchmark's blackout ends here, and under TCG a shell started as
 * /init and its fork took ~0.1 s. Mount what tests and tools use with
 * system calls, not a mount(8) process each, then take /dev/console for
 * stdio.
 */
static void init_mounts(void)
{
	static const struct {
		const char *type, *dir;
		bool needed;
	} m[] = {
		{ "proc", "/proc", true },
		{ "sysfs", "/sys", true },
		{ "devtmpfs", "/dev", true },
		{ "debugfs", "/sys/kernel/debug", false },
		{ "tmpfs", "/tmp", true },
		{ "tmpfs", "/run", true },
		{ "bpf", "/sys/fs/bpf", false },
		{ "cgroup2", "/sys/fs/cgroup", false },
	};
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		mkdir(m[i].dir, 0755);
		/* A kernel without debugfs, BPF or cgroups just lacks them. */
		if (mount(m[i].type, m[i].dir, m[i].type, 0, NULL) && m[i].needed)
			fprintf(stderr, "luo-selftests: mount %s on %s: %s\n",
				m[i].type, m[i].dir, strerror(errno));
	}
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* The stage of the test the command line names: 0 pass, 1 fail, 2 none. */
static int run_test(void)
{
	static const char *const res[] = { "ok", "fail", "skip" };
	char name[128], stage[16];
	struct luo_ctx ctx;
	enum luo_result r;
	int i;

	runner_read_cmdline();
	if (!runner_cmdline_get("luo.test", name, sizeof(name))) {
		fprintf(stderr, "luo-selftests: no luo.test= on the command line\n");
		return 2;
	}
	runner_cur_stage = runner_cmdline_get("luo.stage", stage, sizeof(stage)) ? atoi(stage) : 1;

	for (i = 0; i < runner_nr_tests; i++)
		if (!strcmp(runner_tests[i]->name, name))
			break;
	if (i == runner_nr_tests) {
		printf("luo-result: %s fail # no such test\n", name);
		return 1;
	}

	printf("luo-stage: %s %d boot_id=%s\n", name, runner_cur_stage, luo_boot_id());
	runner_cur_test = runner_tests[i];
	ctx.stage = runner_cur_stage;
	ctx.test = name;
	r = runner_tests[i]->run(&ctx);
	if (r == LUO_PASS && runner_cur_stage < runner_stages_of(runner_tests[i])) {
		luo_fail("stage %d of %d returned without a kexec", runner_cur_stage,
			 runner_stages_of(runner_tests[i]));
		r = LUO_FAIL;
	}
	/* Only a test that may skip does: anything else is a missing feature. */
	if (r == LUO_SKIP && !runner_tests[i]->may_skip) {
		luo_fail("skipped, but %s may not skip (reason above)", name);
		r = LUO_FAIL;
	}
	if (luo_kmemleak_scan() && r == LUO_PASS) {
		luo_fail("kmemleak: suspected leaks (luo-kmemleak: lines above)");
		r = LUO_FAIL;
	}
	runner_report_kmsg();
	printf("luo-result: %s %s stage=%d\n", name, res[r], runner_cur_stage);
	return r == LUO_FAIL;
}

/*
 * As PID 1: run the test in a child, reap whatever else exits meanwhile
 * (orphans come to init), report and power off (QEMU runs with
 * -no-reboot); with no test named, start a shell instead.
 */
static int init_main(void)
{
	int status, rc = 1;
	pid_t pid, w;

	init_mounts();
	pid = fork();
	if (!pid)
		_exit(run_test());
	if (pid < 0)
		perror("luo-selftests: fork");
	while (pid > 0) {
		w = wait(&status);
		if (w == pid) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
	}
	if (rc == 2) {
		puts("luo-bpf test initramfs: no luo.test= given; starting a shell");
		execl("/bin/sh", "sh", (char *)NULL);
		perror("luo-selftests: /bin/sh");
	}
	printf("luo-done: rc=%d\n", rc);
	sync();
	reboot(RB_POWER_OFF);
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--list"))
		return list_tests();
	if (argc == 4 && !strcmp(argv[1], "--check-log"))
		return runner_check_log(argv[2], argv[3]);
	if (getpid() == 1)
		return init_main();
	return run_test();
}
#endif /* LUO_NO_MAIN */
