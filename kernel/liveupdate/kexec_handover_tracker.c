// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover_tracker.c - which memory is preserved, as a radix tree
 * the next kernel can read (handover format "kho-v4").
 *
 * A chunk of 2^order pages at physical address p has the key
 *
 *	key = (1 << (64 - (PAGE_SHIFT + order))) | (p >> (PAGE_SHIFT + order))
 *
 * so the position of the top bit gives the order and all orders share one
 * tree. Below bit 60 the key is cut, from the top, into five 9-bit indices
 * of table pages (512 physical addresses each) and a 15-bit index into a
 * bitmap page (32768 bits). Everything is little-endian, 4 KiB pages.
 *
 * Setting a bit never takes a lock: missing table pages are installed with
 * cmpxchg, bits are set atomically. Table pages are never freed while the
 * kernel runs; they are not themselves recorded in the tree, and the next
 * kernel uses them only during its early-boot walk.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/memblock.h>
#include <linux/mm.h>

#include "kexec_handover_internal.h"

/* KHO_TABLE_LEVELS, KHO_TABLE_BITS, KHO_BITMAP_BITS: kho/abi/kexec_handover.h */
#define KHO_TABLE_ENTRIES	BIT(KHO_TABLE_BITS)
#define KHO_BITMAP_SIZE		BIT(KHO_BITMAP_BITS)

/*
 * The largest order a key can carry: the order bit at 64 - (PAGE_SHIFT +
 * order) must stay at bit 1 or above, i.e. the chunk inside a 64-bit
 * physical address space. Upstream splits page ranges by alignment only,
 * so chunks above MAX_PAGE_ORDER do come in.
 */
#define KHO_KEY_MAX_ORDER	(64 - PAGE_SHIFT - 1)

static_assert(KHO_TABLE_ENTRIES * sizeof(u64) == PAGE_SIZE);
static_assert(KHO_BITMAP_SIZE / BITS_PER_BYTE == PAGE_SIZE);

static u64 kho_key(phys_addr_t phys, unsigned int order)
{
	unsigned int shift = PAGE_SHIFT + order;

	return BIT_ULL(64 - shift) | (phys >> shift);
}

/* Index into the table at @level (KHO_TABLE_LEVELS is the root, 1 the last). */
static unsigned int kho_index(u64 key, int level)
{
	return (key >> (KHO_BITMAP_BITS + (level - 1) * KHO_TABLE_BITS)) &
	       (KHO_TABLE_ENTRIES - 1);
}

static void *kho_alloc_node(void)
{
	/* Unmovable, so never in a (CMA) scratch area. */
	return (void *)get_zeroed_page(GFP_KERNEL);
}

int kho_tracker_init(struct kho_tracker *t)
{
	t->root = kho_alloc_node();
	atomic_long_set(&t->nr_pages, 1);
	return t->root ? 0 : -ENOMEM;
}

/* The child page of @slot, installing a new one if @alloc and none is there. */
static void *kho_child(struct kho_tracker *t, u64 *slot, bool alloc)
{
	u64 old, phys = le64_to_cpu(READ_ONCE(*slot));
	void *page;

	if (phys || !alloc)
		return phys ? phys_to_virt(phys) : NULL;

	page = kho_alloc_node();
	if (!page)
		return NULL;
	old = cmpxchg(slot, 0, cpu_to_le64(virt_to_phys(page)));
	if (old) {
		/* Another CPU installed it first. */
		free_page((unsigned long)page);
		return phys_to_virt(le64_to_cpu(old));
	}
	atomic_long_inc(&t->nr_pages);
	return page;
}

static unsigned long *kho_leaf(struct kho_tracker *t, u64 key, bool alloc)
{
	u64 *table = t->root;
	int level;

	for (level = KHO_TABLE_LEVELS; level > 0 && table; level--)
		table = kho_child(t, &table[kho_index(key, level)], alloc);
	return (unsigned long *)table;
}

/**
 * kho_tracker_set - record a preserved chunk
 * @t:     the tracker
 * @phys:  physical address, aligned to the chunk size
 * @order: the chunk is 2^@order pages
 *
 * Return: 0, or -ENOMEM when a table page could not be allocated.
 */
int kho_tracker_set(struct kho_tracker *t, phys_addr_t phys, unsigned int order)
{
	u64 key = kho_key(phys, order);
	unsigned long *leaf = kho_leaf(t, key, true);

	if (!leaf)
		return -ENOMEM;
	set_bit(key & (KHO_BITMAP_SIZE - 1), leaf);
	return 0;
}

/**
 * kho_tracker_clear - forget a preserved chunk
 * @t:     the tracker
 * @phys:  physical address the chunk was recorded with
 * @order: order it was recorded with
 */
void kho_tracker_clear(struct kho_tracker *t, phys_addr_t phys,
		       unsigned int order)
{
	u64 key = kho_key(phys, order);
	unsigned long *leaf = kho_leaf(t, key, false);

	if (leaf)
		clear_bit(key & (KHO_BITMAP_SIZE - 1), leaf);
}

