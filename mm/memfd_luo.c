// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_luo.c - carry memfds across a kexec live update.
 *
 * A Live Update Orchestrator (LUO) file handler for memfds (unlinked shmem
 * files). The next kernel gets the same bytes back in the very same
 * physical pages: nothing is copied, and pages are not allocated for holes.
 *
 * Outgoing kernel. preserve() freezes the file's size (shmem then refuses
 * truncate, fallocate and writes past EOF with -EPERM), pins the folios that
 * are present (swapped-out pages are read back; holes stay holes), hands
 * each to KHO at its order, and records them in a vmalloc'd array that KHO
 * preserves too. A write into a present page after that lands in a
 * preserved page. A write into a hole allocates a new folio, which shmem
 * notes in the inode; freeze() (at reboot) then rescans the page cache and
 * adds such folios. freeze() also records the current position and seals.
 * Userspace still runs between freeze() and the kexec, so every folio is
 * made uptodate when it is recorded (a later write into it must not be read
 * as zeroes by the next kernel), and from freeze() on shmem refuses new
 * folios in the file's holes (-ENOSPC) instead of letting their data be lost.
 *
 * Incoming kernel (memfd_luo_retrieve.c). retrieve() makes a new memfd
 * and puts every handed-over folio into its page cache before it returns;
 * short of memory it fails and keeps what it did for a retry. finish()
 * releases the memory of a memfd that was never retrieved.
 *
 * The outgoing half serves hugetlb memfds too (mm/memfd_luo_hugetlb.c):
 * what it asks of the file system goes through struct memfd_luo_backing,
 * shmem's hooks here, hugetlbfs's there.
 *
 * Handover format "memfd-v2": include/linux/kho/abi/memfd.h.
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "memfd_luo.h"

KHO_ADVERTISE_FORMAT(memfd, MEMFD_LUO_COMPATIBLE);

/* Folios pinned per memfd_pin_folios() call: one page of pointers. */
#define MEMFD_LUO_BATCH			(PAGE_SIZE / sizeof(struct folio *))

/**
 * struct memfd_luo - outgoing state of one preserved memfd (private_data)
 * @desc:    the handover descriptor, in a preserved page (the start of a
 *	     larger one for formats that add to it)
 * @folios:  the handover array, a preserved vmalloc area; NULL if empty
 * @nr:      entries in @folios; each folio is pinned and preserved
 * @backing: its file system's hooks
 */
struct memfd_luo {
	struct memfd_luo_desc *desc;
	struct memfd_luo_folio *folios;
	unsigned long nr;
	const struct memfd_luo_backing *backing;
};

/* A folio array being built: @v holds @nr of @cap entries, up to index @end. */
struct memfd_luo_list {
	struct memfd_luo_folio *v;
	unsigned long nr;
	unsigned long cap;
	pgoff_t end;
};

/* Walks the page cache for runs of present pages that are not listed yet. */
struct memfd_luo_scan {
	struct address_space *mapping;
	pgoff_t next;				/* first index not looked at */
	pgoff_t last;				/* last index of the file */
	const struct memfd_luo_folio *known;	/* listed already, by index */
	unsigned long nr_known;
	unsigned long k;			/* cursor into @known */
};

/*
 * A fallocated folio is not uptodate until first written, and only then
 * are its contents defined; a folio handed over without the flag reads as
 * zeroes in the next kernel. But a write may land in it after the reboot
 * recorded the flags, while userspace still runs: so give it its zeroes
 * now, as shmem would at its first use, under the folio lock that orders
 * this against a write or fault filling it.
 */
static void memfd_luo_make_uptodate(struct folio *folio)
{
	long i, n;

	if (folio_test_uptodate(folio))
		return;
	folio_lock(folio);
	if (!folio_test_uptodate(folio)) {
		n = folio_nr_pages(folio);
		for (i = 0; i < n; i++)
			clear_highpage(folio_page(folio, i));
		flush_dcache_folio(folio);
		folio_mark_uptodate(folio);
	}
	folio_unlock(folio);
}

/* ---- Outgoing kernel ------------------------------------------------ */

