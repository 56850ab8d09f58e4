// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_frozen.c - while a guest_memfd and its VM are preserved,
 * nothing that would make their record wrong goes through: fallocate and
 * punch hole fail with EPERM, KVM_SET_MEMORY_ATTRIBUTES with EBUSY, and a
 * guest access to a private page that has no memory yet is a memory fault
 * exit (EPERM) instead of a new page; the guest still reads and writes
 * its existing pages. Closing the session (unpreserve) lifts all of it.
 * A guest_memfd of a default VM and a second preservation are refused.
 */
#include <fcntl.h>
#include <linux/falloc.h>

#include "liveupdate.h"
#include "kvm_luo_util.h"

static enum luo_result frozen_checks(struct kvm_vm_ctx *c, uint32_t seed)
{
	uint64_t bad;
	int r;

	ASSERT_ERRNO(fallocate(c->gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE,
			       4096), EPERM);
	ASSERT_ERRNO(fallocate(c->gmem, FALLOC_FL_KEEP_SIZE, 0, 4096), EPERM);
	ASSERT_ERRNO(fallocate(c->gmem, FALLOC_FL_KEEP_SIZE |
			       FALLOC_FL_PUNCH_HOLE, 0, 4096), EPERM);
	r = kvm_luo_set_private(c->vm, KVM_PRIV_SIZE, 4096, true);
	ASSERT_TRUE(r == -EBUSY, "set private while preserved: %d", r);
	r = kvm_luo_set_private(c->vm, 0, 4096, false);
	ASSERT_TRUE(r == -EBUSY, "set shared while preserved: %d", r);

	/* Existing pages: read and rewritten. */
	ASSERT_TRUE(!kvm_luo_check(c, 0, KVM_PAT_SIZE, seed, ~0u),
		    "pattern while preserved");
	r = kvm_luo_run(c, KVM_PROG_FILL, 0, 4096, seed, ~0u, &bad);
	ASSERT_TRUE(!r, "rewrite a page while preserved: %d", r);
	/* A hole gets no page: a memory fault exit at its address. */
	r = kvm_luo_run(c, KVM_PROG_CHECK, KVM_PAT_SIZE, 4096, 0, 0, &bad);
	ASSERT_TRUE(r == -EPERM, "guest touching a hole: %d", r);
	ASSERT_TRUE(c->run->exit_reason == KVM_EXIT_MEMORY_FAULT,
		    "exit reason %u", c->run->exit_reason);
	ASSERT_TRUE(c->run->memory_fault.gpa == KVM_GPA + KVM_PAT_SIZE,
		    "fault at %#llx",
		    (unsigned long long)c->run->memory_fault.gpa);
	return LUO_PASS;
}

LUO_TEST(kvm_gmem_frozen, .cmdline = "kho=on liveupdate=on",
	 .desc = "guest_memfd and VM frozen while preserved, thawed by unpreserve",
	 .expect_log = LUO_LOG("guest_memfd_luo: session 'again' token 4: only guest_memfd of software-protected VMs can be preserved"))
{
	struct kvm_vm_ctx c;
	uint32_t seed = (uint32_t)luo_seed();
	int luo, s, s2, r, dvm, dgmem;
	struct kvm_create_guest_memfd g = { .size = KVM_GMEM_SIZE };

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_make_guest(&c, seed);
	ASSERT_TRUE(!r, "guest: %s", strerror(-r));

	s = liveupdate_create_session(luo, "frozen");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	/* The VM first this time: its attributes freeze on their own. */
	r = liveupdate_preserve_fd(s, c.vm, 1);
	ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));
	r = kvm_luo_set_private(c.vm, KVM_PRIV_SIZE, 4096, true);
	ASSERT_TRUE(r == -EBUSY, "attributes with only the VM preserved: %d", r);
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE, 4096));
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    KVM_PAT_SIZE, 4096));
	r = liveupdate_preserve_fd(s, c.gmem, 2);
	ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));
	if (frozen_checks(&c, seed) != LUO_PASS)
		return LUO_FAIL;

	/* Preserved once only, in any session. */
	s2 = liveupdate_create_session(luo, "again");
	ASSERT_TRUE(s2 >= 0, "create: %s", strerror(-s2));
	r = liveupdate_preserve_fd(s2, c.gmem, 1);
	ASSERT_TRUE(r == -EBUSY, "guest_memfd preserved twice: %d", r);
	r = liveupdate_preserve_fd(s2, c.vm, 2);
	ASSERT_TRUE(r == -EBUSY, "VM preserved twice: %d", r);

	/* A default VM can be preserved; its guest_memfd cannot. */
	dvm = ioctl(c.kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	ASSERT_OK(dvm);
	r = liveupdate_preserve_fd(s2, dvm, 3);
	ASSERT_TRUE(!r, "preserve a default VM: %s", strerror(-r));
	dgmem = ioctl(dvm, KVM_CREATE_GUEST_MEMFD, &g);
	if (dgmem >= 0) {
		r = liveupdate_preserve_fd(s2, dgmem, 4);
		ASSERT_TRUE(r == -EOPNOTSUPP,
			    "guest_memfd of a default VM: %d", r);
		close(dgmem);
	}
	close(s2);
	close(dvm);

	/* Unpreserved: everything works again. */
	close(s);
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, KVM_PAT_SIZE, 4096));
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, 4096));
	r = kvm_luo_set_private(c.vm, KVM_PRIV_SIZE, 4096, true);
	ASSERT_TRUE(!r, "attributes after unpreserve: %s", strerror(-r));
	ASSERT_TRUE(!kvm_luo_check(&c, 0, 4096, 0, 0), "punched page");
	ASSERT_TRUE(!kvm_luo_check(&c, 4096, KVM_PAT_SIZE - 4096, seed, ~0u),
		    "pattern after unpreserve");
	ASSERT_TRUE(!kvm_luo_check(&c, KVM_PAT_SIZE, KVM_PRIV_SIZE - KVM_PAT_SIZE,
				   0, 0), "holes after unpreserve");

	/* And it can be preserved again. */
	s = liveupdate_create_session(luo, "frozen");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	ASSERT_TRUE(!liveupdate_preserve_fd(s, c.gmem, 1), "preserve again");
	ASSERT_ERRNO(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, 0, 4096), EPERM);
	close(s);
	kvm_luo_close(&c);
	close(luo);
	return LUO_PASS;
}
