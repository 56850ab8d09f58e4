// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_seals.c - every seal the format carries (SEAL, SHRINK, GROW,
 * WRITE, FUTURE_WRITE, EXEC) is accepted by PRESERVE_FD, alone and all
 * together. Single boot: also part of the kselftest form (ksft_luo.c);
 * memfd_seals_kexec checks that they come back.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "memfd_seals.h"

LUO_TEST(memfd_seals, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: every allowed seal (and all of them) accepted")
{
	int luo, s;

	s = luo_session_new("seals", &luo);
	ASSERT_TRUE(s >= 0, "session");
	if (memfd_seals_preserve(s) != LUO_PASS)
		return LUO_FAIL;
	close(s);
	close(luo);
	return LUO_PASS;
}
