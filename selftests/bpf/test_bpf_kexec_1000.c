// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_kexec_1000.c - 1000 files of a BPF handler, each with its own
 * state, across a kexec: every file's bytes and every file's state come
 * back, the state into the reloaded handler's map.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define NR	1000
#define SIZE	4096

LUO_TEST(bpf_kexec_1000, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 1000 files with BPF state across a kexec")
{
	struct vmram_handler h;
	struct vmram_state st;
	char name[32];
	int luo, s, m, r, i;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		s = liveupdate_create_session(luo, "vm-many");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		for (i = 1; i <= NR; i++) {
			ASSERT_OK(vmram_describe(&h, i, 1));
			ASSERT_OK(vmram_pause(&h, i));
			snprintf(name, sizeof(name), "vmram-%d", i);
			m = luo_memfd_new(name, SIZE, i);
			ASSERT_OK(m);
			r = liveupdate_preserve_fd(s, m, i);
			ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		}
		return luo_handover();
	}

	ASSERT_TRUE(luo_kmsg_contains("state of 1000 files of BPF handlers handed over"),
		    "1000 file nodes read");
	s = liveupdate_retrieve_session(luo, "vm-many");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	for (i = 1; i <= NR; i++) {
		struct vmram_vm vm = vmram_vm_of(i, 1);

		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "retrieve %d: %s", i, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, SIZE, i), "bytes of %d", i);
		close(m);
		ASSERT_OK(vmram_restored(&h, i, &st));
		ASSERT_TRUE(!memcmp(&st.vm, &vm, sizeof(vm)) && st.size == SIZE,
			    "state of %d", i);
	}
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
