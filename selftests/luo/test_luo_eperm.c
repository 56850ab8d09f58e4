// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_eperm.c - opening /dev/liveupdate needs CAP_SYS_ADMIN.
 *
 * The node's mode is opened up for the duration of the test so that the
 * file permission check passes and only the driver's capability check can
 * refuse the unprivileged openers.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "liveupdate.h"
#include "luo_test.h"

/* Clear @cap from the effective, permitted and inheritable sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int i = cap / 32;
	__u32 bit = 1U << (cap % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Open the device in a child: with uid 0 minus CAP_SYS_ADMIN, or (@nobody)
 * also switched to uid/gid 65534, which drops every capability. Returns the
 * errno the child got (0: it opened the device), or -1 on a setup failure.
 */
static int child_open(bool nobody)
{
	int status, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (drop_cap(CAP_SYS_ADMIN))
			_exit(255);
		if (nobody && (setresgid(65534, 65534, 65534) ||
			       setresuid(65534, 65534, 65534)))
			_exit(255);
		fd = open(LIVEUPDATE_DEV, O_RDWR);
		_exit(fd < 0 ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* What a child_open() result means, for the failure message. */
static const char *what(int r)
{
	if (r < 0)
		return "child setup failed";
	return r ? strerrorname_np(r) : "device opened";
}

LUO_TEST(luo_eperm, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: opening without CAP_SYS_ADMIN fails with EPERM")
{
	struct stat st;
	int r1, r2, luo;

	ASSERT_OK(stat(LIVEUPDATE_DEV, &st));
	ASSERT_OK(chmod(LIVEUPDATE_DEV, 0666));
	r1 = child_open(false);
	r2 = child_open(true);
	ASSERT_OK(chmod(LIVEUPDATE_DEV, st.st_mode & 07777));

	ASSERT_TRUE(r1 == EPERM, "root without CAP_SYS_ADMIN: %s", what(r1));
	ASSERT_TRUE(r2 == EPERM, "uid 65534: %s", what(r2));

	/* The refused opens must not have left the device marked busy. */
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "privileged open after refusals: %s",
		    strerror(-luo));
	close(luo);
	return LUO_PASS;
}
