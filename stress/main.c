// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_stress: the KUnit suite. Its init runs the whole stress, for
 * `duration` seconds, and records what it saw; each case then judges one
 * part of the record. The run does not fit in a case: KUnit gives a case
 * five minutes at most.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include <kunit/test.h>

#include "stress.h"

/* Progress is printed this often during long runs. */
#define STRESS_PROGRESS_S	60

static unsigned int duration = 60;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds the stress runs (60)");

bool stress_faults;
module_param_named(faults, stress_faults, bool, 0444);
MODULE_PARM_DESC(faults,
		 "faults are injected into xalloc (debugfs fail_segment, fail_metadata): a sleeping allocation may fail (0)");

struct stress_cpu **stress_cpus;
atomic_t stress_corruptions;

static struct stress_result result;
static struct cpumask stress_cpus_at_start;

static void stress_free_cpus(void)
{
	int cpu;

	if (!stress_cpus)
		return;
	for_each_possible_cpu(cpu)
		kfree(stress_cpus[cpu]);
	kfree(stress_cpus);
	stress_cpus = NULL;
}

static int stress_alloc_cpus(void)
{
	struct stress_cpu *pc;
	int cpu;

	stress_cpus = kcalloc(nr_cpu_ids, sizeof(*stress_cpus), GFP_KERNEL);
	if (!stress_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		pc = kzalloc_node(sizeof(*pc), GFP_KERNEL, cpu_to_node(cpu));
		if (!pc) {
			stress_free_cpus();
			return -ENOMEM;
		}
		pc->cpu = cpu;
		init_llist_head(&pc->inbox);
		init_llist_head(&pc->irq_inbox);
		stress_irq_init(pc);
		stress_cpus[cpu] = pc;
	}
	return 0;
}

static void stress_wait(void)
{
	unsigned long start = jiffies, end = start + duration * HZ;
	unsigned long next = start + STRESS_PROGRESS_S * HZ;

	while (time_before(jiffies, end)) {
		msleep(min(1000U, jiffies_to_msecs(end - jiffies)));
		if (time_before(jiffies, next) || !time_before(jiffies, end))
			continue;
		pr_info("%u of %u s, corruptions so far: %d\n",
			jiffies_to_msecs(jiffies - start) / 1000, duration,
			atomic_read(&stress_corruptions));
		next += STRESS_PROGRESS_S * HZ;
	}
	result.seconds = jiffies_to_msecs(jiffies - start) / 1000;
}

/* Start the load, let it run, stop it: every thread and timer is idle. */
static int stress_run(void)
{
	int cpu, ret;

	cpumask_copy(&stress_cpus_at_start, cpu_online_mask);
	result.cpus = cpumask_weight(&stress_cpus_at_start);
	ret = stress_workers_start();
	if (ret)
		return ret;
	ret = stress_hotplug_start();
	if (!ret)
		ret = stress_pressure_start();
	if (!ret)
		stress_wait();
	stress_pressure_stop(&result.pressure);
	stress_hotplug_stop(&result.hotplug);
	stress_workers_stop();
	/* The workers stopped their timers; those of CPUs never up too. */
	for_each_possible_cpu(cpu)
		stress_irq_stop(stress_cpus[cpu]);
	return ret;
}

static int stress_suite_init(struct kunit_suite *suite)
{
	int ret;

	memset(&result, 0, sizeof(result));
	atomic_set(&stress_corruptions, 0);
	ret = stress_segments_now(&result.segments_before);
	if (ret) {
		pr_err("cannot read or set xalloc's reserve_segments: %d\n",
		       ret);
		return ret;
	}
	ret = stress_alloc_cpus();
	if (ret)
		return ret;
	ret = stress_caches_create();
	if (ret < 0)
		goto out;
	result.create_faults = ret;
	ret = stress_run();
	if (ret)
		pr_err("cannot start the load: %d\n", ret);
	stress_settle(&result, &stress_cpus_at_start);
	stress_report(&result);
	result.done = !ret;
out:
	stress_free_cpus();
	return ret;
}

static void stress_ran(struct kunit *test)
{
	KUNIT_ASSERT_TRUE_MSG(test, result.done, "the stress did not run");
}

