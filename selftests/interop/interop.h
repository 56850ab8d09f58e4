/* SPDX-License-Identifier: GPL-2.0 */
/*
 * interop.h - body of the interoperability tests: memfds in several
 * sessions cross from one kernel to the other and back (three boots), and
 * every hop is checked byte for byte.
 *
 * The two kernels are the initramfs's /boot/bzImage (ours) and
 * /boot/alt-bzImage (upstream, put there by LUO_ALT_KERNEL, see "make
 * interop"). Which one runs is not taken on trust: each stage compares
 * uname with the version string in the setup header of both images, so a
 * test cannot pass without really crossing.
 *
 * Files: session "pages" holds a 16 MiB memfd of 4 KiB pages (sealed
 * against shrinking and growing, file position set) and a one-page memfd;
 * session "thp" a 16 MiB memfd of 2 MiB folios; session "sparse" a 64 MiB
 * memfd with every tenth page written and holes elsewhere. Each stage
 * retrieves them, checks size, bytes, seals, position, the physical frames
 * of sampled pages (nothing was copied) and that the THP file is still in
 * huge folios, finishes the incoming sessions, and preserves the same
 * files again in new sessions for the next hop.
 */
#ifndef INTEROP_H
#define INTEROP_H

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define INTEROP_OURS	"/boot/bzImage"
#define INTEROP_ALT	"/boot/alt-bzImage"
#define INTEROP_STAGES	3
#define INTEROP_PG	4096UL
#define INTEROP_MIB	(1UL << 20)
#define INTEROP_STRIDE	10	/* sparse: every tenth page is written */
#define INTEROP_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW)
#define INTEROP_NSAMP	3

enum interop_kind { IO_4K, IO_ONE, IO_THP, IO_SPARSE };

static const struct interop_file {
	const char *session;	/* base name; stage N's session is "base.N" */
	uint64_t token;		/* base token; stage N preserves token + 100 * N */
	enum interop_kind kind;
	size_t size;
	off_t pos;		/* file position set at creation */
} interop_files[] = {
	{ "pages", 1, IO_4K, 16 * INTEROP_MIB, 3 * INTEROP_PG + 40 },
	{ "pages", 2, IO_ONE, INTEROP_PG, 0 },
	{ "thp", 1, IO_THP, 16 * INTEROP_MIB, 0 },
	{ "sparse", 7, IO_SPARSE, 64 * INTEROP_MIB, 0 },
};
#define INTEROP_NFILES	ARRAY_SIZE(interop_files)

static const char *const interop_kind_name[] = {
	[IO_4K] = "4k", [IO_ONE] = "one-page", [IO_THP] = "thp",
	[IO_SPARSE] = "sparse",
};

/* Whether @stage runs on the alternative kernel. */
static inline bool interop_on_alt(int stage, bool alt_first)
{
	return (stage % 2 == 1) == alt_first;
}

/*
 * The kernel version string of a bzImage: the setup header (at 0x1f1)
 * carries "HdrS" at 0x202 and at 0x20e the offset, from 0x200, of a string
 * "<release> (<user>@<host>) <version>". 0 or -1.
 */
static inline int interop_image_version(const char *path, char *buf, size_t len)
{
	uint8_t hdr[0x210];
	uint16_t off;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4)) {
		close(fd);
		return -1;
	}
	off = hdr[0x20e] | hdr[0x20f] << 8;
	n = pread(fd, buf, len - 1, 0x200 + off);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Whether the running kernel is the one of version string @ver. */
static inline bool interop_running(const char *ver, const struct utsname *u)
{
	size_t rl = strlen(u->release);

	return !strncmp(ver, u->release, rl) && ver[rl] == ' ' &&
	       strstr(ver, u->version);
}

/* Fail unless this stage runs the image it should, and not the other. */
static inline enum luo_result interop_check_kernel(int stage, bool on_alt,
						   struct utsname *u)
{
	char ours[256], alt[256];

	ASSERT_OK(uname(u));
	ASSERT_TRUE(!interop_image_version(INTEROP_OURS, ours, sizeof(ours)),
		    "no version string in %s", INTEROP_OURS);
	ASSERT_TRUE(!interop_image_version(INTEROP_ALT, alt, sizeof(alt)),
		    "no version string in %s", INTEROP_ALT);
	ASSERT_TRUE(strcmp(ours, alt), "%s and %s are the same kernel: %s",
		    INTEROP_OURS, INTEROP_ALT, ours);
	ASSERT_TRUE(interop_running(on_alt ? alt : ours, u) &&
		    !interop_running(on_alt ? ours : alt, u),
		    "stage %d should run %s (%s), runs %s %s", stage,
		    on_alt ? INTEROP_ALT : INTEROP_OURS, on_alt ? alt : ours,
		    u->release, u->version);
	luo_info("stage %d: kernel %s (%s)", stage, u->release,
		 on_alt ? "alt-bzImage" : "ours");
	return LUO_PASS;
}