/* Unpreserve and unpin the folios of @nr entries. */
static void memfd_luo_release(const struct memfd_luo_folio *v, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct folio *folio = pfn_folio(memfd_luo_pfn(&v[i]));

		kho_unpreserve_folio(folio);
		unpin_folio(folio);
		cond_resched();
	}
}

static int memfd_luo_grow(struct memfd_luo_list *l, unsigned long want)
{
	unsigned long cap = max(want, 2 * l->cap);
	struct memfd_luo_folio *v;

	/*
	 * Plain vmalloc memory: kho_preserve_vmalloc() refuses huge mappings.
	 * The size follows the file's; a failure is the caller's ENOMEM.
	 */
	v = __vmalloc_array(cap, sizeof(*v), GFP_KERNEL | __GFP_NOWARN);
	if (!v)
		return -ENOMEM;
	if (l->nr)
		memcpy(v, l->v, l->nr * sizeof(*v));
	vfree(l->v);
	l->v = v;
	l->cap = cap;
	return 0;
}

/*
 * Append a pinned @folio to @l and preserve it. On success the pin belongs
 * to @l (or was dropped if @folio is listed already); on error the caller
 * still owns it.
 */
static int memfd_luo_add(struct memfd_luo_list *l, struct folio *folio)
{
	struct memfd_luo_folio *f;
	u64 flags;
	int err;

	if (l->nr && folio->index < l->end) {
		unpin_folio(folio);
		return 0;
	}
	if (l->nr == l->cap) {
		err = memfd_luo_grow(l, 16);
		if (err)
			return err;
	}
	err = kho_preserve_folio(folio);
	if (err)
		return err;
	memfd_luo_make_uptodate(folio);

	/*
	 * Every folio goes over dirty: the dirty bits of shared writable
	 * mappings are still in the page tables, and a clean shmem folio
	 * may be dropped by reclaim in the next kernel.
	 */
	flags = MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE;

	f = &l->v[l->nr++];
	f->pfn_flags = cpu_to_le64(folio_pfn(folio) |
				   flags << MEMFD_LUO_FLAGS_SHIFT);
	f->index = cpu_to_le64(folio->index);
	l->end = folio_next_index(folio);
	return 0;
}

/*
 * Does [start, end) overlap a folio listed in @s->known? Callers ask in
 * increasing order of @start, so the cursor only moves forward.
 */
static bool memfd_luo_known(struct memfd_luo_scan *s, pgoff_t start,
			    pgoff_t end)
{
	while (s->k < s->nr_known) {
		const struct memfd_luo_folio *f = &s->known[s->k];
		pgoff_t kstart = le64_to_cpu(f->index);
		pgoff_t kend = kstart + folio_nr_pages(pfn_folio(memfd_luo_pfn(f)));

		if (kend > start)
			return kstart < end;
		s->k++;
	}
	return false;
}

/*
 * Find the next run of consecutive present entries (folios or swap
 * entries) that no known folio covers: [*start, *end]. Returns false when
 * there is none left.
 */
