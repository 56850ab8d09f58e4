// SPDX-License-Identifier: GPL-2.0
/*
 * luo_bpf.c - LUO file handlers written in BPF (struct_ops "luo_bpf_ops").
 *
 * The kernel keeps the memory, BPF keeps the policy and the state. A BPF
 * handler names a native backend (memfd-v2): the backend pins, preserves
 * and restores the file's memory, the BPF programs decide which files the
 * handler takes, may refuse preserve, freeze and retrieve, and keep up to
 * state_size bytes of state per file, carried across the kexec in the
 * "luo-bpf" KHO subtree (luo_bpf_fdt.c).
 *
 * Each attached handler is a struct luo_bpf_handler in LUO's registry,
 * ahead of the native handlers, whose callbacks (the thunks below) run
 * the backend and the BPF programs in turn. Its compatible must be
 * "bpf:<name>-v<N>": programs cannot take over a native format.
 *
 * Lifetime. 6.12's unreg() cannot fail, so detaching a handler retires
 * it: it leaves the registry at once (a new version may attach) while
 * files bound to it keep calling its programs; a reference on the
 * struct_ops map keeps them alive until the last such file is done.
 * A link update swaps the programs under bound files (a hot fix).
 * Callbacks run under their file's session mutex; what files of several
 * sessions share is under luo_bpf_lock (luo_bpf_internal.h; order in
 * luo_internal.h).
 */
#define pr_fmt(fmt) "liveupdate: bpf: " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/init.h>
#include <linux/memfd.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"
#include "luo_bpf_internal.h"

/* Every BPF handler alive: attached, or retired with files still bound. */
LIST_HEAD(luo_bpf_handlers);
/* Handlers, their files, the trees: what files of all sessions share. */
DEFINE_MUTEX(luo_bpf_lock);

static struct luo_bpf_handler *luo_bpf_of(struct liveupdate_file_handler *fh)
{
	return container_of(fh, struct luo_bpf_handler, fh);
}

/* Bytes a file of @h takes in the handover tree, at most. */
static long luo_bpf_file_bytes(const struct luo_bpf_handler *h)
{
	return LUO_BPF_FDT_FILE_BYTES + round_up(h->state_size, 4);
}

/*
 * A BPF op's return value as an errno userspace may see: positive values
 * and the kernel's internal ones (-ERESTARTSYS and up) are -EINVAL.
 */
static int luo_bpf_errno(int ret)
{
	if (ret > 0 || ret <= -ERESTARTSYS)
		return -EINVAL;
	return ret;
}

static void luo_bpf_call_init(struct luo_bpf_call *call,
			      const struct liveupdate_file_op_args *args,
			      struct file *file, u32 schema, u32 state_size,
			      u32 flags)
{
	memset(call, 0, sizeof(*call));
	strscpy(call->ctx.session, args->session, sizeof(call->ctx.session));
	call->ctx.token = args->token;
	call->ctx.schema = schema;
	call->ctx.state_size = state_size;
	call->ctx.flags = flags;
	if (!file)
		return;
	/* memfds are unlinked: their dentry name never changes. */
	strscpy(call->ctx.name, file_dentry(file)->d_name.name,
		sizeof(call->ctx.name));
	call->ctx.size = i_size_read(file_inode(file));
	if (shmem_file(file) || is_file_hugepages(file))
		call->ctx.seals = max(memfd_fcntl(file, F_GET_SEALS, 0), 0L);
}

/* Outgoing file: its own state, writable where the op allows it. */
static void luo_bpf_call_out(struct luo_bpf_call *call,
			     const struct liveupdate_file_op_args *args,
			     struct luo_bpf_file *bf)
{
	luo_bpf_call_init(call, args, args->file, bf->schema,
			  bf->h->state_size, 0);
	call->state = bf->state;
	call->state_ro = bf->state;
}

/* Incoming file: the state carried from the previous kernel, read-only. */
static void luo_bpf_call_in(struct luo_bpf_call *call,
			    const struct liveupdate_file_op_args *args,
			    struct file *file, struct luo_bpf_in_file *in,
			    u32 flags)
{
	if (!in->state)
		flags |= LUO_BPF_F_NO_STATE;
	luo_bpf_call_init(call, args, file, in->schema, in->state_size,
			  flags | LUO_BPF_F_INCOMING);
	call->state_ro = in->state;
}

