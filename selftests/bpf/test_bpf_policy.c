// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_policy.c - the fleet policy handler (bpf/policy.bpf.c): a
 * session's quota refuses the file that would exceed it (EDQUOT) and is
 * given back when files are unpreserved; sessions without a quota are
 * left to memfd-v2; a failed readiness check refuses the kexec (EAGAIN)
 * with the sessions intact; every decision is in the audit ring buffer.
 */
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "policy.h"
#include "policy.skel.h"

#define MIB	(1 << 20)

struct audit_log {
	int n;
	struct policy_audit rec[32];
};

static int on_audit(void *ctx, void *data, size_t len)
{
	struct audit_log *log = ctx;

	if (len == sizeof(struct policy_audit) && log->n < 32)
		memcpy(&log->rec[log->n++], data, len);
	return 0;
}

static int count(struct audit_log *log, uint32_t ev, const char *session)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		n += log->rec[i].event == ev &&
		     !strcmp(log->rec[i].session, session);
	return n;
}

LUO_TEST(bpf_policy, .cmdline = "kho=on liveupdate=on",
	 .desc = "policy BPF handler: quota, readiness veto, audit records",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:policy-v1' vetoed the reboot for session 'tenant-a' token 1: -11",
				 "liveupdate: session 'tenant-a' token 1: freeze failed (-11), reboot aborted"))
{
	struct policy_quota q = { .max_bytes = 3 * MIB }, now;
	char key[POLICY_SESSION_LEN] = "tenant-a";
	struct policy_config cfg = { .kexec_blocked = 1 };
	struct audit_log log = { };
	struct ring_buffer *rb;
	struct policy_bpf *skel;
	struct bpf_link *link;
	int luo, a, b, m1, m2, m3, m4, r;
	uint32_t zero = 0;

	skel = policy_bpf__open_and_load();
	ASSERT_TRUE(skel, "load: %m");
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	ASSERT_TRUE(link, "attach: %m");
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.policy_quotas),
				      key, &q, BPF_ANY));
	rb = ring_buffer__new(bpf_map__fd(skel->maps.policy_audit), on_audit,
			      &log, NULL);
	ASSERT_TRUE(rb, "ring buffer: %m");

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	a = liveupdate_create_session(luo, "tenant-a");
	b = liveupdate_create_session(luo, "tenant-b");
	ASSERT_TRUE(a >= 0 && b >= 0, "sessions");
	m1 = luo_memfd_new("a1", 2 * MIB, 1);
	m2 = luo_memfd_new("a2", 2 * MIB, 2);
	m3 = luo_memfd_new("a3", 1 * MIB, 3);
	m4 = luo_memfd_new("b1", 8 * MIB, 4);
	ASSERT_TRUE(m1 >= 0 && m2 >= 0 && m3 >= 0 && m4 >= 0, "memfds");

	ASSERT_TRUE(!liveupdate_preserve_fd(a, m1, 1), "2 MiB of 3");
	r = liveupdate_preserve_fd(a, m2, 2);
	ASSERT_TRUE(r == -EDQUOT, "4 MiB of 3: %d", r);
	ASSERT_TRUE(!liveupdate_preserve_fd(a, m3, 3), "3 MiB of 3");
	/* No quota for tenant-b: memfd-v2 takes it, the policy is not asked. */
	ASSERT_TRUE(!liveupdate_preserve_fd(b, m4, 4), "unlimited session");
	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.policy_quotas),
				      key, &now));
	ASSERT_TRUE(now.files == 2 && now.bytes == 3 * MIB,
		    "charged %u files %llu bytes", now.files,
		    (unsigned long long)now.bytes);

	/* Host not ready: the kexec is refused, nothing is lost. */
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.policy_config),
				      &zero, &cfg, BPF_ANY));
	r = luo_kexec(NULL);
	ASSERT_TRUE(r == -EAGAIN, "kexec while not ready: %d", r);
	ASSERT_TRUE(liveupdate_preserve_fd(a, m1, 9) == -EBUSY,
		    "m1 is still preserved");

	close(a);
	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.policy_quotas),
				      key, &now));
	ASSERT_TRUE(now.files == 0 && now.bytes == 0, "quota given back");

	ASSERT_TRUE(ring_buffer__consume(rb) >= 0, "consume");
	luo_info("%d audit records", log.n);
	ASSERT_TRUE(count(&log, POLICY_EV_PRESERVE, "tenant-a") == 2,
		    "preserve records");
	ASSERT_TRUE(count(&log, POLICY_EV_REFUSE, "tenant-a") == 1,
		    "refusal record");
	ASSERT_TRUE(count(&log, POLICY_EV_VETO, "tenant-a") == 1, "veto record");
	ASSERT_TRUE(count(&log, POLICY_EV_UNPRESERVE, "tenant-a") == 2,
		    "unpreserve records");
	ASSERT_TRUE(count(&log, POLICY_EV_PRESERVE, "tenant-b") == 0,
		    "tenant-b is not the policy's");

	close(b);
	close(luo);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	policy_bpf__destroy(skel);
	return LUO_PASS;
}
