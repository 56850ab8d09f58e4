// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_fuzz_ioctl.c - random ioctls on /dev/liveupdate and session
 * fds, on both sides of a kexec.
 *
 * Each stage issues FUZZ_OPS operations drawn from a generator seeded
 * afresh in every run (printed; "luo.fuzz_seed=N" replays a run,
 * "luo.fuzz_ops=N" sets the count, e.g. LUO_CMDLINE="luo.fuzz_seed=7"
 * make test TESTS=...):
 * raw ioctls with a command number near the LUO ones (other types, other
 * numbers, direction and size bits), argument sizes below, at and above
 * the struct with zero or non-zero tails, NULL and unmapped pointers,
 * ioctls on closed fds; session names empty, unterminated, 63 characters
 * and duplicated; tokens known, unknown and extreme; preserving memfds,
 * /dev/null, pipes, session fds and bad fd numbers; closes; FINISH twice;
 * and every FORK_EVERY operations a forked child issuing FORK_OPS calls on
 * the inherited fds. Every failure must carry an errno the handover ABI
 * (spec section 2) allows at that point of the ioctl dispatch: the
 * generic checks (nr, EFAULT, ENOTTY, wrong kind, size, tail) are
 * predicted exactly, the operation's own errno must be in its set, and a
 * success is one only where it can be: a session of an empty or
 * unterminated name, or a preserved file that is no memfd, fail the test.
 *
 * Three sessions hold a memfd each, preserved properly in stage 1; the
 * fuzz never names them. In stage 2 the same fuzz runs on the incoming
 * side (RETRIEVE_SESSION, RETRIEVE_FD, FINISH, close), then the three
 * sessions must still be retrievable with their bytes intact.
 *
 * Measured under TCG on the debug kernel (2 vCPUs, machine shared with
 * other builds): 100 000 operations took 8.3 s in stage 1 and 4.6 s in
 * stage 2 (about 35 s for the whole test), so the full count is kept;
 * FUZZ_SECS caps a stage anyway (the count reached is printed) so that a
 * slow machine cannot hit the runner's stage timeout; a stage that gets
 * fewer than FUZZ_MIN_OPS done by then fails.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "liveupdate.h"
#include "luo_test.h"

#define FUZZ_OPS	100000
#define FUZZ_MIN_OPS	20000	/* fewer by the time cap: the test fails */
#define FUZZ_SECS	70
#define FORK_EVERY	5000
#define FORK_OPS	300
#define NSLOTS		16
#define CLOSED_FD	1000
#define NKEEP		3
#define KEEP_SIZE	(256 * 1024 + 24)
#define KEEP_TOKEN	0x4b454550ULL

enum fkind { F_DEV, F_OUT, F_IN, F_CLOSED };

struct slot {
	int fd;
	enum fkind kind;
};

struct fuzz {
	uint64_t rng;
	int luo;
	struct slot s[NSLOTS];		/* fuzz sessions (fd -1: free) */
	int keep[NKEEP];		/* the valid sessions (stage 1 only) */
	int closed_fd;			/* an fd number known to be closed */
	unsigned char *page;		/* two pages, the second unmapped */
	unsigned long ops, fails, ok;
	int stage;
	bool child;
};

