// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_regressions: one case per bug found in the allocator core. Each
 * case says which bug it catches; on the code that had the bug it fails.
 *
 * Sequences that must see one CPU's lists run on that CPU (xt_run_on()).
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "xalloc_test.h"
/* Only for forging a segment header in stray_pointer_is_not_followed(). */
#include "../xalloc/internal.h"

#define DROP_CACHES	"/proc/sys/vm/drop_caches"

static void regress_destroy(void *cache)
{
	xalloc_cache_destroy(cache);
}

/* Objects larger than 64 KiB: a free pointer offset that is a u16. */
#define LARGE_OBJS	4
#define LARGE_CTOR_BYTE	0x5a
#define LARGE_FILL_BYTE	0xa5

struct large_param {
	unsigned int size;
	bool ctor;
	bool debug;
};

static const struct large_param large_params[] = {
	{ 65512, 0, 0 }, { 65512, 1, 0 }, { 65512, 0, 1 }, { 65512, 1, 1 },
	{ 65528, 0, 0 }, { 65528, 1, 0 }, { 65528, 0, 1 }, { 65528, 1, 1 },
	{ 65536, 0, 0 }, { 65536, 1, 0 }, { 65536, 0, 1 }, { 65536, 1, 1 },
	{ 100000, 0, 0 }, { 100000, 1, 0 }, { 100000, 0, 1 }, { 100000, 1, 1 },
	{ 262144, 0, 0 }, { 262144, 1, 0 }, { 262144, 0, 1 }, { 262144, 1, 1 },
};

static void large_desc(const struct large_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u%s%s", p->size,
		 p->ctor ? " ctor" : "", p->debug ? " debug" : "");
}

KUNIT_ARRAY_PARAM(large, large_params, large_desc);

/* The object size of the cache under test, for large_ctor(). */
static unsigned int large_ctor_size;

static void large_ctor(void *obj)
{
	memset(obj, LARGE_CTOR_BYTE, READ_ONCE(large_ctor_size));
}

/*
 * Bugs: the free pointer offset of a page was an unsigned short, so that a
 * constructor cache of objects over 65528 B kept its free pointer inside
 * the object (and lost the constructed state), and a debug cache over
 * 65520 B put it over the poison and reported a corruption at every
 * allocation.
 */
static void large_sizes_keep_their_state(struct kunit *test)
{
	const struct large_param *p = test->param_value;
	int cpu = cpumask_first(cpu_online_mask);
	struct xalloc_cache_stats st;
	struct xalloc_cache *cache;
	struct xt_batch *batch;
	unsigned int round, i, bad;

	WRITE_ONCE(large_ctor_size, p->size);
	cache = xt_create(test, "t_large", p->size, 0,
			  p->debug ? XALLOC_DEBUG : 0,
			  p->ctor ? large_ctor : NULL);
	batch = xt_batch_new(test, cache, LARGE_OBJS);
	/* Round 0 carves the blocks, round 1 gets the same blocks back. */
	for (round = 0; round < 2; round++) {
		xt_run_on(cpu, xt_alloc_batch, batch);
		KUNIT_EXPECT_EQ(test, batch->done, LARGE_OBJS);
		for (i = 0, bad = 0; i < batch->n; i++) {
			if (!batch->objs[i])
				continue;
			if (p->ctor)
				bad += !!memchr_inv(batch->objs[i],
						    LARGE_CTOR_BYTE, p->size);
			else
				memset(batch->objs[i], LARGE_FILL_BYTE,
				       p->size);
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0U,
				    "round %u: constructed state lost", round);
		xt_run_on(cpu, xt_free_batch, batch);
	}
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
}

/* 128 KiB objects: a page per 4 MiB segment, about 31 objects each. */
#define BIG_SIZE	131072
#define BIG_OBJS	200

/*
 * Allocate BIG_OBJS objects on one CPU and free them all on another: some
 * seven pages then hold nothing but remote frees.
 */
static struct xalloc_cache *
remote_emptied_pages(struct kunit *test, const char *name,
		     struct xalloc_segment_stats *before)
{
	struct xalloc_cache_stats st;
	struct xalloc_cache *cache;
	struct xt_batch *batch;
	int a, b;

