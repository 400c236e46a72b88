// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU heaps: where allocations and frees happen.
 *
 * Each cache has one heap per CPU. The fast path pops the current page's
 * free list under the CPU's local lock, with no atomic operation. When that
 * list is empty the slow path runs, in this order: take back full pages that
 * remote frees made usable, collect and carve the heap's pages, take a fresh
 * page from a segment, and, if the caller may sleep, map a new segment.
 *
 * A free on the page's owner CPU pushes to local_free and decrements used;
 * a free on any other CPU pushes to the page's thread_free with one
 * compare-and-swap and touches nothing else of the owner's.
 *
 * A page with nothing left goes to the heap's full list, where the slow path
 * no longer looks at it. A remote free into such a page puts the page on
 * the heap's lock-free unfull list (see XALLOC_TF_FULL), which the owner
 * drains at the start of its next slow path: mimalloc's delayed free,
 * moving pages rather than blocks so that every remote free stays on its
 * page's thread_free and the counters stay exact.
 *
 * When a CPU goes offline its pages are abandoned to the cache, with no
 * owner CPU, so that every free into them is remote; the next slow path of
 * any CPU adopts them, pending remote frees included, as mimalloc reclaims
 * the segments of a thread that exited.
 */
#include "internal.h"

/*
 * Abandoned pages one slow path adopts at most: adoption rewrites each
 * page's owner with interrupts off, so it goes in bounded steps.
 */
#define XALLOC_ADOPT_BATCH	16

void xalloc_heap_init(struct xalloc_heap *heap)
{
	memset(heap, 0, sizeof(*heap));
	xalloc_heap_lock_init(heap);
	INIT_LIST_HEAD(&heap->pages);
	INIT_LIST_HEAD(&heap->full);
	init_llist_head(&heap->unfull);
}

static void heap_page_to_full(struct xalloc_heap *heap,
			      struct xalloc_page *page)
{
	page->flags |= XALLOC_PAGE_IN_FULL;
	list_move_tail(&page->link, &heap->full);
	if (heap->current_page == page)
		heap->current_page = NULL;
}

static void heap_page_unfull(struct xalloc_heap *heap,
			     struct xalloc_page *page)
{
	page->flags &= ~XALLOC_PAGE_IN_FULL;
	list_move(&page->link, &heap->pages);
}

/* Take back the full pages that remote frees have queued. */
static void heap_take_unfull(struct xalloc_heap *heap)
{
	struct llist_node *queued = llist_del_all(&heap->unfull);
	struct xalloc_page *page, *next;

	llist_for_each_entry_safe(page, next, queued, unfull) {
		xalloc_page_clear_queued(page);
		if (page->flags & XALLOC_PAGE_IN_FULL)
			heap_page_unfull(heap, page);
	}
}

/*
 * Give an empty page back to its segment. A page still queued on the
 * unfull list stays until the owner has drained it, so that the list never
 * holds a page that belongs to someone else.
 */
static bool heap_retire_page(struct xalloc_heap *heap,
			     struct xalloc_page *page)
{
	if (!xalloc_page_try_retire(page))
		return false;
	list_del_init(&page->link);
	heap->nr_pages--;
	if (heap->current_page == page)
		heap->current_page = NULL;
	xalloc_segment_release_page(page);
	return true;
}

/* Make @page give a block if it can: collect, then carve. */
static void *page_try_alloc(struct xalloc_page *page)
{
	xalloc_page_collect(page);
	if (!page->free && page->capacity < page->reserved)
		xalloc_page_extend(page);
	return page->free ? xalloc_page_pop(page->cache, page) : NULL;
}

static void *heap_alloc_from_pages(struct xalloc_heap *heap)
{
	struct xalloc_page *page, *next;
	void *block;

	list_for_each_entry_safe(page, next, &heap->pages, link) {
		block = page_try_alloc(page);
		if (!block) {
			if (xalloc_page_try_mark_full(page)) {
				heap_page_to_full(heap, page);
				continue;
			}
			/* A remote free slipped in before the flag. */
			block = page_try_alloc(page);
		}
		if (block) {
			heap->current_page = page;
			return block;
		}
	}
	return NULL;
}

/* Make @page, just lent to @cache, this CPU's current page; allocate. */
static void *heap_alloc_from_new_page(struct xalloc_cache *cache,
				      struct xalloc_heap *heap,
				      struct xalloc_page *page)
{
	xalloc_page_init(page, cache, heap, xalloc_this_cpu());
	list_add(&page->link, &heap->pages);
	heap->nr_pages++;
	heap->current_page = page;
	xalloc_page_extend(page);
	return xalloc_page_pop(cache, page);
}

static void *heap_alloc_fresh(struct xalloc_cache *cache,
			      struct xalloc_heap *heap)
{
	struct xalloc_page *page;

