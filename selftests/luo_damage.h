/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_damage.h - body of the malformed-LUO-data tests: stage 1 preserves a
 * 64 MiB memfd and has the test handler damage the handover the reboot
 * writes; stage 2 must boot (no panic), log the refusal, fail every open
 * of /dev/liveupdate with EIO, and for damage found while reading, give
 * back the memory of what was read.
 */
#ifndef LUO_DAMAGE_H
#define LUO_DAMAGE_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kho_util.h"
#include "liveupdate.h"
#include "luo_test.h"

#define DAMAGE_MIB	64

static inline enum luo_result luo_damage_test(struct luo_ctx *ctx,
					       const char *how,
					       const char *log_line,
					       bool released)
{
	long long restored;
	int luo, s, m;

	if (ctx->stage == 1) {
		luo = liveupdate_open();
		ASSERT_OK(luo);
		m = luo_memfd_new("damage", DAMAGE_MIB << 20, 1);
		ASSERT_OK(m);
		s = liveupdate_create_session(luo, "damage");
		ASSERT_OK(s);
		ASSERT_OK(liveupdate_preserve_fd(s, m, 1));
		ASSERT_OK(kho_write_file("/sys/kernel/debug/liveupdate/test_damage",
					 how));
		return luo_handover();
	}

	ASSERT_ERRNO(open("/dev/liveupdate", O_RDWR), EIO);
	ASSERT_ERRNO(open("/dev/liveupdate", O_RDWR), EIO);
	ASSERT_TRUE(luo_kmsg_contains(log_line), "no '%s' in the log", log_line);
	restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	luo_info("pages restored (released) by the new kernel: %lld", restored);
	if (released)
		ASSERT_TRUE(restored >= (DAMAGE_MIB << 20) / 4096,
			    "memfd pages not released: %lld restored", restored);
	return LUO_PASS;
}

#endif /* LUO_DAMAGE_H */
