// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover_selftest.c - preserve known data in one kernel, check it
 * in the next.
 *
 * Writing "preserve" to /sys/kernel/debug/kho/selftest keeps folios of
 * random orders filled from a random seed, a vmalloc area and a blob
 * describing both (with checksums). At the next boot a late initcall
 * restores all of it, recomputes the checksums and frees it; reading the
 * file tells the outcome, and the generation counts the hops of a chain.
 * Writing "corrupt-fdt", "corrupt-fdt-struct", "corrupt-tracker",
 * "corrupt-loop", "corrupt-scratch" or "corrupt-chunk-scratch" damages
 * the outgoing handover so tests can check the next kernel refuses it;
 * "corrupt-overlap" also lists a page inside one of the self-test's large
 * folios, which the next kernel must not hand out twice (that folio then
 * fails to restore: bad=1).
 * Writing "preserve-range" (after "preserve") adds an 8 MiB page range
 * recorded as one chunk of order 11, above MAX_PAGE_ORDER, as upstream
 * records naturally aligned ranges; "corrupt-zero-scratch" hands the scratch
 * array over with a zero-sized area 1, as upstream does with little memory.
 * Both are upstream's format, which the next kernel must accept.
 * Writing "bench <order> <MiB>" allocates that much memory in folios of
 * that order and times preserving them (the result is read back here);
 * they stay preserved, so the next boot's walk can be timed too.
 *
 * For tests that check what became of preserved memory, reading also
 * shows the outgoing self-test folios ("out: folio <i> phys=... order=..."),
 * the page "corrupt-overlap" listed ("overlap: folio=... page=..."), and
 * how many pages the outgoing tracker holds ("out: tracked pages=N",
 * counted by walking it). In the next kernel, "restore-folio <phys>" and
 * "restore-pages <phys> <nr>" try to claim incoming memory as a user of
 * KHO would, and free it at once: they fail with -ENOENT where KHO
 * refuses.
 */
#define pr_fmt(fmt) "KHO selftest: " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

/* ---- Damage to the outgoing handover ----------------------------------- */

/*
 * "zero-scratch": hand over area 1 with size 0, as upstream does when the
 * global area comes out empty, and keep kexec segments out of it.
 */
static bool kho_st_zero_scratch;
static struct kho_scratch kho_st_scratch[2 + MAX_NUMNODES];

/* Is scratch area 1 handed over empty (no kexec segment may go there)? */
bool kho_selftest_zero_scratch(void)
{
	return kho_st_zero_scratch;
}

/**
 * kho_selftest_scratch - the scratch array to hand over, for tests only
 * @scratch: this kernel's scratch areas
 * @size:    their size in bytes
 *
 * Called when the kexec image is filled in. After "corrupt-zero-scratch",
 * a copy with area 1 of size 0 (upstream's format with little memory).
 *
 * Return: @scratch, or the copy.
 */
void *kho_selftest_scratch(void *scratch, size_t size)
{
	if (!kho_st_zero_scratch || kho_scratch_cnt < 2 ||
	    size > sizeof(kho_st_scratch))
		return scratch;
	memcpy(kho_st_scratch, scratch, size);
	kho_st_scratch[1].size = 0;
	return kho_st_scratch;
}

/* A page of the low 1 MiB that x86 reserves at boot (below the EBDA). */
#define KHO_ST_LOW_PAGE		0x9000

/*
 * The first two pages of a scratch area, as preserved single pages: the
 * boot walk sees one run, which fails as a whole and must then be checked
 * page by page, so that the refusal names the page.
 */
static int kho_st_chunk_scratch(void)
{
	phys_addr_t addr;

	if (kho_scratch_cnt < 2 || kho_scratch[1].size < 2 * PAGE_SIZE)
		return -ENOENT;
	addr = kho_scratch[1].addr;
	return kho_tracker_set(kho_out_tracker(), addr, 0) ?:
	       kho_tracker_set(kho_out_tracker(), addr + PAGE_SIZE, 0);
}

/*
 * Replace the tag of the root FDT's last subnode by one libfdt does not
 * know: lookups of that node and any after it fail as if it were absent.
 */