/* The arguments the backend sees for @bf: its own data, not ours. */
static void luo_bpf_backend_args(const struct liveupdate_file_op_args *args,
				 struct luo_bpf_file *bf,
				 struct liveupdate_file_op_args *bargs)
{
	*bargs = *args;
	bargs->handler = bf->h->backend;
	bargs->serialized_data = bf->backend_data;
	bargs->private_data = bf->backend_private;
}

/* ---- Thunks: LUO's callbacks, running the backend and the programs ---- */

static bool luo_bpf_can_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_handler *h = luo_bpf_of(args->handler);
	struct liveupdate_file_op_args bargs = *args;
	struct luo_bpf_call call;

	bargs.handler = h->backend;
	if (!h->backend->ops->can_preserve(&bargs))
		return false;
	luo_bpf_call_init(&call, args, args->file, h->schema, 0, 0);
	return h->ops->can_preserve(&call.ctx, args->file);
}

static unsigned long luo_bpf_get_id(struct file *file)
{
	/* The identity of the memory, so no backend file is preserved twice. */
	return (unsigned long)file_inode(file);
}

static int luo_bpf_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_handler *h = luo_bpf_of(args->handler);
	const struct liveupdate_file_ops *bops = h->backend->ops;
	struct liveupdate_file_op_args bargs;
	struct luo_bpf_call call;
	struct luo_bpf_file *bf;
	int err;

	bf = kzalloc(struct_size(bf, state, h->state_size), GFP_KERNEL);
	if (!bf)
		return -ENOMEM;
	bf->h = h;
	bf->session = args->session;
	bf->token = args->token;
	bf->schema = h->schema;

	/* Room for this file in the handover FDT, reserved now. */
	mutex_lock(&luo_bpf_lock);
	err = luo_bpf_fdt_reserve(luo_bpf_file_bytes(h));
	mutex_unlock(&luo_bpf_lock);
	if (err)
		goto err_free;

	luo_bpf_call_out(&call, args, bf);
	if (h->ops->preserve) {
		err = luo_bpf_errno(h->ops->preserve(&call.ctx, args->file));
		if (err) {
			pr_info_ratelimited("'%s' refused session '%s' token %llu: %d\n",
					    h->fh.compatible, args->session,
					    args->token, err);
			goto err_fdt;
		}
	}

	luo_bpf_backend_args(args, bf, &bargs);
	err = bops->preserve(&bargs);
	if (err)
		goto err_unpreserve_bpf;
	bf->backend_data = bargs.serialized_data;
	bf->backend_private = bargs.private_data;

	mutex_lock(&luo_bpf_lock);
	list_add_tail(&bf->node, &h->files);
	h->nr_files++;
	mutex_unlock(&luo_bpf_lock);
	args->serialized_data = bf->backend_data;
	args->private_data = bf;
	return 0;

err_unpreserve_bpf:
	if (h->ops->unpreserve)
		h->ops->unpreserve(&call.ctx, args->file);
err_fdt:
	mutex_lock(&luo_bpf_lock);
	luo_bpf_fdt_reserve(-luo_bpf_file_bytes(h));
	mutex_unlock(&luo_bpf_lock);
err_free:
	kfree(bf);
	return err;
}

static void luo_bpf_unpreserve(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_file *bf = args->private_data;
	struct luo_bpf_handler *h = bf->h;
	struct liveupdate_file_op_args bargs;
	struct luo_bpf_call call;

	if (h->ops->unpreserve) {
		luo_bpf_call_out(&call, args, bf);
		h->ops->unpreserve(&call.ctx, args->file);
	}
	luo_bpf_backend_args(args, bf, &bargs);
	h->backend->ops->unpreserve(&bargs);

	mutex_lock(&luo_bpf_lock);
	list_del(&bf->node);
	h->nr_files--;
	luo_bpf_fdt_reserve(-luo_bpf_file_bytes(h));
	mutex_unlock(&luo_bpf_lock);
	kfree(bf);
}

static int luo_bpf_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_file *bf = args->private_data;
	struct luo_bpf_handler *h = bf->h;
	struct liveupdate_file_op_args bargs;
	struct luo_bpf_call call;
	int err;

	luo_bpf_call_out(&call, args, bf);
	if (h->ops->freeze) {
		err = luo_bpf_errno(h->ops->freeze(&call.ctx, args->file));
		if (err) {
			pr_warn("'%s' %s the reboot for session '%s' token %llu: %d%s%s%s\n",
				h->fh.compatible,
				luo_freeze_dry_run ? "would veto" : "vetoed",
				args->session, args->token, err,
				call.reason[0] ? " (" : "", call.reason,
				call.reason[0] ? ")" : "");
			return err;
		}
		/* It had the state writable: now written in its schema. */
		bf->schema = h->schema;
	}
	if (!h->backend->ops->freeze)
		return 0;
	luo_bpf_backend_args(args, bf, &bargs);
	err = h->backend->ops->freeze(&bargs);
	if (err) {
		if (h->ops->unfreeze)
			h->ops->unfreeze(&call.ctx, args->file);
		return err;
	}
	bf->backend_data = bargs.serialized_data;
	bf->backend_private = bargs.private_data;
	args->serialized_data = bf->backend_data;
	return 0;
}

