// SPDX-License-Identifier: GPL-2.0
/*
 * agent.c - "luo-bpf agent": owns /dev/liveupdate and holds the session
 * fds of its clients across the kexec (protocol: tools/lib/luo_agent.h).
 *
 * One process, one poll loop. Outgoing sessions are created on a client's
 * first PRESERVE; incoming ones are retrieved on its first RETRIEVE.
 * Kernel session names are "<uid>:<name>": the owner is the client's
 * peer uid, and only it (or root) may touch the session - before and
 * after the kexec. A client that goes away loses nothing; the agent going
 * away closes every session fd, and the kernel then unpreserves them:
 * the agent says so in its log before it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "luo-bpf.h"

#define MAX_CLIENTS	64
#define MAX_SESSIONS	1024

struct agent_session {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];	/* "<uid>:<name>" */
	int out_fd;		/* outgoing session, -1 until first preserve */
	int in_fd;		/* incoming session, -1 until first retrieve */
	unsigned long files;	/* preserved through us */
};

static struct agent_session sessions[MAX_SESSIONS];
static int nr_sessions;
static volatile sig_atomic_t stop;

static void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void agent_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "luo-bpf agent: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * After a RETRIEVE_FD refused with EOPNOTSUPP: the file's format has no
 * handler in this kernel yet. Name it, so that the operator knows which
 * handler to load (the memory stays reserved until then).
 */
static void retrieve_hint(const char *session, unsigned long long token)
{
	struct luo_file_row *rows;
	int n, i;

	if (luo_iter_files(&rows, &n))
		return;
	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].session, session) && rows[i].token == token)
			agent_log("'%s' token %llu: no handler for '%s' is loaded: load it first (luo-bpf handler load OBJ), then retrieve again",
				  session, token, rows[i].compatible);
	free(rows);
}

static void on_signal(int sig)
{
	stop = sig;
}

static struct agent_session *find_session(const char *name, bool create)
{
	int i;

	for (i = 0; i < nr_sessions; i++)
		if (!strcmp(sessions[i].name, name))
			return &sessions[i];
	if (!create || nr_sessions == MAX_SESSIONS)
		return NULL;
	snprintf(sessions[nr_sessions].name, sizeof(sessions[0].name), "%s",
		 name);
	sessions[nr_sessions].out_fd = -1;
	sessions[nr_sessions].in_fd = -1;
	return &sessions[nr_sessions++];
}

/*
 * The kernel session name for a client of @uid asking for @name: "uid:"
 * is prepended unless given; another uid's prefix needs root. 0 or -errno.
 */
