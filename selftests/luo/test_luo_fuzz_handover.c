// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_fuzz_handover.c - random damage to the handover, over many
 * kexecs in one test: every kind of damage in every run.
 *
 * luo_fuzz_handover flips one to four random bits, luo_fuzz_handover_trunc
 * truncates (zeroes from a random offset on, for a block also a random
 * entry count), each in every one of the seven parts in turn, in an order
 * the seed chooses: LUO's header, the session block, a file block, a
 * memfd descriptor, KHO's root FDT, KHO's tracker root table and the
 * luo-bpf tree. Each of stages 1..NDAMAGE preserves two sessions of two
 * memfds each and has the test hooks damage the handover its reboot
 * writes. The seed is fresh in every run and printed; "luo.fuzz_seed=N"
 * replays a run.
 *
 * The next kernel must not panic, oops or WARN (the host runner checks),
 * and whatever it cannot hand back must be refused with a log line: when
 * /dev/liveupdate fails, a session or file is missing, or a retrieve
 * fails, a warning of KHO, LUO or the memfd handler must be in this
 * boot's log (a session name or a token with a bit flipped, or a token
 * cut short, cannot be told from a good one: the test looks for it under
 * the damaged name).
 * No page may be handed out twice: no frame may back two
 * retrieved files, and none may back fresh anonymous memory allocated
 * after the retrieves and FINISH. A file that comes back with other bytes
 * is reported (its damage was in data no check can verify) but is no
 * failure.
 *
 * Then two clean live updates: the first one's kernel may have found the
 * last damaged handover unreadable (and so had no LUO to preserve with),
 * the second one always starts from a kernel that booted clean. The last
 * stage must get every file back intact with no warning at all: damage
 * must not break the updates that follow it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NPARTS		7
#define NDAMAGE		NPARTS
#define NSTAGES		(NDAMAGE + 3)	/* two clean updates, a last check */
#define NSESS		2
#define NFILES		2
#define FPAGES		16
#define FSIZE		(FPAGES * 4096)
#define FRESH_MB	32

static const char *const parts[NPARTS] = {
	"header", "sessions", "files", "memfd", "fdt", "tracker", "bpf",
};

/*
 * The part stage @i + 1 damages: every part once over the NDAMAGE stages
 * (3 is prime to 7), starting where the seed says.
 */
static int part_of(uint64_t seed, int i)
{
	return (int)((i * 3 + seed % NPARTS) % NPARTS);
}

/* Warnings (or worse) of KHO, LUO or the memfd handler in this boot. */
static int refusals_logged(void)
{
	static const char *const pfx[] = { "KHO: ", "liveupdate: ", "memfd_luo: " };
	char rec[2048], *text;
	int fd, n = 0, pri;
	ssize_t len;
	size_t i;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		rec[len] = 0;
		text = strchr(rec, ';');
		if (!text || sscanf(rec, "%d", &pri) != 1 || (pri & 7) > 4)
			continue;
		for (i = 0; i < ARRAY_SIZE(pfx); i++)
			if (!strncmp(text + 1, pfx[i], strlen(pfx[i])))
				n++;
	}
	close(fd);
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Is @name one of the test's own sessions ("hs-0"...)? */
static bool own_session(const char *name)
{
	char own[32];
	int i;

	for (i = 0; i < NSESS; i++) {
		snprintf(own, sizeof(own), "hs-%d", i);
		if (!strcmp(name, own))
			return true;
	}
	return false;
}

/*
 * A session whose name lost a bit, or was cut short (a truncation), is
 * still there, under that other name: no check can see it. Look for
 * @name so damaged, not among the test's own names.
 */
static int retrieve_renamed(int luo, const char *name)
{
	char alt[LIVEUPDATE_SESSION_NAME_LENGTH];
	size_t i, len = strlen(name);
	int b, s;

	for (i = 0; i <= len; i++) {
		for (b = 0; b < 9; b++) {
			memset(alt, 0, sizeof(alt));
			memcpy(alt, name, b < 8 ? len : i);
			if (b < 8)
				alt[i] ^= 1 << b;
			if (!alt[0] || (i < len && !alt[i] && b < 8) ||
			    own_session(alt))
				continue;
			s = liveupdate_retrieve_session(luo, alt);
			if (s >= 0) {
				luo_info("session %s came back as '%s': its name was damaged",
					 name, alt);
				return s;
			}
		}
	}
	return -ENOENT;
}

/*
 * A file whose token lost a bit, or was cut short (its bytes from one on
 * zeroed), is still there under that other token: the format has no
 * checksum to tell (as for a session's name). Look for @token so damaged,
 * not among the tokens the test uses.
 */
static int retrieve_retokened(int s, uint64_t token, uint64_t *used,
			      int *nused)
{
	uint64_t alt;
	int b, k, m;

	for (b = 0; b < 64 + 8; b++) {
		alt = b < 64 ? token ^ (1ULL << b) :
			       token & ((1ULL << (8 * (b - 64))) - 1);
		if (alt == token || (alt >= 100 && alt < 100 + NFILES))
			continue;
		/* Another damaged file of this session came back as @alt. */
		for (k = 0; k < *nused && used[k] != alt; k++)
			;
		if (k < *nused)
			continue;
		m = liveupdate_retrieve_fd(s, alt);
		if (m >= 0) {
			used[(*nused)++] = alt;
			luo_info("file %llu came back as token %llu: its token was damaged",
				 (unsigned long long)token,
				 (unsigned long long)alt);
			return m;
		}
	}
	return -ENOENT;
}

