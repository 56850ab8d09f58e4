// SPDX-License-Identifier: GPL-2.0
/*
 * test_image.c - host-side unit test for image.c
 *
 * Builds synthetic bzImages in a temporary directory: the setup part of a
 * real bzImage (or, if none is given, a minimal hand-made setup header)
 * followed by a payload we compress ourselves, so each case knows exactly
 * which strings the "kernel" contains.  Then checks malformed files and,
 * if available, the real image.
 *
 * Usage: test_image [path/to/bzImage]
 * Prints one line per check; exits 1 if any check failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "image.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define DEFAULT_BZIMAGE	"../../build/obj/arch/x86/boot/bzImage"

/* Where our payload starts, relative to the protected-mode code */
#define TEST_PAYLOAD_OFFSET	0x2c4

static int nr_pass, nr_fail;
static char tmpdir[] = "/tmp/luo-image-test.XXXXXX";

static __printf(2, 3) void check(bool ok, const char *fmt, ...);

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		nr_pass++;
	else
		nr_fail++;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("realloc");
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* A C-style string literal including its embedded and final NULs */
#define buf_lit(b, s)	buf_add(b, s, sizeof(s) - 1)

static void buf_le32(struct buf *b, uint32_t v)
{
	unsigned char le[4] = { v, v >> 8, v >> 16, v >> 24 };

	buf_add(b, le, 4);
}

/*
 * Filler that looks a little like a kernel: pseudo-random bytes (none of
 * which form our test strings by accident) and repetitive stretches, so
 * the payload takes several decompressor rounds.
 */
static void buf_filler(struct buf *b, size_t len, uint32_t seed)
{
	unsigned char chunk[4096];
	size_t i, n;

	while (len) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			chunk[i] = (seed >> 16) & 0x3 ? 0x90 : seed >> 24;
		}
		buf_add(b, chunk, n);
		len -= n;
	}
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die(path);
	if (len && fwrite(data, 1, len, f) != len)
		die(path);
	if (fclose(f))
		die(path);
}

static void read_whole(const char *path, struct buf *b)
{
	unsigned char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		die(path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
}

static void put_le16(unsigned char *p, unsigned int v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* The stand-in setup part used when no real bzImage is available */
static void fake_setup(struct buf *setup)
{
	static const char ver[] = "6.0.0-synthetic (test@host) #1";
	unsigned char s[5 * 512];

	memset(s, 0, sizeof(s));
	s[0x1f1] = 4;
	put_le16(s + 0x1fe, 0xaa55);
	memcpy(s + 0x202, "HdrS", 4);
	put_le16(s + 0x206, 0x020f);
	put_le16(s + 0x20e, 0x400 - 0x200);
	memcpy(s + 0x400, ver, sizeof(ver));
	buf_add(setup, s, sizeof(s));
}

/* The setup part of @img: everything before the protected-mode code */
static bool real_setup(const struct buf *img, struct buf *setup)
{
	unsigned int sects;

	if (img->len < 0x250 || memcmp(img->p + 0x202, "HdrS", 4))
		return false;
	sects = img->p[0x1f1] ? img->p[0x1f1] : 4;
	if ((size_t)(sects + 1) * 512 > img->len)
		return false;
	buf_add(setup, img->p, (sects + 1) * 512);
	return true;
}

/*
 * Write setup + filler + payload + trailing bytes to @name in the temp
 * directory, pointing payload_offset/_length at the payload.
 */
static const char *make_image(const char *name, const struct buf *setup,
			      const void *payload, size_t len)
{
	static char path[4096];
	struct buf img = { 0 };
	unsigned char pad[TEST_PAYLOAD_OFFSET];

	buf_add(&img, setup->p, setup->len);
	put_le32(img.p + 0x248, TEST_PAYLOAD_OFFSET);
	put_le32(img.p + 0x24c, len);
	memset(pad, 0xcc, sizeof(pad));
	buf_add(&img, pad, sizeof(pad));
	buf_add(&img, payload, len);
	/* bzImages carry more after the payload; it must be ignored */
	memset(pad, 0, sizeof(pad));
	buf_add(&img, pad, 512);

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	write_file(path, img.p, img.len);
	free(img.p);
	return path;
}

static void gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	out->cap = deflateBound(&zs, in->len);
	out->p = malloc(out->cap);
	if (!out->p)
		die("malloc");
	zs.next_in = in->p;
	zs.avail_in = in->len;
	zs.next_out = out->p;
	zs.avail_out = out->cap;
	ret = deflate(&zs, Z_FINISH);
	if (ret != Z_STREAM_END)
		die("deflate");
	out->len = zs.total_out;
	deflateEnd(&zs);
}

/* Like scripts/xz_wrap.sh for x86: BCJ x86 filter, LZMA2, CRC32 check */
static void xz_buf(const struct buf *in, struct buf *out)
{
	lzma_options_lzma opt;
	lzma_filter filters[] = {
		{ .id = LZMA_FILTER_X86, .options = NULL },
		{ .id = LZMA_FILTER_LZMA2, .options = &opt },
		{ .id = LZMA_VLI_UNKNOWN, .options = NULL },
	};
	size_t pos = 0;

	if (lzma_lzma_preset(&opt, 6))
		die("lzma_lzma_preset");
	out->cap = lzma_stream_buffer_bound(in->len);
	out->p = malloc(out->cap);
	if (!out->p)
		die("malloc");
	if (lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL,
				      in->p, in->len, out->p, &pos,
				      out->cap) != LZMA_OK)
		die("lzma_stream_buffer_encode");
	out->len = pos;
}

