// SPDX-License-Identifier: GPL-2.0
/*
 * Pages and their three free lists.
 *
 * A page hands out blocks from @free. Its owner CPU's frees reach
 * @local_free, through the CPU's object array, and decrement @used as they
 * do. Any other CPU pushes onto the atomic
 * @thread_free and leaves @used alone: the owner pays for remote frees
 * later, in bulk, when it collects @thread_free and subtracts what it
 * found. So @used counts the live blocks plus those on @thread_free, and at
 * quiescence used + |free| + |local_free| == capacity.
 *
 * Blocks are carved lazily: @capacity grows toward @reserved a few blocks
 * at a time, only when @free runs dry, so memory is written (and the
 * constructor run) only as it is needed.
 *
 * Free pointers are encoded (see xalloc_block_key()) and every one is
 * checked before it is followed. A list found broken is cut where it
 * breaks: the blocks beyond are lost to the page until it is emptied and
 * carved again, which is better than handing out memory an attacker or a
 * stray write chose.
 */
#include "internal.h"

/*
 * Carve a page's worth of bytes, at least 4 blocks (as mimalloc), but no
 * more than 64 KiB unless one block is larger: carving (zeroing,
 * poisoning, constructing) runs with interrupts off.
 */
#define XALLOC_MIN_EXTEND	4
#define XALLOC_EXTEND_BYTES	PAGE_SIZE
#define XALLOC_EXTEND_MAX_BYTES	SZ_64K

static void *page_first_block(struct xalloc_page *page,
			      struct xalloc_cache *cache)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);
	void *base = xalloc_page_base(page);
	void *header_end = &segment->pages[segment->nr_slots];

	/* The first page of a segment starts after the segment header. */
	if (base < header_end)
		base = header_end;
	return PTR_ALIGN(base, cache->align);
}

/**
 * xalloc_page_init() - prepare a page just taken from a segment
 * @page: the page, marked in use and owned by @cache
 * @cache: its cache
 * @heap: the heap of @cpu for @cache
 * @cpu: the owner CPU
 */
void xalloc_page_init(struct xalloc_page *page, struct xalloc_cache *cache,
		      struct xalloc_heap *heap, int cpu)
{
	void *end = xalloc_page_base(page) + xalloc_page_bytes(page);

	page->start = page_first_block(page, cache);
	page->block_size = cache->block_size;
	page->block_recip = cache->block_recip;
	page->reserved = (end - page->start) / cache->block_size;
	xalloc_os_kasan_free(page->start,
			     (unsigned long)page->reserved * cache->block_size);
	WRITE_ONCE(page->capacity, 0);
	page->used = 0;
	page->free = NULL;
	page->local_free = NULL;
	page->nr_local_free = 0;
	page->cpu = cpu;
	page->heap = heap;
	if (page->last_key && page->last_key != cache->freelist_key)
		xalloc_page_set_flags(page, XALLOC_PAGE_DIRTY);
	xalloc_atomic_set(&page->thread_free, 0);
}

/*
 * Does a newly carved block need zeroing? In a page another cache filled,
 * its memory holds that cache's old objects and encoded free pointers,
 * which would leak its key, and break init_on_free: SLUB's new objects
 * read zero then. A constructor or debug poison overwrites it, and so
 * does init_on_alloc at every allocation, in the caches it applies to.
 * (This cache's own old blocks have the same layout, so their one stale
 * word, the free pointer, is cleared when the block is handed out; a page
 * fresh from the page allocator reads what it gives, zero under
 * init_on_free.)
 */
static bool page_carve_zeroes(struct xalloc_page *page,
			      struct xalloc_cache *cache)
{
	if (!(page->flags & XALLOC_PAGE_DIRTY) || cache->ctor ||
	    xalloc_cache_poisons_free(cache))
		return false;
	return xalloc_cache_keeps_free_contents(cache) ||
	       !xalloc_os_init_on_alloc(0);
}

/**
 * xalloc_page_extend() - carve more blocks into the free list
 * @page: a page whose free list is empty and whose capacity < reserved
 *
 * Runs the cache's constructor on each new block, as SLUB does when it
 * sets up a new slab, after the debug red zone and poison and the empty
 * tracks if the cache has them.
 */
void xalloc_page_extend(struct xalloc_page *page)
{
	unsigned int n = max_t(unsigned int, XALLOC_MIN_EXTEND,
			       XALLOC_EXTEND_BYTES / page->block_size);
	struct xalloc_cache *cache = page->cache;
	bool zero = page_carve_zeroes(page, cache);
	void *block, *next;
	unsigned int i;

	n = min3(n, max(XALLOC_EXTEND_MAX_BYTES / page->block_size, 1U),
		 page->reserved - page->capacity);
	block = page->start + (unsigned long)page->capacity * page->block_size;
	page->free = block;
	for (i = 0; i < n; i++) {
		next = i + 1 < n ? block + page->block_size : NULL;
		if (zero)
			memset(block, 0, page->block_size);
		if (cache->flags & XALLOC_DEBUG)
			xalloc_debug_init_block(cache, block);
		/* Nobody allocated nor freed it yet, whatever the page held. */
		if (cache->track_offset)
			memset(block + cache->track_offset, 0,
			       XALLOC_TRACKS * sizeof(struct xalloc_track));
		if (cache->ctor) {
			/* The constructor is the cache user's code. */
			xalloc_os_kasan_alloc(block, cache->object_size,
					      page->block_size);
			cache->ctor(block);
			xalloc_os_kasan_free(block, page->block_size);
		}
		xalloc_block_set_next(cache, page, block, next);
		block = next;
	}
	/* Read by remote frees, without the heap lock. */
	WRITE_ONCE(page->capacity, page->capacity + n);
}

