// SPDX-License-Identifier: GPL-2.0
/*
 * test_interop_hugetlb_raw.c - what "luo-bpf check" keeps a host from: a
 * kexec into upstream 7.3 without it while a hugetlb memfd is preserved.
 * 7.3 has no handler for "memfd-hugetlb-v1" and fails the deserialization
 * of every session with it: /dev/liveupdate cannot be opened (EIO) in
 * that boot, and the plain memfd preserved beside the hugetlb one is not
 * retrievable either.
 */
#include <sys/mman.h>

#include "interop.h"

#define HPAGE		(2UL << 20)

LUO_TEST(interop_hugetlb_raw, .stages = 2, .keep_images = true,
	 .may_skip = true, .cmdline = "kho=on liveupdate=on",
	 .allow_log = LUO_LOG("Spurious LAPIC timer interrupt on cpu *"),
	 .desc = "two-stage: hugetlb memfd kexec'd into 7.3 unchecked: 7.3 opens no session")
{
	struct utsname u;
	int luo, sh, sp, h, m, r;

	if (access(INTEROP_ALT, R_OK))
		SKIP("no %s (make interop)", INTEROP_ALT);
	if (interop_check_kernel(ctx->stage, ctx->stage == 2, &u) != LUO_PASS)
		return LUO_FAIL;
	luo = liveupdate_open();
	if (ctx->stage == 2) {
		ASSERT_TRUE(luo == -EIO, "7.3 opened /dev/liveupdate: %d", luo);
		ASSERT_TRUE(luo_kmsg_contains("No registered handler for compatible 'memfd-hugetlb-v1'"),
			    "no log line naming the format");
		luo_info("7.3 with a hugetlb memfd in the handover: open %s",
			 strerror(-luo));
		return LUO_PASS;
	}

	ASSERT_TRUE(luo >= 0, "open /dev/liveupdate: %s", strerror(-luo));
	ASSERT_OK(luo_write_file("/proc/sys/vm/nr_hugepages", "4"));
	h = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(h);
	ASSERT_OK(ftruncate(h, HPAGE));
	ASSERT_OK(fallocate(h, 0, 0, HPAGE));
	m = luo_memfd_new("plain", 65536, 7);
	ASSERT_OK(m);
	sp = liveupdate_create_session(luo, "plain");
	sh = liveupdate_create_session(luo, "huge");
	ASSERT_TRUE(sh >= 0 && sp >= 0, "sessions: %d %d", sh, sp);
	r = liveupdate_preserve_fd(sp, m, 1);
	ASSERT_TRUE(!r, "preserve memfd: %s", strerror(-r));
	r = liveupdate_preserve_fd(sh, h, 1);
	ASSERT_TRUE(!r, "preserve hugetlb: %s", strerror(-r));
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	close_range(3, ~0U, 0);
	luo_kexec(INTEROP_ALT);
	return LUO_FAIL;
}
