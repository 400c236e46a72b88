// SPDX-License-Identifier: GPL-2.0
/*
 * The mixed scenario, after larson: one thread per CPU keeps an array of
 * slots and replaces a random slot's object, over and over, with one of a
 * random cache (one cache per benchmarked size). Objects live for a random
 * time, and now and then one is handed to the next CPU, which frees it:
 * allocations, local frees and remote frees all interleave on every CPU.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/math64.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "bench.h"

#define MIXED_SEED	0x78626e6368ULL

/* What every object carries: its way to another CPU, and its cache. */
struct mixed_obj {
	struct llist_node node;
	unsigned int cls;
};

struct mixed_ctx {
	const struct bench_ops *ops;
	void **caches;
	unsigned int nr_caches;
	unsigned int nr_threads;
	struct llist_head *inbox;
};

struct mixed_thread {
	struct mixed_ctx *ctx;
	unsigned int idx;
	struct rnd_state rnd;
	struct mixed_obj **slots;
	u64 ns;
	u64 allocs;
	u64 frees;
	u64 fails;
};

static struct mixed_obj *mixed_new(struct mixed_thread *t)
{
	struct mixed_ctx *c = t->ctx;
	unsigned int cls = prandom_u32_state(&t->rnd) % c->nr_caches;
	struct mixed_obj *obj;

	obj = bench_alloc(c->ops, c->caches[cls], GFP_KERNEL);
	if (unlikely(!obj)) {
		t->fails++;
		return NULL;
	}
	t->allocs++;
	obj->cls = cls;
	return obj;
}

static void mixed_free(struct mixed_ctx *c, struct mixed_obj *obj)
{
	bench_free(c->ops, c->caches[obj->cls], obj);
}

/* Free @obj here, or hand it to the next CPU's thread to free. */
static void mixed_release(struct mixed_thread *t, struct mixed_obj *obj)
{
	struct mixed_ctx *c = t->ctx;

	if (c->nr_threads > 1 && bench_mixed_handoff &&
	    !(prandom_u32_state(&t->rnd) % bench_mixed_handoff)) {
		llist_add(&obj->node,
			  &c->inbox[(t->idx + 1) % c->nr_threads]);
		return;
	}
	mixed_free(c, obj);
	t->frees++;
}

/* Free what the previous CPU handed over: remote frees, mostly. */
static unsigned int mixed_drain(struct mixed_ctx *c, struct llist_head *inbox)
{
	struct llist_node *list = llist_del_all(inbox);
	struct mixed_obj *obj, *next;
	unsigned int n = 0;

	llist_for_each_entry_safe(obj, next, list, node) {
		mixed_free(c, obj);
		n++;
	}
	return n;
}

static int mixed_fn(void *arg)
{
	struct mixed_thread *t = arg;
	unsigned int i, s;
	u64 t0;

	for (i = 0; i < bench_mixed_slots; i++)
		t->slots[i] = mixed_new(t);
	t->allocs = 0;
	t0 = ktime_get_ns();
	for (i = 0; i < bench_mixed_ops; i++) {
		s = prandom_u32_state(&t->rnd) % bench_mixed_slots;
		if (t->slots[s])
			mixed_release(t, t->slots[s]);
		t->slots[s] = mixed_new(t);
		if (!(i % 64))
			t->frees += mixed_drain(t->ctx, &t->ctx->inbox[t->idx]);
	}
	t->ns = ktime_get_ns() - t0;
	return 0;
}

/* After every thread is done: free what is left, from here. */
static void mixed_cleanup(struct mixed_ctx *c, struct mixed_thread *th)
{
	struct mixed_thread *t;
	unsigned int i, s;

	for (i = 0; i < c->nr_threads; i++) {
		t = &th[i];
		mixed_drain(c, &c->inbox[i]);
		for (s = 0; t->slots && s < bench_mixed_slots; s++)
			if (t->slots[s])
				mixed_free(c, t->slots[s]);
		kvfree(t->slots);
	}
}

