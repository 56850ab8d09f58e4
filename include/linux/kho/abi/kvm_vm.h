/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_vm.h - the KVM VM file handover formats: the contract between the
 * kernel that preserves a VM file and the one that retrieves it.
 */
#ifndef _LINUX_KHO_ABI_KVM_VM_H
#define _LINUX_KHO_ABI_KVM_VM_H

#include <linux/build_bug.h>
#include <linux/kexec_handover.h>
#include <linux/types.h>

/**
 * DOC: KVM VM handover formats
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * Handover formats of a KVM VM file: "kvm_vm_luo_attrs_v1" (a VM with
 * private memory, and its memory attributes) and upstream's
 * "kvm_vm_luo_v1" (a default VM: its type only).
 *
 * LUO's u64 for the file is the physical address of a preserved page
 * holding struct kvm_vm_luo_desc. The memory attributes of the VM (which
 * guest frames are private) are carried as runs: nr_runs entries of
 * struct kvm_vm_luo_run in the preserved vmalloc area @runs, sorted by
 * gfn, not overlapping, each with non-zero attributes. A frame in no run
 * has no attributes (shared). Nothing else of the VM is carried: memslots,
 * vCPUs and capabilities are re-created by the VMM in the new kernel.
 *
 * The record starts like upstream's "kvm_vm_luo_v1" (the VM type at offset
 * 0) but carries the attributes too, hence its own compatible string.
 *
 * A default VM (KVM_X86_DEFAULT_VM: no private memory, no attributes) is
 * written as "kvm_vm_luo_v1", the RFC's record, struct kvm_vm_luo_v1_desc:
 * the type only, so that a kernel with that series can retrieve it (and
 * the shared guest_memfd that names it).
 * All fields little-endian; the structures are packed.
 */

#define KVM_VM_LUO_COMPATIBLE	"kvm_vm_luo_attrs_v1"
#define KVM_VM_LUO_V1_COMPATIBLE	"kvm_vm_luo_v1"

/**
 * struct kvm_vm_luo_run - guest frames [@gfn, @gfn + @nr) with @attributes
 * @gfn:        first guest frame number
 * @nr:         number of frames, > 0
 * @attributes: KVM_MEMORY_ATTRIBUTE_* bits, non-zero
 */
struct kvm_vm_luo_run {
	__le64 gfn;
	__le64 nr;
	__le64 attributes;
} __packed;

/**
 * struct kvm_vm_luo_desc - handover descriptor of one KVM VM
 * @type:    the VM type given to KVM_CREATE_VM (KVM_X86_*_VM)
 * @nr_runs: number of entries in @runs
 * @runs:    preserved vmalloc area of struct kvm_vm_luo_run entries; all
 *           zero when @nr_runs is 0
 */
struct kvm_vm_luo_desc {
	__le64 type;
	__le64 nr_runs;
	struct kho_vmalloc runs;
} __packed;

/**
 * struct kvm_vm_luo_v1_desc - handover descriptor of a default VM
 * @type: the VM type given to KVM_CREATE_VM: KVM_X86_DEFAULT_VM
 */
struct kvm_vm_luo_v1_desc {
	__le64 type;
} __packed;

static_assert(sizeof(struct kvm_vm_luo_v1_desc) == 8);
static_assert(sizeof(struct kvm_vm_luo_run) == 24);
static_assert(sizeof(struct kvm_vm_luo_desc) == 32);

#endif /* _LINUX_KHO_ABI_KVM_VM_H */
