// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation path, top to bottom.
 *
 *   xalloc_cache_alloc()
 *     alloc_fast()          pop the CPU's object array: preemption off,
 *                           interrupts on, no atomic operation; the
 *                           block's free-pointer mark is checked
 *     alloc_slow()          under the heap lock, interrupts off:
 *       xalloc_heap_alloc_block()
 *         heap_pop()        the current page's free list, then its own
 *                           frees on local_free
 *         heap_alloc_from_pages()
 *                           full pages remote frees made usable again,
 *                           abandoned pages, then each page collected
 *                           and carved in turn, this CPU's node's first
 *         heap_alloc_fresh()  a page from a segment
 *         xalloc_segment_grow()  a new segment, if @gfp may sleep
 *       heap_refill()       the array from the block's page, for the next
 *                           fast paths
 *     init_object()         debug checks, zeroing, out of every section
 *   xalloc_cache_alloc_bulk()  the array in one claim, then the pages in
 *                              one locked section
 *   xalloc_cache_alloc_node()  the array's top block if it is on the node,
 *                              else alloc_slow() on the node: the heap's
 *                              pages on it, a page or segment of it; the
 *                              array is refilled only from this CPU's
 *                              node
 *
 * The fast path pops blocks that frees pushed (free.c) or that the slow
 * path moved from the current page in a batch: mimalloc's fast path pops
 * its page's free list directly, but a free list cannot be popped safely
 * against interrupts without disabling them or a double-width
 * compare-and-swap, and an array can (see struct xalloc_heap).
 */
#include "internal.h"

/* A block of @page from its free list, or its own frees; no atomic. */
static __always_inline void *page_pop_own(struct xalloc_cache *cache,
					  struct xalloc_page *page)
{
	if (!page->free) {
		if (!page->local_free)
			return NULL;
		page->free = page->local_free;
		page->local_free = NULL;
		page->nr_local_free = 0;
	}
	return xalloc_page_pop(cache, page);
}

/*
 * A block of one of the heap's pages, of @node unless that is
 * NUMA_NO_NODE, collecting and carving each page in turn. Pages with
 * nothing to give are flagged full, so that they are not walked again.
 * The page that gives the block becomes the current one, unless the walk
 * is for a node other than this CPU's.
 */
static void *heap_alloc_from_pages(struct xalloc_heap *heap, int node)
{
	struct xalloc_page *page, *next;
	void *block;

	list_for_each_entry_safe(page, next, &heap->pages, link) {
		if (node != NUMA_NO_NODE &&
		    xalloc_segment_of(page)->node != node)
			continue;
		block = xalloc_page_try_alloc(page);
		if (!block) {
			if (xalloc_page_try_mark_full(page)) {
				xalloc_heap_page_to_full(heap, page);
				continue;
			}
			/* A remote free slipped in before the flag. */
			block = xalloc_page_try_alloc(page);
		}
		if (block) {
			if (node == NUMA_NO_NODE || node == xalloc_this_node())
				heap->current_page = page;
			return block;
		}
	}
	return NULL;
}

/*
 * Add @page, just lent to @cache, to this CPU's heap and allocate from it.
 * For an allocation on any node it becomes the current page, at the head
 * of the page list; a page taken for @node goes to the tail, so that the
 * allocations that follow go on using this CPU's node's pages first.
 */
static void *heap_alloc_from_new_page(struct xalloc_cache *cache,
				      struct xalloc_heap *heap,
				      struct xalloc_page *page, int node)
{
	xalloc_page_init(page, cache, heap, xalloc_this_cpu());
	if (node == NUMA_NO_NODE) {
		list_add(&page->link, &heap->pages);
		heap->current_page = page;
	} else {
		list_add_tail(&page->link, &heap->pages);
	}
	heap->nr_pages++;
	xalloc_page_extend(page);
	return xalloc_page_pop(cache, page);
}

