// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the xalloc KUnit suites.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kasan.h>
#include <linux/umh.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "xalloc_test.h"

static void destroy_cache(void *cache)
{
	xalloc_cache_destroy(cache);
}

/* Create a cache that is destroyed when the test ends, pass or fail. */
struct xalloc_cache *xt_create(struct kunit *test, const char *name,
			       unsigned int size, unsigned int align,
			       unsigned long flags, void (*ctor)(void *))
{
	struct xalloc_cache *cache;

	cache = xalloc_cache_create(name, size, align, flags, ctor);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, destroy_cache,
							   cache));
	return cache;
}

struct xt_batch *xt_batch_new(struct kunit *test, struct xalloc_cache *cache,
			      unsigned int n)
{
	struct xt_batch *batch = kunit_kzalloc(test, sizeof(*batch),
					       GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, batch);
	batch->objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, batch->objs);
	batch->cache = cache;
	batch->n = n;
	batch->gfp = GFP_KERNEL;
	return batch;
}

/* Fill batch->objs; batch->done counts the successes. */
long xt_alloc_batch(void *arg)
{
	struct xt_batch *batch = arg;
	unsigned int i;

	batch->done = 0;
	for (i = 0; i < batch->n; i++) {
		batch->objs[i] = xalloc_cache_alloc(batch->cache, batch->gfp);
		if (batch->objs[i])
			batch->done++;
	}
	return 0;
}

long xt_free_batch(void *arg)
{
	struct xt_batch *batch = arg;
	unsigned int i;

	for (i = 0; i < batch->n; i++) {
		xalloc_cache_free(batch->cache, batch->objs[i]);
		batch->objs[i] = NULL;
	}
	return 0;
}

/* Run @fn on @cpu, in a kworker bound to it, and wait. */
long xt_run_on(int cpu, long (*fn)(void *), void *arg)
{
	return work_on_cpu(cpu, fn, arg);
}

/* Pick two distinct online CPUs, or skip the test. */
void xt_two_cpus(struct kunit *test, int *a, int *b)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	*a = cpumask_first(cpu_online_mask);
	*b = cpumask_next(*a, cpu_online_mask);
}

void xt_stats(struct xalloc_cache *cache, struct xalloc_cache_stats *st)
{
	xalloc_cache_get_stats(cache, st);
}

/* Write @text to a debugfs or sysfs file; returns 0 or a -errno. */
int xt_write_file(const char *path, const char *text)
{
	struct file *file = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = kernel_write(file, text, strlen(text), &pos);
	filp_close(file, NULL);
	return ret < 0 ? ret : 0;
}

/*
 * Run @cmd with the VM's shell, for files the kernel cannot write or read
 * itself (those with no write_iter or read_iter, as kmemleak's).
 * Returns its wait status: 0 when it exited 0.
 */
int xt_shell(const char *cmd)
{
	char *argv[4], *envp[2];

	/* call_usermodehelper() takes them writable. */
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	envp[0] = "PATH=/bin:/sbin:/usr/bin:/usr/sbin";
	envp[1] = NULL;
	return call_usermodehelper(argv[0], argv, envp, UMH_WAIT_PROC);
}

#define RESERVE_PARAM	"/sys/module/xalloc/parameters/reserve_segments"

static void restore_reserve(void *unused)
{
	xt_write_file(RESERVE_PARAM, "1");
}

/* Huge objects allocated, each in a segment of its own. */
unsigned long xt_huge_segments(void)
{
	struct xalloc_segment_stats st;

	xalloc_segment_get_stats(&st);
	return st.huge;
}

/* Set xalloc's reserve_segments until the test ends (default 1). */
void xt_set_reserve(struct kunit *test, const char *segments)
{
	KUNIT_ASSERT_EQ(test, 0, xt_write_file(RESERVE_PARAM, segments));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   restore_reserve,
							   NULL));
}

#ifdef CONFIG_FAULT_INJECTION
/* Fail the nth fault-injection point this task reaches, as fail-nth. */
void xt_fail_nth(unsigned int n)
{
	WRITE_ONCE(current->fail_nth, n);
}

