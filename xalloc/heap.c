// SPDX-License-Identifier: GPL-2.0
/*
 * One CPU's pages of one cache: the page queues under the heap lock.
 *
 * A heap keeps its pages on two lists. @pages holds those that may have a
 * free block; the slow path of the allocation walks it. A page with nothing
 * left goes to @full, where nobody looks at it. A remote free into such a
 * page puts the page on the heap's lock-free unfull list (see
 * XALLOC_TF_FULL), which the owner drains at the start of its next slow
 * path: mimalloc's delayed free, moving pages rather than blocks, so that
 * every remote free stays on its page's thread_free and the counters stay
 * exact.
 *
 * A page left empty goes back to its segment, but for the current page,
 * which the next allocation wants.
 *
 * When a CPU goes offline its pages are abandoned to the cache, with no
 * owner CPU, so that every free into them is remote; the next slow path of
 * any CPU adopts them, pending remote frees included, as mimalloc reclaims
 * the segments of a thread that exited.
 *
 * Everything here runs under the heap lock of the heap's CPU, but for the
 * abandonment of a dead CPU's heap, which nothing else touches.
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

/**
 * xalloc_heap_page_to_full() - park a page that has nothing to give
 * @heap: the heap of the calling CPU, under its lock
 * @page: a page of @heap flagged XALLOC_TF_FULL
 */
void xalloc_heap_page_to_full(struct xalloc_heap *heap,
			      struct xalloc_page *page)
{
	xalloc_heap_assert_locked(heap);
	xalloc_page_set_flags(page, XALLOC_PAGE_IN_FULL);
	list_move_tail(&page->link, &heap->full);
	if (heap->current_page == page)
		heap->current_page = NULL;
}

static void heap_page_unfull(struct xalloc_heap *heap,
			     struct xalloc_page *page)
{
	xalloc_page_clear_flags(page, XALLOC_PAGE_IN_FULL);
	list_move(&page->link, &heap->pages);
}

/**
 * xalloc_heap_take_unfull() - take back the full pages remote frees queued
 * @heap: the heap of the calling CPU, under its lock
 */
void xalloc_heap_take_unfull(struct xalloc_heap *heap)
{
	struct llist_node *queued = llist_del_all(&heap->unfull);
	struct xalloc_page *page, *next;

	llist_for_each_entry_safe(page, next, queued, unfull) {
		xalloc_page_clear_queued(page);
		if (page->flags & XALLOC_PAGE_IN_FULL)
			heap_page_unfull(heap, page);
	}
}

/**
 * xalloc_heap_retire_page() - give an empty page back to its segment
 * @heap: the heap of the calling CPU, under its lock
 * @page: a page of @heap with used == 0
 *
 * A page still queued on the unfull list stays until the owner has
 * drained it, so that the list never holds a page that belongs to someone
 * else.
 *
 * Return: true if the page went back.
 */
