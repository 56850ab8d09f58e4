// SPDX-License-Identifier: GPL-2.0
/*
 * luo_bpf_fdt.c - the "luo-bpf" KHO subtree: BPF handlers and the state of
 * each of their files (format: include/linux/kho/abi/luo_bpf_fdt.h).
 *
 * Outgoing. The subtree is one preserved, physically contiguous buffer.
 * Every PRESERVE_FD (and every handler attach) reserves an upper bound of
 * the bytes its node takes, growing the buffer then if needed, so that the
 * reboot path writes the whole tree with libfdt's sequential-write calls
 * into space it already has: no allocation, no failure but a bug.
 *
 * Incoming. At boot the previous kernel's tree is checked and each file
 * node becomes a record, found by (session, token) when LUO binds the file
 * to a handler, or when it finishes a file no handler claimed. Records
 * point into the tree, which is freed with the last of them. Each node is
 * checked on its own: a malformed file node costs that file its state, a
 * malformed handler node its files' state, with one log line each. A tree
 * that fails a check as a whole (its header, its compatible: a newer
 * format) is ignored with one log line. A file without a record is still
 * retrieved, through its handler's backend and without state: its memory
 * is never lost to a damaged or unknown tree.
 */
#define pr_fmt(fmt) "liveupdate: bpf: " fmt

#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"
#include "luo_bpf_internal.h"

KHO_ADVERTISE_FORMAT(luo_bpf, LUO_BPF_FDT_COMPATIBLE);

/* ---- Outgoing ---------------------------------------------------------- */

static void *luo_bpf_fdt_out;		/* preserved; the "luo-bpf" subtree */
static size_t luo_bpf_fdt_cap;
static long luo_bpf_fdt_need = LUO_BPF_FDT_BASE_BYTES;

/* An empty tree, so that a reader never sees garbage before the reboot. */
static int luo_bpf_fdt_write_empty(void *fdt, size_t cap)
{
	int err;

	err = fdt_create(fdt, cap);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, LUO_BPF_FDT_COMPAT_PROP,
					 LUO_BPF_FDT_COMPATIBLE);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	return err ? -ENOSPC : 0;
}

/* Replace the outgoing buffer by one of @cap bytes. */
static int luo_bpf_fdt_resize(size_t cap)
{
	void *old = luo_bpf_fdt_out, *fdt;
	int err;

	lockdep_assert_held(&luo_bpf_lock);
	fdt = kho_alloc_preserve(cap);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = luo_bpf_fdt_write_empty(fdt, cap);
	if (err)
		goto err_free;
	if (old)
		kho_remove_subtree(old);
	err = kho_add_subtree(LUO_BPF_FDT_NAME, fdt, cap);
	if (err) {
		if (old && kho_add_subtree(LUO_BPF_FDT_NAME, old, luo_bpf_fdt_cap))
			pr_err("lost the handover subtree\n");
		goto err_free;
	}
	if (old)
		kho_unpreserve_free(old);
	luo_bpf_fdt_out = fdt;
	luo_bpf_fdt_cap = cap;
	return 0;

err_free:
	kho_unpreserve_free(fdt);
	return err;
}

/**
 * luo_bpf_fdt_reserve - account for @bytes more (or fewer) in the tree
 * @bytes: an upper bound of the bytes a node takes, negative to give back
 *
 * Caller holds luo_bpf_lock. Growing never shrinks the buffer back: the space
 * is likely to be needed again by the next file.
 *
 * Return: 0, -ENOSPC beyond LUO_BPF_FDT_MAX_SIZE, or -ENOMEM.
 */
int luo_bpf_fdt_reserve(long bytes)
{
	long need = luo_bpf_fdt_need + bytes;
	int err;

	lockdep_assert_held(&luo_bpf_lock);
	if (need > (long)LUO_BPF_FDT_MAX_SIZE) {
		pr_warn_ratelimited("handover state would exceed %lu bytes\n",
				    LUO_BPF_FDT_MAX_SIZE);
		return -ENOSPC;
	}
	if (need > (long)luo_bpf_fdt_cap) {
		err = luo_bpf_fdt_resize(roundup_pow_of_two(need));
		if (err)
			return err;
	}
	luo_bpf_fdt_need = need;
	return 0;
}

