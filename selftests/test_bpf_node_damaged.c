// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_node_damaged.c - one malformed file node in the "luo-bpf"
 * handover tree costs that file its state, and nothing else. Stage 1
 * preserves two memfds under the VM-RAM handler and has the test handler
 * damage the first file node (schema 0) at the reboot. In stage 2:
 *
 *   - one log line names the malformed node;
 *   - the other file comes back with its bytes and its state;
 *   - the damaged one is retrieved through the backend without state: the
 *     handler refuses a VM without state (EPROTO) and its memory stays
 *     reserved; configured to accept it, the retry gives every byte.
 *
 * Before, any bad node dropped the records of every file of every BPF
 * handler, and their RETRIEVE_FD freed the memory.
 */
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(32 << 20)

LUO_TEST(bpf_node_damaged, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: one bad luo-bpf file node loses that file's state only, its memory kept",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1': file node file@0 is malformed, its state is ignored",
			       "liveupdate: bpf: session 'vm-node' token *: no state in the handover, retrieved through 'memfd-v2' without it",
			       "liveupdate: bpf: 'bpf:vmram-v1' refused to retrieve session 'vm-node' token *: -71, its memory is kept"))
{
	struct vmram_config cfg = { .abi_version = 1, .accept_stateless = 1 };
	struct vmram_handler h;
	struct vmram_state st;
	long long before, after;
	int luo, s, a, b, r, bad, good;
	uint32_t zero = 0;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage == 1) {
		ASSERT_OK(vmram_describe(&h, 1, 1));
		ASSERT_OK(vmram_describe(&h, 2, 1));
		s = liveupdate_create_session(luo, "vm-node");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		a = luo_memfd_new("vmram-a", SIZE, 1);
		b = luo_memfd_new("vmram-b", SIZE, 2);
		ASSERT_TRUE(a >= 0 && b >= 0, "memfds");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, a, 1), "preserve a");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, b, 2), "preserve b");
		ASSERT_OK(vmram_pause(&h, 1));
		ASSERT_OK(vmram_pause(&h, 2));
		ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
					 "bpf-node"));
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "vm-node");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	/* Node order follows preserve order, but do not rely on it. */
	before = luo_free_kb();
	a = liveupdate_retrieve_fd(s, 1);
	b = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE((a >= 0) != (b >= 0), "exactly one file refused: %d %d", a, b);
	bad = a >= 0 ? 2 : 1;
	good = 3 - bad;
	ASSERT_TRUE((bad == 1 ? a : b) == -EPROTO, "the stateless VM: %d",
		    bad == 1 ? a : b);
	ASSERT_TRUE(!luo_memfd_verify(good == 1 ? a : b, SIZE, good),
		    "the intact file's bytes");
	ASSERT_OK(vmram_restored(&h, good, &st));
	ASSERT_TRUE(st.vm.guest_base == vmram_vm_of(good, 1).guest_base,
		    "the intact file's state");
	after = luo_free_kb();
	ASSERT_TRUE(after - before < (SIZE >> 10) / 2,
		    "the refused file's memory was released (%lld kB)",
		    after - before);

	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h.skel->maps.vmram_config),
				      &zero, &cfg, BPF_ANY));
	r = liveupdate_retrieve_fd(s, bad);
	ASSERT_TRUE(r >= 0, "retrieve the stateless VM on request: %s",
		    strerror(-r));
	ASSERT_TRUE(!luo_memfd_verify(r, SIZE, bad), "the damaged file's bytes");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	vmram_detach(&h);
	return LUO_PASS;
}
