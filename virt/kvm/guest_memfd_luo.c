// SPDX-License-Identifier: GPL-2.0
/*
 * guest_memfd_luo.c - guest_memfd across a live update.
 *
 * Two Live Update Orchestrator (LUO) file handlers for guest_memfd files,
 * one per handover format, sharing all their code: the private guest_memfd
 * of KVM_X86_SW_PROTECTED_VM VMs ("guest_memfd_luo_private_v1", creation
 * flags 0), and the fully-shared, mmap-able guest_memfd of VMs without
 * private memory ("guest_memfd_luo_v1", flags GUEST_MEMFD_FLAG_MMAP |
 * GUEST_MEMFD_FLAG_INIT_SHARED, upstream's format). The next kernel gets
 * the same physical pages back, nothing is copied.
 *
 * Outgoing kernel. preserve() freezes the file under its invalidate lock:
 * from then on fallocate and punch hole fail with -EPERM and no folio is
 * added to it (a guest access to a hole becomes a memory fault exit), so
 * the folios it records now are all the file will have. Each folio is
 * handed to KHO and recorded with its index. A folio the guest has not
 * used yet is prepared now (zeroed and marked uptodate, as its first guest
 * access would do): a vCPU still running before the reboot may write into
 * it, and the next kernel must not zero it again. So every folio reaches
 * the next kernel "prepared", which is what makes the guest read its data
 * there and not zeroes. The host's mappings of a shared file keep their
 * pages; a host fault on a hole gets SIGBUS, and so does the guest's
 * access through it (KVM_RUN fails with -EFAULT). freeze() (at reboot)
 * records the LUO token of the file's VM, which must be preserved in the
 * same session; if it is not, the reboot fails.
 *
 * Incoming kernel. retrieve() first obtains the VM from LUO (retrieving it
 * now if userspace has not yet), then creates a guest_memfd of that VM
 * with the same flags (a shared one can be mmap()ed again) and puts the
 * handed-over folios into it, uptodate. finish() releases the memory of a
 * file that was never retrieved.
 *
 * Handover formats: include/linux/kho/abi/guest_memfd.h.
 */
#define pr_fmt(fmt) "guest_memfd_luo: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/guest_memfd.h>
#include <linux/kho_folios.h>
#include <linux/kvm_host.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kvm_luo.h"

KHO_ADVERTISE_FORMAT(guest_memfd, GUEST_MEMFD_LUO_COMPATIBLE);
KHO_ADVERTISE_FORMAT(guest_memfd_shared, GUEST_MEMFD_LUO_SHARED_COMPATIBLE);

static_assert(GUEST_MEMFD_LUO_FLAG_MMAP == GUEST_MEMFD_FLAG_MMAP);
static_assert(GUEST_MEMFD_LUO_FLAG_INIT_SHARED ==
	      GUEST_MEMFD_FLAG_INIT_SHARED);

static struct liveupdate_file_handler kvm_gmem_luo_shared_handler;

/* The creation flags of the files of @handler's format. */
static u64 kvm_gmem_luo_format_flags(struct liveupdate_file_handler *handler)
{
	return handler == &kvm_gmem_luo_shared_handler ?
	       GUEST_MEMFD_LUO_SHARED_FLAGS : 0;
}

/* Creation flags of a guest_memfd (its i_private, without FROZEN). */
static u64 kvm_gmem_luo_file_flags(struct inode *inode)
{
	return (unsigned long)inode->i_private & ~KVM_GMEM_LUO_FROZEN;
}

/*
 * Private memory needs the VM's attributes, shared memory a VM without
 * private memory (only those can create such a file).
 */
static bool kvm_gmem_luo_vm_fits(struct kvm *kvm, u64 flags)
{
	if (kvm_luo_check_vm_type(kvm))
		return false;
	if (flags)
		return !kvm_arch_has_private_mem(kvm);
	return kvm_arch_has_private_mem(kvm);
}

