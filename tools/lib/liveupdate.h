/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * liveupdate.h - a thin C library over the /dev/liveupdate uAPI.
 *
 * Every function returns a file descriptor or 0 on success and a negative
 * errno on failure; errno itself is left as the failing call set it.
 * File descriptors returned here are O_CLOEXEC.
 */
#ifndef LIVEUPDATE_LIB_H
#define LIVEUPDATE_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/liveupdate.h>

#define LIVEUPDATE_DEV		"/dev/liveupdate"

int liveupdate_open(void);
int liveupdate_create_session(int luo_fd, const char *name);
int liveupdate_retrieve_session(int luo_fd, const char *name);
int liveupdate_preserve_fd(int session_fd, int fd, uint64_t token);
int liveupdate_retrieve_fd(int session_fd, uint64_t token);
int liveupdate_finish(int session_fd);
int liveupdate_get_name(int session_fd, char *buf, size_t len);

#endif /* LIVEUPDATE_LIB_H */
