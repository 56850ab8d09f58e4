// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - entry point of luo-selftests, in the guest and on the host.
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
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/reboot.h>

#include "luo_test.h"

#define CMDLINE_MAX	2048

static const struct luo_test **tests;	/* no fixed maximum */
static int nr_tests;
static const struct luo_test *cur_test;	/* the one this boot runs */
static char cmdline[CMDLINE_MAX];
static char carry[CMDLINE_MAX];	/* "luo.k.key=value ..." for the next stage */
static char extra[CMDLINE_MAX];	/* luo_kexec_append() arguments */
static void (*kexec_hook)(void *arg);
static void *kexec_hook_arg;
static int cur_stage;
static unsigned long long kmsg_seq;	/* next /dev/kmsg record to report */

/*
 * Log prefixes (pr_fmt) of the code under test, and the kernel line a
 * timer interrupt left pending across a kexec causes (kexec_quiesce.c).
 */
static const char *const our_prefixes[] = {
	"KHO: ", "KHO selftest: ", "liveupdate: ", "liveupdate test: ",
	"memfd_luo: ", "kvm_luo: ", "guest_memfd_luo: ",
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
static void report_kmsg(void)
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

static int stages_of(const struct luo_test *t)
{
	return t->stages ?: 1;
}

void luo_register(const struct luo_test *t)
{
	const struct luo_test **n = realloc(tests, (nr_tests + 1) * sizeof(*n));

	if (!n) {
		fprintf(stderr, "luo-selftests: out of memory registering %s\n",
			t->name);
		exit(1);
	}
	tests = n;
	tests[nr_tests++] = t;
}

static void read_cmdline(void);

int luo_tests(const struct luo_test *const **list)
{
	read_cmdline();
	cur_stage = 1;
	*list = tests;
	return nr_tests;
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

const char *luo_arg(const char *key)
{
	static char buf[256];

	return cmdline_get(key, buf, sizeof(buf));
}

unsigned long long luo_get_u64(const char *key)
{
	const char *v = luo_get(key);

	return v ? strtoull(v, NULL, 0) : 0;
}

/* Drop " luo.k.@key=..." from the carried values, so luo_put() can replace. */
static void carry_drop(const char *key)
{
	char pat[160];
	char *p, *end;

	snprintf(pat, sizeof(pat), " luo.k.%s=", key);
	p = strstr(carry, pat);
	if (!p)
		return;
	end = p + 1 + strcspn(p + 1, " ");
	memmove(p, end, strlen(end) + 1);
}

void luo_put(const char *key, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	carry_drop(key);
	len = strlen(carry);
	len += snprintf(carry + len, sizeof(carry) - len, " luo.k.%s=", key);
	va_start(ap, fmt);
	if (len < sizeof(carry))
		vsnprintf(carry + len, sizeof(carry) - len, fmt, ap);
	va_end(ap);
}

int luo_next_args(char *buf, size_t len)
{
	/* The test's own tool ends the stage: this is its last look. */
	luo_kmemleak_scan();
	size_t n = snprintf(buf, len, "%s luo.stage=%d%s", extra, cur_stage + 1,
			    carry);

	return n >= len ? -E2BIG : 0;
}

/*
 * The initrd for the next kernel: the one this kernel booted, or, when the
 * next stage is the test's last, its second part alone, without the kernel
 * images (scripts/mkinitramfs.sh): a kernel that kexecs no further needs
 * none, and the purgatory hashes every byte of the initrd in the blackout.
 */
static int next_initrd(void)
{
	int fd = open("/sys/firmware/initrd", O_RDONLY | O_CLOEXEC);
	static char buf[1 << 18];
	long long off = -1;
	int mfd = -1;
	ssize_t n;
	FILE *f;

	if (fd < 0 || !cur_test || cur_test->keep_images ||
	    cur_stage + 1 < stages_of(cur_test))
		return fd;
	f = fopen("/etc/luo-initrd-boot-bytes", "re");
	if (!f)
		return fd;	/* an initrd of one part */
	if (fscanf(f, "%lld", &off) != 1 || off < 0)
		off = -1;
	fclose(f);
	errno = 0;
	if (off < 0)
		goto fail;
	mfd = memfd_create("luo-initrd", MFD_CLOEXEC);
	if (mfd < 0)
		goto fail;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (write(mfd, buf, n) != n)
			goto fail;
		off += n;
	}
	if (n < 0)
		goto fail;
	close(fd);
	return mfd;
fail:
	luo_fail("next initrd: %s", strerror(errno ?: EINVAL));
	if (mfd >= 0)
		close(mfd);
	close(fd);
	errno = EINVAL;
	return -1;
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
	len += snprintf(next + len, sizeof(next) - len, "%s luo.stage=%d%s",
			extra, cur_stage + 1, carry);
	if (len >= sizeof(next)) {
		luo_fail("next command line too long");
		return -E2BIG;
	}

	luo_kmemleak_scan();
	kfd = open(kernel ?: "/boot/bzImage", O_RDONLY | O_CLOEXEC);
	ifd = next_initrd();
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
	report_kmsg();
	printf("luo-kexec: stage %d -> %d\n", cur_stage, cur_stage + 1);
	fflush(stdout);
	if (kexec_hook)
		kexec_hook(kexec_hook_arg);
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

void luo_kexec_by_tool(void)
{
	luo_kmemleak_scan();
	report_kmsg();
	printf("luo-kexec: stage %d -> %d\n", cur_stage, cur_stage + 1);
	fflush(stdout);
}

int luo_kexec_append(const char *arg)
{
	size_t len = strlen(extra);

	if (len + 1 + strlen(arg) >= sizeof(extra))
		return -E2BIG;
	snprintf(extra + len, sizeof(extra) - len, " %s", arg);
	return 0;
}

void luo_kexec_hook(void (*fn)(void *arg), void *arg)
{
	kexec_hook = fn;
	kexec_hook_arg = arg;
}

pid_t luo_agent_hold(void)
{
	pid_t pid;

	/* Nothing buffered may be printed twice by the child. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;

	/*
	 * The agent: its own session so no terminal or process-group signal
	 * from the test reaches it; it owns copies of the test's fds (fork
	 * duplicates the fd table, close-on-exec does not matter without an
	 * exec) and only sleeps. The kexec reboot, or luo_agent_release(),
	 * ends it.
	 */
	setsid();
	signal(SIGHUP, SIG_IGN);
	for (;;)
		pause();
}

int luo_agent_release(pid_t pid)
{
	if (kill(pid, SIGKILL))
		return -errno;
	if (waitpid(pid, NULL, 0) < 0)
		return -errno;
	return 0;
}

int luo_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return err;
}

ssize_t luo_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int luo_set_nofile(unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= n && rl.rlim_max >= n)
		return 0;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

void luo_pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = luo_pattern_word(off + i * 8, seed);
}

