/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_luo_util.h - a tiny VMM for the KVM live update tests.
 *
 * The guest is a KVM_X86_SW_PROTECTED_VM VM running 32-bit flat protected
 * mode code without paging (segments set with KVM_SET_SREGS). Its code
 * sits in an anonymous (shared) slot at GPA 0: without NRIPS or decode
 * assists (QEMU's SVM under TCG), KVM emulates OUT and HLT by fetching
 * them through the host mapping, so code must not be in private memory.
 * Its data is a guest_memfd slot at KVM_GPA, of KVM_GMEM_SIZE bytes, with
 * an anonymous "shadow" mapping as its shared part; the first
 * KVM_PRIV_SIZE bytes are private (KVM_SET_MEMORY_ATTRIBUTES).
 *
 * Layout of the guest_memfd range:
 *   [0, KVM_PAT_SIZE)              private, written with the pattern
 *   [KVM_PAT_SIZE, KVM_PRIV_SIZE)  private, never written: reads zero
 *   [KVM_PRIV_SIZE, KVM_GMEM_SIZE) shared (shadow), written in stage 1;
 *                                  after the kexec the shadow is new: zero
 *
 * Two programs: "fill" writes dword (address ^ seed) at every dword of
 * [edi, edi + 4 * ecx) with seed in edx; "check" compares every dword with
 * (address ^ edx) & ebp (ebp = 0: zeroes) and reports through an I/O exit:
 * port KVM_PORT_OK, or KVM_PORT_BAD with the failing address in edi.
 * Every KVM_RUN is guarded by alarm().
 *
 * The shared variant (kvm_luo_make_shared_guest()) is a default VM whose
 * guest_memfd is created GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED
 * and mmap()ed: that mapping (@shadow) is the slot's userspace_addr, so
 * the host and the guest see the same pages. Layout:
 *   [0, KVM_PAT_SIZE)                  written by the vCPU
 *   [KVM_PAT_SIZE, KVM_PRIV_SIZE)      never touched: a hole, reads zero
 *   [KVM_PRIV_SIZE, KVM_HOST_END)      written by the host
 *   [KVM_HOST_END, KVM_GMEM_SIZE)      never touched
 */
#ifndef KVM_LUO_UTIL_H
#define KVM_LUO_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "luo_test.h"

#define KVM_GPA		0x1000000ULL	/* 16 MiB */
#define KVM_GMEM_SIZE	(1 << 20)
#define KVM_PRIV_SIZE	(768 << 10)
#define KVM_PAT_SIZE	(512 << 10)
#define KVM_CODE_SIZE	(64 << 10)
#define KVM_CODE_GPA	0x1000
#define KVM_PORT_OK	0x10
#define KVM_PORT_BAD	0x11
#define KVM_RUN_SECS	30
#define KVM_HOST_END	(KVM_PRIV_SIZE + (64 << 10))
#define KVM_SHARED_FLAGS	(GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)

#define KVM_PROG_FILL	0x00
#define KVM_PROG_CHECK	0x10

static const uint8_t kvm_luo_code[] = {
	/* 0x00 fill: */
	0x89, 0xf8,		/* mov eax, edi */
	0x31, 0xd0,		/* xor eax, edx */
	0x89, 0x07,		/* mov [edi], eax */
	0x83, 0xc7, 0x04,	/* add edi, 4 */
	0x49,			/* dec ecx */
	0x75, 0xf4,		/* jnz 0x00 */
	0xe6, KVM_PORT_OK,	/* out KVM_PORT_OK, al */
	0xf4,			/* hlt */
	0x90,
	/* 0x10 check: */
	0x89, 0xf8,		/* mov eax, edi */
	0x31, 0xd0,		/* xor eax, edx */
	0x21, 0xe8,		/* and eax, ebp */
	0x39, 0x07,		/* cmp [edi], eax */
	0x75, 0x0b,		/* jne 0x25 */
	0x83, 0xc7, 0x04,	/* add edi, 4 */
	0x49,			/* dec ecx */
	0x75, 0xf0,		/* jnz 0x10 */
	0xe6, KVM_PORT_OK,	/* out KVM_PORT_OK, al */
	0xf4,			/* hlt */
	0x90, 0x90,
	/* 0x25 bad: */
	0xe6, KVM_PORT_BAD,	/* out KVM_PORT_BAD, al */
	0xf4,			/* hlt */
};

struct kvm_vm_ctx {
	int kvm;		/* /dev/kvm */
	int vm;
	int gmem;
	int vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *code;		/* slot 0 */
	uint8_t *shadow;	/* shared part of slot 1 */
};

static inline void kvm_luo_alarm(int sig)
{
	(void)sig;
}

static inline int kvm_luo_open(struct kvm_vm_ctx *c)
{
	int types;

	memset(c, 0, sizeof(*c));
	c->vm = c->gmem = c->vcpu = -1;
	c->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (c->kvm < 0)
		return -errno;
	types = ioctl(c->kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (types < 0 || !(types & (1 << KVM_X86_SW_PROTECTED_VM)))
		return -EOPNOTSUPP;
	signal(SIGALRM, kvm_luo_alarm);
	return 0;
}

static inline int kvm_luo_create_vm(struct kvm_vm_ctx *c)
{
	c->vm = ioctl(c->kvm, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	return c->vm < 0 ? -errno : 0;
}

static inline int kvm_luo_create_gmem(struct kvm_vm_ctx *c)
{
	struct kvm_create_guest_memfd g = { .size = KVM_GMEM_SIZE };

	c->gmem = ioctl(c->vm, KVM_CREATE_GUEST_MEMFD, &g);
	return c->gmem < 0 ? -errno : 0;
}

static inline int kvm_luo_set_private(int vm, uint64_t off, uint64_t size, bool priv)
{
	struct kvm_memory_attributes a = {
		.address = KVM_GPA + off,
		.size = size,
		.attributes = priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	return ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a) ? -errno : 0;
}

/* Memslots (code, then gmem + shadow) and one vCPU in flat 32-bit mode. */
static inline int kvm_luo_setup(struct kvm_vm_ctx *c)
{
	struct kvm_userspace_memory_region2 r = { 0 };
	struct kvm_sregs sregs;
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	int sz;

	c->code = mmap(NULL, KVM_CODE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* A shared guest_memfd is its own shadow: see kvm_luo_map_gmem(). */
	if (!c->shadow)
		c->shadow = mmap(NULL, KVM_GMEM_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->code == MAP_FAILED || c->shadow == MAP_FAILED)
		return -ENOMEM;
	memcpy(c->code + KVM_CODE_GPA, kvm_luo_code, sizeof(kvm_luo_code));

	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = KVM_CODE_SIZE;
	r.userspace_addr = (uintptr_t)c->code;
	if (ioctl(c->vm, KVM_SET_USER_MEMORY_REGION2, &r))
		return -errno;
	r.slot = 1;
	r.flags = KVM_MEM_GUEST_MEMFD;
	r.guest_phys_addr = KVM_GPA;
	r.memory_size = KVM_GMEM_SIZE;
	r.userspace_addr = (uintptr_t)c->shadow;
	r.guest_memfd = c->gmem;
	r.guest_memfd_offset = 0;
	if (ioctl(c->vm, KVM_SET_USER_MEMORY_REGION2, &r))
		return -errno;

	c->vcpu = ioctl(c->vm, KVM_CREATE_VCPU, 0);
	if (c->vcpu < 0)
		return -errno;
	sz = ioctl(c->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return -EINVAL;
	c->run_size = sz;
	c->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu, 0);
	if (c->run == MAP_FAILED)
		return -errno;

	if (ioctl(c->vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cr0 |= 1;		/* PE, no paging */
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
	seg.type = 11;
	seg.selector = 0x08;
	sregs.cs = seg;
	if (ioctl(c->vcpu, KVM_SET_SREGS, &sregs))
		return -errno;
	return 0;
}

/*
 * Run program @prog over [KVM_GPA + @off, + @len) with @seed (@mask: all
 * ones for the pattern, 0 for zeroes). Returns 0 when it reports success,
 * 1 with *@bad_off set when "check" found a wrong dword, or -errno.
 */
static inline int kvm_luo_run(struct kvm_vm_ctx *c, int prog, uint64_t off,
		       uint64_t len, uint32_t seed, uint32_t mask,
		       uint64_t *bad_off)
{
	struct kvm_regs regs = { 0 };
	int port, r;

	regs.rip = KVM_CODE_GPA + prog;
	regs.rflags = 2;
	regs.rdi = KVM_GPA + off;
	regs.rcx = len / 4;
	regs.rdx = seed;
	regs.rbp = mask;
	if (ioctl(c->vcpu, KVM_SET_REGS, &regs))
		return -errno;

	alarm(KVM_RUN_SECS);
	r = ioctl(c->vcpu, KVM_RUN, 0);
	alarm(0);
	if (r)
		return -errno;
	if (c->run->exit_reason != KVM_EXIT_IO) {
		luo_info("vCPU exit %u (memory fault gpa %#llx)",
			 c->run->exit_reason,
			 (unsigned long long)c->run->memory_fault.gpa);
		return -EIO;
	}
	port = c->run->io.port;

	/* Complete the OUT and stop at the HLT after it. */
	alarm(KVM_RUN_SECS);
	r = ioctl(c->vcpu, KVM_RUN, 0);
	alarm(0);
	if (r)
		return -errno;
	if (c->run->exit_reason != KVM_EXIT_HLT)
		return -EIO;

	if (port == KVM_PORT_OK)
		return 0;
	if (ioctl(c->vcpu, KVM_GET_REGS, &regs))
		return -errno;
	*bad_off = (uint32_t)regs.rdi - KVM_GPA;
	return 1;
}

/* Check [off, off + len): the pattern of @seed, or zeroes (@mask 0). */
static inline int kvm_luo_check(struct kvm_vm_ctx *c, uint64_t off, uint64_t len,
			 uint32_t seed, uint32_t mask)
{
	uint64_t bad = 0;
	int r = kvm_luo_run(c, KVM_PROG_CHECK, off, len, seed, mask, &bad);

	if (r == 1)
		luo_info("guest reads a wrong dword at gmem offset %#llx",
			 (unsigned long long)bad);
	else if (r < 0)
		luo_info("guest check of [%#llx, +%#llx): %s",
			 (unsigned long long)off, (unsigned long long)len,
			 strerror(-r));
	return r;
}

/*
 * A VM with its guest_memfd, the first KVM_PRIV_SIZE private, memslots and
 * a vCPU that has written the pattern of @seed into [0, KVM_PAT_SIZE) and
 * into the shared part. The shadow's private range stays zero: the guest's
 * writes went to the guest_memfd.
 */
static inline int kvm_luo_make_guest(struct kvm_vm_ctx *c, uint32_t seed)
{
	uint64_t bad;
	size_t i;
	int r;

	r = kvm_luo_create_vm(c);
	if (!r)
		r = kvm_luo_create_gmem(c);
	if (!r)
		r = kvm_luo_set_private(c->vm, 0, KVM_PRIV_SIZE, true);
	if (!r)
		r = kvm_luo_setup(c);
	if (!r)
		r = kvm_luo_run(c, KVM_PROG_FILL, 0, KVM_PAT_SIZE, seed, ~0u,
				&bad);
	if (!r)
		r = kvm_luo_run(c, KVM_PROG_FILL, KVM_PRIV_SIZE,
				KVM_GMEM_SIZE - KVM_PRIV_SIZE, seed, ~0u, &bad);
	if (!r)
		r = kvm_luo_check(c, 0, KVM_PAT_SIZE, seed, ~0u);
	if (r)
		return r < 0 ? r : -EIO;
	for (i = 0; i < KVM_PRIV_SIZE; i++)
		if (c->shadow[i]) {
			luo_info("private write landed in the shadow at %#zx",
				 i);
			return -EIO;
		}
	return 0;
}

/* Memslots and a vCPU for a retrieved VM and guest_memfd. */
static inline int kvm_luo_attach(struct kvm_vm_ctx *c, int vm, int gmem)
{
	c->vm = vm;
	c->gmem = gmem;
	return kvm_luo_setup(c);
}

/*
 * What the guest of @seed must see after the kexec: its pattern, zeroes
 * in the unwritten private range and in the (new) shared part.
 */
static inline int kvm_luo_verify_guest(struct kvm_vm_ctx *c, uint32_t seed)
{
	if (kvm_luo_check(c, 0, KVM_PAT_SIZE, seed, ~0u))
		return -EIO;
	if (kvm_luo_check(c, KVM_PAT_SIZE, KVM_PRIV_SIZE - KVM_PAT_SIZE, 0, 0))
		return -EIO;
	if (kvm_luo_check(c, KVM_PRIV_SIZE, KVM_GMEM_SIZE - KVM_PRIV_SIZE, 0, 0))
		return -EIO;
	return 0;
}

/* The host's mapping of a shared guest_memfd, used as the slot's shadow. */
static inline int kvm_luo_map_gmem(struct kvm_vm_ctx *c)
{
	void *p = mmap(NULL, KVM_GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c->gmem, 0);

	if (p == MAP_FAILED)
		return -errno;
	c->shadow = p;
	return 0;
}

/* The dword the pattern of @seed has at guest_memfd offset @off. */
static inline uint32_t kvm_luo_pat(uint64_t off, uint32_t seed)
{
	return (uint32_t)(KVM_GPA + off) ^ seed;
}

/*
 * The host's view through the mapping: the pattern of @seed in [off,
 * off + len) (@mask ~0u), or zeroes (@mask 0). Returns 0 or -EIO.
 */
static inline int kvm_luo_host_check(struct kvm_vm_ctx *c, uint64_t off,
				     uint64_t len, uint32_t seed, uint32_t mask)
{
	const uint32_t *p = (const uint32_t *)(c->shadow + off);
	uint64_t i;

	for (i = 0; i < len / 4; i++)
		if (p[i] != (kvm_luo_pat(off + 4 * i, seed) & mask)) {
			luo_info("host reads %#x at gmem offset %#llx", p[i],
				 (unsigned long long)(off + 4 * i));
			return -EIO;
		}
	return 0;
}

static inline void kvm_luo_host_fill(struct kvm_vm_ctx *c, uint64_t off,
				     uint64_t len, uint32_t seed)
{
	uint32_t *p = (uint32_t *)(c->shadow + off);
	uint64_t i;

	for (i = 0; i < len / 4; i++)
		p[i] = kvm_luo_pat(off + 4 * i, seed);
}

/*
 * A default VM with a shared, mmap-able guest_memfd (the layout at the
 * top): the vCPU writes the pattern of @seed into [0, KVM_PAT_SIZE), the
 * host into [KVM_PRIV_SIZE, KVM_HOST_END), and each reads the other's.
 */
static inline int kvm_luo_make_shared_guest(struct kvm_vm_ctx *c,
					    uint32_t seed)
{
	struct kvm_create_guest_memfd g = {
		.size = KVM_GMEM_SIZE,
		.flags = KVM_SHARED_FLAGS,
	};
	uint64_t bad;
	int r;

	c->vm = ioctl(c->kvm, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	if (c->vm < 0)
		return -errno;
	c->gmem = ioctl(c->vm, KVM_CREATE_GUEST_MEMFD, &g);
	if (c->gmem < 0)
		return -errno;
	r = kvm_luo_map_gmem(c);
	if (!r)
		r = kvm_luo_setup(c);
	if (!r)
		r = kvm_luo_run(c, KVM_PROG_FILL, 0, KVM_PAT_SIZE, seed, ~0u,
				&bad);
	if (r)
		return r < 0 ? r : -EIO;
	kvm_luo_host_fill(c, KVM_PRIV_SIZE, KVM_HOST_END - KVM_PRIV_SIZE, seed);
	if (kvm_luo_host_check(c, 0, KVM_PAT_SIZE, seed, ~0u) ||
	    kvm_luo_check(c, KVM_PRIV_SIZE, KVM_HOST_END - KVM_PRIV_SIZE,
			  seed, ~0u))
		return -EIO;
	return 0;
}

/*
 * Both views of a shared guest_memfd: the pattern of @seed in [0, @pat)
 * and [KVM_PRIV_SIZE, @host_end), zeroes elsewhere. The guest only looks
 * when @guest (it needs memslots and a vCPU).
 */
static inline int kvm_luo_verify_shared(struct kvm_vm_ctx *c, uint32_t seed,
					uint64_t pat, uint64_t host_end,
					bool guest)
{
	const struct { uint64_t off, end; uint32_t mask; } r[] = {
		{ 0, pat, ~0u },
		{ pat, KVM_PRIV_SIZE, 0 },
		{ KVM_PRIV_SIZE, host_end, ~0u },
		{ host_end, KVM_GMEM_SIZE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (kvm_luo_host_check(c, r[i].off, r[i].end - r[i].off, seed,
				       r[i].mask))
			return -EIO;
		if (guest && kvm_luo_check(c, r[i].off, r[i].end - r[i].off,
					   seed, r[i].mask))
			return -EIO;
	}
	return 0;
}

static inline void kvm_luo_close(struct kvm_vm_ctx *c)
{
	if (c->run && c->run != MAP_FAILED)
		munmap(c->run, c->run_size);
	if (c->code && c->code != MAP_FAILED)
		munmap(c->code, KVM_CODE_SIZE);
	if (c->shadow && c->shadow != MAP_FAILED)
		munmap(c->shadow, KVM_GMEM_SIZE);
	if (c->vcpu >= 0)
		close(c->vcpu);
	if (c->gmem >= 0)
		close(c->gmem);
	if (c->vm >= 0)
		close(c->vm);
	close(c->kvm);
}

#endif /* KVM_LUO_UTIL_H */
