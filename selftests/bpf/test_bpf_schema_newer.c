// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_schema_newer.c - a rollback across a live update: the files
 * were preserved by a handler writing state schema 2, and the new kernel
 * first gets the older handler object (schema 1). Nothing may be lost:
 *
 *   - schema 1 loaded: RETRIEVE_FD fails with EPROTO (one log line naming
 *     both schemas) before any program reads the state, and the memory
 *     stays reserved (MemFree does not grow);
 *   - schema 1 detached, nothing loaded: EOPNOTSUPP, still reserved;
 *   - schema 2 loaded: the same RETRIEVE_FD gives every byte, and the
 *     program reads the state it wrote in the previous kernel;
 *   - a second file of that handler, never retrieved, with no handler
 *     loaded at FINISH: FINISH frees its memory (MemFree measured), as it
 *     does for the plain memfd's session neighbour that stays intact.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define BIG	(64 << 20)
#define SMALL	(1 << 20)

enum { TOK_VM = 1, TOK_PLAIN, TOK_LEFT };

static enum luo_result stage1(int luo)
{
	struct vmram_handler h;
	int s, m, c, l, r;

	r = vmram_attach_schema(&h, 1, 2);
	ASSERT_TRUE(!r, "attach vmram schema 2: %s", strerror(-r));
	ASSERT_OK(vmram_describe(&h, TOK_VM, 1));
	ASSERT_OK(vmram_describe(&h, TOK_LEFT, 1));
	s = liveupdate_create_session(luo, "vm-rollback");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	m = luo_memfd_new("vmram-rb", BIG, TOK_VM);
	c = luo_memfd_new("plain", SMALL, TOK_PLAIN);
	l = luo_memfd_new("vmram-left", BIG, TOK_LEFT);
	ASSERT_TRUE(m >= 0 && c >= 0 && l >= 0, "memfds");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m, TOK_VM), "preserve");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, c, TOK_PLAIN), "preserve plain");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, l, TOK_LEFT), "preserve left");
	ASSERT_OK(vmram_pause(&h, TOK_VM));
	ASSERT_OK(vmram_pause(&h, TOK_LEFT));
	return luo_handover();
}

/* MemFree must not grow by half a file: the memory is still reserved. */
static enum luo_result still_reserved(long long before, const char *what)
{
	long long after = luo_free_kb();

	luo_info("%s: free %lld kB -> %lld kB", what, before, after);
	ASSERT_TRUE(after - before < (BIG >> 10) / 2,
		    "%s: %lld kB freed, the file's memory was released", what,
		    after - before);
	return LUO_PASS;
}

LUO_TEST(bpf_schema_newer, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: rollback: schema 1 refuses schema 2 state, memory kept, schema 2 retrieves it",
	 .expect_log = LUO_LOG("liveupdate: bpf: session 'vm-rollback' token 1: state schema 2 is newer than 'bpf:vmram-v1' schema 1",
			       "liveupdate: session 'vm-rollback' token 1: no handler for 'bpf:vmram-v1'"))
{
	struct vmram_handler h;
	struct vmram_state st;
	long long before, after;
	int luo, s, m, c, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	s = liveupdate_retrieve_session(luo, "vm-rollback");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));

	/* The older handler object: it must refuse, and lose nothing. */
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram schema 1: %s", strerror(-r));
	before = luo_free_kb();
	r = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(r == -EPROTO, "schema 2 state, schema 1 handler: %d", r);
	ASSERT_TRUE(luo_kmsg_contains("token 1: state schema 2 is newer than 'bpf:vmram-v1' schema 1"),
		    "refusal logged");
	r = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(r == -EPROTO, "second try under schema 1: %d", r);
	if (still_reserved(before, "schema 1 refused") != LUO_PASS)
		return LUO_FAIL;
	vmram_detach(&h);

	r = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(r == -EOPNOTSUPP, "no handler loaded: %d", r);
	if (still_reserved(before, "no handler") != LUO_PASS)
		return LUO_FAIL;

	/* The right version: every byte, and the state it wrote. */
	r = vmram_attach_schema(&h, 1, 2);
	ASSERT_TRUE(!r, "attach vmram schema 2: %s", strerror(-r));
	m = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(m >= 0, "retrieve under schema 2: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, BIG, TOK_VM), "content after the rollback");
	ASSERT_OK(vmram_restored(&h, TOK_VM, &st));
	ASSERT_TRUE(st.vm.guest_base == vmram_vm_of(TOK_VM, 1).guest_base,
		    "state read back: guest_base %#llx",
		    (unsigned long long)st.vm.guest_base);
	c = liveupdate_retrieve_fd(s, TOK_PLAIN);
	ASSERT_TRUE(c >= 0 && !luo_memfd_verify(c, SMALL, TOK_PLAIN),
		    "plain memfd");

	/* FINISH with no handler loaded frees the file nobody retrieved. */
	vmram_detach(&h);
	before = luo_free_kb();
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	after = luo_free_kb();
	luo_info("FINISH: free %lld kB -> %lld kB", before, after);
	ASSERT_TRUE(after - before >= (BIG >> 10) * 9 / 10,
		    "FINISH freed %lld kB of the unretrieved %d MiB file",
		    after - before, BIG >> 20);
	ASSERT_TRUE(luo_kmsg_contains("token 3: 'bpf:vmram-v1' never loaded, finished through 'memfd-v2'"),
		    "FINISH through the backend logged");
	ASSERT_TRUE(!luo_memfd_verify(m, BIG, TOK_VM), "content after FINISH");
	close(s);
	close(m);
	close(c);
	return LUO_PASS;
}
