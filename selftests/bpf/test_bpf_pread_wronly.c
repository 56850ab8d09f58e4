// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_pread_wronly.c - bpf_luo_file_pread() on a file not open for
 * reading. Any session holder can preserve an O_WRONLY reopen of a memfd
 * (through /proc/self/fd): the VM-RAM handler's preserve program reads the
 * file's first bytes with bpf_luo_file_pread(), which must fail with
 * EBADF (the program then refuses the file: PRESERVE_FD fails with
 * EINVAL) rather than reach __kernel_read()'s WARN_ON_ONCE, a crash under
 * panic_on_warn. The same memfd through its read-write fd is preserved.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define SIZE	(1 << 20)

LUO_TEST(bpf_pread_wronly, .cmdline = "kho=on liveupdate=on",
	 .desc = "BPF pread of an O_WRONLY reopen: EBADF, no kernel warning")
{
	struct vmram_handler h;
	char path[64];
	int luo, s, m, w, r;

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
	ASSERT_OK(vmram_describe(&h, 1, 1));
	ASSERT_OK(vmram_describe(&h, 2, 1));

	m = luo_memfd_new("vmram-wronly", SIZE, 1);
	ASSERT_TRUE(m >= 0, "memfd: %s", strerror(-m));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	w = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(w >= 0, "reopen O_WRONLY: %s", strerror(errno));

	s = liveupdate_create_session(luo, "wronly");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	r = liveupdate_preserve_fd(s, w, 1);
	ASSERT_TRUE(r == -EINVAL, "preserve the O_WRONLY reopen: %d (%s)", r,
		    strerror(-r));
	r = liveupdate_preserve_fd(s, m, 2);
	ASSERT_TRUE(!r, "preserve the read-write fd: %s", strerror(-r));

	close(s);
	close(w);
	close(m);
	vmram_detach(&h);
	close(luo);
	return LUO_PASS;
}