/* Disarm; return what was left of the countdown (0: a point failed). */
unsigned int xt_fail_nth_left(void)
{
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return left;
}
#else
void xt_fail_nth(unsigned int n)
{
}

unsigned int xt_fail_nth_left(void)
{
	return 0;
}
#endif

#define XT_MAX_POINTS	16

/**
 * xt_fail_each_point() - allocate with each fault point failing in turn
 * @test: the test
 * @cache: a cache whose every allocation after a shrink needs a segment
 * @obj: set to the object of the last try, NULL if all failed
 *
 * Shrink, then allocate with the nth fault-injection point failing, n =
 * 1, 2, ..., until a try passes every point: each failed one must give
 * NULL and leave the segment count as it was.
 *
 * Return: how many tries failed.
 */
unsigned int xt_fail_each_point(struct kunit *test,
				struct xalloc_cache *cache, void **obj)
{
	struct xalloc_segment_stats before, after;
	unsigned int n, failures = 0;

	for (n = 1; n <= XT_MAX_POINTS; n++) {
		xalloc_cache_shrink(cache);
		xalloc_segment_get_stats(&before);
		xt_fail_nth(n);
		*obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		if (xt_fail_nth_left())
			break;
		KUNIT_EXPECT_NULL(test, *obj);
		xalloc_segment_get_stats(&after);
		KUNIT_EXPECT_EQ(test, after.segments, before.segments);
		xalloc_cache_free(cache, *obj);
		*obj = NULL;
		failures++;
	}
	return failures;
}

/*
 * Wait, up to ten seconds, until @cache has counted @frees frees and
 * xalloc_free_rcu() has none pending: for frees that xalloc does later on
 * its own, with nothing to wait on.
 */
void xt_wait_for_rcu_frees(struct xalloc_cache *cache, u64 frees)
{
	unsigned long deadline = jiffies + 10 * HZ;
	struct xalloc_cache_stats st;
	struct xalloc_rcu_stats rs;

	do {
		msleep(20);
		xt_stats(cache, &st);
		xalloc_rcu_get_stats(&rs);
	} while ((st.frees < frees || rs.pending) &&
		 time_before(jiffies, deadline));
}

/*
 * After xt_fail_each_point() and the free of its object: every failure
 * was counted, and a shrink leaves @cache nothing.
 */
void xt_expect_shrunk_after(struct kunit *test, struct xalloc_cache *cache,
			    unsigned int failures)
{
	struct xalloc_cache_stats st;

	xalloc_cache_shrink(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fails, (u64)failures);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.pages, 0UL);
}

/*
 * Does @p hold @n bytes of @value? Unchecked by KASAN: for the bytes past
 * an object that xalloc itself is tested to have zeroed.
 */
__no_sanitize_address bool xt_bytes_are(const void *p, u8 value, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != value)
			return false;
	return true;
}

/*
 * Would generic KASAN report a one-byte access at @p? Its check, read
 * from the shadow: a shadow byte of 0 opens the whole 8-byte granule, one
 * of 1 to 7 its first bytes, a negative one (a poison value) none. Always
 * false without generic KASAN.
 */
__no_sanitize_address bool xt_kasan_poisoned(const void *p)
{
#ifdef CONFIG_KASAN_GENERIC
	s8 shadow = *(s8 *)kasan_mem_to_shadow(p);
	long offset = (unsigned long)p & ((1UL << KASAN_SHADOW_SCALE_SHIFT) - 1);

	return shadow && offset >= shadow;
#else
	return false;
#endif
}

/*
 * Give every CPU's object array back to its pages, so that the blocks
 * freed so far are on their pages' free lists, where the tests of those
 * lists look for them. May be called from xt_run_on().
 */
void xt_flush(struct xalloc_cache *cache)
{
	xalloc_cache_collect(cache);
}

/* Small pages are 64 KiB, aligned: same page iff same 64 KiB frame. */
bool xt_same_page(const void *a, const void *b)
{
	return ((unsigned long)a >> 16) == ((unsigned long)b >> 16);
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xalloc");
