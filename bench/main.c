// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc_bench: runs every selected scenario at insmod time, for each
 * object size and allocator, and prints the results. Loading it takes as
 * long as the benchmark; unloading it does nothing.
 */
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include <xalloc.h>

#include "bench.h"

#define BENCH_MAX_SIZES	8

unsigned int bench_pair_iters = 1000000;
module_param_named(pair_iters, bench_pair_iters, uint, 0444);
MODULE_PARM_DESC(pair_iters, "pair: allocate/free pairs (1000000)");

unsigned int bench_pair_reps = 5;
module_param_named(pair_reps, bench_pair_reps, uint, 0444);
MODULE_PARM_DESC(pair_reps,
		 "pair, concurrent: timed chunks, the median is reported (5)");

unsigned int bench_batch_objects = 10000;
module_param_named(batch_objects, bench_batch_objects, uint, 0444);
MODULE_PARM_DESC(batch_objects, "batch, latency: objects per round (10000)");

unsigned int bench_batch_rounds = 10;
module_param_named(batch_rounds, bench_batch_rounds, uint, 0444);
MODULE_PARM_DESC(batch_rounds, "batch, latency: rounds (10)");

unsigned int bench_remote_objects = 1000;
module_param_named(remote_objects, bench_remote_objects, uint, 0444);
MODULE_PARM_DESC(remote_objects, "remote: objects per handoff (1000)");

unsigned int bench_remote_rounds = 20;
module_param_named(remote_rounds, bench_remote_rounds, uint, 0444);
MODULE_PARM_DESC(remote_rounds, "remote: handoffs (20)");

unsigned int bench_concurrent_iters = 1000000;
module_param_named(concurrent_iters, bench_concurrent_iters, uint, 0444);
MODULE_PARM_DESC(concurrent_iters, "concurrent: pairs per CPU (1000000)");

unsigned int bench_mixed_ops = 200000;
module_param_named(mixed_ops, bench_mixed_ops, uint, 0444);
MODULE_PARM_DESC(mixed_ops, "mixed: slot replacements per CPU (200000)");

unsigned int bench_mixed_slots = 1024;
module_param_named(mixed_slots, bench_mixed_slots, uint, 0444);
MODULE_PARM_DESC(mixed_slots, "mixed: live objects per CPU (1024)");

unsigned int bench_mixed_handoff = 8;
module_param_named(mixed_handoff, bench_mixed_handoff, uint, 0444);
MODULE_PARM_DESC(mixed_handoff,
		 "mixed: one object in N goes to another CPU, 0 for none (8)");

unsigned int bench_memory_bytes = 64000000;
module_param_named(memory_bytes, bench_memory_bytes, uint, 0444);
MODULE_PARM_DESC(memory_bytes,
		 "memory: bytes of live objects, 1000000 x 64 B by default");

unsigned int bench_memory_mid_bytes = 4 * 1024 * 1024;
module_param_named(memory_mid_bytes, bench_memory_mid_bytes, uint, 0444);
MODULE_PARM_DESC(memory_mid_bytes,
		 "memory_mid: bytes of live objects (4194304)");

unsigned int bench_memory_small_bytes = 256 * 1024;
module_param_named(memory_small_bytes, bench_memory_small_bytes, uint, 0444);
MODULE_PARM_DESC(memory_small_bytes,
		 "memory_small: bytes of live objects (262144)");

unsigned int bench_footprint_caches = 100;
module_param_named(footprint_caches, bench_footprint_caches, uint, 0444);
MODULE_PARM_DESC(footprint_caches,
		 "footprint: caches, one object from each on each CPU (100)");

unsigned int bench_sizes[BENCH_MAX_SIZES] = { 64, 256, 1024, 4096 };
unsigned int bench_nr_sizes = 4;
module_param_array_named(sizes, bench_sizes, uint, &bench_nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "object sizes (64,256,1024,4096)");

unsigned int bench_bulk_iters = 200000;
module_param_named(bulk_iters, bench_bulk_iters, uint, 0444);
MODULE_PARM_DESC(bulk_iters, "bulk: objects per batch size (200000)");

