// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: 4 MiB of vmalloc space aligned to 4 MiB, carved into pages.
 *
 * Segments are pooled per NUMA node and page kind and shared by every
 * cache: a page is lent to one cache's heap on one CPU and comes back when
 * it is empty. A segment none of whose pages is lent is empty. Each pool
 * that has been used keeps xalloc_reserve_segments empty segments ready, so
 * that allocations that cannot sleep still find a fresh page, and gives the
 * others back to vmalloc. Refill and release both run from a work item:
 * vmalloc and vfree may sleep, and pages come back from any context. Under
 * memory pressure a shrinker unmaps the empty segments, reserves included,
 * and has every cache collect its remote frees so that the pages they
 * emptied come back too.
 *
 * Memory goes back only after a grace period, so that a free that looked a
 * block up (in its CPU section, see xalloc_cpu_enter()) never writes
 * into memory another cache has been lent since: a page given back is lent
 * to another cache once a grace period has passed (@retired), and a
 * segment is unmapped a grace period after it left the registry. A page
 * may go back to its own cache at once (see segment_free_page()).
 */
#include "internal.h"

unsigned int xalloc_reserve_segments = 1;

unsigned long xalloc_segment_secret __read_mostly;
unsigned long **xalloc_registry __read_mostly;
unsigned long xalloc_registry_slots __read_mostly;

/**
 * struct xalloc_pool - the segments of one NUMA node and page kind
 * @lock: protects the lists, the counts and the page ownership
 * @partial: segments with pages both lent and free
 * @empty: segments with no page lent
 * @full: segments with every page lent
 * @nr_segments: segments on the three lists
 * @nr_empty: segments on @empty
 * @kind: page kind of its segments
 * @node: NUMA node of its segments
 * @active: a page was once taken from it: keep its reserve filled
 * @gp_wanted: @gp_kick is queued
 * @last_retired: grace-period cookie of the page given back last
 * @gp_kick: asks RCU for the grace period given-back pages wait for
 */
struct xalloc_pool {
	spinlock_t lock;	/* irq-safe: pages come back from any context */
	struct list_head partial;
	struct list_head empty;
	struct list_head full;
	unsigned long nr_segments;
	unsigned long nr_empty;
	enum xalloc_page_kind kind;
	int node;
	bool active;
	bool gp_wanted;
	unsigned long last_retired;
	struct rcu_head gp_kick;
};

static struct xalloc_pool *pools;
static unsigned int nr_pools;
static struct work_struct balance_work;
static struct work_struct reclaim_work;
static unsigned long reclaim_last;	/* jiffies at the last reclaim */

static struct xalloc_pool *pool_of(int node, enum xalloc_page_kind kind)
{
	return &pools[node * XALLOC_PAGE_KINDS + kind];
}

static int registry_init(void)
{
	unsigned long chunks;

	xalloc_registry_slots = (VMALLOC_END - VMALLOC_START) >>
				XALLOC_SEGMENT_SHIFT;
	chunks = DIV_ROUND_UP(xalloc_registry_slots,
			      XALLOC_REGISTRY_CHUNK_BITS);
	xalloc_registry = kvcalloc(chunks, sizeof(*xalloc_registry),
				   GFP_KERNEL);
	return xalloc_registry ? 0 : -ENOMEM;
}

static void registry_exit(void)
{
	unsigned long i;

	for (i = 0; i * XALLOC_REGISTRY_CHUNK_BITS < xalloc_registry_slots;
	     i++)
		kfree(xalloc_registry[i]);
	kvfree(xalloc_registry);
}

static unsigned long registry_slot(struct xalloc_segment *segment)
{
	return ((unsigned long)segment - VMALLOC_START) >> XALLOC_SEGMENT_SHIFT;
}

