// SPDX-License-Identifier: GPL-2.0
/*
 * luo_file.c - file handlers and the files preserved in sessions.
 *
 * The registry is a list of handlers: BPF struct_ops handlers first, newest
 * first, then native ones in registration order; the first one whose
 * can_preserve() accepts a file owns it. A native handler bound to a file
 * (outgoing, or incoming and not finished) holds a module reference and
 * cannot be unregistered; a BPF handler is retired instead (it leaves the
 * registry, and its release() runs when its last bound file is done).
 * Incoming files bind to a handler by compatible string at first use, so a
 * handler registered late (a module, a BPF struct_ops handler) can still
 * retrieve or finish them.
 *
 * Every preserved object is also indexed by identity in luo_preserved, so
 * that one object cannot be preserved twice, in any session (EBUSY).
 *
 * A handler may tie its file to another file of the same session
 * (liveupdate_get_token_outgoing() at preserve or freeze, then
 * liveupdate_get_file_incoming() at retrieve). Retrieving the partner from
 * inside a retrieve() is a nested luo_file_retrieve() under the same
 * session mutex; a file already in its own retrieve() is refused (-ELOOP), so a
 * cycle of partners cannot recurse forever, and so is a chain of partners
 * deeper than LUO_PARTNER_DEPTH (a handover crafted as a long chain of
 * guest_memfds would otherwise run the kernel stack out).
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/liveupdate.h>
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

/* Partners nest: a guest_memfd retrieves its VM; nothing needs more. */
#define LUO_PARTNER_DEPTH	4

DECLARE_RWSEM(luo_handlers_lock);
static LIST_HEAD(luo_handlers);
static DEFINE_XARRAY(luo_preserved);	/* id -> struct luo_file */

static bool luo_compat_valid(const char *compatible)
{
	size_t len = strnlen(compatible, LIVEUPDATE_HNDL_COMPAT_LENGTH);

	return len && len < LIVEUPDATE_HNDL_COMPAT_LENGTH;
}

/**
 * luo_handler_register - add a handler to the registry
 * @fh:    the handler
 * @first: ask it before the handlers registered so far (BPF handlers)
 *
 * Return: 0, -EINVAL or -EEXIST.
 */
int luo_handler_register(struct liveupdate_file_handler *fh, bool first)
{
	const struct liveupdate_file_ops *ops = fh->ops;
	int err = 0;

	if (!ops || !ops->can_preserve || !ops->preserve || !ops->unpreserve ||
	    !ops->retrieve || !ops->finish || !luo_compat_valid(fh->compatible))
		return -EINVAL;

	INIT_LIST_HEAD(&fh->flbs);
	fh->users = 0;
	fh->retired = false;
	down_write(&luo_handlers_lock);
	if (luo_handler_find(fh->compatible))
		err = -EEXIST;
	else if (first)
		list_add(&fh->list, &luo_handlers);
	else
		list_add_tail(&fh->list, &luo_handlers);
	up_write(&luo_handlers_lock);
	if (!err)
		pr_info("file handler '%s' registered\n", fh->compatible);
	return err;
}

/**
 * luo_handler_retire - take a handler out of the registry, whatever uses it
 * @fh: a registered handler with a release() callback
 *
 * Files bound to @fh keep using it; release() runs when the last of them
 * is done (now, if none is bound). A handler of the same compatible may
 * register meanwhile: files bind to it from then on.
 */
void luo_handler_retire(struct liveupdate_file_handler *fh)
{
	bool idle;

	down_write(&luo_handlers_lock);
	list_del_init(&fh->list);
	fh->retired = true;
	idle = !fh->users;
	up_write(&luo_handlers_lock);
	pr_info("file handler '%s' %s\n", fh->compatible,
		idle ? "unregistered" : "retired, in use by preserved files");
	if (idle)
		fh->ops->release(fh);
}

