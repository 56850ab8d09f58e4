// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_iter.bpf.c - iterator programs for test_bpf_iter.c: one counts
 * files and the non-zero words of each file's state buffer past its
 * state_size (which must all be zero), one only counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define STATE_MAX	4000

__u64 nr_files, stale_bytes, counted;

#define WORDS		(STATE_MAX / 8)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[WORDS]);
} state_buf SEC(".maps");

struct scan {
	u64 *buf;
	u32 first;
};

static long scan_word(u64 i, void *data)
{
	struct scan *sc = data;

	if (i >= WORDS)
		return 1;
	if (i >= sc->first && sc->buf[i])
		stale_bytes++;
	return 0;
}

/* Non-zero 8-byte words wholly past state_size (counted as "bytes"). */
SEC("iter/luo_file")
int scan_files(struct bpf_iter__luo_file *ctx)
{
	struct luo_file_info *f = ctx->info;
	struct scan sc;
	u32 zero = 0;

	if (!f)
		return 0;
	nr_files++;
	sc.buf = bpf_map_lookup_elem(&state_buf, &zero);
	if (!sc.buf || bpf_probe_read_kernel(sc.buf, WORDS * 8, f->state))
		return 0;
	sc.first = (f->state_size + 7) / 8;
	bpf_loop(WORDS, scan_word, &sc, 0);
	return 0;
}

SEC("iter/luo_file")
int count_files(struct bpf_iter__luo_file *ctx)
{
	if (ctx->info)
		counted++;
	return 0;
}