static void luo_bpf_unfreeze(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_file *bf = args->private_data;
	struct luo_bpf_handler *h = bf->h;
	struct liveupdate_file_op_args bargs;
	struct luo_bpf_call call;

	if (h->backend->ops->unfreeze) {
		luo_bpf_backend_args(args, bf, &bargs);
		h->backend->ops->unfreeze(&bargs);
		bf->backend_data = bargs.serialized_data;
		bf->backend_private = bargs.private_data;
		args->serialized_data = bf->backend_data;
	}
	if (h->ops->unfreeze) {
		luo_bpf_call_out(&call, args, bf);
		h->ops->unfreeze(&call.ctx, args->file);
	}
}

/*
 * What a file's record may hold after a failed retrieve, given back: the
 * backend's file, finished as retrieved and closed (its memory goes with
 * it), or what the backend kept for a retry, or else the preserved memory
 * itself. For FINISH of a file never retrieved.
 */
static void luo_bpf_backend_release(struct liveupdate_file_handler *backend,
				    const struct liveupdate_file_op_args *args,
				    struct luo_bpf_in_file *in)
{
	struct liveupdate_file_op_args bargs = *args;

	bargs.handler = backend;
	bargs.retrieved = false;
	bargs.file = NULL;
	bargs.private_data = NULL;
	if (in && in->made) {
		bargs.retrieved = true;
		bargs.file = in->made;
		in->made = NULL;
	} else if (in) {
		bargs.private_data = in->backend_private;
		in->backend_private = NULL;
	}
	backend->ops->finish(&bargs);
	if (bargs.file)
		fput(bargs.file);
}

/*
 * FINISH of a file never retrieved, through the backend its record names
 * (not the handler's: another backend's data is never parsed). If that
 * backend is not registered, the memory stays reserved, with one line.
 * Return: 0, or -ENOENT for a missing backend.
 */
static int luo_bpf_release_through(const struct liveupdate_file_op_args *args,
				   struct luo_bpf_in_file *in)
{
	struct liveupdate_file_handler *backend;
	int err = -ENOENT;

	down_write(&luo_handlers_lock);
	backend = luo_handler_find(in->backend);
	if (backend && !str_has_prefix(backend->compatible,
				       LIVEUPDATE_BPF_COMPAT_PREFIX))
		err = luo_handler_get(backend);
	up_write(&luo_handlers_lock);
	if (err) {
		pr_warn("session '%s' token %llu: backend '%s' of '%s' is missing, its memory stays reserved\n",
			args->session, args->token, in->backend, in->compatible);
		return err;
	}
	luo_bpf_backend_release(backend, args, in);
	luo_handler_put(backend);
	return 0;
}

/* Why a handler cannot take a file as it was handed over, or 0. */
static int luo_bpf_in_check(struct luo_bpf_handler *h,
			    const struct liveupdate_file_op_args *args,
			    const struct luo_bpf_in_file *in)
{
	if (strcmp(in->compatible, h->fh.compatible)) {
		pr_warn("session '%s' token %llu: its state is for '%s', not '%s'\n",
			args->session, args->token, in->compatible,
			h->fh.compatible);
		return -EPROTO;
	}
	if (strcmp(in->backend, h->backend->compatible)) {
		/* reg() refuses such a handler; never parse another format. */
		pr_warn("session '%s' token %llu: backend '%s', handler '%s' uses '%s'\n",
			args->session, args->token, in->backend,
			h->fh.compatible, h->backend->compatible);
		return -EPROTO;
	}
	if (in->schema > h->schema) {
		pr_warn("session '%s' token %llu: state schema %u is newer than '%s' schema %u\n",
			args->session, args->token, in->schema,
			h->fh.compatible, h->schema);
		return -EPROTO;
	}
	return 0;
}

