/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_ioctl.h - ioctl dispatch shared by /dev/liveupdate and session fds.
 *
 * Checks, in the order of the uAPI contract: nr outside the fd's table
 * (EINVAL), size unreadable (EFAULT), full cmd mismatch (ENOTTY), session
 * of the wrong kind (EINVAL), size below the first version (EINVAL),
 * non-zero tail beyond what we know (E2BIG). Replies copy back
 * min(user size, kernel size) bytes; a new fd is installed only once the
 * reply reached userspace.
 *
 * Only operations with output fields (CREATE_SESSION, RETRIEVE_SESSION,
 * RETRIEVE_FD, GET_NAME) copy a reply back. If that copy faults they fail
 * with EFAULT and are undone: no fd is installed, a created session is
 * deleted, a retrieved session or file stays retrievable. Operations
 * without output (PRESERVE_FD, FINISH) copy nothing back, so their result
 * is the operation's own: an unwritable argument cannot turn a done
 * preserve or finish into a misleading EFAULT.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_IOCTL_H
#define _KERNEL_LIVEUPDATE_LUO_IOCTL_H

#include <linux/stddef.h>
#include <linux/types.h>

struct file;
struct luo_session;

enum luo_kind {
	LUO_ANY,
	LUO_OUTGOING,
	LUO_INCOMING,
};

struct luo_ucmd {
	void *cmd;			/* kernel copy of the argument */
	struct luo_session *session;	/* session fds */
	struct file *new_file;		/* installed after the reply */
	int new_fd;
	void (*undo)(struct luo_ucmd *ucmd);	/* if the reply fails */
};

struct luo_ioctl_op {
	unsigned int cmd;
	size_t size;
	size_t min_size;
	enum luo_kind kind;
	bool out;		/* has output fields: copy the reply back */
	int (*fn)(struct luo_ucmd *ucmd);
};

#define LUO_IOCTL_OP(_cmd, _fn, _struct, _last, _kind, _out)		\
	{								\
		.cmd = _cmd,						\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.kind = _kind,						\
		.out = _out,						\
		.fn = _fn,						\
	}

long luo_ioctl_dispatch(const struct luo_ioctl_op *ops, unsigned int nops,
			unsigned int base, unsigned int cmd, void __user *uarg,
			struct luo_session *session, enum luo_kind kind);
int luo_ucmd_install_fd(struct luo_ucmd *ucmd, struct file *file, s32 *fdp,
			int flags);

#endif /* _KERNEL_LIVEUPDATE_LUO_IOCTL_H */
