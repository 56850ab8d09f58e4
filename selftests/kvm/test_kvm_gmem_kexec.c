// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_kexec.c - a software-protected VM's private memory across
 * a kexec. Stage 1: a vCPU writes a pattern into the private part of a
 * guest_memfd (the host's shadow mapping stays zero); the guest_memfd is
 * preserved before its VM; while preserved, fallocate, punch hole and
 * KVM_SET_MEMORY_ATTRIBUTES are refused, and the guest writes into a page
 * that was allocated (fallocate) but never used before PRESERVE_FD: that
 * write must reach the next kernel too. Stage 2: the guest_memfd is
 * retrieved first (which retrieves its VM), then the VM: the same VM (the
 * guest_memfd binds to it). New memslots, no attributes set by userspace:
 * a vCPU reads its pattern back, zeroes in the unwritten private range
 * and in the new shared part. After FINISH the VM runs again and the
 * guest_memfd and attributes can change again.
 */
#include <fcntl.h>
#include <linux/falloc.h>

#include "liveupdate.h"
#include "kvm_luo_util.h"

#define TOK_GMEM	1
#define TOK_VM		2

static enum luo_result stage1(int luo)
{
	struct kvm_vm_ctx c;
	uint32_t seed = (uint32_t)luo_seed();
	uint64_t bad;
	int s, r;

	r = kvm_luo_open(&c);
	if (r == -EOPNOTSUPP)
		luo_fail("KVM_X86_SW_PROTECTED_VM is not offered");
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_make_guest(&c, seed);
	ASSERT_TRUE(!r, "guest before the kexec: %s", strerror(-r));
	/* Allocated, not yet prepared for the guest. */
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE, 4096));

	s = liveupdate_create_session(luo, "vm");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, c.gmem, TOK_GMEM);
	ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, c.vm, TOK_VM);
	ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));

	ASSERT_ERRNO(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE,
			       4096), EPERM);
	ASSERT_ERRNO(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE |
			       FALLOC_FL_PUNCH_HOLE, 0, 4096), EPERM);
	r = kvm_luo_set_private(c.vm, KVM_PRIV_SIZE, 4096, true);
	ASSERT_TRUE(r == -EBUSY, "attributes changed while preserved: %d", r);
	/* The guest still reads what it wrote, and writes the new page. */
	ASSERT_TRUE(!kvm_luo_check(&c, 0, KVM_PAT_SIZE, seed, ~0u),
		    "pattern while preserved");
	r = kvm_luo_run(&c, KVM_PROG_FILL, KVM_PAT_SIZE, 4096, seed, ~0u, &bad);
	ASSERT_TRUE(!r, "write into the allocated page: %d", r);

	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

/* Pattern in [0, KVM_PAT_SIZE + 4096), zeroes in the rest. */
static int verify(struct kvm_vm_ctx *c, uint32_t seed)
{
	const uint64_t pat = KVM_PAT_SIZE + 4096;

	if (kvm_luo_check(c, 0, pat, seed, ~0u) ||
	    kvm_luo_check(c, pat, KVM_PRIV_SIZE - pat, 0, 0) ||
	    kvm_luo_check(c, KVM_PRIV_SIZE, KVM_GMEM_SIZE - KVM_PRIV_SIZE, 0, 0))
		return -EIO;
	return 0;
}

LUO_TEST(kvm_gmem_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: SW_PROTECTED VM + private guest_memfd, gmem retrieved first")
{
	struct kvm_vm_ctx c;
	uint32_t seed;
	int luo, s, vm, gmem, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	seed = (uint32_t)luo_get_u64("seed");
	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	s = liveupdate_retrieve_session(luo, "vm");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	gmem = liveupdate_retrieve_fd(s, TOK_GMEM);
	ASSERT_TRUE(gmem >= 0, "retrieve guest_memfd: %s", strerror(-gmem));
	vm = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));

	/* Binding fails unless the guest_memfd belongs to this very VM. */
	r = kvm_luo_attach(&c, vm, gmem);
	ASSERT_TRUE(!r, "memslots and vCPU: %s", strerror(-r));
	r = verify(&c, seed);
	ASSERT_TRUE(!r, "guest memory after the kexec");
	/* Still preserved state until FINISH: attributes are not frozen. */
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);

	/* An ordinary VM from now on. */
	r = verify(&c, seed);
	ASSERT_TRUE(!r, "guest memory after FINISH");
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE, 4096));
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, 4096));
	ASSERT_TRUE(!kvm_luo_check(&c, 0, 4096, 0, 0), "punched page reads zero");
	ASSERT_TRUE(!kvm_luo_check(&c, 4096, KVM_PAT_SIZE - 4096, seed, ~0u),
		    "pattern after the punch");
	r = kvm_luo_set_private(c.vm, KVM_PRIV_SIZE, 4096, true);
	ASSERT_TRUE(!r, "attributes after FINISH: %s", strerror(-r));
	kvm_luo_close(&c);
	close(luo);
	return LUO_PASS;
}
