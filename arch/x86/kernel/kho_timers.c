// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_timers.c - the x86 timer calibration, handed to the next kernel by KHO
 *
 * At boot a kernel measures the local APIC timer against the PM timer for
 * HZ/10 ticks (calibrate_APIC_clock(), 100 ms), and, when the TSC is not
 * known to be invariant, each secondary CPU's delay loop over several
 * jiffies (calibrate_delay_direct()). After a kexec the machine is the same
 * one, and both run inside a live update's blackout: the outgoing kernel
 * puts its results in a property of the root KHO FDT
 * (include/linux/kho/abi/x86_timers.h), and the next one takes them as
 * a platform would (lapic_timer_period, as CPUID 0x15 or a hypervisor sets
 * it) or as "lpj=" would (preset_lpj), when its boot CPU has the same
 * signature and it measured the TSC at the same frequency itself.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/x86_timers.h>
#include <linux/libfdt.h>
#include <linux/math.h>
#include <asm/apic.h>
#include <asm/processor.h>
#include <asm/tsc.h>

/* The TSC frequencies both kernels measured must agree to 1 %. */
#define KHO_X86_TSC_SLACK	100

/* This kernel's APIC timer measurement was rejected: do not hand it over. */
static bool kho_x86_lapic_rejected __initdata;
/* Kexecs since the values this kernel uses were measured (0: by itself). */
static u32 kho_x86_hops;

static u32 kho_x86_timers_crc(const struct kho_x86_timers *t)
{
	struct kho_x86_timers c = *t;

	c.crc = 0;
	return crc32_le(~0, (const u8 *)&c, sizeof(c));
}

/**
 * kho_x86_timers_lapic_rejected - calibrate_APIC_clock() turned the timer off
 *
 * The period it measured is wrong (too slow, or the verification against
 * jiffies failed): the next kernel must measure it again.
 */
void __init kho_x86_timers_lapic_rejected(void)
{
	kho_x86_lapic_rejected = true;
}

/*
 * Outgoing: record this kernel's calibration in KHO's root FDT, built at
 * fs_initcall time, after the boot CPU's APIC timer and every CPU's delay
 * loop were calibrated. A property of the root, not a subtree: a subtree
 * needs a preserved page of its own, which a kernel that does not know the
 * format (upstream's) would keep reserved for good.
 */
int __init arch_kho_root_props(void *fdt)
{
	struct kho_x86_timers t = {
		.version = cpu_to_le32(KHO_X86_TIMERS_VERSION),
		.cpuid_1_eax = cpu_to_le32(cpuid_eax(1)),
		.tsc_khz = cpu_to_le32(tsc_khz),
		.lapic_timer_hz = cpu_to_le64(kho_x86_lapic_rejected ? 0 :
					      (u64)lapic_timer_period * HZ),
		.loops_per_sec = cpu_to_le64((u64)loops_per_jiffy * HZ),
		.hops = cpu_to_le32(kho_x86_hops),
	};

	if (!boot_cpu_has(X86_FEATURE_TSC) || !tsc_khz)
		return 0;
	t.crc = cpu_to_le32(kho_x86_timers_crc(&t));
	return fdt_setprop(fdt, 0, KHO_X86_TIMERS_PROP, &t, sizeof(t)) ?
	       -ENOSPC : 0;
}

/**
 * kho_x86_timers_apply - take the timer calibration the previous kernel
 *			  handed over, if it fits this machine
 *
 * Called by calibrate_APIC_clock(), on the boot CPU before the secondary
 * CPUs start, once tsc_init() measured the TSC. Values set already (a
 * platform's APIC timer frequency, "lpj=") stay. Without a handover, or
 * one without the property, it does nothing.
 */
void __init kho_x86_timers_apply(void)
{
	const struct kho_x86_timers *t;
	u64 lapic_hz, loops;
	u32 khz;
	int len;

	t = kho_in_root_prop(KHO_X86_TIMERS_PROP, &len);
	if (!t)
		return;
	if (len != sizeof(*t) ||
	    le32_to_cpu(t->version) != KHO_X86_TIMERS_VERSION ||
	    le32_to_cpu(t->crc) != kho_x86_timers_crc(t)) {
		pr_info("x86 timer calibration handed over unreadable, measuring again\n");
		return;
	}
	khz = le32_to_cpu(t->tsc_khz);
	if (le32_to_cpu(t->cpuid_1_eax) != cpuid_eax(1) || !tsc_khz ||
	    abs_diff(khz, tsc_khz) > tsc_khz / KHO_X86_TSC_SLACK) {
		pr_info("x86 timer calibration of CPU %#x at TSC %u kHz handed over, this one is %#x at %u kHz: measuring again\n",
			le32_to_cpu(t->cpuid_1_eax), khz, cpuid_eax(1), tsc_khz);
		return;
	}

	if (le32_to_cpu(t->hops) >= KHO_X86_TIMERS_MAX_HOPS) {
		pr_info("x86 timer calibration handed over %u kexecs in a row, measuring again\n",
			le32_to_cpu(t->hops));
		return;
	}
	lapic_hz = le64_to_cpu(t->lapic_timer_hz);
	loops = le64_to_cpu(t->loops_per_sec);
	kho_x86_hops = le32_to_cpu(t->hops) + 1;
	/* calibrate_APIC_clock() turns the timer off below 1 MHz. */
	if (lapic_hz >= USEC_PER_SEC && div_u64(lapic_hz, HZ) <= UINT_MAX &&
	    !lapic_timer_period)
		lapic_timer_period = div_u64(lapic_hz, HZ);
	if (loops >= HZ && !preset_lpj)
		preset_lpj = div_u64(loops, HZ);
	pr_info("x86 timer calibration from the previous kernel: APIC timer %llu Hz, %llu delay loops/s\n",
		(u64)lapic_timer_period * HZ, (u64)preset_lpj * HZ);
}
