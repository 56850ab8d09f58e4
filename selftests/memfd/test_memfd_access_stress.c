// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_access_stress.c - every way into a retrieved memfd, at once
 * after RETRIEVE_FD, checked against a model of the file.
 *
 * Stage 1 makes two 512 MiB memfds whose layout is drawn from the seed,
 * per 2 MiB: all pages written, a few random pages written, or none. File
 * A is written with shmem THP "never" (4 KiB folios), file B with "always"
 * (2 MiB folios wherever a region is touched). Stage 2 sets shmem THP to a
 * mode drawn from the seed ("always", "never", or "advise" with
 * MADV_HUGEPAGE on the mapping used), retrieves both and at once runs
 * NR_OPS operations drawn from the seed on either file: pread, pwrite,
 * reads and writes through a shared mapping, splice to a pipe, sendfile,
 * fallocate (allocate, punch a hole), SEEK_DATA/SEEK_HOLE, UFFDIO_COPY
 * (never over data: EEXIST), a read through a reopen of /proc/self/fd/N,
 * the original fd swapped for such a reopen and closed, truncation and
 * growth back, and FINISH of the session at a random moment. Every read is
 * compared with the model, and at the end every byte of both files: data
 * where written, zeroes in every hole.
 *
 * The seed is printed; "luo.stress_seed=N" on the command line replays it
 * (LUO_CMDLINE="luo.stress_seed=N" make test TESTS=memfd_access_stress).
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define PG		4096UL
#define HUGE		(2UL << 20)
#define FSIZE		(512UL << 20)
#define NR_PG		(FSIZE / PG)
#define NR_REGIONS	(FSIZE / HUGE)
#define NR_FILES	2
#define NR_OPS		4000
#define CHUNK		(1UL << 20)

/* What the model knows of one file. */
struct stress_file {
	int fd;
	uint32_t ver[NR_PG];	/* 0: zeroes; else the version written */
	uint32_t next_ver;
	size_t size;		/* current size: shrinks and grows back */
	char *map;		/* shared mapping for faults */
	char *umap;		/* mapping registered with userfaultfd */
};

static struct stress_file files[NR_FILES];
static uint64_t rng_state, seed;
static int uffd;
static unsigned long nr_op[14];

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* The content of page @pg at version @ver. */
static void page_fill(void *buf, size_t pg, uint32_t ver)
{
	if (!ver)
		memset(buf, 0, PG);
	else
		luo_pattern_fill(buf, PG, pg * PG, seed + ver * 0x9e3779b9ULL);
}

static bool page_ok(const void *buf, size_t pg, uint32_t ver)
{
	static uint64_t want[PG / 8];

	page_fill(want, pg, ver);
	return !memcmp(buf, want, PG);
}

/*
 * The layout of stage 1, drawn from the seed in stage 1 and again in
 * stage 2: per region, dense, sparse or empty.
 */
static void layout(struct stress_file *f, unsigned int which)
{
	size_t r, i, n;

	rng_state = seed ^ (0x1234567ULL * (which + 1));
	memset(f->ver, 0, sizeof(f->ver));
	for (r = 0; r < NR_REGIONS; r++) {
		switch (rnd_below(3)) {
		case 0:
			for (i = 0; i < HUGE / PG; i++)
				f->ver[r * (HUGE / PG) + i] = 1;
			break;
		case 1:
			n = 1 + rnd_below(8);
			for (i = 0; i < n; i++)
				f->ver[r * (HUGE / PG) + rnd_below(HUGE / PG)] = 1;
			break;
		}
	}
	f->next_ver = 2;
	f->size = FSIZE;
}

static enum luo_result stage1(void)
{
	static const char *const thp[NR_FILES] = { "never", "always" };
	static uint64_t page[PG / 8];
	int luo, s, r, fd;
	unsigned int w;
	size_t pg;