static int kho_st_break_struct(void *fdt)
{
	int node, last = -FDT_ERR_NOTFOUND;
	fdt32_t *tag;

	fdt_for_each_subnode(node, fdt, 0)
		last = node;
	if (last < 0)
		return -ENOENT;
	tag = (fdt32_t *)((char *)fdt + fdt_off_dt_struct(fdt) + last);
	*tag = cpu_to_fdt32(0xdeadbeef);
	return 0;
}

/**
 * kho_selftest_corrupt - damage the outgoing handover, for tests only
 * @how: "fdt" (wrong compatible), "fdt-struct" (an unknown tag where the
 *	 root's last subnode starts), "tracker" (a table entry outside RAM),
 *	 "loop" (a table entry pointing back to the root), "scratch" (a
 *	 table entry pointing into a scratch area), "chunk-scratch" (two
 *	 pages of a scratch area listed as preserved) or "chunk-low" (a page
 *	 of the low 1 MiB, which the next kernel uses, listed as preserved:
 *	 never handed out); or "zero-scratch", which
 *	 is not damage but upstream's format: scratch area 1 handed over
 *	 with size 0 (and no kexec segment placed in it)
 *
 * The next kernel must refuse a damaged handover with one log line and
 * boot as a cold boot; it must accept "zero-scratch".
 *
 * Return: 0 or -EINVAL for an unknown @how.
 */
int kho_selftest_corrupt(const char *how)
{
	struct kho_tracker *t = kho_out_tracker();
	u64 *root;
	int err = 0;

	if (!t)
		return -EOPNOTSUPP;
	root = t->root;
	mutex_lock(kho_out_lock());
	if (!strcmp(how, "fdt"))
		err = fdt_setprop_string(kho_out_fdt(), 0, "compatible", "kho-v0") ?
		      -ENOSPC : 0;
	else if (!strcmp(how, "fdt-struct"))
		err = kho_st_break_struct(kho_out_fdt());
	else if (!strcmp(how, "tracker"))
		WRITE_ONCE(root[511], cpu_to_le64(PFN_PHYS(max_pfn) + SZ_1G));
	else if (!strcmp(how, "loop"))
		WRITE_ONCE(root[510], cpu_to_le64(virt_to_phys(root)));
	else if (!strcmp(how, "scratch"))
		WRITE_ONCE(root[509], cpu_to_le64(kho_scratch[1].addr));
	else if (!strcmp(how, "chunk-scratch"))
		err = kho_st_chunk_scratch();
	else if (!strcmp(how, "chunk-low"))
		err = kho_tracker_set(t, KHO_ST_LOW_PAGE, 0);
	else if (!strcmp(how, "zero-scratch"))
		kho_st_zero_scratch = true;
	else
		err = -EINVAL;
	mutex_unlock(kho_out_lock());
	if (!err)
		pr_warn("outgoing handover damaged (%s)\n", how);
	return err;
}

/**
 * kho_selftest_flip - random damage to the outgoing handover, for tests only
 * @tracker: damage the tracker's root table, else the root FDT
 * @trunc:   zero everything from a random offset on (a truncated write),
 *	     else flip one to four random bits
 * @rnd:     random bits choosing the offsets
 *
 * Called at the reboot, after the last change to the handover. The next
 * kernel must not trust what it cannot verify: refuse the handover with a
 * log line, or use only what is intact; never crash.
 */
void kho_selftest_flip(bool tracker, bool trunc, u64 rnd)
{
	struct kho_tracker *t = kho_out_tracker();
	u8 *p;
	size_t len;
	unsigned int i, n = 1 + (rnd & 3);

	if (!t)
		return;
	p = tracker ? (u8 *)t->root : (u8 *)kho_out_fdt();
	len = tracker ? PAGE_SIZE : fdt_totalsize(kho_out_fdt());
	if (!len)
		return;
	if (trunc) {
		i = (rnd >> 8) % len;
		memset(p + i, 0, len - i);
		return;
	}
	for (i = 0; i < n; i++) {
		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		p[(rnd >> 16) % len] ^= BIT((rnd >> 61) & 7);
	}
}

