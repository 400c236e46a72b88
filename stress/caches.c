// SPDX-License-Identifier: GPL-2.0
/*
 * The caches under stress: every page kind xalloc has (64 KiB pages for
 * small blocks, 512 KiB pages up to 64 KiB, a segment per page above),
 * with and without a constructor and cache-line alignment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/printk.h>

#include "stress.h"

/* Creation may fail by injection: how often to try before giving up. */
#define STRESS_CREATE_TRIES	100

static void stress_ctor_192(void *obj)
{
	stress_obj_construct(obj, 192);
}

static void stress_ctor_1024(void *obj)
{
	stress_obj_construct(obj, 1024);
}

/*
 * Small objects make up most allocations, as in real workloads; the
 * weights of the two large caches keep the memory held by the live
 * objects in the low megabytes per CPU. Two caches check every object
 * with XALLOC_DEBUG (red zones, and poison where there is no constructor),
 * so that the debug checks run under the same load and must stay silent.
 */
struct stress_cache stress_caches[STRESS_NR_CACHES] = {
	{ "stress_16", 16, XALLOC_DEBUG, NULL, 24 },
	{ "stress_64", 64, XALLOC_HWCACHE_ALIGN, NULL, 24 },
	{ "stress_192", 192, XALLOC_HWCACHE_ALIGN, stress_ctor_192, 20 },
	{ "stress_1024", 1024, XALLOC_DEBUG, stress_ctor_1024, 16 },
	{ "stress_4096", 4096, XALLOC_HWCACHE_ALIGN, NULL, 10 },
	{ "stress_64k", 65536, 0, NULL, 4 },
	{ "stress_128k", 131072, 0, NULL, 2 },
};

/**
 * stress_pick_cache() - a cache index, drawn by weight
 * @rnd: random state of the caller
 * @nr: draw among the first @nr caches
 *
 * Return: an index below @nr.
 */
unsigned int stress_pick_cache(struct rnd_state *rnd, unsigned int nr)
{
	unsigned int i, total = 0, r;

	for (i = 0; i < nr; i++)
		total += stress_caches[i].weight;
	r = prandom_u32_state(rnd) % total;
	for (i = 0; i < nr - 1; i++) {
		if (r < stress_caches[i].weight)
			break;
		r -= stress_caches[i].weight;
	}
	return i;
}

static struct xalloc_cache *stress_create_one(const struct stress_cache *sc,
					      unsigned int *failures)
{
	struct xalloc_cache *cache;
	unsigned int tries;

	for (tries = 0; tries < STRESS_CREATE_TRIES; tries++) {
		cache = xalloc_cache_create(sc->name, sc->size, 0, sc->flags,
					    sc->ctor);
		if (cache || !READ_ONCE(stress_faults))
			return cache;
		++*failures;
	}
	return NULL;
}

/**
 * stress_caches_create() - create every cache of stress_caches[]
 *
 * With faults injected, a creation that fails is tried again.
 *
 * Return: the number of failed creations absorbed that way, or -ENOMEM
 * (then no cache is left).
 */
int stress_caches_create(void)
{
	unsigned int i, failures = 0;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		stress_caches[i].cache = stress_create_one(&stress_caches[i],
							   &failures);
		if (!stress_caches[i].cache) {
			pr_err("cannot create cache %s\n",
			       stress_caches[i].name);
			stress_caches_destroy();
			return -ENOMEM;
		}
	}
	return failures;
}

void stress_caches_destroy(void)
{
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		xalloc_cache_destroy(stress_caches[i].cache);
		stress_caches[i].cache = NULL;
	}
}