/**
 * struct kvm_gmem_luo - outgoing state of one preserved guest_memfd
 * @desc:   the handover descriptor, in a preserved page
 * @folios: the handover array, a preserved vmalloc area; NULL if empty
 * @nr:     entries in @folios; each folio is preserved with KHO
 */
struct kvm_gmem_luo {
	struct guest_memfd_luo_desc *desc;
	struct guest_memfd_luo_folio *folios;
	unsigned long nr;
};

static unsigned long kvm_gmem_luo_pfn(const struct guest_memfd_luo_folio *f)
{
	return le64_to_cpu(f->pfn_flags) & GUEST_MEMFD_LUO_PFN_MASK;
}

/* Set or clear the frozen bit, under the invalidate lock. */
static void kvm_gmem_luo_set_frozen(struct inode *inode, bool frozen)
{
	unsigned long flags = (unsigned long)inode->i_private;

	lockdep_assert_held_write(&inode->i_mapping->invalidate_lock);
	if (frozen)
		flags |= KVM_GMEM_LUO_FROZEN;
	else
		flags &= ~KVM_GMEM_LUO_FROZEN;
	inode->i_private = (void *)flags;
}

/* Undo kho_preserve_folio() for the first @nr entries of @v. */
static void kvm_gmem_luo_unpreserve_folios(const struct guest_memfd_luo_folio *v,
					   unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		kho_unpreserve_folio(pfn_folio(kvm_gmem_luo_pfn(&v[i])));
}

static unsigned long kvm_gmem_luo_count(struct address_space *mapping)
{
	struct folio_batch fbatch;
	unsigned long n = 0;
	pgoff_t start = 0;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &start, ULONG_MAX, &fbatch)) {
		n += folio_batch_count(&fbatch);
		folio_batch_release(&fbatch);
		cond_resched();
	}
	return n;
}

/* Prepare @folio for the guest if it is not yet, preserve and record it. */
static int kvm_gmem_luo_add(struct folio *folio,
			    struct guest_memfd_luo_folio *f)
{
	unsigned long i;
	int err;

	if (folio_test_hwpoison(folio))
		return -EHWPOISON;
	/* 6.12's guest_memfd only makes order-0 folios. */
	if (folio_test_large(folio))
		return -EOPNOTSUPP;

	folio_lock(folio);
	if (!folio_test_uptodate(folio)) {
		for (i = 0; i < folio_nr_pages(folio); i++)
			clear_highpage(folio_page(folio, i));
		folio_mark_uptodate(folio);
	}
	folio_unlock(folio);

	err = kho_preserve_folio(folio);
	if (err)
		return err;
	f->pfn_flags = cpu_to_le64(folio_pfn(folio) |
				   (GUEST_MEMFD_LUO_FOLIO_UPTODATE <<
				    GUEST_MEMFD_LUO_FLAGS_SHIFT));
	f->index = cpu_to_le64(folio->index);
	return 0;
}

/*
 * Record every folio of @mapping into @v (room for @cap). Under the
 * invalidate lock, the file frozen, so none comes or goes.
 */
