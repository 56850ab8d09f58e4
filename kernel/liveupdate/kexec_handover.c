// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover.c - Kexec HandOver (KHO): preserve memory across kexec.
 *
 * Outgoing kernel: subsystems preserve folios, page ranges and vmalloc
 * areas (recorded in the tracker, see kexec_handover_tracker.c) and name
 * blobs in the root FDT. kexec_file_load places every segment inside the
 * scratch areas and passes the FDT and the scratch array in a setup_data.
 *
 * Incoming kernel: until mm_core_init() memblock allocates only from the
 * scratch areas, which the previous kernel kept free of anything
 * preserved (they are CMA pageblocks there: movable allocations only, and
 * preserved pages are pinned, hence never movable into them). Then
 * kho_memory_init() walks the tracker, reserves every preserved chunk and
 * records its order in its head page, so restore can rebuild the folio.
 * The scratch layout is reused, so a chain of updates works.
 *
 * Anything wrong with incoming data is logged once and the boot continues
 * as a cold boot: the old memory is simply reused.
 *
 * Locking: kho_out.lock serializes changes to the outgoing FDT (subtrees);
 * preserving memory is lock-free (see the tracker).
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/crash_dump.h>
#include <linux/cma.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/memory_hotplug.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/timex.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page-isolation.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>

#include <asm/early_ioremap.h>

#include "../../mm/internal.h"
#include "kexec_handover_internal.h"

KHO_ADVERTISE_FORMAT(kho, KHO_FDT_COMPATIBLE);

/* Head pages of incoming chunks carry this in page->private until restored. */
#define KHO_PAGE_MAGIC		0x4b484f50UL	/* "KHOP" */
#define KHO_PAGE_INFO(order)	((KHO_PAGE_MAGIC << 32) | (order))
/* A listed chunk in memory this kernel uses: reserved, never handed out. */
#define KHO_PAGE_IN_USE		0x4b484f5500000000UL	/* "KHOU" */

static bool kho_enable __ro_after_init =
	IS_ENABLED(CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT);

struct kho_scratch *kho_scratch;
unsigned int kho_scratch_cnt;

/* kho_scratch= : either a percentage or lowmem,global,pernode sizes. */
static unsigned int scratch_scale __initdata = 200;
static phys_addr_t scratch_size_lowmem __initdata;
static phys_addr_t scratch_size_global __initdata;
static phys_addr_t scratch_size_pernode __initdata;

static struct {
	struct mutex lock;	/* protects the FDT */
	void *fdt;		/* one page, preserved */
	struct kho_tracker tracker;
	bool ready;
} kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
};

static struct {
	phys_addr_t fdt_phys;	/* non-zero on a valid KHO boot */
	u64 fdt_len;
	phys_addr_t scratch_phys;
	phys_addr_t mem_map;
	unsigned long preserved_pages;
	unsigned long in_use_pages;	/* preserved, in use at boot: kept */
	atomic_long_t restored_pages;
	u64 walk_ns;		/* boot-time walk and reservation */
	u64 found_cycles;	/* get_cycles() when the handover was found */
	u64 walk_start_cycles;	/* get_cycles() when the walk began */
	u64 walk_end_cycles;	/* get_cycles() when the walk ended */
} kho_in;

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

static int __init kho_parse_scratch(char *p)
{
	phys_addr_t sizes[3];
	size_t len = p ? strlen(p) : 0;
	char *end;
	int i;

	if (!len)
		return -EINVAL;

	/* kho_scratch=N% */
	if (p[len - 1] == '%') {
		unsigned int pct;
		char buf[8];

		if (len > sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, len - 1);
		buf[len - 1] = '\0';
		if (kstrtouint(buf, 10, &pct) || !pct || pct > 10000)
			return -EINVAL;
		scratch_scale = pct;
		return 0;
	}

	/* kho_scratch=lowmem,global,pernode */
	for (i = 0; i < 3; i++) {
		sizes[i] = memparse(p, &end);
		if (end == p || !sizes[i] || (i < 2 && *end != ',') ||
		    (i == 2 && *end))
			return -EINVAL;
		p = end + 1;
	}
	scratch_size_lowmem = sizes[0];
	scratch_size_global = sizes[1];
	scratch_size_pernode = sizes[2];
	scratch_scale = 0;
	return 0;
}
early_param("kho_scratch", kho_parse_scratch);

/**
 * kho_is_enabled - is Kexec HandOver on in this kernel?
 *
 * Return: true if KHO is enabled (``kho=on`` or the Kconfig default) and
 * its scratch areas exist, so that preserved memory reaches the next kernel.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/**
 * is_kho_boot - was this kernel started by a KHO kexec with valid data?
 *
 * Return: true if the previous kernel handed over memory this kernel
 * accepted; false on a cold boot or if the handover was refused.
 */
bool is_kho_boot(void)
{
	return !!kho_in.fdt_phys;
}
EXPORT_SYMBOL_GPL(is_kho_boot);

bool kho_addr_in_scratch(phys_addr_t addr, phys_addr_t size)
{
	unsigned int i;

	/* Zero-sized areas (upstream hands them over) contain nothing. */
	for (i = 0; i < kho_scratch_cnt; i++)
		if (kho_scratch[i].size &&
		    addr < kho_scratch[i].addr + kho_scratch[i].size &&
		    kho_scratch[i].addr < addr + size)
			return true;
	return false;
}

void *kho_out_fdt(void)
{
	return kho_out.fdt;
}

void *kho_in_fdt(void)
{
	return kho_in.fdt_phys ? phys_to_virt(kho_in.fdt_phys) : NULL;
}

u64 kho_in_found_cycles(void)
{
	return kho_in.found_cycles;
}

u64 kho_in_walk_end_cycles(void)
{
	return kho_in.walk_end_cycles;
}

unsigned long kho_in_preserved_pages(void)
{
	return kho_in.preserved_pages;
}

unsigned long kho_in_restored_pages(void)
{
	return atomic_long_read(&kho_in.restored_pages);
}

unsigned long kho_in_in_use_pages(void)
{
	return kho_in.in_use_pages;
}

