// SPDX-License-Identifier: GPL-2.0
/*
 * image.c - read an x86 bzImage and tell which handover formats it reads.
 *
 * The setup header layout is the x86 boot protocol described in
 * Documentation/arch/x86/boot.rst.  Everything read from the file is
 * treated as untrusted: each offset is checked against the file size
 * before use, so a malformed image yields an error line and never a
 * crash or an out-of-bounds read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "image.h"

/* Setup header fields, as file offsets (boot.rst, "REAL-MODE KERNEL HEADER") */
#define HDR_SETUP_SECTS		0x1f1	/* u8, 0 means 4 */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206	/* u16, e.g. 0x020f */
#define HDR_KERNEL_VERSION	0x20e	/* u16, string offset - 0x200 */
#define HDR_PAYLOAD_OFFSET	0x248	/* u32, from protected-mode start */
#define HDR_PAYLOAD_LENGTH	0x24c	/* u32 */
#define HDR_END			0x250	/* first byte past the fields used */

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define SECTOR_SIZE		512
#define MAX_FILE_SIZE		(1ULL << 30)
#define MIN_PAYLOAD_PROTOCOL	0x0208	/* payload_offset/length appeared */

/* Longest accepted "luo-format:" name and most distinct names per image */
#define MAX_FORMAT_NAME		255
#define MAX_FORMATS		256

/*
 * Without a size hint, start the output buffer here and double it.  The
 * kernel build always leaves one (see out_init()), so this is the rare
 * path.
 */
#define OUT_INITIAL		(1UL << 20)

struct luo_image {
	unsigned char *data;	/* decompressed payload */
	size_t size;
	char *version;		/* sanitised copy, never NULL */
	char **formats;		/* advertised names, in order found */
	int nr_formats;
};

struct outbuf {
	unsigned char *buf;
	size_t len;		/* bytes produced so far */
	size_t cap;		/* bytes allocated */
};

enum compression {
	COMP_UNSUPPORTED,
	COMP_GZIP,
	COMP_XZ,
	COMP_ZSTD,
	COMP_LZMA,
	COMP_LZ4_LEGACY,
	COMP_LZ4_FRAME,
	COMP_BZIP2,
	COMP_LZO,
};

/*
 * Identified by the magic numbers boot.rst lists for the payload: every
 * compression the kernel build offers (KERNEL_GZIP, _BZIP2, _LZMA, _XZ,
 * _LZO, _LZ4, _ZSTD).  The old gzip magic is still named, so the user
 * learns why such an image was refused.
 */
