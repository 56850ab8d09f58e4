// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_schema_newer.c - state written with a newer schema than the
 * handler loaded in the new kernel understands (a rollback): the kernel
 * refuses the file before any program reads the state (EPROTO, one log
 * line), frees its memory, and the session's other file is unaffected.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define BIG	(64 << 20)
#define SMALL	(1 << 20)

LUO_TEST(bpf_schema_newer, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: newer BPF state schema refused, memory freed",
	 .expect_log = LUO_LOG("liveupdate: bpf: session 'vm-rollback' token 1: state schema 2 is newer than 'bpf:vmram-v1' schema 1"))
{
	struct vmram_handler h;
	long long before, after;
	int luo, s, m, c, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		r = vmram_attach_schema(&h, 1, 2);
		ASSERT_TRUE(!r, "attach vmram schema 2: %s", strerror(-r));
		ASSERT_OK(vmram_describe(&h, 1, 1));
		s = liveupdate_create_session(luo, "vm-rollback");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("vmram-rb", BIG, 1);
		c = luo_memfd_new("plain", SMALL, 2);
		ASSERT_TRUE(m >= 0 && c >= 0, "memfds");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 1), "preserve");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, c, 2), "preserve plain");
		ASSERT_OK(vmram_pause(&h, 1));
		return luo_handover();
	}

	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram schema 1: %s", strerror(-r));
	s = liveupdate_retrieve_session(luo, "vm-rollback");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	before = luo_free_kb();
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EPROTO, "schema 2 state, schema 1 handler: %d", r);
	after = luo_free_kb();
	luo_info("free %lld kB -> %lld kB after the refusal", before, after);
	ASSERT_TRUE(after - before >= (BIG >> 10) * 9 / 10,
		    "refused file's memory not freed (%lld kB)", after - before);
	ASSERT_TRUE(luo_kmsg_contains("token 1: state schema 2 is newer than 'bpf:vmram-v1' schema 1"),
		    "refusal logged");
	c = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(c >= 0 && !luo_memfd_verify(c, SMALL, 2), "plain memfd");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
