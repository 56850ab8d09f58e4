// SPDX-License-Identifier: GPL-2.0
/*
 * luo_core.c - Live Update Orchestrator: /dev/liveupdate, the reboot
 * path, and the "LUO" handover blob.
 *
 * liveupdate=on (and KHO on) enables it. The agent opens /dev/liveupdate
 * (exclusive, CAP_SYS_ADMIN), creates sessions and preserves files in
 * them. reboot(LINUX_REBOOT_CMD_KEXEC) freezes every file and writes the
 * sessions into space reserved ahead of time. In the new kernel, LUO's
 * init reads the previous kernel's FLBs (drivers may need them at boot)
 * and the first open its sessions. A malformed session is dropped
 * alone (luo_session.c); if the handover as a whole cannot be read, the
 * memory of what was read is released and every open fails with EIO.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/liveupdate.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "kexec_handover_internal.h"
#include "luo_internal.h"
#include "luo_ioctl.h"

KHO_ADVERTISE_FORMAT(luo, LUO_COMPATIBLE);

/* Both written under luo_reboot_rwsem held for writing. */
bool luo_frozen;			/* sessions serialized for the kexec */
bool luo_freeze_dry_run;		/* freeze callbacks of a dry run */

static bool luo_enable __ro_after_init;
static atomic_t luo_dev_busy = ATOMIC_INIT(0);
static struct luo_ser_header *luo_header;	/* outgoing, preserved */
static u64 luo_liveupdate_num;			/* updates so far */
static u64 luo_in_sessions_pa;			/* incoming, read at first open */
static bool luo_in_present;			/* a LUO blob was handed over */
static bool luo_in_loaded;			/* sessions read, or -EIO at init */
static int luo_in_err;

static int __init luo_parse_enable(char *p)
{
	return kstrtobool(p, &luo_enable);
}
early_param("liveupdate", luo_parse_enable);

/**
 * liveupdate_enabled - is the Live Update Orchestrator on?
 *
 * Return: true if "liveupdate=on" was given, KHO is on, and LUO set up.
 */
bool liveupdate_enabled(void)
{
	return luo_enable;
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

static int luo_create_session(struct luo_ucmd *ucmd)
{
	struct liveupdate_ioctl_create_session *arg = ucmd->cmd;
	struct file *file;
	int err;

	err = luo_session_create((const char *)arg->name, &file);
	if (err)
		return err;
	return luo_ucmd_install_fd(ucmd, file, &arg->fd, O_RDWR);
}

/*
 * A failed reply must not finish the session: detach it from the file,
 * whose release then has nothing to do, and make it retrievable again.
 */
static void luo_retrieve_session_undo(struct luo_ucmd *ucmd)
{
	struct luo_session *s = ucmd->new_file->private_data;

	s->retrieved = false;
	ucmd->new_file->private_data = NULL;
}

static int luo_retrieve_session(struct luo_ucmd *ucmd)
{
	struct liveupdate_ioctl_retrieve_session *arg = ucmd->cmd;
	struct file *file;
	int err;

	err = luo_session_retrieve((const char *)arg->name, &file);
	if (err)
		return err;
	ucmd->undo = luo_retrieve_session_undo;
	return luo_ucmd_install_fd(ucmd, file, &arg->fd, O_RDWR);
}

static const struct luo_ioctl_op luo_dev_ops[] = {
	LUO_IOCTL_OP(LIVEUPDATE_IOCTL_CREATE_SESSION, luo_create_session,
		     struct liveupdate_ioctl_create_session, name, LUO_ANY, true),
	LUO_IOCTL_OP(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, luo_retrieve_session,
		     struct liveupdate_ioctl_retrieve_session, name, LUO_ANY, true),
};

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	long ret;

	down_read(&luo_reboot_rwsem);
	mutex_lock(&luo_sessions_lock);
	ret = luo_ioctl_dispatch(luo_dev_ops, ARRAY_SIZE(luo_dev_ops),
				 LIVEUPDATE_CMD_BASE, cmd, (void __user *)arg,
				 NULL, LUO_ANY);
	mutex_unlock(&luo_sessions_lock);
	up_read(&luo_reboot_rwsem);
	return ret;
}

/*
 * At LUO init: read the previous kernel's LUO blob and its FLBs, so that
 * drivers can get their incoming FLB data at boot, before userspace opens
 * /dev/liveupdate. Sessions are read at the first open, once the file
 * handlers (late_initcall) have registered. A blob that cannot be read
 * fails every open with -EIO.
 */