/* Offsets of the pages whose frames are compared across a hop. */
static inline size_t interop_sample(const struct interop_file *f, int i)
{
	size_t last = f->size - INTEROP_PG;

	if (f->kind == IO_SPARSE)	/* written pages only */
		last -= (last / INTEROP_PG % INTEROP_STRIDE) * INTEROP_PG;
	switch (i) {
	case 0:
		return 0;
	case 1:
		return f->kind == IO_SPARSE ? INTEROP_STRIDE * 37 * INTEROP_PG :
		       (f->size / 2 + 3 * INTEROP_PG) % f->size / INTEROP_PG *
		       INTEROP_PG;
	default:
		return last;
	}
}

/* Whether byte offset @off of @f holds data (the sparse file has holes). */
static inline bool interop_written(const struct interop_file *f, size_t off)
{
	return f->kind != IO_SPARSE ||
	       (off / INTEROP_PG) % INTEROP_STRIDE == 0;
}

/*
 * Read all of @fd and compare with what @f should hold with @seed (the
 * pattern where written, zeros in holes). Adds the bytes compared to *@n.
 */
static inline enum luo_result interop_verify(int fd,
					     const struct interop_file *f,
					     uint64_t seed, unsigned long long *n)
{
	static uint64_t buf[INTEROP_MIB / 8], want[INTEROP_PG / 8];
	struct stat st;
	size_t off, pg;

	ASSERT_OK(fstat(fd, &st));
	ASSERT_TRUE(st.st_size == (off_t)f->size, "%s: size %lld, expected %zu",
		    interop_kind_name[f->kind], (long long)st.st_size, f->size);
	for (off = 0; off < f->size; off += sizeof(buf)) {
		size_t len = f->size - off < sizeof(buf) ? f->size - off :
							   sizeof(buf);

		ASSERT_TRUE(pread(fd, buf, len, off) == (ssize_t)len,
			    "%s: pread at %zu: %m", interop_kind_name[f->kind],
			    off);
		for (pg = 0; pg < len; pg += INTEROP_PG) {
			if (interop_written(f, off + pg))
				luo_pattern_fill(want, INTEROP_PG, off + pg, seed);
			else
				memset(want, 0, sizeof(want));
			ASSERT_TRUE(!memcmp((char *)buf + pg, want, INTEROP_PG),
				    "%s: page at offset %zu differs",
				    interop_kind_name[f->kind], off + pg);
		}
	}
	*n += f->size;
	return LUO_PASS;
}

/* Frames of the sampled pages of @fd (touched through a read mapping). */
static inline enum luo_result interop_frames(int fd,
					     const struct interop_file *f,
					     uint64_t *pfn)
{
	volatile const char *p;
	int i;

	p = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	for (i = 0; i < INTEROP_NSAMP; i++) {
		(void)p[interop_sample(f, i)];
		pfn[i] = luo_pfn((const void *)(p + interop_sample(f, i)));
	}
	munmap((void *)p, f->size);
	for (i = 0; i < INTEROP_NSAMP; i++)
		ASSERT_TRUE(pfn[i], "%s: no frame at offset %zu",
			    interop_kind_name[f->kind], interop_sample(f, i));
	return LUO_PASS;
}

static inline void interop_key(char *key, size_t len, const char *what, int i,
			       int j)
{
	snprintf(key, len, "%s%d_%d", what, i, j);
}