static uint64_t rnd(struct fuzz *z)
{
	/* xorshift64* */
	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	return z->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int rn(struct fuzz *z, unsigned int n)
{
	return (unsigned int)(rnd(z) >> 32) % n;
}

/* Is @err in the zero-terminated list @set? */
static bool in_set(int err, const int *set)
{
	for (; *set; set++)
		if (*set == err)
			return true;
	return false;
}

static const int create_errs[] = { EINVAL, EEXIST, ENOSPC, ENOMEM, EMFILE, 0 };
static const int rsess_errs[] = { ENOENT, EINVAL, ENOMEM, EMFILE, 0 };
static const int preserve_errs[] = { EEXIST, EBADF, ENOENT, EBUSY, ENOSPC,
				     ENOMEM, EINVAL, EPERM, EOPNOTSUPP, 0 };
static const int rfd_errs[] = { ENOENT, EINVAL, ENOMEM, EMFILE, EIO, 0 };
static const int finish_errs[] = { EBUSY, EINVAL, 0 };
static const int name_errs[] = { EINVAL, 0 };

struct opdesc {
	unsigned int nr;
	unsigned int size;	/* struct size (= the minimum) */
	const int *errs;
	int kind;		/* F_DEV: any, or the session kind required */
};

static const struct opdesc dev_ops[] = {
	{ 0x00, 72, create_errs, F_DEV },
	{ 0x01, 72, rsess_errs, F_DEV },
};

static const struct opdesc ses_ops[] = {
	{ 0x40, 16, preserve_errs, F_OUT },
	{ 0x41, 16, rfd_errs, F_IN },
	{ 0x42, 8, finish_errs, F_IN },
	{ 0x43, 72, name_errs, F_DEV },
};

#define FUZZ_FAIL(z, fmt, ...) do {					\
	luo_fail("%s op %lu: " fmt, (z)->child ? "child" : "parent",	\
		 (z)->ops, ##__VA_ARGS__);				\
	return -1;							\
} while (0)

/* A name for CREATE/RETRIEVE_SESSION: never one of the kept sessions. */
static void rand_name(struct fuzz *z, unsigned char *name)
{
	unsigned int i, len;

	memset(name, 0, LIVEUPDATE_SESSION_NAME_LENGTH);
	switch (rn(z, 8)) {
	case 0:		/* empty */
		break;
	case 1:		/* unterminated */
		memset(name, 'u', LIVEUPDATE_SESSION_NAME_LENGTH);
		break;
	case 2:		/* the longest valid name */
		memset(name, 'm', LIVEUPDATE_SESSION_NAME_LENGTH - 1);
		break;
	case 3:		/* random bytes, maybe with a NUL inside */
		len = 1 + rn(z, LIVEUPDATE_SESSION_NAME_LENGTH);
		for (i = 0; i < len && i < LIVEUPDATE_SESSION_NAME_LENGTH; i++)
			name[i] = 'a' + rn(z, 200);
		break;
	default:	/* a small set, so that names collide */
		snprintf((char *)name, LIVEUPDATE_SESSION_NAME_LENGTH,
			 "fz-%u", rn(z, 12));
	}
}

static uint64_t rand_token(struct fuzz *z)
{
	switch (rn(z, 4)) {
	case 0:
		return rnd(z);
	case 1:
		return rn(z, 2) ? 0 : ~0ULL;
	default:
		return rn(z, 8);
	}
}

static int pick_fd(struct fuzz *z, enum fkind *kind)
{
	unsigned int i = rn(z, NSLOTS + 3);

	if (i < NSLOTS && z->s[i].fd >= 0) {
		*kind = z->s[i].kind;
		return z->s[i].fd;
	}
	if (i == NSLOTS + 1 && z->stage == 1) {
		*kind = F_OUT;
		return z->keep[rn(z, NKEEP)];
	}
	if (i == NSLOTS + 2) {
		*kind = F_CLOSED;
		return z->closed_fd;
	}
	*kind = F_DEV;
	return z->luo;
}

/* A file to hand to PRESERVE_FD; *@owned: close it afterwards. */
static int rand_file(struct fuzz *z, bool *owned)
{
	int p[2];

	*owned = true;
	switch (rn(z, 8)) {
	case 0:
		return open("/dev/null", O_RDWR);
	case 1:
		if (pipe(p))
			return -1;
		close(p[1]);
		return p[0];
	case 2:
		*owned = false;
		return z->luo;
	case 3:
		*owned = false;
		return z->closed_fd;
	case 4:
		*owned = false;
		return rn(z, 2) ? -1 : 100000 + (int)rn(z, 1000);
	case 5:
		*owned = false;
		return z->s[rn(z, NSLOTS)].fd;
	default:
		return luo_memfd_new("fz", 4096 * rn(z, 4) + 8 * rn(z, 64),
				     rnd(z));
	}
}

/*
 * What the generic checks of the dispatcher must answer for @cmd on an
 * fd of @kind with an argument whose size word is @size (@readable: the
 * word can be read), @tail: bytes beyond the struct are non-zero,
 * @fits: the whole @size bytes are mapped. Returns the errno, 0 when the
 * operation itself runs, and the op in *@op.
 */
static int expect_generic(enum fkind kind, unsigned int cmd, bool readable,
			  unsigned int size, bool tail, bool fits,
			  const struct opdesc **op)
{
	const struct opdesc *tab = kind == F_DEV ? dev_ops : ses_ops;
	unsigned int n = kind == F_DEV ? ARRAY_SIZE(dev_ops) : ARRAY_SIZE(ses_ops);
	unsigned int nr = _IOC_NR(cmd), base = tab[0].nr;

	*op = NULL;
	if (kind == F_CLOSED)
		return EBADF;
	if (nr < base || nr >= base + n)
		return EINVAL;
	*op = &tab[nr - base];
	if (!readable)
		return EFAULT;
	if (cmd != _IO(LIVEUPDATE_IOCTL_TYPE, nr))
		return ENOTTY;
	if ((*op)->kind != F_DEV && (*op)->kind != (int)kind)
		return EINVAL;
	if (size < (*op)->size)
		return EINVAL;
	if (tail)
		return E2BIG;
	if (!fits)
		return EFAULT;
	return 0;
}

/* Forget a fd the kernel returned (a new session or retrieved file). */
static void take_fd(struct fuzz *z, int fd, enum fkind kind)
{
	unsigned int i = rn(z, NSLOTS);

	if (kind == F_OUT || kind == F_IN) {
		if (z->s[i].fd >= 0)
			close(z->s[i].fd);
		z->s[i].fd = fd;
		z->s[i].kind = kind;
		return;
	}
	close(fd);
}

/*
 * One raw ioctl: random command near the LUO ones, random argument.
 * The argument lives at the end of the mapped page so that a size larger
 * than what is mapped faults.
 */
static int fuzz_raw(struct fuzz *z)
{
	static const unsigned int sizes[] = { 0, 4, 7, 8, 15, 16, 24, 71, 72,
					      73, 80, 128, 4096, 65536 };
	unsigned char *arg, name[LIVEUPDATE_SESSION_NAME_LENGTH];
	const struct opdesc *op;
	unsigned int cmd, nr, size, room, ssize, i;
	bool readable = true, tail = false, owned = false;
	enum fkind kind;
	int fd, ret, err, want, file = -1;

	fd = pick_fd(z, &kind);
	/* The command: mostly valid numbers, sometimes a twisted one. */
	if (kind == F_DEV || (kind == F_CLOSED && rn(z, 2)))
		nr = rn(z, 4) ? rn(z, 2) : rn(z, 256);
	else
		nr = rn(z, 4) ? 0x40 + rn(z, 4) : rn(z, 256);
	switch (rn(z, 10)) {
	case 0:
		cmd = _IOWR(LIVEUPDATE_IOCTL_TYPE, nr, struct liveupdate_ioctl_create_session);
		break;
	case 1:
		cmd = _IO(LIVEUPDATE_IOCTL_TYPE + rn(z, 3) - 1, nr);
		break;
	case 2:
		cmd = _IOC(rn(z, 4), LIVEUPDATE_IOCTL_TYPE, nr, rn(z, 128));
		break;
	default:
		cmd = _IO(LIVEUPDATE_IOCTL_TYPE, nr);
	}

	size = sizes[rn(z, ARRAY_SIZE(sizes))];
	if (rn(z, 4) == 0)
		size = rn(z, 2) ? (unsigned int)rnd(z) : rn(z, 200);
	/* Mapped bytes from arg to the end of the page. */
	room = 4096 - 8 * rn(z, 12);
	if (size <= 4096 && rn(z, 3))
		room = size < 8 ? 8 : (size + 7) & ~7u;
	arg = z->page + 4096 - room;
	memset(arg, 0, room);
	memcpy(arg, &size, sizeof(size));

	/* Fill in a plausible struct for the op the number names. */
	ssize = 0;
	if (nr <= 1) {
		ssize = 72;
		rand_name(z, name);
		if (room >= 72)
			memcpy(arg + 8, name, sizeof(name));
	} else if (nr == 0x40 || nr == 0x41) {
		uint64_t token = rand_token(z);

		ssize = 16;
		if (nr == 0x40 && rn(z, 2) && room >= 16) {
			file = rand_file(z, &owned);
			memcpy(arg + 4, &file, sizeof(file));
		}
		if (room >= 16)
			memcpy(arg + 8, &token, sizeof(token));
	} else if (nr == 0x42) {
		ssize = 8;
	} else if (nr == 0x43) {
		ssize = 72;
	}
	if ((nr == 0x42 || nr == 0x43) && rn(z, 8) == 0 && room >= 8)
		arg[4 + rn(z, 4)] = 1;	/* reserved */
	/* A non-zero byte in the tail, sometimes. */
	if (ssize && size > ssize && rn(z, 2)) {
		i = ssize + rn(z, size - ssize);
		if (i < room) {
			arg[i] = 0x5a;
			tail = true;
		}
	}
	if (rn(z, 20) == 0) {
		arg = rn(z, 2) ? NULL : z->page + 4096;
		readable = false;
	}

	errno = 0;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	if (owned && file >= 0)
		close(file);
	want = expect_generic(kind, cmd, readable, size, tail,
			      size <= room, &op);
	if (want) {
		/* Reading a tail that runs off the mapping may fault first. */
		if (ret != -1 || (err != want &&
				  !(want == E2BIG && size > room && err == EFAULT)))
			FUZZ_FAIL(z, "fd kind %d cmd 0x%x size %u room %u: %d/%s, expected %s",
				  kind, cmd, size, room, ret,
				  strerrorname_np(err) ?: "0",
				  strerrorname_np(want));
		z->fails++;
		return 0;
	}
	if (ret >= 0) {
		int newfd;

		z->ok++;
		memcpy(&newfd, arg + 4, sizeof(newfd));
		if (nr == 0x00)
			take_fd(z, newfd, F_OUT);
		else if (nr == 0x01)
			take_fd(z, newfd, F_IN);
		else if (nr == 0x41)
			take_fd(z, newfd, F_DEV);
		return 0;
	}
	if (!in_set(err, op->errs))
		FUZZ_FAIL(z, "fd kind %d op 0x%x size %u: errno %s not allowed",
			  kind, op->nr, size, strerrorname_np(err) ?: "?");
	z->fails++;
	return 0;
}

/* One well-formed call through the library, or a close. */
static int fuzz_call(struct fuzz *z)
{
	unsigned char name[LIVEUPDATE_SESSION_NAME_LENGTH + 1];
	char out[LIVEUPDATE_SESSION_NAME_LENGTH];
	enum fkind kind;
	unsigned int i;
	bool owned;
	int fd, r, file;
	const int *errs;

	fd = pick_fd(z, &kind);
	switch (rn(z, 8)) {
	case 0:
		name[LIVEUPDATE_SESSION_NAME_LENGTH] = 0;
		rand_name(z, name);
		if (z->stage == 1 || rn(z, 4) == 0) {
			r = liveupdate_create_session(z->luo, (char *)name);
			errs = create_errs;
			if (r >= 0)
				take_fd(z, r, F_OUT);
		} else {
			r = liveupdate_retrieve_session(z->luo, (char *)name);
			errs = rsess_errs;
			if (r >= 0)
				take_fd(z, r, F_IN);
		}
		/* An empty or unterminated name never names a session. */
		if (r >= 0 && (!name[0] ||
			       !memchr(name, 0, LIVEUPDATE_SESSION_NAME_LENGTH)))
			FUZZ_FAIL(z, "a session of a malformed name ('%.8s...') was opened",
				  name);
		break;
	case 1:
		if (kind != F_OUT)
			return fuzz_raw(z);
		file = rand_file(z, &owned);
		r = liveupdate_preserve_fd(fd, file, rand_token(z));
		/* Only a memfd (it has seals) has a handler here. */
		if (r >= 0 && fcntl(file, F_GET_SEALS) < 0)
			FUZZ_FAIL(z, "PRESERVE_FD of fd %d, no memfd, succeeded", file);
		if (owned && file >= 0)
			close(file);
		errs = preserve_errs;
		break;
	case 2:
		if (kind != F_IN)
			return fuzz_raw(z);
		r = liveupdate_retrieve_fd(fd, rand_token(z));
		errs = rfd_errs;
		if (r >= 0)
			take_fd(z, r, F_DEV);
		break;
	case 3:
		if (kind != F_IN)
			return fuzz_raw(z);
		r = liveupdate_finish(fd);
		if (!r)
			r = liveupdate_finish(fd);	/* a second FINISH is 0 */
		errs = finish_errs;
		break;
	case 4:
		if (kind == F_CLOSED)
			return fuzz_raw(z);
		r = liveupdate_get_name(fd, out, sizeof(out));
		errs = name_errs;	/* on the device fd: nr outside its table */
		break;
	case 5:		/* close a fuzz session */
		i = rn(z, NSLOTS);
		if (z->s[i].fd >= 0) {
			close(z->s[i].fd);
			z->s[i].fd = -1;
		}
		return 0;
	default:
		return fuzz_raw(z);
	}
	if (r >= 0) {
		z->ok++;
		return 0;
	}
	if (!in_set(-r, errs))
		FUZZ_FAIL(z, "call on fd kind %d: errno %s not allowed",
			  kind, strerrorname_np(-r) ?: "?");
	z->fails++;
	return 0;
}

static int fuzz_child(struct fuzz *z)
{
	unsigned long i;

	z->child = true;
	for (i = 0; i < FORK_OPS; i++) {
		z->ops++;
		if (fuzz_call(z))
			return 1;
	}
	return 0;
}

/* The fuzz of one stage: @n operations or FUZZ_SECS seconds. */
static int fuzz_run(struct fuzz *z, unsigned long n)
{
	double t0 = luo_now(), t;
	unsigned long i;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		z->ops++;
		if (fuzz_call(z))
			return -1;
		if (i % FORK_EVERY == FORK_EVERY - 1) {
			uint64_t cseed = rnd(z);

			pid = fork();
			if (pid < 0)
				return -1;
			if (!pid) {
				z->rng = cseed | 1;
				_exit(fuzz_child(z));
			}
			/* The parent goes on meanwhile, then reaps. */
			if (rn(z, 2))
				continue;
			if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status)) {
				luo_fail("child of op %lu failed (status 0x%x)", i, status);
				return -1;
			}
		}
		t = luo_now() - t0;
		if (t > FUZZ_SECS) {
			luo_info("time cap of %d s reached after %lu ops", FUZZ_SECS, i + 1);
			break;
		}
	}
	while ((pid = wait(&status)) > 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			luo_fail("child %d failed (status 0x%x)", pid, status);
			return -1;
		}
	}
	luo_info("stage %d: %lu ops (%lu ok, %lu refused as allowed) in %.1f s",
		 z->stage, z->ops, z->ok, z->fails, luo_now() - t0);
	if (i < n && i + 1 < FUZZ_MIN_OPS) {
		luo_fail("only %lu ops before the time cap, fewer than %d",
			 i + 1, FUZZ_MIN_OPS);
		return -1;
	}
	return 0;
}

