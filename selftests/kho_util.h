/* SPDX-License-Identifier: GPL-2.0 */
/* kho_util.h - helpers for tests of Kexec HandOver through debugfs. */
#ifndef KHO_UTIL_H
#define KHO_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define KHO_DEBUGFS	"/sys/kernel/debug/kho"

/* Read a whole (small) file into @buf; returns bytes read or -errno. */
int kho_read_file(const char *path, char *buf, size_t len);
/* Write a string to a file; returns 0 or -errno. */
int kho_write_file(const char *path, const char *s);
/* Value of "key N" or "key=N" in a file, or -1. */
long long kho_file_value(const char *path, const char *key);
bool kho_path_exists(const char *path);
/*
 * Pages the outgoing KHO tracker holds (the self-test walks it: "out:
 * tracked pages=N"), or -1.
 */
long long kho_tracked_pages(void);

/*
 * What the kernel has at one moment: pages KHO handed back so far
 * (kho/in/pages "restored"), MemTotal (restored pages join it) and free
 * memory, per-CPU lists included.
 */
struct kho_mem_count {
	long long restored, total_kb, free_kb;
};

/*
 * Pages the guest's own life may take while a test waits for a release
 * (the console, kmemleak's metadata; under KASAN, its quarantine keeps the
 * memory of objects freed along with the file a while longer: 96 pages
 * short of 16453 seen in kvm_gmem_unretrieved). A file's data is far more.
 */
#define KHO_MEM_SLACK	256

int kho_mem_count(struct kho_mem_count *c);
/*
 * Since @before, the kernel got back preserved pages from KHO, exactly
 * @pages of them (@exact) or at least that many, MemTotal grew by exactly
 * what KHO restored, and free memory by as much, but for KHO_MEM_SLACK
 * (waits up to 5 s for it): every page handed back was freed. 0, or -1
 * after a luo_fail() that says which count is off.
 */
int kho_mem_released(const char *what, const struct kho_mem_count *before,
		     long long pages, bool exact);
/*
 * Every page the previous kernel preserved is back in this one's hands:
 * restored, or kept for good because it lay in memory in use at boot (the
 * incoming FDT): kho/in/pages restored + in_use == preserved. 0, or -1
 * after a luo_fail() that lists what KHO still holds (kho/in/held).
 */
int kho_all_restored(void);

#endif
