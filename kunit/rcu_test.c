// SPDX-License-Identifier: GPL-2.0
/*
 * RCU: xalloc_free_rcu() and XALLOC_TYPESAFE_BY_RCU caches.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "xalloc_test.h"

struct rcu_obj {
	long before[5];
	struct rcu_head rcu;
	long after;
};

/*
 * Blocks of 16 KiB take medium pages, a whole 512 KiB segment each, about
 * 31 blocks. A segment emptied is the first that a new page is taken
 * from, were it not for the grace period.
 */
struct typesafe_obj {
	long state;
	struct rcu_head rcu;
	char pad[SZ_16K - sizeof(long) - sizeof(struct rcu_head)];
};

#define TYPESAFE_OBJS	100	/* fill four pages */

/*
 * The free waits for readers: inside a read-side section the object is
 * still allocated, after the grace period it is free. The rcu_head sits
 * inside the object, not at its start.
 */
static void free_rcu_waits_for_readers(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "xt_free_rcu",
					       sizeof(struct rcu_obj), 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	struct rcu_obj *obj;
	char *p;

	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	p = xalloc_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);

	rcu_read_lock();
	xalloc_free_rcu(obj, rcu);
	__xalloc_free_rcu(p, (struct rcu_head *)(p + 48));
	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), sizeof(*obj));
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 128UL);
	rcu_read_unlock();

	xalloc_rcu_barrier();
	/* The callback may have run on another CPU: a remote free. */
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.frees, 1ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 0UL);
	/* NULL is nothing to free, as for kfree_rcu(). */
	obj = NULL;
	xalloc_free_rcu(obj, rcu);
}

/*
 * A free pointer, a pointer that is not an xalloc object, an rcu_head
 * outside the object (or an object too small for one) and a second
 * queueing of an object already queued are refused when the free is
 * asked for: nothing is queued, and the object stays allocated.
 */
static void free_rcu_refuses_bad_input(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "xt_free_rcu_bad", 64, 0,
					       0, NULL);
	struct xalloc_cache_stats st;
	struct rcu_obj *foreign;
	void *obj, *freed, *tiny, *twice;

	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	freed = xalloc_cache_alloc(cache, GFP_KERNEL);
	foreign = kzalloc(sizeof(*foreign), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, freed);
	KUNIT_ASSERT_NOT_NULL(test, foreign);

	/* The last 8 bytes of the object cannot hold a 16-byte head. */
	__xalloc_free_rcu(obj, obj + 56);
	__xalloc_free_rcu(obj, obj - 16);
	xalloc_cache_free(cache, freed);
	__xalloc_free_rcu(freed, freed);
	xalloc_free_rcu(foreign, rcu);
	/* An 8-byte object holds no rcu_head at all. */
	tiny = xalloc_kmalloc(8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tiny);
	__xalloc_free_rcu(tiny, tiny);
	/* Queued twice: the second is refused, and RCU's lists stay whole. */
	twice = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, twice);
	__xalloc_free_rcu(twice, twice + 8);
	__xalloc_free_rcu(twice, twice + 8);
	/* call_rcu() would refuse a misaligned head with a warning. */
	__xalloc_free_rcu(obj, obj + 4);
	xalloc_rcu_barrier();

	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 64UL);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(tiny), 8UL);
	KUNIT_EXPECT_NULL(test, foreign->rcu.func);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
	KUNIT_EXPECT_EQ(test, st.frees, 2ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 5ULL);
	/* Free again, it may be queued again. */
	twice = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, twice);
	__xalloc_free_rcu(twice, twice + 8);
	xalloc_rcu_barrier();
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 5ULL);
	xalloc_cache_free(cache, obj);
	xalloc_free(tiny);
	kfree(foreign);
}

/*
 * A huge object with its rcu_head at its end, past its segment's first
 * granule and its largest size, where a lookup from the head does not
 * reach: it stays readable until the grace period ends, and its segment
 * goes back. A second free is refused.
 */
