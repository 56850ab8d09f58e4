/* SPDX-License-Identifier: GPL-2.0 */
/* kho_util.h - helpers for tests of Kexec HandOver through debugfs. */
#ifndef KHO_UTIL_H
#define KHO_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define KHO_DEBUGFS	"/sys/kernel/debug/kho"

/* Read a whole (small) file into @buf; returns bytes read or -errno. */
int kho_read_file(const char *path, char *buf, size_t len);
/* Write a string to a file; returns 0 or -errno. */
int kho_write_file(const char *path, const char *s);
/* Value of "key N" or "key=N" in a file, or -1. */
long long kho_file_value(const char *path, const char *key);
bool kho_path_exists(const char *path);
/*
 * Pages the outgoing KHO tracker holds (the self-test walks it: "out:
 * tracked pages=N"), or -1.
 */
long long kho_tracked_pages(void);

#endif
