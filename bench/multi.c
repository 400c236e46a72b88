// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios on several CPUs: remote (one CPU allocates, another frees)
 * and concurrent (every CPU runs the pair loop at once).
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "bench.h"

/*
 * Two buffers, so that the producer fills one while the consumer empties
 * the other: allocation on one CPU and remote frees on the other overlap,
 * as they do in a real pipeline.
 */
struct remote_ctx {
	const struct bench_ops *ops;
	void *cache;
	void **buf[2];
	struct completion filled[2];
	struct completion emptied[2];
	u64 alloc_ns;
	u64 free_ns;
	u64 fails;
};

struct remote_role {
	struct remote_ctx *ctx;
	bool producer;
};

static void remote_produce(struct remote_ctx *c)
{
	unsigned int r, i, n = bench_remote_objects;
	void **buf;
	u64 t0;

	for (r = 0; r < bench_remote_rounds; r++) {
		wait_for_completion(&c->emptied[r & 1]);
		buf = c->buf[r & 1];
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++)
			buf[i] = bench_alloc(c->ops, c->cache, GFP_KERNEL);
		c->alloc_ns += ktime_get_ns() - t0;
		complete(&c->filled[r & 1]);
	}
}

static void remote_consume(struct remote_ctx *c)
{
	unsigned int r, i, n = bench_remote_objects;
	void **buf;
	u64 t0;

	for (r = 0; r < bench_remote_rounds; r++) {
		wait_for_completion(&c->filled[r & 1]);
		buf = c->buf[r & 1];
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			if (likely(buf[i]))
				bench_free(c->ops, c->cache, buf[i]);
			else
				c->fails++;
		}
		c->free_ns += ktime_get_ns() - t0;
		complete(&c->emptied[r & 1]);
	}
}

static int remote_fn(void *arg)
{
	struct remote_role *role = arg;

	if (role->producer)
		remote_produce(role->ctx);
	else
		remote_consume(role->ctx);
	return 0;
}

static int remote_start(struct remote_ctx *c)
{
	struct remote_role roles[2] = {
		{ .ctx = c, .producer = true },
		{ .ctx = c, .producer = false },
	};
	void *args[2] = { &roles[0], &roles[1] };
	int cpus[2] = { bench_cpu(0), bench_cpu(1) };
	int i;

	for (i = 0; i < 2; i++) {
		init_completion(&c->filled[i]);
		init_completion(&c->emptied[i]);
		complete(&c->emptied[i]);
	}
	return bench_run_parallel(2, cpus, remote_fn, args);
}

static int remote_run(const struct bench_scenario *sc,
		      const struct bench_ops *ops, unsigned int size,
		      struct bench_metrics *out)
{
	u64 n = (u64)bench_remote_objects * bench_remote_rounds;
	struct remote_ctx c = { .ops = ops };
	char a[BENCH_FMT_LEN], f[BENCH_FMT_LEN];
	int ret = -ENOMEM;

	c.buf[0] = kvcalloc(bench_remote_objects, sizeof(void *), GFP_KERNEL);
	c.buf[1] = kvcalloc(bench_remote_objects, sizeof(void *), GFP_KERNEL);
	/* The floor's producer stack must hold every object it hands out. */
	c.cache = bench_create(ops, size, n + bench_remote_objects);
	if (c.buf[0] && c.buf[1] && c.cache)
		ret = remote_start(&c);
	if (c.cache)
		ops->destroy(c.cache);
	kvfree(c.buf[0]);
	kvfree(c.buf[1]);
	if (ret)
		return ret;
	bench_line(sc, size, ops,
		   "alloc_ns_per_op=%s free_ns_per_op=%s objects=%llu fails=%llu",
		   bench_fmt(a, c.alloc_ns, n), bench_fmt(f, c.free_ns, n), n,
		   c.fails);
	out->v[0] = bench_centi(c.alloc_ns, n);
	out->v[1] = bench_centi(c.free_ns, n);
	return 0;
}

const struct bench_scenario bench_remote = {
	.name = "remote",
	.metrics = { "alloc ns/op", "free ns/op" },
	.run = remote_run,
	.per_size = true,
	.min_cpus = 2,
};

