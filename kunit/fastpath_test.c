// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_fastpath: the per-CPU object array and the bulk API.
 *
 * The reentrancy case plays the interrupt by hand: it claims the array as
 * an interrupted fast path would have, then allocates and frees as the
 * interrupt would, and checks that the array was left alone and the pages
 * served instead. The timer-driven cases of xalloc_concurrency exercise
 * the same paths by chance; this one does it every time.
 */
#include <linux/preempt.h>
#include <linux/string.h>

#include "xalloc_test.h"
/* The heap's object array is internal. */
#include "../xalloc/internal.h"

#define FP_OBJS		200
#define FP_BULK		100

/* A CPU-local sequence, run with preemption off. */
struct claimed_ctx {
	struct xalloc_cache *cache;
	unsigned int nr_before, nr_after;
	void *cached_before[XALLOC_CACHED_MAX];
	bool same_contents;
	void *objs[8];
	unsigned int got;
};

static long alloc_while_claimed(void *arg)
{
	struct claimed_ctx *ctx = arg;
	struct xalloc_heap *heap;
	unsigned int i;
	void *warm;

	/* Put blocks in the array: allocate, then free locally. */
	warm = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!warm)
		return -ENOMEM;
	xalloc_cache_free(ctx->cache, warm);

	preempt_disable();
	heap = this_cpu_ptr(ctx->cache->heaps);
	ctx->nr_before = heap->nr_cached;
	memcpy(ctx->cached_before, heap->cached, sizeof(heap->cached));
	/* What an interrupted fast path holds. */
	heap->busy = 1;
	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++) {
		ctx->objs[i] = xalloc_cache_alloc(ctx->cache, GFP_ATOMIC);
		if (ctx->objs[i])
			ctx->got++;
	}
	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++)
		xalloc_cache_free(ctx->cache, ctx->objs[i]);
	ctx->nr_after = heap->nr_cached;
	ctx->same_contents = !memcmp(ctx->cached_before, heap->cached,
				     sizeof(heap->cached));
	heap->busy = 0;
	preempt_enable();
	return 0;
}

/*
 * An interrupt that lands in a fast path finds the array claimed: it must
 * allocate and free through the pages and leave the array as it was.
 */
static void interrupt_leaves_a_claimed_array_alone(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_claimed", 64, 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	struct claimed_ctx *ctx;
	unsigned int i;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "PREEMPT_RT claims the array with the heap lock");
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->cache = cache;
	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  alloc_while_claimed, ctx));
	KUNIT_EXPECT_GT(test, ctx->nr_before, 0U);
	KUNIT_EXPECT_EQ(test, ctx->got, (unsigned int)ARRAY_SIZE(ctx->objs));
	KUNIT_EXPECT_EQ(test, ctx->nr_after, ctx->nr_before);
	KUNIT_EXPECT_TRUE(test, ctx->same_contents);
	/* None of the array's blocks was handed out. */
	for (i = 0; i < ARRAY_SIZE(ctx->objs) * ctx->nr_before; i++)
		KUNIT_EXPECT_PTR_NE(test, ctx->objs[i / ctx->nr_before],
				    ctx->cached_before[i % ctx->nr_before]);

	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, st.allocs, 1 + (u64)ARRAY_SIZE(ctx->objs));
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

/* A block in the array is free: freeing it again is refused. */
static void double_free_into_the_array_is_refused(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arraydf", 64, 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	void *a, *b, *c;

	a = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	xalloc_cache_free(cache, a);
	xalloc_cache_free(cache, a);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 1ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 1ULL);

	b = xalloc_cache_alloc(cache, GFP_KERNEL);
	c = xalloc_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_NE(test, b, c);
	xalloc_cache_free(cache, b);
	xalloc_cache_free(cache, c);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

struct uaf_ctx {
	struct xalloc_cache *cache;
	void *keep;
	void *obj;
};

static long alloc_two_free_one_on(void *arg)
{
	struct uaf_ctx *ctx = arg;

	ctx->keep = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	ctx->obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!ctx->keep || !ctx->obj)
		return -ENOMEM;
	xalloc_cache_free(ctx->cache, ctx->obj);
	return 0;
}

/*
 * A write into a block while the array holds it is found when the array
 * goes back to the pages: the block's free pointer is its mark.
 */
static __no_sanitize_address void write_into_the_array_is_found(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arrayuaf", 64, 0, 0,
					       NULL);
	struct uaf_ctx ctx = { .cache = cache };
	struct xalloc_cache_stats st;

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  alloc_two_free_one_on, &ctx));
	*(unsigned long *)ctx.obj = 0x1234;
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	/* keep, and obj kept out of use */
	KUNIT_EXPECT_EQ(test, st.used, 2UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_free(cache, ctx.keep);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
}

