/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live Update Orchestrator userspace API.
 *
 * An agent opens /dev/liveupdate (exclusive, CAP_SYS_ADMIN), creates named
 * sessions and preserves file descriptors in them under 64-bit tokens.
 * After a kexec reboot the agent, in the new kernel, retrieves the sessions
 * by name and the files by token, then finishes each session.
 *
 * Every ioctl number is _IO(LIVEUPDATE_IOCTL_TYPE, nr): the argument is a
 * pointer to a struct that begins with its own __u32 size. The kernel
 * accepts a larger struct whose extra bytes are zero (E2BIG otherwise) and
 * refuses one smaller than the first version (EINVAL); it copies back
 * min(size, its own size) bytes.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LIVEUPDATE_IOCTL_TYPE		0xBA

/* Session names are 1..63 characters plus the terminating NUL. */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

enum {
	LIVEUPDATE_CMD_BASE			= 0x00,
	LIVEUPDATE_CMD_CREATE_SESSION		= LIVEUPDATE_CMD_BASE,
	LIVEUPDATE_CMD_RETRIEVE_SESSION		= 0x01,
};

enum {
	LIVEUPDATE_CMD_SESSION_BASE		= 0x40,
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD	= LIVEUPDATE_CMD_SESSION_BASE,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD	= 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH		= 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME		= 0x43,
};

/**
 * struct liveupdate_ioctl_create_session - LIVEUPDATE_IOCTL_CREATE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_create_session)
 * @fd:   out: the new session's file descriptor (O_RDWR | O_CLOEXEC)
 * @name: in: NUL-terminated name, 1..63 characters, unique among the
 *        outgoing sessions (EEXIST)
 *
 * Creates an outgoing session. Closing its fd unpreserves every file in it;
 * the agent must keep it open across the kexec reboot.
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_CREATE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - LIVEUPDATE_IOCTL_RETRIEVE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session)
 * @fd:   out: the session's file descriptor (O_RDWR | O_CLOEXEC)
 * @name: in: name of a session preserved by the previous kernel
 *
 * ENOENT if no such incoming session exists (always after a cold boot),
 * EINVAL if it was already retrieved.
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - LIVEUPDATE_SESSION_PRESERVE_FD
 * @size:  sizeof(struct liveupdate_session_preserve_fd)
 * @fd:    in: the file descriptor to preserve
 * @token: in: the caller's key for this file, unique within the session
 *
 * Outgoing sessions only. Errors: EEXIST (token used in this session),
 * EBADF (bad fd), ENOENT (no handler for this kind of file), EBUSY (the
 * file is already preserved in some session), or the handler's own errno.
 * The kernel keeps its own reference to the file.
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_PRESERVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - LIVEUPDATE_SESSION_RETRIEVE_FD
 * @size:  sizeof(struct liveupdate_session_retrieve_fd)
 * @fd:    out: a new file descriptor for the preserved file
 * @token: in: the token given to LIVEUPDATE_SESSION_PRESERVE_FD
 *
 * Incoming sessions only. ENOENT for an unknown token. Files may be
 * retrieved in any order and more than once; a failed retrieval keeps
 * failing with the same errno.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_RETRIEVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - LIVEUPDATE_SESSION_FINISH
 * @size:     sizeof(struct liveupdate_session_finish)
 * @reserved: must be zero
 *
 * Incoming sessions only. Ends the live update of every file in the
 * session, retrieved or not: memory never retrieved is released. EBUSY,
 * with nothing done, if a handler cannot finish yet. A second FINISH
 * returns 0. Closing an incoming session fd finishes it implicitly.
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};

#define LIVEUPDATE_SESSION_FINISH \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - LIVEUPDATE_SESSION_GET_NAME
 * @size:     sizeof(struct liveupdate_session_get_name)
 * @reserved: must be zero
 * @name:     out: the full NUL-terminated session name
 *
 * Any session fd. The anon-inode name shown in /proc may be truncated;
 * this one is not.
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_SESSION_GET_NAME \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