/**
 * kho_selftest_preserve_chunk - record one chunk of any order, for tests only
 * @phys:  physical address, aligned to the chunk size
 * @order: the chunk's order, possibly above MAX_PAGE_ORDER
 *
 * Upstream splits preserved page ranges by alignment only, so its handover
 * can hold chunks larger than our own kho_preserve_pages() makes; this
 * lets a test produce one.
 *
 * Return: 0, -EOPNOTSUPP if KHO is off, or -ENOMEM.
 */
int kho_selftest_preserve_chunk(phys_addr_t phys, unsigned int order)
{
	int err = kho_check_preservable(phys, PAGE_SIZE << order);

	return err ?: kho_tracker_set(kho_out_tracker(), phys, order);
}

/* ---- Preserve and check ------------------------------------------------ */

#define KHO_ST_NAME	"kho-selftest"
#define KHO_ST_MAGIC	0x6b686f2d73742d31ULL	/* "kho-st-1" */
#define KHO_ST_FOLIOS	24
#define KHO_ST_MAX_ORDER 9
#define KHO_ST_VM_PAGES	300
#define KHO_ST_RANGE_ORDER (MAX_PAGE_ORDER + 1)

struct kho_st_folio {
	u64 phys;
	u32 order;
	u32 csum;
} __packed;

struct kho_st_blob {
	u64 magic;
	u64 seed;
	u32 generation;
	u32 nr_folios;
	struct kho_vmalloc vm;
	u32 vm_csum;
	u32 reserved;
	struct kho_st_folio folios[KHO_ST_FOLIOS];
	struct kho_st_folio range;	/* phys 0: none */
} __packed;

static DEFINE_MUTEX(kho_st_lock);
static char kho_st_bench_result[160];
static struct kho_st_blob *kho_st_out;
static char kho_st_in_result[160] = "none";
static u32 kho_st_in_generation;
static phys_addr_t kho_st_overlap_folio, kho_st_overlap_page;

static void kho_st_fill(void *p, size_t len, struct rnd_state *rnd)
{
	u32 *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = prandom_u32_state(rnd);
}

static u32 kho_st_csum(const void *p, size_t len)
{
	const u32 *w = p;
	u32 sum = 0;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		sum = (sum * 31) ^ w[i];
	return sum;
}

static int kho_st_preserve(void)
{
	struct kho_st_blob *blob;
	struct rnd_state rnd;
	void *vm = NULL;
	int i, err;

	if (kho_st_out)
		return -EBUSY;
	blob = kho_alloc_preserve(sizeof(*blob));
	if (IS_ERR(blob))
		return PTR_ERR(blob);

	blob->magic = KHO_ST_MAGIC;
	blob->seed = get_random_u64();
	blob->generation = kho_st_in_generation + 1;
	prandom_seed_state(&rnd, blob->seed);

	for (i = 0; i < KHO_ST_FOLIOS; i++) {
		unsigned int order = get_random_u32_below(KHO_ST_MAX_ORDER + 1);
		struct folio *folio = folio_alloc(GFP_KERNEL, order);

		if (!folio) {
			err = -ENOMEM;
			goto fail;
		}
		kho_st_fill(folio_address(folio), folio_size(folio), &rnd);
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			goto fail;
		}
		blob->folios[i].phys = PFN_PHYS(folio_pfn(folio));
		blob->folios[i].order = order;
		blob->folios[i].csum = kho_st_csum(folio_address(folio),
						   folio_size(folio));
		blob->nr_folios++;
	}

	vm = vmalloc(KHO_ST_VM_PAGES * PAGE_SIZE);
	if (!vm) {
		err = -ENOMEM;
		goto fail;
	}
	kho_st_fill(vm, KHO_ST_VM_PAGES * PAGE_SIZE, &rnd);
	blob->vm_csum = kho_st_csum(vm, KHO_ST_VM_PAGES * PAGE_SIZE);
	err = kho_preserve_vmalloc(vm, &blob->vm);
	if (err)
		goto fail;

	err = kho_add_subtree(KHO_ST_NAME, blob, sizeof(*blob));
	if (err)
		goto fail_vm;
	kho_st_out = blob;
	/*
	 * The area stays mapped until the kexec and nothing points to it
	 * any more (the blob records its pages): not a leak.
	 */
	kmemleak_not_leak(vm);
	pr_info("preserved generation %u: %u folios, %u vmalloc pages\n",
		blob->generation, blob->nr_folios, KHO_ST_VM_PAGES);
	return 0;