	xt_two_cpus(test, &a, &b);
	xalloc_segment_get_stats(before);
	cache = xt_create(test, name, BIG_SIZE, 0, 0, NULL);
	batch = xt_batch_new(test, cache, BIG_OBJS);
	xt_run_on(a, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, BIG_OBJS);
	xt_stats(cache, &st);
	KUNIT_ASSERT_GT(test, st.pages, 1UL);
	xt_run_on(b, xt_free_batch, batch);
	return cache;
}

/*
 * Everything was freed remotely and collected: only the owner's current
 * page may stay, and pressure unmaps the segments the others went back
 * to, all but one more than before the cache (@before).
 */
static void expect_pages_went_back(struct kunit *test,
				   struct xalloc_cache_stats *st,
				   struct xalloc_segment_stats *before)
{
	struct xalloc_segment_stats after;

	KUNIT_EXPECT_EQ(test, st->used, 0UL);
	KUNIT_EXPECT_EQ(test, st->thread_free, 0UL);
	KUNIT_EXPECT_LE(test, st->pages, 1UL);
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(DROP_CACHES, "2"));
	xalloc_segment_get_stats(&after);
	KUNIT_EXPECT_LE(test, after.segments, before->segments + 1);
}

/*
 * Bug: collecting remote frees left the emptied pages with their owner:
 * seven pages with used == 0, and their segments, held forever.
 */
static void remote_emptied_pages_go_back(struct kunit *test)
{
	struct xalloc_segment_stats before;
	struct xalloc_cache_stats st;
	struct xalloc_cache *cache;

	cache = remote_emptied_pages(test, "t_remote_emptied", &before);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	expect_pages_went_back(test, &st, &before);
}

/*
 * Bug: under memory pressure nothing collected remote frees, so the
 * shrinker never saw the pages they emptied. Pressure now starts a
 * collection from a work item: poll for its effect. The work runs at most
 * once a second, the last test's pressure may just have run it, and a run
 * visits every CPU of every cache, which under TCG and KASAN took more
 * than the two seconds this test once allowed.
 */
static void pressure_reclaims_remote_emptied_pages(struct kunit *test)
{
	unsigned long deadline = jiffies + 10 * HZ;
	struct xalloc_segment_stats before;
	struct xalloc_cache_stats st;
	struct xalloc_cache *cache;

	cache = remote_emptied_pages(test, "t_pressure_emptied", &before);
	for (;;) {
		KUNIT_ASSERT_EQ(test, 0, xt_write_file(DROP_CACHES, "2"));
		xt_stats(cache, &st);
		if (st.pages <= 1 || time_after(jiffies, deadline))
			break;
		msleep(50);
	}
	expect_pages_went_back(test, &st, &before);
}

#define IOF_OBJS	3000

/* The objects of @batch with a byte that is not zero. */
static unsigned int dirty_objects(struct xt_batch *batch, unsigned int size)
{
	unsigned int i, dirty = 0;

	for (i = 0; i < batch->n; i++)
		dirty += batch->objs[i] && memchr_inv(batch->objs[i], 0, size);
	return dirty;
}

/*
 * Bug: with init_on_free and no init_on_alloc, objects are zeroed when
 * freed only; but a page given back and lent to another cache, whose
 * blocks lie elsewhere, kept the old cache's free pointers, and so did
 * freshly carved blocks: new objects were not zeroed.
 */
