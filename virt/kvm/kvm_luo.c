// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_luo.c - KVM VM files across a live update.
 *
 * A Live Update Orchestrator (LUO) file handler for KVM VM files
 * (KVM_CREATE_VM). What the next kernel needs to run the guest's memory
 * again is small: the VM type and the memory attributes (which guest
 * frames are private, i.e. backed by guest_memfd). Memslots name host
 * virtual addresses of a process that is gone by then, and vCPUs, caps and
 * devices are the VMM's to set up again, so they are not carried.
 *
 * Outgoing kernel. preserve() refuses VM types whose state lives outside
 * the kernel (SEV, SEV-ES, SNP: firmware and ASIDs), records the
 * attributes as runs of frames with the same attributes into preserved
 * memory, and from then on KVM_SET_MEMORY_ATTRIBUTES fails with -EBUSY
 * until the VM is unpreserved: the record stays exact without work at
 * reboot. All VM files share one anonymous inode, so a VM is identified by
 * its struct kvm, not by the inode.
 *
 * Incoming kernel. retrieve() creates a new VM of the same type in the
 * retrieving process (which becomes the VM's owner, as with KVM_CREATE_VM)
 * and sets the attributes again. It also runs when a guest_memfd of the VM
 * is retrieved first (guest_memfd_luo.c asks LUO for its VM).
 *
 * Handover formats (include/linux/kho/abi/kvm_vm.h), one handler each on
 * the same code: "kvm_vm_luo_v1" for default VMs (the type only, as
 * upstream's RFC), "kvm_vm_luo_attrs_v1" for the others.
 */
#define pr_fmt(fmt) "kvm_luo: " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kvm_vm.h>
#include <linux/kvm_host.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "kvm_luo.h"

KHO_ADVERTISE_FORMAT(kvm_vm, KVM_VM_LUO_COMPATIBLE);
KHO_ADVERTISE_FORMAT(kvm_vm_v1, KVM_VM_LUO_V1_COMPATIBLE);

static struct liveupdate_file_handler kvm_luo_v1_handler;

/*
 * Both handlers preserve a struct kvm_vm_luo_desc. A default VM's has no
 * runs, and its first bytes are the "kvm_vm_luo_v1" record.
 */
static_assert(offsetof(struct kvm_vm_luo_desc, type) ==
	      offsetof(struct kvm_vm_luo_v1_desc, type));

/**
 * struct kvm_vm_luo - outgoing state of one preserved VM (private_data)
 * @kvm:  the VM
 * @file: its file (LUO holds a reference while it is preserved)
 * @desc: the handover descriptor, in a preserved page
 * @runs: the handover array of runs, a preserved vmalloc area; NULL if
 *        the VM has no attributes
 */
struct kvm_vm_luo {
	struct kvm *kvm;
	struct file *file;
	struct kvm_vm_luo_desc *desc;
	struct kvm_vm_luo_run *runs;
};

/*
 * Preserved VMs, by struct kvm. Changed under the VM's slots_lock (and the
 * xarray's own lock). Files of other sessions preserve and unpreserve at
 * the same time, so an entry is dereferenced only under the xarray's lock
 * (kvm_luo_outgoing_vm_file()): erase takes it, so it cannot free an entry
 * being read.
 */
static DEFINE_XARRAY(kvm_luo_vms);

/* Names of retrieved VMs (their debugfs directory): "luo<n>". */
static atomic_t kvm_luo_vm_seq = ATOMIC_INIT(0);

/**
 * kvm_luo_check_vm_type - can a VM of this type cross a live update?
 * @kvm: the VM
 *
 * Return: 0 for default and software-protected VMs, -EOPNOTSUPP for VM
 * types whose state the kernel cannot hand over (SEV, SEV-ES, SNP).
 */
int kvm_luo_check_vm_type(struct kvm *kvm)
{
	switch (kvm->arch.vm_type) {
	case KVM_X86_DEFAULT_VM:
	case KVM_X86_SW_PROTECTED_VM:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * VMs on which the VMM asked for memory encryption: KVM_MEMORY_ENCRYPT_OP
 * (legacy SEV and SEV-ES are default VMs with KVM_SEV_INIT or
 * KVM_SEV_ES_INIT) or KVM_CAP_VM_{COPY,MOVE}_ENC_CONTEXT_FROM (SEV
 * mirrors). Their memory may be ciphertext under keys that only the
 * firmware holds, which no handover carries: they are never preserved.
 * A VM is marked before the command runs, whatever its outcome (under
 * doubt, refuse), under its slots_lock, which orders the mark against
 * kvm_luo_preserve()'s check; the mark goes when the VM is destroyed.
 */
static DEFINE_XARRAY(kvm_luo_enc_vms);

static int kvm_luo_vm_enc_request(struct kvm *kvm)
{
	int r;

	mutex_lock(&kvm->slots_lock);
	if (xa_load(&kvm_luo_vms, (unsigned long)kvm))
		r = -EBUSY;
	else
		r = xa_err(xa_store(&kvm_luo_enc_vms, (unsigned long)kvm, kvm,
				    GFP_KERNEL));
	mutex_unlock(&kvm->slots_lock);
	return r;
}

/**
 * kvm_luo_vm_arch_ioctl - an architecture VM ioctl is about to run
 * @kvm:   the VM
 * @ioctl: the command
 *
 * Return: 0 to go on; -EBUSY for a memory encryption command on a
 * preserved VM; -ENOMEM.
 */
int kvm_luo_vm_arch_ioctl(struct kvm *kvm, unsigned int ioctl)
{
	switch (ioctl) {
	case KVM_MEMORY_ENCRYPT_OP:
	case KVM_MEMORY_ENCRYPT_REG_REGION:
	case KVM_MEMORY_ENCRYPT_UNREG_REGION:
		return kvm_luo_vm_enc_request(kvm);
	default:
		return 0;
	}
}

/**
 * kvm_luo_vm_enable_cap - an architecture capability is about to be enabled
 * @kvm: the VM
 * @cap: the capability
 *
 * Return: as kvm_luo_vm_arch_ioctl(), for the capabilities that share an
 * encryption context with another VM.
 */
int kvm_luo_vm_enable_cap(struct kvm *kvm, u32 cap)
{
	if (cap != KVM_CAP_VM_COPY_ENC_CONTEXT_FROM &&
	    cap != KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM)
		return 0;
	return kvm_luo_vm_enc_request(kvm);
}

/**
 * kvm_luo_vm_destroy - @kvm is going: forget it
 * @kvm: the VM
 */
void kvm_luo_vm_destroy(struct kvm *kvm)
{
	xa_erase(&kvm_luo_enc_vms, (unsigned long)kvm);
}

/**
 * kvm_luo_vm_check_attrs - may the memory attributes of @kvm change now?
 * @kvm: the VM; the caller holds its slots_lock
 *
 * Return: 0, or -EBUSY while the VM is preserved for a live update.
 */
int kvm_luo_vm_check_attrs(struct kvm *kvm)
{
	lockdep_assert_held(&kvm->slots_lock);
	return xa_load(&kvm_luo_vms, (unsigned long)kvm) ? -EBUSY : 0;
}

/**
 * kvm_luo_outgoing_vm_file - the file of @kvm if it is preserved
 * @kvm: the VM
 *
 * For the guest_memfd handler. The file may belong to another session,
 * whose files change meanwhile: a reference keeps it from being freed
 * (and its address from being reused) while the caller looks for it
 * among its own session's files.
 *
 * Return: the VM's preserved file with a new reference, or NULL.
 */
struct file *kvm_luo_outgoing_vm_file(struct kvm *kvm)
{
	struct kvm_vm_luo *v;
	struct file *file;

	xa_lock(&kvm_luo_vms);
	v = xa_load(&kvm_luo_vms, (unsigned long)kvm);
	file = v ? v->file : NULL;
	if (file)
		get_file(file);
	xa_unlock(&kvm_luo_vms);
	return file;
}

/*
 * Walk the attributes of @kvm (slots_lock held) as runs of frames with the
 * same non-zero attributes. Write up to @cap of them into @runs (if not
 * NULL); return how many there are.
 */
static unsigned long kvm_luo_scan_runs(struct kvm *kvm,
				       struct kvm_vm_luo_run *runs,
				       unsigned long cap)
{
	u64 gfn = 0, nr = 0, attrs = 0;
	unsigned long index, n = 0;
	void *entry;

	xa_for_each(&kvm->mem_attr_array, index, entry) {
		u64 a = xa_is_value(entry) ? xa_to_value(entry) : 0;

		cond_resched();
		if (a && nr && a == attrs && index == gfn + nr) {
			nr++;
			continue;
		}
		if (nr && runs && n <= cap) {
			runs[n - 1].gfn = cpu_to_le64(gfn);
			runs[n - 1].nr = cpu_to_le64(nr);
			runs[n - 1].attributes = cpu_to_le64(attrs);
		}
		nr = 0;
		if (!a)
			continue;
		gfn = index;
		nr = 1;
		attrs = a;
		n++;
	}
	if (nr && runs && n <= cap) {
		runs[n - 1].gfn = cpu_to_le64(gfn);
		runs[n - 1].nr = cpu_to_le64(nr);
		runs[n - 1].attributes = cpu_to_le64(attrs);
	}
	return n;
}

/*
 * A default VM has no attributes: it is written in upstream's format,
 * every other VM (or its refusal) goes to the attributes handler.
 */
static bool kvm_luo_can_preserve(struct liveupdate_file_op_args *args)
{
	struct kvm *kvm;

	if (!file_is_kvm(args->file))
		return false;
	kvm = args->file->private_data;
	return (kvm->arch.vm_type == KVM_X86_DEFAULT_VM) ==
	       (args->handler == &kvm_luo_v1_handler);
}

static unsigned long kvm_luo_get_id(struct file *file)
{
	return (unsigned long)file->private_data;
}

static int kvm_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct kvm *kvm = args->file->private_data;
	unsigned long nr, filled;
	struct kvm_vm_luo *v;
	int err;

	if (kvm_luo_check_vm_type(kvm)) {
		pr_warn("session '%s' token %llu: VM type %d keeps its state in firmware, cannot be preserved\n",
			args->session, args->token, kvm->arch.vm_type);
		return -EOPNOTSUPP;
	}

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->kvm = kvm;
	v->file = args->file;
	v->desc = kho_alloc_preserve(sizeof(*v->desc));
	if (IS_ERR(v->desc)) {
		err = PTR_ERR(v->desc);
		goto free_v;
	}

	/* From here on the attributes cannot change: they are recorded. */
	mutex_lock(&kvm->slots_lock);
	if (xa_load(&kvm_luo_enc_vms, (unsigned long)kvm)) {
		mutex_unlock(&kvm->slots_lock);
		pr_warn("session '%s' token %llu: the VM asked for memory encryption (SEV), cannot be preserved\n",
			args->session, args->token);
		err = -EOPNOTSUPP;
		goto free_desc;
	}
	err = xa_insert(&kvm_luo_vms, (unsigned long)kvm, v, GFP_KERNEL);
	if (err) {
		mutex_unlock(&kvm->slots_lock);
		goto free_desc;
	}
	nr = kvm_luo_scan_runs(kvm, NULL, 0);
	if (nr) {
		v->runs = vcalloc(nr, sizeof(*v->runs));
		if (!v->runs) {
			err = -ENOMEM;
			goto unlist;
		}
		filled = kvm_luo_scan_runs(kvm, v->runs, nr);
		if (WARN_ON_ONCE(filled != nr)) {
			err = -EAGAIN;
			goto free_runs;
		}
	}
	mutex_unlock(&kvm->slots_lock);

	if (nr) {
		err = kho_preserve_vmalloc(v->runs, &v->desc->runs);
		if (err)
			goto relock;
	}
	v->desc->type = cpu_to_le64(kvm->arch.vm_type);
	v->desc->nr_runs = cpu_to_le64(nr);

	args->serialized_data = virt_to_phys(v->desc);
	args->private_data = v;
	return 0;

relock:
	mutex_lock(&kvm->slots_lock);
free_runs:
	vfree(v->runs);
unlist:
	xa_erase(&kvm_luo_vms, (unsigned long)kvm);
	mutex_unlock(&kvm->slots_lock);
free_desc:
	kho_unpreserve_free(v->desc);
free_v:
	kfree(v);
	return err;
}

static void kvm_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct kvm_vm_luo *v = args->private_data;
	struct kvm *kvm = v->kvm;

	mutex_lock(&kvm->slots_lock);
	xa_erase(&kvm_luo_vms, (unsigned long)kvm);
	mutex_unlock(&kvm->slots_lock);

	if (v->runs) {
		kho_unpreserve_vmalloc(&v->desc->runs);
		vfree(v->runs);
	}
	kho_unpreserve_free(v->desc);
	kfree(v);
}

/* ---- Incoming kernel ------------------------------------------------ */

/*
 * A VM whose retrieve fails for want of memory keeps what it read in
 * struct kvm_luo_in, the file's private data, and sets args->kept: its
 * guest_memfds keep their memory too and a retry goes on from there;
 * FINISH frees it. Only malformed handover data is a final error.
 */
#define KVM_LUO_RUNS_PER_PAGE	(PAGE_SIZE / sizeof(struct kvm_vm_luo_run))

/**
 * struct kvm_luo_in - a VM being retrieved; kept across tries
 * @desc:      a copy of the descriptor ("kvm_vm_luo_v1": @type only)
 * @have_desc: the descriptor was read (its page is gone)
 * @runs:      the pages of the array of runs, claimed, read in place; NULL
 *             before, or if there are none
 * @nr_pages:  pages of @runs
 */
struct kvm_luo_in {
	struct kvm_vm_luo_desc desc;
	bool have_desc;
	struct page **runs;
	unsigned long nr_pages;
};

static const struct kvm_vm_luo_run *kvm_luo_in_run(const struct kvm_luo_in *in,
						   u64 i)
{
	const struct kvm_vm_luo_run *v;

	v = page_address(in->runs[i / KVM_LUO_RUNS_PER_PAGE]);
	return &v[i % KVM_LUO_RUNS_PER_PAGE];
}

static void kvm_luo_skip_run(const void *rec, void *arg)
{
}

/* Free @in and the handover pages it holds or still names. */
static void kvm_luo_in_free(struct kvm_luo_in *in)
{
	unsigned long i;

	if (in->runs) {
		for (i = 0; i < in->nr_pages; i++)
			if (in->runs[i])
				__free_page(in->runs[i]);
		kvfree(in->runs);
	} else if (in->have_desc) {
		/* Claims and frees the pages of the runs; allocates nothing. */
		kho_walk_array(&in->desc.runs, le64_to_cpu(in->desc.nr_runs),
			       sizeof(struct kvm_vm_luo_run), kvm_luo_skip_run,
			       NULL);
	}
	kfree(in);
}

/* Read the descriptor (its page is released) and claim the runs. */
static int kvm_luo_in_read(struct kvm_luo_in *in, u64 phys, bool v1)
{
	u64 nr;
	long n;
	int err;

	if (!in->have_desc) {
		err = kho_restore_copy(phys, &in->desc, v1 ?
				       sizeof(struct kvm_vm_luo_v1_desc) :
				       sizeof(in->desc));
		if (err)
			return err;
		in->have_desc = true;
	}
	nr = le64_to_cpu(in->desc.nr_runs);
	if (in->runs || (!nr && !in->desc.runs.total_pages))
		return 0;
	in->nr_pages = in->desc.runs.total_pages;
	n = kho_claim_array(&in->desc.runs, nr, sizeof(struct kvm_vm_luo_run),
			    &in->runs);
	if (n == -ENOMEM)
		return n;
	if (n < 0) {
		/* Not kept: the pages claimed so far go with @in. */
		pr_warn("the VM's array of runs does not match its descriptor\n");
		return -EINVAL;
	}
	return 0;
}

/* Frames a run may reach: 52-bit guest physical addresses. */
#define KVM_LUO_GFN_LIMIT	BIT_ULL(52 - PAGE_SHIFT)

/* Runs must be sorted, disjoint, non-empty, in range and private-only. */
static int kvm_luo_set_runs(struct kvm *kvm, const struct kvm_luo_in *in)
{
	u64 i, end = 0, nr = le64_to_cpu(in->desc.nr_runs);
	int err;

	for (i = 0; i < nr; i++) {
		const struct kvm_vm_luo_run *run = kvm_luo_in_run(in, i);
		u64 gfn = le64_to_cpu(run->gfn);
		u64 n = le64_to_cpu(run->nr);
		u64 attrs = le64_to_cpu(run->attributes);

		if (attrs != KVM_MEMORY_ATTRIBUTE_PRIVATE ||
		    !kvm_arch_has_private_mem(kvm) || !n ||
		    gfn < end || gfn >= KVM_LUO_GFN_LIMIT ||
		    n > KVM_LUO_GFN_LIMIT - gfn)
			return -EINVAL;
		end = gfn + n;
		err = kvm_vm_set_mem_attributes(kvm, gfn, end, attrs);
		if (err)
			return err;
	}
	return 0;
}

/* A new VM of @type, named for its debugfs directory "luo<n>". */
static struct file *kvm_luo_new_vm(u64 type)
{
	char fdname[16];

	snprintf(fdname, sizeof(fdname), "luo%u",
		 (unsigned int)atomic_inc_return(&kvm_luo_vm_seq));
	return kvm_create_vm_file(type, fdname);
}

/* The VM @in describes, with its attributes; args->kept if worth a retry. */
static int kvm_luo_in_build(struct liveupdate_file_op_args *args,
			    struct kvm_luo_in *in)
{
	bool v1 = args->handler == &kvm_luo_v1_handler;
	struct file *file;
	u64 type;
	int err;

	err = kvm_luo_in_read(in, args->serialized_data, v1);
	if (err) {
		args->kept = err == -ENOMEM;
		return err;
	}
	type = le64_to_cpu(in->desc.type);
	if (v1 ? type != KVM_X86_DEFAULT_VM :
		 type != KVM_X86_DEFAULT_VM && type != KVM_X86_SW_PROTECTED_VM)
		return -EOPNOTSUPP;

	file = kvm_luo_new_vm(type);
	if (IS_ERR(file)) {
		/* Allocations, or KVM's hardware setup: worth a retry. */
		args->kept = true;
		return PTR_ERR(file);
	}
	err = kvm_luo_set_runs(file->private_data, in);
	if (err) {
		fput(file);
		args->kept = err == -ENOMEM;
		return err;
	}
	args->file = file;
	return 0;
}

static int kvm_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct kvm_luo_in *in = args->private_data;
	int err;

	args->kept = false;
	if (!in) {
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in) {
			/* Nothing was touched. */
			err = -ENOMEM;
			args->kept = true;
			goto warn;
		}
	}
	err = kvm_luo_in_build(args, in);
	if (!err) {
		args->private_data = NULL;
		kvm_luo_in_free(in);
		return 0;
	}
	if (args->kept) {
		args->private_data = in;
		goto warn;
	}
	pr_warn("session '%s' token %llu: cannot retrieve VM: %d\n",
		args->session, args->token, err);
	args->private_data = NULL;
	kvm_luo_in_free(in);
	return err;

warn:
	pr_warn("session '%s' token %llu: cannot retrieve VM yet (%d): kept, retry\n",
		args->session, args->token, err);
	return err;
}