/**
 * liveupdate_register_file_handler - make a file handler available
 * @fh: the handler; @fh->ops and @fh->compatible must be set
 *
 * Compatible strings starting with "bpf:" belong to BPF struct_ops
 * handlers and are refused here.
 *
 * Return: 0, -EOPNOTSUPP when live update is off, -EINVAL for missing
 * callbacks or an empty/overlong/"bpf:" compatible, -EEXIST if the
 * compatible is registered already.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (str_has_prefix(fh->compatible, LIVEUPDATE_BPF_COMPAT_PREFIX))
		return -EINVAL;
	return luo_handler_register(fh, false);
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler - remove a file handler
 * @fh: a registered handler
 *
 * Return: 0, or -EBUSY while a file or FLB still depends on it.
 */
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	int err = 0;

	down_write(&luo_handlers_lock);
	if (fh->users || !list_empty(&fh->flbs))
		err = -EBUSY;
	else
		list_del_init(&fh->list);
	up_write(&luo_handlers_lock);
	if (!err)
		pr_info("file handler '%s' unregistered\n", fh->compatible);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

/* The registered handler of @compatible, or NULL. */
struct liveupdate_file_handler *luo_handler_find(const char *compatible)
{
	struct liveupdate_file_handler *fh;

	lockdep_assert_held(&luo_handlers_lock);
	list_for_each_entry(fh, &luo_handlers, list)
		if (!strncmp(fh->compatible, compatible, sizeof(fh->compatible)))
			return fh;
	return NULL;
}

/* Bind a file to @fh: pins the handler (and its module). */
int luo_handler_get(struct liveupdate_file_handler *fh)
{
	lockdep_assert_held_write(&luo_handlers_lock);
	if (!try_module_get(fh->ops->owner))
		return -ENODEV;
	fh->users++;
	return 0;
}

/* Unbind a file; the last file of a retired handler releases it. */
void luo_handler_put(struct liveupdate_file_handler *fh)
{
	struct module *owner = fh->ops->owner;
	bool last;

	down_write(&luo_handlers_lock);
	last = !--fh->users && fh->retired;
	up_write(&luo_handlers_lock);
	if (last)
		fh->ops->release(fh);
	module_put(owner);
}

/* First handler that takes @file, bound to it; NULL if none. */
static struct liveupdate_file_handler *
luo_handler_for(struct luo_session *s, u64 token, struct file *file)
{
	struct liveupdate_file_op_args args = {
		.session = s->name,
		.token = token,
		.file = file,
	};
	struct liveupdate_file_handler *fh, *found = NULL;

	down_write(&luo_handlers_lock);
	list_for_each_entry(fh, &luo_handlers, list) {
		args.handler = fh;
		if (fh->ops->can_preserve(&args)) {
			if (!luo_handler_get(fh))
				found = fh;
			break;
		}
	}
	up_write(&luo_handlers_lock);
	return found;
}

/* A session's files by token: lookups stay O(1) with 100 000 files. */
static const struct rhashtable_params luo_file_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct luo_file, token),
	.head_offset = offsetof(struct luo_file, hnode),
	.automatic_shrinking = true,
};

int luo_file_table_init(struct luo_session *s)
{
	return rhashtable_init(&s->files_ht, &luo_file_params);
}

/* Add @f to @s; -EEXIST if its token is taken. */
int luo_file_link(struct luo_session *s, struct luo_file *f)
{
	int err;

	lockdep_assert_held(&s->mutex);
	err = rhashtable_lookup_insert_fast(&s->files_ht, &f->hnode,
					    luo_file_params);
	if (err)
		return err;
	list_add_tail(&f->list, &s->files);
	s->nr_files++;
	return 0;
}

void luo_file_unlink(struct luo_session *s, struct luo_file *f)
{
	rhashtable_remove_fast(&s->files_ht, &f->hnode, luo_file_params);
	list_del(&f->list);
	s->nr_files--;
}

static struct luo_file *luo_file_find(struct luo_session *s, u64 token)
{
	return rhashtable_lookup_fast(&s->files_ht, &token, luo_file_params);
}