/* The node to take pages of for an allocation on @node. */
static int page_node(int node)
{
	return node == NUMA_NO_NODE ? xalloc_this_node() : node;
}

static void *heap_alloc_fresh(struct xalloc_cache *cache,
			      struct xalloc_heap *heap, int node)
{
	struct xalloc_page *page;

	page = xalloc_segment_take_page(cache, page_node(node));
	return page ? heap_alloc_from_new_page(cache, heap, page, node) : NULL;
}

/*
 * Everything short of mapping a segment: pages remote frees gave back,
 * abandoned pages, the heap's pages, a page from a segment. An allocation
 * on any node walks this CPU's node's pages before the others (taken for
 * allocations on other nodes, or adopted), and those before a new page,
 * as SLUB takes a remote partial slab before a new one.
 */
static void *heap_alloc_nosleep(struct xalloc_cache *cache,
				struct xalloc_heap *heap, int node)
{
	void *block;

	xalloc_heap_take_unfull(heap);
	xalloc_heap_adopt(cache, heap);
	block = heap_alloc_from_pages(heap, page_node(node));
	if (!block && node == NUMA_NO_NODE)
		block = heap_alloc_from_pages(heap, NUMA_NO_NODE);
	return block ?: heap_alloc_fresh(cache, heap, node);
}

/**
 * xalloc_heap_alloc_block() - allocate a block from this CPU's pages
 * @cache: the cache
 * @gfp: allocation flags; only ones that allow blocking may map a segment
 * @node: the NUMA node of the block, or NUMA_NO_NODE for any (then the
 *        current page serves first)
 * @flags: the saved interrupt state of the heap lock
 *
 * Called in a CPU section with the heap lock held, which it may drop, with
 * the section, to map a segment: the caller may then be running on another
 * CPU, with another heap. Relocking saves the interrupt state in @flags.
 *
 * Return: a block, not counted anywhere yet, or NULL.
 */
void *xalloc_heap_alloc_block(struct xalloc_cache *cache, gfp_t gfp,
			      int node, unsigned long *flags)
{
	struct xalloc_heap *heap = xalloc_this_heap(cache);
	struct xalloc_page *page = heap->current_page;
	void *block;
	int map_node;

	xalloc_heap_assert_locked(heap);
	if (likely(page) && node == NUMA_NO_NODE) {
		block = page_pop_own(cache, page);
		if (likely(block))
			return block;
	}
	for (;;) {
		block = heap_alloc_nosleep(cache, heap, node);
		if (block)
			return block;
		if (!xalloc_os_may_sleep(gfp)) {
			/* So that the next one finds a page ready. */
			xalloc_segment_request_refill();
			return NULL;
		}

		/*
		 * A new segment comes with a page lent to this cache, so
		 * one mapping is enough: only a failed mapping means memory
		 * cannot be had, and not even that for __GFP_NOFAIL.
		 */
		map_node = page_node(node);
		xalloc_heap_unlock(cache, *flags);
		xalloc_cpu_exit();
		page = xalloc_segment_grow(cache, map_node, gfp);
		if (!page && xalloc_os_must_not_fail(gfp))
			xalloc_os_cond_resched();
		xalloc_cpu_enter();
		xalloc_heap_lock(cache, *flags);
		heap = xalloc_this_heap(cache);
		/* Moved to a CPU of another node: not its current page. */
		if (page && node == NUMA_NO_NODE &&
		    map_node != xalloc_this_node())
			node = map_node;
		if (page)
			return heap_alloc_from_new_page(cache, heap, page, node);
		if (!xalloc_os_must_not_fail(gfp))
			return NULL;
	}
}

/*
 * Fill the object array from @page, the page the slow path just took a
 * block of, as far as its free lists go without collecting: the batch is
 * bounded, and the next slow path does the rest. Each block is marked
 * (see xalloc_block_mark_cached()).
 */
static void heap_refill(struct xalloc_cache *cache, struct xalloc_heap *heap,
			struct xalloc_page *page)
{
	void *block;