u64 kho_in_walk_ns(void)
{
#ifdef CONFIG_X86
	/*
	 * The walk runs in mm_core_init(), where local_clock() may not have
	 * started yet (a 16 GiB walk once read 0 ns): the TSC has, and its
	 * frequency is known by the time anyone asks.
	 */
	if (tsc_khz && kho_in.walk_end_cycles)
		return div_u64((kho_in.walk_end_cycles - kho_in.walk_start_cycles) *
			       NSEC_PER_MSEC, tsc_khz);
#endif
	return kho_in.walk_ns;
}

struct kho_tracker *kho_out_tracker(void)
{
	return kho_out.ready ? &kho_out.tracker : NULL;
}

struct mutex *kho_out_lock(void)
{
	return &kho_out.lock;
}

unsigned long kho_out_tracker_bytes(void)
{
	return atomic_long_read(&kho_out.tracker.nr_pages) * PAGE_SIZE;
}

/* ---- Preserving memory ------------------------------------------------ */

/*
 * The next kernel boots and allocates in the scratch areas before it knows
 * what was preserved: memory there would be overwritten, so it is refused
 * here, in every build, rather than lost silently after the kexec. Callers
 * keep their memory out of scratch (long-term pins migrate it, unmovable
 * allocations never land there): a hit is a bug, hence the warning.
 */
int kho_check_preservable(phys_addr_t phys, phys_addr_t size)
{
	if (!kho_out.ready)
		return -EOPNOTSUPP;
	if (WARN_ON_ONCE(kho_addr_in_scratch(phys, size)))
		return -EINVAL;
	return 0;
}

/**
 * kho_preserve_folio - preserve a folio across kexec
 * @folio: the folio; the caller keeps it allocated and unchanged in size
 *
 * The next kernel gets it back, at the same order, with kho_restore_folio()
 * (kho_restore_gigantic_folio() above MAX_PAGE_ORDER).
 * The folio must not be movable into a scratch area: pin it long-term or
 * allocate it unmovable.
 *
 * Return: 0, -EOPNOTSUPP if KHO is off, -ENOMEM, or -EINVAL if the folio
 * lies in scratch.
 */
