// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_image.c - the bzImage reader behind "luo-bpf check": its unit
 * test (tools/luo-bpf/test_image.c: gzip, xz, zstd, lzma, lz4, bzip2 and
 * lzo payloads as the kernel build makes them, advertised and plain format
 * strings, near misses, truncated and malformed images) run against this
 * kernel's image (both our kernels: the distribution-like one is lz4),
 * which must advertise its formats.
 */
#include "tool_util.h"

LUO_TEST(tool_image, .desc = "bzImage reader: synthetic and real images")
{
	static const char *const formats[] = {
		" kho-v4", " luo-v5", " memfd-v2", " memfd-hugetlb-v1",
		" luo-bpf-v1",
		" guest_memfd_luo_private_v1", " guest_memfd_luo_v1",
		" kvm_vm_luo_attrs_v1", " kvm_vm_luo_v1",
	};
	static struct tool_out o;
	size_t i;

	tool_run(&o, "/bin/luo-image-test /boot/bzImage");
	ASSERT_TRUE(!o.status && strstr(o.out, " 0 failed"),
		    "unit test: %d\n%s%s", o.status, o.out, o.err);
	ASSERT_TRUE(strstr(o.out, "INFO real bzImage: 9 advertised format(s)"),
		    "our image advertises kho-v4, luo-v5, memfd-v2, "
		    "memfd-hugetlb-v1, luo-bpf-v1, "
		    "guest_memfd_luo_private_v1, guest_memfd_luo_v1, "
		    "kvm_vm_luo_attrs_v1, kvm_vm_luo_v1:\n%s", o.out);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		ASSERT_TRUE(strstr(o.out, formats[i]), "%s not advertised:\n%s",
			    formats[i], o.out);
	ASSERT_TRUE(!strstr(o.out, "SKIP"), "no test skipped");
	return LUO_PASS;
}