static int luo_bpf_fdt_write_handler(void *fdt, struct luo_bpf_handler *h,
				     unsigned int idx)
{
	struct luo_bpf_file *bf;
	unsigned int fidx = 0;
	char name[24];
	int err;

	snprintf(name, sizeof(name), LUO_BPF_FDT_HANDLER "@%x", idx);
	err = fdt_begin_node(fdt, name);
	err = err ?: fdt_property_string(fdt, LUO_BPF_FDT_COMPAT_PROP,
					 h->fh.compatible);
	err = err ?: fdt_property_string(fdt, LUO_BPF_FDT_BACKEND,
					 h->backend->compatible);
	err = err ?: fdt_property_u32(fdt, LUO_BPF_FDT_SCHEMA, h->schema);
	err = err ?: fdt_property_u32(fdt, LUO_BPF_FDT_STATE_SIZE,
				      h->state_size);
	list_for_each_entry(bf, &h->files, node) {
		if (err)
			break;
		snprintf(name, sizeof(name), LUO_BPF_FDT_FILE "@%x", fidx++);
		err = fdt_begin_node(fdt, name);
		err = err ?: fdt_property_string(fdt, LUO_BPF_FDT_SESSION,
						 bf->session);
		err = err ?: fdt_property_u64(fdt, LUO_BPF_FDT_TOKEN, bf->token);
		err = err ?: fdt_property_u32(fdt, LUO_BPF_FDT_SCHEMA, bf->schema);
		err = err ?: fdt_property(fdt, LUO_BPF_FDT_STATE, bf->state,
					  h->state_size);
		err = err ?: fdt_end_node(fdt);
	}
	return err ?: fdt_end_node(fdt);
}

/**
 * luo_bpf_serialize - write the "luo-bpf" tree for the kexec
 *
 * Reboot path, after every file froze (luo_reboot_rwsem held for
 * writing). Writes into the buffer reserved ahead of time and does not
 * allocate.
 *
 * Return: 0, or -ENOSPC if the reservation was short (a bug; the reboot
 * is then refused rather than losing state).
 */
int luo_bpf_serialize(void)
{
	void *fdt = luo_bpf_fdt_out;
	struct luo_bpf_handler *h;
	unsigned int idx = 0;
	int err;

	lockdep_assert_held_write(&luo_reboot_rwsem);
	if (!fdt)
		return 0;
	mutex_lock(&luo_bpf_lock);
	err = fdt_create(fdt, luo_bpf_fdt_cap);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, LUO_BPF_FDT_COMPAT_PROP,
					 LUO_BPF_FDT_COMPATIBLE);
	list_for_each_entry(h, &luo_bpf_handlers, node) {
		if (err)
			break;
		if (h->nr_files)
			err = luo_bpf_fdt_write_handler(fdt, h, idx++);
	}
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		pr_err("handover tree does not fit in %zu bytes: %s\n",
		       luo_bpf_fdt_cap, fdt_strerror(err));
		luo_bpf_fdt_write_empty(fdt, luo_bpf_fdt_cap);
		err = -ENOSPC;
	}
	mutex_unlock(&luo_bpf_lock);
	return err;
}

/* The outgoing tree as luo_bpf_serialize() wrote it, and its size; or NULL. */
void *luo_bpf_fdt_outgoing(size_t *len)
{
	if (!luo_bpf_fdt_out)
		return NULL;
	*len = fdt_totalsize(luo_bpf_fdt_out);
	return luo_bpf_fdt_out;
}

/* ---- Incoming ---------------------------------------------------------- */

static DEFINE_HASHTABLE(luo_bpf_in_table, 8);
static struct folio *luo_bpf_in_folio;	/* holds the tree */
static unsigned long luo_bpf_in_count;	/* records not yet done */

static u32 luo_bpf_in_hash(const char *session, u64 token)
{
	return jhash(session, strnlen(session, LIVEUPDATE_SESSION_NAME_LENGTH),
		     (u32)token ^ (u32)(token >> 32));
}

/* The record of (@session, @token) in the table, or NULL. */
static struct luo_bpf_in_file *__luo_bpf_in_find(const char *session,
						 u64 token)
{
	struct luo_bpf_in_file *in;

	lockdep_assert_held(&luo_bpf_lock);
	hash_for_each_possible(luo_bpf_in_table, in, hnode,
			       luo_bpf_in_hash(session, token))
		if (in->token == token && !strcmp(in->session, session))
			return in;
	return NULL;
}

/* A NUL-terminated string property of at most @max bytes, or NULL. */
static const char *luo_bpf_fdt_str(const void *fdt, int node,
				   const char *prop, int max)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);

	if (!s || len < 2 || len > max || s[len - 1] || strlen(s) != len - 1)
		return NULL;
	return s;
}

static int luo_bpf_fdt_u32(const void *fdt, int node, const char *prop,
			   u32 *val)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

	if (!p || len != sizeof(*p))
		return -EINVAL;
	*val = fdt32_to_cpu(*p);
	return 0;
}