static const struct {
	const char *name;
	unsigned char magic[6];
	size_t len;
	enum compression type;
} compressions[] = {
	{ "gzip",  { 0x1f, 0x8b }, 2, COMP_GZIP },
	{ "xz",    { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, COMP_XZ },
	{ "zstd",  { 0x28, 0xb5, 0x2f, 0xfd }, 4, COMP_ZSTD },
	{ "lzma",  { 0x5d, 0x00 }, 2, COMP_LZMA },
	{ "lz4",   { 0x02, 0x21, 0x4c, 0x18 }, 4, COMP_LZ4_LEGACY },
	{ "lz4",   { 0x04, 0x22, 0x4d, 0x18 }, 4, COMP_LZ4_FRAME },
	{ "bzip2", { 'B', 'Z', 'h' }, 3, COMP_BZIP2 },
	{ "lzo",   { 0x89, 'L', 'Z', 'O' }, 4, COMP_LZO },
	{ "gzip (old magic 1f 9e)", { 0x1f, 0x9e }, 2, COMP_UNSUPPORTED },
};

#define __printf(a, b)		__attribute__((format(printf, a, b)))

static __printf(3, 4)
void set_err(char *err, size_t errlen, const char *fmt, ...);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static unsigned int get_le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Printable ASCII, independent of the caller's locale */
static bool is_print(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * Read the whole file.  A bzImage is a few MiB; reading rather than
 * mapping means a file truncated under us cannot raise SIGBUS.
 */
static int read_file(const char *path, unsigned char **data, size_t *size,
		     char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t done = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "cannot open: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		set_err(err, errlen, "cannot stat: %s", strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -ENOEXEC;
		set_err(err, errlen, "not a bzImage (not a regular file)");
		goto out;
	}
	if (st.st_size == 0) {
		ret = -ENOEXEC;
		set_err(err, errlen, "not a bzImage (empty file)");
		goto out;
	}
	/* Far above any real bzImage; avoids reading arbitrary huge files */
	if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
		ret = -EFBIG;
		set_err(err, errlen, "not a bzImage (file too large)");
		goto out;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, errlen, "out of memory reading the image");
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			set_err(err, errlen, "read error: %s", strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;	/* shrank since fstat; the header checks cope */
		done += n;
	}
	*data = buf;
	*size = done;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/*
 * Copy the kernel_version string out of the setup code.  A bad pointer is
 * not fatal (the field is informational), it just yields "".  Unprintable
 * bytes are replaced so a crafted image cannot send escape sequences to
 * the terminal the version is printed on.
 */
static char *read_version(const unsigned char *f, size_t setup_end)
{
	unsigned int ptr = get_le16(f + HDR_KERNEL_VERSION);
	const unsigned char *s, *nul;
	size_t off, len, i;
	char *v;

	if (!ptr)
		return strdup("");
	off = (size_t)ptr + 0x200;
	if (off >= setup_end)
		return strdup("");
	s = f + off;
	nul = memchr(s, 0, setup_end - off);
	if (!nul)
		return strdup("");
	len = nul - s;
	v = malloc(len + 1);
	if (!v)
		return NULL;
	for (i = 0; i < len; i++)
		v[i] = is_print(s[i]) ? s[i] : '?';
	v[len] = '\0';
	return v;
}

/*
 * Size the output buffer from the last four bytes of the payload: gzip's
 * ISIZE and the kernel build's size_append footer (after xz, zstd, ...)
 * both store the uncompressed size there, little-endian.  It is only a
 * hint; a wrong value merely costs reallocations.
 */
static int out_init(struct outbuf *o, const unsigned char *in, size_t inlen)
{
	size_t cap = OUT_INITIAL;
	uint32_t hint;

	hint = get_le32(in + inlen - 4);
	if (hint && hint <= LUO_IMAGE_MAX_PAYLOAD)
		cap = (size_t)hint + 1;	/* +1: see the end of stream at once */
	if (cap < 4096)
		cap = 4096;
	o->buf = malloc(cap);
	if (!o->buf)
		return -ENOMEM;
	o->cap = cap;
	o->len = 0;
	return 0;
}

/*
 * Make room for more output.  The buffer may grow to one byte past the
 * cap: a payload that fills that byte is over the limit, one that ends
 * before it is not, and that tells the two apart without decompressing
 * further.
 */
static int out_grow(struct outbuf *o)
{
	const size_t limit = LUO_IMAGE_MAX_PAYLOAD + 1;
	unsigned char *p;
	size_t cap;

	if (o->len < o->cap)
		return 0;
	if (o->cap >= limit)
		return -EFBIG;
	cap = o->cap * 2;
	if (cap > limit)
		cap = limit;
	p = realloc(o->buf, cap);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = cap;
	return 0;
}

static int inflate_gzip(const unsigned char *in, size_t inlen,
			struct outbuf *o, char *err, size_t errlen)
{
	z_stream zs;
	int zret, ret;

	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: a gzip member, header and CRC trailer included */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		set_err(err, errlen, "cannot initialise zlib");
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = inlen;	/* <= UINT32_MAX: payload_length is a u32 */

	for (;;) {
		size_t avail;

		ret = out_grow(o);
		if (ret)
			break;
		avail = o->cap - o->len;
		if (avail > UINT_MAX)
			avail = UINT_MAX;
		zs.next_out = o->buf + o->len;
		zs.avail_out = avail;
		zret = inflate(&zs, Z_NO_FLUSH);
		o->len += avail - zs.avail_out;
		/*
		 * Stop at the end of the first member; anything after it
		 * (padding, a size footer) is not part of the kernel.
		 */
		if (zret == Z_STREAM_END) {
			ret = 0;
			break;
		}
		if (zret == Z_OK)
			continue;
		/* No progress although there was room: input ran out */
		if (zret == Z_BUF_ERROR && zs.avail_out) {
			set_err(err, errlen, "truncated gzip payload");
			ret = -EBADMSG;
			break;
		}
		if (zret == Z_BUF_ERROR)
			continue;
		if (zret == Z_MEM_ERROR) {
			set_err(err, errlen, "out of memory in zlib");
			ret = -ENOMEM;
			break;
		}
		set_err(err, errlen, "corrupt gzip payload (%s)",
			zs.msg ? zs.msg : "unknown zlib error");
		ret = -EBADMSG;
		break;
	}
	inflateEnd(&zs);
	return ret;
}

/* xz, or with @alone the legacy .lzma format (lzma -9, KERNEL_LZMA) */
static int inflate_xz(const unsigned char *in, size_t inlen, bool alone,
		      struct outbuf *o, char *err, size_t errlen)
{
	const uint64_t memlimit = LUO_IMAGE_MAX_PAYLOAD + (64UL << 20);
	const char *name = alone ? "lzma" : "xz";
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret lret;
	int ret;

	/*
	 * No LZMA_CONCATENATED: decode one stream and stop, because the
	 * kernel's 4-byte size footer follows it and is not a valid xz
	 * stream or stream padding.  The memory limit keeps a crafted
	 * header from asking for a dictionary larger than any payload we
	 * would accept.
	 */
	if (alone)
		lret = lzma_alone_decoder(&s, memlimit);
	else
		lret = lzma_stream_decoder(&s, memlimit, 0);
	if (lret != LZMA_OK) {
		set_err(err, errlen, "cannot initialise liblzma");
		return -ENOMEM;
	}
	s.next_in = in;
	s.avail_in = inlen;

	for (;;) {
		size_t avail;

		ret = out_grow(o);
		if (ret)
			break;
		avail = o->cap - o->len;
		s.next_out = o->buf + o->len;
		s.avail_out = avail;
		/* All input is present from the start, so always FINISH */
		lret = lzma_code(&s, LZMA_FINISH);
		o->len += avail - s.avail_out;
		if (lret == LZMA_STREAM_END) {
			ret = 0;
			break;
		}
		if (lret == LZMA_OK)
			continue;
		if (lret == LZMA_BUF_ERROR && s.avail_out) {
			set_err(err, errlen, "truncated %s payload", name);
			ret = -EBADMSG;
			break;
		}
		if (lret == LZMA_BUF_ERROR)
			continue;
		if (lret == LZMA_MEM_ERROR) {
			set_err(err, errlen, "out of memory in liblzma");
			ret = -ENOMEM;
			break;
		}
		if (lret == LZMA_MEMLIMIT_ERROR) {
			set_err(err, errlen,
				"%s payload needs too much memory to decompress",
				name);
			ret = -EFBIG;
			break;
		}
		set_err(err, errlen, "corrupt %s payload (liblzma error %d)",
			name, (int)lret);
		ret = -EBADMSG;
		break;
	}
	lzma_end(&s);
	return ret;
}

static int inflate_zstd(const unsigned char *in, size_t inlen,
			struct outbuf *o, char *err, size_t errlen)
{
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_DCtx *dctx;
	size_t zret;
	int ret;

	dctx = ZSTD_createDCtx();
	if (!dctx) {
		set_err(err, errlen, "cannot initialise libzstd");
		return -ENOMEM;
	}
	/*
	 * Allow windows up to the payload cap (2^29): the default of 2^27
	 * covers "zstd -22 --ultra" as the kernel build uses it, but a
	 * kernel built with a long-range window should not be refused.
	 */
	zret = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 29);
	if (ZSTD_isError(zret)) {
		set_err(err, errlen, "cannot configure libzstd (%s)",
			ZSTD_getErrorName(zret));
		ZSTD_freeDCtx(dctx);
		return -EINVAL;
	}

	for (;;) {
		ZSTD_outBuffer ob;

		ret = out_grow(o);
		if (ret)
			break;
		ob.dst = o->buf + o->len;
		ob.size = o->cap - o->len;
		ob.pos = 0;
		zret = ZSTD_decompressStream(dctx, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(zret)) {
			set_err(err, errlen, "corrupt zstd payload (%s)",
				ZSTD_getErrorName(zret));
			ret = -EBADMSG;
			break;
		}
		/*
		 * 0 means the frame is decoded and flushed.  Stop there:
		 * the kernel build writes one frame and a size footer.
		 */
		if (zret == 0) {
			ret = 0;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size) {
			set_err(err, errlen, "truncated zstd payload");
			ret = -EBADMSG;
			break;
		}
	}
	ZSTD_freeDCtx(dctx);
	return ret;
}

