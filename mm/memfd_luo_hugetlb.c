// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_luo_hugetlb.c - carry hugetlb-backed memfds (MFD_HUGETLB) across a
 * kexec live update, their huge pages left where they are.
 *
 * Outgoing kernel: the memfd handler's own preserve, freeze and unpreserve
 * (mm/memfd_luo.c), with hugetlbfs's hooks (include/linux/hugetlb.h) to
 * freeze the size and to note, then refuse, huge pages filling holes. Each
 * huge page is pinned (memfd_pin_folios() moves it out of movable memory
 * and KHO's scratch first) and preserved at its order.
 *
 * Incoming kernel: RETRIEVE_FD claims every huge page from KHO, makes room
 * for them in this kernel's hugetlb pool (hugetlb_luo_adopt_room(): first
 * into what the boot-time pool could not allocate, then each in place of
 * a free pool page, so the pool keeps its size, or as a surplus page
 * within nr_overcommit_hugepages), and puts them into a new hugetlb
 * memfd's page cache before it returns. A pool without room fails the
 * retrieve with -ENOMEM and keeps everything, for a retry once the pool
 * has grown. Only malformed data frees memory at once; finish() gives the
 * pages of a memfd that was never retrieved to what the boot-time pool
 * lacks, or else to the page allocator.
 *
 * 2 MiB and 1 GiB pages. A 1 GiB page is above the buddy allocator's
 * largest block: KHO gives it back as one compound folio all the same
 * (kho_restore_gigantic_folio()), and it can take the place only of a
 * free pool page, as the pool of 1 GiB pages has no surplus pages.
 *
 * Handover format "memfd-hugetlb-v1": include/linux/kho/abi/memfd_hugetlb.h.
 */
#define pr_fmt(fmt) "memfd_luo_hugetlb: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd_hugetlb.h>
#include <linux/kho_folios.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "memfd_luo.h"

KHO_ADVERTISE_FORMAT(memfd_hugetlb, MEMFD_HUGETLB_LUO_COMPATIBLE);

KHO_FOLIO_REC_CHECK(struct memfd_luo_folio, MEMFD_LUO_PFN_MASK,
		    MEMFD_LUO_FLAGS_SHIFT);

/* ---- hugetlbfs's hooks (include/linux/hugetlb.h) --------------------- */

static unsigned long *hugetlb_luo_flags(struct inode *inode)
{
	return &HUGETLBFS_I(inode)->luo_flags;
}

/*
 * hugetlb_add_to_page_cache() calls this once a huge page is in the page
 * cache: false if it is refused (it then takes the page out again).
 */
bool hugetlb_luo_note_added(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;
	unsigned long *flags = hugetlb_luo_flags(inode);
	bool ok = true;

	/* The lock orders this against the flags and the page cache scans. */
	xa_lock_irq(&mapping->i_pages);
	if (test_bit(HUGETLB_LUO_NO_ADD, flags))
		ok = false;
	else if (test_bit(HUGETLB_LUO_FROZEN, flags))
		set_bit(HUGETLB_LUO_ADDED, flags);
	xa_unlock_irq(&mapping->i_pages);
	return ok;
}

static void hugetlb_luo_set_flag(struct inode *inode, int bit, bool on)
{
	xa_lock_irq(&inode->i_mapping->i_pages);
	if (on)
		set_bit(bit, hugetlb_luo_flags(inode));
	else
		clear_bit(bit, hugetlb_luo_flags(inode));
	xa_unlock_irq(&inode->i_mapping->i_pages);
}

static unsigned int hugetlb_luo_seals(struct inode *inode)
{
	return READ_ONCE(HUGETLBFS_I(inode)->seals);
}

static void hugetlb_luo_freeze_size(struct inode *inode)
{
	lockdep_assert_held_write(&inode->i_rwsem);
	hugetlb_luo_set_flag(inode, HUGETLB_LUO_ADDED, false);
	hugetlb_luo_set_flag(inode, HUGETLB_LUO_FROZEN, true);
}