static int kvm_gmem_luo_collect(struct address_space *mapping,
				struct guest_memfd_luo_folio *v,
				unsigned long cap, unsigned long *nrp)
{
	struct folio_batch fbatch;
	unsigned long nr = 0, i;
	pgoff_t start = 0;
	int err = 0;

	lockdep_assert_held(&mapping->invalidate_lock);
	folio_batch_init(&fbatch);
	while (!err && filemap_get_folios(mapping, &start, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			if (WARN_ON_ONCE(nr == cap)) {
				err = -EAGAIN;
				break;
			}
			err = kvm_gmem_luo_add(fbatch.folios[i], &v[nr]);
			if (err)
				break;
			nr++;
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	*nrp = nr;
	return err;
}

static bool kvm_gmem_luo_can_preserve(struct liveupdate_file_op_args *args)
{
	return kvm_gmem_is_file(args->file) &&
	       kvm_gmem_luo_file_flags(file_inode(args->file)) ==
	       kvm_gmem_luo_format_flags(args->handler);
}

static int kvm_gmem_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct address_space *mapping = inode->i_mapping;
	struct kvm *kvm = kvm_gmem_file_kvm(args->file);
	u64 flags = kvm_gmem_luo_format_flags(args->handler);
	struct guest_memfd_luo_folio *v = NULL;
	unsigned long cap, nr = 0;
	struct kvm_gmem_luo *g;
	int err;

	if (!kvm_gmem_luo_vm_fits(kvm, flags)) {
		pr_warn("session '%s' token %llu: only guest_memfd of software-protected VMs can be preserved\n",
			args->session, args->token);
		return -EOPNOTSUPP;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->desc = kho_alloc_preserve(sizeof(*g->desc));
	if (IS_ERR(g->desc)) {
		err = PTR_ERR(g->desc);
		goto free_g;
	}

	filemap_invalidate_lock(mapping);
	if ((unsigned long)inode->i_private != flags) {
		/* Creation flags this format cannot carry, or frozen already. */
		err = -EOPNOTSUPP;
		goto unlock;
	}
	kvm_gmem_luo_set_frozen(inode, true);
	cap = kvm_gmem_luo_count(mapping);
	if (cap) {
		v = vcalloc(cap, sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			goto thaw;
		}
		err = kvm_gmem_luo_collect(mapping, v, cap, &nr);
		if (err)
			goto unpreserve_folios;
		err = kho_preserve_vmalloc(v, &g->desc->folios);
		if (err)
			goto unpreserve_folios;
	}
	filemap_invalidate_unlock(mapping);

	g->folios = v;
	g->nr = nr;
	g->desc->size = cpu_to_le64(i_size_read(inode));
	g->desc->flags = cpu_to_le64(flags);
	g->desc->nr_folios = cpu_to_le64(nr);
	args->serialized_data = virt_to_phys(g->desc);
	args->private_data = g;
	return 0;

unpreserve_folios:
	kvm_gmem_luo_unpreserve_folios(v, nr);
	vfree(v);
thaw:
	kvm_gmem_luo_set_frozen(inode, false);
unlock:
	filemap_invalidate_unlock(mapping);
	kho_unpreserve_free(g->desc);
free_g:
	kfree(g);
	if (err == -EHWPOISON)
		pr_warn("session '%s' token %llu: guest_memfd has a poisoned page\n",
			args->session, args->token);
	return err;
}

static void kvm_gmem_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct kvm_gmem_luo *g = args->private_data;

	kvm_gmem_luo_unpreserve_folios(g->folios, g->nr);
	if (g->folios) {
		kho_unpreserve_vmalloc(&g->desc->folios);
		vfree(g->folios);
	}
	kho_unpreserve_free(g->desc);
	kfree(g);

	filemap_invalidate_lock(inode->i_mapping);
	kvm_gmem_luo_set_frozen(inode, false);
	filemap_invalidate_unlock(inode->i_mapping);
}

/*
 * At reboot: the file needs its VM in the next kernel, so the VM must be
 * preserved in the same session. Record its token. Does not allocate.
 */
static int kvm_gmem_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct kvm_gmem_luo *g = args->private_data;
	struct kvm *kvm = kvm_gmem_file_kvm(args->file);
	struct file *vm_file = kvm_luo_outgoing_vm_file(kvm);
	u64 token;
	int err = -ENOENT;

	if (vm_file) {
		err = liveupdate_get_token_outgoing(args, vm_file, &token);
		fput(vm_file);
	}
	if (err) {
		pr_warn("session '%s' token %llu: the guest_memfd's VM is not preserved in the same session\n",
			args->session, args->token);
		return err;
	}
	g->desc->vm_token = cpu_to_le64(token);
	return 0;
}

