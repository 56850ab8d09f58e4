/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_bpf.h - for authors of LUO file handlers written in BPF.
 *
 * A handler is a struct luo_bpf_ops in SEC(".struct_ops.link"), built on
 * a native backend (memfd-v2): the kernel preserves the memory, the
 * programs decide and keep state. See
 * Documentation/core-api/liveupdate-bpf.rst for the lifecycle.
 *
 *   SEC("struct_ops/can_preserve")    bool (ctx, file)     must not sleep
 *   SEC("struct_ops.s/preserve")      int  (ctx, file)     may sleep
 *   SEC("struct_ops/unpreserve")      void (ctx, file)
 *   SEC("struct_ops/freeze")          int  (ctx, file)     veto the kexec
 *   SEC("struct_ops/unfreeze")        void (ctx, file)
 *   SEC("struct_ops.s/retrieve")      int  (ctx, file)     may sleep
 *   SEC("struct_ops/can_finish")      bool (ctx, file)     file may be NULL
 *   SEC("struct_ops/finish")          void (ctx, file)     file may be NULL
 *
 * Programs must be GPL. Return 0 or a negative errno from int ops.
 */
#ifndef __LUO_BPF_H
#define __LUO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * luo_bpf_ctx.flags: enum luo_bpf_ctx_flags (LUO_BPF_F_INCOMING,
 * LUO_BPF_F_RETRIEVED, LUO_BPF_F_NO_STATE) comes from vmlinux.h.
 */

/* memfd seals, as in luo_bpf_ctx.seals */
#define F_SEAL_SEAL		0x0001
#define F_SEAL_SHRINK		0x0002
#define F_SEAL_GROW		0x0004
#define F_SEAL_WRITE		0x0008

/* The kernel's errno values, as int ops return them (negated). */
#include <asm-generic/errno.h>

/*
 * State views. Writable in preserve and freeze; read-only in the other
 * ops but can_preserve; incoming files see the state carried from the
 * previous kernel (written with schema ctx->schema). NULL if the bytes
 * are not inside the state.
 */
extern u8 *bpf_luo_state(struct luo_bpf_ctx *ctx, u32 off,
			 const u32 rdwr_buf_size) __ksym;
extern const u8 *bpf_luo_state_ro(struct luo_bpf_ctx *ctx, u32 off,
				  const u32 rdonly_buf_size) __ksym;
/* Read the file's bytes; preserve and retrieve only (sleepable). */
extern int bpf_luo_file_pread(struct file *file, u64 off, u8 *buf,
			      u32 buf__sz) __ksym;
/* freeze: why it vetoes, for the kernel's line and the operator. */
extern int bpf_luo_veto_reason(struct luo_bpf_ctx *ctx,
			       const char *reason__str) __ksym;

/* The whole state as a @type, writable or read-only. */
#define luo_state(ctx, type) \
	((type *)bpf_luo_state(ctx, 0, sizeof(type)))
#define luo_state_ro(ctx, type) \
	((const type *)bpf_luo_state_ro(ctx, 0, sizeof(type)))

static __always_inline int luo_prefix_cmp(const char *s, const char *p,
					  int n)
{
	int i;

	for (i = 0; i < n && i < 64; i++)
		if (s[i] != p[i])
			return 1;
	return 0;
}


/* Does the NUL-terminated @s start with the literal @prefix? */
#define luo_has_prefix(s, prefix) \
	(!luo_prefix_cmp(s, prefix, sizeof(prefix) - 1))

#endif /* __LUO_BPF_H */
