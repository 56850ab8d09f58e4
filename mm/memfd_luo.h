/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_luo.h - shared by the two halves of the memfd live update handler:
 * mm/memfd_luo.c (preserve, freeze) and mm/memfd_luo_retrieve.c (retrieve,
 * finish).
 */
#ifndef _MM_MEMFD_LUO_H
#define _MM_MEMFD_LUO_H

#include <linux/kho/abi/memfd.h>
#include <linux/types.h>
#include <linux/fcntl.h>

struct liveupdate_file_op_args;

/* Seals the format can carry; anything else is refused at preserve. */
#define MEMFD_LUO_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | \
				 F_SEAL_EXEC)

static inline unsigned long memfd_luo_pfn(const struct memfd_luo_folio *f)
{
	return le64_to_cpu(f->pfn_flags) & MEMFD_LUO_PFN_MASK;
}

int memfd_luo_retrieve(struct liveupdate_file_op_args *args);
void memfd_luo_finish(struct liveupdate_file_op_args *args);

#endif /* _MM_MEMFD_LUO_H */
