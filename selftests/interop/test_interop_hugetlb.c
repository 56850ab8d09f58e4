// SPDX-License-Identifier: GPL-2.0
/*
 * test_interop_hugetlb.c - hugetlb memfds and upstream 7.3, which has no
 * handler for "memfd-hugetlb-v1": a 7.3 that found one in the handover
 * could open no session at all (its LUO fails the whole deserialization),
 * so "luo-bpf check" refuses 7.3's image while one is preserved, naming
 * the file, and passes it once the file is unpreserved. Then the update
 * to 7.3 carries the other session's memfd, and 7.3 makes no hugetlb
 * handover (it refuses MFD_HUGETLB memfds at PRESERVE_FD, or has no
 * hugetlbfs at all, ENOSYS): nothing of ours can reach it, nothing of
 * its reaches us.
 */
#include <sys/mman.h>

#include "interop.h"
#include "../tool/tool_util.h"

#define HPAGE		(2UL << 20)

static struct tool_out o;

/* Stage 1, ours: the check against 7.3's image, then the kexec into it. */
static enum luo_result hugetlb_to_alt(int luo)
{
	int sh, sp, h, m, r;

	ASSERT_OK(luo_write_file("/proc/sys/vm/nr_hugepages", "4"));
	h = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(h);
	ASSERT_OK(ftruncate(h, 2 * HPAGE));
	ASSERT_OK(fallocate(h, 0, 0, HPAGE));
	m = luo_memfd_new("plain", 65536, 7);
	ASSERT_OK(m);
	sh = liveupdate_create_session(luo, "huge");
	sp = liveupdate_create_session(luo, "plain");
	ASSERT_TRUE(sh >= 0 && sp >= 0, "sessions: %d %d", sh, sp);
	r = liveupdate_preserve_fd(sh, h, 1);
	ASSERT_TRUE(!r, "preserve hugetlb: %s", strerror(-r));
	r = liveupdate_preserve_fd(sp, m, 1);
	ASSERT_TRUE(!r, "preserve memfd: %s", strerror(-r));

	r = tool_run(&o, LUO_BPF " check --kernel " INTEROP_ALT);
	ASSERT_TRUE(r == 3 && strstr(o.out, "LOST  session 'huge' token 1 (memfd-hugetlb-v1): the image cannot read 'memfd-hugetlb-v1'") &&
		    strstr(o.out, "ok    session 'plain' token 1 (memfd-v2)"),
		    "check of 7.3 with a hugetlb memfd: %d %s %s", r, o.out,
		    o.err);
	r = tool_run(&o, LUO_BPF " check --kernel " INTEROP_OURS);
	ASSERT_TRUE(!r && strstr(o.out, "ok    session 'huge' token 1 (memfd-hugetlb-v1)"),
		    "check of ours: %d %s %s", r, o.out, o.err);

	/* What the refusal asks for: unpreserve it (close its session). */
	close(sh);
	close(h);
	r = tool_run(&o, LUO_BPF " check --kernel " INTEROP_ALT);
	ASSERT_TRUE(!r, "check of 7.3 without it: %d %s %s", r, o.out, o.err);

	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	close_range(3, ~0U, 0);
	luo_kexec(INTEROP_ALT);
	return LUO_FAIL;
}

/* Stage 2, 7.3: the memfd is back; a hugetlb memfd is refused. */
static enum luo_result hugetlb_on_alt(int luo)
{
	int s, m, h, r;

	s = liveupdate_retrieve_session(luo, "plain");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve memfd: %s", strerror(-m));
	ASSERT_OK(luo_memfd_verify(m, 65536, 7));
	close(m);
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);

	/* The interop 7.3 (its selftest config) may have no hugetlbfs. */
	h = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (h < 0) {
		ASSERT_TRUE(errno == ENOSYS, "MFD_HUGETLB on 7.3: %m");
		luo_info("7.3: no hugetlbfs, no hugetlb memfd to preserve");
		return LUO_PASS;
	}
	ASSERT_OK(ftruncate(h, HPAGE));
	s = liveupdate_create_session(luo, "huge-on-alt");
	ASSERT_TRUE(s >= 0, "session: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, h, 1);
	ASSERT_TRUE(r == -ENOENT, "7.3 preserved a hugetlb memfd: %d", r);
	luo_info("7.3: PRESERVE_FD of a hugetlb memfd: %s", strerror(-r));
	return LUO_PASS;
}

LUO_TEST(interop_hugetlb, .stages = 2, .keep_images = true, .may_skip = true,
	 .cmdline = "kho=on liveupdate=on",
	 .allow_log = LUO_LOG("Spurious LAPIC timer interrupt on cpu *"),
	 .desc = "two-stage: hugetlb memfd kept from 7.3 by check; 7.3 refuses one")
{
	struct utsname u;
	int luo;

	if (access(INTEROP_ALT, R_OK))
		SKIP("no %s (make interop)", INTEROP_ALT);
	if (interop_check_kernel(ctx->stage, ctx->stage == 2, &u) != LUO_PASS)
		return LUO_FAIL;
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open /dev/liveupdate: %s", strerror(-luo));
	return ctx->stage == 1 ? hugetlb_to_alt(luo) : hugetlb_on_alt(luo);
}
