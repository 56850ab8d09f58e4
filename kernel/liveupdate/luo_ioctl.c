// SPDX-License-Identifier: GPL-2.0
/*
 * luo_ioctl.c - the ioctl dispatcher of /dev/liveupdate and session fds
 * (contract in luo_ioctl.h): argument checks in the uAPI's order, copy in,
 * the operation, the reply, and a new fd installed only once the reply
 * reached userspace.
 */
#include <linux/bug.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/liveupdate.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "luo_ioctl.h"

/**
 * luo_ioctl_dispatch - run one LUO ioctl
 * @ops:     the fd's operations, indexed by ioctl number from @base
 * @nops:    how many
 * @base:    the ioctl number of @ops[0]
 * @cmd:     the ioctl command
 * @uarg:    its argument, a struct starting with its u32 size
 * @session: the session of a session fd, NULL for /dev/liveupdate
 * @kind:    outgoing or incoming session, LUO_ANY for the device
 *
 * Return: the operation's result, or the errno of the first check that
 * fails (see luo_ioctl.h).
 */
long luo_ioctl_dispatch(const struct luo_ioctl_op *ops, unsigned int nops,
			unsigned int base, unsigned int cmd, void __user *uarg,
			struct luo_session *session, enum luo_kind kind)
{
	u64 buf[(LIVEUPDATE_SESSION_NAME_LENGTH + 8) / sizeof(u64)];
	struct luo_ucmd ucmd = { .cmd = buf, .session = session, .new_fd = -1 };
	const struct luo_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	long ret;

	if (nr < base || nr >= base + nops)
		return -EINVAL;
	op = &ops[nr - base];
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (cmd != op->cmd)
		return -ENOTTY;
	if (op->kind != LUO_ANY && op->kind != kind)
		return -EINVAL;
	if (usize < op->min_size)
		return -EINVAL;
	if (WARN_ON_ONCE(op->size > sizeof(buf)))
		return -EINVAL;
	ret = copy_struct_from_user(buf, op->size, uarg, usize);
	if (ret)
		return ret;

	ret = op->fn(&ucmd);
	if (!ret && op->out &&
	    copy_to_user(uarg, buf, min_t(size_t, op->size, usize)))
		ret = -EFAULT;
	if (ucmd.new_file) {
		if (!ret) {
			fd_install(ucmd.new_fd, ucmd.new_file);
		} else {
			if (ucmd.undo)
				ucmd.undo(&ucmd);
			put_unused_fd(ucmd.new_fd);
			fput(ucmd.new_file);
		}
	}
	return ret;
}

/* Reserve an fd for @file (whose reference is consumed); installed later. */
int luo_ucmd_install_fd(struct luo_ucmd *ucmd, struct file *file, s32 *fdp,
			int flags)
{
	int fd = get_unused_fd_flags(O_CLOEXEC);

	if (fd < 0) {
		fput(file);
		return fd;
	}
	ucmd->new_fd = fd;
	ucmd->new_file = file;
	*fdp = fd;
	return 0;
}
