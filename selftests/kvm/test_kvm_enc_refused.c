// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_enc_refused.c - a VM whose memory is or may be encrypted is
 * never preserved as a plain VM, and a preserved VM cannot be turned into
 * one.
 *
 * A legacy SEV or SEV-ES VM is a default VM (type 0) on which the VMM
 * issued KVM_MEMORY_ENCRYPT_OP (KVM_SEV_INIT, KVM_SEV_ES_INIT); an SEV
 * mirror is one that took KVM_CAP_VM_COPY_ENC_CONTEXT_FROM. Their memory
 * is ciphertext under keys the firmware holds: handed over as a plain VM
 * it would come back unencrypted over ciphertext. So:
 *
 *   - a default VM that had KVM_MEMORY_ENCRYPT_OP issued is refused at
 *     PRESERVE_FD (EOPNOTSUPP, one log line), whether or not the command
 *     succeeded (under TCG there is no SEV: it fails, and the VMM's intent
 *     is what counts);
 *   - so is one that had KVM_ENABLE_CAP(KVM_CAP_VM_COPY_ENC_CONTEXT_FROM);
 *   - a preserved VM refuses KVM_MEMORY_ENCRYPT_OP and that capability
 *     (EBUSY), and takes them again once the session is closed.
 *
 * SEV itself cannot run here (QEMU TCG has no SEV firmware); the refusal
 * does not depend on the command's outcome, so what is tested is the
 * path an SEV VM takes.
 */
#include "liveupdate.h"
#include "kvm_luo_util.h"

static int enc_op(int vm, unsigned int id)
{
	struct kvm_sev_cmd cmd = { .id = id };

	return ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd) ? -errno : 0;
}

static int copy_enc(int vm, int src)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_VM_COPY_ENC_CONTEXT_FROM,
		.args = { src },
	};

	return ioctl(vm, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

LUO_TEST(kvm_enc_refused, .cmdline = "kho=on liveupdate=on",
	 .desc = "KVM: VMs with memory encryption requested are not preserved; a preserved VM refuses it",
	 .expect_log = LUO_LOG("kvm_luo: session 'enc' token 1: the VM asked for memory encryption (SEV), cannot be preserved",
			       "kvm_luo: session 'enc' token 2: the VM asked for memory encryption (SEV), cannot be preserved"))
{
	int kvm, sev, mirror, plain, luo, s, r;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(kvm >= 0, "/dev/kvm: %m");
	sev = ioctl(kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	mirror = ioctl(kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	plain = ioctl(kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	ASSERT_TRUE(sev >= 0 && mirror >= 0 && plain >= 0, "KVM_CREATE_VM: %m");

	r = enc_op(sev, KVM_SEV_INIT);
	luo_info("KVM_SEV_INIT on a default VM: %s", r ? strerror(-r) : "done");
	r = copy_enc(mirror, sev);
	luo_info("KVM_CAP_VM_COPY_ENC_CONTEXT_FROM: %s", r ? strerror(-r) : "done");

	s = luo_session_new("enc", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, sev, 1);
	ASSERT_TRUE(r == -EOPNOTSUPP, "preserve a VM after KVM_SEV_INIT: %s",
		    r ? strerror(-r) : "preserved");
	r = liveupdate_preserve_fd(s, mirror, 2);
	ASSERT_TRUE(r == -EOPNOTSUPP, "preserve a mirror VM: %s",
		    r ? strerror(-r) : "preserved");

	r = liveupdate_preserve_fd(s, plain, 3);
	ASSERT_TRUE(!r, "preserve a plain VM: %s", strerror(-r));
	r = enc_op(plain, KVM_SEV_INIT);
	ASSERT_TRUE(r == -EBUSY, "KVM_SEV_INIT on a preserved VM: %s",
		    r ? strerror(-r) : "done");
	r = copy_enc(plain, sev);
	ASSERT_TRUE(r == -EBUSY, "KVM_CAP_VM_COPY_ENC_CONTEXT_FROM on a preserved VM: %s",
		    r ? strerror(-r) : "done");

	/* Unpreserved: the VM is the VMM's again. */
	ASSERT_OK(close(s));
	r = enc_op(plain, KVM_SEV_INIT);
	ASSERT_TRUE(r != -EBUSY, "KVM_SEV_INIT after the session closed: EBUSY");
	close(sev);
	close(mirror);
	close(plain);
	close(luo);
	close(kvm);
	return LUO_PASS;
}