int kho_preserve_folio(struct folio *folio)
{
	phys_addr_t phys = PFN_PHYS(folio_pfn(folio));
	int err;

	err = kho_check_preservable(phys, folio_size(folio));
	if (err)
		return err;
	return kho_tracker_set(&kho_out.tracker, phys, folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio - undo kho_preserve_folio()
 * @folio: a folio passed to kho_preserve_folio()
 */
void kho_unpreserve_folio(struct folio *folio)
{
	if (kho_out.ready)
		kho_tracker_clear(&kho_out.tracker, PFN_PHYS(folio_pfn(folio)),
				  folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/* Split [pfn, end) into naturally aligned chunks, as preserve does. */
static unsigned int kho_chunk_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = min_t(unsigned int, MAX_PAGE_ORDER,
				   pfn ? __ffs(pfn) : MAX_PAGE_ORDER);

	while (pfn + (1UL << order) > end)
		order--;
	return order;
}

/**
 * kho_preserve_pages - preserve a range of order-0 pages
 * @page:     first page
 * @nr_pages: number of pages
 *
 * The range is recorded as naturally aligned power-of-two chunks that do
 * not cross memory nodes; kho_restore_pages() must name the same range.
 *
 * Return: 0 or a negative errno; on error nothing stays preserved.
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long pfn = page_to_pfn(page), end = pfn + nr_pages;
	unsigned long start = pfn;
	int err;

	err = kho_check_preservable(PFN_PHYS(pfn), nr_pages << PAGE_SHIFT);
	if (err)
		return err;

	while (pfn < end) {
		unsigned int order = kho_chunk_order(pfn, end);

		while (order && pfn_to_nid(pfn) != pfn_to_nid(pfn + (1UL << order) - 1))
			order--;
		err = kho_tracker_set(&kho_out.tracker, PFN_PHYS(pfn), order);
		if (err) {
			kho_unpreserve_pages(pfn_to_page(start), pfn - start);
			return err;
		}
		pfn += 1UL << order;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages - undo kho_preserve_pages()
 * @page:     first page, as preserved
 * @nr_pages: number of pages, as preserved
 */
void kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long pfn = page_to_pfn(page), end = pfn + nr_pages;

	if (!kho_out.ready)
		return;
	while (pfn < end) {
		unsigned int order = kho_chunk_order(pfn, end);

		while (order && pfn_to_nid(pfn) != pfn_to_nid(pfn + (1UL << order) - 1))
			order--;
		kho_tracker_clear(&kho_out.tracker, PFN_PHYS(pfn), order);
		pfn += 1UL << order;
	}
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/* ---- Restoring memory in the new kernel ------------------------------- */

/* Order of the chunk whose head page is @page, or -ENOENT if unmarked. */
static int kho_marked_order(struct page *page)
{
	unsigned long info = READ_ONCE(page->private);

	return (info >> 32) == KHO_PAGE_MAGIC ? info & 0xffffffff : -ENOENT;
}

/*
 * A chunk may be handed out only if all its pages are still reserved and
 * none but the head carries a mark: malformed handover data could list
 * a chunk inside another, and its pages must not be handed out twice.
 */
static bool kho_chunk_intact(struct page *page, unsigned int order)
{
	unsigned long i;

	/* nth_page(): a chunk above MAX_PAGE_ORDER may span memory sections. */
	for (i = 0; i < (1UL << order); i++)
		if (!PageReserved(nth_page(page, i)) ||
		    (i && kho_marked_order(nth_page(page, i)) >= 0))
			return false;
	return true;
}

/*
 * Claim the chunk whose head page is @page: the mark the boot walk left is
 * cleared, so a second restore finds nothing. Returns its order.
 */
static int kho_claim(struct page *page)
{
	unsigned long info = READ_ONCE(page->private);
	int order = kho_marked_order(page);

	if (order < 0 || !kho_chunk_intact(page, order) ||
	    cmpxchg(&page->private, info, 0) != info)
		return -ENOENT;
	return order;
}

/*
 * Call @fn on each preserved chunk nobody has restored yet: its head page
 * still carries the boot walk's mark and is still reserved. For debugfs:
 * a scan of every online page frame, racing with restores.
 */
void kho_in_walk_held(kho_held_fn fn, void *arg)
{
	unsigned long pfn;

	if (!is_kho_boot())
		return;
	for (pfn = 0; pfn < max_pfn; pfn++) {
		struct page *page = pfn_to_online_page(pfn);
		int order;

		if (!(pfn % 4096))
			cond_resched();
		if (!page || !PageReserved(page))
			continue;
		order = kho_marked_order(page);
		if (order >= 0) {
			fn(PFN_PHYS(pfn), order, arg);
			pfn += (1UL << order) - 1;
		}
	}
}

static struct page *kho_phys_page(phys_addr_t phys)
{
	if (!is_kho_boot() || !PAGE_ALIGNED(phys) || !pfn_valid(PHYS_PFN(phys)))
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}

/* Give the pages of a claimed chunk back to the page allocator's care. */
static void kho_adopt(struct page *page, unsigned int order, bool folio)
{
	unsigned long i, nr = 1UL << order;
	unsigned long step = min_t(unsigned long, nr, MAX_ORDER_NR_PAGES);

	for (i = 0; i < nr; i++) {
		ClearPageReserved(nth_page(page, i));
		set_page_count(nth_page(page, i), folio && i ? 0 : 1);
	}
	if (folio && order)
		prep_compound_page(page, order);
	/* Count per MAX_ORDER block: a larger chunk may span zones. */
	for (i = 0; i < nr; i += step)
		adjust_managed_page_count(nth_page(page, i), step);
	atomic_long_add(nr, &kho_in.restored_pages);
}

/*
 * A chunk above MAX_PAGE_ORDER becomes one compound page only where the
 * memory map is one array (prep_compound_page() walks it as such) and
 * the chunk lies in one zone (the buddy allocator frees it there).
 */
static bool kho_gigantic_ok(struct page *page, unsigned int order)
{
	return IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) &&
	       page_zone(page) == page_zone(nth_page(page, (1UL << order) - 1));
}

static struct folio *kho_restore_folio_upto(phys_addr_t phys,
					    unsigned int max_order)
{
	struct page *page = kho_phys_page(phys);
	int order;

	/*
	 * Upstream records page ranges in chunks above MAX_PAGE_ORDER too:
	 * a caller that cannot hold such a folio (@max_order MAX_PAGE_ORDER)
	 * leaves them preserved, for kho_restore_pages().
	 */
	order = page ? kho_marked_order(page) : -ENOENT;
	if (order > (int)max_order ||
	    (order > MAX_PAGE_ORDER && !kho_gigantic_ok(page, order))) {
		pr_warn("preserved chunk at %pa is order %d, too large for a folio\n",
			&phys, order);
		return NULL;
	}
	order = page ? kho_claim(page) : -ENOENT;
	if (order < 0) {
		/* A damaged array of folios asks for thousands of them. */
		pr_warn_ratelimited("no intact preserved folio at %pa (never preserved, restored already, or overlapping)\n",
				    &phys);
		return NULL;
	}
	kho_adopt(page, order, true);
	return page_folio(page);
}

/**
 * kho_restore_folio - get back a folio preserved by the previous kernel
 * @phys: its physical address
 *
 * Return: the folio, with its original order and one reference, or NULL
 * (with a log line) if nothing was preserved there, it was restored
 * already, or it is larger than MAX_PAGE_ORDER; never a page that is in
 * use elsewhere.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	return kho_restore_folio_upto(phys, MAX_PAGE_ORDER);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_gigantic_folio - get back a folio that may be larger than
 *	the buddy allocator's largest block
 * @phys: its physical address
 *
 * As kho_restore_folio(), up to PUD_ORDER: a 1 GiB hugetlb page is one
 * compound folio again. For callers that hand such a folio to hugetlb or
 * free it with folio_put(), which frees it a pageblock at a time; a
 * kernel without a contiguous memory map (SPARSEMEM_VMEMMAP) gets back
 * only folios up to MAX_PAGE_ORDER.
 *
 * Return: the folio, with one reference, or NULL (with a log line).
 */
struct folio *kho_restore_gigantic_folio(phys_addr_t phys)
{
	return kho_restore_folio_upto(phys, max_t(unsigned int, PUD_ORDER,
						  MAX_PAGE_ORDER));
}
EXPORT_SYMBOL_GPL(kho_restore_gigantic_folio);

/**
 * kho_restore_copy - copy a preserved record out and release its folio
 * @phys: physical address of the folio the record was preserved in
 * @buf:  where to copy it
 * @len:  its size, at most the folio's
 *
 * For small handover records (descriptors). The folio is claimed from KHO
 * before it is read: an address the previous kernel did not preserve is
 * refused, never dereferenced.
 *
 * Return: 0, or -EINVAL if no folio (or a smaller one) was preserved there.
 */
int kho_restore_copy(phys_addr_t phys, void *buf, size_t len)
{
	struct folio *folio;
	int err = 0;

	if (!phys || !PAGE_ALIGNED(phys))
		return -EINVAL;
	folio = kho_restore_folio(phys);
	if (!folio)
		return -EINVAL;
	if (folio_size(folio) < len)
		err = -EINVAL;
	else
		memcpy(buf, folio_address(folio), len);
	folio_put(folio);
	return err;
}
EXPORT_SYMBOL_GPL(kho_restore_copy);

/**
 * kho_restore_pages - get back a page range preserved by the previous kernel
 * @phys:     physical address of the first page
 * @nr_pages: number of pages, as preserved
 *
 * Return: the first page of @nr_pages order-0 pages with one reference
 * each, or NULL (with a log line) if the range was not preserved as such or
 * was restored already. On failure nothing is restored.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long pfn = PHYS_PFN(phys), end = pfn + nr_pages;
	struct page *first = kho_phys_page(phys);

	if (!first || !nr_pages) {
		pr_warn("no preserved pages at %pa\n", &phys);
		return NULL;
	}

	/* Check every chunk before touching any. */
	while (pfn < end) {
		int order = kho_marked_order(pfn_to_page(pfn));

		if (order < 0 || pfn + (1UL << order) > end ||
		    !kho_chunk_intact(pfn_to_page(pfn), order)) {
			pr_warn("pages at %pa were not preserved as %lu pages (or restored already)\n",
				&phys, nr_pages);
			return NULL;
		}
		pfn += 1UL << order;
	}
	for (pfn = PHYS_PFN(phys); pfn < end;) {
		int order = kho_claim(pfn_to_page(pfn));

		if (WARN_ON(order < 0))	/* raced with another restore */
			return NULL;
		kho_adopt(pfn_to_page(pfn), order, false);
		pfn += 1UL << order;
	}
	return first;
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

/**
 * kho_alloc_preserve - allocate zeroed memory and preserve it
 * @size: bytes; rounded up to a power-of-two number of pages
 *
 * For handover descriptors. Free with kho_unpreserve_free(); in the next
 * kernel, find it by physical address and release it with
 * kho_restore_free().
 *
 * Return: the memory, or an ERR_PTR.
 */
void *kho_alloc_preserve(size_t size)
{
	struct folio *folio;
	int err;

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio_address(folio);
}
EXPORT_SYMBOL_GPL(kho_alloc_preserve);

/**
 * kho_unpreserve_free - unpreserve and free kho_alloc_preserve() memory
 * @mem: the memory, or NULL
 */
void kho_unpreserve_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = virt_to_folio(mem);
	kho_unpreserve_folio(folio);
	folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_free);

/**
 * kho_restore_free - release memory the previous kernel preserved with
 *	kho_alloc_preserve()
 * @mem: its address in the direct map (phys_to_virt of the handed-over
 *	 physical address)
 */
void kho_restore_free(void *mem)
{
	struct folio *folio = kho_restore_folio(virt_to_phys(mem));

	if (folio)
		folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_restore_free);

/* ---- Named blobs in the root FDT -------------------------------------- */

static int kho_fdt_find_blob(const void *fdt, phys_addr_t phys)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const __le64 *p;
		int len;

		p = fdt_getprop(fdt, node, KHO_FDT_SUBTREE_ADDR, &len);
		if (p && len == sizeof(*p) && le64_to_cpu(*p) == phys)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

/**
 * kho_add_subtree - hand a named blob to the next kernel
 * @name: node name under the root FDT (e.g. "LUO"), unique
 * @blob: the blob; its memory must be preserved by the caller (for
 *	  example allocated with kho_alloc_preserve())
 * @size: its size in bytes
 *
 * The next kernel finds it with kho_retrieve_subtree(@name). Only the
 * address and size are recorded: the contents may change until the kexec.
 *
 * Return: 0, -EOPNOTSUPP if KHO is off, -EEXIST if @name is taken, or
 * -ENOSPC if the FDT page is full.
 */
int kho_add_subtree(const char *name, void *blob, size_t size)
{
	__le64 addr = cpu_to_le64(virt_to_phys(blob));
	__le64 len = cpu_to_le64(size);
	int node, err = 0;

	if (!kho_out.ready)
		return -EOPNOTSUPP;

	mutex_lock(&kho_out.lock);
	node = fdt_add_subnode(kho_out.fdt, 0, name);
	if (node < 0) {
		err = node == -FDT_ERR_EXISTS ? -EEXIST : -ENOSPC;
		goto out;
	}
	if (fdt_setprop(kho_out.fdt, node, KHO_FDT_SUBTREE_ADDR, &addr, sizeof(addr)) ||
	    fdt_setprop(kho_out.fdt, node, KHO_FDT_SUBTREE_SIZE, &len, sizeof(len))) {
		fdt_del_node(kho_out.fdt, node);
		err = -ENOSPC;
		goto out;
	}
	kho_debugfs_blob_add(name, blob, size, false);
out:
	mutex_unlock(&kho_out.lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/**
 * kho_remove_subtree - stop handing a blob to the next kernel
 * @blob: a blob passed to kho_add_subtree()
 */
void kho_remove_subtree(void *blob)
{
	int node;

	if (!kho_out.ready)
		return;
	mutex_lock(&kho_out.lock);
	node = kho_fdt_find_blob(kho_out.fdt, virt_to_phys(blob));
	if (node >= 0) {
		fdt_del_node(kho_out.fdt, node);
		kho_debugfs_blob_remove(blob);
	}
	mutex_unlock(&kho_out.lock);
}
EXPORT_SYMBOL_GPL(kho_remove_subtree);

/**
 * kho_retrieve_subtree - find a blob the previous kernel handed over
 * @name: its node name
 * @phys: out: its physical address
 * @size: out (may be NULL): its size in bytes
 *
 * Return: 0, -ENOENT if this is not a KHO boot or there is no such blob,
 * or -EINVAL if its node is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size)
{
	const void *fdt = kho_in_fdt();
	const __le64 *addr, *len;
	int node, alen, slen;

	if (!fdt)
		return -ENOENT;
	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0)
		return -ENOENT;
	addr = fdt_getprop(fdt, node, KHO_FDT_SUBTREE_ADDR, &alen);
	len = fdt_getprop(fdt, node, KHO_FDT_SUBTREE_SIZE, &slen);
	if (!addr || alen != sizeof(*addr) || !len || slen != sizeof(*len)) {
		pr_warn("incoming subtree '%s' is malformed\n", name);
		return -EINVAL;
	}
	*phys = le64_to_cpu(*addr);
	if (size)
		*size = le64_to_cpu(*len);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

/* ---- kexec_file_load ---------------------------------------------------- */

/**
 * kho_walk_scratch - offer only the scratch areas to the kexec loader
 * @kbuf: the buffer being placed
 * @func: kexec's hole-finding callback
 *
 * Every segment of a KHO kexec must lie in scratch: that is the only memory
 * the next kernel uses before it knows what is preserved.
 *
 * Return: what @func returned for the last area it was called on.
 */
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*func)(struct resource *, void *))
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < kho_scratch_cnt; i++) {
		struct resource res = {
			.start = kho_scratch[i].addr,
			.end = kho_scratch[i].addr + kho_scratch[i].size - 1,
			.flags = IORESOURCE_SYSTEM_RAM,
		};

		/* res.end of an empty area would lie below its start. */
		if (!kho_scratch[i].size || (i == 1 && kho_selftest_zero_scratch()))
			continue;
		ret = func(&res, kbuf);
		if (ret)
			break;
	}
	return ret;
}

