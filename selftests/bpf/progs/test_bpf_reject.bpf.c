// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_reject.bpf.c - programs the verifier must refuse, one per
 * struct_ops map (the test loads them one at a time), and one it must
 * accept, so that a refusal is known to come from the fault alone.
 */
#include "luo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/can_preserve")
bool BPF_PROG(rej_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return false;
}

/* Fine: writes inside the 8 bytes it asked for. */
SEC("struct_ops/preserve")
int BPF_PROG(ok_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	u8 *st = bpf_luo_state(luo, 0, 8);

	if (!st)
		return -EINVAL;
	st[7] = 1;
	return 0;
}

/* Writes one byte past the 8 bytes it asked for. */
SEC("struct_ops/preserve")
int BPF_PROG(past_state, struct luo_bpf_ctx *luo, struct file *file)
{
	u8 *st = bpf_luo_state(luo, 0, 8);

	if (!st)
		return -EINVAL;
	st[8] = 1;
	return 0;
}

/* The writable state from retrieve: state is fixed after the reboot. */
SEC("struct_ops.s/retrieve")
int BPF_PROG(rw_in_retrieve, struct luo_bpf_ctx *luo, struct file *file)
{
	u8 *st = bpf_luo_state(luo, 0, 8);

	if (st)
		st[0] = 1;
	return 0;
}

/* freeze runs in the reboot path: it may not sleep. */
SEC("struct_ops.s/freeze")
int BPF_PROG(sleepable_freeze, struct luo_bpf_ctx *luo, struct file *file)
{
	return 0;
}

/* Writing the context the kernel gave. */
SEC("struct_ops/preserve")
int BPF_PROG(write_ctx, struct luo_bpf_ctx *luo, struct file *file)
{
	luo->token = 0;
	return 0;
}

#define REJ_OPS(_name, _op, _prog)					\
	SEC(".struct_ops.link")						\
	struct luo_bpf_ops _name = {					\
		.can_preserve	= (void *)rej_can_preserve,		\
		._op		= (void *)_prog,			\
		.compatible	= "bpf:" #_name "-v1",			\
		.backend	= "memfd-v2",				\
		.state_size	= 8,					\
		.schema		= 1,					\
	}

REJ_OPS(accepted, preserve, ok_preserve);
REJ_OPS(past, preserve, past_state);
REJ_OPS(rwretrieve, retrieve, rw_in_retrieve);
REJ_OPS(sleepfreeze, freeze, sleepable_freeze);
REJ_OPS(writectx, preserve, write_ctx);
