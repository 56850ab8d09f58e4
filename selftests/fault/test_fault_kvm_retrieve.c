// SPDX-License-Identifier: GPL-2.0
/*
 * test_fault_kvm_retrieve.c - RETRIEVE_FD of a guest_memfd after a kexec
 * with one of its memory allocations failing, the VM's among them: the
 * guest_memfd's retrieve retrieves its VM first, so the failure may hit
 * the new VM, its attributes, the new guest_memfd or its page cache.
 *
 * Stage 1 preserves NR_PAIRS VMs, each with one guest_memfd, of two kinds:
 * default VMs with a shared guest_memfd the host fills through mmap() (the
 * bytes can be checked), and software-protected VMs with private
 * attributes over a private guest_memfd (their memory attributes cross as
 * runs). In stage 2, for each kind and for failslab then fail_page_alloc,
 * one retrieve measures how many allocations a retrieve makes (A) and how
 * many pages it claims from KHO; then, for N spread over 1..A (every N up
 * to 16, then a stride), the Nth allocation of RETRIEVE_FD of the next
 * pair's guest_memfd fails:
 *
 *   - the ioctl fails with ENOMEM and nothing is lost: the retry, with
 *     allocations working again, gives the guest_memfd (every byte of a
 *     shared one), its VM is the file RETRIEVE_FD of the VM's token gives,
 *     and the failed try and the retry together claim from KHO exactly
 *     the pages of one pair, never a page twice
 *   - a retrieve that absorbs the failure gives the data too
 *
 * Last, one pair is left kept by a failed try and never retried, and the
 * rest never retrieved: FINISH frees them all (KHO's incoming pages are
 * then all claimed but a few of LUO's own) and kmemleak finds nothing.
 */
#include <linux/falloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "fault_inject.h"
#include "kho_util.h"
#include "kvm_luo_util.h"
#include "liveupdate.h"

#define NR_KIND		96	/* pairs of each kind */
#define NR_PAIRS	(2 * NR_KIND)
#define GMEM_SIZE	(256 << 10)
#define PRIV_SIZE	(128 << 10)
#define EXACT_UP_TO	16	/* every N up to this one, then a stride */
#define MAX_TRIES	40	/* failing tries per kind and mode */

enum kind { SHARED, PRIVATE };

static const char *const kind_name[] = { "shared", "private" };

static int tok_gmem(int i)
{
	return 2 * i + 1;
}

static int tok_vm(int i)
{
	return 2 * i + 2;
}

/* Pair @i is of kind SHARED for i < NR_KIND. */
static enum kind pair_kind(int i)
{
	return i < NR_KIND ? SHARED : PRIVATE;
}

static uint32_t pat(uint64_t off, uint32_t seed)
{
	return (uint32_t)off * 2654435761u ^ seed;
}

/* Map @gmem and fill (@fill) or check it against the pattern of @seed. */
static int gmem_pattern(int gmem, uint32_t seed, bool fill)
{
	uint32_t *p = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   gmem, 0);
	int err = 0;
	size_t i;

	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < GMEM_SIZE / 4; i++) {
		if (fill) {
			p[i] = pat(4 * i, seed);
		} else if (p[i] != pat(4 * i, seed)) {
			luo_info("guest_memfd reads %#x at offset %#zx", p[i],
				 4 * i);
			err = -EIO;
			break;
		}
	}
	munmap(p, GMEM_SIZE);
	return err;
}

/* One VM and its guest_memfd, of @kind, preserved as pair @i in @s. */
static enum luo_result make_pair(int kvm, int s, int i, uint32_t seed)
{
	bool shared = pair_kind(i) == SHARED;
	struct kvm_create_guest_memfd g = {
		.size = GMEM_SIZE,
		.flags = shared ? KVM_SHARED_FLAGS : 0,
	};
	struct kvm_memory_attributes a = {
		.address = KVM_GPA,
		.size = PRIV_SIZE,
		.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
	};
	int vm, gmem, r;

	vm = ioctl(kvm, KVM_CREATE_VM, shared ? KVM_X86_DEFAULT_VM :
						KVM_X86_SW_PROTECTED_VM);
	ASSERT_TRUE(vm >= 0, "pair %d: KVM_CREATE_VM: %s", i, strerror(errno));
	gmem = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	ASSERT_TRUE(gmem >= 0, "pair %d: guest_memfd: %s", i, strerror(errno));
	if (shared) {
		ASSERT_OK(gmem_pattern(gmem, seed + i, true));
	} else {
		ASSERT_OK(ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a));
		ASSERT_OK(fallocate(gmem, FALLOC_FL_KEEP_SIZE, 0, GMEM_SIZE));
	}
	r = liveupdate_preserve_fd(s, gmem, tok_gmem(i));
	ASSERT_TRUE(!r, "pair %d: preserve guest_memfd: %s", i, strerror(-r));
	r = liveupdate_preserve_fd(s, vm, tok_vm(i));
	ASSERT_TRUE(!r, "pair %d: preserve VM: %s", i, strerror(-r));
	close(gmem);
	close(vm);
	return LUO_PASS;
}

