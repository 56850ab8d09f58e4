// SPDX-License-Identifier: GPL-2.0
/*
 * test_interop_ours_first.c - memfds of 4 KiB pages, THP and a sparse file,
 * in three sessions, cross from our kernel to the alternative (upstream)
 * kernel and back: ours -> /boot/alt-bzImage -> ours, checked byte for
 * byte at each hop (interop.h).
 */
#include "interop.h"

LUO_TEST(interop_ours_first, .stages = INTEROP_STAGES, .keep_images = true,
	 .may_skip = true,
	 .cmdline = "kho=on liveupdate=on init_on_alloc=1",
	 /* Upstream 7.3 stops no tick before a kexec: one may be pending. */
	 .allow_log = LUO_LOG("Spurious LAPIC timer interrupt on cpu *"),
	 .desc = "three-stage: memfds ours -> upstream -> ours, bytes checked per hop")
{
	return interop_run(ctx, false);
}
