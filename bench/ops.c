// SPDX-License-Identifier: GPL-2.0
/*
 * The allocators behind struct bench_ops: SLUB, xalloc, and two floors.
 *
 * The floors are per-CPU stacks of pointers, prefilled, that never run
 * out: no page, no hardening, no counter. "floor" pushes and pops with
 * interrupts off, the least an allocator that disables them pays.
 * "pfloor" only disables preemption: it is not safe against an interrupt
 * that allocates on the same CPU, so it is no allocator, only a lower
 * bound for one that takes no lock and no atomic operation. Both honour
 * might_alloc(), init_on_alloc and init_on_free as the others do, so that
 * all pay for the same contract.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include <xalloc.h>

#include "../xalloc/compat.h"

#include "bench.h"

/* Bytes of slab pages of every node, per-CPU deltas included. */
static u64 slab_bytes(void)
{
	enum node_stat_item item = NR_SLAB_UNRECLAIMABLE_B;
	long pages = 0;
	int nid, cpu;

	/*
	 * The global counter lags by up to a threshold per CPU: add the
	 * deltas not folded yet rather than wait for vmstat to fold them.
	 */
	for_each_node_state(nid, N_MEMORY) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		pages += atomic_long_read(&pgdat->vm_stat[item]);
		for_each_online_cpu(cpu)
			pages += per_cpu_ptr(pgdat->per_cpu_nodestats,
					     cpu)->vm_node_stat_diff[item];
	}
	return pages > 0 ? (u64)pages << PAGE_SHIFT : 0;
}

static void *slub_create(const char *name, unsigned int size,
			 unsigned int objects)
{
	/* Its own slabs, so that nobody else's objects share them. */
	return kmem_cache_create(name, size, 0, SLAB_NO_MERGE, NULL);
}

static void slub_destroy(void *cache)
{
	kmem_cache_destroy(cache);
}

void *bench_slub_alloc(void *cache, gfp_t gfp)
{
	return kmem_cache_alloc(cache, gfp);
}

void bench_slub_free(void *cache, void *obj)
{
	kmem_cache_free(cache, obj);
}

static int slub_alloc_bulk(void *cache, gfp_t gfp, size_t nr, void **p)
{
	return kmem_cache_alloc_bulk(cache, gfp, nr, p);
}

static void slub_free_bulk(void *cache, size_t nr, void **p)
{
	kmem_cache_free_bulk(cache, nr, p);
}

static u64 slub_memory(void *cache)
{
	/* Flush the per-CPU slabs and partial lists, free empty slabs. */
	if (cache)
		kmem_cache_shrink(cache);
	return slab_bytes();
}

const struct bench_ops bench_slub_ops = {
	.name = "slub",
	.create = slub_create,
	.destroy = slub_destroy,
	.alloc = bench_slub_alloc,
	.free = bench_slub_free,
	.memory = slub_memory,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
};

static void *xops_create(const char *name, unsigned int size,
			 unsigned int objects)
{
	return xalloc_cache_create(name, size, 0, 0, NULL);
}

static void xops_destroy(void *cache)
{
	xalloc_cache_destroy(cache);
}

void *bench_xalloc_alloc(void *cache, gfp_t gfp)
{
	return xalloc_cache_alloc(cache, gfp);
}

void bench_xalloc_free(void *cache, void *obj)
{
	xalloc_cache_free(cache, obj);
}

static int xops_alloc_bulk(void *cache, gfp_t gfp, size_t nr, void **p)
{
	return xalloc_cache_alloc_bulk(cache, gfp, nr, p);
}

static void xops_free_bulk(void *cache, size_t nr, void **p)
{
	xalloc_cache_free_bulk(cache, nr, p);
}

static u64 xops_memory(void *cache)
{
	struct xalloc_segment_stats stats;

	/* Collect remote frees, give back empty pages, unmap segments. */
	if (cache)
		xalloc_cache_shrink(cache);
	/* Pages, their arrays, page tables, vmalloc descriptors, registry. */
	xalloc_segment_get_stats(&stats);
	return stats.held;
}

const struct bench_ops bench_xalloc_ops = {
	.name = "xalloc",
	.create = xops_create,
	.destroy = xops_destroy,
	.alloc = bench_xalloc_alloc,
	.free = bench_xalloc_free,
	.memory = xops_memory,
	.alloc_bulk = xops_alloc_bulk,
	.free_bulk = xops_free_bulk,
};

/* The floor: objects carved from chunks of pages of the CPU's node. */
#define FLOOR_CHUNK_ORDER	8

struct floor_stack {
	unsigned int top;
	unsigned int cap;
	void **slots;
};

struct floor_cache {
	struct floor_stack __percpu *stacks;
	unsigned int size;
	unsigned int stride;
	unsigned int nr_chunks;
	void **chunks;
};

