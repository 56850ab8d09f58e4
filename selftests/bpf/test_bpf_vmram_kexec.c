// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_vmram_kexec.c - the VM-RAM BPF handler across a kexec: the
 * guest RAM memfd comes back with its bytes, and the state the handler
 * kept (VM identity, ABI, size, first bytes) comes back into the maps of
 * the handler loaded again in the new kernel - attached only after a
 * first RETRIEVE_FD found no handler (late binding). The handover tree
 * itself is decoded with libfdt.
 */
#include <unistd.h>
#include <libfdt.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(4 << 20)
#define TOKEN	42
#define TREE	"/sys/kernel/debug/kho/in/sub/luo-bpf"

static const char *prop_str(const void *fdt, int node, const char *name)
{
	const char *s = fdt_getprop(fdt, node, name, NULL);

	return s ?: "(none)";
}

/*
 * The handover tree as libfdt reads it: the handler node and the file's
 * node with its state, byte for byte what the handler published.
 */
static enum luo_result check_tree(const struct vmram_state *st)
{
	static char fdt[1 << 16];
	const fdt32_t *schema, *size;
	const fdt64_t *token;
	const void *state;
	int h, f, len;
	ssize_t n = luo_read_file(TREE, fdt, sizeof(fdt));

	ASSERT_TRUE(n > 0, "%s: %zd", TREE, n);
	ASSERT_TRUE(!fdt_check_header(fdt) && fdt_totalsize(fdt) <= (size_t)n,
		    "not an FDT");
	ASSERT_TRUE(!fdt_node_check_compatible(fdt, 0, "luo-bpf-v1"),
		    "root compatible '%s'", prop_str(fdt, 0, "compatible"));
	h = fdt_subnode_offset(fdt, 0, "handler@0");
	ASSERT_TRUE(h >= 0, "handler@0: %s", fdt_strerror(h));
	ASSERT_TRUE(!strcmp(prop_str(fdt, h, "compatible"), VMRAM_COMPATIBLE) &&
		    !strcmp(prop_str(fdt, h, "backend"), "memfd-v2"),
		    "handler '%s' over '%s'", prop_str(fdt, h, "compatible"),
		    prop_str(fdt, h, "backend"));
	schema = fdt_getprop(fdt, h, "schema", NULL);
	size = fdt_getprop(fdt, h, "state-size", NULL);
	ASSERT_TRUE(schema && fdt32_to_cpu(*schema) == VMRAM_SCHEMA &&
		    size && fdt32_to_cpu(*size) == sizeof(*st),
		    "handler schema/state-size");
	f = fdt_subnode_offset(fdt, h, "file@0");
	ASSERT_TRUE(f >= 0, "file@0: %s", fdt_strerror(f));
	token = fdt_getprop(fdt, f, "token", &len);
	ASSERT_TRUE(token && len == 8 && fdt64_to_cpu(*token) == TOKEN &&
		    !strcmp(prop_str(fdt, f, "session"), "vm-1"),
		    "file session '%s'", prop_str(fdt, f, "session"));
	state = fdt_getprop(fdt, f, "state", &len);
	ASSERT_TRUE(state && len == sizeof(*st) && !memcmp(state, st, len),
		    "state in the tree (%d bytes) differs", len);
	return LUO_PASS;
}

LUO_TEST(bpf_vmram_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: vmram BPF handler, bytes and state back in its maps",
	 .expect_log = LUO_LOG("liveupdate: session 'vm-1' token 42: no handler for 'bpf:vmram-v1'"))
{
	struct vmram_handler h;
	struct vmram_state st;
	struct vmram_vm vm = vmram_vm_of(TOKEN, 1);
	uint64_t seed, hdr[2];
	int luo, s, m, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		r = vmram_attach(&h, 1);
		ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
		seed = luo_seed();
		ASSERT_OK(vmram_describe(&h, TOKEN, 1));
		s = liveupdate_create_session(luo, "vm-1");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		m = luo_memfd_new("vmram-1", SIZE, seed);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, TOKEN);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		ASSERT_OK(vmram_pause(&h, TOKEN));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return luo_handover();
	}

	seed = luo_get_u64("seed");
	ASSERT_TRUE(luo_kmsg_contains("state of 1 files of BPF handlers handed over"),
		    "handover tree read at boot");
	s = liveupdate_retrieve_session(luo, "vm-1");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	/* The file waits for its handler: not there yet, try again later. */
	r = liveupdate_retrieve_fd(s, TOKEN);
	ASSERT_TRUE(r == -EOPNOTSUPP, "retrieve before the handler: %d", r);
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
	m = liveupdate_retrieve_fd(s, TOKEN);
	ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "guest RAM after kexec");

	ASSERT_OK(vmram_restored(&h, TOKEN, &st));
	ASSERT_TRUE(!memcmp(&st.vm, &vm, sizeof(vm)), "VM identity carried");
	ASSERT_TRUE(st.size == SIZE, "size %llu", (unsigned long long)st.size);
	ASSERT_TRUE(st.frozen_ns >= st.preserved_ns && st.preserved_ns,
		    "timestamps %llu %llu", (unsigned long long)st.preserved_ns,
		    (unsigned long long)st.frozen_ns);
	luo_pattern_fill(hdr, sizeof(hdr), 0, seed);
	ASSERT_TRUE(!memcmp(st.header, hdr, sizeof(hdr)), "header read at preserve");
	ASSERT_TRUE(check_tree(&st) == LUO_PASS, "handover tree");

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	ASSERT_TRUE(luo_kmsg_contains("handed-over state of BPF handlers released"),
		    "handover tree freed after the last file");
	close(s);
	close(m);
	vmram_detach(&h);
	close(luo);
	return LUO_PASS;
}
