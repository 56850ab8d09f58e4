// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_cli.c - luo-bpf as a user types it: handler load, list,
 * update and unload; --json of every listing parsed and checked field by
 * field; bad input to every subcommand gives exactly one error line and
 * the documented exit code; --help of each reads like bpftool's.
 */
#include <sched.h>
#include <unistd.h>
#include <sys/mount.h>

#include <bpf/bpf.h>

#include "json_flat.h"
#include "liveupdate.h"
#include "tool_util.h"
#include "vmram.h"

#define VMRAM_PIN	"/sys/fs/bpf/luo-bpf/vmram-v1"

static struct tool_out o;
static char flat[1 << 16];

/* Run @cmd; exit @code and exactly one stderr line containing @msg. */
static bool fails(const char *cmd, int code, const char *msg)
{
	tool_run(&o, cmd);
	if (o.status == code && tool_lines(o.err) == 1 && strstr(o.err, msg))
		return true;
	luo_info("'%s': exit %d, stderr '%s' (want %d, '%s')", cmd, o.status,
		 o.err, code, msg);
	return false;
}

static bool json_ok(const char *cmd)
{
	if (tool_run(&o, cmd) || json_flat(o.out, flat, sizeof(flat)) < 0) {
		luo_info("'%s' is not valid JSON: %s", cmd, o.out);
		return false;
	}
	return true;
}

/*
 * "update" with no --initrd on a kernel that did not keep its initramfs
 * (every test kernel boots with retain_initrd, so /sys/firmware is hidden
 * in a mount namespace of its own): refused, exit 3, before any load. A
 * kernel booted without the initramfs it needs finds no init and every
 * preserved file is lost.
 */