/*
 * Room for at least @want more bytes, or as much as the payload cap leaves
 * (then possibly less; 0 at the cap): the block decoders below write a
 * whole block at a time.
 */
static int out_reserve(struct outbuf *o, size_t want, size_t *room)
{
	const size_t limit = LUO_IMAGE_MAX_PAYLOAD + 1;
	size_t need = o->len + want < limit ? o->len + want : limit;
	unsigned char *p;

	if (o->cap < need) {
		p = realloc(o->buf, need);
		if (!p)
			return -ENOMEM;
		o->buf = p;
		o->cap = need;
	}
	*room = o->cap - o->len;
	if (!*room)
		return -EFBIG;
	return 0;
}

/*
 * The kernel's lz4 (KERNEL_LZ4: "lz4 -l"): the legacy format, a magic
 * number and blocks of at most 8 MiB, each after its little-endian
 * compressed size; the build's size footer follows the last block. The
 * format carries no checksum.
 */
#define LZ4_LEGACY_MAGIC	0x184c2102U
#define LZ4_LEGACY_BLOCK	(8U << 20)

static int inflate_lz4_legacy(const unsigned char *in, size_t inlen,
			      struct outbuf *o, char *err, size_t errlen)
{
	size_t pos = 4, room;
	uint32_t n;
	int got, ret;