/*
 * Check what came of the last stage's sessions. Fills @pfns with the
 * frames of every retrieved page (*@np of them) and @mfds with the
 * retrieved files, left open (their pages stay theirs) for the caller to
 * close. Returns the number of files lost (refused), -1 on a failure
 * already reported.
 */
static int check_incoming(int luo, bool strict, bool cut_sessions,
			  uint64_t *pfns, int *np, int *bad_bytes, int *mfds)
{
	char name[32], key[16];
	int i, j, s, m, lost = 0, nused;
	uint64_t seed, used[NFILES];
	char *p;

	for (i = 0; i < NSESS; i++) {
		nused = 0;
		snprintf(name, sizeof(name), "hs-%d", i);
		s = liveupdate_retrieve_session(luo, name);
		if (s == -ENOENT)
			s = retrieve_renamed(luo, name);
		if (s < 0) {
			luo_info("session %s: %s", name, strerror(-s));
			lost += NFILES;
			continue;
		}
		for (j = 0; j < NFILES; j++) {
			snprintf(key, sizeof(key), "s%d%d", i, j);
			seed = luo_get_u64(key);
			m = liveupdate_retrieve_fd(s, 100 + j);
			if (m == -ENOENT)
				m = retrieve_retokened(s, 100 + j, used, &nused);
			/*
			 * A session entry cut short after its name reads as a
			 * session without files (files_pa and count zero): a
			 * valid entry, no check can tell. Their memory stays
			 * reserved, unreachable, until the next reboot.
			 */
			if (m == -ENOENT && cut_sessions) {
				luo_info("undetectable: %s file %d missing, its session entry was cut short",
					 name, j);
				continue;
			}
			if (m < 0) {
				luo_info("%s file %d: %s", name, j, strerror(-m));
				lost++;
				continue;
			}
			if (luo_memfd_verify(m, FSIZE, seed)) {
				luo_info("%s file %d: other bytes (damage no check can see)",
					 name, j);
				(*bad_bytes)++;
				if (strict)
					return -1;
			}
			p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, m, 0);
			if (p != MAP_FAILED) {
				off_t size = lseek(m, 0, SEEK_END);
				int k;

				for (k = 0; k < FPAGES && k * 4096 < size; k++) {
					(void)*(volatile char *)(p + k * 4096);
					pfns[(*np)++] = luo_pfn(p + k * 4096);
				}
				munmap(p, FSIZE);
			}
			mfds[i * NFILES + j] = m;
		}
		liveupdate_finish(s);
		close(s);
	}
	return lost;
}