/**
 * kho_fill_kimage - add the KHO handover to a kexec image being loaded
 * @image: a non-crash kexec_file image
 *
 * Copies the scratch array into a segment of its own and records it and
 * the root FDT in @image->kho, for the architecture's boot parameters.
 *
 * Return: 0 (also when KHO is off: nothing is handed over) or an errno.
 */
int kho_fill_kimage(struct kimage *image)
{
	size_t size = kho_scratch_cnt * sizeof(*kho_scratch);
	struct kexec_buf kbuf = {
		.image = image,
		.buffer = kho_scratch,
		.bufsz = size,
		.memsz = PAGE_ALIGN(size),
		.buf_align = PAGE_SIZE,
		.buf_min = 0,
		.buf_max = ULONG_MAX,
		.top_down = true,
		.mem = KEXEC_BUF_MEM_UNKNOWN,
	};
	int err;

	if (!kho_out.ready || image->type == KEXEC_TYPE_CRASH)
		return 0;

	kbuf.buffer = kho_selftest_scratch(kbuf.buffer, size);
	err = kexec_add_buffer(&kbuf);
	if (err)
		return err;
	image->kho.scratch_addr = kbuf.mem;
	image->kho.scratch_size = size;
	image->kho.fdt_addr = virt_to_phys(kho_out.fdt);
	image->kho.fdt_size = PAGE_SIZE;
	return 0;
}

