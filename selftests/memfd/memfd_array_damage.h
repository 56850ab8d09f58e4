/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_array_damage.h - the two stages shared by the tests of a damaged
 * memfd folio array (memfd_kexec_dup_index, memfd_kexec_bad_index).
 *
 * Stage 1 preserves two memfds of MAD_PAGES 4 KiB pages in one session,
 * carries the frames of pages 2 and 10 and has the test handler damage
 * the first memfd's array (luo_test_set_damage(): "memfd-dup" or
 * "memfd-index"). In stage 2:
 *
 *   - RETRIEVE_FD of the damaged memfd fails with EINVAL, again when
 *     retried, with the line of the check that refused it
 *   - it claims from KHO exactly the pages a successful retrieve of the
 *     same layout claims (the other memfd's), and frees them, each once
 *     (the test's expected log lines are all it may print): the pages of
 *     entries 2 and 10 are no longer reserved
 *   - the other memfd arrives intact and the session finishes
 */
#ifndef MEMFD_ARRAY_DAMAGE_H
#define MEMFD_ARRAY_DAMAGE_H

#include <sys/mman.h>
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define MAD_PAGES	64
#define MAD_SIZE	((size_t)MAD_PAGES * 4096)
#define MAD_RESERVED	32	/* KPF_RESERVED */
#define MAD_REFUSED	"memfd_luo: cannot retrieve memfd at *: -22"

static long long mad_restored(void)
{
	return kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
}

static enum luo_result mad_check_freed(const char *what)
{
	uint64_t pfn = luo_get_u64(what);

	ASSERT_TRUE(pfn, "no frame carried for %s", what);
	ASSERT_TRUE(!(luo_kpageflags(pfn) >> MAD_RESERVED & 1),
		    "the page of %s (%#llx) is still reserved", what,
		    (unsigned long long)pfn);
	return LUO_PASS;
}

/* @line: the log line of the check that refuses the damaged array, or NULL */
static enum luo_result mad_stage2(int luo, const char *line)
{
	uint64_t seed = luo_get_u64("seed");
	long long rest0, bad, good;
	int s, m, r;

	s = liveupdate_retrieve_session(luo, "dup");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));

	rest0 = mad_restored();
	ASSERT_TRUE(rest0 >= 0, "no %s/in/pages", KHO_DEBUGFS);
	m = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(m == -EINVAL, "RETRIEVE_FD of the damaged memfd: %d, not -EINVAL",
		    m);
	r = liveupdate_retrieve_fd(s, 1);
	ASSERT_TRUE(r == -EINVAL, "retrieve again: %d, not sticky", r);
	if (line)
		ASSERT_TRUE(luo_kmsg_match(line),
			    "the check did not fire: no '%s'", line);
	bad = mad_restored() - rest0;

	rest0 = mad_restored();
	m = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(m >= 0, "retrieve the intact memfd: %s", strerror(-m));
	good = mad_restored() - rest0;
	ASSERT_TRUE(!luo_memfd_verify(m, MAD_SIZE, seed + 2),
		    "content of the intact memfd");
	close(m);

	luo_info("pages claimed from KHO: %lld by the refused retrieve, %lld by the intact one",
		 bad, good);
	ASSERT_TRUE(good > MAD_PAGES && bad == good,
		    "the refused retrieve claimed %lld pages, a good one %lld",
		    bad, good);
	if (mad_check_freed("pfn2") != LUO_PASS ||
	    mad_check_freed("pfn10") != LUO_PASS)
		return LUO_FAIL;
	return luo_finish_close(s, luo);
}

/* Carry the frame of page @pg of memfd @m as "pfn<pg>". */
static enum luo_result mad_carry_pfn(int m, unsigned int pg)
{
	char key[16];
	char *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, (off_t)pg * 4096);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	(void)*(volatile char *)p;
	snprintf(key, sizeof(key), "pfn%u", pg);
	luo_put(key, "%#llx", (unsigned long long)luo_pfn(p));
	munmap(p, 4096);
	return LUO_PASS;
}

/* @damage: "memfd-dup" or "memfd-index" */
static enum luo_result mad_stage1(int luo, const char *damage)
{
	uint64_t seed;
	int s, m, r, i;

	/* 4 KiB folios: entry N is page N. */
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	seed = luo_seed();
	s = liveupdate_create_session(luo, "dup");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 1; i <= 2; i++) {
		m = luo_memfd_new("dup", MAD_SIZE, seed + i);
		ASSERT_TRUE(m >= 0, "memfd %d: %s", i, strerror(-m));
		if (i == 1 && (mad_carry_pfn(m, 2) != LUO_PASS ||
			       mad_carry_pfn(m, 10) != LUO_PASS))
			return LUO_FAIL;
		r = liveupdate_preserve_fd(s, m, i);
		ASSERT_TRUE(!r, "preserve %d: %s", i, strerror(-r));
		close(m);
	}
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
				 damage));
	return luo_handover();
}

#endif /* MEMFD_ARRAY_DAMAGE_H */
