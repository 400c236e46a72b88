// SPDX-License-Identifier: GPL-2.0
/*
 * KASAN sees inside xalloc objects: on the KASAN kernel, a free block and
 * the bytes past an object are poisoned in KASAN's shadow, so that a
 * user's write after free or one-byte overrun is reported as it is for a
 * slab object. The cases read the shadow as KASAN's check does (see
 * xt_kasan_poisoned()) rather than make the access: a report would be a
 * kernel splat on the test console. Skipped on kernels without generic
 * KASAN.
 */
#include <linux/kasan.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>

#include "xalloc_test.h"

/* Without KASAN_VMALLOC, vmalloc memory has no shadow of its own. */
static void skip_without_kasan(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_KASAN_GENERIC) ||
	    !IS_ENABLED(CONFIG_KASAN_VMALLOC))
		kunit_skip(test, "no address sanitizer shadow on this kernel");
}

/* Are all of [@p, @p + @n) open? */
static bool all_open(const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (xt_kasan_poisoned(p + i))
			return false;
	return true;
}

struct size_case {
	unsigned int size;
	unsigned long flags;
};

static const struct size_case size_cases[] = {
	{ 1, 0 }, { 7, 0 }, { 8, 0 }, { 100, 0 }, { 1000, 0 }, { 4099, 0 },
	{ 100, XALLOC_DEBUG }, { 100, XALLOC_STORE_USER },
	{ 100, XALLOC_DIRECT_MAP }, { SZ_32K, XALLOC_DIRECT_MAP },
	{ 70000, 0 }, { XALLOC_MAX_OBJECT_SIZE, 0 },
};

static void size_case_desc(const struct size_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes, flags %#lx", c->size,
		 c->flags);
}

KUNIT_ARRAY_PARAM(size, size_cases, size_case_desc);

/*
 * An object is open to its last byte and poisoned from the byte after it
 * (a one-byte overrun); freed, its first and last bytes are poisoned (a
 * write after free); the next object allocated is open.
 */
static void objects_are_open_and_free_ones_poisoned(struct kunit *test)
{
	const struct size_case *c = test->param_value;
	struct xalloc_cache *cache;
	u8 *obj, *again;

	skip_without_kasan(test);
	cache = xt_create(test, "xt_kasan", c->size, 0, c->flags, NULL);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, all_open(obj, c->size));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj + c->size));
	xalloc_cache_free(cache, obj);
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj + c->size - 1));
	again = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, again);
	KUNIT_EXPECT_TRUE(test, all_open(again, c->size));
	xalloc_cache_free(cache, again);
}

/*
 * Blocks carved but never handed out are poisoned, and so are those in
 * the CPU's object array; a constructor's cache is poisoned the same,
 * though its constructor wrote to every block (unreported: xalloc opens
 * the block for it).
 */
static void blocks_never_handed_out_are_poisoned(struct kunit *test)
{
	static const unsigned long flags[] = { 0, XALLOC_DIRECT_MAP };
	struct xalloc_cache *cache;
	unsigned int i;
	u8 *obj;

	skip_without_kasan(test);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		cache = xalloc_cache_create("xt_kasan_carved", 64, 0, flags[i],
					    NULL);
		KUNIT_ASSERT_NOT_NULL(test, cache);
		obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj + 64));
		KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj + 64 * 5));
		xalloc_cache_free(cache, obj);
		xalloc_cache_destroy(cache);
	}
}

static void ctor_fill(void *obj)
{
	memset(obj, 0x5a, 48);
}

static void ctor_cache_objects_are_poisoned_when_free(struct kunit *test)
{
	struct xalloc_cache *cache;
	u8 *obj;

	skip_without_kasan(test);
	cache = xt_create(test, "xt_kasan_ctor", 48, 0, 0, ctor_fill);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, all_open(obj, 48));
	KUNIT_EXPECT_EQ(test, obj[47], 0x5a);
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj + 48));
	xalloc_cache_free(cache, obj);
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(obj));
}

/*
 * A typesafe cache's free objects stay open: RCU readers may still read
 * them, as SLUB leaves them for SLAB_TYPESAFE_BY_RCU.
 */
static void typesafe_free_objects_stay_open(struct kunit *test)
{
	struct xalloc_cache *cache;
	u8 *obj;

	skip_without_kasan(test);
	cache = xt_create(test, "xt_kasan_typesafe", 64, 0,
			  XALLOC_TYPESAFE_BY_RCU, NULL);
	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	xalloc_cache_free(cache, obj);
	KUNIT_EXPECT_TRUE(test, all_open(obj, 64));
}

/*
 * kmalloc, as SLUB's: open to the size asked for, not the class;
 * xalloc_ksize() opens the class; krealloc within the class moves the
 * end; a huge object is poisoned past its size to its page's end, and
 * all of it once freed.
 */
static void kmalloc_is_open_to_the_size_asked(struct kunit *test)
{
	u8 *p, *q;

	skip_without_kasan(test);
	p = xalloc_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_open(p, 100));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p + 100));
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 128UL);
	KUNIT_EXPECT_TRUE(test, all_open(p, 128));
	q = xalloc_krealloc(p, 20, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_TRUE(test, all_open(p, 20));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p + 20));
	xalloc_free(p);
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p));

	p = xalloc_kmalloc(SZ_1M + 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_open(p + SZ_1M - 16, 26));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p + SZ_1M + 10));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p + SZ_1M + PAGE_SIZE - 1));
	/* Freed, it stays mapped for a grace period: poisoned till then. */
	rcu_read_lock();
	xalloc_free(p);
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p));
	KUNIT_EXPECT_TRUE(test, xt_kasan_poisoned(p + SZ_1M - 1));
	rcu_read_unlock();
}

static struct kunit_case kasan_cases[] = {
	KUNIT_CASE_PARAM(objects_are_open_and_free_ones_poisoned,
			 size_gen_params),
	KUNIT_CASE(blocks_never_handed_out_are_poisoned),
	KUNIT_CASE(ctor_cache_objects_are_poisoned_when_free),
	KUNIT_CASE(typesafe_free_objects_stay_open),
	KUNIT_CASE(kmalloc_is_open_to_the_size_asked),
	{}
};

static struct kunit_suite kasan_suite = {
	.name = "xalloc_kasan",
	.test_cases = kasan_cases,
};

kunit_test_suite(kasan_suite);
