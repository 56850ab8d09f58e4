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

struct file;
struct inode;
struct liveupdate_file_op_args;

/* Seals the format can carry; anything else is refused at preserve. */
#define MEMFD_LUO_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | \
				 F_SEAL_EXEC)

static inline unsigned long memfd_luo_pfn(const struct memfd_luo_folio *f)
{
	return le64_to_cpu(f->pfn_flags) & MEMFD_LUO_PFN_MASK;
}

/**
 * struct memfd_luo_backing - how a memfd's file system holds it still
 *	while it is preserved (shmem: include/linux/shmem_fs.h; hugetlbfs:
 *	include/linux/hugetlb.h)
 * @seals:	      the file's F_SEAL_* seals
 * @freeze_size:      size changes fail from now on (i_rwsem held)
 * @thaw_size:	      they may succeed again, and holes be filled (i_rwsem held)
 * @refuse_add:	      refuse (or allow again) new pages in holes
 * @test_clear_added: has a page filled a hole since the last call?
 * @set_added:	      undo @test_clear_added, the rescan it led to failed
 */
struct memfd_luo_backing {
	unsigned int (*seals)(struct inode *inode);
	void (*freeze_size)(struct inode *inode);
	void (*thaw_size)(struct inode *inode);
	void (*refuse_add)(struct inode *inode, bool refuse);
	bool (*test_clear_added)(struct inode *inode);
	void (*set_added)(struct inode *inode);
};

int memfd_luo_preserve_backed(struct liveupdate_file_op_args *args,
			      const struct memfd_luo_backing *b,
			      size_t desc_size);
void memfd_luo_unpreserve(struct liveupdate_file_op_args *args);
int memfd_luo_freeze(struct liveupdate_file_op_args *args);
void memfd_luo_unfreeze(struct liveupdate_file_op_args *args);
int memfd_luo_set_seals(struct file *file, unsigned int seals,
			unsigned int *field);

int memfd_luo_retrieve(struct liveupdate_file_op_args *args);
void memfd_luo_finish(struct liveupdate_file_op_args *args);

#endif /* _MM_MEMFD_LUO_H */