static void free_rcu_of_a_huge_object(struct kunit *test)
{
	unsigned long before = xt_huge_segments();
	struct rcu_head *head;
	u8 *p;

	p = xalloc_kmalloc(SZ_16M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x3c, SZ_16M);
	head = (void *)(p + SZ_16M - sizeof(*head));
	rcu_read_lock();
	__xalloc_free_rcu(p, head);
	/* Still mapped for this reader. */
	KUNIT_EXPECT_EQ(test, p[SZ_16M / 2], 0x3c);
	KUNIT_EXPECT_EQ(test, p[0], 0x3c);
	rcu_read_unlock();
	__xalloc_free_rcu(p, head);
	xalloc_rcu_barrier();
	KUNIT_EXPECT_EQ(test, xt_huge_segments(), before);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 0UL);
}

struct reader {
	struct completion inside;
	struct completion done;
	unsigned int hold_ms;
	bool release;
};

/*
 * Hold a read-side section for @hold_ms, or until released: no grace
 * period ends meanwhile.
 */
static int hold_reader(void *arg)
{
	struct reader *reader = arg;
	unsigned long end = jiffies + msecs_to_jiffies(reader->hold_ms);

	rcu_read_lock();
	complete(&reader->inside);
	/* Timed by jiffies: mdelay() runs short under TCG on some kernels. */
	while (!READ_ONCE(reader->release) && time_before(jiffies, end))
		cpu_relax();
	rcu_read_unlock();
	complete(&reader->done);
	return 0;
}