static int kernel_name(uid_t uid, const char *name, char *out, size_t len)
{
	const char *colon = strchr(name, ':');
	char *end;
	unsigned long owner;

	if (!name[0] || memchr(name, '\0', LUO_AGENT_NAME_LEN) == NULL)
		return -EINVAL;
	if (colon) {
		owner = strtoul(name, &end, 10);
		if (end != colon || end == name)
			return -EINVAL;
		if (uid && owner != uid)
			return -EPERM;
		if ((size_t)snprintf(out, len, "%s", name) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	if ((size_t)snprintf(out, len, "%u:%s", uid, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int handle(int luo, uid_t uid, pid_t pid, const struct luo_agent_msg *m,
		  int in_fd, int *out_fd)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct agent_session *s;
	int err, fd;

	if (m->version != LUO_AGENT_VERSION)
		return -EPROTO;
	err = kernel_name(uid, m->session, name, sizeof(name));
	if (err) {
		agent_log("uid %u pid %d: session '%.63s' refused: %s", uid,
			  pid, m->session, strerror(-err));
		return err;
	}
	switch (m->op) {
	case LUO_AGENT_PRESERVE:
		if (in_fd < 0)
			return -EBADF;
		s = find_session(name, true);
		if (!s)
			return -ENOSPC;
		if (s->out_fd < 0) {
			s->out_fd = liveupdate_create_session(luo, name);
			if (s->out_fd < 0)
				return s->out_fd;
		}
		err = liveupdate_preserve_fd(s->out_fd, in_fd, m->token);
		if (!err)
			s->files++;
		agent_log("uid %u pid %d: preserve '%s' token %llu: %s", uid,
			  pid, name, (unsigned long long)m->token,
			  err ? strerror(-err) : "ok");
		if (err && !s->files) {
			/* No empty session is carried to the next kernel. */
			close(s->out_fd);
			s->out_fd = -1;
		}
		return err;
	case LUO_AGENT_RETRIEVE:
		s = find_session(name, true);
		if (!s)
			return -ENOSPC;
		if (s->in_fd < 0) {
			s->in_fd = liveupdate_retrieve_session(luo, name);
			if (s->in_fd < 0)
				return s->in_fd;
		}
		fd = liveupdate_retrieve_fd(s->in_fd, m->token);
		agent_log("uid %u pid %d: retrieve '%s' token %llu: %s", uid,
			  pid, name, (unsigned long long)m->token,
			  fd < 0 ? strerror(-fd) : "ok");
		if (fd == -EOPNOTSUPP)
			retrieve_hint(name, m->token);
		if (fd < 0)
			return fd;
		*out_fd = fd;
		return 0;
	case LUO_AGENT_FINISH:
		s = find_session(name, false);
		if (!s || s->in_fd < 0)
			return -ENOENT;
		err = liveupdate_finish(s->in_fd);
		agent_log("uid %u pid %d: finish '%s': %s", uid, pid, name,
			  err ? strerror(-err) : "ok");
		if (!err) {
			close(s->in_fd);
			s->in_fd = -1;
		}
		return err;
	case LUO_AGENT_DISCARD:
		s = find_session(name, false);
		if (!s || s->out_fd < 0)
			return -ENOENT;
		close(s->out_fd);
		s->out_fd = -1;
		agent_log("uid %u pid %d: discard '%s': %lu files unpreserved",
			  uid, pid, name, s->files);
		s->files = 0;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* One request of @c: read, handle, reply. false when the client is gone. */
static bool serve(int luo, int c)
{
	struct luo_agent_reply rep = { 0 };
	struct luo_agent_msg msg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int in_fd, out_fd = -1;
	ssize_t n;

	n = luo_agent_recv(c, &msg, sizeof(msg), &in_fd);
	if (n <= 0)
		return false;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		rep.err = -errno;
	else if (n != sizeof(msg))
		rep.err = -EPROTO;
	else
		rep.err = handle(luo, cred.uid, cred.pid, &msg, in_fd, &out_fd);
	if (in_fd >= 0)
		close(in_fd);	/* the kernel holds its own reference */
	n = luo_agent_send(c, &rep, sizeof(rep), out_fd);
	if (out_fd >= 0)
		close(out_fd);	/* the session keeps the file */
	return n == sizeof(rep);
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)], *slash;
	mode_t mask;
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/*
	 * Create the socket 0666 in bind() itself: a chmod() afterwards
	 * leaves a window in which a non-root client gets EACCES, which it
	 * does not retry.
	 */
	mask = umask(0111);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(mask);
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Tell systemd (Type=notify) that the agent is ready: /dev/liveupdate is
 * held, the handlers are attached and the socket listens, so that units
 * ordered after it find all three. Nothing to do outside systemd.
 */
static void notify_ready(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(addr.sun_path))
		return;
	strcpy(addr.sun_path, path);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';	/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&addr,
		   len) < 0)
		agent_log("cannot notify systemd (%s): %s", path,
			  strerror(errno));
	close(fd);
}

static int agent_help(void)
{
	printf("Usage: %s agent [--socket PATH] [--handlers DIR]\n"
	       "       %s agent help\n"
	       "\n"
	       "Run the live-update agent in the foreground: it opens /dev/liveupdate\n"
	       "(exclusively), listens on PATH (default %s) and\n"
	       "holds the sessions of its clients across the kexec. Clients use\n"
	       "tools/lib/luo_agent.h: PRESERVE an fd under a token, RETRIEVE it after\n"
	       "the kexec, FINISH, or DISCARD what it preserved. --handlers DIR\n"
	       "attaches the handler objects of DIR (*.bpf.o, as \"handler load\")\n"
	       "before any client is served, so a new kernel has its handlers before\n"
	       "the first retrieve. Under systemd (Type=notify) it says READY=1 once\n"
	       "it listens. Sessions are named \"<uid>:<name>\" after the\n"
	       "client's credentials; only that uid or root may use them. Stopping the\n"
	       "agent (SIGTERM) closes its sessions: the kernel unpreserves them.\n",
	       prog_name, prog_name, LUO_AGENT_SOCKET);
	return LUO_EXIT_OK;
}

int do_agent(int argc, char **argv)
{
	const char *path = LUO_AGENT_SOCKET, *handlers = NULL;
	struct pollfd pfd[MAX_CLIENTS + 1];
	unsigned long files = 0, outgoing = 0;
	int luo, lfd, nfds = 1, i;

	for (i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return agent_help();
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--handlers") && i + 1 < argc)
			handlers = argv[++i];
		else
			return p_usage("agent", "unknown argument '%s'", argv[i]);
	}
	luo = liveupdate_open();
	if (luo < 0)
		return p_err("cannot open /dev/liveupdate: %s%s", strerror(-luo),
			     luo == -EBUSY ? " (another agent holds it)" : "");
	if (handlers) {
		int failed = handler_load_dir(handlers);

		agent_log("handlers of %s attached%s", handlers,
			  failed ? " but some (see above)" : "");
	}
	lfd = listen_on(path);
	if (lfd < 0)
		return p_err("cannot listen on %s: %s", path, strerror(-lfd));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	agent_log("holding /dev/liveupdate, listening on %s", path);
	notify_ready();

	pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	while (!stop) {
		if (poll(pfd, nfds, -1) < 0)
			continue;	/* EINTR: check stop */
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && nfds <= MAX_CLIENTS)
				pfd[nfds++] = (struct pollfd){ .fd = c,
							       .events = POLLIN };
			else if (c >= 0)
				close(c);
		}
		for (i = 1; i < nfds; i++) {
			if (!pfd[i].revents)
				continue;
			if (!(pfd[i].revents & POLLIN) || !serve(luo, pfd[i].fd)) {
				close(pfd[i].fd);
				pfd[i--] = pfd[--nfds];
			}
		}
	}

	for (i = 0; i < nr_sessions; i++) {
		if (sessions[i].out_fd >= 0) {
			outgoing++;
			files += sessions[i].files;
		}
	}
	agent_log("stopping (signal %d): the kernel unpreserves %lu outgoing sessions with %lu files",
		  (int)stop, outgoing, files);
	unlink(path);
	return LUO_EXIT_OK;
}
