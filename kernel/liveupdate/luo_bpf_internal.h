/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_bpf_internal.h - BPF struct_ops file handlers of the Live Update
 * Orchestrator.
 *
 * The types BPF programs see (struct luo_bpf_ops, struct luo_bpf_ctx) are
 * found through BTF (vmlinux.h); the rest is private to luo_bpf*.c.
 * luo_bpf_lock guards what files of different sessions share: the handler
 * list, each handler's file list, the outgoing tree's reservation and the
 * table of incoming records. A file's own state is under its session's
 * mutex; a link update takes luo_reboot_rwsem for writing, so no callback
 * runs while the programs are swapped.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_BPF_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_BPF_INTERNAL_H

#include <linux/kho/abi/luo_bpf_fdt.h>
#include <linux/liveupdate.h>
#include <linux/list.h>
#include <linux/types.h>

struct file;

/**
 * enum luo_bpf_ctx_flags - luo_bpf_ctx.flags; in BTF, so programs have them
 *                          from vmlinux.h
 * @LUO_BPF_F_INCOMING:  a file of the previous kernel
 * @LUO_BPF_F_RETRIEVED: can_finish and finish: the file was retrieved
 * @LUO_BPF_F_NO_STATE:  incoming, but the handover had no readable state
 *                       for it (schema 0, no state)
 */
enum luo_bpf_ctx_flags {
	LUO_BPF_F_INCOMING	= 1U << 0,
	LUO_BPF_F_RETRIEVED	= 1U << 1,
	LUO_BPF_F_NO_STATE	= 1U << 2,
};

/* Longest file name shown to programs ("memfd:" and the memfd's name). */
#define LUO_BPF_NAME_LENGTH	256

/**
 * struct luo_bpf_ctx - what a BPF handler learns about the file at hand
 * @session:    name of the LUO session
 * @name:       the file's name, e.g. "memfd:vm-3" (truncated, NUL ended)
 * @token:      the file's token in @session
 * @size:       file size in bytes (0 when no file is given)
 * @seals:      F_SEAL_* of a memfd, 0 otherwise
 * @schema:     schema the file's state was last written with: by
 *              preserve, or by freeze (outgoing), or in the previous
 *              kernel (incoming). After a link update to a newer schema,
 *              freeze sees the old one and may convert the state
 * @state_size: bytes of state reachable with the bpf_luo_state kfuncs
 * @flags:      LUO_BPF_F_*
 *
 * Read-only for programs; it lives on the kernel stack for one call.
 */
struct luo_bpf_ctx {
	char session[LIVEUPDATE_SESSION_NAME_LENGTH];
	char name[LUO_BPF_NAME_LENGTH];
	u64 token;
	u64 size;
	u32 seals;
	u32 schema;
	u32 state_size;
	u32 flags;
};

/**
 * struct luo_bpf_ops - a LUO file handler written in BPF
 * @can_preserve: does this handler take @file? Required. After the
 *                backend accepted it; must not sleep.
 * @preserve:     PRESERVE_FD, before the backend preserves the memory:
 *                0, or an errno refusing the file. May sleep. Writes the
 *                initial state with bpf_luo_state().
 * @unpreserve:   the file is no longer preserved (session closed)
 * @freeze:       reboot: 0, or an errno vetoing the kexec (it fails, and
 *                every session stays usable). Last chance to write state.
 * @unfreeze:     the kexec was aborted after @freeze succeeded
 * @retrieve:     new kernel, after the backend made the file: 0, an errno
 *                refusing it for now (RETRIEVE_FD fails with it, the
 *                memory is kept for a later try, e.g. by another version
 *                of the handler, until FINISH). May sleep. The old
 *                state is read with bpf_luo_state_ro().
 * @can_finish:   may the session finish? @file is NULL if not retrieved
 *                (asked for every incoming file whose handler is attached)
 * @finish:       the file's live update is over; @file NULL if not
 *                retrieved
 * @compatible:   "bpf:<name>-v<N>", the LUO compatible of its files
 * @backend:      the native handler keeping the memory, e.g. "memfd-v2"
 * @state_size:   bytes of state carried per file, at most 4000
 * @schema:       version of the state's layout, at least 1
 * @flags:        must be 0
 */
