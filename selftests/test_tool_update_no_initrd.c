// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_update_no_initrd.c - "luo-bpf update" without --initrd boots
 * the next kernel with the running initramfs (kept by retain_initrd), says
 * so, and the client gets its bytes back. It once loaded the image with
 * no initramfs at all: the next kernel panicked ("No working init found")
 * and every preserved file was lost.
 */
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "tool_util.h"

#define SIZE	(1 << 20)

LUO_TEST(tool_update_no_initrd, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .keep_images = true,
	 .desc = "two-stage: luo-bpf update without --initrd reuses the running initramfs")
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
		m = luo_memfd_new("no-initrd", SIZE, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!luo_agent_preserve(c, "svc", 1, m), "preserve");
		close(m);
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_OK(luo_next_args(args, sizeof(args)));
		snprintf(cmd, sizeof(cmd),
			 LUO_BPF " update --kernel /boot/bzImage --initrd /x --no-initrd");
		r = tool_run(&o, cmd);
		ASSERT_TRUE(r == 2 && strstr(o.err, "exclude each other"),
			    "--initrd with --no-initrd: %d: %s", r, o.err);
		snprintf(cmd, sizeof(cmd),
			 LUO_BPF " update --kernel /boot/bzImage --append '%s'",
			 args);
		printf("luo-kexec: stage 1 -> 2\n");
		fflush(stdout);
		r = tool_run(&o, cmd);
		/* Only a failed update comes back. */
		ASSERT_TRUE(0, "update returned %d: %s%s", r, o.out, o.err);
	}

	seed = luo_get_u64("seed");
	m = luo_agent_retrieve(c, "svc", 1);
	ASSERT_TRUE(m >= 0, "retrieve: %s", strerror(-m));
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "bytes after update");
	ASSERT_TRUE(!luo_agent_finish(c, "svc"), "finish");
	ASSERT_TRUE(!agent_stop(agent), "agent exit");
	return LUO_PASS;
}
