/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc_stress: every CPU allocates and frees objects of several caches
 * from process, softirq and hardirq context and hands them to other CPUs to
 * free, while CPUs go offline and come back, memory runs short in bursts
 * and, optionally, xalloc's own allocations fail by injection. Every
 * object carries a pattern that is checked before it is freed.
 *
 * The suite's init runs the stress and records what it saw; the cases
 * then assert on the record, so that a run longer than KUnit's per-case
 * timeout is still judged by KUnit.
 */
#ifndef _XALLOC_STRESS_H
#define _XALLOC_STRESS_H

#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/types.h>

#include <xalloc.h>

/* The caches, in the order of stress_caches[]. */
#define STRESS_NR_CACHES	7
/* Interrupt context uses the first ones only: checking is cheap there. */
#define STRESS_IRQ_CACHES	4

/* Live objects a worker keeps, and objects each interrupt context keeps. */
#define STRESS_SLOTS		256
#define STRESS_RING		32

/**
 * struct stress_cache - one cache under stress
 * @name: cache name
 * @size: object size, a multiple of 8 and at least sizeof(stress_hdr)
 * @flags: flags for xalloc_cache_create()
 * @ctor: constructor, or NULL
 * @weight: relative share of the allocations made in process context
 * @cache: the cache, once created
 */
struct stress_cache {
	const char *name;
	unsigned int size;
	unsigned long flags;
	void (*ctor)(void *obj);
	unsigned int weight;
	struct xalloc_cache *cache;
};

extern struct stress_cache stress_caches[STRESS_NR_CACHES];

/**
 * struct stress_counts - what one context did; written by that context only
 * @allocs: successful allocations, per cache
 * @frees: frees, per cache
 * @nulls: allocations that returned NULL, per cache
 * @checked: objects whose content was checked (pattern, ctor state, zero)
 * @remote: frees of objects that another CPU handed over
 * @faults: sleeping allocations that failed while faults were injected
 * @unexpected: sleeping allocations that failed with no fault injected
 */
struct stress_counts {
	u64 allocs[STRESS_NR_CACHES];
	u64 frees[STRESS_NR_CACHES];
	u64 nulls[STRESS_NR_CACHES];
	u64 checked;
	u64 remote;
	u64 faults;
	u64 unexpected;
};

/* A live object, as the context holding it knows it. */
struct stress_ref {
	void *obj;
	unsigned int idx;
};

/**
 * struct stress_irq - the objects and counters of one interrupt context
 * @rnd: its random state
 * @ring: live objects; each firing replaces the oldest
 * @fires: how many times it ran
 * @counts: what it did
 */
struct stress_irq {
	struct rnd_state rnd;
	struct stress_ref ring[STRESS_RING];
	unsigned int fires;
	struct stress_counts counts;
};

/**
 * struct stress_cpu - everything the stress keeps for one CPU
 * @cpu: the CPU
 * @inbox: objects other CPUs handed to this CPU's worker
 * @irq_inbox: objects handed to this CPU's interrupt contexts
 * @accepting: the worker and timers run; other CPUs may hand objects over
 * @irq_on: the timers may rearm themselves
 * @hrtimer: hardirq context, pinned to the CPU
 * @timer: softirq context, pinned to the CPU
 * @rnd: the worker's random state
 * @slots: the worker's live objects
 * @worker: what the worker did
 * @batches: how many batches the worker ran
 * @waves: how many of them were waves
 * @hard: the hrtimer's objects and counters
 * @soft: the timer's objects and counters
 */
struct stress_cpu {
	int cpu;
	struct llist_head inbox;
	struct llist_head irq_inbox;
	bool accepting;
	bool irq_on;
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct rnd_state rnd;
	struct stress_ref slots[STRESS_SLOTS];
	struct stress_counts worker;
	u64 batches;
	u64 waves;
	struct stress_irq hard;
	struct stress_irq soft;
};

/* Indexed by CPU number, for every possible CPU. */
extern struct stress_cpu **stress_cpus;
/* Faults are injected into xalloc: a sleeping allocation may fail. */
extern bool stress_faults;
extern atomic_t stress_corruptions;

/* caches.c */
int stress_caches_create(void);
void stress_caches_destroy(void);
unsigned int stress_pick_cache(struct rnd_state *rnd, unsigned int nr);

/* object.c: the pattern every object carries */
void stress_obj_construct(void *obj, unsigned int size);
struct stress_ref stress_obj_alloc(struct stress_counts *c,
				   struct rnd_state *rnd, unsigned int idx,
				   gfp_t gfp);
void stress_obj_free(struct stress_counts *c, struct stress_ref ref,
		     bool remote);