static bool memfd_luo_next_run(struct memfd_luo_scan *s, pgoff_t *start,
			       pgoff_t *end)
{
	XA_STATE(xas, &s->mapping->i_pages, s->next);
	unsigned int scanned = 0;
	pgoff_t next = 0;
	bool found = false;
	void *entry;

	if (s->next > s->last)
		return false;

	rcu_read_lock();
	xas_for_each(&xas, entry, s->last) {
		pgoff_t nr, index;

		if (xas_retry(&xas, entry))
			continue;
		/* Entries are naturally aligned, even when found mid-way. */
		nr = 1UL << xas_get_order(&xas);
		index = round_down(xas.xa_index, nr);

		if (found && index != next)
			break;
		if (memfd_luo_known(s, index, index + nr)) {
			if (found)
				break;
		} else {
			if (!found)
				*start = index;
			found = true;
			next = index + nr;
		}

		if (++scanned % XA_CHECK_SCHED)
			continue;
		xas_pause(&xas);
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();

	if (!found) {
		s->next = s->last + 1;
		return false;
	}
	*end = min(next - 1, s->last);
	s->next = next;
	return true;
}

/*
 * Pin the folios of the present pages [start, end] and add them to @l.
 * memfd_pin_folios() migrates them out of movable memory, hence out of the
 * KHO scratch areas, where preserved memory must never lie, and reads
 * swapped-out pages back. It would also fill holes, which is why it only
 * ever sees a run of present pages.
 */
static int memfd_luo_pin_run(struct file *file, loff_t size, pgoff_t start,
			     pgoff_t end, struct folio **batch,
			     struct memfd_luo_list *l)
{
	loff_t pos = (loff_t)start << PAGE_SHIFT;
	loff_t last = min_t(loff_t, (loff_t)(end + 1) << PAGE_SHIFT, size) - 1;

	while (pos <= last) {
		pgoff_t offset;
		long n, i;
		int err;

		n = memfd_pin_folios(file, pos, last, batch, MEMFD_LUO_BATCH,
				     &offset);
		if (n <= 0)
			return n ? n : -EINVAL;
		pos = (loff_t)folio_next_index(batch[n - 1]) << PAGE_SHIFT;

		for (i = 0; i < n; i++) {
			err = memfd_luo_add(l, batch[i]);
			if (err) {
				unpin_folios(batch + i, n - i);
				return err;
			}
		}
	}
	return 0;
}

/* Number of page cache entries (folios or swap entries) in [0, last]. */
static unsigned long memfd_luo_count(struct address_space *mapping,
				     pgoff_t last)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	unsigned long n = 0;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, last) {
		if (xas_retry(&xas, entry))
			continue;
		if (++n % XA_CHECK_SCHED)
			continue;
		xas_pause(&xas);
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();
	return n;
}

/*
 * Pin and preserve, in index order, the folios of @file (whose size is
 * frozen) that are present and not among the @nr_known entries of @known.
 * On error nothing new stays pinned or preserved and @l is empty.
 */
static int memfd_luo_collect(struct file *file,
			     const struct memfd_luo_folio *known,
			     unsigned long nr_known, struct memfd_luo_list *l)
{
	struct inode *inode = file_inode(file);
	loff_t size = i_size_read(inode);
	struct memfd_luo_scan s = {
		.mapping = inode->i_mapping,
		.known = known,
		.nr_known = nr_known,
	};
	struct folio **batch;
	pgoff_t start, end;
	int err = 0;

	if (!size)
		return 0;
	s.last = (size - 1) >> PAGE_SHIFT;

	/* Size the array once; it only grows if swap-in splits folios. */
	if (!nr_known) {
		unsigned long n = memfd_luo_count(s.mapping, s.last);

		if (!n)
			return 0;
		err = memfd_luo_grow(l, n);
		if (err)
			return err;
	}

	batch = kmalloc_array(MEMFD_LUO_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		err = -ENOMEM;
		goto fail;
	}
	while (memfd_luo_next_run(&s, &start, &end)) {
		err = memfd_luo_pin_run(file, size, start, end, batch, l);
		if (err)
			break;
	}
	kfree(batch);
	if (!err)
		return 0;
fail:
	memfd_luo_release(l->v, l->nr);
	vfree(l->v);
	memset(l, 0, sizeof(*l));
	return err;
}

/* Merge two arrays sorted by index into @dst. */
static void memfd_luo_merge(struct memfd_luo_folio *dst,
			    const struct memfd_luo_folio *a, unsigned long na,
			    const struct memfd_luo_folio *b, unsigned long nb)
{
	unsigned long i = 0, j = 0;

	while (i < na || j < nb) {
		if (j == nb || (i < na && le64_to_cpu(a[i].index) <
					  le64_to_cpu(b[j].index)))
			*dst++ = a[i++];
		else
			*dst++ = b[j++];
	}
}

/*
 * Take in the folios that filled holes since the last scan: pin and
 * preserve them, and replace the handover array with one listing them too.
 * On error the state is unchanged.
 */
