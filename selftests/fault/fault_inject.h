/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fault_inject.h - fail the Nth memory allocation of one system call.
 *
 * /proc/thread-self/fail-nth arms the calling thread: the Nth allocation
 * that failslab or fail_page_alloc considers from then on fails (1: the
 * first). Reading it back says whether that allocation was reached (0) or
 * not (the count left). fault_mode() picks which of the two counts:
 *
 *   FAULT_SLAB   every kmalloc/kmem_cache_alloc, GFP_KERNEL included
 *                (failslab's ignore-gfp-wait off); page allocations not
 *   FAULT_PAGE   every page allocation of any order, GFP_KERNEL and
 *                highmem/movable included; slab allocations not
 *
 * Both are quiet (verbose 0): a forced failure prints no stack. A test
 * iterates N = 1, 2, ... until the operation no longer reaches its Nth
 * allocation: then every allocation it makes has failed once.
 *
 * fault_confine() narrows the count to the allocations made under one
 * kernel function (the stack filter of both attributes): an operation as
 * wide as reboot() allocates in many places, some of them only sometimes
 * (kmemleak, workqueues), and the Nth of those is not the same allocation
 * from one attempt to the next.
 */
#ifndef FAULT_INJECT_H
#define FAULT_INJECT_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "luo_test.h"

enum fault_mode { FAULT_SLAB, FAULT_PAGE };

#define FAULT_DEBUGFS	"/sys/kernel/debug/"

static inline const char *fault_mode_name(enum fault_mode mode)
{
	return mode == FAULT_SLAB ? "failslab" : "fail_page_alloc";
}

/* Set @knob of fault attribute @attr; 0 or -errno. */
static inline int fault_knob(const char *attr, const char *knob,
			     const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), FAULT_DEBUGFS "%s/%s", attr, knob);
	return luo_write_file(path, val);
}

/*
 * fault_mode - count only the allocations of @mode (see above). Returns
 * 0, or -errno when the kernel has no fault injection.
 */
static inline int fault_mode(enum fault_mode mode)
{
	bool slab = mode == FAULT_SLAB;
	int err;

	err = fault_knob("failslab", "verbose", "0") ?:
	      fault_knob("fail_page_alloc", "verbose", "0") ?:
	      fault_knob("failslab", "ignore-gfp-wait", slab ? "N" : "Y") ?:
	      /* No cache is marked SLAB_FAILSLAB: filtering excludes all. */
	      fault_knob("failslab", "cache-filter", slab ? "N" : "Y") ?:
	      fault_knob("fail_page_alloc", "ignore-gfp-wait", slab ? "Y" : "N") ?:
	      fault_knob("fail_page_alloc", "ignore-gfp-highmem", slab ? "Y" : "N") ?:
	      fault_knob("fail_page_alloc", "min-order", slab ? "4096" : "0");
	return err;
}

/* The calling thread's fail-nth file, opened once. */
static inline int fault_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return fd;
}

/* Arm: the @n-th allocation from now on fails. 0 or -errno. */
static inline int fault_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (fault_fd() < 0)
		return -errno;
	return pwrite(fault_fd(), buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarm; true if the armed failure was injected (the n-th allocation was
 * reached), false if the operation made fewer allocations.
 */
static inline bool fault_disarm(void)
{
	char buf[16] = "";
	ssize_t n;

	n = pread(fault_fd(), buf, sizeof(buf) - 1, 0);
	if (pwrite(fault_fd(), "0", 1, 0) != 1 || n <= 0)
		return false;
	return strtoul(buf, NULL, 10) == 0;
}

/* Text address of kernel function @func and of the symbol after it. */
static inline int fault_func_range(const char *func, unsigned long *start,
				   unsigned long *end)
{
	char name[256], type;
	unsigned long addr;
	FILE *f;
	int pass;

	*start = 0;
	*end = ~0UL;
	for (pass = 0; pass < 2; pass++) {
		f = fopen("/proc/kallsyms", "re");
		if (!f)
			return -errno;
		while (fscanf(f, "%lx %c %255s%*[^\n]", &addr, &type, name) == 3) {
			if (!pass && (type == 't' || type == 'T') &&
			    !strcmp(name, func))
				*start = addr;
			else if (pass && addr > *start && addr < *end)
				*end = addr;
		}
		fclose(f);
		if (!*start)
			return -ENOENT;
	}
	return *end == ~0UL ? -ENOENT : 0;
}

/*
 * fault_confine - from now on count only allocations made with kernel
 * function @func on the stack (NULL: all of them again). Returns 0,
 * -ENOENT if /proc/kallsyms does not list @func, or -errno of the knobs
 * (no CONFIG_FAULT_INJECTION_STACKTRACE_FILTER: -ENOENT).
 */
static inline int fault_confine(const char *func)
{
	unsigned long start = 0, end = ~0UL;
	char s[32], e[32];
	int err;

	if (func) {
		err = fault_func_range(func, &start, &end);
		if (err)
			return err;
	}
	snprintf(s, sizeof(s), "0x%lx", start);
	snprintf(e, sizeof(e), "0x%lx", end);
	return fault_knob("failslab", "require-start", s) ?:
	       fault_knob("failslab", "require-end", e) ?:
	       fault_knob("fail_page_alloc", "require-start", s) ?:
	       fault_knob("fail_page_alloc", "require-end", e);
}

#endif /* FAULT_INJECT_H */