static int __init luo_load_header(void)
{
	const struct luo_ser_header *hdr;
	struct folio *folio;
	phys_addr_t phys;
	size_t size;
	int err;

	err = kho_retrieve_subtree(LUO_SUBTREE_NAME, &phys, &size);
	if (err == -ENOENT)
		return 0;	/* cold boot, or nothing handed over */
	if (err || size < sizeof(*hdr) || size > PAGE_SIZE || !PAGE_ALIGNED(phys)) {
		pr_warn("handover blob is malformed, incoming sessions lost\n");
		return -EIO;
	}
	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_warn("handover blob was not preserved, incoming sessions lost\n");
		return -EIO;
	}
	hdr = folio_address(folio);
	if (strncmp(hdr->compatible, LUO_COMPATIBLE, sizeof(hdr->compatible))) {
		pr_warn("handover is '%.8s', this kernel reads '%s': incoming sessions lost\n",
			hdr->compatible, LUO_COMPATIBLE);
		err = -EIO;
		goto out;
	}
	luo_liveupdate_num = le64_to_cpu(hdr->liveupdate_num);
	luo_in_sessions_pa = le64_to_cpu(hdr->sessions_pa);
	luo_in_present = true;
	err = luo_flb_deserialize(le64_to_cpu(hdr->flbs_pa));
	if (err) {
		pr_warn("incoming FLBs are malformed (%d), incoming sessions lost\n",
			err);
		err = -EIO;
	}
out:
	folio_put(folio);
	return err;
}

/* Read the previous kernel's sessions, once. */
static int luo_load_incoming(void)
{
	int err;

	lockdep_assert_held(&luo_sessions_lock);
	if (!luo_in_present)
		return 0;
	err = luo_sessions_deserialize(luo_in_sessions_pa);
	if (err) {
		pr_warn("incoming sessions are malformed (%d), releasing them\n", err);
		luo_sessions_discard_incoming();
		return -EIO;
	}
	pr_info("live update #%llu: incoming sessions ready\n", luo_liveupdate_num);
	return 0;
}

/*
 * At the first open of /dev/liveupdate (or listing): read the incoming
 * sessions. luo_reboot_rwsem is held for writing, so nothing else runs
 * meanwhile; it is the one time a handler callback (finish() of the files
 * of a malformed session) runs under luo_sessions_lock.
 */
int luo_ensure_incoming(void)
{
	int err;

	/* Every listing asks: once read, no lock (it would wait for ioctls). */
	if (smp_load_acquire(&luo_in_loaded))
		return luo_in_err;
	down_write(&luo_reboot_rwsem);
	mutex_lock(&luo_sessions_lock);
	if (!luo_in_loaded) {
		luo_in_err = luo_load_incoming();
		/* Pairs with the acquire above: luo_in_err is set first. */
		smp_store_release(&luo_in_loaded, true);
	}
	err = luo_in_err;
	mutex_unlock(&luo_sessions_lock);
	up_write(&luo_reboot_rwsem);
	return err;
}

static int luo_dev_open(struct inode *inode, struct file *file)
{
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (atomic_cmpxchg(&luo_dev_busy, 0, 1))
		return -EBUSY;
	err = luo_ensure_incoming();
	if (err) {
		atomic_set(&luo_dev_busy, 0);
		return err;
	}
	luo_timeline_mark(LUO_TL_DEV_OPEN);
	return 0;
}

static int luo_dev_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_dev_busy, 0);
	return 0;
}

static const struct file_operations luo_dev_fops = {
	.owner = THIS_MODULE,
	.open = luo_dev_open,
	.release = luo_dev_release,
	.unlocked_ioctl = luo_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_dev_fops,
	.mode = 0600,
};

/* Does any outgoing session hold a file? */
static bool luo_out_files(void)
{
	struct luo_session *s;

	lockdep_assert_held(&luo_reboot_rwsem);
	list_for_each_entry(s, &luo_out_sessions, list)
		if (s->nr_files)
			return true;
	return false;
}

/**
 * liveupdate_reboot - freeze and serialize every session for a kexec
 *
 * Called by kernel_kexec(), under the kexec lock, before the reboot. If a
 * file cannot freeze, the files already frozen are unfrozen, the reboot
 * fails with that error and the sessions stay usable. Does not allocate.
 *
 * Only an image loaded by kexec_file_load carries the KHO handover (the
 * plain kexec_load syscall takes raw segments and no boot data of ours),
 * so booting one would lose every preserved file without a word: while
 * files are preserved, such a reboot is refused with -EOPNOTSUPP and the
 * sessions stay as they are.
 *
 * Return: 0, -EOPNOTSUPP for a kexec_load image, or the freeze error.
 */