static void init_on_free_zeroes_every_new_object(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	struct xalloc_cache *pin, *a, *b;
	struct xt_batch *keep, *batch, part;
	unsigned int i;

	if (!want_init_on_free() || want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "needs init_on_free=1 and init_on_alloc=0");

	/* A live object keeps the segment mapped: b is lent a's pages. */
	pin = xt_create(test, "t_iof_pin", 24, 0, 0, NULL);
	keep = xt_batch_new(test, pin, 1);
	xt_run_on(cpu, xt_alloc_batch, keep);
	KUNIT_ASSERT_EQ(test, keep->done, 1U);

	a = xalloc_cache_create("t_iof_a", 24, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   regress_destroy, a));
	batch = xt_batch_new(test, a, IOF_OBJS);
	xt_run_on(cpu, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, IOF_OBJS);
	for (i = 0; i < IOF_OBJS; i++)
		memset(batch->objs[i], 0xff, 24);
	xt_run_on(cpu, xt_free_batch, batch);
	xalloc_cache_shrink(a);
	kunit_release_action(test, regress_destroy, a);

	b = xt_create(test, "t_iof_b", 32, 0, 0, NULL);
	batch = xt_batch_new(test, b, IOF_OBJS);
	xt_run_on(cpu, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, IOF_OBJS);
	KUNIT_EXPECT_EQ(test, dirty_objects(batch, 32), 0U);

	/* Freed and allocated again on one CPU: the same blocks. */
	part = *batch;
	part.n = 100;
	xt_run_on(cpu, xt_free_batch, &part);
	xt_run_on(cpu, xt_alloc_batch, &part);
	KUNIT_EXPECT_EQ(test, part.done, 100U);
	KUNIT_EXPECT_EQ(test, dirty_objects(&part, 32), 0U);

	xt_run_on(cpu, xt_free_batch, batch);
	xt_run_on(cpu, xt_free_batch, keep);
}

#define MAX_POINTS	16

/*
 * Bug: __GFP_NOFAIL was ignored: an allocation gave up and returned NULL
 * when a segment could not be mapped. With no ready segment, every
 * allocation here maps one; each injection point on that path is failed
 * in turn, as kunit/faults_test.c does. (The fail_segment attributes in
 * debugfs cannot be written from here: kernel_write() needs ->write_iter,
 * which debugfs attribute files lack.)
 */
static void nofail_survives_segment_failures(struct kunit *test)
{
	struct xalloc_cache_stats st;
	struct xalloc_cache *cache;
	unsigned int n, failed = 0;
	void *obj;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	xt_set_reserve(test, "0");
	cache = xt_create(test, "t_nofail", BIG_SIZE, 0, 0, NULL);
	for (n = 1; n <= MAX_POINTS; n++) {
		/* No page and no ready segment left for the next allocation. */
		xalloc_cache_shrink(cache);
		xt_fail_nth(n);
		obj = xalloc_cache_alloc(cache, GFP_KERNEL | __GFP_NOFAIL);
		if (xt_fail_nth_left()) {
			/* Every point passed: the sweep is over. */
			KUNIT_EXPECT_NOT_NULL(test, obj);
			xalloc_cache_free(cache, obj);
			break;
		}
		KUNIT_EXPECT_NOT_NULL_MSG(test, obj, "injection point %u", n);
		xalloc_cache_free(cache, obj);
		failed++;
	}
	KUNIT_EXPECT_GE(test, failed, 1U);
	KUNIT_EXPECT_LE(test, n, (unsigned int)MAX_POINTS);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, 0ULL);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* Allocate keep and obj, then free obj: it lies on local_free. */
struct freed_ctx {
	struct xalloc_cache *cache;
	void *keep;		/* holds the page, so that it stays current */
	void *obj;
	unsigned long saved;
};

static long alloc_two_free_one(struct freed_ctx *ctx)
{
	ctx->keep = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	ctx->obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!ctx->keep || !ctx->obj)
		return -ENOMEM;
	xalloc_cache_free(ctx->cache, ctx->obj);
	xt_flush(ctx->cache);
	return 0;
}

static __no_sanitize_address long write_after_free_on_cpu(void *arg)
{
	struct freed_ctx *ctx = arg;
	long ret = alloc_two_free_one(ctx);

	if (!ret)
		((u8 *)ctx->obj)[10] = 0x42;
	return ret;
}

/*
 * Bug: validate checked the lists but not the poison and red zones of
 * free objects: a write after free was found only when the block was
 * handed out again.
 */
static void validate_finds_write_after_free(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_validate_uaf", 64, 0,
					       XALLOC_DEBUG, NULL);
	struct freed_ctx ctx = { .cache = cache };
	struct xalloc_cache_stats st;
	u64 before;

	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  write_after_free_on_cpu, &ctx));
	xt_stats(cache, &st);
	before = st.corruptions;
	KUNIT_EXPECT_GE(test, xalloc_cache_validate(cache), 1UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_GE(test, st.corruptions, before + 1);

	/* The poison was repaired when reported. */
	before = st.corruptions;
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, before);
	xalloc_cache_free(cache, ctx.keep);
}

