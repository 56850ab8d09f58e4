// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_fdt_kept.c - the incoming KHO FDT can never be claimed.
 *
 * The previous kernel preserves its root FDT page, and the new kernel
 * reads it for the whole boot (subtrees, debugfs). A handover that names
 * that page as a handler's memory (a crafted memfd array entry, say) must
 * not get it freed under KHO. Stage 2 finds the FDT's address in the x86
 * setup_data the kexec passed (SETUP_KEXEC_KHO) and claims it as a KHO
 * user would (the self-test's "restore-folio"): refused, and the FDT is
 * still there to read (debugfs kho/in/fdt).
 */
#include <dirent.h>
#include <stdlib.h>

#include "kho_util.h"
#include "luo_test.h"

#define SETUP_DATA	"/sys/kernel/boot_params/setup_data"
#define SETUP_KEXEC_KHO	10

/* fdt_addr of the SETUP_KEXEC_KHO setup_data, or 0. */
static unsigned long long kho_fdt_addr(void)
{
	unsigned long long addr = 0;
	char path[320], buf[32] = "";
	struct dirent *d;
	DIR *dir;
	FILE *f;

	dir = opendir(SETUP_DATA);
	if (!dir)
		return 0;
	while (!addr && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SETUP_DATA "/%s/type", d->d_name);
		if (luo_read_file(path, buf, sizeof(buf) - 1) <= 0 ||
		    strtoul(buf, NULL, 0) != SETUP_KEXEC_KHO)
			continue;
		snprintf(path, sizeof(path), SETUP_DATA "/%s/data", d->d_name);
		f = fopen(path, "re");
		if (!f || fread(&addr, sizeof(addr), 1, f) != 1)
			addr = 0;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return addr;
}

LUO_TEST(kho_fdt_kept, .stages = 2, .cmdline = "kho=on",
	 .desc = "KHO: the incoming FDT page cannot be claimed",
	 .expect_log = LUO_LOG("KHO: no intact preserved folio at * (never preserved, restored already, or overlapping)"))
{
	unsigned long long fdt;
	char cmd[64], buf[64];
	int r;

	if (ctx->stage == 1) {
		luo_kexec(NULL);
		return LUO_FAIL;
	}
	fdt = kho_fdt_addr();
	ASSERT_TRUE(fdt, "no SETUP_KEXEC_KHO setup_data");
	snprintf(cmd, sizeof(cmd), "restore-folio %#llx", fdt);
	r = kho_write_file(KHO_DEBUGFS "/selftest", cmd);
	ASSERT_TRUE(r == -ENOENT, "claiming the incoming FDT at %#llx: %s", fdt,
		    r ? strerror(-r) : "claimed");
	ASSERT_TRUE(luo_read_file(KHO_DEBUGFS "/in/fdt", buf, sizeof(buf)) > 0,
		    "kho/in/fdt unreadable");
	return LUO_PASS;
}
