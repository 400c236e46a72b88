// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: what a small cache costs, the reserve staying ahead of demand,
 * and empty segments going back after a delay or under pressure, without
 * thrashing.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sizes.h>

#include "xalloc_test.h"
/* Only to read the size of a segment in small_cache_costs_under_1mib(). */
#include "../xalloc/internal.h"

#define GIVE_BACK_PARAM	"/sys/module/xalloc/parameters/give_back_ms"
#define RESERVE_PARAM	"/sys/module/xalloc/parameters/reserve_segments"

static void restore_give_back(void *unused)
{
	xt_write_file(GIVE_BACK_PARAM, "1000");
}

/* Set give_back_ms until the test ends (default 1000). */
static void set_give_back(struct kunit *test, const char *ms)
{
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(GIVE_BACK_PARAM, ms));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   restore_give_back,
							   NULL));
}

/*
 * Start from no empty segment at all: reserve 0 unmaps them, then the
 * default reserve maps only what the pools in use need.
 */
static void reset_reserve(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(RESERVE_PARAM, "0"));
	xt_set_reserve(test, "1");
}

/* Wait up to @ms for the segment stats to satisfy @ok. */
/*
 * The node whose pools wait_for() reads, NUMA_NO_NODE for all: a test
 * that allocates on one CPU watches its node's reserve, which another
 * node's cannot stand in for.
 */
static int wait_node = NUMA_NO_NODE;

static void wait_all_nodes(void *unused)
{
	wait_node = NUMA_NO_NODE;
}

static bool wait_for(struct xalloc_segment_stats *st, unsigned int ms,
		     bool (*ok)(struct xalloc_segment_stats *st))
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	for (;;) {
		if (wait_node == NUMA_NO_NODE)
			xalloc_segment_get_stats(st);
		else
			xalloc_segment_get_node_stats(wait_node, st);
		if (ok(st))
			return true;
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
}

static bool low_watermark_met(struct xalloc_segment_stats *st)
{
	return st->ready >= 2 * SZ_64K;
}

#define DROP_CACHES	"/proc/sys/vm/drop_caches"

/* Memory pressure: drop_caches runs every shrinker. */
static void run_shrinkers(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(DROP_CACHES, "2"));
}

/*
 * 256 KiB of live 64-byte objects cost at most one 512 KiB segment and its
 * metadata (less if other caches' segments had free pages), and leave
 * three of its pages free: more than the two small pages the reserve
 * wants, so nothing more is mapped. Everything xalloc holds for them stays
 * under 1 MiB; with 4 MiB segments and a 4 MiB reserve it was 8 MiB.
 * Memory pressure first empties every reserve.
 */
static void small_cache_costs_under_1mib(struct kunit *test)
{
	struct xalloc_segment_stats before, after;
	struct xalloc_cache_stats cst;
	struct xalloc_cache *cache;
	struct xalloc_page *page;
	struct xt_batch *batch;

	run_shrinkers(test);
	xalloc_segment_get_stats(&before);
	cache = xt_create(test, "t_floor", 64, 0, 0, NULL);
	batch = xt_batch_new(test, cache, SZ_256K / 64);
	xt_run_on(cpumask_first(cpu_online_mask), xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, batch->n);
	/* Small pages live in 512 KiB segments. */
	page = xalloc_page_of_block(cache, batch->objs[0]);
	KUNIT_EXPECT_EQ(test, xalloc_segment_of(page)->shift, 19U);
	KUNIT_EXPECT_EQ(test, xalloc_segment_of(page)->page_shift, 16U);
	/* Anything the background refill would map, it has mapped. */
	msleep(200);
	xalloc_segment_get_stats(&after);
	xt_stats(cache, &cst);
	kunit_info(test, "256 KiB of 64 B objects: %lu KiB held, %lu segments\n",
		   (after.held - before.held) / SZ_1K,
		   after.segments - before.segments);
	KUNIT_EXPECT_LE(test, cst.segments, 2UL);
	KUNIT_EXPECT_LE(test, after.segments, before.segments + 1);
	KUNIT_EXPECT_LE(test, after.held - before.held, (unsigned long)SZ_1M);
	xt_run_on(cpumask_first(cpu_online_mask), xt_free_batch, batch);
}

/*
 * Every page an allocation takes that leaves fewer than two small pages
 * ready makes the background refill map a segment: the watermark is met
 * again before the next page is needed, so no allocation maps inline,
 * although the pool's last page was never reached.
 */
