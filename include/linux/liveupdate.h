/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): in-kernel interface for file handlers.
 *
 * A file handler teaches LUO to carry one kind of file across a kexec
 * reboot. Userspace preserves a file in a session (PRESERVE_FD); the first
 * registered handler whose can_preserve() accepts it owns it from then on:
 *
 *   preserve()    at PRESERVE_FD time: do the heavy work (pin, preserve
 *                 memory with KHO), set serialized_data and private_data
 *   unpreserve()  the session was closed before the kexec: undo preserve
 *   freeze()      at reboot(KEXEC), may refresh serialized_data; an error
 *                 aborts the reboot (unfreeze() runs for the others)
 *   unfreeze()    undo freeze()
 *   retrieve()    in the new kernel, from serialized_data: make the file.
 *                 A failure that a retry may overcome (short of memory)
 *                 sets @kept: what retrieve() did so far is held in
 *                 private_data (nothing is lost), userspace gets the error
 *                 and may try again, and finish() releases it all. With
 *                 @kept and no private_data the handler holds nothing:
 *                 LUO unbinds it, and the next retrieval binds whichever
 *                 handler of the format is registered then. Any
 *                 other failure (malformed data) releases everything
 *                 handed over for the file: LUO remembers the error and
 *                 does not call finish()
 *   can_finish()  may the session finish now?
 *   finish()      called once per file in the new kernel, retrieved or
 *                 not (unless its retrieve() failed): release what was
 *                 preserved and is not in use. A file whose FLB failed to
 *                 retrieve never reached retrieve(): it is finished as
 *                 not retrieved
 *   get_id()      identity for the "already preserved anywhere" check
 *   release()     a retired handler's last file is done (BPF handlers)
 *
 * Handlers may be registered and unregistered at any time; a native
 * handler in use by a preserved file cannot be unregistered (-EBUSY).
 * BPF struct_ops handlers (compatible strings "bpf:...", a namespace of
 * their own) are asked before native ones and are retired rather than
 * unregistered: they leave the registry at once and release() runs when
 * their last bound file is done.
 *
 * A file may depend on another file of its own session (a KVM guest_memfd
 * on its VM): at preserve() or freeze() its handler names the other file
 * with liveupdate_get_token_outgoing() and records the token; at
 * retrieve() liveupdate_get_file_incoming() gives it that file, retrieving
 * it first if userspace has not yet. A freeze() that cannot find its
 * partner in the session fails, and with it the reboot.
 *
 * A FLB (file-lifecycle-bound state) is shared state of a handler: it is
 * preserved with the first file of that handler and unpreserved with the
 * last; in the new kernel it is retrieved on first use and finished with
 * the last file.
 *
 * Handover format: Documentation/core-api/liveupdate.rst (luo-v5).
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

struct file;
struct luo_file;
struct module;

/* Compatible strings: up to 47 characters and the NUL. */
#define LIVEUPDATE_HNDL_COMPAT_LENGTH	48
#define LIVEUPDATE_FLB_COMPAT_LENGTH	48

/* Compatible strings of BPF struct_ops handlers, and only theirs. */
#define LIVEUPDATE_BPF_COMPAT_PREFIX	"bpf:"

struct liveupdate_file_handler;

/**
 * struct liveupdate_file_op_args - arguments of file handler callbacks
 * @handler:         the handler being called
 * @retrieved:       finish(): whether the file was retrieved in this kernel
 * @kept:            retrieve(): set with an error that a retry may overcome;
 *                   the preserved memory is kept (untouched, or held through
 *                   @private_data, which the retry and finish() get back)
 * @session:         name of the file's session
 * @token:           the file's token in its session
 * @file:            can_preserve/preserve/unpreserve/freeze: the preserved
 *                   file; retrieve: out, the new file (one reference for LUO)
 * @serialized_data: the handler's own u64 carried across the kexec
 *                   (typically the physical address of its descriptor)
 * @private_data:    runtime data of the handler for this file
 * @luo_file:        private: LUO's record of the file, for
 *                   liveupdate_get_token_outgoing() and
 *                   liveupdate_get_file_incoming(); NULL in can_preserve()
 */
struct liveupdate_file_op_args {
	struct liveupdate_file_handler *handler;
	bool retrieved;
	bool kept;
	const char *session;
	u64 token;
	struct file *file;
	u64 serialized_data;
	void *private_data;
	struct luo_file *luo_file;
};

