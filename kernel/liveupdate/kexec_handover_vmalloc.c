// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover_vmalloc.c - preserve a vmalloc area across kexec.
 *
 * The area's backing pages are preserved one by one and listed in chunk
 * pages: each holds the physical address of the next chunk page, then up
 * to 511 physical addresses of backing pages; a zero entry ends the list.
 * The descriptor (struct kho_vmalloc) is embedded by the caller in its own
 * handover data.
 *
 * Restoring copies the contents into a fresh vmalloc area and frees the
 * preserved pages: users get ordinary vmalloc memory (vfree() works, the
 * vmalloc statistics stay right) at the cost of one copy of what are
 * metadata arrays, a few MiB at most.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

static void kho_vmalloc_free_chunks(phys_addr_t first, bool restore)
{
	while (first) {
		struct kho_vmalloc_chunk *c = phys_to_virt(first);
		struct page *page = restore ? kho_restore_pages(first, 1) :
					      virt_to_page(c);

		if (!page)
			return;
		first = le64_to_cpu(c->next);
		if (!restore)
			kho_unpreserve_pages(page, 1);
		__free_page(page);
	}
}

/**
 * kho_unpreserve_vmalloc - undo kho_preserve_vmalloc()
 * @preservation: the descriptor filled by kho_preserve_vmalloc()
 *
 * The area itself stays allocated; only its preservation ends.
 */
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	phys_addr_t cphys = preservation->first;

	while (cphys) {
		struct kho_vmalloc_chunk *c = phys_to_virt(cphys);
		unsigned int i;

		for (i = 0; i < KHO_VMALLOC_PER_CHUNK && c->phys[i]; i++)
			kho_unpreserve_pages(pfn_to_page(PHYS_PFN(le64_to_cpu(c->phys[i]))), 1);
		cphys = le64_to_cpu(c->next);
	}
	kho_vmalloc_free_chunks(preservation->first, false);
	memset(preservation, 0, sizeof(*preservation));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

/**
 * kho_preserve_vmalloc - preserve the pages of a vmalloc area
 * @ptr:          start of an area returned by vmalloc() (not huge-mapped)
 * @preservation: out: descriptor to hand to the next kernel
 *
 * The caller keeps the area allocated until the kexec, or calls
 * kho_unpreserve_vmalloc().
 *
 * Return: 0, -EINVAL if @ptr is not a plain vmalloc area, -ENOMEM, or
 * -EOPNOTSUPP if KHO is off. On error nothing stays preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	struct vm_struct *vm = find_vm_area(ptr);
	struct kho_vmalloc_chunk *chunk = NULL;
	unsigned int i, slot = KHO_VMALLOC_PER_CHUNK;
	int err;

	memset(preservation, 0, sizeof(*preservation));
	if (!vm || vm->addr != ptr || !(vm->flags & VM_ALLOC) || !vm->pages ||
	    (vm->flags & VM_ALLOW_HUGE_VMAP))
		return -EINVAL;
	preservation->total_pages = vm->nr_pages;
	preservation->flags = KHO_VMALLOC_ALLOC;
	preservation->order = 0;

	for (i = 0; i < vm->nr_pages; i++) {
		if (slot == KHO_VMALLOC_PER_CHUNK) {
			struct kho_vmalloc_chunk *next;

			next = (void *)get_zeroed_page(GFP_KERNEL);
			if (!next) {
				err = -ENOMEM;
				goto fail;
			}
			err = kho_preserve_pages(virt_to_page(next), 1);
			if (err) {
				free_page((unsigned long)next);
				goto fail;
			}
			if (chunk)
				chunk->next = cpu_to_le64(virt_to_phys(next));
			else
				preservation->first = virt_to_phys(next);
			chunk = next;
			slot = 0;
		}
		err = kho_preserve_pages(vm->pages[i], 1);
		if (err)
			goto fail;
		chunk->phys[slot++] = cpu_to_le64(page_to_phys(vm->pages[i]));
	}
	return 0;

fail:
	kho_unpreserve_vmalloc(preservation);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/*
 * Claim every page of a preserved vmalloc area, chunk pages included, and
 * free it, after calling @fn on each backing page (the page and its index,
 * in order); a page for which @fn returns true is @fn's to free. Allocates
 * nothing. A page that cannot be claimed is skipped; a loop in the chunk
 * list ends at the first chunk claimed twice.
 *
 * Return: the number of backing pages, or -EINVAL if the chunks do not
 * list exactly the descriptor's pages (what they list is freed anyway,
 * but for the pages @fn kept).
 */
static long kho_vmalloc_consume(const struct kho_vmalloc *preservation,
				bool (*fn)(struct page *page, unsigned long idx,
					   void *arg),
				void *arg)
{
	unsigned long total = preservation->total_pages, done = 0;
	phys_addr_t cphys = preservation->first;
	bool ok = true, kept;

	while (cphys) {
		struct kho_vmalloc_chunk *c = phys_to_virt(cphys);
		struct page *cpage = kho_restore_pages(cphys, 1);
		unsigned int i;

		if (!cpage)
			return -EINVAL;
		for (i = 0; i < KHO_VMALLOC_PER_CHUNK && c->phys[i]; i++) {
			phys_addr_t phys = le64_to_cpu(c->phys[i]);
			struct page *page = kho_restore_pages(phys, 1);

			if (!page || done == total) {
				ok = false;
				if (page)
					__free_page(page);
				continue;
			}
			kept = fn && fn(page, done, arg);
			done++;
			if (!kept)
				__free_page(page);
		}
		cphys = le64_to_cpu(c->next);
		__free_page(cpage);
		cond_resched();
	}
	return ok && done == total ? done : -EINVAL;
}

