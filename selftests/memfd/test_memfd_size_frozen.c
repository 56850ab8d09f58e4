// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_size_frozen.c - while preserved, a memfd's size and page
 * layout cannot change: truncate, grow (also by writing past the end),
 * fallocate and hole punching fail with EPERM; writes inside the file
 * still work. Closing the session unfreezes it.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define SZ	(1 << 20)

LUO_TEST(memfd_size_frozen, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: truncate/fallocate/punch after preserve EPERM")
{
	struct stat st;
	int luo, s, m, r;

	s = luo_session_new("frozen", &luo);
	ASSERT_TRUE(s >= 0, "session");
	m = luo_memfd_new("frozen", SZ, 7);
	ASSERT_OK(m);
	/* A hole, so that fallocate inside the size has work to do. */
	ASSERT_OK(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    SZ / 2, 65536));
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	ASSERT_ERRNO(ftruncate(m, SZ / 2), EPERM);
	ASSERT_ERRNO(ftruncate(m, 2 * SZ), EPERM);
	ASSERT_ERRNO(ftruncate(m, 0), EPERM);
	ASSERT_ERRNO(pwrite(m, "x", 1, SZ), EPERM);
	ASSERT_ERRNO(fallocate(m, 0, 0, 2 * SZ), EPERM);
	ASSERT_ERRNO(fallocate(m, 0, SZ / 2, 65536), EPERM);
	ASSERT_ERRNO(fallocate(m, FALLOC_FL_KEEP_SIZE, SZ, SZ), EPERM);
	ASSERT_ERRNO(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 65536), EPERM);
	ASSERT_OK(fstat(m, &st));
	ASSERT_TRUE(st.st_size == SZ, "size changed to %lld",
		    (long long)st.st_size);
	ASSERT_TRUE(pwrite(m, "inside", 6, 100) == 6, "write inside: %m");
	ASSERT_TRUE(pwrite(m, "end", 3, SZ - 3) == 3, "write at the end: %m");

	close(s);
	ASSERT_OK(ftruncate(m, 2 * SZ));
	ASSERT_OK(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    0, 65536));
	ASSERT_OK(fallocate(m, 0, 0, 3 * SZ));
	ASSERT_OK(ftruncate(m, 4096));
	close(m);
	close(luo);
	return LUO_PASS;
}
