/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a user-space program needs besides include/xalloc.h: start and stop
 * the allocator, make its threads CPUs, and inject failures.
 */
#ifndef _XALLOC_USER_H
#define _XALLOC_USER_H

/* Set up xalloc for @nr_cpus CPUs (at most XALLOC_USER_MAX_CPUS). */
int xalloc_user_init(int nr_cpus);
/* Tear it down: every cache must have been destroyed. */
void xalloc_user_exit(void);

void xalloc_user_set_nr_cpus(int nr);
/* The calling thread becomes @cpu, which comes online. */
void xalloc_user_cpu_start(int cpu);
/* The calling thread's CPU goes offline: its heaps are abandoned. */
void xalloc_user_cpu_stop(void);

/* Fail the nth fault-injection point this thread reaches. */
void xalloc_user_fail_nth(unsigned int n);
/* Disarm; what was left of the countdown (0: a point failed). */
unsigned int xalloc_user_fail_nth_left(void);

#endif /* _XALLOC_USER_H */