/* ---- Early boot ------------------------------------------------------- */

/*
 * Is the structure block of @fdt (whose header and bounds were checked)
 * well formed to its end: every tag, node name and property name within
 * the blob, nodes balanced? A lookup in a damaged block fails as if the
 * node were absent, and a subtree past the damage (LUO's sessions) would
 * be lost without a word: such a handover is refused instead.
 */
static bool __init kho_fdt_sound(const void *fdt)
{
	int offset = 0, next, depth = 0, len;
	const struct fdt_property *prop;
	u32 tag;

	for (;;) {
		tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0)
			return false;
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (!fdt_get_name(fdt, offset, &len))
				return false;
			depth++;
			break;
		case FDT_END_NODE:
			if (--depth < 0)
				return false;
			break;
		case FDT_PROP:
			prop = fdt_get_property_by_offset(fdt, offset, &len);
			if (!prop || !fdt_get_string(fdt, fdt32_to_cpu(prop->nameoff),
						     &len))
				return false;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return !depth;
		default:
			return false;
		}
		offset = next;
	}
}

/*
 * kho_populate - accept the handover of the previous kernel.
 *
 * Called by the architecture once memblock knows the memory map and before
 * its first memblock allocation. Validates the FDT header and the scratch
 * array; from then on memblock allocates only from scratch.
 */
void __init kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
			 phys_addr_t scratch_phys, u64 scratch_len)
{
	struct kho_scratch *scratch = NULL;
	unsigned int i, cnt, nonempty = 0;
	const __le64 *map;
	void *fdt = NULL;
	int len;

	if (!kho_enable)
		return;
	if (is_kdump_kernel()) {
		kho_enable = false;
		return;
	}

	cnt = scratch_len / sizeof(*scratch);
	if (fdt_len < sizeof(struct fdt_header) || fdt_len > SZ_1M || !cnt ||
	    cnt > 2 + MAX_NUMNODES || scratch_len % sizeof(*scratch)) {
		pr_warn("handover has bad sizes, refusing it: cold boot\n");
		return;
	}

	fdt = early_memremap(fdt_phys, fdt_len);
	if (!fdt || fdt_check_header(fdt) || fdt_totalsize(fdt) > fdt_len) {
		pr_warn("handover FDT at %pa has a bad header, refusing it: cold boot\n",
			&fdt_phys);
		goto out;
	}
	if (!kho_fdt_sound(fdt)) {
		pr_warn("handover FDT at %pa is damaged, refusing it: cold boot\n",
			&fdt_phys);
		goto out;
	}
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE)) {
		pr_warn("handover FDT is not %s, refusing it: cold boot\n",
			KHO_FDT_COMPATIBLE);
		goto out;
	}
	map = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP, &len);
	if (!map || len != sizeof(*map) || !le64_to_cpu(*map)) {
		pr_warn("handover FDT has no memory map, refusing it: cold boot\n");
		goto out;
	}

	scratch = early_memremap(scratch_phys, scratch_len);
	if (!scratch)
		goto out;
	for (i = 0; i < cnt; i++) {
		u64 addr = scratch[i].addr, size = scratch[i].size;

		/*
		 * Upstream keeps the array layout fixed and hands over an
		 * area it could not size (e.g. "global" in a small machine)
		 * with size 0: an empty area, skipped everywhere.
		 */
		if (!size)
			continue;
		if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
		    !memblock_is_region_memory(addr, size)) {
			pr_warn("scratch area %u [%#llx+%#llx] is not RAM, refusing handover: cold boot\n",
				i, addr, size);
			goto out;
		}
		nonempty++;
	}
	if (!nonempty) {
		pr_warn("all %u scratch areas are empty, refusing handover: cold boot\n",
			cnt);
		goto out;
	}
	for (i = 0; i < cnt; i++)
		if (scratch[i].size)
			memblock_mark_kho_scratch(scratch[i].addr, scratch[i].size);

	/* Both stay in use for the whole life of this kernel. */
	memblock_reserve(fdt_phys, fdt_len);
	memblock_reserve(scratch_phys, scratch_len);
	memblock_set_kho_scratch_only();

	kho_in.fdt_phys = fdt_phys;
	kho_in.fdt_len = fdt_len;
	kho_in.scratch_phys = scratch_phys;
	kho_in.mem_map = le64_to_cpu(*map);
	kho_in.found_cycles = get_cycles();
	kho_scratch_cnt = cnt;
	pr_info("handover found: %u scratch areas, early allocations from scratch only\n",
		cnt);
out:
	if (scratch)
		early_memunmap(scratch, scratch_len);
	if (fdt)
		early_memunmap(fdt, fdt_len);
}

struct kho_reserve_ctx {
	unsigned long pages;
	unsigned long in_use_pages;	/* of those, in memory in use */
	phys_addr_t run_start, run_end;	/* adjacent chunks, reserved at once */
};

