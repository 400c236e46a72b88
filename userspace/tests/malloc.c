// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the malloc() front end (userspace/malloc.c): sizes, zeroing,
 * overflow, threads that become CPUs at their first call and go offline at
 * their exit while others free what they allocated, CPUs taken again by
 * new threads, and the limit on threads. The counters of the size classes
 * are exact at the end.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xalloc_os_user.h"
#include "../../include/xalloc.h"
#include "../xalloc_user.h"
#include "check.h"

#define THREADS		8
#define PER_THREAD	1000
#define SIZE		100

static void test_sizes(void)
{
	static const size_t sizes[] = {
		1, 8, 9, 16, 63, 64, 65, 96, 100, 128, 192, 200, 1000, 1024,
		4097, 65536, 262144, 262145, 1 << 20,
	};
	unsigned char *p;
	unsigned int i;
	size_t j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = xalloc_user_malloc(sizes[i]);
		CHECK(p);
		if (!p)
			continue;
		CHECK(xalloc_user_usable_size(p) >= sizes[i]);
		memset(p, i, sizes[i]);
		for (j = 0; j < sizes[i]; j++)
			if (p[j] != (unsigned char)i)
				break;
		CHECK(j == sizes[i]);
		xalloc_user_free(p);
	}
}

static void test_zero_and_overflow(void)
{
	unsigned char *a, *b, *z;
	unsigned int i;

	/* malloc(0) gives distinct pointers that free takes. */
	a = xalloc_user_malloc(0);
	b = xalloc_user_malloc(0);
	CHECK(a && b && a != b);
	xalloc_user_free(a);
	xalloc_user_free(b);

	/* calloc() zeroes what a free left dirty. */
	a = xalloc_user_malloc(64);
	CHECK(a);
	memset(a, 0xa5, 64);
	xalloc_user_free(a);
	z = xalloc_user_calloc(8, 8);
	CHECK(z);
	for (i = 0; z && i < 64; i++)
		if (z[i])
			break;
	CHECK(i == 64);
	xalloc_user_free(z);

	CHECK(!xalloc_user_calloc(SIZE_MAX / 2, 3));
	xalloc_user_free(NULL);
}

static unsigned char *objs[THREADS][PER_THREAD];

static unsigned char pattern(const void *p)
{
	return (uintptr_t)p >> 4 & 0xff;
}

/* Allocate, fill, and exit: the CPU goes offline with its objects live. */
static void *alloc_and_exit(void *arg)
{
	unsigned char **mine = arg;
	unsigned int i;

	for (i = 0; i < PER_THREAD; i++) {
		mine[i] = xalloc_user_malloc(SIZE);
		if (mine[i])
			memset(mine[i], pattern(mine[i]), SIZE);
	}
	return NULL;
}

/* Free another thread's objects, after checking them. */
static void *check_and_free(void *arg)
{
	unsigned char **theirs = arg;
	long bad = 0;
	unsigned int i, j;

	for (i = 0; i < PER_THREAD; i++) {
		for (j = 0; theirs[i] && j < SIZE; j++)
			if (theirs[i][j] != pattern(theirs[i]))
				bad++;
		xalloc_user_free(theirs[i]);
	}
	return (void *)bad;
}

static void run(void *(*fn)(void *), int first)
{
	pthread_t t[THREADS];
	void *bad;
	int i;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fn, objs[(first + i) % THREADS]);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &bad);
		CHECK(!bad);
	}
}

static void test_threads_come_and_go(void)
{
	struct xalloc_cache_stats st;
	unsigned int i, j, nulls = 0;

	for (i = 0; i < 3; i++) {
		/* Each round's threads take the CPUs the last one's left. */
		run(alloc_and_exit, 0);
		for (j = 0; j < THREADS * PER_THREAD; j++)
			nulls += !objs[j / PER_THREAD][j % PER_THREAD];
		CHECK(!xalloc_user_malloc_stats(SIZE, &st));
		CHECK(st.used == THREADS * PER_THREAD);
		/* Freed by threads that are not those that allocated them. */
		run(check_and_free, 1);
	}
	CHECK(!nulls);
	CHECK(!xalloc_user_malloc_stats(SIZE, &st));
	CHECK(st.used == 0);
	CHECK(st.thread_free == 0);
	CHECK(st.invalid_frees == 0);
	CHECK(st.corruptions == 0);
	CHECK(st.allocs == st.frees);
	CHECK(st.remote_frees >= 3 * THREADS * PER_THREAD);
	CHECK(xalloc_user_malloc_stats(0, &st) == -EINVAL);
}

/* At most XALLOC_USER_MALLOC_THREADS at once: the next one gets NULL. */
static pthread_barrier_t all_in, may_leave;
static long over_limit;

static void *hold_a_cpu(void *arg)
{
	void *p = xalloc_user_malloc(32);

	if (!p)
		__atomic_fetch_add(&over_limit, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&all_in);
	pthread_barrier_wait(&may_leave);
	xalloc_user_free(p);
	return NULL;
}

static void test_thread_limit(void)
{
	/* The main thread holds one CPU already. */
	int n = XALLOC_USER_MALLOC_THREADS, i;
	pthread_t t[XALLOC_USER_MALLOC_THREADS];
	void *p;

	pthread_barrier_init(&all_in, NULL, n + 1);
	pthread_barrier_init(&may_leave, NULL, n + 1);
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, hold_a_cpu, NULL);
	pthread_barrier_wait(&all_in);
	CHECK(over_limit == 1);
	pthread_barrier_wait(&may_leave);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	/* Their CPUs are free again. */
	pthread_create(&t[0], NULL, alloc_and_exit, objs[0]);
	pthread_join(t[0], NULL);
	p = objs[0][0];
	CHECK(p);
	check_and_free(objs[0]);
	pthread_barrier_destroy(&all_in);
	pthread_barrier_destroy(&may_leave);
}

int main(void)
{
	test_sizes();
	test_zero_and_overflow();
	test_threads_come_and_go();
	test_thread_limit();
	printf("malloc: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