	while (heap->nr_cached < cache->cached_batch) {
		block = page_pop_own(cache, page);
		if (!block)
			break;
		xalloc_block_mark_cached(cache, page, block);
		heap->cached[heap->nr_cached++] = block;
	}
}

/* The NUMA node of the memory of @block, a block of @cache. */
static __always_inline int block_node(const struct xalloc_cache *cache,
				      const void *block)
{
	const struct xalloc_segment *segment;

	segment = (void *)((unsigned long)block & cache->segment_mask);
	return segment->node;
}

/*
 * May the array be refilled from @block's page after an allocation on
 * @node? Not after one on another node: the plain allocations that follow
 * on this CPU take the array's blocks, and would get its memory. So
 * allocations on a remote node all take the slow path. A plain allocation
 * that had to take another node's page (this CPU's node had none with a
 * free block) refills from it, as SLUB's CPU slab may be a remote one.
 */
static bool refill_node_ok(const struct xalloc_cache *cache,
			   const void *block, int node)
{
	return node == NUMA_NO_NODE ||
	       block_node(cache, block) == xalloc_this_node();
}

/*
 * The fast path found the array empty, claimed by the code this interrupt
 * interrupted, or (for an allocation on @node) with no block of @node on
 * top: allocate from the pages under the heap lock, and refill the array
 * from the block's page unless it is claimed, so that the next
 * allocations take the fast path.
 */
static noinline void *alloc_slow(struct xalloc_cache *cache, gfp_t gfp,
				 int node)
{
	struct xalloc_heap *heap;
	unsigned long flags;
	void *block;

	xalloc_os_check_account(gfp);
	xalloc_heap_lock(cache, flags);
	block = xalloc_heap_alloc_block(cache, gfp, node, &flags);
	heap = xalloc_this_heap(cache);
	if (likely(block)) {
		xalloc_count_alloc(cache);
		if (!heap->busy && refill_node_ok(cache, block, node))
			heap_refill(cache, heap,
				    xalloc_page_of_block(cache, block));
	} else {
		xalloc_count_alloc_fail(cache);
	}
	xalloc_heap_unlock(cache, flags);
	return block;
}

/*
 * Pop the object array, if this context may claim it and it has a block,
 * on @node unless that is NUMA_NO_NODE (a constant where it is, so the
 * check costs an ordinary allocation nothing).
 */
static __always_inline void *alloc_fast(struct xalloc_cache *cache, int node)
{
	struct xalloc_heap *heap = xalloc_this_heap(cache);
	void *block = NULL;
	unsigned int n;

	if (likely(xalloc_heap_claim(cache, heap))) {
		n = heap->nr_cached;
		if (likely(n) && (node == NUMA_NO_NODE ||
				  block_node(cache, heap->cached[n - 1]) == node)) {
			block = heap->cached[n - 1];
			if (XALLOC_LEAK_TRACKING)
				heap->cached[n - 1] = NULL;
			heap->nr_cached = n - 1;
		}
		xalloc_heap_unclaim(cache, heap);
	}
	if (likely(block)) {
		struct xalloc_page *page = xalloc_page_of_block(cache, block);

		if (unlikely(!xalloc_cached_block_intact(cache, page, block)))
			block = NULL;
	}
	return block;
}

/*
 * As SLUB: zero for __GFP_ZERO, and for init_on_alloc unless the cache
 * keeps the contents of free objects (a constructor, debug poison).
 */
static __always_inline bool
cache_want_init_on_alloc(struct xalloc_cache *cache, gfp_t gfp)
{
	if (gfp & __GFP_ZERO)
		return true;
	return xalloc_os_init_on_alloc(gfp) &&
	       !xalloc_cache_keeps_free_contents(cache);
}

/*
 * Zeroed at free is zeroed still: the free pointer written since was
 * cleared when the block was handed out.
 */
