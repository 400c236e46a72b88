// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug under load: a controller thread takes random CPUs other than
 * CPU 0 offline and brings them back, in a random walk, so that one CPU or
 * several at once are away. Each time, xalloc abandons the dead CPU's
 * pages of every cache with their pending remote frees, other CPUs free
 * into them and adopt them, and the CPU comes back to empty heaps, all
 * while the other CPUs keep allocating and freeing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "stress.h"

/* Milliseconds between two events (each takes about as long again). */
#define STRESS_HOTPLUG_MS_MIN	100
#define STRESS_HOTPLUG_MS_MAX	500
/* add_cpu() attempts before a CPU is given up on. */
#define STRESS_ADD_TRIES	50

static struct task_struct *stress_hotplug_task;
static struct stress_hotplug_stats stress_hotplug;
/* The CPUs the controller took offline, and those it may take. */
static struct cpumask stress_away;
static struct cpumask stress_candidates;
/* CPUs that stay online: two, to keep objects crossing, if there were more. */
static unsigned int stress_keep;

/* The @n-th set CPU of @mask, @n random, or -1 if @mask is empty. */
static int stress_pick(const struct cpumask *mask)
{
	unsigned int n = cpumask_weight(mask);
	int cpu;

	if (!n)
		return -1;
	cpu = cpumask_nth(get_random_u32_below(n), mask);
	return cpu < nr_cpu_ids ? cpu : -1;
}

static void stress_take_away(void)
{
	int cpu;

	if (num_online_cpus() <= stress_keep)
		return;
	cpumask_copy(&stress_candidates, cpu_online_mask);
	cpumask_clear_cpu(0, &stress_candidates);
	cpu = stress_pick(&stress_candidates);
	if (cpu < 0)
		return;
	if (remove_cpu(cpu)) {
		stress_hotplug.refused++;
		return;
	}
	cpumask_set_cpu(cpu, &stress_away);
	stress_hotplug.offline++;
}

/* Bring @cpu back, insisting: the run must end with every CPU up. */
static void stress_bring_back(int cpu)
{
	unsigned int tries;

	for (tries = 0; tries < STRESS_ADD_TRIES; tries++) {
		if (!add_cpu(cpu)) {
			cpumask_clear_cpu(cpu, &stress_away);
			stress_hotplug.online++;
			return;
		}
		stress_hotplug.refused++;
		msleep(100);
	}
	pr_err("CPU %d did not come back online\n", cpu);
}

static int stress_hotplug_fn(void *unused)
{
	int cpu;

	/* Keep the pace of events while every CPU is busy. */
	set_user_nice(current, MIN_NICE);
	while (!kthread_should_stop()) {
		stress_nap(get_random_u32_inclusive(STRESS_HOTPLUG_MS_MIN,
						    STRESS_HOTPLUG_MS_MAX));
		if (kthread_should_stop())
			break;
		if (cpumask_empty(&stress_away) || get_random_u32_below(2))
			stress_take_away();
		else
			stress_bring_back(stress_pick(&stress_away));
	}
	for_each_cpu(cpu, &stress_away)
		stress_bring_back(cpu);
	return 0;
}

/**
 * stress_hotplug_start() - start the hotplug controller
 *
 * With a single CPU there is nothing to take offline: nothing starts.
 *
 * Return: 0 or a negative errno.
 */
int stress_hotplug_start(void)
{
	memset(&stress_hotplug, 0, sizeof(stress_hotplug));
	cpumask_clear(&stress_away);
	if (num_online_cpus() < 2)
		return 0;
	stress_keep = num_online_cpus() > 2 ? 2 : 1;
	stress_hotplug_task = kthread_run(stress_hotplug_fn, NULL,
					  "xalloc_stress_hp");
	if (IS_ERR(stress_hotplug_task)) {
		int ret = PTR_ERR(stress_hotplug_task);

		stress_hotplug_task = NULL;
		return ret;
	}
	return 0;
}

/**
 * stress_hotplug_stop() - stop the controller; it brings every CPU back
 * @stats: filled with what it did
 */
void stress_hotplug_stop(struct stress_hotplug_stats *stats)
{
	if (stress_hotplug_task)
		kthread_stop(stress_hotplug_task);
	stress_hotplug_task = NULL;
	*stats = stress_hotplug;
}
