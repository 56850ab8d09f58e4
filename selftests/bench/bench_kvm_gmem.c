// SPDX-License-Identifier: GPL-2.0
/*
 * bench_kvm_gmem.c - live update of a 1 GiB private guest_memfd (and its
 * SW_PROTECTED VM, all of it private), side by side with a 1 GiB memfd of
 * 4 KiB pages in the same run: PRESERVE_FD of each, RETRIEVE_FD of each
 * (the VM, with its attributes, then the guest_memfd), and the blackout
 * from the reboot syscall to both being retrieved. freeze() of a
 * guest_memfd only looks up its VM's token: the reboot's "files frozen
 * in" log line covers all files.
 */
#include <fcntl.h>

#include "bench_memfd.h"
#include "kvm_luo_util.h"

#define GB	(1ULL << 30)

LUO_TEST(bench_kvm_gmem, .stages = 2, .mem = "4G", .bench = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "bench: 1 GiB guest_memfd vs 1 GiB memfd: preserve, retrieve, blackout")
{
	struct kvm_create_guest_memfd g = { .size = GB };
	struct bench_stamp *stamp, st;
	struct kvm_vm_ctx c;
	uint64_t seed, rt, tsc;
	int luo, s, m, sm, vm, gmem, r;
	double t, tsc_hz;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1) {
		seed = luo_seed();
		ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
		m = luo_memfd_new("bench", GB, seed);
		ASSERT_OK(m);
		r = kvm_luo_open(&c);
		ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
		ASSERT_OK(kvm_luo_create_vm(&c));
		c.gmem = ioctl(c.vm, KVM_CREATE_GUEST_MEMFD, &g);
		ASSERT_OK(c.gmem);
		ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, 0, GB));
		r = kvm_luo_set_private(c.vm, 0, GB, true);
		ASSERT_TRUE(!r, "attributes: %s", strerror(-r));

		sm = memfd_create("stamp", MFD_CLOEXEC);
		ASSERT_OK(sm);
		ASSERT_OK(ftruncate(sm, BM_PG));
		stamp = mmap(NULL, BM_PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			     sm, 0);
		ASSERT_TRUE(stamp != MAP_FAILED, "mmap: %m");
		stamp->tsc = 1;

		s = liveupdate_create_session(luo, "bench");
		ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
		t = luo_now();
		r = liveupdate_preserve_fd(s, m, 1);
		luo_bench("gmem_bench_memfd_1g_preserve_fd", (luo_now() - t) * 1e3, "ms");
		ASSERT_TRUE(!r, "preserve memfd: %s", strerror(-r));
		t = luo_now();
		r = liveupdate_preserve_fd(s, c.gmem, 2);
		luo_bench("gmem_1g_preserve_fd", (luo_now() - t) * 1e3, "ms");
		ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));
		t = luo_now();
		r = liveupdate_preserve_fd(s, c.vm, 3);
		luo_bench("kvm_vm_1g_private_preserve_fd", (luo_now() - t) * 1e3,
			  "ms");
		ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));
		ASSERT_TRUE(!liveupdate_preserve_fd(s, sm, 4), "stamp");

		luo_put("tsc_hz", "%.0f", bm_tsc_hz());
		luo_kexec_hook(bm_stamp, stamp);
		return luo_handover();
	}

	tsc_hz = luo_get_u64("tsc_hz");
	s = liveupdate_retrieve_session(luo, "bench");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	t = luo_now();
	m = liveupdate_retrieve_fd(s, 1);
	luo_bench("gmem_bench_memfd_1g_retrieve_fd", (luo_now() - t) * 1e3, "ms");
	ASSERT_TRUE(m >= 0, "retrieve memfd: %s", strerror(-m));
	t = luo_now();
	vm = liveupdate_retrieve_fd(s, 3);
	luo_bench("kvm_vm_1g_private_retrieve_fd", (luo_now() - t) * 1e3, "ms");
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));
	t = luo_now();
	gmem = liveupdate_retrieve_fd(s, 2);
	luo_bench("gmem_1g_retrieve_fd", (luo_now() - t) * 1e3, "ms");
	ASSERT_TRUE(gmem >= 0, "retrieve guest_memfd: %s", strerror(-gmem));
	rt = bm_realtime_ns();
	tsc = __rdtsc();

	sm = liveupdate_retrieve_fd(s, 4);
	ASSERT_TRUE(sm >= 0, "retrieve stamp: %s", strerror(-sm));
	ASSERT_TRUE(pread(sm, &st, sizeof(st), 0) == sizeof(st), "stamp: %m");
	ASSERT_TRUE(st.realtime_ns, "no stamp written at reboot");
	luo_bench("gmem_memfd_1g_blackout_realtime",
		  ((double)rt - (double)st.realtime_ns) / 1e6, "ms");
	if (tsc > st.tsc && tsc_hz > 0)
		luo_bench("gmem_memfd_1g_blackout_tsc",
			  (tsc - st.tsc) / tsc_hz * 1e3, "ms");
	ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(gmem);
	close(vm);
	close(m);
	close(sm);
	close(s);
	close(luo);
	return LUO_PASS;
}
