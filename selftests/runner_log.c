// SPDX-License-Identifier: GPL-2.0
/*
 * runner_log.c - the kernel log of a test: our warnings reported to the host
 * runner ("luo-kmsg:"), kmemleak scans, /dev/kmsg searches for the tests,
 * and on the host the check of a serial log against the test's
 * .expect_log and .allow_log.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "luo_test.h"
#include "runner_internal.h"

static unsigned long long kmsg_seq;	/* next /dev/kmsg record to report */

/*
 * Log prefixes (pr_fmt) of the code under test, and the kernel line a
 * timer interrupt left pending across a kexec causes (kexec_quiesce.c).
 */
static const char *const our_prefixes[] = {
	"KHO: ", "KHO selftest: ", "liveupdate: ", "liveupdate test: ",
	"memfd_luo: ", "memfd_luo_hugetlb: ", "kvm_luo: ", "guest_memfd_luo: ",
	"Spurious LAPIC timer interrupt",
};

static bool ours(const char *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(our_prefixes); i++)
		if (!strncmp(msg, our_prefixes[i], strlen(our_prefixes[i])))
			return true;
	return false;
}

/* Does @s match @pat, where '*' matches any run of characters? */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *retry = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			retry = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/*
 * Print every kernel warning or error of ours logged so far in this boot
 * and not printed yet as "luo-kmsg: <text>", for the host runner: the
 * serial console does not show a line's level.
 */
void runner_report_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	unsigned long long seq;
	unsigned int prio;
	char rec[8192];
	ssize_t n;

	if (fd < 0)
		return;
	/* On the other kernel of the interop tests the lines are not ours. */
	if (!luo_kernel_is_ours()) {
		close(fd);
		return;
	}
	for (;;) {
		char *msg, *nl;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%u,%llu,", &prio, &seq) != 2)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (seq < kmsg_seq)
			continue;
		kmsg_seq = seq + 1;
		/* Facility 0 (kernel), level KERN_WARNING (4) or worse. */
		if (prio <= 4 && ours(msg))
			printf("luo-kmsg: %s\n", msg);
	}
	close(fd);
	fflush(stdout);
}

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/*
 * Ask kmemleak for a scan now, twice: an object is only reported once its
 * contents were the same at two scans in a row, and only when it is older
 * than 5 s. Every suspect is then printed to the console as
 * "luo-kmemleak: " lines; the kernel logs "N new suspected memory leaks",
 * which fails the test on the host.
 */
int luo_kmemleak_scan(void)
{
	double t0 = luo_now();
	int fd, i, nr = 0;
	char line[1024];
	FILE *f;

	for (i = 0; i < 2; i++) {
		fd = open(KMEMLEAK, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return 0;	/* a kernel without kmemleak */
		if (fd < 0 || write(fd, "scan", 4) != 4) {
			printf("# kmemleak: scan: %s\n", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	f = fopen(KMEMLEAK, "r");
	if (!f) {
		printf("# kmemleak: read: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			nr++;
		printf("luo-kmemleak: %s", line);
	}
	fclose(f);
	printf("# kmemleak: %d suspects (scans took %.1f s)\n", nr,
	       luo_now() - t0);
	fflush(stdout);
	return nr;
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

bool luo_kmsg_match(const char *pattern)
{
	char rec[8192];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg[1 + strcspn(msg + 1, "\n")] = '\0';
		if (glob_match(pattern, msg + 1)) {
			found = true;
			break;
		}
	}
	close(fd);
	return found;
}

/*
 * Lines of the serial log that fail a test unless it expects them: the
 * guest runner's "luo-kmsg:" lines (our warnings and errors), and, as a
 * net for what is logged after the runner last looked (during a reboot),
 * kernel lines of ours about a refused or malformed handover or a cold
 * boot, and any leak report.
 */
static bool error_line(const char *text, bool kmsg)
{
	static const char *const words[] = {
		"refus", "malformed", "cold boot", "leak",
	};
	size_t i;

	if (kmsg)
		return true;
	if (strstr(text, "memory leak") || strstr(text, "vmalloc error: ") ||
	    strstr(text, "page allocation failure: "))
		return true;
	if (!ours(text))
		return false;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(text, words[i]))
			return true;
	return false;
}

/* Text of a kernel line ("[    1.234567] text"), or NULL. */
static const char *kernel_text(const char *line)
{
	const char *p = strchr(line, '[');

	/* A kernel line may follow userspace output on the same line. */
	for (; p; p = strchr(p + 1, '[')) {
		const char *q = p + 1 + strspn(p + 1, " 0123456789.");

		if (q > p + 1 && q[0] == ']' && q[1] == ' ')
			return q + 2;
	}
	return NULL;
}

int runner_check_log(const char *name, const char *path)
{
	const struct luo_test *t = NULL;
	const char *const *e;
	char line[4096];
	bool seen[64] = { };
	int i, nr_expect = 0, bad = 0;
	FILE *f;

	for (i = 0; i < runner_nr_tests; i++)
		if (!strcmp(runner_tests[i]->name, name))
			t = runner_tests[i];
	f = fopen(path, "r");
	if (!t || !f) {
		printf("# check-log: no test %s or no log %s\n", name, path);
		return 1;
	}
	for (e = t->expect_log; e && *e; e++)
		nr_expect++;
	if (nr_expect > (int)ARRAY_SIZE(seen)) {
		printf("# check-log: %s expects too many lines\n", name);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		bool kmsg = !strncmp(line, "luo-kmsg: ", 10), expected = false;
		const char *text = kmsg ? line + 10 : kernel_text(line);

		if (!text)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		for (i = 0; i < nr_expect; i++)
			if (glob_match(t->expect_log[i], text))
				seen[i] = expected = true;
		for (e = t->allow_log; e && *e && !expected; e++)
			expected = glob_match(*e, text);
		if (!expected && error_line(text, kmsg)) {
			printf("# unexpected kernel line: %s\n", text);
			bad++;
		}
	}
	fclose(f);
	for (i = 0; i < nr_expect; i++)
		if (!seen[i]) {
			printf("# expected kernel line missing: %s\n",
			       t->expect_log[i]);
			bad++;
		}
	return !!bad;
}
