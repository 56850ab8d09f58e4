// SPDX-License-Identifier: GPL-2.0
/*
 * luo_session.c - named sessions: the unit an agent preserves files in.
 *
 * An outgoing session lives as long as its anon-inode fd: closing it
 * unpreserves everything in it. At reboot every outgoing session and its
 * files are written to block sets reserved while they were created, so
 * the reboot path does not allocate. In the new kernel, sessions read from
 * the handover are incoming: retrieved once by name, their files
 * retrieved by token, then finished (explicitly or by closing the fd).
 *
 * The lists and name tables are under luo_sessions_lock, held only while
 * they change or are looked up; a session's files and their handlers'
 * callbacks under the session's own mutex, so a slow handler in one
 * session stalls no other. Every ioctl and close also holds
 * luo_reboot_rwsem for reading: the reboot, which takes it for writing,
 * sees every session stand still (lock order in luo_internal.h).
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/liveupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "luo_internal.h"
#include "luo_ioctl.h"

/* Lock order and what each lock guards: luo_internal.h. */
DECLARE_RWSEM(luo_reboot_rwsem);
/* The session lists, name tables and session blocks. */
DEFINE_MUTEX(luo_sessions_lock);
LIST_HEAD(luo_out_sessions);
LIST_HEAD(luo_in_sessions);
static unsigned long luo_nr_out_sessions;
static struct luo_blocks luo_session_blocks;

/* Sessions by name (NUL padded, so the whole array is the key). */
static const struct rhashtable_params luo_session_params = {
	.key_len = LIVEUPDATE_SESSION_NAME_LENGTH,
	.key_offset = offsetof(struct luo_session, name),
	.head_offset = offsetof(struct luo_session, hnode),
	.automatic_shrinking = true,
};

static struct rhashtable luo_out_ht, luo_in_ht;

static struct luo_session *luo_session_find(struct rhashtable *ht,
					    const char *name)
{
	char key[LIVEUPDATE_SESSION_NAME_LENGTH] = { };

	lockdep_assert_held(&luo_sessions_lock);
	strscpy(key, name, sizeof(key));
	return rhashtable_lookup_fast(ht, key, luo_session_params);
}

static int luo_session_link(struct luo_session *s)
{
	int err;

	lockdep_assert_held(&luo_sessions_lock);
	err = rhashtable_lookup_insert_fast(s->incoming ? &luo_in_ht : &luo_out_ht,
					    &s->hnode, luo_session_params);
	if (!err)
		list_add_tail(&s->list, s->incoming ? &luo_in_sessions :
						      &luo_out_sessions);
	return err;
}

static void luo_session_unlink(struct luo_session *s)
{
	lockdep_assert_held(&luo_sessions_lock);
	rhashtable_remove_fast(s->incoming ? &luo_in_ht : &luo_out_ht,
			       &s->hnode, luo_session_params);
	list_del(&s->list);
}

static struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	if (luo_file_table_init(s)) {
		kfree(s);
		return NULL;
	}
	mutex_init(&s->mutex);
	strscpy_pad(s->name, name, sizeof(s->name));
	s->incoming = incoming;
	INIT_LIST_HEAD(&s->files);
	luo_blocks_init(&s->file_blocks, sizeof(struct luo_ser_file));
	return s;
}

static void luo_session_free(struct luo_session *s)
{
	luo_blocks_destroy(&s->file_blocks);
	rhashtable_destroy(&s->files_ht);
	mutex_destroy(&s->mutex);
	kfree(s);
}

/* ---- Session fd ioctls ------------------------------------------------- */

static int luo_session_preserve_fd(struct luo_ucmd *ucmd)
{
	struct liveupdate_session_preserve_fd *arg = ucmd->cmd;

	if (luo_frozen)
		return -EBUSY;
	return luo_file_preserve(ucmd->session, arg->token, arg->fd);
}

