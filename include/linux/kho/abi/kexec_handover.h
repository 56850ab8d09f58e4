/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kexec_handover.h - the KHO handover format ("kho-v4"): the contract
 * between a kernel that hands memory over at kexec and the next one.
 */
#ifndef _LINUX_KHO_ABI_KEXEC_HANDOVER_H
#define _LINUX_KHO_ABI_KEXEC_HANDOVER_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/page.h>

/**
 * DOC: KHO handover format kho-v4
 *
 * This header is the contract: a kernel writing "kho-v4" writes exactly
 * this, and a kernel reading it trusts nothing else. It is byte-compatible
 * with upstream Linux 7.x, so a host can kexec between the two either way.
 * All integers are little-endian, pages are 4 KiB.
 *
 * The architecture hands the next kernel two physical ranges (on x86, in
 * a ``SETUP_KEXEC_KHO`` setup_data entry): the root FDT and the scratch
 * array.
 *
 * The root FDT is one page. Its root node has::
 *
 *	compatible = "kho-v4";
 *	preserved-memory-map = <le64>;	// the tracker's root table page
 *
 * and one child node per subtree a client handed over with
 * kho_add_subtree(), named by the client (e.g. "LUO", "luo-bpf")::
 *
 *	preserved-data = <le64>;	// physical address of the blob
 *	blob-size = <le64>;		// its size in bytes
 *
 * The scratch array is struct kho_scratch entries: [0] low memory, [1]
 * the global area, [2..] one per NUMA node. The next kernel boots with
 * memblock confined to these areas until it has walked the tracker, so
 * nothing it allocates early lands on preserved memory. An area may have
 * size 0 (upstream writes area 1 so when memory is small).
 *
 * The tracker lists every preserved chunk (2^order pages at a physical
 * address aligned to its size) as one bit of a radix tree. A chunk's key
 * is::
 *
 *	key = (1 << (64 - (PAGE_SHIFT + order))) | (phys >> (PAGE_SHIFT + order))
 *
 * so the position of the top bit gives the order. Below bit 60, the key
 * is cut from the top into KHO_TABLE_LEVELS indices of KHO_TABLE_BITS
 * into table pages (512 le64 physical addresses of the next level, 0 for
 * none), then KHO_BITMAP_BITS into a bitmap page (bit set: preserved).
 * Table pages are not listed in the tree themselves; the next kernel uses
 * them during its early walk only.
 *
 * A preserved vmalloc area (struct kho_vmalloc, embedded in a client's
 * format) is a list of chunk pages (struct kho_vmalloc_chunk), each
 * naming the next and up to KHO_VMALLOC_PER_CHUNK backing pages.
 *
 * The next kernel checks everything it reads (compatible, property sizes,
 * table pages inside RAM and outside scratch, a bound on the walk) and
 * refuses a handover that fails a check with one log line, booting as a
 * cold boot.
 */

#define KHO_FDT_COMPATIBLE		"kho-v4"
#define KHO_FDT_MEMORY_MAP		"preserved-memory-map"
#define KHO_FDT_SUBTREE_ADDR		"preserved-data"
#define KHO_FDT_SUBTREE_SIZE		"blob-size"

#define KHO_TABLE_LEVELS		5
#define KHO_TABLE_BITS			9
#define KHO_BITMAP_BITS			15

/**
 * struct kho_scratch - one scratch area as handed over
 * @addr: physical address
 * @size: size in bytes, 0 for an empty area
 */
struct kho_scratch {
	u64 addr;
	u64 size;
} __packed;

/**
 * struct kho_vmalloc - handover descriptor of a preserved vmalloc area
 * @first:       physical address of the first chunk page (0: none)
 * @total_pages: number of pages of the area
 * @flags:       KHO_VMALLOC_* flags of the area
 * @order:       order of each backing allocation
 *
 * Each chunk page holds the physical address of the next chunk page
 * followed by up to 511 physical addresses of backing pages; a zero entry
 * ends the list. Embedded as is in handover structures.
 */
struct kho_vmalloc {
	u64 first;
	u32 total_pages;
	u16 flags;
	u16 order;
} __packed;

#define KHO_VMALLOC_ALLOC	0x0001	/* a VM_ALLOC area */
#define KHO_VMALLOC_HUGE_VMAP	0x0002	/* mapped with huge pages */

#define KHO_VMALLOC_PER_CHUNK	(PAGE_SIZE / sizeof(u64) - 1)

/**
 * struct kho_vmalloc_chunk - one chunk page of a preserved vmalloc area
 * @next: physical address of the next chunk page, 0 for the last
 * @phys: physical addresses of backing pages, in order; 0 ends the list
 */
struct kho_vmalloc_chunk {
	__le64 next;
	__le64 phys[KHO_VMALLOC_PER_CHUNK];
};

static_assert(sizeof(struct kho_scratch) == 16);
static_assert(sizeof(struct kho_vmalloc) == 16);
static_assert(sizeof(struct kho_vmalloc_chunk) == PAGE_SIZE);

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