struct llist_node *stress_obj_node(void *obj);
void stress_obj_free_node(struct stress_counts *c, struct llist_node *node,
			  bool remote);

/* queue.c: handing objects over to other CPUs */
bool stress_send(int self, struct rnd_state *rnd, struct stress_ref ref,
		 bool to_irq);
void stress_drain(struct stress_counts *c, struct llist_head *head,
		  bool remote);

/* irq.c: hardirq and softirq contexts */
void stress_irq_init(struct stress_cpu *pc);
void stress_irq_start(struct stress_cpu *pc);
void stress_irq_stop(struct stress_cpu *pc);

/* workers.c: a worker thread per CPU, parked while the CPU is offline */
int stress_workers_start(void);
void stress_workers_stop(void);

/**
 * struct stress_hotplug_stats - what the hotplug controller did
 * @offline: CPUs taken offline
 * @online: CPUs brought back
 * @refused: remove_cpu() or add_cpu() calls that failed
 */
struct stress_hotplug_stats {
	unsigned long offline;
	unsigned long online;
	unsigned long refused;
};

/* hotplug.c */
int stress_hotplug_start(void);
void stress_hotplug_stop(struct stress_hotplug_stats *stats);

/**
 * struct stress_pressure_stats - what the memory-pressure thread did
 * @bursts: times it grabbed memory and let it go
 * @peak_pages: most pages held at once
 * @drop_caches: writes to /proc/sys/vm/drop_caches that succeeded
 * @shrunk: bytes xalloc_cache_shrink() gave back under load
 * @collects: xalloc_cache_shrink() calls under load, each with an
 *            xalloc_cache_collect() of another cache
 */
struct stress_pressure_stats {
	unsigned long bursts;
	unsigned long peak_pages;
	unsigned long drop_caches;
	unsigned long shrunk;
	unsigned long collects;
};

/* pressure.c */
int stress_pressure_start(void);
void stress_pressure_stop(struct stress_pressure_stats *stats);

/**
 * struct stress_cache_result - a cache at the end of the run
 * @st: its counters after collect and shrink
 * @invalid: inconsistent pages found by xalloc_cache_validate()
 * @allocs: successful allocations the stress made
 * @frees: frees the stress made
 * @nulls: allocations that returned NULL
 */
struct stress_cache_result {
	struct xalloc_cache_stats st;
	unsigned long invalid;
	u64 allocs;
	u64 frees;
	u64 nulls;
};

/**
 * struct stress_result - what a run saw, for the cases to judge
 * @done: the run went through to the end
 * @seconds: how long the load ran
 * @cpus: CPUs online when it started
 * @idle_cpus: of those, CPUs where a worker or an interrupt context never ran
 * @offline_at_end: of those, CPUs not online at the end
 * @create_faults: cache creations that failed by injection and were retried
 * @total: every context's counters added up
 * @process_ops: allocations and frees by the workers
 * @waves: waves the workers ran
 * @hardirq_ops: allocations and frees in hardirq context
 * @softirq_ops: allocations and frees in softirq context
 * @corruptions: objects whose content was wrong
 * @hotplug: what the hotplug controller did
 * @pressure: what the memory-pressure thread did
 * @cache: each cache at the end
 * @segments_before: segments held before the run, with no reserve
 * @segments_after: segments held once the caches are gone, with no reserve
 * @reserve_err: reading or writing reserve_segments failed with this errno
 */
struct stress_result {
	bool done;
	unsigned long seconds;
	unsigned int cpus;
	unsigned int idle_cpus;
	unsigned int offline_at_end;
	int create_faults;
	struct stress_counts total;
	u64 process_ops;
	u64 waves;
	u64 hardirq_ops;
	u64 softirq_ops;
	unsigned int corruptions;
	struct stress_hotplug_stats hotplug;
	struct stress_pressure_stats pressure;
	struct stress_cache_result cache[STRESS_NR_CACHES];
	struct xalloc_segment_stats segments_before;
	struct xalloc_segment_stats segments_after;
	int reserve_err;
};

/* settle.c: the end of the run */
int stress_segments_now(struct xalloc_segment_stats *st);
void stress_settle(struct stress_result *res, const struct cpumask *cpus);
void stress_report(const struct stress_result *res);

/* files.c */
int stress_write_file(const char *path, const char *text);
int stress_read_file(const char *path, char *buf, size_t len);

/* Sleep @ms in a kthread, or less if it is told to stop. */
static inline void stress_nap(unsigned int ms)
{
	set_current_state(TASK_INTERRUPTIBLE);
	if (!kthread_should_stop())
		schedule_timeout(msecs_to_jiffies(ms));
	__set_current_state(TASK_RUNNING);
}

#endif /* _XALLOC_STRESS_H */