static enum luo_result stage1(int luo)
{
	uint32_t seed = (uint32_t)luo_seed();
	int kvm, s, i;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(kvm >= 0, "/dev/kvm: %s", strerror(errno));
	s = liveupdate_create_session(luo, "fault");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 0; i < NR_PAIRS; i++)
		if (make_pair(kvm, s, i, seed) != LUO_PASS)
			return LUO_FAIL;
	close(kvm);
	luo_put("seed", "0x%x", seed);
	return luo_handover();
}

/* "preserved" or "restored" pages of KHO's incoming handover. */
static long long kho_in(const char *key)
{
	char buf[256], k[32];
	const char *p;

	snprintf(k, sizeof(k), "%s ", key);
	if (luo_read_file(KHO_DEBUGFS "/in/pages", buf, sizeof(buf) - 1) < 0)
		return -1;
	p = strstr(buf, k);
	return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/*
 * A memslot over all of @gmem in @vm: KVM refuses a guest_memfd of
 * another VM (EINVAL). The slot's host mapping is the guest_memfd's own
 * for a shared one, anonymous memory for a private one.
 */
static int bind_gmem(int vm, int gmem, bool shared)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = 1,
		.flags = KVM_MEM_GUEST_MEMFD,
		.guest_phys_addr = KVM_GPA,
		.memory_size = GMEM_SIZE,
		.guest_memfd = gmem,
	};
	void *shadow = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE,
			    shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
			    shared ? gmem : -1, 0);
	int err = 0;

	if (shadow == MAP_FAILED)
		return -errno;
	r.userspace_addr = (uintptr_t)shadow;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r))
		err = -errno;
	munmap(shadow, GMEM_SIZE);
	return err;
}

/* Both files of a retrieved pair: the bytes, and the VM is the one. */
static enum luo_result check_pair(int s, int i, int gmem, uint32_t seed,
				  const char *what)
{
	int vm, r = 0;

	if (pair_kind(i) == SHARED)
		r = gmem_pattern(gmem, seed + i, false);
	ASSERT_TRUE(!r, "%s: guest_memfd of pair %d", what, i);
	vm = liveupdate_retrieve_fd(s, tok_vm(i));
	ASSERT_TRUE(vm >= 0, "%s: VM of pair %d: %s", what, i, strerror(-vm));
	/* Only the guest_memfd's own VM takes it in a memslot. */
	r = bind_gmem(vm, gmem, pair_kind(i) == SHARED);
	ASSERT_TRUE(!r, "%s: pair %d: the guest_memfd does not bind to the VM: %s",
		    what, i, strerror(-r));
	close(vm);
	close(gmem);
	return LUO_PASS;
}

struct cursor {
	int s;
	int next[2];	/* the next unused pair of each kind */
	uint32_t seed;
};

static int take_pair(struct cursor *c, enum kind k)
{
	int i = c->next[k]++;

	return i < (k == SHARED ? NR_KIND : NR_PAIRS) ? i : -1;
}

/* One retrieve, counting its allocations of @mode; its KHO pages. */
static enum luo_result measure(struct cursor *c, enum kind k,
			       unsigned int *allocs, long long *pages)
{
	const unsigned int big = 1000000;
	long long rest0 = kho_in("restored");
	int i = take_pair(c, k), m;
	char buf[16] = "";

	ASSERT_TRUE(i >= 0, "%s: out of pairs", kind_name[k]);
	ASSERT_OK(fault_arm(big));
	m = liveupdate_retrieve_fd(c->s, tok_gmem(i));
	ASSERT_TRUE(pread(fault_fd(), buf, sizeof(buf) - 1, 0) > 0,
		    "read fail-nth");
	fault_disarm();
	ASSERT_TRUE(m >= 0, "%s: retrieve pair %d: %s", kind_name[k], i,
		    strerror(-m));
	*allocs = big - strtoul(buf, NULL, 10);
	*pages = kho_in("restored") - rest0;
	return check_pair(c->s, i, m, c->seed, "measure");
}

static enum luo_result retrieve_loop(struct cursor *c, enum kind k,
				     enum fault_mode mode)
{
	const char *name = fault_mode_name(mode);
	unsigned int n, allocs, stride, tries = 0, failed = 0, absorbed = 0;
	long long per_pair, rest0, rest1;
	bool injected;
	int i, m, e;

	ASSERT_OK(fault_mode(mode));
	if (measure(c, k, &allocs, &per_pair) != LUO_PASS)
		return LUO_FAIL;
	stride = allocs <= EXACT_UP_TO ? 1 :
		 (allocs - EXACT_UP_TO) / (MAX_TRIES - EXACT_UP_TO) + 1;
	luo_info("%s %s: a retrieve makes %u allocations and claims %lld pages; N = 1..%d, then every %u",
		 kind_name[k], name, allocs, per_pair, EXACT_UP_TO, stride);