static int luo_session_retrieve_fd(struct luo_ucmd *ucmd)
{
	struct liveupdate_session_retrieve_fd *arg = ucmd->cmd;
	struct file *file;
	int err;

	err = luo_file_retrieve(ucmd->session, arg->token, &file);
	if (err)
		return err;
	err = luo_ucmd_install_fd(ucmd, file, &arg->fd, O_RDWR);
	if (!err) {
		luo_timeline_mark(LUO_TL_FIRST_RETRIEVE);
		luo_timeline_mark(LUO_TL_LAST_RETRIEVE);
	}
	return err;
}

static int luo_session_finish(struct luo_ucmd *ucmd)
{
	struct liveupdate_session_finish *arg = ucmd->cmd;
	int err;

	if (arg->reserved)
		return -EINVAL;
	err = luo_file_finish_all(ucmd->session, false);
	if (!err)
		luo_timeline_mark(LUO_TL_FINISH);
	return err;
}

static int luo_session_get_name(struct luo_ucmd *ucmd)
{
	struct liveupdate_session_get_name *arg = ucmd->cmd;

	if (arg->reserved)
		return -EINVAL;
	strscpy_pad(arg->name, ucmd->session->name, sizeof(arg->name));
	return 0;
}

static const struct luo_ioctl_op luo_session_ops[] = {
	LUO_IOCTL_OP(LIVEUPDATE_SESSION_PRESERVE_FD, luo_session_preserve_fd,
		     struct liveupdate_session_preserve_fd, token, LUO_OUTGOING,
		     false),
	LUO_IOCTL_OP(LIVEUPDATE_SESSION_RETRIEVE_FD, luo_session_retrieve_fd,
		     struct liveupdate_session_retrieve_fd, token, LUO_INCOMING,
		     true),
	LUO_IOCTL_OP(LIVEUPDATE_SESSION_FINISH, luo_session_finish,
		     struct liveupdate_session_finish, reserved, LUO_INCOMING,
		     false),
	LUO_IOCTL_OP(LIVEUPDATE_SESSION_GET_NAME, luo_session_get_name,
		     struct liveupdate_session_get_name, name, LUO_ANY, true),
};

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct luo_session *s = file->private_data;
	long ret;

	down_read(&luo_reboot_rwsem);
	mutex_lock(&s->mutex);
	ret = luo_ioctl_dispatch(luo_session_ops, ARRAY_SIZE(luo_session_ops),
				 LIVEUPDATE_CMD_SESSION_BASE, cmd,
				 (void __user *)arg, s,
				 s->incoming ? LUO_INCOMING : LUO_OUTGOING);
	mutex_unlock(&s->mutex);
	up_read(&luo_reboot_rwsem);
	return ret;
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	/* A RETRIEVE_SESSION whose reply failed detached the session. */
	if (!s)
		return 0;
	down_read(&luo_reboot_rwsem);
	/* After a successful freeze the sessions belong to the reboot. */
	if (!s->incoming && luo_frozen) {
		up_read(&luo_reboot_rwsem);
		return 0;
	}
	mutex_lock(&s->mutex);
	if (s->incoming)
		luo_file_finish_all(s, true);
	else
		luo_file_unpreserve_all(s);
	mutex_unlock(&s->mutex);

	mutex_lock(&luo_sessions_lock);
	if (!s->incoming) {
		luo_nr_out_sessions--;
		luo_blocks_reserve(&luo_session_blocks, luo_nr_out_sessions);
	}
	luo_session_unlink(s);
	mutex_unlock(&luo_sessions_lock);
	up_read(&luo_reboot_rwsem);
	luo_session_free(s);
	return 0;
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * The anon-inode name, truncated so that /proc/<pid>/fd shows it: d_path()
 * of an anon inode ("anon_inode:" + name) fails beyond 64 bytes.
 * GET_NAME returns the full name.
 */
static struct file *luo_session_file(struct luo_session *s)
{
	char name[64 - sizeof("anon_inode:") + 1];

	snprintf(name, sizeof(name), "[luo_session] %s", s->name);
	return anon_inode_getfile(name, &luo_session_fops, s, O_RDWR);
}

