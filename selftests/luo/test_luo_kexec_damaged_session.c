// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_damaged_session.c - one malformed session does not cost
 * the others: of three sessions, the second claims a file more than it
 * holds. The next kernel drops it alone with a log line and releases the
 * memory of the files it could read; the other two come back intact.
 *
 * The memory is followed by one page of each memfd (its frame carried
 * from stage 1, read in /proc/kpageflags): the dropped session's page is
 * no longer reserved when /dev/liveupdate opens, the others' still are,
 * and each retrieved memfd has that very page at the same offset.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define MIB		32
#define SIZE		((size_t)MIB << 20)
#define NR_SESSIONS	3
#define DAMAGED		1
#define SAMPLE		100	/* page of each memfd followed by its frame */
#define KPF_RESERVED	32

static unsigned long long sample_pfn(int m)
{
	unsigned long long pfn;
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, SAMPLE * 4096);

	if (p == MAP_FAILED)
		return 0;
	(void)*(volatile char *)p;
	pfn = luo_pfn(p);
	munmap(p, 4096);
	return pfn;
}

static bool reserved(unsigned long long pfn)
{
	return luo_kpageflags(pfn) >> KPF_RESERVED & 1;
}

static const char *const names[NR_SESSIONS] = { "good-a", "damaged", "good-b" };

LUO_TEST(luo_kexec_damaged_session, .stages = 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: a malformed session is dropped, the others stay",
	 .expect_log = LUO_LOG("liveupdate: incoming session 'damaged' dropped (fewer files than it says), finishing the 1 files read"))
{
	unsigned long long pfn[NR_SESSIONS];
	long long restored, free0;
	char key[8];
	int luo, s, m, i, r;

	if (ctx->stage == 1) {
		luo = liveupdate_open();
		ASSERT_OK(luo);
		for (i = 0; i < NR_SESSIONS; i++) {
			m = luo_memfd_new(names[i], SIZE, 100 + i);
			ASSERT_OK(m);
			s = liveupdate_create_session(luo, names[i]);
			ASSERT_OK(s);
			ASSERT_OK(liveupdate_preserve_fd(s, m, 7));
			snprintf(key, sizeof(key), "pfn%d", i);
			luo_put(key, "%#llx", sample_pfn(m));
		}
		ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
					 "session"));
		return luo_handover();
	}

	for (i = 0; i < NR_SESSIONS; i++) {
		snprintf(key, sizeof(key), "pfn%d", i);
		pfn[i] = luo_get_u64(key);
		ASSERT_TRUE(pfn[i], "no frame of '%s' carried", names[i]);
	}
	free0 = luo_meminfo_kb("MemFree");
	luo = open("/dev/liveupdate", O_RDWR);
	ASSERT_TRUE(luo >= 0, "open /dev/liveupdate: %m");
	ASSERT_TRUE(luo_kmsg_match("liveupdate: incoming session 'damaged' dropped (fewer files than it says), finishing the 1 files read"),
		    "no log line names the damaged session");
	/* Read at open, before anything is retrieved: only the dropped one. */
	restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	luo_info("MemFree %lld -> %lld kB at open; pages restored (released): %lld",
		 free0, luo_meminfo_kb("MemFree"), restored);
	ASSERT_TRUE(restored >= (long long)(SIZE / 4096),
		    "the damaged session's memfd was not released: %lld pages",
		    restored);
	/* Freed pages may still sit on per-CPU lists, which MemFree omits. */
	ASSERT_TRUE(luo_meminfo_kb("MemFree") - free0 >= MIB * 1024 / 2,
		    "MemFree did not grow by the dropped %d MiB", MIB);

	for (i = 0; i < NR_SESSIONS; i++)
		ASSERT_TRUE(reserved(pfn[i]) == (i != DAMAGED),
			    "page %#llx of '%s' %s reserved", pfn[i], names[i],
			    i == DAMAGED ? "still" : "no longer");

	for (i = 0; i < NR_SESSIONS; i++) {
		s = liveupdate_retrieve_session(luo, names[i]);
		if (i == DAMAGED) {
			ASSERT_TRUE(s == -ENOENT, "damaged session: %d", s);
			continue;
		}
		ASSERT_TRUE(s >= 0, "retrieve '%s': %s", names[i], strerror(-s));
		m = liveupdate_retrieve_fd(s, 7);
		ASSERT_TRUE(m >= 0, "retrieve fd of '%s': %s", names[i],
			    strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, SIZE, 100 + i),
			    "'%s' differs", names[i]);
		ASSERT_TRUE(sample_pfn(m) == pfn[i], "'%s': page %d at %#llx, was %#llx",
			    names[i], SAMPLE, sample_pfn(m), pfn[i]);
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish '%s': %s", names[i], strerror(-r));
		close(m);
		close(s);
	}
	close(luo);
	return LUO_PASS;
}