static __no_sanitize_address long break_pointer_on_cpu(void *arg)
{
	struct freed_ctx *ctx = arg;
	long ret = alloc_two_free_one(ctx);

	if (!ret) {
		ctx->saved = *(unsigned long *)ctx->obj;
		*(unsigned long *)ctx->obj = (unsigned long)ctx->obj + 8;
	}
	return ret;
}

/*
 * Bug: validate reported a broken free list but did not count it in
 * corruptions.
 */
static __no_sanitize_address void validate_counts_broken_free_pointers(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_validate_count", 64, 0,
					       0, NULL);
	struct freed_ctx ctx = { .cache = cache };
	struct xalloc_cache_stats st;
	u64 before;

	xt_stats(cache, &st);
	before = st.corruptions;
	KUNIT_ASSERT_EQ(test, 0L,
			xt_run_on(cpumask_first(cpu_online_mask),
				  break_pointer_on_cpu, &ctx));
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 1UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, before + 1);

	*(unsigned long *)ctx.obj = ctx.saved;
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(cache), 0UL);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.corruptions, before + 1);
	xalloc_cache_free(cache, ctx.keep);
}

/*
 * Double frees racing the retirement of their page. 8000 B objects: eight
 * blocks to a 64 KiB page. Each round the owner allocates 24 objects and
 * hands two in three to a thread on another CPU, which frees each once,
 * then each again, while the owner empties the pages: it frees the
 * objects it kept and collects the remote frees, so that pages go back to
 * their segment as the second frees arrive. The owner allocates nothing
 * before the second frees are over: no block is handed out again under a
 * free still in flight.
 */
#define DF_SIZE		8000
#define DF_HANDED	16
#define DF_KEPT		8
#define DF_ROUNDS	2000

struct dfree_ctx {
	struct xalloc_cache *cache;
	void *handed[DF_HANDED];
	void *kept[DF_KEPT];
	struct completion go;		/* objects handed over, or stop */
	struct completion first;	/* each handed object freed once */
	struct completion done;		/* ... and freed again */
	struct completion exited;
	unsigned int rounds;
	unsigned int second_frees;
	bool alloc_failed;
	bool stop;
};

static int dfree_remote_fn(void *arg)
{
	struct dfree_ctx *ctx = arg;
	unsigned int i;

	for (;;) {
		wait_for_completion(&ctx->go);
		if (READ_ONCE(ctx->stop))
			break;
		for (i = 0; i < DF_HANDED; i++)
			xalloc_cache_free(ctx->cache, ctx->handed[i]);
		complete(&ctx->first);
		/*
		 * Spread out, to overlap the owner's frees and collection.
		 * A busy wait: a sleep's hrtimer races with its wakeup in a
		 * way KCSAN's interrupt watchers report, outside xalloc.
		 */
		for (i = 0; i < DF_HANDED; i++) {
			xalloc_cache_free(ctx->cache, ctx->handed[i]);
			ctx->second_frees++;
			udelay(5);
		}
		complete(&ctx->done);
	}
	kthread_complete_and_exit(&ctx->exited, 0);
}

/* Allocate the round's objects; false (all freed again) on a failure. */
static bool dfree_alloc_round(struct dfree_ctx *ctx)
{
	unsigned int i, h = 0, k = 0;
	void *obj;

	for (i = 0; i < DF_HANDED + DF_KEPT; i++) {
		obj = xalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		if (!obj)
			break;
		if (i % 3 == 2)
			ctx->kept[k++] = obj;
		else
			ctx->handed[h++] = obj;
	}
	if (i == DF_HANDED + DF_KEPT)
		return true;
	while (h)
		xalloc_cache_free(ctx->cache, ctx->handed[--h]);
	while (k)
		xalloc_cache_free(ctx->cache, ctx->kept[--k]);
	ctx->alloc_failed = true;
	return false;
}

