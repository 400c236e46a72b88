// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_api: what a kmem_cache user expects of the cache API, and how it
 * refuses bad input.
 */
#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/string.h>

#include "xalloc_test.h"

#define OBJS	64

static const unsigned int sizes[] = {
	1, 8, 24, 64, 100, 256, 1000, 4096, 10000, 65536,
};

static void size_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u", *size);
}

KUNIT_ARRAY_PARAM(size, sizes, size_desc);

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(unsigned long *)a, y = *(unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Distinct objects of the right size that do not overlap and keep data. */
static void objects_are_distinct(struct kunit *test)
{
	unsigned int size = *(const unsigned int *)test->param_value;
	struct xalloc_cache *cache;
	void **objs;
	unsigned int i;

	cache = xt_create(test, "t_distinct", size, 0, 0, NULL);
	objs = kunit_kcalloc(test, OBJS, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < OBJS; i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)objs[i],
						   sizeof(void *)));
		memset(objs[i], i & 0xff, size);
	}
	for (i = 0; i < OBJS; i++)
		KUNIT_EXPECT_TRUE(test, !memchr_inv(objs[i], i & 0xff, size));

	sort(objs, OBJS, sizeof(void *), cmp_ptr, NULL);
	for (i = 1; i < OBJS; i++)
		KUNIT_EXPECT_GE(test, (unsigned long)objs[i] -
				(unsigned long)objs[i - 1], (unsigned long)size);
	for (i = 0; i < OBJS; i++)
		xalloc_cache_free(cache, objs[i]);
}

static const unsigned int aligns[] = { 8, 16, 64, 256, 4096 };

static void align_desc(const unsigned int *align, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "align %u", *align);
}

KUNIT_ARRAY_PARAM(align, aligns, align_desc);

static void alignment_is_honoured(struct kunit *test)
{
	unsigned int align = *(const unsigned int *)test->param_value;
	struct xalloc_cache *cache;
	void *objs[16];
	unsigned int i;

	cache = xt_create(test, "t_align", 24, align, 0, NULL);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)objs[i],
						   align));
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		xalloc_cache_free(cache, objs[i]);
}

static void hwcache_align(struct kunit *test)
{
	struct xalloc_cache *cache;
	struct xalloc_cache_stats st;
	void *a, *b;

	cache = xt_create(test, "t_hwcache", 100, 0, XALLOC_HWCACHE_ALIGN,
			  NULL);
	a = xalloc_cache_alloc(cache, GFP_KERNEL);
	b = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)a,
					   cache_line_size()));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)b,
					   cache_line_size()));
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.block_size % cache_line_size(), 0);
	xalloc_cache_free(cache, a);
	xalloc_cache_free(cache, b);
}

#define CTOR_MAGIC	0x5ca1ab1eU
static atomic_t ctor_calls;

struct ctor_obj {
	u32 magic;
	u32 payload[5];
};

static void ctor_obj_init(void *p)
{
	struct ctor_obj *obj = p;

	obj->magic = CTOR_MAGIC;
	atomic_inc(&ctor_calls);
}

/* The constructor runs once per carved block, not once per allocation. */
static void ctor_runs_once_per_block(struct kunit *test)
{
	struct xalloc_cache *cache;
	struct xalloc_cache_stats st;
	struct ctor_obj *objs[32];
	unsigned int i, calls;

	atomic_set(&ctor_calls, 0);
	cache = xt_create(test, "t_ctor", sizeof(struct ctor_obj), 0, 0,
			  ctor_obj_init);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, objs[i]->magic, CTOR_MAGIC);
	}
	xt_stats(cache, &st);
	calls = atomic_read(&ctor_calls);
	KUNIT_EXPECT_EQ(test, (unsigned long)calls, st.capacity);
	KUNIT_EXPECT_GE(test, calls, (unsigned int)ARRAY_SIZE(objs));

	/* Freed objects keep their constructed state and are not rebuilt. */
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		xalloc_cache_free(cache, objs[i]);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, objs[i]->magic, CTOR_MAGIC);
	}
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, (unsigned long)atomic_read(&ctor_calls),
			st.capacity);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		xalloc_cache_free(cache, objs[i]);
}

