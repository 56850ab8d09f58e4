// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_license.bpf.c - a correct handler under a non-GPL license:
 * LUO handlers see every preserved file, so they must be GPL.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "Proprietary";

SEC("struct_ops/can_preserve")
bool BPF_PROG(lic_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return false;
}

SEC(".struct_ops.link")
struct luo_bpf_ops licensed = {
	.can_preserve	= (void *)lic_can_preserve,
	.compatible	= "bpf:license-v1",
	.backend	= "memfd-v2",
	.schema		= 1,
};