/**
 * xalloc_page_free_list_broken() - report a free pointer that is not valid
 * @page: the page
 * @block: the free block whose pointer was overwritten
 * @next: what that pointer decodes to
 *
 * Counted in the cache's corruptions.
 *
 * Return: NULL, the end of the list from now on.
 */
void *xalloc_page_free_list_broken(struct xalloc_page *page, void *block,
				   void *next)
{
	xalloc_report(XALLOC_REPORT_CORRUPTION, page->cache, page, block, 1,
		      "free pointer overwritten (it decodes to %p); the rest of its list is dropped",
		      next);
	return NULL;
}

/*
 * The block after @block on a list of @page, or NULL at the end of the
 * list or where the list is broken (then reported and counted).
 */
static void *page_walk_next(struct xalloc_page *page, void *block)
{
	void *next = xalloc_block_next(page->cache, page, block);

	if (!next || xalloc_page_holds_block(page, next))
		return next;
	return xalloc_page_free_list_broken(page, block, next);
}

/*
 * Take the remote frees: swap the list out, keeping the flag bits, then
 * put it in front of local_free. The owner settles what remote CPUs could
 * not: used drops by the number of blocks taken, which the word counts.
 * The list is walked only to splice it to a local_free that is not empty.
 */
static unsigned int page_collect_thread_free(struct xalloc_page *page)
{
	unsigned long word;
	void *head, *tail, *next;
	unsigned int n, i;

	if (!(xalloc_atomic_read(&page->thread_free) & ~XALLOC_TF_FLAGS))
		return 0;
	word = xalloc_atomic_fetch_and_acquire(&page->thread_free,
					       XALLOC_TF_FLAGS);
	head = xalloc_tf_head(page, word);
	n = xalloc_tf_count(word);
	i = n;
	if (page->local_free) {
		/*
		 * A broken list is cut where it breaks: the blocks beyond are
		 * lost to the page, which is better than following it.
		 */
		for (tail = head, i = 1; i < n; tail = next, i++) {
			next = page_walk_next(page, tail);
			if (!next)
				break;
		}
		xalloc_block_set_next(page->cache, page, tail,
				      page->local_free);
	}
	page->local_free = head;
	page->nr_local_free += i;	/* the blocks spliced */
	page->used -= n;
	return n;
}

/**
 * xalloc_page_collect() - make freed blocks allocatable
 * @page: a page of the calling CPU, under its heap lock
 *
 * Collects thread_free into local_free, then moves local_free to free if
 * free is empty.
 *
 * Return: the number of remote frees collected.
 */
unsigned int xalloc_page_collect(struct xalloc_page *page)
{
	unsigned int n = page_collect_thread_free(page);

	if (!page->free && page->local_free) {
		page->free = page->local_free;
		page->local_free = NULL;
		page->nr_local_free = 0;
	}
	return n;
}

/**
 * xalloc_page_try_alloc() - make a page give a block if it can
 * @page: a page of the calling CPU, under its heap lock
 *
 * Collects the page's frees, then carves more blocks if it has none.
 *
 * Return: a block, or NULL if the page is full.
 */
void *xalloc_page_try_alloc(struct xalloc_page *page)
{
	xalloc_page_collect(page);
	if (!page->free && page->capacity < page->reserved)
		xalloc_page_extend(page);
	return page->free ? xalloc_page_pop(page->cache, page) : NULL;
}

/**
 * xalloc_page_queue_unfull() - hand a full page back to its owner
 * @page: a page whose FULL flag a remote free just swapped for QUEUED
 *
 * Called within the remote free's section (see xalloc_heap_abandon()).
 */
void xalloc_page_queue_unfull(struct xalloc_page *page)
{
	/* Fully ordered: page->heap was set before the owner flagged FULL. */
	llist_add(&page->unfull, &page->heap->unfull);
}

/**
 * xalloc_page_try_mark_full() - flag a page that has nothing to give
 * @page: a page of the calling CPU with empty free lists
 *
 * Return: true if the page is now flagged full: the next remote free will
 * queue it back to the owner. False if a remote free came in meanwhile, or
 * the page is still queued from an earlier full period.
 */
bool xalloc_page_try_mark_full(struct xalloc_page *page)
{
	unsigned long old = 0;

	return xalloc_atomic_cas(&page->thread_free, &old, XALLOC_TF_FULL);
}

