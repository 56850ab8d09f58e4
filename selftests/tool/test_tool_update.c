// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_update.c - "luo-bpf update" end to end: a client hands a
 * memfd to the agent, "luo-bpf update --kernel /boot/bzImage" checks,
 * loads and kexecs, and in the new kernel the client gets its bytes back
 * from the new agent; the sessions listed before and after.
 *
 * tool_update passes the initramfs (--initrd); tool_update_no_initrd
 * passes none, and the tool uses the running one again (kept by
 * retain_initrd). Without --initrd the tool once loaded the image with
 * no initramfs at all: the next kernel panicked ("No working init
 * found") and every preserved file was lost.
 *
 * Both also read "luo-bpf timeline": nothing handed over at a cold boot;
 * after the update every moment from the freeze to the FINISH, in order on
 * one clock across the kexec, and the blackout to the last RETRIEVE_FD.
 */
#include <stdlib.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "tool_util.h"

#define SIZE	(1 << 20)

static const char *const phases[] = {
	"freeze", "frozen", "serialized", "shutdown", "handover_found",
	"kho_walked", "dev_open", "first_retrieve", "last_retrieve", "finish",
};

/* After the update: every moment, in this order, and the blackout. */
static enum luo_result check_timeline(void)
{
	static struct tool_out o;
	double at, prev = -1;
	char *p;
	unsigned int i;

	ASSERT_TRUE(!tool_run(&o, LUO_BPF " timeline"), "timeline: %s", o.err);
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		char key[40];

		snprintf(key, sizeof(key), "\n%s ", phases[i]);
		p = strstr(o.out, key);
		ASSERT_TRUE(p && sscanf(p + strlen(key), " %lf", &at) == 1,
			    "no moment '%s': %s", phases[i], o.out);
		ASSERT_TRUE(at >= prev, "'%s' at %.3f ms, before the moment ahead of it (%.3f): %s",
			    phases[i], at, prev, o.out);
		prev = at;
	}
	p = strstr(o.out, "blackout, freeze to the last RETRIEVE_FD: ");
	ASSERT_TRUE(p && atof(p + 42) > 0, "blackout: %s", o.out);
	for (p = strtok(o.out, "\n"); p; p = strtok(NULL, "\n"))
		luo_info("%s", p);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " --json timeline") &&
		    strstr(o.out, "\"handed_over\":true") &&
		    (p = strstr(o.out, "\"blackout_us\":")) && atoll(p + 14) > 0,
		    "timeline --json: %s", o.out);
	return LUO_PASS;
}

static enum luo_result update_across(struct luo_ctx *ctx, const char *initrd)
{
	char args[1024], cmd[1400];
	static struct tool_out o;
	uint64_t seed;
	int c, m, r;
	pid_t agent;

	agent = agent_start("/tmp/agent.log");
	ASSERT_TRUE(agent > 0, "agent: %m");
	c = luo_agent_connect(NULL, 0);
	ASSERT_TRUE(c >= 0, "connect: %s", strerror(-c));

	if (ctx->stage == 1) {
		ASSERT_TRUE(!tool_run(&o, LUO_BPF " timeline") &&
			    strstr(o.out, "no live update into this kernel"),
			    "timeline at a cold boot: %s%s", o.out, o.err);
		seed = luo_seed();
		m = luo_memfd_new("update", SIZE, seed);
		ASSERT_OK(m);
		ASSERT_TRUE(!luo_agent_preserve(c, "svc", 1, m), "preserve");
		close(m);
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		ASSERT_OK(luo_next_args(args, sizeof(args)));
		snprintf(cmd, sizeof(cmd),
			 LUO_BPF " update --kernel /boot/bzImage %s --append '%s'",
			 initrd, args);
		luo_kexec_by_tool();
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
	return check_timeline();
}

LUO_TEST(tool_update, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: luo-bpf update kexecs with the agent's sessions")
{
	return update_across(ctx, "--initrd /sys/firmware/initrd");
}

LUO_TEST(tool_update_no_initrd, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: luo-bpf update without --initrd reuses the running initramfs")
{
	static struct tool_out o;
	int r;

	if (ctx->stage == 1) {
		r = tool_run(&o, LUO_BPF " update --kernel /boot/bzImage --initrd /x --no-initrd");
		ASSERT_TRUE(r == 2 && strstr(o.err, "exclude each other"),
			    "--initrd with --no-initrd: %d: %s", r, o.err);
	}
	return update_across(ctx, "");
}
