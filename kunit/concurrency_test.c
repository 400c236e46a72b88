// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_concurrency: objects exchanged between CPUs, allocation from
 * hardirq and softirq context racing process context on the same CPU, and
 * allocations that must not sleep.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "xalloc_test.h"

#define PATTERN_MAGIC	0x9e3779b97f4a7c15UL

/* An object that proves who filled it and that nobody wrote over it. */
struct tagged {
	struct llist_node node;
	unsigned long check;
	u32 cpu;
	u32 seq;
	u8 payload[40];
};

static unsigned long tag_check(struct tagged *obj)
{
	return (unsigned long)obj ^ PATTERN_MAGIC ^
	       ((unsigned long)obj->cpu << 32 | obj->seq);
}

static void tag_fill(struct tagged *obj, u32 cpu, u32 seq)
{
	obj->cpu = cpu;
	obj->seq = seq;
	obj->check = tag_check(obj);
	memset(obj->payload, (u8)(cpu + seq), sizeof(obj->payload));
}

static bool tag_ok(struct tagged *obj)
{
	return obj->check == tag_check(obj) &&
	       !memchr_inv(obj->payload, (u8)(obj->cpu + obj->seq),
			   sizeof(obj->payload));
}

/* Cross-CPU exchange: every CPU allocates, hands to the next, frees. */
#define XCHG_ROUNDS	200
#define XCHG_BATCH	32

struct xchg_ctx {
	struct xalloc_cache *cache;
	struct llist_head *inbox;	/* one per possible CPU */
	atomic_t allocated;
	atomic_t freed;
	atomic_t bad;
	atomic_t failed;
};

struct xchg_thread {
	struct xchg_ctx *ctx;
	int cpu;
	int next;
	struct completion done;
};

static void drain_inbox(struct xchg_ctx *ctx, int cpu)
{
	struct llist_node *list = llist_del_all(&ctx->inbox[cpu]);
	struct tagged *obj, *next;

	llist_for_each_entry_safe(obj, next, list, node) {
		if (!tag_ok(obj))
			atomic_inc(&ctx->bad);
		xalloc_cache_free(ctx->cache, obj);
		atomic_inc(&ctx->freed);
	}
}

static int xchg_thread_fn(void *arg)
{
	struct xchg_thread *t = arg;
	struct xchg_ctx *ctx = t->ctx;
	struct tagged *obj;
	unsigned int round, i;

	for (round = 0; round < XCHG_ROUNDS; round++) {
		for (i = 0; i < XCHG_BATCH; i++) {
			obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
			if (!obj) {
				atomic_inc(&ctx->failed);
				continue;
			}
			tag_fill(obj, t->cpu, round * XCHG_BATCH + i);
			atomic_inc(&ctx->allocated);
			llist_add(&obj->node, &ctx->inbox[t->next]);
		}
		drain_inbox(ctx, t->cpu);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

static void cross_cpu_exchange(struct kunit *test)
{
	struct xalloc_cache_stats st;
	struct xchg_thread *threads;
	struct xchg_ctx ctx = {};
	struct task_struct *task;
	int cpu, n = 0, i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	ctx.cache = xt_create(test, "t_exchange", sizeof(struct tagged), 0, 0,
			      NULL);
	ctx.inbox = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ctx.inbox),
				  GFP_KERNEL);
	threads = kunit_kcalloc(test, nr_cpu_ids, sizeof(*threads),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.inbox);
	KUNIT_ASSERT_NOT_NULL(test, threads);

	for_each_online_cpu(cpu) {
		threads[n].ctx = &ctx;
		threads[n].cpu = cpu;
		init_completion(&threads[n].done);
		n++;
	}
	for (i = 0; i < n; i++)
		threads[i].next = threads[(i + 1) % n].cpu;
	for (i = 0; i < n; i++) {
		task = kthread_run_on_cpu(xchg_thread_fn, &threads[i],
					  threads[i].cpu, "xalloc_xchg/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < n; i++)
		wait_for_completion(&threads[i].done);
	for (i = 0; i < n; i++)
		drain_inbox(&ctx, threads[i].cpu);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.failed), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.allocated),
			n * XCHG_ROUNDS * XCHG_BATCH);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.freed),
			atomic_read(&ctx.allocated));

	xalloc_cache_collect(ctx.cache);
	xt_stats(ctx.cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.allocs, (u64)atomic_read(&ctx.allocated));
	KUNIT_EXPECT_EQ(test, st.frees, st.allocs);
	KUNIT_EXPECT_GT(test, st.remote_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(ctx.cache), 0UL);
}

