/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_luo.h - shared by the two halves of the memfd live update handler:
 * mm/memfd_luo.c (preserve, and the retrieve's checks) and
 * mm/memfd_luo_fill.c (the retrieved folios into the new page cache).
 */
#ifndef _MM_MEMFD_LUO_H
#define _MM_MEMFD_LUO_H

#include <linux/kho/abi/memfd.h>
#include <linux/types.h>

struct file;
struct page;

/* Handover entries per page of the preserved array: one fill batch. */
#define MEMFD_LUO_PER_PAGE	(PAGE_SIZE / sizeof(struct memfd_luo_folio))

static inline unsigned long memfd_luo_pfn(const struct memfd_luo_folio *f)
{
	return le64_to_cpu(f->pfn_flags) & MEMFD_LUO_PFN_MASK;
}

static inline unsigned int memfd_luo_flags(const struct memfd_luo_folio *f)
{
	return le64_to_cpu(f->pfn_flags) >> MEMFD_LUO_FLAGS_SHIFT;
}

int memfd_luo_fill_start(struct file *file, struct page **pages,
			 unsigned long nr_pages, u64 nr);
void memfd_luo_release_entries(struct page **pages, unsigned long nr_pages,
			       u64 nr);

#endif /* _MM_MEMFD_LUO_H */
