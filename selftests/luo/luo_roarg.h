/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_roarg.h - an ioctl argument the kernel can read but not write back:
 * the struct is copied into a fresh page that is then made read-only, so
 * the dispatcher reads the size and the input, runs the operation, and
 * only the copy of the reply to userspace faults.
 */
#ifndef LUO_ROARG_H
#define LUO_ROARG_H

#include <string.h>
#include <sys/mman.h>

/* A read-only copy of @len bytes at @src; NULL on failure. Unmap with luo_ro_free(). */
static inline void *luo_ro_arg(const void *src, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

static inline void luo_ro_free(void *p)
{
	munmap(p, 4096);
}

#endif /* LUO_ROARG_H */
