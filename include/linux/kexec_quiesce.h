/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kexec_quiesce.h - what kernel_kexec() stops before it turns interrupts
 * off for good (kernel/kexec_quiesce.c).
 */
#ifndef _LINUX_KEXEC_QUIESCE_H
#define _LINUX_KEXEC_QUIESCE_H

#ifdef CONFIG_KEXEC_CORE
void kexec_quiesce_tick(void);
#else
static inline void kexec_quiesce_tick(void) { }
#endif

#endif /* _LINUX_KEXEC_QUIESCE_H */