	s = luo_session_new("stress", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (w = 0; w < NR_FILES; w++) {
		struct stress_file *f = &files[w];

		ASSERT_OK(luo_write_file(LUO_THP_SHMEM, thp[w]));
		layout(f, w);
		fd = memfd_create("stress", MFD_CLOEXEC);
		ASSERT_OK(fd);
		ASSERT_OK(ftruncate(fd, FSIZE));
		for (pg = 0; pg < NR_PG; pg++) {
			if (!f->ver[pg])
				continue;
			page_fill(page, pg, 1);
			ASSERT_TRUE(pwrite(fd, page, PG, pg * PG) == PG,
				    "pwrite: %m");
		}
		r = liveupdate_preserve_fd(s, fd, w + 1);
		ASSERT_TRUE(!r, "preserve %u: %s", w, strerror(-r));
	}
	return luo_handover();
}

/* A page of @f that holds data, or a random one if none is found soon. */
static size_t pick_page(struct stress_file *f, bool data)
{
	size_t pg = 0;
	int i;

	for (i = 0; i < 64; i++) {
		pg = rnd_below(f->size / PG);
		if (!data || f->ver[pg])
			break;
	}
	return pg;
}

static enum luo_result op_read(struct stress_file *f, int how)
{
	static uint64_t buf[PG / 8];
	size_t pg = pick_page(f, rnd() & 1);
	char path[64];
	int fd, p[2];

	switch (how) {
	case 0:
		ASSERT_TRUE(pread(f->fd, buf, PG, pg * PG) == PG, "pread: %m");
		break;
	case 1:
		memcpy(buf, f->map + pg * PG, PG);
		break;
	case 2: {
		loff_t off = pg * PG;

		ASSERT_OK(pipe(p));
		ASSERT_TRUE(splice(f->fd, &off, p[1], NULL, PG, 0) == PG,
			    "splice: %m");
		ASSERT_TRUE(read(p[0], buf, PG) == PG, "read pipe: %m");
		close(p[0]);
		close(p[1]);
		break;
	}
	case 3: {
		off_t off = pg * PG;

		fd = memfd_create("sendfile", MFD_CLOEXEC);
		ASSERT_OK(fd);
		ASSERT_TRUE(sendfile(fd, f->fd, &off, PG) == PG, "sendfile: %m");
		ASSERT_TRUE(pread(fd, buf, PG, 0) == PG, "pread copy: %m");
		close(fd);
		break;
	}
	default:
		snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(fd >= 0, "reopen: %m");
		ASSERT_TRUE(pread(fd, buf, PG, pg * PG) == PG, "pread reopened: %m");
		close(fd);
		break;
	}
	ASSERT_TRUE(page_ok(buf, pg, f->ver[pg]),
		    "read %d of page %zu (version %u) differs", how, pg,
		    f->ver[pg]);
	return LUO_PASS;
}

static enum luo_result op_write(struct stress_file *f, bool mapped)
{
	static uint64_t buf[PG / 8];
	size_t pg = pick_page(f, rnd() & 1);
	uint32_t v = f->next_ver++;

	page_fill(buf, pg, v);
	if (mapped)
		memcpy(f->map + pg * PG, buf, PG);
	else
		ASSERT_TRUE(pwrite(f->fd, buf, PG, pg * PG) == PG, "pwrite: %m");
	f->ver[pg] = v;
	return LUO_PASS;
}

static enum luo_result op_fallocate(struct stress_file *f, bool punch)
{
	size_t pg = pick_page(f, rnd() & 1), n = 1 + rnd_below(16), i;

	if (pg + n > f->size / PG)
		n = f->size / PG - pg;
	if (punch) {
		ASSERT_OK(fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    pg * PG, n * PG));
		for (i = 0; i < n; i++)
			f->ver[pg + i] = 0;
	} else {
		ASSERT_OK(fallocate(f->fd, 0, pg * PG, n * PG));
	}
	return LUO_PASS;
}

static enum luo_result op_seek(struct stress_file *f)
{
	size_t pg = pick_page(f, true);
	off_t off = pg * PG, d, h;

