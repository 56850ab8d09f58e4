// SPDX-License-Identifier: GPL-2.0
/*
 * luo_bpf_kfuncs.c - kfuncs of BPF LUO handlers, each allowed only in the
 * ops where it is safe.
 *
 *   bpf_luo_state(ctx, off, size)     writable view of the file's state;
 *                                     preserve and freeze only (the
 *                                     state is written at reboot after
 *                                     freeze and never changes later)
 *   bpf_luo_state_ro(ctx, off, size)  read-only view; every op but
 *                                     can_preserve (no state yet); in
 *                                     the new kernel, the carried state
 *   bpf_luo_file_pread(file, off, buf) read the file's bytes; sleepable,
 *                                     so preserve and retrieve only
 *
 * The views return NULL unless [off, off + size) lies inside the state;
 * size is a verifier constant, so a program cannot reach past what it
 * asked for. The filter checks which op a program implements (its
 * expected_attach_type is the member index) and lets every other kfunc
 * through untouched: filters of a hook run for all of its kfuncs.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/fs.h>

#include "luo_bpf_internal.h"

__bpf_kfunc_start_defs();

/**
 * bpf_luo_state - writable view of the state of the file at hand
 * @ctx:           the op's context
 * @off:           offset in the state
 * @rdwr_buf_size: bytes wanted (a constant)
 *
 * Return: a pointer to @rdwr_buf_size bytes, or NULL if they do not lie
 * inside the state, are none, or the op has no writable state.
 */
__bpf_kfunc u8 *bpf_luo_state(struct luo_bpf_ctx *ctx, u32 off,
			      const u32 rdwr_buf_size)
{
	struct luo_bpf_call *call = container_of(ctx, struct luo_bpf_call, ctx);

	if (!call->state || !rdwr_buf_size || off > ctx->state_size ||
	    rdwr_buf_size > ctx->state_size - off)
		return NULL;
	return call->state + off;
}

/**
 * bpf_luo_state_ro - read-only view of the state of the file at hand
 * @ctx:             the op's context
 * @off:             offset in the state
 * @rdonly_buf_size: bytes wanted (a constant)
 *
 * In the new kernel this is the state carried from the previous one,
 * written with schema @ctx->schema.
 *
 * Return: a pointer to @rdonly_buf_size bytes, or NULL (as bpf_luo_state()).
 */
__bpf_kfunc const u8 *bpf_luo_state_ro(struct luo_bpf_ctx *ctx, u32 off,
				       const u32 rdonly_buf_size)
{
	struct luo_bpf_call *call = container_of(ctx, struct luo_bpf_call, ctx);

	if (!call->state_ro || !rdonly_buf_size || off > ctx->state_size ||
	    rdonly_buf_size > ctx->state_size - off)
		return NULL;
	return call->state_ro + off;
}

/**
 * bpf_luo_file_pread - read bytes of the file at hand
 * @file:   the file the op was given
 * @off:    file offset
 * @buf:    destination
 * @buf__sz: bytes to read
 *
 * Return: bytes read (short at EOF), or a negative errno: -EBADF if @file
 * is not open for reading.
 */
__bpf_kfunc int bpf_luo_file_pread(struct file *file, u64 off, u8 *buf,
				   u32 buf__sz)
{
	loff_t pos = off;

	/* A file opened O_WRONLY (a reopen through /proc) cannot be read. */
	if (!(file->f_mode & FMODE_READ) || !(file->f_mode & FMODE_CAN_READ))
		return -EBADF;
	if (off > LLONG_MAX)
		return -EINVAL;
	return kernel_read(file, buf, buf__sz, &pos);
}

/**
 * bpf_luo_veto_reason - say why freeze vetoes the reboot
 * @ctx:         the op's context
 * @reason__str: a constant string, e.g. "VM not paused"
 *
 * The kernel's line about the veto carries it, and so does what
 * "luo-bpf update" tells the operator. Up to LUO_BPF_REASON_LENGTH - 1
 * bytes are kept.
 *
 * Return: 0.
 */
__bpf_kfunc int bpf_luo_veto_reason(struct luo_bpf_ctx *ctx,
				    const char *reason__str)
{
	struct luo_bpf_call *call = container_of(ctx, struct luo_bpf_call, ctx);

	strscpy(call->reason, reason__str, sizeof(call->reason));
	return 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(luo_bpf_kfunc_ids)
BTF_ID_FLAGS(func, bpf_luo_state, KF_TRUSTED_ARGS | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_luo_state_ro, KF_TRUSTED_ARGS | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_luo_file_pread, KF_TRUSTED_ARGS | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_luo_veto_reason, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(luo_bpf_kfunc_ids)

BTF_ID_LIST(luo_bpf_kfunc_list)
BTF_ID(func, bpf_luo_state)
BTF_ID(func, bpf_luo_state_ro)
BTF_ID(func, bpf_luo_file_pread)
BTF_ID(func, bpf_luo_veto_reason)
BTF_ID(struct, luo_bpf_ops)

#define LUO_BPF_OPS_ALL		(BIT(LUO_BPF_NR_OPS) - 1)

/* Ops allowed to call each kfunc, in luo_bpf_kfunc_list order. */
static const u32 luo_bpf_kfunc_ops[] = {
	BIT(LUO_BPF_OP_PRESERVE) | BIT(LUO_BPF_OP_FREEZE),
	LUO_BPF_OPS_ALL & ~BIT(LUO_BPF_OP_CAN_PRESERVE),
	BIT(LUO_BPF_OP_PRESERVE) | BIT(LUO_BPF_OP_RETRIEVE),
	BIT(LUO_BPF_OP_FREEZE),
};

static int luo_bpf_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	u32 op = prog->expected_attach_type;
	int i;

	if (!btf_id_set8_contains(&luo_bpf_kfunc_ids, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS ||
	    prog->aux->attach_btf_id != luo_bpf_kfunc_list[4] ||
	    op >= LUO_BPF_NR_OPS)
		return -EACCES;
	for (i = 0; i < ARRAY_SIZE(luo_bpf_kfunc_ops); i++)
		if (luo_bpf_kfunc_list[i] == kfunc_id)
			return luo_bpf_kfunc_ops[i] & BIT(op) ? 0 : -EACCES;
	return -EACCES;
}

static const struct btf_kfunc_id_set luo_bpf_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &luo_bpf_kfunc_ids,
	.filter	= luo_bpf_kfunc_filter,
};

int luo_bpf_kfuncs_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					 &luo_bpf_kfunc_set);
}
