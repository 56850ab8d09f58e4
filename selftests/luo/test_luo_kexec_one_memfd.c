// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_one_memfd.c - the basic live update: one session with one
 * memfd, held by an agent across the kexec, retrieved with its content and
 * finished; afterwards it is an ordinary memfd.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define SIZE	((1 << 20) + 123)
#define TOKEN	0x1234

LUO_TEST(luo_kexec_one_memfd, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: one session with one memfd, content checked")
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	uint64_t seed;
	int luo, s, m, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		s = liveupdate_create_session(luo, "one-memfd");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("one", SIZE, seed);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, TOKEN);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "one-memfd");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	ASSERT_OK(liveupdate_get_name(s, name, sizeof(name)));
	ASSERT_TRUE(!strcmp(name, "one-memfd"), "incoming name '%s'", name);
	m = liveupdate_retrieve_fd(s, TOKEN);
	ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "content after kexec");
	/* A real memfd: it knows about seals. */
	ASSERT_OK(fcntl(m, F_GET_SEALS));

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	/* Finishing does not take the retrieved file away. */
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "content after finish");
	ASSERT_OK(ftruncate(m, 4096));
	ASSERT_TRUE(pwrite(m, "new", 3, 0) == 3, "write after finish: %m");
	close(m);
	close(luo);
	return LUO_PASS;
}
