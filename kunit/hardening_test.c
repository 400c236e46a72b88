// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_hardening: encoded free pointers, refused double frees, and the
 * red zones and poison of XALLOC_DEBUG caches. Each test does the damage a
 * buggy or hostile caller would, then checks that xalloc counted it, did
 * not follow it, and still hands out sound objects.
 *
 * Sequences that must see one CPU's lists run on that CPU (xt_run_on()).
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "xalloc_test.h"

#define DEBUG_PARAM	"/sys/module/xalloc/parameters/debug"

/* Blocks a test may allocate while it looks for one block to come back. */
#define MAX_SEARCH	4096

struct hctx {
	struct xalloc_cache *cache;
	void *keep;		/* holds the page, so that it stays current */
	void *obj;
	unsigned long raw;	/* a free pointer as stored */
	void *target;		/* where a forged free pointer leads */
	void **objs;		/* what was allocated while searching */
	unsigned int nr_objs;
	bool found;
	bool target_returned;
	void (*damage)(struct hctx *ctx);	/* done once obj is free */
};

static struct hctx *hctx_new(struct kunit *test, struct xalloc_cache *cache)
{
	struct hctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->objs = kunit_kcalloc(test, MAX_SEARCH, sizeof(void *),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->objs);
	ctx->cache = cache;
	return ctx;
}

/* Where the free pointer of @obj lies in @cache (see xalloc/cache.c). */
static unsigned long *free_word(struct xalloc_cache *cache, void *obj)
{
	struct xalloc_cache_stats st;

	xalloc_cache_get_stats(cache, &st);
	if (st.flags & XALLOC_DEBUG)
		return obj + ALIGN(st.object_size, sizeof(void *)) +
		       sizeof(void *);
	return obj;
}

static long alloc_keep_and_obj(void *arg)
{
	struct hctx *ctx = arg;

	ctx->keep = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	ctx->obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	return ctx->keep && ctx->obj ? 0 : -ENOMEM;
}

/*
 * Allocate until ctx->obj comes back (it was freed last, on this CPU, so
 * it comes back once the current free list runs dry), noting whether the
 * forged target was ever handed out.
 */
static long alloc_until_obj(void *arg)
{
	struct hctx *ctx = arg;
	void *p;

	ctx->found = false;
	ctx->target_returned = false;
	for (ctx->nr_objs = 0; ctx->nr_objs < MAX_SEARCH; ) {
		p = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		ctx->objs[ctx->nr_objs++] = p;
		ctx->target_returned |= p == ctx->target;
		if (p == ctx->obj) {
			ctx->found = true;
			break;
		}
	}
	/* One more: the block after obj on the list it came from. */
	if (ctx->nr_objs < MAX_SEARCH) {
		p = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		ctx->target_returned |= p == ctx->target;
		ctx->objs[ctx->nr_objs++] = p;
	}
	return 0;
}

static long free_searched(void *arg)
{
	struct hctx *ctx = arg;
	unsigned int i;

	for (i = 0; i < ctx->nr_objs; i++)
		if (ctx->objs[i] != ctx->target)
			xalloc_cache_free(ctx->cache, ctx->objs[i]);
	ctx->nr_objs = 0;
	return 0;
}

static void expect_sound(struct kunit *test, struct xalloc_cache *cache,
			 unsigned long used)
{
	struct xalloc_cache_stats st;

	xalloc_cache_collect(cache);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, used);
}

/*
 * On one CPU: allocate ctx->keep and ctx->obj, free obj, do ctx->damage,
 * and search for obj with alloc_until_obj().
 */
static long damage_then_search(void *arg)
{
	struct hctx *ctx = arg;
	long ret = alloc_keep_and_obj(ctx);

	if (ret)
		return ret;
	xalloc_cache_free(ctx->cache, ctx->obj);
	xt_flush(ctx->cache);
	ctx->damage(ctx);
	return alloc_until_obj(ctx);
}

static struct hctx *run_search(struct kunit *test,
			       struct xalloc_cache *cache, void *target,
			       void (*damage)(struct hctx *ctx))
{
	struct hctx *ctx = hctx_new(test, cache);

	ctx->target = target;
	ctx->damage = damage;
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(0, damage_then_search, ctx));
	KUNIT_EXPECT_TRUE(test, ctx->found);
	return ctx;
}

