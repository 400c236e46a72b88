// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the core in user space: the counters of local and remote
 * frees, collection, bad frees, kmalloc sizes, RCU frees and an offline
 * CPU's pages, checked value by value.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xalloc_os_user.h"
#include "../xalloc_user.h"

static int failures, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__,	\
			#cond);						\
	}								\
} while (0)

#define N	1000

struct remote {
	struct xalloc_cache *cache;
	void **objs;
	unsigned int n;
	int cpu;
};

static void *free_on_cpu(void *arg)
{
	struct remote *r = arg;
	unsigned int i;

	xalloc_user_cpu_start(r->cpu);
	for (i = 0; i < r->n; i++)
		xalloc_cache_free(r->cache, r->objs[i]);
	xalloc_user_cpu_stop();
	return NULL;
}

static void stats(struct xalloc_cache *cache, struct xalloc_cache_stats *st)
{
	xalloc_cache_get_stats(cache, st);
}

static void test_local_and_remote_frees(void)
{
	struct xalloc_cache *cache = xalloc_cache_create("t_counts", 64, 0, 0,
							 NULL);
	struct xalloc_cache_stats st;
	void *objs[N];
	struct remote r;
	pthread_t t;
	unsigned int i;

	CHECK(cache);
	for (i = 0; i < N; i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		CHECK(objs[i]);
		memset(objs[i], i & 0xff, 64);
	}
	for (i = 0; i < N; i++)
		CHECK(((unsigned char *)objs[i])[63] == (i & 0xff));
	stats(cache, &st);
	CHECK(st.used == N);
	for (i = 0; i < N / 2; i++)
		xalloc_cache_free(cache, objs[i]);
	r = (struct remote){ cache, objs + N / 2, N / 2, 1 };
	pthread_create(&t, NULL, free_on_cpu, &r);
	pthread_join(t, NULL);
	stats(cache, &st);
	/* Remote frees stay counted in used until collected. */
	CHECK(st.used == N / 2);
	CHECK(st.thread_free == N / 2);
	CHECK(st.remote_frees == N / 2);
	xalloc_cache_collect(cache);
	stats(cache, &st);
	CHECK(st.used == 0);
	CHECK(st.thread_free == 0);
	CHECK(st.frees == N);
	CHECK(xalloc_cache_validate(cache) == 0);
	/* A double free and a foreign pointer are refused and counted. */
	xalloc_cache_free(cache, objs[0]);
	xalloc_cache_free(cache, &r);
	stats(cache, &st);
	CHECK(st.invalid_frees == 2);
	CHECK(st.used == 0);
	xalloc_cache_destroy(cache);
}

static void test_kmalloc(void)
{
	static const size_t sizes[] = { 1, 8, 64, 100, 1000, 4096, 70000,
					SZ_1M };
	unsigned int i;
	char *p, *q;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = xalloc_kzalloc(sizes[i], GFP_KERNEL);
		CHECK(p);
		CHECK(xalloc_ksize(p) >= sizes[i]);
		CHECK(p[sizes[i] - 1] == 0);
		memset(p, 0x5a, sizes[i]);
		q = xalloc_krealloc(p, sizes[i] * 2, GFP_KERNEL);
		CHECK(q);
		CHECK(q[sizes[i] - 1] == 0x5a);
		xalloc_free(q);
	}
}

struct rcu_obj {
	long a[3];
	struct rcu_head rcu;
};

static void test_free_rcu(void)
{
	struct xalloc_cache *cache = xalloc_cache_create("t_rcu",
			sizeof(struct rcu_obj), 0, 0, NULL);
	struct xalloc_cache_stats st;
	struct xalloc_rcu_stats rs;
	struct rcu_obj *obj;
	unsigned int i;

	/*
	 * This CPU came online after xalloc started: its first free finds
	 * no array and asks for one, as a CPU hot-added in the kernel.
	 */
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	CHECK(obj);
	xalloc_free_rcu(obj, rcu);
	xalloc_rcu_barrier();
	for (i = 1; i < N; i++) {
		obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		CHECK(obj);
		xalloc_free_rcu(obj, rcu);
	}
	xalloc_rcu_barrier();
	xalloc_rcu_get_stats(&rs);
	CHECK(rs.pending == 0);
	CHECK(rs.batches >= 1);
	xalloc_cache_collect(cache);
	stats(cache, &st);
	CHECK(st.used == 0);
	CHECK(st.frees == N);
	xalloc_cache_destroy(cache);
}

int main(void)
{
	if (xalloc_user_init(4)) {
		fprintf(stderr, "xalloc_user_init failed\n");
		return 1;
	}
	xalloc_user_cpu_start(0);
	test_local_and_remote_frees();
	test_kmalloc();
	test_free_rcu();
	xalloc_user_cpu_stop();
	xalloc_user_exit();
	printf("basic: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
