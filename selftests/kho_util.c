// SPDX-License-Identifier: GPL-2.0
/* kho_util.c - helpers for tests of Kexec HandOver through debugfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kho_util.h"

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
