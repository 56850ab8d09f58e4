// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_seals.c - every seal the format carries (SEAL, SHRINK, GROW,
 * WRITE, FUTURE_WRITE, EXEC) is accepted by PRESERVE_FD, alone and all
 * together. No other seal can be set on a memfd through the current uAPI,
 * so the EOPNOTSUPP path cannot be reached from userspace.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

static const int seals[] = {
	0, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
	F_SEAL_FUTURE_WRITE, F_SEAL_EXEC,
	F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	F_SEAL_FUTURE_WRITE | F_SEAL_EXEC,
};

#define NR	ARRAY_SIZE(seals)

LUO_TEST(memfd_seals, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: every allowed seal (and all of them) accepted")
{
	int luo, s, m, got, want, r;
	size_t i;

	s = luo_session_new("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR; i++) {
		m = luo_memfd_new("seals", 8192, i);
		ASSERT_OK(m);
		if (seals[i])
			ASSERT_OK(fcntl(m, F_ADD_SEALS, seals[i]));
		got = fcntl(m, F_GET_SEALS);
		/* On an executable memfd F_SEAL_EXEC implies the write seals. */
		want = seals[i];
		if (want & F_SEAL_EXEC)
			want |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				F_SEAL_FUTURE_WRITE;
		ASSERT_TRUE(got == want, "seals %#x set, %#x read, %#x expected",
			    seals[i], got, want);
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "seals %#x refused: %s", seals[i], strerror(-r));
		close(m);
	}
	close(s);
	close(luo);
	return LUO_PASS;
}
