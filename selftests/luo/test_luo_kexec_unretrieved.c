// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_unretrieved.c - what is preserved but never retrieved is
 * released: a session finished without retrieving its file, a session
 * closed without retrieving its file (implicit finish) and, one update
 * later, a session that was never retrieved at all.
 *
 *   stage 1: sessions "fin", "close" (128 MiB memfd each) and "skip";
 *            the frame of one page of each memfd goes to stage 2
 *   stage 2: FINISH "fin", close "close", both give their memory back;
 *            "skip" is left alone; kexec again
 *   stage 3: none of the three exists any more
 *
 * Released is measured, not inferred from a margin of free memory: KHO's
 * count of restored pages (/sys/kernel/debug/kho/in/pages) grows at FINISH
 * and at close by exactly the pages (data and metadata) stage 1 saw the
 * outgoing tracker take for such a file (KHO self-test's tracker walk); the sampled page stops being PG_reserved (/proc/kpageflags) then,
 * not before; free memory (per-CPU lists included) grows by the file's size
 * to within 1 MiB. "skip" stays reserved for the life of stage 2, and its
 * page is ordinary memory in stage 3.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define BIG_KB		(128 << 10)
#define BIG_PAGES	(BIG_KB / 4)
#define KPF_RESERVED	32

static const char *const names[] = { "fin", "close", "skip" };

static bool page_reserved(const char *name)
{
	return luo_kpageflags(luo_get_u64(name)) >> KPF_RESERVED & 1;
}

static long long restored(void)
{
	return kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
}

/* Wait (up to 5 s) for free memory to exceed @base by the file's size. */
static long long wait_free_above(long long base)
{
	long long now = 0;
	int i;

	for (i = 0; i < 50; i++) {
		now = luo_free_kb();
		if (now - base >= BIG_KB - 1024)
			break;
		usleep(100000);
	}
	return now;
}

/*
 * Pages KHO keeps for one 128 MiB memfd (data and the handler's metadata,
 * not LUO's own session and file blocks): a second file preserved into a
 * session that has one already needs no new block.
 */
static long long probe_file_pages(int luo)
{
	long long t1, t2;
	int s, m1, m2;

	s = liveupdate_create_session(luo, "probe");
	m1 = luo_memfd_new("probe1", (size_t)BIG_KB << 10, 11);
	m2 = luo_memfd_new("probe2", (size_t)BIG_KB << 10, 12);
	if (s < 0 || m1 < 0 || m2 < 0 || liveupdate_preserve_fd(s, m1, 1))
		return -1;
	t1 = kho_tracked_pages();
	if (liveupdate_preserve_fd(s, m2, 2))
		return -1;
	t2 = kho_tracked_pages();
	close(m1);
	close(m2);
	close(s);
	return t1 < 0 || t2 < 0 ? -1 : t2 - t1;
}

static enum luo_result stage1(int luo)
{
	long long file_pages;
	int s[3], i, m, r;
	char *p;

	/* 4 KiB folios, so every memfd here has the same layout. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	file_pages = probe_file_pages(luo);
	ASSERT_TRUE(file_pages >= BIG_PAGES, "probe: %lld pages", file_pages);
	luo_info("a 128 MiB memfd: %d pages of data + %lld of metadata",
		 BIG_PAGES, file_pages - BIG_PAGES);
	luo_put("file_pages", "%lld", file_pages);
	for (i = 0; i < 3; i++) {
		s[i] = liveupdate_create_session(luo, names[i]);
		ASSERT_TRUE(s[i] >= 0, "create %s: %s", names[i],
			    strerror(-s[i]));
		m = luo_memfd_new(names[i], (size_t)BIG_KB << 10, i + 1);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s[i], m, 1);
		ASSERT_TRUE(!r, "preserve in %s: %s", names[i], strerror(-r));
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 4096 * 1000);
		ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
		(void)*(volatile char *)p;
		ASSERT_TRUE(luo_pfn(p), "no frame for a page of %s", names[i]);
		luo_put(names[i], "%#llx", (unsigned long long)luo_pfn(p));
		munmap(p, 4096);
		close(m);
	}
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	for (i = 0; i < 3; i++)
		close(s[i]);
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

static enum luo_result stage2(int luo)
{
	long long free0, free1, free2, r0, r1, r2;
	int s, r, i;

	for (i = 0; i < 3; i++)
		ASSERT_TRUE(page_reserved(names[i]), "page of %s not reserved",
			    names[i]);
	free0 = luo_free_kb();
	r0 = restored();
	s = liveupdate_retrieve_session(luo, "fin");
	ASSERT_TRUE(s >= 0, "retrieve fin: %s", strerror(-s));
	ASSERT_TRUE(restored() == r0, "retrieving the session restored pages");
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish fin: %s", strerror(-r));
	/* Finished: its file is gone for good. */
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -ENOENT, "file of a finished session: %d", r);
	r1 = restored();
	free1 = wait_free_above(free0);
	luo_info("FINISH: %lld pages restored and freed, free memory +%lld kB",
		 r1 - r0, free1 - free0);
	ASSERT_TRUE(r1 - r0 == (long long)luo_get_u64("file_pages"),
		    "FINISH restored %lld pages of the %llu preserved for fin",
		    r1 - r0, luo_get_u64("file_pages"));
	ASSERT_TRUE(!page_reserved("fin"), "page of fin still reserved");
	ASSERT_TRUE(page_reserved("close") && page_reserved("skip"),
		    "FINISH of fin released another session's page");
	ASSERT_TRUE(free1 - free0 >= BIG_KB - 1024,
		    "FINISH freed %lld kB of %d", free1 - free0, BIG_KB);
	close(s);

	s = liveupdate_retrieve_session(luo, "close");
	ASSERT_TRUE(s >= 0, "retrieve close: %s", strerror(-s));
	close(s);
	r2 = restored();
	free2 = wait_free_above(free1);
	luo_info("close: %lld pages restored and freed, free memory +%lld kB",
		 r2 - r1, free2 - free1);
	ASSERT_TRUE(r2 - r1 == (long long)luo_get_u64("file_pages"),
		    "close restored %lld pages of the %llu preserved for close",
		    r2 - r1, luo_get_u64("file_pages"));
	ASSERT_TRUE(!page_reserved("close"), "page of close still reserved");
	ASSERT_TRUE(free2 - free1 >= BIG_KB - 1024,
		    "close freed %lld kB of %d", free2 - free1, BIG_KB);

	/* Never retrieved: kept from use for the life of this kernel. */
	ASSERT_TRUE(page_reserved("skip"), "page of skip released");
	ASSERT_TRUE(restored() == r2, "pages of skip restored");
	/* Carried values last one kexec: hand the frame on to stage 3. */
	luo_put("skip", "%#llx", luo_get_u64("skip"));
	close(luo);
	luo_kexec(NULL);
	return LUO_FAIL;
}

LUO_TEST(luo_kexec_unretrieved, .stages = 3, .cmdline = "kho=on liveupdate=on",
	 .desc = "three-stage: unretrieved files/sessions released by finish/close")
{
	int luo, i, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);
	if (ctx->stage == 2)
		return stage2(luo);

	/* Unretrieved incoming sessions are not carried into a further update. */
	for (i = 0; i < 3; i++) {
		r = liveupdate_retrieve_session(luo, names[i]);
		ASSERT_TRUE(r == -ENOENT, "%s in the third kernel: %d",
			    names[i], r);
	}
	luo_info("stage 3: KHO preserved %lld pages, restored %lld; page of skip: kpageflags %#llx",
		 kho_file_value(KHO_DEBUGFS "/in/pages", "preserved"), restored(),
		 (unsigned long long)luo_kpageflags(luo_get_u64("skip")));
	/* What nobody retrieved did not outlive the kernel that had it. */
	ASSERT_TRUE(luo_get_u64("skip"), "no frame carried");
	ASSERT_TRUE(!page_reserved("skip"), "page of skip still reserved");
	close(luo);
	return LUO_PASS;
}