static enum luo_result fuzz_setup(struct luo_ctx *ctx, struct fuzz *z,
				  unsigned long *n)
{
	const char *a;
	uint64_t seed;
	int i;

	memset(z, 0, sizeof(*z));
	z->stage = ctx->stage;
	/* Fresh in every run, carried to stage 2, replayable. */
	a = luo_arg("luo.fuzz_seed");
	if (a)
		seed = strtoull(a, NULL, 0);
	else
		seed = ctx->stage == 1 ? luo_seed() : luo_get_u64("fseed");
	luo_put("fseed", "%#llx", (unsigned long long)seed);
	z->rng = (seed ^ (uint64_t)ctx->stage * 0x9e3779b97f4a7c15ULL) | 1;
	a = luo_arg("luo.fuzz_ops");
	*n = a ? strtoul(a, NULL, 0) : FUZZ_OPS;
	luo_info("fuzz seed 0x%llx (replay: luo.fuzz_seed=0x%llx), %lu ops, stage %d",
		 (unsigned long long)seed, (unsigned long long)seed, *n,
		 ctx->stage);
	for (i = 0; i < NSLOTS; i++)
		z->s[i].fd = -1;
	z->page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(z->page != MAP_FAILED, "mmap: %m");
	ASSERT_OK(munmap(z->page + 4096, 4096));
	/* Far above any fd the test opens: it stays closed. */
	z->closed_fd = CLOSED_FD;
	close(CLOSED_FD);
	z->luo = liveupdate_open();
	ASSERT_TRUE(z->luo >= 0, "open: %s", strerror(-z->luo));
	return LUO_PASS;
}

