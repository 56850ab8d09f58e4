// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_node_damaged.c - one bad node in the "luo-bpf" handover tree
 * costs the files of that node their state, never their memory and never
 * another file's state. Three kexecs, each after one damage the test
 * handler does to the tree the reboot writes, with two files preserved
 * under the VM-RAM handler:
 *
 *   - "bpf-node", the first file node malformed (schema 0): one log line;
 *     the other file comes back with its bytes and state; the damaged
 *     one is retrieved through the backend without state: the handler
 *     refuses a VM without state (EPROTO), its memory stays reserved, and
 *     once configured to take it the retry gives every byte;
 *   - "bpf-dup", the second file node carries the first one's token: the
 *     first node stands (token 1 gets its own state, not token 2's), the
 *     second is refused with a log line and token 2 has no state;
 *   - "bpf-compat", the handler node's compatible changed: its records
 *     belong to another handler, so RETRIEVE_FD of the file fails with
 *     EPROTO and a log line, the memory stays reserved until FINISH frees
 *     it (MemFree measured).
 *
 * Before, any bad node dropped the records of every file of every BPF
 * handler and their RETRIEVE_FD freed the memory; two records of one file
 * were both kept (the later one won); a record's compatible was not
 * compared with its file's.
 */
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(32 << 20)

static const char *const damage[] = { "bpf-node", "bpf-dup", "bpf-compat" };

/* Two VM-RAM files in session @name, then @how at the reboot. */
static enum luo_result preserve(int luo, struct vmram_handler *h,
				const char *name, const char *how)
{
	int s, a, b;

	ASSERT_OK(vmram_describe(h, 1, 1));
	ASSERT_OK(vmram_describe(h, 2, 1));
	s = liveupdate_create_session(luo, name);
	ASSERT_TRUE(s >= 0, "create %s: %s", name, strerror(-s));
	a = luo_memfd_new("vmram-a", SIZE, 1);
	b = luo_memfd_new("vmram-b", SIZE, 2);
	ASSERT_TRUE(a >= 0 && b >= 0, "memfds");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, a, 1), "preserve a");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, b, 2), "preserve b");
	ASSERT_OK(vmram_pause(h, 1));
	ASSERT_OK(vmram_pause(h, 2));
	close(a);
	close(b);
	ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage", how));
	luo_info("%s preserved, the reboot does %s", name, how);
	return luo_handover();
}

static enum luo_result state_is(struct vmram_handler *h, int token, int of)
{
	struct vmram_state st;

	ASSERT_OK(vmram_restored(h, token, &st));
	ASSERT_TRUE(st.vm.guest_base == vmram_vm_of(of, 1).guest_base,
		    "token %d has the state of token %d", token,
		    st.vm.guest_base == vmram_vm_of(1, 1).guest_base ? 1 : 2);
	return LUO_PASS;
}

static enum luo_result take_stateless(struct vmram_handler *h, int s,
				      int token)
{
	struct vmram_config cfg = { .abi_version = 1, .accept_stateless = 1 };
	long long before = luo_free_kb(), after;
	uint32_t zero = 0;
	int r;

	r = liveupdate_retrieve_fd(s, token);
	ASSERT_TRUE(r == -EPROTO, "the stateless VM %d: %d", token, r);
	after = luo_free_kb();
	ASSERT_TRUE(after - before < (SIZE >> 10) / 2,
		    "the refused file's memory was released (%lld kB)",
		    after - before);
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_config),
				      &zero, &cfg, BPF_ANY));
	r = liveupdate_retrieve_fd(s, token);
	ASSERT_TRUE(r >= 0, "retrieve the stateless VM on request: %s",
		    strerror(-r));
	ASSERT_TRUE(!luo_memfd_verify(r, SIZE, token), "its bytes");
	close(r);
	cfg.accept_stateless = 0;
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_config),
				      &zero, &cfg, BPF_ANY));
	return LUO_PASS;
}