static bool kho_vmalloc_valid(const struct kho_vmalloc *preservation)
{
	return !preservation->order &&
	       (preservation->flags & KHO_VMALLOC_ALLOC) &&
	       preservation->total_pages &&
	       preservation->total_pages <= totalram_pages();
}

static bool kho_vmalloc_copy(struct page *page, unsigned long idx, void *area)
{
	memcpy(area + (idx << PAGE_SHIFT), page_address(page), PAGE_SIZE);
	return false;
}

/**
 * kho_restore_vmalloc - get back a vmalloc area the previous kernel preserved
 * @preservation: the handed-over descriptor
 *
 * Return: a new vmalloc area (free it with vfree()) with the preserved
 * contents, or NULL if the descriptor does not match what was preserved or
 * the new area cannot be allocated. The preserved pages are released in
 * every case but a descriptor that is wrong on its face (order, flags,
 * size).
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	unsigned long total = preservation->total_pages;
	void *area;

	if (!kho_vmalloc_valid(preservation))
		return NULL;
	/* The size comes from the handover; failing is handled: no splat. */
	area = __vmalloc(total << PAGE_SHIFT, GFP_KERNEL | __GFP_NOWARN);
	if (!area) {
		kho_vmalloc_consume(preservation, NULL, NULL);
		return NULL;
	}
	if (kho_vmalloc_consume(preservation, kho_vmalloc_copy, area) < 0) {
		pr_warn("vmalloc preservation at %#llx does not match its descriptor\n",
			preservation->first);
		vfree(area);
		return NULL;
	}
	return area;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);

struct kho_array_walk {
	void (*fn)(const void *rec, void *arg);
	void *arg;
	u64 count;
	size_t size;
	u64 seen;
};

static bool kho_array_walk_page(struct page *page, unsigned long idx,
				void *arg)
{
	struct kho_array_walk *w = arg;
	void *addr = page_address(page);
	size_t off;

	for (off = 0; off + w->size <= PAGE_SIZE && w->seen < w->count;
	     off += w->size, w->seen++)
		w->fn(addr + off, w->arg);
	return false;
}

/**
 * kho_walk_array - go through a preserved vmalloc array of records in place
 * @area:  its preservation descriptor
 * @count: the number of records the handover says it holds
 * @size:  the size of one record, at most PAGE_SIZE; records do not
 *	   straddle pages
 * @fn:    called with each record, in order, and @arg
 * @arg:   passed to @fn
 *
 * A loop over the records without mapping or copying them: it allocates
 * nothing, so that an error path can rely on it to give back what the
 * records name. The area's pages are freed.
 *
 * Return: the number of records @fn saw (at most @count), or -EINVAL if
 * the area does not match its descriptor; @fn has then seen the records
 * of the pages that could be claimed.
 */
long kho_walk_array(const struct kho_vmalloc *area, u64 count, size_t size,
		    void (*fn)(const void *rec, void *arg), void *arg)
{
	struct kho_array_walk w = {
		.fn = fn, .arg = arg, .count = count, .size = size,
	};
	long err;

	if (!area->total_pages)
		return 0;
	if (!size || size > PAGE_SIZE || !kho_vmalloc_valid(area))
		return -EINVAL;
	err = kho_vmalloc_consume(area, kho_array_walk_page, &w);
	if (err < 0) {
		pr_warn("vmalloc preservation at %#llx does not match its descriptor\n",
			area->first);
		return err;
	}
	return w.seen;
}
EXPORT_SYMBOL_GPL(kho_walk_array);

static bool kho_array_keep_page(struct page *page, unsigned long idx,
				void *pages)
{
	((struct page **)pages)[idx] = page;
	return true;
}

/**
 * kho_claim_array - take the pages of a preserved vmalloc array of records
 * @area:  its preservation descriptor
 * @count: the number of records the handover says it holds
 * @size:  the size of one record, at most PAGE_SIZE; records do not
 *	   straddle pages
 * @pagesp: set to the array's pages, in order (kvfree() it), or NULL
 *
 * For a reader that keeps the records in place while it works through
 * them, in any order, and frees each page (__free_page()) when it is done
 * with it: nothing is copied, and no virtual mapping is made. The chunk
 * pages that listed them are freed.
 *
 * Return: the number of pages, 0 if the array is empty, or a negative
 * errno. -EINVAL if the area does not match its descriptor; *@pagesp then
 * holds the pages that could be claimed (NULL in the place of the others),
 * whose records the caller may still need, to give back what they name.
 * -EINVAL with *@pagesp NULL if the descriptor is wrong on its face or
 * cannot hold @count records, -ENOMEM: nothing was claimed.
 */
long kho_claim_array(const struct kho_vmalloc *area, u64 count, size_t size,
		     struct page ***pagesp)
{
	unsigned long total = area->total_pages;
	struct page **pages;
	long n;

	*pagesp = NULL;
	if (!total)
		return count ? -EINVAL : 0;
	if (!size || size > PAGE_SIZE || !kho_vmalloc_valid(area) ||
	    count > (u64)total * (PAGE_SIZE / size))
		return -EINVAL;
	pages = kvcalloc(total, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	n = kho_vmalloc_consume(area, kho_array_keep_page, pages);
	if (n < 0)
		pr_warn("vmalloc preservation at %#llx does not match its descriptor\n",
			area->first);
	*pagesp = pages;
	return n;
}
EXPORT_SYMBOL_GPL(kho_claim_array);
