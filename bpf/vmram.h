/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmram.h - what the VM-RAM handler (vmram.bpf.c) shares with the VMM.
 */
#ifndef __VMRAM_H
#define __VMRAM_H

#define VMRAM_COMPATIBLE	"bpf:vmram-v1"
#define VMRAM_SCHEMA		1

/* Filled by the VMM, keyed by the memfd's LUO token, before PRESERVE_FD. */
struct vmram_vm {
	__u8 uuid[16];		/* the VM's identity */
	__u64 guest_base;	/* guest-physical address of the memfd's start */
	__u32 numa_node;
	__u32 abi_version;	/* the VMM's device-state ABI */
};

/* The per-file state carried across the kexec (schema 1). */
struct vmram_state {
	struct vmram_vm vm;
	__u64 size;		/* memfd bytes at preserve */
	__u64 preserved_ns;	/* CLOCK_BOOTTIME of the old kernel */
	__u64 frozen_ns;
	__u8 header[16];	/* the guest RAM's first bytes, as preserved */
};

/* Configuration of the handler in this kernel (array map, key 0). */
struct vmram_config {
	__u32 abi_version;	/* the only VMM ABI this host can resume */
	__u32 required_seals;	/* F_SEAL_* a VM memfd must carry */
	__u32 accept_stateless;	/* retrieve VMs whose state was lost */
	__u32 pad;
};

#endif /* __VMRAM_H */
