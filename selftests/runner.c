// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - entry point of luo-selftests, in the guest and on the host.
 *
 *   luo-selftests --list          one line per test, for the host runner
 *   luo-selftests                 run the test named by luo.test= on the
 *                                 kernel command line, at stage luo.stage=
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/reboot.h>

#include "luo_test.h"

#define MAX_TESTS	256
#define CMDLINE_MAX	2048

static const struct luo_test *tests[MAX_TESTS];
static int nr_tests;
static char cmdline[CMDLINE_MAX];
static char carry[CMDLINE_MAX];	/* "luo.k.key=value ..." for the next stage */
static int cur_stage;

static int stages_of(const struct luo_test *t)
{
	return t->stages ?: 1;
}

void luo_register(const struct luo_test *t)
{
	if (nr_tests < MAX_TESTS)
		tests[nr_tests++] = t;
}

static void read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (n < 0)
		n = 0;
	cmdline[n] = '\0';
	if (n && cmdline[n - 1] == '\n')
		cmdline[n - 1] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Value of "key=" on the command line, copied to @buf; NULL if absent. */
static const char *cmdline_get(const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, " ");

			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		p += strcspn(p, " ");
	}
	return NULL;
}

const char *luo_get(const char *key)
{
	static char bufs[8][256];
	static int next;
	char full[128];

	snprintf(full, sizeof(full), "luo.k.%s", key);
	next = (next + 1) % 8;
	return cmdline_get(full, bufs[next], sizeof(bufs[next]));
}

unsigned long long luo_get_u64(const char *key)
{
	const char *v = luo_get(key);

	return v ? strtoull(v, NULL, 0) : 0;
}

void luo_put(const char *key, const char *fmt, ...)
{
	size_t len = strlen(carry);
	va_list ap;

	len += snprintf(carry + len, sizeof(carry) - len, " luo.k.%s=", key);
	va_start(ap, fmt);
	if (len < sizeof(carry))
		vsnprintf(carry + len, sizeof(carry) - len, fmt, ap);
	va_end(ap);
}

int luo_kexec(const char *kernel)
{
	char next[CMDLINE_MAX];
	size_t len = 0;
	const char *p = cmdline;
	int kfd, ifd, err;

	/* Keep every argument but our stage markers and carried values. */
	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n && strncmp(p, "luo.stage=", 10) && strncmp(p, "luo.k.", 6))
			len += snprintf(next + len, sizeof(next) - len, "%s%.*s",
					len ? " " : "", (int)n, p);
		p += n;
	}
	len += snprintf(next + len, sizeof(next) - len, " luo.stage=%d%s",
			cur_stage + 1, carry);
	if (len >= sizeof(next)) {
		luo_fail("next command line too long");
		return -E2BIG;
	}

	kfd = open(kernel ?: "/boot/bzImage", O_RDONLY | O_CLOEXEC);
	ifd = open("/sys/firmware/initrd", O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || ifd < 0) {
		err = -errno;
		luo_fail("open kernel/initrd: %s", strerror(errno));
		goto out;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(next) + 1, next, 0UL)) {
		err = -errno;
		luo_fail("kexec_file_load: %s", strerror(errno));
		goto out;
	}
	printf("luo-kexec: stage %d -> %d\n", cur_stage, cur_stage + 1);
	fflush(stdout);
	if (reboot(LINUX_REBOOT_CMD_KEXEC))
		err = -errno;
	else
		err = -EIO;	/* reboot returned without an error: impossible */
out:
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return err;
}

const char *luo_boot_id(void)
{
	static char id[40];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, id, sizeof(id) - 1);

	if (fd >= 0)
		close(fd);
	id[n > 0 ? n - 1 : 0] = '\0';
	return id;
}

bool luo_kmsg_contains(const char *needle)
{
	char line[8192];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, line, sizeof(line) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		line[n] = '\0';
		if (strstr(line, needle)) {
			found = true;
			break;
		}
	}
	close(fd);
	return found;
}

long long luo_meminfo_kb(const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

double luo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void luo_bench(const char *name, double value, const char *unit)
{
	printf("luo-bench: %s %.3f %s\n", name, value, unit);
}

static int list_tests(void)
{
	int i;

	for (i = 0; i < nr_tests; i++)
		printf("%s\t%d\t%s\t%s\t%s\t%s\n", tests[i]->name,
		       stages_of(tests[i]), tests[i]->mem ?: "-",
		       tests[i]->bench ? "bench" : "test",
		       tests[i]->cmdline ?: "-", tests[i]->desc ?: "");
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const res[] = { "ok", "fail", "skip" };
	char name[128], stage[16];
	struct luo_ctx ctx;
	enum luo_result r;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--list"))
		return list_tests();

	read_cmdline();
	if (!cmdline_get("luo.test", name, sizeof(name))) {
		fprintf(stderr, "luo-selftests: no luo.test= on the command line\n");
		return 2;
	}
	cur_stage = cmdline_get("luo.stage", stage, sizeof(stage)) ? atoi(stage) : 1;

	for (i = 0; i < nr_tests; i++)
		if (!strcmp(tests[i]->name, name))
			break;
	if (i == nr_tests) {
		printf("luo-result: %s fail # no such test\n", name);
		return 1;
	}

	printf("luo-stage: %s %d boot_id=%s\n", name, cur_stage, luo_boot_id());
	ctx.stage = cur_stage;
	ctx.test = name;
	r = tests[i]->run(&ctx);
	if (r == LUO_PASS && cur_stage < stages_of(tests[i])) {
		luo_fail("stage %d of %d returned without a kexec", cur_stage,
			 stages_of(tests[i]));
		r = LUO_FAIL;
	}
	printf("luo-result: %s %s stage=%d\n", name, res[r], cur_stage);
	return r == LUO_FAIL;
}
