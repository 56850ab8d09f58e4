/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kho_folios.h - the next kernel's side of a handed-over folio array, as
 * the memfd and guest_memfd handlers read theirs.
 *
 * Both formats hand over a file's folios as a preserved vmalloc area of
 * 16-byte records, a page frame number with flags in one little-endian
 * word and the page cache index in the next (struct memfd_luo_folio,
 * struct guest_memfd_luo_folio). Their handlers read the array in place,
 * claim every folio before the first goes into the new file, keep what
 * they hold across a failed RETRIEVE_FD, and give back exactly what they
 * hold when they stop: that bookkeeping is here, once. What a record's
 * flags mean, and how a folio goes into the file, stays with the format.
 */
#ifndef _LINUX_KHO_FOLIOS_H
#define _LINUX_KHO_FOLIOS_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/types.h>

/**
 * struct kho_folio_rec - one record of a handed-over folio array
 * @pfn_flags: page frame number of the folio's first page (bits 0-51) and
 *	       the format's flags (bits 52-63)
 * @index:     page cache index of the folio
 *
 * The layout both folio formats share; each handler checks with
 * KHO_FOLIO_REC_CHECK() that its own record is laid out so.
 */
struct kho_folio_rec {
	__le64 pfn_flags;
	__le64 index;
} __packed;

#define KHO_FOLIO_PFN_MASK	GENMASK_ULL(51, 0)
#define KHO_FOLIO_FLAGS_SHIFT	52

/* Records per page of the array; records do not straddle pages. */
#define KHO_FOLIOS_PER_PAGE	(PAGE_SIZE / sizeof(struct kho_folio_rec))

/*
 * A format's record @type, its pfn mask and its flags shift are those of
 * struct kho_folio_rec.
 */
#define KHO_FOLIO_REC_CHECK(type, pfn_mask, flags_shift)		\
	static_assert(sizeof(type) == sizeof(struct kho_folio_rec) &&	\
		      offsetof(type, pfn_flags) == 0 &&			\
		      offsetof(type, index) == 8 &&			\
		      (pfn_mask) == KHO_FOLIO_PFN_MASK &&		\
		      (flags_shift) == KHO_FOLIO_FLAGS_SHIFT)

/**
 * struct kho_folios_in - a handed-over folio array being retrieved
 * @pages:    the array's pages (kho_claim_array()); a page is freed, and
 *	      set to NULL, once the folios of its records are in the file
 * @nr_pages: pages of @pages
 * @nr:       records
 * @next:     the first record whose folio is not in the file yet
 * @claimed:  every record's folio is claimed from KHO (one reference each)
 * @locked:   the claimed folios are held locked
 *
 * Kept in the handler's retrieve state across tries; zeroed to start.
 */
struct kho_folios_in {
	struct page **pages;
	unsigned long nr_pages;
	u64 nr;
	u64 next;
	bool claimed;
	bool locked;
};

static inline const struct kho_folio_rec *
kho_folios_rec(const struct kho_folios_in *in, u64 i)
{
	const struct kho_folio_rec *v;

	v = page_address(in->pages[i / KHO_FOLIOS_PER_PAGE]);
	return &v[i % KHO_FOLIOS_PER_PAGE];
}

static inline unsigned long kho_folio_rec_pfn(const struct kho_folio_rec *r)
{
	return le64_to_cpu(r->pfn_flags) & KHO_FOLIO_PFN_MASK;
}

static inline unsigned int kho_folio_rec_flags(const struct kho_folio_rec *r)
{
	return le64_to_cpu(r->pfn_flags) >> KHO_FOLIO_FLAGS_SHIFT;
}

/* The folio of record @i; claimed already. */
static inline struct folio *kho_folios_folio(const struct kho_folios_in *in,
					     u64 i)
{
	return pfn_folio(kho_folio_rec_pfn(kho_folios_rec(in, i)));
}

/* The end of the records of the array page holding record @i. */
static inline u64 kho_folios_page_end(const struct kho_folios_in *in, u64 i)
{
	return min_t(u64, in->nr, round_down(i, KHO_FOLIOS_PER_PAGE) +
				  KHO_FOLIOS_PER_PAGE);
}

static inline bool kho_folios_fits(const struct kho_vmalloc *area, u64 nr)
{
	return nr <= (u64)area->total_pages * KHO_FOLIOS_PER_PAGE;
}

void kho_folios_drain(const struct kho_vmalloc *area, u64 nr);
int kho_folios_claim_array(struct kho_folios_in *in,
			   const struct kho_vmalloc *area, u64 nr);
int kho_folios_claim(struct kho_folios_in *in,
		     struct folio *(*claim)(const struct kho_folio_rec *r,
					    void *arg),
		     void *arg);
void kho_folios_done(struct kho_folios_in *in, u64 next);
void kho_folios_release(struct kho_folios_in *in);

#endif /* _LINUX_KHO_FOLIOS_H */