	while (inlen - pos >= 4) {
		n = get_le32(in + pos);
		pos += 4;
		if (n == LZ4_LEGACY_MAGIC)
			continue;		/* another stream follows */
		if (pos == inlen)
			break;			/* that was the size footer */
		if (!n || n > inlen - pos) {
			set_err(err, errlen, "truncated lz4 payload");
			return -EBADMSG;
		}
		ret = out_reserve(o, LZ4_LEGACY_BLOCK, &room);
		if (ret)
			return ret;
		got = LZ4_decompress_safe((const char *)in + pos,
					  (char *)o->buf + o->len, (int)n,
					  (int)room);
		if (got < 0) {
			if (room < LZ4_LEGACY_BLOCK)
				return -EFBIG;
			set_err(err, errlen, "corrupt lz4 payload");
			return -EBADMSG;
		}
		o->len += got;
		pos += n;
	}
	if (pos != inlen) {
		set_err(err, errlen, "truncated lz4 payload");
		return -EBADMSG;
	}
	return 0;
}

/* The lz4 frame format (magic 04 22 4d 18), for completeness. */
static int inflate_lz4_frame(const unsigned char *in, size_t inlen,
			     struct outbuf *o, char *err, size_t errlen)
{
	LZ4F_decompressionContext_t dctx;
	size_t pos = 0, src, dst, hint;
	int ret = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
		set_err(err, errlen, "cannot initialise liblz4");
		return -ENOMEM;
	}
	for (;;) {
		ret = out_grow(o);
		if (ret)
			break;
		src = inlen - pos;
		dst = o->cap - o->len;
		hint = LZ4F_decompress(dctx, o->buf + o->len, &dst, in + pos,
				       &src, NULL);
		pos += src;
		o->len += dst;
		if (LZ4F_isError(hint)) {
			set_err(err, errlen, "corrupt lz4 payload (%s)",
				LZ4F_getErrorName(hint));
			ret = -EBADMSG;
			break;
		}
		if (!hint)
			break;			/* the frame is complete */
		if (pos == inlen && !dst) {
			set_err(err, errlen, "truncated lz4 payload");
			ret = -EBADMSG;
			break;
		}
	}
	LZ4F_freeDecompressionContext(dctx);
	return ret;
}

