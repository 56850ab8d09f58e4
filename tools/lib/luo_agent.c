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

/* One request (with @fd attached if >= 0), one reply (with *@rfd). */
static int luo_agent_call(int sock, uint32_t op, const char *session,
			  uint64_t token, int fd, int *rfd)
{
	struct luo_agent_msg msg = {
		.version = LUO_AGENT_VERSION,
		.op = op,
		.token = token,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct luo_agent_reply rep;
	struct iovec iov = { &msg, sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (strlen(session) >= sizeof(msg.session))
		return -ENAMETOOLONG;
	strncpy(msg.session, session, sizeof(msg.session) - 1);
	memset(&cbuf, 0, sizeof(cbuf));
	if (fd >= 0) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != sizeof(msg))
		return -errno;

	iov = (struct iovec){ &rep, sizeof(rep) };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf,
			      .msg_controllen = sizeof(cbuf.buf) };
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n != sizeof(rep))
		return -EPROTO;
	c = CMSG_FIRSTHDR(&mh);
	if (rfd && c && c->cmsg_type == SCM_RIGHTS)
		memcpy(rfd, CMSG_DATA(c), sizeof(int));
	return rep.err;
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
