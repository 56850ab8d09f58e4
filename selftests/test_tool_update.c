// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_update.c - "luo-bpf update" end to end: a client hands a
 * memfd to the agent, "luo-bpf update --kernel /boot/bzImage" checks,
 * loads and kexecs, and in the new kernel the client gets its bytes back
 * from the new agent; the sessions listed before and after.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "tool_util.h"

#define SIZE	(1 << 20)

LUO_TEST(tool_update, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: luo-bpf update kexecs with the agent's sessions")
{
	char args[1024], cmd[1400];
	static struct tool_out o;
	uint64_t seed;
	int c, m, r;
	pid_t agent;

	agent = agent_start("/tmp/agent.log");
	ASSERT_TRUE(agent > 0, "agent: %m");
	c = luo_agent_connect(NULL, 5000);
	ASSERT_TRUE(c >= 0, "connect: %s", strerror(-c));

	if (ctx->stage == 1) {
		seed = luo_seed();
		m = luo_memfd_new("update", SIZE, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!luo_agent_preserve(c, "svc", 1, m), "preserve");
		close(m);
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_OK(luo_next_args(args, sizeof(args)));
		snprintf(cmd, sizeof(cmd),
			 LUO_BPF " update --kernel /boot/bzImage --initrd /sys/firmware/initrd --append '%s'",
			 args);
		printf("luo-kexec: stage 1 -> 2\n");
		fflush(stdout);
		r = tool_run(&o, cmd);
		/* Only a failed update comes back. */
		ASSERT_TRUE(0, "update returned %d: %s%s", r, o.out, o.err);
	}

	seed = luo_get_u64("seed");
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " session list") &&
		    strstr(o.out, "0:svc") && strstr(o.out, "incoming"),
		    "incoming session listed: %s", o.out);
	m = luo_agent_retrieve(c, "svc", 1);
	ASSERT_TRUE(m >= 0, "retrieve: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "bytes after update");
	ASSERT_TRUE(!luo_agent_finish(c, "svc"), "finish");
	ASSERT_TRUE(!agent_stop(agent), "agent exit");
	return LUO_PASS;
}
