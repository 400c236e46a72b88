// SPDX-License-Identifier: GPL-2.0
/*
 * The memory scenarios: hold many live objects, free a random half, then
 * run the shrinkers as memory pressure would, and report what backs them
 * against the ideal, objects times size, after each step.
 *
 * Each allocator says what it holds for all its caches (struct
 * bench_ops.memory: SLUB its slab pages, xalloc everything its core
 * counts in its segment statistics), after flushing what it can; the
 * scenario reports the growth since the baseline. As a cross-check that
 * needs no allocator's word, it also reports how much free memory the
 * system lost over the same span.
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
 * After the shrinkers ran: xalloc's reclaim work visits every CPU of every
 * cache, and unmaps segments only a grace period after they left its
 * registry.
 */
#define MEMORY_PRESSURE_SETTLE_MS	300

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
	struct mem_sample pressure;
	int pressure_err;
	u64 fails;
};

/* Free pages of every zone, those on the per-CPU lists included. */
u64 bench_free_bytes(void)
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

static void mem_sample(struct mem_job *job, struct mem_sample *s,
		       unsigned int settle_ms)
{
	msleep(settle_ms);
	s->alloc_bytes = job->ops->memory(job->cache);
	s->free_bytes = bench_free_bytes();
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

	/*
	 * Start from what pressure leaves. Memory an earlier scenario left
	 * in reserve would otherwise be in the baseline: reused unseen by
	 * the allocations, or given back under pressure as if this cache
	 * had.
	 */
	bench_drop_caches();
	mem_sample(job, &job->base, MEMORY_PRESSURE_SETTLE_MS);
	for (i = 0; i < job->count; i++) {
		job->objs[i] = bench_alloc(job->ops, job->cache, GFP_KERNEL);
		job->fails += !job->objs[i];
	}
	mem_sample(job, &job->full, BENCH_SETTLE_MS);
	mem_shuffle(job->objs, job->count);
	mem_free_range(job, 0, job->count / 2);
	mem_sample(job, &job->half, BENCH_SETTLE_MS);
	job->pressure_err = bench_drop_caches();
	if (!job->pressure_err)
		mem_sample(job, &job->pressure, MEMORY_PRESSURE_SETTLE_MS);
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
	unsigned long half_live;
	int ret = -ENOMEM;

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
	half_live = job.count - job.count / 2;
	out->v[0] = bench_centi(mem_line(sc, &job, "full", &job.full,
					 job.count), SZ_1K);
	out->v[1] = bench_centi(mem_line(sc, &job, "half", &job.half,
					 half_live), SZ_1K);
	if (job.pressure_err) {
		pr_warn("xalloc_bench: %s, %u B, %s: cannot write drop_caches: %d\n",
			sc->name, size, ops->name, job.pressure_err);
		return 0;
	}
	out->v[2] = bench_centi(mem_line(sc, &job, "pressure", &job.pressure,
					 half_live), SZ_1K);
	return 0;
}

static int memory_run(const struct bench_scenario *sc,
		      const struct bench_ops *ops, unsigned int size,
		      struct bench_metrics *out)
{
	return mem_run(sc, ops, size, bench_memory_bytes, out);
}

static int memory_mid_run(const struct bench_scenario *sc,
			  const struct bench_ops *ops, unsigned int size,
			  struct bench_metrics *out)
{
	return mem_run(sc, ops, size, bench_memory_mid_bytes, out);
}

static int memory_small_run(const struct bench_scenario *sc,
			    const struct bench_ops *ops, unsigned int size,
			    struct bench_metrics *out)
{
	return mem_run(sc, ops, size, bench_memory_small_bytes, out);
}

const struct bench_scenario bench_memory = {
	.name = "memory",
	.metrics = { "KiB, all live", "KiB, half freed",
		     "KiB, under pressure" },
	.run = memory_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};

const struct bench_scenario bench_memory_mid = {
	.name = "memory_mid",
	.metrics = { "KiB, all live", "KiB, half freed",
		     "KiB, under pressure" },
	.run = memory_mid_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};

const struct bench_scenario bench_memory_small = {
	.name = "memory_small",
	.metrics = { "KiB, all live", "KiB, half freed",
		     "KiB, under pressure" },
	.run = memory_small_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};