/**
 * luo_session_create - CREATE_SESSION
 * @name:  1..63 characters, NUL-terminated
 * @filep: out: the session file
 *
 * Caller holds luo_sessions_lock.
 *
 * Return: 0, -EINVAL for a bad name, -EEXIST, -EBUSY after the reboot
 * froze the sessions, -ENOSPC, -ENOMEM.
 */
int luo_session_create(const char *name, struct file **filep)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);
	struct luo_session *s;
	struct file *file;
	int err;

	lockdep_assert_held(&luo_sessions_lock);
	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	if (luo_frozen)
		return -EBUSY;
	if (luo_session_find(&luo_out_ht, name))
		return -EEXIST;

	err = luo_blocks_reserve(&luo_session_blocks, luo_nr_out_sessions + 1);
	if (err)
		return err;
	s = luo_session_alloc(name, false);
	if (!s) {
		err = -ENOMEM;
		goto err_blocks;
	}
	/* The name was checked under luo_sessions_lock: only memory is short. */
	if (luo_session_link(s)) {
		err = -ENOMEM;
		goto err_free;
	}
	luo_nr_out_sessions++;
	file = luo_session_file(s);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto err_unlink;
	}
	*filep = file;
	return 0;

err_unlink:
	luo_session_unlink(s);
	luo_nr_out_sessions--;
err_free:
	luo_session_free(s);
err_blocks:
	luo_blocks_reserve(&luo_session_blocks, luo_nr_out_sessions);
	return err;
}

/**
 * luo_session_retrieve - RETRIEVE_SESSION
 * @name:  name of an incoming session
 * @filep: out: the session file
 *
 * Caller holds luo_sessions_lock.
 *
 * Return: 0, -ENOENT if there is no such incoming session, -EINVAL if it
 * was retrieved already (or the name is malformed), -ENOMEM.
 */
int luo_session_retrieve(const char *name, struct file **filep)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);
	struct luo_session *s;
	struct file *file;

	lockdep_assert_held(&luo_sessions_lock);
	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	s = luo_session_find(&luo_in_ht, name);
	if (!s)
		return -ENOENT;
	if (s->retrieved)
		return -EINVAL;
	file = luo_session_file(s);
	if (IS_ERR(file))
		return PTR_ERR(file);
	s->retrieved = true;
	*filep = file;
	return 0;
}

/* ---- Handover ----------------------------------------------------------- */

/* Reboot, after every file froze: fill the reserved blocks. */
int luo_sessions_serialize(u64 *sessions_pa)
{
	struct luo_session *s;
	unsigned long i = 0;

	lockdep_assert_held_write(&luo_reboot_rwsem);
	list_for_each_entry(s, &luo_out_sessions, list) {
		struct luo_ser_session *ser = luo_blocks_entry(&luo_session_blocks, i++);
		struct luo_file *f;
		unsigned long j = 0;

		list_for_each_entry(f, &s->files, list)
			luo_file_serialize(f, luo_blocks_entry(&s->file_blocks, j++));
		memset(ser, 0, sizeof(*ser));
		strscpy(ser->name, s->name, sizeof(ser->name));
		ser->files_pa = cpu_to_le64(luo_blocks_seal(&s->file_blocks, j));
		ser->file_count = cpu_to_le64(j);
	}
	*sessions_pa = luo_blocks_seal(&luo_session_blocks, i);
	return 0;
}

struct luo_load_ctx {
	struct luo_session *s;
	u64 expected;
	const char *why;	/* set when the file list is malformed */
};