	if (!f->ver[pg])
		return LUO_PASS;
	d = lseek(f->fd, off, SEEK_DATA);
	h = lseek(f->fd, off, SEEK_HOLE);
	ASSERT_TRUE(d == off, "SEEK_DATA at page %zu with data: %lld", pg,
		    (long long)d);
	ASSERT_TRUE(h > off, "SEEK_HOLE at page %zu with data: %lld", pg,
		    (long long)h);
	return LUO_PASS;
}

/* UFFDIO_COPY fills a hole, never a page that holds data. */
static enum luo_result op_uffd_copy(struct stress_file *f)
{
	static uint64_t buf[PG / 8];
	size_t pg = pick_page(f, rnd() & 1);
	uint32_t v = f->next_ver;
	struct uffdio_copy c = {
		.dst = (unsigned long)(f->umap + pg * PG),
		.src = (unsigned long)buf,
		.len = PG,
	};
	int r;

	page_fill(buf, pg, v);
	r = ioctl(uffd, UFFDIO_COPY, &c);
	if (!r) {
		ASSERT_TRUE(!f->ver[pg], "UFFDIO_COPY over page %zu, which holds version %u",
			    pg, f->ver[pg]);
		f->ver[pg] = v;
		f->next_ver++;
		return LUO_PASS;
	}
	ASSERT_TRUE(errno == EEXIST, "UFFDIO_COPY at page %zu: %m", pg);
	return LUO_PASS;
}

/* Read the file through a reopen of its /proc path from now on. */
static enum luo_result op_swap_fd(struct stress_file *f)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0, "reopen: %m");
	ASSERT_OK(close(f->fd));
	f->fd = fd;
	return LUO_PASS;
}

/* Shrink to a random page and grow back: the tail reads zeroes. */
static enum luo_result op_truncate(struct stress_file *f)
{
	size_t keep = FSIZE / PG - rnd_below(NR_PG / 16), pg;

	ASSERT_OK(ftruncate(f->fd, keep * PG));
	ASSERT_OK(ftruncate(f->fd, FSIZE));
	for (pg = keep; pg < NR_PG; pg++)
		f->ver[pg] = 0;
	return LUO_PASS;
}

static enum luo_result setup_maps(struct stress_file *f, bool advise)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	f->map = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	ASSERT_TRUE(f->map != MAP_FAILED, "mmap: %m");
	if (advise)
		ASSERT_OK(madvise(f->map, FSIZE, MADV_HUGEPAGE));
	/* Touched only by UFFDIO_COPY: a fault there would wait forever. */
	f->umap = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	ASSERT_TRUE(f->umap != MAP_FAILED, "mmap: %m");
	reg.range.start = (unsigned long)f->umap;
	reg.range.len = FSIZE;
	ASSERT_OK(ioctl(uffd, UFFDIO_REGISTER, &reg));
	return LUO_PASS;
}

static enum luo_result run_op(int s, bool *finished)
{
	struct stress_file *f = &files[rnd_below(NR_FILES)];
	unsigned int op = rnd_below(100);
	int r;

	if (op < 20) {
		nr_op[0]++;
		return op_read(f, op % 5);
	}
	if (op < 30) {
		nr_op[1]++;
		return op_write(f, false);
	}
	if (op < 40) {
		nr_op[2]++;
		return op_write(f, true);
	}
	if (op < 50) {
		nr_op[3]++;
		return op_fallocate(f, true);
	}
	if (op < 55) {
		nr_op[4]++;
		return op_fallocate(f, false);
	}
	if (op < 70) {
		nr_op[5]++;
		return op_seek(f);
	}
	if (op < 90) {
		nr_op[6]++;
		return op_uffd_copy(f);
	}
	if (op < 95) {
		nr_op[7]++;
		return op_swap_fd(f);
	}
	if (op < 98) {
		nr_op[8]++;
		return op_truncate(f);
	}
	if (!*finished) {
		nr_op[9]++;
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish: %s", strerror(-r));
		*finished = true;
	}
	return LUO_PASS;
}