static void hugetlb_luo_thaw_size(struct inode *inode)
{
	lockdep_assert_held_write(&inode->i_rwsem);
	xa_lock_irq(&inode->i_mapping->i_pages);
	*hugetlb_luo_flags(inode) = 0;
	xa_unlock_irq(&inode->i_mapping->i_pages);
}

static void hugetlb_luo_refuse_add(struct inode *inode, bool refuse)
{
	hugetlb_luo_set_flag(inode, HUGETLB_LUO_NO_ADD, refuse);
}

static bool hugetlb_luo_test_clear_added(struct inode *inode)
{
	bool added;

	xa_lock_irq(&inode->i_mapping->i_pages);
	added = test_and_clear_bit(HUGETLB_LUO_ADDED, hugetlb_luo_flags(inode));
	xa_unlock_irq(&inode->i_mapping->i_pages);
	return added;
}

static void hugetlb_luo_set_added(struct inode *inode)
{
	hugetlb_luo_set_flag(inode, HUGETLB_LUO_ADDED, true);
}

static const struct memfd_luo_backing hugetlb_luo_backing = {
	.seals			= hugetlb_luo_seals,
	.freeze_size		= hugetlb_luo_freeze_size,
	.thaw_size		= hugetlb_luo_thaw_size,
	.refuse_add		= hugetlb_luo_refuse_add,
	.test_clear_added	= hugetlb_luo_test_clear_added,
	.set_added		= hugetlb_luo_set_added,
};

/* ---- Outgoing kernel ------------------------------------------------ */

static bool memfd_hugetlb_can_preserve(struct liveupdate_file_op_args *args)
{
	struct file *file = args->file;
	struct inode *inode = file_inode(file);

	/* memfds: unlinked; SysV SHM_HUGETLB segments are S_PRIVATE. */
	return is_file_hugepages(file) && S_ISREG(inode->i_mode) &&
	       !inode->i_nlink && !IS_PRIVATE(inode);
}

static int memfd_hugetlb_preserve(struct liveupdate_file_op_args *args)
{
	struct hstate *h = hstate_file(args->file);
	struct memfd_hugetlb_luo_desc *desc;
	int err;

	err = memfd_luo_preserve_backed(args, &hugetlb_luo_backing,
					sizeof(*desc));
	if (err)
		return err;
	desc = phys_to_virt(args->serialized_data);
	desc->page_shift = cpu_to_le32(huge_page_shift(h));
	return 0;
}

/* ---- Incoming kernel ------------------------------------------------ */

/**
 * struct memfd_hugetlb_in - a hugetlb memfd being retrieved; kept across a
 *	failed try
 * @phys:      the descriptor's physical address (serialized_data)
 * @desc:      a copy of the descriptor; valid once @have_desc
 * @have_desc: the descriptor was read (its page is gone) and the array it
 *	       names is not given back yet
 * @h:	       the pool of the file's page size
 * @folios:    the folio array; its claimed folios hold one reference each
 * @adopted:   the claimed folios are this kernel's pool pages in use
 * @file:      the new memfd; its page cache holds records [0, @folios.next)
 */
struct memfd_hugetlb_in {
	phys_addr_t phys;
	struct memfd_hugetlb_luo_desc desc;
	bool have_desc;
	struct hstate *h;
	struct kho_folios_in folios;
	bool adopted;
	struct file *file;
};

static u64 memfd_hugetlb_nr(const struct memfd_hugetlb_in *in)
{
	return le64_to_cpu(in->desc.memfd.nr_folios);
}

/* Free every huge page the array of @in's descriptor names, and the array. */
static void memfd_hugetlb_drain(const struct memfd_hugetlb_luo_desc *desc)
{
	kho_folios_drain(&desc->memfd.folios,
			 le64_to_cpu(desc->memfd.nr_folios));
}

/* Free what @in holds: its pages and array, its file, itself. */
static void memfd_hugetlb_in_free(struct memfd_hugetlb_in *in)
{
	/* Adopted pages go back to the pool, the others to the allocator. */
	if (in->folios.pages)
		kho_folios_release(&in->folios);
	else if (in->have_desc)
		memfd_hugetlb_drain(&in->desc);
	if (in->file)
		fput(in->file);
	kfree(in);
}

