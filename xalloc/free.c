// SPDX-License-Identifier: GPL-2.0
/*
 * The free path, top to bottom.
 *
 *   xalloc_cache_free(), xalloc_free()
 *     object_page()       is this a block of a live cache? The segment
 *                         registry answers before anything at the pointer
 *                         is read, then one mask finds the page
 *     free_checks()       double free, debug checks, init_on_free, the
 *                         free's track (XALLOC_STORE_USER)
 *     free_block()
 *       on the owner CPU  push to the CPU's object array: preemption off,
 *                         interrupts on, no atomic operation; when it is
 *                         full, or claimed by the code this interrupt
 *                         interrupted, free_to_own_page() pushes to the
 *                         page's local_free under the heap lock
 *       on another CPU    free_remote(): one compare-and-swap on the
 *                         page's thread_free, nothing of the owner's
 *   xalloc_cache_free_bulk()  the array while it has room, then the
 *                         blocks of one page at once, one push
 *
 * Everything from the lookup to the push runs in one CPU section, so that
 * the page is not lent again, nor its segment unmapped, meanwhile (see
 * "Free sections" in os.h).
 */
#include "internal.h"

/*
 * The page of @obj if @obj is a block handed out by @expected (or by any
 * live cache when @expected is NULL), with its cache in *@cachep;
 * otherwise say why and return NULL. The cache is read once: the page may
 * be given back meanwhile, and everything after works with the cache
 * validated here. Inline: on the fast path a call and its return cost
 * more than the checks themselves.
 */
static __always_inline struct xalloc_page *
object_page(const void *obj, struct xalloc_cache *expected,
	    struct xalloc_cache **cachep)
{
	struct xalloc_page *page = xalloc_page_lookup(obj);
	struct xalloc_cache *cache = page ? READ_ONCE(page->cache) : NULL;

	if (likely(cache && (!expected || cache == expected) &&
		   xalloc_page_holds_block(page, obj))) {
		*cachep = cache;
		return page;
	}
	xalloc_report_refused_free(obj, expected, page);
	return NULL;
}

static __always_inline bool
cache_want_init_on_free(struct xalloc_cache *cache)
{
	return xalloc_os_init_on_free() &&
	       !xalloc_cache_keeps_free_contents(cache);
}

/*
 * The free of a block of a debug or XALLOC_STORE_USER cache, once it is
 * known not to be free already: the debug checks, zeroing (all that
 * xalloc_ksize() lets its user write), the free's track. A huge object
 * is freed here, whole. False: the block is not to be pushed.
 */
static noinline bool free_checks_debug(struct xalloc_cache *cache,
				       struct xalloc_page *page, void *obj)
{
	if (cache->flags & XALLOC_CACHE_HUGE) {
		xalloc_huge_free(page, obj);
		/*
		 * Mapped until a grace period has passed: a use after free
		 * meanwhile is seen. (xalloc_free_rcu() leaves it open.)
		 */
		xalloc_os_kasan_free(obj, page->block_size);
		return false;
	}
	if (cache->flags & XALLOC_DEBUG) {
		if (!xalloc_debug_free(cache, page, obj))
			return false;
	} else if (cache_want_init_on_free(cache)) {
		memset(obj, 0, xalloc_cache_usable_size(cache));
	}
	if (cache->flags & XALLOC_STORE_USER)
		xalloc_track_record(cache, obj, XALLOC_TRACK_FREE);
	return true;
}

/*
 * May @obj be freed? The cheap double-free check comes before anything
 * writes to the block: zeroing or poisoning it would erase the evidence.
 * Then the block is marked as the object array holds it, so that freeing
 * it again is refused (the lists it may join instead write their own
 * pointer over the mark). The key is computed once.
 */
static __always_inline bool free_checks(struct xalloc_cache *cache,
					struct xalloc_page *page, void *obj)
{
	unsigned long key = xalloc_block_key(cache, page, obj);
	unsigned long *word = obj + cache->free_offset;

	if (unlikely(xalloc_free_pointer_fits(cache, page, obj,
					      (void *)(*word ^ key)))) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
			      "double free");
		return false;
	}
	if (unlikely(cache->flags & (XALLOC_DEBUG | XALLOC_STORE_USER |
				     XALLOC_CACHE_HUGE))) {
		if (!free_checks_debug(cache, page, obj))
			return false;
	} else if (cache_want_init_on_free(cache)) {
		/* All that xalloc_ksize() lets its user write: no tracks. */
		memset(obj, 0, cache->block_size);
	}
	*word = key ^ (unsigned long)obj;	/* xalloc_block_mark_cached() */
	xalloc_os_leak_free(obj);
	/* Readers may still read a typesafe cache's free objects. */
	if (!(cache->flags & XALLOC_TYPESAFE_BY_RCU))
		xalloc_os_kasan_free(obj, cache->block_size);
	return true;
}

