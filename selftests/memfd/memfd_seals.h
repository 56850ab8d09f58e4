/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_seals.h - the seals a preserved memfd may carry, for memfd_seals
 * (single boot: PRESERVE_FD accepts each) and memfd_seals_kexec (each comes
 * back after the kexec). No other seal can be set on a memfd through the
 * current uAPI, so the EOPNOTSUPP path cannot be reached from userspace.
 */
#ifndef MEMFD_SEALS_H
#define MEMFD_SEALS_H

#include <fcntl.h>

#include "luo_test.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

/* Each seal alone, then all of them. */
static const int memfd_seal_sets[] = {
	0, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
	F_SEAL_FUTURE_WRITE, F_SEAL_EXEC,
	F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	F_SEAL_FUTURE_WRITE | F_SEAL_EXEC,
};

#define NR_MEMFD_SEALS	ARRAY_SIZE(memfd_seal_sets)
#define MEMFD_SEALS_SIZE	8192

/* What F_GET_SEALS reads after adding memfd_seal_sets[i]. */
static inline int memfd_seals_read(size_t i)
{
	int want = memfd_seal_sets[i];

	/* On an executable memfd F_SEAL_EXEC implies the write seals. */
	if (want & F_SEAL_EXEC)
		want |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			F_SEAL_FUTURE_WRITE;
	return want;
}

/*
 * Preserve in session @s one memfd per entry of memfd_seal_sets (token i, the
 * pattern of seed i, sealed as the entry says). 0, or LUO_FAIL.
 */
static inline enum luo_result memfd_seals_preserve(int s)
{
	int m, got, r;
	size_t i;

	for (i = 0; i < NR_MEMFD_SEALS; i++) {
		m = luo_memfd_new("seals", MEMFD_SEALS_SIZE, i);
		ASSERT_OK(m);
		if (memfd_seal_sets[i])
			ASSERT_OK(fcntl(m, F_ADD_SEALS, memfd_seal_sets[i]));
		got = fcntl(m, F_GET_SEALS);
		ASSERT_TRUE(got == memfd_seals_read(i),
			    "seals %#x set, %#x read, %#x expected",
			    memfd_seal_sets[i], got, memfd_seals_read(i));
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "seals %#x refused: %s", memfd_seal_sets[i],
			    strerror(-r));
		close(m);
	}
	return LUO_PASS;
}

#endif /* MEMFD_SEALS_H */
