// SPDX-License-Identifier: GPL-2.0
/*
 * Allocator benchmarks on real threads, one workload per run, the same
 * code for every allocator (front-*.c picks it at link time):
 *
 *   bench pairs SIZE      allocate an object and free it at once
 *   bench batch SIZE      allocate BATCH objects, then free them in order
 *   bench prodcon SIZE    one thread allocates, another frees: every free
 *                         is remote
 *   bench larson THREADS  larson-style: each thread replaces random
 *                         objects of random size (8-1000 B) in an array it
 *                         inherits from a thread that has exited; the first
 *                         objects come from the main thread
 *   bench xmalloc THREADS xmalloc-test-style: threads allocate batches of
 *                         objects of random size (16-1024 B), trade them
 *                         through a shared stack, and free the batches they
 *                         take, their own or another's
 *
 * An optional third argument sets the number of operations; an operation
 * is one allocation and its free. Prints one line: allocator, workload,
 * parameter, nanoseconds per operation (wall time, all threads), and the
 * process's peak RSS in KiB.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

#define BATCH		1000
#define PC_BATCH	64
#define PC_SLOTS	64
#define LARSON_SLOTS	1000
#define LARSON_GENS	10
#define XM_BATCH	64
#define MAX_THREADS	32

static void *alloc_checked(size_t size)
{
	void *p = bench_alloc(size);

	if (!p) {
		fprintf(stderr, "bench: %s: no memory for %zu bytes\n",
			bench_allocator(), size);
		exit(2);
	}
	/* Touch it, as a user would: the first line is written. */
	__atomic_store_n((char *)p, (char)size, __ATOMIC_RELAXED);
	return p;
}

