// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.c - "luo-bpf timeline": where the last live update's time went.
 *
 * The kernel keeps the moments of a live update on one clock across the
 * kexec (kernel/liveupdate/luo_timeline.c): the outgoing kernel's freeze,
 * serialization and shutdown, handed over, and this kernel's finding the
 * handover (early in setup_arch()), its KHO walk, first open of /dev/liveupdate, first and last RETRIEVE_FD and last
 * FINISH. Each is printed with the time since the one before; the blackout
 * runs from the freeze to the last RETRIEVE_FD, when the last preserved
 * byte is back in a file of the new kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luo-bpf.h"

#define TIMELINE	"/sys/kernel/debug/liveupdate/timeline"
#define MAX_PHASES	32

struct phase {
	char name[32];
	long long us;		/* from the freeze; -1: not reached */
};

static int read_timeline(struct phase *p, int *n, bool *handed_over)
{
	char line[256];
	FILE *f = fopen(TIMELINE, "r");

	if (!f)
		return p_err("cannot read %s: %s (needs debugfs mounted and a kernel with the LUO timeline)",
			     TIMELINE, strerror(errno));
	*n = 0;
	*handed_over = false;
	while (fgets(line, sizeof(line), f) && *n < MAX_PHASES) {
		char val[32];

		if (line[0] == '#') {
			*handed_over = !strstr(line, "no moments handed over");
			continue;
		}
		if (sscanf(line, "%31s %31s", p[*n].name, val) != 2)
			continue;
		p[*n].us = strcmp(val, "-") ? strtoll(val, NULL, 10) : -1;
		(*n)++;
	}
	fclose(f);
	return LUO_EXIT_OK;
}

static long long phase_us(const struct phase *p, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return p[i].us;
	return -1;
}

static int timeline_show(void)
{
	struct phase p[MAX_PHASES];
	long long prev = -1, blackout;
	bool handed_over = false;
	int n = 0, i, err;

	err = read_timeline(p, &n, &handed_over);
	if (err)
		return err;
	blackout = handed_over ? phase_us(p, n, "last_retrieve") : -1;
	if (json_output) {
		json_begin_object();
		json_bool("handed_over", handed_over);
		json_key_array("phases");
		for (i = 0; i < n; i++) {
			json_begin_object();
			json_string("phase", p[i].name);
			json_s64("us", p[i].us);
			json_end_object();
		}
		json_end_array();
		json_s64("blackout_us", blackout);
		json_end_object();
		return LUO_EXIT_OK;
	}
	if (!handed_over)
		printf("no live update into this kernel (or its previous kernel handed no timeline over): this kernel's moments, on the cycle counter\n");
	printf("%-16s %12s %12s\n", "PHASE", "AT (ms)", "+ (ms)");
	for (i = 0; i < n; i++) {
		if (p[i].us < 0) {
			printf("%-16s %12s %12s\n", p[i].name, "-", "-");
			continue;
		}
		if (prev < 0)
			printf("%-16s %12.3f %12s\n", p[i].name, p[i].us / 1e3, "");
		else
			printf("%-16s %12.3f %12.3f\n", p[i].name, p[i].us / 1e3,
			       (p[i].us - prev) / 1e3);
		prev = p[i].us;
	}
	if (blackout >= 0)
		printf("blackout, freeze to the last RETRIEVE_FD: %.3f ms\n",
		       blackout / 1e3);
	return LUO_EXIT_OK;
}

static int timeline_help(void)
{
	printf("Usage: %s timeline [show]\n"
	       "       %s timeline help\n"
	       "\n"
	       "Where the last live update's time went, on one clock across the\n"
	       "kexec: the previous kernel's freeze, frozen, serialized and shutdown\n"
	       "(handed over), then this kernel's handover_found (early in\n"
	       "setup_arch), the end of its KHO walk, the first open of\n"
	       "/dev/liveupdate, the first and the last RETRIEVE_FD and the last\n"
	       "FINISH, each in ms from the freeze and since the one before\n"
	       "(\"-\": not reached yet). The blackout runs from the freeze to the last\n"
	       "RETRIEVE_FD. Reads %s.\n",
	       prog_name, prog_name, TIMELINE);
	return LUO_EXIT_OK;
}

int do_timeline(int argc, char **argv)
{
	if (argc && is_help(argv[0]))
		return timeline_help();
	if (!argc || (argc == 1 && !strcmp(argv[0], "show")))
		return timeline_show();
	return p_usage("timeline", "bad command or arguments");
}
