// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_hugetlb.c - a BPF handler over the hugetlb memfd backend: the
 * 2 MiB pages come back through it byte for byte, with the state it kept
 * (size, seals, first bytes as its preserve read them).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "test_bpf_hugetlb.skel.h"

#define HPAGE	(2UL << 20)
#define SIZE	(4 * HPAGE)
#define SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)

LUO_TEST(bpf_hugetlb, .stages = 2, .mem = "2G",
	 .cmdline = "kho=on liveupdate=on hugepages=8",
	 .desc = "two-stage: BPF handler over memfd-hugetlb-v1: bytes and state")
{
	struct test_bpf_hugetlb_bpf *skel;
	struct bpf_link *link;
	uint64_t seed;
	int luo, s, m, r;
	char *p;

	skel = test_bpf_hugetlb_bpf__open_and_load();
	ASSERT_TRUE(skel, "open_and_load: %m");
	link = bpf_map__attach_struct_ops(skel->maps.hugetlb);
	ASSERT_TRUE(link, "attach: %m");

	if (ctx->stage == 1) {
		seed = luo_seed();
		m = memfd_create("bpf-huge", MFD_CLOEXEC | MFD_HUGETLB |
					     MFD_ALLOW_SEALING);
		ASSERT_OK(m);
		ASSERT_OK(ftruncate(m, SIZE));
		p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
		ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
		luo_pattern_fill(p, SIZE, 0, seed);
		munmap(p, SIZE);
		ASSERT_OK(fcntl(m, F_ADD_SEALS, SEALS));
		s = luo_session_new("bpf-huge", &luo);
		ASSERT_TRUE(s >= 0, "session");
		r = liveupdate_preserve_fd(s, m, 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		ASSERT_TRUE(skel->bss->preserved == 1, "the BPF handler did not take it");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
		close(m);
		close(s);
		close(luo);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	seed = luo_get_u64("seed");
	m = luo_retrieve_one("bpf-huge", 1, &luo, &s);
	ASSERT_TRUE(m >= 0, "retrieve");
	ASSERT_TRUE(skel->bss->retrieved == 1, "the BPF handler's retrieve did not run");
	ASSERT_TRUE(skel->bss->restored_size == SIZE &&
		    skel->bss->restored_seals == SEALS,
		    "state: size %llu, seals %#llx",
		    (unsigned long long)skel->bss->restored_size,
		    (unsigned long long)skel->bss->restored_seals);
	ASSERT_TRUE(luo_pattern_check(skel->bss->restored_header, 16, 0, seed) == 16,
		    "state: first bytes are not the file's");
	ASSERT_TRUE(fcntl(m, F_GET_SEALS) == SEALS, "seals %#x",
		    fcntl(m, F_GET_SEALS));
	p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	ASSERT_TRUE(luo_pattern_check(p, SIZE, 0, seed) == SIZE,
		    "content differs");
	munmap(p, SIZE);
	close(m);
	bpf_link__destroy(link);
	return luo_finish_close(s, luo);
}
