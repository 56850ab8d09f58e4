/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_test.h - the luo-bpf selftest harness.
 *
 * One test per file. A test is a function that is called once per boot
 * ("stage"); a multi-stage test ends every stage but the last by calling
 * luo_kexec(), which does a real kexec_file_load + reboot into the next
 * kernel with luo.stage=N+1 on its command line. Small values (checksums,
 * boot ids) travel to the next stage on the command line (luo_put/luo_get).
 *
 * The runner in the guest prints one "luo-result:" line per test; the host
 * runner turns those into KTAP lines and checks the serial log for panics.
 *
 * Kernel log: at the end of every stage the guest runner prints each
 * warning or error of KHO, LUO, the memfd and KVM handlers ("KHO: ",
 * "liveupdate: ", "kvm_luo: ", ...; level KERN_WARNING or worse), and a
 * "Spurious LAPIC timer interrupt" (a tick left pending by the previous
 * kernel's kexec), as a "luo-kmsg:" line.
 * The host runner (luo-selftests --check-log) fails a test that shows one
 * of those, or a line about a refused handover, a malformed one, a cold
 * boot or a leak, unless the test names it in .expect_log (or, for a test
 * with random damage, .allow_log); and it fails a test whose expected
 * lines do not all appear.
 *
 * Skips: SKIP() only for what lies outside the kernel under test (e.g. the
 * other kernel of the interop tests not in the initramfs), always with a
 * reason, and only in a test that declares it may (.may_skip): the runner
 * turns any other skip into a failure. A feature our own kernel and QEMU
 * setup must have is a failure.
 */
#ifndef LUO_TEST_H
#define LUO_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

enum luo_result {
	LUO_PASS = 0,
	LUO_FAIL = 1,
	LUO_SKIP = 2,
};

struct luo_ctx {
	int stage;		/* 1 in the first boot, 2 after one kexec, ... */
	const char *test;	/* name of the running test */
};

struct luo_test {
	const char *name;
	const char *desc;
	int stages;		/* number of boots the test spans (0 = 1) */
	const char *mem;	/* QEMU memory size, NULL for the default */
	const char *cmdline;	/* extra kernel arguments of the first boot */
	const char *kernel;	/* "alt": the host runner boots stage 1 on the
				 * alternative kernel (run-tests.sh --alt-kernel),
				 * not on ours; NULL: ours */
	const char *qemu;	/* extra QEMU arguments (the machine, e.g. NUMA
				 * nodes), NULL for none */
	/*
	 * Kernel log lines the test causes on purpose, NULL-terminated
	 * (LUO_LOG()): each is a whole line as printed, without the time
	 * stamp, where '*' stands for any text (addresses, counts). Every
	 * one must appear, and no other KHO/LUO warning may.
	 */
	const char *const *expect_log;
	/*
	 * Kernel log lines the test may cause, NULL-terminated (LUO_LOG(),
	 * same patterns): any of them may appear, any number of times, none
	 * is required. For tests whose damage is random (fuzzing), which
	 * cannot say which check fires; the test itself then checks that a
	 * refusal was logged whenever something was lost.
	 */
	const char *const *allow_log;
	/*
	 * The last stage needs the kernel images in /boot: luo_kexec()
	 * otherwise passes the last kexec an initrd without them.
	 */
	bool keep_images;
	bool may_skip;		/* may SKIP(): needs what lies outside the
				 * kernel under test (the interop kernel) */
	bool bench;		/* run by "make bench", not "make test" */
	bool demo;		/* run by name only ("make run") */
	enum luo_result (*run)(struct luo_ctx *ctx);
};

void luo_register(const struct luo_test *t);

/*
 * luo_tests - the registered tests, for another front end than the guest
 * runner (the kselftest adapter, ksft_luo.c, built with LUO_NO_MAIN).
 * Reads the command line (luo_arg()) and sets the stage to 1.
 */
int luo_tests(const struct luo_test *const **list);

#define LUO_LOG(...)	((const char *const[]){ __VA_ARGS__, NULL })

#define LUO_TEST(fn, ...)						\
	static enum luo_result fn(struct luo_ctx *ctx);			\
	static const struct luo_test __luo_test_##fn = {		\
		.name = #fn, .run = fn, __VA_ARGS__			\
	};								\
	static void __attribute__((constructor)) __luo_reg_##fn(void)	\
	{								\
		luo_register(&__luo_test_##fn);				\
	}								\
	static enum luo_result fn(struct luo_ctx *ctx)

/* Diagnostics, KTAP style ("# ..."), to the console. */
#define luo_info(fmt, ...) \
	fprintf(stdout, "# " fmt "\n", ##__VA_ARGS__)
#define luo_fail(fmt, ...) \
	fprintf(stdout, "# FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__)

/* Fail the test unless @cond holds. */
#define ASSERT_TRUE(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		luo_fail("%s: " fmt, #cond, ##__VA_ARGS__);		\
		return LUO_FAIL;					\
	}								\
} while (0)

/* Fail unless @expr returns -1 with errno == @err. */
#define ASSERT_ERRNO(expr, err) do {					\
	long __r; int __e;						\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	if (__r != -1 || __e != (err)) {				\
		luo_fail("%s: got %ld/%s, expected -1/%s", #expr, __r,	\
			 strerrorname_np(__e) ?: "0",			\
			 strerrorname_np(err));				\
		return LUO_FAIL;					\
	}								\
} while (0)

