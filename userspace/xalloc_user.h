/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a user-space program needs besides include/xalloc.h: start and stop
 * the allocator, make its threads CPUs, inject failures, or use it as
 * malloc().
 */
#ifndef _XALLOC_USER_H
#define _XALLOC_USER_H

#include <stddef.h>

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

/*
 * The malloc() front end (malloc.c): the calling thread becomes a CPU at
 * its first call, and goes offline at its exit. Not to be mixed with
 * xalloc_user_init() and xalloc_user_cpu_start() in one program.
 */
#define XALLOC_USER_MALLOC_THREADS	62
void *xalloc_user_malloc(size_t size);
void *xalloc_user_calloc(size_t nmemb, size_t size);
void xalloc_user_free(void *p);
size_t xalloc_user_usable_size(const void *p);
/* The counters of the class of @size, collected first: exact when quiet. */
struct xalloc_cache_stats;
int xalloc_user_malloc_stats(size_t size, struct xalloc_cache_stats *stats);

#endif /* _XALLOC_USER_H */
