// SPDX-License-Identifier: GPL-2.0
/*
 * The footprint scenario: what an allocator holds for many caches that
 * are barely used, one live object in each on each of C CPUs, for C = 1
 * to every online CPU. A CPU's first object of a cache takes a slab
 * (SLUB) or a page (xalloc) of its own, so the cost grows with caches
 * times CPUs; scripts/bench-report.py fits bytes(C) = a + b * C to the
 * lines and projects it to machines with more CPUs.
 *
 * The baseline is read before the caches exist, so that what creating
 * them costs counts too: per-cache structures, and per-CPU ones (such as
 * xalloc's heaps) for every possible CPU. As in the memory scenarios,
 * bytes is the allocator's own figure (struct bench_ops.memory; SLUB's is
 * every slab page of the system) and sys_bytes what the system's free
 * memory lost over the same span.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "bench.h"

/**
 * struct fp_job - one allocator and size
 * @ops: the allocator
 * @size: object size
 * @nr_caches: caches
 * @caches: the caches
 * @objs: @nr_caches objects per CPU, the first CPU's first
 * @base_bytes: the allocator's figure before the caches were created
 * @base_free: the system's free bytes then
 * @fails: failed allocations
 */
struct fp_job {
	const struct bench_ops *ops;
	unsigned int size;
	unsigned int nr_caches;
	void **caches;
	void **objs;
	u64 base_bytes;
	u64 base_free;
	u64 fails;
};

/* What a thread on the @idx-th online CPU works on. */
struct fp_cpu {
	struct fp_job *job;
	unsigned int idx;
};

static void **fp_objs(struct fp_cpu *fc)
{
	return fc->job->objs + (size_t)fc->idx * fc->job->nr_caches;
}

/* One object from each cache, on this CPU. */
static int fp_alloc_fn(void *arg)
{
	struct fp_cpu *fc = arg;
	struct fp_job *job = fc->job;
	void **objs = fp_objs(fc);
	unsigned int i;

	for (i = 0; i < job->nr_caches; i++) {
		objs[i] = bench_alloc(job->ops, job->caches[i], GFP_KERNEL);
		job->fails += !objs[i];
	}
	return 0;
}

/* Free the objects one CPU allocated, from wherever this runs. */
static int fp_free_fn(void *arg)
{
	struct fp_cpu *fc = arg;
	struct fp_job *job = fc->job;
	void **objs = fp_objs(fc);
	unsigned int i;

	for (i = 0; i < job->nr_caches; i++) {
		if (objs[i])
			bench_free(job->ops, job->caches[i], objs[i]);
		objs[i] = NULL;
	}
	return 0;
}

/*
 * Let the work that allocations queue settle, then read both figures. No
 * cache is shrunk: a CPU keeps its slab or page, as in a running system.
 * Shrinking SLUB's caches would put each CPU slab on its node's partial
 * list, where the next CPU finds it: sharing SLUB does not do between
 * shrinks.
 */
static void fp_sample(struct fp_job *job, u64 *bytes, u64 *free)
{
	msleep(BENCH_SETTLE_MS);
	*bytes = job->ops->memory(NULL);
	*free = bench_free_bytes();
}

/* Print the line for @cpus CPUs; return the bytes the allocator grew by. */
static u64 fp_line(const struct bench_scenario *sc, struct fp_job *job,
		   unsigned int cpus)
{
	u64 now_bytes, now_free, bytes = 0, sys = 0;

	fp_sample(job, &now_bytes, &now_free);
	/* Either figure can end below the baseline: print 0 then. */
	if (now_bytes > job->base_bytes)
		bytes = now_bytes - job->base_bytes;
	if (job->base_free > now_free)
		sys = job->base_free - now_free;
	bench_line(sc, job->size, job->ops,
		   "caches=%u cpus=%u objects=%llu bytes=%llu sys_bytes=%llu fails=%llu",
		   job->nr_caches, cpus, (u64)job->nr_caches * cpus, bytes, sys,
		   job->fails);
	return bytes;
}

static int fp_create(struct fp_job *job)
{
	unsigned int i;

	for (i = 0; i < job->nr_caches; i++) {
		job->caches[i] = bench_create(job->ops, job->size, 1);
		if (!job->caches[i])
			return -ENOMEM;
	}
	return 0;
}

static void fp_destroy(struct fp_job *job)
{
	unsigned int i;

	for (i = 0; i < job->nr_caches; i++)
		if (job->caches[i])
			job->ops->destroy(job->caches[i]);
}

/*
 * Each CPU frees its own objects; should its thread not start, they are
 * freed from here, remotely, since every one must be back before the
 * caches are destroyed.
 */
static void fp_free_all(struct fp_job *job, unsigned int cpus)
{
	struct fp_cpu fc = { .job = job };

	for (fc.idx = 0; fc.idx < cpus; fc.idx++)
		if (bench_run_on(bench_cpu(fc.idx), fp_free_fn, &fc))
			fp_free_fn(&fc);
}

/*
 * Add the CPUs one at a time, each allocating from every cache, and
 * measure after each: the caches and the baseline stay the same for every
 * point of the line. The summary's per-CPU cost is the slope between the
 * first and the last point, or the single point's bytes on one CPU.
 */
static int fp_grow(const struct bench_scenario *sc, struct fp_job *job,
		   unsigned int cpus, struct bench_metrics *out)
{
	struct fp_cpu fc = { .job = job };
	u64 first = 0, last = 0;
	int ret = 0;

	for (fc.idx = 0; fc.idx < cpus; fc.idx++) {
		ret = bench_run_on(bench_cpu(fc.idx), fp_alloc_fn, &fc);
		if (ret)
			break;
		last = fp_line(sc, job, fc.idx + 1);
		if (!fc.idx)
			first = last;
	}
	fp_free_all(job, cpus);
	if (ret)
		return ret;
	out->v[0] = bench_centi(first, SZ_1K);
	out->v[1] = bench_centi(last, SZ_1K);
	if (cpus == 1)
		out->v[2] = out->v[0];
	else if (last > first)
		out->v[2] = bench_centi(last - first, (u64)SZ_1K * (cpus - 1));
	return 0;
}

static int footprint_run(const struct bench_scenario *sc,
			 const struct bench_ops *ops, unsigned int size,
			 struct bench_metrics *out)
{
	unsigned int cpus = num_online_cpus();
	struct fp_job job = {
		.ops = ops,
		.size = size,
		.nr_caches = bench_footprint_caches,
	};
	int ret = -ENOMEM;

	/* Before the baseline, so that they are not counted. */
	job.caches = kvcalloc(job.nr_caches, sizeof(void *), GFP_KERNEL);
	job.objs = kvcalloc((size_t)job.nr_caches * cpus, sizeof(void *),
			    GFP_KERNEL);
	if (job.caches && job.objs) {
		/* From what pressure leaves, as the memory scenarios. */
		bench_drop_caches();
		fp_sample(&job, &job.base_bytes, &job.base_free);
		ret = fp_create(&job);
		if (!ret)
			ret = fp_grow(sc, &job, cpus, out);
		fp_destroy(&job);
	}
	kvfree(job.objs);
	kvfree(job.caches);
	return ret;
}

const struct bench_scenario bench_footprint = {
	.name = "footprint",
	.metrics = { "KiB on 1 CPU", "KiB on every CPU", "KiB per added CPU" },
	.run = footprint_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};
