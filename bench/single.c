// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios on one CPU: pair (allocate and free one object, over and
 * over), batch (allocate many, then free them all), latency (batch, with
 * each allocation timed on its own), and bulk (the bulk interfaces, with
 * batches of 1 to 1024 objects).
 */
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "bench.h"

struct single_job {
	const struct bench_ops *ops;
	void *cache;
	unsigned int size;
	void **objs;
	u32 *lat;
	struct bench_timed timed;
	u64 alloc_ns;
	u64 free_ns;
	u64 fails;
};

/* Allocate and free one object, @iters times; return the nanoseconds. */
static u64 bench_pair_loop(const struct bench_ops *ops, void *cache,
			   unsigned int iters, u64 *fails)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;
	void *obj;

	for (i = 0; i < iters; i++) {
		obj = bench_alloc(ops, cache, GFP_KERNEL);
		if (unlikely(!obj)) {
			++*fails;
			continue;
		}
		bench_free(ops, cache, obj);
	}
	return ktime_get_ns() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/**
 * bench_pair_timed() - the pair loop, in bench_pair_reps timed chunks
 * @ops: the allocator
 * @cache: its cache
 * @iters: iterations in all
 * @t: filled with the median chunk's and the total nanoseconds
 *
 * The median chunk leaves out a chunk that the host or the guest's own
 * housekeeping interrupted, which the total would carry along.
 */
void bench_pair_timed(const struct bench_ops *ops, void *cache,
		      unsigned int iters, struct bench_timed *t)
{
	unsigned int r, reps = bench_pair_reps;
	u64 ns[BENCH_MAX_REPS];

	t->total_ns = 0;
	t->ops = 2ULL * (iters / reps) * reps;
	t->chunk_ops = 2ULL * (iters / reps);
	for (r = 0; r < reps; r++) {
		ns[r] = bench_pair_loop(ops, cache, iters / reps, &t->fails);
		t->total_ns += ns[r];
	}
	sort(ns, reps, sizeof(*ns), cmp_u64, NULL);
	t->median_ns = ns[reps / 2];
}

static int pair_fn(void *arg)
{
	struct single_job *job = arg;

	bench_pair_timed(job->ops, job->cache, bench_pair_iters, &job->timed);
	return 0;
}

static int pair_run(const struct bench_scenario *sc,
		    const struct bench_ops *ops, unsigned int size,
		    struct bench_metrics *out)
{
	struct single_job job = { .ops = ops, .size = size };
	struct bench_timed *t = &job.timed;
	char med[BENCH_FMT_LEN], mean[BENCH_FMT_LEN];
	int ret;

	job.cache = bench_create(ops, size, 1);
	if (!job.cache)
		return -ENOMEM;
	ret = bench_run_on(bench_cpu(0), pair_fn, &job);
	ops->destroy(job.cache);
	if (ret)
		return ret;
	bench_line(sc, size, ops,
		   "ns_per_op=%s mean_ns_per_op=%s ops=%llu reps=%u fails=%llu",
		   bench_fmt(med, t->median_ns, t->chunk_ops),
		   bench_fmt(mean, t->total_ns, t->ops), t->ops, bench_pair_reps,
		   t->fails);
	out->v[0] = bench_centi(t->median_ns, t->chunk_ops);
	return 0;
}

const struct bench_scenario bench_pair = {
	.name = "pair",
	.metrics = { "ns/op" },
	.run = pair_run,
	.per_size = true,
	.min_cpus = 1,
};

/* Free the objects of one round, in allocation order. */
static void batch_free_all(struct single_job *job, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (job->objs[i])
			bench_free(job->ops, job->cache, job->objs[i]);
}

static void batch_round(struct single_job *job)
{
	unsigned int i, n = bench_batch_objects;
	u64 t0, t1, t2;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		job->objs[i] = bench_alloc(job->ops, job->cache, GFP_KERNEL);
	t1 = ktime_get_ns();
	batch_free_all(job, n);
	t2 = ktime_get_ns();
	job->alloc_ns += t1 - t0;
	job->free_ns += t2 - t1;
	for (i = 0; i < n; i++)
		job->fails += !job->objs[i];
}

static int batch_fn(void *arg)
{
	struct single_job *job = arg;
	unsigned int r;

	for (r = 0; r < bench_batch_rounds; r++)
		batch_round(job);
	return 0;
}

