// SPDX-License-Identifier: GPL-2.0
/*
 * runner_util.c - helpers for the tests: files, data patterns and checksums,
 * memfds, /proc and /sys readers, clocks, benchmark figures.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "runner_internal.h"

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
	       runner_cur_test ? runner_cur_test->name : "?", runner_cur_stage);
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

/*
 * The number after "@field@sep" on its line of @path (/proc/meminfo's
 * "MemFree:", /proc/vmstat's "nr_foll_pin_acquired "), or -1 if no line
 * has it. An unreadable file ends the test (proc_read_failed()).
 */
static long long proc_field(const char *path, const char *field, char sep)
{
	char line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		proc_read_failed(path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == sep) {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long long luo_meminfo_kb(const char *field)
{
	return proc_field("/proc/meminfo", field, ':');
}

long long luo_vmstat(const char *field)
{
	return proc_field("/proc/vmstat", field, ' ');
}

long long luo_free_kb(void)
{
	long long kb = luo_meminfo_kb("MemFree"), pages = 0;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		proc_read_failed("/proc/zoneinfo");
	if (kb < 0) {
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

/* Open /dev/liveupdate, then create or retrieve session @name. */
static int session_open(const char *name, int *luo, bool create)
{
	int s;

	*luo = liveupdate_open();
	if (*luo < 0) {
		luo_fail("open /dev/liveupdate: %s", strerror(-*luo));
		return *luo;
	}
	s = create ? liveupdate_create_session(*luo, name) :
		     liveupdate_retrieve_session(*luo, name);
	if (s < 0) {
		luo_fail("%s session %s: %s", create ? "create" : "retrieve",
			 name, strerror(-s));
		close(*luo);
	}
	return s;
}

int luo_session_new(const char *name, int *luo)
{
	return session_open(name, luo, true);
}

int luo_session_get(const char *name, int *luo)
{
	return session_open(name, luo, false);
}

int luo_retrieve_one(const char *name, uint64_t token, int *luo, int *s)
{
	int fd;

	*s = luo_session_get(name, luo);
	if (*s < 0)
		return *s;
	fd = liveupdate_retrieve_fd(*s, token);
	if (fd < 0) {
		luo_fail("retrieve token %llu of session %s: %s",
			 (unsigned long long)token, name, strerror(-fd));
		close(*s);
		close(*luo);
	}
	return fd;
}

enum luo_result luo_finish_close(int s, int luo)
{
	int r = liveupdate_finish(s);

	close(s);
	close(luo);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	return LUO_PASS;
}
