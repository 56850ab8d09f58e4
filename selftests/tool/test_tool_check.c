// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_check.c - "luo-bpf check" refuses a kernel image that cannot
 * read what is preserved, naming each file and format, and passes one
 * that can: /boot/bzImage reads memfd-v2; an image built here from its
 * setup code and a payload advertising only luo-v5 and kho-v4 does not.
 * A BPF handler's file also needs the handler object for the next kernel
 * (--handlers). update refuses the same way (exit 3) and never kexecs.
 */
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "json_flat.h"
#include "liveupdate.h"
#include "tool_util.h"
#include "vmram_util.h"

#define NOMEMFD	"/tmp/nomemfd-bzImage"

static struct tool_out o;
static char flat[1 << 16];

/*
 * /boot/bzImage's setup code with a gzip payload holding only the
 * advertisements of @formats: what a kernel built without the memfd
 * handler looks like to the check.
 */
static enum luo_result make_image(const char *path, const char *formats)
{
	static unsigned char img[64 << 10], payload[4096], z[4096];
	int fd = open("/boot/bzImage", O_RDONLY), setup, poff, plen;
	uLongf zlen = sizeof(z);
	size_t n = 0;
	z_stream s = { 0 };
	const char *f;

	ASSERT_TRUE(fd >= 0 && read(fd, img, sizeof(img)) == sizeof(img),
		    "read bzImage");
	close(fd);
	setup = (img[0x1f1] ?: 4) + 1;
	for (f = formats; *f; f += strlen(f) + 1)
		n += sprintf((char *)payload + n + 1, "luo-format:%s", f) + 1;
	/* gzip: deflate with a gzip wrapper (windowBits 16 + 15). */
	ASSERT_TRUE(deflateInit2(&s, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK,
		    "deflateInit2");
	s.next_in = payload;
	s.avail_in = n + 1;
	s.next_out = z;
	s.avail_out = zlen;
	ASSERT_TRUE(deflate(&s, Z_FINISH) == Z_STREAM_END, "deflate");
	zlen = s.total_out;
	deflateEnd(&s);
	poff = 0x1000;		/* payload offset within the protected-mode part */
	plen = zlen;
	memcpy(img + 0x248, &poff, 4);
	memcpy(img + 0x24c, &plen, 4);
	ASSERT_TRUE(setup * 512 + poff + zlen <= sizeof(img), "image fits");
	memcpy(img + setup * 512 + poff, z, zlen);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_TRUE(fd >= 0 && write(fd, img, setup * 512 + poff + zlen) > 0,
		    "write %s", path);
	close(fd);
	return LUO_PASS;
}

LUO_TEST(tool_check, .cmdline = "kho=on liveupdate=on",
	 .desc = "luo-bpf check/update refuse an image that cannot read the files")
{
	struct vmram_handler h;
	int luo, s, m1, m2, r;

	if (make_image(NOMEMFD, "luo-v5\0kho-v4\0luo-bpf-v1\0") != LUO_PASS)
		return LUO_FAIL;
	s = luo_session_new("check", &luo);
	ASSERT_TRUE(s >= 0, "session");
	m1 = luo_memfd_new("data", 8192, 1);
	ASSERT_OK(m1);
	ASSERT_TRUE(!liveupdate_preserve_fd(s, m1, 1), "preserve");

	r = tool_run(&o, LUO_BPF " check --kernel /boot/bzImage");
	ASSERT_TRUE(!r && strstr(o.out, "ok    session 'check' token 1 (memfd-v2)"),
		    "check of our image: %d %s %s", r, o.out, o.err);
	r = tool_run(&o, LUO_BPF " check --kernel " NOMEMFD);
	ASSERT_TRUE(r == 3 && strstr(o.out, "LOST  session 'check' token 1 (memfd-v2): the image cannot read 'memfd-v2'"),
		    "check of an image without memfd: %d %s", r, o.out);
	r = tool_run(&o, LUO_BPF " --json check --kernel " NOMEMFD);
	ASSERT_TRUE(r == 3 && json_flat(o.out, flat, sizeof(flat)) > 0 &&
		    json_has(flat, "image", NOMEMFD) &&
		    json_has(flat, "files[0].session", "check") &&
		    json_has(flat, "files[0].token", "1") &&
		    json_has(flat, "files[0].format", "memfd-v2") &&
		    json_has(flat, "files[0].readable", "false") &&
		    json_has(flat, "outgoing", "1") && json_has(flat, "lost", "1"),
		    "check --json: %s", o.out);
	r = tool_run(&o, LUO_BPF " update --kernel " NOMEMFD);
	ASSERT_TRUE(r == 3 && strstr(o.err, "update refused"),
		    "update refused: %d %s", r, o.err);

	/* A BPF handler's file: the next kernel needs the handler too. */
	r = vmram_attach(&h, 1);
	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
	ASSERT_OK(vmram_describe(&h, 2, 1));
	m2 = luo_memfd_new("vmram-check", 8192, 2);
	ASSERT_OK(m2);
	s = liveupdate_create_session(luo, "vm-check");
	ASSERT_TRUE(s >= 0 && !liveupdate_preserve_fd(s, m2, 2), "preserve vmram");
	r = tool_run(&o, LUO_BPF " check --kernel /boot/bzImage");
	ASSERT_TRUE(r == 3 && strstr(o.out, "no handler 'bpf:vmram-v1' of schema >= 1 given"),
		    "BPF file without --handlers: %d %s", r, o.out);
	r = tool_run(&o, LUO_BPF " check --kernel /boot/bzImage --handlers " BPF_OBJS);
	ASSERT_TRUE(!r, "with the handlers: %d %s %s", r, o.out, o.err);
	vmram_detach(&h);
	close(luo);
	return LUO_PASS;
}
