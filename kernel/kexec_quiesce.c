// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_quiesce.c - leave no timer interrupt pending across a kexec.
 *
 * machine_shutdown() turns interrupts off, then waits for the other CPUs
 * to stop (under emulation, with the host busy, that can take longer than
 * a tick), and only then masks the local APIC timer. A tick that fires in
 * between is latched in the local APIC's request register, which masking
 * and disabling the APIC do not clear: it survives the jump and is taken
 * at the next kernel's first local_irq_enable(), before that kernel has a
 * timer ("Spurious LAPIC timer interrupt on cpu 0"), whichever kernel it
 * is. So the tick of the reboot CPU is stopped first, with interrupts on,
 * and one that was already latched is taken here, by this kernel.
 */
#include <linux/irqflags.h>
#include <linux/kexec_quiesce.h>
#include <linux/liveupdate.h>
#include <linux/tick.h>

/**
 * kexec_quiesce_tick - stop this CPU's tick before a kexec reboot
 *
 * Called by kernel_kexec() on the reboot CPU, interrupts on, right before
 * machine_shutdown(); jiffies stop advancing on this CPU (nothing after
 * waits on them). Interrupts are left on: a "sti; cli" pair would not let
 * a pending interrupt in (the STI shadow). A live update's timeline notes
 * the moment first.
 */
void kexec_quiesce_tick(void)
{
	liveupdate_kexec_shutdown();
	local_irq_disable();
	tick_suspend_local();
	local_irq_enable();
}