/* The backend makes the file, or goes on from what it kept last time. */
static int luo_bpf_backend_retrieve(struct luo_bpf_handler *h,
				    const struct liveupdate_file_op_args *args,
				    struct luo_bpf_in_file *in, bool *kept)
{
	struct liveupdate_file_op_args bargs = *args;
	int err;

	bargs.handler = h->backend;
	bargs.private_data = in->backend_private;
	bargs.kept = false;
	err = h->backend->ops->retrieve(&bargs);
	in->backend_private = NULL;
	*kept = bargs.kept;
	if (err && bargs.kept)
		in->backend_private = bargs.private_data;
	else if (!err)
		in->made = bargs.file;
	return err;
}

/*
 * RETRIEVE_FD: the backend makes the file, then the program may refuse
 * it. Nothing but malformed data (the backend's final error) frees the
 * file's memory here: a refusal, a
 * state schema the handler does not know, or want of memory fails
 * RETRIEVE_FD with the memory kept in the file's record (args->kept, no
 * private data: LUO lets the next RETRIEVE_FD bind whichever handler is
 * attached by then, another version maybe). FINISH frees it.
 */
static int luo_bpf_retrieve(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_handler *h = luo_bpf_of(args->handler);
	struct luo_bpf_in_file *in;
	struct luo_bpf_call call;
	struct luo_bpf_file *bf;
	bool kept = true;
	int err;

	in = luo_bpf_in_take(args->session, args->token);
	if (!in) {
		in = luo_bpf_in_blank(args->session, args->token,
				      h->fh.compatible, h->backend->compatible);
		if (!in) {
			err = -ENOMEM;
			goto kept;
		}
		pr_warn("session '%s' token %llu: no state in the handover, retrieved through '%s' without it\n",
			args->session, args->token, in->backend);
	}
	err = luo_bpf_in_check(h, args, in);
	if (err)
		goto keep;
	if (!in->made) {
		err = luo_bpf_backend_retrieve(h, args, in, &kept);
		if (err && !kept) {
			/* Malformed: the backend released it all. */
			luo_bpf_in_put(in);
			return err;
		}
		if (err)
			goto keep;
	}

	if (h->ops->retrieve) {
		luo_bpf_call_in(&call, args, in->made, in, 0);
		err = luo_bpf_errno(h->ops->retrieve(&call.ctx, in->made));
		if (err) {
			pr_warn("'%s' refused to retrieve session '%s' token %llu: %d, its memory is kept\n",
				h->fh.compatible, args->session, args->token,
				err);
			goto keep;
		}
	}

	bf = kzalloc(sizeof(*bf), GFP_KERNEL);
	if (!bf) {
		err = -ENOMEM;
		goto keep;
	}
	bf->h = h;
	bf->in = in;
	bf->session = args->session;
	bf->token = args->token;
	bf->backend_data = args->serialized_data;
	args->file = in->made;
	in->made = NULL;
	args->private_data = bf;
	return 0;

keep:
	luo_bpf_in_keep(in);
kept:
	args->kept = true;
	args->private_data = NULL;
	return err;
}

static bool luo_bpf_can_finish(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_file *bf = args->private_data;
	struct luo_bpf_handler *h = luo_bpf_of(args->handler);
	struct liveupdate_file_op_args bargs;
	struct luo_bpf_in_file *in;
	struct luo_bpf_call call;

	if (!bf || !args->retrieved) {
		/* Not retrieved: the program is asked with no file. */
		in = luo_bpf_in_find(args->session, args->token);
		if (!in || !h->ops->can_finish ||
		    strcmp(in->compatible, h->fh.compatible))
			return true;
		luo_bpf_call_in(&call, args, NULL, in, 0);
		return h->ops->can_finish(&call.ctx, NULL);
	}
	if (h->ops->can_finish) {
		luo_bpf_call_in(&call, args, args->file, bf->in,
				LUO_BPF_F_RETRIEVED);
		if (!h->ops->can_finish(&call.ctx, args->file))
			return false;
	}
	if (!h->backend->ops->can_finish)
		return true;
	luo_bpf_backend_args(args, bf, &bargs);
	return h->backend->ops->can_finish(&bargs);
}