/* ---- Incoming kernel ------------------------------------------------ */

/*
 * A failed retrieve that a retry may overcome (short of memory, or the VM
 * not retrievable yet) keeps everything in struct kvm_gmem_luo_in, the
 * file's private data, and sets args->kept: the next RETRIEVE_FD goes on
 * from there and FINISH frees it. Only malformed handover data frees the
 * file's memory at once. The folio array is read in place
 * (kho_claim_array()), and every folio is claimed from KHO before the
 * first goes into the new file, so that what is claimed is always known.
 */

/**
 * struct kvm_gmem_luo_in - a guest_memfd being retrieved; kept across tries
 * @desc:      a copy of the descriptor; valid once @have_desc
 * @have_desc: the descriptor was read (its page is gone) and the array it
 *	       names is not given back yet
 * @folios:    the folio array
 * @file:      the new guest_memfd; its page cache holds records
 *	       [0, @folios.next)
 */
struct kvm_gmem_luo_in {
	struct guest_memfd_luo_desc desc;
	bool have_desc;
	struct kho_folios_in folios;
	struct file *file;
};

KHO_FOLIO_REC_CHECK(struct guest_memfd_luo_folio, GUEST_MEMFD_LUO_PFN_MASK,
		    GUEST_MEMFD_LUO_FLAGS_SHIFT);

static int kvm_gmem_luo_check_desc(const struct guest_memfd_luo_desc *desc,
				   u64 flags)
{
	u64 size = le64_to_cpu(desc->size);
	u64 nr = le64_to_cpu(desc->nr_folios);

	if (le64_to_cpu(desc->flags) != flags)
		return -EOPNOTSUPP;
	if (!size || !PAGE_ALIGNED(size) || size > MAX_LFS_FILESIZE)
		return -EINVAL;
	/* One folio per page at most, and the array must hold them all. */
	if (nr > size >> PAGE_SHIFT || !kho_folios_fits(&desc->folios, nr))
		return -EINVAL;
	return 0;
}

/* Free every folio the array of @desc names, and the array, in place. */
static void kvm_gmem_luo_drain(const struct guest_memfd_luo_desc *desc)
{
	kho_folios_drain(&desc->folios, le64_to_cpu(desc->nr_folios));
}

/* Free what @in holds: the folios not in the file, the file, itself. */
static void kvm_gmem_luo_in_free(struct kvm_gmem_luo_in *in)
{
	if (in->folios.pages)
		kho_folios_release(&in->folios);
	else if (in->have_desc)
		kvm_gmem_luo_drain(&in->desc);
	/* Frees the folios in its page cache. */
	if (in->file)
		fput(in->file);
	kfree(in);
}

/* Read and check the descriptor; its page is released. */
static int kvm_gmem_luo_in_read(struct kvm_gmem_luo_in *in, u64 phys,
				u64 flags)
{
	int err;

	err = kho_restore_copy(phys, &in->desc, sizeof(in->desc));
	if (err)
		return err;
	in->have_desc = true;
	err = kvm_gmem_luo_check_desc(&in->desc, flags);
	if (err) {
		kvm_gmem_luo_drain(&in->desc);
		in->have_desc = false;
	}
	return err;
}

/* Take the array's pages; -ENOMEM: nothing was taken. */
static int kvm_gmem_luo_in_claim_array(struct kvm_gmem_luo_in *in)
{
	int err;

	err = kho_folios_claim_array(&in->folios, &in->desc.folios,
				     le64_to_cpu(in->desc.nr_folios));
	if (err && err != -ENOMEM)
		/* Everything the array names was given back. */
		in->have_desc = false;
	return err;
}

