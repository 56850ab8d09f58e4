/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tool_util.h - run luo-bpf, bpftool and the agent from tests, as a user
 * would from a shell.
 */
#ifndef TOOL_UTIL_H
#define TOOL_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "luo_test.h"

#define LUO_BPF		"/bin/luo-bpf"
#define BPF_OBJS	"/lib/luo-bpf"

/* Set to keep tool_run() from logging each command (the demo shows them). */
static bool tool_quiet;

struct tool_out {
	int status;		/* exit code, or 128 + signal */
	char out[1 << 16];	/* stdout */
	char err[4096];		/* stderr */
};

static inline void tool_drain(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < len && (n = read(fd, buf + used, len - used - 1)) > 0)
		used += n;
	buf[used] = '\0';
	/* Whatever does not fit is read and dropped: the child must not block. */
	while (read(fd, (char[256]){ 0 }, 256) > 0)
		;
}

/*
 * Run "sh -c @cmd" as uid @uid (0: as is), stdout and stderr captured
 * (stderr first: tools write little there). Returns o->status.
 */
static inline int tool_run_as(uid_t uid, struct tool_out *o, const char *cmd)
{
	int po[2], pe[2], st;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (pipe(po) || pipe(pe))
		return o->status = -1;
	pid = fork();
	if (!pid) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* Small stderr first; stdout may be large but pipes buffer 64 KiB. */
	tool_drain(po[0], o->out, sizeof(o->out));
	tool_drain(pe[0], o->err, sizeof(o->err));
	close(po[0]);
	close(pe[0]);
	if (waitpid(pid, &st, 0) != pid)
		return o->status = -1;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!tool_quiet)
		luo_info("$ %s -> %d", cmd, o->status);
	return o->status;
}

static inline int tool_run(struct tool_out *o, const char *cmd)
{
	return tool_run_as(0, o, cmd);
}

/* Lines in @s. */
static inline int tool_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Start "luo-bpf agent" in the background, its log in @log. */
static inline pid_t agent_start(const char *log)
{
	pid_t pid = fork();

	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		setsid();
		execl(LUO_BPF, LUO_BPF, "agent", NULL);
		_exit(127);
	}
	return pid;
}

static inline int agent_stop(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ?
		WEXITSTATUS(st) : -1;
}

#endif /* TOOL_UTIL_H */
