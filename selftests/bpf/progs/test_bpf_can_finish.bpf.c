// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_can_finish.bpf.c - a handler whose can_finish holds FINISH
 * back until userspace allows it, for files retrieved or not.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

int allow, asked_without_file, asked_with_file;

SEC("struct_ops/can_preserve")
bool BPF_PROG(hold_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return luo_has_prefix(luo->name, "memfd:hold-");
}

SEC("struct_ops/can_finish")
bool BPF_PROG(hold_can_finish, struct luo_bpf_ctx *luo, struct file *file)
{
	if (file)
		asked_with_file++;
	else
		asked_without_file++;
	return allow;
}

SEC(".struct_ops.link")
struct luo_bpf_ops hold = {
	.can_preserve	= (void *)hold_can_preserve,
	.can_finish	= (void *)hold_can_finish,
	.compatible	= "bpf:hold-v1",
	.backend	= "memfd-v2",
	.schema		= 1,
};