static void luo_bpf_finish(struct liveupdate_file_op_args *args)
{
	struct luo_bpf_handler *h = luo_bpf_of(args->handler);
	struct luo_bpf_file *bf = args->private_data;
	struct liveupdate_file_op_args bargs = *args;
	struct luo_bpf_in_file *in = bf ? bf->in : NULL;
	struct luo_bpf_call call;

	if (!bf)
		in = luo_bpf_in_take(args->session, args->token);
	/* The program sees no state written for another handler. */
	if (in && h->ops->finish && !strcmp(in->compatible, h->fh.compatible)) {
		luo_bpf_call_in(&call, args, args->file, in,
				args->retrieved ? LUO_BPF_F_RETRIEVED : 0);
		h->ops->finish(&call.ctx, args->file);
	}
	if (bf) {
		bargs.handler = h->backend;
		bargs.serialized_data = bf->backend_data;
		bargs.private_data = bf->backend_private;
		h->backend->ops->finish(&bargs);
	} else if (in && strcmp(in->backend, h->backend->compatible)) {
		/* Kept by another backend: only that one may read it. */
		luo_bpf_release_through(args, in);
	} else {
		luo_bpf_backend_release(h->backend, args, in);
	}
	if (in)
		luo_bpf_in_put(in);
	kfree(bf);
}

static void luo_bpf_release(struct liveupdate_file_handler *fh)
{
	struct luo_bpf_handler *h = luo_bpf_of(fh);

	mutex_lock(&luo_bpf_lock);
	list_del(&h->node);
	luo_bpf_fdt_reserve(-LUO_BPF_FDT_HANDLER_BYTES);
	mutex_unlock(&luo_bpf_lock);
	luo_handler_put(h->backend);
	bpf_struct_ops_put(h->ops);
	kfree(h);
}

static const struct liveupdate_file_ops luo_bpf_file_ops = {
	.can_preserve	= luo_bpf_can_preserve,
	.preserve	= luo_bpf_preserve,
	.unpreserve	= luo_bpf_unpreserve,
	.freeze		= luo_bpf_freeze,
	.unfreeze	= luo_bpf_unfreeze,
	.retrieve	= luo_bpf_retrieve,
	.can_finish	= luo_bpf_can_finish,
	.finish		= luo_bpf_finish,
	.get_id		= luo_bpf_get_id,
	.release	= luo_bpf_release,
};

/**
 * luo_bpf_finish_unclaimed - FINISH of a "bpf:" file no handler claimed
 * @f: an incoming file of a "bpf:" compatible, under its session's mutex
 *
 * The BPF handler was never loaded in this kernel: the backend named in
 * the handover still releases the file's memory.
 *
 * Return: true if the file was handled here.
 */
bool luo_bpf_finish_unclaimed(struct luo_file *f)
{
	const char *session = f->session->name, *compatible = f->compatible;
	u64 token = f->token;
	struct liveupdate_file_op_args args = {
		.session = session,
		.token = token,
		.serialized_data = f->data,
	};
	struct luo_bpf_in_file *in;

	lockdep_assert_held(&f->session->mutex);
	if (!str_has_prefix(compatible, LIVEUPDATE_BPF_COMPAT_PREFIX))
		return false;
	in = luo_bpf_in_take(session, token);
	if (!in)
		return false;
	if (!luo_bpf_release_through(&args, in))
		pr_info("session '%s' token %llu: '%s' never loaded, finished through '%s'\n",
			session, token, compatible, in->backend);
	luo_bpf_in_put(in);
	return true;
}

/**
 * luo_bpf_file_info - what iterators show of a BPF handler's file
 * @f:          a file of any session
 * @bpf:        out: 1 if it is a BPF handler's file
 * @backend:    out: its backend's compatible, LIVEUPDATE_HNDL_COMPAT_LENGTH
 *              bytes of room
 * @schema:     out: schema of its state
 * @state_size: out: bytes of state
 * @state:      out: the state, LUO_BPF_STATE_MAX bytes of room
 *
 * Caller holds the mutex of @f's session.
 */
void luo_bpf_file_info(struct luo_file *f, u32 *bpf, char *backend,
		       u32 *schema, u32 *state_size, u8 *state)
{
	struct luo_bpf_file *bf = f->private_data;
	struct luo_bpf_in_file *in;

	lockdep_assert_held(&f->session->mutex);
	if (!str_has_prefix(f->compatible, LIVEUPDATE_BPF_COMPAT_PREFIX))
		return;
	*bpf = 1;
	if (!f->session->incoming) {
		if (!bf)
			return;
		strscpy(backend, bf->h->backend->compatible,
			LIVEUPDATE_HNDL_COMPAT_LENGTH);
		*schema = bf->schema;
		*state_size = bf->h->state_size;
		memcpy(state, bf->state, bf->h->state_size);
		return;
	}
	in = bf ? bf->in : luo_bpf_in_find(f->session->name, f->token);
	if (!in)
		return;
	strscpy(backend, in->backend, LIVEUPDATE_HNDL_COMPAT_LENGTH);
	*schema = in->schema;
	*state_size = in->state_size;
	memcpy(state, in->state, in->state_size);
}