/* Stage 1: make every file with its own seed. */
static inline enum luo_result interop_create(int *fds)
{
	static uint64_t page[INTEROP_PG / 8];
	const struct interop_file *f;
	char key[32];
	uint64_t seed;
	size_t i, off;
	int m;

	for (i = 0; i < INTEROP_NFILES; i++) {
		f = &interop_files[i];
		seed = luo_seed();
		/* The folio size is decided when the pages are allocated. */
		ASSERT_OK(luo_write_file(LUO_THP_SHMEM,
					 f->kind == IO_THP ? "always" : "never"));
		if (f->kind == IO_SPARSE) {
			m = memfd_create("sparse", MFD_CLOEXEC | MFD_ALLOW_SEALING);
			ASSERT_OK(m);
			ASSERT_OK(ftruncate(m, f->size));
			for (off = 0; off < f->size; off += INTEROP_PG) {
				if (!interop_written(f, off))
					continue;
				luo_pattern_fill(page, INTEROP_PG, off, seed);
				ASSERT_TRUE(pwrite(m, page, INTEROP_PG, off) ==
					    INTEROP_PG, "pwrite: %m");
			}
		} else {
			m = luo_memfd_new(interop_kind_name[f->kind], f->size,
					  seed);
			ASSERT_OK(m);
		}
		if (f->kind == IO_4K)
			ASSERT_OK(fcntl(m, F_ADD_SEALS, INTEROP_SEALS));
		ASSERT_TRUE(lseek(m, f->pos, SEEK_SET) == f->pos, "lseek: %m");
		interop_key(key, sizeof(key), "seed", i, 0);
		luo_put(key, "0x%llx", (unsigned long long)seed);
		fds[i] = m;
	}
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, "never"));
	return LUO_PASS;
}

/* Fail unless the THP file's 16 MiB are (nearly all) in huge folios. */
static inline enum luo_result interop_check_thp(int stage)
{
	long long kb = luo_meminfo_kb("ShmemHugePages");

	ASSERT_TRUE(kb >= 14 * 1024, "stage %d: ShmemHugePages %lld kB, the "
		    "THP memfd is 16 MiB", stage, kb);
	return LUO_PASS;
}

/* Stages 2 and later: retrieve stage - 1's sessions and check every file. */
static inline enum luo_result interop_retrieve(int luo, int stage, int *fds,
					       unsigned long long *bytes)
{
	int sess[INTEROP_NFILES], seals;
	uint64_t pfn[INTEROP_NSAMP];
	const struct interop_file *f;
	char name[64], key[32];
	size_t i, j;
	off_t pos;
	int r;

	for (i = 0; i < INTEROP_NFILES; i++) {
		f = &interop_files[i];
		/* Files of one session are next to each other in the table. */
		if (i && !strcmp(interop_files[i - 1].session, f->session)) {
			sess[i] = sess[i - 1];
		} else {
			snprintf(name, sizeof(name), "%s.%d", f->session,
				 stage - 1);
			sess[i] = liveupdate_retrieve_session(luo, name);
			ASSERT_TRUE(sess[i] >= 0, "retrieve session %s: %s",
				    name, strerror(-sess[i]));
		}
		fds[i] = liveupdate_retrieve_fd(sess[i],
						f->token + 100 * (stage - 1));
		ASSERT_TRUE(fds[i] >= 0, "retrieve %s: %s",
			    interop_kind_name[f->kind], strerror(-fds[i]));

		interop_key(key, sizeof(key), "seed", i, 0);
		if (interop_verify(fds[i], f, luo_get_u64(key), bytes) != LUO_PASS)
			return LUO_FAIL;
		luo_put(key, "%s", luo_get(key));
		seals = fcntl(fds[i], F_GET_SEALS);
		ASSERT_TRUE(seals == (f->kind == IO_4K ? INTEROP_SEALS : 0),
			    "%s: seals %#x", interop_kind_name[f->kind], seals);
		pos = lseek(fds[i], 0, SEEK_CUR);
		ASSERT_TRUE(pos == f->pos, "%s: position %lld, expected %lld",
			    interop_kind_name[f->kind], (long long)pos,
			    (long long)f->pos);
		/* Zero copy: the frames the other kernel preserved. */
		if (interop_frames(fds[i], f, pfn) != LUO_PASS)
			return LUO_FAIL;
		for (j = 0; j < INTEROP_NSAMP; j++) {
			interop_key(key, sizeof(key), "pfn", i, j);
			ASSERT_TRUE(pfn[j] == luo_get_u64(key),
				    "%s: offset %zu in frame %#llx, was %s",
				    interop_kind_name[f->kind],
				    interop_sample(f, j),
				    (unsigned long long)pfn[j], luo_get(key));
		}
		if (f->kind == IO_SPARSE) {
			struct stat st;

			ASSERT_OK(fstat(fds[i], &st));
			luo_info("stage %d: sparse memfd has %lld KiB allocated "
				 "(%zu KiB written)", stage,
				 (long long)st.st_blocks / 2,
				 (f->size / INTEROP_PG + INTEROP_STRIDE - 1) /
				 INTEROP_STRIDE * (INTEROP_PG / 1024));
		}
	}
	if (interop_check_thp(stage) != LUO_PASS)
		return LUO_FAIL;
	/* Release the incoming sessions; the retrieved fds keep the files. */
	for (i = 0; i < INTEROP_NFILES; i++) {
		if (i && sess[i] == sess[i - 1])
			continue;
		r = liveupdate_finish(sess[i]);
		ASSERT_TRUE(!r, "finish: %s", strerror(-r));
		close(sess[i]);
	}
	return LUO_PASS;
}

