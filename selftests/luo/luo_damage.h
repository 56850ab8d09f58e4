/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_damage.h - body of the malformed-LUO-data tests: stage 1 preserves a
 * 64 MiB memfd and has the test handler damage the handover the reboot
 * writes; stage 2 must boot (no panic), log the refusal, fail every open
 * of /dev/liveupdate with EIO, and for damage found while reading, give
 * back the memory of what was read.
 *
 * @line is the whole log line of the check aimed at ('*' for any text).
 * What became of the memory is read off a page of the memfd (its frame
 * carried from stage 1): given back (not PG_reserved, and counted as
 * restored) when @released, otherwise still reserved, never handed out.
 */
#ifndef LUO_DAMAGE_H
#define LUO_DAMAGE_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/mman.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define DAMAGE_MIB	64
#define DAMAGE_KPF_RESERVED	32

static inline enum luo_result luo_damage_test(struct luo_ctx *ctx,
					       const char *how,
					       const char *line,
					       bool released)
{
	long long restored;
	unsigned long long pfn;
	bool rsv;
	char *p;
	int luo, s, m;

	if (ctx->stage == 1) {
		luo = liveupdate_open();
		ASSERT_OK(luo);
		m = luo_memfd_new("damage", DAMAGE_MIB << 20, 1);
		ASSERT_OK(m);
		s = liveupdate_create_session(luo, "damage");
		ASSERT_OK(s);
		ASSERT_OK(liveupdate_preserve_fd(s, m, 1));
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 4096 * 100);
		ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
		(void)*(volatile char *)p;
		pfn = luo_pfn(p);
		ASSERT_TRUE(pfn, "no frame for page 100");
		luo_put("pfn", "%#llx", pfn);
		munmap(p, 4096);
		ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
					 how));
		return luo_handover();
	}

	ASSERT_ERRNO(open("/dev/liveupdate", O_RDWR), EIO);
	ASSERT_ERRNO(open("/dev/liveupdate", O_RDWR), EIO);
	ASSERT_TRUE(luo_kmsg_match(line),
		    "the check aimed at did not fire: no '%s'", line);
	restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	pfn = luo_get_u64("pfn");
	rsv = luo_kpageflags(pfn) >> DAMAGE_KPF_RESERVED & 1;
	luo_info("pages restored (released) by the new kernel: %lld; memfd page %#llx %s",
		 restored, pfn, rsv ? "reserved" : "not reserved");
	ASSERT_TRUE(pfn, "no frame carried");
	if (released) {
		ASSERT_TRUE(restored >= (DAMAGE_MIB << 20) / 4096,
			    "memfd pages not released: %lld restored", restored);
		ASSERT_TRUE(!rsv, "memfd page %#llx still reserved", pfn);
	} else {
		/* LUO's own blob may be freed; the memfd's pages are not. */
		ASSERT_TRUE(restored < (DAMAGE_MIB << 20) / 4096,
			    "%lld pages restored from data of an unknown format",
			    restored);
		ASSERT_TRUE(rsv, "memfd page %#llx no longer reserved", pfn);
	}
	return LUO_PASS;
}

#endif /* LUO_DAMAGE_H */
