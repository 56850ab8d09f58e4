// SPDX-License-Identifier: GPL-2.0
/*
 * test_memfd_hugetlb.c - a hugetlbfs-backed memfd is not a shmem file: no
 * handler takes it, so PRESERVE_FD fails with ENOENT.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define HPAGE		(2UL << 20)

LUO_TEST(memfd_hugetlb, .cmdline = "kho=on liveupdate=on",
	 .desc = "single boot: MFD_HUGETLB memfd refused with ENOENT")
{
	char buf[32];
	int luo, s, m, r;
	char *p;

	ASSERT_OK(luo_write_file(NR_HUGEPAGES, "4"));
	ASSERT_TRUE(luo_read_file(NR_HUGEPAGES, buf, sizeof(buf)) > 0,
		    "read %s", NR_HUGEPAGES);
	/* Our kernel has HUGETLBFS and the VM 2 GiB: not a reason to skip. */
	ASSERT_TRUE(atoi(buf) >= 1, "no hugetlb page could be allocated");

	m = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_OK(m);
	ASSERT_OK(ftruncate(m, HPAGE));
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	memset(p, 0x5a, HPAGE);

	s = luo_session_new("hugetlb", &luo);
	ASSERT_TRUE(s >= 0, "session");
	r = liveupdate_preserve_fd(s, m, 1);
	ASSERT_TRUE(r == -ENOENT, "hugetlb memfd: %d", r);

	munmap(p, HPAGE);
	close(m);
	close(s);
	close(luo);
	luo_write_file(NR_HUGEPAGES, "0");
	return LUO_PASS;
}
