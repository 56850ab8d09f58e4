// SPDX-License-Identifier: GPL-2.0
/*
 * vmram.bpf.c - "bpf:vmram-v1": VM guest RAM in memfds, over memfd-v2.
 *
 * Takes memfds named "vmram-*" (in any session), and memfds whose token
 * the VMM described in vmram_vms: a memfd retrieved after a live update
 * is named "memfd:luo", and the VM's RAM goes on to the next update
 * under its token. The maps are keyed by token across all sessions: a
 * VMM gives each VM tokens no other file on the host uses (luo-qemu
 * derives them from the VM's name). At preserve it
 * records the VM's identity and VMM ABI (from vmram_vms, filled by the
 * VMM) and the guest RAM's first bytes; it refuses the kexec unless the
 * VMM marked the VM paused (vmram_paused), so no vCPU writes after the
 * freeze; in the new kernel it refuses a file whose ABI this host cannot
 * resume (-EPROTO: the memory is freed, other files are unaffected) and
 * publishes each VM's record in vmram_restored for the new VMM.
 */
#include "luo_bpf.h"
#include "vmram.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);			/* LUO token */
	__type(value, struct vmram_vm);
} vmram_vms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u8);
} vmram_paused SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, struct vmram_state);
} vmram_restored SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vmram_config);
} vmram_config SEC(".maps");

SEC("struct_ops/can_preserve")
bool BPF_PROG(vmram_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	u64 token = luo->token;

	return luo_has_prefix(luo->name, "memfd:vmram-") ||
	       bpf_map_lookup_elem(&vmram_vms, &token);
}

SEC("struct_ops.s/preserve")
int BPF_PROG(vmram_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	struct vmram_state *st = luo_state(luo, struct vmram_state);
	struct vmram_config *cfg;
	struct vmram_vm *vm;
	u64 token = luo->token;
	u32 zero = 0;

	if (!st)
		return -EINVAL;
	vm = bpf_map_lookup_elem(&vmram_vms, &token);
	if (!vm)
		return -ENOENT;		/* the VMM did not describe this VM */
	cfg = bpf_map_lookup_elem(&vmram_config, &zero);
	if (cfg && (luo->seals & cfg->required_seals) != cfg->required_seals)
		return -EPERM;
	st->vm = *vm;
	st->size = luo->size;
	st->preserved_ns = bpf_ktime_get_boot_ns();
	if (bpf_luo_file_pread(file, 0, st->header, sizeof(st->header)) < 0)
		return -EINVAL;
	return 0;
}

SEC("struct_ops/freeze")
int BPF_PROG(vmram_freeze, struct luo_bpf_ctx *luo, struct file *file)
{
	struct vmram_state *st = luo_state(luo, struct vmram_state);
	u64 token = luo->token;

	if (!st)
		return -EINVAL;
	if (!bpf_map_lookup_elem(&vmram_paused, &token)) {
		bpf_luo_veto_reason(luo, "VM not paused");
		return -EBUSY;
	}
	st->frozen_ns = bpf_ktime_get_boot_ns();
	return 0;
}

SEC("struct_ops.s/retrieve")
int BPF_PROG(vmram_retrieve, struct luo_bpf_ctx *luo, struct file *file)
{
	const struct vmram_state *st = luo_state_ro(luo, struct vmram_state);
	struct vmram_config *cfg;
	struct vmram_state copy;
	u64 token = luo->token;
	u32 zero = 0;

	cfg = bpf_map_lookup_elem(&vmram_config, &zero);
	if (!st && (luo->flags & LUO_BPF_F_NO_STATE) && cfg &&
	    cfg->accept_stateless) {
		/* The handover lost its state: the memory alone, on request. */
		bpf_printk("vmram: token %llu retrieved without state", token);
		return 0;
	}
	if (!st)
		return -EPROTO;
	if (cfg && cfg->abi_version && st->vm.abi_version != cfg->abi_version) {
		bpf_printk("vmram: token %llu has VMM ABI %u, host runs %u",
			   token, st->vm.abi_version, cfg->abi_version);
		return -EPROTO;
	}
	/* Map updates take writable memory: publish a copy. */
	__builtin_memcpy(&copy, st, sizeof(copy));
	bpf_map_update_elem(&vmram_restored, &token, &copy, BPF_ANY);
	return 0;
}

SEC("struct_ops/finish")
void BPF_PROG(vmram_finish, struct luo_bpf_ctx *luo, struct file *file)
{
	u64 token = luo->token;

	bpf_map_delete_elem(&vmram_paused, &token);
}

SEC(".struct_ops.link")
struct luo_bpf_ops vmram = {
	.can_preserve	= (void *)vmram_can_preserve,
	.preserve	= (void *)vmram_preserve,
	.freeze		= (void *)vmram_freeze,
	.retrieve	= (void *)vmram_retrieve,
	.finish		= (void *)vmram_finish,
	.compatible	= VMRAM_COMPATIBLE,
	.backend	= "memfd-v2",
	.state_size	= sizeof(struct vmram_state),
	.schema		= VMRAM_SCHEMA,
};
