// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_abi_mismatch.c - in the new kernel the handler refuses a VM
 * whose VMM ABI this host cannot resume: that file's retrieve fails with
 * EPROTO (every time), its memory is freed (MemFree measured),
 * and the other files of the session - one of the same handler, one
 * plain memfd - come back intact.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define BIG	(64 << 20)
#define SMALL	(1 << 20)

LUO_TEST(bpf_abi_mismatch, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: BPF retrieve refusal frees that file only",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1' refused to retrieve session 'vm-abi' token 1: -71, its memory is released"))
{
	struct vmram_handler h;
	long long before, after;
	int luo, s, a, b, c, r, i;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		ASSERT_OK(vmram_describe(&h, 1, 7));	/* a newer VMM's VM */
		ASSERT_OK(vmram_describe(&h, 2, 1));
		s = liveupdate_create_session(luo, "vm-abi");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		a = luo_memfd_new("vmram-new-abi", BIG, 1);
		b = luo_memfd_new("vmram-old-abi", SMALL, 2);
		c = luo_memfd_new("plain", SMALL, 3);
		ASSERT_TRUE(a >= 0 && b >= 0 && c >= 0, "memfds");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, a, 1), "preserve a");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, b, 2), "preserve b");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, c, 3), "preserve c");
		ASSERT_OK(vmram_pause(&h, 1));
		ASSERT_OK(vmram_pause(&h, 2));
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "vm-abi");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	before = luo_free_kb();
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EPROTO, "ABI 7 on an ABI 1 host: %d", r);
	/* The refused memfd's last reference may go a little later. */
	for (i = 0; i < 20; i++) {
		after = luo_free_kb();
		if (after - before >= (BIG >> 10) * 9 / 10)
			break;
		usleep(100 * 1000);
	}
	luo_info("free %lld kB -> %lld kB after the refusal (%d ms)", before,
		 after, i * 100);
	ASSERT_TRUE(after - before >= (BIG >> 10) * 9 / 10,
		    "refused file's %d MiB not freed (%lld kB)", BIG >> 20,
		    after - before);
	ASSERT_TRUE(liveupdate_retrieve_fd(s, 1) == -EPROTO, "refusal is sticky");
	ASSERT_TRUE(luo_kmsg_contains("refused to retrieve session 'vm-abi' token 1: -71"),
		    "refusal logged");

	b = liveupdate_retrieve_fd(s, 2);
	c = liveupdate_retrieve_fd(s, 3);
	ASSERT_TRUE(b >= 0 && c >= 0, "other files: %d %d", b, c);
	ASSERT_TRUE(!luo_memfd_verify(b, SMALL, 2), "vmram file of ABI 1");
	ASSERT_TRUE(!luo_memfd_verify(c, SMALL, 3), "plain memfd");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
