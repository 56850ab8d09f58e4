// SPDX-License-Identifier: GPL-2.0
/*
 * luo_iter.c - bpf_iter targets over LUO sessions and preserved files, so
 * that "bpftool iter pin prog.bpf.o /sys/fs/bpf/x; cat /sys/fs/bpf/x"
 * lists them (bpf/luo_sessions.bpf.c, bpf/luo_files.bpf.c).
 *
 *   iter/luo_session   ctx: meta, struct luo_session_info *info
 *   iter/luo_file      ctx: meta, struct luo_file_info *info
 *
 * Outgoing sessions come first, then incoming ones, each in creation
 * order; files in their session's order. Programs see a snapshot of each
 * element. From seq start to stop (as cgroup_iter holds cgroup_mutex) the
 * iterator holds luo_reboot_rwsem for reading and luo_sessions_lock, so no
 * session comes or goes, and the mutex of the session of the element at
 * hand, so its files stand still; it passes from one session's mutex to
 * the next as it goes. A listing is consistent within one read() for each
 * session; each step goes from the element before, so a listing is linear
 * in the number of files; only a read() that resumes seeks from the head.
 *
 * Incoming sessions are listed even before /dev/liveupdate is first
 * opened. Names, tokens and state of every session are as sensitive as
 * /dev/liveupdate itself: attaching an iterator needs CAP_SYS_ADMIN, as
 * opening it does.
 */
#include <linux/bpf.h>
#include <linux/btf_ids.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "luo_internal.h"
#include "luo_bpf_internal.h"

/**
 * struct luo_session_info - a session, as iterator programs see it
 * @name:      the session name
 * @nr_files:  files in it
 * @incoming:  1 if handed over by the previous kernel, 0 if outgoing
 * @retrieved: incoming: its fd was handed out
 * @finished:  incoming: FINISH done
 * @reserved:  0
 */
struct luo_session_info {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	u64 nr_files;
	u32 incoming;
	u32 retrieved;
	u32 finished;
	u32 reserved;
};

/**
 * struct luo_file_info - a preserved file, as iterator programs see it
 * @session:    its session
 * @compatible: its handover format
 * @handler:    the handler bound to it ("" if none yet)
 * @backend:    BPF: the native handler keeping its memory
 * @token:      its token
 * @size:       file size in bytes (0 if not retrieved yet)
 * @bytes:      memory the file holds, in bytes (0 if not retrieved yet)
 * @incoming:   1 if handed over by the previous kernel
 * @retrieved:  incoming: RETRIEVE_FD succeeded
 * @retrieve_err: incoming: the sticky RETRIEVE_FD error, or 0
 * @bpf:        1 if a BPF handler's file (state and schema are valid)
 * @schema:     BPF: schema of the state
 * @state_size: BPF: bytes of state
 * @state:      BPF: the state (outgoing: as of now; incoming: carried)
 */
