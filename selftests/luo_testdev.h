/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_testdev.h - the kernel's LUO test handler (CONFIG_LIVEUPDATE_TEST),
 * as seen from userspace through debugfs:
 *
 *   liveupdate/test_file  every open() gives a new file that the handler
 *                         (compatible "luo-test-v1") accepts in PRESERVE_FD.
 *                         Commands written to it:
 *                           "fail-freeze"  its freeze fails with -EAGAIN
 *                           "data=<u64>"   value carried across the kexec;
 *                                          the retrieved fd reads back
 *                                          "data=<u64>\n"
 *                           "busy-finish"  can_finish says no in the new
 *                                          kernel until "allow-finish" is
 *                                          written to the retrieved fd
 *   liveupdate/test_stats "finish=<n> freed=<n>": calls of the handler's
 *                         finish, and how many released the page of a
 *                         never-retrieved file
 *   liveupdate/test_flb   one line describing the handler's single FLB:
 *                         "out_preserved=<0|1> out_files=<n> in_present=<0|1>
 *                          in_retrieved=<0|1> in_finished=<0|1> in_files=<n>"
 *
 * The kernel command line option liveupdate_test.unknown=1 keeps the test
 * handler from registering, so its files arrive with an unknown compatible;
 * liveupdate_test.flb_fail=1 makes the retrieve of the incoming FLB fail.
 */
#ifndef LUO_TESTDEV_H
#define LUO_TESTDEV_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "luo_test.h"

#define LUO_TEST_FILE	"/sys/kernel/debug/liveupdate/test_file"
#define LUO_TEST_FLB	"/sys/kernel/debug/liveupdate/test_flb"
#define LUO_TEST_STATS	"/sys/kernel/debug/liveupdate/test_stats"

struct luo_flb_state {
	int out_preserved, out_files;
	int in_present, in_retrieved, in_finished, in_files;
};

/* Send one command to a test file: 0 or -errno. */
static inline int luo_testdev_cmd(int fd, const char *cmd)
{
	ssize_t n = write(fd, cmd, strlen(cmd));

	if (n < 0)
		return -errno;
	return (size_t)n == strlen(cmd) ? 0 : -EIO;
}

/* A new test file, with @cmd (may be NULL) already sent: fd or -errno. */
static inline int luo_testdev_open(const char *cmd)
{
	int fd = open(LUO_TEST_FILE, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0 || !cmd)
		return fd < 0 ? -errno : fd;
	err = luo_testdev_cmd(fd, cmd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The FLB state line, parsed: 0, -errno, or -EPROTO if malformed. */
static inline int luo_flb_read(struct luo_flb_state *s)
{
	char buf[256];
	ssize_t n = luo_read_file(LUO_TEST_FLB, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (sscanf(buf, "out_preserved=%d out_files=%d in_present=%d in_retrieved=%d in_finished=%d in_files=%d",
		   &s->out_preserved, &s->out_files, &s->in_present,
		   &s->in_retrieved, &s->in_finished, &s->in_files) != 6) {
		luo_info("unparsable %s: %s", LUO_TEST_FLB, buf);
		return -EPROTO;
	}
	return 0;
}

/* The handler's finish counters: 0, -errno, or -EPROTO if malformed. */
static inline int luo_testdev_stats(int *finish, int *freed)
{
	char buf[64];
	ssize_t n = luo_read_file(LUO_TEST_STATS, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (sscanf(buf, "finish=%d freed=%d", finish, freed) != 2)
		return -EPROTO;
	return 0;
}

#endif /* LUO_TESTDEV_H */