	page = xalloc_segment_take_page(cache, xalloc_this_node());
	return page ? heap_alloc_from_new_page(cache, heap, page) : NULL;
}

/*
 * Take over up to XALLOC_ADOPT_BATCH pages of CPUs that went offline.
 * Called under the heap lock: a free on this CPU cannot see the page
 * change hands half-way.
 *
 * Return: true if abandoned pages are left.
 */
static bool heap_adopt(struct xalloc_cache *cache, struct xalloc_heap *heap)
{
	struct xalloc_page *page, *next;
	int cpu = xalloc_this_cpu();
	unsigned long n = 0, left;

	if (!READ_ONCE(cache->nr_abandoned))
		return false;
	spin_lock(&cache->abandoned_lock);
	list_for_each_entry_safe(page, next, &cache->abandoned, link) {
		if (n == XALLOC_ADOPT_BATCH)
			break;
		WRITE_ONCE(page->heap, heap);
		WRITE_ONCE(page->cpu, cpu);
		list_move_tail(&page->link, &heap->pages);
		n++;
	}
	heap->nr_pages += n;
	left = cache->nr_abandoned - n;
	WRITE_ONCE(cache->nr_abandoned, left);
	spin_unlock(&cache->abandoned_lock);
	return left;
}

/**
 * xalloc_heap_abandon_prepare() - stop remote frees queueing a dead CPU's
 *                                 full pages
 * @cache: the cache
 * @cpu: a CPU that is offline and runs nothing
 *
 * Once a grace period has passed after this (for every cache at once:
 * one per CPU going offline), no remote free is queueing a page of @cpu
 * on its heap, and xalloc_heap_abandon() can take them all.
 */
void xalloc_heap_abandon_prepare(struct xalloc_cache *cache, int cpu)
{
	struct xalloc_heap *heap = xalloc_cpu_heap(cache, cpu);
	struct xalloc_page *page;

	list_for_each_entry(page, &heap->full, link)
		xalloc_page_clear_full(page);
}

/**
 * xalloc_heap_abandon() - hand a dead CPU's pages to the cache
 * @cache: the cache
 * @cpu: a CPU that is offline and runs nothing, prepared with
 *       xalloc_heap_abandon_prepare() a grace period ago
 *
 * The pages, pending remote frees and all, wait on the cache's abandoned
 * list with no owner CPU until some CPU's slow path adopts them.
 */
void xalloc_heap_abandon(struct xalloc_cache *cache, int cpu)
{
	struct xalloc_heap *heap = xalloc_cpu_heap(cache, cpu);
	struct xalloc_page *page;
	unsigned long flags;

	heap_take_unfull(heap);
	list_splice_init(&heap->full, &heap->pages);

	/* Nobody else touches a dead CPU's heap: no lock for the walk. */
	list_for_each_entry(page, &heap->pages, link) {
		page->flags &= ~XALLOC_PAGE_IN_FULL;
		WRITE_ONCE(page->heap, NULL);
		WRITE_ONCE(page->cpu, XALLOC_NO_CPU);
	}
	spin_lock_irqsave(&cache->abandoned_lock, flags);
	list_splice_tail_init(&heap->pages, &cache->abandoned);
	cache->nr_abandoned += heap->nr_pages;
	spin_unlock_irqrestore(&cache->abandoned_lock, flags);
	heap->nr_pages = 0;
	heap->current_page = NULL;
}

/**
 * xalloc_heap_alloc_slow() - allocate when the current page has no block
 * @cache: the cache
 * @gfp: allocation flags; only ones that allow blocking may map a segment
 * @flags: the saved interrupt state of the heap lock
 *
 * Called with the heap lock held, which it may drop to map a segment: the
 * caller may then be running on another CPU, with another heap. Relocking
 * saves the same interrupt state as @flags, so the caller's copy stays
 * good (and, passed by value, costs the fast path no stack protector).
 *
 * Return: a block, or NULL (counted in alloc_fails).
 */
