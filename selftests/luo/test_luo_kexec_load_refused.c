// SPDX-License-Identifier: GPL-2.0
/*
 * test_luo_kexec_load_refused.c - only kexec_file_load hands KHO data to
 * the next kernel. With files preserved and an image loaded by the plain
 * kexec_load syscall, the kexec reboot must be refused (EOPNOTSUPP, one
 * log line) instead of losing the sessions; they stay usable, and a
 * kexec_file_load afterwards carries them over.
 */
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <linux/reboot.h>

#include "liveupdate.h"
#include "luo_test.h"

#define SZ		(128 << 10)
#define IMAGE_ADDR	0x1000000UL	/* 16 MiB: RAM in any test VM */

/*
 * A one-page image that is just "ud2": loading it is enough for the test,
 * and should it ever run, the machine resets at once instead of hanging.
 */
static int load_trivial_image(void)
{
	static unsigned char page[4096] __attribute__((aligned(4096))) = {
		0x0f, 0x0b,
	};
	struct kexec_segment seg = {
		.buf = page,
		.bufsz = sizeof(page),
		.mem = (void *)IMAGE_ADDR,
		.memsz = sizeof(page),
	};

	return syscall(SYS_kexec_load, IMAGE_ADDR, 1UL, &seg,
		       (unsigned long)KEXEC_ARCH_DEFAULT);
}

static enum luo_result stage1(int luo)
{
	uint64_t seed = luo_seed();
	int s, m1, m2, r;

	s = liveupdate_create_session(luo, "kexec-load");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	m1 = luo_memfd_new("m1", SZ, seed + 1);
	ASSERT_OK(m1);
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m1, 1), "preserve m1");

	ASSERT_OK(load_trivial_image());
	luo_put("try", "1");
	errno = 0;
	r = reboot(LINUX_REBOOT_CMD_KEXEC);
	luo_info("reboot after kexec_load: %d (%s)", r,
		 strerrorname_np(errno) ?: "0");
	ASSERT_TRUE(r == -1 && errno == EOPNOTSUPP,
		    "kexec reboot of a kexec_load image: %d/%s", r,
		    strerrorname_np(errno) ?: "0");
	ASSERT_TRUE(luo_kmsg_contains("kexec_file_load"),
		    "no log line for the refused reboot");

	/* Still usable: preserve another file, then do it the right way. */
	m2 = luo_memfd_new("m2", SZ, seed + 2);
	ASSERT_OK(m2);
	r = liveupdate_preserve_fd(s, m2, 2);
	ASSERT_TRUE(!r, "preserve after the refused reboot: %s", strerror(-r));
	luo_put("try", "2");
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	return luo_handover();
}

LUO_TEST(luo_kexec_load_refused, .stages = 2, .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: kexec_load image with sessions: reboot EOPNOTSUPP",
	 .expect_log = LUO_LOG("liveupdate: kexec image loaded by kexec_load cannot carry preserved files: reboot refused, load it with kexec_file_load"))
{
	int luo, s, m, i;
	uint64_t seed;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (ctx->stage == 1)
		return stage1(luo);

	ASSERT_TRUE(luo_get_u64("try") == 2, "kexec went through on attempt %s",
		    luo_get("try"));
	seed = luo_get_u64("seed");
	s = liveupdate_retrieve_session(luo, "kexec-load");
	ASSERT_TRUE(s >= 0, "retrieve: %s", strerror(-s));
	for (i = 1; i <= 2; i++) {
		m = liveupdate_retrieve_fd(s, i);
		ASSERT_TRUE(m >= 0, "file %d: %s", i, strerror(-m));
		ASSERT_TRUE(!luo_memfd_verify(m, SZ, seed + i), "file %d", i);
		close(m);
	}
	return luo_finish_close(s, luo);
}