static __always_inline void init_object(struct xalloc_cache *cache,
					void *obj, gfp_t gfp)
{
	xalloc_os_kasan_alloc(obj, cache->object_size, cache->block_size);
	xalloc_os_leak_alloc(obj, cache->object_size, gfp);
	if (unlikely(cache->flags & XALLOC_DEBUG))
		xalloc_debug_alloc(cache, obj);
	if (cache_want_init_on_alloc(cache, gfp))
		memset(obj, 0, cache->object_size);
	if (unlikely(cache->flags & XALLOC_STORE_USER))
		xalloc_track_record(cache, obj, XALLOC_TRACK_ALLOC);
}

/**
 * xalloc_cache_alloc() - allocate an object
 * @cache: the cache
 * @gfp: GFP_KERNEL may sleep to map a segment; GFP_ATOMIC and GFP_NOWAIT
 *       never sleep and fail when no free block, page or ready segment is
 *       left. __GFP_ZERO zeroes the object.
 *
 * Context: any context but NMI; process context when @gfp may sleep.
 *
 * Return: the object, or NULL (counted as alloc_fails).
 */
void *xalloc_cache_alloc(struct xalloc_cache *cache, gfp_t gfp)
{
	void *obj;

	if (unlikely(!cache)) {
		xalloc_warn_ratelimited("allocation from a NULL cache\n");
		return NULL;
	}
	xalloc_os_might_alloc(gfp);
	xalloc_cpu_enter();
	obj = alloc_fast(cache, NUMA_NO_NODE);
	if (likely(obj)) {
		xalloc_count_alloc(cache);
		xalloc_block_clear_next(cache, obj);
	} else {
		obj = alloc_slow(cache, gfp, NUMA_NO_NODE);
	}
	xalloc_cpu_exit();
	if (likely(obj))
		init_object(cache, obj, gfp);
	return obj;
}
EXPORT_SYMBOL_GPL(xalloc_cache_alloc);

/**
 * xalloc_cache_zalloc() - allocate a zeroed object
 * @cache: the cache
 * @gfp: as for xalloc_cache_alloc()
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: the object, zeroed, or NULL.
 */