bool xalloc_heap_retire_page(struct xalloc_heap *heap,
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

/**
 * xalloc_heap_free_to_page() - the owner's free of a block into its page
 * @cache: the cache of @page
 * @heap: the heap of the calling CPU, under its lock
 * @page: a page of @heap
 * @block: an allocated block of @page
 *
 * Pushes @block on local_free and decrements used at once. A full page
 * has room again; an empty one goes back to its segment, unless it is the
 * current page.
 */
void xalloc_heap_free_to_page(struct xalloc_cache *cache,
			      struct xalloc_heap *heap,
			      struct xalloc_page *page, void *block)
{
	xalloc_block_set_next(cache, page, block, page->local_free);
	page->local_free = block;
	page->nr_local_free++;
	page->used--;
	if (unlikely(page->flags & XALLOC_PAGE_IN_FULL)) {
		xalloc_page_clear_full(page);
		heap_page_unfull(heap, page);
	}
	if (!page->used && page != heap->current_page)
		xalloc_heap_retire_page(heap, page);
}

/**
 * xalloc_heap_drop_cached() - keep a block of the array out of use
 * @cache: the cache
 * @page: the page of @block
 * @block: a block leaving the object array without its mark
 *
 * Its mark was overwritten: written to after its free (or a copy of a
 * block freed twice after such a write, whose other copy has left the
 * array already). Reported and counted as a corruption, and kept out of
 * use, counted in used: the writer may still hold it, and handing it
 * out, or putting it on a list, could hand it out twice.
 */
void xalloc_heap_drop_cached(struct xalloc_cache *cache,
			     struct xalloc_page *page, void *block)
{
	xalloc_report(XALLOC_REPORT_CORRUPTION, cache, page, block, 1,
		      "free object written to (use after free) in the CPU's array; kept out of use");
}

/**
 * xalloc_heap_flush() - give the oldest blocks of the object array back
 * @cache: the cache
 * @heap: a heap of @cache, under its lock with no fast path under way, or
 *        the heap of a dead CPU
 * @n: how many, at most @heap->nr_cached
 *
 * Each block goes back to its page as an owner's free, but for one whose
 * mark is gone (see xalloc_heap_drop_cached()).
 */
void xalloc_heap_flush(struct xalloc_cache *cache, struct xalloc_heap *heap,
		       unsigned int n)
{
	unsigned int i;

	/*
	 * Newest first, so the newest blocks go deepest: a write after free
	 * most likely hits a block freed last, and a list cut where such a
	 * write broke it (see xalloc_page_free_list_broken()) loses the
	 * fewest blocks when that block is near its end.
	 */
	for (i = n; i-- > 0; ) {
		void *block = heap->cached[i];
		struct xalloc_page *page = xalloc_page_of_block(cache, block);

		if (xalloc_cached_block_intact(cache, page, block))
			xalloc_heap_free_to_page(cache, heap, page, block);
	}
	heap->nr_cached -= n;
	memmove(heap->cached, heap->cached + n,
		heap->nr_cached * sizeof(heap->cached[0]));
	if (XALLOC_LEAK_TRACKING)
		memset(heap->cached + heap->nr_cached, 0,
		       n * sizeof(heap->cached[0]));
}

/**
 * xalloc_heap_adopt() - take over pages of CPUs that went offline
 * @cache: the cache
 * @heap: the heap of the calling CPU, under its lock
 *
 * Takes up to XALLOC_ADOPT_BATCH pages. Under the heap lock, a free on
 * this CPU cannot see a page change hands half-way.
 *
 * Return: true if abandoned pages are left.
 */
bool xalloc_heap_adopt(struct xalloc_cache *cache, struct xalloc_heap *heap)
{
	struct xalloc_page *page, *next;
	int cpu = xalloc_this_cpu();
	unsigned long n = 0, left;

	xalloc_heap_assert_locked(heap);
	if (!READ_ONCE(cache->nr_abandoned))
		return false;
	xalloc_os_spin_lock(&cache->abandoned_lock);
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
	xalloc_os_spin_unlock(&cache->abandoned_lock);
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
 * The blocks of the object array go back to their pages first. The pages,
 * pending remote frees and all, wait on the cache's abandoned list with
 * no owner CPU until some CPU's slow path adopts them.
 */
void xalloc_heap_abandon(struct xalloc_cache *cache, int cpu)
{
	struct xalloc_heap *heap = xalloc_cpu_heap(cache, cpu);
	struct xalloc_page *page;
	unsigned long flags;

	/* Nobody else touches a dead CPU's heap: no lock. */
	heap->current_page = NULL;
	xalloc_heap_take_unfull(heap);
	xalloc_heap_flush(cache, heap, heap->nr_cached);
	list_splice_init(&heap->full, &heap->pages);
	list_for_each_entry(page, &heap->pages, link) {
		xalloc_page_clear_flags(page, XALLOC_PAGE_IN_FULL);
		WRITE_ONCE(page->heap, NULL);
		WRITE_ONCE(page->cpu, XALLOC_NO_CPU);
	}
	xalloc_os_spin_lock_irqsave(&cache->abandoned_lock, flags);
	list_splice_tail_init(&heap->pages, &cache->abandoned);
	WRITE_ONCE(cache->nr_abandoned,
		   cache->nr_abandoned + heap->nr_pages);
	xalloc_os_spin_unlock_irqrestore(&cache->abandoned_lock, flags);
	heap->nr_pages = 0;
}
