// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_can_finish.c - a BPF handler's can_finish is asked for every
 * file of the session, retrieved (file given) or not (file NULL), as the
 * documentation promises: a policy can hold FINISH back for a file no
 * one retrieved yet. Stage 2 retrieves the second of two files; FINISH
 * fails with EBUSY while the program says no to the first, never
 * retrieved; once it says yes, FINISH asks about both and frees the file
 * never retrieved.
 */
#include <unistd.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "test_bpf_can_finish.skel.h"

#define SIZE	(32 << 20)

LUO_TEST(bpf_can_finish, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: BPF can_finish asked for unretrieved files (file NULL)")
{
	struct test_bpf_can_finish_bpf *skel;
	long long before, after;
	struct bpf_link *link;
	int luo, s, a, b, r;

	skel = test_bpf_can_finish_bpf__open_and_load();
	ASSERT_TRUE(skel, "open_and_load: %m");
	link = bpf_map__attach_struct_ops(skel->maps.hold);
	ASSERT_TRUE(link, "attach: %m");
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		s = liveupdate_create_session(luo, "hold");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		a = luo_memfd_new("hold-a", SIZE, 1);
		b = luo_memfd_new("hold-b", SIZE, 2);
		ASSERT_TRUE(a >= 0 && b >= 0, "memfds");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, a, 1), "preserve a");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, b, 2), "preserve b");
		return luo_handover();
	}

	s = liveupdate_retrieve_session(luo, "hold");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	/* Token 1, asked first, is left unretrieved. */
	b = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(b >= 0 && !luo_memfd_verify(b, SIZE, 2), "file b");
	r = liveupdate_finish(s);
	ASSERT_TRUE(r == -EBUSY, "FINISH while the program says no: %d", r);
	ASSERT_TRUE(skel->bss->asked_without_file >= 1,
		    "can_finish never asked about the file not retrieved");

	skel->bss->allow = 1;
	before = luo_free_kb();
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "FINISH once allowed: %s", strerror(-r));
	after = luo_free_kb();
	luo_info("FINISH: free %lld kB -> %lld kB", before, after);
	ASSERT_TRUE(after - before >= (SIZE >> 10) * 9 / 10,
		    "FINISH freed %lld kB of the unretrieved %d MiB file",
		    after - before, SIZE >> 20);
	ASSERT_TRUE(skel->bss->asked_with_file >= 1,
		    "can_finish never asked about the retrieved file");
	ASSERT_TRUE(!luo_memfd_verify(b, SIZE, 2), "file b after FINISH");
	close(b);
	close(s);
	bpf_link__destroy(link);
	test_bpf_can_finish_bpf__destroy(skel);
	close(luo);
	return LUO_PASS;
}