/* ---- struct_ops ------------------------------------------------------ */

static const struct btf_type *luo_bpf_ops_type;

static int luo_bpf_init(struct btf *btf)
{
	s32 id = btf_find_by_name_kind(btf, "luo_bpf_ops", BTF_KIND_STRUCT);

	if (id < 0)
		return -EINVAL;
	luo_bpf_ops_type = btf_type_by_id(btf, id);
	/* For programs: vmlinux.h has them. */
	BTF_TYPE_EMIT(enum luo_bpf_ctx_flags);
	return 0;
}

static bool luo_bpf_is_valid_access(int off, int size,
				    enum bpf_access_type type,
				    const struct bpf_prog *prog,
				    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

/* Programs read what they are given; they write only through kfuncs. */
static int luo_bpf_btf_struct_access(struct bpf_verifier_log *log,
				     const struct bpf_reg_state *reg,
				     int off, int size)
{
	bpf_log(log, "luo_bpf_ops programs cannot write kernel structures\n");
	return -EACCES;
}

static const struct bpf_verifier_ops luo_bpf_verifier_ops = {
	.get_func_proto		= bpf_base_func_proto,
	.is_valid_access	= luo_bpf_is_valid_access,
	.btf_struct_access	= luo_bpf_btf_struct_access,
};

/* Only preserve and retrieve may sleep: the others run at reboot or
 * under the handler registry lock.
 */
static int luo_bpf_check_member(const struct btf_type *t,
				const struct btf_member *member,
				const struct bpf_prog *prog)
{
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	if (!prog->sleepable)
		return 0;
	switch (moff) {
	case offsetof(struct luo_bpf_ops, preserve):
	case offsetof(struct luo_bpf_ops, retrieve):
		return 0;
	default:
		return -EINVAL;
	}
}

static int luo_bpf_copy_name(char *dst, const char *src)
{
	size_t len = strnlen(src, LIVEUPDATE_HNDL_COMPAT_LENGTH);

	if (!len || len == LIVEUPDATE_HNDL_COMPAT_LENGTH)
		return -EINVAL;
	strscpy_pad(dst, src, LIVEUPDATE_HNDL_COMPAT_LENGTH);
	return 1;
}

static int luo_bpf_init_member(const struct btf_type *t,
			       const struct btf_member *member,
			       void *kdata, const void *udata)
{
	const struct luo_bpf_ops *uops = udata;
	struct luo_bpf_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct luo_bpf_ops, compatible):
		return luo_bpf_copy_name(ops->compatible, uops->compatible);
	case offsetof(struct luo_bpf_ops, backend):
		return luo_bpf_copy_name(ops->backend, uops->backend);
	case offsetof(struct luo_bpf_ops, state_size):
		ops->state_size = uops->state_size;
		return 1;
	case offsetof(struct luo_bpf_ops, schema):
		ops->schema = uops->schema;
		return 1;
	case offsetof(struct luo_bpf_ops, flags):
		if (uops->flags)
			return -EINVAL;
		return 1;
	}
	return 0;
}

/* "bpf:" then [a-z0-9._-]+ then "-v" and a version number. */
static bool luo_bpf_compat_valid(const char *c)
{
	const char *p, *v;

	if (!str_has_prefix(c, LIVEUPDATE_BPF_COMPAT_PREFIX))
		return false;
	c += strlen(LIVEUPDATE_BPF_COMPAT_PREFIX);
	v = strrchr(c, '-');
	if (!v || v == c || v[1] != 'v' || !isdigit(v[2]))
		return false;
	for (p = v + 2; *p; p++)
		if (!isdigit(*p))
			return false;
	for (p = c; p < v; p++)
		if (!islower(*p) && !isdigit(*p) && !strchr("._-", *p))
			return false;
	return true;
}

static int luo_bpf_validate(void *kdata)
{
	struct luo_bpf_ops *ops = kdata;

	if (!luo_bpf_compat_valid(ops->compatible) || !ops->can_preserve ||
	    ops->state_size > LUO_BPF_STATE_MAX || !ops->schema ||
	    str_has_prefix(ops->backend, LIVEUPDATE_BPF_COMPAT_PREFIX))
		return -EINVAL;
	return 0;
}

static struct luo_bpf_handler *luo_bpf_find(const void *kdata)
{
	struct luo_bpf_handler *h;

