/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo-bpf.h - shared declarations of the luo-bpf tool.
 */
#ifndef LUO_BPF_TOOL_H
#define LUO_BPF_TOOL_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in luo-bpf.8 and --help. */
#define LUO_EXIT_OK		0
#define LUO_EXIT_ERROR		1	/* the operation failed */
#define LUO_EXIT_USAGE		2	/* bad command line */
#define LUO_EXIT_REFUSED	3	/* check: state would be lost */

#define LUO_BPFFS_DIR		"/sys/fs/bpf/luo-bpf"
#define LUO_AGENT_SOCKET	"/run/luo-bpf/agent.sock"
#define LUO_KHO_DEBUGFS		"/sys/kernel/debug/kho"

extern bool json_output;
extern const char *prog_name;

/* One line "luo-bpf: <what>" on stderr; returns LUO_EXIT_ERROR. */
int p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A progress or information line on stderr (not in --json output). */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: one line and a pointer to --help; returns LUO_EXIT_USAGE. */
int p_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool is_help(const char *arg);

/* json.c */
void json_begin_object(void);
void json_end_object(void);
void json_begin_array(void);
void json_end_array(void);
void json_key(const char *key);
void json_key_object(const char *key);
void json_key_array(const char *key);
void json_str_raw(const char *s);
void json_string(const char *key, const char *val);
void json_u64(const char *key, unsigned long long val);
void json_s64(const char *key, long long val);
void json_bool(const char *key, bool val);

/* Bytes of state a BPF handler may carry per file (kernel: LUO_BPF_STATE_MAX). */
#define LUO_BPF_STATE_LIMIT	4000

/* iter.c: what the kernel's iterators list */
struct luo_file_row {
	char session[64];
	unsigned long long token;
	char compatible[48];
	char handler[48];
	char backend[48];		/* BPF: the native backend, else "" */
	char status[24];
	unsigned long long size;
	unsigned long long bytes;
	int schema;			/* -1: not a BPF handler's file */
	char state[8001];		/* hex, "" if none */
};

struct luo_session_row {
	char name[64];
	char state[16];
	unsigned long long files;
};

int luo_iter_sessions(struct luo_session_row **rows, int *n);
int luo_iter_files(struct luo_file_row **rows, int *n);

/*
 * Attach every handler object (*.bpf.o, in name order) of @dir, as
 * "handler load" does, keeping those attached already; a missing @dir
 * holds none. Returns how many failed (each said why).
 */
int handler_load_dir(const char *dir);

/* Subcommands */
int do_session(int argc, char **argv);
int do_file(int argc, char **argv);
int do_handler(int argc, char **argv);
int do_map(int argc, char **argv);
int do_state(int argc, char **argv);
int do_kho(int argc, char **argv);
int do_timeline(int argc, char **argv);
int do_agent(int argc, char **argv);
int do_check(int argc, char **argv);
int do_update(int argc, char **argv);

#endif /* LUO_BPF_TOOL_H */
