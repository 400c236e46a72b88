// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure in bursts: every few seconds a thread grabs most of the
 * free memory, runs every shrinker (xalloc's unmaps the empty segments,
 * ready reserves included) while holding it, then lets it go. Allocations
 * that need a segment meanwhile must map one with little memory left, and
 * the shrinker races with them. Between bursts the thread shrinks and
 * collects the caches under load, as their users might.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/vmstat.h>

#include "stress.h"

/* Grab 32 KiB at a time: fast, and still below the costly order. */
#define STRESS_GRAB_ORDER	3
/* Leave a quarter of the free memory: nothing must go out of memory. */
#define STRESS_GRAB_SHARE(free)	((free) / 4 * 3)
#define STRESS_BURST_MS_MIN	1000
#define STRESS_BURST_MS_MAX	3000
/* Between bursts, a cache is shrunk and another collected this often. */
#define STRESS_TIDY_MS_MIN	100
#define STRESS_TIDY_MS_MAX	400
#define STRESS_HOLD_MS_MIN	100
#define STRESS_HOLD_MS_MAX	300
/* Grabbing stops after this long even below the share: a burst, not a siege. */
#define STRESS_GRAB_MS		3000

static struct task_struct *stress_pressure_task;
static struct stress_pressure_stats stress_pressure;

static void stress_release(struct list_head *held)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, held, lru) {
		list_del(&page->lru);
		__free_pages(page, STRESS_GRAB_ORDER);
	}
}

/*
 * Grab pages until the share of free memory is held, the allocator refuses
 * (__GFP_NORETRY: no OOM killer) or time is up, hold them while the
 * shrinkers run, give them back.
 */
static void stress_burst(void)
{
	unsigned long cap, held = 0;
	unsigned long end = jiffies + msecs_to_jiffies(STRESS_GRAB_MS);
	struct page *page;
	LIST_HEAD(pages);

	cap = STRESS_GRAB_SHARE(global_zone_page_state(NR_FREE_PAGES));
	while (held < cap && time_before(jiffies, end) &&
	       !kthread_should_stop()) {
		page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN,
				   STRESS_GRAB_ORDER);
		if (!page)
			break;
		list_add(&page->lru, &pages);
		held += 1UL << STRESS_GRAB_ORDER;
		cond_resched();
	}
	stress_pressure.bursts++;
	stress_pressure.peak_pages = max(stress_pressure.peak_pages, held);
	/* "2": slab objects, i.e. every shrinker, xalloc's included. */
	if (!stress_write_file("/proc/sys/vm/drop_caches", "2"))
		stress_pressure.drop_caches++;
	stress_nap(get_random_u32_inclusive(STRESS_HOLD_MS_MIN,
					    STRESS_HOLD_MS_MAX));
	stress_release(&pages);
}

/* Shrink one cache and collect another while the workers use them. */
static void stress_tidy(void)
{
	unsigned int a = get_random_u32_below(STRESS_NR_CACHES);
	unsigned int b = get_random_u32_below(STRESS_NR_CACHES);

	stress_pressure.shrunk += xalloc_cache_shrink(stress_caches[a].cache);
	xalloc_cache_collect(stress_caches[b].cache);
	stress_pressure.collects++;
}

static int stress_pressure_fn(void *unused)
{
	unsigned long next;
	unsigned int ms;

	/* Ahead of the workers, which would otherwise stretch each burst. */
	set_user_nice(current, MIN_NICE);
	while (!kthread_should_stop()) {
		ms = get_random_u32_inclusive(STRESS_BURST_MS_MIN,
					      STRESS_BURST_MS_MAX);
		next = jiffies + msecs_to_jiffies(ms);
		while (time_before(jiffies, next) && !kthread_should_stop()) {
			stress_nap(get_random_u32_inclusive(STRESS_TIDY_MS_MIN,
							    STRESS_TIDY_MS_MAX));
			stress_tidy();
		}
		if (!kthread_should_stop())
			stress_burst();
	}
	return 0;
}

/**
 * stress_pressure_start() - start the memory-pressure thread
 *
 * Return: 0 or a negative errno.
 */
int stress_pressure_start(void)
{
	memset(&stress_pressure, 0, sizeof(stress_pressure));
	stress_pressure_task = kthread_run(stress_pressure_fn, NULL,
					   "xalloc_stress_mem");
	if (IS_ERR(stress_pressure_task)) {
		int ret = PTR_ERR(stress_pressure_task);

		stress_pressure_task = NULL;
		return ret;
	}
	return 0;
}

/**
 * stress_pressure_stop() - stop the thread; the memory it held is back
 * @stats: filled with what it did
 */
void stress_pressure_stop(struct stress_pressure_stats *stats)
{
	if (stress_pressure_task)
		kthread_stop(stress_pressure_task);
	stress_pressure_task = NULL;
	*stats = stress_pressure;
}
