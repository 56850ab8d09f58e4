// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_seals.c - every seal the format carries (SEAL, SHRINK, GROW,
 * WRITE, FUTURE_WRITE, EXEC) is accepted by PRESERVE_FD, alone and all
 * together, and comes back with the memfd's bytes after the kexec (stage
 * 2). No other seal can be set on a memfd through the current uAPI,
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

/* What F_GET_SEALS reads after adding seals[i]. */
static int seals_read(size_t i)
{
	int want = seals[i];

	/* On an executable memfd F_SEAL_EXEC implies the write seals. */
	if (want & F_SEAL_EXEC)
		want |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			F_SEAL_FUTURE_WRITE;
	return want;
}

/* Stage 2: each memfd comes back with its seals and its bytes. */
static enum luo_result retrieve_all(void)
{
	int luo, s, m, got;
	size_t i;

	s = luo_session_get("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR; i++) {
		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "retrieve seals %#x: %s", seals[i],
			    strerror(-m));
		got = fcntl(m, F_GET_SEALS);
		ASSERT_TRUE(got == seals_read(i),
			    "seals %#x came back as %#x, expected %#x",
			    seals[i], got, seals_read(i));
		ASSERT_TRUE(!luo_memfd_verify(m, 8192, i),
			    "content of the memfd sealed %#x", seals[i]);
		close(m);
	}
	return luo_finish_close(s, luo);
}

LUO_TEST(memfd_seals, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: every allowed seal (and all of them) accepted and back after the kexec")
{
	int luo, s, m, got, r;
	size_t i;

	if (ctx->stage == 2)
		return retrieve_all();
	s = luo_session_new("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR; i++) {
		m = luo_memfd_new("seals", 8192, i);
		ASSERT_OK(m);
		if (seals[i])
			ASSERT_OK(fcntl(m, F_ADD_SEALS, seals[i]));
		got = fcntl(m, F_GET_SEALS);
		ASSERT_TRUE(got == seals_read(i),
			    "seals %#x set, %#x read, %#x expected",
			    seals[i], got, seals_read(i));
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "seals %#x refused: %s", seals[i], strerror(-r));
		close(m);
	}
	return luo_handover();
}