struct luo_file_info {
	char session[LIVEUPDATE_SESSION_NAME_LENGTH];
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	char handler[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	char backend[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u64 token;
	u64 size;
	u64 bytes;
	u32 incoming;
	u32 retrieved;
	s32 retrieve_err;
	u32 bpf;
	u32 schema;
	u32 state_size;
	u8 state[LUO_BPF_STATE_MAX];
};

struct luo_iter_priv {
	union {
		struct luo_session_info session;
		struct luo_file_info file;
	};
	struct luo_session *s;	/* the element shown */
	struct luo_file *f;
	struct luo_session *held;	/* whose mutex the iterator holds */
};

/* Hold the mutex of @s (and of no other session) from now on. */
static void luo_iter_hold(struct luo_iter_priv *priv, struct luo_session *s)
{
	lockdep_assert_held(&luo_sessions_lock);
	if (priv->held == s)
		return;
	if (priv->held)
		mutex_unlock(&priv->held->mutex);
	priv->held = s;
	if (s)
		mutex_lock(&s->mutex);
}

/* The session after @s, outgoing ones first. */
static struct luo_session *luo_iter_session_after(struct luo_session *s)
{
	lockdep_assert_held(&luo_sessions_lock);
	struct list_head *head = s->incoming ? &luo_in_sessions :
					       &luo_out_sessions;

	if (!list_is_last(&s->list, head))
		return list_next_entry(s, list);
	if (!s->incoming && !list_empty(&luo_in_sessions))
		return list_first_entry(&luo_in_sessions, struct luo_session,
					list);
	return NULL;
}

/* The file after @f over all sessions; its session's mutex held. */
static struct luo_file *luo_iter_file_after(struct luo_iter_priv *priv,
					    struct luo_file *f)
{
	struct luo_session *s = f->session;

	lockdep_assert_held(&s->mutex);
	if (!list_is_last(&f->list, &s->files))
		return list_next_entry(f, list);
	while ((s = luo_iter_session_after(s))) {
		luo_iter_hold(priv, s);
		if (!list_empty(&s->files))
			return list_first_entry(&s->files, struct luo_file,
						list);
	}
	luo_iter_hold(priv, NULL);
	return NULL;
}

/* The @pos-th session, outgoing first. */
static struct luo_session *luo_iter_session_at(loff_t pos)
{
	struct list_head *heads[] = { &luo_out_sessions, &luo_in_sessions };
	struct luo_session *s;
	int i;

	lockdep_assert_held(&luo_sessions_lock);
	for (i = 0; i < ARRAY_SIZE(heads); i++)
		list_for_each_entry(s, heads[i], list)
			if (!pos--)
				return s;
	return NULL;
}

/* The @pos-th file over all sessions; its session's mutex held. */
static struct luo_file *luo_iter_file_at(struct luo_iter_priv *priv,
					 loff_t pos)
{
	struct list_head *heads[] = { &luo_out_sessions, &luo_in_sessions };
	struct luo_session *s;
	struct luo_file *f;
	int i;

	lockdep_assert_held(&luo_sessions_lock);
	for (i = 0; i < ARRAY_SIZE(heads); i++) {
		list_for_each_entry(s, heads[i], list) {
			luo_iter_hold(priv, s);
			if (pos >= s->nr_files) {
				pos -= s->nr_files;
				continue;
			}
			list_for_each_entry(f, &s->files, list)
				if (!pos--)
					return f;
		}
	}
	luo_iter_hold(priv, NULL);
	return NULL;
}

static void luo_iter_fill_session(struct luo_session_info *info,
				  struct luo_session *s)
{
	lockdep_assert_held(&luo_sessions_lock);
	memset(info, 0, sizeof(*info));
	memcpy(info->name, s->name, sizeof(info->name));
	info->incoming = s->incoming;
	info->retrieved = s->retrieved;
	mutex_lock(&s->mutex);
	info->nr_files = s->nr_files;
	info->finished = s->finished;
	mutex_unlock(&s->mutex);
}

static void luo_iter_fill_file(struct luo_file_info *info, struct luo_file *f)
{
	struct inode *inode = f->file ? file_inode(f->file) : NULL;

	lockdep_assert_held(&f->session->mutex);
	/* All of it: no byte of the previous file's state may show. */
	memset(info, 0, sizeof(*info));
	memcpy(info->session, f->session->name, sizeof(info->session));
	memcpy(info->compatible, f->compatible, sizeof(info->compatible));
	if (f->handler)
		strscpy(info->handler, f->handler->compatible,
			sizeof(info->handler));
	info->token = f->token;
	if (inode) {
		info->size = i_size_read(inode);
		info->bytes = (u64)inode->i_blocks << 9;
	}
	info->incoming = f->session->incoming;
	info->retrieved = f->session->incoming && f->file;
	info->retrieve_err = f->retrieve_err;
	luo_bpf_file_info(f, &info->bpf, info->backend, &info->schema,
			  &info->state_size, info->state);
}

static void *luo_iter_start(struct seq_file *seq, loff_t *pos, bool files)
{
	struct luo_iter_priv *priv = seq->private;
	void *v;

	/*
	 * What the previous kernel handed over is listed before anyone
	 * opens /dev/liveupdate (an agent not started yet): reading it is
	 * what the first open does. A handover that cannot be read lists
	 * no incoming session; the open says why.
	 */
	luo_ensure_incoming();
	down_read(&luo_reboot_rwsem);
	mutex_lock(&luo_sessions_lock);
	priv->held = NULL;
	if (files) {
		struct luo_file *f = luo_iter_file_at(priv, *pos);

		priv->f = f;
		v = f ? &priv->file : NULL;
		if (f)
			luo_iter_fill_file(&priv->file, f);
	} else {
		struct luo_session *s = luo_iter_session_at(*pos);

		priv->s = s;
		v = s ? &priv->session : NULL;
		if (s)
			luo_iter_fill_session(&priv->session, s);
	}
	return v;
}

static void *luo_iter_session_start(struct seq_file *seq, loff_t *pos)
{
	return luo_iter_start(seq, pos, false);
}

static void *luo_iter_file_start(struct seq_file *seq, loff_t *pos)
{
	return luo_iter_start(seq, pos, true);
}

static void *luo_iter_session_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct luo_iter_priv *priv = seq->private;
	struct luo_session *s = luo_iter_session_after(priv->s);

	++*pos;
	priv->s = s;
	if (!s)
		return NULL;
	luo_iter_fill_session(&priv->session, s);
	return &priv->session;
}

static void *luo_iter_file_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct luo_iter_priv *priv = seq->private;
	struct luo_file *f = luo_iter_file_after(priv, priv->f);

	++*pos;
	priv->f = f;
	if (!f)
		return NULL;
	luo_iter_fill_file(&priv->file, f);
	return &priv->file;
}

