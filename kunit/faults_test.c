// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_faults: failures injected into every allocation xalloc makes for
 * itself, and memory pressure. Each failure must be reported as NULL and
 * leave nothing behind; the shrinker must give empty segments back.
 *
 * Failures are injected with the task's fail_nth, as writing
 * /proc/thread-self/fail-nth does: the nth fault-injection point this task
 * reaches fails. Sweeping n from 1 exercises each point in turn, until
 * the operation succeeds with the countdown unspent.
 */
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "xalloc_test.h"

#define MAX_POINTS	16
static void create_fails_cleanly_at_every_point(struct kunit *test)
{
	struct xalloc_cache *cache;
	unsigned int n, failures = 0;

	for (n = 1; n <= MAX_POINTS; n++) {
		xt_fail_nth(n);
		cache = xalloc_cache_create("t_fail_create", 64, 0, 0, NULL);
		if (xt_fail_nth_left()) {
			/* Every point passed: the sweep is over. */
			KUNIT_EXPECT_NOT_NULL(test, cache);
			xalloc_cache_destroy(cache);
			break;
		}
		/* The name was not kept by the failed attempt. */
		KUNIT_EXPECT_NULL(test, cache);
		xalloc_cache_destroy(cache);
		failures++;
	}
	KUNIT_EXPECT_GE(test, failures, 1U);
	KUNIT_EXPECT_LE(test, n, (unsigned int)MAX_POINTS);
}

/*
 * Every allocation here needs a new segment: the cache's objects are so
 * large that a segment holds one page, and with no ready reserve each
 * emptied segment is unmapped at once.
 */
static void segment_failure_leaves_nothing_behind(struct kunit *test)
{
	struct xalloc_cache *cache;
	unsigned int failures;
	void *obj;

	xt_set_reserve(test, "0");
	cache = xt_create(test, "t_fail_segment", XALLOC_MAX_OBJECT_SIZE, 0, 0,
			  NULL);
	failures = xt_fail_each_point(test, cache, &obj);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	xalloc_cache_free(cache, obj);
	KUNIT_EXPECT_GE(test, failures, 2U);
	xt_expect_shrunk_after(test, cache, failures);
}

static bool reserve_mapped(void)
{
	struct xalloc_segment_stats st;
	unsigned int i;

	for (i = 0; i < 100; i++) {
		xalloc_segment_get_stats(&st);
		if (st.empty >= 2)
			return true;
		msleep(20);
	}
	return false;
}

/* Memory pressure (drop_caches runs every shrinker) unmaps empty segments. */
static void shrinker_releases_empty_segments(struct kunit *test)
{
	struct xalloc_segment_stats st;
	struct xalloc_cache *cache;
	void *obj;

	/*
	 * Two units of reserve are two empty segments for medium pages,
	 * mapped once the cache has taken a page.
	 */
	xt_set_reserve(test, "2");
	cache = xt_create(test, "t_shrinker", SZ_32K, 0, 0, NULL);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_TRUE(test, reserve_mapped());

	KUNIT_ASSERT_EQ(test, 0, xt_write_file("/proc/sys/vm/drop_caches",
					       "2"));
	xalloc_segment_get_stats(&st);
	KUNIT_EXPECT_EQ(test, st.empty, 0UL);
	KUNIT_EXPECT_GE(test, st.segments, 1UL);

	/* The live object is untouched and the cache still works. */
	memset(obj, 0x5a, SZ_32K);
	xalloc_cache_free(cache, obj);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	xalloc_cache_free(cache, obj);
}

static struct kunit_case faults_cases[] = {
	KUNIT_CASE(create_fails_cleanly_at_every_point),
	KUNIT_CASE(segment_failure_leaves_nothing_behind),
	KUNIT_CASE(shrinker_releases_empty_segments),
	{}
};

static struct kunit_suite faults_suite = {
	.name = "xalloc_faults",
	.test_cases = faults_cases,
};

kunit_test_suite(faults_suite);