static long dfree_owner_fn(void *arg)
{
	struct dfree_ctx *ctx = arg;
	unsigned long deadline = jiffies + HZ;
	unsigned int round, i;

	for (round = 0; round < DF_ROUNDS && time_before(jiffies, deadline);
	     round++) {
		if (!dfree_alloc_round(ctx))
			break;
		complete(&ctx->go);
		wait_for_completion(&ctx->first);
		/*
		 * The last free of a page empties it: a local free (odd
		 * rounds: the remote frees are collected first) or the
		 * collection (even rounds).
		 */
		if (round & 1)
			xalloc_cache_collect(ctx->cache);
		for (i = 0; i < DF_KEPT; i++)
			xalloc_cache_free(ctx->cache, ctx->kept[i]);
		xalloc_cache_collect(ctx->cache);
		wait_for_completion(&ctx->done);
	}
	ctx->rounds = round;
	WRITE_ONCE(ctx->stop, true);
	complete(&ctx->go);
	return 0;
}

/*
 * Bug: a double free that arrived while the owner collected the remote
 * frees and gave the emptied page back was not refused: it could push the
 * block onto a page no longer in use. Every second free must be refused
 * and counted, and the cache stay sound.
 */
static void double_free_racing_retirement_is_refused(struct kunit *test)
{
	struct dfree_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xalloc_cache_stats st;
	struct task_struct *task;
	int a, b;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	xt_two_cpus(test, &a, &b);
	ctx->cache = xt_create(test, "t_dfree_retire", DF_SIZE, 0, 0, NULL);
	init_completion(&ctx->go);
	init_completion(&ctx->first);
	init_completion(&ctx->done);
	init_completion(&ctx->exited);
	task = kthread_run_on_cpu(dfree_remote_fn, ctx, b, "xalloc_dfree/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	xt_run_on(a, dfree_owner_fn, ctx);
	wait_for_completion(&ctx->exited);

	KUNIT_EXPECT_FALSE(test, ctx->alloc_failed);
	KUNIT_EXPECT_GT(test, ctx->rounds, 0U);
	KUNIT_EXPECT_EQ(test, ctx->second_frees, ctx->rounds * DF_HANDED);
	xalloc_cache_collect(ctx->cache);
	xt_stats(ctx->cache, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, (u64)ctx->second_frees);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
	KUNIT_EXPECT_EQ(test, st.corruptions, 0ULL);
	KUNIT_EXPECT_EQ(test, xalloc_cache_validate(ctx->cache), 0UL);
}

#define HP_OBJS		300
#define HP_ROUNDS	20
#define HP_USED		(2UL * HP_OBJS)

struct hp_toggle {
	int cpu;
	int off_err;
	int on_err;
	bool busy;
	struct completion done;
};

/* Take the CPU offline and back online. */
static int hp_toggle_fn(void *arg)
{
	struct hp_toggle *t = arg;

	t->off_err = remove_cpu(t->cpu);
	if (!t->off_err)
		t->on_err = add_cpu(t->cpu);
	WRITE_ONCE(t->busy, false);
	kthread_complete_and_exit(&t->done, 0);
}

static void online_again(void *data)
{
	int cpu = (long)data;

	if (!cpu_online(cpu))
		add_cpu(cpu);
}

/*
 * An allocation on a CPU back online adopts the pages it abandoned, so
 * that the next offline abandons them again. Its free is local: used
 * does not change.
 */
static long readopt_on_cpu(void *arg)
{
	struct xalloc_cache *cache = arg;
	void *obj = xalloc_cache_alloc(cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	xalloc_cache_free(cache, obj);
	return 0;
}

/*
 * Bug: the counters of a CPU that went offline between the visit of the
 * heaps and the visit of the abandoned pages were counted twice.
 */
static void stats_stay_exact_across_hotplug(struct kunit *test)
{
	unsigned long deadline = jiffies + 3 * HZ;
	unsigned long capacity, bad_used = 0, bad_capacity = 0;
	unsigned int round, reads = 0, bad = 0;
	struct xalloc_cache_stats st;
	struct hp_toggle toggle = {};
	struct xalloc_cache *cache;
	struct xt_batch *b1, *b2;
	struct task_struct *task;
	int c1, c2;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 3)
		kunit_skip(test, "needs CPU hotplug and three online CPUs");
	/* Neither is the first CPU, which may not go offline. */
	c1 = cpumask_next(cpumask_first(cpu_online_mask), cpu_online_mask);
	c2 = cpumask_next(c1, cpu_online_mask);
	cache = xt_create(test, "t_hotplug_stats", 64, 0, 0, NULL);
	b1 = xt_batch_new(test, cache, HP_OBJS);
	b2 = xt_batch_new(test, cache, HP_OBJS);
	xt_run_on(c1, xt_alloc_batch, b1);
	xt_run_on(c2, xt_alloc_batch, b2);
	KUNIT_ASSERT_EQ(test, b1->done + b2->done, 2 * HP_OBJS);
	xt_stats(cache, &st);
	KUNIT_ASSERT_EQ(test, st.used, HP_USED);
	capacity = st.capacity;

	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, online_again,
							   (void *)(long)c2));
	toggle.cpu = c2;
	init_completion(&toggle.done);
	for (round = 0; round < HP_ROUNDS && time_before(jiffies, deadline);
	     round++) {
		WRITE_ONCE(toggle.busy, true);
		reinit_completion(&toggle.done);
		task = kthread_run(hp_toggle_fn, &toggle, "xalloc_hp_toggle");
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "no toggle thread: %ld", PTR_ERR(task));
			break;
		}
		do {
			xt_stats(cache, &st);
			reads++;
			if (st.used != HP_USED || st.capacity != capacity) {
				bad++;
				bad_used = st.used;
				bad_capacity = st.capacity;
			}
		} while (READ_ONCE(toggle.busy));
		wait_for_completion(&toggle.done);
		if (toggle.off_err || toggle.on_err)
			break;
		KUNIT_EXPECT_EQ(test, 0L, xt_run_on(c2, readopt_on_cpu, cache));
	}
	KUNIT_EXPECT_EQ(test, toggle.off_err, 0);
	KUNIT_EXPECT_EQ(test, toggle.on_err, 0);
	KUNIT_EXPECT_GT(test, round, 0U);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U,
			    "%u of %u reads wrong; last: used %lu capacity %lu, expected %lu and %lu",
			    bad, reads, bad_used, bad_capacity, HP_USED,
			    capacity);

	xt_free_batch(b1);
	xt_free_batch(b2);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
}