/* No frame twice among @pfns, nor in fresh anonymous memory. */
static int check_pages(uint64_t *pfns, int n)
{
	size_t len = FRESH_MB << 20, off;
	uint64_t pfn, *map;
	char *a;
	int i, fd;

	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (i = 1; i < n; i++)
		if (pfns[i] && pfns[i] == pfns[i - 1]) {
			luo_fail("frame %#llx backs two retrieved pages",
				 (unsigned long long)pfns[i]);
			return -1;
		}
	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED)
		return -1;
	for (off = 0; off < len; off += 4096)
		a[off] = 1;
	/* Their frames, from one read of /proc/self/pagemap. */
	map = malloc(len / 4096 * sizeof(*map));
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (!map || fd < 0 ||
	    pread(fd, map, len / 4096 * sizeof(*map),
		  (uintptr_t)a / 4096 * sizeof(*map)) != (ssize_t)(len / 4096 * sizeof(*map))) {
		luo_fail("pagemap: %m");
		n = -1;
	}
	for (off = 0; n >= 0 && off < len / 4096; off++) {
		pfn = map[off] >> 63 ? map[off] & ((1ULL << 55) - 1) : 0;
		if (pfn && bsearch(&pfn, pfns, n, sizeof(*pfns), cmp_u64)) {
			luo_fail("frame %#llx of a retrieved file handed out again",
				 (unsigned long long)pfn);
			n = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(map);
	munmap(a, len);
	return n < 0 ? -1 : 0;
}

/*
 * This run's seed: luo.fuzz_seed, or fresh in stage 1; carried to the
 * next stage (a carried value lives one kexec: put it again each stage).
 */
static uint64_t fuzz_seed(const struct luo_ctx *ctx)
{
	const char *a = luo_arg("luo.fuzz_seed");
	uint64_t seed;

	if (a)
		seed = strtoull(a, NULL, 0);
	else if (ctx->stage == 1)
		seed = luo_seed();
	else
		seed = luo_get_u64("fseed");
	luo_put("fseed", "%#llx", (unsigned long long)seed);
	return seed;
}

static enum luo_result fuzz_handover(struct luo_ctx *ctx, bool trunc)
{
	uint64_t pfns[NSESS * NFILES * FPAGES], seed, dseed;
	int mfds[NSESS * NFILES], luo, i, j, s, m, r, lost, np = 0, bad = 0;
	int logged;
	char name[32], key[16], how[48];

	seed = fuzz_seed(ctx);
	luo_info("handover fuzz seed %#llx (replay: luo.fuzz_seed=%#llx), stage %d of %d",
		 (unsigned long long)seed, (unsigned long long)seed,
		 ctx->stage, NSTAGES);

	for (i = 0; i < NSESS * NFILES; i++)
		mfds[i] = -1;
	luo = liveupdate_open();
	if (ctx->stage > 1 && luo_get_u64("none")) {
		luo_info("the last stage preserved nothing (no LUO in that boot)");
		/* Only the first clean update may start from such a boot. */
		ASSERT_TRUE(ctx->stage <= NDAMAGE + 2,
			    "stage %d had no LUO after a clean update",
			    ctx->stage - 1);
	} else if (ctx->stage > 1) {
		if (luo < 0) {
			luo_info("/dev/liveupdate: %s", strerror(-luo));
			ASSERT_TRUE(luo == -EIO, "open: %s", strerror(-luo));
			lost = NSESS * NFILES;
			/* A refused handover: opening fails until reboot. */
		} else {
			bool cut = trunc && ctx->stage - 1 <= NDAMAGE &&
				   !strcmp(parts[part_of(seed, ctx->stage - 2)],
					   "sessions");

			lost = check_incoming(luo, ctx->stage > NDAMAGE + 1,
					      cut, pfns, &np, &bad, mfds);
			ASSERT_TRUE(lost >= 0, "a file lost its bytes after a clean update");
		}
		/* After the retrieves: a refusal may be logged by one. */
		logged = refusals_logged();
		luo_info("damage of stage %d: %d of %d files refused, %d with other bytes, %d warnings logged",
			 ctx->stage - 1, lost, NSESS * NFILES, bad, logged);
		/*
		 * A header whose sessions_pa lost its bits reads as a valid
		 * handover without sessions: no check can tell, and the
		 * format (upstream's) has no count or checksum to catch it.
		 */
		if (lost == NSESS * NFILES && !logged && luo >= 0 &&
		    ctx->stage - 1 <= NDAMAGE &&
		    !strcmp(parts[part_of(seed, ctx->stage - 2)], "header"))
			luo_info("undetectable: damaged header reads as no sessions; their memory stays reserved");
		else
			ASSERT_TRUE(!lost || logged > 0,
				    "%d files lost without a log line", lost);
		ASSERT_TRUE(!check_pages(pfns, np), "a page handed out twice");
		for (i = 0; i < NSESS * NFILES; i++)
			if (mfds[i] >= 0)
				close(mfds[i]);
		if (ctx->stage == NSTAGES) {
			/* From a clean boot, through a clean handover. */
			ASSERT_TRUE(!lost && !bad, "clean update lost files");
			ASSERT_TRUE(!logged, "%d warnings after a clean update",
				    logged);
			close(luo);
			return LUO_PASS;
		}
	}
	/* A refused handover leaves LUO failing until the next boot. */
	luo_put("none", "%d", luo < 0);
	if (luo < 0)
		luo_info("no LUO in this boot: the next stage gets no sessions");

	if (luo >= 0) {
		for (i = 0; i < NSESS; i++) {
			snprintf(name, sizeof(name), "hs-%d", i);
			s = liveupdate_create_session(luo, name);
			ASSERT_TRUE(s >= 0, "create %s: %s", name, strerror(-s));
			for (j = 0; j < NFILES; j++) {
				snprintf(key, sizeof(key), "s%d%d", i, j);
				dseed = luo_seed();
				m = luo_memfd_new(key, FSIZE, dseed);
				ASSERT_OK(m);
				r = liveupdate_preserve_fd(s, m, 100 + j);
				ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
				close(m);
				luo_put(key, "%#llx", (unsigned long long)dseed);
			}
		}
	}
	if (ctx->stage <= NDAMAGE) {
		snprintf(how, sizeof(how), "%s-%s:%llu", trunc ? "trunc" : "flip",
			 parts[part_of(seed, ctx->stage - 1)],
			 (unsigned long long)(seed * ctx->stage ^ 0x9e3779b97f4a7c15ULL));
		luo_info("stage %d damages the handover: %s", ctx->stage, how);
		ASSERT_OK(luo_write_file("/sys/kernel/debug/liveupdate/test_damage", how));
	}
	return luo_handover();
}

LUO_TEST(luo_fuzz_handover, .stages = NSTAGES,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "multi-stage: random bit flips in every part of the handover",
	 .allow_log = LUO_LOG("KHO: *", "liveupdate: *", "memfd_luo: *"))
{
	return fuzz_handover(ctx, false);
}

LUO_TEST(luo_fuzz_handover_trunc, .stages = NSTAGES,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "multi-stage: random truncations of every part of the handover",
	 .allow_log = LUO_LOG("KHO: *", "liveupdate: *", "memfd_luo: *"))
{
	return fuzz_handover(ctx, true);
}