static void start_reader(struct kunit *test, struct reader *reader,
			 unsigned int hold_ms)
{
	struct task_struct *task;

	init_completion(&reader->inside);
	init_completion(&reader->done);
	reader->hold_ms = hold_ms;
	reader->release = false;
	task = kthread_run(hold_reader, reader, "xt_rcu_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&reader->inside);
}

static unsigned long segments_in_use(void)
{
	struct xalloc_segment_stats st;

	xalloc_segment_get_stats(&st);
	return st.segments - st.empty;
}

/*
 * Destroying a cache right after queueing frees of all its objects waits
 * for them. A reader holds the grace period back, so that without the
 * wait the destroy would find the objects live and leak their page: the
 * 16 KiB objects take a medium page, a whole segment, which would stay in
 * use.
 */
static void destroy_waits_for_rcu_frees(struct kunit *test)
{
	unsigned long before = segments_in_use();
	struct typesafe_obj *objs[20];
	struct xalloc_cache *cache;
	struct reader reader;
	unsigned int i;

	cache = xalloc_cache_create("xt_free_rcu_destroy", sizeof(**objs), 0,
				    0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	start_reader(test, &reader, 200);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		xalloc_free_rcu(objs[i], rcu);
	xalloc_cache_destroy(cache);
	wait_for_completion(&reader.done);
	xalloc_rcu_barrier();
	KUNIT_EXPECT_EQ(test, segments_in_use(), before);
}

/* What xalloc_free_rcu() did since @before; @pending is as it is now. */
static struct xalloc_rcu_stats rcu_since(const struct xalloc_rcu_stats *before)
{
	struct xalloc_rcu_stats now;

	xalloc_rcu_get_stats(&now);
	now.queued -= before->queued;
	now.batches -= before->batches;
	now.unbatched -= before->unbatched;
	return now;
}

/* A cache of objects allocated, and the counts to measure frees from. */
struct rcu_run {
	struct xalloc_cache *cache;
	struct rcu_obj **objs;
	struct xalloc_rcu_stats before;
};

static void rcu_run_start(struct kunit *test, struct rcu_run *run,
			  const char *name, unsigned int n)
{
	unsigned int i;

	run->cache = xt_create(test, name, sizeof(struct rcu_obj), 0, 0,
			       NULL);
	run->objs = kunit_kcalloc(test, n, sizeof(*run->objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->objs);
	for (i = 0; i < n; i++) {
		run->objs[i] = xalloc_cache_alloc(run->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, run->objs[i]);
	}
	xalloc_rcu_barrier();
	xalloc_rcu_get_stats(&run->before);
}

static void queue_all(struct rcu_run *run, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		xalloc_free_rcu(run->objs[i], rcu);
}

static void expect_all_freed(struct kunit *test, struct xalloc_cache *cache,
			     unsigned int n)
{
	struct xalloc_cache_stats st;
	struct xalloc_rcu_stats rs;

	xalloc_rcu_get_stats(&rs);
	KUNIT_EXPECT_EQ(test, rs.pending, 0UL);
	/* The callbacks may have run on another CPU: remote frees. */
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)n);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
}

#define BURST	1000

/*
 * A burst of frees is handed to RCU in arrays, a few hundred objects per
 * grace-period callback, not one by one; every object is freed after the
 * barrier.
 */
static void free_rcu_gathers_frees_into_arrays(struct kunit *test)
{
	struct xalloc_rcu_stats done;
	struct rcu_run run;
	unsigned int i;

	rcu_run_start(test, &run, "xt_rcu_burst", BURST);
	for (i = 0; i < BURST; i++) {
		xalloc_free_rcu(run.objs[i], rcu);
		/* Lets the spare arrays be refilled, as a real caller would. */
		if (!(i % 64))
			usleep_range(100, 200);
	}
	done = rcu_since(&run.before);
	KUNIT_EXPECT_EQ(test, done.queued, (unsigned long)BURST);
	KUNIT_EXPECT_GE(test, done.pending, 1UL);
	xalloc_rcu_barrier();
	done = rcu_since(&run.before);
	kunit_info(test, "%d frees: arrays %lu, alone %lu\n", BURST,
		   done.batches, done.unbatched);
	KUNIT_EXPECT_GE(test, done.batches, 1UL);
	KUNIT_EXPECT_LE(test, done.batches + done.unbatched, BURST / 50UL);
	expect_all_freed(test, run.cache, BURST);
}

/*
 * A few frees, and nothing else: their array is handed to RCU after a
 * short delay, without a barrier, and the objects are freed.
 */
static void free_rcu_drains_a_partial_array(struct kunit *test)
{
	struct xalloc_rcu_stats done;
	struct rcu_run run;

	rcu_run_start(test, &run, "xt_rcu_drain", 3);
	queue_all(&run, 3);
	xt_wait_for_rcu_frees(run.cache, 3);
	done = rcu_since(&run.before);
	KUNIT_EXPECT_EQ(test, done.unbatched, 0UL);
	KUNIT_EXPECT_GE(test, done.batches, 1UL);
	expect_all_freed(test, run.cache, 3);
}

/*
 * More frees than the arrays a CPU has, with preemption off so that no
 * array can be refilled: the rest are queued one by one, on their own
 * rcu_head, and every object is freed all the same.
 */
static void free_rcu_without_an_array(struct kunit *test)
{
	unsigned int n = 4 * PAGE_SIZE / sizeof(void *);
	struct xalloc_rcu_stats done;
	struct rcu_run run, again;

	rcu_run_start(test, &run, "xt_rcu_noarray", n);
	preempt_disable();
	queue_all(&run, n);
	preempt_enable();
	done = rcu_since(&run.before);
	kunit_info(test, "%u frees, preemption off: arrays %lu, alone %lu\n",
		   n, done.batches, done.unbatched);
	KUNIT_EXPECT_EQ(test, done.queued, (unsigned long)n);
	KUNIT_EXPECT_GE(test, done.unbatched, (unsigned long)n / 2);
	KUNIT_EXPECT_GE(test, done.batches, 1UL);
	xalloc_rcu_barrier();
	expect_all_freed(test, run.cache, n);
	/* The arrays come back: the next burst is batched again. */
	msleep(100);
	rcu_run_start(test, &again, "xt_rcu_noarray2", 100);
	queue_all(&again, 100);
	xalloc_rcu_barrier();
	done = rcu_since(&again.before);
	KUNIT_EXPECT_EQ(test, done.unbatched, 0UL);
	expect_all_freed(test, again.cache, 100);
}

/*
 * A full array handed to RCU waits for the readers that were in their
 * read-side sections: no object is freed before the last of them leaves.
 */
static void free_rcu_array_waits_for_readers(struct kunit *test)
{
	unsigned int n = 2 * PAGE_SIZE / sizeof(void *);
	struct xalloc_cache_stats st;
	struct xalloc_rcu_stats done;
	struct reader reader;
	struct rcu_run run;

	rcu_run_start(test, &run, "xt_rcu_array_gp", n);
	start_reader(test, &reader, 15000);
	queue_all(&run, n);
	done = rcu_since(&run.before);
	/* More frees than an array holds: one was sealed full. */
	KUNIT_EXPECT_GE(test, done.batches, 1UL);
	msleep(100);
	/* Counted at every free, on any CPU: none has run. */
	xt_stats(run.cache, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.frees, 0ULL,
			    "arrays %lu, alone %lu, reader done %d",
			    done.batches, done.unbatched,
			    completion_done(&reader.done));
	KUNIT_EXPECT_EQ(test, xalloc_ksize(run.objs[0]),
			sizeof(struct rcu_obj));
	WRITE_ONCE(reader.release, true);
	wait_for_completion(&reader.done);
	xalloc_rcu_barrier();
	expect_all_freed(test, run.cache, n);
}

#define IRQ_FREES	200

struct rcu_irq_ctx {
	struct xalloc_cache *cache;
	struct hrtimer timer;
	struct rcu_obj *objs[IRQ_FREES];
	unsigned int fires;
	unsigned int in_hardirq;
	unsigned long process_frees;
	struct completion done;
};

/* In hard interrupt context, on every kernel: queue the next free. */
static enum hrtimer_restart rcu_irq_fn(struct hrtimer *timer)
{
	struct rcu_irq_ctx *ctx = container_of(timer, struct rcu_irq_ctx,
					       timer);

	ctx->in_hardirq += !!in_hardirq();
	xalloc_free_rcu(ctx->objs[ctx->fires], rcu);
	if (++ctx->fires == IRQ_FREES)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * A kthread on the timer's CPU allocates and queues frees while the timer
 * fires. It sleeps now and then, so the CPU's spare array is refilled.
 */
static int rcu_irq_and_process(void *arg)
{
	struct rcu_irq_ctx *ctx = arg;
	unsigned long deadline = jiffies + 20 * HZ;
	struct rcu_obj *obj;
	unsigned int i;

	hrtimer_init(&ctx->timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_PINNED_HARD);
	ctx->timer.function = rcu_irq_fn;
	hrtimer_start(&ctx->timer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	for (i = 1; READ_ONCE(ctx->fires) < IRQ_FREES; i++) {
		if (time_after(jiffies, deadline))
			break;
		obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		if (obj) {
			xalloc_free_rcu(obj, rcu);
			ctx->process_frees++;
		}
		if (!(i % 64))
			usleep_range(100, 200);
	}
	hrtimer_cancel(&ctx->timer);
	complete(&ctx->done);
	return 0;
}

/*
 * A hard interrupt and process context queue frees on one CPU at once,
 * into the same array: every free is counted once and done once.
 */
static void free_rcu_from_interrupt_and_process(struct kunit *test)
{
	struct rcu_irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xalloc_rcu_stats before, done;
	struct task_struct *task;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->cache = xt_create(test, "xt_rcu_irq", sizeof(struct rcu_obj), 0,
			       0, NULL);
	for (i = 0; i < IRQ_FREES; i++) {
		ctx->objs[i] = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->objs[i]);
	}
	init_completion(&ctx->done);
	xalloc_rcu_barrier();
	xalloc_rcu_get_stats(&before);
	task = kthread_run_on_cpu(rcu_irq_and_process, ctx,
				  cpumask_first(cpu_online_mask),
				  "xt_rcu_irq/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&ctx->done);
	KUNIT_ASSERT_EQ(test, ctx->fires, IRQ_FREES);
	KUNIT_EXPECT_EQ(test, ctx->in_hardirq, IRQ_FREES);
	KUNIT_EXPECT_GT(test, ctx->process_frees, 0UL);
	done = rcu_since(&before);
	KUNIT_EXPECT_EQ(test, done.queued, IRQ_FREES + ctx->process_frees);
	xalloc_rcu_barrier();
	expect_all_freed(test, ctx->cache, IRQ_FREES + ctx->process_frees);
}

/*
 * A typesafe cache leaves a freed object as it was: readers under RCU may
 * still read it. The free pointer is after the object, and neither debug
 * poison nor init_on_free writes over it.
 */
static void typesafe_free_keeps_the_object(struct kunit *test)
{
	static const unsigned long flags[] = {
		XALLOC_TYPESAFE_BY_RCU,
		XALLOC_TYPESAFE_BY_RCU | XALLOC_DEBUG,
	};
	static const char * const names[] = { "xt_typesafe", "xt_typesafe_dbg" };
	struct xalloc_cache *cache;
	unsigned int i;
	void *changed;
	u8 *obj;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		cache = xt_create(test, names[i], 64, 0, flags[i], NULL);
		obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 64UL);
		memset(obj, 0xa5, 64);
		rcu_read_lock();
		xalloc_cache_free(cache, obj);
		changed = memchr_inv(obj, 0xa5, 64);
		rcu_read_unlock();
		KUNIT_EXPECT_NULL_MSG(test, changed, "flags %#lx", flags[i]);
	}
}

#define TYPESAFE_CTOR	0x11
#define TYPESAFE_USER	0x22

static void typesafe_ctor(void *p)
{
	((struct typesafe_obj *)p)->state = TYPESAFE_CTOR;
}

struct typesafe_run {
	struct xalloc_cache *cache;
	struct typesafe_obj **old;
	struct typesafe_obj **again;
	unsigned int recarved;
};

/*
 * On one CPU: free every object, which empties and gives back the pages
 * but the current one, and allocate as many again, all in one read-side
 * section. No page given back may be carved again in it, which would run
 * the constructor over objects a reader may hold. Allocations may fail,
 * if no other page is ready.
 */
static long typesafe_churn(void *arg)
{
	struct typesafe_run *run = arg;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < TYPESAFE_OBJS; i++)
		xalloc_cache_free(run->cache, run->old[i]);
	for (i = 0; i < TYPESAFE_OBJS; i++)
		run->again[i] = xalloc_cache_alloc(run->cache, GFP_ATOMIC);
	for (i = 0; i < TYPESAFE_OBJS; i++)
		if (READ_ONCE(run->old[i]->state) != TYPESAFE_USER)
			run->recarved++;
	rcu_read_unlock();
	return 0;
}

