// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_license.c - a non-GPL LUO handler does not load.
 */
#include <bpf/libbpf.h>

#include "luo_test.h"
#include "test_bpf_license.skel.h"

LUO_TEST(bpf_license, .cmdline = "kho=on liveupdate=on",
	 .desc = "non-GPL LUO handler programs are refused")
{
	struct test_bpf_license_bpf *skel = test_bpf_license_bpf__open();
	int err;

	ASSERT_TRUE(skel, "open: %m");
	err = test_bpf_license_bpf__load(skel);
	test_bpf_license_bpf__destroy(skel);
	ASSERT_TRUE(err < 0, "a proprietary handler loaded");
	return LUO_PASS;
}
