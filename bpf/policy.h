/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - what the fleet policy handler (policy.bpf.c) shares with
 * its agent.
 */
#ifndef __POLICY_H
#define __POLICY_H

#define POLICY_COMPATIBLE	"bpf:policy-v1"
#define POLICY_SESSION_LEN	64
#define POLICY_NAME_LEN		64

/* Per-session quota, keyed by session name (NUL padded). */
struct policy_quota {
	__u64 max_bytes;	/* 0: no byte limit */
	__u32 max_files;	/* 0: no file limit */
	__u32 files;		/* charged now */
	__u64 bytes;		/* charged now */
};

enum policy_event {
	POLICY_EV_PRESERVE = 1,
	POLICY_EV_REFUSE,
	POLICY_EV_UNPRESERVE,
	POLICY_EV_FREEZE,
	POLICY_EV_VETO,
	POLICY_EV_RETRIEVE,
	POLICY_EV_FINISH,
};

/* One audit record in the ring buffer. */
struct policy_audit {
	__u32 event;		/* enum policy_event */
	__s32 err;		/* errno returned, 0 or negative */
	__u64 token;
	__u64 size;
	__u64 ns;		/* CLOCK_BOOTTIME */
	char session[POLICY_SESSION_LEN];
	char name[POLICY_NAME_LEN];
};

/* Handler configuration (array map, key 0). */
struct policy_config {
	__u32 kexec_blocked;	/* readiness check failed: refuse the kexec */
};

/* The per-file state carried across the kexec (schema 1). */
struct policy_state {
	__u64 charged_bytes;
	__u64 preserved_ns;
};

#endif /* __POLICY_H */
