// SPDX-License-Identifier: GPL-2.0
/*
 * luo_sessions.bpf.c - list LUO sessions, one tab-separated line each:
 *
 *	bpftool iter pin luo_sessions.bpf.o /sys/fs/bpf/luo_sessions
 *	cat /sys/fs/bpf/luo_sessions
 *
 *	# session	state	files
 *	vm-1	outgoing	2
 *	vm-0	incoming	1
 *
 * state: outgoing, incoming (not retrieved yet), retrieved, finished.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/luo_session")
int luo_sessions(struct bpf_iter__luo_session *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct luo_session_info *s = ctx->info;
	const char *state;

	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "# session\tstate\tfiles\n");
	if (!s)
		return 0;
	if (!s->incoming)
		state = "outgoing";
	else if (s->finished)
		state = "finished";
	else if (s->retrieved)
		state = "retrieved";
	else
		state = "incoming";
	BPF_SEQ_PRINTF(seq, "%s\t%s\t%llu\n", s->name, state, s->nr_files);
	return 0;
}
