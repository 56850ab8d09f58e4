// SPDX-License-Identifier: GPL-2.0
/*
 * luo-qemu.c - run a QEMU VM whose guest RAM lives through live updates.
 *
 *   luo-qemu --name NAME --ram SIZE [--qmp PATH] -- QEMU [ARGS...]
 *
 * The guest RAM is a memfd that the luo-bpf agent keeps preserved (session
 * NAME, token_ram()) for as long as the VM runs; QEMU maps it through
 * /proc/self/fd/10 (memory-backend-file, share=on). On SIGTERM (systemd
 * stopping the unit, before "systemctl kexec") luo-qemu pauses the VM over
 * QMP, saves its device state with QEMU's cpr-reboot migration mode into a
 * new memfd (the RAM is not copied: x-ignore-shared), quits QEMU, marks
 * the VM paused for the VM-RAM BPF handler and has the agent preserve the
 * state too (the next token). Started again in the next kernel, it
 * retrieves both, starts QEMU on the same RAM with -incoming, loads the
 * state and resumes the guest where it stopped; then it finishes the
 * incoming session and preserves the RAM again for the next update.
 *
 * If QEMU dies without being saved, the VM is lost: luo-qemu says so and
 * has the agent discard the session, so its memory does not outlive it.
 * Each step is one line on stderr ("luo-qemu: NAME: ..."), with the times
 * (CLOCK_REALTIME, ms) at which the VM paused and resumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include "luo_agent.h"
#include "../../bpf/vmram.h"

#define FD_RAM		10	/* where QEMU finds the RAM: /proc/self/fd/10 */
#define FD_STATE	11	/* and the saved state, when it resumes */
#define VMRAM_MAPS	"/sys/fs/bpf/luo-bpf/vmram-v1/maps/"
#define MAX_ARGS	256

static const char *name;

/*
 * The VM-RAM handler's maps are keyed by token across every session of the
 * host, and it takes any memfd whose token its VMM described: a VM's tokens
 * must be its own. They are derived from its name (FNV-1a, top bit set, so
 * never a small number another service would pick); the device state's is
 * the next one.
 */
static __u64 token_ram(void)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const char *p;

	for (p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return (h | 1ULL << 63) & ~1ULL;
}
static volatile sig_atomic_t got_term;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "luo-qemu: %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long long clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

/* FNV-1a over the whole file: the bytes before and after the update. */
static int ram_digest(int fd, unsigned long long *sum, off_t *size)
{
	const uint64_t *p;
	struct stat st;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	if (fstat(fd, &st))
		return -errno;
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < st.st_size / sizeof(*p); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	munmap((void *)p, st.st_size);
	*sum = h;
	*size = st.st_size;
	return 0;
}

/* One element of a pinned map of the VM-RAM handler; 0 or -errno. */
static int vmram_map_set(const char *map, __u64 key, const void *val)
{
	union bpf_attr attr;
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), VMRAM_MAPS "%s", map);
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)path;
	fd = syscall(SYS_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (__u64)(unsigned long)&key;
	attr.value = (__u64)(unsigned long)val;
	if (syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr)))
		err = -errno;
	close(fd);
	return err;
}

/* --- QMP: one command, one reply line; events are skipped. --- */

static char qbuf[65536];
static size_t qlen;

static int qmp_line(int q, char *out, size_t len)
{
	char *nl;
	ssize_t n;

	while (!(nl = memchr(qbuf, '\n', qlen))) {
		if (qlen == sizeof(qbuf) - 1)
			qlen = 0;	/* a line longer than we care for */
		n = read(q, qbuf + qlen, sizeof(qbuf) - 1 - qlen);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		qlen += n;
	}
	*nl = '\0';
	/* A longer line is cut: only its start is ever looked at. */
	strncpy(out, qbuf, len - 1);
	out[len - 1] = '\0';
	qlen -= nl + 1 - qbuf;
	memmove(qbuf, nl + 1, qlen);
	return 0;
}

/* Run @cmd; the reply line in @out. 0, or -EIO for an "error" reply. */
static int qmp(int q, const char *cmd, char *out, size_t len)
{
	char line[4096];
	int err;

	if (write(q, cmd, strlen(cmd)) < 0 || write(q, "\n", 1) < 0)
		return -errno;
	for (;;) {
		err = qmp_line(q, line, sizeof(line));
		if (err)
			return err;
		if (strstr(line, "\"return\"") || strstr(line, "\"error\""))
			break;
	}
	if (out)
		snprintf(out, len, "%s", line);
	if (strstr(line, "\"error\"")) {
		say("QMP %s: %s", cmd, line);
		return -EIO;
	}
	return 0;
}

