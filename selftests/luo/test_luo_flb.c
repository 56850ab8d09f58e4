// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_flb.c - the test handler's FLB is preserved with its first
 * dependent file and unpreserved with its last, across sessions; files of
 * other handlers and refused preservations do not count.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

/* Fail unless the FLB's outgoing side is (@preserved, @files). */
#define ASSERT_FLB_OUT(preserved, files) do {				\
	struct luo_flb_state __f;					\
	ASSERT_OK(luo_flb_read(&__f));					\
	ASSERT_TRUE(__f.out_preserved == (preserved) &&			\
		    __f.out_files == (files),				\
		    "FLB out_preserved=%d out_files=%d, expected %d/%d",\
		    __f.out_preserved, __f.out_files, preserved, files);\
} while (0)

LUO_TEST(luo_flb, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: FLB preserved with first file, unpreserved with last")
{
	struct luo_flb_state flb;
	int luo, s1, s2, t1, t2, t3, m, r;

	ASSERT_OK(luo_flb_read(&flb));
	ASSERT_TRUE(!flb.in_present, "incoming FLB on a cold boot");
	ASSERT_FLB_OUT(0, 0);

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	s1 = liveupdate_create_session(luo, "flb-1");
	s2 = liveupdate_create_session(luo, "flb-2");
	ASSERT_TRUE(s1 >= 0 && s2 >= 0, "create: %d %d", s1, s2);
	t1 = luo_testdev_open(NULL);
	t2 = luo_testdev_open(NULL);
	t3 = luo_testdev_open(NULL);
	ASSERT_TRUE(t1 >= 0 && t2 >= 0 && t3 >= 0, "%s: %d %d %d",
		    LUO_TEST_FILE, t1, t2, t3);

	/* A memfd does not depend on the test FLB. */
	m = memfd_create("flb", MFD_CLOEXEC);
	ASSERT_OK(m);
	ASSERT_TRUE(!liveupdate_preserve_fd(s1, m, 100), "preserve memfd");
	ASSERT_FLB_OUT(0, 0);

	ASSERT_TRUE(!liveupdate_preserve_fd(s1, t1, 1), "preserve t1");
	ASSERT_FLB_OUT(1, 1);
	ASSERT_TRUE(!liveupdate_preserve_fd(s2, t2, 1), "preserve t2");
	ASSERT_FLB_OUT(1, 2);
	/* Refused (token taken): no new dependent. */
	r = liveupdate_preserve_fd(s2, t3, 1);
	ASSERT_TRUE(r == -EEXIST, "t3 under a used token: %d", r);
	ASSERT_FLB_OUT(1, 2);

	close(s1);
	ASSERT_FLB_OUT(1, 1);
	close(s2);
	ASSERT_FLB_OUT(0, 0);

	/* Preserved again from nothing once fully released. */
	s1 = liveupdate_create_session(luo, "flb-1");
	ASSERT_TRUE(s1 >= 0, "recreate: %s", strerror(-s1));
	ASSERT_TRUE(!liveupdate_preserve_fd(s1, t3, 1), "preserve t3");
	ASSERT_FLB_OUT(1, 1);
	close(s1);
	ASSERT_FLB_OUT(0, 0);

	close(m);
	close(t1);
	close(t2);
	close(t3);
	close(luo);
	return LUO_PASS;
}
