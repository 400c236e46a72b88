/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc_bench: xalloc against SLUB and against a floor, in one boot.
 *
 * Each scenario is written once against struct bench_ops and run for each
 * allocator. Results go to the console as "XBENCH key=value ..." lines, one
 * per measurement, for scripts/bench-report.py, and as a human-readable
 * summary per scenario and size.
 */
#ifndef _XALLOC_BENCH_H
#define _XALLOC_BENCH_H

#include <linux/gfp.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/types.h>

/**
 * struct bench_ops - one allocator, as the scenarios see it
 * @name: "slub", "xalloc" or "floor", as printed in alloc=
 * @create: a cache of @size-byte objects; @objects is how many the
 *          scenario may hold on one CPU, which only the floor needs
 *          (it is prefilled). NULL on failure.
 * @destroy: destroy a cache created by @create; every object is back
 * @alloc: allocate an object; NULL on failure
 * @free: free an object, from any CPU
 * @memory: flush what the allocator can give back of @cache (unless it is
 *          NULL: then only read), then return the bytes of memory the
 *          allocator holds for all its caches; NULL when not measurable
 * @alloc_bulk: allocate @nr objects into @p, all or none; NULL when the
 *              allocator has no bulk interface
 * @free_bulk: free @nr objects of @p
 */
struct bench_ops {
	const char *name;
	void *(*create)(const char *name, unsigned int size,
			unsigned int objects);
	void (*destroy)(void *cache);
	void *(*alloc)(void *cache, gfp_t gfp);
	void (*free)(void *cache, void *obj);
	u64 (*memory)(void *cache);
	int (*alloc_bulk)(void *cache, gfp_t gfp, size_t nr, void **p);
	void (*free_bulk)(void *cache, size_t nr, void **p);
};

extern const struct bench_ops bench_slub_ops;
extern const struct bench_ops bench_xalloc_ops;
extern const struct bench_ops bench_floor_ops;
extern const struct bench_ops bench_pfloor_ops;

void *bench_slub_alloc(void *cache, gfp_t gfp);
void bench_slub_free(void *cache, void *obj);
void *bench_xalloc_alloc(void *cache, gfp_t gfp);
void bench_xalloc_free(void *cache, void *obj);
void *bench_floor_alloc(void *cache, gfp_t gfp);
void bench_floor_free(void *cache, void *obj);
void *bench_pfloor_alloc(void *cache, gfp_t gfp);
void bench_pfloor_free(void *cache, void *obj);

/*
 * The loops call the allocators through these: with retpolines an indirect
 * call costs more than many allocations, and it would be paid by all three
 * allocators alike, squeezing every ratio towards 1.
 */
static __always_inline void *bench_alloc(const struct bench_ops *ops,
					 void *cache, gfp_t gfp)
{
	return INDIRECT_CALL_4(ops->alloc, bench_slub_alloc,
			       bench_xalloc_alloc, bench_floor_alloc,
			       bench_pfloor_alloc, cache, gfp);
}

static __always_inline void bench_free(const struct bench_ops *ops,
				       void *cache, void *obj)
{
	INDIRECT_CALL_4(ops->free, bench_slub_free, bench_xalloc_free,
			bench_floor_free, bench_pfloor_free, cache, obj);
}

void *bench_create(const struct bench_ops *ops, unsigned int size,
		   unsigned int objects);

/* Module parameters (main.c). */
extern unsigned int bench_pair_iters;
extern unsigned int bench_pair_reps;
extern unsigned int bench_batch_objects;
extern unsigned int bench_batch_rounds;
extern unsigned int bench_remote_objects;
extern unsigned int bench_remote_rounds;
extern unsigned int bench_concurrent_iters;
extern unsigned int bench_mixed_ops;
extern unsigned int bench_mixed_slots;
extern unsigned int bench_mixed_handoff;
extern unsigned int bench_memory_bytes;
extern unsigned int bench_memory_mid_bytes;
extern unsigned int bench_memory_small_bytes;
extern unsigned int bench_footprint_caches;
extern unsigned int bench_bulk_iters;
extern unsigned int bench_sizes[];
extern unsigned int bench_nr_sizes;

/* What a scenario hands back for the summary line: values in hundredths. */
#define BENCH_MAX_METRICS	4

struct bench_metrics {
	u64 v[BENCH_MAX_METRICS];
};

/**
 * struct bench_scenario - one scenario
 * @name: as printed in scenario=
 * @metrics: names of the summarised values, NULL-terminated; lower is
 *           better for each
 * @run: run for one allocator and object size (0 for scenarios that mix
 *       sizes), print its XBENCH lines and fill the summarised values
 * @per_size: run once per object size, else once with size 0
 * @min_cpus: online CPUs needed
 * @no_floor: the floors have nothing to say here
 */
struct bench_scenario {
	const char *name;
	const char *metrics[BENCH_MAX_METRICS + 1];
	int (*run)(const struct bench_scenario *sc, const struct bench_ops *ops,
		   unsigned int size, struct bench_metrics *out);
	bool per_size;
	unsigned int min_cpus;
	bool no_floor;
};

extern const struct bench_scenario bench_pair;
extern const struct bench_scenario bench_batch;
extern const struct bench_scenario bench_latency;
extern const struct bench_scenario bench_bulk;
extern const struct bench_scenario bench_remote;
extern const struct bench_scenario bench_concurrent;
extern const struct bench_scenario bench_mixed;
extern const struct bench_scenario bench_memory;
extern const struct bench_scenario bench_memory_mid;
extern const struct bench_scenario bench_memory_small;
extern const struct bench_scenario bench_footprint;

/* Output (util.c). */
#define BENCH_FMT_LEN	24

char *bench_fmt(char *buf, u64 num, u64 den);
__printf(4, 5)
void bench_line(const struct bench_scenario *sc, unsigned int size,
		const struct bench_ops *ops, const char *fmt, ...);
u64 bench_centi(u64 num, u64 den);

/* Threads (util.c). */
int bench_run_parallel(unsigned int n, const int *cpus, int (*fn)(void *),
		       void **args);
int bench_run_on(int cpu, int (*fn)(void *), void *arg);
int bench_cpu(unsigned int i);

/* Memory pressure (util.c). */
int bench_drop_caches(void);

/* memory.c */

/*
 * Long enough for xalloc's pool work, queued when a segment is taken or
 * emptied, to have mapped or unmapped it before anything is read.
 */
#define BENCH_SETTLE_MS	100

u64 bench_free_bytes(void);

/* single.c */
#define BENCH_MAX_REPS	15

/**
 * struct bench_timed - a loop timed in chunks
 * @median_ns: the median chunk's time
 * @total_ns: all chunks' time
 * @chunk_ops: operations per chunk
 * @ops: operations in all
 * @fails: failed allocations
 */
struct bench_timed {
	u64 median_ns;
	u64 total_ns;
	u64 chunk_ops;
	u64 ops;
	u64 fails;
};

void bench_pair_timed(const struct bench_ops *ops, void *cache,
		      unsigned int iters, struct bench_timed *t);
void bench_timer_overhead(void);

#endif /* _XALLOC_BENCH_H */
