// SPDX-License-Identifier: GPL-2.0
/*
 * luo_files.bpf.c - list preserved files, one tab-separated line each:
 *
 *	bpftool iter pin luo_files.bpf.o /sys/fs/bpf/luo_files
 *	cat /sys/fs/bpf/luo_files
 *
 *	# session	token	compatible	handler	status	size	bytes	backend	schema	state
 *	vm-1	42	bpf:vmram-v1	bpf:vmram-v1	outgoing	4194304	4194304	memfd-v2	1	0a1b...
 *
 * status: outgoing, incoming (not retrieved), retrieved, or the errno of
 * a failed retrieve ("error:-71"). handler: "-" when none is bound yet.
 * backend, schema and state (hex) are "-" for files of native handlers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define STATE_MAX	4000
#define CHUNK		8

/* The state is copied here: programs index kernel memory only by constants. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u8[STATE_MAX]);
} state_buf SEC(".maps");

static void print_state(struct seq_file *seq, struct luo_file_info *f)
{
	u32 zero = 0, size = f->state_size, i;
	u8 *buf = bpf_map_lookup_elem(&state_buf, &zero);

	if (!buf || !size || size > STATE_MAX ||
	    bpf_probe_read_kernel(buf, STATE_MAX, f->state)) {
		BPF_SEQ_PRINTF(seq, "-");
		return;
	}
	for (i = 0; i + CHUNK <= size && i + CHUNK <= STATE_MAX; i += CHUNK)
		BPF_SEQ_PRINTF(seq, "%02x%02x%02x%02x%02x%02x%02x%02x",
			       buf[i], buf[i + 1], buf[i + 2], buf[i + 3],
			       buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7]);
	for (; i < size && i < STATE_MAX; i++)
		BPF_SEQ_PRINTF(seq, "%02x", buf[i]);
}

SEC("iter/luo_file")
int luo_files(struct bpf_iter__luo_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct luo_file_info *f = ctx->info;
	const char *handler;

	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "# session\ttoken\tcompatible\thandler\tstatus\tsize\tbytes\tbackend\tschema\tstate\n");
	if (!f)
		return 0;
	handler = f->handler[0] ? f->handler : "-";
	BPF_SEQ_PRINTF(seq, "%s\t%llu\t%s\t%s\t", f->session, f->token,
		       f->compatible, handler);
	if (!f->incoming)
		BPF_SEQ_PRINTF(seq, "outgoing");
	else if (f->retrieve_err)
		BPF_SEQ_PRINTF(seq, "error:%d", f->retrieve_err);
	else if (f->retrieved)
		BPF_SEQ_PRINTF(seq, "retrieved");
	else
		BPF_SEQ_PRINTF(seq, "incoming");
	BPF_SEQ_PRINTF(seq, "\t%llu\t%llu\t", f->size, f->bytes);
	if (f->bpf) {
		BPF_SEQ_PRINTF(seq, "%s\t%u\t", f->backend[0] ? f->backend : "-",
			       f->schema);
		print_state(seq, f);
	} else {
		BPF_SEQ_PRINTF(seq, "-\t-\t-");
	}
	BPF_SEQ_PRINTF(seq, "\n");
	return 0;
}
