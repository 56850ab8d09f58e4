// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_session_names.c - session names are 1..63 characters and must be
 * NUL-terminated within the 64-byte field. The ioctl is issued directly so
 * the unterminated case reaches the kernel.
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

/* CREATE_SESSION with @len bytes of 'n' then NULs (none if @len == 64). */
static int create_len(int luo, size_t len)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	memset(arg.name, 'n', len);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) < 0)
		return -errno;
	return arg.fd;
}

LUO_TEST(luo_session_names, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: names of 0 and 64 bytes EINVAL, 1 and 63 work")
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int luo, fd;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	fd = create_len(luo, 0);
	ASSERT_TRUE(fd == -EINVAL, "empty name: %d", fd);
	fd = create_len(luo, LIVEUPDATE_SESSION_NAME_LENGTH);
	ASSERT_TRUE(fd == -EINVAL, "64 bytes without NUL: %d", fd);

	fd = create_len(luo, 1);
	ASSERT_TRUE(fd >= 0, "1-byte name: %s", strerror(-fd));
	ASSERT_OK(liveupdate_get_name(fd, name, sizeof(name)));
	ASSERT_TRUE(!strcmp(name, "n"), "name read back as '%s'", name);
	close(fd);

	fd = create_len(luo, LIVEUPDATE_SESSION_NAME_LENGTH - 1);
	ASSERT_TRUE(fd >= 0, "63-byte name: %s", strerror(-fd));
	ASSERT_OK(liveupdate_get_name(fd, name, sizeof(name)));
	ASSERT_TRUE(strlen(name) == LIVEUPDATE_SESSION_NAME_LENGTH - 1,
		    "63-byte name read back with %zu bytes", strlen(name));
	close(fd);
	close(luo);
	return LUO_PASS;
}
