// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_attach_frozen.c - no BPF handler attaches once LUO is frozen
 * for the kexec: the handover tree is written by then, and an attach
 * (which reserves room in it, and may replace its buffer) must not touch
 * it. Stage 1 preserves a VM-RAM file, then a child attaches and detaches
 * another handler in a loop while the parent kexecs; the test kernel
 * holds LUO frozen for 1.5 s (liveupdate_test.frozen_hold_ms) with the
 * other CPU still running, and the child must get EBUSY there, which it
 * reports on the kernel log. Stage 2: the VM-RAM file's bytes and state
 * came through.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"
#include "test_bpf_attach_frozen.skel.h"

#define SIZE	(8 << 20)

/* The child: attach until refused; say how on the kernel log. */
static void attach_loop(struct test_bpf_attach_frozen_bpf *skel)
{
	char msg[96];
	struct bpf_link *link;
	int kmsg = open("/dev/kmsg", O_WRONLY), n;

	for (;;) {
		link = bpf_map__attach_struct_ops(skel->maps.late);
		if (!link)
			break;
		bpf_link__destroy(link);
		usleep(2000);
	}
	n = snprintf(msg, sizeof(msg),
		     "<4>luo-selftests: attach while frozen: %s\n",
		     strerrorname_np(errno));
	if (kmsg >= 0 && write(kmsg, msg, n) != n)
		_exit(2);
	_exit(0);
}

LUO_TEST(bpf_attach_frozen, .stages = 2,
	 .cmdline = "kho=on liveupdate=on liveupdate_test.frozen_hold_ms=1500",
	 .desc = "two-stage: a BPF handler attach while LUO is frozen for the kexec is EBUSY",
	 .expect_log = LUO_LOG("luo-selftests: attach while frozen: EBUSY"))
{
	struct test_bpf_attach_frozen_bpf *skel;
	struct vmram_handler h;
	struct vmram_state st;
	int luo, s, m, r;
	pid_t pid;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		skel = test_bpf_attach_frozen_bpf__open_and_load();
		ASSERT_TRUE(skel, "open_and_load: %m");
		ASSERT_OK(vmram_describe(&h, 1, 1));
		s = liveupdate_create_session(luo, "frozen");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("vmram-frozen", SIZE, 1);
		ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
		ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 1), "preserve");
		ASSERT_OK(vmram_pause(&h, 1));
		pid = fork();
		ASSERT_TRUE(pid >= 0, "fork: %m");
		if (!pid)
			attach_loop(skel);
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "frozen");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m >= 0, "retrieve: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, 1), "bytes");
	ASSERT_OK(vmram_restored(&h, 1, &st));
	ASSERT_TRUE(st.vm.guest_base == vmram_vm_of(1, 1).guest_base,
		    "state carried");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	close(m);
	vmram_detach(&h);
	close(luo);
	return LUO_PASS;
}