static unsigned int repeat = 1;
module_param(repeat, uint, 0444);
MODULE_PARM_DESC(repeat, "run each scenario and size this many times, the allocators interleaved, and summarise the best (1)");

static char *label = "";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "a word printed in XBENCH-CONFIG, telling this boot's setting to the report");

static char *scenarios =
	"pair,batch,bulk,latency,remote,concurrent,mixed,memory,memory_mid,memory_small,footprint";
module_param(scenarios, charp, 0444);
MODULE_PARM_DESC(scenarios, "scenarios to run, comma-separated, or all");

static char *allocators = "slub,xalloc,floor,pfloor";
module_param(allocators, charp, 0444);
MODULE_PARM_DESC(allocators, "allocators to run, comma-separated");

static const struct bench_scenario *const all_scenarios[] = {
	&bench_pair, &bench_batch, &bench_bulk, &bench_latency, &bench_remote,
	&bench_concurrent, &bench_mixed, &bench_memory, &bench_memory_mid,
	&bench_memory_small, &bench_footprint,
};

/* SLUB first, so that the summary reads as a comparison with it. */
enum { OPS_SLUB, OPS_XALLOC, OPS_FLOOR, OPS_PFLOOR };

static const struct bench_ops *const all_ops[] = {
	[OPS_SLUB] = &bench_slub_ops,
	[OPS_XALLOC] = &bench_xalloc_ops,
	[OPS_FLOOR] = &bench_floor_ops,
	[OPS_PFLOOR] = &bench_pfloor_ops,
};

#define NR_OPS	ARRAY_SIZE(all_ops)

/* Is @name in the comma-separated @list ("all" holds everything)? */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	if (!strcmp(list, "all"))
		return true;
	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Append "xalloc/<ref> R" to @buf when both values were measured. */
static size_t summary_ratio(char *buf, size_t len, const bool *ran,
			    const struct bench_metrics *m, unsigned int ref,
			    unsigned int k)
{
	char r[BENCH_FMT_LEN];

	if (!ran[OPS_XALLOC] || !ran[ref] || !m[ref].v[k])
		return 0;
	return scnprintf(buf, len, "; xalloc/%s %s", all_ops[ref]->name,
			 bench_fmt(r, m[OPS_XALLOC].v[k], m[ref].v[k]));
}

/* One human-readable line per summarised value. */
static void summary(const struct bench_scenario *sc, unsigned int size,
		    const bool *ran, const struct bench_metrics *m)
{
	char buf[256], v[BENCH_FMT_LEN];
	unsigned int k, i;
	size_t n;

	for (k = 0; k < BENCH_MAX_METRICS && sc->metrics[k]; k++) {
		n = 0;
		buf[0] = '\0';
		for (i = 0; i < NR_OPS; i++)
			if (ran[i])
				n += scnprintf(buf + n, sizeof(buf) - n,
					       "%s%s %s", n ? ", " : "",
					       all_ops[i]->name,
					       bench_fmt(v, m[i].v[k], 100));
		n += summary_ratio(buf + n, sizeof(buf) - n, ran, m, OPS_SLUB, k);
		summary_ratio(buf + n, sizeof(buf) - n, ran, m, OPS_FLOOR, k);
		if (size)
			pr_info("xalloc_bench: %s, %u B, %s: %s\n", sc->name,
				size, sc->metrics[k], buf);
		else
			pr_info("xalloc_bench: %s, all sizes, %s: %s\n",
				sc->name, sc->metrics[k], buf);
	}
}

/* Keep the lower of each summarised value. */
static void keep_best(struct bench_metrics *best, const struct bench_metrics *m,
		      bool first)
{
	unsigned int k;

	for (k = 0; k < BENCH_MAX_METRICS; k++)
		if (first || m->v[k] < best->v[k])
			best->v[k] = m->v[k];
}