static void floor_destroy(void *cache)
{
	struct floor_cache *fc = cache;
	unsigned int i;
	int cpu;

	for (i = 0; i < fc->nr_chunks; i++)
		free_pages((unsigned long)fc->chunks[i], FLOOR_CHUNK_ORDER);
	kvfree(fc->chunks);
	if (fc->stacks)
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(fc->stacks, cpu)->slots);
	free_percpu(fc->stacks);
	kfree(fc);
}

/* Push @n new objects of @cpu's node on @cpu's stack. */
static int floor_fill(struct floor_cache *fc, int cpu, unsigned int n,
		      unsigned int per_chunk)
{
	struct floor_stack *st = per_cpu_ptr(fc->stacks, cpu);
	struct page *page;
	unsigned int i;
	void *chunk;

	while (n) {
		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_NOWARN,
					FLOOR_CHUNK_ORDER);
		if (!page)
			return -ENOMEM;
		chunk = page_address(page);
		fc->chunks[fc->nr_chunks++] = chunk;
		for (i = 0; i < per_chunk && n; i++, n--)
			st->slots[st->top++] = chunk + i * fc->stride;
	}
	return 0;
}

/*
 * Every CPU's stack can hold all the objects, since frees push on the
 * freeing CPU's stack wherever the object came from.
 */
static int floor_prefill(struct floor_cache *fc, unsigned int objects)
{
	unsigned int per_chunk = (PAGE_SIZE << FLOOR_CHUNK_ORDER) / fc->stride;
	unsigned int cpus = num_online_cpus();
	unsigned int cap = objects * cpus;
	int cpu, ret;

	fc->chunks = kvcalloc(DIV_ROUND_UP(objects, per_chunk) * cpus,
			      sizeof(void *), GFP_KERNEL);
	if (!fc->chunks)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct floor_stack *st = per_cpu_ptr(fc->stacks, cpu);

		st->cap = cap;
		st->slots = kvmalloc_node(cap * sizeof(void *), GFP_KERNEL,
					  cpu_to_node(cpu));
		if (!st->slots)
			return -ENOMEM;
		ret = floor_fill(fc, cpu, objects, per_chunk);
		if (ret)
			return ret;
	}
	return 0;
}

static void *floor_create(const char *name, unsigned int size,
			  unsigned int objects)
{
	struct floor_cache *fc = kzalloc(sizeof(*fc), GFP_KERNEL);

	if (!fc)
		return NULL;
	fc->size = size;
	fc->stride = ALIGN(size, sizeof(void *));
	fc->stacks = alloc_percpu(struct floor_stack);
	if (!fc->stacks || floor_prefill(fc, max(objects, 1U))) {
		floor_destroy(fc);
		return NULL;
	}
	return fc;
}

/* The stack's work, the same under both floors' protections. */
static __always_inline void *floor_pop(struct floor_cache *fc)
{
	struct floor_stack *st = this_cpu_ptr(fc->stacks);

	return likely(st->top) ? st->slots[--st->top] : NULL;
}

static __always_inline void floor_push(struct floor_cache *fc, void *obj)
{
	struct floor_stack *st = this_cpu_ptr(fc->stacks);

	/* Cannot overflow: a stack has room for every object. */
	if (likely(st->top < st->cap))
		st->slots[st->top++] = obj;
}

/* What the other allocators do around their own work. */
static __always_inline void *floor_done_alloc(struct floor_cache *fc,
					      void *obj, gfp_t gfp)
{
	if (obj && want_init_on_alloc(gfp))
		memset(obj, 0, fc->size);
	return obj;
}

static __always_inline void floor_start_free(struct floor_cache *fc,
					     void *obj)
{
	if (want_init_on_free())
		memset(obj, 0, fc->size);
}

void *bench_floor_alloc(void *cache, gfp_t gfp)
{
	unsigned long flags;
	void *obj;

	might_alloc(gfp);
	local_irq_save(flags);
	obj = floor_pop(cache);
	local_irq_restore(flags);
	return floor_done_alloc(cache, obj, gfp);
}

void bench_floor_free(void *cache, void *obj)
{
	unsigned long flags;

	floor_start_free(cache, obj);
	local_irq_save(flags);
	floor_push(cache, obj);
	local_irq_restore(flags);
}

const struct bench_ops bench_floor_ops = {
	.name = "floor",
	.create = floor_create,
	.destroy = floor_destroy,
	.alloc = bench_floor_alloc,
	.free = bench_floor_free,
};

void *bench_pfloor_alloc(void *cache, gfp_t gfp)
{
	void *obj;

	might_alloc(gfp);
	preempt_disable();
	obj = floor_pop(cache);
	preempt_enable();
	return floor_done_alloc(cache, obj, gfp);
}

void bench_pfloor_free(void *cache, void *obj)
{
	floor_start_free(cache, obj);
	preempt_disable();
	floor_push(cache, obj);
	preempt_enable();
}

const struct bench_ops bench_pfloor_ops = {
	.name = "pfloor",
	.create = floor_create,
	.destroy = floor_destroy,
	.alloc = bench_pfloor_alloc,
	.free = bench_pfloor_free,
};