void *xalloc_cache_zalloc(struct xalloc_cache *cache, gfp_t gfp)
{
	return xalloc_cache_alloc(cache, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(xalloc_cache_zalloc);

/**
 * xalloc_cache_alloc_node() - allocate an object on a NUMA node
 * @cache: the cache
 * @gfp: as for xalloc_cache_alloc()
 * @node: the node whose memory the object is in, or NUMA_NO_NODE for any
 *
 * As kmem_cache_alloc_node(): the object comes from a page of a segment
 * mapped on @node. A node with no memory is no constraint, as in SLUB;
 * a node number out of range is refused. The pages of a segment come
 * from the page allocator, which, as for SLUB's slabs, falls back to
 * other nodes when @node has none free.
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: the object, or NULL.
 */
void *xalloc_cache_alloc_node(struct xalloc_cache *cache, gfp_t gfp,
			      int node)
{
	void *obj;

	if (node == NUMA_NO_NODE || !cache)
		return xalloc_cache_alloc(cache, gfp);
	if (unlikely(!xalloc_os_node_valid(node))) {
		xalloc_warn_ratelimited("allocation from cache '%s' on node %d refused: no such node\n",
					cache->name, node);
		xalloc_count_alloc_fail(cache);
		return NULL;
	}
	if (!xalloc_os_node_has_memory(node))
		return xalloc_cache_alloc(cache, gfp);
	xalloc_os_might_alloc(gfp);
	xalloc_cpu_enter();
	obj = alloc_fast(cache, node);
	if (likely(obj)) {
		xalloc_count_alloc(cache);
		xalloc_block_clear_next(cache, obj);
	} else {
		obj = alloc_slow(cache, gfp, node);
	}
	xalloc_cpu_exit();
	if (likely(obj))
		init_object(cache, obj, gfp);
	return obj;
}
EXPORT_SYMBOL_GPL(xalloc_cache_alloc_node);

/* Take up to @nr blocks off the object array, if this context may. */
static size_t alloc_bulk_from_array(struct xalloc_cache *cache, size_t nr,
				    void **p)
{
	struct xalloc_heap *heap = xalloc_this_heap(cache);
	size_t i, got, n = 0;

	if (likely(xalloc_heap_claim(cache, heap))) {
		n = min_t(size_t, nr, heap->nr_cached);
		heap->nr_cached -= n;
		memcpy(p, heap->cached + heap->nr_cached, n * sizeof(*p));
		if (XALLOC_LEAK_TRACKING)
			memset(heap->cached + heap->nr_cached, 0,
			       n * sizeof(*p));
		xalloc_heap_unclaim(cache, heap);
	}
	for (i = 0, got = 0; i < n; i++) {
		void *block = p[i];
		struct xalloc_page *page = xalloc_page_of_block(cache, block);

		if (unlikely(!xalloc_cached_block_intact(cache, page, block)))
			continue;
		xalloc_block_clear_next(cache, block);
		p[got++] = block;
	}
	xalloc_count_allocs(cache, got);
	return got;
}

/*
 * Fill @p with @nr blocks from the pages, xalloc_bulk_chunk() at a time
 * under the heap lock, so that interrupts are not held off for a whole
 * batch of any size (nor preemption: a bulk free frees as many per CPU
 * section). Called in a CPU section, which it leaves between chunks.
 * Returns how many it got.
 */
static size_t alloc_bulk_from_pages(struct xalloc_cache *cache, gfp_t gfp,
				    size_t nr, void **p)
{
	unsigned long flags;
	size_t i = 0, end;

	while (i < nr) {
		end = min_t(size_t, nr, i + xalloc_bulk_chunk(cache));
		xalloc_heap_lock(cache, flags);
		for (; i < end; i++) {
			p[i] = xalloc_heap_alloc_block(cache, gfp,
						       NUMA_NO_NODE, &flags);
			if (!p[i])
				break;
		}
		xalloc_heap_unlock(cache, flags);
		if (i < end) {
			xalloc_count_alloc_fail(cache);
			break;
		}
		xalloc_cpu_exit();
		xalloc_cpu_enter();
	}
	xalloc_count_allocs(cache, i);
	return i;
}

/**
 * xalloc_cache_alloc_bulk() - allocate several objects at once
 * @cache: the cache
 * @gfp: as for xalloc_cache_alloc()
 * @nr: how many
 * @p: room for @nr object pointers
 *
 * All or none, as kmem_cache_alloc_bulk(): on failure the objects already
 * taken are freed again. The object array gives what it holds, in one
 * claim; the pages give the rest, xalloc_bulk_chunk() blocks per section
 * under the heap lock.
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: @nr, or 0 on failure (with @p's contents undefined).
 */
int xalloc_cache_alloc_bulk(struct xalloc_cache *cache, gfp_t gfp, size_t nr,
			    void **p)
{
	size_t i, got;

	if (unlikely(!cache || (nr && !p) || nr > INT_MAX)) {
		xalloc_warn_ratelimited("bulk allocation of %zu objects from cache %p into %p refused\n",
					nr, cache, p);
		return 0;
	}
	xalloc_os_might_alloc(gfp);
	xalloc_os_check_account(gfp);
	xalloc_os_kasan_check_write(p, nr * sizeof(*p));
	xalloc_cpu_enter();
	got = alloc_bulk_from_array(cache, nr, p);
	if (got < nr)
		got += alloc_bulk_from_pages(cache, gfp, nr - got, p + got);
	xalloc_cpu_exit();
	/* Even those given back: a debug cache checks them at free. */
	for (i = 0; i < got; i++)
		init_object(cache, p[i], gfp);
	if (unlikely(got < nr)) {
		xalloc_cache_free_bulk(cache, got, p);
		return 0;
	}
	return nr;
}
EXPORT_SYMBOL_GPL(xalloc_cache_alloc_bulk);
