// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_demo: a small client of xalloc.
 *
 * Creates the cache "demo", and on every online CPU allocates DEMO_OBJS
 * objects. Then each CPU frees DEMO_REMOTE objects of the next CPU (remote
 * frees, pending on thread_free until their owner collects them) and
 * DEMO_LOCAL of its own (local frees), so DEMO_OBJS - DEMO_REMOTE -
 * DEMO_LOCAL objects per CPU stay live while the module is loaded. Its
 * debugfs files then show, per CPU:
 *
 *   used        = DEMO_OBJS - DEMO_LOCAL
 *   thread_free = DEMO_REMOTE
 *
 * and after "collect" is written to its control file, used drops to the
 * live objects and thread_free to 0. Everything is freed at unload.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xalloc.h>

#define DEMO_OBJS	1000
#define DEMO_REMOTE	600
#define DEMO_LOCAL	200

struct demo_obj {
	u64 id;
	u8 data[184];
};

static struct xalloc_cache *demo_cache;
static struct demo_obj **demo_objs;	/* DEMO_OBJS per possible CPU */

static struct demo_obj **objs_of(int cpu)
{
	return &demo_objs[cpu * DEMO_OBJS];
}

static long demo_alloc(void *arg)
{
	struct demo_obj **objs = arg;
	unsigned int i;

	for (i = 0; i < DEMO_OBJS; i++) {
		objs[i] = xalloc_cache_alloc(demo_cache, GFP_KERNEL);
		if (!objs[i])
			return -ENOMEM;
		objs[i]->id = i;
	}
	return 0;
}

/* Free the first DEMO_REMOTE of @arg's objects: from this CPU, remotely. */
static long demo_free_remote(void *arg)
{
	struct demo_obj **objs = arg;
	unsigned int i;

	for (i = 0; i < DEMO_REMOTE; i++) {
		xalloc_cache_free(demo_cache, objs[i]);
		objs[i] = NULL;
	}
	return 0;
}

static long demo_free_local(void *arg)
{
	struct demo_obj **objs = arg;
	unsigned int i;

	for (i = DEMO_REMOTE; i < DEMO_REMOTE + DEMO_LOCAL; i++) {
		xalloc_cache_free(demo_cache, objs[i]);
		objs[i] = NULL;
	}
	return 0;
}

static void demo_free_all(void)
{
	unsigned int i;

	for (i = 0; i < nr_cpu_ids * DEMO_OBJS; i++)
		xalloc_cache_free(demo_cache, demo_objs[i]);
}

static int __init xalloc_demo_init(void)
{
	int cpu, next;
	long ret = 0;

	demo_cache = xalloc_cache_create("demo", sizeof(struct demo_obj), 0,
					 XALLOC_HWCACHE_ALIGN, NULL);
	if (!demo_cache)
		return -ENOMEM;
	demo_objs = kvcalloc(nr_cpu_ids * DEMO_OBJS, sizeof(*demo_objs),
			     GFP_KERNEL);
	if (!demo_objs) {
		xalloc_cache_destroy(demo_cache);
		return -ENOMEM;
	}

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		ret = work_on_cpu(cpu, demo_alloc, objs_of(cpu));
		if (ret)
			goto out;
	}
	for_each_online_cpu(cpu) {
		next = cpumask_next(cpu, cpu_online_mask);
		if (next >= nr_cpu_ids)
			next = cpumask_first(cpu_online_mask);
		work_on_cpu(cpu, demo_free_remote, objs_of(next));
		work_on_cpu(cpu, demo_free_local, objs_of(cpu));
	}
	pr_info("xalloc_demo: %u CPUs: %u objects allocated on each, %u freed by the next CPU, %u freed locally, %u live\n",
		num_online_cpus(), DEMO_OBJS, DEMO_REMOTE, DEMO_LOCAL,
		DEMO_OBJS - DEMO_REMOTE - DEMO_LOCAL);
out:
	cpus_read_unlock();
	if (ret) {
		demo_free_all();
		xalloc_cache_destroy(demo_cache);
		kvfree(demo_objs);
	}
	return ret;
}

static void __exit xalloc_demo_exit(void)
{
	demo_free_all();
	xalloc_cache_destroy(demo_cache);
	kvfree(demo_objs);
}

module_init(xalloc_demo_init);
module_exit(xalloc_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Example client of xalloc");
