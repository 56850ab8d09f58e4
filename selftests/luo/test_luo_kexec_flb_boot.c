// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_flb_boot.c - incoming FLB data is there at boot: a
 * driver that needs it before userspace opens /dev/liveupdate gets it.
 * The test handler's late_initcall (asked by liveupdate_test.flb_at_boot)
 * gets the incoming FLB; the test reads how that went before it opens the
 * device, then checks the FLB stays retrieved and is finished with its
 * last file as usual.
 */
#include <stdlib.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "luo_testdev.h"

#define LUO_TEST_FLB_BOOT	"/sys/kernel/debug/liveupdate/test_flb_boot"

LUO_TEST(luo_kexec_flb_boot, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: the incoming FLB can be got at boot, before any open")
{
	struct luo_flb_state f;
	int luo, s, t, r, get, magic;
	char buf[64];
	ssize_t n;

	if (ctx->stage == 1) {
		s = luo_session_new("flb-boot", &luo);
		ASSERT_TRUE(s >= 0, "session");
		t = luo_testdev_open("data=77");
		ASSERT_TRUE(t >= 0, "%s: %s", LUO_TEST_FILE, strerror(-t));
		r = liveupdate_preserve_fd(s, t, 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		ASSERT_OK(luo_kexec_append("liveupdate_test.flb_at_boot=1"));
		return luo_handover();
	}

	/* Nothing has opened /dev/liveupdate yet. */
	n = luo_read_file(LUO_TEST_FLB_BOOT, buf, sizeof(buf));
	ASSERT_TRUE(n > 0, "%s: %s", LUO_TEST_FLB_BOOT, strerror(-n));
	ASSERT_TRUE(sscanf(buf, "get=%d magic=%d", &get, &magic) == 2,
		    "unparsable: %s", buf);
	luo_info("FLB at boot: get=%d magic=%d", get, magic);
	ASSERT_TRUE(!get, "liveupdate_flb_get_incoming() at boot: %s",
		    strerrorname_np(-get) ?: "?");
	ASSERT_TRUE(magic, "the FLB got at boot has the wrong contents");

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	ASSERT_OK(luo_flb_read(&f));
	ASSERT_TRUE(f.in_present && f.in_retrieved && !f.in_finished &&
		    f.in_files == 1,
		    "incoming FLB present=%d retrieved=%d finished=%d files=%d",
		    f.in_present, f.in_retrieved, f.in_finished, f.in_files);
	s = liveupdate_retrieve_session(luo, "flb-boot");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	t = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(t >= 0, "retrieve fd: %s", strerror(-t));
	n = read(t, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0, "read: %m");
	buf[n] = '\0';
	ASSERT_TRUE(!strcmp(buf, "data=77\n"), "test file reads '%s'", buf);
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	ASSERT_OK(luo_flb_read(&f));
	ASSERT_TRUE(f.in_finished, "FLB not finished with its last file");
	close(t);
	close(s);
	close(luo);
	return LUO_PASS;
}