/*
 * Interrupt context racing process context on one CPU. The interrupt
 * handler keeps a ring of objects: each time it fires it checks and frees
 * the oldest and allocates a new one.
 */
#define RING		16
#define MIN_FIRES	20
#define PROC_SLOTS	64

struct irq_ctx {
	struct xalloc_cache *cache;
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct tagged *ring[RING];
	unsigned int fires;
	atomic_t bad;
	atomic_t nulls;
	bool stop;
	int cpu;
	bool wrong_cpu;
};

static void irq_step(struct irq_ctx *ctx)
{
	unsigned int slot = ctx->fires % RING;
	struct tagged *obj = ctx->ring[slot];

	if (smp_processor_id() != ctx->cpu)
		ctx->wrong_cpu = true;
	if (obj) {
		if (!tag_ok(obj))
			atomic_inc(&ctx->bad);
		xalloc_cache_free(ctx->cache, obj);
	}
	obj = xalloc_cache_alloc(ctx->cache, GFP_ATOMIC);
	if (obj)
		tag_fill(obj, ctx->cpu, ctx->fires);
	else
		atomic_inc(&ctx->nulls);
	ctx->ring[slot] = obj;
	WRITE_ONCE(ctx->fires, ctx->fires + 1);
}

static enum hrtimer_restart irq_hrtimer_fn(struct hrtimer *timer)
{
	struct irq_ctx *ctx = container_of(timer, struct irq_ctx, hrtimer);

	irq_step(ctx);
	if (READ_ONCE(ctx->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void irq_timer_fn(struct timer_list *timer)
{
	struct irq_ctx *ctx = container_of(timer, struct irq_ctx, timer);

	irq_step(ctx);
	if (!READ_ONCE(ctx->stop))
		mod_timer(timer, jiffies + 1);
}

/* Process context on the same CPU, allocating while interrupts fire. */
static void process_loop(struct irq_ctx *ctx)
{
	struct tagged *slots[PROC_SLOTS] = {};
	unsigned long deadline = jiffies + 20 * HZ;
	unsigned int i, seq = 0;

	while (READ_ONCE(ctx->fires) < MIN_FIRES * 5 &&
	       time_before(jiffies, deadline)) {
		i = seq++ % PROC_SLOTS;
		if (slots[i]) {
			if (!tag_ok(slots[i]))
				atomic_inc(&ctx->bad);
			xalloc_cache_free(ctx->cache, slots[i]);
		}
		slots[i] = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		if (slots[i])
			tag_fill(slots[i], ctx->cpu, seq);
		if (!(seq % 256))
			cond_resched();
	}
	for (i = 0; i < PROC_SLOTS; i++)
		xalloc_cache_free(ctx->cache, slots[i]);
}

static long hardirq_on_cpu(void *arg)
{
	struct irq_ctx *ctx = arg;

	ctx->cpu = smp_processor_id();
	/*
	 * Not _HARD: the hrtimer expires in hardirq context, except on
	 * PREEMPT_RT, where it expires in softirq context, as the RT
	 * contract of xalloc (and SLUB) asks: no allocation in hardirq
	 * context there. Lockdep checks it with PROVE_RAW_LOCK_NESTING.
	 */
	hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	ctx->hrtimer.function = irq_hrtimer_fn;
	hrtimer_start(&ctx->hrtimer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED);
	process_loop(ctx);
	WRITE_ONCE(ctx->stop, true);
	hrtimer_cancel(&ctx->hrtimer);
	return 0;
}

static long softirq_on_cpu(void *arg)
{
	struct irq_ctx *ctx = arg;

	ctx->cpu = smp_processor_id();
	timer_setup(&ctx->timer, irq_timer_fn, TIMER_PINNED);
	mod_timer(&ctx->timer, jiffies + 1);
	process_loop(ctx);
	WRITE_ONCE(ctx->stop, true);
	timer_delete_sync(&ctx->timer);
	return 0;
}

static void run_irq_case(struct kunit *test, const char *name,
			 long (*fn)(void *))
{
	struct irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xalloc_cache_stats st;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->cache = xt_create(test, name, sizeof(struct tagged), 0, 0, NULL);
	xt_run_on(cpumask_first(cpu_online_mask), fn, ctx);

	for (i = 0; i < RING; i++) {
		if (ctx->ring[i] && !tag_ok(ctx->ring[i]))
			atomic_inc(&ctx->bad);
		xalloc_cache_free(ctx->cache, ctx->ring[i]);
	}
	KUNIT_EXPECT_GE(test, ctx->fires, (unsigned int)MIN_FIRES);
	KUNIT_EXPECT_FALSE(test, ctx->wrong_cpu);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->bad), 0);

	xalloc_cache_collect(ctx->cache);
	xt_stats(ctx->cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, (u64)atomic_read(&ctx->nulls));
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(ctx->cache), 0UL);
}