static void refill_stays_ahead_of_demand(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	struct xalloc_segment_stats before, st;
	struct xalloc_cache *cache;
	struct xt_batch *pages[24];
	unsigned int i;

	/* Nothing ready: only this test's kind gets a reserve. */
	run_shrinkers(test);
	/* 4 KiB objects: 16 fill a small page. */
	cache = xt_create(test, "t_refill", SZ_4K, 0, 0, NULL);
	wait_node = cpu_to_node(cpu);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, wait_all_nodes,
							   NULL));
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = xt_batch_new(test, cache, 16);
		xt_run_on(cpu, xt_alloc_batch, pages[i]);
		KUNIT_ASSERT_EQ(test, pages[i]->done, 16U);
		KUNIT_ASSERT_TRUE_MSG(test, wait_for(&st, 2000,
						     low_watermark_met),
				      "page %u: %lu bytes ready", i, st.ready);
		/* The first page of the kind mapped its segment itself. */
		if (!i)
			before = st;
	}
	KUNIT_EXPECT_EQ(test, st.inline_maps, before.inline_maps);
	KUNIT_EXPECT_GE(test, st.maps, before.maps + 2);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		xt_run_on(cpu, xt_free_batch, pages[i]);
}

static unsigned long reserve_base;

static bool reserve_ready(struct xalloc_segment_stats *st)
{
	return st->empty >= reserve_base;
}

/*
 * 32 KiB objects: a medium page, a whole 512 KiB segment, holds 15. Fill
 * @n segments on one CPU, a page at a time, letting the refill put back
 * in the reserve the empty segment each page took, so that no allocation
 * maps inline and the reserve stays at its base. Call it right after
 * reset_reserve().
 */
static struct xt_batch **fill_segments(struct kunit *test,
				       struct xalloc_cache *cache,
				       unsigned int n)
{
	struct xt_batch **pages = kunit_kcalloc(test, n, sizeof(*pages),
						GFP_KERNEL);
	struct xalloc_segment_stats st;
	struct xalloc_cache_stats cst;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	xalloc_segment_get_stats(&st);
	reserve_base = st.empty;
	for (i = 0; i < n; i++) {
		pages[i] = xt_batch_new(test, cache, 15);
		xt_run_on(cpumask_first(cpu_online_mask), xt_alloc_batch,
			  pages[i]);
		KUNIT_ASSERT_EQ(test, pages[i]->done, 15U);
		KUNIT_ASSERT_TRUE(test, wait_for(&st, 2000, reserve_ready));
	}
	xt_stats(cache, &cst);
	KUNIT_ASSERT_EQ(test, cst.segments, (unsigned long)n);
	return pages;
}

/* Free what fill_segments() allocated, and flush the CPU's array. */
static void free_segments(struct xalloc_cache *cache, struct xt_batch **pages,
			  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		xt_run_on(cpumask_first(cpu_online_mask), xt_free_batch,
			  pages[i]);
	xt_flush(cache);
}

static bool only_reserve_left(struct xalloc_segment_stats *st)
{
	return st->empty <= reserve_base;
}

/*
 * From the base reserve, with give_back_ms at @ms: a cache of 32 KiB
 * objects fills @n segments and frees them all; *@freed is read then.
 */
static void fill_and_empty(struct kunit *test, const char *name,
			   unsigned int n, const char *ms,
			   struct xalloc_segment_stats *freed)
{
	struct xalloc_cache *cache;
	struct xt_batch **pages;

	reset_reserve(test);
	set_give_back(test, ms);
	cache = xt_create(test, name, SZ_32K, 0, 0, NULL);
	pages = fill_segments(test, cache, n);
	free_segments(cache, pages, n);
	xalloc_segment_get_stats(freed);
}

/*
 * Segments emptied by frees stay mapped for give_back_ms, then go back
 * without anyone asking, all but the reserve.
 */
static void empty_segments_go_back_after_the_delay(struct kunit *test)
{
	struct xalloc_segment_stats freed, later;

	fill_and_empty(test, "t_give_back", 6, "1500", &freed);
	/* The current page stays with its heap: five segments emptied. */
	KUNIT_EXPECT_GE(test, freed.empty, 5UL);
	KUNIT_EXPECT_TRUE(test, wait_for(&later, 6000, only_reserve_left));
	KUNIT_EXPECT_LE(test, later.empty, reserve_base);
	KUNIT_EXPECT_LT(test, later.held, freed.held);
}

/*
 * A cache that swings across segment boundaries again and again reuses
 * the segments it emptied: nothing is mapped once the reserve has grown
 * to what the first swings needed. Were they given back at once, each
 * swing would map them again.
 */
static void oscillating_cache_does_not_remap(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	struct xalloc_segment_stats first, last;
	struct xalloc_cache *cache;
	struct xt_batch **base, *swing;
	unsigned int i;

	reset_reserve(test);
	set_give_back(test, "60000");
	cache = xt_create(test, "t_swing", SZ_32K, 0, 0, NULL);
	base = fill_segments(test, cache, 1);
	/* Three segments more, then back: two of them empty each time. */
	swing = xt_batch_new(test, cache, 45);
	for (i = 0; i < 23; i++) {
		xt_run_on(cpu, xt_alloc_batch, swing);
		KUNIT_ASSERT_EQ(test, swing->done, swing->n);
		xt_run_on(cpu, xt_free_batch, swing);
		xt_flush(cache);
		if (i == 2) {
			/* The reserve has grown to what the swings need. */
			msleep(300);
			xalloc_segment_get_stats(&first);
		}
	}
	xalloc_segment_get_stats(&last);
	KUNIT_EXPECT_GE(test, last.empty, 2UL);
	KUNIT_EXPECT_EQ(test, last.maps, first.maps);
	free_segments(cache, base, 1);
}