int liveupdate_reboot(void)
{
	u64 sessions_pa, t0, t1;
	int err;

	if (!luo_enable)
		return 0;

	down_write(&luo_reboot_rwsem);
	if (!kexec_image->file_mode && luo_out_files()) {
		pr_warn("kexec image loaded by kexec_load cannot carry preserved files: reboot refused, load it with kexec_file_load\n");
		err = -EOPNOTSUPP;
		goto out;
	}
	luo_timeline_out(LUO_TIMELINE_FREEZE);
	t0 = ktime_get_ns();
	err = luo_files_freeze();
	if (err)
		goto out;
	t1 = ktime_get_ns();
	luo_timeline_out(LUO_TIMELINE_FROZEN);
	/* BPF handlers' state, into space reserved at PRESERVE_FD. */
	err = luo_bpf_serialize();
	if (err) {
		luo_files_unfreeze();
		goto out;
	}
	luo_sessions_serialize(&sessions_pa);
	luo_header->sessions_pa = cpu_to_le64(sessions_pa);
	luo_header->flbs_pa = cpu_to_le64(luo_flb_serialize());
	luo_header->liveupdate_num = cpu_to_le64(luo_liveupdate_num + 1);
	luo_test_damage(luo_header, sessions_pa);
	luo_timeline_out(LUO_TIMELINE_SERIALIZED);
	luo_frozen = true;
	pr_notice("live update #%llu: files frozen in %llu us, sessions serialized in %llu us\n",
		  luo_liveupdate_num + 1, div_u64(t1 - t0, NSEC_PER_USEC),
		  div_u64(ktime_get_ns() - t1, NSEC_PER_USEC));
out:
	up_write(&luo_reboot_rwsem);
	if (!err)
		luo_test_frozen_hold();
	return err;
}

/**
 * liveupdate_kexec_shutdown - a frozen live update goes on to the jump
 *
 * Called by kexec_quiesce_tick() right before machine_shutdown(): the last
 * moment of the outgoing kernel's timeline (luo_timeline.c).
 */
void liveupdate_kexec_shutdown(void)
{
	if (luo_enable && luo_frozen)
		luo_timeline_out(LUO_TIMELINE_SHUTDOWN);
}

/*
 * Writing 1 to /sys/kernel/debug/liveupdate/freeze_dry_run asks every
 * preserved file's handler whether it would freeze, as a reboot would,
 * without rebooting: each veto is logged as a reboot's would be, and the
 * write fails with the first veto's errno. In debugfs, like KHO's own
 * controls, as a tool's convenience and no uAPI promise; a reboot decides.
 */
static int luo_freeze_dry_run_set(void *data, u64 val)
{
	unsigned int files, vetoes;
	int err;

	if (val != 1)
		return -EINVAL;
	down_write(&luo_reboot_rwsem);
	if (luo_frozen) {
		err = -EBUSY;
		goto out;
	}
	vetoes = luo_files_freeze_check(&files, &err);
	pr_notice("freeze dry run: %u of %u preserved files would veto the reboot\n",
		  vetoes, files);
out:
	up_write(&luo_reboot_rwsem);
	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_freeze_dry_run_fops, NULL, luo_freeze_dry_run_set,
			 "%llu\n");

static struct dentry *luo_debugfs;

/* For test handlers: /sys/kernel/debug/liveupdate. */
struct dentry *luo_debugfs_dir(void)
{
	return luo_debugfs;
}

static int __init luo_init(void)
{
	int err;

	if (!luo_enable)
		return 0;
	if (!kho_is_enabled()) {
		pr_warn("liveupdate=on needs KHO (kho=on): live update disabled\n");
		luo_enable = false;
		return 0;
	}

	err = luo_sessions_init();
	if (err)
		goto fail;
	err = luo_flb_init();
	if (err)
		goto fail;
	luo_header = kho_alloc_preserve(PAGE_SIZE);
	if (IS_ERR(luo_header)) {
		err = PTR_ERR(luo_header);
		goto fail_flb;
	}
	strscpy_pad(luo_header->compatible, LUO_COMPATIBLE,
		    sizeof(luo_header->compatible));
	err = kho_add_subtree(LUO_SUBTREE_NAME, luo_header, sizeof(*luo_header));
	if (err)
		goto fail_header;
	/* Before the device appears: an open then sees the outcome. */
	luo_in_err = luo_load_header();
	luo_in_loaded = !!luo_in_err;
	err = misc_register(&luo_miscdev);
	if (err)
		goto fail_subtree;
	if (IS_ENABLED(CONFIG_DEBUG_FS)) {
		luo_debugfs = debugfs_create_dir("liveupdate", NULL);
		debugfs_create_file_unsafe("freeze_dry_run", 0200, luo_debugfs,
					   NULL, &luo_freeze_dry_run_fops);
	}
	if (luo_timeline_init(luo_debugfs))
		pr_info("no room for the timeline in the KHO FDT: updates go on without one\n");
	pr_info("enabled%s\n", is_kho_boot() ? " (live update boot)" : "");
	return 0;

fail_subtree:
	kho_remove_subtree(luo_header);
fail_header:
	kho_unpreserve_free(luo_header);
fail_flb:
	luo_flb_destroy();
fail:
	pr_err("cannot set up (%d): live update disabled\n", err);
	luo_enable = false;
	return err;
}
device_initcall(luo_init);