static int memfd_luo_pick_up(struct memfd_luo *m, struct file *file)
{
	struct memfd_luo_list l = { };
	struct memfd_luo_folio *v;
	struct kho_vmalloc vm;
	unsigned long nr;
	int err;

	err = memfd_luo_collect(file, m->folios, m->nr, &l);
	if (err || !l.nr)
		return err;

	nr = m->nr + l.nr;
	v = __vmalloc_array(nr, sizeof(*v), GFP_KERNEL | __GFP_NOWARN);
	if (!v) {
		err = -ENOMEM;
		goto release;
	}
	memfd_luo_merge(v, m->folios, m->nr, l.v, l.nr);
	err = kho_preserve_vmalloc(v, &vm);
	if (err)
		goto free_v;

	if (m->folios) {
		kho_unpreserve_vmalloc(&m->desc->folios);
		vfree(m->folios);
	}
	m->desc->folios = vm;
	m->desc->nr_folios = cpu_to_le64(nr);
	m->folios = v;
	m->nr = nr;
	vfree(l.v);
	return 0;

free_v:
	vfree(v);
release:
	memfd_luo_release(l.v, l.nr);
	vfree(l.v);
	return err;
}

static bool memfd_luo_can_preserve(struct liveupdate_file_op_args *args)
{
	struct file *file = args->file;
	struct inode *inode = file_inode(file);

	/*
	 * memfds: unlinked regular shmem files. Kernel-internal ones
	 * (SysV shm, shared anonymous mappings) are S_PRIVATE. hugetlbfs
	 * files are not shmem files.
	 */
	return shmem_file(file) && S_ISREG(inode->i_mode) &&
	       !inode->i_nlink && !IS_PRIVATE(inode);
}

/**
 * memfd_luo_preserve_backed - preserve a memfd whose file system @b holds
 * @args:      as for preserve()
 * @b:         hooks of the memfd's file system
 * @desc_size: size of the format's descriptor, which starts with a
 *	       struct memfd_luo_desc; the rest is zeroed, for the caller
 *
 * Return: 0, with @args->serialized_data the descriptor; or an errno, with
 * nothing preserved.
 */
int memfd_luo_preserve_backed(struct liveupdate_file_op_args *args,
			      const struct memfd_luo_backing *b,
			      size_t desc_size)
{
	struct file *file = args->file;
	struct inode *inode = file_inode(file);
	struct memfd_luo_list l = { };
	struct memfd_luo *m;
	unsigned int seals;
	loff_t size;
	int err;

	/* The next kernel hands the memfd back writable. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EPERM;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->backing = b;
	m->desc = kho_alloc_preserve(desc_size);
	if (IS_ERR(m->desc)) {
		err = PTR_ERR(m->desc);
		goto free_m;
	}

	/* i_rwsem orders this against seal changes and size changes. */
	inode_lock(inode);
	seals = b->seals(inode);
	if (seals & ~MEMFD_LUO_SEALS) {
		inode_unlock(inode);
		err = -EOPNOTSUPP;
		goto free_desc;
	}
	b->freeze_size(inode);
	size = i_size_read(inode);
	inode_unlock(inode);

	err = memfd_luo_collect(file, NULL, 0, &l);
	if (err)
		goto thaw;
	if (l.nr) {
		err = kho_preserve_vmalloc(l.v, &m->desc->folios);
		if (err)
			goto release;
	} else {
		vfree(l.v);
		l.v = NULL;
	}

	m->folios = l.v;
	m->nr = l.nr;
	m->desc->pos = cpu_to_le64(file->f_pos);
	m->desc->size = cpu_to_le64(size);
	m->desc->seals = cpu_to_le32(seals);
	m->desc->nr_folios = cpu_to_le64(m->nr);

	args->serialized_data = virt_to_phys(m->desc);
	args->private_data = m;
	return 0;

release:
	memfd_luo_release(l.v, l.nr);
	vfree(l.v);
thaw:
	inode_lock(inode);
	b->thaw_size(inode);
	inode_unlock(inode);
free_desc:
	kho_unpreserve_free(m->desc);
free_m:
	kfree(m);
	return err;
}

/**
 * memfd_luo_unpreserve - unpreserve() of every memfd format
 * @args: as preserved by memfd_luo_preserve_backed()
 */