static void luo_file_args(struct luo_file *f, struct liveupdate_file_op_args *args)
{
	*args = (struct liveupdate_file_op_args) {
		.handler = f->handler,
		.session = f->session->name,
		.token = f->token,
		.file = f->file,
		.serialized_data = f->data,
		.private_data = f->private_data,
		.luo_file = f,
	};
}

/**
 * luo_file_preserve - PRESERVE_FD: preserve @fd under @token in @s
 * @s:     an outgoing session
 * @token: the caller's key, unique in @s
 * @fd:    the file descriptor
 *
 * Caller holds @s->mutex.
 *
 * Return: 0 or -EEXIST, -EBADF, -ENOENT, -EBUSY, -ENOSPC, -ENOMEM, or the
 * handler's error.
 */
int luo_file_preserve(struct luo_session *s, u64 token, int fd)
{
	struct liveupdate_file_op_args args;
	struct luo_file *f;
	struct file *file;
	int err;

	lockdep_assert_held(&s->mutex);
	if (luo_file_find(s, token))
		return -EEXIST;
	file = fget(fd);
	if (!file)
		return -EBADF;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		err = -ENOMEM;
		goto err_fput;
	}
	f->handler = luo_handler_for(s, token, file);
	if (!f->handler) {
		err = -ENOENT;
		goto err_free;
	}
	f->session = s;
	f->file = file;
	f->token = token;
	strscpy(f->compatible, f->handler->compatible, sizeof(f->compatible));
	f->id = f->handler->ops->get_id ? f->handler->ops->get_id(file) :
					  (unsigned long)file_inode(file);

	err = xa_insert(&luo_preserved, f->id, f, GFP_KERNEL);
	if (err)
		goto err_handler;	/* -EBUSY: preserved in some session */

	/* Room for this file's entry at reboot, reserved now. */
	err = luo_blocks_reserve(&s->file_blocks, s->nr_files + 1);
	if (err)
		goto err_xa;

	err = luo_flb_file_preserve(f->handler);
	if (err)
		goto err_blocks;

	luo_file_args(f, &args);
	err = f->handler->ops->preserve(&args);
	if (err)
		goto err_flb;
	f->data = args.serialized_data;
	f->private_data = args.private_data;

	/* The token was checked under s->mutex: only memory can be short. */
	if (luo_file_link(s, f)) {
		err = -ENOMEM;
		goto err_unpreserve;
	}
	return 0;

err_unpreserve:
	luo_file_args(f, &args);
	f->handler->ops->unpreserve(&args);
err_flb:
	luo_flb_file_unpreserve(f->handler);
err_blocks:
	luo_blocks_reserve(&s->file_blocks, s->nr_files);
err_xa:
	xa_erase(&luo_preserved, f->id);
err_handler:
	luo_handler_put(f->handler);
err_free:
	kfree(f);
err_fput:
	fput(file);
	return err;
}

static void luo_file_release(struct luo_file *f)
{
	if (f->file)
		fput(f->file);
	if (f->handler)
		luo_handler_put(f->handler);
	kfree(f);
}

/* Close of an outgoing session: unpreserve every file, newest first. */
void luo_file_unpreserve_all(struct luo_session *s)
{
	struct luo_file *f, *tmp;

	lockdep_assert_held(&s->mutex);
	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		struct liveupdate_file_op_args args;

		luo_file_args(f, &args);
		f->handler->ops->unpreserve(&args);
		luo_flb_file_unpreserve(f->handler);
		xa_erase(&luo_preserved, f->id);
		luo_file_unlink(s, f);
		luo_file_release(f);
	}
	luo_blocks_reserve(&s->file_blocks, 0);
}

/* Bind an incoming file to the handler of its compatible, if there is one. */
static int luo_file_bind(struct luo_file *f)
{
	struct liveupdate_file_handler *fh;
	int err = -EOPNOTSUPP;

	if (f->handler)
		return 0;
	down_write(&luo_handlers_lock);
	fh = luo_handler_find(f->compatible);
	if (fh)
		err = luo_handler_get(fh);
	up_write(&luo_handlers_lock);
	if (!err)
		f->handler = fh;
	return err;
}

