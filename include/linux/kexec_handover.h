/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): memory and small blobs that survive a kexec.
 *
 * A subsystem preserves folios, page ranges or vmalloc areas before the
 * kexec, and names a blob ("subtree") describing them. The next kernel keeps
 * every preserved range away from its allocators during early boot, and the
 * subsystem then looks its blob up by name and restores the memory.
 *
 * Handover format: Documentation/core-api/kho/format.rst (kho-v4).
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/jump_label.h>
#include <linux/types.h>

#include <asm/page.h>
#include <linux/kho/abi/kexec_handover.h>

struct folio;
struct kexec_buf;
struct kimage;
struct page;
struct resource;

/**
 * KHO_ADVERTISE_FORMAT - tell tools which handover format this kernel reads
 * @id:   a C identifier, unique in the file
 * @name: the format's compatible string, e.g. "memfd-v2"
 *
 * Puts "luo-format:<name>" into the kernel image's read-only data, where
 * "luo-bpf check" finds it in a bzImage before kexec'ing into it: a host
 * refuses to hand over state the next kernel could not read.
 */
#define KHO_ADVERTISE_FORMAT(id, name)					\
	static const char __kho_format_##id[] __used __aligned(1)	\
		__section(".rodata.kho_format") = "luo-format:" name

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
bool is_kho_boot(void);

int kho_preserve_folio(struct folio *folio);
void kho_unpreserve_folio(struct folio *folio);
struct folio *kho_restore_folio(phys_addr_t phys);
struct folio *kho_restore_gigantic_folio(phys_addr_t phys);

int kho_preserve_pages(struct page *page, unsigned long nr_pages);
void kho_unpreserve_pages(struct page *page, unsigned long nr_pages);
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages);

int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation);
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation);
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation);
long kho_walk_array(const struct kho_vmalloc *area, u64 count, size_t size,
		    void (*fn)(const void *rec, void *arg), void *arg);
long kho_claim_array(const struct kho_vmalloc *area, u64 count, size_t size,
		     struct page ***pagesp);
int kho_restore_copy(phys_addr_t phys, void *buf, size_t len);

void *kho_alloc_preserve(size_t size);
void kho_unpreserve_free(void *mem);
void kho_restore_free(void *mem);

int kho_add_subtree(const char *name, void *blob, size_t size);
void kho_remove_subtree(void *blob);
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size);

/* Early boot and kexec hooks, called by the architecture and mm. */
void kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
		  phys_addr_t scratch_phys, u64 scratch_len);
void kho_memory_init(void);
int kho_pageblock_migratetype(unsigned long pfn, int migratetype);
void kho_x86_timers_apply(void);
void kho_x86_timers_lapic_rejected(void);
int arch_kho_root_props(void *fdt);
const void *kho_in_root_prop(const char *name, int *lenp);

DECLARE_STATIC_KEY_FALSE(kho_scratch_cma);

/**
 * kho_cma_last - should movable allocations take CMA pageblocks last?
 *
 * True when the CMA pageblocks are all KHO scratch areas (no other CMA
 * area was reserved): a page allocated there that userspace later
 * preserves (a memfd's) must be migrated out at preserve time, so the page
 * allocator does not balance movable allocations into CMA and uses it only
 * once the zone's other free memory is gone.
 */
static inline bool kho_cma_last(void)
{
	return static_branch_unlikely(&kho_scratch_cma);
}

int kho_fill_kimage(struct kimage *image);
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*func)(struct resource *, void *));

#else /* CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void) { return false; }
static inline bool is_kho_boot(void) { return false; }

static inline int kho_preserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_folio(struct folio *folio) { }

static inline struct folio *kho_restore_folio(phys_addr_t phys)
{
	return NULL;
}

static inline struct folio *kho_restore_gigantic_folio(phys_addr_t phys)
{
	return NULL;
}

static inline int kho_preserve_pages(struct page *page, unsigned long nr)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_pages(struct page *page, unsigned long nr) { }

static inline struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr)
{
	return NULL;
}

static inline int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *p)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_vmalloc(struct kho_vmalloc *p) { }

static inline void *kho_restore_vmalloc(const struct kho_vmalloc *p)
{
	return NULL;
}

static inline long kho_walk_array(const struct kho_vmalloc *area, u64 count,
				  size_t size,
				  void (*fn)(const void *rec, void *arg),
				  void *arg)
{
	return -EOPNOTSUPP;
}

static inline long kho_claim_array(const struct kho_vmalloc *area,
				   u64 count, size_t size,
				   struct page ***pagesp)
{
	*pagesp = NULL;
	return -EOPNOTSUPP;
}

static inline int kho_restore_copy(phys_addr_t phys, void *buf, size_t len)
{
	return -EOPNOTSUPP;
}

static inline void *kho_alloc_preserve(size_t size)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void kho_unpreserve_free(void *mem) { }

static inline void kho_restore_free(void *mem) { }

static inline int kho_add_subtree(const char *name, void *blob, size_t size)
{
	return -EOPNOTSUPP;
}

static inline void kho_remove_subtree(void *blob) { }

static inline int kho_retrieve_subtree(const char *name, phys_addr_t *phys,
				       size_t *size)
{
	return -EOPNOTSUPP;
}

static inline void kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
				phys_addr_t scratch_phys, u64 scratch_len) { }
static inline void kho_memory_init(void) { }
static inline void kho_x86_timers_apply(void) { }
static inline void kho_x86_timers_lapic_rejected(void) { }

static inline const void *kho_in_root_prop(const char *name, int *lenp)
{
	return NULL;
}

static inline int kho_pageblock_migratetype(unsigned long pfn, int migratetype)
{
	return migratetype;
}

static inline bool kho_cma_last(void) { return false; }

static inline int kho_fill_kimage(struct kimage *image) { return 0; }

static inline int kho_walk_scratch(struct kexec_buf *kbuf,
				   int (*func)(struct resource *, void *))
{
	return 0;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