/*
 * Check the descriptor. Malformed: -EINVAL. A page size this kernel has
 * no pool of: -EOPNOTSUPP, and the memory is kept (until FINISH).
 */
static int memfd_hugetlb_check_desc(struct memfd_hugetlb_in *in)
{
	const struct memfd_luo_desc *m = &in->desc.memfd;
	unsigned int shift = le32_to_cpu(in->desc.page_shift);
	u64 size = le64_to_cpu(m->size);
	u64 nr = le64_to_cpu(m->nr_folios);
	struct hstate *h;

	if (le32_to_cpu(m->seals) & ~MEMFD_LUO_SEALS)
		return -EINVAL;
	if (m->flags || in->desc.reserved || size > MAX_LFS_FILESIZE ||
	    le64_to_cpu(m->pos) > MAX_LFS_FILESIZE ||
	    shift <= PAGE_SHIFT || shift >= BITS_PER_LONG ||
	    !IS_ALIGNED(size, 1ULL << shift) || nr > size >> shift ||
	    !kho_folios_fits(&m->folios, nr))
		return -EINVAL;
	h = size_to_hstate(1UL << shift);
	/* Gigantic pages it could never free are no pool to give them. */
	if (!h || (hstate_is_gigantic(h) && !gigantic_page_runtime_supported())) {
		pr_warn("this kernel has no pool of %lu KiB pages it can give the file (hugepagesz=): kept until FINISH\n",
			(1UL << shift) / SZ_1K);
		return -EOPNOTSUPP;
	}
	in->h = h;
	return 0;
}

/* Read the descriptor (its page is released) and check it. */
static int memfd_hugetlb_in_read(struct memfd_hugetlb_in *in)
{
	int err;

	if (!in->have_desc) {
		err = kho_restore_copy(in->phys, &in->desc, sizeof(in->desc));
		if (err)
			return err;
		in->have_desc = true;
	}
	/* Again after -EOPNOTSUPP: the pool may exist now. */
	err = memfd_hugetlb_check_desc(in);
	if (err == -EINVAL) {
		memfd_hugetlb_drain(&in->desc);
		in->have_desc = false;
	}
	return err;
}

static int memfd_hugetlb_in_claim_array(struct memfd_hugetlb_in *in)
{
	int err;

	err = kho_folios_claim_array(&in->folios, &in->desc.memfd.folios,
				     memfd_hugetlb_nr(in));
	if (err && err != -ENOMEM)
		/* Everything the array names was given back. */
		in->have_desc = false;
	return err;
}

/* Make the new memfd, as memfd_create(MFD_HUGETLB) would. */
static int memfd_hugetlb_in_file(struct memfd_hugetlb_in *in)
{
	struct file *file;
	int err;

	file = hugetlb_file_setup("memfd:luo",
				  le64_to_cpu(in->desc.memfd.size),
				  VM_NORESERVE, HUGETLB_ANONHUGE_INODE,
				  huge_page_shift(in->h));
	if (IS_ERR(file))
		return PTR_ERR(file);
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	err = memfd_luo_set_seals(file, le32_to_cpu(in->desc.memfd.seals),
				  &HUGETLBFS_I(file_inode(file))->seals);
	if (err) {
		fput(file);
		return err;
	}
	in->file = file;
	return 0;
}

/*
 * Claim the huge page of record @r from KHO: a folio of the file's page
 * order at an index below its size aligned to it. NULL if the record is
 * not sound (the folio, if any, is freed).
 */
