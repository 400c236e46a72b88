// SPDX-License-Identifier: GPL-2.0
/*
 * RCU: xalloc_free_rcu() and XALLOC_TYPESAFE_BY_RCU caches.
 */
#include <linux/completion.h>
#include <linux/delay.h>
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

	rcu_barrier();
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
	rcu_barrier();

	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 64UL);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(tiny), 8UL);
	KUNIT_EXPECT_NULL(test, foreign->rcu.func);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
	KUNIT_EXPECT_EQ(test, st.frees, 2ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 5ULL);
	/* Free again, it may be queued again. */
	twice = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, twice);
	__xalloc_free_rcu(twice, twice + 8);
	rcu_barrier();
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
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, xt_huge_segments(), before);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 0UL);
}

struct reader {
	struct completion inside;
	struct completion done;
};

/* Hold a read-side section for 200 ms: no grace period ends meanwhile. */
static int hold_reader(void *arg)
{
	struct reader *reader = arg;

	rcu_read_lock();
	complete(&reader->inside);
	mdelay(200);
	rcu_read_unlock();
	complete(&reader->done);
	return 0;
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
	struct task_struct *task;
	struct reader reader;
	unsigned int i;

	cache = xalloc_cache_create("xt_free_rcu_destroy", sizeof(**objs), 0,
				    0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	init_completion(&reader.inside);
	init_completion(&reader.done);
	task = kthread_run(hold_reader, &reader, "xt_rcu_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&reader.inside);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		xalloc_free_rcu(objs[i], rcu);
	xalloc_cache_destroy(cache);
	wait_for_completion(&reader.done);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, segments_in_use(), before);
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
	KUNIT_CASE(typesafe_free_keeps_the_object),
	KUNIT_CASE(typesafe_pages_wait_for_a_grace_period),
	{}
};

static struct kunit_suite rcu_suite = {
	.name = "xalloc_rcu",
	.test_cases = rcu_cases,
};

kunit_test_suite(rcu_suite);