LUO_TEST(luo_fuzz_ioctl, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: 100k random LUO ioctls each side, errnos of spec 2")
{
	char key[16], name[32];
	struct fuzz z;
	unsigned long n;
	uint64_t seed;
	int i, s, m, r;

	if (fuzz_setup(ctx, &z, &n) != LUO_PASS)
		return LUO_FAIL;

	if (ctx->stage == 1) {
		for (i = 0; i < NKEEP; i++) {
			seed = luo_seed();
			snprintf(name, sizeof(name), "keep-%d", i);
			s = liveupdate_create_session(z.luo, name);
			ASSERT_TRUE(s >= 0, "create %s: %s", name, strerror(-s));
			m = luo_memfd_new(name, KEEP_SIZE, seed);
			ASSERT_OK(m);
			r = liveupdate_preserve_fd(s, m, KEEP_TOKEN + i);
			ASSERT_TRUE(!r, "preserve %s: %s", name, strerror(-r));
			close(m);
			z.keep[i] = s;
			snprintf(key, sizeof(key), "seed%d", i);
			luo_put(key, "0x%llx", (unsigned long long)seed);
		}
		ASSERT_TRUE(!fuzz_run(&z, n), "fuzz, stage 1");
		/* The fuzz sessions that are left cross the kexec too. */
		return luo_handover();
	}

	ASSERT_TRUE(!fuzz_run(&z, n), "fuzz, stage 2");
	for (i = 0; i < NSLOTS; i++)
		if (z.s[i].fd >= 0)
			close(z.s[i].fd);
	for (i = 0; i < NKEEP; i++) {
		snprintf(name, sizeof(name), "keep-%d", i);
		snprintf(key, sizeof(key), "seed%d", i);
		s = liveupdate_retrieve_session(z.luo, name);
		ASSERT_TRUE(s >= 0, "retrieve %s after fuzz: %s", name, strerror(-s));
		m = liveupdate_retrieve_fd(s, KEEP_TOKEN + i);
		ASSERT_TRUE(m >= 0, "retrieve fd of %s: %s", name, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, KEEP_SIZE, luo_get_u64(key)),
			    "bytes of %s", name);
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish %s: %s", name, strerror(-r));
		close(m);
		close(s);
	}
	close(z.luo);
	return LUO_PASS;
}
