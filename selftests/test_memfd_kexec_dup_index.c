// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_kexec_dup_index.c - a memfd folio array that names two folios
 * for one page cache index is refused at RETRIEVE_FD, and every page of
 * that memfd is given back.
 *
 * Stage 1 preserves two memfds of NR_PAGES 4 KiB pages in one session and
 * has the test handler damage the first one's array ("memfd-dup": entry 2
 * takes the index of entry 10, so that entry 10 meets an occupied slot
 * right after entry 9, where the page cache insertion steps to the next
 * slot instead of walking down the xarray). In stage 2:
 *
 *   - RETRIEVE_FD of the damaged memfd fails with EINVAL, again when
 *     retried, with the overlap check's own log line
 *   - it claims from KHO exactly the pages a successful retrieve of the
 *     same layout claims (the other memfd's), and frees them: the page that
 *     entry 2 named is no longer reserved
 *   - the other memfd arrives intact and the session finishes
 */
#include <sys/mman.h>
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define NR_PAGES	64
#define FILE_SIZE	((size_t)NR_PAGES * 4096)
#define KPF_RESERVED	32
#define OVERLAP_LINE	"memfd_luo: folio entries overlap in the page cache"

static long long restored(void)
{
	return kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
}

static enum luo_result stage2(int luo)
{
	uint64_t seed = luo_get_u64("seed");
	uint64_t pfn = luo_get_u64("pfn");
	long long rest0, bad, good;
	int s, m, r;

	s = liveupdate_retrieve_session(luo, "dup");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));

	rest0 = restored();
	ASSERT_TRUE(rest0 >= 0, "no %s/in/pages", KHO_DEBUGFS);
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m == -EINVAL, "RETRIEVE_FD of the damaged memfd: %d, not -EINVAL",
		    m);
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EINVAL, "retrieve again: %d, not sticky", r);
	ASSERT_TRUE(luo_kmsg_match(OVERLAP_LINE),
		    "the overlap check did not fire: no '%s'", OVERLAP_LINE);
	bad = restored() - rest0;

	rest0 = restored();
	m = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(m >= 0, "retrieve the intact memfd: %s", strerror(-m));
	good = restored() - rest0;
	ASSERT_TRUE(!luo_memfd_verify(m, FILE_SIZE, seed + 2),
		    "content of the intact memfd");
	close(m);

	luo_info("pages claimed from KHO: %lld by the refused retrieve, %lld by the intact one",
		 bad, good);
	ASSERT_TRUE(good > NR_PAGES && bad == good,
		    "the refused retrieve claimed %lld pages, a good one %lld",
		    bad, good);
	ASSERT_TRUE(pfn, "no frame carried for entry 2");
	ASSERT_TRUE(!(luo_kpageflags(pfn) >> KPF_RESERVED & 1),
		    "the page of entry 2 (%#llx) is still reserved",
		    (unsigned long long)pfn);

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	return LUO_PASS;
}

LUO_TEST(memfd_kexec_dup_index, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a memfd folio array with two folios for one index is refused, its pages freed",
	 .expect_log = LUO_LOG(OVERLAP_LINE,
			       "memfd_luo: cannot retrieve memfd at *: -22"))
{
	uint64_t seed;
	int luo, s, m, r, i;
	char *p;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 2)
		return stage2(luo);

	/* 4 KiB folios: entry N is page N. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	seed = luo_seed();
	s = liveupdate_create_session(luo, "dup");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 1; i <= 2; i++) {
		m = luo_memfd_new("dup", FILE_SIZE, seed + i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		if (i == 1) {
			p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 2 * 4096);
			ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
			(void)*(volatile char *)p;
			luo_put("pfn", "%#llx", (unsigned long long)luo_pfn(p));
			munmap(p, 4096);
		}
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		close(m);
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
				 "memfd-dup"));
	return luo_handover();
}