size_t luo_pattern_check(const void *buf, size_t len, uint64_t off,
			 uint64_t seed)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != luo_pattern_word(off + i * 8, seed))
			return i * 8;
	return len;
}

uint64_t luo_checksum(uint64_t sum, const void *buf, size_t len)
{
	const uint64_t *w = buf;
	size_t i;

	/*
	 * FNV-1a step over 64-bit words, plus a fold: a multiply only carries
	 * low bits upwards, and with the offset-derived pattern the low bits
	 * of plain FNV came back to their start value after a whole GiB.
	 */
	for (i = 0; i < len / 8; i++) {
		sum = (sum ^ w[i]) * 0x100000001b3ULL;
		sum ^= sum >> 29;
	}
	return sum;
}

#define CHUNK	(1 << 20)

int luo_memfd_new(const char *name, size_t size, uint64_t seed)
{
	static uint64_t buf[CHUNK / 8];
	size_t off, n;
	int fd, err;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size))
		goto fail;
	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		luo_pattern_fill(buf, CHUNK, off, seed);
		if (pwrite(fd, buf, n, off) != (ssize_t)n) {
			errno = errno ?: EIO;
			goto fail;
		}
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int luo_memfd_verify(int fd, size_t size, uint64_t seed)
{
	static uint64_t want[CHUNK / 8], got[CHUNK / 8];
	struct stat st;
	size_t off, n;

	if (fstat(fd, &st)) {
		luo_info("fstat(%d): %m", fd);
		return -1;
	}
	if ((size_t)st.st_size != size) {
		luo_info("fd %d: size %lld, expected %zu", fd,
			 (long long)st.st_size, size);
		return -1;
	}
	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		luo_pattern_fill(want, CHUNK, off, seed);
		if (pread(fd, got, n, off) != (ssize_t)n) {
			luo_info("fd %d: short read at %zu: %m", fd, off);
			return -1;
		}
		if (memcmp(want, got, n)) {
			luo_info("fd %d: content differs in [%zu, %zu)", fd, off,
				 off + n);
			return -1;
		}
	}
	return 0;
}

