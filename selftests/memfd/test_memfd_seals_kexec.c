// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_seals_kexec.c - every seal the format carries, alone and all
 * together, comes back after the kexec with the memfd's bytes (our kernel
 * to our kernel; the interop tests check it across upstream 7.3).
 */
#include <unistd.h>

#include "liveupdate.h"
#include "memfd_seals.h"

/* Stage 2: each memfd comes back with its seals and its bytes. */
static enum luo_result retrieve_all(void)
{
	int luo, s, m, got;
	size_t i;

	s = luo_session_get("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR_MEMFD_SEALS; i++) {
		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "retrieve seals %#x: %s", memfd_seal_sets[i],
			    strerror(-m));
		got = fcntl(m, F_GET_SEALS);
		ASSERT_TRUE(got == memfd_seals_read(i),
			    "seals %#x came back as %#x, expected %#x",
			    memfd_seal_sets[i], got, memfd_seals_read(i));
		ASSERT_TRUE(!luo_memfd_verify(m, MEMFD_SEALS_SIZE, i),
			    "content of the memfd sealed %#x", memfd_seal_sets[i]);
		close(m);
	}
	return luo_finish_close(s, luo);
}

LUO_TEST(memfd_seals_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: every allowed seal (and all of them) back after the kexec")
{
	int luo, s;

	if (ctx->stage == 2)
		return retrieve_all();
	s = luo_session_new("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	if (memfd_seals_preserve(s) != LUO_PASS)
		return LUO_FAIL;
	return luo_handover();
}
