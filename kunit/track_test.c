// SPDX-License-Identifier: GPL-2.0
/*
 * XALLOC_STORE_USER: who allocated and freed each object, and
 * xalloc_obj_info().
 */
#include <linux/kallsyms.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include "xalloc_test.h"

/* Does the symbol of @addr name @fn? */
static bool site_is(unsigned long addr, const char *fn)
{
	char sym[KSYM_SYMBOL_LEN];

	snprintf(sym, sizeof(sym), "%pS", (void *)addr);
	return !!strstr(sym, fn);
}

/* Does the saved stack @handle hold a frame of @fn? */
static bool stack_has(u32 handle, const char *fn)
{
	unsigned long *entries;
	unsigned int i, n;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !handle)
		return false;
	n = stack_depot_fetch(handle, &entries);
	for (i = 0; i < n; i++)
		if (site_is(entries[i], fn))
			return true;
	return false;
}

static noinline void free_elsewhere(struct xalloc_cache *cache, void *obj)
{
	xalloc_cache_free(cache, obj);
	barrier();	/* not a tail call: this frame stays on the stack */
}

/*
 * The allocation's site is the test, the free's the function that freed,
 * both with this task and the whole stack; the tracks are not part of
 * the object's usable size.
 */
static void store_user_records_both_sites(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "xt_store_user", 100, 0,
					       XALLOC_STORE_USER, NULL);
	struct xalloc_obj_info info;
	char *obj;

	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 104UL);
	memset(obj, 0x5a, xalloc_ksize(obj));

	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(obj + 42, &info));
	KUNIT_EXPECT_PTR_EQ(test, info.object, (void *)obj);
	KUNIT_EXPECT_STREQ(test, info.cache, "xt_store_user");
	KUNIT_EXPECT_EQ(test, info.object_size, 100U);
	KUNIT_EXPECT_TRUE(test, info.allocated);
	KUNIT_EXPECT_TRUE_MSG(test, site_is(info.alloc.addr, __func__),
			      "allocated by %pS", (void *)info.alloc.addr);
	KUNIT_EXPECT_EQ(test, info.alloc.pid, task_pid_nr(current));
	KUNIT_EXPECT_EQ(test, info.free.addr, 0UL);
	if (IS_ENABLED(CONFIG_STACKDEPOT))
		KUNIT_EXPECT_TRUE(test, stack_has(info.alloc.stack, __func__));

	free_elsewhere(cache, obj);
	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(obj, &info));
	KUNIT_EXPECT_FALSE(test, info.allocated);
	KUNIT_EXPECT_TRUE(test, site_is(info.alloc.addr, __func__));
	KUNIT_EXPECT_TRUE_MSG(test, site_is(info.free.addr, "free_elsewhere"),
			      "freed by %pS", (void *)info.free.addr);
	if (IS_ENABLED(CONFIG_STACKDEPOT))
		KUNIT_EXPECT_TRUE(test, stack_has(info.free.stack, __func__));
}

/*
 * A cache without the flag keeps no track but still answers; a debug
 * cache keeps both besides its red zone; a pointer that is not inside an
 * xalloc object gets false.
 */
static void obj_info_without_tracks(struct kunit *test)
{
	struct xalloc_cache *plain = xt_create(test, "xt_no_track", 64, 0, 0,
					       NULL);
	struct xalloc_cache *debug = xt_create(test, "xt_track_debug", 64, 0,
					       XALLOC_DEBUG | XALLOC_STORE_USER,
					       NULL);
	struct xalloc_obj_info info;
	void *foreign = kmalloc(64, GFP_KERNEL);
	void *a, *b;

	a = xalloc_cache_alloc(plain, GFP_KERNEL);
	b = xalloc_cache_alloc(debug, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, foreign);

	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(a, &info));
	KUNIT_EXPECT_TRUE(test, info.allocated);
	KUNIT_EXPECT_EQ(test, info.alloc.addr, 0UL);
	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(b + 63, &info));
	KUNIT_EXPECT_PTR_EQ(test, info.object, b);
	KUNIT_EXPECT_TRUE(test, site_is(info.alloc.addr, __func__));
	KUNIT_EXPECT_EQ(test, xalloc_ksize(b), 64UL);

	KUNIT_EXPECT_FALSE(test, xalloc_obj_info(foreign, &info));
	KUNIT_EXPECT_NULL(test, info.object);
	KUNIT_EXPECT_FALSE(test, xalloc_obj_info(NULL, &info));

	xalloc_cache_free(debug, b);
	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(b, &info));
	KUNIT_EXPECT_FALSE(test, info.allocated);
	KUNIT_EXPECT_TRUE(test, site_is(info.free.addr, __func__));
	xalloc_cache_free(plain, a);
	kfree(foreign);
}

static struct kunit_case track_cases[] = {
	KUNIT_CASE(store_user_records_both_sites),
	KUNIT_CASE(obj_info_without_tracks),
	{}
};

static struct kunit_suite track_suite = {
	.name = "xalloc_track",
	.test_cases = track_cases,
};

kunit_test_suite(track_suite);
