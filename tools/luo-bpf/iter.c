// SPDX-License-Identifier: GPL-2.0
/*
 * iter.c - "session list" and "file list": the kernel's LUO iterators
 * (bpf/luo_sessions.bpf.c, bpf/luo_files.bpf.c, built into this binary as
 * skeletons) read once, their tab-separated lines parsed into rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "luo-bpf.h"
#include "luo_sessions.skel.h"
#include "luo_files.skel.h"

/* Everything an iterator program prints, NUL-terminated; NULL on error. */
static char *iter_read(struct bpf_program *prog)
{
	size_t len = 0, cap = 1 << 16;
	struct bpf_link *link;
	char *buf = NULL;
	ssize_t n;
	int fd = -1;

	link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		p_err("cannot attach the LUO iterator: %s (a luo-bpf kernel with CONFIG_LIVEUPDATE_BPF?)",
		      strerror(errno));
		return NULL;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		p_err("cannot read the LUO iterator: %s", strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	while (buf) {
		if (cap - len < 8192) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p_err("reading the LUO iterator: %s", strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (!n) {
			buf[len] = '\0';
			break;
		}
		len += n;
	}
	close(fd);
out:
	bpf_link__destroy(link);
	return buf;
}

/*
 * Why an iterator would not load. Without the luo_session/luo_file
 * targets (a kernel without CONFIG_LIVEUPDATE_BPF, or LUO off) the
 * kernel answers ESRCH or ENOENT: say that, not "No such process".
 */
static const char *no_iter_reason(int err)
{
	if (err == ESRCH || err == ENOENT)
		return "this kernel has no LUO iterators (CONFIG_LIVEUPDATE_BPF, and liveupdate=on)";
	if (err == EPERM)
		return "reading LUO needs CAP_SYS_ADMIN";
	return strerror(err);
}

/* Split @line at tabs into at most @max fields; returns the count. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

int luo_iter_sessions(struct luo_session_row **rows, int *n)
{
	struct luo_sessions_bpf *skel;
	char *buf, *line, *save;
	int cap = 0;

	*rows = NULL;
	*n = 0;
	libbpf_set_print(NULL);
	skel = luo_sessions_bpf__open_and_load();
	if (!skel)
		return p_err("cannot load the session iterator: %s",
			     no_iter_reason(errno));
	buf = iter_read(skel->progs.luo_sessions);
	luo_sessions_bpf__destroy(skel);
	if (!buf)
		return LUO_EXIT_ERROR;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct luo_session_row *r;
		char *f[3];

		if (line[0] == '#' || split_tabs(line, f, 3) != 3)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = realloc(*rows, cap * sizeof(**rows));
			if (!*rows)
				return p_err("out of memory");
		}
		r = &(*rows)[(*n)++];
		copy(r->name, sizeof(r->name), f[0]);
		copy(r->state, sizeof(r->state), f[1]);
		r->files = strtoull(f[2], NULL, 10);
	}
	free(buf);
	return LUO_EXIT_OK;
}

int luo_iter_files(struct luo_file_row **rows, int *n)
{
	struct luo_files_bpf *skel;
	char *buf, *line, *save;
	int cap = 0;

	*rows = NULL;
	*n = 0;
	libbpf_set_print(NULL);
	skel = luo_files_bpf__open_and_load();
	if (!skel)
		return p_err("cannot load the file iterator: %s",
			     no_iter_reason(errno));
	buf = iter_read(skel->progs.luo_files);
	luo_files_bpf__destroy(skel);
	if (!buf)
		return LUO_EXIT_ERROR;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct luo_file_row *r;
		char *f[10];

		if (line[0] == '#' || split_tabs(line, f, 10) != 10)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*rows = realloc(*rows, cap * sizeof(**rows));
			if (!*rows)
				return p_err("out of memory");
		}
		r = &(*rows)[(*n)++];
		copy(r->session, sizeof(r->session), f[0]);
		r->token = strtoull(f[1], NULL, 10);
		copy(r->compatible, sizeof(r->compatible), f[2]);
		copy(r->handler, sizeof(r->handler),
		     strcmp(f[3], "-") ? f[3] : "");
		copy(r->status, sizeof(r->status), f[4]);
		r->size = strtoull(f[5], NULL, 10);
		r->bytes = strtoull(f[6], NULL, 10);
		copy(r->backend, sizeof(r->backend),
		     strcmp(f[7], "-") ? f[7] : "");
		r->schema = strcmp(f[8], "-") ? atoi(f[8]) : -1;
		copy(r->state, sizeof(r->state), strcmp(f[9], "-") ? f[9] : "");
	}
	free(buf);
	return LUO_EXIT_OK;
}

static int session_help(void)
{
	printf("Usage: %s session list\n"
	       "       %s session help\n"
	       "\n"
	       "List LUO sessions: outgoing ones (preserved for the next kernel) and\n"
	       "incoming ones (handed over by the previous kernel), with their state\n"
	       "(outgoing, incoming, retrieved, finished) and number of files.\n",
	       prog_name, prog_name);
	return LUO_EXIT_OK;
}

int do_session(int argc, char **argv)
{
	struct luo_session_row *rows;
	int i, n, err;

	if (!argc || is_help(argv[0]))
		return session_help();
	if (strcmp(argv[0], "list") && strcmp(argv[0], "show"))
		return p_usage("session", "unknown command '%s'", argv[0]);
	if (argc > 1)
		return p_usage("session", "unexpected argument '%s'", argv[1]);
	err = luo_iter_sessions(&rows, &n);
	if (err)
		return err;
	if (json_output) {
		json_begin_array();
		for (i = 0; i < n; i++) {
			json_begin_object();
			json_string("name", rows[i].name);
			json_string("state", rows[i].state);
			json_u64("files", rows[i].files);
			json_end_object();
		}
		json_end_array();
	} else {
		printf("%-32s %-10s %s\n", "SESSION", "STATE", "FILES");
		for (i = 0; i < n; i++)
			printf("%-32s %-10s %llu\n", rows[i].name,
			       rows[i].state, rows[i].files);
	}
	free(rows);
	return LUO_EXIT_OK;
}

static int file_help(void)
{
	printf("Usage: %s file list [--session NAME]\n"
	       "       %s file help\n"
	       "\n"
	       "List preserved files: session, token, handover format (compatible),\n"
	       "the handler bound to it, status (outgoing, incoming, retrieved or\n"
	       "error:ERRNO), size and memory held in bytes; for files of BPF\n"
	       "handlers the state's schema and bytes (hex).\n",
	       prog_name, prog_name);
	return LUO_EXIT_OK;
}

int do_file(int argc, char **argv)
{
	const char *session = NULL;
	struct luo_file_row *rows;
	int i, n, err;
	bool found = false;

	if (!argc || is_help(argv[0]))
		return file_help();
	if (strcmp(argv[0], "list") && strcmp(argv[0], "show"))
		return p_usage("file", "unknown command '%s'", argv[0]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--session") && i + 1 < argc)
			session = argv[++i];
		else
			return p_usage("file", "unexpected argument '%s'",
				       argv[i]);
	}
	err = luo_iter_files(&rows, &n);
	if (err)
		return err;
	if (session) {
		struct luo_session_row *srows;
		int ns, j;

		err = luo_iter_sessions(&srows, &ns);
		if (err) {
			free(rows);
			return err;
		}
		for (j = 0; j < ns; j++)
			found |= !strcmp(srows[j].name, session);
		free(srows);
		if (!found) {
			free(rows);
			return p_err("no session '%s'", session);
		}
	}
	if (json_output)
		json_begin_array();
	else
		printf("%-20s %-8s %-16s %-16s %-10s %10s %10s %s\n", "SESSION",
		       "TOKEN", "COMPATIBLE", "HANDLER", "STATUS", "SIZE",
		       "BYTES", "SCHEMA:STATE");
	for (i = 0; i < n; i++) {
		struct luo_file_row *r = &rows[i];

		if (session && strcmp(r->session, session))
			continue;
		if (json_output) {
			json_begin_object();
			json_string("session", r->session);
			json_u64("token", r->token);
			json_string("compatible", r->compatible);
			json_string("handler", r->handler);
			json_string("status", r->status);
			json_u64("size", r->size);
			json_u64("bytes", r->bytes);
			if (r->schema >= 0) {
				json_string("backend", r->backend);
				json_u64("schema", r->schema);
				json_string("state", r->state);
			}
			json_end_object();
			continue;
		}
		printf("%-20s %-8llu %-16s %-16s %-10s %10llu %10llu ",
		       r->session, r->token, r->compatible,
		       r->handler[0] ? r->handler : "-", r->status, r->size,
		       r->bytes);
		if (r->schema >= 0)
			printf("%d:%.32s%s\n", r->schema, r->state,
			       strlen(r->state) > 32 ? "..." : "");
		else
			printf("-\n");
	}
	if (json_output)
		json_end_array();
	free(rows);
	return LUO_EXIT_OK;
}
