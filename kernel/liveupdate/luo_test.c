// SPDX-License-Identifier: GPL-2.0
/*
 * luo_test.c - a file handler and an FLB for testing LUO itself.
 *
 * /sys/kernel/debug/liveupdate/test_file: each open is a new test file,
 * which the "luo-test-v1" handler preserves. Writes to it:
 *   "data=<u64>"    value carried across the kexec (read back as
 *                   "data=<u64>\n" from the retrieved file)
 *   "fail-freeze"   its freeze fails with -EAGAIN (reboot aborted)
 *   "busy-finish"   can_finish says no in the new kernel ...
 *   "allow-finish"  ... until this is written to the retrieved file
 *   "partner=<u64>" its retrieve first retrieves the file of that token in
 *                   its session (liveupdate_get_file_incoming()), as a
 *                   guest_memfd does its VM: chains of partners for tests
 *   "preserve-sleep=<ms>" its preserve sleeps that long, as a slow handler
 *                   would (only its own session must wait)
 * /sys/kernel/debug/liveupdate/test_flb: the state of the handler's FLB.
 * /sys/kernel/debug/liveupdate/test_stats: "finish=<n> freed=<n>", how
 * many times the handler's finish ran, and how many of those released a
 * never-retrieved file's preserved page (so tests can see leaks).
 * /sys/kernel/debug/liveupdate/test_damage: "compatible", "loop",
 * "session", or random damage "flip-<part>:<seed>" / "trunc-<part>:<seed>"
 * damages the handover the next reboot writes (see luo_test_set_damage()).
 * "liveupdate_test.unknown" on the command line leaves the handler
 * unregistered, so its files have an unknown format in that kernel;
 * "liveupdate_test.flb_fail" makes the FLB's retrieve fail in that kernel;
 * "liveupdate_test.frozen_hold_ms=N" sleeps N ms after LUO froze for a
 * kexec, LUO's locks dropped, so that a test can act while LUO is frozen;
 * "liveupdate_test.flb_at_boot" has the late_initcall that registers the
 * handler get the incoming FLB, as a driver needing it at boot would, and
 * /sys/kernel/debug/liveupdate/test_flb_boot says how that went:
 * "get=<0 or -errno> magic=<0|1>".
 */
#define pr_fmt(fmt) "liveupdate test: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

/* Parameters are liveupdate_test.*, whatever this file is called. */
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "liveupdate_test."

#define LUO_TEST_BUSY	BIT(0)
#define LUO_TEST_FLB_MAGIC 0x666c622d74657374ULL	/* "flb-test" */

/* What is handed over, in one preserved page. */
struct luo_test_ser {
	__le64 data;
	__le32 flags;
	__le64 partner;		/* token, 0 for none */
} __packed;

struct luo_test_state {
	u64 data;
	u64 partner;
	unsigned int preserve_sleep_ms;
	bool fail_freeze;
	bool busy_finish;
	bool allow_finish;
};

static bool luo_test_unknown;
module_param_named(unknown, luo_test_unknown, bool, 0444);
MODULE_PARM_DESC(unknown, "leave the test handler unregistered");

static bool luo_test_flb_fail;
module_param_named(flb_fail, luo_test_flb_fail, bool, 0444);
MODULE_PARM_DESC(flb_fail, "the incoming FLB fails to retrieve");

static bool luo_test_flb_at_boot;
module_param_named(flb_at_boot, luo_test_flb_at_boot, bool, 0444);
MODULE_PARM_DESC(flb_at_boot, "get the incoming FLB at boot (late_initcall)");

static unsigned int luo_test_frozen_hold_ms;
module_param_named(frozen_hold_ms, luo_test_frozen_hold_ms, uint, 0444);
MODULE_PARM_DESC(frozen_hold_ms, "sleep this long after LUO froze for a kexec");

/*
 * After liveupdate_reboot() froze and serialized everything and dropped
 * luo_reboot_rwsem, before the kexec goes on: a window in which userspace on the
 * other CPU still runs, held open so that tests can act in it.
 */
void luo_test_frozen_hold(void)
{
	if (luo_test_frozen_hold_ms)
		msleep(luo_test_frozen_hold_ms);
}

/* What liveupdate_flb_get_incoming() gave at boot, if asked. */
static int luo_test_flb_boot_err = -ENODATA;
static bool luo_test_flb_boot_magic;

/* finish() of files of several sessions may run at once. */
static atomic_t luo_test_finish_calls, luo_test_freed;

static const struct file_operations luo_test_fops;

static int luo_test_open(struct inode *inode, struct file *file)
{
	struct luo_test_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	file->private_data = st;
	return 0;
}

