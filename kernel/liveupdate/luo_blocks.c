// SPDX-License-Identifier: GPL-2.0
/*
 * luo_blocks.c - block sets: lists of fixed-size entries in preserved
 * 4 KiB pages, each page a header {next, count} and up to count entries.
 *
 * Pages are allocated (and preserved) while entries are added, so that the
 * reboot path only fills them in: serialization never allocates. Readers
 * in the next kernel check every block (preserved, count in range, chain
 * no longer than LUO_MAX_BLOCKS, which also ends a cycle).
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "luo_internal.h"

#define LUO_BLOCK_ROOM	(PAGE_SIZE - sizeof(struct luo_ser_block))

void luo_blocks_init(struct luo_blocks *b, size_t entry_size)
{
	b->entry_size = entry_size;
	b->per_block = LUO_BLOCK_ROOM / entry_size;
	b->nr_blocks = 0;
	b->blocks = NULL;
}

/**
 * luo_blocks_reserve - make room for @nr_entries entries
 * @b:          the block set
 * @nr_entries: entries the set must be able to hold
 *
 * Grows or shrinks the set to the blocks needed.
 *
 * Return: 0, -ENOSPC beyond LUO_MAX_BLOCKS blocks, or -ENOMEM.
 */
int luo_blocks_reserve(struct luo_blocks *b, unsigned long nr_entries)
{
	unsigned long need = DIV_ROUND_UP(nr_entries, b->per_block);

	if (need > LUO_MAX_BLOCKS)
		return -ENOSPC;

	while (b->nr_blocks > need)
		kho_unpreserve_free(b->blocks[--b->nr_blocks]);

	if (need > b->nr_blocks) {
		struct luo_ser_block **blocks;

		blocks = krealloc_array(b->blocks, need, sizeof(*blocks),
					GFP_KERNEL);
		if (!blocks)
			return -ENOMEM;
		b->blocks = blocks;
		while (b->nr_blocks < need) {
			void *blk = kho_alloc_preserve(PAGE_SIZE);

			if (IS_ERR(blk))
				return PTR_ERR(blk);
			b->blocks[b->nr_blocks++] = blk;
		}
	}
	return 0;
}

void luo_blocks_destroy(struct luo_blocks *b)
{
	luo_blocks_reserve(b, 0);
	kfree(b->blocks);
	b->blocks = NULL;
}

void *luo_blocks_entry(struct luo_blocks *b, unsigned long idx)
{
	return b->blocks[idx / b->per_block]->entries +
	       (idx % b->per_block) * b->entry_size;
}

/**
 * luo_blocks_seal - write headers for @nr_entries filled entries
 * @b:          the block set, with room for @nr_entries
 * @nr_entries: entries filled in with luo_blocks_entry()
 *
 * Return: physical address of the first block, 0 for an empty set.
 */
u64 luo_blocks_seal(struct luo_blocks *b, unsigned long nr_entries)
{
	unsigned long left = nr_entries;
	unsigned int i, used = DIV_ROUND_UP(nr_entries, b->per_block);

	for (i = 0; i < used; i++) {
		struct luo_ser_block *blk = b->blocks[i];
		unsigned long n = min_t(unsigned long, left, b->per_block);

		blk->count = cpu_to_le64(n);
		blk->next = cpu_to_le64(i + 1 < used ?
					virt_to_phys(b->blocks[i + 1]) : 0);
		left -= n;
	}
	return used ? virt_to_phys(b->blocks[0]) : 0;
}

/**
 * luo_blocks_read - call @fn on every entry of an incoming block set
 * @first:      physical address of the first block (0: empty set)
 * @entry_size: size of an entry
 * @fn:         callback; non-zero stops the walk
 * @arg:        for @fn
 *
 * Every block is restored from KHO (so it must have been preserved) and
 * freed after its entries were seen, also on error.
 *
 * Return: 0, what @fn returned, or -EINVAL for a malformed set.
 */
int luo_blocks_read(u64 first, size_t entry_size, luo_entry_fn fn, void *arg)
{
	unsigned long per_block = LUO_BLOCK_ROOM / entry_size;
	unsigned int nr = 0;
	int err = 0;

	while (first) {
		struct folio *folio = PAGE_ALIGNED(first) ? kho_restore_folio(first) : NULL;
		struct luo_ser_block *blk;
		u64 count, i;

		if (!folio) {
			pr_warn("block %#llx was not preserved\n", first);
			return -EINVAL;
		}
		blk = folio_address(folio);
		count = le64_to_cpu(blk->count);
		first = le64_to_cpu(blk->next);
		if (!count || count > per_block || ++nr > LUO_MAX_BLOCKS) {
			pr_warn("malformed block set (block %u holds %llu)\n", nr, count);
			err = -EINVAL;
		}
		for (i = 0; !err && i < count; i++)
			err = fn(blk->entries + i * entry_size, arg);
		folio_put(folio);
		if (err)
			return err;
	}
	return 0;
}