/* After "bpf-node": which file lost its node is not assumed. */
static enum luo_result check_node(struct vmram_handler *h, int s)
{
	int a = liveupdate_retrieve_fd(s, 1), b = liveupdate_retrieve_fd(s, 2);
	int bad = a >= 0 ? 2 : 1, good = 3 - bad;

	ASSERT_TRUE((a >= 0) != (b >= 0), "exactly one file refused: %d %d", a, b);
	ASSERT_TRUE((bad == 1 ? a : b) == -EPROTO, "the stateless VM: %d",
		    bad == 1 ? a : b);
	ASSERT_TRUE(!luo_memfd_verify(good == 1 ? a : b, SIZE, good),
		    "the intact file's bytes");
	if (state_is(h, good, good) != LUO_PASS)
		return LUO_FAIL;
	close(good == 1 ? a : b);
	return take_stateless(h, s, bad);
}

static enum luo_result check_dup(struct vmram_handler *h, int s)
{
	int a = liveupdate_retrieve_fd(s, 1);

	ASSERT_TRUE(a >= 0, "token 1: %s", strerror(-a));
	ASSERT_TRUE(!luo_memfd_verify(a, SIZE, 1), "token 1's bytes");
	if (state_is(h, 1, 1) != LUO_PASS)
		return LUO_FAIL;
	close(a);
	return take_stateless(h, s, 2);
}

static enum luo_result check_compat(int s)
{
	long long before = luo_free_kb(), after;
	int r;

	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EPROTO, "a record of another handler: %d", r);
	after = luo_free_kb();
	ASSERT_TRUE(after - before < (SIZE >> 10) / 2,
		    "the refused file's memory was released (%lld kB)",
		    after - before);
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	after = luo_free_kb();
	luo_info("FINISH: free %lld kB -> %lld kB", before, after);
	ASSERT_TRUE(after - before >= (SIZE >> 10) * 2 * 9 / 10,
		    "FINISH freed %lld kB of two %d MiB files", after - before,
		    SIZE >> 20);
	return LUO_PASS;
}

LUO_TEST(bpf_node_damaged, .stages = 4, .cmdline = "kho=on liveupdate=on",
	 .desc = "multi-stage: a bad, doubled or foreign luo-bpf node costs its own files' state only",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1': file node file@0 is malformed, its state is ignored",
			       "liveupdate: bpf: session 'vm-node' token *: no state in the handover, retrieved through 'memfd-v2' without it",
			       "liveupdate: bpf: 'bpf:vmram-v1' refused to retrieve session 'vm-node' token *: -71, its memory is kept",
			       "liveupdate: bpf: 'bpf:vmram-v1': file node file@1 is malformed, its state is ignored",
			       "liveupdate: bpf: session 'vm-dup' token 2: no state in the handover, retrieved through 'memfd-v2' without it",
			       "liveupdate: bpf: 'bpf:vmram-v1' refused to retrieve session 'vm-dup' token 2: -71, its memory is kept",
			       "liveupdate: bpf: session 'vm-compat' token 1: its state is for 'bpf:vmram-v9', not 'bpf:vmram-v1'"))
{
	static const char *const names[] = { "vm-node", "vm-dup", "vm-compat" };
	enum luo_result res = LUO_PASS;
	struct vmram_handler h;
	int luo, s, r, i = ctx->stage - 2;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));

	if (ctx->stage > 1) {
		s = liveupdate_retrieve_session(luo, names[i]);
		ASSERT_TRUE(s >= 0, "retrieve %s: %s", names[i], strerror(-s));
		if (i == 0)
			res = check_node(&h, s);
		else if (i == 1)
			res = check_dup(&h, s);
		else
			res = check_compat(s);
		if (res != LUO_PASS)
			return res;
		if (i < 2)
			ASSERT_TRUE(!liveupdate_finish(s), "finish");
		close(s);
		luo_info("%s: as it should", damage[i]);
	}
	if (ctx->stage == 4) {
		vmram_detach(&h);
		close(luo);
		return LUO_PASS;
	}
	return preserve(luo, &h, names[i + 1], damage[i + 1]);
}