static void run_size(const struct bench_scenario *sc, unsigned int size)
{
	struct bench_metrics m[NR_OPS] = {}, one;
	bool ran[NR_OPS] = {};
	unsigned int i, r;
	int ret;

	for (r = 0; r < repeat; r++) {
		for (i = 0; i < NR_OPS; i++) {
			if (!listed(allocators, all_ops[i]->name) ||
			    (sc->no_floor &&
			     (i == OPS_FLOOR || i == OPS_PFLOOR)))
				continue;
			memset(&one, 0, sizeof(one));
			ret = sc->run(sc, all_ops[i], size, &one);
			if (ret) {
				pr_err("xalloc_bench: %s, %u B, %s failed: %d\n",
				       sc->name, size, all_ops[i]->name, ret);
				continue;
			}
			keep_best(&m[i], &one, !ran[i]);
			ran[i] = true;
		}
	}
	summary(sc, size, ran, m);
}

static void run_scenario(const struct bench_scenario *sc)
{
	unsigned int i;

	if (num_online_cpus() < sc->min_cpus) {
		pr_info("xalloc_bench: %s skipped: needs %u CPUs\n", sc->name,
			sc->min_cpus);
		return;
	}
	if (!sc->per_size) {
		run_size(sc, 0);
		return;
	}
	for (i = 0; i < bench_nr_sizes; i++)
		run_size(sc, bench_sizes[i]);
}

static int check_params(void)
{
	unsigned int i;

	for (i = 0; i < bench_nr_sizes; i++)
		if (bench_sizes[i] < sizeof(void *) ||
		    bench_sizes[i] > XALLOC_MAX_OBJECT_SIZE)
			return -EINVAL;
	if (!bench_pair_reps || bench_pair_reps > BENCH_MAX_REPS ||
	    bench_pair_iters < bench_pair_reps ||
	    bench_concurrent_iters < bench_pair_reps)
		return -EINVAL;
	if (!repeat || !bench_bulk_iters)
		return -EINVAL;
	if (!bench_pair_iters || !bench_batch_objects || !bench_batch_rounds ||
	    !bench_remote_objects || !bench_remote_rounds ||
	    !bench_concurrent_iters || !bench_mixed_slots || !bench_nr_sizes ||
	    !bench_footprint_caches)
		return -EINVAL;
	return 0;
}

static void print_config(void)
{
	pr_info("XBENCH-CONFIG label=%s init_on_alloc=%d init_on_free=%d cpus=%u possible_cpus=%u repeat=%u bulk_iters=%u pair_iters=%u pair_reps=%u batch_objects=%u batch_rounds=%u remote_objects=%u remote_rounds=%u concurrent_iters=%u mixed_ops=%u mixed_slots=%u mixed_handoff=%u memory_bytes=%u memory_mid_bytes=%u memory_small_bytes=%u footprint_caches=%u\n",
		label[0] ? label : "tcg",
		want_init_on_alloc(GFP_KERNEL), want_init_on_free(),
		num_online_cpus(), num_possible_cpus(), repeat,
		bench_bulk_iters, bench_pair_iters, bench_pair_reps,
		bench_batch_objects,
		bench_batch_rounds, bench_remote_objects, bench_remote_rounds,
		bench_concurrent_iters, bench_mixed_ops, bench_mixed_slots,
		bench_mixed_handoff, bench_memory_bytes, bench_memory_mid_bytes,
		bench_memory_small_bytes, bench_footprint_caches);
}

static int __init bench_init(void)
{
	unsigned int i;

	if (check_params()) {
		pr_err("xalloc_bench: a size is out of range or a count is 0\n");
		return -EINVAL;
	}
	print_config();
	if (listed(scenarios, bench_latency.name))
		bench_timer_overhead();
	for (i = 0; i < ARRAY_SIZE(all_scenarios); i++)
		if (listed(scenarios, all_scenarios[i]->name))
			run_scenario(all_scenarios[i]);
	pr_info("XBENCH-DONE\n");
	return 0;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark of xalloc against SLUB and per-CPU floors");
