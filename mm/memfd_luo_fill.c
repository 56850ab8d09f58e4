// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_luo_fill.c - put the folios of a retrieved memfd into its page cache.
 *
 * RETRIEVE_FD happens while the workload is still down (the blackout), and
 * what it costs grows with the memfd: claiming each handed-over folio from
 * KHO, then charging it, inserting it into the page cache and onto the LRU.
 * Only the first part can refuse the handover, so only it is done before
 * RETRIEVE_FD returns: every folio is claimed and checked (malformed
 * handover data fails the retrieve, as it always did). The rest, for a memfd
 * of more than one batch, is done by a worker after RETRIEVE_FD returned:
 *
 * - A batch is the entries of one page of the handed-over array, in place
 *   (kho_claim_array()); the page is freed once its batch is in.
 * - The worker puts the batches in, in order, charging the retriever's
 *   memory cgroup (set_active_memcg()).
 * - shmem_get_folio_gfp(), the way in of every read, write, fault and
 *   splice, first calls memfd_luo_fill_index(): if the batch holding the
 *   index is not in yet, it is put in there and then, so that a workload
 *   resumed at once never sees a hole where a preserved page is (the
 *   entries are sorted by index, so the batch is found by binary search).
 * - What would act on holes or count pages (truncate, fallocate,
 *   SEEK_DATA/SEEK_HOLE, stat, khugepaged, preserving it again) waits for
 *   the fill, or skips the file, while SHMEM_LUO_FILLING is set.
 *
 * Once the worker holds the only reference to the memfd (a BPF handler
 * refused it, the retriever exited), nobody can read it again: the rest
 * of its folios are freed, not inserted.
 *
 * If a batch cannot go in (-ENOMEM in the memory cgroup, say), its folios
 * are freed: the memfd is marked SHMEM_LUO_BROKEN and every access fails
 * with -EIO from then on, rather than read zeroes where data was. A memfd
 * whose entries are not sorted, or that fits one batch, is filled before
 * RETRIEVE_FD returns, as before.
 *
 * Locking: mmap_lock or i_rwsem (callers of shmem_get_folio_gfp()) ->
 * memfd_luo_fill.lock -> what shmem_luo_add_folios() takes (memcg charge,
 * i_pages, lruvec). The worker takes no lock but ->lock, so waiting for
 * SHMEM_LUO_FILLING under i_rwsem is safe. The fill state is found from
 * the inode under RCU and kept alive by its reference count.
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "memfd_luo.h"

/**
 * struct memfd_luo_fill - a retrieved memfd whose folios are going in
 * @ref:      one for the worker, one per memfd_luo_fill_index() in progress
 * @lock:     held while a batch goes in; orders the batches' bits in @done
 * @file:     the memfd; the worker's reference keeps the inode alive
 * @inode:    its inode (@file may be gone when a lookup comes late)
 * @memcg:    the retriever's memory cgroup, charged for every folio
 * @pages:    the handed-over array's pages; NULL once the batch is in
 * @first:    page cache index of each batch's first entry, for the search
 * @done:     batches in the page cache (or freed after an error)
 * @nr_pages: batches
 * @nr:       entries
 * @batch:    the folios of the batch going in
 * @err:      the first error; later batches are freed, not inserted
 * @orphaned: only the worker holds the memfd: later batches are freed
 * @work:     the worker
 * @rcu:      frees this after the last lockless lookup
 */
struct memfd_luo_fill {
	refcount_t ref;
	struct mutex lock;		/* see the file comment: lock order */
	struct file *file;
	struct inode *inode;
	struct mem_cgroup *memcg;
	struct page **pages;
	pgoff_t *first;
	unsigned long *done;
	unsigned long nr_pages;
	u64 nr;
	struct folio **batch;
	int err;
	bool orphaned;
	struct work_struct work;
	struct rcu_head rcu;
};

static const struct memfd_luo_folio *memfd_luo_entry(struct page **pages,
						     u64 i)
{
	const struct memfd_luo_folio *v = page_address(pages[i / MEMFD_LUO_PER_PAGE]);

	return &v[i % MEMFD_LUO_PER_PAGE];
}

