// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_iter.c - the LUO iterators as a user reaches them with
 * bpftool: "bpftool iter pin bpf/luo_{sessions,files}.bpf.o" and cat,
 * against the sessions and files the test made - outgoing, then incoming
 * in the new kernel (before /dev/liveupdate is opened, unbound, then
 * retrieved), with a BPF handler's backend, schema and state. bpftool
 * struct_ops show lists the handler.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "tool_util.h"
#include "vmram_util.h"

#define SESS_PIN	"/sys/fs/bpf/luo_sessions"
#define FILE_PIN	"/sys/fs/bpf/luo_files"

static struct tool_out o;

static enum luo_result pin_iters(void)
{
	ASSERT_TRUE(!tool_run(&o, "bpftool iter pin " BPF_OBJS "/luo_sessions.bpf.o " SESS_PIN),
		    "pin sessions: %s", o.err);
	ASSERT_TRUE(!tool_run(&o, "bpftool iter pin " BPF_OBJS "/luo_files.bpf.o " FILE_PIN),
		    "pin files: %s", o.err);
	return LUO_PASS;
}

/* Does "cat @pin" print the line @line (exactly)? */
static bool has_line(const char *pin, const char *line)
{
	char cmd[128], *p;
	size_t n = strlen(line);

	snprintf(cmd, sizeof(cmd), "cat %s", pin);
	if (tool_run(&o, cmd))
		return false;
	for (p = o.out; (p = strstr(p, line)); p++)
		if ((p == o.out || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	luo_info("no line '%s' in:\n%s", line, o.out);
	return false;
}

static void hex(const void *p, size_t len, char *out)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

LUO_TEST(tool_iter, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: bpftool iter pin of LUO sessions and files")
{
	struct vmram_vm vm = vmram_vm_of(2, 1);
	struct vmram_handler h;
	char line[512], uuid[33];
	int luo, a, b, m1, m2, r;

	hex(vm.uuid, sizeof(vm.uuid), uuid);
	if (pin_iters() != LUO_PASS)
		return LUO_FAIL;

	if (ctx->stage == 1) {
		luo = liveupdate_open();
		ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
		r = vmram_attach(&h, 1);
		ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
		ASSERT_TRUE(!tool_run(&o, "bpftool struct_ops show") &&
			    strstr(o.out, "vmram") && strstr(o.out, "luo_bpf_ops"),
			    "bpftool struct_ops show: %s", o.out);
		ASSERT_OK(vmram_describe(&h, 2, 1));
		ASSERT_OK(vmram_pause(&h, 2));
		a = liveupdate_create_session(luo, "vm-iter");
		b = liveupdate_create_session(luo, "empty");
		ASSERT_TRUE(a >= 0 && b >= 0, "sessions");
		m1 = luo_memfd_new("plain", 8192, 1);
		m2 = luo_memfd_new("vmram-iter", 16384, 2);
		ASSERT_TRUE(m1 >= 0 && m2 >= 0, "memfds");
		ASSERT_TRUE(!liveupdate_preserve_fd(a, m1, 1), "preserve 1");
		ASSERT_TRUE(!liveupdate_preserve_fd(a, m2, 2), "preserve 2");

		ASSERT_TRUE(has_line(SESS_PIN, "# session\tstate\tfiles"), "header");
		ASSERT_TRUE(has_line(SESS_PIN, "vm-iter\toutgoing\t2"), "vm-iter");
		ASSERT_TRUE(has_line(SESS_PIN, "empty\toutgoing\t0"), "empty");
		ASSERT_TRUE(has_line(FILE_PIN, "vm-iter\t1\tmemfd-v2\tmemfd-v2\toutgoing\t8192\t8192\t-\t-\t-"),
			    "native file");
		/* The state starts with the VM's uuid (struct vmram_vm). */
		snprintf(line, sizeof(line), "vm-iter\t2\tbpf:vmram-v1\tbpf:vmram-v1\toutgoing\t16384\t16384\tmemfd-v2\t1\t%s",
			 uuid);
		ASSERT_TRUE(strstr(o.out, line), "BPF file line '%s' in:\n%s",
			    line, o.out);
		return luo_handover();
	}

	/*
	 * Incoming, before /dev/liveupdate is opened (no agent yet), anything
	 * retrieved or any handler loaded.
	 */
	ASSERT_TRUE(has_line(SESS_PIN, "vm-iter\tincoming\t2"), "incoming session");
	ASSERT_TRUE(has_line(SESS_PIN, "empty\tincoming\t0"), "empty session");
	ASSERT_TRUE(has_line(FILE_PIN, "vm-iter\t1\tmemfd-v2\t-\tincoming\t0\t0\t-\t-\t-"),
		    "incoming native file");
	snprintf(line, sizeof(line), "vm-iter\t2\tbpf:vmram-v1\t-\tincoming\t0\t0\tmemfd-v2\t1\t%s",
		 uuid);
	ASSERT_TRUE(strstr(o.out, line), "incoming BPF file '%s' in:\n%s",
		    line, o.out);

	m1 = luo_retrieve_one("vm-iter", 1, &luo, &a);
	ASSERT_TRUE(m1 >= 0, "retrieve");
	ASSERT_TRUE(has_line(SESS_PIN, "vm-iter\tretrieved\t2"), "retrieved session");
	ASSERT_TRUE(has_line(FILE_PIN, "vm-iter\t1\tmemfd-v2\tmemfd-v2\tretrieved\t8192\t8192\t-\t-\t-"),
		    "retrieved file");
	ASSERT_TRUE(!liveupdate_finish(a), "finish");
	ASSERT_TRUE(has_line(SESS_PIN, "vm-iter\tfinished\t0"), "finished session");
	unlink(SESS_PIN);
	unlink(FILE_PIN);
	return LUO_PASS;
}
