// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_handover_debugfs.c - /sys/kernel/debug/kho: what is handed over.
 *
 *   out/fdt             the outgoing root FDT (dtc -I dtb reads it)
 *   out/scratch         the scratch areas the next kernel will boot in
 *   out/sub/<name>      each named blob, raw
 *   in/fdt, in/sub/...  the same for what the previous kernel handed over
 *   out/tracker_bytes   memory used by the preserved-memory tracker
 *   in/pages            preserved and restored page counts, the preserved
 *                       pages that lay in memory in use at boot (kept for
 *                       good: the incoming FDT), boot walk time
 *   in/held             each preserved chunk not restored yet: address, order
 */
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kexec_handover_internal.h"

static struct dentry *kho_dir, *out_sub, *in_sub;
static struct debugfs_blob_wrapper out_fdt_blob, in_fdt_blob;

struct kho_blob_file {
	struct list_head list;
	struct debugfs_blob_wrapper wrapper;
	struct dentry *dentry;
};

static LIST_HEAD(kho_blob_files);
static DEFINE_MUTEX(kho_blob_lock);

static int scratch_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++)
		seq_printf(m, "%u %#llx %#llx %s\n", i, kho_scratch[i].addr,
			   kho_scratch[i].size,
			   i == 0 ? "lowmem" : i == 1 ? "global" : "node");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scratch);

static int pages_show(struct seq_file *m, void *v)
{
	seq_printf(m, "preserved %lu\nrestored %lu\nin_use %lu\nwalk_ns %llu\n",
		   kho_in_preserved_pages(), kho_in_restored_pages(),
		   kho_in_in_use_pages(), kho_in_walk_ns());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pages);

static void held_one(phys_addr_t phys, unsigned int order, void *arg)
{
	seq_printf(arg, "%pa %u\n", &phys, order);
}

static int held_show(struct seq_file *m, void *v)
{
	kho_in_walk_held(held_one, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(held);

static int tracker_bytes_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu\n", kho_out_tracker_bytes());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tracker_bytes);

void kho_debugfs_blob_add(const char *name, void *blob, size_t size, bool in)
{
	struct kho_blob_file *f;

	if (!kho_dir)
		return;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return;
	f->wrapper.data = blob;
	f->wrapper.size = size;
	f->dentry = debugfs_create_blob(name, 0400, in ? in_sub : out_sub,
					&f->wrapper);
	mutex_lock(&kho_blob_lock);
	list_add(&f->list, &kho_blob_files);
	mutex_unlock(&kho_blob_lock);
}

void kho_debugfs_blob_remove(void *blob)
{
	struct kho_blob_file *f, *tmp;

	mutex_lock(&kho_blob_lock);
	list_for_each_entry_safe(f, tmp, &kho_blob_files, list) {
		if (f->wrapper.data != blob)
			continue;
		debugfs_remove(f->dentry);
		list_del(&f->list);
		kfree(f);
	}
	mutex_unlock(&kho_blob_lock);
}

/*
 * Show a copy of each incoming blob (its owner frees the original once it
 * has restored its state), if its node is sane and it lies in RAM.
 */
static void kho_debugfs_in_blobs(const void *fdt)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);
		phys_addr_t phys;
		size_t size;
		void *copy;

		if (!name || kho_retrieve_subtree(name, &phys, &size))
			continue;
		if (!size || size > SZ_1M || !pfn_valid(PHYS_PFN(phys)) ||
		    !pfn_valid(PHYS_PFN(phys + size - 1)))
			continue;
		copy = kvmemdup(phys_to_virt(phys), size, GFP_KERNEL);
		if (copy)
			kho_debugfs_blob_add(name, copy, size, true);
	}
}

void kho_debugfs_init(void)
{
	struct dentry *out, *in;
	void *fdt;

	kho_dir = debugfs_create_dir("kho", NULL);
	out = debugfs_create_dir("out", kho_dir);
	out_sub = debugfs_create_dir("sub", out);
	out_fdt_blob.data = kho_out_fdt();
	out_fdt_blob.size = PAGE_SIZE;
	debugfs_create_blob("fdt", 0400, out, &out_fdt_blob);
	debugfs_create_file("scratch", 0400, out, NULL, &scratch_fops);
	debugfs_create_file("tracker_bytes", 0400, out, NULL, &tracker_bytes_fops);

	fdt = kho_in_fdt();
	if (!fdt)
		return;
	in = debugfs_create_dir("in", kho_dir);
	in_sub = debugfs_create_dir("sub", in);
	in_fdt_blob.data = fdt;
	in_fdt_blob.size = fdt_totalsize(fdt);
	debugfs_create_blob("fdt", 0400, in, &in_fdt_blob);
	debugfs_create_file("pages", 0400, in, NULL, &pages_fops);
	debugfs_create_file("held", 0400, in, NULL, &held_fops);
	kho_debugfs_in_blobs(fdt);
}

/* Helper for the self-test and others living beside the KHO core. */
struct dentry *kho_debugfs_dir(void)
{
	return kho_dir;
}