/*
 * Does [@phys, @phys + @size) lie in memory this kernel uses already? The
 * first walk asks, before anything is reserved for preserved memory: what
 * memblock reserved then (the kernel, the initrd, the low 1 MiB of x86 and
 * its real mode trampoline) is not preserved memory, whatever the handover
 * says. The incoming FDT is: the previous kernel preserves it, and this
 * kernel reads it for the whole boot. Neither is ever handed out.
 */
static bool __init kho_overlaps_fdt(phys_addr_t phys, phys_addr_t size)
{
	return phys < kho_in.fdt_phys + kho_in.fdt_len &&
	       kho_in.fdt_phys < phys + size;
}

static bool __init kho_chunk_in_use(phys_addr_t phys, phys_addr_t size)
{
	return kho_overlaps_fdt(phys, size) ||
	       memblock_is_region_reserved(phys, size);
}

/*
 * A run of chunks in one node's RAM outside scratch is checked at once;
 * any other, chunk by chunk, so that the log names the chunk at fault.
 */
static int __init kho_check_chunk(phys_addr_t phys, unsigned int order,
				  unsigned long nr, void *arg)
{
	unsigned long pfn = PHYS_PFN(phys), i, pages;
	struct kho_reserve_ctx *ctx = arg;
	phys_addr_t size;
	bool in_use;
	int nid, err;

	/* Runs of chunks above MAX_PAGE_ORDER could overflow @size. */
	if (nr > 1 && order > MAX_PAGE_ORDER)
		goto one_by_one;
	pages = nr << order;
	size = PFN_PHYS(pages);
	if (!memblock_is_region_memory(phys, size) ||
	    kho_addr_in_scratch(phys, size)) {
		if (nr > 1)
			goto one_by_one;
		pr_warn("preserved chunk %pa order %u is outside RAM or in scratch\n",
			&phys, order);
		return -EINVAL;
	}
	nid = early_pfn_to_nid(pfn);
	if (early_pfn_to_nid(pfn + pages - 1) != nid) {
		if (nr > 1)
			goto one_by_one;
		pr_warn("preserved chunk %pa order %u spans nodes\n", &phys, order);
		return -EINVAL;
	}
	in_use = kho_chunk_in_use(phys, size);
	if (in_use && nr > 1)
		goto one_by_one;
	if (in_use && !kho_overlaps_fdt(phys, size))
		pr_warn_ratelimited("preserved chunk %pa order %u lies in memory in use, not handed out\n",
				    &phys, order);
	if (in_use)
		ctx->in_use_pages += pages;
	ctx->pages += pages;
	if (ctx->pages > PHYS_PFN(memblock_phys_mem_size())) {
		pr_warn("more memory preserved than there is\n");
		return -E2BIG;
	}
	/*
	 * Deferred struct page init has not reached most of memory yet: the
	 * struct pages the second walk marks must be initialized first, and
	 * only once, so that a chunk listed twice is still seen as such.
	 */
	if (IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT))
		for (i = 0; i < pages; i++)
			init_deferred_page(pfn + i, nid);
	/* After the init above, which would wipe it. */
	if (in_use)
		pfn_to_page(pfn)->private = KHO_PAGE_IN_USE;
	return 0;