/**
 * luo_file_retrieve - RETRIEVE_FD: the file preserved under @token
 * @s:     an incoming session
 * @token: its token
 * @filep: out: the file, with a reference for the caller
 *
 * Caller holds @s->mutex. The first retrieval asks the handler; later ones
 * return the same file. A failure is remembered and returned again, unless
 * the handler kept the memory (@kept): then the next retrieval asks again.
 *
 * Return: 0, -ENOENT for an unknown token, -EOPNOTSUPP if no handler of
 * the file's format is registered, or the handler's error.
 */
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep)
{
	struct liveupdate_file_op_args args;
	struct luo_file *f;
	int err;

	lockdep_assert_held(&s->mutex);
	f = s->finished ? NULL : luo_file_find(s, token);
	if (!f)
		return -ENOENT;
	if (f->retrieve_err)
		return f->retrieve_err;
	if (f->retrieving)
		return -ELOOP;
	if (!f->file) {
		err = luo_file_bind(f);
		if (err) {
			pr_warn("session '%s' token %llu: no handler for '%s'\n",
				s->name, token, f->compatible);
			return err;	/* not sticky: a handler may come later */
		}
		/*
		 * If an FLB fails, the handler never sees the file and its
		 * memory is still preserved: finish() must release it later.
		 * If the handler's retrieve fails, it released it itself.
		 */
		err = luo_flb_file_retrieve(f->handler);
		if (err) {
			f->retrieve_err = err;
			return err;
		}
		luo_file_args(f, &args);
		f->retrieving = true;
		err = f->handler->ops->retrieve(&args);
		f->retrieving = false;
		if (err && args.kept) {
			/* Nothing lost: the handler holds what it did so far. */
			f->private_data = args.private_data;
			if (!f->private_data) {
				/*
				 * It holds nothing: the next retrieval binds
				 * whichever handler is registered then (a
				 * BPF handler of another version).
				 */
				luo_handler_put(f->handler);
				f->handler = NULL;
			}
			return err;
		}
		if (err) {
			/* The handler released it all, and what it kept. */
			f->private_data = NULL;
			f->retrieve_err = err;
			f->released = true;
			return err;
		}
		f->file = args.file;
		f->private_data = args.private_data;
		f->data = args.serialized_data;
	}
	*filep = get_file(f->file);
	return 0;
}

/**
 * liveupdate_get_token_outgoing - token of a partner file in the same session
 * @args:   the arguments of the calling handler's preserve() or freeze()
 * @file:   a file the calling handler's file depends on
 * @tokenp: out: the token under which @file is preserved
 *
 * Looks @file up among the files preserved in the session of @args (not
 * in other sessions: a file and its partner cross the kexec together).
 * Call it from freeze() to let userspace preserve the two in any order.
 * Runs under the session's mutex, like the callbacks; linear in the
 * session's files.
 *
 * Return: 0, -EINVAL outside a preserve() or freeze() callback, or
 * -ENOENT if @file is not preserved in that session.
 */
int liveupdate_get_token_outgoing(struct liveupdate_file_op_args *args,
				  struct file *file, u64 *tokenp)
{
	struct luo_file *self = args->luo_file;
	struct luo_file *f;