static int luo_bpf_fdt_load_file(const void *fdt, int node,
				 const char *compatible, const char *backend,
				 u32 state_size)
{
	struct luo_bpf_in_file *in;
	const char *session;
	const fdt64_t *token;
	const u8 *state;
	int len;
	u32 schema;

	session = luo_bpf_fdt_str(fdt, node, LUO_BPF_FDT_SESSION,
				  LIVEUPDATE_SESSION_NAME_LENGTH);
	token = fdt_getprop(fdt, node, LUO_BPF_FDT_TOKEN, &len);
	if (!session || !token || len != sizeof(*token) ||
	    luo_bpf_fdt_u32(fdt, node, LUO_BPF_FDT_SCHEMA, &schema) || !schema)
		return -EINVAL;
	state = fdt_getprop(fdt, node, LUO_BPF_FDT_STATE, &len);
	if (!state || len != state_size)
		return -EINVAL;
	/* Two records of one file: the first stands. */
	if (__luo_bpf_in_find(session, fdt64_to_cpu(*token)))
		return -EEXIST;

	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	strscpy(in->session, session, sizeof(in->session));
	in->token = fdt64_to_cpu(*token);
	strscpy(in->compatible, compatible, sizeof(in->compatible));
	strscpy(in->backend, backend, sizeof(in->backend));
	in->schema = schema;
	in->state_size = state_size;
	in->state = state;
	hash_add(luo_bpf_in_table, &in->hnode,
		 luo_bpf_in_hash(in->session, in->token));
	luo_bpf_in_count++;
	return 0;
}

static int luo_bpf_fdt_load_handler(const void *fdt, int node)
{
	const char *compatible, *backend;
	u32 state_size;
	int fnode, err;

	compatible = luo_bpf_fdt_str(fdt, node, LUO_BPF_FDT_COMPAT_PROP,
				     LIVEUPDATE_HNDL_COMPAT_LENGTH);
	backend = luo_bpf_fdt_str(fdt, node, LUO_BPF_FDT_BACKEND,
				  LIVEUPDATE_HNDL_COMPAT_LENGTH);
	if (!compatible || !backend ||
	    !str_has_prefix(compatible, LIVEUPDATE_BPF_COMPAT_PREFIX) ||
	    luo_bpf_fdt_u32(fdt, node, LUO_BPF_FDT_STATE_SIZE, &state_size) ||
	    state_size > LUO_BPF_STATE_MAX)
		return -EINVAL;
	fdt_for_each_subnode(fnode, fdt, node) {
		err = luo_bpf_fdt_load_file(fdt, fnode, compatible, backend,
					    state_size);
		if (err == -ENOMEM)
			return err;
		/* One bad node costs its own file's state, no other's. */
		if (err)
			pr_warn_ratelimited("'%s': file node %s is malformed, its state is ignored\n",
					    compatible, fdt_get_name(fdt, fnode, NULL));
	}
	return fnode == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
}

static void luo_bpf_in_drop_all(void)
{
	struct luo_bpf_in_file *in;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(luo_bpf_in_table, bkt, tmp, in, hnode) {
		hash_del(&in->hnode);
		kfree(in);
	}
	luo_bpf_in_count = 0;
}

static void luo_bpf_fdt_load(void)
{
	struct folio *folio;
	const void *fdt;
	phys_addr_t phys;
	size_t size;
	int node, err;

	err = kho_retrieve_subtree(LUO_BPF_FDT_NAME, &phys, &size);
	if (err == -ENOENT)
		return;
	if (err || size > LUO_BPF_FDT_MAX_SIZE || !PAGE_ALIGNED(phys)) {
		pr_warn("handover tree is malformed, BPF handler state ignored\n");
		return;
	}
	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_warn("handover tree was not preserved, BPF handler state ignored\n");
		return;
	}
	fdt = folio_address(folio);
	err = -EINVAL;
	if (size < FDT_V17_SIZE || size > folio_size(folio) ||
	    fdt_check_header(fdt) || fdt_totalsize(fdt) > size ||
	    fdt_node_check_compatible(fdt, 0, LUO_BPF_FDT_COMPATIBLE))
		goto bad;
	fdt_for_each_subnode(node, fdt, 0) {
		err = luo_bpf_fdt_load_handler(fdt, node);
		if (err == -ENOMEM)
			goto bad;
		if (err)
			pr_warn_ratelimited("handler node %s is malformed, the state of its files is ignored\n",
					    fdt_get_name(fdt, node, NULL));
	}
	if (!luo_bpf_in_count) {
		folio_put(folio);
		return;
	}
	luo_bpf_in_folio = folio;
	pr_info("state of %lu files of BPF handlers handed over\n",
		luo_bpf_in_count);
	return;