/* Like the zstd CLI the kernel build runs: one frame, with a checksum */
static void zstd_buf(const struct buf *in, struct buf *out)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t n;

	if (!cctx)
		die("ZSTD_createCCtx");
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 9);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	out->cap = ZSTD_compressBound(in->len);
	out->p = malloc(out->cap);
	if (!out->p)
		die("malloc");
	n = ZSTD_compress2(cctx, out->p, out->cap, in->p, in->len);
	if (ZSTD_isError(n))
		die("ZSTD_compress2");
	out->len = n;
	ZSTD_freeCCtx(cctx);
}

/* Like "lzma -9" (KERNEL_LZMA): the legacy .lzma format */
static void lzma_buf(const struct buf *in, struct buf *out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	if (lzma_lzma_preset(&opt, 9) || lzma_alone_encoder(&s, &opt) != LZMA_OK)
		die("lzma_alone_encoder");
	out->cap = in->len + in->len / 2 + 4096;
	out->p = malloc(out->cap);
	if (!out->p)
		die("malloc");
	s.next_in = in->p;
	s.avail_in = in->len;
	s.next_out = out->p;
	s.avail_out = out->cap;
	if (lzma_code(&s, LZMA_FINISH) != LZMA_STREAM_END)
		die("lzma_code");
	out->len = s.total_out;
	lzma_end(&s);
}