static int mixed_start(struct mixed_ctx *c, struct mixed_thread *th)
{
	unsigned int n = c->nr_threads, i;
	void **args = kcalloc(n, sizeof(void *), GFP_KERNEL);
	int *cpus = kcalloc(n, sizeof(int), GFP_KERNEL);
	int ret = -ENOMEM;

	if (!args || !cpus)
		goto out;
	for (i = 0; i < n; i++) {
		th[i].ctx = c;
		th[i].idx = i;
		/* The same sequence for every allocator. */
		prandom_seed_state(&th[i].rnd, MIXED_SEED + i);
		th[i].slots = kvcalloc(bench_mixed_slots, sizeof(void *),
				       GFP_KERNEL);
		if (!th[i].slots)
			goto out;
		init_llist_head(&c->inbox[i]);
		args[i] = &th[i];
		cpus[i] = bench_cpu(i);
	}
	ret = bench_run_parallel(n, cpus, mixed_fn, args);
out:
	mixed_cleanup(c, th);
	kfree(args);
	kfree(cpus);
	return ret;
}

static void mixed_report(const struct bench_scenario *sc,
			 const struct bench_ops *ops, struct mixed_thread *th,
			 unsigned int n, struct bench_metrics *out)
{
	u64 ops_done = 0, ns = 0, wall = 0, fails = 0;
	char per_op[BENCH_FMT_LEN];
	unsigned int i;

	for (i = 0; i < n; i++) {
		ops_done += th[i].allocs + th[i].frees;
		ns += th[i].ns;
		wall = max(wall, th[i].ns);
		fails += th[i].fails;
	}
	bench_line(sc, 0, ops,
		   "ns_per_op=%s ops_per_sec=%llu ops=%llu threads=%u caches=%u fails=%llu",
		   bench_fmt(per_op, ns, ops_done),
		   wall ? div64_u64(ops_done * NSEC_PER_SEC, wall) : 0,
		   ops_done, n, bench_nr_sizes, fails);
	out->v[0] = bench_centi(ns, ops_done);
}

static void mixed_destroy_caches(struct mixed_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_caches; i++)
		if (c->caches[i])
			c->ops->destroy(c->caches[i]);
	kfree(c->caches);
}

/* A cache per benchmarked size; the floor's stacks take some drift. */
static int mixed_create_caches(struct mixed_ctx *c)
{
	unsigned int objects = 2 * bench_mixed_slots + bench_mixed_ops / 16;
	unsigned int i, size;

	c->caches = kcalloc(bench_nr_sizes, sizeof(void *), GFP_KERNEL);
	if (!c->caches)
		return -ENOMEM;
	c->nr_caches = bench_nr_sizes;
	for (i = 0; i < bench_nr_sizes; i++) {
		size = max_t(unsigned int, bench_sizes[i],
			     sizeof(struct mixed_obj));
		c->caches[i] = bench_create(c->ops, size, objects);
		if (!c->caches[i])
			return -ENOMEM;
	}
	return 0;
}

static int mixed_run(const struct bench_scenario *sc,
		     const struct bench_ops *ops, unsigned int size,
		     struct bench_metrics *out)
{
	struct mixed_ctx c = { .ops = ops, .nr_threads = num_online_cpus() };
	struct mixed_thread *th;
	int ret;

	th = kcalloc(c.nr_threads, sizeof(*th), GFP_KERNEL);
	c.inbox = kcalloc(c.nr_threads, sizeof(*c.inbox), GFP_KERNEL);
	ret = th && c.inbox ? mixed_create_caches(&c) : -ENOMEM;
	if (!ret && bench_mixed_slots)
		ret = mixed_start(&c, th);
	if (!ret)
		mixed_report(sc, ops, th, c.nr_threads, out);
	mixed_destroy_caches(&c);
	kfree(c.inbox);
	kfree(th);
	return ret;
}

const struct bench_scenario bench_mixed = {
	.name = "mixed",
	.metrics = { "ns/op" },
	.run = mixed_run,
	.per_size = false,
	.min_cpus = 1,
};