one_by_one:
	for (i = 0; i < nr; i++) {
		err = kho_check_chunk(phys + i * (PAGE_SIZE << order), order,
				      1, arg);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The struct pages of preserved memory are initialized already and carry
 * the chunk marks: memblock must not initialize them again when it hands
 * memory to the buddy allocator, which would wipe the marks.
 */
static void __init kho_reserve_flush(struct kho_reserve_ctx *ctx)
{
	phys_addr_t size = ctx->run_end - ctx->run_start;

	if (ctx->run_end > ctx->run_start) {
		memblock_reserve(ctx->run_start, size);
		memblock_reserved_mark_noinit(ctx->run_start, size);
	}
	ctx->run_start = 0;
	ctx->run_end = 0;
}

/*
 * Reserve what memblock does not hold yet in [@start, @end), a chunk in
 * use: it overlaps a reservation made before the walk (the kernel, the
 * initrd, the incoming FDT or scratch array), whose region carries a NUMA
 * node id by now, and memblock_add_range() WARNs when a reservation covers
 * the start of a region of another node id. Seen when the chunk before the
 * FDT was preserved too and both were reserved as one run. Chunks in use
 * are few (the FDT, or damage): the regions are scanned again after each
 * insertion, which may move them.
 */
static void __init kho_reserve_missing(phys_addr_t start, phys_addr_t end)
{
	phys_addr_t chunk = start;
	struct memblock_region *r;

again:
	for_each_reserved_mem_region(r) {
		phys_addr_t rs = r->base, re = r->base + r->size;

		if (re <= start)
			continue;
		if (rs >= end)
			break;
		if (rs > start)
			memblock_reserve(start, rs - start);
		start = re;
		if (start >= end)
			goto noinit;
		goto again;
	}
	memblock_reserve(start, end - start);
noinit:
	/* Its struct pages carry the marks already, as a run's do. */
	memblock_reserved_mark_noinit(chunk, end - chunk);
}

/*
 * The walk yields chunks of one order in ascending address order; reserving
 * runs of adjacent chunks at once keeps memblock's region array short.
 */
static int __init kho_reserve_chunk(phys_addr_t phys, unsigned int order,
				    unsigned long nr, void *arg)
{
	struct kho_reserve_ctx *ctx = arg;
	unsigned long c, i;

	for (c = 0; c < nr; c++, phys += PAGE_SIZE << order) {
		struct page *page = pfn_to_page(PHYS_PFN(phys));

		/* A chunk listed twice must not be handed out twice. */
		if (kho_marked_order(page) >= 0) {
			pr_warn_once("chunk %pa listed twice, keeping the first\n",
				     &phys);
			continue;
		}
		for (i = 0; i < (1UL << order); i++)
			SetPageReserved(nth_page(page, i));
		/* In use (kho_chunk_in_use()): reserved, never claimable. */
		if (page->private == KHO_PAGE_IN_USE) {
			kho_reserve_flush(ctx);
			kho_reserve_missing(phys, phys + (PAGE_SIZE << order));
			continue;
		}
		if (phys != ctx->run_end) {
			kho_reserve_flush(ctx);
			ctx->run_start = phys;
		}
		ctx->run_end = phys + (PAGE_SIZE << order);
		page->private = KHO_PAGE_INFO(order);
	}
	return 0;
}

static int __init kho_unmark_in_use(phys_addr_t phys, unsigned int order,
				    unsigned long nr, void *arg)
{
	unsigned long c;

	for (c = 0; c < nr; c++, phys += PAGE_SIZE << order) {
		struct page *page = pfn_to_page(PHYS_PFN(phys));

		if (page->private == KHO_PAGE_IN_USE)
			page->private = 0;
	}
	return 0;
}

/* Reserve every preserved chunk; on malformed data, reserve none. */
static int __init kho_reserve_preserved(void)
{
	struct kho_walk_limits lim = {
		.mem_end = memblock_end_of_DRAM(),
		.max_nodes = PHYS_PFN(memblock_phys_mem_size()) + 64,
	};
	struct kho_reserve_ctx ctx = { };
	u64 start = local_clock();
	int err;

	kho_in.walk_start_cycles = get_cycles();
	err = kho_tracker_walk(kho_in.mem_map, &lim, kho_check_chunk, &ctx);
	if (err) {
		/* Refused: leave no mark on what the first walk reached. */
		kho_tracker_walk(kho_in.mem_map, &lim, kho_unmark_in_use, NULL);
		return err;
	}
	err = kho_tracker_walk(kho_in.mem_map, &lim, kho_reserve_chunk, &ctx);
	kho_reserve_flush(&ctx);
	if (err)
		return err;
	kho_in.preserved_pages = ctx.pages;
	kho_in.in_use_pages = ctx.in_use_pages;
	kho_in.walk_ns = local_clock() - start;
	kho_in.walk_end_cycles = get_cycles();
	return 0;
}

/*
 * Scratch areas start and end on MAX_PAGE_ORDER boundaries (4 MiB), as
 * upstream places them: with deferred struct page init the next kernel
 * initializes and frees memory in MAX_ORDER blocks, and a block half in
 * scratch would be half uninitialized when early boot allocates from it.
 */
#define KHO_SCRATCH_ALIGN	(PAGE_SIZE << MAX_PAGE_ORDER)

static phys_addr_t __init kho_scaled(phys_addr_t bytes, phys_addr_t fixed)
{
	phys_addr_t size = scratch_scale ? div_u64((u64)bytes * scratch_scale, 100) :
					   fixed;

	return round_up(size, KHO_SCRATCH_ALIGN);
}

/*
 * Cold boot: carve out the scratch areas the next kernel will boot in,
 * sized from what memblock allocated for this kernel so far (memory map,
 * page tables, per-CPU areas: what the next kernel will need again), not
 * from firmware reservations. One area per node with memory: a memoryless
 * node has nothing to boot from and gets none.
 *
 * kho_allocated(): what memblock allocated below @limit, on @nid or
 * anywhere (NUMA_NO_NODE). Memory whose struct pages its owner
 * initializes (MEMBLOCK_RSRV_NOINIT: hugetlb's boot-time 1 GiB pages) is
 * not boot memory the next kernel needs again. Counted, it made
 * hugepagesz=1G hugepages=N ask for 2N GiB in each scratch area, more
 * than the machine had, and KHO turned itself off.
 */
static phys_addr_t __init kho_allocated(int nid, phys_addr_t limit)
{
	struct memblock_region *r;
	phys_addr_t sum = 0;

	for_each_reserved_mem_region(r) {
		if (!(r->flags & MEMBLOCK_RSRV_KERN) ||
		    (r->flags & MEMBLOCK_RSRV_NOINIT) || r->base >= limit)
			continue;
		if (nid != NUMA_NO_NODE &&
		    early_pfn_to_nid(PHYS_PFN(r->base)) != nid)
			continue;
		sum += min(r->size, limit - r->base);
	}
	return sum;
}

static int __init kho_reserve_scratch(void)
{
	bool bottom_up = memblock_bottom_up();
	phys_addr_t addr, size;
	unsigned int i = 0;
	int nid;

	kho_scratch_cnt = 2 + num_node_state(N_MEMORY);
	kho_scratch = memblock_alloc(kho_scratch_cnt * sizeof(*kho_scratch),
				     PAGE_SIZE);
	if (!kho_scratch)
		goto fail;

	/* All sizes first: the areas are memblock allocations themselves. */
	kho_scratch[0].size = kho_scaled(kho_allocated(NUMA_NO_NODE,
						       ARCH_LOW_ADDRESS_LIMIT),
					 scratch_size_lowmem);
	kho_scratch[1].size = kho_scaled(kho_allocated(NUMA_NO_NODE,
						       PHYS_ADDR_MAX),
					 scratch_size_global);
	i = 2;
	for_each_node_state(nid, N_MEMORY)
		kho_scratch[i++].size = kho_scaled(kho_allocated(nid, PHYS_ADDR_MAX),
						   scratch_size_pernode);

	/*
	 * As low as they fit: the page allocator prefers higher zones, so
	 * movable allocations reach scratch (taken last in a zone, see
	 * kho_cma_last()) only when memory runs short.
	 */
	memblock_set_bottom_up(true);
	i = 0;
	addr = memblock_phys_alloc_range(kho_scratch[0].size, KHO_SCRATCH_ALIGN,
					 0, ARCH_LOW_ADDRESS_LIMIT);
	if (!addr)
		goto fail;
	kho_scratch[i++].addr = addr;

	addr = memblock_phys_alloc(kho_scratch[1].size, KHO_SCRATCH_ALIGN);
	if (!addr)
		goto fail;
	kho_scratch[i++].addr = addr;

	for_each_node_state(nid, N_MEMORY) {
		size = kho_scratch[i].size;
		addr = memblock_alloc_range_nid(size, KHO_SCRATCH_ALIGN, 0,
						MEMBLOCK_ALLOC_ACCESSIBLE, nid, true);
		if (!addr)
			goto fail;
		kho_scratch[i++].addr = addr;
	}
	memblock_set_bottom_up(bottom_up);
	return 0;

fail:
	memblock_set_bottom_up(bottom_up);
	pr_err("cannot reserve scratch areas, KHO disabled\n");
	while (kho_scratch && i--)
		memblock_phys_free(kho_scratch[i].addr, kho_scratch[i].size);
	if (kho_scratch)
		memblock_free(kho_scratch, kho_scratch_cnt * sizeof(*kho_scratch));
	kho_scratch = NULL;
	kho_scratch_cnt = 0;
	return -ENOMEM;
}

DEFINE_STATIC_KEY_FALSE(kho_scratch_cma);

/*
 * Turn the scratch areas into CMA pageblocks before memblock hands memory
 * to the buddy allocator: only movable allocations may land there, and
 * pinned (preserved) pages are migrated out, so nothing preserved ever
 * lies in scratch. Migrating them costs preserve time (about a quarter of
 * a 1 GiB memfd used to land in scratch), so the allocator takes scratch
 * last (kho_cma_last()).
 */
static void __init kho_scratch_to_cma(bool free)
{
	unsigned int i;

	/*
	 * Only while scratch is all the CMA there is. Other CMA areas
	 * (hugetlb_cma=, cma=) keep the page allocator's balancing of
	 * movable allocations into CMA: without it, movable allocations
	 * use up the zone's other free memory and unmovable ones fail their
	 * watermarks while CMA is still free.
	 */
	if (totalcma_pages)
		pr_info("other CMA areas (%lu pages): scratch is not taken last\n",
			totalcma_pages);
	else
		static_branch_enable(&kho_scratch_cma);

	for (i = 0; i < kho_scratch_cnt; i++) {
		unsigned long pfn = PHYS_PFN(kho_scratch[i].addr);
		unsigned long end = pfn + PHYS_PFN(kho_scratch[i].size);

		/*
		 * A block deferred struct page init has not reached gets its
		 * head initialized here; kho_pageblock_migratetype() keeps it
		 * CMA when deferred init frees it.
		 */
		for (pfn = ALIGN(pfn, pageblock_nr_pages); pfn < end;
		     pfn += pageblock_nr_pages) {
			init_deferred_page(pfn, early_pfn_to_nid(pfn));
			set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_CMA);
		}
		if (free)
			memblock_phys_free(kho_scratch[i].addr, kho_scratch[i].size);
	}
}

