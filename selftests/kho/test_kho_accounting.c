// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_accounting.c - nothing is lost to leaked reservations: after the
 * self-test restored and freed its memory, the new kernel's MemTotal plus
 * what stays preserved (not restored) equals the old kernel's MemTotal.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "kho_util.h"
#include "luo_test.h"

/* Boot-to-boot noise: setup_data, the scratch array and FDT pages. */
#define SLACK_KB	512

/*
 * retain_initrd keeps the initrd's pages out of MemTotal, and the last
 * kexec of a test passes a smaller initrd (no kernel images, see
 * luo_kexec()): count it on both sides.
 */
static long long initrd_kb(void)
{
	struct stat st;

	if (stat("/sys/firmware/initrd", &st))
		return 0;
	return (st.st_size + 4095) / 4096 * 4;
}

LUO_TEST(kho_accounting, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: free + preserved memory adds up after the restore walk",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	long long total, old_total, preserved, restored, diff;

	if (ctx->stage == 1) {
		luo_put("memtotal", "%lld",
			luo_meminfo_kb("MemTotal") + initrd_kb());
		ASSERT_OK(kho_write_file(KHO_DEBUGFS "/selftest", "preserve"));
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	old_total = luo_get_u64("memtotal");
	total = luo_meminfo_kb("MemTotal") + initrd_kb();
	preserved = kho_file_value(KHO_DEBUGFS "/in/pages", "preserved");
	restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	ASSERT_TRUE(old_total > 0 && total > 0, "no MemTotal");
	ASSERT_TRUE(preserved > 0 && restored > 0, "preserved %lld restored %lld",
		    preserved, restored);
	/* The self-test restored almost all of it (the FDT page stays). */
	ASSERT_TRUE(preserved - restored < 16, "preserved %lld restored %lld",
		    preserved, restored);
	diff = old_total - (total + (preserved - restored) * 4);
	luo_info("MemTotal + initrd %lld -> %lld kB, preserved %lld restored %lld pages, diff %lld kB, walk %lld ns",
		 old_total, total, preserved, restored, diff,
		 kho_file_value(KHO_DEBUGFS "/in/pages", "walk_ns"));
	ASSERT_TRUE(llabs(diff) <= SLACK_KB, "%lld kB unaccounted", diff);
	return LUO_PASS;
}