	if (!self || !self->session || self->session->incoming || !file)
		return -EINVAL;
	lockdep_assert_held(&self->session->mutex);
	list_for_each_entry(f, &self->session->files, list) {
		if (f->file == file) {
			*tokenp = f->token;
			return 0;
		}
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(liveupdate_get_token_outgoing);

/**
 * liveupdate_get_file_incoming - a partner file, retrieved if need be
 * @args:  the arguments of the calling handler's retrieve()
 * @token: the partner's token, as recorded by liveupdate_get_token_outgoing()
 * @filep: out: the partner file, with a new reference for the caller
 *
 * If userspace has not retrieved the partner yet, its handler's retrieve()
 * runs now (a later RETRIEVE_FD of @token returns the same file). A failure
 * of that retrieve() is remembered for the partner as if userspace had
 * asked. The calling handler should resolve its partner before it consumes
 * any preserved memory of its own, so that its error path stays simple.
 *
 * If the partner's failure is not final (its handler kept its memory, or
 * no handler of its format is registered yet), @args->kept is set: the
 * calling handler keeps its own memory too and returns the error, and a
 * later retrieval of either file tries again.
 *
 * Return: 0, -EINVAL outside a retrieve() callback or for its own token,
 * -ENOENT if @token is not in the session, -ELOOP for a cycle of partners
 * or partners nested deeper than LUO_PARTNER_DEPTH,
 * or the partner's retrieve error.
 */
int liveupdate_get_file_incoming(struct liveupdate_file_op_args *args,
				 u64 token, struct file **filep)
{
	struct luo_file *self = args->luo_file;
	struct luo_session *s = self ? self->session : NULL;
	int err;

	if (!s || !s->incoming || token == self->token)
		return -EINVAL;
	lockdep_assert_held(&s->mutex);
	if (s->partner_depth >= LUO_PARTNER_DEPTH) {
		pr_warn("session '%s' token %llu: partners nest deeper than %d, refused\n",
			s->name, self->token, LUO_PARTNER_DEPTH);
		return -ELOOP;
	}
	s->partner_depth++;
	err = luo_file_retrieve(s, token, filep);
	s->partner_depth--;
	if (err && err != -ENOENT && err != -ELOOP) {
		struct luo_file *partner = luo_file_find(s, token);

		args->kept = partner && !partner->retrieve_err;
	}
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_get_file_incoming);

/**
 * luo_file_finish_all - FINISH: end the live update of every file of @s
 * @s:     an incoming session
 * @force: the session is going away (its fd closed, or the handover was
 *	   malformed): finish what can finish and leave the rest unfinished
 *
 * A file whose handler says it cannot finish may still have its memory in
 * use (a device DMAing into it): freeing that memory under the device is
 * worse than losing it. So with @force such a file is dropped without its
 * finish() and without finishing its FLBs: its preserved memory stays
 * reserved until the next reboot, and one line says so.
 *
 * Caller holds @s->mutex.
 *
 * Return: 0, or -EBUSY (nothing done, only without @force) if a handler
 * cannot finish yet.
 */
int luo_file_finish_all(struct luo_session *s, bool force)
{
	struct luo_file *f, *tmp;

	lockdep_assert_held(&s->mutex);
	if (s->finished)
		return 0;

	list_for_each_entry(f, &s->files, list) {
		struct liveupdate_file_op_args args;

		f->busy = false;
		if (luo_file_bind(f) || f->released ||
		    !f->handler->ops->can_finish)
			continue;
		luo_file_args(f, &args);
		args.retrieved = !!f->file;
		if (!f->handler->ops->can_finish(&args)) {
			if (!force)
				return -EBUSY;
			f->busy = true;
		}
	}

	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		struct liveupdate_file_op_args args;

		if (f->busy) {
			pr_warn("session '%s' closed while token %llu cannot finish: left unfinished, its memory stays reserved\n",
				s->name, f->token);
		} else if (f->handler) {
			/* A failed handler retrieve released the memory already. */
			if (!f->released) {
				luo_file_args(f, &args);
				args.retrieved = !!f->file;
				f->handler->ops->finish(&args);
			}
			luo_flb_file_finish(f->handler);
		} else if (!luo_bpf_finish_unclaimed(f)) {
			pr_warn("session '%s' token %llu: no handler for '%s', its memory stays reserved\n",
				s->name, f->token, f->compatible);
		}
		luo_file_unlink(s, f);
		luo_file_release(f);
	}
	s->finished = true;
	return 0;
}

void luo_file_serialize(struct luo_file *f, struct luo_ser_file *ser)
{
	memset(ser, 0, sizeof(*ser));
	strscpy(ser->compatible, f->compatible, sizeof(ser->compatible));
	ser->data = cpu_to_le64(f->data);
	ser->token = cpu_to_le64(f->token);
}

/*
 * Freeze the files of @s in order. A refusal ends a reboot's freeze (the
 * caller unfreezes every file that froze); a dry run goes on past it.
 */
static int luo_session_freeze(struct luo_session *s, bool dry_run,
			      unsigned int *nr_files, unsigned int *vetoes,
			      int *first_err)
{
	struct luo_file *f;
	int err;

	lockdep_assert_held(&s->mutex);
	list_for_each_entry(f, &s->files, list) {
		struct liveupdate_file_op_args args;

		(*nr_files)++;
		if (!f->handler->ops->freeze) {
			f->frozen = true;
			continue;
		}
		luo_file_args(f, &args);
		err = f->handler->ops->freeze(&args);
		if (err) {
			if (dry_run) {
				pr_warn("session '%s' token %llu: freeze would fail (%d)\n",
					s->name, f->token, err);
			} else {
				pr_warn("session '%s' token %llu: freeze failed (%d), reboot aborted\n",
					s->name, f->token, err);
			}
			if (!(*vetoes)++)
				*first_err = err;
			if (!dry_run)
				return err;
			continue;
		}
		f->data = args.serialized_data;
		f->private_data = args.private_data;
		f->frozen = true;
	}
	return 0;
}

/* Undo the freeze of the files of @s that froze, newest first. */
static void luo_session_unfreeze(struct luo_session *s)
{
	struct luo_file *f;

	lockdep_assert_held(&s->mutex);
	list_for_each_entry_reverse(f, &s->files, list) {
		struct liveupdate_file_op_args args;

		if (!f->frozen)
			continue;
		f->frozen = false;
		if (!f->handler->ops->unfreeze)
			continue;
		luo_file_args(f, &args);
		f->handler->ops->unfreeze(&args);
		f->data = args.serialized_data;
		f->private_data = args.private_data;
	}
}

/*
 * Freeze every outgoing file, session by session, each under its mutex;
 * the caller holds luo_reboot_rwsem for writing, so no session changes
 * meanwhile. A dry run goes on past a refusal, so that every handler is
 * asked, and then unfreezes everything; a reboot stops at the first.
 */
static int luo_files_freeze_all(bool dry_run, unsigned int *nr_files,
				unsigned int *vetoes, int *first_err)
{
	struct luo_session *s;
	int err = 0;

	lockdep_assert_held_write(&luo_reboot_rwsem);
	*nr_files = 0;
	*vetoes = 0;
	*first_err = 0;
	list_for_each_entry(s, &luo_out_sessions, list) {
		mutex_lock(&s->mutex);
		err = luo_session_freeze(s, dry_run, nr_files, vetoes,
					 first_err);
		mutex_unlock(&s->mutex);
		if (err)
			break;
	}
	if (err || dry_run)
		luo_files_unfreeze();
	return err;
}

/* Reboot: freeze every outgoing file in order, or none. */
int luo_files_freeze(void)
{
	unsigned int nr_files, vetoes;
	int first_err;

	return luo_files_freeze_all(false, &nr_files, &vetoes, &first_err);
}

/* Undo luo_files_freeze() for the files it froze, newest first. */
void luo_files_unfreeze(void)
{
	struct luo_session *s;

	lockdep_assert_held_write(&luo_reboot_rwsem);
	list_for_each_entry_reverse(s, &luo_out_sessions, list) {
		mutex_lock(&s->mutex);
		luo_session_unfreeze(s);
		mutex_unlock(&s->mutex);
	}
}

/*
 * A reboot's freeze without the reboot: every outgoing file is asked, past
 * a veto too, so that one run names every handler that would refuse; then
 * the files that froze are unfrozen, as after a refused reboot. A handler
 * sees exactly the calls of a refused reboot, nothing new.
 *
 * Return: the number of files that would veto; the first veto's errno in
 * @first_err (0 if none).
 */
unsigned int luo_files_freeze_check(unsigned int *nr_files, int *first_err)
{
	unsigned int vetoes;

	lockdep_assert_held_write(&luo_reboot_rwsem);
	luo_freeze_dry_run = true;
	luo_files_freeze_all(true, nr_files, &vetoes, first_err);
	luo_freeze_dry_run = false;
	return vetoes;
}