/*
 * Each allocation timed alone: the same two clock reads around every
 * allocator's call, so the overhead is the same for all three.
 */
static void latency_round(struct single_job *job, u32 *lat)
{
	unsigned int i, n = bench_batch_objects;
	u64 t0;

	for (i = 0; i < n; i++) {
		t0 = ktime_get_ns();
		job->objs[i] = bench_alloc(job->ops, job->cache, GFP_KERNEL);
		lat[i] = min_t(u64, ktime_get_ns() - t0, U32_MAX);
	}
	batch_free_all(job, n);
	for (i = 0; i < n; i++)
		job->fails += !job->objs[i];
}

static int latency_fn(void *arg)
{
	struct single_job *job = arg;
	unsigned int r;

	for (r = 0; r < bench_batch_rounds; r++)
		latency_round(job, job->lat + r * bench_batch_objects);
	return 0;
}

/* Run @fn for a batch-shaped scenario; the caller frees @job->objs/lat. */
static int batch_job_run(struct single_job *job, int (*fn)(void *),
			 bool latency)
{
	size_t samples = (size_t)bench_batch_objects * bench_batch_rounds;
	int ret;

	job->objs = kvcalloc(bench_batch_objects, sizeof(void *), GFP_KERNEL);
	if (latency)
		job->lat = kvcalloc(samples, sizeof(u32), GFP_KERNEL);
	job->cache = bench_create(job->ops, job->size, bench_batch_objects);
	if (!job->objs || (latency && !job->lat) || !job->cache) {
		ret = -ENOMEM;
		goto out;
	}
	ret = bench_run_on(bench_cpu(0), fn, job);
out:
	if (job->cache)
		job->ops->destroy(job->cache);
	kvfree(job->objs);
	return ret;
}

static int batch_run(const struct bench_scenario *sc,
		     const struct bench_ops *ops, unsigned int size,
		     struct bench_metrics *out)
{
	struct single_job job = { .ops = ops, .size = size };
	u64 n = (u64)bench_batch_objects * bench_batch_rounds;
	char all[BENCH_FMT_LEN], a[BENCH_FMT_LEN], f[BENCH_FMT_LEN];
	int ret = batch_job_run(&job, batch_fn, false);

	if (ret)
		return ret;
	bench_line(sc, size, ops,
		   "ns_per_op=%s alloc_ns_per_op=%s free_ns_per_op=%s ops=%llu fails=%llu",
		   bench_fmt(all, job.alloc_ns + job.free_ns, 2 * n),
		   bench_fmt(a, job.alloc_ns, n), bench_fmt(f, job.free_ns, n),
		   2 * n, job.fails);
	out->v[0] = bench_centi(job.alloc_ns + job.free_ns, 2 * n);
	return 0;
}

const struct bench_scenario bench_batch = {
	.name = "batch",
	.metrics = { "ns/op" },
	.run = batch_run,
	.per_size = true,
	.min_cpus = 1,
};

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

struct quantiles {
	u32 p50;
	u32 p99;
	u32 p999;
	u32 max;
};

static void quantiles(u32 *lat, size_t n, struct quantiles *q)
{
	sort(lat, n, sizeof(*lat), cmp_u32, NULL);
	q->p50 = lat[n / 2];
	q->p99 = lat[n * 99 / 100];
	q->p999 = lat[n * 999 / 1000];
	q->max = lat[n - 1];
}

static int latency_run(const struct bench_scenario *sc,
		       const struct bench_ops *ops, unsigned int size,
		       struct bench_metrics *out)
{
	struct single_job job = { .ops = ops, .size = size };
	size_t n = (size_t)bench_batch_objects * bench_batch_rounds;
	struct quantiles q;
	int ret = batch_job_run(&job, latency_fn, true);

	if (!ret && n) {
		quantiles(job.lat, n, &q);
		bench_line(sc, size, ops,
			   "p50_ns=%u p99_ns=%u p999_ns=%u max_ns=%u samples=%zu fails=%llu",
			   q.p50, q.p99, q.p999, q.max, n, job.fails);
		out->v[0] = q.p50 * 100ULL;
		out->v[1] = q.p99 * 100ULL;
		out->v[2] = q.p999 * 100ULL;
		out->v[3] = q.max * 100ULL;
	}
	kvfree(job.lat);
	return ret;
}

