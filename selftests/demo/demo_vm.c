// SPDX-License-Identifier: GPL-2.0
/*
 * demo_vm.c - "make run": a VM's memory and its BPF-kept state across a
 * live update, the way a host runs it.
 *
 * Boot 1: "luo-bpf agent" starts; the VM-RAM handler (bpf/vmram.bpf.c) is
 * loaded with "luo-bpf handler load"; a VMM process writes guest memory
 * into a memfd, describes its VM in the handler's map, hands the memfd
 * to the agent and pauses the VM; "luo-bpf update" checks the new kernel
 * and kexecs. Boot 2: the agent and handler start again; the VMM starts
 * again, gets its memfd back from the agent - same bytes, same physical
 * page - and its VM record from the handler's map. luo-bpf shows the
 * sessions before and after.
 */
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "liveupdate.h"
#include "luo_agent.h"
#include "../tool/tool_util.h"
#include "vmram.h"
#include "vmram_util.h"

#define SIZE	(16 << 20)
#define TOKEN	1
#define MAPS	"/sys/fs/bpf/luo-bpf/vmram-v1/maps/"

static struct tool_out o;

static void say(const char *what)
{
	printf("\n== %s\n", what);
	fflush(stdout);
}

/* Run a luo-bpf command and show it as a shell session would. */
static int show(const char *cmd)
{
	tool_run(&o, cmd);
	printf("$ %s\n%s%s", cmd + strlen("/bin/"), o.out, o.err);
	fflush(stdout);
	return o.status;
}

static unsigned long long pfn_of(int fd)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	unsigned long long pfn;

	if (p == MAP_FAILED)
		return 0;
	(void)p[0];
	pfn = luo_pfn((const void *)p);
	munmap((void *)p, 4096);
	return pfn;
}

LUO_TEST(demo_vm, .stages = 2, .demo = true, .cmdline = "kho=on liveupdate=on",
	 .desc = "demo: a VM's memory and BPF state survive luo-bpf update",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1' vetoed the reboot for session '0:vm-demo' token 1: -16 (VM not paused)",
				 "liveupdate: session '0:vm-demo' token 1: freeze failed (-16), reboot aborted"))
{
	struct vmram_vm vm = vmram_vm_of(TOKEN, 3);
	struct vmram_state st;
	char args[1024], cmd[1400];
	uint64_t seed, token = TOKEN;
	int c, m, fd;
	uint8_t one = 1;

	tool_quiet = true;
	printf("\n######## boot %d: %s ########\n", ctx->stage,
	       ctx->stage == 1 ? "the old kernel" : "the new kernel");
	say("start the agent, load the VM-RAM BPF handler");
	ASSERT_TRUE(agent_start("/tmp/agent.log") > 0, "agent");
	c = luo_agent_connect(NULL, 0);
	ASSERT_TRUE(c >= 0, "agent: %s", strerror(-c));
	ASSERT_TRUE(!show(LUO_BPF " handler load " BPF_OBJS "/vmram.bpf.o"),
		    "handler load");

	if (ctx->stage == 1) {
		say("the VMM: 16 MiB of guest RAM in memfd \"vmram-demo\"");
		seed = luo_seed();
		m = luo_memfd_new("vmram-demo", SIZE, seed);
		ASSERT_OK(m);
		printf("guest RAM written (pattern seed %#llx), first page at pfn %#llx\n",
		       (unsigned long long)seed, pfn_of(m));
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		luo_put("pfn", "0x%llx", pfn_of(m));
		fd = bpf_obj_get(MAPS "vmram_vms");
		ASSERT_TRUE(fd >= 0 && !bpf_map_update_elem(fd, &token, &vm, 0),
			    "describe the VM");
		printf("VM described to the handler: VMM ABI %u, guest base %#llx\n",
		       vm.abi_version, (unsigned long long)vm.guest_base);
		ASSERT_TRUE(!luo_agent_preserve(c, "vm-demo", TOKEN, m),
			    "hand the memfd to the agent");
		close(m);
		printf("memfd handed to the agent as session \"vm-demo\", token %d\n",
		       TOKEN);

		say("the sessions and files the update will carry");
		show(LUO_BPF " session list");
		show(LUO_BPF " file list");

		say("update while the VM runs: the handler refuses the kexec");
		ASSERT_OK(luo_next_args(args, sizeof(args)));
		snprintf(cmd, sizeof(cmd),
			 LUO_BPF " update --kernel /boot/bzImage --initrd /sys/firmware/initrd --handlers " BPF_OBJS " --append '%s'",
			 args);
		ASSERT_TRUE(show(cmd) == 1, "a running VM must block the update");
		/* The user is told which handler refused which file, and why. */
		ASSERT_TRUE(strstr(o.err, "kernel: liveupdate: bpf: 'bpf:vmram-v1' vetoed the reboot for session '0:vm-demo' token 1: -16 (VM not paused) [EBUSY]") &&
			    strstr(o.err, "reboot refused: Device or resource busy (EBUSY)"),
			    "the refusal names the handler, session, token and errno:\n%s",
			    o.err);

		say("pause the VM, update again");
		fd = bpf_obj_get(MAPS "vmram_paused");
		ASSERT_TRUE(fd >= 0 && !bpf_map_update_elem(fd, &token, &one, 0),
			    "pause");
		luo_kexec_by_tool();
		show(cmd);
		ASSERT_TRUE(0, "update returned");
	}

	say("what the previous kernel handed over");
	show(LUO_BPF " session list");
	show(LUO_BPF " file list");

	say("the VMM starts again and asks the agent for its memory");
	m = luo_agent_retrieve(c, "vm-demo", TOKEN);
	ASSERT_TRUE(m >= 0, "retrieve: %s", strerror(-m));
	seed = luo_get_u64("seed");
	ASSERT_TRUE(!luo_memfd_verify(m, SIZE, seed), "guest RAM");
	printf("guest RAM intact (16 MiB, pattern %#llx); first page at pfn %#llx, before the update %#llx: %s\n",
	       (unsigned long long)seed, pfn_of(m), luo_get_u64("pfn"),
	       pfn_of(m) == luo_get_u64("pfn") ? "the same page, nothing copied" :
						  "moved");
	fd = bpf_obj_get(MAPS "vmram_restored");
	ASSERT_TRUE(fd >= 0 && !bpf_map_lookup_elem(fd, &token, &st),
		    "the VM record");
	ASSERT_TRUE(!memcmp(&st.vm, &vm, sizeof(vm)), "VM record intact");
	printf("VM record from the handler's map: VMM ABI %u, guest base %#llx, %llu bytes, frozen %.1f ms after it was preserved\n",
	       st.vm.abi_version, (unsigned long long)st.vm.guest_base,
	       (unsigned long long)st.size,
	       (st.frozen_ns - st.preserved_ns) / 1e6);
	show(LUO_BPF " state dump --obj " BPF_OBJS "/vmram.bpf.o --type vmram_state");
	show(LUO_BPF " file list");
	ASSERT_TRUE(!luo_agent_finish(c, "vm-demo"), "finish");
	say("finished: the memfd is the VMM's, the live update is over");
	show(LUO_BPF " session list");
	return LUO_PASS;
}