struct luo_bpf_ops {
	bool (*can_preserve)(struct luo_bpf_ctx *ctx, struct file *file);
	int (*preserve)(struct luo_bpf_ctx *ctx, struct file *file);
	void (*unpreserve)(struct luo_bpf_ctx *ctx, struct file *file);
	int (*freeze)(struct luo_bpf_ctx *ctx, struct file *file);
	void (*unfreeze)(struct luo_bpf_ctx *ctx, struct file *file);
	int (*retrieve)(struct luo_bpf_ctx *ctx, struct file *file);
	bool (*can_finish)(struct luo_bpf_ctx *ctx, struct file *file);
	void (*finish)(struct luo_bpf_ctx *ctx, struct file *file);
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	char backend[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u32 state_size;
	u32 schema;
	u64 flags;
};

/* Member indexes, as BPF programs' expected_attach_type carries them. */
enum luo_bpf_op {
	LUO_BPF_OP_CAN_PRESERVE,
	LUO_BPF_OP_PRESERVE,
	LUO_BPF_OP_UNPRESERVE,
	LUO_BPF_OP_FREEZE,
	LUO_BPF_OP_UNFREEZE,
	LUO_BPF_OP_RETRIEVE,
	LUO_BPF_OP_CAN_FINISH,
	LUO_BPF_OP_FINISH,
	LUO_BPF_NR_OPS,
};

/*
 * One call of a BPF op: the context the program sees and the state it
 * may reach through kfuncs (only in the ops that allow them, see
 * luo_bpf_kfuncs.c).
 */
#define LUO_BPF_REASON_LENGTH	64

struct luo_bpf_call {
	struct luo_bpf_ctx ctx;
	u8 *state;		/* writable state, or NULL */
	const u8 *state_ro;	/* readable state, or NULL */
	char reason[LUO_BPF_REASON_LENGTH];	/* freeze: why it vetoed */
};

/* A BPF handler: the registry entry LUO sees, around the struct_ops. */
struct luo_bpf_handler {
	struct liveupdate_file_handler fh;
	struct luo_bpf_ops *ops;	/* kdata of the attached map */
	struct liveupdate_file_handler *backend;	/* pinned */
	u32 schema;
	u32 state_size;
	struct list_head node;		/* luo_bpf_handlers */
	struct list_head files;		/* outgoing luo_bpf_file */
	unsigned long nr_files;
};

/*
 * An incoming file's record, read from the previous kernel's FDT (or
 * blank, schema 0 and no state, for a file whose node was missing or
 * malformed). It also holds what a failed retrieve leaves for the next
 * one, whichever handler that is: a retrieve that fails before the file
 * is returned never frees its memory, only FINISH or a discard does.
 */
struct luo_bpf_in_file {
	struct hlist_node hnode;
	char session[LIVEUPDATE_SESSION_NAME_LENGTH];
	u64 token;
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	char backend[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u32 schema;
	u32 state_size;
	const u8 *state;		/* in the FDT; NULL if blank */
	void *backend_private;		/* the backend kept it for a retry */
	struct file *made;		/* the backend made it, a program refused */
};

/* A file bound to a BPF handler (outgoing or incoming). */
struct luo_bpf_file {
	struct list_head node;		/* in handler->files (outgoing) */
	struct luo_bpf_handler *h;
	const char *session;
	u64 token;
	u64 backend_data;
	void *backend_private;
	u32 schema;			/* outgoing: of the state as written */
	struct luo_bpf_in_file *in;	/* incoming: what was carried */
	u8 state[];			/* outgoing: h->state_size bytes */
};

/* luo_bpf.c */
extern struct list_head luo_bpf_handlers;
extern struct mutex luo_bpf_lock;

/* luo_bpf_fdt.c */
int luo_bpf_fdt_init(void);
int luo_bpf_fdt_reserve(long bytes);
struct luo_bpf_in_file *luo_bpf_in_take(const char *session, u64 token);
struct luo_bpf_in_file *luo_bpf_in_find(const char *session, u64 token);
struct luo_bpf_in_file *luo_bpf_in_blank(const char *session, u64 token,
					 const char *compatible,
					 const char *backend);
void luo_bpf_in_keep(struct luo_bpf_in_file *in);
void luo_bpf_in_put(struct luo_bpf_in_file *in);
void luo_bpf_in_check_handler(const char *compatible, const char *backend);

/* luo_bpf_kfuncs.c */
int luo_bpf_kfuncs_init(void);

#endif /* _KERNEL_LIVEUPDATE_LUO_BPF_INTERNAL_H */