	lockdep_assert_held(&luo_bpf_lock);
	list_for_each_entry(h, &luo_bpf_handlers, node)
		if (h->ops == kdata && !h->fh.retired)
			return h;
	return NULL;
}

/*
 * A retired handler of @compatible still bound to files writes its node
 * into the handover with its own backend; one of another backend would
 * leave the next kernel able to retrieve the files of only one of the
 * two (luo_bpf_in_check()).
 */
static int luo_bpf_check_retired(const char *compatible, const char *backend)
{
	struct luo_bpf_handler *h;

	lockdep_assert_held(&luo_bpf_lock);
	list_for_each_entry(h, &luo_bpf_handlers, node) {
		if (h->fh.retired && !strcmp(h->fh.compatible, compatible) &&
		    strcmp(h->backend->compatible, backend)) {
			pr_warn("'%s' over '%s' refused: files of a retired '%s' use backend '%s'\n",
				compatible, backend, compatible,
				h->backend->compatible);
			return -EPROTO;
		}
	}
	return 0;
}

static int luo_bpf_reg(void *kdata, struct bpf_link *link)
{
	struct luo_bpf_ops *ops = kdata;
	struct liveupdate_file_handler *backend;
	struct luo_bpf_handler *h;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!liveupdate_enabled())
		return -EOPNOTSUPP;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->fh.ops = &luo_bpf_file_ops;
	strscpy_pad(h->fh.compatible, ops->compatible, sizeof(h->fh.compatible));
	h->ops = ops;
	h->schema = ops->schema;
	h->state_size = ops->state_size;
	INIT_LIST_HEAD(&h->files);

	down_read(&luo_reboot_rwsem);
	mutex_lock(&luo_bpf_lock);
	/*
	 * 6.12 lets one map be linked twice: one registration per map. And
	 * once LUO is frozen for the reboot, the handover tree is written:
	 * nothing may attach until the reboot fails and thaws it.
	 */
	err = -EBUSY;
	if (luo_bpf_find(kdata) || luo_frozen)
		goto err_unlock;
	luo_bpf_in_check_handler(ops->compatible, ops->backend);

	err = luo_bpf_check_retired(ops->compatible, ops->backend);
	if (err)
		goto err_unlock;

	down_write(&luo_handlers_lock);
	backend = luo_handler_find(ops->backend);
	err = backend ? luo_handler_get(backend) : -ENOENT;
	up_write(&luo_handlers_lock);
	if (err) {
		pr_warn("'%s': no backend '%s'\n", ops->compatible, ops->backend);
		goto err_unlock;
	}
	h->backend = backend;
	/*
	 * The thunks stand for the backend with LUO: its identity must be
	 * the inode (luo_bpf_get_id()), and its FLBs, bound to it and not
	 * to us, would never be preserved.
	 */
	err = -EOPNOTSUPP;
	if (backend->ops->get_id || !list_empty(&backend->flbs)) {
		pr_warn("'%s': backend '%s' has its own file identity or FLBs, which a BPF handler cannot carry\n",
			ops->compatible, ops->backend);
		goto err_backend;
	}

	err = luo_bpf_fdt_reserve(LUO_BPF_FDT_HANDLER_BYTES);
	if (err)
		goto err_backend;
	/* Programs must outlive the link while files are bound (retire). */
	err = -ENOENT;
	if (!bpf_struct_ops_get(kdata))
		goto err_fdt;
	list_add_tail(&h->node, &luo_bpf_handlers);
	err = luo_handler_register(&h->fh, true);
	if (err)
		goto err_list;
	mutex_unlock(&luo_bpf_lock);
	up_read(&luo_reboot_rwsem);
	return 0;

err_list:
	list_del(&h->node);
	bpf_struct_ops_put(kdata);
err_fdt:
	luo_bpf_fdt_reserve(-LUO_BPF_FDT_HANDLER_BYTES);
err_backend:
	luo_handler_put(backend);
err_unlock:
	mutex_unlock(&luo_bpf_lock);
	up_read(&luo_reboot_rwsem);
	kfree(h);
	return err;
}

static void luo_bpf_unreg(void *kdata, struct bpf_link *link)
{
	struct luo_bpf_handler *h;

	mutex_lock(&luo_bpf_lock);
	h = luo_bpf_find(kdata);
	mutex_unlock(&luo_bpf_lock);
	/*
	 * Outside luo_bpf_lock: an idle handler is released at once, which
	 * takes it. BPF serializes reg, update and unreg of one map, so @h
	 * stays registered until retired here.
	 */
	if (h)
		luo_handler_retire(&h->fh);
}

