// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * liveupdate.c - a thin C library over the /dev/liveupdate uAPI.
 *
 * The structs are zeroed and sized here so callers never deal with the
 * extensible-struct convention; tests that probe that convention issue
 * the ioctls themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"

/* ioctl() returning 0 or -errno. */
static int lu_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* Copy a session name into the fixed-size uAPI field, NUL included. */
static int lu_set_name(__u8 *dst, const char *name)
{
	size_t len = strlen(name);

	/* The kernel would say EINVAL too; refuse early, without truncating. */
	if (!len || len >= LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	memcpy(dst, name, len + 1);
	return 0;
}

/**
 * liveupdate_open() - open the live update device
 *
 * The device is exclusive: a second opener gets -EBUSY until the first
 * closes it. Closing it does not affect sessions.
 *
 * Return: the device fd, or -errno (-ENOENT when LUO is not enabled).
 */
int liveupdate_open(void)
{
	int fd = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/**
 * liveupdate_create_session() - create an outgoing session
 * @luo_fd: fd from liveupdate_open()
 * @name: session name, 1..63 characters
 *
 * The session lives as long as its fd: closing it unpreserves every file
 * in it, so the caller must keep it open across the kexec reboot.
 *
 * Return: the session fd, or -errno (-EEXIST for a name already in use).
 */
int liveupdate_create_session(int luo_fd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int ret;

	ret = lu_set_name(arg.name, name);
	if (!ret)
		ret = lu_ioctl(luo_fd, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

/**
 * liveupdate_retrieve_session() - retrieve a session of the previous kernel
 * @luo_fd: fd from liveupdate_open()
 * @name: name the session was created with
 *
 * Return: the session fd, or -errno (-ENOENT if there is no such session,
 * -EINVAL if it was already retrieved).
 */
int liveupdate_retrieve_session(int luo_fd, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };
	int ret;

	ret = lu_set_name(arg.name, name);
	if (!ret)
		ret = lu_ioctl(luo_fd, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

/**
 * liveupdate_preserve_fd() - preserve a file in an outgoing session
 * @session_fd: outgoing session
 * @fd: file to preserve; the kernel takes its own reference, so @fd may
 *	be closed afterwards
 * @token: the caller's key for the file, unique within the session
 *
 * Return: 0, or -errno (-EEXIST token in use, -EBADF, -ENOENT no handler
 * for this file, -EBUSY already preserved, or the handler's error).
 */
int liveupdate_preserve_fd(int session_fd, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg),
		.fd = fd,
		.token = token,
	};

	return lu_ioctl(session_fd, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

/**
 * liveupdate_retrieve_fd() - get a preserved file back in the new kernel
 * @session_fd: incoming session
 * @token: token the file was preserved with
 *
 * Each call returns a new fd for the same file.
 *
 * Return: the file's fd, or -errno (-ENOENT for an unknown token).
 */
int liveupdate_retrieve_fd(int session_fd, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg),
		.token = token,
	};
	int ret;

	ret = lu_ioctl(session_fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg);
	return ret ? ret : arg.fd;
}

/**
 * liveupdate_finish() - end the live update of an incoming session
 * @session_fd: incoming session
 *
 * Releases whatever was preserved and not retrieved. Calling it again
 * returns 0.
 *
 * Return: 0, or -errno (-EBUSY if a handler cannot finish yet).
 */
int liveupdate_finish(int session_fd)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return lu_ioctl(session_fd, LIVEUPDATE_SESSION_FINISH, &arg);
}

/**
 * liveupdate_get_name() - full name of a session
 * @session_fd: any session
 * @buf: where to store the NUL-terminated name
 * @len: size of @buf
 *
 * Return: 0, or -errno (-ENAMETOOLONG if @buf cannot hold the name,
 * -EPROTO if the kernel returned a name without its NUL).
 */
int liveupdate_get_name(int session_fd, char *buf, size_t len)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };
	size_t n;
	int ret;

	ret = lu_ioctl(session_fd, LIVEUPDATE_SESSION_GET_NAME, &arg);
	if (ret)
		return ret;
	n = strnlen((const char *)arg.name, sizeof(arg.name));
	if (n == sizeof(arg.name))
		return -EPROTO;		/* the kernel broke the uAPI contract */
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, arg.name, n + 1);
	return 0;
}