/* Enter a segment whose header is written; false when out of memory. */
static bool registry_add(struct xalloc_segment *segment, gfp_t gfp)
{
	unsigned long slot = registry_slot(segment);
	unsigned long **chunkp, *chunk;

	if (WARN_ON_ONCE(slot >= xalloc_registry_slots))
		return false;
	chunkp = &xalloc_registry[slot / XALLOC_REGISTRY_CHUNK_BITS];
	if (!READ_ONCE(*chunkp)) {
		if (xalloc_os_should_fail(XALLOC_FAULT_METADATA, PAGE_SIZE))
			return false;
		chunk = kzalloc(PAGE_SIZE, gfp);
		if (!chunk)
			return false;
		/* Fully ordered: the zeroed chunk is seen before its pointer. */
		if (cmpxchg(chunkp, NULL, chunk))
			kfree(chunk);
	}
	/* The header is seen before the bit: see xalloc_segment_is_mapped(). */
	smp_mb__before_atomic();
	set_bit(slot % XALLOC_REGISTRY_CHUNK_BITS, *chunkp);
	return true;
}

static void registry_remove(struct xalloc_segment *segment)
{
	unsigned long slot = registry_slot(segment);

	clear_bit(slot % XALLOC_REGISTRY_CHUNK_BITS,
		  xalloc_registry[slot / XALLOC_REGISTRY_CHUNK_BITS]);
}

void *xalloc_page_base(struct xalloc_page *page)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);

	return (void *)segment + ((unsigned long)page->index <<
				  segment->page_shift);
}

unsigned long xalloc_page_bytes(struct xalloc_page *page)
{
	return 1UL << xalloc_segment_of(page)->page_shift;
}

static void segment_init(struct xalloc_segment *segment,
			 struct xalloc_pool *pool)
{
	unsigned int shift = xalloc_kind_page_shift(pool->kind);
	unsigned int i;

	segment->cookie = xalloc_segment_cookie(segment);
	segment->pool = pool;
	segment->page_shift = shift;
	segment->nr_pages = XALLOC_SEGMENT_SIZE >> shift;
	segment->used_pages = 0;
	segment->node = pool->node;
	for (i = 0; i < segment->nr_pages; i++) {
		struct xalloc_page *page = &segment->pages[i];

		memset(page, 0, sizeof(*page));
		page->index = i;
		page->retired = xalloc_os_gp_completed_cookie();
		INIT_LIST_HEAD(&page->link);
	}
}

/* Put @segment on the list its page count calls for. */
static void pool_file_segment(struct xalloc_pool *pool,
			      struct xalloc_segment *segment)
{
	if (segment->used_pages == 0)
		list_move(&segment->link, &pool->empty);
	else if (segment->used_pages == segment->nr_pages)
		list_move(&segment->link, &pool->full);
	else
		list_move(&segment->link, &pool->partial);
}

/* Map and register a segment for @pool; not in the pool yet. May sleep. */
static struct xalloc_segment *segment_map(struct xalloc_pool *pool, gfp_t gfp)
{
	struct xalloc_segment *segment;

	segment = xalloc_os_map_segment(XALLOC_SEGMENT_SIZE, pool->node,
					xalloc_os_segment_gfp(gfp));
	if (!segment)
		return NULL;
	segment_init(segment, pool);
	if (!registry_add(segment, xalloc_os_segment_gfp(gfp))) {
		xalloc_os_unmap_segment(segment);
		return NULL;
	}
	return segment;
}

/*
 * Lend @page, a free page of @pool, to @cache. Called under the pool
 * lock. Return: true if the pool's reserve wants a refill.
 */
static bool pool_lend_page(struct xalloc_pool *pool, struct xalloc_page *page,
			   struct xalloc_cache *cache)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);
	bool refill = false;

	pool->active = true;
	page->flags = XALLOC_PAGE_IN_USE;
	WRITE_ONCE(page->cache, cache);
	if (segment->used_pages++ == 0) {
		pool->nr_empty--;
		refill = pool->nr_empty < READ_ONCE(xalloc_reserve_segments);
	}
	pool_file_segment(pool, segment);
	return refill;
}

