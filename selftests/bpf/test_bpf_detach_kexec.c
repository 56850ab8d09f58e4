// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_detach_kexec.c - the handler is detached (program unloaded,
 * skeleton destroyed) while its file is preserved, then the host kexecs:
 * the retired handler still freezes the file and its state crosses; the
 * handler loaded again in the new kernel gets both back.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(2 << 20)
#define TOKEN	9

LUO_TEST(bpf_detach_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: BPF handler detached while preserved, then kexec")
{
	struct vmram_handler h;
	struct vmram_state st;
	int luo, s, m, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		ASSERT_OK(vmram_describe(&h, TOKEN, 1));
		s = liveupdate_create_session(luo, "vm-detach");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("vmram-detach", SIZE, 9);
		ASSERT_OK(m);
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, TOKEN), "preserve");
		ASSERT_OK(vmram_pause(&h, TOKEN));
		vmram_detach(&h);
		ASSERT_TRUE(luo_kmsg_contains("'bpf:vmram-v1' retired, in use by preserved files"),
			    "retired, not unregistered");
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "vm-detach");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	m = liveupdate_retrieve_fd(s, TOKEN);
	ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, 9), "bytes");
	ASSERT_OK(vmram_restored(&h, TOKEN, &st));
	ASSERT_TRUE(st.vm.abi_version == 1 && st.size == SIZE && st.frozen_ns,
		    "state: abi %u size %llu frozen %llu", st.vm.abi_version,
		    (unsigned long long)st.size,
		    (unsigned long long)st.frozen_ns);
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