static void buf_be32(struct buf *b, uint32_t v)
{
	unsigned char be[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(b, be, 4);
}

/* Like "lz4 -l -9" (KERNEL_LZ4): legacy format, blocks of 8 MiB */
static void lz4_buf(const struct buf *in, struct buf *out)
{
	const size_t block = 8 << 20;
	size_t off, n;
	char *tmp;
	int c;

	tmp = malloc(LZ4_compressBound(block));
	if (!tmp)
		die("malloc");
	buf_le32(out, 0x184c2102);
	for (off = 0; off < in->len; off += n) {
		n = in->len - off < block ? in->len - off : block;
		c = LZ4_compress_default((const char *)in->p + off, tmp, n,
					 LZ4_compressBound(block));
		if (c <= 0)
			die("LZ4_compress_default");
		buf_le32(out, c);
		buf_add(out, tmp, c);
	}
	free(tmp);
}

/* Like "bzip2 -9" (KERNEL_BZIP2) */
static void bzip2_buf(const struct buf *in, struct buf *out)
{
	unsigned int len;

	out->cap = in->len + in->len / 100 + 600;
	out->p = malloc(out->cap);
	if (!out->p)
		die("malloc");
	len = out->cap;
	if (BZ2_bzBuffToBuffCompress((char *)out->p, &len, (char *)in->p,
				     in->len, 9, 0, 0) != BZ_OK)
		die("BZ2_bzBuffToBuffCompress");
	out->len = len;
}

/*
 * Like "lzop -9" (KERNEL_LZO): lzop 1.04's header (version 0x1040, an
 * Adler-32 of the uncompressed data per block), blocks of 256 KiB; one
 * block stored, as lzop stores a block that does not shrink.
 */
static void lzo_buf(const struct buf *in, struct buf *out)
{
	static const unsigned char magic[] = {
		0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a
	};
	static const unsigned char hdr[] = {
		0x10, 0x40, 0x20, 0xa0,	/* version, library version */
		0x09, 0x40,		/* version needed to extract */
		0x03, 0x09,		/* method LZO1X-999, level 9 */
		0x03, 0x00, 0x00, 0x01,	/* flags: ADLER32_D, OS Unix */
		0x00, 0x00, 0x81, 0xa4,	/* mode */
		0, 0, 0, 0, 0, 0, 0, 0,	/* mtime */
		0x00,			/* no file name */
	};
	const size_t block = 256 << 10;
	unsigned char *tmp, *wrk;
	lzo_uint clen;
	size_t off, n;

	tmp = malloc(block + block / 16 + 64 + 3);
	wrk = malloc(LZO1X_999_MEM_COMPRESS);
	if (!tmp || !wrk || lzo_init() != LZO_E_OK)
		die("lzo");
	buf_add(out, magic, sizeof(magic));
	buf_add(out, hdr, sizeof(hdr));
	buf_be32(out, lzo_adler32(1, hdr, sizeof(hdr)));
	for (off = 0; off < in->len; off += n) {
		n = in->len - off < block ? in->len - off : block;
		if (lzo1x_999_compress(in->p + off, n, tmp, &clen, wrk) != LZO_E_OK)
			die("lzo1x_999_compress");
		buf_be32(out, n);
		/* The first block goes stored, to cover that case. */
		buf_be32(out, off && clen < n ? clen : n);
		buf_be32(out, lzo_adler32(1, in->p + off, n));
		if (off && clen < n)
			buf_add(out, tmp, clen);
		else
			buf_add(out, in->p + off, n);
	}
	buf_be32(out, 0);
	free(tmp);
	free(wrk);
}

typedef void (*compress_fn)(const struct buf *in, struct buf *out);

static const struct {
	const char *name;
	compress_fn fn;
	bool size_footer;	/* the kernel build appends one (size_append) */
	bool checked;		/* corruption is detected (a checksum) */
} compressors[] = {
	{ "gzip",  gzip_buf,  false, true },
	{ "xz",    xz_buf,    true,  true },
	{ "zstd",  zstd_buf,  true,  true },
	{ "lzma",  lzma_buf,  true,  true },
	/* The legacy lz4 format has no checksum: corruption may decode. */
	{ "lz4",   lz4_buf,   true,  false },
	{ "bzip2", bzip2_buf, true,  true },
	{ "lzo",   lzo_buf,   true,  true },
};

static void compress_payload(int c, const struct buf *in, struct buf *out)
{
	compressors[c].fn(in, out);
	if (compressors[c].size_footer)
		buf_le32(out, in->len);
}

/* Payload (a): explicit markers plus distractors */
static void payload_markers(struct buf *b)
{
	buf_filler(b, 300000, 1);
	buf_lit(b, "\0luo-format:memfd-v2\0luo-format:luo-v5\0");
	buf_filler(b, 100000, 2);
	/* A duplicate, and strings that must not count as markers */
	buf_lit(b, "\0luo-format:memfd-v2\0");
	buf_lit(b, "\0luo-format:%s\0luo-format:\0luo-format:has space\0");
	/* Present as a plain string, but not advertised */
	buf_lit(b, "\0kho-v4\0");
	buf_filler(b, 200000, 3);
}

/* Payload (b): no markers, whole strings and near misses */
static void payload_plain(struct buf *b)
{
	buf_lit(b, "first-v1\0");	/* at offset 0: a boundary too */
	buf_filler(b, 300000, 4);
	buf_lit(b, "\0memfd-v2\0");
	buf_lit(b, "\x01kho-v4\0");	/* non-printable before it: counts */
	buf_lit(b, "\0xluo-v5\0luo-v5x\0Aluo-v5\0 luo-v5\0");
	buf_lit(b, "\0guest-memfd-v0\0");
	buf_filler(b, 200000, 5);
	buf_lit(b, "\0last-v1");	/* no NUL before the end */
}

static void test_markers(int c, const struct buf *setup)
{
	const char *cname = compressors[c].name;
	struct buf plain = { 0 }, comp = { 0 };
	const char *const *list;
	const unsigned char *data;
	const char *how, *path;
	char err[256], name[64];
	struct luo_image *img;
	size_t size;
	bool r;
	int n;

	payload_markers(&plain);
	compress_payload(c, &plain, &comp);
	snprintf(name, sizeof(name), "markers-%s", cname);
	path = make_image(name, setup, comp.p, comp.len);

	img = luo_image_open(path, err, sizeof(err));
	check(img, "%s markers: opens%s%s", cname, img ? "" : ": ", err);
	if (!img)
		goto out;
	data = luo_image_payload(img, &size);
	check(size == plain.len && !memcmp(data, plain.p, size),
	      "%s markers: payload round-trips (%zu bytes)", cname, size);
	n = luo_image_advertised(img, &list);
	check(n == 2 && !strcmp(list[0], "memfd-v2") &&
	      !strcmp(list[1], "luo-v5"),
	      "%s markers: advertised list is [memfd-v2, luo-v5] (count %d)",
	      cname, n);
	r = luo_image_reads(img, "memfd-v2", &how);
	check(r && !strcmp(how, "advertised"),
	      "%s markers: reads(memfd-v2) true, %s", cname, how);
	r = luo_image_reads(img, "luo-v5", &how);
	check(r && !strcmp(how, "advertised"),
	      "%s markers: reads(luo-v5) true, %s", cname, how);
	r = luo_image_reads(img, "guest-memfd-v1", &how);
	check(!r && !strcmp(how, "not advertised"),
	      "%s markers: reads(guest-memfd-v1) false, %s", cname, how);
	r = luo_image_reads(img, "kho-v4", &how);
	check(!r && !strcmp(how, "not advertised"),
	      "%s markers: reads(kho-v4) false though the string is present, %s",
	      cname, how);
	check(!luo_image_reads(img, "%s", NULL) &&
	      !luo_image_reads(img, "", NULL),
	      "%s markers: \"%%s\" and \"\" are not formats", cname);
	luo_image_close(img);
out:
	free(plain.p);
	free(comp.p);
}

/* Expected results for payload_plain() */
static const struct {
	const char *fmt;
	bool expect;
} plain_cases[] = {
	{ "memfd-v2", true },
	{ "kho-v4", true },
	{ "first-v1", true },
	{ "guest-memfd-v0", true },
	{ "luo-v5", false },		/* only near misses present */
	{ "memfd-v", false },		/* prefix of a string */
	{ "emfd-v2", false },		/* suffix of a string */
	{ "memfd-v0", false },		/* tail of guest-memfd-v0 */
	{ "last-v1", false },		/* not NUL-terminated */
	{ "guest-memfd-v1", false },
};

static void test_plain(int c, const struct buf *setup)
{
	const char *cname = compressors[c].name;
	struct buf plain = { 0 }, comp = { 0 };
	const char *const *list;
	const char *how, *path;
	char err[256], name[64];
	struct luo_image *img;
	size_t i;
	bool r;

	payload_plain(&plain);
	compress_payload(c, &plain, &comp);
	snprintf(name, sizeof(name), "plain-%s", cname);
	path = make_image(name, setup, comp.p, comp.len);

	img = luo_image_open(path, err, sizeof(err));
	check(img, "%s plain: opens%s%s", cname, img ? "" : ": ", err);
	if (!img)
		goto out;
	check(luo_image_advertised(img, &list) == 0,
	      "%s plain: no advertised formats", cname);
	for (i = 0; i < ARRAY_SIZE(plain_cases); i++) {
		const char *want = plain_cases[i].expect ? "string found" :
						     "not found";

		r = luo_image_reads(img, plain_cases[i].fmt, &how);
		check(r == plain_cases[i].expect && !strcmp(how, want),
		      "%s plain: reads(%s) %s, %s", cname, plain_cases[i].fmt,
		      r ? "true" : "false", how);
	}
	luo_image_close(img);
out:
	free(plain.p);
	free(comp.p);
}

/* A size footer that lies must not matter: it is only a hint */
static void test_bad_hint(const struct buf *setup)
{
	struct buf plain = { 0 }, comp = { 0 };
	const unsigned char *data;
	struct luo_image *img;
	const char *path;
	char err[256];
	size_t size;

	payload_plain(&plain);
	buf_filler(&plain, 3 << 20, 6);	/* several doublings from 1 MiB */
	zstd_buf(&plain, &comp);
	buf_le32(&comp, 1);
	path = make_image("bad-hint", setup, comp.p, comp.len);
	img = luo_image_open(path, err, sizeof(err));
	data = luo_image_payload(img, &size);
	check(img && size == plain.len && !memcmp(data, plain.p, size),
	      "zstd with a wrong size footer: payload round-trips%s%s",
	      img ? "" : ": ", err);
	luo_image_close(img);
	free(plain.p);
	free(comp.p);
}

/* Open @path, expect failure with an errno and a non-empty error line */
static void expect_fail(const char *what, const char *path, int want_errno,
			const char *want_err)
{
	struct luo_image *img;
	char err[256];
	int e;

	memset(err, 'X', sizeof(err));
	errno = 0;
	img = luo_image_open(path, err, sizeof(err));
	e = errno;
	check(!img && e && (!want_errno || e == want_errno) &&
	      err[0] && !strchr(err, '\n') &&
	      (!want_err || strstr(err, want_err)),
	      "%s: NULL, errno %d (%s), \"%s\"", what, e, strerrorname_np(e),
	      img ? "(opened!)" : err);
	luo_image_close(img);
}

static const char *write_tmp(const char *name, const void *data, size_t len)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	write_file(path, data, len);
	return path;
}

