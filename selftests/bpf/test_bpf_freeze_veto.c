// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_freeze_veto.c - a BPF handler vetoes the kexec (the VM is not
 * paused): the reboot fails with its errno, nothing is lost, the sessions
 * stay usable; once the VMM pauses the VM the same sessions go through.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(1 << 20)

LUO_TEST(bpf_freeze_veto, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: BPF freeze veto aborts the kexec, sessions usable",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1' vetoed the reboot for session 'vm-veto' token 1: -16 (VM not paused)",
				 "liveupdate: session 'vm-veto' token 1: freeze failed (-16), reboot aborted"))
{
	struct vmram_handler h;
	int luo, s, m1, m2, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		ASSERT_OK(vmram_describe(&h, 1, 1));
		ASSERT_OK(vmram_describe(&h, 2, 1));
		s = liveupdate_create_session(luo, "vm-veto");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m1 = luo_memfd_new("vmram-a", SIZE, 11);
		ASSERT_OK(m1);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m1, 1), "preserve 1");

		r = luo_kexec(NULL);
		ASSERT_TRUE(r == -EBUSY, "kexec of a running VM: %s",
			    strerror(-r));
		ASSERT_TRUE(luo_kmsg_contains("'bpf:vmram-v1' vetoed the reboot for session 'vm-veto' token 1: -16 (VM not paused)"),
			    "veto logged");

		/* Still usable: another file, then the VMM pauses both. */
		m2 = luo_memfd_new("vmram-b", SIZE, 22);
		ASSERT_OK(m2);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m2, 2), "preserve 2");
		ASSERT_OK(vmram_pause(&h, 1));
		ASSERT_OK(vmram_pause(&h, 2));
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "vm-veto");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	m1 = liveupdate_retrieve_fd(s, 1);
	m2 = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(m1 >= 0 && m2 >= 0, "retrieve: %d %d", m1, m2);
	ASSERT_TRUE(!luo_memfd_verify(m1, SIZE, 11), "file 1");
	ASSERT_TRUE(!luo_memfd_verify(m2, SIZE, 22), "file 2");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
