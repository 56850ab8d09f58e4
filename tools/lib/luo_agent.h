/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_agent.h - the protocol between "luo-bpf agent" and its clients, and
 * a small client library.
 *
 * The agent owns /dev/liveupdate and holds every session fd, so a client
 * (a VMM, a service) can die or restart without losing what it preserved.
 * Clients talk to it over a SOCK_SEQPACKET UNIX socket, one request and
 * one reply per message; file descriptors travel as SCM_RIGHTS.
 *
 * Sessions belong to a uid: the agent names the kernel session
 * "<uid>:<name>" after the client's peer credentials, so ownership
 * survives the kexec. A client may name "<uid>:<name>" itself only for
 * its own uid; root may name any.
 */
#ifndef LUO_AGENT_H
#define LUO_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#define LUO_AGENT_VERSION	1
#define LUO_AGENT_NAME_LEN	64

enum luo_agent_op {
	LUO_AGENT_PRESERVE = 1,	/* fd + token into the outgoing session */
	LUO_AGENT_RETRIEVE,	/* fd of token from the incoming session */
	LUO_AGENT_FINISH,	/* finish the incoming session */
	LUO_AGENT_DISCARD,	/* close the outgoing session: unpreserve */
};

struct luo_agent_msg {
	uint32_t version;
	uint32_t op;
	uint64_t token;
	char session[LUO_AGENT_NAME_LEN];
};

struct luo_agent_reply {
	int32_t err;		/* 0 or -errno */
	uint32_t reserved;
};

/*
 * One message of @len bytes, with @fd attached as SCM_RIGHTS if >= 0 /
 * received with the attached fd in *@fd (-1 if none). Both return the
 * byte count or -errno; shared by the agent and its clients.
 */
ssize_t luo_agent_send(int sock, const void *buf, size_t len, int fd);
ssize_t luo_agent_recv(int sock, void *buf, size_t len, int *fd);

/* Connect to the agent at @path (NULL: the default), waiting up to
 * @wait_ms for it to come up. Returns a socket fd or -errno.
 */
int luo_agent_connect(const char *path, int wait_ms);
/* Each returns 0 (retrieve: the fd) or -errno from the agent or the socket. */
int luo_agent_preserve(int sock, const char *session, uint64_t token, int fd);
int luo_agent_retrieve(int sock, const char *session, uint64_t token);
int luo_agent_finish(int sock, const char *session);
/*
 * Give up what @session preserved for the next kernel (its outgoing
 * session is closed, the kernel unpreserves every file in it): for a
 * client whose work died and will not be resumed.
 */
int luo_agent_discard(int sock, const char *session);

#endif /* LUO_AGENT_H */
