// SPDX-License-Identifier: GPL-2.0
/*
 * test_host_vm_update.c - a real host keeps a running VM across two live
 * updates: Debian bookworm with systemd as PID 1, our distribution-like
 * kernel installed from its Debian package, the luo-bpf agent as a systemd
 * service loading the VM-RAM BPF handler at boot, and QEMU 10 running a
 * guest (KVM on the nested SVM of -cpu max) whose RAM is a preserved memfd.
 *
 * The stages run in that host, not in this initramfs: scripts/mkhost.sh
 * builds its disk, run-tests.sh boots it for a test whose kernel is "host",
 * and selftests/host/host-test.sh (a systemd service there) is the test:
 *   1. the VM counts; "luo-bpf update" hands the reboot to systemd, whose
 *      shutdown saves the VM (luo-qemu: QMP stop, cpr-reboot state);
 *   2. systemd boots, the agent retrieves, QEMU resumes the VM on the same
 *      RAM: the counter goes on, the checksum is the same, the guest never
 *      booted again; then kexec-tools loads the kernel and "systemctl kexec";
 *   3. the same checks again; then QEMU is killed: luo-qemu reports the VM
 *      lost and the agent releases its memory (no session left, Shmem back,
 *      nothing outgoing); "luo-bpf update" once more;
 *   4. nothing of the killed VM came over; its unit started a new one.
 * This entry gives the runner the test's stages and the kernel lines it
 * expects; its body only says where the test lives.
 */
#include <stdio.h>

#include "luo_test.h"

LUO_TEST(host_vm_update, .stages = 4, .kernel = "host", .mem = "3G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "Debian host (systemd, QEMU 10): a running VM across luo-bpf update and systemctl kexec",
	 .expect_log = LUO_LOG("liveupdate: live update #1: files frozen in * us, sessions serialized in * us",
			       "liveupdate: live update #2: files frozen in * us, sessions serialized in * us",
			       "liveupdate: live update #3: files frozen in * us, sessions serialized in * us"))
{
	fprintf(stderr, "host_vm_update runs in the Debian host (run-tests.sh --host), not in the test initramfs\n");
	return LUO_FAIL;
}