struct written_ctx {
	struct uaf_ctx uaf;
	void *again;
};

static __no_sanitize_address long write_then_alloc_on(void *arg)
{
	struct written_ctx *ctx = arg;
	long ret = alloc_two_free_one_on(&ctx->uaf);

	if (ret)
		return ret;
	/* obj is on top of the array: the next allocation pops it. */
	*(unsigned long *)ctx->uaf.obj = 0x1234;
	ctx->again = xalloc_cache_alloc(ctx->uaf.cache, GFP_KERNEL);
	return 0;
}

/*
 * A block written to in the array is not handed out: its mark is checked
 * as it leaves. Bug: the mark was not checked on the way out, so the
 * block went back into use, and a double free of it passed.
 */
static void written_array_block_is_not_handed_out(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arraypop", 64, 0, 0,
					       NULL);
	struct written_ctx ctx = { .uaf.cache = cache };
	struct xalloc_cache_stats st;

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  write_then_alloc_on, &ctx));
	KUNIT_ASSERT_NOT_NULL(test, ctx.again);
	KUNIT_EXPECT_PTR_NE(test, ctx.again, ctx.uaf.obj);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	/* keep, again, and the written block, kept out of circulation */
	KUNIT_EXPECT_EQ(test, st.used, 3UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_free(cache, ctx.uaf.keep);
	xalloc_cache_free(cache, ctx.again);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
}

struct twice_ctx {
	struct uaf_ctx uaf;
	void *x, *y;
};

/* Free obj, write into it, free it again: it sits twice in the array. */
static __no_sanitize_address long write_free_again_on(void *arg)
{
	struct uaf_ctx *ctx = arg;
	long ret = alloc_two_free_one_on(ctx);

	if (ret)
		return ret;
	/* The write erases the mark, so the second free is not refused. */
	*(unsigned long *)ctx->obj = 0x1234;
	xalloc_cache_free(ctx->cache, ctx->obj);
	return 0;
}

static __no_sanitize_address long write_free_again_then_alloc_on(void *arg)
{
	struct twice_ctx *ctx = arg;
	long ret = write_free_again_on(&ctx->uaf);

	if (ret)
		return ret;
	ctx->x = xalloc_cache_alloc(ctx->uaf.cache, GFP_KERNEL);
	ctx->y = xalloc_cache_alloc(ctx->uaf.cache, GFP_KERNEL);
	return 0;
}

/*
 * A block written to after its free, then freed again, sits twice in the
 * array: it must be handed out once at most. Bug: a copy that lost its
 * mark went back into use when the array was given back to the pages.
 */
static void twice_freed_written_block_is_handed_out_once(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arraytwice", 64, 0, 0,
					       NULL);
	struct twice_ctx ctx = { .uaf.cache = cache };
	struct xalloc_cache_stats st;

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  write_free_again_then_alloc_on, &ctx));
	KUNIT_ASSERT_NOT_NULL(test, ctx.x);
	KUNIT_ASSERT_NOT_NULL(test, ctx.y);
	KUNIT_EXPECT_PTR_NE(test, ctx.x, ctx.y);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_free(cache, ctx.x);
	xalloc_cache_free(cache, ctx.y);
	xalloc_cache_free(cache, ctx.uaf.keep);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	/* The dropped copy was a second pointer to a block counted once. */
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/*
 * The same block, twice in the array, given back to its page: once. Bug:
 * the mark was an encoded end of list, which the first copy, pushed on an
 * empty local_free, carried again; the second copy went on the list too,
 * pointing at itself, and used dropped below the live objects.
 */
static void twice_freed_written_block_is_flushed_once(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arrayflush", 64, 0, 0,
					       NULL);
	struct uaf_ctx ctx = { .cache = cache };
	struct xalloc_cache_stats st;

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  write_free_again_on, &ctx));
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 1ULL);
	/* keep is live; obj, freed, counts no more */
	KUNIT_EXPECT_EQ(test, st.used, 1UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_free(cache, ctx.keep);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/*
 * Reading the counters gives the array's blocks back to their pages: the
 * counters are the pages' own, used included.
 */
static void counters_see_through_the_array(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_arraystats", 64, 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	struct xt_batch *b = xt_batch_new(test, cache, FP_OBJS);
	struct xt_batch *half = xt_batch_new(test, cache, FP_OBJS / 2);
	int cpu = cpumask_first(cpu_online_mask);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(cpu, xt_alloc_batch, b));
	/* Free every other object on the owner CPU: into the array. */
	for (i = 0; i < FP_OBJS / 2; i++) {
		half->objs[i] = b->objs[2 * i];
		b->objs[2 * i] = NULL;
	}
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(cpu, xt_free_batch, half));
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)FP_OBJS / 2);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(cpu, xt_free_batch, b));
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)FP_OBJS);
}