fail_vm:
	kho_unpreserve_vmalloc(&blob->vm);
fail:
	vfree(vm);
	while (blob->nr_folios--) {
		struct folio *folio = pfn_folio(PHYS_PFN(blob->folios[blob->nr_folios].phys));

		kho_unpreserve_folio(folio);
		folio_put(folio);
	}
	kho_unpreserve_free(blob);
	return err;
}

/* Preserve the second page of the first large folio on its own as well. */
static int kho_st_overlap(void)
{
	unsigned int i;

	for (i = 0; kho_st_out && i < kho_st_out->nr_folios; i++) {
		unsigned long pfn = PHYS_PFN(kho_st_out->folios[i].phys);

		if (kho_st_out->folios[i].order) {
			kho_st_overlap_folio = PFN_PHYS(pfn);
			kho_st_overlap_page = PFN_PHYS(pfn + 1);
			return kho_preserve_pages(pfn_to_page(pfn + 1), 1);
		}
	}
	return -ENOENT;
}

/*
 * An 8 MiB range, naturally aligned, recorded as a single order-11 chunk
 * the way upstream records such a range (our own kho_preserve_pages()
 * stops at MAX_PAGE_ORDER).
 */
static int kho_st_preserve_range(void)
{
	unsigned long nr = 1UL << KHO_ST_RANGE_ORDER;
	struct page *page;
	phys_addr_t phys;
	int err;

	if (!kho_st_out || kho_st_out->range.phys)
		return -EINVAL;
	/* Naturally aligned: alloc_contig_pages() aligns to a power of two. */
	page = alloc_contig_pages(nr, GFP_KERNEL, first_online_node, NULL);
	if (!page)
		return -ENOMEM;
	phys = page_to_phys(page);
	if (!IS_ALIGNED(phys, PAGE_SIZE << KHO_ST_RANGE_ORDER) ||
	    kho_addr_in_scratch(phys, PAGE_SIZE << KHO_ST_RANGE_ORDER)) {
		err = -EBUSY;
		goto fail;
	}
	get_random_bytes(phys_to_virt(phys), PAGE_SIZE << KHO_ST_RANGE_ORDER);
	err = kho_selftest_preserve_chunk(phys, KHO_ST_RANGE_ORDER);
	if (err)
		goto fail;
	kho_st_out->range.csum = kho_st_csum(phys_to_virt(phys),
					     PAGE_SIZE << KHO_ST_RANGE_ORDER);
	kho_st_out->range.order = KHO_ST_RANGE_ORDER;
	kho_st_out->range.phys = phys;
	pr_info("preserved a range of %lu pages at %pa as one chunk\n", nr, &phys);
	return 0;

fail:
	free_contig_range(page_to_pfn(page), nr);
	return err;
}

/* The range of kho_st_preserve_range(), as order-0 pages: bad or 0. */
static unsigned int kho_st_verify_range(const struct kho_st_blob *blob,
					unsigned long *pages)
{
	unsigned long nr = 1UL << blob->range.order;
	struct page *page;
	unsigned int bad = 0;

	if (!blob->range.phys)
		return 0;
	if (blob->range.order != KHO_ST_RANGE_ORDER)
		return 1;
	page = kho_restore_pages(blob->range.phys, nr);
	if (!page)
		return 1;
	if (kho_st_csum(page_address(page), nr << PAGE_SHIFT) != blob->range.csum)
		bad++;
	*pages += nr;
	free_contig_range(page_to_pfn(page), nr);
	return bad;
}