/* Free what the search allocated, then check the cache is sound. */
static void end_search(struct kunit *test, struct hctx *ctx)
{
	xt_run_on(0, free_searched, ctx);
	xalloc_cache_free(ctx->cache, ctx->keep);
	expect_sound(test, ctx->cache, 0);
}

/* A free block's pointer is neither the next block nor NULL as stored. */
static __no_sanitize_address void free_pointers_are_encoded(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_encoded", 64, 0, 0,
					       NULL);
	struct hctx *ctx = hctx_new(test, cache);
	unsigned long keep, obj;

	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(0, alloc_keep_and_obj, ctx));
	keep = (unsigned long)ctx->keep;
	obj = (unsigned long)ctx->obj;
	/* obj ends its list (NULL next); keep goes in front, next obj. */
	xalloc_cache_free(cache, ctx->obj);
	xalloc_cache_free(cache, ctx->keep);
	KUNIT_EXPECT_NE(test, *(unsigned long *)keep, obj);
	KUNIT_EXPECT_NE(test, *(unsigned long *)keep, 0UL);
	KUNIT_EXPECT_NE(test, *(unsigned long *)obj, 0UL);
	KUNIT_EXPECT_NE(test, *(unsigned long *)obj, keep);
	expect_sound(test, cache, 0);
}

/* Overwrite the free pointer of obj with a target. */
static __no_sanitize_address void forge_pointer(struct hctx *ctx)
{
	*free_word(ctx->cache, ctx->obj) = (unsigned long)ctx->target;
}

/*
 * A use-after-free write puts an address of the attacker's choosing in a
 * free block's pointer: xalloc must report it and never hand it out.
 */
static void forged_free_pointer_is_not_followed(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_forged", 64, 0, 0,
					       NULL);
	void *target = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct xalloc_cache_stats st;
	struct hctx *ctx;

	KUNIT_ASSERT_NOT_NULL(test, target);
	ctx = run_search(test, cache, target, forge_pointer);
	KUNIT_EXPECT_FALSE(test, ctx->target_returned);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	/* The forged pointer was obj's only link: nothing else was lost. */
	end_search(test, ctx);
}

static unsigned int count_of(struct hctx *ctx, void *obj)
{
	unsigned int i, n = 0;

	for (i = 0; i < ctx->nr_objs; i++)
		n += ctx->objs[i] == obj;
	return n;
}

/* The second free was refused: obj came back once, nothing was damaged. */
static void expect_handed_out_once(struct kunit *test, struct hctx *ctx)
{
	struct xalloc_cache_stats st;

	KUNIT_EXPECT_EQ(test, count_of(ctx, ctx->obj), 1U);
	xt_stats(ctx->cache, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 1ULL);
	KUNIT_EXPECT_EQ(test, st.corruptions, 0ULL);
}

static void free_again(struct hctx *ctx)
{
	xalloc_cache_free(ctx->cache, ctx->obj);
}

/*
 * Freed twice on its own CPU, a block would be on local_free twice and be
 * handed out twice: the second free must be refused.
 */
static void local_double_free_is_refused(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_dfree_local", 64, 0,
					       0, NULL);
	struct hctx *ctx = run_search(test, cache, NULL, free_again);

	expect_handed_out_once(test, ctx);
	end_search(test, ctx);
}

static long free_obj(void *arg)
{
	struct hctx *ctx = arg;

	xalloc_cache_free(ctx->cache, ctx->obj);
	return 0;
}

/* A block on thread_free is as free as one on local_free. */
static void remote_double_free_is_refused(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_dfree_remote", 64, 0,
					       0, NULL);
	struct hctx *ctx = hctx_new(test, cache);
	struct xalloc_cache_stats st;
	int a, b;

	xt_two_cpus(test, &a, &b);
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(a, alloc_keep_and_obj, ctx));
	xt_run_on(b, free_obj, ctx);
	xt_run_on(b, free_obj, ctx);		/* pending on thread_free */
	xt_run_on(a, free_obj, ctx);		/* the owner, just as wrong */
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 2ULL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 1UL);
	expect_sound(test, cache, 1);
	xalloc_cache_free(cache, ctx->keep);
	expect_sound(test, cache, 0);
}