bad:
	pr_warn("handover tree is malformed (%d), BPF handler state ignored\n",
		err);
	luo_bpf_in_drop_all();
	folio_put(folio);
}

/**
 * luo_bpf_in_take - the record of an incoming file, taken out of the table
 * @session: its session name
 * @token:   its token
 *
 * The caller (under the file's session mutex) owns the record until it
 * gives it back with luo_bpf_in_keep() or luo_bpf_in_put().
 *
 * Return: the record, or NULL if the handover has none.
 */
struct luo_bpf_in_file *luo_bpf_in_take(const char *session, u64 token)
{
	struct luo_bpf_in_file *in;

	mutex_lock(&luo_bpf_lock);
	in = __luo_bpf_in_find(session, token);
	if (in)
		hash_del(&in->hnode);
	mutex_unlock(&luo_bpf_lock);
	return in;
}

/**
 * luo_bpf_in_blank - a record for an incoming file the handover has none for
 * @session:    its session name
 * @token:      its token
 * @compatible: its LUO compatible
 * @backend:    the backend that will retrieve it
 *
 * Schema 0, no state: the file is still retrievable through its backend.
 * The caller gives it back with luo_bpf_in_keep() or luo_bpf_in_put().
 *
 * Return: the record, or NULL if out of memory.
 */
struct luo_bpf_in_file *luo_bpf_in_blank(const char *session, u64 token,
					 const char *compatible,
					 const char *backend)
{
	struct luo_bpf_in_file *in = kzalloc(sizeof(*in), GFP_KERNEL);

	if (!in)
		return NULL;
	strscpy(in->session, session, sizeof(in->session));
	in->token = token;
	strscpy(in->compatible, compatible, sizeof(in->compatible));
	strscpy(in->backend, backend, sizeof(in->backend));
	mutex_lock(&luo_bpf_lock);
	luo_bpf_in_count++;
	mutex_unlock(&luo_bpf_lock);
	return in;
}

/* Put a taken record back in the table. */
void luo_bpf_in_keep(struct luo_bpf_in_file *in)
{
	mutex_lock(&luo_bpf_lock);
	hash_add(luo_bpf_in_table, &in->hnode,
		 luo_bpf_in_hash(in->session, in->token));
	mutex_unlock(&luo_bpf_lock);
}

/*
 * The record of an incoming file, left in the table. Only the file's own
 * session takes it out, and the caller holds that session's mutex, so the
 * record stays valid after the table's lock is dropped.
 */
struct luo_bpf_in_file *luo_bpf_in_find(const char *session, u64 token)
{
	struct luo_bpf_in_file *in;

	mutex_lock(&luo_bpf_lock);
	in = __luo_bpf_in_find(session, token);
	mutex_unlock(&luo_bpf_lock);
	return in;
}

/* The file is done: the last record frees the tree. */
void luo_bpf_in_put(struct luo_bpf_in_file *in)
{
	kfree(in);
	mutex_lock(&luo_bpf_lock);
	if (!--luo_bpf_in_count && luo_bpf_in_folio) {
		folio_put(luo_bpf_in_folio);
		luo_bpf_in_folio = NULL;
		pr_info("handed-over state of BPF handlers released\n");
	}
	mutex_unlock(&luo_bpf_lock);
}

/*
 * A handler of @compatible over @backend attaches: say if files of that
 * compatible were handed over kept by another backend. Their memory is in
 * a format this backend cannot read: each of them is refused at retrieve
 * (EPROTO, memory kept) until a handler over their backend attaches. One
 * damaged record must not keep a handler from every other file.
 */
void luo_bpf_in_check_handler(const char *compatible, const char *backend)
{
	struct luo_bpf_in_file *in, *other = NULL;
	unsigned long n = 0;
	int bkt;

	lockdep_assert_held(&luo_bpf_lock);
	hash_for_each(luo_bpf_in_table, bkt, in, hnode) {
		if (!strcmp(in->compatible, compatible) &&
		    strcmp(in->backend, backend)) {
			other = in;
			n++;
		}
	}
	if (n)
		pr_warn("'%s' over '%s': %lu incoming files of it use backend '%s' (or another): they stay reserved for a handler over theirs\n",
			compatible, backend, n, other->backend);
}

/* Boot: read what the previous kernel handed over, set up the outgoing tree. */
int luo_bpf_fdt_init(void)
{
	int err;

	mutex_lock(&luo_bpf_lock);
	luo_bpf_fdt_load();
	err = luo_bpf_fdt_resize(PAGE_SIZE);
	mutex_unlock(&luo_bpf_lock);
	return err;
}
