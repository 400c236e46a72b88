// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_counters: the used/thread_free accounting of mimalloc's sharded
 * free lists, page reuse after remote frees, and segment release.
 *
 * used counts allocated blocks including those freed remotely and not yet
 * collected; a local free decrements it at once, a remote free leaves it
 * alone until the owner collects.
 */
#include <linux/cpumask.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "xalloc_test.h"

#define N	100

/* Allocate N on CPU a, free them on CPU b: all pending on thread_free. */
static void remote_frees_stay_used_until_collected(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_remote", 96, 0, 0, NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, N);
	struct xalloc_cache_stats st;
	int a, b;

	xt_two_cpus(test, &a, &b);
	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, N);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);

	xt_run_on(b, xt_free_batch, batch);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	KUNIT_EXPECT_EQ(test, st.remote_frees, (u64)N);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)N);

	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

/* Frees on the owner CPU decrement used at once, with no collection. */
static void local_frees_decrement_used(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_local", 96, 0, 0, NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, N);
	struct xalloc_cache_stats st;
	int a = cpumask_first(cpu_online_mask);

	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, N);
	batch->n = N / 2;
	xt_run_on(a, xt_free_batch, batch);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)(N - N / 2));
	/* With the blocks the CPU's object array held, unallocated. */
	KUNIT_EXPECT_GE(test, st.local_free, (unsigned long)(N / 2));
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.remote_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);

	batch->objs += N / 2;
	xt_run_on(a, xt_free_batch, batch);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.allocs, (u64)N);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)N);
}

/* A mix of local and remote frees keeps the invariants at quiescence. */
static void invariants_hold_after_mixed_frees(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_mixed", 200, 0, 0, NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, 1000);
	struct xt_batch *part = xt_batch_new(test, cache, 1000);
	struct xalloc_cache_stats st;
	unsigned int i, live = 0;
	int a, b;

	xt_two_cpus(test, &a, &b);
	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, 1000U);

	/* Free a random ~third on b, another ~third on a, keep the rest. */
	part->n = 0;
	for (i = 0; i < 1000; i++)
		if (get_random_u32_below(3) == 0)
			part->objs[part->n++] = batch->objs[i];
		else
			batch->objs[live++] = batch->objs[i];
	xt_run_on(b, xt_free_batch, part);
	batch->n = live / 2;
	xt_run_on(a, xt_free_batch, batch);
	live -= live / 2;

	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, live + st.thread_free);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)part->n);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);
	KUNIT_EXPECT_LE(test, st.capacity, st.reserved);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);

	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)live);
	KUNIT_EXPECT_EQ(test, st.used + st.free + st.local_free, st.capacity);

	batch->objs += batch->n;
	batch->n = live;
	xt_run_on(b, xt_free_batch, batch);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

/*
 * Allocate on @cpu until an object lands outside the first object's page:
 * the first page is then full. Keeps the objects of the first page.
 */
struct fill_ctx {
	struct xalloc_cache *cache;
	struct xt_batch *first_page;
	void *spill;
	unsigned int target;
};

static long fill_first_page(void *arg)
{
	struct fill_ctx *ctx = arg;
	struct xt_batch *batch = ctx->first_page;
	void *obj;

	batch->n = 0;
	for (;;) {
		obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		if (batch->n && !xt_same_page(obj, batch->objs[0])) {
			ctx->spill = obj;
			return 0;
		}
		if (batch->n == ctx->target)
			return -E2BIG;
		batch->objs[batch->n++] = obj;
	}
}

/* Allocate on the owner until a block lands outside the spill page. */
static long alloc_until_first_page(void *arg)
{
	struct fill_ctx *ctx = arg;
	struct xt_batch *held = ctx->first_page;
	unsigned int i;

	for (i = 0; i < ctx->target; i++) {
		held->objs[i] = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		held->n = i + 1;
		if (!held->objs[i])
			return -ENOMEM;
		if (!xt_same_page(held->objs[i], ctx->spill))
			return 0;
	}
	return -ENOSPC;
}

/*
 * A page that was full, then freed remotely, is reused: the remote free
 * queues it back to its owner, whose allocations find it again without
 * taking a third page.
 */
static void full_page_freed_remotely_is_reused(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_full", 128, 0, 0, NULL);
	struct fill_ctx ctx = { .cache = cache, .target = 2048 };
	struct xalloc_cache_stats st;
	unsigned int full;
	void *first, *back;
	int a, b;

	xt_two_cpus(test, &a, &b);
	ctx.first_page = xt_batch_new(test, cache, ctx.target);
	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(a, fill_first_page, &ctx));
	full = ctx.first_page->n;
	first = ctx.first_page->objs[0];
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 2UL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)full + 1);

	xt_run_on(b, xt_free_batch, ctx.first_page);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)full);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)full + 1);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);

	KUNIT_ASSERT_EQ(test, 0L, xt_run_on(a, alloc_until_first_page, &ctx));
	back = ctx.first_page->objs[ctx.first_page->n - 1];
	KUNIT_EXPECT_TRUE(test, xt_same_page(back, first));
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 2UL);

	xt_run_on(a, xt_free_batch, ctx.first_page);
	xalloc_cache_free(cache, ctx.spill);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
}