/**
 * struct liveupdate_file_ops - file handler callbacks
 * @can_preserve: does this handler take @file? Required.
 * @preserve:     required; see the file comment for each callback
 * @unpreserve:   required
 * @freeze:       optional
 * @unfreeze:     optional
 * @retrieve:     required
 * @can_finish:   optional; false makes FINISH fail with EBUSY, and makes
 *                closing the session leave the file unfinished (no
 *                finish(), its memory stays reserved)
 * @finish:       required
 * @get_id:       optional; default identity is the file's inode
 * @release:      optional; a retired handler is no longer used
 * @owner:        module providing the callbacks
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_op_args *args);
	int (*preserve)(struct liveupdate_file_op_args *args);
	void (*unpreserve)(struct liveupdate_file_op_args *args);
	int (*freeze)(struct liveupdate_file_op_args *args);
	void (*unfreeze)(struct liveupdate_file_op_args *args);
	int (*retrieve)(struct liveupdate_file_op_args *args);
	bool (*can_finish)(struct liveupdate_file_op_args *args);
	void (*finish)(struct liveupdate_file_op_args *args);
	unsigned long (*get_id)(struct file *file);
	void (*release)(struct liveupdate_file_handler *handler);
	struct module *owner;
};

/**
 * struct liveupdate_file_handler - a file handler
 * @ops:        its callbacks
 * @compatible: format name written into the handover, e.g. "memfd-v2"
 * @list:       private: entry in the handler registry
 * @flbs:       private: FLBs registered on this handler
 * @users:      private: files (outgoing or incoming) bound to it
 * @retired:    private: out of the registry, released with its last file
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	struct list_head list;
	struct list_head flbs;
	unsigned long users;
	bool retired;
};

struct liveupdate_flb;

/**
 * struct liveupdate_flb_op_args - arguments of FLB callbacks
 * @flb:  the FLB
 * @data: preserve: out, the u64 carried across; retrieve/finish: in
 * @obj:  preserve: out, runtime object; unpreserve: in;
 *        retrieve: out, the restored object; finish: in
 */
struct liveupdate_flb_op_args {
	struct liveupdate_flb *flb;
	u64 data;
	void *obj;
};

/**
 * struct liveupdate_flb_ops - FLB callbacks
 * @preserve:   with the first dependent file; required
 * @unpreserve: with the last dependent file (before the kexec); required
 * @retrieve:   new kernel, on first use; required
 * @finish:     new kernel, when its last file finishes; required
 * @owner:      module providing the callbacks
 */
struct liveupdate_flb_ops {
	int (*preserve)(struct liveupdate_flb_op_args *args);
	void (*unpreserve)(struct liveupdate_flb_op_args *args);
	int (*retrieve)(struct liveupdate_flb_op_args *args);
	void (*finish)(struct liveupdate_flb_op_args *args);
	struct module *owner;
};

/**
 * struct liveupdate_flb - file-lifecycle-bound state
 * @ops:        callbacks
 * @compatible: format name written into the handover
 * @private:    private: LUO's bookkeeping
 */
struct liveupdate_flb {
	const struct liveupdate_flb_ops *ops;
	char compatible[LIVEUPDATE_FLB_COMPAT_LENGTH];
	struct {
		struct list_head list;		/* all registered FLBs */
		unsigned int handlers;		/* handlers it is registered on */
		unsigned long out_count;	/* outgoing dependent files */
		u64 out_data;
		void *out_obj;
	} private;
};

#ifdef CONFIG_LIVEUPDATE

bool liveupdate_enabled(void);
int liveupdate_register_file_handler(struct liveupdate_file_handler *fh);
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh);
int liveupdate_register_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb);
int liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
			      struct liveupdate_flb *flb);
int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp);
int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp);
int liveupdate_reboot(void);
void liveupdate_kexec_shutdown(void);
int liveupdate_get_token_outgoing(struct liveupdate_file_op_args *args,
				  struct file *file, u64 *tokenp);
int liveupdate_get_file_incoming(struct liveupdate_file_op_args *args,
				 u64 token, struct file **filep);

#else

static inline bool liveupdate_enabled(void) { return false; }

static inline int
liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_register_flb(struct liveupdate_file_handler *fh,
					  struct liveupdate_flb *flb)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
					    struct liveupdate_flb *flb)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_flb_get_incoming(struct liveupdate_flb *flb,
					      void **objp)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb,
					      void **objp)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_reboot(void) { return 0; }
static inline void liveupdate_kexec_shutdown(void) { }

static inline int
liveupdate_get_token_outgoing(struct liveupdate_file_op_args *args,
			      struct file *file, u64 *tokenp)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_get_file_incoming(struct liveupdate_file_op_args *args,
			     u64 token, struct file **filep)
{
	return -EOPNOTSUPP;
}

#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