/*
 * Push the list @first .. @last, @n blocks of @page, on the page's
 * thread_free with one compare-and-swap. If the page was on its owner's
 * full list, the same swap flags it queued, and the page goes on the owner
 * heap's unfull list. A page being given back refuses the push (see
 * XALLOC_TF_RETIRED): its blocks were all free already.
 */
static void free_remote(struct xalloc_cache *cache, struct xalloc_page *page,
			void *first, void *last, unsigned int n)
{
	unsigned long head = (xalloc_block_index(page, first) + 1) <<
			     XALLOC_TF_HEAD_SHIFT;
	unsigned long old, new;

	old = xalloc_atomic_read(&page->thread_free);
	do {
		if (unlikely(old & XALLOC_TF_RETIRED)) {
			xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page,
				      first, n, "double free");
			return;
		}
		xalloc_block_set_next(cache, page, last,
				      xalloc_tf_head(page, old));
		new = ((old & ~XALLOC_TF_HEAD_MASK) + n * XALLOC_TF_ONE) |
		      head;
		if (old & XALLOC_TF_FULL)
			new = (new & ~XALLOC_TF_FULL) | XALLOC_TF_QUEUED;
	} while (!xalloc_atomic_cas(&page->thread_free, &old, new));
	if (unlikely(old & XALLOC_TF_FULL))
		xalloc_page_queue_unfull(page);
	xalloc_count_remote_frees(cache, n);
}

/*
 * Under the heap lock: is @page still this CPU's page of @cache? With
 * interrupts on since the lookup, one could have given it back (a double
 * free racing with this one), and then the free is remote.
 */
static bool page_still_own(struct xalloc_cache *cache,
			   struct xalloc_page *page)
{
	return READ_ONCE(page->cpu) == xalloc_this_cpu() &&
	       READ_ONCE(page->cache) == cache;
}

/*
 * The owner's free when the object array is full or claimed: under the
 * heap lock, make room in the array by giving its oldest half back to the
 * pages, or, if it is claimed, push to the page's local_free. The page is
 * checked again (see page_still_own()).
 */
static noinline void free_to_own_page(struct xalloc_cache *cache,
				      struct xalloc_page *page, void *block)
{
	struct xalloc_heap *heap;
	unsigned long flags;

	xalloc_heap_lock(cache, flags);
	heap = xalloc_this_heap(cache);
	if (unlikely(!page_still_own(cache, page))) {
		xalloc_heap_unlock(cache, flags);
		free_remote(cache, page, block, block, 1);
		return;
	}
	xalloc_count_local_free(cache);
	if (heap->busy || !cache->cached_max) {
		xalloc_heap_free_to_page(cache, heap, page, block);
		xalloc_heap_unlock(cache, flags);
		return;
	}
	/* Full, unless an interrupt allocated since the fast path looked. */
	if (heap->nr_cached == cache->cached_max)
		xalloc_heap_flush(cache, heap, cache->cached_batch);
	heap->cached[heap->nr_cached++] = block;
	xalloc_heap_unlock(cache, flags);
}

/*
 * Push a checked block of this CPU's @page on the object array, if this
 * context may claim it and it has room. The block counts in its page's
 * used, so only a double free racing with this one could have given the
 * page back since the lookup: the owner is read again inside the claim,
 * after which no interrupt touches the array.
 */
static __always_inline bool free_to_array(struct xalloc_cache *cache,
					  struct xalloc_page *page,
					  void *block, int cpu)
{
	struct xalloc_heap *heap = xalloc_this_heap(cache);
	unsigned int n;

	if (unlikely(!xalloc_heap_claim(cache, heap)))
		return false;
	n = heap->nr_cached;
	if (likely(n < cache->cached_max && READ_ONCE(page->cpu) == cpu)) {
		heap->cached[n] = block;
		heap->nr_cached = n + 1;
		xalloc_heap_unclaim(cache, heap);
		xalloc_count_local_free(cache);
		return true;
	}
	xalloc_heap_unclaim(cache, heap);
	return false;
}

/* Free a checked block: to the array, its own page, or remotely. */
static __always_inline void free_block(struct xalloc_cache *cache,
				       struct xalloc_page *page, void *block)
{
	int cpu = xalloc_this_cpu();

	if (unlikely(READ_ONCE(page->cpu) != cpu))
		free_remote(cache, page, block, block, 1);
	else if (unlikely(!free_to_array(cache, page, block, cpu)))
		free_to_own_page(cache, page, block);
}

/* Free @obj, of @expected or, if NULL, of any cache. */
static __always_inline void free_object(struct xalloc_cache *expected,
					void *obj)
{
	struct xalloc_cache *cache;
	struct xalloc_page *page;

	xalloc_cpu_enter();
	page = object_page(obj, expected, &cache);
	if (page && free_checks(cache, page, obj))
		free_block(cache, page, obj);
	xalloc_cpu_exit();
}

/**
 * xalloc_cache_free() - free an object
 * @cache: the cache it was allocated from
 * @obj: the object, or NULL (then nothing happens)
 *
 * A pointer that is not an object of @cache is reported and ignored.
 *
 * Context: any context but NMI.
 */