	for (n = 1; n <= allocs; n += n < EXACT_UP_TO ? 1 : stride, tries++) {
		i = take_pair(c, k);
		ASSERT_TRUE(i >= 0, "%s %s: out of pairs at N=%u",
			    kind_name[k], name, n);
		rest0 = kho_in("restored");
		ASSERT_OK(fault_arm(n));
		m = liveupdate_retrieve_fd(c->s, tok_gmem(i));
		injected = fault_disarm();
		if (m >= 0) {
			if (check_pair(c->s, i, m, c->seed, "absorbed") != LUO_PASS)
				return LUO_FAIL;
			/* Slabs and per-CPU lists vary: fewer than measured. */
			if (!injected)
				break;
			absorbed++;
			continue;
		}
		e = -m;
		ASSERT_TRUE(injected, "%s %s N=%u: RETRIEVE_FD failed (%s) with no fault injected",
			    kind_name[k], name, n, strerror(e));
		ASSERT_TRUE(e == ENOMEM,
			    "%s %s N=%u: RETRIEVE_FD failed with %s, not ENOMEM",
			    kind_name[k], name, n, strerrorname_np(e));
		rest1 = kho_in("restored");
		ASSERT_TRUE(rest1 - rest0 <= per_pair,
			    "%s %s N=%u: the failed try claimed %lld pages, a pair has %lld",
			    kind_name[k], name, n, rest1 - rest0, per_pair);
		m = liveupdate_retrieve_fd(c->s, tok_gmem(i));
		ASSERT_TRUE(m >= 0, "%s %s N=%u: retry: %s", kind_name[k],
			    name, n, strerror(-m));
		rest1 = kho_in("restored");
		ASSERT_TRUE(rest1 - rest0 == per_pair,
			    "%s %s N=%u: the failed try and its retry claimed %lld pages, a pair has %lld",
			    kind_name[k], name, n, rest1 - rest0, per_pair);
		if (check_pair(c->s, i, m, c->seed, "retry") != LUO_PASS)
			return LUO_FAIL;
		failed++;
	}
	luo_info("%s %s: %u tries, %u failed RETRIEVE_FD, %u absorbed",
		 kind_name[k], name, tries, failed, absorbed);
	/* Every page allocation on the way has a fallback or is absorbed. */
	ASSERT_TRUE(failed > 0 || mode == FAULT_PAGE,
		    "%s %s: no allocation failure reached RETRIEVE_FD",
		    kind_name[k], name);
	return LUO_PASS;
}

/* Leave one pair kept by a failed try; FINISH must free it and the rest. */
static enum luo_result finish(struct cursor *c)
{
	long long gap;
	int i = take_pair(c, PRIVATE), m, r;

	ASSERT_TRUE(i >= 0, "no pair left to keep");
	ASSERT_OK(fault_mode(FAULT_SLAB));
	ASSERT_OK(fault_arm(1));
	m = liveupdate_retrieve_fd(c->s, tok_gmem(i));
	fault_disarm();
	ASSERT_TRUE(m == -ENOMEM, "kept pair %d: %s", i, strerror(-m));
	luo_info("pair %d kept by a failed try, %d and %d never retrieved: FINISH",
		 i, NR_KIND - c->next[SHARED], NR_PAIRS - c->next[PRIVATE]);

	r = liveupdate_finish(c->s);
	ASSERT_TRUE(!r, "finish: %s", strerror(-r));
	close(c->s);
	gap = kho_in("preserved") - kho_in("restored");
	luo_info("after FINISH, %lld of KHO's %lld incoming pages are unclaimed",
		 gap, kho_in("preserved"));
	/* LUO's own handover pages, at most; a pair holds more. */
	ASSERT_TRUE(gap >= 0 && gap < GMEM_SIZE / 4096,
		    "%lld incoming pages never freed after FINISH", gap);
	sleep(5);
	ASSERT_TRUE(luo_kmemleak_scan() == 0, "kmemleak after the failed tries");
	return LUO_PASS;
}

LUO_TEST(fault_kvm_retrieve, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: guest_memfd + VM RETRIEVE_FD with an allocation failing: ENOMEM, nothing lost, the retry whole",
	 .expect_log = LUO_LOG("kvm_luo: session 'fault' token * cannot retrieve VM yet (-12): kept, retry",
			       "guest_memfd_luo: session 'fault' token * cannot retrieve guest_memfd yet (-12): its memory is kept, retry"),
	 /* The new VM's struct kvm is vmalloc()ed: a failure there warns. */
	 .allow_log = LUO_LOG("init: vmalloc error: size *, vm_struct allocation failed*"))
{
	struct cursor c = { .next = { 0, NR_KIND } };
	enum fault_mode mode;
	enum kind k;
	int luo;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	c.seed = (uint32_t)luo_get_u64("seed");
	c.s = liveupdate_retrieve_session(luo, "fault");
	ASSERT_TRUE(c.s >= 0, "retrieve session: %s", strerror(-c.s));
	for (k = SHARED; k <= PRIVATE; k++)
		for (mode = FAULT_SLAB; mode <= FAULT_PAGE; mode++)
			if (retrieve_loop(&c, k, mode) != LUO_PASS)
				return LUO_FAIL;
	if (finish(&c) != LUO_PASS)
		return LUO_FAIL;
	close(luo);
	return LUO_PASS;
}
