// SPDX-License-Identifier: GPL-2.0
/*
 * test_kexec_basic.c - a real kexec happens: stage 2 runs in a new kernel
 * (new boot id, stage marker on its command line, none of the first
 * kernel's log lines in its own log).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "luo_test.h"

LUO_TEST(kexec_basic, .stages = 2,
	 .desc = "two-stage: kexec_file_load + reboot reaches a new kernel")
{
	char marker[64], rec[80];
	int fd, nonce;

	if (ctx->stage == 1) {
		/*
		 * Only the number travels on the command line (which the new
		 * kernel logs), so the full marker can appear in the new log
		 * only if the old log leaked into it.
		 */
		srand(getpid() ^ (unsigned int)(luo_now() * 1e6));
		nonce = rand();
		snprintf(marker, sizeof(marker), "luo-marker-%d", nonce);
		fd = open("/dev/kmsg", O_WRONLY);
		ASSERT_OK(fd);
		/* The newline ends the record: an open record is not readable. */
		snprintf(rec, sizeof(rec), "%s\n", marker);
		ASSERT_TRUE(write(fd, rec, strlen(rec)) > 0, "kmsg write: %m");
		close(fd);
		ASSERT_TRUE(luo_kmsg_contains(marker), "marker not logged");
		luo_put("boot_id", "%s", luo_boot_id());
		luo_put("nonce", "%d", nonce);
		luo_kexec(NULL);
		return LUO_FAIL;	/* luo_kexec() returns only on failure */
	}

	ASSERT_TRUE(luo_get("boot_id"), "boot id of stage 1 not carried");
	ASSERT_TRUE(strcmp(luo_get("boot_id"), luo_boot_id()),
		    "same boot id %s after kexec", luo_boot_id());
	ASSERT_TRUE(luo_get("nonce"), "nonce of stage 1 not carried");
	snprintf(marker, sizeof(marker), "luo-marker-%s", luo_get("nonce"));
	ASSERT_TRUE(!luo_kmsg_contains(marker),
		    "stage-1 log line %s found in the new kernel's log", marker);
	ASSERT_TRUE(luo_kmsg_contains("luo.stage=2"),
		    "stage marker missing from the new command line");
	return LUO_PASS;
}