/* Incoming trees come from another kernel: check every pointer. */
struct kho_walk {
	const struct kho_walk_limits *lim;
	kho_chunk_fn fn;
	void *arg;
	unsigned long nodes;
	phys_addr_t path[KHO_TABLE_LEVELS + 1];
};

static int __init kho_check_node(struct kho_walk *w, phys_addr_t phys, int level)
{
	int i;

	if (!PAGE_ALIGNED(phys) || phys >= w->lim->mem_end ||
	    !memblock_is_region_memory(phys, PAGE_SIZE)) {
		pr_warn("tracker page %pa outside RAM\n", &phys);
		return -EINVAL;
	}
	if (kho_addr_in_scratch(phys, PAGE_SIZE)) {
		pr_warn("tracker page %pa inside scratch\n", &phys);
		return -EINVAL;
	}
	for (i = level + 1; i <= KHO_TABLE_LEVELS; i++) {
		if (w->path[i] == phys) {
			pr_warn("tracker page %pa loops back\n", &phys);
			return -ELOOP;
		}
	}
	if (++w->nodes > w->lim->max_nodes) {
		pr_warn("tracker has more than %lu pages\n", w->lim->max_nodes);
		return -E2BIG;
	}
	w->path[level] = phys;
	return 0;
}

/* The chunk of key @key, or -EINVAL if the key carries no valid order. */
static int __init kho_key_chunk(u64 key, phys_addr_t *phys,
				unsigned int *order)
{
	unsigned int top = fls64(key) - 1;

	/* The order bit sits at 64 - (PAGE_SHIFT + order). */
	if (top > 64 - PAGE_SHIFT || 64 - PAGE_SHIFT - top > KHO_KEY_MAX_ORDER) {
		pr_warn("tracker key %#llx has no valid order\n", key);
		return -EINVAL;
	}
	*order = 64 - PAGE_SHIFT - top;
	*phys = (key & ~BIT_ULL(top)) << (PAGE_SHIFT + *order);
	return 0;
}

/*
 * Below a prefix that holds the order bit, set bits next to each other are
 * chunks of one order next to each other in memory: the callback gets each
 * such run at once (a 4 KiB-page memfd is mostly long runs). Without one
 * (orders so large that the order bit falls inside the bitmap), bits go
 * one at a time.
 */
static int __init kho_walk_leaf(struct kho_walk *w,
				const unsigned long *leaf, u64 prefix)
{
	bool runs = prefix >= KHO_BITMAP_SIZE;
	unsigned int start, end, bit;
	unsigned int order;
	phys_addr_t phys;
	int err;

	for_each_set_bitrange(start, end, leaf, KHO_BITMAP_SIZE) {
		unsigned int step = runs ? end - start : 1;

		for (bit = start; bit < end; bit += step) {
			err = kho_key_chunk(prefix | bit, &phys, &order);
			if (!err)
				err = w->fn(phys, order, step, w->arg);
			if (err)
				return err;
		}
	}
	return 0;
}

static int __init kho_walk_table(struct kho_walk *w, const u64 *table,
				 int level, u64 prefix)
{
	unsigned int shift = KHO_BITMAP_BITS + (level - 1) * KHO_TABLE_BITS;
	unsigned int i;
	int err;

	for (i = 0; i < KHO_TABLE_ENTRIES; i++) {
		phys_addr_t phys = le64_to_cpu(table[i]);
		u64 key = prefix | ((u64)i << shift);
		void *child;

		if (!phys)
			continue;
		err = kho_check_node(w, phys, level - 1);
		if (err)
			return err;
		child = phys_to_virt(phys);
		if (level == 1)
			err = kho_walk_leaf(w, child, key);
		else
			err = kho_walk_table(w, child, level - 1, key);
		if (err)
			return err;
	}
	return 0;
}

/**
 * kho_tracker_walk - call @fn for every run of chunks of an incoming tree
 * @root: physical address of the root table page
 * @lim:  bounds of a sane tree
 * @fn:   callback; a non-zero return stops the walk and is returned
 * @arg:  passed to @fn
 *
 * Every table and bitmap pointer is checked (page aligned, in RAM, not in
 * scratch, no loop back to a page on the current path, bounded number of
 * pages), so a damaged tree ends the walk with an error instead of a crash.
 * Runs in early boot (__init), before the buddy allocator, on the
 * direct map.
 *
 * Return: 0 or a negative errno.
 */
int __init kho_tracker_walk(phys_addr_t root,
			    const struct kho_walk_limits *lim,
			    kho_chunk_fn fn, void *arg)
{
	struct kho_walk w = { .lim = lim, .fn = fn, .arg = arg };
	int err;

	err = kho_check_node(&w, root, KHO_TABLE_LEVELS);
	if (err)
		return err;
	return kho_walk_table(&w, phys_to_virt(root), KHO_TABLE_LEVELS, 0);
}
