// SPDX-License-Identifier: GPL-2.0
/*
 * Visits of every CPU's heap of a cache: collect, validate, shrink, tear
 * down, count and describe.
 *
 * Only a heap's CPU may touch it, so a visit runs on each online CPU in
 * turn, in process context, under the heap lock. The blocks of the heap's
 * object array go back to their pages first, so that what a visit sees
 * and counts are the pages' lists and counters alone. A visit may sleep.
 */
#include "internal.h"

/*
 * A function run on each CPU's heap under its lock, after the heap has
 * adopted the abandoned pages if @adopt is set.
 */
struct heap_visit {
	struct xalloc_cache *cache;
	void (*fn)(struct xalloc_heap *heap, void *arg);
	void *arg;
	bool adopt;
};

static long heap_visit_on_cpu(void *data)
{
	struct heap_visit *visit = data;
	struct xalloc_cache *cache = visit->cache;
	struct xalloc_heap *heap;
	unsigned long flags;
	bool left = visit->adopt;

	/* Adoption in batches, interrupts on in between. */
	while (left) {
		xalloc_heap_lock(cache, flags);
		left = xalloc_heap_adopt(cache, xalloc_this_heap(cache));
		xalloc_heap_unlock(cache, flags);
	}
	xalloc_heap_lock(cache, flags);
	heap = xalloc_this_heap(cache);
	/* Process context: no fast path of this CPU is under way. */
	xalloc_heap_flush(cache, heap, heap->nr_cached);
	visit->fn(heap, visit->arg);
	xalloc_heap_unlock(cache, flags);
	return 0;
}

/*
 * A heap of an offline CPU: nothing runs there to race with. Its array is
 * empty if the CPU went offline while @cache was on the hotplug list, but
 * a cache being destroyed has left that list.
 */
static void visit_offline_heap(struct xalloc_cache *cache, int cpu,
			       void (*fn)(struct xalloc_heap *heap, void *arg),
			       void *arg)
{
	struct xalloc_heap *heap = xalloc_cpu_heap(cache, cpu);

	xalloc_heap_flush(cache, heap, heap->nr_cached);
	fn(heap, arg);
}

/*
 * Run @fn on every heap of @cache. An online CPU's heap is visited on that
 * CPU, since only its owner may touch it; an offline CPU's heap has no
 * owner running and is visited from here (it is empty once abandoned).
 * Abandoned pages are adopted by each online CPU in turn when @adopt is
 * set; otherwise @page_fn, if not NULL, is run on each of them. All under
 * the CPU hotplug lock, so that no page is abandoned half-way through a
 * visit and seen twice, on its heap and abandoned. May sleep.
 */
static void heaps_visit(struct xalloc_cache *cache,
			void (*fn)(struct xalloc_heap *heap, void *arg),
			void (*page_fn)(struct xalloc_page *page, void *arg),
			void *arg, bool adopt)
{
	struct heap_visit visit = {
		.cache = cache, .fn = fn, .arg = arg, .adopt = adopt,
	};
	struct xalloc_page *page;
	unsigned long flags;
	int cpu;

	xalloc_os_mutex_lock(&cache->visit_lock);
	xalloc_os_hotplug_lock();
	xalloc_for_each_cpu(cpu) {
		if (xalloc_cpu_online(cpu))
			xalloc_os_run_on_cpu(cpu, heap_visit_on_cpu, &visit);
		else
			visit_offline_heap(cache, cpu, fn, arg);
	}
	/*
	 * Nobody owns the abandoned pages: under the lock, no CPU can adopt
	 * one and start changing its lists.
	 */
	if (page_fn) {
		xalloc_os_spin_lock_irqsave(&cache->abandoned_lock, flags);
		list_for_each_entry(page, &cache->abandoned, link)
			page_fn(page, arg);
		xalloc_os_spin_unlock_irqrestore(&cache->abandoned_lock, flags);
	}
	xalloc_os_hotplug_unlock();
	xalloc_os_mutex_unlock(&cache->visit_lock);
}

/* What a collection of every heap gives back. */
struct heap_collect {
	bool current_too;	/* the current page too, if empty */
	unsigned long released;	/* bytes of pages given back */
};

/*
 * Collect every page of @heap and give back those the collection emptied:
 * pages emptied by remote frees go back as those emptied by local ones.
 * The current page stays unless @arg says otherwise, since the next
 * allocation wants it.
 */