/*
 * A shorter give_back_ms applies to the segments waiting already: with
 * 60 s set when they emptied, setting 0 gives them back at once.
 */
static void shorter_delay_applies_at_once(struct kunit *test)
{
	struct xalloc_segment_stats freed, later;

	fill_and_empty(test, "t_give_back_now", 4, "60000", &freed);
	KUNIT_ASSERT_GT(test, freed.empty, reserve_base);
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(GIVE_BACK_PARAM, "0"));
	KUNIT_EXPECT_TRUE(test, wait_for(&later, 3000, only_reserve_left));
	KUNIT_EXPECT_LE(test, later.empty, reserve_base);
}

static bool no_empty(struct xalloc_segment_stats *st)
{
	return st->empty == 0;
}

/* Memory pressure does not wait for the delay, nor keep the reserve. */
static void pressure_gives_back_at_once(struct kunit *test)
{
	struct xalloc_segment_stats freed, st;

	fill_and_empty(test, "t_pressure", 4, "60000", &freed);
	KUNIT_ASSERT_GE(test, freed.empty, 3UL);
	run_shrinkers(test);
	KUNIT_EXPECT_TRUE(test, wait_for(&st, 2000, no_empty));
	KUNIT_EXPECT_EQ(test, st.empty, 0UL);
}

/*
 * Under memory pressure a CPU that stopped allocating from a cache keeps
 * none of its memory: its empty current page goes back too.
 */
static void pressure_takes_idle_cpu_pages(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_idle", 64, 0, 0, NULL);
	struct xalloc_cache_stats st;
	struct xt_batch *one;
	unsigned int i;
	int cpu;

	one = xt_batch_new(test, cache, 1);
	for_each_online_cpu(cpu) {
		xt_run_on(cpu, xt_alloc_batch, one);
		KUNIT_ASSERT_EQ(test, one->done, 1U);
		xt_run_on(cpu, xt_free_batch, one);
	}
	xt_stats(cache, &st);
	KUNIT_ASSERT_EQ(test, st.used, 0UL);
	KUNIT_ASSERT_GE(test, st.pages, 1UL);
	/* The reclaim work runs at most about once a second. */
	for (i = 0; i < 5 && st.pages; i++) {
		run_shrinkers(test);
		msleep(500);
		xt_stats(cache, &st);
	}
	KUNIT_EXPECT_EQ(test, st.pages, 0UL);
}

/*
 * Objects of both segment sizes are found from their pointers alone: in a
 * 4 MiB segment, past its first 512 KiB too, where the registry's first
 * probe finds no segment start.
 */
static void both_segment_sizes_are_found(struct kunit *test)
{
	struct xalloc_cache *small = xt_create(test, "t_seg_small", 64, 0, 0,
					       NULL);
	struct xalloc_cache *large = xt_create(test, "t_seg_large", SZ_128K,
					       0, 0, NULL);
	struct xt_batch *objs = xt_batch_new(test, large, 8);
	struct xalloc_cache_stats before, after;
	void *a = xalloc_cache_alloc(small, GFP_KERNEL);
	unsigned int i, far = 0;

	KUNIT_ASSERT_NOT_NULL(test, a);
	xt_run_on(cpumask_first(cpu_online_mask), xt_alloc_batch, objs);
	KUNIT_ASSERT_EQ(test, objs->done, objs->n);
	for (i = 0; i < objs->n; i++)
		far += ((unsigned long)objs->objs[i] & (SZ_4M - 1)) >= SZ_512K;
	KUNIT_ASSERT_GE(test, far, 1U);
	xt_stats(large, &before);
	for (i = 0; i < objs->n; i++) {
		xalloc_free(objs->objs[i]);
		objs->objs[i] = NULL;
	}
	xalloc_free(a);
	/* The test may have moved to another CPU: collect remote frees. */
	xt_flush(large);
	xt_flush(small);
	xt_stats(large, &after);
	KUNIT_EXPECT_EQ(test, after.used, before.used - 8);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
	xt_stats(small, &after);
	KUNIT_EXPECT_EQ(test, after.used, 0UL);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, 0ULL);
}

static struct kunit_case segments_cases[] = {
	KUNIT_CASE(small_cache_costs_under_1mib),
	KUNIT_CASE(refill_stays_ahead_of_demand),
	KUNIT_CASE(empty_segments_go_back_after_the_delay),
	KUNIT_CASE(oscillating_cache_does_not_remap),
	KUNIT_CASE(shorter_delay_applies_at_once),
	KUNIT_CASE(pressure_gives_back_at_once),
	KUNIT_CASE(pressure_takes_idle_cpu_pages),
	KUNIT_CASE(both_segment_sizes_are_found),
	{}
};

static struct kunit_suite segments_suite = {
	.name = "xalloc_segments",
	.test_cases = segments_cases,
};

kunit_test_suite(segments_suite);