static struct folio *memfd_hugetlb_claim(const struct kho_folio_rec *r,
					 void *arg)
{
	struct memfd_hugetlb_in *in = arg;
	u64 nr_index = le64_to_cpu(in->desc.memfd.size) >> PAGE_SHIFT;
	u64 index = le64_to_cpu(r->index);
	struct folio *folio;

	/* A 1 GiB page is above MAX_PAGE_ORDER. */
	folio = kho_restore_gigantic_folio(PFN_PHYS(kho_folio_rec_pfn(r)));
	if (!folio)
		return NULL;
	if ((kho_folio_rec_flags(r) & ~MEMFD_LUO_FOLIO_FLAGS) ||
	    folio_order(folio) != huge_page_order(in->h) ||
	    index >= nr_index || !IS_ALIGNED(index, folio_nr_pages(folio))) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

static int memfd_hugetlb_in_claim_folios(struct memfd_hugetlb_in *in)
{
	int err;

	err = kho_folios_claim(&in->folios, memfd_hugetlb_claim, in);
	if (err)
		in->have_desc = false;
	return err;
}

/* Make the claimed huge pages pool pages in use; -ENOMEM: no room. */
static int memfd_hugetlb_in_adopt(struct memfd_hugetlb_in *in)
{
	struct kho_folios_in *fi = &in->folios;
	long nr_surplus;
	u64 i;
	int err;

	err = hugetlb_luo_adopt_room(in->h, fi->nr, &nr_surplus);
	if (err) {
		pr_warn("the pool of %lu KiB pages has no room for %llu more (nr_hugepages, nr_overcommit_hugepages): file kept, retry\n",
			huge_page_size(in->h) / SZ_1K, fi->nr);
		return err;
	}
	for (i = 0; i < fi->nr; i++) {
		struct folio *folio = kho_folios_folio(fi, i);

		hugetlb_luo_adopt_folio(in->h, folio, i >= fi->nr - nr_surplus);
		/* freeze() made every page uptodate before recording it. */
		__folio_mark_uptodate(folio);
	}
	in->adopted = true;
	return 0;
}

/* Put the adopted pages from record ->folios.next on into the page cache. */
static int memfd_hugetlb_in_fill(struct memfd_hugetlb_in *in)
{
	struct kho_folios_in *fi = &in->folios;
	struct address_space *mapping = in->file->f_mapping;
	unsigned int order = huge_page_order(in->h);
	int err = 0;

	while (fi->next < fi->nr) {
		u64 i = fi->next;
		const struct kho_folio_rec *r = kho_folios_rec(fi, i);
		struct folio *folio = kho_folios_folio(fi, i);

		err = hugetlb_luo_add_folio(folio, mapping,
					    le64_to_cpu(r->index) >> order);
		if (err)
			break;
		folio_set_hugetlb_migratable(folio);
		folio_unlock(folio);
		/* The page cache holds it now. */
		folio_put(folio);
		kho_folios_done(fi, i + 1);
		cond_resched();
	}
	if (err == -EEXIST) {
		/* Two records for one index: malformed handover data. */
		pr_warn("huge page entries overlap in the page cache\n");
		err = -EINVAL;
	}
	return err;
}

/* Take @in from wherever the last try stopped to the filled memfd. */
static int memfd_hugetlb_in_build(struct memfd_hugetlb_in *in)
{
	int err;

	if (!in->h) {
		err = memfd_hugetlb_in_read(in);
		if (err)
			return err;
	}
	if (!in->folios.pages) {
		err = memfd_hugetlb_in_claim_array(in);
		if (err)
			return err;
	}
	if (!in->file) {
		err = memfd_hugetlb_in_file(in);
		if (err)
			return err;
	}
	if (!in->folios.claimed) {
		err = memfd_hugetlb_in_claim_folios(in);
		if (err)
			return err;
	}
	if (!in->adopted) {
		err = memfd_hugetlb_in_adopt(in);
		if (err)
			return err;
	}
	return memfd_hugetlb_in_fill(in);
}

/* Errors a retry may overcome, or that FINISH must settle: memory kept. */
static bool memfd_hugetlb_kept(int err)
{
	return err == -ENOMEM || err == -ENOSPC || err == -EOPNOTSUPP;
}

static int memfd_hugetlb_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_hugetlb_in *in = args->private_data;
	u64 phys = args->serialized_data;
	int err;

	if (!in) {
		if (!phys || !PAGE_ALIGNED(phys)) {
			pr_warn("session '%s' token %llu: descriptor at %#llx is not a page: malformed handover, refused\n",
				args->session, args->token, phys);
			return -EINVAL;
		}
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in) {
			args->kept = true;
			return -ENOMEM;
		}
		in->phys = phys;
	}

	err = memfd_hugetlb_in_build(in);
	if (!err) {
		in->file->f_pos = le64_to_cpu(in->desc.memfd.pos);
		args->file = in->file;
		args->private_data = NULL;
		/* Every page of the array was freed as its folios went in. */
		kho_folios_release(&in->folios);
		kfree(in);
		return 0;
	}
	if (memfd_hugetlb_kept(err)) {
		args->private_data = in;
		args->kept = true;
		return err;
	}
	pr_warn("cannot retrieve hugetlb memfd at %#llx: %d\n", phys, err);
	args->private_data = NULL;
	memfd_hugetlb_in_free(in);
	return err;
}

