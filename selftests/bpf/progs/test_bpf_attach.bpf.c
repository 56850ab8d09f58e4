// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_attach.bpf.c - handlers for attach, double attach, update and
 * detach: two versions of "bpf:attach-v1" and a second compatible.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

int preserved_v1, preserved_v2, unpreserved_v1, unpreserved_v2;
int schemas_v2;	/* sum of ctx->schema in v2's unpreserve */
int empty_views;	/* zero-byte state views that were not NULL */
int can_preserve_calls;

static bool takes(struct luo_bpf_ctx *luo)
{
	can_preserve_calls++;
	return luo_has_prefix(luo->name, "memfd:attach-");
}

SEC("struct_ops/can_preserve")
bool BPF_PROG(attach_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return takes(luo);
}

SEC("struct_ops/preserve")
int BPF_PROG(attach_preserve_v1, struct luo_bpf_ctx *luo, struct file *file)
{
	u32 *st = luo_state(luo, u32);

	if (!st)
		return -EINVAL;
	if (bpf_luo_state(luo, 0, 0) || bpf_luo_state_ro(luo, 4, 0))
		empty_views++;
	*st = 1;
	preserved_v1++;
	return 0;
}

SEC("struct_ops/preserve")
int BPF_PROG(attach_preserve_v2, struct luo_bpf_ctx *luo, struct file *file)
{
	u32 *st = luo_state(luo, u32);

	if (!st)
		return -EINVAL;
	*st = 2;
	preserved_v2++;
	return 0;
}

SEC("struct_ops/unpreserve")
void BPF_PROG(attach_unpreserve_v1, struct luo_bpf_ctx *luo, struct file *file)
{
	unpreserved_v1++;
}

SEC("struct_ops/unpreserve")
void BPF_PROG(attach_unpreserve_v2, struct luo_bpf_ctx *luo, struct file *file)
{
	const u32 *st = luo_state_ro(luo, u32);

	/* The state v1 wrote is still there under v2's programs. */
	if (st && *st == 1)
		unpreserved_v2 += 100;
	unpreserved_v2++;
	/* And still labelled with v1's schema: v2 has not written it. */
	schemas_v2 += luo->schema;
}

SEC("struct_ops/can_preserve")
bool BPF_PROG(other_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return luo_has_prefix(luo->name, "memfd:other-");
}

SEC(".struct_ops.link")
struct luo_bpf_ops attach_v1 = {
	.can_preserve	= (void *)attach_can_preserve,
	.preserve	= (void *)attach_preserve_v1,
	.unpreserve	= (void *)attach_unpreserve_v1,
	.compatible	= "bpf:attach-v1",
	.backend	= "memfd-v2",
	.state_size	= 4,
	.schema		= 1,
};

SEC(".struct_ops.link")
struct luo_bpf_ops attach_v2 = {
	.can_preserve	= (void *)attach_can_preserve,
	.preserve	= (void *)attach_preserve_v2,
	.unpreserve	= (void *)attach_unpreserve_v2,
	.compatible	= "bpf:attach-v1",
	.backend	= "memfd-v2",
	.state_size	= 4,
	.schema		= 2,
};

SEC(".struct_ops.link")
struct luo_bpf_ops other = {
	.can_preserve	= (void *)other_can_preserve,
	.compatible	= "bpf:other-v1",
	.backend	= "memfd-v2",
	.schema		= 1,
};

/* Would take over the native memfd format: never loads (validate). */
SEC(".struct_ops.link")
struct luo_bpf_ops thief = {
	.can_preserve	= (void *)other_can_preserve,
	.compatible	= "memfd-v2",
	.backend	= "memfd-v2",
	.schema		= 1,
};

/* bpf:attach-v1 again, over another backend: refused while retired. */
SEC(".struct_ops.link")
struct luo_bpf_ops other_backend = {
	.can_preserve	= (void *)other_can_preserve,
	.compatible	= "bpf:attach-v1",
	.backend	= "guest_memfd_luo_v1",
	.schema		= 1,
};

/* Backends a BPF handler cannot stand for: FLBs, their own identity. */
SEC(".struct_ops.link")
struct luo_bpf_ops flb_backend = {
	.can_preserve	= (void *)other_can_preserve,
	.compatible	= "bpf:flb-v1",
	.backend	= "luo-test-v1",
	.schema		= 1,
};

SEC(".struct_ops.link")
struct luo_bpf_ops id_backend = {
	.can_preserve	= (void *)other_can_preserve,
	.compatible	= "bpf:id-v1",
	.backend	= "kvm_vm_luo_v1",
	.schema		= 1,
};

/* A kernel-internal errno must not reach userspace as such. */
SEC("struct_ops/preserve")
int BPF_PROG(restart_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return -512;	/* -ERESTARTSYS */
}

SEC("struct_ops/can_preserve")
bool BPF_PROG(restart_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return luo_has_prefix(luo->name, "memfd:restart-");
}

SEC(".struct_ops.link")
struct luo_bpf_ops restart = {
	.can_preserve	= (void *)restart_can_preserve,
	.preserve	= (void *)restart_preserve,
	.compatible	= "bpf:restart-v1",
	.backend	= "memfd-v2",
	.schema		= 1,
};
