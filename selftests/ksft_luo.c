// SPDX-License-Identifier: GPL-2.0
/*
 * ksft_luo.c - the single-boot LUO and memfd tests of luo-selftests as a
 * kselftest: the same test functions, run by the kernel's
 * kselftest_harness.h on a live host, no luo.test= needed.
 *
 *   luo-kselftest              run every test below, KTAP out, "# Totals"
 *   luo-kselftest -r NAME      one test (the harness's own options)
 *
 * A test is skipped, with the reason, when the host cannot run it:
 * /dev/liveupdate missing (no CONFIG_LIVEUPDATE, or not booted with
 * "kho=on liveupdate=on"), held by another process (a live-update agent),
 * or, for a test that preserves memfds, no memfd-v2 file handler. The
 * tests only use the uAPI: none needs the test hooks of
 * CONFIG_LIVEUPDATE_TEST or a particular kernel command line, and none
 * leaves a session behind (every fd is closed when its test exits).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

/* Both define these; the harness's are used below. */
#undef ASSERT_TRUE
#undef ASSERT_OK
#undef ASSERT_ERRNO
#undef SKIP
#undef ARRAY_SIZE
#include "kselftest_harness.h"

static const struct {
	const char *name;
	bool memfd;		/* preserves memfds */
} host_tests[] = {
	{ "luo_ioctl_dispatch", false },
	{ "luo_struct_size", false },
	{ "luo_session_names", false },
	{ "luo_get_name", false },
	{ "luo_session_dup", false },
	{ "luo_exclusive_open", false },
	{ "luo_unsupported_fd", false },
	{ "luo_wrong_kind", false },
	{ "luo_reply_efault", false },
	{ "luo_eperm", false },
	{ "luo_sessions_2000", true },
	{ "luo_double_preserve", true },
	{ "luo_dup_token", true },
	{ "luo_files_500", true },
	{ "memfd_seals", true },
	{ "memfd_size_frozen", true },
};

static const struct luo_test *const *all;
static int nr_all;

/* Why this host cannot run a test, or NULL. */
static const char *host_missing(bool memfd)
{
	static char why[160];
	int luo, s, m, r;

	luo = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (luo < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			return "no /dev/liveupdate: needs CONFIG_LIVEUPDATE and booting with kho=on liveupdate=on";
		if (errno == EBUSY)
			return "/dev/liveupdate is held by another process (a live-update agent?)";
		snprintf(why, sizeof(why), "/dev/liveupdate: %s", strerror(errno));
		return why;
	}
	if (!memfd) {
		close(luo);
		return NULL;
	}
	snprintf(why, sizeof(why), "ksft-probe-%d", getpid());
	s = liveupdate_create_session(luo, why);
	m = memfd_create("ksft-probe", MFD_CLOEXEC);
	r = s < 0 ? s : m < 0 ? -errno : liveupdate_preserve_fd(s, m, 1);
	if (m >= 0)
		close(m);
	if (s >= 0)
		close(s);
	close(luo);
	if (r == -ENOENT)
		return "no memfd-v2 file handler (CONFIG_LIVEUPDATE_MEMFD)";
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot preserve a memfd: %s",
			 strerror(-r));
		return why;
	}
	return NULL;
}

static void run_luo_test(struct __test_metadata *_metadata,
			 struct __fixture_variant_metadata *variant)
{
	const struct luo_test *t = NULL;
	struct luo_ctx ctx = { .stage = 1 };
	const char *why;
	bool memfd = false;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(host_tests); i++)
		if (!strcmp(host_tests[i].name, _metadata->name))
			memfd = host_tests[i].memfd;
	for (k = 0; k < nr_all; k++)
		if (!strcmp(all[k]->name, _metadata->name))
			t = all[k];
	ASSERT_NE(NULL, t);
	why = host_missing(memfd);
	if (why)
		SKIP(return, "%s", why);
	ctx.test = t->name;
	switch (t->run(&ctx)) {
	case LUO_PASS:
		break;
	case LUO_SKIP:
		SKIP(return, "the test skipped itself (reason above)");
	default:
		_metadata->exit_code = KSFT_FAIL;
	}
}

int main(int argc, char **argv)
{
	struct __test_metadata *m;
	size_t i;

	nr_all = luo_tests(&all);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(host_tests); i++) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return KSFT_FAIL;
		m->name = host_tests[i].name;
		m->fn = run_luo_test;
		m->fixture = &_fixture_global;
		m->termsig = -1;	/* exits normally */
		m->timeout = 120;
		__register_test(m);
	}
	return test_harness_run(argc, argv);
}