/*
 * KHO_ADVERTISE_FORMAT() markers are byte-aligned, so one may follow
 * arbitrary data directly; it must still count.
 */
static void test_marker_boundary(const struct buf *setup)
{
	struct buf plain = { 0 }, comp = { 0 };
	const char *const *list;
	struct luo_image *img;
	const char *path;
	char err[256];
	int n;

	buf_filler(&plain, 1000, 8);
	buf_lit(&plain, "\xff\xffXYZluo-format:kho-v4\0");
	buf_filler(&plain, 1000, 9);
	gzip_buf(&plain, &comp);
	path = make_image("marker-boundary", setup, comp.p, comp.len);
	img = luo_image_open(path, err, sizeof(err));
	n = luo_image_advertised(img, &list);
	check(img && n == 1 && !strcmp(list[0], "kho-v4"),
	      "marker right after printable data counts (count %d)%s%s", n,
	      img ? "" : ": ", err);
	luo_image_close(img);
	free(plain.p);
	free(comp.p);
}

/* A bad kernel_version pointer is not fatal, it just gives "" */
static void test_version(const char *base)
{
	struct buf b = { 0 };
	struct luo_image *img;
	const char *path;
	char err[256];

	read_whole(base, &b);
	put_le16(b.p + 0x20e, 0xffff);		/* past the setup code */
	path = write_tmp("version-bad", b.p, b.len);
	img = luo_image_open(path, err, sizeof(err));
	check(img && !strcmp(luo_image_version(img), ""),
	      "kernel_version pointing past the setup code: opens, version \"%s\"",
	      img ? luo_image_version(img) : err);
	luo_image_close(img);

	/* Unprintable bytes in the version must not reach a terminal */
	put_le16(b.p + 0x20e, 0x300 - 0x200);
	memcpy(b.p + 0x300, "6.1\x1b[31m\0", 10);
	path = write_tmp("version-esc", b.p, b.len);
	img = luo_image_open(path, err, sizeof(err));
	check(img && !strcmp(luo_image_version(img), "6.1?[31m"),
	      "escape bytes in the version are replaced: \"%s\"",
	      img ? luo_image_version(img) : err);
	luo_image_close(img);
	free(b.p);
}

