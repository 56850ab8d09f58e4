// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_two_vms_kexec.c - two software-protected VMs, each with its
 * private guest_memfd, in one session across a kexec. All four files share
 * nothing but the session (every VM file has the same anonymous inode: VMs
 * are told apart by their struct kvm). In the next kernel VM A is retrieved
 * before its guest_memfd, B's guest_memfd before its VM; each guest_memfd
 * binds to its own VM only, and each guest finds its own memory. A third,
 * default VM (no guest_memfd, no attributes) comes back as a default VM.
 */
#include "liveupdate.h"
#include "kvm_luo_util.h"

/* Tokens: interleaved, so that neither order nor position pairs them. */
#define TOK_A_VM	10
#define TOK_B_GMEM	11
#define TOK_A_GMEM	12
#define TOK_B_VM	13
#define TOK_DEF_VM	14

static enum luo_result stage1(int luo)
{
	struct kvm_vm_ctx a, b;
	uint32_t seed = (uint32_t)luo_seed();
	int s, r;

	r = kvm_luo_open(&a);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_open(&b);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_make_guest(&a, seed);
	ASSERT_TRUE(!r, "guest A: %s", strerror(-r));
	r = kvm_luo_make_guest(&b, ~seed);
	ASSERT_TRUE(!r, "guest B: %s", strerror(-r));

	s = liveupdate_create_session(luo, "two-vms");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	ASSERT_TRUE(!liveupdate_preserve_fd(s, a.vm, TOK_A_VM), "A VM");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, b.gmem, TOK_B_GMEM), "B gmem");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, a.gmem, TOK_A_GMEM), "A gmem");
	ASSERT_TRUE(!liveupdate_preserve_fd(s, b.vm, TOK_B_VM), "B VM");
	r = ioctl(a.kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	ASSERT_OK(r);
	ASSERT_TRUE(!liveupdate_preserve_fd(s, r, TOK_DEF_VM), "default VM");

	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

LUO_TEST(kvm_two_vms_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: two VMs with guest_memfd in one session, both orders")
{
	struct kvm_vm_ctx a, b;
	struct kvm_userspace_memory_region2 reg = {
		.slot = 5, .flags = KVM_MEM_GUEST_MEMFD,
		.guest_phys_addr = 0x8000000, .memory_size = 4096,
	};
	int luo, s, a_vm, a_gmem, b_vm, b_gmem, def_vm, r;
	uint32_t seed;
	void *page;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	seed = (uint32_t)luo_get_u64("seed");
	r = kvm_luo_open(&a);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_open(&b);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	s = liveupdate_retrieve_session(luo, "two-vms");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	a_vm = liveupdate_retrieve_fd(s, TOK_A_VM);
	ASSERT_TRUE(a_vm >= 0, "A VM: %s", strerror(-a_vm));
	b_gmem = liveupdate_retrieve_fd(s, TOK_B_GMEM);
	ASSERT_TRUE(b_gmem >= 0, "B gmem: %s", strerror(-b_gmem));
	a_gmem = liveupdate_retrieve_fd(s, TOK_A_GMEM);
	ASSERT_TRUE(a_gmem >= 0, "A gmem: %s", strerror(-a_gmem));
	b_vm = liveupdate_retrieve_fd(s, TOK_B_VM);
	ASSERT_TRUE(b_vm >= 0, "B VM: %s", strerror(-b_vm));

	/* The VM types: only SW_PROTECTED VMs have private memory. */
	def_vm = liveupdate_retrieve_fd(s, TOK_DEF_VM);
	ASSERT_TRUE(def_vm >= 0, "default VM: %s", strerror(-def_vm));
	ASSERT_TRUE(ioctl(def_vm, KVM_CHECK_EXTENSION,
			  KVM_CAP_MEMORY_ATTRIBUTES) == 0, "default VM type");
	ASSERT_TRUE(ioctl(a_vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES) ==
		    KVM_MEMORY_ATTRIBUTE_PRIVATE, "VM A type");
	close(def_vm);

	/* A guest_memfd binds to its own VM only. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(page != MAP_FAILED, "mmap: %m");
	reg.userspace_addr = (uintptr_t)page;
	reg.guest_memfd = b_gmem;
	ASSERT_ERRNO(ioctl(a_vm, KVM_SET_USER_MEMORY_REGION2, &reg), EINVAL);
	reg.guest_memfd = a_gmem;
	ASSERT_ERRNO(ioctl(b_vm, KVM_SET_USER_MEMORY_REGION2, &reg), EINVAL);
	/* The same slot with the right guest_memfd is fine. */
	reg.guest_memfd = b_gmem;
	ASSERT_OK(ioctl(b_vm, KVM_SET_USER_MEMORY_REGION2, &reg));
	reg.memory_size = 0;
	ASSERT_OK(ioctl(b_vm, KVM_SET_USER_MEMORY_REGION2, &reg));

	r = kvm_luo_attach(&a, a_vm, a_gmem);
	ASSERT_TRUE(!r, "A memslots and vCPU: %s", strerror(-r));
	r = kvm_luo_attach(&b, b_vm, b_gmem);
	ASSERT_TRUE(!r, "B memslots and vCPU: %s", strerror(-r));
	ASSERT_TRUE(!kvm_luo_verify_guest(&a, seed), "guest A");
	ASSERT_TRUE(!kvm_luo_verify_guest(&b, ~seed), "guest B");

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	ASSERT_TRUE(!kvm_luo_verify_guest(&a, seed), "guest A after FINISH");
	kvm_luo_close(&a);
	kvm_luo_close(&b);
	close(luo);
	return LUO_PASS;
}
