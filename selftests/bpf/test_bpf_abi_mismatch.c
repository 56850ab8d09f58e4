// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_abi_mismatch.c - in the new kernel the handler refuses a VM
 * whose VMM ABI this host cannot resume: that file's retrieve fails with
 * EPROTO, as often as it is tried, and its memory stays reserved (MemFree
 * measured): a refusal is "not now", not "free it". The other files of
 * the session - one of the same handler, one plain memfd - come back
 * intact. Once the host is configured for that ABI, the same RETRIEVE_FD
 * gives every byte.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define BIG	(64 << 20)
#define SMALL	(1 << 20)

LUO_TEST(bpf_abi_mismatch, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: BPF retrieve refusal keeps that file's memory; retrieved once the host accepts",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1' refused to retrieve session 'vm-abi' token 1: -71, its memory is kept"))
{
	struct vmram_handler h;
	long long before, after;
	int luo, s, a, b, c, r;

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
	ASSERT_TRUE(liveupdate_retrieve_fd(s, 1) == -EPROTO, "refused again");
	after = luo_free_kb();
	luo_info("free %lld kB -> %lld kB after two refusals", before, after);
	ASSERT_TRUE(after - before < (BIG >> 10) / 2,
		    "refused file's memory released (%lld kB)", after - before);
	ASSERT_TRUE(luo_kmsg_contains("refused to retrieve session 'vm-abi' token 1: -71"),
		    "refusal logged");

	b = liveupdate_retrieve_fd(s, 2);
	c = liveupdate_retrieve_fd(s, 3);
	ASSERT_TRUE(b >= 0 && c >= 0, "other files: %d %d", b, c);
	ASSERT_TRUE(!luo_memfd_verify(b, SMALL, 2), "vmram file of ABI 1");
	ASSERT_TRUE(!luo_memfd_verify(c, SMALL, 3), "plain memfd");

	/* The host learns ABI 7: the refused VM comes back whole. */
	ASSERT_OK(vmram_config_abi(&h, 7));
	a = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(a >= 0, "retrieve on an ABI 7 host: %s", strerror(-a));
	ASSERT_TRUE(!luo_memfd_verify(a, BIG, 1), "vmram file of ABI 7");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
