/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_hugetlb.h - the handover format of a hugetlb-backed memfd
 * ("memfd-hugetlb-v1"): the contract between the kernel that preserves a
 * MFD_HUGETLB memfd and the one that retrieves it.
 */
#ifndef _LINUX_KHO_ABI_MEMFD_HUGETLB_H
#define _LINUX_KHO_ABI_MEMFD_HUGETLB_H

#include <linux/build_bug.h>
#include <linux/kho/abi/memfd.h>
#include <linux/stddef.h>
#include <linux/types.h>

/**
 * DOC: hugetlb memfd handover format memfd-hugetlb-v1
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * A memfd created with MFD_HUGETLB, its huge pages left where they are.
 * Upstream Linux 7.x has no such format: it refuses the file by its
 * compatible string, and frees none of its pages (they stay reserved in
 * that kernel until it reboots).
 *
 * LUO's u64 for the file is the physical address of a preserved page
 * holding struct memfd_hugetlb_luo_desc. Its first 48 bytes are a
 * struct memfd_luo_desc, read as "memfd-v2" defines it: position, size,
 * seals, @flags 0, and a preserved vmalloc area of @nr_folios entries of
 * struct memfd_luo_folio (page frame number and flags, page cache index in
 * units of PAGE_SIZE). Every entry names one huge page, preserved with KHO
 * at the order of @page_shift, starting at an index aligned to it; an
 * index no entry covers is a hole. @page_shift is the huge page size of
 * the file: every page of the file is of that size, and the next kernel
 * gives the file back only with huge pages of that size. All fields
 * little-endian; the structure is packed.
 * See Documentation/core-api/liveupdate-memfd.rst.
 */

#define MEMFD_HUGETLB_LUO_COMPATIBLE	"memfd-hugetlb-v1"

/**
 * struct memfd_hugetlb_luo_desc - handover descriptor of a hugetlb memfd
 * @memfd:      as "memfd-v2"'s descriptor; its folio entries name huge pages
 * @page_shift: log2 of the huge page size in bytes (21: 2 MiB, 30: 1 GiB)
 * @reserved:   0
 */
struct memfd_hugetlb_luo_desc {
	struct memfd_luo_desc memfd;
	__le32 page_shift;
	__le32 reserved;
} __packed;

static_assert(offsetof(struct memfd_hugetlb_luo_desc, memfd) == 0);
static_assert(sizeof(struct memfd_hugetlb_luo_desc) == 56);

#endif /* _LINUX_KHO_ABI_MEMFD_HUGETLB_H */
