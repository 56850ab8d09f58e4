// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_no_handler.c - the BPF handler is never loaded in the new
 * kernel: its file cannot be retrieved (EOPNOTSUPP, not sticky: a handler
 * may still come), and FINISH frees its memory through the backend named
 * in the handover (MemFree measured).
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(64 << 20)

LUO_TEST(bpf_no_handler, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: no BPF handler in the new kernel, FINISH frees",
	 .expect_log = LUO_LOG("liveupdate: session 'vm-orphan' token 5: no handler for 'bpf:vmram-v1'"))
{
	struct vmram_handler h;
	long long before, after;
	int luo, s, m, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		r = vmram_attach(&h, 1);
		ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
		ASSERT_OK(vmram_describe(&h, 5, 1));
		s = liveupdate_create_session(luo, "vm-orphan");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("vmram-orphan", SIZE, 5);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 5), "preserve");
		ASSERT_OK(vmram_pause(&h, 5));
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "vm-orphan");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	r = liveupdate_retrieve_fd(s, 5);
	ASSERT_TRUE(r == -EOPNOTSUPP, "retrieve without handler: %d", r);
	before = luo_free_kb();
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	after = luo_free_kb();
	luo_info("free %lld kB -> %lld kB at FINISH", before, after);
	ASSERT_TRUE(after - before >= (SIZE >> 10) * 9 / 10,
		    "memory not freed at FINISH (%lld kB)", after - before);
	ASSERT_TRUE(luo_kmsg_contains("'bpf:vmram-v1' never loaded, finished through 'memfd-v2'"),
		    "finish through the backend logged");
	close(s);
	return LUO_PASS;
}