/* Restore and check everything the previous kernel's self-test kept. */
static int kho_st_verify(const struct kho_st_blob *blob, char *res, size_t len)
{
	unsigned long pages = 0, range = 0;
	unsigned int i, bad = 0;
	void *vm;

	if (blob->magic != KHO_ST_MAGIC || blob->nr_folios > KHO_ST_FOLIOS) {
		snprintf(res, len, "FAILED bad blob");
		return -EINVAL;
	}
	for (i = 0; i < blob->nr_folios; i++) {
		struct folio *folio = kho_restore_folio(blob->folios[i].phys);

		if (!folio || folio_order(folio) != blob->folios[i].order) {
			bad++;
			continue;
		}
		if (kho_st_csum(folio_address(folio), folio_size(folio)) !=
		    blob->folios[i].csum)
			bad++;
		pages += folio_nr_pages(folio);
		folio_put(folio);
	}
	/* A second restore of the same folio must fail. */
	if (blob->nr_folios && kho_restore_folio(blob->folios[0].phys))
		bad++;

	vm = kho_restore_vmalloc(&blob->vm);
	if (!vm || kho_st_csum(vm, KHO_ST_VM_PAGES * PAGE_SIZE) != blob->vm_csum)
		bad++;
	vfree(vm);
	bad += kho_st_verify_range(blob, &range);

	if (bad) {
		snprintf(res, len, "FAILED generation=%u bad=%u of folios=%u",
			 blob->generation, bad, blob->nr_folios);
		return -EIO;
	}
	snprintf(res, len, "verified generation=%u folios=%u pages=%lu vmalloc=%u range=%lu",
		 blob->generation, blob->nr_folios, pages, KHO_ST_VM_PAGES, range);
	return 0;
}

/* Preserve @mib MiB in folios of @order; report ns and tracker bytes. */
static int kho_st_bench(unsigned int order, unsigned long mib)
{
	unsigned long nr = (mib << (20 - PAGE_SHIFT)) >> order, i;
	unsigned long bytes = kho_out_tracker_bytes();
	struct folio **folios;
	u64 start, ns;
	int err = 0;

	if (order > MAX_PAGE_ORDER || !nr || mib > totalram_pages() >> (20 - PAGE_SHIFT))
		return -EINVAL;
	folios = kvcalloc(nr, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		folios[i] = folio_alloc(GFP_KERNEL, order);
		if (!folios[i]) {
			err = -ENOMEM;
			goto out;
		}
	}
	start = ktime_get_ns();
	for (i = 0; i < nr && !err; i++)
		err = kho_preserve_folio(folios[i]);
	ns = ktime_get_ns() - start;
	if (!err)
		snprintf(kho_st_bench_result, sizeof(kho_st_bench_result),
			 "bench: order=%u folios=%lu pages=%lu preserve_ns=%llu tracker_bytes=%lu\n",
			 order, nr, nr << order, ns, kho_out_tracker_bytes() - bytes);
out:
	/* On success the folios stay allocated and preserved for the next boot. */
	for (i = 0; err && i < nr && folios[i]; i++) {
		kho_unpreserve_folio(folios[i]);
		folio_put(folios[i]);
	}
	kvfree(folios);
	return err;
}

/*
 * Pages recorded in the outgoing tracker, read the way the next kernel
 * reads it: five levels of tables of 512 physical addresses, then bitmaps
 * of 32768 bits; a bit's key gives the chunk's order by its top bit.
 * Table pages are never freed, so a walk while others preserve is safe.
 */
static unsigned long kho_st_walk(u64 phys, int level, u64 key)
{
	unsigned long pages = 0;
	unsigned int i;

	if (!phys)
		return 0;
	if (!level) {
		unsigned long *bits = phys_to_virt(phys), bit;

		for_each_set_bit(bit, bits, PAGE_SIZE * BITS_PER_BYTE) {
			u64 k = key | bit;

			pages += 1UL << (64 - (fls64(k) - 1) - PAGE_SHIFT);
		}
		return pages;
	}
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++) {
		u64 child = le64_to_cpu(READ_ONCE(((__le64 *)phys_to_virt(phys))[i]));

		pages += kho_st_walk(child, level - 1,
				     key | ((u64)i << (15 + (level - 1) * 9)));
	}
	return pages;
}