/*
 * Put a new @segment in @pool and, if @cache is not NULL, lend its first
 * page to @cache in the same locked section, so that nobody can take the
 * segment away from the caller that mapped it for itself.
 */
static struct xalloc_page *pool_add_segment(struct xalloc_pool *pool,
					    struct xalloc_segment *segment,
					    struct xalloc_cache *cache)
{
	struct xalloc_page *page = NULL;
	unsigned long flags;
	bool refill = false;

	spin_lock_irqsave(&pool->lock, flags);
	list_add(&segment->link, &pool->empty);
	pool->nr_segments++;
	pool->nr_empty++;
	pool->active = true;
	if (cache) {
		page = &segment->pages[0];
		refill = pool_lend_page(pool, page, cache);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	if (refill)
		xalloc_segment_request_refill();
	return page;
}

/**
 * xalloc_segment_grow() - map a new segment and lend a page of it
 * @cache: the cache that will own the page
 * @node: NUMA node to map it on
 * @gfp: allocation flags; must allow sleeping
 *
 * Return: a page of the new segment, marked in use and owned by @cache
 * (the caller initialises the rest, as after xalloc_segment_take_page()),
 * or NULL when the segment could not be mapped.
 */
struct xalloc_page *xalloc_segment_grow(struct xalloc_cache *cache,
					int node, gfp_t gfp)
{
	struct xalloc_pool *pool = pool_of(node, cache->kind);
	struct xalloc_segment *segment = segment_map(pool, gfp);

	return segment ? pool_add_segment(pool, segment, cache) : NULL;
}

/*
 * A page of @segment that may be lent to @cache: free, and given back a
 * grace period ago, or by @cache itself. A free racing with the page going
 * back may still write into it, but it validated the page as @cache's:
 * a double free then damages @cache, as in SLUB, and never another cache.
 */
static struct xalloc_page *segment_free_page(struct xalloc_segment *segment,
					     struct xalloc_cache *cache)
{
	struct xalloc_page *page;
	unsigned int i;

	for (i = 0; i < segment->nr_pages; i++) {
		page = &segment->pages[i];
		if (!(page->flags & XALLOC_PAGE_IN_USE) &&
		    (page->last_key == cache->freelist_key ||
		     xalloc_os_gp_passed(page->retired)))
			return page;
	}
	return NULL;
}

static struct xalloc_page *pool_pick_page(struct xalloc_pool *pool,
					  struct xalloc_cache *cache)
{
	struct xalloc_segment *segment;
	struct xalloc_page *page;

	/* Fill partial segments first, so that empty ones can go back. */
	list_for_each_entry(segment, &pool->partial, link) {
		page = segment_free_page(segment, cache);
		if (page)
			return page;
	}
	list_for_each_entry(segment, &pool->empty, link) {
		page = segment_free_page(segment, cache);
		if (page)
			return page;
	}
	return NULL;
}

/**
 * xalloc_segment_take_page() - lend a free page to a cache
 * @cache: the cache that will own the page
 * @node: NUMA node to take it from
 *
 * Never sleeps. The page comes back marked in use and owned by @cache; the
 * caller initialises the rest. A page another cache gave back less than
 * a grace period ago is not lent (see the head of this file).
 *
 * Return: the page, or NULL when the pool has no page to lend.
 */
struct xalloc_page *xalloc_segment_take_page(struct xalloc_cache *cache,
					     int node)
{
	struct xalloc_pool *pool = pool_of(node, cache->kind);
	struct xalloc_page *page;
	unsigned long flags;
	bool refill = false;

	spin_lock_irqsave(&pool->lock, flags);
	pool->active = true;
	page = pool_pick_page(pool, cache);
	if (page)
		refill = pool_lend_page(pool, page, cache);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (refill || !page)
		xalloc_segment_request_refill();
	return page;
}

static void pool_gp_passed(struct rcu_head *head);

/*
 * A page given back is lent to another cache only after a grace period
 * (see the head of this file). On a quiet system nothing else may ask RCU for one, so
 * the pool does, and asks again until the page given back last is clear.
 * Called under the pool lock.
 */
static void pool_want_gp(struct xalloc_pool *pool)
{
	if (pool->gp_wanted)
		return;
	pool->gp_wanted = true;
	xalloc_os_after_gp(&pool->gp_kick, pool_gp_passed);
}

static void pool_gp_passed(struct rcu_head *head)
{
	struct xalloc_pool *pool = container_of(head, struct xalloc_pool,
						gp_kick);
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	pool->gp_wanted = false;
	if (!xalloc_os_gp_passed(pool->last_retired))
		pool_want_gp(pool);
	spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * xalloc_segment_release_page() - give an empty page back to its segment
 * @page: a page with no block in use, off every heap list, retired (see
 *        xalloc_page_try_retire())
 *
 * Callable from any context; releasing the segment itself is deferred. The
 * thread_free word keeps XALLOC_TF_RETIRED until the page is lent again.
 */
void xalloc_segment_release_page(struct xalloc_page *page)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);
	struct xalloc_pool *pool = segment->pool;
	unsigned long flags;
	bool trim = false;

