// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_kaslr.c - a KASLR kernel booted by a kexec handover lies in
 * scratch: most of memory is a preserved memfd, so a kernel placed at
 * random in RAM would land on it. Over two live updates, the new kernel's
 * image is inside one of the scratch areas and the memfd is intact.
 */
#include <stdlib.h>

#include "liveupdate.h"
#include "luo_test.h"

#define MEMFD_SIZE	(1200UL << 20)
#define SCRATCH		"/sys/kernel/debug/kho/out/scratch"

/* Physical range of the kernel image ("Kernel code" to "Kernel bss"). */
static int kernel_range(unsigned long long *start, unsigned long long *end)
{
	unsigned long long a, b;
	char line[256];
	FILE *f;

	*start = ~0ULL;
	*end = 0;
	f = fopen("/proc/iomem", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " : Kernel "))
			continue;
		if (sscanf(line, " %llx-%llx", &a, &b) != 2)
			continue;
		if (a < *start)
			*start = a;
		if (b + 1 > *end)
			*end = b + 1;
	}
	fclose(f);
	return *end > *start && *start ? 0 : -1;
}

/* Fail unless [start, end) lies inside one scratch area. */
static enum luo_result in_scratch(unsigned long long start,
				  unsigned long long end)
{
	unsigned long long addr, size;
	char buf[1024], *line;
	unsigned int i;

	ASSERT_TRUE(luo_read_file(SCRATCH, buf, sizeof(buf)) > 0, "%s: %m",
		    SCRATCH);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%u %llx %llx", &i, &addr, &size) != 3)
			continue;
		if (start >= addr && end <= addr + size) {
			luo_info("kernel [%#llx, %#llx) in scratch area %u [%#llx+%#llx]",
				 start, end, i, addr, size);
			return LUO_PASS;
		}
	}
	luo_fail("kernel [%#llx, %#llx) outside every scratch area", start, end);
	return LUO_FAIL;
}

LUO_TEST(kho_kaslr, .stages = 3, .mem = "2G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "three-stage: a KASLR kernel on a KHO boot lies in scratch, preserved memfd intact")
{
	unsigned long long start, end;
	int luo, s, m, r;
	char name[32];
	uint64_t seed;

	ASSERT_TRUE(!luo_kmsg_contains("nokaslr"), "KASLR off on the command line");
	ASSERT_OK(kernel_range(&start, &end));
	luo_info("stage %d: kernel image at [%#llx, %#llx)", ctx->stage, start,
		 end);
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 1) {
		seed = luo_seed();
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		m = luo_memfd_new("kaslr", MEMFD_SIZE, seed);
		ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
	} else {
		if (in_scratch(start, end) != LUO_PASS)
			return LUO_FAIL;
		seed = luo_get_u64("seed");
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		snprintf(name, sizeof(name), "kaslr.%d", ctx->stage - 1);
		s = liveupdate_retrieve_session(luo, name);
		ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
		m = liveupdate_retrieve_fd(s, 1);
		ASSERT_TRUE(m >= 0, "retrieve fd: %s", strerror(-m));
		ASSERT_OK(luo_memfd_verify(m, MEMFD_SIZE, seed));
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish: %s", strerror(-r));
		if (ctx->stage == 3)
			return LUO_PASS;
	}

	/* Stage 2 does it again from a kernel that itself booted in scratch. */
	snprintf(name, sizeof(name), "kaslr.%d", ctx->stage);
	s = liveupdate_create_session(luo, name);
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	luo_kexec(NULL);
	return LUO_FAIL;
}
