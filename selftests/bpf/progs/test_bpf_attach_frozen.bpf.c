// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_attach_frozen.bpf.c - a handler that takes no file, attached
 * and detached over and over while the kexec is under way.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/can_preserve")
bool BPF_PROG(late_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return false;
}

SEC(".struct_ops.link")
struct luo_bpf_ops late = {
	.can_preserve	= (void *)late_can_preserve,
	.compatible	= "bpf:late-v1",
	.backend	= "memfd-v2",
	.schema		= 1,
};