	spin_lock_irqsave(&pool->lock, flags);
	/*
	 * The page is filled with its cache's blocks, unless it held
	 * another cache's and was not carved whole.
	 */
	if (!(page->flags & XALLOC_PAGE_DIRTY) ||
	    page->capacity == page->reserved)
		page->last_key = page->cache->freelist_key;
	page->flags = 0;
	/* Frees may be looking at the page: see free_block() in free.c. */
	WRITE_ONCE(page->cache, NULL);
	WRITE_ONCE(page->cpu, XALLOC_NO_CPU);
	WRITE_ONCE(page->capacity, 0);
	page->heap = NULL;
	page->free = NULL;
	page->local_free = NULL;
	page->nr_local_free = 0;
	page->used = 0;
	page->retired = xalloc_os_gp_cookie();
	pool->last_retired = page->retired;
	pool_want_gp(pool);
	if (--segment->used_pages == 0) {
		pool->nr_empty++;
		trim = pool->nr_empty > READ_ONCE(xalloc_reserve_segments);
	}
	pool_file_segment(pool, segment);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (trim)
		xalloc_segment_request_refill();
}

/**
 * xalloc_segment_leak_page() - keep a page whose cache is gone
 * @page: a page that still has live blocks
 *
 * The page stays mapped and lent, so its blocks remain valid memory for
 * whoever still holds them; frees into it are refused.
 */
void xalloc_segment_leak_page(struct xalloc_page *page)
{
	struct xalloc_pool *pool = xalloc_segment_of(page)->pool;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	page->flags = XALLOC_PAGE_IN_USE | XALLOC_PAGE_LEAKED;
	WRITE_ONCE(page->cache, NULL);
	/* A late remote free, breaking the destroy contract, is refused. */
	xalloc_atomic_set(&page->thread_free, XALLOC_TF_RETIRED);
	page->heap = NULL;
	spin_unlock_irqrestore(&pool->lock, flags);
}

/*
 * Take up to @max of the empty segments @pool holds beyond @keep out of
 * the pool and the registry, onto @list.
 */
static unsigned long pool_detach_empty(struct xalloc_pool *pool,
				       unsigned long keep, unsigned long max,
				       struct list_head *list)
{
	struct xalloc_segment *segment;
	unsigned long flags, n = 0;