/* Entries of batch @b: [*start, end). */
static u64 memfd_luo_batch_range(u64 nr, unsigned long b, u64 *start)
{
	*start = (u64)b * MEMFD_LUO_PER_PAGE;
	return min_t(u64, nr, *start + MEMFD_LUO_PER_PAGE);
}

/**
 * memfd_luo_release_entries - give back every folio a claimed array names
 * @pages:    the array's pages, as kho_claim_array() left them (NULL where
 *	      a page could not be claimed); all freed, and the array
 * @nr_pages: the array's size in pages
 * @nr:       entries
 *
 * For a retrieve that fails before any folio was claimed.
 */
void memfd_luo_release_entries(struct page **pages, unsigned long nr_pages,
			       u64 nr)
{
	unsigned long b;
	u64 i, end;

	if (!pages)
		return;
	for (b = 0; b < nr_pages; b++) {
		if (!pages[b])
			continue;
		end = memfd_luo_batch_range(nr, b, &i);
		for (; i < end; i++) {
			const struct memfd_luo_folio *f = memfd_luo_entry(pages, i);
			struct folio *folio;

			folio = kho_restore_folio(PFN_PHYS(memfd_luo_pfn(f)));
			if (folio)
				folio_put(folio);
		}
		__free_page(pages[b]);
		cond_resched();
	}
	kvfree(pages);
}

/*
 * Claim the folio of entry @f for the page cache of @inode, whose last page
 * index is below @nr_index: locked, swapbacked, ->index set, as the page
 * allocator and shmem would have prepared it. NULL if the entry is not
 * sound (the folio, if any, is freed).
 */
static struct folio *memfd_luo_prepare(struct inode *inode,
				       const struct memfd_luo_folio *f,
				       u64 nr_index)
{
	unsigned int flags = memfd_luo_flags(f);
	u64 index = le64_to_cpu(f->index);
	struct folio *folio;

	folio = kho_restore_folio(PFN_PHYS(memfd_luo_pfn(f)));
	if (!folio)
		return NULL;

	/* shmem_luo_add_folios() catches overlaps; these it would BUG on. */
	if ((flags & ~MEMFD_LUO_FOLIO_FLAGS) || index >= nr_index ||
	    !IS_ALIGNED(index, folio_nr_pages(folio)) ||
	    folio_order(folio) > mapping_max_folio_order(inode->i_mapping)) {
		folio_put(folio);
		return NULL;
	}
	page_rmappable_folio(&folio->page);
	__folio_set_locked(folio);
	__folio_set_swapbacked(folio);
	if (flags & MEMFD_LUO_FOLIO_UPTODATE)
		folio_mark_uptodate(folio);
	if (flags & MEMFD_LUO_FOLIO_DIRTY)
		folio_set_dirty(folio);
	folio->index = index;
	return folio;
}

static void memfd_luo_unlock_put(struct folio *folio)
{
	folio_unlock(folio);
	folio_put(folio);
}

/*
 * Put batch @b into the page cache, unless it is in already or an earlier
 * batch failed (its folios are then freed); free its array page. Under
 * ->lock, or before the fill state is shared.
 */
static void memfd_luo_fill_batch(struct memfd_luo_fill *fill, unsigned long b)
{
	struct inode *inode = fill->inode;
	unsigned int k, n = 0;
	u64 i, end;
	int err;

	if (test_bit(b, fill->done))
		return;
	end = memfd_luo_batch_range(fill->nr, b, &i);
	for (; i < end; i++)
		fill->batch[n++] = pfn_folio(memfd_luo_pfn(memfd_luo_entry(fill->pages, i)));

	if (!fill->err && !fill->orphaned) {
		err = shmem_luo_add_folios(inode, fill->batch, n);
		/* Two entries for one index: malformed handover data. */
		if (err == -EEXIST) {
			pr_warn("folio entries overlap in the page cache\n");
			err = -EINVAL;
		}
		if (err) {
			fill->err = err;
			/* From now on no access may read a hole here as zeroes. */
			set_bit(SHMEM_LUO_BROKEN, &SHMEM_I(inode)->luo_flags);
		}
	}
	/* Those not in the page cache now are freed. */
	for (k = 0; k < n; k++)
		memfd_luo_unlock_put(fill->batch[k]);
	__free_page(fill->pages[b]);
	fill->pages[b] = NULL;
	/* The folios are in before a lockless reader sees the bit. */
	smp_mb__before_atomic();
	set_bit(b, fill->done);
}

