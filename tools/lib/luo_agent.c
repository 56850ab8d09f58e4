// SPDX-License-Identifier: GPL-2.0
/*
 * luo_agent.c - client side of the luo-bpf agent protocol (luo_agent.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "luo_agent.h"

#define LUO_AGENT_DEFAULT	"/run/luo-bpf/agent.sock"

int luo_agent_connect(const char *path, int wait_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int fd, waited = 0;

	strncpy(addr.sun_path, path ?: LUO_AGENT_DEFAULT,
		sizeof(addr.sun_path) - 1);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    waited >= wait_ms)
			return -errno;
		nanosleep(&ts, NULL);
		waited += 20;
	}
}

union luo_agent_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

ssize_t luo_agent_send(int sock, const void *buf, size_t len, int fd)
{
	union luo_agent_cmsg cbuf;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

ssize_t luo_agent_recv(int sock, void *buf, size_t len, int *fd)
{
	union luo_agent_cmsg cbuf;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* One request (with @fd attached if >= 0), one reply (with *@rfd). */
static int luo_agent_call(int sock, uint32_t op, const char *session,
			  uint64_t token, int fd, int *rfd)
{
	struct luo_agent_msg msg = {
		.version = LUO_AGENT_VERSION,
		.op = op,
		.token = token,
	};
	struct luo_agent_reply rep;
	ssize_t n;
	int got;

	if (strlen(session) >= sizeof(msg.session))
		return -ENAMETOOLONG;
	strncpy(msg.session, session, sizeof(msg.session) - 1);
	n = luo_agent_send(sock, &msg, sizeof(msg), fd);
	if (n < 0)
		return n;
	n = luo_agent_recv(sock, &rep, sizeof(rep), &got);
	if (n < 0)
		return n;
	if (rfd)
		*rfd = got;
	else if (got >= 0)
		close(got);
	return n == sizeof(rep) ? rep.err : -EPROTO;
}

int luo_agent_preserve(int sock, const char *session, uint64_t token, int fd)
{
	if (fd < 0)
		return -EBADF;
	return luo_agent_call(sock, LUO_AGENT_PRESERVE, session, token, fd,
			      NULL);
}

int luo_agent_retrieve(int sock, const char *session, uint64_t token)
{
	int fd = -1, err;

	err = luo_agent_call(sock, LUO_AGENT_RETRIEVE, session, token, -1, &fd);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd >= 0 ? fd : -EPROTO;
}

int luo_agent_finish(int sock, const char *session)
{
	return luo_agent_call(sock, LUO_AGENT_FINISH, session, 0, -1, NULL);
}

int luo_agent_discard(int sock, const char *session)
{
	return luo_agent_call(sock, LUO_AGENT_DISCARD, session, 0, -1, NULL);
}
