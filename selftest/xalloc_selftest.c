// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_selftest: the public contract of xalloc, checked at load on a
 * kernel without KUnit (Debian's stock kernels), printed as KTAP in the
 * shape KUnit gives it, so that the same tools read both. The KUnit
 * suites (kunit/) test far more on the debug kernels; these are the
 * checks a user of a stock kernel can run: counters after local and
 * remote frees and a collection, refused bad frees, kmalloc sizes,
 * zeroing, bulk calls and RCU frees.
 *
 * The result is the KTAP: the module loads whatever it says, since an
 * init that fails is run again by busybox's insmod (finit_module(), then
 * init_module()), and the second run would hide the first.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xalloc.h>

#define OBJS		512

struct selftest_obj {
	u64 pattern;
	struct rcu_head rcu;
	u8 data[64];
};

static struct xalloc_cache *cache;
static void *objs[OBJS];
static unsigned int failures, number;

#define CHECK(cond) ({							\
	bool __ok = (cond);						\
									\
	if (!__ok)							\
		pr_info("    # %s:%d: %s\n", __func__, __LINE__, #cond);	\
	__ok;								\
})

static void stats(struct xalloc_cache_stats *st)
{
	xalloc_cache_get_stats(cache, st);
}

static bool alloc_all(gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < OBJS; i++) {
		objs[i] = xalloc_cache_alloc(cache, gfp);
		if (!objs[i])
			return false;
	}
	return true;
}

struct on_cpu {
	struct work_struct work;
	bool (*fn)(void);
	bool ret;
};

static void on_cpu_work(struct work_struct *work)
{
	struct on_cpu *oc = container_of(work, struct on_cpu, work);

	oc->ret = oc->fn();
}

/* Run @fn in a kworker bound to @cpu: the task cannot migrate meanwhile. */
static bool run_on_cpu(int cpu, bool (*fn)(void))
{
	struct on_cpu oc = { .fn = fn };

	INIT_WORK_ONSTACK(&oc.work, on_cpu_work);
	queue_work_on(cpu, system_wq, &oc.work);
	flush_work(&oc.work);
	destroy_work_on_stack(&oc.work);
	return oc.ret;
}

static bool alloc_and_free_here(void)
{
	struct xalloc_cache_stats st;
	bool ok;
	int i;

	ok = CHECK(alloc_all(GFP_KERNEL));
	stats(&st);
	ok &= CHECK(st.used == OBJS && st.allocs == OBJS);
	for (i = 0; i < OBJS; i++)
		xalloc_cache_free(cache, objs[i]);
	stats(&st);
	ok &= CHECK(st.used == 0 && st.frees == OBJS);
	ok &= CHECK(st.thread_free == 0 && st.remote_frees == 0);
	return ok;
}

/*
 * On one CPU: a task that migrated between its allocations and its frees
 * would free remotely, as it should, and leave thread_free to collect.
 */
static bool local_frees_are_counted(void)
{
	return run_on_cpu(cpumask_first(cpu_online_mask), alloc_and_free_here);
}

struct remote_free {
	struct work_struct work;
	unsigned int n;
};

static void free_remotely(struct work_struct *work)
{
	struct remote_free *rf = container_of(work, struct remote_free, work);
	unsigned int i;

	for (i = 0; i < rf->n; i++)
		xalloc_cache_free(cache, objs[i]);
}

static bool remote_frees_wait_for_collection(void)
{
	struct remote_free rf = { .n = OBJS };
	struct xalloc_cache_stats st;
	int here, there;
	bool ok;

	/* Allocate on one CPU, free on another. */
	here = get_cpu();
	there = cpumask_any_but(cpu_online_mask, here);
	put_cpu();
	if (there >= nr_cpu_ids) {
		pr_info("    # one CPU online: no remote free to test\n");
		return true;
	}
	ok = CHECK(alloc_all(GFP_KERNEL));
	INIT_WORK_ONSTACK(&rf.work, free_remotely);
	queue_work_on(there, system_wq, &rf.work);
	flush_work(&rf.work);
	destroy_work_on_stack(&rf.work);
	stats(&st);
	/* used counts the remote frees until their owner collects them. */
	ok &= CHECK(st.remote_frees > 0);
	ok &= CHECK(st.used == st.thread_free);
	xalloc_cache_collect(cache);
	stats(&st);
	ok &= CHECK(st.used == 0 && st.thread_free == 0);
	ok &= CHECK(xalloc_cache_validate(cache) == 0);
	return ok;
}

