// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb.c - while a hugetlb memfd is preserved its size and
 * holes stay as they are: truncate and fallocate (allocate and punch) fail
 * with EPERM, a fault into a hole still fills it (freeze() picks it up).
 * Closing the session unpreserves it and undoes all of that.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define HPAGE		(2UL << 20)

LUO_TEST(memfd_hugetlb, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: preserved hugetlb memfd: size frozen, unpreserve thaws")
{
	char buf[32];
	int luo, s, m, r;
	char *p;

	ASSERT_OK(luo_write_file(NR_HUGEPAGES, "8"));
	ASSERT_TRUE(luo_read_file(NR_HUGEPAGES, buf, sizeof(buf)) > 0,
		    "read %s", NR_HUGEPAGES);
	/* Our kernel has HUGETLBFS and the VM 2 GiB: not a reason to skip. */
	ASSERT_TRUE(atoi(buf) == 8, "pool of %s pages, not 8", buf);

	m = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, 4 * HPAGE));
	p = mmap(NULL, 4 * HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	memset(p, 0x5a, HPAGE);

	s = luo_session_new("hugetlb", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(!r, "preserve: %s", strerror(-r));

	ASSERT_TRUE(ftruncate(m, 2 * HPAGE) < 0 && errno == EPERM,
		    "shrunk while preserved");
	ASSERT_TRUE(ftruncate(m, 8 * HPAGE) < 0 && errno == EPERM,
		    "grown while preserved");
	ASSERT_TRUE(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, HPAGE) < 0 && errno == EPERM,
		    "hole punched into a preserved page");
	ASSERT_TRUE(fallocate(m, 0, HPAGE, HPAGE) < 0 && errno == EPERM,
		    "fallocate while preserved");
	ASSERT_TRUE(p[0] == 0x5a, "preserved page changed");
	/* Before the reboot a fault may still fill a hole. */
	p[2 * HPAGE] = 1;

	/* Unpreserve: the file is an ordinary hugetlb memfd again. */
	close(s);
	ASSERT_OK(ftruncate(m, 2 * HPAGE));
	ASSERT_OK(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			    HPAGE));
	ASSERT_TRUE(p[0] == 0, "punched page still reads %#x", p[0]);

	munmap(p, 4 * HPAGE);
	close(m);
	close(luo);
	ASSERT_TRUE(luo_meminfo_kb("HugePages_Free") == 8,
		    "%lld pages free after close, pool 8",
		    luo_meminfo_kb("HugePages_Free"));
	luo_write_file(NR_HUGEPAGES, "0");
	return LUO_PASS;
}