/* A crafted payload cannot make the marker list grow without bound */
static void test_too_many_markers(const struct buf *setup)
{
	struct buf plain = { 0 }, comp = { 0 };
	char marker[64];
	const char *path;
	int i, len;

	for (i = 0; i < 300; i++) {
		len = snprintf(marker, sizeof(marker), "luo-format:f%d", i);
		buf_add(&plain, marker, len + 1);
	}
	gzip_buf(&plain, &comp);
	path = make_image("many-markers", setup, comp.p, comp.len);
	expect_fail("300 distinct markers", path, E2BIG, "more than 256");
	free(plain.p);
	free(comp.p);
}

/* Copy of @img with a patched header, written to @name */
static const char *patched(const char *name, const struct buf *img,
			   size_t off, const void *val, size_t len)
{
	struct buf b = { 0 };
	const char *path;

	buf_add(&b, img->p, img->len);
	memcpy(b.p + off, val, len);
	path = write_tmp(name, b.p, b.len);
	free(b.p);
	return path;
}

static void test_malformed(const struct buf *setup, const struct buf *base)
{
	static const struct {
		const char *name;
		const char *magic;
		size_t len;
	} unsupported[] = {
		{ "gzip (old magic 1f 9e)", "\x1f\x9e\x08\x00\x00\x00\x00\x00", 8 },
	};
	struct buf plain = { 0 }, comp = { 0 }, b = { 0 };
	unsigned char le[4];
	char name[64], want[64];
	const char *path;
	size_t i;

	expect_fail("empty file", write_tmp("empty", "", 0), ENOEXEC, NULL);
	snprintf(name, sizeof(name), "%s/does-not-exist", tmpdir);
	expect_fail("missing file", name, ENOENT, NULL);
	expect_fail("directory", tmpdir, ENOEXEC, NULL);
	expect_fail("text file", write_tmp("text", "hello\n", 6), ENOEXEC,
		    NULL);

	/* Truncated at every interesting place */
	expect_fail("truncated to 0x100 bytes",
		    write_tmp("trunc-100", base->p, 0x100), ENOEXEC, NULL);
	expect_fail("truncated inside the setup header",
		    write_tmp("trunc-hdr", base->p, 0x240), ENOEXEC,
		    "truncated");
	expect_fail("truncated inside the setup code",
		    write_tmp("trunc-setup", base->p, setup->len - 1),
		    ENOEXEC, "truncated");
	expect_fail("truncated inside the payload",
		    write_tmp("trunc-payload", base->p, base->len - 600),
		    ENOEXEC, "past the end");

	expect_fail("wrong magic",
		    patched("magic", base, 0x202, "HdrX", 4), ENOEXEC,
		    "no HdrS magic");
	put_le16(le, 0x0206);
	expect_fail("boot protocol 2.06",
		    patched("proto", base, 0x206, le, 2), ENOEXEC, "2.08");
	le[0] = 0xff;
	expect_fail("setup_sects beyond EOF",
		    patched("sects", base, 0x1f1, le, 1), ENOEXEC,
		    "truncated");
	put_le32(le, 0xfffffff0);
	expect_fail("payload_offset beyond EOF",
		    patched("off-eof", base, 0x248, le, 4), ENOEXEC,
		    "past the end");
	put_le32(le, 0xffffffff);
	expect_fail("payload_length beyond EOF",
		    patched("len-eof", base, 0x24c, le, 4), ENOEXEC,
		    "past the end");
	put_le32(le, 0);
	expect_fail("payload_offset 0",
		    patched("off-0", base, 0x248, le, 4), ENOEXEC, NULL);

	for (i = 0; i < ARRAY_SIZE(unsupported); i++) {
		snprintf(name, sizeof(name), "unsupported-%zu", i);
		snprintf(want, sizeof(want),
			 "unsupported payload compression %s",
			 unsupported[i].name);
		path = make_image(name, setup, unsupported[i].magic,
				  unsupported[i].len);
		expect_fail(name, path, ENOTSUP, want);
	}
	path = make_image("unknown", setup, "\x7f" "ELF\2\1\1\0", 8);
	expect_fail("unknown compression (raw ELF)", path, ENOTSUP,
		    "unknown payload compression");

	/* Corrupt and truncated compressed data, per decompressor */
	payload_plain(&plain);
	for (i = 0; i < ARRAY_SIZE(compressors); i++) {
		const char *cname = compressors[i].name;

		compress_payload(i, &plain, &comp);
		snprintf(name, sizeof(name), "%s-truncated", cname);
		path = make_image(name, setup, comp.p, comp.len / 2);
		expect_fail(name, path, EBADMSG, "truncated");

		if (!compressors[i].checked)
			goto next;
		b.len = 0;
		buf_add(&b, comp.p, comp.len);
		/* Past the headers, well inside the compressed data */
		b.p[b.len / 2] ^= 0x55;
		b.p[b.len / 2 + 1] ^= 0xaa;
		snprintf(name, sizeof(name), "%s-corrupt", cname);
		path = make_image(name, setup, b.p, b.len);
		expect_fail(name, path, EBADMSG, NULL);
next:
		free(comp.p);
		comp.p = NULL;
		comp.len = comp.cap = 0;
	}
	free(plain.p);
	free(b.p);
}

