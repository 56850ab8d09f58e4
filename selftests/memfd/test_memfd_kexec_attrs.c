// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_attrs.c - what a memfd is besides its bytes comes back
 * too: size (not page aligned, and 0), file position (as of the reboot,
 * not of PRESERVE_FD) and seals, which still act in the new kernel.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

struct attrs {
	const char *name;
	unsigned int flags;	/* memfd_create() flags */
	size_t size;
	off_t pos;		/* set after PRESERVE_FD */
	int seals;		/* added before PRESERVE_FD */
};

static const struct attrs files[] = {
	{ "odd", MFD_ALLOW_SEALING, 3 * 4096 + 123, 999,
	  F_SEAL_SHRINK | F_SEAL_GROW },
	{ "ro", MFD_ALLOW_SEALING, 65536, 4096, F_SEAL_WRITE | F_SEAL_SEAL },
	{ "future", MFD_ALLOW_SEALING, 8192, 1, F_SEAL_FUTURE_WRITE },
	{ "empty", MFD_ALLOW_SEALING, 0, 0, 0 },
	/* Without MFD_ALLOW_SEALING a memfd is born with F_SEAL_SEAL. */
	{ "nosealing", 0, 5000, 4999, 0 },
	{ "beyond", MFD_ALLOW_SEALING, 100, 1 << 20, 0 },
	/* On an executable memfd F_SEAL_EXEC implies the write seals. */
	{ "exec", MFD_ALLOW_SEALING, 4096, 7, F_SEAL_EXEC },
};

#define NR	ARRAY_SIZE(files)

static enum luo_result stage1(uint64_t seed)
{
	static uint64_t buf[65536 / 8];
	int luo, s, m, seals, r;
	size_t i;

	s = luo_session_new("attrs", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR; i++) {
		const struct attrs *a = &files[i];

		m = memfd_create(a->name, MFD_CLOEXEC | a->flags);
		ASSERT_OK(m);
		luo_pattern_fill(buf, sizeof(buf), 0, seed + i);
		ASSERT_TRUE(a->size <= sizeof(buf), "%s too big", a->name);
		ASSERT_TRUE(pwrite(m, buf, a->size, 0) == (ssize_t)a->size,
			    "write %s: %m", a->name);
		ASSERT_TRUE(lseek(m, 17, SEEK_SET) == 17, "lseek");
		if (a->seals)
			ASSERT_OK(fcntl(m, F_ADD_SEALS, a->seals));
		seals = fcntl(m, F_GET_SEALS);
		ASSERT_OK(seals);
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %s: %s", a->name, strerror(-r));
		/* Freezing the size is not done with user-visible seals. */
		ASSERT_TRUE(fcntl(m, F_GET_SEALS) == seals,
			    "%s: seals %#x became %#x with PRESERVE_FD", a->name,
			    seals, fcntl(m, F_GET_SEALS));
		/* The position at the reboot is what counts. */
		ASSERT_TRUE(lseek(m, a->pos, SEEK_SET) == a->pos, "lseek %s",
			    a->name);
		luo_put(a->name, "%d", seals);
		close(m);
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

LUO_TEST(memfd_kexec_attrs, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: memfd size, position and seals preserved")
{
	int luo, s, m, seals, want;
	uint64_t seed;
	struct stat st;
	size_t i;
	off_t pos;

	if (ctx->stage == 1)
		return stage1(luo_seed());

	seed = luo_get_u64("seed");
	s = luo_session_get("attrs", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (i = 0; i < NR; i++) {
		const struct attrs *a = &files[i];

		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "retrieve %s: %s", a->name, strerror(-m));
		ASSERT_OK(fstat(m, &st));
		ASSERT_TRUE(st.st_size == (off_t)a->size, "%s: size %lld",
			    a->name, (long long)st.st_size);
		pos = lseek(m, 0, SEEK_CUR);
		ASSERT_TRUE(pos == a->pos, "%s: position %lld, expected %lld",
			    a->name, (long long)pos, (long long)a->pos);
		seals = fcntl(m, F_GET_SEALS);
		want = (int)luo_get_u64(a->name);
		ASSERT_TRUE(luo_get(a->name) && seals == want,
			    "%s: seals %#x, expected %#x", a->name, seals, want);
		ASSERT_TRUE(!luo_memfd_verify(m, a->size, seed + i),
			    "%s: content", a->name);
		close(m);
	}

	/* The seals are enforced, not just reported. */
	m = liveupdate_retrieve_fd(s, 0);		/* odd: SHRINK|GROW */
	ASSERT_OK(m);
	ASSERT_ERRNO(ftruncate(m, 4096), EPERM);
	ASSERT_ERRNO(ftruncate(m, 1 << 20), EPERM);
	ASSERT_TRUE(pwrite(m, "x", 1, 0) == 1, "write within size: %m");
	close(m);
	m = liveupdate_retrieve_fd(s, 1);		/* ro: WRITE|SEAL */
	ASSERT_OK(m);
	ASSERT_ERRNO(pwrite(m, "x", 1, 0), EPERM);
	ASSERT_ERRNO(fcntl(m, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	close(m);
	m = liveupdate_retrieve_fd(s, 4);		/* nosealing: SEAL */
	ASSERT_OK(m);
	ASSERT_ERRNO(fcntl(m, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	close(m);
	m = liveupdate_retrieve_fd(s, 3);		/* empty: can be sealed */
	ASSERT_OK(m);
	ASSERT_OK(fcntl(m, F_ADD_SEALS, F_SEAL_GROW));
	close(m);

	return luo_finish_close(s, luo);
}