/* Every object checked had the content it was given. */
static void objects_keep_their_content(struct kunit *test)
{
	stress_ran(test);
	KUNIT_EXPECT_GT(test, result.total.checked, 0ULL);
	KUNIT_EXPECT_EQ(test, result.corruptions, 0U);
	/* Without injected faults, a sleeping allocation never fails. */
	KUNIT_EXPECT_EQ(test, result.total.unexpected, 0ULL);
}

/* Every CPU and every context allocated and freed; objects crossed CPUs. */
static void load_reached_every_cpu_and_context(struct kunit *test)
{
	stress_ran(test);
	KUNIT_EXPECT_GT(test, result.process_ops, 0ULL);
	KUNIT_EXPECT_GT(test, result.hardirq_ops, 0ULL);
	KUNIT_EXPECT_GT(test, result.softirq_ops, 0ULL);
	KUNIT_EXPECT_EQ(test, result.idle_cpus, 0U);
	if (result.cpus >= 2)
		KUNIT_EXPECT_GT(test, result.total.remote, 0ULL);
}

static void cpus_went_offline_and_came_back(struct kunit *test)
{
	stress_ran(test);
	if (result.cpus < 2)
		kunit_skip(test, "needs a second CPU that can go offline");
	KUNIT_EXPECT_GT(test, result.hotplug.offline, 0UL);
	KUNIT_EXPECT_EQ(test, result.hotplug.online, result.hotplug.offline);
	KUNIT_EXPECT_EQ(test, result.offline_at_end, 0U);
}

static void memory_pressure_came_in_bursts(struct kunit *test)
{
	stress_ran(test);
	KUNIT_EXPECT_GT(test, result.pressure.bursts, 0UL);
	KUNIT_EXPECT_GT(test, result.pressure.peak_pages, 0UL);
	KUNIT_EXPECT_EQ(test, result.pressure.drop_caches,
			result.pressure.bursts);
}

/*
 * With every object freed, collected and shrunk, each cache is empty and
 * consistent, and xalloc counted exactly the allocations, frees and
 * failures the stress saw.
 */
static void caches_drained_to_zero(struct kunit *test)
{
	const struct stress_cache_result *cr;
	u64 remote_frees = 0;
	unsigned int i;

	stress_ran(test);
	for (i = 0; i < STRESS_NR_CACHES; i++) {
		const char *name = stress_caches[i].name;

		cr = &result.cache[i];
		KUNIT_EXPECT_EQ_MSG(test, cr->st.used, 0UL, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.thread_free, 0UL, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.pages, 0UL, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->invalid, 0UL, "%s", name);
		/* Every free was sound: xalloc refused none, saw no damage. */
		KUNIT_EXPECT_EQ_MSG(test, cr->st.invalid_frees, 0ULL, "%s",
				    name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.corruptions, 0ULL, "%s",
				    name);
		KUNIT_EXPECT_GT_MSG(test, cr->allocs, 0ULL, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.allocs, cr->allocs, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.frees, cr->frees, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->frees, cr->allocs, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, cr->st.alloc_fails, cr->nulls, "%s",
				    name);
		remote_frees += cr->st.remote_frees;
	}
	if (result.cpus >= 2)
		KUNIT_EXPECT_GT(test, remote_frees, 0ULL);
}

/*
 * With no reserve, the destroyed caches leave no segment behind. There
 * may be fewer than before: memory pressure during the run also takes
 * the idle pages of caches that outlive it (the kmalloc classes).
 */
static void segments_went_back(struct kunit *test)
{
	stress_ran(test);
	KUNIT_ASSERT_EQ(test, result.reserve_err, 0);
	KUNIT_EXPECT_LE(test, result.segments_after.segments,
			result.segments_before.segments);
	KUNIT_EXPECT_EQ(test, result.segments_after.empty, 0UL);
}

static struct kunit_case stress_cases[] = {
	KUNIT_CASE(objects_keep_their_content),
	KUNIT_CASE(load_reached_every_cpu_and_context),
	KUNIT_CASE(cpus_went_offline_and_came_back),
	KUNIT_CASE(memory_pressure_came_in_bursts),
	KUNIT_CASE(caches_drained_to_zero),
	KUNIT_CASE(segments_went_back),
	{}
};

static struct kunit_suite stress_suite = {
	.name = "xalloc_stress",
	.suite_init = stress_suite_init,
	.test_cases = stress_cases,
};

kunit_test_suite(stress_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stress test for xalloc: CPUs, contexts, hotplug, memory pressure");