struct bpf_iter__luo_session {
	__bpf_md_ptr(struct bpf_iter_meta *, meta);
	__bpf_md_ptr(struct luo_session_info *, info);
};

struct bpf_iter__luo_file {
	__bpf_md_ptr(struct bpf_iter_meta *, meta);
	__bpf_md_ptr(struct luo_file_info *, info);
};

DEFINE_BPF_ITER_FUNC(luo_session, struct bpf_iter_meta *meta,
		     struct luo_session_info *info)
DEFINE_BPF_ITER_FUNC(luo_file, struct bpf_iter_meta *meta,
		     struct luo_file_info *info)

/* Both contexts are { meta, info }: one show for both targets. */
static int luo_iter_show(struct seq_file *seq, void *v, bool in_stop)
{
	struct bpf_iter__luo_file ctx;
	struct bpf_iter_meta meta;
	struct bpf_prog *prog;

	static_assert(offsetof(struct bpf_iter__luo_file, info) ==
		      offsetof(struct bpf_iter__luo_session, info));
	meta.seq = seq;
	prog = bpf_iter_get_info(&meta, in_stop);
	if (!prog)
		return 0;
	ctx.meta = &meta;
	ctx.info = v;
	return bpf_iter_run_prog(prog, &ctx);
}

static int luo_iter_seq_show(struct seq_file *seq, void *v)
{
	return luo_iter_show(seq, v, false);
}

static void luo_iter_stop(struct seq_file *seq, void *v)
{
	struct luo_iter_priv *priv = seq->private;

	/* A last call with NULL lets the program print a footer. */
	if (!v)
		luo_iter_show(seq, NULL, true);
	luo_iter_hold(priv, NULL);
	mutex_unlock(&luo_sessions_lock);
	up_read(&luo_reboot_rwsem);
}

static const struct seq_operations luo_iter_session_ops = {
	.start	= luo_iter_session_start,
	.next	= luo_iter_session_next,
	.stop	= luo_iter_stop,
	.show	= luo_iter_seq_show,
};

static const struct seq_operations luo_iter_file_ops = {
	.start	= luo_iter_file_start,
	.next	= luo_iter_file_next,
	.stop	= luo_iter_stop,
	.show	= luo_iter_seq_show,
};

static const struct bpf_iter_seq_info luo_iter_session_seq_info = {
	.seq_ops	= &luo_iter_session_ops,
	.seq_priv_size	= sizeof(struct luo_iter_priv),
};

static const struct bpf_iter_seq_info luo_iter_file_seq_info = {
	.seq_ops	= &luo_iter_file_ops,
	.seq_priv_size	= sizeof(struct luo_iter_priv),
};

/* As opening /dev/liveupdate: CAP_BPF and CAP_PERFMON are not enough. */
static int luo_iter_attach(struct bpf_prog *prog,
			   union bpf_iter_link_info *linfo,
			   struct bpf_iter_aux_info *aux)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static struct bpf_iter_reg luo_iter_session_reg = {
	.target			= "luo_session",
	.attach_target		= luo_iter_attach,
	.ctx_arg_info_size	= 1,
	.ctx_arg_info		= {
		{ offsetof(struct bpf_iter__luo_session, info),
		  PTR_TO_BTF_ID_OR_NULL | PTR_TRUSTED },
	},
	.seq_info		= &luo_iter_session_seq_info,
	.feature		= BPF_ITER_RESCHED,
};

static struct bpf_iter_reg luo_iter_file_reg = {
	.target			= "luo_file",
	.attach_target		= luo_iter_attach,
	.ctx_arg_info_size	= 1,
	.ctx_arg_info		= {
		{ offsetof(struct bpf_iter__luo_file, info),
		  PTR_TO_BTF_ID_OR_NULL | PTR_TRUSTED },
	},
	.seq_info		= &luo_iter_file_seq_info,
	.feature		= BPF_ITER_RESCHED,
};

BTF_ID_LIST(luo_iter_btf_ids)
BTF_ID(struct, luo_session_info)
BTF_ID(struct, luo_file_info)

int luo_iter_init(void)
{
	int err;

	/* Iterator programs are compiled against these context types. */
	BTF_TYPE_EMIT(struct bpf_iter__luo_session);
	BTF_TYPE_EMIT(struct bpf_iter__luo_file);
	luo_iter_session_reg.ctx_arg_info[0].btf_id = luo_iter_btf_ids[0];
	luo_iter_file_reg.ctx_arg_info[0].btf_id = luo_iter_btf_ids[1];
	err = bpf_iter_reg_target(&luo_iter_session_reg);
	if (err)
		return err;
	err = bpf_iter_reg_target(&luo_iter_file_reg);
	if (err)
		bpf_iter_unreg_target(&luo_iter_session_reg);
	return err;
}