/*
 * FINISH of a memfd never retrieved, @in as the tries left it: its pages
 * go back to the pool if the boot-time pool could not allocate as many
 * (they were what took the place), as free pool pages; else, with any
 * malformed part, to the page allocator.
 */
static void memfd_hugetlb_in_finish(struct memfd_hugetlb_in *in)
{
	struct kho_folios_in *fi = &in->folios;
	int err;
	u64 i;

	if (!in->h) {
		err = memfd_hugetlb_in_read(in);
		if (err == -EINVAL)
			pr_warn("hugetlb memfd at %#llx: malformed descriptor, what it names is freed\n",
				in->phys);
		if (err)
			goto out;
	}
	if (!fi->pages && memfd_hugetlb_in_claim_array(in))
		goto out;
	if (!fi->claimed && memfd_hugetlb_in_claim_folios(in))
		goto out;
	if (!in->adopted && !hugetlb_luo_adopt_room(in->h, fi->nr, NULL)) {
		for (i = 0; i < fi->nr; i++)
			hugetlb_luo_adopt_folio(in->h, kho_folios_folio(fi, i),
						false);
		in->adopted = true;
	}
out:
	/* Puts each page: adopted ones into the pool's free list. */
	memfd_hugetlb_in_free(in);
}

static void memfd_hugetlb_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_hugetlb_in *in = args->private_data;
	struct memfd_hugetlb_luo_desc desc;

	if (args->retrieved)
		return;
	if (!in && PAGE_ALIGNED(args->serialized_data)) {
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (in)
			in->phys = args->serialized_data;
	}
	if (in) {
		memfd_hugetlb_in_finish(in);
		return;
	}
	/* No memory for @in: every page to the page allocator. */
	if (kho_restore_copy(args->serialized_data, &desc, sizeof(desc))) {
		pr_warn("session '%s' token %llu: descriptor at %#llx cannot be read: malformed handover, nothing freed\n",
			args->session, args->token, args->serialized_data);
		return;
	}
	if (!kho_folios_fits(&desc.memfd.folios,
			     le64_to_cpu(desc.memfd.nr_folios))) {
		pr_warn("session '%s' token %llu: folio array does not fit its descriptor: malformed handover, nothing freed\n",
			args->session, args->token);
		return;
	}
	memfd_hugetlb_drain(&desc);
}

static const struct liveupdate_file_ops memfd_hugetlb_ops = {
	.can_preserve	= memfd_hugetlb_can_preserve,
	.preserve	= memfd_hugetlb_preserve,
	.unpreserve	= memfd_luo_unpreserve,
	.freeze		= memfd_luo_freeze,
	.unfreeze	= memfd_luo_unfreeze,
	.retrieve	= memfd_hugetlb_retrieve,
	.finish		= memfd_hugetlb_finish,
	.owner		= THIS_MODULE,
};

static struct liveupdate_file_handler memfd_hugetlb_handler = {
	.ops		= &memfd_hugetlb_ops,
	.compatible	= MEMFD_HUGETLB_LUO_COMPATIBLE,
};

static int __init memfd_hugetlb_luo_init(void)
{
	int err = liveupdate_register_file_handler(&memfd_hugetlb_handler);

	/* -EOPNOTSUPP: live update is off in this kernel. */
	if (err && err != -EOPNOTSUPP) {
		pr_err("cannot register the hugetlb memfd handler: %d\n", err);
		return err;
	}
	return 0;
}
late_initcall(memfd_hugetlb_luo_init);