static int luo_test_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t luo_test_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct luo_test_state *st = file->private_data;
	char buf[32];
	int len = scnprintf(buf, sizeof(buf), "data=%llu\n", st->data);

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t luo_test_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct luo_test_state *st = file->private_data;
	char buf[32];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);

	if (str_has_prefix(buf, "data="))
		return kstrtou64(buf + 5, 0, &st->data) ?: count;
	if (str_has_prefix(buf, "partner="))
		return kstrtou64(buf + 8, 0, &st->partner) ?: count;
	if (str_has_prefix(buf, "preserve-sleep="))
		return kstrtouint(buf + 15, 0, &st->preserve_sleep_ms) ?: count;
	if (!strcmp(buf, "fail-freeze"))
		st->fail_freeze = true;
	else if (!strcmp(buf, "busy-finish"))
		st->busy_finish = true;
	else if (!strcmp(buf, "allow-finish"))
		st->allow_finish = true;
	else
		return -EINVAL;
	return count;
}

static const struct file_operations luo_test_fops = {
	.owner = THIS_MODULE,
	.open = luo_test_open,
	.release = luo_test_release,
	.read = luo_test_read,
	.write = luo_test_write,
};

static bool luo_test_can_preserve(struct liveupdate_file_op_args *args)
{
	return args->file->f_op == &luo_test_fops;
}

/* Each test file is its own object (they share one debugfs inode). */
static unsigned long luo_test_get_id(struct file *file)
{
	return (unsigned long)file->private_data;
}

static int luo_test_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_state *st = args->file->private_data;
	struct luo_test_ser *ser;

	if (st->preserve_sleep_ms)
		msleep(st->preserve_sleep_ms);
	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser))
		return PTR_ERR(ser);
	args->serialized_data = virt_to_phys(ser);
	return 0;
}

static void luo_test_unpreserve(struct liveupdate_file_op_args *args)
{
	kho_unpreserve_free(phys_to_virt(args->serialized_data));
}

static int luo_test_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_state *st = args->file->private_data;
	struct luo_test_ser *ser = phys_to_virt(args->serialized_data);

	if (st->fail_freeze)
		return -EAGAIN;
	ser->data = cpu_to_le64(st->data);
	ser->flags = cpu_to_le32(st->busy_finish ? LUO_TEST_BUSY : 0);
	ser->partner = cpu_to_le64(st->partner);
	return 0;
}

static int luo_test_retrieve(struct liveupdate_file_op_args *args)
{
	struct folio *folio = kho_restore_folio(args->serialized_data);
	struct luo_test_state *st;
	struct luo_test_ser *ser;
	struct file *file;
	u64 partner;
	int err;

	if (!folio)
		return -EINVAL;
	ser = folio_address(folio);
	partner = le64_to_cpu(ser->partner);
	if (partner) {
		err = liveupdate_get_file_incoming(args, partner, &file);
		if (err) {
			folio_put(folio);
			return err;
		}
		fput(file);
	}
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		folio_put(folio);
		return -ENOMEM;
	}
	st->data = le64_to_cpu(ser->data);
	st->busy_finish = le32_to_cpu(ser->flags) & LUO_TEST_BUSY;
	folio_put(folio);

	file = anon_inode_getfile("[luo_test]", &luo_test_fops, st, O_RDWR);
	if (IS_ERR(file)) {
		kfree(st);
		return PTR_ERR(file);
	}
	args->file = file;
	return 0;
}

static bool luo_test_can_finish(struct liveupdate_file_op_args *args)
{
	struct luo_test_state *st;
	struct luo_test_ser *ser;

	if (args->retrieved) {
		st = args->file->private_data;
		return !st->busy_finish || st->allow_finish;
	}
	/* Not retrieved: the preserved page is still reserved and readable. */
	ser = phys_to_virt(args->serialized_data);
	return !(le32_to_cpu(ser->flags) & LUO_TEST_BUSY);
}

static void luo_test_finish(struct liveupdate_file_op_args *args)
{
	atomic_inc(&luo_test_finish_calls);
	/* A retrieved file consumed its page at retrieve time. */
	if (!args->retrieved) {
		kho_restore_free(phys_to_virt(args->serialized_data));
		atomic_inc(&luo_test_freed);
	}
}