static long typesafe_fill(void *arg)
{
	struct typesafe_run *run = arg;
	unsigned int i;

	for (i = 0; i < TYPESAFE_OBJS; i++) {
		run->old[i] = xalloc_cache_alloc(run->cache, GFP_KERNEL);
		if (!run->old[i])
			return -ENOMEM;
		run->old[i]->state = TYPESAFE_USER;
	}
	return 0;
}

static void typesafe_pages_wait_for_a_grace_period(struct kunit *test)
{
	struct typesafe_run run = {};
	unsigned int i;
	int cpu = cpumask_first(cpu_online_mask);

	run.cache = xt_create(test, "xt_typesafe_pages",
			      sizeof(struct typesafe_obj), 0,
			      XALLOC_TYPESAFE_BY_RCU, typesafe_ctor);
	run.old = kunit_kcalloc(test, TYPESAFE_OBJS, sizeof(*run.old),
				GFP_KERNEL);
	run.again = kunit_kcalloc(test, TYPESAFE_OBJS, sizeof(*run.again),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run.old);
	KUNIT_ASSERT_NOT_NULL(test, run.again);
	KUNIT_ASSERT_EQ(test, xt_run_on(cpu, typesafe_fill, &run), 0L);
	xt_run_on(cpu, typesafe_churn, &run);
	KUNIT_EXPECT_EQ(test, run.recarved, 0U);
	for (i = 0; i < TYPESAFE_OBJS; i++)
		xalloc_cache_free(run.cache, run.again[i]);
}

static struct kunit_case rcu_cases[] = {
	KUNIT_CASE(free_rcu_waits_for_readers),
	KUNIT_CASE(free_rcu_refuses_bad_input),
	KUNIT_CASE(free_rcu_of_a_huge_object),
	KUNIT_CASE(destroy_waits_for_rcu_frees),
	KUNIT_CASE(free_rcu_gathers_frees_into_arrays),
	KUNIT_CASE(free_rcu_drains_a_partial_array),
	KUNIT_CASE(free_rcu_without_an_array),
	KUNIT_CASE(free_rcu_array_waits_for_readers),
	KUNIT_CASE(free_rcu_from_interrupt_and_process),
	KUNIT_CASE(typesafe_free_keeps_the_object),
	KUNIT_CASE(typesafe_pages_wait_for_a_grace_period),
	{}
};

static struct kunit_suite rcu_suite = {
	.name = "xalloc_rcu",
	.test_cases = rcu_cases,
};

kunit_test_suite(rcu_suite);