/* Claim record @r's folio; it must be a page of the file (@arg), flagged. */
static struct folio *kvm_gmem_luo_claim(const struct kho_folio_rec *r,
					void *arg)
{
	const struct kvm_gmem_luo_in *in = arg;
	u64 nr_index = le64_to_cpu(in->desc.size) >> PAGE_SHIFT;
	struct folio *folio;

	folio = kho_restore_folio(PFN_PHYS(kho_folio_rec_pfn(r)));
	if (!folio)
		return NULL;
	if ((kho_folio_rec_flags(r) & ~GUEST_MEMFD_LUO_FOLIO_UPTODATE) ||
	    le64_to_cpu(r->index) >= nr_index || folio_test_large(folio)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/* Claim every record's folio; on error all is given back. */
static int kvm_gmem_luo_in_claim_folios(struct kvm_gmem_luo_in *in)
{
	int err;

	err = kho_folios_claim(&in->folios, kvm_gmem_luo_claim, in);
	if (err)
		in->have_desc = false;
	return err;
}

/*
 * The new guest_memfd, on the file's VM (retrieved now if userspace has
 * not yet). If the VM cannot be retrieved yet, args->kept is set.
 */
static int kvm_gmem_luo_in_file(struct liveupdate_file_op_args *args,
				struct kvm_gmem_luo_in *in, u64 flags)
{
	struct file *vm_file, *file;
	struct kvm *kvm;
	int err;

	err = liveupdate_get_file_incoming(args, le64_to_cpu(in->desc.vm_token),
					   &vm_file);
	if (err)
		return err;
	kvm = vm_file->private_data;
	if (!file_is_kvm(vm_file) || !kvm_gmem_luo_vm_fits(kvm, flags)) {
		fput(vm_file);
		return -EINVAL;
	}
	file = kvm_gmem_create_file(kvm, le64_to_cpu(in->desc.size), flags);
	/* The new guest_memfd holds the VM itself. */
	fput(vm_file);
	if (IS_ERR(file)) {
		/* Allocations only; retrying may succeed. */
		args->kept = true;
		return PTR_ERR(file);
	}
	in->file = file;
	return 0;
}

/*
 * Put the claimed folios from record ->folios.next on into the file. On
 * -ENOMEM the rest waits for a retry; -EEXIST (two records for one index)
 * is malformed data.
 */
static int kvm_gmem_luo_in_fill(struct kvm_gmem_luo_in *in)
{
	struct address_space *mapping = in->file->f_mapping;
	struct kho_folios_in *fi = &in->folios;
	const struct kho_folio_rec *r;
	struct folio *folio;
	int err;

	while (fi->next < fi->nr) {
		r = kho_folios_rec(fi, fi->next);
		folio = pfn_folio(kho_folio_rec_pfn(r));
		/* Over the memory cgroup's limit: an error, not an OOM kill. */
		err = filemap_add_folio(mapping, folio, le64_to_cpu(r->index),
					GFP_KERNEL | __GFP_RETRY_MAYFAIL);
		if (err) {
			if (err == -EEXIST) {
				pr_warn("folio entries overlap in the guest_memfd\n");
				return -EINVAL;
			}
			return err;
		}
		if (kho_folio_rec_flags(r) & GUEST_MEMFD_LUO_FOLIO_UPTODATE)
			folio_mark_uptodate(folio);
		folio_unlock(folio);
		/* The page cache holds it now. */
		folio_put(folio);
		kho_folios_done(fi, fi->next + 1);
	}
	return 0;
}

/* Take @in from wherever the last try stopped to the filled file. */
static int kvm_gmem_luo_in_build(struct liveupdate_file_op_args *args,
				 struct kvm_gmem_luo_in *in)
{
	u64 flags = kvm_gmem_luo_format_flags(args->handler);
	int err;

	if (!in->have_desc) {
		err = kvm_gmem_luo_in_read(in, args->serialized_data, flags);
		if (err)
			return err;
	}
	/* The VM first: a VM that cannot be retrieved costs no memory. */
	if (!in->file) {
		err = kvm_gmem_luo_in_file(args, in, flags);
		if (err)
			return err;
	}
	if (!in->folios.pages && !in->folios.claimed) {
		err = kvm_gmem_luo_in_claim_array(in);
		if (err)
			return err;
	}
	if (!in->folios.claimed) {
		err = kvm_gmem_luo_in_claim_folios(in);
		if (err)
			return err;
	}
	return kvm_gmem_luo_in_fill(in);
}

static int kvm_gmem_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct kvm_gmem_luo_in *in = args->private_data;
	int err;

	if (!in) {
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in) {
			/* Nothing was touched. */
			err = -ENOMEM;
			args->kept = true;
			goto warn;
		}
	}
	args->kept = false;
	err = kvm_gmem_luo_in_build(args, in);
	if (!err) {
		args->file = in->file;
		args->private_data = NULL;
		/* Every page of the array was freed as its folios went in. */
		kho_folios_release(&in->folios);
		kfree(in);
		return 0;
	}
	if (err == -ENOMEM || err == -ENOSPC)
		args->kept = true;
	if (args->kept) {
		args->private_data = in;
		goto warn;
	}
	pr_warn("session '%s' token %llu: cannot retrieve guest_memfd: %d\n",
		args->session, args->token, err);
	args->private_data = NULL;
	kvm_gmem_luo_in_free(in);
	return err;

warn:
	pr_warn("session '%s' token %llu: cannot retrieve guest_memfd yet (%d): its memory is kept, retry\n",
		args->session, args->token, err);
	return err;
}

