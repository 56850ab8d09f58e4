// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_overlap.c - handover data that lists a page inside a preserved
 * large folio must not get that page handed out twice.
 *
 *   stage 1: the KHO self-test preserves its folios, then preserves the
 *            second page of its first large folio on its own as well
 *            ("corrupt-overlap"); the folio and the page go to stage 2
 *   stage 2: that folio, and only it, was refused (bad=1, its own log
 *            line with its address); the page is still reserved and not
 *            free; a claim of the folio fails; a claim of the page alone
 *            succeeds once (it was preserved on its own) and a second
 *            claim fails, as does the folio's again
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "kho_util.h"
#include "luo_test.h"

#define KPF_BUDDY	10
#define KPF_RESERVED	32
#define ST		KHO_DEBUGFS "/selftest"

static bool reserved(uint64_t pfn)
{
	return luo_kpageflags(pfn) >> KPF_RESERVED & 1;
}

static int claim(const char *what, unsigned long long phys)
{
	char cmd[64];

	if (!strcmp(what, "folio"))
		snprintf(cmd, sizeof(cmd), "restore-folio %#llx", phys);
	else
		snprintf(cmd, sizeof(cmd), "restore-pages %#llx 1", phys);
	return kho_write_file(ST, cmd);
}

LUO_TEST(kho_overlap, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: overlapping chunks are never handed out twice",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)",
			       "KHO: pages at * were not preserved as 1 pages (or restored already)"))
{
	unsigned long long folio, page;
	char buf[4096], line[160];
	const char *p;
	uint64_t flags;

	if (ctx->stage == 1) {
		ASSERT_OK(kho_write_file(ST, "preserve"));
		ASSERT_OK(kho_write_file(ST, "corrupt-overlap"));
		ASSERT_OK(kho_read_file(ST, buf, sizeof(buf)));
		p = strstr(buf, "overlap: ");
		ASSERT_TRUE(p && sscanf(p, "overlap: folio=%llx page=%llx",
					&folio, &page) == 2, "%s", buf);
		luo_info("page %#llx listed inside folio %#llx", page, folio);
		luo_put("folio", "%#llx", folio);
		luo_put("page", "%#llx", page);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	folio = luo_get_u64("folio");
	page = luo_get_u64("page");
	ASSERT_TRUE(folio && page == folio + 4096, "folio %#llx page %#llx",
		    folio, page);

	/* Nothing of the folio, the page in particular, was handed out. */
	flags = luo_kpageflags(page / 4096);
	luo_info("page %#llx: kpageflags %#" PRIx64, page, flags);
	ASSERT_TRUE(reserved(page / 4096) && !(flags >> KPF_BUDDY & 1),
		    "page %#llx was handed out (kpageflags %#" PRIx64 ")",
		    page, flags);
	ASSERT_TRUE(reserved(folio / 4096), "folio %#llx was handed out",
		    folio);

	/* The self-test refused that folio, and only that one. */
	ASSERT_OK(kho_read_file(ST, buf, sizeof(buf)));
	luo_info("%.*s", (int)strcspn(buf, "\n"), buf);
	ASSERT_TRUE(strstr(buf, "in: FAILED generation=1 bad=1 of folios=24"),
		    "%s", buf);
	snprintf(line, sizeof(line),
		 "KHO: no intact preserved folio at 0x%016llx (never preserved, restored already, or overlapping)",
		 folio);
	ASSERT_TRUE(luo_kmsg_match(line), "no '%s'", line);

	/* Claims: the folio never, the page once. */
	ASSERT_TRUE(claim("folio", folio) == -ENOENT, "folio claimed");
	ASSERT_OK(claim("page", page));
	ASSERT_TRUE(!reserved(page / 4096), "claimed page still reserved");
	ASSERT_TRUE(claim("page", page) == -ENOENT, "page claimed twice");
	ASSERT_TRUE(claim("folio", folio) == -ENOENT,
		    "folio claimed after its page was");
	ASSERT_TRUE(reserved(folio / 4096), "folio head no longer reserved");
	return LUO_PASS;
}
