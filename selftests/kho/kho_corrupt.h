/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kho_corrupt.h - body of the damaged-handover tests: stage 1 preserves the
 * self-test's data and damages the outgoing handover in one way; stage 2
 * must be a clean cold boot that says so, with KHO ready for the next update.
 *
 * Each test names the log line of the check it aims at (@line, the whole
 * line with '*' for an address), so a refusal by some other check does
 * not pass it; its .expect_log names all the lines it causes. The memory the refused
 * handover named is not kept from use: every page of the self-test's
 * folios is ordinary memory again (not PG_reserved) in stage 2.
 */
#ifndef KHO_CORRUPT_H
#define KHO_CORRUPT_H

#include <inttypes.h>
#include <stdio.h>

#include "kho_util.h"
#include "luo_test.h"

#define KHO_CORRUPT_FOLIOS	8
#define KPF_RESERVED		32

static inline enum luo_result kho_corrupt_test(struct luo_ctx *ctx,
					       const char *how,
					       const char *line)
{
	unsigned long long phys;
	unsigned int order, i, n;
	char buf[4096], cmd[32], key[8];
	const char *p, *v;
	uint64_t pfn;

	if (ctx->stage == 1) {
		snprintf(cmd, sizeof(cmd), "corrupt-%s", how);
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
		for (i = 0, p = buf; i < KHO_CORRUPT_FOLIOS; i++, p++) {
			p = strstr(p, "out: folio ");
			ASSERT_TRUE(p && sscanf(p, "out: folio %*u phys=%llx order=%u",
						&phys, &order) == 2, "%s", buf);
			snprintf(key, sizeof(key), "f%u", i);
			luo_put(key, "%#llx:%u", phys, order);
		}
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", cmd));
		luo_info("stage 1: MemTotal %lld kB", luo_meminfo_kb("MemTotal"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	luo_info("stage 2: MemTotal %lld kB", luo_meminfo_kb("MemTotal"));
	ASSERT_TRUE(luo_kmsg_match(line),
		    "the check aimed at did not fire: no '%s'", line);
	ASSERT_TRUE(luo_kmsg_contains("cold boot"), "no cold boot logged");
	ASSERT_TRUE(!luo_kmsg_contains("preserved pages reserved"),
		    "preserved memory was reserved");
	ASSERT_TRUE(!kho_path_exists(KHO_DEBUGFS "/in"),
		    "incoming handover accepted");
	ASSERT_OK(kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)));
	ASSERT_TRUE(strstr(buf, "in: none"), "%s", buf);

	/* The folios the old kernel preserved are plain memory now. */
	for (i = n = 0; i < KHO_CORRUPT_FOLIOS; i++) {
		snprintf(key, sizeof(key), "f%u", i);
		v = luo_get(key);
		ASSERT_TRUE(v && sscanf(v, "%llx:%u", &phys, &order) == 2,
			    "no %s carried", key);
		for (pfn = phys / 4096; pfn < phys / 4096 + (1ULL << order); pfn++, n++)
			ASSERT_TRUE(!(luo_kpageflags(pfn) >> KPF_RESERVED & 1),
				    "pfn %#" PRIx64 " of folio %#llx still reserved",
				    pfn, phys);
	}
	luo_info("%u pages of %d preserved folios are not reserved", n,
		 KHO_CORRUPT_FOLIOS);

	/* KHO itself still works for the next update. */
	ASSERT_TRUE(kho_path_exists(KHO_DEBUGFS "/out/fdt"), "KHO not enabled");
	return LUO_PASS;
}

#endif /* KHO_CORRUPT_H */