/**
 * kho_pageblock_migratetype - migratetype of a pageblock that deferred init frees
 * @pfn: first page frame of the pageblock
 * @migratetype: the type it would get otherwise
 *
 * Scratch stays CMA however late its struct pages are initialized.
 *
 * Return: %MIGRATE_CMA for a pageblock in a scratch area, else @migratetype.
 */
int __init kho_pageblock_migratetype(unsigned long pfn, int migratetype)
{
	return kho_addr_in_scratch(PFN_PHYS(pfn), PAGE_SIZE) ? MIGRATE_CMA :
							       migratetype;
}

/**
 * kho_memory_init - reserve preserved memory, or scratch on a cold boot
 *
 * Called from mm_core_init(), after the memory map is initialized and
 * before memblock releases memory to the buddy allocator.
 */
void __init kho_memory_init(void)
{
	int err;

	if (kho_in.fdt_phys) {
		kho_scratch = phys_to_virt(kho_in.scratch_phys);
		err = kho_reserve_preserved();
		if (err) {
			pr_warn("preserved-memory map is malformed (%d), refusing handover: cold boot\n",
				err);
			kho_in.fdt_phys = 0;
		} else {
			pr_info("%lu preserved pages reserved\n", kho_in.preserved_pages);
		}
		memblock_clear_kho_scratch_only();
		kho_scratch_to_cma(false);
		return;
	}

	if (!kho_enable)
		return;
	if (is_kdump_kernel() || kho_reserve_scratch()) {
		kho_enable = false;
		return;
	}
	kho_scratch_to_cma(true);
}

/**
 * arch_kho_root_props - add the architecture's properties to KHO's root FDT
 * @fdt: the outgoing root FDT, being built at boot
 *
 * For small values an architecture hands to the next kernel of the same
 * machine (x86: its timer calibration, arch/x86/kernel/kho_timers.c). A
 * kernel that does not know a property ignores it.
 *
 * Return: 0, or a negative errno that turns KHO off.
 */
int __init __weak arch_kho_root_props(void *fdt)
{
	return 0;
}

/**
 * kho_in_root_prop - a property of the handed-over root FDT
 * @name: the property
 * @lenp: set to its length
 *
 * Return: the property's value, in the incoming FDT, or NULL if this boot
 * accepted no handover or the handover has no such property. The caller
 * checks the length and everything in it.
 */
const void *kho_in_root_prop(const char *name, int *lenp)
{
	const void *fdt = kho_in_fdt();

	return fdt ? fdt_getprop(fdt, 0, name, lenp) : NULL;
}

/* Build the outgoing root FDT once the page allocator works. */
static int __init kho_init(void)
{
	void *fdt;
	__le64 map;
	int err;

	if (!kho_enable || !kho_scratch_cnt)
		return 0;

	err = kho_tracker_init(&kho_out.tracker);
	if (err)
		goto fail;

	fdt = (void *)get_zeroed_page(GFP_KERNEL);
	if (!fdt) {
		err = -ENOMEM;
		goto fail_tracker;
	}
	map = cpu_to_le64(virt_to_phys(kho_out.tracker.root));
	err = fdt_create_empty_tree(fdt, PAGE_SIZE) ?:
	      fdt_setprop_string(fdt, 0, "compatible", KHO_FDT_COMPATIBLE) ?:
	      fdt_setprop(fdt, 0, KHO_FDT_MEMORY_MAP, &map, sizeof(map)) ?:
	      arch_kho_root_props(fdt);
	if (err) {
		err = -EINVAL;
		goto fail_fdt;
	}
	kho_out.fdt = fdt;
	kho_out.ready = true;
	err = kho_preserve_folio(virt_to_folio(fdt));
	if (err) {
		kho_out.ready = false;
		kho_out.fdt = NULL;
		goto fail_fdt;
	}
	kho_debugfs_init();
	pr_info("enabled: %u scratch areas\n", kho_scratch_cnt);
	return 0;

fail_fdt:
	free_page((unsigned long)fdt);
fail_tracker:
	/* Nothing is preserved yet: the tree is the root page alone. */
	free_page((unsigned long)kho_out.tracker.root);
fail:
	pr_err("cannot set up the outgoing handover (%d), KHO disabled\n", err);
	kho_enable = false;
	return err;
}
fs_initcall(kho_init);
