/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator internals: handover format (luo-v5), sessions,
 * files, FLBs.
 *
 * Lock order (outermost first), the one place it is written down (the
 * same in Documentation/core-api/liveupdate.rst):
 *   (BPF struct_ops update_mutex, when reg/update/unreg come from BPF)
 *   luo_reboot_rwsem    read: every ioctl, session release, iterator and
 *                       BPF attach; write: the reboot's freeze and its dry
 *                       run, which so see every session stand still
 *   luo_sessions_lock   the session lists, name tables and the session
 *                       blocks; never held across a handler callback
 *   luo_session.mutex   one session: its files and their callbacks (a
 *                       partner's nested retrieve stays in the session)
 *   luo_bpf_lock        BPF handlers, their files, the luo-bpf trees
 *   luo_handlers_lock   the handler registry (also taken alone)
 *   luo_flb_lock        FLB state
 *   kho_out.lock        KHO subtrees
 * Handler callbacks run under their session's mutex (at the reboot, under
 * luo_reboot_rwsem held for writing as well), so callbacks of different
 * sessions run at once: a handler guards its shared state with its own
 * lock. can_preserve() runs under luo_handlers_lock too.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/kho/abi/luo.h>
#include <linux/kho/abi/luo_timeline.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* The handover format (luo-v5) is in <linux/kho/abi/luo.h>. */

/* ---- Block sets: serialization space reserved ahead of the reboot ----- */

struct luo_blocks {
	size_t entry_size;
	unsigned int per_block;
	unsigned int nr_blocks;
	struct luo_ser_block **blocks;	/* preserved pages */
};

void luo_blocks_init(struct luo_blocks *b, size_t entry_size);
int luo_blocks_reserve(struct luo_blocks *b, unsigned long nr_entries);
void luo_blocks_destroy(struct luo_blocks *b);
void *luo_blocks_entry(struct luo_blocks *b, unsigned long idx);
u64 luo_blocks_seal(struct luo_blocks *b, unsigned long nr_entries);

typedef int (*luo_entry_fn)(const void *entry, void *arg);
int luo_blocks_read(u64 first, size_t entry_size, luo_entry_fn fn, void *arg);

/* ---- Runtime objects --------------------------------------------------- */

struct luo_session;

struct luo_file {
	struct list_head list;			/* in session->files, in order */
	struct luo_session *session;		/* the session it is in */
	struct rhash_head hnode;		/* in session->files_ht, by token */
	struct liveupdate_file_handler *handler;	/* NULL: not bound yet */
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u64 token;
	u64 data;				/* serialized_data */
	void *private_data;
	struct file *file;		/* outgoing: preserved; incoming: retrieved */
	unsigned long id;		/* outgoing: key in luo_preserved */
	int retrieve_err;		/* sticky */
	bool released;			/* handler's retrieve failed: no finish() */
	bool frozen;
	bool busy;			/* incoming: can_finish said no */
	bool retrieving;		/* incoming: in its handler's retrieve() */
};

struct luo_session {
	struct mutex mutex;		/* its files and their callbacks */
	struct list_head list;		/* outgoing or incoming, in order */
	struct rhash_head hnode;	/* same, by name */
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];	/* NUL padded */
	bool incoming;
	bool retrieved;			/* incoming: fd handed out */
	bool finished;
	unsigned int partner_depth;	/* incoming: nested partner retrieves */
	struct list_head files;
	struct rhashtable files_ht;
	unsigned long nr_files;
	struct luo_blocks file_blocks;	/* outgoing */
};

extern struct rw_semaphore luo_reboot_rwsem;
extern struct mutex luo_sessions_lock;
extern struct rw_semaphore luo_handlers_lock;
extern bool luo_frozen;
extern bool luo_freeze_dry_run;

/* luo_core.c */
int luo_ensure_incoming(void);
struct dentry *luo_debugfs_dir(void);

/* luo_test.c, luo_test_damage.c: the hooks of the tests, stubs without */
#ifdef CONFIG_LIVEUPDATE_TEST
void luo_test_frozen_hold(void);
int luo_test_set_damage(const char *how);
void luo_test_damage(struct luo_ser_header *hdr, u64 sessions_pa);
#else
static inline void luo_test_frozen_hold(void) { }
static inline void luo_test_damage(struct luo_ser_header *hdr,
				   u64 sessions_pa) { }