static int update_without_kept_initrd(void)
{
	int st;
	pid_t pid = fork();

	if (!pid) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/sys/firmware", "tmpfs", 0, NULL))
			_exit(100);
		tool_run(&o, LUO_BPF " update --kernel /boot/bzImage --handlers " BPF_OBJS);
		_exit(o.status == 3 &&
		      strstr(o.err, "update refused: no --initrd, and the running initramfs was not kept (/sys/firmware/initrd: No such file or directory") ?
		      0 : (luo_info("update: %d %s", o.status, o.err), 101));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

LUO_TEST(tool_cli, .cmdline = "kho=on liveupdate=on",
	 .desc = "luo-bpf subcommands: handlers, maps, --json, errors, help",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:vmram-v1' would veto the reboot for session 'cli' token 78: -16 (VM not paused)",
			       "liveupdate: session 'cli' token 78: freeze would fail (-16)"))
{
	static const char *const objects[] = {
		"agent", "handler", "map", "session", "file", "state", "kho",
		"check", "update", "timeline",
	};
	char cmd[256];
	unsigned int i;
	struct vmram_vm vm = { };
	uint64_t token = 78;
	int luo, s, m, v, fd;

	/* Help of each object, and the exit codes in the top-level help. */
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " --help") &&
		    strstr(o.out, "Usage: luo-bpf [OPTIONS] OBJECT") &&
		    strstr(o.out, "Exit codes"), "help: %s", o.out);
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		snprintf(cmd, sizeof(cmd), LUO_BPF " %s help", objects[i]);
		ASSERT_TRUE(!tool_run(&o, cmd) && strstr(o.out, "Usage: luo-bpf "),
			    "%s", cmd);
	}

	/* Handlers: load (pinned), list, update in place, unload. */
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " handler load " BPF_OBJS "/vmram.bpf.o") &&
		    strstr(o.out, "bpf:vmram-v1 attached, pinned in /sys/fs/bpf/luo-bpf/vmram-v1"),
		    "load: %s %s", o.out, o.err);
	ASSERT_TRUE(!access("/sys/fs/bpf/luo-bpf/vmram-v1/maps/vmram_vms", F_OK),
		    "maps pinned for the VMM");
	ASSERT_TRUE(json_ok(LUO_BPF " --json handler list"), "handler list");
	ASSERT_TRUE(json_has(flat, "[0].compatible", "bpf:vmram-v1") &&
		    json_has(flat, "[0].backend", "memfd-v2") &&
		    json_has(flat, "[0].schema", "1") &&
		    json_has(flat, "[0].state_size", "72") &&
		    json_has(flat, "[0].pinned", "/sys/fs/bpf/luo-bpf/vmram-v1"),
		    "handler list fields:\n%s", flat);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " handler update vmram-v1 " BPF_OBJS "/vmram.bpf.o"),
		    "update: %s", o.err);
	ASSERT_TRUE(fails(LUO_BPF " handler update vmram-v1 " BPF_OBJS "/policy.bpf.o",
			  1, "has no handler 'vmram-v1'"), "update from a wrong object");

	/* Sessions and files through --json. */
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	s = liveupdate_create_session(luo, "cli");
	m = luo_memfd_new("cli", 12288, 3);
	ASSERT_TRUE(s >= 0 && m >= 0 && !liveupdate_preserve_fd(s, m, 77),
		    "preserve");
	ASSERT_TRUE(json_ok(LUO_BPF " --json session list"), "session list");
	ASSERT_TRUE(json_has(flat, "[0].name", "cli") &&
		    json_has(flat, "[0].state", "outgoing") &&
		    json_has(flat, "[0].files", "1"), "session fields:\n%s", flat);
	ASSERT_TRUE(json_ok(LUO_BPF " --json file list --session cli"), "file list");
	ASSERT_TRUE(json_has(flat, "[0].session", "cli") &&
		    json_has(flat, "[0].token", "77") &&
		    json_has(flat, "[0].compatible", "memfd-v2") &&
		    json_has(flat, "[0].handler", "memfd-v2") &&
		    json_has(flat, "[0].status", "outgoing") &&
		    json_has(flat, "[0].size", "12288") &&
		    json_has(flat, "[0].bytes", "12288"), "file fields:\n%s", flat);

	/*
	 * A handler holding a file: unload is refused (it would keep running
	 * and may veto the reboot, its settings unpinned); --force detaches
	 * it and keeps its maps pinned.
	 */
	vm.guest_base = 1ULL << 32;
	vm.abi_version = 1;
	fd = bpf_obj_get(VMRAM_PIN "/maps/vmram_vms");
	ASSERT_TRUE(fd >= 0 && !bpf_map_update_elem(fd, &token, &vm, BPF_ANY),
		    "describe the VM through the pinned map: %m");
	close(fd);
	v = luo_memfd_new("vmram-cli", 8192, 5);
	ASSERT_TRUE(v >= 0 && !liveupdate_preserve_fd(s, v, token),
		    "preserve under the handler");

	/* Its maps by member name, from their BTF; show prints what set reads. */
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map show vmram-v1 vmram_vms 78") &&
		    !strcmp(o.out, "78: uuid=00000000000000000000000000000000 guest_base=4294967296 numa_node=0 abi_version=1\n"),
		    "map show: '%s' %s", o.out, o.err);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " map set vmram-v1 vmram_vms 78 numa_node=3 uuid=0a0b"),
		    "map set: %s", o.err);
	ASSERT_TRUE(json_ok(LUO_BPF " --json map show vmram-v1 vmram_vms") &&
		    json_has(flat, "[0].key", "78") &&
		    json_has(flat, "[0].value.uuid", "0a0b0000000000000000000000000000") &&
		    json_has(flat, "[0].value.guest_base", "4294967296") &&
		    json_has(flat, "[0].value.numa_node", "3") &&
		    json_has(flat, "[0].value.abi_version", "1"),
		    "map show --json:\n%s", flat);
	ASSERT_TRUE(fails(LUO_BPF " map set vmram-v1 vmram_vms 78 nosuch=1", 1,
			  "no member 'nosuch'"), "unknown member");
	ASSERT_TRUE(fails(LUO_BPF " map set vmram-v1 vmram_config 0 abi_version=0x100000000", 1,
			  "is not a number that fits abi_version (4 bytes)"),
		    "a value too big for its member");
	ASSERT_TRUE(fails(LUO_BPF " map show nosuch-v1 cfg", 1,
			  "is the handler loaded with 'luo-bpf handler load'"),
		    "map of no handler");

	/* A dry run asks the handler; it vetoes, nothing else happens. */
	tool_run(&o, LUO_BPF " update --kernel /boot/bzImage --handlers " BPF_OBJS " --dry-run");
	ASSERT_TRUE(o.status == 3 &&
		    strstr(o.err, "kernel: liveupdate: bpf: 'bpf:vmram-v1' would veto the reboot for session 'cli' token 78: -16 (VM not paused) [EBUSY]") &&
		    strstr(o.err, "dry run: the reboot would be refused: Device or resource busy (EBUSY); nothing was loaded or rebooted"),
		    "dry run: %d\n%s", o.status, o.err);
	ASSERT_TRUE(json_ok(LUO_BPF " --json file list --session cli") &&
		    json_has(flat, "[1].status", "outgoing"),
		    "still outgoing after the dry run:\n%s", flat);
	ASSERT_TRUE(!update_without_kept_initrd(), "no initramfs to boot with");
	ASSERT_TRUE(json_ok(LUO_BPF " --json handler list") &&
		    json_has(flat, "[0].files", "1"), "handler list files:\n%s",
		    flat);
	ASSERT_TRUE(fails(LUO_BPF " handler unload vmram-v1", 3,
			  "bpf:vmram-v1 holds 1 preserved file"),
		    "unload of a handler holding a file");
	ASSERT_TRUE(!access(VMRAM_PIN "/link", F_OK), "link pin kept");
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " handler unload --force vmram-v1") &&
		    access(VMRAM_PIN "/link", F_OK) &&
		    !access(VMRAM_PIN "/maps/vmram_vms", F_OK),
		    "unload --force: %s %s", o.out, o.err);
	ASSERT_TRUE(json_ok(LUO_BPF " --json handler list") &&
		    json_has(flat, "[0].files", "1") &&
		    json_has(flat, "[0].pinned", ""), "retired handler:\n%s", flat);

	ASSERT_TRUE(json_ok(LUO_BPF " --json kho dump out") &&
		    json_has(flat, "name", "/") &&
		    json_has(flat, "compatible", "kho-v4"), "kho dump:\n%s", flat);

	/* Bad input: one line, the documented exit code. */
	ASSERT_TRUE(fails(LUO_BPF " file list --session nosuch", 1,
			  "no session 'nosuch'"), "unknown session");
	ASSERT_TRUE(fails(LUO_BPF " check --kernel /nonexistent", 1,
			  "/nonexistent"), "missing image");
	ASSERT_TRUE(fails(LUO_BPF " check --kernel /etc/passwd", 1,
			  "/etc/passwd"), "not an image");
	ASSERT_TRUE(fails(LUO_BPF " check", 2, "--kernel IMAGE is required"),
		    "check without image");
	ASSERT_TRUE(fails(LUO_BPF " update --kernel /etc/passwd", 1,
			  "/etc/passwd"), "update of a bad image");
	ASSERT_TRUE(fails(LUO_BPF " handler load /nonexistent.bpf.o", 1,
			  "cannot open /nonexistent.bpf.o"), "bad object");
	ASSERT_TRUE(fails(LUO_BPF " handler unload nosuch", 1,
			  "no handler 'nosuch'"), "unknown handler");
	ASSERT_TRUE(fails(LUO_BPF " handler load " BPF_OBJS "/test/test_tool_cli.bpf.o", 1,
			  "cannot attach 'bpf:big-v1' from " BPF_OBJS "/test/test_tool_cli.bpf.o: state_size 5000 is above the limit of 4000 bytes"),
		    "a handler over the state limit");
	ASSERT_TRUE(fails(LUO_BPF " state dump /etc/passwd", 1,
			  "not a valid FDT"), "bad state tree");
	ASSERT_TRUE(fails(LUO_BPF " state dump", 1, "cannot read"),
		    "no incoming state on a cold boot");
	ASSERT_TRUE(fails(LUO_BPF " frobnicate", 2, "unknown object"),
		    "unknown object");
	ASSERT_TRUE(fails(LUO_BPF " session frob", 2, "unknown command"),
		    "unknown command");
	ASSERT_TRUE(fails(LUO_BPF " agent", 1, "another agent holds it"),
		    "agent while /dev/liveupdate is open");

	/* Its file gone, the leftover map pins go too. */
	close(s);
	ASSERT_TRUE(!tool_run(&o, LUO_BPF " handler unload vmram-v1") &&
		    access(VMRAM_PIN, F_OK), "unload: %s", o.err);
	close(v);
	close(luo);
	return LUO_PASS;
}