static int qmp_connect(const char *path, pid_t qemu)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char line[4096];
	int q, i;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	for (i = 0; i < 1200; i++) {	/* QEMU starts slowly under TCG */
		q = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q < 0)
			return -errno;
		if (!connect(q, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		close(q);
		q = -1;
		if (waitpid(qemu, NULL, WNOHANG) == qemu)
			return -ECHILD;
		usleep(50000);
	}
	if (q < 0)
		return -ETIMEDOUT;
	qlen = 0;
	if (qmp_line(q, line, sizeof(line)) ||	/* the greeting */
	    qmp(q, "{\"execute\":\"qmp_capabilities\"}", NULL, 0)) {
		close(q);
		return -EPROTO;
	}
	return q;
}

/*
 * Repeat @cmd until its reply contains @done or @failed (every 10 ms, for
 * up to a minute); the last reply in @out. -EIO if it failed.
 */
static int qmp_wait(int q, const char *cmd, const char *done,
		    const char *failed, char *out, size_t len)
{
	int err, i;

	for (i = 0; i < 6000; i++) {
		err = qmp(q, cmd, out, len);
		if (err)
			return err;
		if (strstr(out, done))
			return 0;
		if (strstr(out, failed))
			return -EIO;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static const char cpr_setup[] =
	"{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
	"[{\"capability\":\"x-ignore-shared\",\"state\":true}]}}";
static const char cpr_mode[] =
	"{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"cpr-reboot\"}}";

/*
 * Either side of cpr-reboot: guest RAM stays where it is (shared memory,
 * x-ignore-shared), and @verb ("migrate", "migrate-incoming") the device
 * state to or from @uri.
 */
static int qmp_cpr(int q, const char *verb, const char *uri)
{
	char cmd[256];
	int err;

	err = qmp(q, cpr_setup, NULL, 0);
	if (!err)
		err = qmp(q, cpr_mode, NULL, 0);
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"%s\",\"arguments\":{\"uri\":\"%s\"}}",
		 verb, uri);
	return err ?: qmp(q, cmd, NULL, 0);
}

/*
 * Pause the VM, save its device state into a new memfd, quit QEMU. The RAM
 * stays where it is. Returns the state memfd or -errno.
 */
static int save_vm(int q, pid_t qemu)
{
	char uri[64], out[4096];
	long long t_stop;
	int state, err;

	state = memfd_create("vmstate", MFD_CLOEXEC);
	if (state < 0)
		return -errno;
	err = qmp(q, "{\"execute\":\"stop\"}", NULL, 0);
	t_stop = now_ms();
	/* QEMU opens our memfd by path: a file:, not a stream. */
	snprintf(uri, sizeof(uri), "file:/proc/%d/fd/%d", getpid(), state);
	if (!err)
		err = qmp_cpr(q, "migrate", uri);
	if (!err) {
		err = qmp_wait(q, "{\"execute\":\"query-migrate\"}",
			       "\"completed\"", "\"failed\"", out, sizeof(out));
		if (err)
			say("saving the device state failed: %s", out);
	}
	if (err) {
		close(state);
		return err;
	}
	qmp(q, "{\"execute\":\"quit\"}", NULL, 0);
	waitpid(qemu, NULL, 0);
	say("paused at %lld ms (realtime), device state saved (%lld bytes), QEMU quit",
	    t_stop, (long long)lseek(state, 0, SEEK_END));
	return state;
}

/* Load the saved device state into a QEMU started with -incoming defer. */
static int resume_vm(int q)
{
	long long t0 = clock_ms(CLOCK_MONOTONIC);
	char uri[64], out[4096];
	int err;

	snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d", FD_STATE);
	err = qmp_cpr(q, "migrate-incoming", uri);
	/* Loaded, the VM is "paused" (as it was saved); a failure ends QEMU. */
	if (!err) {
		err = qmp_wait(q, "{\"execute\":\"query-status\"}",
			       "\"paused\"", "\"shutdown\"", out, sizeof(out));
		if (err)
			say("loading the device state failed: %s", out);
	}
	if (!err)
		err = qmp(q, "{\"execute\":\"cont\"}", NULL, 0);
	if (!err)
		say("resumed at %lld ms (realtime); device state loaded in %lld ms",
		    now_ms(), clock_ms(CLOCK_MONOTONIC) - t0);
	return err;
}

static sigset_t qemu_mask;	/* the signal mask QEMU starts with */

static pid_t start_qemu(char **qargv, int nargs, const char *qmp_path,
			unsigned long long ram, bool incoming)
{
	char *argv[MAX_ARGS + 16], backend[160], qmparg[160];
	pid_t pid;
	int n = 0, i;

	for (i = 0; i < nargs && n < MAX_ARGS; i++)
		argv[n++] = qargv[i];
	snprintf(backend, sizeof(backend),
		 "memory-backend-file,id=luo-ram,size=%llu,mem-path=/proc/self/fd/%d,share=on",
		 ram, FD_RAM);
	snprintf(qmparg, sizeof(qmparg), "unix:%s,server=on,wait=off", qmp_path);
	argv[n++] = "-object";
	argv[n++] = backend;
	argv[n++] = "-machine";
	argv[n++] = "memory-backend=luo-ram";
	argv[n++] = "-qmp";
	argv[n++] = qmparg;
	if (incoming) {
		argv[n++] = "-incoming";
		argv[n++] = "defer";
	}
	argv[n] = NULL;
	unlink(qmp_path);
	pid = fork();
	if (pid)
		return pid;
	sigprocmask(SIG_SETMASK, &qemu_mask, NULL);
	/* dup2() clears FD_CLOEXEC on the copies. */
	execvp(argv[0], argv);
	fprintf(stderr, "luo-qemu: %s: cannot run %s: %s\n", name, argv[0],
		strerror(errno));
	_exit(127);
}

static void on_term(int sig)
{
	got_term = sig;
}

static void on_chld(int sig)
{
}

static unsigned long long parse_size(const char *s)
{
	static const char units[] = "KMG";
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	const char *u = *end ? strchr(units, *end) : NULL;

	/* K, M or G: 10, 20 or 30 bits. */
	return u ? v << (10 * (u - units + 1)) : v;
}

static int usage(void)
{
	fprintf(stderr,
		"Usage: luo-qemu --name NAME --ram SIZE[K|M|G] [--qmp PATH] -- QEMU [ARGS...]\n"
		"Runs QEMU with its guest RAM in a memfd that the luo-bpf agent keeps\n"
		"across live updates (session NAME); SIGTERM saves the VM (cpr-reboot)\n"
		"for the next kernel, where the same command resumes it.\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *qmp_path = NULL;
	char qmp_default[108], status[256];
	unsigned long long ram = 0, sum;
	struct vmram_vm vm = { .abi_version = 1 };
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t block, waitmask;
	int agent, ramfd, state = -1, q, i, err, wst;
	long long t_start;
	bool incoming;
	pid_t qemu;
	off_t size;
	__u8 paused = 1;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--ram") && i + 1 < argc)
			ram = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--qmp") && i + 1 < argc)
			qmp_path = argv[++i];
		else
			return usage();
	}
	if (!name || !ram || i + 1 >= argc || strlen(name) > 40)
		return usage();
	if (!qmp_path) {
		snprintf(qmp_default, sizeof(qmp_default), "/run/luo-qemu-%s.qmp",
			 name);
		qmp_path = qmp_default;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	qemu_mask = waitmask;

	agent = luo_agent_connect(NULL, 10000);
	if (agent < 0) {
		say("no luo-bpf agent: %s", strerror(-agent));
		return 1;
	}
	ramfd = luo_agent_retrieve(agent, name, token_ram());
	incoming = ramfd >= 0;
	if (incoming) {
		state = luo_agent_retrieve(agent, name, token_ram() + 1);
		if (state == -ENOENT) {
			/* Never preserved: the RAM alone cannot be resumed. */
			say("its guest RAM came through the update but no device state: QEMU was not saved before the update, the VM is lost; releasing its memory");
			luo_agent_finish(agent, name);
			return 1;
		}
		if (state < 0) {
			/* Kept: a retry after the cause is fixed finds both. */
			say("cannot retrieve its device state: %s; RAM and state stay preserved",
			    strerror(-state));
			return 1;
		}
		err = ram_digest(ramfd, &sum, &size);
		if (err)
			return 1;
		say("guest RAM retrieved: %lld MiB, fnv64 %016llx; device state %lld bytes",
		    (long long)size >> 20, sum,
		    (long long)lseek(state, 0, SEEK_END));
		lseek(state, 0, SEEK_SET);
		if (dup2(state, FD_STATE) < 0)
			return 1;
	} else if (ramfd == -ENOENT) {
		ramfd = memfd_create("vmram-luo-qemu", MFD_CLOEXEC);
		if (ramfd < 0 || ftruncate(ramfd, ram)) {
			say("guest RAM: %s", strerror(errno));
			return 1;
		}
	} else {
		/* Kept in the kernel: a retry after the cause is fixed finds it. */
		say("cannot retrieve its guest RAM: %s; it stays preserved",
		    strerror(-ramfd));
		return 1;
	}
	if (dup2(ramfd, FD_RAM) < 0)
		return 1;

	t_start = clock_ms(CLOCK_MONOTONIC);
	qemu = start_qemu(argv + i + 1, argc - i - 1, qmp_path, ram, incoming);
	if (qemu < 0)
		return 1;
	q = qmp_connect(qmp_path, qemu);
	if (q < 0) {
		say("QEMU did not come up (%s)", strerror(-q));
		kill(qemu, SIGKILL);
		return 1;
	}
	say("QEMU answers QMP %lld ms after its start",
	    clock_ms(CLOCK_MONOTONIC) - t_start);
	if (incoming) {
		if (resume_vm(q)) {
			/* Not finished: the session keeps the memory. */
			kill(qemu, SIGKILL);
			say("not resumed: its memory stays in session '%s' until it is finished",
			    name);
			return 1;
		}
		close(state);
		close(FD_STATE);
		err = luo_agent_finish(agent, name);
		if (err)
			say("finish: %s", strerror(-err));
	} else {
		say("started with %llu MiB of guest RAM", ram >> 20);
	}

	/* Preserved for the next kernel from now on, through the VM-RAM handler. */
	err = vmram_map_set("vmram_vms", token_ram(), &vm);
	if (err)
		say("cannot describe the VM to the VM-RAM handler (%s): preserved as a plain memfd",
		    strerror(-err));
	err = luo_agent_preserve(agent, name, token_ram(), ramfd);
	if (err) {
		say("cannot preserve its guest RAM: %s", strerror(-err));
		kill(qemu, SIGKILL);
		return 1;
	}
	say("guest RAM preserved for the next kernel");

	while (!got_term) {
		/* Signals are blocked but in sigsuspend(): none is missed. */
		if (waitpid(qemu, &wst, WNOHANG) == qemu) {
			snprintf(status, sizeof(status),
				 WIFSIGNALED(wst) ? "killed by signal %d" :
						    "exited with status %d",
				 WIFSIGNALED(wst) ? WTERMSIG(wst) :
						    WEXITSTATUS(wst));
			err = luo_agent_discard(agent, name);
			say("QEMU %s without saving the VM: the VM is lost, its memory is released (%s)",
			    status, err ? strerror(-err) : "session discarded");
			return 1;
		}
		sigsuspend(&waitmask);
	}

	state = save_vm(q, qemu);
	if (state < 0) {
		/* Without its device state the RAM alone cannot be resumed. */
		kill(qemu, SIGKILL);
		err = luo_agent_discard(agent, name);
		say("not saved (%s): the VM is lost, its memory is released (%s)",
		    strerror(-state), err ? strerror(-err) : "session discarded");
		return 1;
	}
	if (!ram_digest(ramfd, &sum, &size))
		say("guest RAM kept in place: %lld MiB, fnv64 %016llx",
		    (long long)size >> 20, sum);
	err = vmram_map_set("vmram_paused", token_ram(), &paused);
	if (err && err != -ENOENT)
		say("cannot mark the VM paused for the VM-RAM handler: %s",
		    strerror(-err));
	err = luo_agent_preserve(agent, name, token_ram() + 1, state);
	if (err) {
		/* The RAM alone cannot be resumed: carry none of it. */
		say("cannot preserve the device state (%s): the VM is lost, its memory is released (%s)",
		    strerror(-err), luo_agent_discard(agent, name) ?
		    "discard failed" : "session discarded");
		return 1;
	}
	say("saved for the next kernel");
	return 0;
}
