/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_memfd.h - the KVM guest_memfd handover formats: the contract
 * between the kernel that preserves a guest_memfd and the one that
 * retrieves it.
 */
#ifndef _LINUX_KHO_ABI_GUEST_MEMFD_H
#define _LINUX_KHO_ABI_GUEST_MEMFD_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kexec_handover.h>
#include <linux/stddef.h>
#include <linux/types.h>

/**
 * DOC: guest_memfd handover formats
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * Handover formats of a KVM guest_memfd: shared ("guest_memfd_luo_v1") and
 * private ("guest_memfd_luo_private_v1").
 *
 * LUO's u64 for the file is the physical address of a preserved page
 * holding struct guest_memfd_luo_desc. Both formats have the layout of
 * upstream's "guest_memfd_luo_v1" record (the RFC's):
 *
 * - "guest_memfd_luo_v1": a fully-shared guest_memfd, @flags exactly
 *   GUEST_MEMFD_LUO_FLAG_MMAP | GUEST_MEMFD_LUO_FLAG_INIT_SHARED (the
 *   KVM_CREATE_GUEST_MEMFD flags of the same values), of a VM without
 *   private memory. Byte for byte upstream's record, so that a kernel
 *   with the RFC's series reads it.
 * - "guest_memfd_luo_private_v1": @flags 0, the file holds private memory
 *   of a KVM_X86_SW_PROTECTED_VM VM, which only makes sense together with
 *   that VM's memory attributes ("kvm_vm_luo_attrs_v1"); so the record
 *   has a compatible string of its own and a kernel that knows only
 *   shared guest_memfd refuses it by name.
 *
 * @vm_token is the LUO token of the VM file in the same session. The
 * folios are nr_folios entries of struct guest_memfd_luo_folio in the
 * preserved vmalloc area @folios, sorted by index; a missing index is a
 * hole. Each folio is preserved with KHO at its order. A folio flagged
 * UPTODATE was prepared for the guest (zeroed, then written by it) and is
 * given to the guest as it is; any other is zeroed on first use.
 * All fields little-endian; the structures are packed.
 */

#define GUEST_MEMFD_LUO_COMPATIBLE	"guest_memfd_luo_private_v1"
#define GUEST_MEMFD_LUO_SHARED_COMPATIBLE	"guest_memfd_luo_v1"

/* File flags (@flags of the descriptor), as KVM_CREATE_GUEST_MEMFD's. */
#define GUEST_MEMFD_LUO_FLAG_MMAP	BIT_ULL(0)
#define GUEST_MEMFD_LUO_FLAG_INIT_SHARED	BIT_ULL(1)
#define GUEST_MEMFD_LUO_SHARED_FLAGS	(GUEST_MEMFD_LUO_FLAG_MMAP | \
					 GUEST_MEMFD_LUO_FLAG_INIT_SHARED)

/* Folio entry: pfn in bits 0-51, flags in bits 52-63. */
#define GUEST_MEMFD_LUO_PFN_MASK	GENMASK_ULL(51, 0)
#define GUEST_MEMFD_LUO_FLAGS_SHIFT	52
#define GUEST_MEMFD_LUO_FOLIO_UPTODATE	BIT_ULL(0)

/**
 * struct guest_memfd_luo_folio - one preserved folio
 * @pfn_flags: page frame number of the folio's first page (bits 0-51) and
 *             GUEST_MEMFD_LUO_FOLIO_* flags (bits 52-63)
 * @index:     page cache index of the folio, in pages
 */
struct guest_memfd_luo_folio {
	__le64 pfn_flags;
	__le64 index;
} __packed;

/**
 * struct guest_memfd_luo_desc - handover descriptor of one guest_memfd
 * @size:      file size in bytes, a multiple of the page size
 * @flags:     KVM_CREATE_GUEST_MEMFD flags: GUEST_MEMFD_LUO_SHARED_FLAGS
 *             in "guest_memfd_luo_v1", 0 in "guest_memfd_luo_private_v1"
 * @nr_folios: number of entries in @folios
 * @vm_token:  LUO token of the file's VM in the same session
 * @folios:    preserved vmalloc area of struct guest_memfd_luo_folio
 *             entries; all zero when @nr_folios is 0
 */
struct guest_memfd_luo_desc {
	__le64 size;
	__le64 flags;
	__le64 nr_folios;
	__le64 vm_token;
	struct kho_vmalloc folios;
} __packed;

static_assert(sizeof(struct guest_memfd_luo_folio) == 16);
static_assert(sizeof(struct guest_memfd_luo_desc) == 48);
static_assert(offsetof(struct guest_memfd_luo_desc, vm_token) == 24);
static_assert(offsetof(struct guest_memfd_luo_desc, folios) == 32);
static_assert(GUEST_MEMFD_LUO_SHARED_FLAGS == 3);

#endif /* _LINUX_KHO_ABI_GUEST_MEMFD_H */