/* Dirty every block of a small cache, then check that @gfp zeroes. */
static void check_zeroing(struct kunit *test, const char *name, bool zalloc)
{
	struct xalloc_cache *cache;
	u8 *objs[OBJS];
	unsigned int i;

	cache = xt_create(test, name, 200, 0, 0, NULL);
	for (i = 0; i < OBJS; i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], 0xa5, 200);
	}
	for (i = 0; i < OBJS; i++)
		xalloc_cache_free(cache, objs[i]);
	for (i = 0; i < OBJS; i++) {
		objs[i] = zalloc ? xalloc_cache_zalloc(cache, GFP_KERNEL) :
			  xalloc_cache_alloc(cache, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(objs[i], 0, 200));
	}
	for (i = 0; i < OBJS; i++)
		xalloc_cache_free(cache, objs[i]);
}

static void zalloc_zeroes(struct kunit *test)
{
	check_zeroing(test, "t_zalloc", true);
}

static void gfp_zero_zeroes(struct kunit *test)
{
	check_zeroing(test, "t_gfp_zero", false);
}

/* A freed block comes back before the cache takes another page. */
struct reuse_ctx {
	struct xalloc_cache *cache;
	void *freed;
	unsigned int allocs_until_reuse;
	void **held;
	unsigned int nr_held;
};

static long reuse_on_cpu(void *arg)
{
	struct reuse_ctx *ctx = arg;
	unsigned int i;
	void *obj;

	ctx->freed = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!ctx->freed)
		return -ENOMEM;
	xalloc_cache_free(ctx->cache, ctx->freed);
	for (i = 0; i < ctx->nr_held; i++) {
		obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		ctx->held[i] = obj;
		if (obj == ctx->freed) {
			ctx->allocs_until_reuse = i + 1;
			break;
		}
	}
	return 0;
}

static void reuse_after_free(struct kunit *test)
{
	struct reuse_ctx ctx = { .nr_held = 2048 };
	struct xalloc_cache_stats st;
	unsigned int i;

	ctx.cache = xt_create(test, "t_reuse", 64, 0, 0, NULL);
	ctx.held = kunit_kcalloc(test, ctx.nr_held, sizeof(void *),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.held);
	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask), reuse_on_cpu,
				  &ctx));
	KUNIT_EXPECT_GT(test, ctx.allocs_until_reuse, 0U);
	xt_stats(ctx.cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 1UL);
	KUNIT_EXPECT_LE(test, (unsigned long)ctx.allocs_until_reuse,
			st.reserved);
	for (i = 0; i < ctx.nr_held; i++)
		xalloc_cache_free(ctx.cache, ctx.held[i]);
}

static void free_null_is_noop(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_null", 32, 0, 0, NULL);
	struct xalloc_cache_stats st;

	xalloc_cache_free(cache, NULL);
	xalloc_free(NULL);
	xalloc_cache_destroy(NULL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* xalloc_free() finds each object's own cache. */
static void free_finds_cache(struct kunit *test)
{
	struct xalloc_cache *a = xt_create(test, "t_find_a", 40, 0, 0, NULL);
	struct xalloc_cache *b = xt_create(test, "t_find_b", 3000, 0, 0, NULL);
	struct xalloc_cache_stats sa, sb;
	void *oa[3], *ob[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(oa); i++)
		oa[i] = xalloc_cache_alloc(a, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(ob); i++)
		ob[i] = xalloc_cache_alloc(b, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(oa); i++)
		xalloc_free(oa[i]);
	for (i = 0; i < ARRAY_SIZE(ob); i++)
		xalloc_free(ob[i]);
	xalloc_cache_collect(a);
	xalloc_cache_collect(b);
	xt_stats(a, &sa);
	xt_stats(b, &sb);
	KUNIT_EXPECT_EQ(test, sa.frees, 3ULL);
	KUNIT_EXPECT_EQ(test, sb.frees, 5ULL);
	KUNIT_EXPECT_EQ(test, sa.used, 0UL);
	KUNIT_EXPECT_EQ(test, sb.used, 0UL);
}

static void large_objects(struct kunit *test)
{
	struct xalloc_cache *cache;
	void *objs[12];
	unsigned int i;

	cache = xt_create(test, "t_large", XALLOC_MAX_OBJECT_SIZE, 0, 0, NULL);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], i, XALLOC_MAX_OBJECT_SIZE);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		KUNIT_EXPECT_TRUE(test, !memchr_inv(objs[i], i,
						    XALLOC_MAX_OBJECT_SIZE));
		xalloc_cache_free(cache, objs[i]);
	}
}

