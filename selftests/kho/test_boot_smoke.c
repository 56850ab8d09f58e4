// SPDX-License-Identifier: GPL-2.0
/*
 * test_boot_smoke.c - the test kernel boots to userspace with the features
 * every other test relies on: memfd, /dev/kmsg, the initrd kept for kexec.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "luo_test.h"

LUO_TEST(boot_smoke, .desc = "single boot: memfd, kmsg and retained initrd work")
{
	struct stat st;
	int fd;

	fd = memfd_create("smoke", MFD_CLOEXEC);
	ASSERT_OK(fd);
	ASSERT_OK(ftruncate(fd, 1 << 20));
	ASSERT_TRUE(pwrite(fd, "luo", 3, 4096) == 3, "pwrite");
	close(fd);

	ASSERT_OK(stat("/sys/firmware/initrd", &st));
	ASSERT_TRUE(st.st_size > 0, "retained initrd is empty");
	ASSERT_OK(stat("/boot/bzImage", &st));
	ASSERT_TRUE(luo_kmsg_contains("Linux version"),
		    "kernel log not readable");
	return LUO_PASS;
}
