// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_hugetlb.bpf.c - a BPF handler over the hugetlb memfd backend
 * ("memfd-hugetlb-v1"): it keeps the file's size, seals and first bytes
 * in its state, and publishes them again in the next kernel.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct hugetlb_state {
	u64 size;
	u64 seals;
	u8 header[16];
};

/* Stage 2: the state as retrieve() found it. */
unsigned long long restored_size, restored_seals;
unsigned char restored_header[16];
int preserved, retrieved;

SEC("struct_ops/can_preserve")
bool BPF_PROG(hugetlb_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return luo_has_prefix(luo->name, "memfd:bpf-huge");
}

SEC("struct_ops.s/preserve")
int BPF_PROG(hugetlb_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	struct hugetlb_state *st = luo_state(luo, struct hugetlb_state);

	if (!st)
		return -EINVAL;
	st->size = luo->size;
	st->seals = luo->seals;
	if (bpf_luo_file_pread(file, 0, st->header, sizeof(st->header)) < 0)
		return -EINVAL;
	preserved++;
	return 0;
}

SEC("struct_ops.s/retrieve")
int BPF_PROG(hugetlb_retrieve, struct luo_bpf_ctx *luo, struct file *file)
{
	const struct hugetlb_state *st = luo_state_ro(luo, struct hugetlb_state);

	if (!st)
		return -EPROTO;
	restored_size = st->size;
	restored_seals = st->seals;
	__builtin_memcpy(restored_header, st->header, sizeof(restored_header));
	retrieved++;
	return 0;
}

SEC(".struct_ops.link")
struct luo_bpf_ops hugetlb = {
	.can_preserve	= (void *)hugetlb_can_preserve,
	.preserve	= (void *)hugetlb_preserve,
	.retrieve	= (void *)hugetlb_retrieve,
	.compatible	= "bpf:hugetlb-v1",
	.backend	= "memfd-hugetlb-v1",
	.state_size	= sizeof(struct hugetlb_state),
	.schema		= 1,
};