static bool all_distinct(void **p, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (p[i] == p[j])
				return false;
	return true;
}

/* Bulk allocation gives distinct, zeroed objects; bulk free takes them. */
static void bulk_alloc_and_free(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_bulk", 96, 0, 0, NULL);
	struct xalloc_cache_stats st;
	void **p = kunit_kcalloc(test, FP_BULK, sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, FP_BULK,
			xalloc_cache_alloc_bulk(cache, GFP_KERNEL | __GFP_ZERO,
						FP_BULK, p));
	KUNIT_EXPECT_TRUE(test, all_distinct(p, FP_BULK));
	for (i = 0; i < FP_BULK; i++) {
		KUNIT_EXPECT_NULL(test, memchr_inv(p[i], 0, 96));
		memset(p[i], 0x3c, 96);
	}
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)FP_BULK);
	KUNIT_EXPECT_EQ(test, st.allocs, (u64)FP_BULK);

	xalloc_cache_free_bulk(cache, FP_BULK, p);
	/* This task may have moved since: the frees may be remote. */
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)FP_BULK);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	KUNIT_EXPECT_EQ(test, 0, xalloc_cache_alloc_bulk(NULL, GFP_KERNEL, 4,
							 p));
}

/*
 * A bulk free skips NULL, refuses a foreign pointer and a second pointer
 * to one block, and frees the rest.
 */
static void bulk_free_refuses_bad_pointers(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_bulkbad", 64, 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	void *p[8], *foreign = kunit_kzalloc(test, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_EQ(test, 4, xalloc_cache_alloc_bulk(cache, GFP_KERNEL, 4,
							 p));
	p[4] = NULL;
	p[5] = p[1];		/* a double free within the batch */
	p[6] = foreign;
	p[7] = p[2];
	xalloc_cache_free_bulk(cache, 8, p);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 3ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 4ULL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

struct remote_bulk {
	struct xalloc_cache *cache;
	void **p;
	unsigned int n;
};

static long free_bulk_on(void *arg)
{
	struct remote_bulk *rb = arg;

	xalloc_cache_free_bulk(rb->cache, rb->n, rb->p);
	return 0;
}

static long alloc_bulk_on(void *arg)
{
	struct remote_bulk *rb = arg;

	return xalloc_cache_alloc_bulk(rb->cache, GFP_KERNEL, rb->n, rb->p);
}

/* A bulk free on another CPU leaves its blocks on thread_free. */
static void remote_bulk_free_is_collected(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_bulkremote", 64, 0, 0,
					       NULL);
	struct remote_bulk rb = { .cache = cache, .n = FP_BULK };
	struct xalloc_cache_stats st;
	int a, b;

	xt_two_cpus(test, &a, &b);
	rb.p = kunit_kcalloc(test, FP_BULK, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rb.p);
	KUNIT_ASSERT_EQ(test, (long)FP_BULK, xt_run_on(a, alloc_bulk_on, &rb));
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(b, free_bulk_on, &rb));
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)FP_BULK);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)FP_BULK);
	KUNIT_EXPECT_EQ(test, st.remote_frees, (u64)FP_BULK);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* All or none: a bulk allocation that cannot be met gives nothing. */
static void bulk_alloc_is_all_or_none(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_bulkfail", 8192, 0, 0,
					       NULL);
	struct xalloc_cache_stats st;
	unsigned int n = 4096;	/* 32 MiB: more than the reserve holds */
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	xt_set_reserve(test, "0");
	xalloc_cache_shrink(cache);
	KUNIT_EXPECT_EQ(test, 0, xalloc_cache_alloc_bulk(cache, GFP_NOWAIT, n,
							 p));
	/* This task may have moved since: the frees may be remote. */
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, 1ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

static struct kunit_case fastpath_cases[] = {
	KUNIT_CASE(interrupt_leaves_a_claimed_array_alone),
	KUNIT_CASE(double_free_into_the_array_is_refused),
	KUNIT_CASE(counters_see_through_the_array),
	KUNIT_CASE(write_into_the_array_is_found),
	KUNIT_CASE(written_array_block_is_not_handed_out),
	KUNIT_CASE(twice_freed_written_block_is_handed_out_once),
	KUNIT_CASE(twice_freed_written_block_is_flushed_once),
	KUNIT_CASE(bulk_alloc_and_free),
	KUNIT_CASE(bulk_free_refuses_bad_pointers),
	KUNIT_CASE(remote_bulk_free_is_collected),
	KUNIT_CASE(bulk_alloc_is_all_or_none),
	{}
};

static struct kunit_suite fastpath_suite = {
	.name = "xalloc_fastpath",
	.test_cases = fastpath_cases,
};

kunit_test_suite(fastpath_suite);
