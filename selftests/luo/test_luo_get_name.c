// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_get_name.c - GET_NAME returns the whole name, even where the
 * anon-inode name shown in /proc may be cut short.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

#define LONG_NAME "get-name-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQ"

LUO_TEST(luo_get_name, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: GET_NAME returns the full name; anon-inode label")
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };
	char path[64], link[PATH_MAX];
	const char *prefix = "anon_inode:[luo_session] ";
	int luo, s;
	ssize_t n;

	ASSERT_TRUE(strlen(LONG_NAME) == LIVEUPDATE_SESSION_NAME_LENGTH - 1,
		    "test name is %zu bytes", strlen(LONG_NAME));
	s = luo_session_new(LONG_NAME, &luo);
	ASSERT_TRUE(s >= 0, "session");

	/* Pre-fill to see that the kernel writes the name and its NUL. */
	memset(arg.name, 0xff, sizeof(arg.name));
	ASSERT_OK(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	ASSERT_TRUE(!memcmp(arg.name, LONG_NAME, sizeof(LONG_NAME)),
		    "got '%.*s'", (int)sizeof(arg.name), arg.name);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", s);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_TRUE(n > 0, "readlink %s: %m", path);
	link[n] = '\0';
	ASSERT_TRUE(!strncmp(link, prefix, strlen(prefix)),
		    "session fd is '%s'", link);
	luo_info("anon-inode label: %s", link);

	/* GET_NAME does not care about the device fd. */
	close(luo);
	memset(arg.name, 0, sizeof(arg.name));
	ASSERT_OK(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	ASSERT_TRUE(!strcmp((char *)arg.name, LONG_NAME), "after device close");
	close(s);
	return LUO_PASS;
}
