// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_selftest: the public contract of xalloc, checked at load on a
 * kernel without KUnit (Debian's stock kernels), printed as KTAP in the
 * shape KUnit gives it, so that the same tools read both. The KUnit
 * suites (kunit/) test far more on the debug kernels; these are the
 * checks a user of a stock kernel can run: counters after local and
 * remote frees and a collection, refused bad frees, kmalloc sizes,
 * zeroing, bulk calls, RCU frees, and a short stress on every CPU.
 *
 * The result is the KTAP: the module loads whatever it says, since an
 * init that fails is run again by busybox's insmod (finit_module(), then
 * init_module()), and the second run would hide the first.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xalloc.h>

#define OBJS		512

struct selftest_obj {
	u64 pattern;
	struct rcu_head rcu;
	struct llist_node node;
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

static bool free_all(void)
{
	unsigned int i;

	for (i = 0; i < OBJS; i++)
		xalloc_cache_free(cache, objs[i]);
	return true;
}

static bool local_frees_are_counted(void)
{
	struct xalloc_cache_stats st;
	bool ok;

	ok = CHECK(alloc_all(GFP_KERNEL));
	stats(&st);
	ok &= CHECK(st.used == OBJS && st.allocs == OBJS);
	free_all();
	stats(&st);
	ok &= CHECK(st.used == 0 && st.frees == OBJS);
	ok &= CHECK(st.thread_free == 0 && st.remote_frees == 0);
	return ok;
}

static bool remote_frees_wait_for_collection(void)
{
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
	run_on_cpu(there, free_all);
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

/*
 * A short stress: on every online CPU a long work allocates objects,
 * writes a pattern of their address into them, keeps half and hands the
 * other half to the next CPU, and frees what it kept and what it was
 * handed after checking the pattern, for STRESS_MS. At the end nothing is
 * used, nothing waits on thread_free, nothing was refused or corrupted.
 */
#define STRESS_MS	3000
#define STRESS_KEEP	64

static DEFINE_PER_CPU(struct llist_head, mailbox);
static DEFINE_PER_CPU(struct work_struct, stress_works);
static atomic_long_t stress_bad, stress_ops, stress_nulls;

static u8 pattern_of(struct selftest_obj *obj)
{
	return (unsigned long)obj >> 4;
}

static void fill(struct selftest_obj *obj)
{
	obj->pattern = ~(u64)(unsigned long)obj;
	memset(obj->data, pattern_of(obj), sizeof(obj->data));
}

static void check_and_free(struct selftest_obj *obj)
{
	if (obj->pattern != ~(u64)(unsigned long)obj ||
	    memchr_inv(obj->data, pattern_of(obj), sizeof(obj->data)))
		atomic_long_inc(&stress_bad);
	xalloc_cache_free(cache, obj);
}

static void drain(struct llist_head *box)
{
	struct selftest_obj *obj, *next;

	llist_for_each_entry_safe(obj, next, llist_del_all(box), node)
		check_and_free(obj);
}

static void stress_work(struct work_struct *work)
{
	unsigned long end = jiffies + msecs_to_jiffies(STRESS_MS);
	int cpu = smp_processor_id(), to;
	struct selftest_obj *keep[STRESS_KEEP], *obj;
	unsigned int n = 0, i = 0;

	to = cpumask_next(cpu, cpu_online_mask);
	if (to >= nr_cpu_ids)
		to = cpumask_first(cpu_online_mask);
	while (time_before(jiffies, end)) {
		obj = xalloc_cache_alloc(cache, GFP_KERNEL);
		if (!obj) {
			atomic_long_inc(&stress_nulls);
			continue;
		}
		fill(obj);
		if (++i & 1)
			llist_add(&obj->node, per_cpu_ptr(&mailbox, to));
		else
			keep[n++] = obj;
		if (n == STRESS_KEEP) {
			while (n)
				check_and_free(keep[--n]);
			drain(this_cpu_ptr(&mailbox));
			cond_resched();
		}
	}
	while (n)
		check_and_free(keep[--n]);
	drain(this_cpu_ptr(&mailbox));
	atomic_long_add(i, &stress_ops);
}

static bool short_stress(void)
{
	struct xalloc_cache_stats before, st;
	bool ok;
	int cpu;

	stats(&before);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		INIT_WORK(per_cpu_ptr(&stress_works, cpu), stress_work);
		queue_work_on(cpu, system_long_wq,
			      per_cpu_ptr(&stress_works, cpu));
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&stress_works, cpu));
	/* What a CPU was handed after its last drain. */
	for_each_online_cpu(cpu)
		drain(per_cpu_ptr(&mailbox, cpu));
	cpus_read_unlock();
	xalloc_cache_collect(cache);
	stats(&st);
	pr_info("    # %s: %ld objects on %u CPUs, %llu remote frees\n",
		__func__, atomic_long_read(&stress_ops), num_online_cpus(),
		st.remote_frees);
	ok = CHECK(atomic_long_read(&stress_ops) > 0);
	ok &= CHECK(atomic_long_read(&stress_bad) == 0);
	ok &= CHECK(atomic_long_read(&stress_nulls) == 0);
	ok &= CHECK(st.used == 0 && st.thread_free == 0);
	/* bad_frees_are_refused counted its own. */
	ok &= CHECK(st.invalid_frees == before.invalid_frees);
	ok &= CHECK(st.corruptions == 0);
	ok &= CHECK(xalloc_cache_validate(cache) == 0);
	return ok;
}

/*
 * The cases that count frees as local run in a kworker bound to one CPU:
 * a task that migrated between its allocations and its frees would free
 * remotely, as it should, and leave its frees on thread_free.
 */
static const struct {
	const char *name;
	bool (*fn)(void);
	bool on_one_cpu;
} cases[] = {
	{ "local_frees_are_counted", local_frees_are_counted, true },
	{ "remote_frees_wait_for_collection",
	  remote_frees_wait_for_collection },
	{ "bad_frees_are_refused", bad_frees_are_refused, true },
	{ "kmalloc_sizes_and_zeroing", kmalloc_sizes_and_zeroing },
	{ "bulk_calls", bulk_calls, true },
	{ "rcu_frees", rcu_frees },
	{ "short_stress", short_stress },
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
		bool ok;

		if (cases[i].on_one_cpu)
			ok = run_on_cpu(cpumask_first(cpu_online_mask),
					cases[i].fn);
		else
			ok = cases[i].fn();

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
