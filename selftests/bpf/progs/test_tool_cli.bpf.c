// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_cli.bpf.c - a handler the kernel refuses at attach: more
 * state per file than the limit. "luo-bpf handler load" must name the
 * field and the limit, not only "Invalid argument".
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/can_preserve")
bool BPF_PROG(big_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return false;
}

SEC(".struct_ops.link")
struct luo_bpf_ops big = {
	.can_preserve	= (void *)big_can_preserve,
	.compatible	= "bpf:big-v1",
	.backend	= "memfd-v2",
	.state_size	= 5000,
	.schema		= 1,
};