static void bad_sizes_are_refused(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad",
						    XALLOC_MAX_OBJECT_SIZE + 1,
						    0, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", UINT_MAX, 0, 0,
						    NULL));
}

static void bad_alignments_are_refused(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 64, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 64, 48, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 64,
						    2 * PAGE_SIZE, 0, NULL));
}

static void unknown_flags_are_refused(struct kunit *test)
{
	/* The first bit above every known flag. */
	unsigned long unknown = BIT(fls_long(XALLOC_CACHE_FLAGS));

	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 64, 0, 0x100,
						    NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_bad", 64, 0,
						    XALLOC_HWCACHE_ALIGN | unknown,
						    NULL));
}

static void bad_names_are_refused(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, xalloc_cache_create(NULL, 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("a/b", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("a b", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test,
			  xalloc_cache_create("this_name_is_far_too_long_for_xalloc",
					      64, 0, 0, NULL));
}

static void duplicate_names_are_refused(struct kunit *test)
{
	struct xalloc_cache *first, *again;
	void *obj;

	first = xalloc_cache_create("t_dup", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	KUNIT_EXPECT_NULL(test, xalloc_cache_create("t_dup", 128, 0, 0, NULL));

	/* The first cache is untouched by the refusal. */
	obj = xalloc_cache_alloc(first, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	xalloc_cache_free(first, obj);
	xalloc_cache_destroy(first);

	/* Once destroyed, the name is free again. */
	again = xalloc_cache_create("t_dup", 128, 0, 0, NULL);
	KUNIT_EXPECT_NOT_NULL(test, again);
	xalloc_cache_destroy(again);
}

/* Destroying a cache with live objects leaks them, mapped and intact. */
static void destroy_with_live_objects(struct kunit *test)
{
	struct xalloc_cache *cache;
	struct xalloc_segment_stats before, after;
	u8 *objs[3];
	unsigned int i;

	cache = xalloc_cache_create("t_leak", 512, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], 0x3c, 512);
	}
	xalloc_segment_get_stats(&before);
	xalloc_cache_destroy(cache);
	xalloc_segment_get_stats(&after);
	KUNIT_EXPECT_GE(test, after.segments, 1UL);
	KUNIT_EXPECT_GE(test, after.segments - after.empty, 1UL);

	/* Still readable and writable: no use-after-free for the leaker. */
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		KUNIT_EXPECT_TRUE(test, !memchr_inv(objs[i], 0x3c, 512));
		memset(objs[i], 0, 512);
		/* Refused with a warning, nothing corrupted. */
		xalloc_free(objs[i]);
	}
}

static void bad_frees_are_ignored(struct kunit *test)
{
	struct xalloc_cache *a = xt_create(test, "t_badfree_a", 64, 0, 0, NULL);
	struct xalloc_cache *b = xt_create(test, "t_badfree_b", 64, 0, 0, NULL);
	struct xalloc_cache_stats st;
	void *kmem, *obj;
	int on_stack;

	obj = xalloc_cache_alloc(a, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	kmem = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kmem);

	xalloc_cache_free(b, obj);		/* wrong cache */
	xalloc_cache_free(a, obj + 8);		/* not a block boundary */
	xalloc_cache_free(a, kmem);		/* not from xalloc */
	xalloc_free(&on_stack);			/* not from xalloc */
	xalloc_free((void *)VMALLOC_START + 12345);	/* not a segment */
	/* Near the top of the vmalloc area, where nothing is mapped. */
	xalloc_free((void *)(VMALLOC_END & ~(SZ_4M - 1)) - SZ_4M + 64);

	xt_stats(a, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
	KUNIT_EXPECT_EQ(test, st.frees, 0ULL);
	xt_stats(b, &st);
	KUNIT_EXPECT_EQ(test, st.frees, 0ULL);

	/* The test may have moved CPU: collect a remote free. */
	xalloc_cache_free(a, obj);
	xalloc_cache_collect(a);
	xt_stats(a, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.frees, 1ULL);
}

static void null_cache_is_refused(struct kunit *test)
{
	struct xalloc_cache_stats st;

	KUNIT_EXPECT_NULL(test, xalloc_cache_alloc(NULL, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, xalloc_cache_size(NULL), 0U);
	KUNIT_EXPECT_EQ(test, xalloc_cache_shrink(NULL), 0UL);
	xalloc_cache_get_stats(NULL, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* ksize of an object of a new @flags cache of 60-byte objects. */
static size_t ksize_of_60(struct kunit *test, const char *name,
			  unsigned long flags, void (*ctor)(void *))
{
	struct xalloc_cache *cache = xt_create(test, name, 60, 0, flags, ctor);
	struct xalloc_cache_stats st;
	void *obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	size_t size;

	KUNIT_ASSERT_NOT_NULL(test, obj);
	size = xalloc_ksize(obj);
	/* All of it may be written: nothing of the allocator's is there. */
	memset(obj, 0xa5, size);
	xalloc_cache_free(cache, obj);
	/* A freed object has no usable size. */
	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	return size;
}

/*
 * xalloc_ksize(), as ksize(): the whole block of a plain cache, up to the
 * free pointer with a constructor, the object alone in a debug cache; 0
 * for NULL, a freed object, the inside of one, and foreign memory.
 */
static void ksize_is_the_usable_size(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_ksize", 60, 0, 0,
					       NULL);
	void *obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	void *foreign = kunit_kmalloc(test, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(NULL), 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj + 8), 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(foreign), 0UL);
	xalloc_cache_free(cache, obj);

	KUNIT_EXPECT_EQ(test, ksize_of_60(test, "t_ksize_plain", 0, NULL), 64UL);
	KUNIT_EXPECT_EQ(test, ksize_of_60(test, "t_ksize_ctor", 0,
					  ctor_obj_init), 64UL);
	KUNIT_EXPECT_EQ(test, ksize_of_60(test, "t_ksize_debug", XALLOC_DEBUG,
					  NULL), 60UL);
}

static struct kunit_case api_cases[] = {
	KUNIT_CASE_PARAM(objects_are_distinct, size_gen_params),
	KUNIT_CASE_PARAM(alignment_is_honoured, align_gen_params),
	KUNIT_CASE(hwcache_align),
	KUNIT_CASE(ctor_runs_once_per_block),
	KUNIT_CASE(zalloc_zeroes),
	KUNIT_CASE(gfp_zero_zeroes),
	KUNIT_CASE(reuse_after_free),
	KUNIT_CASE(free_null_is_noop),
	KUNIT_CASE(free_finds_cache),
	KUNIT_CASE(large_objects),
	KUNIT_CASE(bad_sizes_are_refused),
	KUNIT_CASE(bad_alignments_are_refused),
	KUNIT_CASE(unknown_flags_are_refused),
	KUNIT_CASE(bad_names_are_refused),
	KUNIT_CASE(duplicate_names_are_refused),
	KUNIT_CASE(destroy_with_live_objects),
	KUNIT_CASE(bad_frees_are_ignored),
	KUNIT_CASE(null_cache_is_refused),
	KUNIT_CASE(ksize_is_the_usable_size),
	{}
};

static struct kunit_suite api_suite = {
	.name = "xalloc_api",
	.test_cases = api_cases,
};

kunit_test_suite(api_suite);