static void kvm_gmem_luo_finish(struct liveupdate_file_op_args *args)
{
	struct kvm_gmem_luo_in *in = args->private_data;
	struct guest_memfd_luo_desc desc;

	if (args->retrieved)
		return;
	if (in) {
		kvm_gmem_luo_in_free(in);
		return;
	}
	if (kho_restore_copy(args->serialized_data, &desc, sizeof(desc)))
		return;
	kvm_gmem_luo_drain(&desc);
}

static const struct liveupdate_file_ops kvm_gmem_luo_ops = {
	.can_preserve	= kvm_gmem_luo_can_preserve,
	.preserve	= kvm_gmem_luo_preserve,
	.unpreserve	= kvm_gmem_luo_unpreserve,
	.freeze		= kvm_gmem_luo_freeze,
	.retrieve	= kvm_gmem_luo_retrieve,
	.finish		= kvm_gmem_luo_finish,
	.owner		= THIS_MODULE,
};

static struct liveupdate_file_handler kvm_gmem_luo_handler = {
	.ops		= &kvm_gmem_luo_ops,
	.compatible	= GUEST_MEMFD_LUO_COMPATIBLE,
};

static struct liveupdate_file_handler kvm_gmem_luo_shared_handler = {
	.ops		= &kvm_gmem_luo_ops,
	.compatible	= GUEST_MEMFD_LUO_SHARED_COMPATIBLE,
};

/**
 * kvm_gmem_luo_register - register the guest_memfd handlers
 *
 * Registers the private and the shared guest_memfd handler, or neither.
 *
 * Return: 0 or the error of liveupdate_register_file_handler().
 */
int kvm_gmem_luo_register(void)
{
	int err;

	err = liveupdate_register_file_handler(&kvm_gmem_luo_handler);
	if (err)
		return err;
	err = liveupdate_register_file_handler(&kvm_gmem_luo_shared_handler);
	if (err)
		liveupdate_unregister_file_handler(&kvm_gmem_luo_handler);
	return err;
}

/**
 * kvm_gmem_luo_unregister - unregister the guest_memfd handlers
 */
void kvm_gmem_luo_unregister(void)
{
	liveupdate_unregister_file_handler(&kvm_gmem_luo_shared_handler);
	liveupdate_unregister_file_handler(&kvm_gmem_luo_handler);
}