struct conc_job {
	const struct bench_ops *ops;
	void *cache;
	struct bench_timed timed;
};

static int conc_fn(void *arg)
{
	struct conc_job *job = arg;

	bench_pair_timed(job->ops, job->cache, bench_concurrent_iters,
			 &job->timed);
	return 0;
}

/* Run the pair loop on the first @n online CPUs at once. */
static int conc_start(struct conc_job *jobs, unsigned int n)
{
	void **args = kcalloc(n, sizeof(void *), GFP_KERNEL);
	int *cpus = kcalloc(n, sizeof(int), GFP_KERNEL);
	unsigned int i;
	int ret = -ENOMEM;

	if (args && cpus) {
		for (i = 0; i < n; i++) {
			args[i] = &jobs[i];
			cpus[i] = bench_cpu(i);
		}
		ret = bench_run_parallel(n, cpus, conc_fn, args);
	}
	kfree(args);
	kfree(cpus);
	return ret;
}

static void conc_report(const struct bench_scenario *sc,
			const struct bench_ops *ops, unsigned int size,
			struct conc_job *jobs, unsigned int n,
			struct bench_metrics *out)
{
	struct bench_timed *one = &jobs[0].timed;
	u64 chunk_ops = one->chunk_ops;
	u64 sum = 0, max = 0, total = 0, fails = one->fails;
	char avg_s[BENCH_FMT_LEN], max_s[BENCH_FMT_LEN];
	char one_s[BENCH_FMT_LEN], ratio_s[BENCH_FMT_LEN];
	char mean_s[BENCH_FMT_LEN];
	unsigned int i;

	/* jobs[0] is the single-CPU run, jobs[1..n] the concurrent one. */
	for (i = 1; i <= n; i++) {
		sum += jobs[i].timed.median_ns;
		max = max(max, jobs[i].timed.median_ns);
		total += jobs[i].timed.total_ns;
		fails += jobs[i].timed.fails;
	}
	bench_line(sc, size, ops,
		   "ns_per_op=%s max_ns_per_op=%s single_ns_per_op=%s ratio=%s mean_ratio=%s cpus=%u reps=%u fails=%llu",
		   bench_fmt(avg_s, sum, chunk_ops * n),
		   bench_fmt(max_s, max, chunk_ops),
		   bench_fmt(one_s, one->median_ns, chunk_ops),
		   bench_fmt(ratio_s, sum, one->median_ns * n),
		   bench_fmt(mean_s, total, one->total_ns * n), n,
		   bench_pair_reps, fails);
	out->v[0] = bench_centi(sum, chunk_ops * n);
	out->v[1] = bench_centi(sum, one->median_ns * n);
}

/*
 * The single-CPU time is measured here, just before, on the same cache:
 * the ratio then compares two runs a moment apart rather than two
 * scenarios a minute apart.
 */
static int concurrent_run(const struct bench_scenario *sc,
			  const struct bench_ops *ops, unsigned int size,
			  struct bench_metrics *out)
{
	unsigned int n = num_online_cpus();
	struct conc_job *jobs = kcalloc(n + 1, sizeof(*jobs), GFP_KERNEL);
	unsigned int i;
	int ret = -ENOMEM;

	if (!jobs)
		return ret;
	jobs[0].ops = ops;
	jobs[0].cache = bench_create(ops, size, 1);
	if (!jobs[0].cache)
		goto out;
	for (i = 1; i <= n; i++)
		jobs[i] = (struct conc_job){ .ops = ops, .cache = jobs[0].cache };
	ret = conc_start(jobs, 1);
	if (!ret)
		ret = conc_start(jobs + 1, n);
	ops->destroy(jobs[0].cache);
	if (!ret)
		conc_report(sc, ops, size, jobs, n, out);
out:
	kfree(jobs);
	return ret;
}

const struct bench_scenario bench_concurrent = {
	.name = "concurrent",
	.metrics = { "ns/op per CPU", "ratio to 1 CPU" },
	.run = concurrent_run,
	.per_size = true,
	.min_cpus = 2,
};