#endif

/* luo_session.c */
extern struct list_head luo_out_sessions;
extern struct list_head luo_in_sessions;
int luo_session_create(const char *name, struct file **filep);
int luo_session_retrieve(const char *name, struct file **filep);
int luo_sessions_serialize(u64 *sessions_pa);
int luo_sessions_deserialize(u64 sessions_pa);
void luo_sessions_discard_incoming(void);
int luo_sessions_init(void);

/* luo_file.c */
int luo_handler_register(struct liveupdate_file_handler *fh, bool first);
void luo_handler_retire(struct liveupdate_file_handler *fh);
struct liveupdate_file_handler *luo_handler_find(const char *compatible);
int luo_handler_get(struct liveupdate_file_handler *fh);
void luo_handler_put(struct liveupdate_file_handler *fh);
int luo_file_table_init(struct luo_session *s);
int luo_file_link(struct luo_session *s, struct luo_file *f);
void luo_file_unlink(struct luo_session *s, struct luo_file *f);
int luo_file_preserve(struct luo_session *s, u64 token, int fd);
void luo_file_unpreserve_all(struct luo_session *s);
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep);
int luo_file_finish_all(struct luo_session *s, bool force);
int luo_files_freeze(void);
void luo_files_unfreeze(void);
unsigned int luo_files_freeze_check(unsigned int *nr_files, int *first_err);
void luo_file_serialize(struct luo_file *f, struct luo_ser_file *ser);

/* luo_flb.c */
int luo_flb_file_preserve(struct liveupdate_file_handler *fh);
void luo_flb_file_unpreserve(struct liveupdate_file_handler *fh);
void luo_flb_file_finish(struct liveupdate_file_handler *fh);
int luo_flb_file_retrieve(struct liveupdate_file_handler *fh);
int luo_flb_init(void);
void luo_flb_destroy(void);
u64 luo_flb_serialize(void);

struct luo_flb_state {
	bool in_present;
	bool in_retrieved;
	bool in_finished;
	u64 in_files;
};

void luo_flb_incoming_state(struct liveupdate_flb *flb, struct luo_flb_state *st);
int luo_flb_deserialize(u64 flbs_pa);

/*
 * luo_timeline.c: the moments of a live update, the previous kernel's
 * (enum luo_timeline_out_phase, handed over) and then this kernel's.
 */
enum luo_timeline_phase {
	LUO_TL_FREEZE = LUO_TIMELINE_FREEZE,
	LUO_TL_FROZEN = LUO_TIMELINE_FROZEN,
	LUO_TL_SERIALIZED = LUO_TIMELINE_SERIALIZED,
	LUO_TL_SHUTDOWN = LUO_TIMELINE_SHUTDOWN,
	LUO_TL_HANDOVER_FOUND = LUO_TIMELINE_OUT_NR,
	LUO_TL_KHO_WALKED,
	LUO_TL_DEV_OPEN,
	LUO_TL_FIRST_RETRIEVE,
	LUO_TL_LAST_RETRIEVE,
	LUO_TL_FINISH,
	LUO_TL_NR,
};

struct dentry;
int luo_timeline_init(struct dentry *dir);
void luo_timeline_mark(enum luo_timeline_phase phase);
void luo_timeline_out(enum luo_timeline_out_phase phase);

/* luo_bpf*.c: BPF struct_ops handlers */
#ifdef CONFIG_LIVEUPDATE_BPF
int luo_bpf_serialize(void);
bool luo_bpf_finish_unclaimed(struct luo_file *f);
void luo_bpf_file_info(struct luo_file *f, u32 *bpf, char *backend,
		       u32 *schema, u32 *state_size, u8 *state);
int luo_iter_init(void);
void *luo_bpf_fdt_outgoing(size_t *len);
#else
static inline int luo_bpf_serialize(void) { return 0; }
static inline void *luo_bpf_fdt_outgoing(size_t *len) { return NULL; }
static inline bool luo_bpf_finish_unclaimed(struct luo_file *f)
{
	return false;
}
#endif

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