/* KERNEL_BZIP2: one bzip2 stream (block CRCs and a stream CRC). */
static int inflate_bzip2(const unsigned char *in, size_t inlen,
			 struct outbuf *o, char *err, size_t errlen)
{
	bz_stream bs;
	size_t avail;
	int bret, ret;

	memset(&bs, 0, sizeof(bs));
	if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) {
		set_err(err, errlen, "cannot initialise libbz2");
		return -ENOMEM;
	}
	bs.next_in = (char *)in;
	bs.avail_in = inlen > UINT_MAX ? UINT_MAX : (unsigned int)inlen;
	for (;;) {
		ret = out_grow(o);
		if (ret)
			break;
		avail = o->cap - o->len;
		if (avail > UINT_MAX)
			avail = UINT_MAX;
		bs.next_out = (char *)o->buf + o->len;
		bs.avail_out = avail;
		bret = BZ2_bzDecompress(&bs);
		o->len += avail - bs.avail_out;
		if (bret == BZ_STREAM_END)
			break;
		if (bret == BZ_OK && !bs.avail_in && bs.avail_out) {
			set_err(err, errlen, "truncated bzip2 payload");
			ret = -EBADMSG;
			break;
		}
		if (bret == BZ_OK)
			continue;
		if (bret == BZ_MEM_ERROR) {
			set_err(err, errlen, "out of memory in libbz2");
			ret = -ENOMEM;
			break;
		}
		set_err(err, errlen, "corrupt bzip2 payload (libbz2 error %d)",
			bret);
		ret = -EBADMSG;
		break;
	}
	BZ2_bzDecompressEnd(&bs);
	return ret;
}

/*
 * KERNEL_LZO: the lzop file format ("lzop -9"), as lzop writes it: a
 * header, then blocks of big-endian uncompressed and compressed sizes,
 * their checksums (which the header's flags ask for) and the data, LZO1X
 * or stored; a block of size 0 ends the stream.
 */
#define LZOP_MAGIC_LEN		9
#define LZOP_ADLER32_D		0x00000001U
#define LZOP_ADLER32_C		0x00000002U
#define LZOP_EXTRA_FIELD	0x00000040U
#define LZOP_CRC32_D		0x00000100U
#define LZOP_CRC32_C		0x00000200U
#define LZOP_H_FILTER		0x00000800U
#define LZOP_MAX_BLOCK		(64U << 20)

/* @n bytes at *@pos, if there: advance past them and return them. */
static const unsigned char *lzop_take(const unsigned char *in, size_t inlen,
				      size_t *pos, size_t n)
{
	const unsigned char *p = in + *pos;

	if (n > inlen - *pos)
		return NULL;
	*pos += n;
	return p;
}

static int lzop_header(const unsigned char *in, size_t inlen, size_t *pos,
		       uint32_t *flags)
{
	const unsigned char *p;
	unsigned int version;
	size_t start;

	*pos = LZOP_MAGIC_LEN;
	start = *pos;
	p = lzop_take(in, inlen, pos, 4);	/* version, library version */
	if (!p)
		return -1;
	version = p[0] << 8 | p[1];
	if (version >= 0x0940 && !lzop_take(in, inlen, pos, 2))
		return -1;			/* version needed to extract */
	if (!lzop_take(in, inlen, pos, version >= 0x0940 ? 2 : 1))
		return -1;			/* method, level */
	p = lzop_take(in, inlen, pos, 4);
	if (!p)
		return -1;
	*flags = get_be32(p);
	if ((*flags & LZOP_H_FILTER) && !lzop_take(in, inlen, pos, 4))
		return -1;
	/* mode, mtime (low and, from 0x0940, high) */
	if (!lzop_take(in, inlen, pos, version >= 0x0940 ? 12 : 8))
		return -1;
	p = lzop_take(in, inlen, pos, 1);	/* file name */
	if (!p || !lzop_take(in, inlen, pos, *p))
		return -1;
	p = lzop_take(in, inlen, pos, 4);
	if (!p || get_be32(p) != lzo_adler32(1, in + start, *pos - 4 - start))
		return -1;
	if (*flags & LZOP_EXTRA_FIELD) {
		p = lzop_take(in, inlen, pos, 4);
		if (!p || !lzop_take(in, inlen, pos, get_be32(p)) ||
		    !lzop_take(in, inlen, pos, 4))
			return -1;
	}
	return 0;
}