static const struct liveupdate_file_ops luo_test_file_ops = {
	.can_preserve = luo_test_can_preserve,
	.preserve = luo_test_preserve,
	.unpreserve = luo_test_unpreserve,
	.freeze = luo_test_freeze,
	.retrieve = luo_test_retrieve,
	.can_finish = luo_test_can_finish,
	.finish = luo_test_finish,
	.get_id = luo_test_get_id,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler luo_test_handler = {
	.ops = &luo_test_file_ops,
	.compatible = "luo-test-v1",
};

/* ---- The FLB: one preserved page with a magic number ------------------ */

static int luo_test_flb_preserve(struct liveupdate_flb_op_args *args)
{
	u64 *page = kho_alloc_preserve(PAGE_SIZE);

	if (IS_ERR(page))
		return PTR_ERR(page);
	*page = LUO_TEST_FLB_MAGIC;
	args->data = virt_to_phys(page);
	args->obj = page;
	return 0;
}

static void luo_test_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	kho_unpreserve_free(args->obj);
}

static int luo_test_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct folio *folio = kho_restore_folio(args->data);

	if (!folio)
		return -EINVAL;
	/* A failed FLB retrieve gets no finish: release the page here. */
	if (luo_test_flb_fail) {
		pr_info("FLB retrieve fails, as asked\n");
		folio_put(folio);
		return -EIO;
	}
	if (*(u64 *)folio_address(folio) != LUO_TEST_FLB_MAGIC) {
		folio_put(folio);
		return -EINVAL;
	}
	args->obj = folio;
	return 0;
}

static void luo_test_flb_finish(struct liveupdate_flb_op_args *args)
{
	folio_put(args->obj);
}

static const struct liveupdate_flb_ops luo_test_flb_ops = {
	.preserve = luo_test_flb_preserve,
	.unpreserve = luo_test_flb_unpreserve,
	.retrieve = luo_test_flb_retrieve,
	.finish = luo_test_flb_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_flb luo_test_flb = {
	.ops = &luo_test_flb_ops,
	.compatible = "luo-test-flb-v1",
};

static int luo_test_flb_show(struct seq_file *m, void *v)
{
	struct luo_flb_state st;
	void *obj;

	luo_flb_incoming_state(&luo_test_flb, &st);
	seq_printf(m, "out_preserved=%d out_files=%lu in_present=%d in_retrieved=%d in_finished=%d in_files=%llu\n",
		   !liveupdate_flb_get_outgoing(&luo_test_flb, &obj),
		   luo_test_flb.private.out_count, st.in_present,
		   st.in_retrieved, st.in_finished, st.in_files);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_test_flb);

static int luo_test_flb_boot_show(struct seq_file *m, void *v)
{
	seq_printf(m, "get=%d magic=%d\n", luo_test_flb_boot_err,
		   luo_test_flb_boot_magic);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_test_flb_boot);

/* As a driver that needs its incoming FLB at boot would. */
static void __init luo_test_flb_get_at_boot(void)
{
	void *obj;

	luo_test_flb_boot_err = liveupdate_flb_get_incoming(&luo_test_flb, &obj);
	if (!luo_test_flb_boot_err)
		luo_test_flb_boot_magic = *(u64 *)folio_address(obj) ==
					  LUO_TEST_FLB_MAGIC;
}

static int luo_test_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "finish=%d freed=%d\n", atomic_read(&luo_test_finish_calls),
		   atomic_read(&luo_test_freed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_test_stats);

static ssize_t luo_test_damage_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	char buf[40];
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	err = luo_test_set_damage(strim(buf));
	return err ?: count;
}

static const struct file_operations luo_test_damage_fops = {
	.owner = THIS_MODULE,
	.write = luo_test_damage_write,
};

static int __init luo_test_init(void)
{
	int err;

	if (!liveupdate_enabled() || !luo_debugfs_dir())
		return 0;
	if (luo_test_unknown) {
		pr_info("test handler left unregistered\n");
		return 0;
	}
	err = liveupdate_register_file_handler(&luo_test_handler);
	if (err)
		return err;
	err = liveupdate_register_flb(&luo_test_handler, &luo_test_flb);
	if (err) {
		liveupdate_unregister_file_handler(&luo_test_handler);
		return err;
	}
	debugfs_create_file_unsafe("test_file", 0600, luo_debugfs_dir(), NULL,
				   &luo_test_fops);
	debugfs_create_file("test_flb", 0400, luo_debugfs_dir(), NULL,
			    &luo_test_flb_fops);
	debugfs_create_file("test_flb_boot", 0400, luo_debugfs_dir(), NULL,
			    &luo_test_flb_boot_fops);
	if (luo_test_flb_at_boot)
		luo_test_flb_get_at_boot();
	debugfs_create_file("test_stats", 0400, luo_debugfs_dir(), NULL,
			    &luo_test_stats_fops);
	debugfs_create_file("test_damage", 0200, luo_debugfs_dir(), NULL,
			    &luo_test_damage_fops);
	return 0;
}
late_initcall(luo_test_init);
