/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_timers.h - the x86 timer calibration handed to the next kernel: the
 * contract between two luo-bpf kernels (not part of upstream's format).
 */
#ifndef _LINUX_KHO_ABI_X86_TIMERS_H
#define _LINUX_KHO_ABI_X86_TIMERS_H

#include <linux/build_bug.h>
#include <linux/types.h>

/**
 * DOC: x86 timer calibration handover
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * The x86 timer calibration one luo-bpf kernel hands to the next, in an
 * optional property of the root KHO FDT.
 *
 * Not part of upstream's handover: a kernel that does not know the
 * property ignores it, and a kernel that finds none (a cold boot, an
 * upstream kernel's handover) calibrates as always. The next kernel uses
 * the values only on a boot CPU of the same signature whose TSC it measured
 * at the same frequency (to 1 %), only if the checksum holds, and only for
 * KHO_X86_TIMERS_MAX_HOPS kexecs in a row: then it measures again, so that
 * no value lives on unmeasured. All fields little-endian, the structure
 * packed. Version 1 (without @hops) is refused: the next kernel measures.
 * See Documentation/core-api/kho.rst.
 */

#define KHO_X86_TIMERS_PROP	"luo-bpf,x86-timers"
#define KHO_X86_TIMERS_VERSION	2
#define KHO_X86_TIMERS_MAX_HOPS	8

/**
 * struct kho_x86_timers - the previous kernel's timer calibration
 * @version:        KHO_X86_TIMERS_VERSION
 * @cpuid_1_eax:    CPUID leaf 1 EAX (family, model, stepping) of its boot CPU
 * @tsc_khz:        its TSC frequency, kHz
 * @crc:            crc32_le(~0) of the fields above and below it, this one
 *                  taken as 0
 * @lapic_timer_hz: local APIC timer input clock, Hz (lapic_timer_period *
 *                  HZ); 0 if it had none or rejected its measurement
 * @loops_per_sec:  delay loops per second (loops_per_jiffy * HZ)
 * @hops:           kexecs since these values were measured: 0 if the
 *                  handing kernel measured them itself
 * @reserved:       0
 */
struct kho_x86_timers {
	__le32 version;
	__le32 cpuid_1_eax;
	__le32 tsc_khz;
	__le32 crc;
	__le64 lapic_timer_hz;
	__le64 loops_per_sec;
	__le32 hops;
	__le32 reserved;
} __packed;

static_assert(sizeof(struct kho_x86_timers) == 40);

#endif /* _LINUX_KHO_ABI_X86_TIMERS_H */
