/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tool_util.h - run luo-bpf, bpftool and the agent from tests, as a user
 * would from a shell.
 */
#ifndef TOOL_UTIL_H
#define TOOL_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

#define AGENT_NOTIFY	"/tmp/luo-agent-notify.sock"

/*
 * Start "luo-bpf agent" in the background, its log in @log, and wait for
 * it to be ready as systemd would: it sends "READY=1" to $NOTIFY_SOCKET
 * once it listens. Returns its pid, or -1 (said why) if it exits or stays
 * silent for 10 s.
 */
static inline pid_t agent_start(const char *log)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	char msg[64] = "";
	ssize_t n = -1;
	pid_t pid;
	int s;

	strcpy(addr.sun_path, AGENT_NOTIFY);
	unlink(AGENT_NOTIFY);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		luo_info("agent: notify socket: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		setsid();
		setenv("NOTIFY_SOCKET", AGENT_NOTIFY, 1);
		execl(LUO_BPF, LUO_BPF, "agent", NULL);
		_exit(127);
	}
	if (pid > 0)
		n = recv(s, msg, sizeof(msg) - 1, 0);
	close(s);
	unlink(AGENT_NOTIFY);
	if (pid > 0 && n > 0 && !strncmp(msg, "READY=1", 7))
		return pid;
	luo_info("agent: not ready (%s; see %s)",
		 n < 0 ? strerror(errno) : "it said something else", log);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static inline int agent_stop(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ?
		WEXITSTATUS(st) : -1;
}

#endif /* TOOL_UTIL_H */
