// SPDX-License-Identifier: GPL-2.0
/*
 * demo_memfd.c - "make run": a live update that keeps a memfd.
 *
 * Boot 1: an agent writes a message into a memfd, preserves it in session
 * "demo" and keeps the session open while the host kexecs into a new
 * kernel. Boot 2: the agent retrieves the session and the memfd, reads the
 * message back from the same physical page, and finishes the session.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define MSG	"hello from the previous kernel"

/* Physical frame of the memfd's first page, as the demo's proof of zero-copy. */
static unsigned long long first_pfn(int fd)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	unsigned long long pfn;

	if (p == MAP_FAILED)
		return 0;
	(void)p[0];	/* fault it in */
	pfn = luo_pfn((const void *)p);
	munmap((void *)p, 4096);
	return pfn;
}

LUO_TEST(demo_memfd, .stages = 2, .demo = true,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "demo: a memfd's contents survive a live update")
{
	char buf[64] = "";
	int luo, s, m;

	luo = liveupdate_open();
	ASSERT_OK(luo);
	if (ctx->stage == 1) {
		printf("demo: boot %s, creating session 'demo'\n", luo_boot_id());
		m = memfd_create("demo", 0);
		ASSERT_OK(m);
		ASSERT_TRUE(pwrite(m, MSG, sizeof(MSG), 0) == sizeof(MSG), "write");
		s = liveupdate_create_session(luo, "demo");
		ASSERT_OK(s);
		ASSERT_OK(liveupdate_preserve_fd(s, m, 42));
		printf("demo: memfd (pfn %#llx) preserved as token 42: \"%s\"\n",
		       first_pfn(m), MSG);
		luo_put("pfn", "%llu", first_pfn(m));
		ASSERT_OK(luo_agent_hold());
		close(s);
		close(m);
		printf("demo: agent holds the session; kexec into the new kernel\n");
		luo_kexec(NULL);
		return LUO_FAIL;
	}

	printf("demo: new kernel, boot %s\n", luo_boot_id());
	s = liveupdate_retrieve_session(luo, "demo");
	ASSERT_OK(s);
	m = liveupdate_retrieve_fd(s, 42);
	ASSERT_OK(m);
	ASSERT_TRUE(pread(m, buf, sizeof(MSG), 0) == sizeof(MSG), "read");
	printf("demo: retrieved token 42 (pfn %#llx): \"%s\"\n",
	       first_pfn(m), buf);
	ASSERT_TRUE(!strcmp(buf, MSG), "got '%s'", buf);
	ASSERT_TRUE(first_pfn(m) == luo_get_u64("pfn"), "page was copied");
	ASSERT_OK(liveupdate_finish(s));
	printf("demo: session finished\n");
	return LUO_PASS;
}
