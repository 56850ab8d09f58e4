// SPDX-License-Identifier: GPL-2.0
/*
 * luo_flb.c - file-lifecycle-bound (FLB) state.
 *
 * An FLB is registered on one or more file handlers. Outgoing, it is
 * preserved when the first file of those handlers is preserved and
 * unpreserved with the last; its u64 is written to the FLB page at
 * reboot. Incoming, the FLB page is read at LUO's init, so drivers can have
 * their data at boot; an entry is retrieved on first use (a dependent
 * file's retrieve, or liveupdate_flb_get_incoming()) and finished when the
 * last of the files that depended on it finishes.
 *
 * luo_flb_lock is innermost; FLB callbacks run under it and must not call
 * liveupdate_flb_get_*().
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "luo_internal.h"

struct luo_flb_link {
	struct list_head list;		/* in handler->flbs */
	struct liveupdate_flb *flb;
};

struct luo_flb_incoming {
	char name[LIVEUPDATE_FLB_COMPAT_LENGTH];
	u64 data;
	u64 count;			/* dependent files not finished yet */
	void *obj;
	int err;
	bool retrieved;
	bool finished;
};

static DEFINE_MUTEX(luo_flb_lock);
static LIST_HEAD(luo_flbs);
static unsigned int luo_nr_flbs;
static struct luo_ser_flb_header *luo_flb_page;	/* outgoing, preserved */
static struct luo_flb_incoming *luo_flb_in;
static unsigned int luo_flb_in_count;

static struct luo_flb_incoming *luo_flb_in_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < luo_flb_in_count; i++)
		if (!strncmp(luo_flb_in[i].name, name, LIVEUPDATE_FLB_COMPAT_LENGTH))
			return &luo_flb_in[i];
	return NULL;
}

/**
 * liveupdate_register_flb - make @flb depend on files of handler @fh
 * @fh:  a registered file handler with no preserved files
 * @flb: the FLB; ops and compatible set
 *
 * The same FLB may be registered on several handlers.
 *
 * Return: 0, -EINVAL for bad ops or compatible, -EEXIST if another FLB has
 * this compatible or @flb is already on @fh, -EBUSY if @fh has files,
 * -ENOSPC beyond 63 FLBs, -ENOMEM.
 */
int liveupdate_register_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb)
{
	const struct liveupdate_flb_ops *ops = flb->ops;
	struct liveupdate_flb *other;
	struct luo_flb_link *link;
	int err = 0;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!ops || !ops->preserve || !ops->unpreserve || !ops->retrieve ||
	    !ops->finish || !flb->compatible[0] ||
	    strnlen(flb->compatible, sizeof(flb->compatible)) == sizeof(flb->compatible))
		return -EINVAL;
	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	link->flb = flb;

	down_write(&luo_handlers_lock);
	mutex_lock(&luo_flb_lock);
	if (fh->users) {
		err = -EBUSY;
		goto out;
	}
	list_for_each_entry(other, &luo_flbs, private.list) {
		if (other != flb && !strncmp(other->compatible, flb->compatible,
					     sizeof(flb->compatible))) {
			err = -EEXIST;
			goto out;
		}
	}
	if (!flb->private.handlers) {
		if (luo_nr_flbs == LUO_MAX_FLBS) {
			err = -ENOSPC;
			goto out;
		}
		luo_nr_flbs++;
		flb->private.out_count = 0;
		list_add_tail(&flb->private.list, &luo_flbs);
	}
	flb->private.handlers++;
	list_add_tail(&link->list, &fh->flbs);
	link = NULL;
out:
	mutex_unlock(&luo_flb_lock);
	up_write(&luo_handlers_lock);
	kfree(link);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_register_flb);

/**
 * liveupdate_unregister_flb - undo liveupdate_register_flb()
 * @fh:  the handler
 * @flb: the FLB
 *
 * Return: 0, -ENOENT if @flb is not on @fh, -EBUSY if @fh has files.
 */
int liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
			      struct liveupdate_flb *flb)
{
	struct luo_flb_link *link, *found = NULL;
	int err = 0;