void memfd_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo *m = args->private_data;

	memfd_luo_release(m->folios, m->nr);
	if (m->folios) {
		kho_unpreserve_vmalloc(&m->desc->folios);
		vfree(m->folios);
	}
	inode_lock(inode);
	m->backing->thaw_size(inode);
	inode_unlock(inode);

	kho_unpreserve_free(m->desc);
	kfree(m);
}

/**
 * memfd_luo_freeze - freeze() of every memfd format
 * @args: as preserved by memfd_luo_preserve_backed()
 *
 * At reboot: record what may have changed since preserve. Userspace keeps
 * running until the kexec, so from here on a folio filling a hole could not
 * be handed over: the file system refuses it (-ENOSPC) until unfreeze().
 * Writes into the recorded folios still land in memory the next kernel
 * gets.
 *
 * The folios freeze() adds are a valid preserved state in their own right
 * (as if they had been present at preserve time): unfreeze() leaves them,
 * and unpreserve() releases them with the rest.
 *
 * Return: 0, or an errno, with what was recorded before left as it was.
 */
int memfd_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct file *file = args->file;
	struct inode *inode = file_inode(file);
	struct memfd_luo *m = args->private_data;
	const struct memfd_luo_backing *b = m->backing;
	unsigned int seals = b->seals(inode);
	int err;

	if (seals & ~MEMFD_LUO_SEALS)
		return -EOPNOTSUPP;

	/* After this, the rescan below sees every folio there will be. */
	b->refuse_add(inode, true);
	/* Rescan only if a write or fault filled a hole since the last scan. */
	if (b->test_clear_added(inode)) {
		err = memfd_luo_pick_up(m, file);
		if (err) {
			/* Keep the work for the next attempt. */
			b->set_added(inode);
			b->refuse_add(inode, false);
			return err;
		}
	}

	m->desc->pos = cpu_to_le64(READ_ONCE(file->f_pos));
	m->desc->seals = cpu_to_le32(seals);
	return 0;
}

/**
 * memfd_luo_unfreeze - unfreeze() of every memfd format
 * @args: as frozen by memfd_luo_freeze()
 *
 * The reboot failed after freeze(): holes may be filled again.
 */
void memfd_luo_unfreeze(struct liveupdate_file_op_args *args)
{
	struct memfd_luo *m = args->private_data;

	m->backing->refuse_add(file_inode(args->file), false);
}

static unsigned int shmem_luo_seals(struct inode *inode)
{
	return READ_ONCE(SHMEM_I(inode)->seals);
}

static const struct memfd_luo_backing shmem_luo_backing = {
	.seals			= shmem_luo_seals,
	.freeze_size		= shmem_luo_freeze_size,
	.thaw_size		= shmem_luo_thaw_size,
	.refuse_add		= shmem_luo_refuse_add,
	.test_clear_added	= shmem_luo_test_clear_added,
	.set_added		= shmem_luo_set_added,
};

static int memfd_luo_preserve(struct liveupdate_file_op_args *args)
{
	return memfd_luo_preserve_backed(args, &shmem_luo_backing,
					 sizeof(struct memfd_luo_desc));
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve	= memfd_luo_can_preserve,
	.preserve	= memfd_luo_preserve,
	.unpreserve	= memfd_luo_unpreserve,
	.freeze		= memfd_luo_freeze,
	.unfreeze	= memfd_luo_unfreeze,
	.retrieve	= memfd_luo_retrieve,
	.finish		= memfd_luo_finish,
	.owner		= THIS_MODULE,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops		= &memfd_luo_ops,
	.compatible	= MEMFD_LUO_COMPATIBLE,
};

static int __init memfd_luo_init(void)
{
	int err = liveupdate_register_file_handler(&memfd_luo_handler);

	/* -EOPNOTSUPP: live update is off in this kernel. */
	if (err && err != -EOPNOTSUPP) {
		pr_err("cannot register the memfd handler: %d\n", err);
		return err;
	}
	return 0;
}
late_initcall(memfd_luo_init);