const struct bench_scenario bench_latency = {
	.name = "latency",
	.metrics = { "p50 ns", "p99 ns", "p99.9 ns", "max ns" },
	.run = latency_run,
	.per_size = true,
	.min_cpus = 1,
};

/* The batch sizes of the bulk scenario, each a phase of its own. */
static const unsigned int bulk_batches[] = { 1, 16, 128, 1024 };
#define BULK_MAX_BATCH	1024

struct bulk_job {
	const struct bench_ops *ops;
	void *cache;
	void **objs;
	u64 ns[ARRAY_SIZE(bulk_batches)];
	u64 objects[ARRAY_SIZE(bulk_batches)];
	u64 fails;
};

/* bench_bulk_iters objects per batch size, allocated and freed in batches. */
static int bulk_fn(void *arg)
{
	struct bulk_job *job = arg;
	unsigned int b, i, n, rounds;
	u64 t0;

	for (b = 0; b < ARRAY_SIZE(bulk_batches); b++) {
		n = bulk_batches[b];
		rounds = max(bench_bulk_iters / n, 1U);
		t0 = ktime_get_ns();
		for (i = 0; i < rounds; i++) {
			if (unlikely(!job->ops->alloc_bulk(job->cache,
							   GFP_KERNEL, n,
							   job->objs))) {
				job->fails++;
				continue;
			}
			job->ops->free_bulk(job->cache, n, job->objs);
		}
		job->ns[b] = ktime_get_ns() - t0;
		job->objects[b] = (u64)rounds * n;
	}
	return 0;
}

static int bulk_run(const struct bench_scenario *sc,
		    const struct bench_ops *ops, unsigned int size,
		    struct bench_metrics *out)
{
	struct bulk_job job = { .ops = ops };
	char v[BENCH_FMT_LEN];
	unsigned int b;
	int ret;

	if (!ops->alloc_bulk)
		return -EOPNOTSUPP;
	job.objs = kvcalloc(BULK_MAX_BATCH, sizeof(void *), GFP_KERNEL);
	job.cache = bench_create(ops, size, BULK_MAX_BATCH);
	if (!job.objs || !job.cache) {
		ret = -ENOMEM;
		goto out;
	}
	ret = bench_run_on(bench_cpu(0), bulk_fn, &job);
	if (ret)
		goto out;
	/* An operation is one allocation or one free, as in pair. */
	for (b = 0; b < ARRAY_SIZE(bulk_batches); b++) {
		bench_line(sc, size, ops,
			   "phase=b%u ns_per_op=%s ops=%llu fails=%llu",
			   bulk_batches[b],
			   bench_fmt(v, job.ns[b], 2 * job.objects[b]),
			   2 * job.objects[b], job.fails);
		if (b)
			out->v[b - 1] = bench_centi(job.ns[b],
						    2 * job.objects[b]);
	}
out:
	if (job.cache)
		ops->destroy(job.cache);
	kvfree(job.objs);
	return ret;
}

const struct bench_scenario bench_bulk = {
	.name = "bulk",
	.metrics = { "ns/op in 16s", "ns/op in 128s", "ns/op in 1024s" },
	.run = bulk_run,
	.per_size = true,
	.min_cpus = 1,
	.no_floor = true,
};

static const struct bench_scenario bench_timer = {
	.name = "timer",
};

static int timer_fn(void *arg)
{
	u32 *lat = arg;
	unsigned int i;
	u64 t0;

	for (i = 0; i < bench_batch_objects; i++) {
		t0 = ktime_get_ns();
		lat[i] = min_t(u64, ktime_get_ns() - t0, U32_MAX);
	}
	return 0;
}

/**
 * bench_timer_overhead() - print what timing an empty call costs
 *
 * The latency scenario's numbers include two clock reads; this is their
 * cost alone, measured the same way.
 */
void bench_timer_overhead(void)
{
	u32 *lat = kvcalloc(bench_batch_objects, sizeof(u32), GFP_KERNEL);
	struct quantiles q;

	if (!lat || !bench_batch_objects)
		goto out;
	if (!bench_run_on(bench_cpu(0), timer_fn, lat)) {
		quantiles(lat, bench_batch_objects, &q);
		bench_line(&bench_timer, 0, NULL,
			   "p50_ns=%u p99_ns=%u p999_ns=%u max_ns=%u samples=%u",
			   q.p50, q.p99, q.p999, q.max, bench_batch_objects);
	}
out:
	kvfree(lat);
}
