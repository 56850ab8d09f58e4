/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KHO core, its preserved-memory tracker and debugfs view.
 */
#ifndef _KERNEL_LIVEUPDATE_KEXEC_HANDOVER_INTERNAL_H
#define _KERNEL_LIVEUPDATE_KEXEC_HANDOVER_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/init.h>
#include <linux/types.h>

/* Scratch areas (struct kho_scratch, in kho/abi/kexec_handover.h). */
extern struct kho_scratch *kho_scratch;
extern unsigned int kho_scratch_cnt;

/* The preserved-memory radix tree (kho-v4); see kexec_handover_tracker.c. */
struct kho_tracker {
	u64 *root;		/* top table page */
	atomic_long_t nr_pages;	/* table and bitmap pages, root included */
};

int kho_tracker_init(struct kho_tracker *t);
int kho_tracker_set(struct kho_tracker *t, phys_addr_t phys, unsigned int order);
void kho_tracker_clear(struct kho_tracker *t, phys_addr_t phys,
		       unsigned int order);

/*
 * Walking an incoming tree: the callback sees each chunk once, in runs of
 * @nr chunks of 2^@order pages each, adjacent from @phys on.
 */
typedef int (*kho_chunk_fn)(phys_addr_t phys, unsigned int order,
			    unsigned long nr, void *arg);

struct kho_walk_limits {
	phys_addr_t mem_end;		/* no tree page or chunk at or above */
	unsigned long max_nodes;	/* tree pages a sane tree can have */
};

int __init kho_tracker_walk(phys_addr_t root,
			    const struct kho_walk_limits *lim,
			    kho_chunk_fn fn, void *arg);

/* Core state the debugfs view shows. */
void *kho_out_fdt(void);
void *kho_in_fdt(void);
/*
 * get_cycles() when the handover was found (early in setup_arch()), and at
 * the end of the walk of preserved memory; 0 without a handover.
 */
u64 kho_in_found_cycles(void);
u64 kho_in_walk_end_cycles(void);
unsigned long kho_in_preserved_pages(void);
unsigned long kho_in_restored_pages(void);
/* Preserved pages that lay in memory in use at boot (the incoming FDT). */
unsigned long kho_in_in_use_pages(void);
/* Each preserved chunk not restored yet (kho/in/held). */
typedef void (*kho_held_fn)(phys_addr_t phys, unsigned int order, void *arg);
void kho_in_walk_held(kho_held_fn fn, void *arg);
u64 kho_in_walk_ns(void);
unsigned long kho_out_tracker_bytes(void);
struct kho_tracker *kho_out_tracker(void);	/* NULL until KHO is set up */
struct mutex *kho_out_lock(void);		/* the outgoing FDT's lock */
int kho_check_preservable(phys_addr_t phys, phys_addr_t size);
bool kho_addr_in_scratch(phys_addr_t addr, phys_addr_t size);

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
struct dentry *kho_debugfs_dir(void);
void kho_debugfs_init(void);
void kho_debugfs_blob_add(const char *name, void *blob, size_t size, bool in);
void kho_debugfs_blob_remove(void *blob);
#else
static inline void kho_debugfs_init(void) { }
static inline void kho_debugfs_blob_add(const char *name, void *blob,
					size_t size, bool in) { }
static inline void kho_debugfs_blob_remove(void *blob) { }
#endif

/* kexec_handover_selftest.c: damage for tests; the hooks stubbed without */
#ifdef CONFIG_KEXEC_HANDOVER_SELFTEST
int kho_selftest_corrupt(const char *how);
int kho_selftest_preserve_chunk(phys_addr_t phys, unsigned int order);
void kho_selftest_flip(bool tracker, bool trunc, u64 rnd);
void *kho_selftest_scratch(void *scratch, size_t size);
bool kho_selftest_zero_scratch(void);
#else
static inline void kho_selftest_flip(bool tracker, bool trunc, u64 rnd) { }
static inline void *kho_selftest_scratch(void *scratch, size_t size)
{
	return scratch;
}

static inline bool kho_selftest_zero_scratch(void)
{
	return false;
}
#endif

#endif /* _KERNEL_LIVEUPDATE_KEXEC_HANDOVER_INTERNAL_H */