	down_write(&luo_handlers_lock);
	mutex_lock(&luo_flb_lock);
	list_for_each_entry(link, &fh->flbs, list)
		if (link->flb == flb)
			found = link;
	if (!found) {
		err = -ENOENT;
	} else if (fh->users) {
		err = -EBUSY;
	} else {
		list_del(&found->list);
		if (!--flb->private.handlers) {
			list_del(&flb->private.list);
			luo_nr_flbs--;
		}
		kfree(found);
	}
	mutex_unlock(&luo_flb_lock);
	up_write(&luo_handlers_lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_flb);

/**
 * liveupdate_flb_get_outgoing - the runtime object of a preserved FLB
 * @flb:  the FLB
 * @objp: out: what its preserve() callback set
 *
 * Return: 0, or -ENOENT while no dependent file is preserved.
 */
int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp)
{
	int err = -ENOENT;

	mutex_lock(&luo_flb_lock);
	if (flb->private.out_count) {
		*objp = flb->private.out_obj;
		err = 0;
	}
	mutex_unlock(&luo_flb_lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_flb_get_outgoing);

static int luo_flb_retrieve_locked(struct liveupdate_flb *flb,
				   struct luo_flb_incoming *in)
{
	struct liveupdate_flb_op_args args = { .flb = flb, .data = in->data };

	if (in->retrieved || in->err)
		return in->err;
	in->err = flb->ops->retrieve(&args);
	if (in->err) {
		pr_warn("FLB '%s': retrieve failed (%d)\n", in->name, in->err);
		return in->err;
	}
	in->obj = args.obj;
	in->retrieved = true;
	return 0;
}

/**
 * liveupdate_flb_get_incoming - the FLB object the previous kernel handed over
 * @flb:  the FLB
 * @objp: out: the object its retrieve() callback made (retrieved now if
 *	  this is the first use)
 *
 * The incoming FLBs are read at LUO's init (device_initcall), so this works
 * from then on (a late_initcall, a driver's probe), whether or not
 * userspace has opened /dev/liveupdate yet.
 *
 * Return: 0, -ENOENT if the previous kernel handed over no such FLB (or it
 * was finished already, or LUO's init has not run yet), or the retrieve
 * error.
 */
int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp)
{
	struct luo_flb_incoming *in;
	int err = -ENOENT;

	mutex_lock(&luo_flb_lock);
	in = luo_flb_in_find(flb->compatible);
	if (in && !in->finished) {
		err = luo_flb_retrieve_locked(flb, in);
		if (!err)
			*objp = in->obj;
	}
	mutex_unlock(&luo_flb_lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_flb_get_incoming);

/* The first preserved file of @fh preserves its FLBs. */
int luo_flb_file_preserve(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;
	int err = 0;

	mutex_lock(&luo_flb_lock);
	list_for_each_entry(link, &fh->flbs, list) {
		struct liveupdate_flb *flb = link->flb;
		struct liveupdate_flb_op_args args = { .flb = flb };

		if (flb->private.out_count++)
			continue;
		err = flb->ops->preserve(&args);
		if (err) {
			flb->private.out_count--;
			break;
		}
		flb->private.out_data = args.data;
		flb->private.out_obj = args.obj;
	}
	if (err) {
		list_for_each_entry_continue_reverse(link, &fh->flbs, list) {
			struct liveupdate_flb *flb = link->flb;
			struct liveupdate_flb_op_args args = {
				.flb = flb, .data = flb->private.out_data,
				.obj = flb->private.out_obj,
			};

			if (!--flb->private.out_count)
				flb->ops->unpreserve(&args);
		}
	}
	mutex_unlock(&luo_flb_lock);
	return err;
}

/* The last unpreserved file of @fh unpreserves its FLBs. */
void luo_flb_file_unpreserve(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;

	mutex_lock(&luo_flb_lock);
	list_for_each_entry_reverse(link, &fh->flbs, list) {
		struct liveupdate_flb *flb = link->flb;
		struct liveupdate_flb_op_args args = {
			.flb = flb, .data = flb->private.out_data,
			.obj = flb->private.out_obj,
		};

		if (WARN_ON(!flb->private.out_count))
			continue;
		if (!--flb->private.out_count)
			flb->ops->unpreserve(&args);
	}
	mutex_unlock(&luo_flb_lock);
}

/* A file of @fh is being retrieved: retrieve its FLBs first. */
int luo_flb_file_retrieve(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;
	int err = 0;

	mutex_lock(&luo_flb_lock);
	list_for_each_entry(link, &fh->flbs, list) {
		struct luo_flb_incoming *in = luo_flb_in_find(link->flb->compatible);

		if (in && !in->finished) {
			err = luo_flb_retrieve_locked(link->flb, in);
			if (err)
				break;
		}
	}
	mutex_unlock(&luo_flb_lock);
	return err;
}

/* A file of @fh finished: the last one finishes the FLB. */
void luo_flb_file_finish(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;

	mutex_lock(&luo_flb_lock);
	list_for_each_entry(link, &fh->flbs, list) {
		struct liveupdate_flb *flb = link->flb;
		struct luo_flb_incoming *in = luo_flb_in_find(flb->compatible);
		struct liveupdate_flb_op_args args = { .flb = flb };

		if (!in || in->finished || !in->count || --in->count)
			continue;
		/* Never used: retrieve it so finish can release it. */
		if (luo_flb_retrieve_locked(flb, in))
			continue;
		args.data = in->data;
		args.obj = in->obj;
		flb->ops->finish(&args);
		in->finished = true;
	}
	mutex_unlock(&luo_flb_lock);
}

int luo_flb_init(void)
{
	void *page = kho_alloc_preserve(PAGE_SIZE);

	if (IS_ERR(page))
		return PTR_ERR(page);
	luo_flb_page = page;
	return 0;
}

void luo_flb_destroy(void)
{
	kho_unpreserve_free(luo_flb_page);
	luo_flb_page = NULL;
	/* LUO is going off: what the previous kernel handed over stays put. */
	mutex_lock(&luo_flb_lock);
	kfree(luo_flb_in);
	luo_flb_in = NULL;
	luo_flb_in_count = 0;
	mutex_unlock(&luo_flb_lock);
}

/* Reboot: write the FLB page. Never allocates. */
u64 luo_flb_serialize(void)
{
	struct luo_ser_flb *ent = (void *)(luo_flb_page + 1);
	struct liveupdate_flb *flb;
	u64 count = 0;

	mutex_lock(&luo_flb_lock);
	list_for_each_entry(flb, &luo_flbs, private.list) {
		if (!flb->private.out_count)
			continue;
		memset(&ent[count], 0, sizeof(ent[count]));
		strscpy(ent[count].name, flb->compatible, sizeof(ent[count].name));
		ent[count].data = cpu_to_le64(flb->private.out_data);
		ent[count].count = cpu_to_le64(flb->private.out_count);
		count++;
	}
	mutex_unlock(&luo_flb_lock);
	luo_flb_page->pgcnt = cpu_to_le64(1);
	luo_flb_page->count = cpu_to_le64(count);
	/*
	 * The page is preserved with or without entries: the next kernel
	 * gives it back only if it is told where it is.
	 */
	return virt_to_phys(luo_flb_page);
}

/* New kernel, LUO's init: read the previous kernel's FLB page. */
int luo_flb_deserialize(u64 flbs_pa)
{
	struct luo_ser_flb_header *hdr;
	struct luo_ser_flb *ent;
	struct folio *folio;
	u64 i, count;
	int err = 0;

	if (!flbs_pa)
		return 0;
	folio = PAGE_ALIGNED(flbs_pa) ? kho_restore_folio(flbs_pa) : NULL;
	if (!folio)
		return -EINVAL;
	hdr = folio_address(folio);
	ent = (void *)(hdr + 1);
	count = le64_to_cpu(hdr->count);
	if (le64_to_cpu(hdr->pgcnt) != 1 || count > LUO_MAX_FLBS) {
		pr_warn("malformed FLB page (%llu entries)\n", count);
		err = -EINVAL;
		goto out;
	}
	luo_flb_in = kcalloc(count, sizeof(*luo_flb_in), GFP_KERNEL);
	if (count && !luo_flb_in) {
		err = -ENOMEM;
		goto out;
	}
	mutex_lock(&luo_flb_lock);
	for (i = 0; i < count; i++) {
		memcpy(luo_flb_in[i].name, ent[i].name, sizeof(ent[i].name));
		luo_flb_in[i].name[sizeof(ent[i].name) - 1] = '\0';
		luo_flb_in[i].data = le64_to_cpu(ent[i].data);
		luo_flb_in[i].count = le64_to_cpu(ent[i].count);
	}
	luo_flb_in_count = count;
	mutex_unlock(&luo_flb_lock);
out:
	folio_put(folio);
	return err;
}

/* For tests and inspection: where an FLB is in its incoming life. */
void luo_flb_incoming_state(struct liveupdate_flb *flb, struct luo_flb_state *st)
{
	struct luo_flb_incoming *in;

	mutex_lock(&luo_flb_lock);
	in = luo_flb_in_find(flb->compatible);
	st->in_present = !!in;
	st->in_retrieved = in && in->retrieved;
	st->in_finished = in && in->finished;
	st->in_files = in ? in->count : 0;
	mutex_unlock(&luo_flb_lock);
}
