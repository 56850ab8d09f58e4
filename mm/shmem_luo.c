// SPDX-License-Identifier: GPL-2.0
/*
 * shmem_luo.c - the next kernel's side of shmem for memfd live update:
 * folios handed over by the previous kernel go into a new memfd's page
 * cache without a copy (shmem_luo_add_folios(), for mm/memfd_luo_retrieve.c).
 *
 * A retrieve adds up to a whole file of folios, in index order and mostly
 * small: per folio, shmem's own path (shmem_add_to_page_cache(), then the
 * per-CPU LRU batches) costs more than the data ever did to hand over. So
 * the folios of a batch are charged one by one but accounted to the inode
 * once, stored under one page cache lock, and put on their LRU lists under
 * one lruvec lock per run. shmem's accounting primitives are in
 * mm/internal.h; the hooks that keep a preserved memfd's size and pages in
 * the outgoing kernel are in include/linux/shmem_fs.h and mm/shmem.c.
 */
#include <linux/memcontrol.h>
#include <linux/mm_inline.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#include "internal.h"

/*
 * Page cache statistics of a run of small folios that share a node and a
 * memory cgroup, updated at once: per folio they cost a retrieve as much
 * as the page cache insertion itself.
 */
struct shmem_luo_stats {
	struct folio *first;
	long pages;
};

static void shmem_luo_stats_flush(struct shmem_luo_stats *st)
{
	if (st->first)
		shmem_update_stats(st->first, st->pages);
	st->first = NULL;
	st->pages = 0;
}

static void shmem_luo_stats_add(struct shmem_luo_stats *st, struct folio *folio)
{
	if (st->first && (folio_pgdat(folio) != folio_pgdat(st->first) ||
			  folio_memcg(folio) != folio_memcg(st->first)))
		shmem_luo_stats_flush(st);
	if (folio_test_pmd_mappable(folio)) {
		shmem_update_stats(folio, folio_nr_pages(folio));
		return;
	}
	if (!st->first)
		st->first = folio;
	st->pages += folio_nr_pages(folio);
}

/*
 * Add @n folios of shmem_luo_add_folios() to the page cache under one
 * lock: a batch of the caller's size, not the whole file, keeps the time
 * with interrupts off short. Returns the number added before an error.
 *
 * Handed-over folios come in index order, mostly small and adjacent: a
 * small folio right after the small folio just stored steps to the next
 * slot (xas_next(), usually in the same node) instead of walking down from
 * the root again.
 */
static unsigned int shmem_luo_store(struct address_space *mapping,
				    struct folio **folios, unsigned int n,
				    gfp_t gfp, int *error)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	struct shmem_luo_stats st = { };
	unsigned int i = 0;
	bool next;
	void *entry;

	do {
		xas_lock_irq(&xas);
		/* After xas_nomem() the state restarts from the root. */
		next = false;
		for (; i < n; i++) {
			struct folio *folio = folios[i];
			unsigned int order = folio_order(folio);

			if (next && !order && folio->index == xas.xa_index + 1) {
				if (xas_next(&xas))
					xas_set_err(&xas, -EEXIST);
			} else {
				xas_set_order(&xas, folio->index, order);
				xas_for_each_conflict(&xas, entry) {
					xas_set_err(&xas, -EEXIST);
					break;
				}
			}
			if (xas_error(&xas))
				break;
			xas_store(&xas, folio);
			if (xas_error(&xas))
				break;
			next = !order;
			folio_ref_add(folio, folio_nr_pages(folio));
			folio->mapping = mapping;
			shmem_luo_stats_add(&st, folio);
			mapping->nrpages += folio_nr_pages(folio);
		}
		/* The statistics change with interrupts off, as shmem's do. */
		shmem_luo_stats_flush(&st);
		xas_unlock_irq(&xas);
	} while (xas_nomem(&xas, gfp));

	*error = xas_error(&xas);
	return i;
}

/*
 * Put @n folios on their LRU lists, as folio_add_lru() would, under one
 * lruvec lock for a run of folios that share it. Not through the per-CPU
 * batches: those take a reference per folio, relock every few folios and
 * drop the references again, which cost a retrieve more than the page
 * cache insertion. The caller holds a reference on each folio.
 */
static void shmem_luo_add_lru(struct folio **folios, unsigned int n)
{
	struct lruvec *lruvec = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct folio *folio = folios[i];

		/* Its page cache entry owns it anyway; two LRU entries would not. */
		if (WARN_ON_ONCE(folio_test_lru(folio)))
			continue;
		lruvec = folio_lruvec_relock_irq(folio, lruvec);
		/* As lru_add() does: a SHM_LOCKed inode's go to unevictable. */
		if (!folio_evictable(folio)) {
			folio_clear_active(folio);
			folio_set_unevictable(folio);
			folio->mlock_count = 0;
			__count_vm_events(UNEVICTABLE_PGCULLED,
					  folio_nr_pages(folio));
		}
		lruvec_add_folio(lruvec, folio);
		folio_set_lru(folio);
	}
	if (lruvec)
		unlock_page_lruvec_irq(lruvec);
}

/**
 * shmem_luo_add_folios - put folios handed over by the previous kernel into
 *	a shmem file
 * @inode:  the shmem inode
 * @folios: locked, swapbacked folios that the caller owns and that are in no
 *	    mapping and no memory cgroup, each with its page cache index in
 *	    ->index, aligned to its size
 * @n:      number of folios
 * @errp:   set to why, when fewer than @n were added
 *
 * Charges each folio to the current task's memory cgroup, accounts their
 * blocks to @inode and adds them to the page cache and the LRU, as newly
 * allocated shmem folios would be; the accounting and the page cache lock
 * are taken once for all of them. The caller keeps its references and the
 * locks.
 *
 * Return: the number of folios added, from the first. The file owns those;
 * the others are as they were given (not charged, not accounted), so that
 * the caller may try them again: after -ENOMEM (memory cgroup limit, page
 * cache node) or -ENOSPC (block accounting), not after -EEXIST (an index is
 * taken already).
 */
unsigned int shmem_luo_add_folios(struct inode *inode, struct folio **folios,
				  unsigned int n, int *errp)
{
	struct address_space *mapping = inode->i_mapping;
	gfp_t gfp = mapping_gfp_mask(mapping);
	long pages = 0, added_pages = 0;
	unsigned int i, added = 0;
	int error;

	for (i = 0; i < n; i++) {
		/* No OOM kill for it: the caller fails and may retry. */
		error = mem_cgroup_charge(folios[i], NULL,
					  gfp | __GFP_RETRY_MAYFAIL);
		if (error)
			goto uncharge;
		pages += folio_nr_pages(folios[i]);
	}
	error = shmem_inode_acct_blocks(inode, pages);
	if (error)
		goto uncharge;
	added = shmem_luo_store(mapping, folios, n, gfp & GFP_RECLAIM_MASK,
				&error);
	for (i = 0; i < added; i++)
		added_pages += folio_nr_pages(folios[i]);
	shmem_luo_add_lru(folios, added);
	if (added_pages < pages)
		shmem_inode_unacct_blocks(inode, pages - added_pages);
	shmem_recalc_inode(inode, added_pages, 0);
	i = n;
uncharge:
	/* Those not in the page cache go back as they came. */
	while (i > added)
		mem_cgroup_uncharge(folios[--i]);
	*errp = error;
	return added;
}
