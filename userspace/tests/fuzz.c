// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: each input is a program of allocator operations on
 * four CPUs, played by one thread that changes its CPU between operations
 * (as a task migrates between CPU sections): cache creation with any
 * flags, allocations, local and remote frees, RCU frees, kmalloc and
 * krealloc, collection, shrinking, CPUs going offline and coming back,
 * and bad frees (double, interior, foreign, into a destroyed cache). After
 * every operation: every live object still holds its pattern, every
 * cache validates, and a collected cache's used count is its live
 * objects. Every bad free must be refused and counted, never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xalloc_os_user.h"
#include "../xalloc_user.h"

#define CPUS		4
#define CACHES		3
#define SLOTS		64

struct slot {
	unsigned char *obj;
	size_t size;
	int cache;		/* -1: kmalloc */
	bool rcu;		/* has room for an rcu_head at its end */
};

struct fuzz_cache {
	struct xalloc_cache *cache;
	unsigned int size;
	unsigned long live;
	unsigned long expected_invalid;
};

static struct fuzz_cache caches[CACHES];
static struct slot slots[SLOTS];
static const u8 *in;
static size_t in_left;

static unsigned int next(unsigned int bound)
{
	unsigned int v;

	if (!in_left)
		return 0;
	v = *in++;
	in_left--;
	return bound ? v % bound : v;
}

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz: %s (line %d)\n", what, line);
	abort();
}

#define ASSERT(cond) do { if (!(cond)) fail(#cond, __LINE__); } while (0)

static unsigned char pattern(const struct slot *s)
{
	return (unsigned long)s->obj >> 4 & 0xff;
}

static void fill(struct slot *s)
{
	memset(s->obj, pattern(s), s->size);
}

static void check(const struct slot *s)
{
	size_t i;

	for (i = 0; i < s->size; i++)
		ASSERT(s->obj[i] == pattern(s));
}

static void invalid_free_expected(int c)
{
	caches[c].expected_invalid++;
}

static void op_create(void)
{
	static const unsigned long flag_sets[] = {
		0, XALLOC_DEBUG, XALLOC_STORE_USER, XALLOC_TYPESAFE_BY_RCU,
		XALLOC_HWCACHE_ALIGN | XALLOC_DEBUG,
	};
	unsigned int c = next(CACHES), size;
	char name[16];

	if (caches[c].cache)
		return;
	size = 16 + next(0) * 16 + (next(4) == 0 ? 70000 : 0);
	snprintf(name, sizeof(name), "fuzz_%u", c);
	caches[c].cache = xalloc_cache_create(name, size, 0,
					      flag_sets[next(ARRAY_SIZE(flag_sets))],
					      NULL);
	caches[c].size = size;
	caches[c].live = 0;
	caches[c].expected_invalid = 0;
}

static void free_slot(struct slot *s, bool by_rcu)
{
	check(s);
	if (by_rcu && s->rcu)
		__xalloc_free_rcu(s->obj, (struct rcu_head *)
				  PTR_ALIGN(s->obj, sizeof(void *)));
	else if (s->cache >= 0)
		xalloc_cache_free(caches[s->cache].cache, s->obj);
	else
		xalloc_free(s->obj);
	if (s->cache >= 0)
		caches[s->cache].live--;
	s->obj = NULL;
}

static void op_alloc(void)
{
	struct slot *s = &slots[next(SLOTS)];
	int c = (int)next(CACHES + 1) - 1;

	if (s->obj)
		free_slot(s, false);
	if (c >= 0 && !caches[c].cache)
		return;
	if (c >= 0) {
		s->obj = xalloc_cache_alloc(caches[c].cache, GFP_KERNEL);
		s->size = caches[c].size;
	} else {
		s->size = 1 + next(0) * (next(2) ? 1 : 37);
		s->obj = xalloc_kmalloc(s->size, GFP_KERNEL);
	}
	if (!s->obj)
		return;
	s->cache = c;
	s->rcu = s->size >= sizeof(struct rcu_head);
	if (c >= 0)
		caches[c].live++;
	fill(s);
}