/* Every byte of @f against the model. */
static enum luo_result check_all(struct stress_file *f, unsigned int w)
{
	static uint64_t buf[CHUNK / 8];
	size_t off, pg, data = 0;
	struct stat st;

	for (off = 0; off < FSIZE; off += CHUNK) {
		ASSERT_TRUE(pread(f->fd, buf, CHUNK, off) == (ssize_t)CHUNK,
			    "file %u: read at %#zx: %m", w, off);
		for (pg = off / PG; pg < (off + CHUNK) / PG; pg++) {
			ASSERT_TRUE(page_ok((char *)buf + (pg * PG - off), pg,
					    f->ver[pg]),
				    "file %u: page %zu (version %u%s) differs",
				    w, pg, f->ver[pg],
				    f->ver[pg] ? "" : ", a hole");
			data += !!f->ver[pg];
		}
	}
	ASSERT_OK(fstat(f->fd, &st));
	ASSERT_TRUE(st.st_blocks >= (blkcnt_t)(data * (PG / 512)),
		    "file %u: %lld blocks for %zu pages of data", w,
		    (long long)st.st_blocks, data);
	luo_info("file %u: %zu pages of data, %zu holes, every byte as modelled",
		 w, data, NR_PG - data);
	return LUO_PASS;
}

LUO_TEST(memfd_access_stress, .stages = 2, .mem = "3G",
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: random accesses of every kind right after RETRIEVE_FD, THP on and off, every byte and hole checked")
{
	static const char *const thp[] = { "always", "never", "advise" };
	struct uffdio_api api = { .api = UFFD_API };
	bool finished = false;
	const char *a, *mode;
	unsigned int w, i;
	int luo, s;

	a = luo_arg("luo.stress_seed");
	seed = ctx->stage == 1 ? (a ? strtoull(a, NULL, 0) : luo_seed()) :
				 luo_get_u64("seed");
	luo_info("stress seed %#llx (luo.stress_seed=N replays it), stage %d",
		 (unsigned long long)seed, ctx->stage);
	if (ctx->stage == 1) {
		luo_put("seed", "0x%llx", (unsigned long long)seed);
		return stage1();
	}

	rng_state = seed;
	mode = thp[rnd_below(ARRAY_SIZE(thp))];
	luo_info("shmem THP in the new kernel: %s", mode);
	ASSERT_OK(luo_write_file(LUO_THP_SHMEM, mode));
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_TRUE(uffd >= 0, "userfaultfd: %m");
	ASSERT_OK(ioctl(uffd, UFFDIO_API, &api));

	s = luo_session_get("stress", &luo);
	ASSERT_TRUE(s >= 0, "session");
	for (w = 0; w < NR_FILES; w++) {
		files[w].fd = liveupdate_retrieve_fd(s, w + 1);
		ASSERT_TRUE(files[w].fd >= 0, "retrieve %u: %s", w,
			    strerror(-files[w].fd));
	}
	for (w = 0; w < NR_FILES; w++) {
		layout(&files[w], w);
		if (setup_maps(&files[w], !strcmp(mode, "advise")) != LUO_PASS)
			return LUO_FAIL;
	}

	rng_state = seed * 3 + 1;
	for (i = 0; i < NR_OPS; i++)
		if (run_op(s, &finished) != LUO_PASS)
			return LUO_FAIL;
	luo_info("ops: %lu reads, %lu writes, %lu mapped writes, %lu punches, %lu fallocates, %lu seeks, %lu UFFDIO_COPY, %lu fd swaps, %lu truncates, FINISH %s",
		 nr_op[0], nr_op[1], nr_op[2], nr_op[3], nr_op[4], nr_op[5],
		 nr_op[6], nr_op[7], nr_op[8], finished ? "amid them" : "after");
	for (w = 0; w < NR_FILES; w++)
		if (check_all(&files[w], w) != LUO_PASS)
			return LUO_FAIL;
	if (!finished)
		ASSERT_TRUE(!liveupdate_finish(s), "finish");
	close(s);
	close(luo);
	return LUO_PASS;
}