/*
 * Link update: the new programs take over the bound files. Identity and
 * layout must not change; the schema may only grow.
 */
static int luo_bpf_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	struct luo_bpf_ops *ops = kdata;
	struct luo_bpf_handler *h;
	int err = -ENOENT;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* No callback runs while the programs are swapped under them. */
	down_write(&luo_reboot_rwsem);
	mutex_lock(&luo_bpf_lock);
	h = luo_bpf_find(old_kdata);
	if (!h)
		goto out;
	err = -EBUSY;
	if (luo_frozen)
		goto out;
	err = -EINVAL;
	if (strcmp(ops->compatible, h->fh.compatible) ||
	    strcmp(ops->backend, h->backend->compatible) ||
	    ops->state_size != h->state_size || ops->schema < h->schema)
		goto out;
	err = -EBUSY;
	if (luo_bpf_find(kdata) || !bpf_struct_ops_get(kdata))
		goto out;
	bpf_struct_ops_put(h->ops);
	h->ops = ops;
	h->schema = ops->schema;
	pr_info("'%s' updated in place (schema %u, %lu files bound)\n",
		h->fh.compatible, h->schema, h->fh.users);
	err = 0;
out:
	mutex_unlock(&luo_bpf_lock);
	up_write(&luo_reboot_rwsem);
	return err;
}

/* cfi_stubs: the prototypes programs are checked against. */
static bool luo_bpf_stub_can_preserve(struct luo_bpf_ctx *ctx,
				      struct file *file)
{
	return false;
}

static int luo_bpf_stub_preserve(struct luo_bpf_ctx *ctx, struct file *file)
{
	return 0;
}

static void luo_bpf_stub_unpreserve(struct luo_bpf_ctx *ctx, struct file *file)
{
}

static int luo_bpf_stub_freeze(struct luo_bpf_ctx *ctx, struct file *file)
{
	return 0;
}

static void luo_bpf_stub_unfreeze(struct luo_bpf_ctx *ctx, struct file *file)
{
}

static int luo_bpf_stub_retrieve(struct luo_bpf_ctx *ctx, struct file *file)
{
	return 0;
}

/* A file that was not retrieved has no struct file. */
static bool luo_bpf_stub_can_finish(struct luo_bpf_ctx *ctx,
				    struct file *file__nullable)
{
	return true;
}

static void luo_bpf_stub_finish(struct luo_bpf_ctx *ctx,
				struct file *file__nullable)
{
}

static struct luo_bpf_ops __bpf_luo_bpf_ops = {
	.can_preserve	= luo_bpf_stub_can_preserve,
	.preserve	= luo_bpf_stub_preserve,
	.unpreserve	= luo_bpf_stub_unpreserve,
	.freeze		= luo_bpf_stub_freeze,
	.unfreeze	= luo_bpf_stub_unfreeze,
	.retrieve	= luo_bpf_stub_retrieve,
	.can_finish	= luo_bpf_stub_can_finish,
	.finish		= luo_bpf_stub_finish,
};

static struct bpf_struct_ops bpf_luo_bpf_ops = {
	.verifier_ops	= &luo_bpf_verifier_ops,
	.init		= luo_bpf_init,
	.check_member	= luo_bpf_check_member,
	.init_member	= luo_bpf_init_member,
	.reg		= luo_bpf_reg,
	.unreg		= luo_bpf_unreg,
	.update		= luo_bpf_update,
	.validate	= luo_bpf_validate,
	.cfi_stubs	= &__bpf_luo_bpf_ops,
	.name		= "luo_bpf_ops",
	.owner		= THIS_MODULE,
};

/* expected_attach_type of a program is its member's index. */
static_assert(offsetof(struct luo_bpf_ops, finish) ==
	      LUO_BPF_OP_FINISH * sizeof(void *));

static int __init luo_bpf_register(void)
{
	int err;

	if (!liveupdate_enabled())
		return 0;
	err = luo_bpf_fdt_init();
	if (err)
		goto fail;
	err = luo_bpf_kfuncs_init();
	if (err)
		goto fail;
	err = register_bpf_struct_ops(&bpf_luo_bpf_ops, luo_bpf_ops);
	if (err)
		goto fail;
	err = luo_iter_init();
	if (err)
		goto fail;
	return 0;
fail:
	pr_err("cannot set up BPF handlers: %d\n", err);
	return err;
}
late_initcall(luo_bpf_register);
