// SPDX-License-Identifier: GPL-2.0
/*
 * The memory scenarios: hold many live objects, then free a random half,
 * and report what backs them against the ideal, objects times size.
 *
 * Each allocator says what backs all its caches (struct bench_ops.memory:
 * SLUB its slab pages, xalloc its segments and their metadata), after
 * flushing what it can; the scenario reports the growth since the cache
 * was created. As a cross-check that needs no allocator's word, it also
 * reports how much free memory the system lost over the same span.
 */
#include <linux/delay.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "bench.h"

#define MEMORY_SEED	0x6d656d6f7279ULL

/*
 * Long enough for xalloc's pool work, queued when a segment is taken or
 * emptied, to have mapped or unmapped it before anything is read.
 */
#define MEMORY_SETTLE_MS	100

struct mem_sample {
	u64 alloc_bytes;
	u64 free_bytes;
};

struct mem_job {
	const struct bench_ops *ops;
	unsigned int size;
	unsigned long count;
	void **objs;
	void *cache;
	struct mem_sample base;
	struct mem_sample full;
	struct mem_sample half;
	u64 fails;
};

/* Free pages of every zone, those on the per-CPU lists included. */
static u64 free_bytes(void)
{
	u64 pages = 0;
	int nid, z, cpu;

	for_each_node_state(nid, N_MEMORY) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			pages += zone_page_state_snapshot(zone, NR_FREE_PAGES);
			for_each_online_cpu(cpu)
				pages += per_cpu_ptr(zone->per_cpu_pageset,
						     cpu)->count;
		}
	}
	return pages << PAGE_SHIFT;
}

static void mem_sample(struct mem_job *job, struct mem_sample *s)
{
	msleep(MEMORY_SETTLE_MS);
	s->alloc_bytes = job->ops->memory(job->cache);
	s->free_bytes = free_bytes();
}

/* Fisher-Yates, with a fixed seed: every allocator frees the same half. */
static void mem_shuffle(void **objs, unsigned long n)
{
	struct rnd_state rnd;
	unsigned long i, j;

	prandom_seed_state(&rnd, MEMORY_SEED);
	for (i = n - 1; i > 0; i--) {
		j = prandom_u32_state(&rnd) % (i + 1);
		swap(objs[i], objs[j]);
	}
}

static void mem_free_range(struct mem_job *job, unsigned long from,
			   unsigned long to)
{
	unsigned long i;

	for (i = from; i < to; i++)
		if (job->objs[i])
			bench_free(job->ops, job->cache, job->objs[i]);
}

static int mem_fn(void *arg)
{
	struct mem_job *job = arg;
	unsigned long i;

	mem_sample(job, &job->base);
	for (i = 0; i < job->count; i++) {
		job->objs[i] = bench_alloc(job->ops, job->cache, GFP_KERNEL);
		job->fails += !job->objs[i];
	}
	mem_sample(job, &job->full);
	mem_shuffle(job->objs, job->count);
	mem_free_range(job, 0, job->count / 2);
	mem_sample(job, &job->half);
	mem_free_range(job, job->count / 2, job->count);
	return 0;
}

/* Print one phase; return the bytes the allocator grew by. */
static u64 mem_line(const struct bench_scenario *sc, struct mem_job *job,
		    const char *phase, struct mem_sample *s,
		    unsigned long live)
{
	u64 bytes = s->alloc_bytes - job->base.alloc_bytes;
	u64 sys = job->base.free_bytes - s->free_bytes;
	u64 ideal = (u64)live * job->size;
	char ratio[BENCH_FMT_LEN];

	/* Free memory can grow back past the baseline: print 0 then. */
	if (s->free_bytes > job->base.free_bytes)
		sys = 0;
	if (s->alloc_bytes < job->base.alloc_bytes)
		bytes = 0;
	bench_line(sc, job->size, job->ops,
		   "phase=%s objects=%lu bytes=%llu ideal_bytes=%llu ratio=%s sys_bytes=%llu fails=%llu",
		   phase, live, bytes, ideal, bench_fmt(ratio, bytes, ideal),
		   sys, job->fails);
	return bytes;
}

static int mem_run(const struct bench_scenario *sc,
		   const struct bench_ops *ops, unsigned int size,
		   unsigned int total, struct bench_metrics *out)
{
	struct mem_job job = { .ops = ops, .size = size };
	int ret = -ENOMEM;
	u64 full, half;

	job.count = max(total / size, 2U);
	/* Before the baseline, so that it is not counted. */
	job.objs = kvcalloc(job.count, sizeof(void *), GFP_KERNEL);
	job.cache = bench_create(ops, size, job.count);
	if (job.objs && job.cache)
		ret = bench_run_on(bench_cpu(0), mem_fn, &job);
	if (job.cache)
		ops->destroy(job.cache);
	kvfree(job.objs);
	if (ret)
		return ret;
	full = mem_line(sc, &job, "full", &job.full, job.count);
	half = mem_line(sc, &job, "half", &job.half, job.count - job.count / 2);
	out->v[0] = bench_centi(full, SZ_1K);
	out->v[1] = bench_centi(half, SZ_1K);
	return 0;
}

static int memory_run(const struct bench_scenario *sc,
		      const struct bench_ops *ops, unsigned int size,
		      struct bench_metrics *out)
{
	return mem_run(sc, ops, size, bench_memory_bytes, out);
}

static int memory_small_run(const struct bench_scenario *sc,
			    const struct bench_ops *ops, unsigned int size,
			    struct bench_metrics *out)
{
	return mem_run(sc, ops, size, bench_memory_small_bytes, out);
}

const struct bench_scenario bench_memory = {
	.name = "memory",
	.metrics = { "KiB, all live", "KiB, half freed" },
	.run = memory_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};

const struct bench_scenario bench_memory_small = {
	.name = "memory_small",
	.metrics = { "KiB, all live", "KiB, half freed" },
	.run = memory_small_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};