void xalloc_cache_free(struct xalloc_cache *cache, void *obj)
{
	if (obj)
		free_object(cache, obj);
}
EXPORT_SYMBOL_GPL(xalloc_cache_free);

/**
 * xalloc_free() - free an object of any cache
 * @obj: the object, or NULL or ZERO_SIZE_PTR (then nothing happens)
 *
 * The cache is found from the pointer. A pointer that is not an xalloc
 * object is reported and ignored.
 *
 * Context: any context but NMI.
 */
void xalloc_free(void *obj)
{
	if (!ZERO_OR_NULL_PTR(obj))
		free_object(NULL, obj);
}
EXPORT_SYMBOL_GPL(xalloc_free);

/* The owner's free of @n blocks of @page, @first .. @last, at once. */
static void free_list_to_own_page(struct xalloc_cache *cache,
				  struct xalloc_page *page, void *first,
				  void *last, unsigned int n)
{
	struct xalloc_heap *heap;
	unsigned long flags;

	xalloc_heap_lock(cache, flags);
	if (unlikely(!page_still_own(cache, page))) {
		xalloc_heap_unlock(cache, flags);
		free_remote(cache, page, first, last, n);
		return;
	}
	heap = xalloc_this_heap(cache);
	xalloc_count_local_frees(cache, n);
	/*
	 * All but the head go on local_free as one list; the head goes the
	 * usual way, where full and empty pages settle.
	 */
	if (first != last) {
		void *second = xalloc_block_next(cache, page, first);

		xalloc_block_set_next(cache, page, last, page->local_free);
		page->local_free = second;
		page->nr_local_free += n - 1;
		page->used -= n - 1;
	}
	xalloc_heap_free_to_page(cache, heap, page, first);
	xalloc_heap_unlock(cache, flags);
}

/* Is @obj in @page's blocks? Nothing at @obj is read: it may be anything. */
static bool same_page(const void *obj, struct xalloc_page *page)
{
	return (unsigned long)(obj - page->start) <
	       (unsigned long)page->reserved * page->block_size;
}

/*
 * Free the pointers at the head of @p: blocks of this CPU's pages go to
 * the object array while it has room; the others, as long as they share
 * a page, are chained as one list and pushed at once. Pointers that are
 * refused are skipped; a block of another page ends the run.
 *
 * Return: the number of pointers consumed.
 */
static size_t free_bulk_run(struct xalloc_cache *expected, void **p,
			    size_t nr)
{
	struct xalloc_page *page = NULL, *known = NULL, *pg;
	struct xalloc_cache *cache, *c, *known_cache = NULL;
	void *first = NULL, *last = NULL;
	int cpu = xalloc_this_cpu();
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		void *obj = p[i];

		if (!obj)
			continue;
		if (page && !same_page(obj, page))
			break;
		/*
		 * A block of the page just looked up needs no registry
		 * lookup: in this CPU section the page stays with its cache.
		 */
		if (known && same_page(obj, known) &&
		    xalloc_page_holds_block(known, obj)) {
			pg = known;
			c = known_cache;
		} else {
			pg = object_page(obj, expected, &c);
			if (!pg)
				continue;
			known = pg;
			known_cache = c;
		}
		if (!free_checks(c, pg, obj))
			continue;
		if (READ_ONCE(pg->cpu) == cpu && free_to_array(c, pg, obj, cpu))
			continue;
		if (!page) {
			page = pg;
			cache = c;
			last = obj;
		}
		/* Still marked free, for a later pointer to the same block. */
		xalloc_block_set_next(cache, page, obj, first);
		first = obj;
		n++;
	}
	if (!n)
		return i;
	if (READ_ONCE(page->cpu) == cpu)
		free_list_to_own_page(cache, page, first, last, n);
	else
		free_remote(cache, page, first, last, n);
	return i;
}

/**
 * xalloc_cache_free_bulk() - free several objects at once
 * @cache: the cache they were allocated from, or NULL for any cache
 * @nr: how many
 * @p: the objects; NULL entries are skipped
 *
 * Objects of this CPU's pages go to its object array while it has room;
 * runs of other objects of one page are freed with one push: to the
 * page's local_free on its owner CPU, to its thread_free with one
 * compare-and-swap elsewhere. Pointers that are not objects of @cache are
 * reported and ignored, as by xalloc_cache_free().
 *
 * Context: any context but NMI.
 */
void xalloc_cache_free_bulk(struct xalloc_cache *cache, size_t nr, void **p)
{
	size_t i = 0;

	if (unlikely(nr && !p)) {
		xalloc_warn_ratelimited("bulk free of %zu objects from NULL refused\n",
					nr);
		return;
	}
	xalloc_os_kasan_check_read(p, nr * sizeof(*p));
	while (i < nr) {
		xalloc_cpu_enter();
		i += free_bulk_run(cache, p + i,
				   min_t(size_t, nr - i, xalloc_bulk_chunk(cache)));
		xalloc_cpu_exit();
	}
}
EXPORT_SYMBOL_GPL(xalloc_cache_free_bulk);
