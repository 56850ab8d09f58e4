// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_reopen_finish.c - a retrieved memfd reopened through its
 * /proc path keeps every byte, however soon the retriever lets go.
 *
 * A program handed the path of a memfd (/proc/<pid>/fd/N) opens a second
 * struct file on the same inode. Stage 2 retrieves a 512 MiB memfd full of
 * a pattern, opens /proc/self/fd/N, closes the retrieved fd and FINISHes
 * the session at once, then reads the reopened file: every byte must be
 * the preserved one (it once read 511 MiB of zeroes, without an error,
 * when the folios went in after RETRIEVE_FD and the fill took a closed
 * original for a file nobody held).
 */
#include <fcntl.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define SIZE		(512UL << 20)

LUO_TEST(memfd_reopen_finish, .stages = 2, .mem = "2G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a memfd reopened through /proc, its retrieved fd closed and the session finished at once, reads every preserved byte")
{
	int luo, s, m, m2, r;
	uint64_t seed;
	char path[64];

	if (ctx->stage == 1) {
		seed = luo_seed();
		ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
		m = luo_memfd_new("reopen", SIZE, seed);
		ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
		s = luo_session_new("reopen", &luo);
		ASSERT_TRUE(s >= 0, "session");
		r = liveupdate_preserve_fd(s, m, 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	m = luo_retrieve_one("reopen", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	m2 = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(m2 >= 0, "reopen %s: %m", path);
	ASSERT_OK(close(m));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	ASSERT_OK(close(s));
	ASSERT_OK(close(luo));

	ASSERT_TRUE(!luo_memfd_verify(m2, SIZE, seed),
		    "the reopened memfd lost preserved bytes");
	ASSERT_OK(close(m2));
	return LUO_PASS;
}
