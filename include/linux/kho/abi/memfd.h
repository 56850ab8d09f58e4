/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd.h - the memfd handover format ("memfd-v2"): the contract between
 * the kernel that preserves a memfd and the one that retrieves it.
 */
#ifndef _LINUX_KHO_ABI_MEMFD_H
#define _LINUX_KHO_ABI_MEMFD_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kexec_handover.h>
#include <linux/types.h>

/**
 * DOC: memfd handover format memfd-v2
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * Handover format of a memfd ("memfd-v2"), as upstream Linux 7.x writes
 * and reads it.
 *
 * LUO's u64 for the file is the physical address of a preserved page
 * holding struct memfd_luo_desc. Its @folios field describes a preserved
 * vmalloc area (struct kho_vmalloc) of @nr_folios entries of struct
 * memfd_luo_folio, sorted by index (a reader must not rely on it); an index
 * no entry covers is a hole. Each folio is preserved with KHO at its order,
 * which gives its size back. All fields little-endian, structures packed.
 * See Documentation/core-api/liveupdate-memfd.rst.
 */

#define MEMFD_LUO_COMPATIBLE		"memfd-v2"

/* Folio entry: pfn in bits 0-51, flags in bits 52-63. */
#define MEMFD_LUO_PFN_MASK		GENMASK_ULL(51, 0)
#define MEMFD_LUO_FLAGS_SHIFT		52
#define MEMFD_LUO_FOLIO_DIRTY		BIT_ULL(0)
#define MEMFD_LUO_FOLIO_UPTODATE	BIT_ULL(1)
#define MEMFD_LUO_FOLIO_FLAGS		(MEMFD_LUO_FOLIO_DIRTY | \
					 MEMFD_LUO_FOLIO_UPTODATE)

/**
 * struct memfd_luo_folio - one preserved folio in the handover array
 * @pfn_flags: page frame number of the folio's first page (bits 0-51) and
 *	       MEMFD_LUO_FOLIO_* flags (bits 52-63)
 * @index:     page cache index of the folio
 */
struct memfd_luo_folio {
	__le64 pfn_flags;
	__le64 index;
} __packed;

/**
 * struct memfd_luo_desc - handover descriptor of one memfd
 * @pos:       file position
 * @size:      file size in bytes
 * @seals:     F_SEAL_* seals
 * @flags:     reserved, 0
 * @nr_folios: number of entries in @folios
 * @folios:    preserved vmalloc area of struct memfd_luo_folio entries
 */
struct memfd_luo_desc {
	__le64 pos;
	__le64 size;
	__le32 seals;
	__le32 flags;
	__le64 nr_folios;
	struct kho_vmalloc folios;
} __packed;

static_assert(sizeof(struct memfd_luo_folio) == 16);
static_assert(sizeof(struct memfd_luo_desc) == 48);

#endif /* _LINUX_KHO_ABI_MEMFD_H */