static int luo_load_file(const void *entry, void *arg)
{
	const struct luo_ser_file *ser = entry;
	struct luo_load_ctx *ctx = arg;
	struct luo_file *f;

	if (!ctx->expected--) {
		ctx->why = "more files than it says";
		return -EINVAL;
	}
	/*
	 * No writer leaves the format empty (a zeroed, truncated entry):
	 * what its u64 names cannot be known, so it is left alone.
	 */
	if (!ser->compatible[0]) {
		pr_warn("session '%s': file entry without a format (token %llu) dropped, its memory stays reserved\n",
			ctx->s->name, le64_to_cpu(ser->token));
		return 0;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	memcpy(f->compatible, ser->compatible, sizeof(f->compatible));
	f->compatible[sizeof(f->compatible) - 1] = '\0';
	f->data = le64_to_cpu(ser->data);
	f->token = le64_to_cpu(ser->token);
	f->session = ctx->s;
	/*
	 * Which of two entries with one token is the right one is not
	 * known, and both may name the same memory: finishing either could
	 * free pages the other still uses. Keep the first, drop this one
	 * and leave what it names reserved.
	 */
	if (luo_file_link(ctx->s, f)) {
		pr_warn("session '%s': token %llu repeated, entry dropped, its memory stays reserved\n",
			ctx->s->name, f->token);
		kfree(f);
	}
	return 0;
}

/*
 * Read one incoming session. A malformed session is dropped without
 * costing the others: the files that could be read are finished, which
 * releases their memory, and one line says so. Only running out of memory
 * is an error.
 */
static int luo_load_session(const void *entry, void *arg)
{
	const struct luo_ser_session *ser = entry;
	struct luo_load_ctx ctx = { };
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct luo_session *s;
	int err;

	memcpy(name, ser->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	/* Its files cannot be told from those of another such entry. */
	if (!name[0] || luo_session_find(&luo_in_ht, name)) {
		pr_warn("incoming session '%s' %s: dropped, its memory stays reserved\n",
			name, name[0] ? "repeated" : "without a name");
		return 0;
	}
	s = luo_session_alloc(name, true);
	if (!s)
		return -ENOMEM;

	ctx.s = s;
	ctx.expected = le64_to_cpu(ser->file_count);
	/* Not linked yet, so no one else sees it; the mutex is for lockdep. */
	mutex_lock(&s->mutex);
	err = luo_blocks_read(le64_to_cpu(ser->files_pa),
			      sizeof(struct luo_ser_file), luo_load_file, &ctx);
	if (!err && ctx.expected) {
		ctx.why = "fewer files than it says";
		err = -EINVAL;
	}
	if (!err) {
		/* The name was looked up under luo_sessions_lock: only memory. */
		err = luo_session_link(s);
		if (!err) {
			mutex_unlock(&s->mutex);
			return 0;
		}
	}

	pr_warn("incoming session '%s' dropped (%s), finishing the %lu files read\n",
		name, ctx.why ?: err == -ENOMEM ? "out of memory" :
		"malformed file list", s->nr_files);
	luo_file_finish_all(s, true);
	mutex_unlock(&s->mutex);
	luo_session_free(s);
	return err == -ENOMEM ? err : 0;
}

/* New kernel: read the incoming sessions. */
int luo_sessions_deserialize(u64 sessions_pa)
{
	lockdep_assert_held(&luo_sessions_lock);
	return luo_blocks_read(sessions_pa, sizeof(struct luo_ser_session),
			       luo_load_session, NULL);
}

/* Malformed handover: finish whatever was read (frees its memory), drop all. */
void luo_sessions_discard_incoming(void)
{
	struct luo_session *s, *tmp;

	lockdep_assert_held(&luo_sessions_lock);
	list_for_each_entry_safe(s, tmp, &luo_in_sessions, list) {
		mutex_lock(&s->mutex);
		luo_file_finish_all(s, true);
		mutex_unlock(&s->mutex);
		luo_session_unlink(s);
		luo_session_free(s);
	}
}

int luo_sessions_init(void)
{
	int err;

	luo_blocks_init(&luo_session_blocks, sizeof(struct luo_ser_session));
	err = rhashtable_init(&luo_out_ht, &luo_session_params);
	if (err)
		return err;
	err = rhashtable_init(&luo_in_ht, &luo_session_params);
	if (err)
		rhashtable_destroy(&luo_out_ht);
	return err;
}
