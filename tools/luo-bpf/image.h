/* SPDX-License-Identifier: GPL-2.0 */
/*
 * image.h - which live-update handover formats can a bzImage read?
 *
 * Before kexec'ing into a new kernel, luo-bpf wants to know whether that
 * kernel understands the handover formats the running one is about to
 * write.  The answer is in the image itself: kernels built with
 * KHO_ADVERTISE_FORMAT() carry "luo-format:<name>" strings, and older or
 * upstream kernels can at least be searched for the compatible strings
 * their handlers match on.  This module opens an x86 bzImage, decompresses
 * the kernel payload and answers those questions.
 */
#ifndef LUO_BPF_IMAGE_H
#define LUO_BPF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest decompressed payload accepted; a real vmlinux is far smaller. */
#define LUO_IMAGE_MAX_PAYLOAD	(512UL << 20)

/* Prefix of an explicit format marker in the kernel's read-only data. */
#define LUO_IMAGE_FORMAT_PREFIX	"luo-format:"

struct luo_image;

/*
 * Open @path and decompress the kernel payload of the bzImage in it.
 *
 * Supported payload compressions are gzip, xz and zstd; lzma, lz4, lzo
 * and bzip2 are recognised and refused by name.  On failure returns NULL,
 * sets errno (ENOEXEC: not a usable bzImage, ENOTSUP: unsupported
 * compression, EBADMSG: corrupt or truncated payload, EFBIG: payload over
 * LUO_IMAGE_MAX_PAYLOAD, E2BIG: more than 256 distinct format markers, or
 * the error of open/read/malloc) and, if @err is not NULL, writes one line
 * without a trailing newline into it.
 */
struct luo_image *luo_image_open(const char *path, char *err, size_t errlen);

/* Free everything luo_image_open() allocated.  NULL is a no-op. */
void luo_image_close(struct luo_image *img);

/*
 * The kernel version string the setup header points to, e.g.
 * "6.12.95 (root@vm) #5 SMP ...", or "" if the pointer is unset or bad.
 */
const char *luo_image_version(const struct luo_image *img);

/*
 * The decompressed kernel payload (normally vmlinux.bin plus relocations)
 * and its size in *@size, for verbose output and tests.
 */
const unsigned char *luo_image_payload(const struct luo_image *img,
				       size_t *size);

/*
 * The explicitly advertised formats: the part after "luo-format:" of every
 * NUL-terminated "luo-format:<name>" string in the payload, deduplicated,
 * in the order found.  <name> must be 1-255 printable, non-blank bytes
 * without '%' (so a printk format such as "luo-format:%s" is not taken for
 * a marker).  Returns the count; *@list points to an array owned by @img.
 */
int luo_image_advertised(const struct luo_image *img,
			 const char *const **list);

/*
 * Can the kernel in @img read handover format @fmt?
 *
 * If the image advertises any format, the answer is whether @fmt is among
 * them, and *@how is "advertised" or "not advertised".  Otherwise the
 * answer is whether @fmt occurs in the payload as a whole NUL-terminated
 * string, i.e. preceded by the start of the payload, a NUL or another
 * non-printable byte; *@how is "string found" or "not found".  @how may be
 * NULL.
 */
bool luo_image_reads(const struct luo_image *img, const char *fmt,
		     const char **how);

#endif /* LUO_BPF_IMAGE_H */
