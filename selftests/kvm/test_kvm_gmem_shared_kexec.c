// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvm_gmem_shared_kexec.c - a shared, mmap-able guest_memfd
 * (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED, format
 * "guest_memfd_luo_v1") across a kexec. Stage 1: the backported uAPI
 * (KVM_CAP_GUEST_MEMFD_FLAGS, MAP_SHARED only, a memslot must map the
 * file itself); a vCPU of a default VM writes a pattern that the host
 * reads through its mapping, the host writes one the vCPU reads. The
 * guest_memfd is preserved before its VM; while preserved fallocate and
 * punch hole fail with EPERM, a host touch of a hole gets SIGBUS, and the
 * vCPU still writes into a page allocated (fallocate) before PRESERVE_FD.
 * Stage 2: the guest_memfd is retrieved first (which retrieves its VM),
 * then the VM; the host maps it again and finds both patterns and zero
 * ranges before any memslot exists, then a vCPU of the retrieved VM finds
 * the same. After FINISH the guest runs again, punch hole works and the
 * host and the guest see each other's new writes.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <linux/falloc.h>

#include "liveupdate.h"
#include "kvm_luo_util.h"

#define TOK_GMEM	1
#define TOK_VM		2

/* The page allocated before PRESERVE_FD and written by the vCPU after. */
#define LATE_OFF	KVM_HOST_END
#define LATE_END	(KVM_HOST_END + 4096)

/* Does touching @p in a child end in SIGBUS? */
static bool touch_sigbus(volatile uint8_t *p)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		(void)*p;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

/* The backported uAPI, on a throwaway default VM. */
static enum luo_result check_uapi(struct kvm_vm_ctx *c)
{
	struct kvm_create_guest_memfd g = { .size = KVM_GMEM_SIZE };
	struct kvm_userspace_memory_region2 r = {
		.slot = 1, .flags = KVM_MEM_GUEST_MEMFD,
		.guest_phys_addr = KVM_GPA, .memory_size = KVM_GMEM_SIZE,
	};
	int vm, fd, flags;
	void *p, *anon;

	flags = ioctl(c->kvm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS);
	ASSERT_TRUE(flags == KVM_SHARED_FLAGS, "KVM_CAP_GUEST_MEMFD_FLAGS: %d",
		    flags);
	vm = ioctl(c->kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	ASSERT_TRUE(vm >= 0, "default VM: %s", strerror(errno));

	/* Without MMAP: no mapping, and no memslot of a default VM. */
	fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	ASSERT_TRUE(fd >= 0, "guest_memfd: %s", strerror(errno));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p == MAP_FAILED && errno == ENODEV, "mmap without MMAP");
	close(fd);

	g.flags = KVM_SHARED_FLAGS;
	fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	ASSERT_TRUE(fd >= 0, "shared guest_memfd: %s", strerror(errno));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_TRUE(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE mapping");

	/* A memslot whose userspace_addr is not that file is refused. */
	anon = mmap(NULL, KVM_GMEM_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(anon != MAP_FAILED, "anonymous memory");
	r.userspace_addr = (uintptr_t)anon;
	r.guest_memfd = fd;
	ASSERT_ERRNO(ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r), EINVAL);
	munmap(anon, KVM_GMEM_SIZE);
	close(fd);
	close(vm);
	return LUO_PASS;
}

static enum luo_result stage1(int luo)
{
	struct kvm_vm_ctx c;
	uint32_t seed = (uint32_t)luo_seed();
	uint64_t bad;
	int s, r;

