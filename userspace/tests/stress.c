// SPDX-License-Identifier: GPL-2.0
/*
 * Threads as CPUs allocate, check and free objects of several caches and
 * kmalloc sizes, hand a share of them to other threads to free (remote
 * frees), queue some with xalloc_free_rcu(), and now and then take their
 * CPU offline and bring it back (abandonment and adoption). Every object
 * carries a pattern that is checked before its free. At the end every
 * cache is collected: used and thread_free are 0, nothing is inconsistent,
 * no free was refused and no warning was printed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xalloc_os_user.h"
#include "../xalloc_user.h"

#define CPUS		4
#define ROUNDS		20000
#define LIVE		256
#define MAILBOX		1024

struct obj {
	unsigned long tag;		/* the object's address, inverted */
	struct rcu_head rcu;
	unsigned long size;
	unsigned char bytes[];
};

static const unsigned int cache_sizes[] = { 48, 200, 1500 };
static struct xalloc_cache *caches[ARRAY_SIZE(cache_sizes)];

struct mailbox {
	pthread_mutex_t lock;
	struct obj *objs[MAILBOX];
	unsigned int n;
};

static struct mailbox boxes[CPUS];
static long bad_patterns, null_allocs;

static unsigned long next_rand(unsigned long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void fill(struct obj *o, unsigned long size)
{
	o->tag = ~(unsigned long)o;
	o->size = size;
	memset(o->bytes, (unsigned long)o >> 4 & 0xff, size - sizeof(*o));
}

static bool intact(const struct obj *o)
{
	unsigned char c = (unsigned long)o >> 4 & 0xff;
	unsigned long i;

	if (o->tag != ~(unsigned long)o)
		return false;
	for (i = 0; i < o->size - sizeof(*o); i++)
		if (o->bytes[i] != c)
			return false;
	return true;
}

static void release(struct obj *o, unsigned long r)
{
	if (!intact(o))
		__atomic_fetch_add(&bad_patterns, 1, __ATOMIC_RELAXED);
	if (r % 8 == 0)
		xalloc_free_rcu(o, rcu);
	else
		xalloc_free(o);
}

static struct obj *get(unsigned long r)
{
	unsigned int which = r % (ARRAY_SIZE(cache_sizes) + 1);
	unsigned long size;
	struct obj *o;

	if (which < ARRAY_SIZE(cache_sizes)) {
		size = cache_sizes[which];
		o = xalloc_cache_alloc(caches[which], GFP_KERNEL);
	} else {
		size = sizeof(struct obj) + (r >> 8) % 5000;
		o = xalloc_kmalloc(size, GFP_KERNEL);
	}
	if (!o) {
		__atomic_fetch_add(&null_allocs, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	fill(o, size);
	return o;
}

static void drain_mailbox(int cpu, unsigned long *state)
{
	struct mailbox *box = &boxes[cpu];
	struct obj *objs[MAILBOX];
	unsigned int i, n;

	pthread_mutex_lock(&box->lock);
	n = box->n;
	memcpy(objs, box->objs, n * sizeof(objs[0]));
	box->n = 0;
	pthread_mutex_unlock(&box->lock);
	for (i = 0; i < n; i++)
		release(objs[i], next_rand(state));
}

/* Give @o to CPU @to to free; false if its mailbox is full. */
static bool post(int to, struct obj *o)
{
	struct mailbox *box = &boxes[to];
	bool posted = false;

	pthread_mutex_lock(&box->lock);
	if (box->n < MAILBOX) {
		box->objs[box->n++] = o;
		posted = true;
	}
	pthread_mutex_unlock(&box->lock);
	return posted;
}

static void *cpu_thread(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long state = 0x9e3779b97f4a7c15UL * (cpu + 1), r;
	struct obj *live[LIVE] = { NULL };
	unsigned int round, slot;
	int to;

	xalloc_user_cpu_start(cpu);
	for (round = 0; round < ROUNDS; round++) {
		r = next_rand(&state);
		slot = r % LIVE;
		if (live[slot]) {
			to = (r >> 16) % CPUS;
			if (to == cpu || !post(to, live[slot]))
				release(live[slot], r >> 20);
			live[slot] = NULL;
		} else {
			live[slot] = get(r >> 24);
		}
		if (round % 64 == 0)
			drain_mailbox(cpu, &state);
		/* Go offline and come back: the pages are abandoned. */
		if (round % 5000 == 4999) {
			xalloc_user_cpu_stop();
			xalloc_user_cpu_start(cpu);
		}
	}
	for (slot = 0; slot < LIVE; slot++)
		if (live[slot])
			release(live[slot], slot);
	xalloc_user_cpu_stop();
	return NULL;
}

int main(void)
{
	struct xalloc_cache_stats st;
	pthread_t threads[CPUS];
	unsigned int i;
	int failed = 0;
	long cpu;

	if (xalloc_user_init(CPUS + 1))
		return 1;
	xalloc_user_cpu_start(CPUS);
	for (i = 0; i < ARRAY_SIZE(cache_sizes); i++) {
		char name[16];

		snprintf(name, sizeof(name), "stress_%u", cache_sizes[i]);
		caches[i] = xalloc_cache_create(name, cache_sizes[i], 0, 0,
						NULL);
		if (!caches[i])
			return 1;
	}
	for (i = 0; i < CPUS; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	for (cpu = 0; cpu < CPUS; cpu++)
		pthread_create(&threads[cpu], NULL, cpu_thread, (void *)cpu);
	for (cpu = 0; cpu < CPUS; cpu++)
		pthread_join(threads[cpu], NULL);
	/* What is left in the mailboxes is freed here, remotely. */
	for (i = 0; i < CPUS; i++) {
		unsigned long state = i + 1;

		drain_mailbox(i, &state);
	}
	xalloc_rcu_barrier();
	for (i = 0; i < ARRAY_SIZE(caches); i++) {
		xalloc_cache_collect(caches[i]);
		xalloc_cache_get_stats(caches[i], &st);
		printf("stress_%u: allocs %llu frees %llu remote %llu ",
		       cache_sizes[i], st.allocs, st.frees, st.remote_frees);
		printf("used %lu thread_free %lu invalid %llu\n", st.used,
		       st.thread_free, st.invalid_frees);
		failed |= st.used || st.thread_free || st.invalid_frees ||
			  st.corruptions || st.allocs != st.frees ||
			  xalloc_cache_validate(caches[i]);
		xalloc_cache_destroy(caches[i]);
	}
	/* Nothing injects failures: an allocation may not fail. */
	failed |= bad_patterns || null_allocs ||
		  xalloc_event_read(&xalloc_user_warnings);
	xalloc_user_cpu_stop();
	xalloc_user_exit();
	printf("stress: %d CPUs x %d rounds, %ld bad patterns, %ld failed allocations: %s\n",
	       CPUS, ROUNDS, bad_patterns, null_allocs,
	       failed ? "FAILED" : "ok");
	return failed;
}