void *xalloc_heap_alloc_slow(struct xalloc_cache *cache, gfp_t gfp,
			     unsigned long flags)
{
	struct xalloc_page *page;
	struct xalloc_heap *heap;
	void *block;
	int node;

	for (;;) {
		heap = xalloc_this_heap(cache);
		heap_take_unfull(heap);
		heap_adopt(cache, heap);
		block = heap_alloc_from_pages(heap);
		if (!block)
			block = heap_alloc_fresh(cache, heap);
		if (block)
			break;
		if (!xalloc_os_may_sleep(gfp))
			goto fail;

		/*
		 * A new segment comes with a page lent to this cache, so
		 * one mapping is enough: only a failed mapping means memory
		 * cannot be had, and not even that for __GFP_NOFAIL.
		 */
		node = xalloc_this_node();
		xalloc_heap_unlock(cache, flags);
		page = xalloc_segment_grow(cache, node, gfp);
		if (!page && xalloc_os_must_not_fail(gfp))
			xalloc_os_cond_resched();
		xalloc_heap_lock(cache, flags);
		heap = xalloc_this_heap(cache);
		if (page) {
			block = heap_alloc_from_new_page(cache, heap, page);
			break;
		}
		if (!xalloc_os_must_not_fail(gfp))
			goto fail;
	}
	heap->allocs++;
	return block;
fail:
	xalloc_this_heap(cache)->alloc_fails++;
	return NULL;
}

/**
 * xalloc_heap_free_settle() - what a local free may leave to do
 * @heap: the heap of the calling CPU, under its lock
 * @page: a page of @heap a block was just freed into
 *
 * A full page has room again; an empty page goes back to its segment,
 * unless it is the current page, which the next allocation wants.
 */
void xalloc_heap_free_settle(struct xalloc_heap *heap,
			     struct xalloc_page *page)
{
	if (page->flags & XALLOC_PAGE_IN_FULL) {
		xalloc_page_clear_full(page);
		heap_page_unfull(heap, page);
	}
	if (!page->used && page != heap->current_page)
		heap_retire_page(heap, page);
}

/*
 * Per-CPU visits: a function run on each CPU's heap under its lock, after
 * the heap has adopted the abandoned pages if @adopt is set.
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
	struct xalloc_heap *heap;
	unsigned long flags;
	bool left = visit->adopt;

	/* Adoption in batches, interrupts on in between. */
	while (left) {
		xalloc_heap_lock(visit->cache, flags);
		left = heap_adopt(visit->cache, xalloc_this_heap(visit->cache));
		xalloc_heap_unlock(visit->cache, flags);
	}
	xalloc_heap_lock(visit->cache, flags);
	heap = xalloc_this_heap(visit->cache);
	visit->fn(heap, visit->arg);
	xalloc_heap_unlock(visit->cache, flags);
	return 0;
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

	mutex_lock(&cache->visit_lock);
	xalloc_os_hotplug_lock();
	xalloc_for_each_cpu(cpu) {
		if (xalloc_cpu_online(cpu))
			xalloc_os_run_on_cpu(cpu, heap_visit_on_cpu, &visit);
		else
			fn(xalloc_cpu_heap(cache, cpu), arg);
	}
	/*
	 * Nobody owns the abandoned pages: under the lock, no CPU can adopt
	 * one and start changing its lists.
	 */
	if (page_fn) {
		spin_lock_irqsave(&cache->abandoned_lock, flags);
		list_for_each_entry(page, &cache->abandoned, link)
			page_fn(page, arg);
		spin_unlock_irqrestore(&cache->abandoned_lock, flags);
	}
	xalloc_os_hotplug_unlock();
	mutex_unlock(&cache->visit_lock);
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

	heap_take_unfull(heap);
	list_for_each_entry_safe(page, next, &heap->pages, link) {
		unsigned long bytes = xalloc_page_bytes(page);

		xalloc_page_collect(page);
		if (!page->used &&
		    (collect->current_too || page != heap->current_page) &&
		    heap_retire_page(heap, page))
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
			xalloc_err("cache '%s' page %u of segment %p: on the wrong list\n",
				   page->cache->name, page->index,
				   xalloc_segment_of(page));
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

static void heap_teardown_list(struct xalloc_heap *heap,
			       struct list_head *list, unsigned long *leaked)
{
	struct xalloc_page *page, *next;

	list_for_each_entry_safe(page, next, list, link) {
		xalloc_page_collect(page);
		if (!page->used && heap_retire_page(heap, page))
			continue;
		*leaked += page->used;
		list_del_init(&page->link);
		heap->nr_pages--;
		xalloc_segment_leak_page(page);
	}
}

static void heap_teardown(struct xalloc_heap *heap, void *arg)
{
	heap_take_unfull(heap);
	heap_teardown_list(heap, &heap->pages, arg);
	heap_teardown_list(heap, &heap->full, arg);
	heap->current_page = NULL;
}

/**
 * xalloc_heaps_teardown() - empty every heap of a cache that is going away
 * @cache: the cache; nobody allocates from or frees to it any more
 *
 * Empty pages go back to their segments. Pages with live blocks stay
 * mapped, marked leaked.
 *
 * Return: the number of blocks still allocated.
 */
unsigned long xalloc_heaps_teardown(struct xalloc_cache *cache)
{
	unsigned long leaked = 0;

	heaps_visit(cache, heap_teardown, NULL, &leaked, true);
	return leaked;
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