static int inflate_lzo(const unsigned char *in, size_t inlen,
		       struct outbuf *o, char *err, size_t errlen)
{
	const unsigned char *p, *data;
	uint32_t flags, dlen, clen, dsum = 0;
	size_t pos, room;
	lzo_uint got;
	int ret;

	if (lzo_init() != LZO_E_OK) {
		set_err(err, errlen, "cannot initialise liblzo2");
		return -ENOMEM;
	}
	if (lzop_header(in, inlen, &pos, &flags)) {
		set_err(err, errlen, "corrupt or truncated lzo header");
		return -EBADMSG;
	}
	for (;;) {
		p = lzop_take(in, inlen, &pos, 4);
		if (!p)
			goto truncated;
		dlen = get_be32(p);
		if (!dlen)
			return 0;
		p = lzop_take(in, inlen, &pos, 4);
		if (!p)
			goto truncated;
		clen = get_be32(p);
		if (dlen > LZOP_MAX_BLOCK || clen > dlen) {
			set_err(err, errlen, "corrupt lzo payload (block sizes)");
			return -EBADMSG;
		}
		if (flags & LZOP_ADLER32_D) {
			p = lzop_take(in, inlen, &pos, 4);
			if (!p)
				goto truncated;
			dsum = get_be32(p);
		}
		if ((flags & LZOP_CRC32_D) && !lzop_take(in, inlen, &pos, 4))
			goto truncated;
		if (clen < dlen &&
		    (((flags & LZOP_ADLER32_C) && !lzop_take(in, inlen, &pos, 4)) ||
		     ((flags & LZOP_CRC32_C) && !lzop_take(in, inlen, &pos, 4))))
			goto truncated;
		data = lzop_take(in, inlen, &pos, clen);
		if (!data)
			goto truncated;
		ret = out_reserve(o, dlen, &room);
		if (ret)
			return ret;
		if (room < dlen)
			return -EFBIG;
		got = dlen;
		if (clen == dlen)
			memcpy(o->buf + o->len, data, dlen);
		else if (lzo1x_decompress_safe(data, clen, o->buf + o->len,
					       &got, NULL) != LZO_E_OK ||
			 got != dlen)
			goto corrupt;
		if ((flags & LZOP_ADLER32_D) &&
		    lzo_adler32(1, o->buf + o->len, dlen) != dsum)
			goto corrupt;
		o->len += dlen;
	}

truncated:
	set_err(err, errlen, "truncated lzo payload");
	return -EBADMSG;
corrupt:
	set_err(err, errlen, "corrupt lzo payload");
	return -EBADMSG;
}

static int decompress(const unsigned char *in, size_t inlen,
		      struct outbuf *o, char *err, size_t errlen)
{
	enum compression type = COMP_UNSUPPORTED;
	const char *name = NULL;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(compressions); i++) {
		if (inlen >= compressions[i].len &&
		    !memcmp(in, compressions[i].magic, compressions[i].len)) {
			name = compressions[i].name;
			type = compressions[i].type;
			break;
		}
	}
	if (!name) {
		set_err(err, errlen,
			"unknown payload compression (magic %02x %02x %02x %02x)",
			in[0], in[1], in[2], in[3]);
		return -ENOTSUP;
	}
	if (type == COMP_UNSUPPORTED) {
		set_err(err, errlen, "unsupported payload compression %s", name);
		return -ENOTSUP;
	}

	ret = out_init(o, in, inlen);
	if (ret) {
		set_err(err, errlen, "out of memory for the payload");
		return ret;
	}
	switch (type) {
	case COMP_GZIP:
		ret = inflate_gzip(in, inlen, o, err, errlen);
		break;
	case COMP_XZ:
	case COMP_LZMA:
		ret = inflate_xz(in, inlen, type == COMP_LZMA, o, err, errlen);
		break;
	case COMP_ZSTD:
		ret = inflate_zstd(in, inlen, o, err, errlen);
		break;
	case COMP_LZ4_LEGACY:
		ret = inflate_lz4_legacy(in, inlen, o, err, errlen);
		break;
	case COMP_LZ4_FRAME:
		ret = inflate_lz4_frame(in, inlen, o, err, errlen);
		break;
	case COMP_BZIP2:
		ret = inflate_bzip2(in, inlen, o, err, errlen);
		break;
	case COMP_LZO:
		ret = inflate_lzo(in, inlen, o, err, errlen);
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
	/* The last byte of slack is filled only by an oversized payload */
	if (!ret && o->len > LUO_IMAGE_MAX_PAYLOAD)
		ret = -EFBIG;
	if (ret == -EFBIG)
		set_err(err, errlen,
			"decompressed payload larger than %lu MiB",
			LUO_IMAGE_MAX_PAYLOAD >> 20);
	else if (ret == -ENOMEM)
		set_err(err, errlen, "out of memory for the payload");
	return ret;
}