/* 513 MiB of zeros compress to a few KiB but must be refused */
static void test_bomb(const struct buf *setup)
{
	static unsigned char zero[1 << 20];
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_outBuffer ob;
	ZSTD_inBuffer ib;
	struct buf comp = { 0 };
	unsigned char out[1 << 16];
	const char *path;
	size_t left, r;
	int i;

	if (!cctx)
		die("ZSTD_createCCtx");
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	for (i = 0; i <= 513; i++) {
		ZSTD_EndDirective end = i == 513 ? ZSTD_e_end :
						   ZSTD_e_continue;

		ib.src = zero;
		ib.size = i == 513 ? 0 : sizeof(zero);
		ib.pos = 0;
		do {
			ob.dst = out;
			ob.size = sizeof(out);
			ob.pos = 0;
			left = ZSTD_compressStream2(cctx, &ob, &ib, end);
			if (ZSTD_isError(left))
				die("ZSTD_compressStream2");
			buf_add(&comp, out, ob.pos);
			r = end == ZSTD_e_end ? left : ib.size - ib.pos;
		} while (r);
	}
	ZSTD_freeCCtx(cctx);
	buf_le32(&comp, 0x20100000);
	path = make_image("bomb", setup, comp.p, comp.len);
	expect_fail("zstd bomb of 513 MiB", path, EFBIG, "512 MiB");
	free(comp.p);
}