/* Preserve the files in this stage's sessions and record their frames. */
static inline enum luo_result interop_preserve(int luo, int stage, int *fds)
{
	int sess[INTEROP_NFILES], r;
	uint64_t pfn[INTEROP_NSAMP];
	const struct interop_file *f;
	char name[64], key[32];
	size_t i, j;

	for (i = 0; i < INTEROP_NFILES; i++) {
		f = &interop_files[i];
		if (i && !strcmp(interop_files[i - 1].session, f->session)) {
			sess[i] = sess[i - 1];
		} else {
			snprintf(name, sizeof(name), "%s.%d", f->session, stage);
			sess[i] = liveupdate_create_session(luo, name);
			ASSERT_TRUE(sess[i] >= 0, "create session %s: %s", name,
				    strerror(-sess[i]));
		}
		r = liveupdate_preserve_fd(sess[i], fds[i],
					   f->token + 100 * stage);
		ASSERT_TRUE(!r, "preserve %s: %s", interop_kind_name[f->kind],
			    strerror(-r));
		/* Preserving may move pages (out of scratch): frames after. */
		if (interop_frames(fds[i], f, pfn) != LUO_PASS)
			return LUO_FAIL;
		for (j = 0; j < INTEROP_NSAMP; j++) {
			interop_key(key, sizeof(key), "pfn", i, j);
			luo_put(key, "0x%llx", (unsigned long long)pfn[j]);
		}
	}
	return LUO_PASS;
}

/*
 * One stage of a three-boot interoperability test that starts on the
 * alternative kernel if @alt_first, on ours otherwise.
 */
static inline enum luo_result interop_run(struct luo_ctx *ctx, bool alt_first)
{
	bool on_alt = interop_on_alt(ctx->stage, alt_first);
	unsigned long long bytes = 0;
	int fds[INTEROP_NFILES], luo;
	const char *next, *interop;
	struct utsname u;
	char key[16];
	int i;

	if (access(INTEROP_ALT, R_OK)) {
		interop = luo_arg("luo.interop");
		if (interop && !strcmp(interop, "1")) {
			luo_fail("luo.interop=1 but no %s in the initramfs",
				 INTEROP_ALT);
			return LUO_FAIL;
		}
		SKIP("no %s (LUO_ALT_KERNEL=... make initramfs, or make interop)",
		     INTEROP_ALT);
	}
	if (interop_check_kernel(ctx->stage, on_alt, &u) != LUO_PASS)
		return LUO_FAIL;
	snprintf(key, sizeof(key), "r%d", ctx->stage);
	luo_put(key, "%s", u.release);
	for (i = 1; i < ctx->stage; i++) {
		snprintf(key, sizeof(key), "r%d", i);
		luo_put(key, "%s", luo_get(key) ?: "?");
	}

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open /dev/liveupdate: %s", strerror(-luo));
	if (ctx->stage == 1) {
		if (interop_create(fds) != LUO_PASS)
			return LUO_FAIL;
		luo_info("stage 1: %zu memfds in 3 sessions written on %s",
			 INTEROP_NFILES, u.release);
	} else {
		if (interop_retrieve(luo, ctx->stage, fds, &bytes) != LUO_PASS)
			return LUO_FAIL;
		luo_info("stage %d: %llu bytes in %zu memfds checked on %s",
			 ctx->stage, bytes, INTEROP_NFILES, u.release);
	}
	if (ctx->stage == INTEROP_STAGES) {
		luo_info("hops: %s -> %s -> %s, every file checked at each hop",
			 luo_get("r1"), luo_get("r2"), u.release);
		return LUO_PASS;
	}
	if (interop_check_thp(ctx->stage) != LUO_PASS)
		return LUO_FAIL;
	if (interop_preserve(luo, ctx->stage, fds) != LUO_PASS)
		return LUO_FAIL;

	/* An agent keeps the sessions; this process lets go of its fds. */
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	close_range(3, ~0U, 0);
	next = interop_on_alt(ctx->stage + 1, alt_first) ? INTEROP_ALT :
							    INTEROP_OURS;
	luo_info("stage %d: kexec into %s", ctx->stage, next);
	luo_kexec(next);
	return LUO_FAIL;
}

#endif /* INTEROP_H */
