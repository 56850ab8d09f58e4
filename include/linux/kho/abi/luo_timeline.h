/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_timeline.h - when the outgoing kernel's part of a live update
 * happened: the contract between two luo-bpf kernels (not part of
 * upstream's format).
 */
#ifndef _LINUX_KHO_ABI_LUO_TIMELINE_H
#define _LINUX_KHO_ABI_LUO_TIMELINE_H

#include <linux/build_bug.h>
#include <linux/types.h>

/**
 * DOC: live update timeline handover
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * The moments of the outgoing kernel's part of a live update (the reboot
 * path: freeze, serialization, shutdown), in an optional property of the
 * root KHO FDT, so that the next kernel can say where the blackout went.
 * The property is created, zeroed, when LUO starts; the reboot path fills
 * it in place, allocating nothing. Times are readings of the CPU's cycle
 * counter (the TSC on x86), which a kexec does not reset: the next kernel
 * compares them with its own readings and converts them with the frequency
 * it measured itself.
 *
 * Not part of upstream's handover: a kernel that does not know the
 * property ignores it, and one that finds none (a cold boot, an upstream
 * kernel's handover) shows only its own moments. A reading of 0 is a phase
 * that did not happen. All fields little-endian, the structure packed.
 * See Documentation/core-api/liveupdate.rst.
 */

#define LUO_TIMELINE_PROP	"luo-bpf,timeline"
#define LUO_TIMELINE_VERSION	1

/**
 * enum luo_timeline_out_phase - the outgoing kernel's moments
 * @LUO_TIMELINE_FREEZE:     liveupdate_reboot() starts freezing the files
 * @LUO_TIMELINE_FROZEN:     every file is frozen
 * @LUO_TIMELINE_SERIALIZED: sessions, FLBs and BPF state are serialized
 * @LUO_TIMELINE_SHUTDOWN:   the last moment before machine_shutdown(): what
 *                           follows is stopping the CPUs, the jump, the
 *                           purgatory and the next kernel's decompression
 * @LUO_TIMELINE_OUT_NR:     how many there are
 */
enum luo_timeline_out_phase {
	LUO_TIMELINE_FREEZE,
	LUO_TIMELINE_FROZEN,
	LUO_TIMELINE_SERIALIZED,
	LUO_TIMELINE_SHUTDOWN,
	LUO_TIMELINE_OUT_NR,
};

/**
 * struct luo_timeline_ser - the outgoing kernel's moments of a live update
 * @version:  LUO_TIMELINE_VERSION
 * @nr:       entries of @cycles that follow: LUO_TIMELINE_OUT_NR
 * @cycle_khz: its cycle counter's frequency, kHz (0 if unknown)
 * @reserved: 0
 * @cycles:   the counter at each enum luo_timeline_out_phase, 0 if that
 *            phase did not happen
 */
struct luo_timeline_ser {
	__le32 version;
	__le32 nr;
	__le32 cycle_khz;
	__le32 reserved;
	__le64 cycles[LUO_TIMELINE_OUT_NR];
} __packed;

static_assert(sizeof(struct luo_timeline_ser) == 48);

#endif /* _LINUX_KHO_ABI_LUO_TIMELINE_H */
