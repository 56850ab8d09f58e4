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
 */
#ifndef FAULT_INJECT_H
#define FAULT_INJECT_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif /* FAULT_INJECT_H */
