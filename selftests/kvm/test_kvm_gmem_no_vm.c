// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_no_vm.c - a guest_memfd cannot cross a kexec without its
 * VM in the same session. With the VM not preserved, and then preserved
 * in another session, the reboot fails with ENOENT and a log line naming
 * the guest_memfd, and every session stays usable. Once the VM is in the
 * guest_memfd's session the kexec goes through, and in the next kernel
 * the VM is retrieved first and the guest finds its memory.
 */
#include "liveupdate.h"
#include "kvm_luo_util.h"

#define TOK_GMEM	7
#define TOK_VM		9

static enum luo_result stage1(int luo)
{
	struct kvm_vm_ctx c;
	uint32_t seed = (uint32_t)luo_seed();
	int s, other, r;

	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = kvm_luo_make_guest(&c, seed);
	ASSERT_TRUE(!r, "guest: %s", strerror(-r));

	s = liveupdate_create_session(luo, "gmem");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, c.gmem, TOK_GMEM);
	ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));

	luo_put("try", "1");
	r = luo_kexec(NULL);
	ASSERT_TRUE(r == -ENOENT, "kexec without the VM: %d", r);
	ASSERT_TRUE(luo_kmsg_contains("session 'gmem' token 7: the guest_memfd's VM is not preserved in the same session"),
		    "no log line for the missing VM");

	other = liveupdate_create_session(luo, "other");
	ASSERT_TRUE(other >= 0, "create: %s", strerror(-other));
	r = liveupdate_preserve_fd(other, c.vm, TOK_VM);
	ASSERT_TRUE(!r, "preserve VM elsewhere: %s", strerror(-r));
	luo_put("try", "2");
	r = luo_kexec(NULL);
	ASSERT_TRUE(r == -ENOENT, "kexec with the VM in another session: %d", r);

	/* Still usable: the guest runs, the VM moves to the right session. */
	ASSERT_TRUE(!kvm_luo_check(&c, 0, KVM_PAT_SIZE, seed, ~0u),
		    "guest after the refused kexecs");
	close(other);
	r = liveupdate_preserve_fd(s, c.vm, TOK_VM);
	ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));

	luo_put("try", "3");
	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

LUO_TEST(kvm_gmem_no_vm, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: guest_memfd without its VM refuses the kexec; VM retrieved first",
	 .expect_log = LUO_LOG("liveupdate: session 'gmem' token 7: freeze failed (-2), reboot aborted",
			       "guest_memfd_luo: session 'gmem' token 7: the guest_memfd's VM is not preserved in the same session"))
{
	struct kvm_vm_ctx c;
	uint32_t seed;
	int luo, s, vm, gmem, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	ASSERT_TRUE(luo_get_u64("try") == 3, "kexec went through on try %s",
		    luo_get("try"));
	seed = (uint32_t)luo_get_u64("seed");
	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	r = liveupdate_retrieve_session(luo, "other");
	ASSERT_TRUE(r == -ENOENT, "closed session came back: %d", r);
	s = liveupdate_retrieve_session(luo, "gmem");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	vm = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));
	gmem = liveupdate_retrieve_fd(s, TOK_GMEM);
	ASSERT_TRUE(gmem >= 0, "retrieve guest_memfd: %s", strerror(-gmem));
	r = kvm_luo_attach(&c, vm, gmem);
	ASSERT_TRUE(!r, "memslots and vCPU: %s", strerror(-r));
	r = kvm_luo_verify_guest(&c, seed);
	ASSERT_TRUE(!r, "guest memory after the kexec");
	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);
	kvm_luo_close(&c);
	close(luo);
	return LUO_PASS;
}
