/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_luo.h - KVM VMs and guest_memfd across a live update: what
 * kvm_main.c and guest_memfd.c offer the two LUO file handlers
 * (kvm_luo.c, guest_memfd_luo.c), and the hooks they call.
 */
#ifndef __KVM_LUO_H__
#define __KVM_LUO_H__

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>

/*
 * Bit of a guest_memfd inode's i_private (which holds its creation flags,
 * all below bit 32): set while the file is preserved for the next kernel.
 * Changed and read under the mapping's invalidate_lock.
 */
#define KVM_GMEM_LUO_FROZEN	BIT_ULL(63)

/* kvm_main.c */
struct file *kvm_create_vm_file(unsigned long type, const char *fdname);
int kvm_vm_set_mem_attributes(struct kvm *kvm, gfn_t start, gfn_t end,
			      unsigned long attributes);

/* guest_memfd.c */
struct file *kvm_gmem_create_file(struct kvm *kvm, loff_t size, u64 flags);

#ifdef CONFIG_KVM_LIVEUPDATE

/* guest_memfd.c */
bool kvm_gmem_is_file(struct file *file);
struct kvm *kvm_gmem_file_kvm(struct file *file);

/* kvm_luo.c */
void kvm_luo_init(void);
void kvm_luo_exit(void);
int kvm_luo_vm_check_attrs(struct kvm *kvm);
struct file *kvm_luo_outgoing_vm_file(struct kvm *kvm);
int kvm_luo_check_vm_type(struct kvm *kvm);
int kvm_luo_vm_arch_ioctl(struct kvm *kvm, unsigned int ioctl);
int kvm_luo_vm_enable_cap(struct kvm *kvm, u32 cap);
void kvm_luo_vm_destroy(struct kvm *kvm);

/* guest_memfd_luo.c */
int kvm_gmem_luo_register(void);
void kvm_gmem_luo_unregister(void);

static inline bool kvm_gmem_luo_frozen(struct inode *inode)
{
	return (unsigned long)inode->i_private & KVM_GMEM_LUO_FROZEN;
}

#else

static inline void kvm_luo_init(void) { }
static inline void kvm_luo_exit(void) { }
static inline int kvm_luo_vm_check_attrs(struct kvm *kvm) { return 0; }
static inline int kvm_luo_vm_arch_ioctl(struct kvm *kvm, unsigned int ioctl)
{
	return 0;
}

static inline int kvm_luo_vm_enable_cap(struct kvm *kvm, u32 cap)
{
	return 0;
}

static inline void kvm_luo_vm_destroy(struct kvm *kvm) { }
static inline bool kvm_gmem_luo_frozen(struct inode *inode) { return false; }

#endif /* CONFIG_KVM_LIVEUPDATE */

#endif /* __KVM_LUO_H__ */
