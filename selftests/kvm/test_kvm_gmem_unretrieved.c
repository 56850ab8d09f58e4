// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_unretrieved.c - the memory of a guest_memfd nobody
 * retrieves is given back at FINISH. Stage 1: two VMs, each with a 64 MiB
 * guest_memfd fully allocated and half private, in sessions "none" and
 * "vm-only". Stage 2: "none" is finished without retrieving anything,
 * "vm-only" after retrieving only its VM. Each FINISH has KHO hand back
 * at least the 64 MiB, every page it hands back is counted in MemTotal
 * and freed, and at the end not one page of the previous kernel is still
 * held (kho/in/pages: restored + in_use == preserved).
 */
#include <fcntl.h>

#include "liveupdate.h"
#include "kho_util.h"
#include "kvm_luo_util.h"

#define BIG		(64ULL << 20)

static const char * const names[] = { "none", "vm-only" };

static enum luo_result stage1(int luo)
{
	struct kvm_create_guest_memfd g = { .size = BIG };
	struct kvm_vm_ctx c[2];
	int i, s, r;

	for (i = 0; i < 2; i++) {
		r = kvm_luo_open(&c[i]);
		ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
		ASSERT_OK(kvm_luo_create_vm(&c[i]));
		c[i].gmem = ioctl(c[i].vm, KVM_CREATE_GUEST_MEMFD, &g);
		ASSERT_OK(c[i].gmem);
		ASSERT_OK(fallocate(c[i].gmem, FALLOC_FL_KEEP_SIZE, 0, BIG));
		r = kvm_luo_set_private(c[i].vm, 0, BIG / 2, true);
		ASSERT_TRUE(!r, "attributes: %s", strerror(-r));
		s = liveupdate_create_session(luo, names[i]);
		ASSERT_TRUE(s >= 0, "create %s: %s", names[i], strerror(-s));
		ASSERT_TRUE(!liveupdate_preserve_fd(s, c[i].gmem, 1), "gmem");
		ASSERT_TRUE(!liveupdate_preserve_fd(s, c[i].vm, 2), "VM");
	}
	return luo_handover();
}

LUO_TEST(kvm_gmem_unretrieved, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: FINISH frees guest_memfd memory nobody retrieved")
{
	struct kho_mem_count before, mid;
	int luo, s, vm, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	ASSERT_OK(kho_mem_count(&before));
	s = liveupdate_retrieve_session(luo, "none");
	ASSERT_TRUE(s >= 0, "retrieve none: %s", strerror(-s));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish none: %s", strerror(-r));
	close(s);
	ASSERT_OK(kho_mem_released("FINISH of none", &before, BIG >> 12, false));

	/* The VM's own pages come back at its retrieve, the rest at FINISH. */
	ASSERT_OK(kho_mem_count(&before));
	s = liveupdate_retrieve_session(luo, "vm-only");
	ASSERT_TRUE(s >= 0, "retrieve vm-only: %s", strerror(-s));
	vm = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));
	ASSERT_OK(kho_mem_count(&mid));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish vm-only: %s", strerror(-r));
	close(s);
	ASSERT_OK(kho_mem_released("FINISH of vm-only", &mid, BIG >> 12, false));
	/* The VM came back with its attributes: setting them is a no-op. */
	r = kvm_luo_set_private(vm, 0, BIG / 2, true);
	ASSERT_TRUE(!r, "attributes of the retrieved VM: %s", strerror(-r));
	close(vm);
	/* Nothing of the previous kernel stays reserved. */
	ASSERT_OK(kho_all_restored());
	close(luo);
	return LUO_PASS;
}
