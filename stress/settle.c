// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a run: once every thread and timer has stopped, free every
 * object still live, add up the counters, bring each cache to rest and
 * read it, destroy the caches, and see that their segments went back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/printk.h>

#include "stress.h"

#define STRESS_RESERVE_PARAM	"/sys/module/xalloc/parameters/reserve_segments"

/**
 * stress_segments_now() - the segments xalloc holds beyond its reserves
 * @st: filled with the segment counts
 *
 * Sets reserve_segments to 0 for the count, which unmaps the empty
 * segments before the write returns, then restores it.
 *
 * Return: 0 or a negative errno.
 */
int stress_segments_now(struct xalloc_segment_stats *st)
{
	char reserve[16];
	int ret;

	ret = stress_read_file(STRESS_RESERVE_PARAM, reserve, sizeof(reserve));
	if (ret)
		return ret;
	ret = stress_write_file(STRESS_RESERVE_PARAM, "0");
	if (ret)
		return ret;
	xalloc_segment_get_stats(st);
	return stress_write_file(STRESS_RESERVE_PARAM, reserve);
}

static void stress_add(struct stress_counts *sum, const struct stress_counts *c)
{
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		sum->allocs[i] += c->allocs[i];
		sum->frees[i] += c->frees[i];
		sum->nulls[i] += c->nulls[i];
	}
	sum->checked += c->checked;
	sum->remote += c->remote;
	sum->faults += c->faults;
	sum->unexpected += c->unexpected;
}

static u64 stress_ops(const struct stress_counts *c)
{
	u64 ops = 0;
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++)
		ops += c->allocs[i] + c->frees[i];
	return ops;
}

static void stress_free_refs(struct stress_counts *c, struct stress_ref *refs,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (refs[i].obj)
			stress_obj_free(c, refs[i], false);
		refs[i].obj = NULL;
	}
}

/* Free every object still live: in the queues, the slots and the rings. */
static void stress_free_all(struct stress_counts *c)
{
	struct stress_cpu *pc;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = stress_cpus[cpu];
		stress_drain(c, &pc->inbox, false);
		stress_drain(c, &pc->irq_inbox, false);
		stress_free_refs(c, pc->slots, STRESS_SLOTS);
		stress_free_refs(c, pc->hard.ring, STRESS_RING);
		stress_free_refs(c, pc->soft.ring, STRESS_RING);
	}
}

static void stress_tally(struct stress_result *res, const struct cpumask *cpus,
			 const struct stress_counts *last)
{
	struct stress_cpu *pc;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = stress_cpus[cpu];
		stress_add(&res->total, &pc->worker);
		stress_add(&res->total, &pc->hard.counts);
		stress_add(&res->total, &pc->soft.counts);
		res->process_ops += stress_ops(&pc->worker);
		res->waves += pc->waves;
		res->hardirq_ops += stress_ops(&pc->hard.counts);
		res->softirq_ops += stress_ops(&pc->soft.counts);
		if (!cpumask_test_cpu(cpu, cpus))
			continue;
		if (!pc->batches || !pc->hard.fires || !pc->soft.fires)
			res->idle_cpus++;
		if (!cpu_online(cpu))
			res->offline_at_end++;
	}
	stress_add(&res->total, last);
	res->corruptions = atomic_read(&stress_corruptions);
}

/* Collect and shrink each cache, then read its counters and check it. */
static void stress_check_caches(struct stress_result *res)
{
	struct stress_cache_result *cr;
	struct xalloc_cache *cache;
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		cache = stress_caches[i].cache;
		cr = &res->cache[i];
		xalloc_cache_collect(cache);
		xalloc_cache_shrink(cache);
		xalloc_cache_get_stats(cache, &cr->st);
		cr->invalid = xalloc_cache_validate(cache);
		cr->allocs = res->total.allocs[i];
		cr->frees = res->total.frees[i];
		cr->nulls = res->total.nulls[i];
	}
}

/**
 * stress_settle() - end a run and record what is left
 * @res: the record
 * @cpus: the CPUs online when the run started
 *
 * Every worker, timer and thread must have stopped. Destroys the caches.
 */
void stress_settle(struct stress_result *res, const struct cpumask *cpus)
{
	struct stress_counts last = {};

	stress_free_all(&last);
	stress_tally(res, cpus, &last);
	stress_check_caches(res);
	stress_caches_destroy();
	res->reserve_err = stress_segments_now(&res->segments_after);
}

static void stress_report_caches(const struct stress_result *res)
{
	const struct stress_cache_result *cr;
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		cr = &res->cache[i];
		pr_info("%s: allocs %llu/%llu, frees %llu/%llu, alloc_fails %llu/%llu (xalloc/stress), remote_frees %llu, used %lu, pages %lu, inconsistent pages %lu, invalid frees %llu, corruptions %llu\n",
			stress_caches[i].name, cr->st.allocs, cr->allocs,
			cr->st.frees, cr->frees, cr->st.alloc_fails, cr->nulls,
			cr->st.remote_frees, cr->st.used, cr->st.pages,
			cr->invalid, cr->st.invalid_frees, cr->st.corruptions);
	}
}

/**
 * stress_report() - print the figures of a run
 * @res: the record
 */
void stress_report(const struct stress_result *res)
{
	const struct stress_counts *t = &res->total;
	u64 allocs = 0, frees = 0, nulls = 0, remote_frees = 0;
	unsigned long used = 0, pages = 0, invalid = 0;
	unsigned int i;

	for (i = 0; i < STRESS_NR_CACHES; i++) {
		allocs += t->allocs[i];
		frees += t->frees[i];
		nulls += t->nulls[i];
		remote_frees += res->cache[i].st.remote_frees;
		used += res->cache[i].st.used;
		pages += res->cache[i].st.pages;
		invalid += res->cache[i].invalid;
	}
	stress_report_caches(res);
	pr_info("ran %lu s on %u CPUs: %llu allocs, %llu frees (%llu handed over from another CPU; xalloc counted %llu remote frees), %llu objects checked\n",
		res->seconds, res->cpus, allocs, frees, t->remote,
		remote_frees, t->checked);
	pr_info("process ops %llu (%llu waves), hardirq ops %llu, softirq ops %llu; NULL returns: %llu atomic, %llu injected faults (and %d at cache creation), %llu unexpected; corruptions %u\n",
		res->process_ops, res->waves, res->hardirq_ops,
		res->softirq_ops,
		nulls - t->faults - t->unexpected, t->faults,
		res->create_faults, t->unexpected, res->corruptions);
	pr_info("hotplug events %lu (%lu offline, %lu online, %lu refused), memory-pressure bursts %lu (peak %lu MiB held, %lu drop_caches); under load, %lu shrinks gave back %lu KiB, as many collects\n",
		res->hotplug.offline + res->hotplug.online,
		res->hotplug.offline, res->hotplug.online,
		res->hotplug.refused, res->pressure.bursts,
		res->pressure.peak_pages >> (20 - PAGE_SHIFT),
		res->pressure.drop_caches, res->pressure.collects,
		res->pressure.shrunk >> 10);
	pr_info("end: used %lu, pages %lu, inconsistent pages %lu in %u caches; segments %lu (%lu before the run), empty %lu\n",
		used, pages, invalid, STRESS_NR_CACHES,
		res->segments_after.segments, res->segments_before.segments,
		res->segments_after.empty);
}