/* The owner freed into a full page: no remote free needs to queue it. */
void xalloc_page_clear_full(struct xalloc_page *page)
{
	xalloc_atomic_clear_bits(&page->thread_free, XALLOC_TF_FULL);
}

/* The owner has taken the page off its unfull list. */
void xalloc_page_clear_queued(struct xalloc_page *page)
{
	xalloc_atomic_clear_bits(&page->thread_free, XALLOC_TF_QUEUED);
}

/**
 * xalloc_page_try_retire() - close a page to remote frees before it goes
 * @page: a page of the calling CPU with used == 0, under its heap lock
 *
 * Swaps the empty thread_free word for XALLOC_TF_RETIRED, so that remote
 * frees refuse to push. A page still queued on the unfull list stays
 * until the owner has drained it. With used at 0 every block is free, so
 * a block on thread_free now was pushed by a double free that raced with
 * this: it is dropped and counted (its push wrote only into a free block
 * of this page, whose lists are dropped with it).
 *
 * Return: true if the page may be given back.
 */
bool xalloc_page_try_retire(struct xalloc_page *page)
{
	unsigned long old = xalloc_atomic_read(&page->thread_free);
	unsigned int stray;

	do {
		if (old & XALLOC_TF_QUEUED)
			return false;
	} while (!xalloc_atomic_cas(&page->thread_free, &old,
				    XALLOC_TF_RETIRED));
	stray = xalloc_tf_count(old);
	if (unlikely(stray))
		xalloc_report(XALLOC_REPORT_INVALID_FREE, page->cache, page,
			      NULL, stray,
			      "%u double frees raced with giving the page back; ignored",
			      stray);
	return true;
}

/**
 * xalloc_page_count_thread_free() - count the blocks on thread_free
 * @page: a page in use
 *
 * Return: the number of blocks, as the thread_free word counts them.
 */
unsigned int xalloc_page_count_thread_free(struct xalloc_page *page)
{
	return xalloc_tf_count(xalloc_atomic_read(&page->thread_free));
}

/*
 * Walk one list of @page, at most @limit blocks, checking that each is a
 * carved block of the page and, in a debug cache, that its red zone and
 * poison are intact (damage there is reported, counted and repaired by
 * the debug checks, and *@damaged set). Returns the length, or -1 if the
 * list leaves the page or is longer than @limit (a cycle).
 */
static int page_walk_checked(struct xalloc_page *page, void *list,
			     unsigned int limit, bool *damaged)
{
	struct xalloc_cache *cache = page->cache;
	unsigned int n = 0;

	for (; list; list = xalloc_block_next(cache, page, list)) {
		if (n++ == limit || !xalloc_page_holds_block(page, list))
			return -1;
		if (cache->flags & XALLOC_DEBUG &&
		    !xalloc_debug_check_free(cache, page, list))
			*damaged = true;
	}
	return n;
}

/**
 * xalloc_page_validate() - check the lists and counters of a page
 * @page: a page of the calling CPU, under its heap lock, at quiescence
 *
 * Checks that every list holds only carved blocks of the page, and that
 * used + |free| + |local_free| == capacity, |thread_free| <= used,
 * capacity <= reserved and that the local_free count is right; in a debug
 * cache, also the red zone and poison of every free block, as SLUB's
 * validate does. Reports the first inconsistency found; a broken list and
 * damaged free blocks count as corruptions.
 *
 * Return: true if the page is consistent.
 */
bool xalloc_page_validate(struct xalloc_page *page)
{
	unsigned long word = xalloc_atomic_read(&page->thread_free);
	void *thread_free = xalloc_tf_head(page, word);
	int free, local_free, remote;
	bool damaged = false, broken;
	const char *why = NULL;

	free = page_walk_checked(page, page->free, page->capacity, &damaged);
	local_free = page_walk_checked(page, page->local_free, page->capacity,
				       &damaged);
	remote = page_walk_checked(page, thread_free, page->capacity,
				   &damaged);
	broken = free < 0 || local_free < 0 || remote < 0;
	if (broken)
		why = "a free list leaves the page";
	else if (damaged)
		why = "a free object was written to";
	else if (local_free != page->nr_local_free)
		why = "local_free is not as long as it counts";
	else if (remote != xalloc_tf_count(word))
		why = "thread_free is not as long as it counts";
	else if (page->capacity > page->reserved)
		why = "capacity exceeds reserved";
	else if (page->used + free + local_free != page->capacity)
		why = "used + free + local_free != capacity";
	else if (remote > page->used)
		why = "thread_free exceeds used";
	if (!why)
		return true;
	/* Damaged blocks were counted by the debug checks. */
	xalloc_report(broken ? XALLOC_REPORT_CORRUPTION :
		      XALLOC_REPORT_INCONSISTENT, page->cache, page, NULL, 1,
		      "%s (used %u free %d local_free %d thread_free %d capacity %u reserved %u)",
		      why, page->used, free, local_free, remote, page->capacity,
		      page->reserved);
	return false;
}