static void kvm_luo_finish(struct liveupdate_file_op_args *args)
{
	struct kvm_luo_in *in = args->private_data;
	struct kvm_vm_luo_desc desc;

	/* A retrieved VM released its handover memory at retrieve. */
	if (args->retrieved)
		return;
	if (in) {
		kvm_luo_in_free(in);
		return;
	}
	if (args->handler == &kvm_luo_v1_handler) {
		kho_restore_copy(args->serialized_data, &desc,
				 sizeof(struct kvm_vm_luo_v1_desc));
		return;
	}
	if (!kho_restore_copy(args->serialized_data, &desc, sizeof(desc)))
		kho_walk_array(&desc.runs, le64_to_cpu(desc.nr_runs),
			       sizeof(struct kvm_vm_luo_run), kvm_luo_skip_run,
			       NULL);
}

static const struct liveupdate_file_ops kvm_luo_ops = {
	.can_preserve	= kvm_luo_can_preserve,
	.preserve	= kvm_luo_preserve,
	.unpreserve	= kvm_luo_unpreserve,
	.retrieve	= kvm_luo_retrieve,
	.finish		= kvm_luo_finish,
	.get_id		= kvm_luo_get_id,
	.owner		= THIS_MODULE,
};

static struct liveupdate_file_handler kvm_luo_handler = {
	.ops		= &kvm_luo_ops,
	.compatible	= KVM_VM_LUO_COMPATIBLE,
};