	spin_lock_irqsave(&pool->lock, flags);
	while (pool->nr_empty > keep && n < max) {
		segment = list_first_entry(&pool->empty,
					   struct xalloc_segment, link);
		list_move(&segment->link, list);
		registry_remove(segment);
		pool->nr_empty--;
		pool->nr_segments--;
		n++;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return n;
}

/* Unmap detached segments, once no free can be looking at them. */
static void unmap_detached(struct list_head *list)
{
	struct xalloc_segment *segment, *next;

	if (list_empty(list))
		return;
	xalloc_os_wait_frees();
	list_for_each_entry_safe(segment, next, list, link) {
		list_del(&segment->link);
		xalloc_os_unmap_segment(segment);
	}
}

/*
 * Unmap up to @max of the empty segments each pool holds beyond @keep,
 * after one grace period for them all. May sleep.
 */
static unsigned long pools_trim(unsigned long keep, unsigned long max)
{
	unsigned long released = 0;
	LIST_HEAD(detached);
	unsigned int i;

	for (i = 0; i < nr_pools && released < max; i++)
		released += pool_detach_empty(&pools[i], keep,
					      max - released, &detached);
	unmap_detached(&detached);
	return released;
}

/*
 * Map the segments an active @pool lacks for its reserve of empty ones.
 * What is lacking is counted once: if the shrinker unmaps segments
 * meanwhile, memory is short, and this does not map them again. Nobody
 * waits for this work: it gives up at once when memory is short rather
 * than retry, warn or wake the OOM killer.
 */
static void pool_refill(struct xalloc_pool *pool)
{
	unsigned long have = READ_ONCE(pool->nr_empty);
	unsigned long want = READ_ONCE(xalloc_reserve_segments);
	struct xalloc_segment *segment;

	if (!READ_ONCE(pool->active))
		return;
	for (; have < want; have++) {
		segment = segment_map(pool, XALLOC_REFILL_GFP);
		if (!segment)
			break;
		pool_add_segment(pool, segment, NULL);
	}
}

static void balance_pools(struct work_struct *work)
{
	unsigned int i;

	xalloc_segment_trim();
	for (i = 0; i < nr_pools; i++)
		pool_refill(&pools[i]);
}

/**
 * xalloc_segment_request_refill() - rebalance the pools soon
 *
 * Callable from any context: the work runs later, in process context.
 */
void xalloc_segment_request_refill(void)
{
	queue_work(system_unbound_wq, &balance_work);
}

/**
 * xalloc_segment_rebalance() - rebalance the pools now
 *
 * Runs the balance work and waits for it. May sleep.
 */
void xalloc_segment_rebalance(void)
{
	/* Module parameters are set before the pools exist. */
	if (!pools)
		return;
	queue_work(system_unbound_wq, &balance_work);
	flush_work(&balance_work);
}

/**
 * xalloc_segment_trim() - unmap every empty segment beyond the reserves
 *
 * May sleep.
 */
void xalloc_segment_trim(void)
{
	pools_trim(READ_ONCE(xalloc_reserve_segments), ULONG_MAX);
}

/**
 * xalloc_segment_count_reclaimable() - count the segments pressure may free
 *
 * The empty ones can go at once; the others once collection has given
 * their pages back, which may empty them.
 *
 * Return: the number of segments mapped.
 */
unsigned long xalloc_segment_count_reclaimable(void)
{
	unsigned long count = 0;
	unsigned int i;

	for (i = 0; i < nr_pools; i++)
		count += READ_ONCE(pools[i].nr_segments);
	return count;
}

/*
 * Memory pressure: every cache collects its remote frees and gives back
 * the pages they emptied, then the empty segments are unmapped, reserves
 * included. A work item, since the shrinker must not wait for every CPU
 * of every cache.
 */
static void reclaim_caches(struct work_struct *work)
{
	xalloc_caches_collect_all();
	xalloc_segment_release_empty(ULONG_MAX);
	WRITE_ONCE(reclaim_last, jiffies);
}

/**
 * xalloc_segment_request_reclaim() - have the caches give back what they can
 *
 * Runs the reclaim work soon, at most about once a second: each run visits
 * every CPU of every cache.
 */
void xalloc_segment_request_reclaim(void)
{
	if (READ_ONCE(reclaim_last) &&
	    time_before(jiffies, READ_ONCE(reclaim_last) + HZ))
		return;
	queue_work(system_unbound_wq, &reclaim_work);
}

/**
 * xalloc_segment_release_empty() - unmap empty segments, reserves included
 * @max: at most this many
 *
 * Under memory pressure the ready reserves go too; they are mapped again
 * when allocations need them. May sleep.
 *
 * Return: the number of segments unmapped.
 */
unsigned long xalloc_segment_release_empty(unsigned long max)
{
	return pools_trim(0, max);
}

static bool segment_holds_cache(struct xalloc_segment *segment,
				struct xalloc_cache *cache)
{
	unsigned int i;

