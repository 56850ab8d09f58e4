// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_luo_retrieve.c - the incoming half of the memfd live update handler:
 * a handed-over memfd made again in the new kernel, on the very same folios.
 *
 * RETRIEVE_FD returns the memfd only once every handed-over folio is in its
 * page cache and on the LRU, charged to the retriever's memory cgroup. From
 * then on it is an ordinary memfd: every way in (read, write, faults,
 * splice, UFFDIO_COPY, a reopen through /proc, fallocate, SEEK_DATA,
 * khugepaged, THP) sees exactly the preserved file, and nothing can fail
 * later for want of memory.
 *
 * A failure is told by RETRIEVE_FD, while the user can still decide, and
 * only malformed handover data ever frees memory:
 *
 * - Short of memory (the copy of the descriptor, the list of the array's
 *   pages, the new file, a page cache node, the memory cgroup's limit):
 *   RETRIEVE_FD fails with -ENOMEM and nothing is lost. What was done so
 *   far stays in struct memfd_luo_in, the file's private data, which LUO
 *   keeps (args->kept): the next RETRIEVE_FD goes on from there, and
 *   FINISH (or closing the session) frees it all.
 * - Malformed (a descriptor out of bounds, an entry naming no preserved
 *   folio, two entries for one index): the error is final and every page
 *   handed over for the file is freed at once, as no retry could read it.
 *
 * The handed-over folio array is read in place (kho_claim_array()), a page
 * of entries at a time; a page is freed once its folios are in.
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/kho_folios.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "internal.h"
#include "memfd_luo.h"

/**
 * struct memfd_luo_in - a memfd being retrieved; kept across a failed try
 * @phys:      the descriptor's physical address (serialized_data)
 * @desc:      a copy of the descriptor; valid once @have_desc
 * @have_desc: the descriptor was read (its page is gone) and the array
 *	       it names is not given back yet
 * @folios:    the folio array; its claimed folios are held locked, as
 *	       shmem_luo_add_folios() takes them
 * @file:      the new memfd; its page cache holds records [0, @folios.next)
 */
struct memfd_luo_in {
	phys_addr_t phys;
	struct memfd_luo_desc desc;
	bool have_desc;
	struct kho_folios_in folios;
	struct file *file;
};

KHO_FOLIO_REC_CHECK(struct memfd_luo_folio, MEMFD_LUO_PFN_MASK,
		    MEMFD_LUO_FLAGS_SHIFT);

static int memfd_luo_check_desc(const struct memfd_luo_desc *desc)
{
	u64 size = le64_to_cpu(desc->size);
	u64 nr = le64_to_cpu(desc->nr_folios);

	if (le32_to_cpu(desc->seals) & ~MEMFD_LUO_SEALS)
		return -EOPNOTSUPP;
	if (desc->flags || size > MAX_LFS_FILESIZE ||
	    le64_to_cpu(desc->pos) > MAX_LFS_FILESIZE)
		return -EINVAL;
	/* Each folio starts at a distinct index below the size. */
	if (nr > DIV_ROUND_UP(size, PAGE_SIZE))
		return -EINVAL;
	/* The array must hold them all. */
	if (!kho_folios_fits(&desc->folios, nr))
		return -EINVAL;
	return 0;
}

/* Free every folio the array of @desc names, and the array. */
static void memfd_luo_drain(const struct memfd_luo_desc *desc)
{
	kho_folios_drain(&desc->folios, le64_to_cpu(desc->nr_folios));
}

/* Free what @in holds: its folios and array, its file, itself. */
static void memfd_luo_in_free(struct memfd_luo_in *in)
{
	if (in->folios.pages)
		kho_folios_release(&in->folios);
	else if (in->have_desc)
		memfd_luo_drain(&in->desc);
	/* Frees the folios in its page cache. */
	if (in->file)
		fput(in->file);
	kfree(in);
}

/* Read and check the descriptor; its page is released. */
static int memfd_luo_in_read(struct memfd_luo_in *in)
{
	int err;

	err = kho_restore_copy(in->phys, &in->desc, sizeof(in->desc));
	if (err)
		return err;
	in->have_desc = true;
	err = memfd_luo_check_desc(&in->desc);
	if (err) {
		memfd_luo_drain(&in->desc);
		in->have_desc = false;
	}
	return err;
}

/* Take the array's pages; -ENOMEM: nothing was taken. */
static int memfd_luo_in_claim_array(struct memfd_luo_in *in)
{
	int err;

	in->folios.locked = true;
	err = kho_folios_claim_array(&in->folios, &in->desc.folios,
				     le64_to_cpu(in->desc.nr_folios));
	if (err && err != -ENOMEM)
		/* Everything the array names was given back. */
		in->have_desc = false;
	return err;
}

/**
 * memfd_luo_set_seals - set the seals of a new memfd not shared yet
 * @file:  the memfd
 * @seals: F_SEAL_* seals, of MEMFD_LUO_SEALS
 * @field: where its file system keeps them
 *
 * Return: 0, or -EBUSY if F_SEAL_WRITE cannot be set.
 */
int memfd_luo_set_seals(struct file *file, unsigned int seals,
			unsigned int *field)
{
	struct inode *inode = file_inode(file);
	int err;

	/* As memfd_add_seals() does: no writable mapping from now on. */
	if (seals & F_SEAL_WRITE) {
		err = mapping_deny_writable(file->f_mapping);
		if (err)
			return err;
	}
	/*
	 * The mode is not carried over. Under F_SEAL_EXEC it can never be
	 * changed again, so take the safe side: not executable.
	 */
	if (seals & F_SEAL_EXEC)
		inode->i_mode &= ~0111;
	*field = seals;
	return 0;
}

/* Make the new memfd, as memfd_create() would: unlinked, sealable. */
static int memfd_luo_in_file(struct memfd_luo_in *in)
{
	struct file *file;
	int err;

	file = shmem_file_setup("memfd:luo", le64_to_cpu(in->desc.size),
				VM_NORESERVE);
	if (IS_ERR(file))
		return PTR_ERR(file);
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	err = memfd_luo_set_seals(file, le32_to_cpu(in->desc.seals),
				  &SHMEM_I(file_inode(file))->seals);
	if (err) {
		fput(file);
		return err;
	}
	in->file = file;
	return 0;
}

/*
 * Claim the folio of record @r from KHO and check it against the new file
 * (@arg, the struct memfd_luo_in): it must start at an index below the
 * file's size that its order is aligned to, and the page cache must take
 * its order. Then prepare it as the page allocator and shmem would have:
 * locked, swapbacked, ->index set. NULL if the record is not sound (the
 * folio, if any, is freed).
 */
static struct folio *memfd_luo_claim(const struct kho_folio_rec *r,
				     void *arg)
{
	struct memfd_luo_in *in = arg;
	struct inode *inode = file_inode(in->file);
	u64 nr_index = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	unsigned int flags = kho_folio_rec_flags(r);
	u64 index = le64_to_cpu(r->index);
	struct folio *folio;

	folio = kho_restore_folio(PFN_PHYS(kho_folio_rec_pfn(r)));
	if (!folio)
		return NULL;

	/* shmem_luo_add_folios() catches overlaps; these it would BUG on. */
	if ((flags & ~MEMFD_LUO_FOLIO_FLAGS) || index >= nr_index ||
	    !IS_ALIGNED(index, folio_nr_pages(folio)) ||
	    folio_order(folio) > mapping_max_folio_order(inode->i_mapping)) {
		folio_put(folio);
		return NULL;
	}
	page_rmappable_folio(&folio->page);
	__folio_set_locked(folio);
	__folio_set_swapbacked(folio);
	if (flags & MEMFD_LUO_FOLIO_UPTODATE)
		folio_mark_uptodate(folio);
	if (flags & MEMFD_LUO_FOLIO_DIRTY)
		folio_set_dirty(folio);
	folio->index = index;
	return folio;
}

/* Claim every record's folio; on error all is given back. */
static int memfd_luo_in_claim_folios(struct memfd_luo_in *in)
{
	int err;

	err = kho_folios_claim(&in->folios, memfd_luo_claim, in);
	if (err)
		in->have_desc = false;
	return err;
}

/*
 * Put the claimed folios from record ->folios.next on into the page cache,
 * a page of records at a time. On -ENOMEM or -ENOSPC the rest waits for a
 * retry.
 */
static int memfd_luo_in_fill(struct memfd_luo_in *in)
{
	struct kho_folios_in *fi = &in->folios;
	struct inode *inode = file_inode(in->file);
	struct folio **batch;
	unsigned int k, n, added;
	int err = 0;
	u64 i, end;

	batch = kmalloc_array(KHO_FOLIOS_PER_PAGE, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	while (fi->next < fi->nr) {
		end = kho_folios_page_end(fi, fi->next);
		for (n = 0, i = fi->next; i < end; i++)
			batch[n++] = kho_folios_folio(fi, i);

		added = shmem_luo_add_folios(inode, batch, n, &err);
		/* The page cache holds those now. */
		for (k = 0; k < added; k++) {
			folio_unlock(batch[k]);
			folio_put(batch[k]);
		}
		kho_folios_done(fi, fi->next + added);
		if (err)
			break;
		cond_resched();
	}
	kfree(batch);
	if (err == -EEXIST) {
		/* Two records for one index: malformed handover data. */
		pr_warn("folio entries overlap in the page cache\n");
		err = -EINVAL;
	}
	return err;
}

/* Take @in from wherever the last try stopped to the filled memfd. */
static int memfd_luo_in_build(struct memfd_luo_in *in)
{
	int err;

	if (!in->have_desc) {
		err = memfd_luo_in_read(in);
		if (err)
			return err;
	}
	if (!in->folios.pages && !in->folios.claimed) {
		err = memfd_luo_in_claim_array(in);
		if (err)
			return err;
	}
	if (!in->file) {
		err = memfd_luo_in_file(in);
		if (err)
			return err;
	}
	if (!in->folios.claimed) {
		err = memfd_luo_in_claim_folios(in);
		if (err)
			return err;
	}
	return memfd_luo_in_fill(in);
}

/* Errors a retry may overcome; the memory is kept for it. */
static bool memfd_luo_transient(int err)
{
	return err == -ENOMEM || err == -ENOSPC;
}

/**
 * memfd_luo_retrieve - RETRIEVE_FD of a memfd: its folios back in a new one
 * @args: serialized_data is the descriptor; private_data what an earlier
 *	  try kept
 *
 * Return: 0 with args->file set; or a negative errno: with args->kept set,
 * nothing is lost and a retry goes on; otherwise everything handed over
 * for the file is freed.
 */
int memfd_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	u64 phys = args->serialized_data;
	int err;

	if (!in) {
		if (!phys || !PAGE_ALIGNED(phys)) {
			pr_warn("session '%s' token %llu: memfd descriptor at %#llx is not a page: malformed handover, refused\n",
				args->session, args->token, phys);
			return -EINVAL;
		}
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in) {
			/* Nothing was touched. */
			pr_warn("cannot retrieve memfd at %#llx yet (%d): its memory is kept, retry\n",
				phys, -ENOMEM);
			args->kept = true;
			return -ENOMEM;
		}
		in->phys = phys;
	}

	err = memfd_luo_in_build(in);
	if (!err) {
		in->file->f_pos = le64_to_cpu(in->desc.pos);
		args->file = in->file;
		args->private_data = NULL;
		/* Every page of the array was freed as its folios went in. */
		kho_folios_release(&in->folios);
		kfree(in);
		return 0;
	}
	if (memfd_luo_transient(err)) {
		pr_warn("cannot retrieve memfd at %#llx yet (%d): its memory is kept, retry\n",
			phys, err);
		args->private_data = in;
		args->kept = true;
		return err;
	}
	pr_warn("cannot retrieve memfd at %#llx: %d\n", phys, err);
	args->private_data = NULL;
	memfd_luo_in_free(in);
	return err;
}

/**
 * memfd_luo_finish - FINISH of a memfd: free what was never retrieved
 * @args: as for memfd_luo_retrieve()
 *
 * A retrieved memfd owns its folios. Of one that was not, every handed-over
 * page is freed, including what a failed try kept.
 */
void memfd_luo_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	struct memfd_luo_desc desc;

	if (args->retrieved)
		return;
	if (in) {
		memfd_luo_in_free(in);
		return;
	}
	if (kho_restore_copy(args->serialized_data, &desc, sizeof(desc))) {
		pr_warn("session '%s' token %llu: memfd descriptor at %#llx cannot be read: malformed handover, nothing freed\n",
			args->session, args->token, args->serialized_data);
		return;
	}
	memfd_luo_drain(&desc);
}