/* A character allowed in a format name: printable, no blank, no '%' */
static bool is_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%';
}

static int add_format(struct luo_image *img, const unsigned char *name,
		      size_t len)
{
	char **formats;
	int i;

	for (i = 0; i < img->nr_formats; i++) {
		if (strlen(img->formats[i]) == len &&
		    !memcmp(img->formats[i], name, len))
			return 0;
	}
	if (img->nr_formats >= MAX_FORMATS)
		return -E2BIG;
	formats = realloc(img->formats,
			  (img->nr_formats + 1) * sizeof(*formats));
	if (!formats)
		return -ENOMEM;
	img->formats = formats;
	formats[img->nr_formats] = strndup((const char *)name, len);
	if (!formats[img->nr_formats])
		return -ENOMEM;
	img->nr_formats++;
	return 0;
}

/*
 * Collect "luo-format:<name>\0" markers.  Unlike the fallback search, no
 * boundary is required before the prefix: KHO_ADVERTISE_FORMAT() places
 * the markers byte-aligned in .rodata, so the first one may directly
 * follow arbitrary data, and the prefix is distinctive enough by itself.
 */
static int scan_formats(struct luo_image *img)
{
	static const char prefix[] = LUO_IMAGE_FORMAT_PREFIX;
	const size_t plen = sizeof(prefix) - 1;
	const unsigned char *p = img->data;
	const unsigned char *end = img->data + img->size;
	int ret;

	while (p < end && (p = memmem(p, end - p, prefix, plen))) {
		const unsigned char *name = p + plen, *q = name;

		while (q < end && q - name <= MAX_FORMAT_NAME &&
		       is_name_char(*q))
			q++;
		if (q < end && !*q && q > name && q - name <= MAX_FORMAT_NAME) {
			ret = add_format(img, name, q - name);
			if (ret)
				return ret;
		}
		p = name;
	}
	return 0;
}

struct luo_image *luo_image_open(const char *path, char *err, size_t errlen)
{
	unsigned char *f = NULL;
	struct outbuf out = { NULL, 0, 0 };
	struct luo_image *img = NULL;
	unsigned int setup_sects, version;
	uint32_t payload_off, payload_len;
	uint64_t payload_start, setup_end;
	size_t fsize = 0;
	int ret;

	set_err(err, errlen, "%s", "");
	ret = read_file(path, &f, &fsize, err, errlen);
	if (ret)
		goto fail;

	ret = -ENOEXEC;
	if (fsize < HDR_MAGIC + 4) {
		set_err(err, errlen,
			"not a bzImage (%zu bytes, too short for a setup header)",
			fsize);
		goto fail;
	}
	if (memcmp(f + HDR_MAGIC, "HdrS", 4)) {
		set_err(err, errlen, "not a bzImage (no HdrS magic)");
		goto fail;
	}
	if (fsize < HDR_END) {
		set_err(err, errlen, "truncated bzImage (setup header cut off)");
		goto fail;
	}
	version = get_le16(f + HDR_VERSION);
	if (version < MIN_PAYLOAD_PROTOCOL) {
		set_err(err, errlen,
			"boot protocol %u.%02u too old (payload fields need 2.08)",
			version >> 8, version & 0xff);
		goto fail;
	}

