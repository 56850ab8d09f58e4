// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_attach.c - BPF handler lifecycle in one boot: attach, double
 * attach (EBUSY), a second handler of the same compatible (EEXIST), BPF
 * handlers asked before memfd-v2, link update (hot fix of bound files,
 * each file's state keeping the schema it was written with), detach while a file is preserved (retired, a new version attaches
 * meanwhile, but not over another backend: EPROTO), compatible strings
 * outside "bpf:" refused, backends with FLBs or their own file identity
 * refused (EOPNOTSUPP), and an attach without CAP_SYS_ADMIN refused
 * (EPERM).
 */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "test_bpf_attach.skel.h"

static int attach_errno(struct bpf_map *map)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(map);

	if (link) {
		bpf_link__destroy(link);
		return 0;
	}
	return errno;
}

/* In a child without CAP_SYS_ADMIN (CAP_BPF kept): the attach errno. */
static int attach_unprivileged(struct bpf_map *map)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(100);
		data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
		data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
		if (syscall(SYS_capset, &hdr, data))
			_exit(101);
		_exit(attach_errno(map));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

LUO_TEST(bpf_attach, .cmdline = "kho=on liveupdate=on",
	 .desc = "BPF handler attach, double attach, update, detach, privilege, backends",
	 .expect_log = LUO_LOG("liveupdate: bpf: 'bpf:attach-v1' over 'guest_memfd_luo_v1' refused: files of a retired 'bpf:attach-v1' use backend 'memfd-v2'",
			       "liveupdate: bpf: 'bpf:flb-v1': backend 'luo-test-v1' has its own file identity or FLBs, which a BPF handler cannot carry",
			       "liveupdate: bpf: 'bpf:id-v1': backend 'kvm_vm_luo_v1' has its own file identity or FLBs, which a BPF handler cannot carry"))
{
	struct test_bpf_attach_bpf *skel;
	struct bpf_link *link, *link2;
	int luo, s, m1, m2, m3, m4, r;

	skel = test_bpf_attach_bpf__open_and_load();
	ASSERT_TRUE(skel, "open_and_load: %m");
	s = luo_session_new("attach", &luo);
	ASSERT_TRUE(s >= 0, "session");

	ASSERT_TRUE(attach_unprivileged(skel->maps.attach_v1) == EPERM,
		    "attach without CAP_SYS_ADMIN must be EPERM");

	link = bpf_map__attach_struct_ops(skel->maps.attach_v1);
	ASSERT_TRUE(link, "attach v1: %m");
	ASSERT_TRUE(luo_kmsg_contains("file handler 'bpf:attach-v1' registered"),
		    "registration logged");
	ASSERT_TRUE(attach_errno(skel->maps.attach_v1) == EBUSY,
		    "the same map twice must be EBUSY");
	ASSERT_TRUE(attach_errno(skel->maps.attach_v2) == EEXIST,
		    "a second handler of one compatible must be EEXIST");

	/* Asked before memfd-v2 for the files it takes, and only those. */
	m1 = luo_memfd_new("attach-1", 8192, 1);
	m2 = luo_memfd_new("plain", 8192, 2);
	ASSERT_OK(m1);
	ASSERT_OK(m2);
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m1, 1), "preserve attach-1");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m2, 2), "preserve plain");
	ASSERT_TRUE(skel->bss->preserved_v1 == 1,
		    "v1 preserve ran %d times", skel->bss->preserved_v1);
	ASSERT_TRUE(!skel->bss->empty_views,
		    "a zero-byte state view was not NULL");
	ASSERT_TRUE(skel->bss->can_preserve_calls == 2,
		    "can_preserve asked %d times", skel->bss->can_preserve_calls);

	/* Link update: the v2 programs take over the bound file. */
	r = bpf_link__update_map(link, skel->maps.attach_v2);
	ASSERT_TRUE(!r, "update to v2: %d", r);
	m3 = luo_memfd_new("attach-3", 8192, 3);
	ASSERT_OK(m3);
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m3, 3), "preserve attach-3");
	ASSERT_TRUE(skel->bss->preserved_v2 == 1, "v2 preserve ran");

	/* Detach while files are preserved: retired, not lost. */
	ASSERT_OK(bpf_link__destroy(link));
	ASSERT_TRUE(luo_kmsg_contains("'bpf:attach-v1' retired, in use by preserved files"),
		    "retirement logged");
	/* Not over another backend: the next kernel could read one only. */
	ASSERT_TRUE(attach_errno(skel->maps.other_backend) == EPROTO,
		    "bpf:attach-v1 over another backend while retired must be EPROTO");
	/* A new version attaches meanwhile. */
	link2 = bpf_map__attach_struct_ops(skel->maps.attach_v1);
	ASSERT_TRUE(link2, "attach v1 again while v2 is retired: %m");

	/*
	 * Closing the session unpreserves through the retired handler, with
	 * the programs of the update: v2 for the file bound under v1 too
	 * (and v1's state still there: +100), none of v1's.
	 */
	close(s);
	ASSERT_TRUE(skel->bss->unpreserved_v2 == 102 &&
		    !skel->bss->unpreserved_v1,
		    "unpreserve: v1 %d, v2 %d", skel->bss->unpreserved_v1,
		    skel->bss->unpreserved_v2);
	/* Each file's state keeps the schema it was written with: 1 + 2. */
	ASSERT_TRUE(skel->bss->schemas_v2 == 3,
		    "schemas seen by v2's unpreserve add up to %d, not 1 + 2",
		    skel->bss->schemas_v2);
	ASSERT_OK(bpf_link__destroy(link2));

	/* Another compatible attaches and detaches cleanly. */
	ASSERT_TRUE(attach_errno(skel->maps.other) == 0, "attach other");

	/* A program's -ERESTARTSYS reaches userspace as EINVAL. */
	link = bpf_map__attach_struct_ops(skel->maps.restart);
	ASSERT_TRUE(link, "attach restart: %m");
	s = liveupdate_create_session(luo, "restart");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	m4 = luo_memfd_new("restart-1", 8192, 4);
	ASSERT_OK(m4);
	r = liveupdate_preserve_fd(s, m4, 1);
	ASSERT_TRUE(r == -EINVAL, "preserve refused with -ERESTARTSYS: %d", r);
	close(s);
	close(m4);
	ASSERT_OK(bpf_link__destroy(link));

	/*
	 * Compatible strings outside "bpf:<name>-v<N>" never attach (libbpf
	 * writes the map value, which validate() checks, at attach time).
	 */
	ASSERT_TRUE(attach_errno(skel->maps.thief) == EINVAL,
		    "a handler named memfd-v2 must not attach");
	/* Backends whose FLBs or file identity a BPF handler cannot carry. */
	ASSERT_TRUE(attach_errno(skel->maps.flb_backend) == EOPNOTSUPP,
		    "a backend with FLBs (luo-test-v1) must be EOPNOTSUPP");
	ASSERT_TRUE(attach_errno(skel->maps.id_backend) == EOPNOTSUPP,
		    "a backend with get_id (kvm_vm_luo_v1) must be EOPNOTSUPP");

	close(m1);
	close(m2);
	close(m3);
	close(luo);
	test_bpf_attach_bpf__destroy(skel);
	return LUO_PASS;
}
