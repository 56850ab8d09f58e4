// SPDX-License-Identifier: GPL-2.0
/* kho_util.c - helpers for tests of Kexec HandOver through debugfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kho_util.h"
#include "luo_test.h"

int kho_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while (total < (ssize_t)len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	return total;
}

int kho_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

long long kho_file_value(const char *path, const char *key)
{
	char buf[4096], *p;
	size_t klen = strlen(key);

	if (kho_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strstr(p, key)); p += klen) {
		if ((p == buf || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[klen] == ' ' || p[klen] == '='))
			return strtoll(p + klen + 1, NULL, 0);
	}
	return -1;
}

bool kho_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

long long kho_tracked_pages(void)
{
	static const char key[] = "out: tracked pages=";
	char buf[8192];
	const char *p;

	if (kho_read_file(KHO_DEBUGFS "/selftest", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

int kho_mem_count(struct kho_mem_count *c)
{
	c->restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	c->total_kb = luo_meminfo_kb("MemTotal");
	c->free_kb = luo_free_kb();
	return c->restored < 0 || c->total_kb < 0 || c->free_kb < 0 ? -EIO : 0;
}

int kho_mem_released(const char *what, const struct kho_mem_count *before,
		     long long pages, bool exact)
{
	long long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	long long got, want_free = (pages - KHO_MEM_SLACK) * page_kb;
	struct kho_mem_count now;
	int i;

	/* Freeing is not instant (RCU, per-CPU lists drained later). */
	for (i = 0; i < 50; i++) {
		if (kho_mem_count(&now)) {
			luo_fail("%s: cannot read kho/in/pages or /proc/meminfo", what);
			return -1;
		}
		if (now.free_kb - before->free_kb >= want_free)
			break;
		usleep(100000);
	}
	got = now.restored - before->restored;
	luo_info("%s: %lld pages restored (%s %lld), MemTotal %+lld kB, free %+lld kB",
		 what, got, exact ? "expected" : "at least", pages,
		 now.total_kb - before->total_kb, now.free_kb - before->free_kb);
	if (exact ? got != pages : got < pages)
		luo_fail("%s: KHO restored %lld pages, expected %s%lld", what,
			 got, exact ? "" : "at least ", pages);
	else if (now.total_kb - before->total_kb != got * page_kb)
		luo_fail("%s: MemTotal grew by %lld kB, KHO restored %lld", what,
			 now.total_kb - before->total_kb, got * page_kb);
	else if (now.free_kb - before->free_kb < (got - KHO_MEM_SLACK) * page_kb)
		luo_fail("%s: free memory grew by %lld kB of %lld restored",
			 what, now.free_kb - before->free_kb, got * page_kb);
	else
		return 0;
	return -1;
}

int kho_all_restored(void)
{
	long long preserved, restored, in_use;
	char held[512] = "";

	preserved = kho_file_value(KHO_DEBUGFS "/in/pages", "preserved");
	restored = kho_file_value(KHO_DEBUGFS "/in/pages", "restored");
	in_use = kho_file_value(KHO_DEBUGFS "/in/pages", "in_use");
	if (preserved < 0 || restored < 0 || in_use < 0) {
		luo_fail("cannot read %s/in/pages", KHO_DEBUGFS);
		return -1;
	}
	if (restored + in_use == preserved)
		return 0;
	kho_read_file(KHO_DEBUGFS "/in/held", held, sizeof(held) - 1);
	luo_fail("KHO still holds %lld of the %lld pages the previous kernel preserved (%lld in use at boot); held: %s",
		 preserved - restored - in_use, preserved, in_use, held);
	return -1;
}
