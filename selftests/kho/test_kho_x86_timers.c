// SPDX-License-Identifier: GPL-2.0
/*
 * test_kho_x86_timers.c - the new kernel takes the previous one's timer
 * calibration from the handover (arch/x86/kernel/kho_timers.c)
 * instead of measuring again: its local APIC timer runs with the very same
 * multiplier (/proc/timer_list) and its secondary CPUs with the very delay
 * loop count (/proc/cpuinfo's bogomips) the previous kernel had, where
 * fresh measurements differ from boot to boot.
 */
#include <stdio.h>
#include <string.h>

#include "luo_test.h"

/* The multiplier of CPU 0's "lapic" clock event device, or 0. */
static unsigned long long lapic_mult(void)
{
	unsigned long long mult = 0;
	bool lapic = false;
	char line[256];
	FILE *f = fopen("/proc/timer_list", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "Clock Event Device: "))
			lapic = strstr(line, "Clock Event Device: lapic") != NULL;
		else if (lapic && sscanf(line, " mult: %llu", &mult) == 1)
			break;
	}
	fclose(f);
	return mult;
}

/*
 * The bogomips of every CPU, space separated, in @buf; the last CPU's alone
 * in @last (the kernel's loops_per_jiffy is the last CPU calibrated).
 */
static int bogomips(char *buf, size_t len, char *last, size_t last_len)
{
	char line[256], val[32];
	size_t n = 0;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return -1;
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "bogomips : %31s", val) == 1) {
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "", val);
			snprintf(last, last_len, "%s", val);
		}
	fclose(f);
	return n ? 0 : -1;
}

LUO_TEST(kho_x86_timers, .stages = 2, .cmdline = "kho=on",
	 .desc = "the APIC timer and delay loop calibration cross the kexec")
{
	char all[256], last[32], want[256];
	unsigned long long mult = lapic_mult();
	char *tok;

	ASSERT_TRUE(mult, "no lapic clock event device in /proc/timer_list");
	ASSERT_OK(bogomips(all, sizeof(all), last, sizeof(last)));
	if (ctx->stage == 1) {
		luo_put("mult", "%llu", mult);
		luo_put("bogomips", "%s", last);
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	ASSERT_TRUE(luo_kmsg_contains("KHO: x86 timer calibration from the previous kernel"),
		    "the new kernel did not take the handed-over calibration (TSC differs: %d, unreadable: %d)",
		    luo_kmsg_contains("kHz handed over, this one is"),
		    luo_kmsg_contains("x86 timer calibration handed over unreadable"));
	ASSERT_TRUE(mult == luo_get_u64("mult"),
		    "APIC timer multiplier %llu, the previous kernel's %llu",
		    mult, luo_get_u64("mult"));
	/*
	 * Every secondary CPU runs with the count the previous kernel ended
	 * with (the boot CPU's own comes from the TSC, before the handover
	 * is read).
	 */
	ASSERT_TRUE(luo_get("bogomips"), "bogomips of stage 1 not carried");
	snprintf(want, sizeof(want), "%s", all);
	tok = strtok(want, " ");
	ASSERT_TRUE(tok && strchr(all, ' '), "one CPU only: \"%s\"", all);
	for (tok = strtok(NULL, " "); tok; tok = strtok(NULL, " "))
		ASSERT_TRUE(!strcmp(tok, luo_get("bogomips")),
			    "bogomips \"%s\", the previous kernel's last CPU had %s",
			    all, luo_get("bogomips"));
	return LUO_PASS;
}