static bool bad_frees_are_refused(void)
{
	struct xalloc_cache_stats before, after;
	struct selftest_obj *obj, on_stack;
	bool ok;

	obj = xalloc_cache_alloc(cache, GFP_KERNEL);
	if (!CHECK(obj))
		return false;
	stats(&before);
	xalloc_cache_free(cache, obj);
	xalloc_cache_free(cache, obj);			/* double free */
	xalloc_cache_free(cache, &on_stack);		/* foreign */
	xalloc_cache_free(cache, (u8 *)obj + 8);	/* interior */
	stats(&after);
	ok = CHECK(after.invalid_frees == before.invalid_frees + 3);
	ok &= CHECK(after.used == before.used - 1);
	ok &= CHECK(after.corruptions == 0);
	return ok;
}

static bool kmalloc_sizes_and_zeroing(void)
{
	static const size_t sizes[] = { 1, 8, 100, 192, 1000, 4096, 65536,
					262144, 262145, 1 << 20 };
	bool ok = true;
	unsigned int i;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = xalloc_kzalloc(sizes[i], GFP_KERNEL);
		if (!CHECK(p)) {
			ok = false;
			continue;
		}
		ok &= CHECK(xalloc_ksize(p) >= sizes[i]);
		ok &= CHECK(!memchr_inv(p, 0, sizes[i]));
		memset(p, 0xa5, sizes[i]);
		xalloc_free(p);
	}
	ok &= CHECK(xalloc_kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	xalloc_free(NULL);
	return ok;
}

static bool bulk_calls(void)
{
	struct xalloc_cache_stats st;
	bool ok;

	ok = CHECK(xalloc_cache_alloc_bulk(cache, GFP_KERNEL, OBJS, objs) ==
		   OBJS);
	stats(&st);
	ok &= CHECK(st.used == OBJS);
	xalloc_cache_free_bulk(cache, OBJS, objs);
	stats(&st);
	ok &= CHECK(st.used == 0);
	return ok;
}

static bool rcu_frees(void)
{
	struct xalloc_cache_stats before, after;
	struct xalloc_rcu_stats rs;
	struct selftest_obj *obj;
	unsigned int i;
	bool ok = true;

	stats(&before);
	for (i = 0; i < OBJS; i++) {
		obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		if (!CHECK(obj))
			return false;
		obj->pattern = i;
		xalloc_free_rcu(obj, rcu);
	}
	xalloc_rcu_barrier();
	xalloc_rcu_get_stats(&rs);
	xalloc_cache_collect(cache);
	stats(&after);
	ok &= CHECK(rs.pending == 0);
	ok &= CHECK(after.frees == before.frees + OBJS);
	ok &= CHECK(after.used == 0);
	return ok;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} cases[] = {
	{ "local_frees_are_counted", local_frees_are_counted },
	{ "remote_frees_wait_for_collection",
	  remote_frees_wait_for_collection },
	{ "bad_frees_are_refused", bad_frees_are_refused },
	{ "kmalloc_sizes_and_zeroing", kmalloc_sizes_and_zeroing },
	{ "bulk_calls", bulk_calls },
	{ "rcu_frees", rcu_frees },
};

static int __init selftest_init(void)
{
	unsigned int i;

	cache = xalloc_cache_create("selftest", sizeof(struct selftest_obj),
				    0, 0, NULL);
	if (!cache)
		return -ENOMEM;
	pr_info("KTAP version 1\n");
	pr_info("1..1\n");
	pr_info("    # Subtest: xalloc_selftest\n");
	pr_info("    KTAP version 1\n");
	pr_info("    1..%zu\n", ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bool ok = cases[i].fn();

		number++;
		failures += !ok;
		pr_info("    %s %u %s\n", ok ? "ok" : "not ok", number,
			cases[i].name);
	}
	pr_info("%s 1 xalloc_selftest\n", failures ? "not ok" : "ok");
	xalloc_cache_destroy(cache);
	return 0;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);
MODULE_DESCRIPTION("xalloc's public contract, checked without KUnit");
MODULE_LICENSE("GPL");