/* Fail unless @expr is >= 0. */
#define ASSERT_OK(expr) do {						\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	if (__r < 0) {							\
		luo_fail("%s: %ld (%s)", #expr, __r,			\
			 strerrorname_np(errno) ?: "?");		\
		return LUO_FAIL;					\
	}								\
} while (0)

/* Skip the test, with a reason (see "Skips" above). */
#define SKIP(fmt, ...) do {						\
	luo_info("SKIP " fmt, ##__VA_ARGS__);				\
	return LUO_SKIP;						\
} while (0)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Values carried to the next stage on the kernel command line. */
void luo_put(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *luo_get(const char *key);
unsigned long long luo_get_u64(const char *key);

/* Value of "@key=" on this boot's command line, or NULL. */
const char *luo_arg(const char *key);

/*
 * luo_kexec - load @kernel (NULL: /boot/bzImage) with the running initramfs
 * and reboot into it with luo.stage incremented. The kexec into a test's
 * last stage passes the initramfs without its kernel images (unless the
 * test has .keep_images): less for the purgatory to hash in the blackout.
 * Returns only on failure, with the errno of the failed step (the
 * reboot's errno when LUO refused).
 */
int luo_kexec(const char *kernel);

/*
 * luo_next_args - the arguments the next stage needs on its command line
 * (stage number, carried values, luo_kexec_append() arguments), for a
 * test that has a tool do the kexec. 0 or -E2BIG.
 */
int luo_next_args(char *buf, size_t len);

/*
 * luo_kexec_by_tool - a tool (luo-bpf update) is about to do the kexec:
 * report this stage's kernel log now, as luo_kexec() does before its
 * reboot (the stage never returns to the runner), and announce the next
 * stage. Call it right before running the tool.
 */
void luo_kexec_by_tool(void);

/*
 * luo_kexec_append - add @arg to the next kernel's command line (after the
 * arguments of this boot, which are kept). Like every other argument it is
 * then inherited by later stages. Returns 0 or -E2BIG.
 */
int luo_kexec_append(const char *arg);

/*
 * luo_kexec_hook - have luo_kexec() call @fn(@arg) after the image is
 * loaded and right before reboot(), e.g. to stamp the time of the reboot
 * into preserved memory.
 */
void luo_kexec_hook(void (*fn)(void *arg), void *arg);

/*
 * luo_agent_hold - fork a detached process (own session) that keeps a copy
 * of every fd open at the time of the call until the kexec reboot ends it.
 * The test can then close its own session fds before luo_kexec(), proving
 * that what another process holds is what survives. Returns the agent's
 * pid or -errno; luo_agent_release() kills and reaps it (closing its fds).
 */
pid_t luo_agent_hold(void);

/*
 * luo_handover - end a stage as an agent would: a detached agent keeps
 * every open fd, this process closes its own copies (all but stdio), then
 * kexecs. Returns only on failure, with LUO_FAIL.
 */
enum luo_result luo_handover(void);
int luo_agent_release(pid_t pid);

/*
 * luo_kmemleak_scan - have kmemleak scan now (the runner does at the end
 * of every stage: before luo_kexec()'s reboot, in luo_next_args() and
 * after the last stage) and print its report as "luo-kmemleak: " lines.
 * Only objects older than 5 s are reported: a test that checks an
 * operation it just did sleeps first. Returns the number of suspects, 0
 * on a kernel without kmemleak, -1 if the scan failed.
 */
int luo_kmemleak_scan(void);

/* Helpers shared by tests. */
const char *luo_boot_id(void);
bool luo_kmsg_contains(const char *needle);
/* Is there a kernel log line equal to @pattern ('*': any text)? */
bool luo_kmsg_match(const char *pattern);
long long luo_meminfo_kb(const char *field);
/* A /proc/vmstat counter, or -1. */
long long luo_vmstat(const char *field);
/* Free memory in kB: MemFree plus the pages on per-CPU free lists. */
long long luo_free_kb(void);
double luo_now(void);

/*
 * Session preambles. Each opens /dev/liveupdate into *@luo and returns the
 * session fd (luo_session_new(): CREATE_SESSION; luo_session_get():
 * RETRIEVE_SESSION), or -errno after a "# FAIL" line naming the step; on
 * failure nothing stays open. luo_retrieve_one() also retrieves the file
 * of token @token of session @name: the file's fd, the session's in *@s.
 */
int luo_session_new(const char *name, int *luo);
int luo_session_get(const char *name, int *luo);
int luo_retrieve_one(const char *name, uint64_t token, int *luo, int *s);
/*
 * The usual end of a test's last stage: FINISH of session @s (a failure
 * fails the test), then @s and @luo closed.
 */
enum luo_result luo_finish_close(int s, int luo);

/* Small file helpers (sysfs, procfs, debugfs): 0 / bytes read, or -errno. */
int luo_write_file(const char *path, const char *val);
ssize_t luo_read_file(const char *path, char *buf, size_t len);
/* Raise RLIMIT_NOFILE (soft and hard) to at least @n: 0 or -errno. */
int luo_set_nofile(unsigned long n);

/*
 * Test data: the u64 at byte offset @off of a buffer filled with seed
 * @seed. Every word depends on its offset, so misplaced pages are caught.
 */
static inline uint64_t luo_pattern_word(uint64_t off, uint64_t seed)
{
	return ((off >> 3) + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
}

/* Fill @len bytes (a multiple of 8) standing at file offset @off. */
void luo_pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed);
/* Offset of the first word of @buf differing from the pattern, or @len. */
size_t luo_pattern_check(const void *buf, size_t len, uint64_t off,
			 uint64_t seed);
/*
 * Order-sensitive checksum of @len bytes (a multiple of 8), chained: start
 * with any constant, pass the result back in for the next buffer.
 */
uint64_t luo_checksum(uint64_t sum, const void *buf, size_t len);
/* A fresh random 64-bit seed. */
uint64_t luo_seed(void);

/*
 * luo_memfd_new - a memfd (MFD_CLOEXEC | MFD_ALLOW_SEALING) of @size bytes
 * holding the pattern of @seed, written with pwrite(). Returns fd or -errno.
 * luo_memfd_verify - 0 if @fd is @size bytes long and holds that pattern
 * (read with pread, from offset 0); otherwise prints why and returns -1.
 */
int luo_memfd_new(const char *name, size_t size, uint64_t seed);
int luo_memfd_verify(int fd, size_t size, uint64_t seed);

/*
 * Physical frame of the page mapped at @addr (must be present), from
 * /proc/self/pagemap; 0 if unknown. luo_kpageflags(): its /proc/kpageflags
 * word, or 0.
 */
uint64_t luo_pfn(const void *addr);
uint64_t luo_kpageflags(uint64_t pfn);
#define LUO_KPF_THP	22	/* kpageflags bit: part of a transparent huge page */

/* Shmem THP policy ("always", "never", ...): memfds allocate by it. */
#define LUO_THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* Print a benchmark figure: "luo-bench: <name> <value> <unit>". */
void luo_bench(const char *name, double value, const char *unit);
/* Running our kernel, not the other kernel of the interop tests/benches. */
bool luo_kernel_is_ours(void);

#endif /* LUO_TEST_H */