static void heap_collect(struct xalloc_heap *heap, void *arg)
{
	struct heap_collect *collect = arg;
	struct xalloc_page *page, *next;

	xalloc_heap_take_unfull(heap);
	list_for_each_entry_safe(page, next, &heap->pages, link) {
		unsigned long bytes = xalloc_page_bytes(page);

		xalloc_page_collect(page);
		if (!page->used &&
		    (collect->current_too || page != heap->current_page) &&
		    xalloc_heap_retire_page(heap, page))
			collect->released += bytes;
	}
	list_for_each_entry(page, &heap->full, link)
		xalloc_page_collect(page);
}

/**
 * xalloc_heaps_collect() - make every CPU collect its remote frees
 * @cache: the cache
 *
 * Pages left empty go back to their segments, but for each CPU's current
 * page. May sleep.
 */
void xalloc_heaps_collect(struct xalloc_cache *cache)
{
	struct heap_collect collect = { .current_too = false };

	heaps_visit(cache, heap_collect, NULL, &collect, true);
}

/* Validate @page, counting it in *@arg if it is inconsistent. */
static void page_validate_count(struct xalloc_page *page, void *arg)
{
	unsigned long *bad = arg;

	if (!xalloc_page_validate(page))
		++*bad;
}

static void heap_validate_list(struct list_head *list, bool full,
			       unsigned long *bad)
{
	struct xalloc_page *page;

	list_for_each_entry(page, list, link) {
		if (!!(page->flags & XALLOC_PAGE_IN_FULL) != full) {
			xalloc_report(XALLOC_REPORT_INCONSISTENT, page->cache,
				      page, NULL, 1, "on the wrong list");
			++*bad;
		} else {
			page_validate_count(page, bad);
		}
	}
}

static void heap_validate(struct xalloc_heap *heap, void *arg)
{
	heap_validate_list(&heap->pages, false, arg);
	heap_validate_list(&heap->full, true, arg);
}

/**
 * xalloc_heaps_validate() - check every page of a cache
 * @cache: the cache, quiescent
 *
 * May sleep.
 *
 * Return: the number of inconsistent pages, each reported.
 */
unsigned long xalloc_heaps_validate(struct xalloc_cache *cache)
{
	unsigned long bad = 0;

	heaps_visit(cache, heap_validate, page_validate_count, &bad, false);
	return bad;
}

/**
 * xalloc_heaps_shrink() - give every empty page of a cache back
 * @cache: the cache
 *
 * May sleep.
 *
 * Return: the bytes of pages given back to their segments.
 */
unsigned long xalloc_heaps_shrink(struct xalloc_cache *cache)
{
	struct heap_collect collect = { .current_too = true };

	heaps_visit(cache, heap_collect, NULL, &collect, true);
	return collect.released;
}

/* What a teardown found: blocks still allocated, and how many to list. */
struct teardown {
	unsigned long leaked;
	unsigned int budget;
};

/*
 * The live blocks of a leaked page, in one walk: the first td->budget are
 * listed, and kmemleak forgets them all, since their memory is unmapped
 * when the module goes, after which kmemleak would scan it. A carved block
 * is live when it does not look free (see xalloc_block_looks_free()): the
 * lists and the object arrays were emptied into the page before.
 */
static void page_teardown_leaks(struct xalloc_page *page,
				struct teardown *td)
{
	void *block = page->start;
	unsigned int i;

	for (i = 0; i < page->capacity && (td->budget || XALLOC_LEAK_TRACKING);
	     i++, block += page->block_size) {
		if (xalloc_block_looks_free(page->cache, page, block))
			continue;
		if (td->budget) {
			td->budget--;
			xalloc_track_report_leak(page->cache, block);
		}
		xalloc_os_leak_free(block);
	}
}

static void heap_teardown_list(struct xalloc_heap *heap,
			       struct list_head *list, struct teardown *td)
{
	struct xalloc_page *page, *next;

	list_for_each_entry_safe(page, next, list, link) {
		xalloc_page_collect(page);
		if (!page->used && xalloc_heap_retire_page(heap, page))
			continue;
		td->leaked += page->used;
		page_teardown_leaks(page, td);
		list_del_init(&page->link);
		heap->nr_pages--;
		xalloc_segment_leak_page(page);
	}
}