static unsigned long kho_st_tracked_pages(void)
{
	const __le64 *root;
	int len;

	root = fdt_getprop(kho_out_fdt(), 0, "preserved-memory-map", &len);
	if (!root || len != sizeof(*root))
		return 0;
	return kho_st_walk(le64_to_cpu(*root), 5, 0);
}

/* Claim incoming memory as a KHO user would, and free it at once. */
static int kho_st_restore(phys_addr_t phys, unsigned long nr, bool folio)
{
	struct folio *f;
	struct page *page;
	unsigned long i;

	if (folio) {
		f = kho_restore_folio(phys);
		if (!f)
			return -ENOENT;
		folio_put(f);
		return 0;
	}
	page = kho_restore_pages(phys, nr);
	if (!page)
		return -ENOENT;
	for (i = 0; i < nr; i++)
		__free_page(nth_page(page, i));
	return 0;
}

static int kho_st_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&kho_st_lock);
	seq_puts(m, kho_st_bench_result);
	seq_printf(m, "in: %s\n", kho_st_in_result);
	if (kho_st_out)
		seq_printf(m, "out: preserved generation=%u folios=%u\n",
			   kho_st_out->generation, kho_st_out->nr_folios);
	else
		seq_puts(m, "out: none\n");
	if (kho_is_enabled() && kho_out_fdt())
		seq_printf(m, "out: tracked pages=%lu\n", kho_st_tracked_pages());
	for (i = 0; kho_st_out && i < kho_st_out->nr_folios; i++)
		seq_printf(m, "out: folio %u phys=%#llx order=%u\n", i,
			   kho_st_out->folios[i].phys, kho_st_out->folios[i].order);
	if (kho_st_overlap_page)
		seq_printf(m, "overlap: folio=%#llx page=%#llx\n",
			   (u64)kho_st_overlap_folio, (u64)kho_st_overlap_page);
	mutex_unlock(&kho_st_lock);
	return 0;
}

static int kho_st_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_st_show, NULL);
}

static ssize_t kho_st_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned int order;
	unsigned long mib;
	char cmd[64];
	u64 phys;
	int err;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);

	mutex_lock(&kho_st_lock);
	if (!strcmp(cmd, "preserve"))
		err = kho_st_preserve();
	else if (!strcmp(cmd, "preserve-range"))
		err = kho_st_preserve_range();
	else if (!strcmp(cmd, "corrupt-overlap"))
		err = kho_st_overlap();
	else if (str_has_prefix(cmd, "corrupt-"))
		err = kho_selftest_corrupt(cmd + strlen("corrupt-"));
	else if (sscanf(cmd, "bench %u %lu", &order, &mib) == 2)
		err = kho_st_bench(order, mib);
	else if (sscanf(cmd, "restore-folio %llx", &phys) == 1)
		err = kho_st_restore(phys, 1, true);
	else if (sscanf(cmd, "restore-pages %llx %lu", &phys, &mib) == 2)
		err = kho_st_restore(phys, mib, false);
	else
		err = -EINVAL;
	mutex_unlock(&kho_st_lock);
	return err ?: count;
}

static const struct file_operations kho_st_fops = {
	.owner = THIS_MODULE,
	.open = kho_st_open,
	.read = seq_read,
	.write = kho_st_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init kho_selftest_init(void)
{
	phys_addr_t phys;
	size_t size;

	if (!kho_is_enabled() || !kho_debugfs_dir())
		return 0;
	debugfs_create_file("selftest", 0600, kho_debugfs_dir(), NULL,
			    &kho_st_fops);

	if (kho_retrieve_subtree(KHO_ST_NAME, &phys, &size))
		return 0;
	if (size != sizeof(struct kho_st_blob)) {
		snprintf(kho_st_in_result, sizeof(kho_st_in_result),
			 "FAILED blob size %zu", size);
	} else {
		struct kho_st_blob *blob = phys_to_virt(phys);

		kho_st_in_generation = blob->generation;
		kho_st_verify(blob, kho_st_in_result, sizeof(kho_st_in_result));
		kho_restore_free(blob);
	}
	pr_info("%s\n", kho_st_in_result);
	return 0;
}
late_initcall(kho_selftest_init);
