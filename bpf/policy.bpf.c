// SPDX-License-Identifier: GPL-2.0
/*
 * policy.bpf.c - "bpf:policy-v1": fleet policy over memfd-v2.
 *
 * Takes the memfds of sessions that have a quota (policy_quotas, keyed by
 * session name), charges each file's size to its session at preserve and
 * refuses what exceeds the quota (EDQUOT), refuses the kexec while the
 * agent says the host is not ready (policy_config.kexec_blocked), and
 * writes an audit record of every decision to the policy_audit ring
 * buffer. The charge travels with the file, so the new kernel's handler
 * re-charges retrieved files to their session.
 */
#include "luo_bpf.h"
#include "policy.h"

char LICENSE[] SEC("license") = "GPL";

struct session_key {
	char name[POLICY_SESSION_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct session_key);
	__type(value, struct policy_quota);
} policy_quotas SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct policy_config);
} policy_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} policy_audit SEC(".maps");

static __always_inline struct policy_quota *quota_of(struct luo_bpf_ctx *luo)
{
	struct session_key key = {};

	bpf_probe_read_kernel_str(key.name, sizeof(key.name), luo->session);
	return bpf_map_lookup_elem(&policy_quotas, &key);
}

static __always_inline void audit(struct luo_bpf_ctx *luo, u32 event,
				  int err)
{
	struct policy_audit *a;

	a = bpf_ringbuf_reserve(&policy_audit, sizeof(*a), 0);
	if (!a)
		return;
	a->event = event;
	a->err = err;
	a->token = luo->token;
	a->size = luo->size;
	a->ns = bpf_ktime_get_boot_ns();
	bpf_probe_read_kernel_str(a->session, sizeof(a->session), luo->session);
	bpf_probe_read_kernel_str(a->name, sizeof(a->name), luo->name);
	bpf_ringbuf_submit(a, 0);
}

SEC("struct_ops/can_preserve")
bool BPF_PROG(policy_can_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	return quota_of(luo) != NULL;
}

SEC("struct_ops/preserve")
int BPF_PROG(policy_preserve, struct luo_bpf_ctx *luo, struct file *file)
{
	struct policy_state *st = luo_state(luo, struct policy_state);
	struct policy_quota *q = quota_of(luo);
	u64 size = luo->size;

	if (!st || !q)
		return -EINVAL;
	if ((q->max_files && q->files + 1 > q->max_files) ||
	    (q->max_bytes && q->bytes + size > q->max_bytes)) {
		audit(luo, POLICY_EV_REFUSE, -EDQUOT);
		return -EDQUOT;
	}
	/* Callbacks of one kernel are serialized: plain updates are enough. */
	q->files++;
	q->bytes += size;
	st->charged_bytes = size;
	st->preserved_ns = bpf_ktime_get_boot_ns();
	audit(luo, POLICY_EV_PRESERVE, 0);
	return 0;
}

SEC("struct_ops/unpreserve")
void BPF_PROG(policy_unpreserve, struct luo_bpf_ctx *luo, struct file *file)
{
	const struct policy_state *st = luo_state_ro(luo, struct policy_state);
	struct policy_quota *q = quota_of(luo);

	if (st && q) {
		q->files--;
		q->bytes -= st->charged_bytes;
	}
	audit(luo, POLICY_EV_UNPRESERVE, 0);
}

SEC("struct_ops/freeze")
int BPF_PROG(policy_freeze, struct luo_bpf_ctx *luo, struct file *file)
{
	struct policy_config *cfg;
	u32 zero = 0;

	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (cfg && cfg->kexec_blocked) {
		audit(luo, POLICY_EV_VETO, -EAGAIN);
		return -EAGAIN;
	}
	audit(luo, POLICY_EV_FREEZE, 0);
	return 0;
}

SEC("struct_ops/retrieve")
int BPF_PROG(policy_retrieve, struct luo_bpf_ctx *luo, struct file *file)
{
	const struct policy_state *st = luo_state_ro(luo, struct policy_state);
	struct policy_quota *q = quota_of(luo);

	/* Re-charge the file to its session in this kernel, if limited. */
	if (st && q) {
		q->files++;
		q->bytes += st->charged_bytes;
	}
	audit(luo, POLICY_EV_RETRIEVE, 0);
	return 0;
}

SEC("struct_ops/finish")
void BPF_PROG(policy_finish, struct luo_bpf_ctx *luo, struct file *file)
{
	audit(luo, POLICY_EV_FINISH, 0);
}

SEC(".struct_ops.link")
struct luo_bpf_ops policy = {
	.can_preserve	= (void *)policy_can_preserve,
	.preserve	= (void *)policy_preserve,
	.unpreserve	= (void *)policy_unpreserve,
	.freeze		= (void *)policy_freeze,
	.retrieve	= (void *)policy_retrieve,
	.finish		= (void *)policy_finish,
	.compatible	= POLICY_COMPATIBLE,
	.backend	= "memfd-v2",
	.state_size	= sizeof(struct policy_state),
	.schema		= 1,
};