/* Only the structure itself may still be read locklessly: see ->ref. */
static void memfd_luo_fill_put(struct memfd_luo_fill *fill)
{
	if (!refcount_dec_and_test(&fill->ref))
		return;
	mem_cgroup_put(fill->memcg);
	kvfree(fill->pages);
	kvfree(fill->first);
	bitmap_free(fill->done);
	kfree(fill->batch);
	kfree_rcu(fill, rcu);
}

static void memfd_luo_fill_work(struct work_struct *work)
{
	struct memfd_luo_fill *fill = container_of(work, struct memfd_luo_fill,
						   work);
	struct shmem_inode_info *info = SHMEM_I(fill->inode);
	struct mem_cgroup *old = set_active_memcg(fill->memcg);
	unsigned long b;

	for (b = 0; b < fill->nr_pages; b++) {
		mutex_lock(&fill->lock);
		/*
		 * Closed by all but us (a handler refused it, the retriever
		 * exited): no reference can be taken again, nor the rest read.
		 */
		if (file_count(fill->file) == 1)
			fill->orphaned = true;
		memfd_luo_fill_batch(fill, b);
		mutex_unlock(&fill->lock);
		cond_resched();
	}
	set_active_memcg(old);

	if (fill->err)
		pr_warn("retrieved memfd lost folios (%d): it fails every access with -EIO\n",
			fill->err);
	RCU_INIT_POINTER(info->luo_fill, NULL);
	clear_and_wake_up_bit(SHMEM_LUO_FILLING, &info->luo_flags);
	fput(fill->file);
	memfd_luo_fill_put(fill);
}