/* The segment cookie of old: a constant xor the address, easy to forge. */
#define OLD_SEGMENT_MAGIC	0x78616c6c6f63UL

static void vfree_action(void *buf)
{
	vfree(buf);
}

/*
 * Bug: a free read whatever was at ptr & ~(segment size - 1), even device
 * memory, and trusted a cookie anyone could compute. Here a vmalloc buffer
 * is forged into a segment whose page names a live cache and holds the
 * pointer as a block: the free must be refused and counted, and write
 * nothing there.
 */
static void stray_pointer_is_not_followed(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "t_stray", 64, 0, 0,
					       NULL);
	struct xalloc_cache_stats before, after;
	struct xalloc_segment *seg;
	struct xalloc_page *page;
	void *buf, *block;

	buf = vzalloc(2 * XALLOC_SEGMENT_MIN_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, vfree_action,
							   buf));
	seg = PTR_ALIGN(buf, XALLOC_SEGMENT_MIN_SIZE);
	seg->cookie = OLD_SEGMENT_MAGIC ^ (unsigned long)seg;
	seg->shift = XALLOC_SEGMENT_MIN_SHIFT;
	seg->page_shift = 16;
	seg->nr_pages = XALLOC_SEGMENT_MIN_SIZE >> 16;
	page = &seg->pages[1];
	block = (void *)seg + BIT(16);
	page->cache = cache;
	page->start = block;
	page->block_size = 64;
	page->block_recip = div64_u64(BIT_ULL(XALLOC_RECIP_SHIFT) - 1, 64) + 1;
	page->capacity = 1;
	page->cpu = XALLOC_NO_CPU;

	xt_stats(cache, &before);
	xalloc_cache_free(cache, block);
	xt_stats(cache, &after);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	KUNIT_EXPECT_EQ(test, after.remote_frees, before.remote_frees);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&page->thread_free), 0L);
	KUNIT_EXPECT_NULL(test, memchr_inv(block, 0, 64));
}

