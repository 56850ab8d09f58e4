/* SPDX-License-Identifier: GPL-2.0 */
/*
 * freeze_race.h - what the two freeze race tests (shmem and hugetlb) share:
 * a writer thread on the second CPU racing the kexec reboot, let loose by
 * luo_kexec()'s hook right before reboot().
 */
#ifndef FREEZE_RACE_H
#define FREEZE_RACE_H

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "luo_test.h"

/* Set by race_start(), luo_kexec()'s hook, right before reboot(). */
static volatile int race_go;

static void race_start(void *arg)
{
	race_go = 1;
}

static inline int race_pin_cpu(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

/*
 * This thread on CPU 0, @writer on CPU 1, and race_start() as the kexec
 * hook. Returns 0 or -1.
 */
static inline int race_spawn(void *(*writer)(void *))
{
	pthread_t t;

	/* The runner gives every VM two CPUs: fewer is a broken setup. */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    race_pin_cpu(pthread_self(), 0) ||
	    pthread_create(&t, NULL, writer, NULL) || race_pin_cpu(t, 1))
		return -1;
	luo_kexec_hook(race_start, NULL);
	return 0;
}

#endif /* FREEZE_RACE_H */