uint64_t luo_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)(luo_now() * 1e9) ^ getpid();
	return seed;
}

/*
 * A /proc read a test's verdict rests on failed: reading it as 0 (no
 * flags, no page) could pass the test, so the test fails here.
 */
static void __attribute__((noreturn)) proc_read_failed(const char *path)
{
	luo_fail("cannot read %s: %s", path, strerror(errno ?: EIO));
	printf("luo-result: %s fail stage=%d\n",
	       cur_test ? cur_test->name : "?", cur_stage);
	fflush(NULL);
	exit(1);
}

/* One u64 at index @idx of a /proc table file. */
static uint64_t proc_u64(const char *path, uint64_t idx)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, &v, sizeof(v), idx * sizeof(v)) != sizeof(v))
		proc_read_failed(path);
	close(fd);
	return v;
}

uint64_t luo_pfn(const void *addr)
{
	uint64_t e = proc_u64("/proc/self/pagemap",
			      (uintptr_t)addr / sysconf(_SC_PAGESIZE));

	/* Bit 63: present; bits 0-54: frame number (0 without privilege). */
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

uint64_t luo_kpageflags(uint64_t pfn)
{
	return proc_u64("/proc/kpageflags", pfn);
}

enum luo_result luo_handover(void)
{
	pid_t agent = luo_agent_hold();

	if (agent <= 0) {
		luo_fail("agent: %s", strerror(agent ? -agent : EINVAL));
		return LUO_FAIL;
	}
	/* Only the agent's copies keep the sessions alive from here on. */
	close_range(3, ~0U, 0);
	luo_kexec(NULL);
	return LUO_FAIL;
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

long long luo_meminfo_kb(const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		proc_read_failed("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long long luo_vmstat(const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		proc_read_failed("/proc/vmstat");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ' ') {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long long luo_free_kb(void)
{
	long long kb = luo_meminfo_kb("MemFree"), pages = 0;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f || kb < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	/* Per-CPU page lists: free pages that MemFree does not count. */
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		if (!strncmp(p, "count:", 6))
			pages += strtoll(p + 6, NULL, 10);
	}
	fclose(f);
	return kb + pages * (sysconf(_SC_PAGESIZE) / 1024);
}

double luo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool luo_kernel_is_ours(void)
{
	struct utsname u;

	return !uname(&u) && !strncmp(u.release, "6.12", 4);
}

void luo_bench(const char *name, double value, const char *unit)
{
	printf("luo-bench: %s %.3f %s\n", name, value, unit);
}

static int list_tests(void)
{
	int i;

	for (i = 0; i < nr_tests; i++)
		printf("%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", tests[i]->name,
		       stages_of(tests[i]), tests[i]->mem ?: "-",
		       tests[i]->demo ? "demo" : tests[i]->bench ? "bench" : "test",
		       tests[i]->kernel ?: "-", tests[i]->cmdline ?: "-",
		       tests[i]->qemu ?: "-", tests[i]->desc ?: "");
	return 0;
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

static int check_log(const char *name, const char *path)
{
	const struct luo_test *t = NULL;
	const char *const *e;
	char line[4096];
	bool seen[64] = { };
	int i, nr_expect = 0, bad = 0;
	FILE *f;

	for (i = 0; i < nr_tests; i++)
		if (!strcmp(tests[i]->name, name))
			t = tests[i];
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
	cur_test = tests[i];
	ctx.stage = cur_stage;
	ctx.test = name;
	r = tests[i]->run(&ctx);
	if (r == LUO_PASS && cur_stage < stages_of(tests[i])) {
		luo_fail("stage %d of %d returned without a kexec", cur_stage,
			 stages_of(tests[i]));
		r = LUO_FAIL;
	}
	/* Only a test that may skip does: anything else is a missing feature. */
	if (r == LUO_SKIP && !tests[i]->may_skip) {
		luo_fail("skipped, but %s may not skip (reason above)", name);
		r = LUO_FAIL;
	}
	if (luo_kmemleak_scan() && r == LUO_PASS) {
		luo_fail("kmemleak: suspected leaks (luo-kmemleak: lines above)");
		r = LUO_FAIL;
	}
	report_kmsg();
	printf("luo-result: %s %s stage=%d\n", name, res[r], cur_stage);
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
		return check_log(argv[2], argv[3]);
	if (getpid() == 1)
		return init_main();
	return run_test();
}
#endif /* LUO_NO_MAIN */