static void op_bad_free(void)
{
	struct slot *s = &slots[next(SLOTS)];
	struct xalloc_cache_stats before, after;
	unsigned char *p;
	int c = s->cache;

	if (!s->obj || c < 0 || s->size < 2)
		return;
	xalloc_cache_get_stats(caches[c].cache, &before);
	switch (next(3)) {
	case 0:		/* inside the object */
		p = s->obj + 1 + next(s->size - 1);
		xalloc_cache_free(caches[c].cache, p);
		break;
	case 1:		/* not xalloc's at all */
		xalloc_cache_free(caches[c].cache, &before);
		break;
	default:	/* freed twice */
		p = s->obj;
		free_slot(s, false);
		xalloc_cache_free(caches[c].cache, p);
		break;
	}
	invalid_free_expected(c);
	xalloc_cache_get_stats(caches[c].cache, &after);
	ASSERT(after.invalid_frees == before.invalid_frees + 1);
}

static void op_krealloc(void)
{
	struct slot *s = &slots[next(SLOTS)];
	size_t size = 1 + next(0) * 64;
	unsigned char *p;

	if (!s->obj || s->cache >= 0)
		return;
	check(s);
	p = xalloc_krealloc(s->obj, size, GFP_KERNEL);
	if (!p)
		return;
	/* The kept bytes moved with it; give them the new pattern. */
	s->obj = p;
	s->size = size;
	s->rcu = size >= sizeof(struct rcu_head);
	fill(s);
}

static void op_destroy(void)
{
	unsigned int c = next(CACHES), i;

	if (!caches[c].cache)
		return;
	for (i = 0; i < SLOTS; i++)
		if (slots[i].obj && slots[i].cache == (int)c)
			free_slot(&slots[i], false);
	xalloc_rcu_barrier();
	xalloc_cache_destroy(caches[c].cache);
	caches[c].cache = NULL;
}

static void check_caches(void)
{
	struct xalloc_cache_stats st;
	unsigned int c;

	for (c = 0; c < CACHES; c++) {
		if (!caches[c].cache)
			continue;
		ASSERT(xalloc_cache_validate(caches[c].cache) == 0);
		xalloc_cache_get_stats(caches[c].cache, &st);
		ASSERT(st.invalid_frees == caches[c].expected_invalid);
		ASSERT(st.corruptions == 0);
		/* Frees by RCU may still be pending: used is at least live. */
		ASSERT(st.used >= caches[c].live);
	}
}

static void step(void)
{
	unsigned int op = next(12), c;

	switch (op) {
	case 0:
		op_create();
		break;
	case 1: case 2: case 3:
		op_alloc();
		break;
	case 4:
		c = next(SLOTS);
		if (slots[c].obj)
			free_slot(&slots[c], next(2));
		break;
	case 5:		/* run on another CPU, as after a migration */
		xalloc_user_cpu = next(CPUS);
		break;
	case 6:
		c = next(CACHES);
		if (caches[c].cache)
			xalloc_cache_collect(caches[c].cache);
		break;
	case 7:
		c = next(CACHES);
		if (caches[c].cache)
			xalloc_cache_shrink(caches[c].cache);
		break;
	case 8:		/* this CPU goes offline and comes back */
		c = xalloc_user_cpu;
		xalloc_user_cpu_stop();
		xalloc_user_cpu_start(c);
		break;
	case 9:
		op_bad_free();
		break;
	case 10:
		op_krealloc();
		break;
	default:
		op_destroy();
		break;
	}
	check_caches();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int cpu;

	if (xalloc_user_init(CPUS))
		abort();
	/* Every CPU online; this thread plays each in turn. */
	for (cpu = CPUS - 1; cpu >= 0; cpu--)
		xalloc_user_cpu_start(cpu);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct xalloc_cache_stats st;
	unsigned int i, c;

	in = data;
	in_left = size;
	while (in_left)
		step();
	for (i = 0; i < SLOTS; i++)
		if (slots[i].obj)
			free_slot(&slots[i], false);
	xalloc_rcu_barrier();
	for (c = 0; c < CACHES; c++) {
		if (!caches[c].cache)
			continue;
		xalloc_cache_collect(caches[c].cache);
		xalloc_cache_get_stats(caches[c].cache, &st);
		ASSERT(st.used == 0);
		ASSERT(st.thread_free == 0);
		xalloc_cache_destroy(caches[c].cache);
		caches[c].cache = NULL;
	}
	ASSERT(xalloc_event_read(&xalloc_user_warnings) == 0);
	return 0;
}
