/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmram_util.h - what a VMM does with the VM-RAM handler (bpf/vmram.bpf.c)
 * in the tests: load and attach it, describe VMs, mark them paused.
 */
#ifndef VMRAM_UTIL_H
#define VMRAM_UTIL_H

#include <stdint.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vmram.skel.h"
#include "vmram.h"

struct vmram_handler {
	struct vmram_bpf *skel;
	struct bpf_link *link;
};

/*
 * Load with state schema @schema, configure (host VMM ABI @abi) and
 * attach; 0 or -errno.
 */
static inline int vmram_attach_schema(struct vmram_handler *h, uint32_t abi,
				      uint32_t schema)
{
	struct vmram_config cfg = { .abi_version = abi };
	uint32_t zero = 0;

	h->link = NULL;
	h->skel = vmram_bpf__open();
	if (!h->skel)
		return -errno;
	h->skel->struct_ops.vmram->schema = schema;
	if (vmram_bpf__load(h->skel))
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_config),
				&zero, &cfg, BPF_ANY))
		return -errno;
	h->link = bpf_map__attach_struct_ops(h->skel->maps.vmram);
	return h->link ? 0 : -errno;
}

/* The host VMM's ABI the handler accepts from now on; 0 or -errno. */
static inline int vmram_config_abi(struct vmram_handler *h, uint32_t abi)
{
	struct vmram_config cfg = { .abi_version = abi };
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_config),
				   &zero, &cfg, BPF_ANY) ? -errno : 0;
}

static inline int vmram_attach(struct vmram_handler *h, uint32_t abi)
{
	return vmram_attach_schema(h, abi, VMRAM_SCHEMA);
}

static inline void vmram_detach(struct vmram_handler *h)
{
	bpf_link__destroy(h->link);
	vmram_bpf__destroy(h->skel);
	h->link = NULL;
	h->skel = NULL;
}

/* The VMM's description of the VM whose RAM is preserved as @token. */
static inline struct vmram_vm vmram_vm_of(uint64_t token, uint32_t abi)
{
	struct vmram_vm vm = {
		.guest_base = 0x100000000ULL + (token << 30),
		.numa_node = token % 2,
		.abi_version = abi,
	};
	int i;

	for (i = 0; i < 16; i++)
		vm.uuid[i] = (uint8_t)(token * 31 + i);
	return vm;
}

static inline int vmram_describe(struct vmram_handler *h, uint64_t token,
				 uint32_t abi)
{
	struct vmram_vm vm = vmram_vm_of(token, abi);

	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_vms),
				   &token, &vm, BPF_ANY) ? -errno : 0;
}

static inline int vmram_pause(struct vmram_handler *h, uint64_t token)
{
	uint8_t one = 1;

	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_paused),
				   &token, &one, BPF_ANY) ? -errno : 0;
}

/* The state the handler published after retrieve; 0 or -errno. */
static inline int vmram_restored(struct vmram_handler *h, uint64_t token,
				 struct vmram_state *st)
{
	return bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.vmram_restored),
				   &token, st) ? -errno : 0;
}

#endif /* VMRAM_UTIL_H */