/* The batch whose entries would hold @index: the last one starting at or before it. */
static unsigned long memfd_luo_batch_of(const struct memfd_luo_fill *fill,
					pgoff_t index)
{
	unsigned long lo = 0, hi = fill->nr_pages;

	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (fill->first[mid] <= index)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/**
 * memfd_luo_fill_index - make sure a retrieved folio is in before a lookup
 * @inode: a shmem inode with SHMEM_LUO_FILLING or SHMEM_LUO_BROKEN set
 * @index: the page cache index about to be looked up
 *
 * Called by shmem_get_folio_gfp() before it looks @index up: if the folio
 * handed over for @index (if any) is not in the page cache yet, its batch
 * goes in now, charged to the retriever's memory cgroup. May sleep.
 *
 * Return: 0, or -EIO if the memfd lost folios in its fill.
 */
int memfd_luo_fill_index(struct inode *inode, pgoff_t index)
{
	struct shmem_inode_info *info = SHMEM_I(inode);
	struct memfd_luo_fill *fill;
	struct mem_cgroup *old;
	unsigned long b;

	rcu_read_lock();
	fill = rcu_dereference(info->luo_fill);
	if (fill && !refcount_inc_not_zero(&fill->ref))
		fill = NULL;
	rcu_read_unlock();

	if (fill) {
		b = memfd_luo_batch_of(fill, index);
		if (!test_bit_acquire(b, fill->done)) {
			old = set_active_memcg(fill->memcg);
			mutex_lock(&fill->lock);
			memfd_luo_fill_batch(fill, b);
			mutex_unlock(&fill->lock);
			set_active_memcg(old);
		}
		memfd_luo_fill_put(fill);
	}
	return test_bit(SHMEM_LUO_BROKEN, &info->luo_flags) ? -EIO : 0;
}

/*
 * Claim and check every entry's folio; record where each batch starts.
 * *@sorted tells whether the entries are sorted by index, without
 * overlaps: only then can a batch be found by index. On error every folio
 * is released and the array's pages are freed.
 */
static int memfd_luo_claim_all(struct memfd_luo_fill *fill, bool *sorted)
{
	struct inode *inode = fill->inode;
	u64 nr_index = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	pgoff_t next = 0;
	struct folio *folio;
	u64 i, k;

	*sorted = true;
	for (i = 0; i < fill->nr; i++) {
		const struct memfd_luo_folio *f = memfd_luo_entry(fill->pages, i);

		folio = memfd_luo_prepare(inode, f, nr_index);
		if (!folio)
			goto fail;
		if (folio->index < next)
			*sorted = false;
		next = folio->index + folio_nr_pages(folio);
		if (!(i % MEMFD_LUO_PER_PAGE)) {
			fill->first[i / MEMFD_LUO_PER_PAGE] = folio->index;
			cond_resched();
		}
	}
	return 0;

fail:
	for (k = 0; k < i; k++)
		memfd_luo_unlock_put(pfn_folio(memfd_luo_pfn(memfd_luo_entry(fill->pages, k))));
	/* Entry i's folio, if any, was freed; give back those after it. */
	for (k = i + 1; k < fill->nr; k++) {
		folio = kho_restore_folio(PFN_PHYS(memfd_luo_pfn(memfd_luo_entry(fill->pages, k))));
		if (folio)
			folio_put(folio);
		if (!(k % MEMFD_LUO_PER_PAGE))
			cond_resched();
	}
	for (k = 0; k < fill->nr_pages; k++)
		__free_page(fill->pages[k]);
	return -EINVAL;
}

/**
 * memfd_luo_fill_start - put a retrieved memfd's folios into its page cache
 * @file:     the new memfd, sized, not shared yet
 * @pages:    the handed-over array's pages (kho_claim_array()), @nr entries
 *	      of struct memfd_luo_folio; taken over in every case
 * @nr_pages: the array's size in pages, each present (NULL if none)
 * @nr:       entries, at most MEMFD_LUO_PER_PAGE per page
 *
 * Claims every folio the entries name from KHO, then puts them into the
 * page cache, before returning for a small or unsorted array, else from a
 * worker (see the file comment).
 *
 * Return: 0; or a negative errno, every folio then released (or in the
 * page cache of @file, which the caller drops).
 */
int memfd_luo_fill_start(struct file *file, struct page **pages,
			 unsigned long nr_pages, u64 nr)
{
	struct shmem_inode_info *info = SHMEM_I(file_inode(file));
	unsigned long b, used = DIV_ROUND_UP(nr, MEMFD_LUO_PER_PAGE);
	struct memfd_luo_fill *fill;
	bool sorted;
	int err;

	/* Pages past the last entry hold nothing. */
	for (b = used; b < nr_pages; b++)
		__free_page(pages[b]);
	nr_pages = used;
	if (!nr) {
		kvfree(pages);
		return 0;
	}

	fill = kzalloc(sizeof(*fill), GFP_KERNEL);
	if (!fill)
		goto nomem;
	fill->first = kvmalloc_array(nr_pages, sizeof(*fill->first), GFP_KERNEL);
	fill->done = bitmap_zalloc(nr_pages, GFP_KERNEL);
	fill->batch = kmalloc_array(MEMFD_LUO_PER_PAGE, sizeof(*fill->batch),
				    GFP_KERNEL);
	if (!fill->first || !fill->done || !fill->batch)
		goto nomem;
	refcount_set(&fill->ref, 1);
	mutex_init(&fill->lock);
	INIT_WORK(&fill->work, memfd_luo_fill_work);
	fill->file = file;
	fill->inode = file_inode(file);
	fill->pages = pages;
	fill->nr_pages = nr_pages;
	fill->nr = nr;

	err = memfd_luo_claim_all(fill, &sorted);
	if (err) {
		/* It freed the array's pages. */
		memfd_luo_fill_put(fill);
		return err;
	}

	if (!sorted || nr_pages == 1) {
		for (b = 0; b < nr_pages; b++) {
			memfd_luo_fill_batch(fill, b);
			cond_resched();
		}
		err = fill->err;
		memfd_luo_fill_put(fill);
		return err;
	}

	fill->memcg = get_mem_cgroup_from_mm(current->mm);
	get_file(file);
	/* Before anyone but us can see the file: no lock needed. */
	set_bit(SHMEM_LUO_FILLING, &info->luo_flags);
	rcu_assign_pointer(info->luo_fill, fill);
	queue_work(system_unbound_wq, &fill->work);
	return 0;

nomem:
	if (fill) {
		kvfree(fill->first);
		bitmap_free(fill->done);
		kfree(fill->batch);
		kfree(fill);
	}
	memfd_luo_release_entries(pages, nr_pages, nr);
	return -ENOMEM;
}
