// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak knows xalloc objects. Segments are vmap()ed, which kmemleak
 * neither tracks nor scans, so xalloc tells it of each object as it is
 * allocated and freed; kmemleak then reports a leaked one and scans the
 * live ones for pointers. The cases ask kmemleak which objects it knows,
 * and their size: that is what xalloc controls. Skipped on kernels
 * without kmemleak (the KCSAN test kernel has it).
 */
#include <linux/sizes.h>

#include "xalloc_test.h"

/* A seq_file with a plain write: the kernel can neither read nor write it. */
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/*
 * Does kmemleak track an object at @obj of @size bytes? Its "dump=" fails
 * for an address it does not know, and prints the size of one it does.
 */
static bool tracked(const void *obj, size_t size)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd),
		 "echo dump=0x%lx > %s && dmesg | grep -q 'kmemleak: Object 0x%08lx (size %zu)'",
		 (unsigned long)obj, KMEMLEAK, (unsigned long)obj, size);
	return xt_shell(cmd) == 0;
}

static void skip_without_kmemleak(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "no kmemleak on this kernel");
}

/*
 * A cache's objects, taken from fresh pages and from the object array,
 * a kmalloc object and a huge one are known with their size while
 * allocated, and unknown once freed.
 */
static void kmemleak_tracks_each_object(struct kunit *test)
{
	struct xalloc_cache *cache;
	void *a, *b, *k, *h;

	skip_without_kmemleak(test);
	cache = xt_create(test, "xt_kmemleak", 96, 0, 0, NULL);
	a = xalloc_cache_alloc(cache, GFP_KERNEL);
	b = xalloc_cache_alloc(cache, GFP_KERNEL);
	k = xalloc_kmalloc(100, GFP_KERNEL);
	h = xalloc_kmalloc(SZ_1M + 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_TRUE(test, tracked(a, 96));
	KUNIT_EXPECT_TRUE(test, tracked(b, 96));
	KUNIT_EXPECT_TRUE(test, tracked(k, 128));
	KUNIT_EXPECT_TRUE(test, tracked(h, SZ_1M + 10));
	xalloc_cache_free(cache, a);
	xalloc_cache_free(cache, b);
	xalloc_free(k);
	xalloc_free(h);
	KUNIT_EXPECT_FALSE(test, tracked(a, 96));
	KUNIT_EXPECT_FALSE(test, tracked(b, 96));
	KUNIT_EXPECT_FALSE(test, tracked(k, 128));
	KUNIT_EXPECT_FALSE(test, tracked(h, SZ_1M + 10));
}

/*
 * A cache destroyed with a live object lists it, and kmemleak forgets it:
 * its memory goes when the module does, and kmemleak must not scan it
 * then.
 */
static void destroy_forgets_leaked_objects(struct kunit *test)
{
	struct xalloc_cache *cache;
	void *obj;

	skip_without_kmemleak(test);
	cache = xalloc_cache_create("xt_kmemleak_leak", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, tracked(obj, 64));
	xalloc_cache_destroy(cache);
	KUNIT_EXPECT_FALSE(test, tracked(obj, 64));
}

static struct kunit_case leak_cases[] = {
	KUNIT_CASE(kmemleak_tracks_each_object),
	KUNIT_CASE(destroy_forgets_leaked_objects),
	{}
};

static struct kunit_suite leak_suite = {
	.name = "xalloc_kmemleak",
	.test_cases = leak_cases,
};

kunit_test_suite(leak_suite);