static void test_real(const char *path)
{
	static const char *const fmts[] = {
		"memfd-v2", "luo-v5", "kho-v4", "guest-memfd-v1",
	};
	const unsigned char *data;
	const char *const *list;
	struct luo_image *img;
	const char *how;
	char err[256];
	double t;
	size_t size;
	int i, n;

	t = now();
	img = luo_image_open(path, err, sizeof(err));
	t = now() - t;
	check(img, "real bzImage %s: opens%s%s", path, img ? "" : ": ", err);
	if (!img)
		return;
	data = luo_image_payload(img, &size);
	check(size > 1 << 20 && !memcmp(data, "\x7f" "ELF", 4),
	      "real bzImage: payload is ELF, %zu bytes (%.1f MiB), opened in %.3f s",
	      size, size / 1048576.0, t);
	check(luo_image_version(img)[0],
	      "real bzImage: version \"%s\"", luo_image_version(img));
	n = luo_image_advertised(img, &list);
	printf("INFO real bzImage: %d advertised format(s)%s", n,
	       n ? ":" : "");
	for (i = 0; i < n; i++)
		printf(" %s", list[i]);
	putchar('\n');
	for (i = 0; i < (int)ARRAY_SIZE(fmts); i++) {
		bool r = luo_image_reads(img, fmts[i], &how);

		printf("INFO real bzImage: reads(%s) = %s (%s)\n", fmts[i],
		       r ? "true" : "false", how);
	}
	luo_image_close(img);
}

static const char *tmppath(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	const char *real = argc > 1 ? argv[1] : DEFAULT_BZIMAGE;
	struct buf realimg = { 0 }, setup = { 0 }, base = { 0 };
	struct buf plain = { 0 }, comp = { 0 };
	bool have_real = false;
	size_t c;

	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	atexit(cleanup);

	if (access(real, R_OK) == 0) {
		read_whole(real, &realimg);
		have_real = real_setup(&realimg, &setup);
	}
	if (!have_real) {
		printf("SKIP real bzImage %s not usable, using a synthetic setup header\n",
		       real);
		fake_setup(&setup);
	}

	for (c = 0; c < ARRAY_SIZE(compressors); c++) {
		test_markers(c, &setup);
		test_plain(c, &setup);
	}
	test_bad_hint(&setup);

	/*
	 * A small valid image for the header corruption cases: small so
	 * that setup_sects = 255 points past its end.
	 */
	buf_lit(&plain, "\0memfd-v2\0");
	buf_filler(&plain, 4096, 7);
	gzip_buf(&plain, &comp);
	read_whole(make_image("base", &setup, comp.p, comp.len), &base);
	test_malformed(&setup, &base);
	test_version(tmppath("base"));
	test_marker_boundary(&setup);
	test_too_many_markers(&setup);
	test_bomb(&setup);

	if (have_real)
		test_real(real);

	printf("%d passed, %d failed\n", nr_pass, nr_fail);
	free(realimg.p);
	free(setup.p);
	free(base.p);
	free(plain.p);
	free(comp.p);
	return nr_fail ? 1 : 0;
}
