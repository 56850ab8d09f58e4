// SPDX-License-Identifier: GPL-2.0
/*
 * test_interop_upstream_first.c - the other direction: the host runner
 * boots the alternative (upstream) kernel first, which preserves the
 * memfds of interop.h; ours retrieves and preserves them again, and the
 * alternative kernel checks them once more: alt -> ours -> alt.
 */
#include "interop.h"

LUO_TEST(interop_upstream_first, .stages = INTEROP_STAGES, .kernel = "alt",
	 .may_skip = true,
	 .keep_images = true,
	 .cmdline = "kho=on liveupdate=on init_on_alloc=1",
	 /* Upstream 7.3 stops no tick before a kexec: one may be pending. */
	 .allow_log = LUO_LOG("Spurious LAPIC timer interrupt on cpu *"),
	 .desc = "three-stage: memfds upstream -> ours -> upstream, bytes checked per hop")
{
	return interop_run(ctx, true);
}