static void sort_ptrs(void **objs, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && objs[j - 1] > objs[j]; j--)
			swap(objs[j - 1], objs[j]);
}

/* Fill exactly one page, free it all remotely, and refill the same page. */
static void page_filled_then_freed_remotely_is_refilled(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_refill", 512, 0, 0,
					       NULL);
	struct xt_batch *first = xt_batch_new(test, cache, 1);
	struct xt_batch *batch, *again;
	struct xalloc_cache_stats st;
	unsigned int i, reserved;
	int a, b;

	xt_two_cpus(test, &a, &b);
	xt_run_on(a, xt_alloc_batch, first);
	KUNIT_ASSERT_EQ(test, first->done, 1U);
	xt_stats(cache, &st);
	reserved = st.reserved;
	KUNIT_ASSERT_EQ(test, st.pages, 1UL);

	batch = xt_batch_new(test, cache, reserved);
	batch->n = reserved - 1;
	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, reserved - 1);
	batch->objs[reserved - 1] = first->objs[0];
	batch->n = reserved;
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 1UL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)reserved);
	KUNIT_EXPECT_EQ(test, st.capacity, (unsigned long)reserved);
	KUNIT_EXPECT_EQ(test, st.free, 0UL);

	again = xt_batch_new(test, cache, reserved);
	memcpy(again->objs, batch->objs, reserved * sizeof(void *));
	xt_run_on(b, xt_free_batch, batch);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.thread_free, (unsigned long)reserved);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)reserved);

	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, reserved);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 1UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.used, (unsigned long)reserved);

	/* The very same blocks came back. */
	sort_ptrs(batch->objs, reserved);
	sort_ptrs(again->objs, reserved);
	for (i = 0; i < reserved; i++)
		KUNIT_EXPECT_PTR_EQ(test, batch->objs[i], again->objs[i]);
	xt_run_on(a, xt_free_batch, batch);
}

/* Overwrite a free block's next pointer, as a use-after-free would. */
struct corrupt_ctx {
	struct xalloc_cache *cache;
	void *keep;
	void *obj;
	unsigned long saved;
};

static __no_sanitize_address long corrupt_on_cpu(void *arg)
{
	struct corrupt_ctx *ctx = arg;

	ctx->keep = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	ctx->obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!ctx->keep || !ctx->obj)
		return -ENOMEM;
	/* keep holds the page: obj goes back to a free list of it. */
	xalloc_cache_free(ctx->cache, ctx->obj);
	xt_flush(ctx->cache);
	ctx->saved = *(unsigned long *)ctx->obj;
	*(unsigned long *)ctx->obj = (unsigned long)ctx->obj + 8;
	return 0;
}

/* validate finds a corrupted free list; a sound cache validates clean. */
static __no_sanitize_address void validate_catches_a_corrupted_list(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_validate", 64, 0, 0,
					       NULL);
	struct corrupt_ctx ctx = { .cache = cache };

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  corrupt_on_cpu, &ctx));
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 1UL);

	*(unsigned long *)ctx.obj = ctx.saved;
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xalloc_cache_free(cache, ctx.keep);
}

/* Empty segments go back to vmalloc, all but the ready reserve. */
static void empty_segments_are_released(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_segments", 60000, 0, 0,
					       NULL);
	struct xt_batch *batch = xt_batch_new(test, cache, 300);
	struct xalloc_segment_stats before, peak, after;
	struct xalloc_cache_stats st;
	unsigned long released;

	xalloc_segment_get_stats(&before);
	batch->gfp = GFP_KERNEL;
	xt_alloc_batch(batch);
	KUNIT_ASSERT_EQ(test, batch->done, 300U);
	xalloc_segment_get_stats(&peak);
	xt_stats(cache, &st);
	KUNIT_EXPECT_GE(test, st.segments, 4UL);
	KUNIT_EXPECT_GE(test, peak.segments, before.segments + 3);

	xt_free_batch(batch);
	released = xalloc_cache_shrink(cache);
	KUNIT_EXPECT_GT(test, released, 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.segments, 0UL);
	xalloc_segment_get_stats(&after);
	/* At most one reserve segment more than before, for this pool. */
	KUNIT_EXPECT_LE(test, after.segments, before.segments + 1);
	KUNIT_EXPECT_LT(test, after.segments, peak.segments);
}

static struct kunit_case counters_cases[] = {
	KUNIT_CASE(remote_frees_stay_used_until_collected),
	KUNIT_CASE(local_frees_decrement_used),
	KUNIT_CASE(invariants_hold_after_mixed_frees),
	KUNIT_CASE(full_page_freed_remotely_is_reused),
	KUNIT_CASE(page_filled_then_freed_remotely_is_refilled),
	KUNIT_CASE(validate_catches_a_corrupted_list),
	KUNIT_CASE(empty_segments_are_released),
	{}
};

static struct kunit_suite counters_suite = {
	.name = "xalloc_counters",
	.test_cases = counters_cases,
};

kunit_test_suite(counters_suite);