static struct liveupdate_file_handler kvm_luo_v1_handler = {
	.ops		= &kvm_luo_ops,
	.compatible	= KVM_VM_LUO_V1_COMPATIBLE,
};

/**
 * kvm_luo_init - register the VM and guest_memfd handlers
 *
 * Called by kvm_init(). A failure only costs live update of VMs, not KVM:
 * it is logged and KVM goes on.
 */
void kvm_luo_init(void)
{
	int err = liveupdate_register_file_handler(&kvm_luo_handler);

	/* -EOPNOTSUPP: live update is off in this kernel. */
	if (err == -EOPNOTSUPP)
		return;
	if (err)
		goto out;
	err = liveupdate_register_file_handler(&kvm_luo_v1_handler);
	if (err)
		goto unregister_vm;
	err = kvm_gmem_luo_register();
	if (!err)
		return;

	liveupdate_unregister_file_handler(&kvm_luo_v1_handler);
unregister_vm:
	liveupdate_unregister_file_handler(&kvm_luo_handler);
out:
	pr_err("cannot register the KVM live update handlers: %d\n", err);
}

/**
 * kvm_luo_exit - unregister the handlers (kvm_exit())
 *
 * Preserved files hold a reference to the module, so no file is bound to
 * the handlers when the module goes away.
 */
void kvm_luo_exit(void)
{
	kvm_gmem_luo_unregister();
	liveupdate_unregister_file_handler(&kvm_luo_v1_handler);
	liveupdate_unregister_file_handler(&kvm_luo_handler);
}