static long free_all_but_last(void *arg)
{
	struct xt_batch *batch = arg;
	unsigned int i;

	for (i = 0; i + 1 < batch->n; i++) {
		xalloc_cache_free(batch->cache, batch->objs[i]);
		batch->objs[i] = NULL;
	}
	return 0;
}

/*
 * Bug: a page that held one cache's blocks (B), then was lent to another
 * (A) and carved only in part, went back still naming B: B could be lent
 * it again at once, with no grace period for A's frees in flight and no
 * zeroing of A's old blocks. It must name no cache.
 */
static void page_of_two_caches_names_neither(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	struct xalloc_cache *b = xt_create(test, "t_key_b", 64, 0, 0, NULL);
	struct xalloc_cache *a = xt_create(test, "t_key_a", 64, 0, 0, NULL);
	struct xt_batch *first = xt_batch_new(test, b, 1);
	struct xt_batch *of_a = xt_batch_new(test, a, 1);
	struct xalloc_page *page, *next;
	struct xt_batch *batch;

	/* B fills a page whole, and keeps one block in its next page. */
	xt_run_on(cpu, xt_alloc_batch, first);
	KUNIT_ASSERT_EQ(test, first->done, 1U);
	page = xalloc_page_of_block(b, first->objs[0]);
	batch = xt_batch_new(test, b, page->reserved);
	xt_run_on(cpu, xt_alloc_batch, batch);
	KUNIT_ASSERT_EQ(test, batch->done, batch->n);
	KUNIT_ASSERT_FALSE(test, xt_same_page(batch->objs[batch->n - 1],
					      first->objs[0]));
	/* That block keeps the segment, and the descriptor, mapped. */
	next = xalloc_page_of_block(b, batch->objs[batch->n - 1]);
	if (xalloc_segment_of(next) != xalloc_segment_of(page)) {
		xt_run_on(cpu, xt_free_batch, first);
		xt_run_on(cpu, xt_free_batch, batch);
		kunit_skip(test, "B's next page is in another segment");
	}
	xt_run_on(cpu, xt_free_batch, first);
	xt_run_on(cpu, free_all_but_last, batch);
	xalloc_cache_shrink(b);
	KUNIT_ASSERT_EQ(test, page->last_key, b->freelist_key);

	/* A may have it a grace period later, and carves a part of it. */
	synchronize_rcu();
	xt_run_on(cpu, xt_alloc_batch, of_a);
	KUNIT_ASSERT_EQ(test, of_a->done, 1U);
	if (xalloc_page_of_block(a, of_a->objs[0]) != page)
		kunit_skip(test, "A was lent another page");
	KUNIT_ASSERT_LT(test, page->capacity, page->reserved);
	xt_run_on(cpu, xt_free_batch, of_a);
	xalloc_cache_shrink(a);
	KUNIT_EXPECT_NE(test, page->last_key, b->freelist_key);
	KUNIT_EXPECT_NE(test, page->last_key, a->freelist_key);
	xt_run_on(cpu, xt_free_batch, batch);
}

static struct kunit_case regression_cases[] = {
	KUNIT_CASE_PARAM(large_sizes_keep_their_state, large_gen_params),
	KUNIT_CASE(remote_emptied_pages_go_back),
	KUNIT_CASE(pressure_reclaims_remote_emptied_pages),
	KUNIT_CASE(init_on_free_zeroes_every_new_object),
	KUNIT_CASE(nofail_survives_segment_failures),
	KUNIT_CASE(validate_finds_write_after_free),
	KUNIT_CASE(validate_counts_broken_free_pointers),
	KUNIT_CASE(double_free_racing_retirement_is_refused),
	KUNIT_CASE(stats_stay_exact_across_hotplug),
	KUNIT_CASE(stray_pointer_is_not_followed),
	KUNIT_CASE(page_of_two_caches_names_neither),
	{}
};

static struct kunit_suite regression_suite = {
	.name = "xalloc_regressions",
	.test_cases = regression_cases,
};

kunit_test_suite(regression_suite);
