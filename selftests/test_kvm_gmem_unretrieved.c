// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_unretrieved.c - the memory of a guest_memfd nobody
 * retrieves is given back at FINISH. Stage 1: two VMs, each with a 64 MiB
 * guest_memfd fully allocated and half private, in sessions "none" and
 * "vm-only". Stage 2: "none" is finished without retrieving anything,
 * "vm-only" after retrieving only its VM; each FINISH frees the 64 MiB.
 */
#include <fcntl.h>

#include "liveupdate.h"
#include "kvm_luo_util.h"

#define BIG		(64ULL << 20)
#define BIG_KB		((long long)(BIG >> 10))

static const char * const names[] = { "none", "vm-only" };

/* Wait (up to 5 s) for free memory to exceed @base by most of BIG. */
static long long wait_free_above(long long base)
{
	long long now = 0;
	int i;

	for (i = 0; i < 50; i++) {
		now = luo_free_kb();
		if (now - base >= BIG_KB * 3 / 4)
			break;
		usleep(100000);
	}
	return now;
}

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
	long long free0, free1, free2;
	int luo, s, vm, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	free0 = luo_free_kb();
	s = liveupdate_retrieve_session(luo, "none");
	ASSERT_TRUE(s >= 0, "retrieve none: %s", strerror(-s));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish none: %s", strerror(-r));
	close(s);
	free1 = wait_free_above(free0);
	ASSERT_TRUE(free1 - free0 >= BIG_KB * 3 / 4,
		    "FINISH of none released %lld kB of %lld", free1 - free0,
		    BIG_KB);

	s = liveupdate_retrieve_session(luo, "vm-only");
	ASSERT_TRUE(s >= 0, "retrieve vm-only: %s", strerror(-s));
	vm = liveupdate_retrieve_fd(s, 2);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish vm-only: %s", strerror(-r));
	close(s);
	free2 = wait_free_above(free1);
	ASSERT_TRUE(free2 - free1 >= BIG_KB * 3 / 4,
		    "FINISH of vm-only released %lld kB of %lld", free2 - free1,
		    BIG_KB);
	/* The VM came back with its attributes: setting them is a no-op. */
	r = kvm_luo_set_private(vm, 0, BIG / 2, true);
	ASSERT_TRUE(!r, "attributes of the retrieved VM: %s", strerror(-r));
	close(vm);
	close(luo);
	return LUO_PASS;
}