	for (i = 0; i < segment->nr_pages; i++)
		if (segment->pages[i].cache == cache)
			return true;
	return false;
}

/**
 * xalloc_segment_count_of() - count the segments holding pages of a cache
 * @cache: the cache
 *
 * Return: the number of distinct segments with a page owned by @cache.
 */
unsigned long xalloc_segment_count_of(struct xalloc_cache *cache)
{
	struct xalloc_pool *pool;
	struct xalloc_segment *segment;
	unsigned long flags, count = 0;
	int node;

	for (node = 0; node < nr_pools / XALLOC_PAGE_KINDS; node++) {
		pool = pool_of(node, cache->kind);
		spin_lock_irqsave(&pool->lock, flags);
		list_for_each_entry(segment, &pool->partial, link)
			count += segment_holds_cache(segment, cache);
		list_for_each_entry(segment, &pool->full, link)
			count += segment_holds_cache(segment, cache);
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	return count;
}

/**
 * xalloc_segment_get_stats() - count the segments xalloc holds
 * @stats: filled with the counts of every pool together
 */
void xalloc_segment_get_stats(struct xalloc_segment_stats *stats)
{
	unsigned long flags;
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < nr_pools; i++) {
		spin_lock_irqsave(&pools[i].lock, flags);
		stats->segments += pools[i].nr_segments;
		stats->empty += pools[i].nr_empty;
		spin_unlock_irqrestore(&pools[i].lock, flags);
	}
	stats->bytes = stats->segments * XALLOC_SEGMENT_SIZE;
}
EXPORT_SYMBOL_GPL(xalloc_segment_get_stats);

int xalloc_segments_init(void)
{
	unsigned int i;

	xalloc_segment_secret = xalloc_os_random_long();
	if (registry_init())
		return -ENOMEM;
	nr_pools = nr_node_ids * XALLOC_PAGE_KINDS;
	pools = kcalloc(nr_pools, sizeof(*pools), GFP_KERNEL);
	if (!pools) {
		registry_exit();
		return -ENOMEM;
	}
	for (i = 0; i < nr_pools; i++) {
		struct xalloc_pool *pool = &pools[i];

		spin_lock_init(&pool->lock);
		INIT_LIST_HEAD(&pool->partial);
		INIT_LIST_HEAD(&pool->empty);
		INIT_LIST_HEAD(&pool->full);
		pool->node = i / XALLOC_PAGE_KINDS;
		pool->kind = i % XALLOC_PAGE_KINDS;
	}
	INIT_WORK(&balance_work, balance_pools);
	INIT_WORK(&reclaim_work, reclaim_caches);
	if (xalloc_os_shrinker_init()) {
		kfree(pools);
		registry_exit();
		return -ENOMEM;
	}
	return 0;
}

static void unmap_list(struct list_head *list)
{
	struct xalloc_segment *segment, *next;

	list_for_each_entry_safe(segment, next, list, link) {
		list_del(&segment->link);
		xalloc_os_unmap_segment(segment);
	}
}

/* Every cache is gone: unmap everything, leaked pages included. */
void xalloc_segments_exit(void)
{
	unsigned int i;

	xalloc_os_shrinker_exit();
	cancel_work_sync(&reclaim_work);
	cancel_work_sync(&balance_work);
	/* The pools' grace-period requests point into them. */
	xalloc_os_gp_barrier();
	for (i = 0; i < nr_pools; i++) {
		unmap_list(&pools[i].partial);
		unmap_list(&pools[i].full);
		unmap_list(&pools[i].empty);
	}
	kfree(pools);
	registry_exit();
}
