// SPDX-License-Identifier: GPL-2.0
/*
 * luo_timeline.c - when each phase of a live update happened.
 *
 * The outgoing kernel stamps its reboot path (freeze, frozen, serialized,
 * shutdown) into a property of the root KHO FDT that it created, zeroed,
 * when LUO started (include/linux/kho/abi/luo_timeline.h): nothing is
 * allocated on the reboot path. The next kernel adds its own moments: KHO
 * finding the handover (early in setup_arch()), the end of its walk, the first
 * open of /dev/liveupdate, the first and the last RETRIEVE_FD and the last
 * FINISH. Both kernels read the same cycle counter, which a kexec does not
 * reset, so all moments lie on one axis. /sys/kernel/debug/liveupdate/timeline
 * shows them in microseconds from the freeze; "luo-bpf timeline" reads it.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/kho/abi/luo_timeline.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/timex.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "kexec_handover_internal.h"
#include "luo_internal.h"

static const char *const luo_timeline_names[LUO_TL_NR] = {
	[LUO_TL_FREEZE]		= "freeze",
	[LUO_TL_FROZEN]		= "frozen",
	[LUO_TL_SERIALIZED]	= "serialized",
	[LUO_TL_SHUTDOWN]	= "shutdown",
	[LUO_TL_HANDOVER_FOUND]	= "handover_found",
	[LUO_TL_KHO_WALKED]	= "kho_walked",
	[LUO_TL_DEV_OPEN]	= "dev_open",
	[LUO_TL_FIRST_RETRIEVE]	= "first_retrieve",
	[LUO_TL_LAST_RETRIEVE]	= "last_retrieve",
	[LUO_TL_FINISH]		= "finish",
};

/* Cycle counter readings of this boot's timeline; 0: not (yet) reached. */
static atomic64_t luo_tl[LUO_TL_NR];
/* Did the previous kernel hand its moments over? */
static bool luo_tl_in;

static u32 luo_cycle_khz(void)
{
#ifdef CONFIG_X86
	return tsc_khz;
#else
	return 0;
#endif
}

/**
 * luo_timeline_mark - this kernel reached @phase of the incoming update
 * @phase: LUO_TL_DEV_OPEN ... LUO_TL_FINISH
 *
 * The first moment is kept for the "first" phases and for the open, the
 * latest for the others.
 */
void luo_timeline_mark(enum luo_timeline_phase phase)
{
	u64 now = get_cycles();

	if (phase == LUO_TL_LAST_RETRIEVE || phase == LUO_TL_FINISH)
		atomic64_set(&luo_tl[phase], now);
	else
		atomic64_cmpxchg(&luo_tl[phase], 0, now);
}

/* The outgoing property in the root FDT; caller holds the KHO lock. */
static struct luo_timeline_ser *luo_timeline_out_prop(void)
{
	void *fdt = kho_out_fdt();
	int len;
	void *p;

	lockdep_assert_held(kho_out_lock());
	p = fdt ? fdt_getprop_w(fdt, 0, LUO_TIMELINE_PROP, &len) : NULL;
	return p && len == sizeof(struct luo_timeline_ser) ? p : NULL;
}

/**
 * luo_timeline_out - stamp a moment of this kernel's reboot path
 * @phase: LUO_TIMELINE_FREEZE ... LUO_TIMELINE_SHUTDOWN
 *
 * Into the root FDT's property, in place. LUO_TIMELINE_FREEZE starts a new
 * attempt: the later moments of a refused one are cleared.
 */
void luo_timeline_out(enum luo_timeline_out_phase phase)
{
	struct luo_timeline_ser *t;
	int i;

	mutex_lock(kho_out_lock());
	t = luo_timeline_out_prop();
	if (t) {
		if (phase == LUO_TIMELINE_FREEZE)
			for (i = 0; i < LUO_TIMELINE_OUT_NR; i++)
				t->cycles[i] = 0;
		t->cycles[phase] = cpu_to_le64(get_cycles());
	}
	mutex_unlock(kho_out_lock());
}

/* The previous kernel's moments, if it handed a readable set over. */
static void __init luo_timeline_load(void)
{
	const struct luo_timeline_ser *t;
	const void *fdt = kho_in_fdt();
	int len, i;

	t = fdt ? fdt_getprop(fdt, 0, LUO_TIMELINE_PROP, &len) : NULL;
	if (!t)
		return;
	if (len != sizeof(*t) || le32_to_cpu(t->version) != LUO_TIMELINE_VERSION ||
	    le32_to_cpu(t->nr) != LUO_TIMELINE_OUT_NR) {
		pr_info("timeline of the previous kernel unreadable, not shown\n");
		return;
	}
	for (i = 0; i < LUO_TIMELINE_OUT_NR; i++)
		atomic64_set(&luo_tl[i], le64_to_cpu(t->cycles[i]));
	luo_tl_in = true;
}

static int luo_timeline_show(struct seq_file *m, void *v)
{
	u64 base = atomic64_read(&luo_tl[LUO_TL_FREEZE]);
	u32 khz = luo_cycle_khz();
	int i;

	if (!luo_tl_in || !base)
		base = 0;
	seq_printf(m, "# %s; microseconds from the %s (cycle counter at %u kHz)\n",
		   luo_tl_in ? "the previous kernel's moments and this one's" :
			       "no moments handed over: this kernel's",
		   luo_tl_in ? "freeze" : "counter's zero", khz);
	for (i = 0; i < LUO_TL_NR; i++) {
		u64 c = atomic64_read(&luo_tl[i]);

		if (!c || !khz || c < base)
			seq_printf(m, "%s -\n", luo_timeline_names[i]);
		else
			seq_printf(m, "%s %llu\n", luo_timeline_names[i],
				   div_u64((c - base) * 1000, khz));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_timeline);

/**
 * luo_timeline_init - the timeline at LUO init
 * @dir: LUO's debugfs directory, or NULL
 *
 * Reads the previous kernel's moments, adds KHO's (the handover found, the
 * walk ended), and creates the outgoing property (zeroed) in the root
 * FDT for the next kernel.
 *
 * Return: 0, or -ENOSPC if the root FDT has no room for the property (the
 * update then goes on without a timeline).
 */
int __init luo_timeline_init(struct dentry *dir)
{
	struct luo_timeline_ser t = {
		.version = cpu_to_le32(LUO_TIMELINE_VERSION),
		.nr = cpu_to_le32(LUO_TIMELINE_OUT_NR),
		.cycle_khz = cpu_to_le32(luo_cycle_khz()),
	};
	void *fdt = kho_out_fdt();
	int err = 0;

	luo_timeline_load();
	atomic64_set(&luo_tl[LUO_TL_HANDOVER_FOUND], kho_in_found_cycles());
	atomic64_set(&luo_tl[LUO_TL_KHO_WALKED], kho_in_walk_end_cycles());
	if (dir)
		debugfs_create_file("timeline", 0400, dir, NULL,
				    &luo_timeline_fops);
	if (!fdt)
		return 0;
	mutex_lock(kho_out_lock());
	if (fdt_setprop(fdt, 0, LUO_TIMELINE_PROP, &t, sizeof(t)))
		err = -ENOSPC;
	mutex_unlock(kho_out_lock());
	return err;
}