	setup_sects = f[HDR_SETUP_SECTS];
	if (!setup_sects)
		setup_sects = 4;	/* boot.rst: 0 means the historic 4 */
	setup_end = (uint64_t)(setup_sects + 1) * SECTOR_SIZE;
	if (setup_end > fsize) {
		set_err(err, errlen,
			"truncated bzImage (setup code is %llu bytes, file %zu)",
			(unsigned long long)setup_end, fsize);
		goto fail;
	}

	payload_off = get_le32(f + HDR_PAYLOAD_OFFSET);
	payload_len = get_le32(f + HDR_PAYLOAD_LENGTH);
	if (!payload_off || !payload_len) {
		set_err(err, errlen, "no payload recorded in the setup header");
		goto fail;
	}
	/* 64-bit sums: two u32 fields plus the setup size cannot wrap */
	payload_start = setup_end + payload_off;
	if (payload_start + payload_len > fsize) {
		set_err(err, errlen,
			"payload (offset %u, length %u) extends past the end of the file (%zu bytes)",
			payload_off, payload_len, fsize);
		goto fail;
	}
	if (payload_len < 8) {
		set_err(err, errlen, "payload too short (%u bytes)",
			payload_len);
		goto fail;
	}

	img = calloc(1, sizeof(*img));
	if (!img) {
		ret = -ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	img->version = read_version(f, setup_end);
	if (!img->version) {
		ret = -ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}

	ret = decompress(f + payload_start, payload_len, &out, err, errlen);
	if (ret)
		goto fail;
	free(f);
	f = NULL;
	img->data = out.buf;
	img->size = out.len;
	out.buf = NULL;

	ret = scan_formats(img);
	if (ret) {
		if (ret == -E2BIG)
			set_err(err, errlen,
				"more than %d distinct luo-format markers",
				MAX_FORMATS);
		else
			set_err(err, errlen, "out of memory");
		goto fail;
	}
	return img;

fail:
	free(out.buf);
	free(f);
	luo_image_close(img);
	errno = -ret;
	return NULL;
}

void luo_image_close(struct luo_image *img)
{
	int i;

	if (!img)
		return;
	for (i = 0; i < img->nr_formats; i++)
		free(img->formats[i]);
	free(img->formats);
	free(img->version);
	free(img->data);
	free(img);
}

const char *luo_image_version(const struct luo_image *img)
{
	return img && img->version ? img->version : "";
}

const unsigned char *luo_image_payload(const struct luo_image *img,
				       size_t *size)
{
	if (size)
		*size = img ? img->size : 0;
	return img ? img->data : NULL;
}

int luo_image_advertised(const struct luo_image *img,
			 const char *const **list)
{
	if (list)
		*list = img ? (const char *const *)img->formats : NULL;
	return img ? img->nr_formats : 0;
}

/*
 * Does @s occur as a whole C string?  Searching for @s with its NUL and
 * requiring a non-printable byte before it rejects both "memfd-v2x" (the
 * NUL does not match) and "xmemfd-v2" or the tail of "guest-memfd-v2"
 * (the preceding byte is printable).
 */
static bool has_string(const struct luo_image *img, const char *s)
{
	const unsigned char *base = img->data, *p = base;
	const unsigned char *end = base + img->size;
	size_t n = strlen(s) + 1;

	while (p < end && (p = memmem(p, end - p, s, n))) {
		if (p == base || !is_print(p[-1]))
			return true;
		p++;
	}
	return false;
}

bool luo_image_reads(const struct luo_image *img, const char *fmt,
		     const char **how)
{
	bool found = false;
	int i;

	if (!img || !fmt || !*fmt) {
		if (how)
			*how = "not found";
		return false;
	}
	if (img->nr_formats > 0) {
		for (i = 0; i < img->nr_formats && !found; i++)
			found = !strcmp(img->formats[i], fmt);
		if (how)
			*how = found ? "advertised" : "not advertised";
		return found;
	}
	found = has_string(img, fmt);
	if (how)
		*how = found ? "string found" : "not found";
	return found;
}