static void heap_teardown(struct xalloc_heap *heap, void *arg)
{
	xalloc_heap_take_unfull(heap);
	heap_teardown_list(heap, &heap->pages, arg);
	heap_teardown_list(heap, &heap->full, arg);
	heap->current_page = NULL;
}

/**
 * xalloc_heaps_teardown() - empty every heap of a cache that is going away
 * @cache: the cache; nobody allocates from or frees to it any more
 *
 * Empty pages go back to their segments. Pages with live blocks stay
 * mapped, marked leaked; the first XALLOC_LEAKS_LISTED live blocks are
 * listed, with their allocation sites in an XALLOC_STORE_USER cache.
 *
 * Return: the number of blocks still allocated.
 */
unsigned long xalloc_heaps_teardown(struct xalloc_cache *cache)
{
	struct teardown td = { .budget = XALLOC_LEAKS_LISTED };

	heaps_visit(cache, heap_teardown, NULL, &td, true);
	return td.leaked;
}

/*
 * Counting a page reads counters only: |free| follows from the others
 * (see struct xalloc_page), so no list is walked with interrupts off.
 */
static unsigned int page_nr_free(struct xalloc_page *page)
{
	return page->capacity - page->used - page->nr_local_free;
}

static void page_stats(struct xalloc_page *page, void *arg)
{
	struct xalloc_cache_stats *stats = arg;

	stats->pages++;
	stats->reserved += page->reserved;
	stats->capacity += page->capacity;
	stats->used += page->used;
	stats->free += page_nr_free(page);
	stats->local_free += page->nr_local_free;
	stats->thread_free += xalloc_page_count_thread_free(page);
}

static void heap_stats(struct xalloc_heap *heap, void *arg)
{
	struct xalloc_cache_stats *stats = arg;
	struct xalloc_page *page;

	stats->allocs += heap->allocs;
	stats->alloc_fails += heap->alloc_fails;
	stats->frees += heap->local_frees + heap->remote_frees;
	stats->remote_frees += heap->remote_frees;
	list_for_each_entry(page, &heap->pages, link)
		page_stats(page, stats);
	list_for_each_entry(page, &heap->full, link)
		page_stats(page, stats);
}

/**
 * xalloc_heaps_stats() - add up the counters of every heap of a cache
 * @cache: the cache
 * @stats: zeroed by the caller, filled here
 *
 * Each heap is read on its CPU under its lock; the sum is exact when the
 * cache is quiescent. May sleep.
 */
void xalloc_heaps_stats(struct xalloc_cache *cache,
			struct xalloc_cache_stats *stats)
{
	heaps_visit(cache, heap_stats, page_stats, stats, false);
}

struct page_info_walk {
	struct xalloc_page_info *info;
	unsigned int max;
	unsigned int count;
};

static void page_info(struct xalloc_page *page, void *arg)
{
	struct page_info_walk *walk = arg;
	struct xalloc_page_info *info;

	if (walk->count++ >= walk->max)
		return;
	info = &walk->info[walk->count - 1];
	info->segment = xalloc_segment_of(page);
	info->index = page->index;
	info->cpu = page->cpu;
	info->block_size = page->block_size;
	info->capacity = page->capacity;
	info->reserved = page->reserved;
	info->used = page->used;
	info->free = page_nr_free(page);
	info->local_free = page->nr_local_free;
	info->thread_free = xalloc_page_count_thread_free(page);
	info->full = page->flags & XALLOC_PAGE_IN_FULL;
}

static void heap_page_info(struct xalloc_heap *heap, void *arg)
{
	struct xalloc_page *page;

	list_for_each_entry(page, &heap->pages, link)
		page_info(page, arg);
	list_for_each_entry(page, &heap->full, link)
		page_info(page, arg);
}

/**
 * xalloc_heaps_page_info() - describe every page of a cache
 * @cache: the cache
 * @info: room for @max descriptions
 * @max: entries in @info
 *
 * May sleep.
 *
 * Return: the number of pages found, which may exceed @max: then only the
 * first @max are described.
 */
unsigned int xalloc_heaps_page_info(struct xalloc_cache *cache,
				    struct xalloc_page_info *info,
				    unsigned int max)
{
	struct page_info_walk walk = { .info = info, .max = max };

	heaps_visit(cache, heap_page_info, page_info, &walk, false);
	return walk.count;
}