/* A write one byte past the object lands in the red zone. */
static __no_sanitize_address void debug_red_zone_catches_an_overrun(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_redzone", 60, 0,
					       XALLOC_DEBUG, NULL);
	struct xalloc_cache_stats st;
	u8 *obj = xalloc_cache_alloc(cache, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj[60] = 0;
	xalloc_cache_free(cache, obj);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);	/* not freed, as in SLUB */

	/* The red zone was repaired: the object can be freed now. */
	xalloc_cache_free(cache, obj);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	expect_sound(test, cache, 0);
}

static __no_sanitize_address void write_after_free(struct hctx *ctx)
{
	((u8 *)ctx->obj)[10] = 0x42;
}

/* A write into a free object breaks its poison, seen when it comes back. */
static void debug_poison_catches_a_write_after_free(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_poison", 64, 0,
					       XALLOC_DEBUG, NULL);
	struct hctx *ctx = run_search(test, cache, NULL, write_after_free);
	struct xalloc_cache_stats st;

	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	/* Handed out repaired: poison, since debug caches are not zeroed. */
	KUNIT_EXPECT_NULL(test, memchr_inv(ctx->obj, 0x6b, 64));
	end_search(test, ctx);
}

static __no_sanitize_address void hide_pointer_then_free_again(struct hctx *ctx)
{
	unsigned long *word = free_word(ctx->cache, ctx->obj);

	ctx->raw = *word;
	*word = 0;
	xalloc_cache_free(ctx->cache, ctx->obj);
	*word = ctx->raw;
}

/*
 * The cheap check looks at the free pointer; with it overwritten, only
 * the debug red zone still knows the block is free.
 */
static void debug_catches_every_double_free(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_dfree_debug", 64, 0,
					       XALLOC_DEBUG, NULL);
	struct hctx *ctx = run_search(test, cache, NULL,
				      hide_pointer_then_free_again);

	expect_handed_out_once(test, ctx);
	end_search(test, ctx);
}

#define PATTERN 0x5a

static void pattern_ctor(void *obj)
{
	memset(obj, PATTERN, 48);
}

/* With a constructor, debug keeps red zones but does not poison. */
static void debug_keeps_constructed_state(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_debug_ctor", 48, 0,
					       XALLOC_DEBUG, pattern_ctor);
	struct xalloc_cache_stats st;
	u8 *obj = xalloc_cache_alloc(cache, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, PATTERN, 48));
	xalloc_cache_free(cache, obj);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	expect_sound(test, cache, 0);
}

static void restore_debug_param(void *unused)
{
	xt_write_file(DEBUG_PARAM, "0");
}

/* debug=1 makes every cache created from then on a debug cache. */
static void debug_parameter_applies_to_new_caches(struct kunit *test)
{
	struct xalloc_cache *plain, *debug;
	struct xalloc_cache_stats st;

	KUNIT_ASSERT_EQ(test, 0, xt_write_file(DEBUG_PARAM, "1"));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   restore_debug_param,
							   NULL));
	debug = xt_create(test, "t_param_debug", 64, 0, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(DEBUG_PARAM, "0"));
	plain = xt_create(test, "t_param_plain", 64, 0, 0, NULL);

	xt_stats(debug, &st);
	KUNIT_EXPECT_TRUE(test, st.flags & XALLOC_DEBUG);
	/* Object, a red zone word, the free pointer. */
	KUNIT_EXPECT_EQ(test, st.block_size, 80U);
	xt_stats(plain, &st);
	KUNIT_EXPECT_FALSE(test, st.flags & XALLOC_DEBUG);
	KUNIT_EXPECT_EQ(test, st.block_size, 64U);
}

static struct kunit_case hardening_cases[] = {
	KUNIT_CASE(free_pointers_are_encoded),
	KUNIT_CASE(forged_free_pointer_is_not_followed),
	KUNIT_CASE(local_double_free_is_refused),
	KUNIT_CASE(remote_double_free_is_refused),
	KUNIT_CASE(debug_red_zone_catches_an_overrun),
	KUNIT_CASE(debug_poison_catches_a_write_after_free),
	KUNIT_CASE(debug_catches_every_double_free),
	KUNIT_CASE(debug_keeps_constructed_state),
	KUNIT_CASE(debug_parameter_applies_to_new_caches),
	{}
};

static struct kunit_suite hardening_suite = {
	.name = "xalloc_hardening",
	.test_cases = hardening_cases,
};

kunit_test_suite(hardening_suite);