static unsigned long next_rand(unsigned long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Wait a little: spin first, then give the core away (2 cores here). */
static void backoff(unsigned int *spins)
{
	if (++*spins < 64)
		__builtin_ia32_pause();
	else
		sched_yield();
}

static long run_pairs(size_t size, long ops)
{
	long i;

	for (i = 0; i < ops; i++)
		bench_free(alloc_checked(size));
	return ops;
}

static long run_batch(size_t size, long ops)
{
	static void *objs[BATCH];
	long round;
	int i;

	for (round = 0; round < ops / BATCH; round++) {
		for (i = 0; i < BATCH; i++)
			objs[i] = alloc_checked(size);
		for (i = 0; i < BATCH; i++)
			bench_free(objs[i]);
	}
	return round * BATCH;
}

/* Producer and consumer share a ring of batches. */
static struct {
	void *objs[PC_SLOTS][PC_BATCH];

	_Alignas(64) unsigned long head;	/* producer */
	_Alignas(64) unsigned long tail;	/* consumer */
	size_t size;
	long batches;
} ring;

static void *producer(void *arg)
{
	unsigned long head, tail;
	unsigned int spins;
	int i;

	for (head = 0; head < (unsigned long)ring.batches; head++) {
		spins = 0;
		for (;;) {
			tail = __atomic_load_n(&ring.tail, __ATOMIC_ACQUIRE);
			if (head - tail < PC_SLOTS)
				break;
			backoff(&spins);
		}
		for (i = 0; i < PC_BATCH; i++)
			ring.objs[head % PC_SLOTS][i] = alloc_checked(ring.size);
		__atomic_store_n(&ring.head, head + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	unsigned long tail;
	unsigned int spins;
	int i;

	for (tail = 0; tail < (unsigned long)ring.batches; tail++) {
		spins = 0;
		while (__atomic_load_n(&ring.head, __ATOMIC_ACQUIRE) == tail)
			backoff(&spins);
		for (i = 0; i < PC_BATCH; i++)
			bench_free(ring.objs[tail % PC_SLOTS][i]);
		__atomic_store_n(&ring.tail, tail + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void run_threads(void *(*fn)(void *), void **args, int n)
{
	pthread_t threads[MAX_THREADS];
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, fn, args ? args[i] : NULL)) {
			perror("pthread_create");
			exit(2);
		}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
}

static long run_prodcon(size_t size, long ops)
{
	pthread_t threads[2];

	ring.size = size;
	ring.batches = ops / PC_BATCH;
	pthread_create(&threads[0], NULL, producer, NULL);
	pthread_create(&threads[1], NULL, consumer, NULL);
	pthread_join(threads[0], NULL);
	pthread_join(threads[1], NULL);
	return ring.batches * PC_BATCH;
}

struct larson {
	void *slots[LARSON_SLOTS];
	unsigned long seed;
	long ops;
};

static void *larson_thread(void *arg)
{
	struct larson *l = arg;
	unsigned long r;
	long i;

	for (i = 0; i < l->ops; i++) {
		r = next_rand(&l->seed);
		bench_free(l->slots[r % LARSON_SLOTS]);
		l->slots[r % LARSON_SLOTS] = alloc_checked(8 + (r >> 32) % 993);
	}
	return NULL;
}

static struct larson larsons[MAX_THREADS];

/* The arrays are filled before the clock starts and emptied after. */
static void larson_fill(int threads, long ops)
{
	struct larson *l;
	int t, i;

	for (t = 0; t < threads; t++) {
		l = &larsons[t];
		l->seed = 0x9e3779b97f4a7c15UL * (t + 1);
		l->ops = ops / threads / LARSON_GENS;
		for (i = 0; i < LARSON_SLOTS; i++)
			l->slots[i] = alloc_checked(8 + next_rand(&l->seed) %
						    993);
	}
}

static long run_larson(int threads)
{
	void *args[MAX_THREADS];
	int gen, t;

	for (t = 0; t < threads; t++)
		args[t] = &larsons[t];
	/* Each generation's threads free what the last one's allocated. */
	for (gen = 0; gen < LARSON_GENS; gen++)
		run_threads(larson_thread, args, threads);
	return larsons[0].ops * threads * LARSON_GENS;
}

static void larson_empty(int threads)
{
	int t, i;

	for (t = 0; t < threads; t++)
		for (i = 0; i < LARSON_SLOTS; i++)
			bench_free(larsons[t].slots[i]);
}

struct xm_batch {
	struct xm_batch *next;
	void *objs[XM_BATCH];
};

static struct {
	pthread_mutex_t lock;
	struct xm_batch *stack;
	long rounds;
} xm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *xmalloc_thread(void *arg)
{
	unsigned long seed = (unsigned long)arg * 0x9e3779b97f4a7c15UL + 1;
	struct xm_batch *mine, *b;
	long round;
	int i;

	for (round = 0; round < xm.rounds; round++) {
		mine = alloc_checked(sizeof(*mine));
		for (i = 0; i < XM_BATCH; i++)
			mine->objs[i] = alloc_checked(16 + next_rand(&seed) % 1009);
		/* Push it, and take the batch it covers, if there is one. */
		pthread_mutex_lock(&xm.lock);
		b = xm.stack;
		mine->next = b ? b->next : NULL;
		xm.stack = mine;
		pthread_mutex_unlock(&xm.lock);
		if (!b)
			continue;
		for (i = 0; i < XM_BATCH; i++)
			bench_free(b->objs[i]);
		bench_free(b);
	}
	return NULL;
}

static long run_xmalloc(int threads, long ops)
{
	void *args[MAX_THREADS];
	int t;

	xm.rounds = ops / threads / XM_BATCH;
	for (t = 0; t < threads; t++)
		args[t] = (void *)(long)(t + 1);
	run_threads(xmalloc_thread, args, threads);
	return xm.rounds * threads * XM_BATCH;
}

static void xmalloc_empty(void)
{
	struct xm_batch *b;
	int i;

	while ((b = xm.stack)) {
		xm.stack = b->next;
		for (i = 0; i < XM_BATCH; i++)
			bench_free(b->objs[i]);
		bench_free(b);
	}
}

static long default_ops(const char *workload)
{
	if (!strcmp(workload, "pairs") || !strcmp(workload, "batch"))
		return 20000000;
	return 4000000;
}

int main(int argc, char **argv)
{
	const char *workload;
	struct rusage ru;
	long param, ops;
	double start, ns;

	if (argc < 3) {
		fprintf(stderr, "usage: %s pairs|batch|prodcon SIZE [OPS]\n"
			"       %s larson|xmalloc THREADS [OPS]\n",
			argv[0], argv[0]);
		return 1;
	}
	workload = argv[1];
	param = atol(argv[2]);
	ops = argc > 3 ? atol(argv[3]) : default_ops(workload);
	if (param < 1 || ops < 1 ||
	    (param > MAX_THREADS && (!strcmp(workload, "larson") ||
				     !strcmp(workload, "xmalloc")))) {
		fprintf(stderr, "bench: bad parameter\n");
		return 1;
	}

	/* Warm up: the first segment and pages are not what is measured. */
	run_pairs(64, 1000);
	if (!strcmp(workload, "larson"))
		larson_fill(param, ops);

	start = now_ns();
	if (!strcmp(workload, "pairs")) {
		ops = run_pairs(param, ops);
	} else if (!strcmp(workload, "batch")) {
		ops = run_batch(param, ops);
	} else if (!strcmp(workload, "prodcon")) {
		ops = run_prodcon(param, ops);
	} else if (!strcmp(workload, "larson")) {
		ops = run_larson(param);
	} else if (!strcmp(workload, "xmalloc")) {
		ops = run_xmalloc(param, ops);
	} else {
		fprintf(stderr, "bench: no workload %s\n", workload);
		return 1;
	}
	ns = now_ns() - start;
	if (ops < 1) {
		fprintf(stderr, "bench: too few operations\n");
		return 1;
	}

	if (!strcmp(workload, "larson"))
		larson_empty(param);
	if (!strcmp(workload, "xmalloc"))
		xmalloc_empty();
	getrusage(RUSAGE_SELF, &ru);
	printf("%s\t%s\t%ld\t%.2f\t%ld\n", bench_allocator(), workload, param,
	       ns / ops, ru.ru_maxrss);
	return 0;
}