static void hardirq_and_process_share_a_cpu(struct kunit *test)
{
	run_irq_case(test, "t_hardirq", hardirq_on_cpu);
}

static void softirq_and_process_share_a_cpu(struct kunit *test)
{
	run_irq_case(test, "t_softirq", softirq_on_cpu);
}

/* GFP_ATOMIC and GFP_NOWAIT under a spinlock never sleep. */
static void atomic_allocs_under_spinlock(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_atomic", 64, 0, 0, NULL);
	struct xalloc_cache_stats st;
	unsigned int i, nulls = 0;
	spinlock_t lock;	/* makes the allocations atomic context */
	void **objs;

	spin_lock_init(&lock);
	objs = kunit_kcalloc(test, 1000, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	spin_lock(&lock);
	for (i = 0; i < 1000; i++) {
		objs[i] = xalloc_cache_alloc(cache, i & 1 ? GFP_ATOMIC :
								GFP_NOWAIT);
		if (objs[i])
			memset(objs[i], 0x77, 64);
		else
			nulls++;
	}
	spin_unlock(&lock);

	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, (u64)nulls);
	KUNIT_EXPECT_EQ(test, st.allocs, (u64)(1000 - nulls));
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)(1000 - nulls));

	spin_lock(&lock);
	for (i = 0; i < 1000; i++)
		xalloc_cache_free(cache, objs[i]);
	spin_unlock(&lock);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* Allocate with GFP_ATOMIC under a spinlock until the first NULL. */
struct exhaust_ctx {
	struct xalloc_cache *cache;
	void *objs[64];
	unsigned int got;
	void *extra;
};

static long exhaust_on_cpu(void *arg)
{
	struct exhaust_ctx *ctx = arg;
	spinlock_t lock;	/* makes the allocations atomic context */

	spin_lock_init(&lock);
	ctx->objs[0] = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!ctx->objs[0])
		return -ENOMEM;
	/* Unmap every empty segment: none is left ready. */
	xalloc_cache_shrink(ctx->cache);

	spin_lock(&lock);
	for (ctx->got = 1; ctx->got < ARRAY_SIZE(ctx->objs); ctx->got++) {
		ctx->objs[ctx->got] = xalloc_cache_alloc(ctx->cache,
							 GFP_ATOMIC);
		if (!ctx->objs[ctx->got])
			break;
	}
	spin_unlock(&lock);

	/* A sleeping allocation maps a new segment and succeeds. */
	ctx->extra = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	return 0;
}

/*
 * With no ready segment, an atomic allocation that needs a new page fails
 * at once and is counted; a sleeping allocation then succeeds again.
 */
static void atomic_alloc_fails_cleanly_when_exhausted(struct kunit *test)
{
	struct exhaust_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						GFP_KERNEL);
	struct xalloc_cache_stats st;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	xt_set_reserve(test, "0");
	ctx->cache = xt_create(test, "t_exhaust", XALLOC_MAX_OBJECT_SIZE, 0, 0,
			       NULL);
	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  exhaust_on_cpu, ctx));

	xt_stats(ctx->cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 2UL);
	KUNIT_EXPECT_EQ(test, (unsigned long)ctx->got, st.reserved / 2);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, 1ULL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)ctx->got + 1);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extra);

	xalloc_cache_free(ctx->cache, ctx->extra);
	for (i = 0; i < ctx->got; i++)
		xalloc_cache_free(ctx->cache, ctx->objs[i]);
	xalloc_cache_collect(ctx->cache);
	xt_stats(ctx->cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

static struct kunit_case concurrency_cases[] = {
	KUNIT_CASE(cross_cpu_exchange),
	KUNIT_CASE(hardirq_and_process_share_a_cpu),
	KUNIT_CASE(softirq_and_process_share_a_cpu),
	KUNIT_CASE(atomic_allocs_under_spinlock),
	KUNIT_CASE(atomic_alloc_fails_cleanly_when_exhausted),
	{}
};

static struct kunit_suite concurrency_suite = {
	.name = "xalloc_concurrency",
	.test_cases = concurrency_cases,
};

kunit_test_suite(concurrency_suite);
