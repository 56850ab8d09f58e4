// SPDX-License-Identifier: GPL-2.0
/*
 * bench_bpf_files.c - what a BPF handler costs per file, against native
 * memfd-v2, in one run: 1000 one-page memfds preserved natively, kexec,
 * retrieved; then 1000 more preserved through the VM-RAM handler
 * (bpf/vmram.bpf.c: a map lookup, a pread of 16 bytes and 72 bytes of
 * state per file), kexec, retrieved into the reloaded handler's maps.
 * PRESERVE_FD and RETRIEVE_FD are timed per file here; freeze is the
 * kernel's "files frozen in" line of each reboot (first native, then
 * BPF), printed by the runner. The handover tree's size gives the bytes
 * carried per BPF file.
 */
#include <sys/mman.h>
#include <unistd.h>
#include <libfdt.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define NR	1000
#define PG	4096

static enum luo_result preserve_all(int luo, const char *session, bool bpf,
				    struct vmram_handler *h)
{
	double t, total = 0;
	char name[32];
	int s, m, i, r;

	s = liveupdate_create_session(luo, session);
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 1; i <= NR; i++) {
		if (bpf) {
			ASSERT_OK(vmram_describe(h, i, 1));
			ASSERT_OK(vmram_pause(h, i));
		}
		snprintf(name, sizeof(name), "%s%d", bpf ? "vmram-" : "n-", i);
		m = luo_memfd_new(name, PG, i);
		ASSERT_OK(m);
		t = luo_now();
		r = liveupdate_preserve_fd(s, m, i);
		t = luo_now() - t;
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		close(m);
		total += t;
	}
	luo_bench(bpf ? "bpf_preserve_fd" : "native_preserve_fd",
		  total / NR * 1e6, "us/file");
	return LUO_PASS;
}

static enum luo_result retrieve_all(int luo, const char *session, bool bpf)
{
	double t, total = 0;
	int s, m, i;

	s = liveupdate_retrieve_session(luo, session);
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	for (i = 1; i <= NR; i++) {
		t = luo_now();
		m = liveupdate_retrieve_fd(s, i);
		t = luo_now() - t;
		ASSERT_TRUE(m >= 0, "retrieve %d: %s", i, strerror(-m));
		close(m);
		total += t;
	}
	luo_bench(bpf ? "bpf_retrieve_fd" : "native_retrieve_fd",
		  total / NR * 1e6, "us/file");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	return LUO_PASS;
}

LUO_TEST(bench_bpf_files, .stages = 3, .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: BPF handler vs native memfd-v2, per file (1000 files)")
{
	static char tree[1 << 20];
	struct vmram_handler h;
	ssize_t n;
	int luo, r;

	ASSERT_OK(luo_set_nofile(NR + 64));
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	switch (ctx->stage) {
	case 1:
		if (preserve_all(luo, "native", false, NULL) != LUO_PASS)
			return LUO_FAIL;
		return luo_handover();
	case 2:
		if (retrieve_all(luo, "native", false) != LUO_PASS)
			return LUO_FAIL;
		r = vmram_attach(&h, 1);
		ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
		if (preserve_all(luo, "vm-bench", true, &h) != LUO_PASS)
			return LUO_FAIL;
		return luo_handover();
	default:
		n = luo_read_file("/sys/kernel/debug/kho/in/sub/luo-bpf", tree,
				  sizeof(tree));
		ASSERT_TRUE(n > 0 && !fdt_check_header(tree),
			    "handover tree: %zd", n);
		luo_bench("bpf_handover_tree_bytes_per_file",
			  (double)fdt_totalsize(tree) / NR, "B/file");
		luo_bench("bpf_state_bytes_per_file",
			  sizeof(struct vmram_state), "B/file");
		r = vmram_attach(&h, 1);
		ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
		if (retrieve_all(luo, "vm-bench", true) != LUO_PASS)
			return LUO_FAIL;
		vmram_detach(&h);
		return LUO_PASS;
	}
}
