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
 */
#ifndef LUO_TEST_H
#define LUO_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
	bool bench;		/* run by "make bench", not "make test" */
	enum luo_result (*run)(struct luo_ctx *ctx);
};

void luo_register(const struct luo_test *t);

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

#define SKIP(fmt, ...) do {						\
	luo_info("SKIP " fmt, ##__VA_ARGS__);				\
	return LUO_SKIP;						\
} while (0)

/* Values carried to the next stage on the kernel command line. */
void luo_put(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *luo_get(const char *key);
unsigned long long luo_get_u64(const char *key);

/*
 * luo_kexec - load @kernel (NULL: /boot/bzImage) with the running initramfs
 * and reboot into it with luo.stage incremented. Returns only on failure,
 * with the errno of the failed step (the reboot's errno when LUO refused).
 */
int luo_kexec(const char *kernel);

/* Helpers shared by tests. */
const char *luo_boot_id(void);
bool luo_kmsg_contains(const char *needle);
long long luo_meminfo_kb(const char *field);
double luo_now(void);

/* Print a benchmark figure: "luo-bench: <name> <value> <unit>". */
void luo_bench(const char *name, double value, const char *unit);

#endif /* LUO_TEST_H */
