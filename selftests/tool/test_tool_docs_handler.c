// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_docs_handler.c - the handler a newcomer writes by following
 * liveupdate-bpf.rst ("A handler of your own, step by step"), built from
 * the page itself (selftests/Makefile), driven through the page's steps
 * with luo-bpf only: load, "map set" by member name, an application's two
 * memfds handed to the agent, a dry run the handler vetoes (every file
 * named, with its reason; nothing frozen afterwards), a dry run it
 * allows, "luo-bpf update", and in the new kernel the object loaded again,
 * the bytes back and the state carried ("map show").
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "tool_util.h"

#define OBJ	BPF_OBJS "/test/test_tool_docs_appcache.bpf.o"
#define SIZE	(1 << 20)

static struct tool_out o;

static enum luo_result docs_stage1(int c)
{
	char args[1024], cmd[1400], dry[1500];
	uint64_t seed = luo_seed();
	int m1, m2, m3;

	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map set appcache-v1 appcache_ctl 0 generation=7"),
		    "map set: %s", o.err);
	m1 = luo_memfd_new("appcache-1", SIZE, seed);
	m2 = luo_memfd_new("appcache-2", 2 * SIZE, seed + 1);
	ASSERT_TRUE(m1 >= 0 && m2 >= 0, "memfds");
	ASSERT_TRUE(!luo_agent_preserve(c, "cache", 1, m1) &&
		    !luo_agent_preserve(c, "cache", 2, m2), "preserve");
	close(m1);
	close(m2);
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " file list") &&
		    strstr(o.out, "bpf:appcache-v1"), "file list: %s", o.out);

	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map set appcache-v1 appcache_ctl 0 hold=1"),
		    "hold: %s", o.err);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map show appcache-v1 appcache_ctl") &&
		    !strcmp(o.out, "0: hold=1 pad=0 generation=7\n"),
		    "map show: '%s'", o.out);

	ASSERT_OK(luo_next_args(args, sizeof(args)));
	snprintf(cmd, sizeof(cmd),
		 LUO_BPF " update --kernel /boot/bzImage --handlers " BPF_OBJS "/test --append '%s'",
		 args);
	/* Every file is asked, not only the first that refuses. */
	snprintf(dry, sizeof(dry), "%s --dry-run", cmd);
	ASSERT_TRUE(tool_run(&o, dry) == 3,	/* refused */
		    "dry run with hold=1: %d\n%s", o.status, o.err);
	ASSERT_TRUE(strstr(o.err, "'bpf:appcache-v1' would veto the reboot for session '0:cache' token 1: -11 (cache being rebuilt) [EAGAIN]") &&
		    strstr(o.err, "'bpf:appcache-v1' would veto the reboot for session '0:cache' token 2: -11 (cache being rebuilt) [EAGAIN]") &&
		    strstr(o.err, "dry run: the reboot would be refused: Resource temporarily unavailable (EAGAIN)"),
		    "the dry run names each file, its reason and errno:\n%s",
		    o.err);
	/* Nothing stays frozen: the session takes another file. */
	m3 = luo_memfd_new("appcache-3", SIZE, seed + 2);
	ASSERT_TRUE(m3 >= 0 && !luo_agent_preserve(c, "cache", 3, m3),
		    "preserve after the dry run");
	close(m3);

	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map set appcache-v1 appcache_ctl 0 hold=0"),
		    "release: %s", o.err);
	ASSERT_TRUE(!tool_run(&o, dry) &&
		    strstr(o.err, "dry run: every handler would freeze"),
		    "dry run with hold=0: %d\n%s", o.status, o.err);

	luo_kexec_by_tool();
	tool_run(&o, cmd);
	ASSERT_TRUE(0, "update returned %d: %s%s", o.status, o.out, o.err);
}

LUO_TEST(tool_docs_handler, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: liveupdate-bpf.rst's handler, step by step with luo-bpf",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:appcache-v1' would veto the reboot for session '0:cache' token 1: -11 (cache being rebuilt)",
			       "liveupdate: session '0:cache' token 1: freeze would fail (-11)",
			       "liveupdate: bpf: 'bpf:appcache-v1' would veto the reboot for session '0:cache' token 2: -11 (cache being rebuilt)",
			       "liveupdate: session '0:cache' token 2: freeze would fail (-11)"))
{
	uint64_t seed;
	int c, m;

	ASSERT_TRUE(agent_start("/tmp/agent.log") > 0, "agent");
	c = luo_agent_connect(NULL, 0);
	ASSERT_TRUE(c >= 0, "connect: %s", strerror(-c));
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " handler load " OBJ) &&
		    strstr(o.out, "bpf:appcache-v1 attached"),
		    "handler load: %s%s", o.out, o.err);
	if (ctx->stage == 1)
		return docs_stage1(c);

	seed = luo_get_u64("seed");
	m = luo_agent_retrieve(c, "cache", 1);
	ASSERT_TRUE(m >= 0 && !luo_memfd_verify(m, SIZE, seed), "file 1");
	close(m);
	m = luo_agent_retrieve(c, "cache", 2);
	ASSERT_TRUE(m >= 0 && !luo_memfd_verify(m, 2 * SIZE, seed + 1),
		    "file 2");
	close(m);
	m = luo_agent_retrieve(c, "cache", 3);
	ASSERT_TRUE(m >= 0 && !luo_memfd_verify(m, SIZE, seed + 2), "file 3");
	close(m);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map show appcache-v1 appcache_restored 1") &&
		    !strcmp(o.out, "1: generation=7 size=1048576\n"),
		    "state of file 1: '%s' %s", o.out, o.err);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " --json map show appcache-v1 appcache_restored 2") &&
		    strstr(o.out, "[{\"key\":2,\"value\":{\"generation\":7,\"size\":2097152}}]"),
		    "state of file 2 (json): '%s' %s", o.out, o.err);
	ASSERT_TRUE(!luo_agent_finish(c, "cache"), "finish");
	return LUO_PASS;
}
