// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_shared_vm_first.c - a shared, mmap-able guest_memfd and
 * its default VM across a kexec, the other way round from
 * kvm_gmem_shared_kexec: the VM is preserved first and retrieved first,
 * then the guest_memfd, which must bind to that same VM (a memslot of a
 * default VM takes only a guest_memfd of its own VM, mapped at the slot's
 * address). The host and a vCPU of the retrieved VM find the patterns
 * each wrote before the kexec and zeroes elsewhere, before and after
 * FINISH.
 */
#include "liveupdate.h"
#include "kvm_luo_util.h"

#define TOK_VM		3
#define TOK_GMEM	4

static enum luo_result stage1(int luo)
{
	struct kvm_vm_ctx c;
	uint32_t seed = (uint32_t)luo_seed();
	int s, r;

	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_make_shared_guest(&c, seed);
	ASSERT_TRUE(!r, "guest before the kexec: %s", strerror(-r));

	s = liveupdate_create_session(luo, "vm-first");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, c.vm, TOK_VM);
	ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, c.gmem, TOK_GMEM);
	ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));

	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

LUO_TEST(kvm_gmem_shared_vm_first, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: default VM + shared guest_memfd, VM retrieved first")
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
	s = liveupdate_retrieve_session(luo, "vm-first");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	vm = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));
	gmem = liveupdate_retrieve_fd(s, TOK_GMEM);
	ASSERT_TRUE(gmem >= 0, "retrieve guest_memfd: %s", strerror(-gmem));

	c.vm = vm;
	c.gmem = gmem;
	r = kvm_luo_map_gmem(&c);
	ASSERT_TRUE(!r, "mmap the retrieved guest_memfd: %s", strerror(-r));
	r = kvm_luo_setup(&c);
	ASSERT_TRUE(!r, "memslots and vCPU: %s", strerror(-r));
	r = kvm_luo_verify_shared(&c, seed, KVM_PAT_SIZE, KVM_HOST_END, true);
	ASSERT_TRUE(!r, "host and guest view after the kexec");

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	r = kvm_luo_verify_shared(&c, seed, KVM_PAT_SIZE, KVM_HOST_END, true);
	ASSERT_TRUE(!r, "host and guest view after FINISH");
	kvm_luo_close(&c);
	close(luo);
	return LUO_PASS;
}
