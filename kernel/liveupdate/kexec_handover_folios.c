// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover_folios.c - a handed-over folio array, read in place by the
 * next kernel: one record per folio, each folio claimed from KHO once, and
 * every folio and array page given back exactly once, whichever step of
 * which try stopped. Used by the memfd and guest_memfd handlers; see
 * include/linux/kho_folios.h.
 *
 * The rule it keeps for them: the array's pages and the folios they name
 * are either in @in (and so kept for a retry, or given back by
 * kho_folios_release()), or in the new file, or free; never two of these.
 */
#include <linux/kho_folios.h>
#include <linux/export.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>

static void kho_folios_put_rec(const void *rec, void *arg)
{
	const struct kho_folio_rec *r = rec;
	struct folio *folio;

	/* Whatever its order: folio_put() frees a gigantic one too. */
	folio = kho_restore_gigantic_folio(PFN_PHYS(kho_folio_rec_pfn(r)));
	if (folio)
		folio_put(folio);
	cond_resched();
}

/**
 * kho_folios_drain - free a handed-over folio array and every folio it names
 * @area: the array's preservation descriptor
 * @nr:   the number of records the handover says it holds
 *
 * For an array nothing was claimed from yet (a file never retrieved, or
 * malformed). Allocates nothing. A record naming no preserved folio is
 * skipped.
 */
void kho_folios_drain(const struct kho_vmalloc *area, u64 nr)
{
	kho_walk_array(area, nr, sizeof(struct kho_folio_rec),
		       kho_folios_put_rec, NULL);
}
EXPORT_SYMBOL_GPL(kho_folios_drain);

/**
 * kho_folios_claim_array - take a handed-over folio array's pages into @in
 * @in:   zeroed, or as a try that failed with -ENOMEM here left it
 * @area: the array's preservation descriptor
 * @nr:   the number of records the handover says it holds
 *
 * Return: 0, with @in holding the pages of @nr records (pages past the
 * last record are freed); -ENOMEM: nothing was taken, a retry may go on;
 * any other errno: the array does not match its descriptor, and
 * everything it names and every page of it that could be claimed was
 * freed.
 */
int kho_folios_claim_array(struct kho_folios_in *in,
			   const struct kho_vmalloc *area, u64 nr)
{
	unsigned long b;
	long n;

	in->nr = nr;
	in->nr_pages = area->total_pages;
	n = kho_claim_array(area, nr, sizeof(struct kho_folio_rec),
			    &in->pages);
	if (n >= 0) {
		for (b = DIV_ROUND_UP(nr, KHO_FOLIOS_PER_PAGE);
		     b < in->nr_pages; b++) {
			__free_page(in->pages[b]);
			in->pages[b] = NULL;
		}
		return 0;
	}
	if (n == -ENOMEM)
		return n;
	if (in->pages)
		/* Claimed in part: give back what the claimed pages name. */
		kho_folios_release(in);
	else
		/* Wrong on its face: walk what it names, in place. */
		kho_folios_drain(area, nr);
	return n;
}
EXPORT_SYMBOL_GPL(kho_folios_claim_array);

/**
 * kho_folios_claim - claim the folio of every record of @in from KHO
 * @in:    holding the array's pages, nothing claimed yet
 * @claim: claims and checks one record's folio for the format: NULL if the
 *	   record is not sound (its folio, if any, put back); the folio is
 *	   returned locked if @in->locked
 * @arg:   passed to @claim
 *
 * All or nothing, so that what @in holds is always known.
 *
 * Return: 0, @in->claimed set; or -EINVAL for a record that is not sound:
 * every folio the array names and the array's pages are then freed.
 */
int kho_folios_claim(struct kho_folios_in *in,
		     struct folio *(*claim)(const struct kho_folio_rec *r,
					    void *arg),
		     void *arg)
{
	struct folio *folio;
	u64 i, k;

	for (i = 0; i < in->nr; i++) {
		folio = claim(kho_folios_rec(in, i), arg);
		if (!folio)
			goto fail;
		if (!(i % KHO_FOLIOS_PER_PAGE))
			cond_resched();
	}
	in->claimed = true;
	return 0;

fail:
	for (k = 0; k < i; k++) {
		folio = kho_folios_folio(in, k);
		if (in->locked)
			folio_unlock(folio);
		folio_put(folio);
	}
	/* Record i's folio, if any, was put back; give back those after it. */
	in->next = i + 1;
	kho_folios_release(in);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(kho_folios_claim);

/**
 * kho_folios_done - the folios of records up to @next are in the file
 * @in:   claimed
 * @next: the first record whose folio is not in the file
 *
 * Frees the array pages all of whose records are in.
 */
void kho_folios_done(struct kho_folios_in *in, u64 next)
{
	unsigned long b = in->next / KHO_FOLIOS_PER_PAGE;

	in->next = next;
	for (; b < in->nr_pages; b++) {
		/* Not all of this page's records are in yet. */
		if (min_t(u64, in->nr, ((u64)b + 1) * KHO_FOLIOS_PER_PAGE) > next)
			break;
		if (!in->pages[b])
			continue;
		__free_page(in->pages[b]);
		in->pages[b] = NULL;
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(kho_folios_done);

/**
 * kho_folios_release - give back everything @in holds
 * @in: as any step left it
 *
 * The folio of every record from @in->next on is put back (claimed ones by
 * their reference, the others from KHO) and the array's pages are freed.
 * Once every folio is in the file, only the list of pages is left to free.
 */
void kho_folios_release(struct kho_folios_in *in)
{
	struct folio *folio;
	unsigned long b;
	u64 i, end;

	for (b = 0; in->pages && b < in->nr_pages; b++) {
		if (!in->pages[b])
			continue;
		i = max_t(u64, in->next, (u64)b * KHO_FOLIOS_PER_PAGE);
		end = min_t(u64, in->nr, ((u64)b + 1) * KHO_FOLIOS_PER_PAGE);
		for (; i < end; i++) {
			const struct kho_folio_rec *r = kho_folios_rec(in, i);

			if (in->claimed) {
				folio = pfn_folio(kho_folio_rec_pfn(r));
				if (in->locked)
					folio_unlock(folio);
				folio_put(folio);
			} else {
				kho_folios_put_rec(r, NULL);
			}
		}
		__free_page(in->pages[b]);
		cond_resched();
	}
	kvfree(in->pages);
	in->pages = NULL;
}
EXPORT_SYMBOL_GPL(kho_folios_release);
