// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - luo-bpf: run and inspect live updates on a luo-bpf kernel.
 *
 * bpftool-style: "luo-bpf [OPTIONS] OBJECT COMMAND [ARGS]", "help" at
 * every level, --json for every listing, one error line on stderr and a
 * documented exit code (luo-bpf.8).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luo-bpf.h"

bool json_output;
const char *prog_name = "luo-bpf";

int p_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LUO_EXIT_ERROR;
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int p_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s help')\n", prog_name, cmd);
	return LUO_EXIT_USAGE;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

static int do_help(void)
{
	printf("Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n"
	       "       %s version\n"
	       "\n"
	       "       OBJECT := { agent | handler | map | session | file | state |\n"
	       "                   kho | check | update | timeline }\n"
	       "       OPTIONS := { -j|--json | -h|--help | -V|--version }\n"
	       "\n"
	       "Live update of a luo-bpf kernel: sessions of preserved files held by an\n"
	       "agent, BPF handlers that decide and keep state, and a kexec that is\n"
	       "refused when the next kernel could not read what is handed over.\n"
	       "\n"
	       "  agent [--socket PATH]          hold sessions for clients (daemon)\n"
	       "  handler { load | list | update | unload }   BPF file handlers\n"
	       "  map { show | set } HANDLER MAP [KEY] [FIELD=VALUE...]\n"
	       "                                 a handler's maps, typed (BTF)\n"
	       "  session list                   sessions, outgoing and incoming\n"
	       "  file list [--session S]        preserved files\n"
	       "  state dump [FILE]              BPF handlers' handover tree\n"
	       "  kho dump                       the KHO handover (root FDT, subtrees)\n"
	       "  check --kernel IMAGE [--handlers DIR]\n"
	       "                                 can IMAGE read every preserved file?\n"
	       "  update --kernel IMAGE [--initrd FILE | --no-initrd]\n"
	       "         [--append ARGS] [--handlers DIR] [--force] [--dry-run]\n"
	       "                                 check, load IMAGE, kexec into it\n"
	       "                                 (--dry-run: ask the handlers only)\n"
	       "                                 (no --initrd: the running one, if kept)\n"
	       "  timeline                       where the last update's time went\n"
	       "\n"
	       "Exit codes: 0 done, 1 failed, 2 bad command line, 3 refused by the\n"
	       "format check. See luo-bpf(8).\n",
	       prog_name, prog_name);
	return LUO_EXIT_OK;
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "agent",	do_agent },
	{ "handler",	do_handler },
	{ "map",	do_map },
	{ "session",	do_session },
	{ "file",	do_file },
	{ "state",	do_state },
	{ "kho",	do_kho },
	{ "check",	do_check },
	{ "update",	do_update },
	{ "timeline",	do_timeline },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "help",	no_argument, NULL, 'h' },
		{ "version",	no_argument, NULL, 'V' },
		{ 0 }
	};
	unsigned int i;
	int c;

	/* Options stop at the object: "file list --session S" keeps its own. */
	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) >= 0) {
		switch (c) {
		case 'j':
			json_output = true;
			break;
		case 'h':
			return do_help();
		case 'V':
			printf("%s v1 (luo-v5, luo-bpf-v1)\n", prog_name);
			return LUO_EXIT_OK;
		default:
			return p_usage("", "unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc || is_help(argv[0]))
		return do_help();
	if (!strcmp(argv[0], "version")) {
		printf("%s v1 (luo-v5, luo-bpf-v1)\n", prog_name);
		return LUO_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return p_usage("", "unknown object '%s'", argv[0]);
}
