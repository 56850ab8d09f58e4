// SPDX-License-Identifier: GPL-2.0
/*
 * runner_stage.c - what crosses from one stage to the next: the kernel
 * command line (luo.stage=, carried luo.k.* values, luo_kexec_append()
 * arguments), the kexec itself and the agent that keeps sessions open.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/reboot.h>

#include "luo_test.h"
#include "runner_internal.h"

static char cmdline[CMDLINE_MAX];
static char carry[CMDLINE_MAX];	/* "luo.k.key=value ..." for the next stage */
static char extra[CMDLINE_MAX];	/* luo_kexec_append() arguments */
static void (*kexec_hook)(void *arg);
static void *kexec_hook_arg;

void runner_read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (n < 0)
		n = 0;
	cmdline[n] = '\0';
	if (n && cmdline[n - 1] == '\n')
		cmdline[n - 1] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Value of "key=" on the command line, copied to @buf; NULL if absent. */
const char *runner_cmdline_get(const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, " ");

			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		p += strcspn(p, " ");
	}
	return NULL;
}

const char *luo_get(const char *key)
{
	static char bufs[8][256];
	static int next;
	char full[128];

	snprintf(full, sizeof(full), "luo.k.%s", key);
	next = (next + 1) % 8;
	return runner_cmdline_get(full, bufs[next], sizeof(bufs[next]));
}

const char *luo_arg(const char *key)
{
	static char buf[256];

	return runner_cmdline_get(key, buf, sizeof(buf));
}

unsigned long long luo_get_u64(const char *key)
{
	const char *v = luo_get(key);

	return v ? strtoull(v, NULL, 0) : 0;
}

/* Drop " luo.k.@key=..." from the carried values, so luo_put() can replace. */
static void carry_drop(const char *key)
{
	char pat[160];
	char *p, *end;

	snprintf(pat, sizeof(pat), " luo.k.%s=", key);
	p = strstr(carry, pat);
	if (!p)
		return;
	end = p + 1 + strcspn(p + 1, " ");
	memmove(p, end, strlen(end) + 1);
}

void luo_put(const char *key, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	carry_drop(key);
	len = strlen(carry);
	len += snprintf(carry + len, sizeof(carry) - len, " luo.k.%s=", key);
	va_start(ap, fmt);
	if (len < sizeof(carry))
		vsnprintf(carry + len, sizeof(carry) - len, fmt, ap);
	va_end(ap);
}

int luo_next_args(char *buf, size_t len)
{
	/* The test's own tool ends the stage: this is its last look. */
	luo_kmemleak_scan();
	size_t n = snprintf(buf, len, "%s luo.stage=%d%s", extra, runner_cur_stage + 1,
			    carry);

	return n >= len ? -E2BIG : 0;
}

/*
 * The initrd for the next kernel: the one this kernel booted, or, when the
 * next stage is the test's last, its second part alone, without the kernel
 * images (scripts/mkinitramfs.sh): a kernel that kexecs no further needs
 * none, and the purgatory hashes every byte of the initrd in the blackout.
 */
static int next_initrd(void)
{
	int fd = open("/sys/firmware/initrd", O_RDONLY | O_CLOEXEC);
	static char buf[1 << 18];
	long long off = -1;
	int mfd = -1;
	ssize_t n;
	FILE *f;

	if (fd < 0 || !runner_cur_test || runner_cur_test->keep_images ||
	    runner_cur_stage + 1 < runner_stages_of(runner_cur_test))
		return fd;
	f = fopen("/etc/luo-initrd-boot-bytes", "re");
	if (!f)
		return fd;	/* an initrd of one part */
	if (fscanf(f, "%lld", &off) != 1 || off < 0)
		off = -1;
	fclose(f);
	errno = 0;
	if (off < 0)
		goto fail;
	mfd = memfd_create("luo-initrd", MFD_CLOEXEC);
	if (mfd < 0)
		goto fail;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (write(mfd, buf, n) != n)
			goto fail;
		off += n;
	}
	if (n < 0)
		goto fail;
	close(fd);
	return mfd;
fail:
	luo_fail("next initrd: %s", strerror(errno ?: EINVAL));
	if (mfd >= 0)
		close(mfd);
	close(fd);
	errno = EINVAL;
	return -1;
}

int luo_kexec(const char *kernel)
{
	char next[CMDLINE_MAX];
	size_t len = 0;
	const char *p = cmdline;
	int kfd, ifd, err;

	/* Keep every argument but our stage markers and carried values. */
	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n && strncmp(p, "luo.stage=", 10) && strncmp(p, "luo.k.", 6))
			len += snprintf(next + len, sizeof(next) - len, "%s%.*s",
					len ? " " : "", (int)n, p);
		p += n;
	}
	len += snprintf(next + len, sizeof(next) - len, "%s luo.stage=%d%s",
			extra, runner_cur_stage + 1, carry);
	if (len >= sizeof(next)) {
		luo_fail("next command line too long");
		return -E2BIG;
	}

	luo_kmemleak_scan();
	kfd = open(kernel ?: "/boot/bzImage", O_RDONLY | O_CLOEXEC);
	ifd = next_initrd();
	if (kfd < 0 || ifd < 0) {
		err = -errno;
		luo_fail("open kernel/initrd: %s", strerror(errno));
		goto out;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(next) + 1, next, 0UL)) {
		err = -errno;
		luo_fail("kexec_file_load: %s", strerror(errno));
		goto out;
	}
	runner_report_kmsg();
	printf("luo-kexec: stage %d -> %d\n", runner_cur_stage, runner_cur_stage + 1);
	fflush(stdout);
	if (kexec_hook)
		kexec_hook(kexec_hook_arg);
	if (reboot(LINUX_REBOOT_CMD_KEXEC))
		err = -errno;
	else
		err = -EIO;	/* reboot returned without an error: impossible */
out:
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return err;
}

void luo_kexec_by_tool(void)
{
	luo_kmemleak_scan();
	runner_report_kmsg();
	printf("luo-kexec: stage %d -> %d\n", runner_cur_stage, runner_cur_stage + 1);
	fflush(stdout);
}

int luo_kexec_append(const char *arg)
{
	size_t len = strlen(extra);

	if (len + 1 + strlen(arg) >= sizeof(extra))
		return -E2BIG;
	snprintf(extra + len, sizeof(extra) - len, " %s", arg);
	return 0;
}

void luo_kexec_hook(void (*fn)(void *arg), void *arg)
{
	kexec_hook = fn;
	kexec_hook_arg = arg;
}

pid_t luo_agent_hold(void)
{
	pid_t pid;

	/* Nothing buffered may be printed twice by the child. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;

	/*
	 * The agent: its own session so no terminal or process-group signal
	 * from the test reaches it; it owns copies of the test's fds (fork
	 * duplicates the fd table, close-on-exec does not matter without an
	 * exec) and only sleeps. The kexec reboot, or luo_agent_release(),
	 * ends it.
	 */
	setsid();
	signal(SIGHUP, SIG_IGN);
	for (;;)
		pause();
}

int luo_agent_release(pid_t pid)
{
	if (kill(pid, SIGKILL))
		return -errno;
	if (waitpid(pid, NULL, 0) < 0)
		return -errno;
	return 0;
}

enum luo_result luo_handover(void)
{
	pid_t agent = luo_agent_hold();

	if (agent <= 0) {
		luo_fail("agent: %s", strerror(agent ? -agent : EINVAL));
		return LUO_FAIL;
	}
	/* Only the agent's copies keep the sessions alive from here on. */
	close_range(3, ~0U, 0);
	luo_kexec(NULL);
	return LUO_FAIL;
}