	r = kvm_luo_open(&c);
	ASSERT_TRUE(!r, "/dev/kvm: %s", strerror(-r));
	if (check_uapi(&c) != LUO_PASS)
		return LUO_FAIL;
	r = kvm_luo_make_shared_guest(&c, seed);
	ASSERT_TRUE(!r, "guest before the kexec: %s", strerror(-r));
	/* Allocated, not yet touched by anyone. */
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, LATE_OFF, 4096));

	s = liveupdate_create_session(luo, "shared");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, c.gmem, TOK_GMEM);
	ASSERT_TRUE(!r, "preserve guest_memfd: %s", strerror(-r));
	r = liveupdate_preserve_fd(s, c.vm, TOK_VM);
	ASSERT_TRUE(!r, "preserve VM: %s", strerror(-r));

	ASSERT_ERRNO(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE, LATE_END, 4096),
		     EPERM);
	ASSERT_ERRNO(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE |
			       FALLOC_FL_PUNCH_HOLE, 0, 4096), EPERM);
	ASSERT_TRUE(touch_sigbus(c.shadow + KVM_PAT_SIZE),
		    "no SIGBUS touching a hole of a preserved guest_memfd");
	/* The guest still reads what it wrote, and writes the new page. */
	ASSERT_TRUE(!kvm_luo_check(&c, 0, KVM_PAT_SIZE, seed, ~0u),
		    "pattern while preserved");
	r = kvm_luo_run(&c, KVM_PROG_FILL, LATE_OFF, 4096, seed, ~0u, &bad);
	ASSERT_TRUE(!r, "write into the allocated page: %d", r);
	ASSERT_OK(kvm_luo_host_check(&c, LATE_OFF, 4096, seed, ~0u));

	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

LUO_TEST(kvm_gmem_shared_kexec, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: default VM + shared mmap-able guest_memfd, gmem retrieved first")
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
	s = liveupdate_retrieve_session(luo, "shared");
	ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
	gmem = liveupdate_retrieve_fd(s, TOK_GMEM);
	ASSERT_TRUE(gmem >= 0, "retrieve guest_memfd: %s", strerror(-gmem));
	vm = liveupdate_retrieve_fd(s, TOK_VM);
	ASSERT_TRUE(vm >= 0, "retrieve VM: %s", strerror(-vm));

	/* The host first, with no memslot yet; then a vCPU. */
	c.vm = vm;
	c.gmem = gmem;
	r = kvm_luo_map_gmem(&c);
	ASSERT_TRUE(!r, "mmap the retrieved guest_memfd: %s", strerror(-r));
	r = kvm_luo_verify_shared(&c, seed, KVM_PAT_SIZE, LATE_END, false);
	ASSERT_TRUE(!r, "host view after the kexec");
	/* Binding fails unless the guest_memfd belongs to this very VM. */
	r = kvm_luo_setup(&c);
	ASSERT_TRUE(!r, "memslots and vCPU: %s", strerror(-r));
	r = kvm_luo_verify_shared(&c, seed, KVM_PAT_SIZE, LATE_END, true);
	ASSERT_TRUE(!r, "guest view after the kexec");

	r = liveupdate_finish(s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(s);

	/* An ordinary VM from now on. */
	r = kvm_luo_verify_shared(&c, seed, KVM_PAT_SIZE, LATE_END, true);
	ASSERT_TRUE(!r, "both views after FINISH");
	ASSERT_OK(fallocate(c.gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, 4096));
	ASSERT_OK(kvm_luo_host_check(&c, 0, 4096, 0, 0));
	ASSERT_TRUE(!kvm_luo_check(&c, 0, 4096, 0, 0), "punched page reads zero");
	kvm_luo_host_fill(&c, 0, 4096, ~seed);
	ASSERT_TRUE(!kvm_luo_check(&c, 0, 4096, ~seed, ~0u),
		    "guest reads the host's new write");
	r = kvm_luo_run(&c, KVM_PROG_FILL, KVM_PAT_SIZE, 4096, ~seed, ~0u,
			&(uint64_t){ 0 });
	ASSERT_TRUE(!r, "guest write after FINISH: %d", r);
	ASSERT_OK(kvm_luo_host_check(&c, KVM_PAT_SIZE, 4096, ~seed, ~0u));
	kvm_luo_close(&c);
	close(luo);
	return LUO_PASS;
}
