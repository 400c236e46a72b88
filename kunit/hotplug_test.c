// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_hotplug: CPU hotplug. The pages of a CPU that goes offline are
 * abandoned with their pending remote frees, objects on them can still be
 * freed from anywhere, the next slow path of an online CPU adopts them,
 * and the counters stay exact throughout.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>

#include "xalloc_test.h"

#define N	300

static void online_again(void *data)
{
	int cpu = (long)data;

	if (!cpu_online(cpu))
		add_cpu(cpu);
}

/* Take the last online CPU offline for the rest of the test. */
static int take_cpu_offline(struct kunit *test)
{
	int cpu = cpumask_last(cpu_online_mask);

	if (num_online_cpus() < 2 || cpu == 0)
		kunit_skip(test, "needs a second CPU that can go offline");
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, online_again,
							   (void *)(long)cpu));
	KUNIT_ASSERT_EQ(test, 0, remove_cpu(cpu));
	return cpu;
}

/* A view of @n objects of @batch from index @from. */
static struct xt_batch part_of(struct xt_batch *batch, unsigned int from,
			       unsigned int n)
{
	struct xt_batch part = *batch;

	part.objs += from;
	part.n = n;
	return part;
}

static void offline_pages_are_adopted(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_hotplug", 128, 0, 0,
					       NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, N);
	struct xt_batch *one = xt_batch_new(test, cache, 1);
	struct xt_batch part;
	struct xalloc_cache_stats st;
	unsigned long pages;
	int a = cpumask_first(cpu_online_mask), b;

	b = cpumask_last(cpu_online_mask);
	xt_run_on(b, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, N);
	part = part_of(batch, 0, 100);
	xt_run_on(a, xt_free_batch, &part);

	KUNIT_ASSERT_EQ(test, take_cpu_offline(test), b);
	xt_stats(cache, &st);
	pages = st.pages;
	KUNIT_EXPECT_GT(test, pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, st.thread_free, 100UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);

	/* Freed while abandoned: remote frees, still pending. */
	part = part_of(batch, 100, 100);
	xt_run_on(a, xt_free_batch, &part);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, st.thread_free, 200UL);

	/* a's first slow path adopts the pages, with their remote frees. */
	xt_run_on(a, xt_alloc_batch, one);
	KUNIT_ASSERT_EQ(test, one->done, 1U);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, pages);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)(N - 200 + 1));

	/* a owns them now: its frees are local and count at once. */
	part = part_of(batch, 200, 100);
	xt_run_on(a, xt_free_batch, &part);
	xt_run_on(a, xt_free_batch, one);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);

	/* Back online, b starts from a fresh heap. */
	KUNIT_ASSERT_EQ(test, 0, add_cpu(b));
	xt_run_on(b, xt_alloc_batch, one);
	KUNIT_EXPECT_EQ(test, one->done, 1U);
	xt_run_on(b, xt_free_batch, one);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* Collect and shrink reach abandoned pages too. */
static void shrink_takes_abandoned_pages(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_hotplug_shrink", 512,
					       0, 0, NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, N);
	struct xalloc_cache_stats st;
	int a = cpumask_first(cpu_online_mask), b;

	b = cpumask_last(cpu_online_mask);
	xt_run_on(b, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, N);
	xt_run_on(a, xt_free_batch, batch);
	KUNIT_ASSERT_EQ(test, take_cpu_offline(test), b);

	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)N);
	KUNIT_EXPECT_GT(test, st.pages, 0UL);
	KUNIT_EXPECT_GT(test, xalloc_cache_shrink(cache), 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.pages, 0UL);
}

static long queue_rcu_frees(void *arg)
{
	struct xt_batch *batch = arg;
	unsigned int i;

	for (i = 0; i < batch->n; i++)
		__xalloc_free_rcu(batch->objs[i], batch->objs[i]);
	return 0;
}

/*
 * Frees queued by xalloc_free_rcu() on a CPU that goes offline with its
 * array partly filled are done all the same, with no barrier: the
 * array's delayed drain runs on another CPU.
 */
static void offline_cpu_rcu_frees_are_done(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_hotplug_rcu", 128, 0,
					       0, NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, 10);
	struct xalloc_rcu_stats before, rs;
	struct xalloc_cache_stats st;
	int b = cpumask_last(cpu_online_mask);

	xt_run_on(b, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, 10U);
	xalloc_rcu_barrier();
	xalloc_rcu_get_stats(&before);
	xt_run_on(b, queue_rcu_frees, batch);
	KUNIT_ASSERT_EQ(test, take_cpu_offline(test), b);
	xt_wait_for_rcu_frees(cache, 10);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.frees, 10ULL);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	xalloc_rcu_get_stats(&rs);
	KUNIT_EXPECT_EQ(test, rs.pending, 0UL);
	/* In an array, not one by one. */
	KUNIT_EXPECT_GE(test, rs.batches - before.batches, 1UL);
}

static struct kunit_case hotplug_cases[] = {
	KUNIT_CASE(offline_pages_are_adopted),
	KUNIT_CASE(shrink_takes_abandoned_pages),
	KUNIT_CASE(offline_cpu_rcu_frees_are_done),
	{}
};

static struct kunit_suite hotplug_suite = {
	.name = "xalloc_hotplug",
	.test_cases = hotplug_cases,
};

kunit_test_suite(hotplug_suite);
