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
#include <unistd.h>

#include "../xalloc_os_user.h"
#include "../xalloc_user.h"
#include "check.h"

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

/*
 * Visits and grace periods while CPUs allocate and free as fast as they
 * can: a visitor never runs beside its CPU's section (TSan would see the
 * heap raced), and every CPU's sequence ends even, that is, no section
 * was lost or left open. Two threads once wrote a CPU's sequence, the
 * owner bouncing off a visit and the visitor's own sections, and lost an
 * increment: the CPU then looked idle in its sections.
 */
#define TRAFFIC_CPUS	3

static bool traffic_stop;

static void *traffic(void *arg)
{
	struct remote *r = arg;
	void *objs[64];
	unsigned int i;

	xalloc_user_cpu_start(r->cpu);
	while (!__atomic_load_n(&traffic_stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			objs[i] = xalloc_cache_alloc(r->cache, GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			xalloc_cache_free(r->cache, objs[i]);
	}
	xalloc_user_cpu_stop();
	return NULL;
}

static void test_visits_during_traffic(void)
{
	struct xalloc_cache *cache = xalloc_cache_create("t_visits", 128, 0, 0,
							 NULL);
	struct remote r[TRAFFIC_CPUS];
	pthread_t t[TRAFFIC_CPUS];
	struct xalloc_cache_stats st;
	unsigned long bad = 0;
	int i, odd = 0;

	CHECK(cache);
	if (!cache)
		return;
	for (i = 0; i < TRAFFIC_CPUS; i++) {
		r[i] = (struct remote){ .cache = cache, .cpu = i + 1 };
		pthread_create(&t[i], NULL, traffic, &r[i]);
	}
	for (i = 0; i < 300; i++) {
		xalloc_cache_collect(cache);
		bad += xalloc_cache_validate(cache);
		if (i % 10 == 0)
			synchronize_rcu();
	}
	__atomic_store_n(&traffic_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < TRAFFIC_CPUS; i++)
		pthread_join(t[i], NULL);
	CHECK(bad == 0);
	for (i = 0; i < XALLOC_USER_MAX_CPUS; i++)
		odd += xalloc_user_cpu_states[i].seq & 1;
	CHECK(odd == 0);
	stats(cache, &st);
	CHECK(st.used == 0 && st.allocs == st.frees);
	xalloc_cache_destroy(cache);
}

/*
 * Only a CPU's owner writes its sequence: a visitor's sections are RCU
 * readers of their own, so that the owner bouncing off the visit and the
 * visitor cannot lose each other's increments.
 */
static unsigned long seq_in_visit[2];

static long visit_enters_section(void *arg)
{
	struct xalloc_user_cpu_state *c = arg;

	seq_in_visit[0] = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	xalloc_cpu_enter();
	seq_in_visit[1] = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	xalloc_cpu_exit();
	return 7;
}

static pthread_barrier_t parked, unpark;

static void *park_cpu(void *arg)
{
	xalloc_user_cpu_start((int)(long)arg);
	pthread_barrier_wait(&parked);
	pthread_barrier_wait(&unpark);
	xalloc_user_cpu_stop();
	return NULL;
}

static void test_visitor_leaves_owner_sequence(void)
{
	struct xalloc_user_cpu_state *c = &xalloc_user_cpu_states[2];
	pthread_t t;

	pthread_barrier_init(&parked, NULL, 2);
	pthread_barrier_init(&unpark, NULL, 2);
	pthread_create(&t, NULL, park_cpu, (void *)2L);
	pthread_barrier_wait(&parked);
	CHECK(xalloc_os_run_on_cpu(2, visit_enters_section, c) == 7);
	CHECK(seq_in_visit[0] == seq_in_visit[1]);
	CHECK(!(seq_in_visit[0] & 1));
	pthread_barrier_wait(&unpark);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&parked);
	pthread_barrier_destroy(&unpark);
}

/*
 * Per-CPU copies are aligned as struct xalloc_heap asks (a cache line),
 * and come back zero after a free, in every CPU's copy.
 */
static void test_percpu(void)
{
	unsigned long *a, *b;
	int cpu, dirty = 0;

	a = xalloc_user_alloc_percpu(100);
	CHECK(a && !((unsigned long)a & 63));
	if (!a)
		return;
	xalloc_for_each_cpu(cpu)
		memset(xalloc_os_cpu_ptr(a, cpu), 0xff, 100);
	xalloc_user_free_percpu(a);
	b = xalloc_user_alloc_percpu(100);
	CHECK(b == a);
	xalloc_for_each_cpu(cpu)
		dirty += *xalloc_os_cpu_ptr(b, cpu) != 0;
	CHECK(dirty == 0);
	xalloc_user_free_percpu(b);
}

/*
 * RCU readers: an object of a typesafe cache stays mapped, and an object
 * freed by xalloc_free_rcu() stays intact, for as long as a reader that
 * could have found it is in its section; the memory goes back after.
 */
#define RCU_OBJS	4096

struct rcu_reader_arg {
	unsigned long *typesafe;	/* freed, its segment given back */
	unsigned long *deferred;	/* freed by xalloc_free_rcu() */
	pthread_barrier_t in;
	unsigned long seen[2];
};

static void *rcu_reader(void *arg)
{
	struct rcu_reader_arg *a = arg;

	rcu_read_lock();
	pthread_barrier_wait(&a->in);
	/* The frees, the shrink and the reuse happen meanwhile. */
	usleep(100 * 1000);
	a->seen[0] = READ_ONCE(*a->typesafe) ? 1 : 0;	/* mapped: no fault */
	a->seen[1] = READ_ONCE(*a->deferred);
	rcu_read_unlock();
	return NULL;
}

static void *release_segments(void *arg)
{
	xalloc_user_cpu_start(3);
	*(unsigned long *)arg = xalloc_segment_release_empty(ULONG_MAX);
	xalloc_user_cpu_stop();
	return NULL;
}

static void test_rcu_readers(void)
{
	struct xalloc_cache *ts = xalloc_cache_create("t_typesafe", 256, 0,
						      XALLOC_TYPESAFE_BY_RCU,
						      NULL);
	struct xalloc_cache *dc = xalloc_cache_create("t_deferred",
						      sizeof(struct rcu_obj), 0,
						      0, NULL);
	static unsigned long *objs[RCU_OBJS];
	struct xalloc_segment_stats before, after;
	struct rcu_reader_arg a;
	unsigned long released = 0;
	struct rcu_obj *d;
	pthread_t reader, releaser;
	unsigned int i, reused = 0;

	CHECK(ts && dc);
	if (!ts || !dc)
		return;
	for (i = 0; i < RCU_OBJS; i++) {
		objs[i] = xalloc_cache_alloc(ts, GFP_KERNEL);
		CHECK(objs[i]);
		*objs[i] = 0x5a5a5a5a;
	}
	d = xalloc_cache_alloc(dc, GFP_KERNEL);
	CHECK(d);
	d->a[0] = 0xfeed;
	a.typesafe = objs[RCU_OBJS / 2];
	a.deferred = (unsigned long *)&d->a[0];
	pthread_barrier_init(&a.in, NULL, 2);
	pthread_create(&reader, NULL, rcu_reader, &a);
	pthread_barrier_wait(&a.in);

	/* Everything goes while the reader holds its pointers. */
	xalloc_free_rcu(d, rcu);
	for (i = 0; i < RCU_OBJS; i++)
		xalloc_cache_free(ts, objs[i]);
	for (i = 0; i < N; i++) {
		/* Were d's block free, one of these would reuse it. */
		struct rcu_obj *o = xalloc_cache_alloc(dc, GFP_KERNEL);

		reused += o == d;
		if (o)
			o->a[0] = 0xdead;
		xalloc_cache_free(dc, o);
	}
	xalloc_cache_shrink(ts);
	xalloc_segment_get_stats(&before);
	/* It waits for the reader: another thread does it. */
	pthread_create(&releaser, NULL, release_segments, &released);
	pthread_join(reader, NULL);
	pthread_join(releaser, NULL);
	xalloc_segment_get_stats(&after);

	CHECK(reused == 0);
	CHECK(a.seen[0] == 1);
	CHECK(a.seen[1] == 0xfeed);
	CHECK(released >= 1);
	CHECK(after.segments < before.segments);
	xalloc_rcu_barrier();
	pthread_barrier_destroy(&a.in);
	xalloc_cache_destroy(ts);
	xalloc_cache_destroy(dc);
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
	test_percpu();
	test_visitor_leaves_owner_sequence();
	test_rcu_readers();
	test_visits_during_traffic();
	xalloc_user_cpu_stop();
	xalloc_user_exit();
	printf("basic: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
