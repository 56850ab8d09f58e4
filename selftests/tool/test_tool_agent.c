// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_agent.c - "luo-bpf agent" holding the sessions of two clients
 * of different uids across a kexec: each gets only its own files back
 * (by the same session name), a client asking for another uid's session
 * is refused (EPERM) before and after the kexec, and a client that exits
 * before the kexec loses nothing.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "tool_util.h"

#define SIZE	(256 << 10)
#define LOG	"/tmp/agent.log"

/* In a child of @uid: run @fn, exit with its result (0 = pass). */
static int as_uid(uid_t uid, int (*fn)(uint64_t), uint64_t arg)
{
	int st;
	pid_t pid = fork();

	if (!pid) {
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(100);
		_exit(fn(arg));
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ?
		WEXITSTATUS(st) : 101;
}

/* Stage 1, a client: preserve its memfd as "vm" token 1; then leave. */
static int client_preserve(uint64_t seed)
{
	int c = luo_agent_connect(NULL, 0), m, r;

	/* The agent said READY=1: it listens; no waiting, no retry. */
	if (c < 0) {
		luo_info("uid %d connect: %s", getuid(), strerror(-c));
		return 1;
	}
	m = luo_memfd_new("vm", SIZE, seed);
	r = luo_agent_preserve(c, "vm", 1, m);
	if (r) {
		luo_info("uid %d preserve: %s", getuid(), strerror(-r));
		return 2;
	}
	/* Another uid's session: refused. */
	if (getuid() && luo_agent_preserve(c, "0:vm", 2, m) != -EPERM)
		return 3;
	return 0;		/* exits: its fds close, the agent keeps them */
}

/* Stage 2: its own "vm" back, with its bytes; not the other's. */
static int client_retrieve(uint64_t seed)
{
	int c = luo_agent_connect(NULL, 0), m, r;

	if (c < 0) {
		luo_info("uid %d connect: %s", getuid(), strerror(-c));
		return 1;
	}
	m = luo_agent_retrieve(c, "vm", 1);
	if (m < 0) {
		luo_info("uid %d retrieve: %s", getuid(), strerror(-m));
		return 2;
	}
	if (luo_memfd_verify(m, SIZE, seed))
		return 3;
	if (getuid()) {
		r = luo_agent_retrieve(c, "0:vm", 1);
		if (r != -EPERM) {
			luo_info("uid %d got root's session: %d", getuid(), r);
			return 4;
		}
	}
	return luo_agent_finish(c, "vm") ? 5 : 0;
}

LUO_TEST(tool_agent, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: luo-bpf agent holds two uids' sessions across a kexec")
{
	struct tool_out o;
	pid_t agent;
	int r;

	agent = agent_start(LOG);
	ASSERT_TRUE(agent > 0, "agent did not say READY=1");

	if (ctx->stage == 1) {
		r = as_uid(0, client_preserve, 100);
		ASSERT_TRUE(!r, "root client: %d", r);
		r = as_uid(1000, client_preserve, 200);
		ASSERT_TRUE(!r, "uid 1000 client: %d", r);
		/* Both clients are gone; the agent holds both sessions. */
		tool_run(&o, LUO_BPF " session list");
		ASSERT_TRUE(strstr(o.out, "0:vm ") && strstr(o.out, "1000:vm "),
			    "sessions held: %s", o.out);
		/* A second agent cannot take /dev/liveupdate. */
		ASSERT_TRUE(tool_run(&o, LUO_BPF " agent --socket /tmp/a2") == 1 &&
			    strstr(o.err, "another agent holds it") &&
			    tool_lines(o.err) == 1, "second agent: %s", o.err);
		r = luo_kexec(NULL);
		ASSERT_TRUE(0, "kexec: %s", strerror(-r));
	}

	r = as_uid(1000, client_retrieve, 200);
	ASSERT_TRUE(!r, "uid 1000 client after kexec: %d", r);
	r = as_uid(1001, client_retrieve, 200);
	ASSERT_TRUE(r == 2, "uid 1001 has no session 'vm': %d", r);
	r = as_uid(0, client_retrieve, 100);
	ASSERT_TRUE(!r, "root client after kexec: %d", r);
	ASSERT_TRUE(!agent_stop(agent), "agent exit");
	ASSERT_TRUE(luo_read_file(LOG, o.out, sizeof(o.out)) > 0 &&
		    strstr(o.out, "uid 1000") && strstr(o.out, "refused: Operation not permitted"),
		    "agent log: %s", o.out);
	return LUO_PASS;
}

/* A PRESERVE request as a careless client sends it: no fd attached. */
static int preserve_without_fd(int c)
{
	struct luo_agent_msg msg = {
		.version = LUO_AGENT_VERSION,
		.op = LUO_AGENT_PRESERVE,
		.token = 9,
		.session = "x",
	};
	struct luo_agent_reply rep;

	if (send(c, &msg, sizeof(msg), 0) != sizeof(msg) ||
	    recv(c, &rep, sizeof(rep), 0) != sizeof(rep))
		return -EIO;
	return rep.err;
}

LUO_TEST(tool_agent_exit, .cmdline = "kho=on liveupdate=on",
	 .desc = "the agent stopping unpreserves its sessions and says so")
{
	struct tool_out o;
	int luo, s, m, c;
	pid_t agent;

	agent = agent_start(LOG);
	ASSERT_TRUE(agent > 0, "agent did not say READY=1");
	c = luo_agent_connect(NULL, 0);
	ASSERT_TRUE(c >= 0, "connect: %s", strerror(-c));
	m = luo_memfd_new("exit", SIZE, 1);
	ASSERT_OK(m);
	/* A failed first preserve leaves no empty session behind. */
	ASSERT_TRUE(luo_agent_preserve(c, "bad", 1, 1) == -ENOENT,
		    "a first preserve no handler takes");
	tool_run(&o, LUO_BPF " session list");
	ASSERT_TRUE(!strstr(o.out, "0:bad"), "empty session left: %s", o.out);
	ASSERT_TRUE(!luo_agent_preserve(c, "x", 7, m), "preserve");
	ASSERT_TRUE(preserve_without_fd(c) == -EBADF, "no fd attached");
	ASSERT_TRUE(luo_agent_preserve(c, "x", 8, 1) == -ENOENT,
		    "an fd no handler takes (the console)");
	ASSERT_TRUE(luo_agent_preserve(c, "x", 7, m) == -EEXIST,
		    "a token used twice");
	ASSERT_TRUE(luo_agent_retrieve(c, "x", 7) == -ENOENT,
		    "nothing incoming on this boot");
	ASSERT_TRUE(!agent_stop(agent), "agent exit");
	ASSERT_TRUE(luo_read_file(LOG, o.out, sizeof(o.out)) > 0 &&
		    strstr(o.out, "stopping (signal 15): the kernel unpreserves 1 outgoing sessions with 1 files"),
		    "agent log: %s", o.out);
	/* Unpreserved: the same memfd and session name are free again. */
	s = luo_session_new("0:x", &luo);
	ASSERT_TRUE(s >= 0, "session");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m, 7), "memfd free again");
	close(s);
	close(luo);
	return LUO_PASS;
}
