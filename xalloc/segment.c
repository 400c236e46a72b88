// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: vmalloc space aligned to its size, carved into pages.
 *
 * Segments are pooled per NUMA node and size and shared by every cache: a
 * page is lent to one cache's heap on one CPU and comes back when it is
 * empty. A segment none of whose pages is lent is empty, and may take
 * another format (page size) when it is lent again, so small and medium
 * pages share one 512 KiB pool and one reserve.
 *
 * The reserve. Allocations that cannot sleep must find a page ready, and
 * those that can should not wait for a segment to be mapped: each pool
 * that has been used keeps a low watermark of ready pages (free pages of
 * its partly used segments, and empty segments), and lending a page that
 * crosses it queues a refill in the background, so that mapping stays
 * ahead of demand. The watermark is sized by demand: it grows by one unit
 * each time an allocation had to map a segment itself (the refill did not
 * keep up), and halves back each period in which none had to. A sleeping
 * allocation maps inline only when the pool has no page at all.
 *
 * Giving back. A segment emptied by frees (local or remote, once
 * collected) is unmapped when it has stayed empty for give_back_ms and the
 * reserve does not need it, so that a cache oscillating around a segment
 * boundary does not map and unmap at every swing. Under memory pressure a
 * shrinker unmaps every empty segment at once, reserves included, and has
 * every cache collect its remote frees so that the pages they emptied come
 * back too. With reserve_segments at 0 nothing is kept and nothing waits.
 *
 * Memory goes back only after a grace period, so that a free that looked a
 * block up (in its CPU section, see xalloc_cpu_enter()) never writes
 * into memory another cache has been lent since: a page given back is lent
 * to another cache once a grace period has passed (@retired), a segment
 * takes another format once a grace period has passed since its last page
 * went back, and a segment is unmapped a grace period after it left the
 * registry. A page may go back to its own cache at once (see
 * segment_free_page()).
 */
#include "internal.h"

unsigned int xalloc_reserve_segments = 1;
unsigned int xalloc_give_back_ms = 1000;

unsigned long xalloc_segment_secret __read_mostly;
struct xalloc_registry xalloc_vmalloc_registry __read_mostly;
struct xalloc_registry xalloc_direct_registry __read_mostly;
static atomic_long_t registry_chunks;
static atomic_long_t nr_maps, nr_inline_maps;
/* Huge segments mapped, the bytes they span, the bytes they hold. */
static atomic_long_t nr_huge, huge_bytes, huge_held;
static LLIST_HEAD(huge_unmaps);
static struct xalloc_os_work huge_unmap_work;

/*
 * The low watermark, per unit of reserve_segments and of demand: two small
 * pages (128 KiB), or one empty segment for kinds whose page is a whole
 * segment. Demand grows up to XALLOC_DEMAND_MAX and halves after each
 * XALLOC_DEMAND_PERIOD without an allocation that had to map.
 */
#define XALLOC_RESERVE_SMALL_PAGES	2
#define XALLOC_DEMAND_MAX		16
#define XALLOC_DEMAND_PERIOD		(5 * XALLOC_OS_TICKS_PER_SEC)

/**
 * struct xalloc_pool - the segments of one NUMA node and size
 * @lock: protects the lists, the counts and the page ownership. @nr_empty,
 *        @free_pages, @active and @demand are also read without it, as
 *        hints: they are written with WRITE_ONCE()
 * @partial: segments with pages both lent and free
 * @empty: segments with no page lent, oldest first
 * @full: segments with every page lent
 * @nr_segments: segments on the three lists
 * @nr_empty: segments on @empty
 * @free_pages: free pages of the segments on @partial and @full
 * @shift: log2 of the size of its segments
 * @node: NUMA node of its segments
 * @direct: its segments are in the direct map (XALLOC_DIRECT_MAP caches)
 * @active: a bit per page kind that has asked it for a page: keep a
 *          reserve for those kinds
 * @lent: a bit per page kind it has lent a page to
 * @refill: a page lent crossed the low watermark: map what it lacks
 * @starved: a page was asked for and none could be lent: the next refill
 *           maps a segment even if the watermark looks met (the empty
 *           segments may all wait for a grace period to change format)
 * @demand: the reserve's multiplier, 1 to XALLOC_DEMAND_MAX
 * @demand_stamp: time (xalloc_os_now()) when @demand last grew or was last halved
 * @gp_wanted: @gp_kick is queued
 * @last_retired: grace-period cookie of the page given back last
 * @gp_kick: asks RCU for the grace period given-back pages wait for
 */
struct xalloc_pool {
	/* irq-safe: pages come back from any context */
	struct xalloc_os_spinlock lock;
	struct list_head partial;
	struct list_head empty;
	struct list_head full;
	unsigned long nr_segments;
	unsigned long nr_empty;
	unsigned long free_pages;
	unsigned int shift;
	int node;
	bool direct;
	unsigned int active;
	unsigned int lent;
	bool refill;
	bool starved;
	unsigned int demand;
	unsigned long demand_stamp;
	bool gp_wanted;
	unsigned long last_retired;
	struct rcu_head gp_kick;
};

/*
 * Pools per node: 512 KiB and 4 MiB segments of vmalloc space, and 512 KiB
 * segments in the direct map for XALLOC_DIRECT_MAP caches, whose pages
 * are kept apart so that no other cache takes them.
 */
enum xalloc_pool_type {
	XALLOC_POOL_SMALL,
	XALLOC_POOL_LARGE,
	XALLOC_POOL_DIRECT,
	XALLOC_POOL_TYPES,
};

static struct xalloc_pool *pools;
static unsigned int nr_pools;
static struct xalloc_os_work refill_work;	/* map the reserves */
static struct xalloc_os_mutex refill_mutex;	/* one refill at a time */
static struct xalloc_os_delayed_work demand_work; /* let demand decay */
/* Unmap aged empty segments. */
static struct xalloc_os_delayed_work give_back_work;
static struct xalloc_os_work reclaim_work;
static unsigned long reclaim_last;	/* xalloc_os_now() at the last reclaim */

/* Queue @work to run on the background queue @delay ticks from now. */
static void queue_later(struct xalloc_os_delayed_work *work,
			unsigned long delay)
{
	xalloc_os_queue_delayed_work(XALLOC_QUEUE_BACKGROUND, work, delay);
}

static struct xalloc_pool *pool_of(int node, const struct xalloc_cache *cache)
{
	enum xalloc_pool_type type = XALLOC_POOL_SMALL;

	if (cache->flags & XALLOC_DIRECT_MAP)
		type = XALLOC_POOL_DIRECT;
	else if (cache->kind == XALLOC_PAGE_LARGE)
		type = XALLOC_POOL_LARGE;
	return &pools[node * XALLOC_POOL_TYPES + type];
}

/* Pages of @kind a segment of @pool holds. */
static unsigned int pool_pages_per_segment(struct xalloc_pool *pool,
					   enum xalloc_page_kind kind)
{
	return BIT(pool->shift - xalloc_kind_page_shift(kind));
}

static int registry_init_range(struct xalloc_registry *reg,
			       unsigned long start, unsigned long end)
{
	unsigned long nr_chunks;

	reg->base = start;
	reg->slots = DIV_ROUND_UP(end - start, XALLOC_SEGMENT_MIN_SIZE);
	nr_chunks = DIV_ROUND_UP(reg->slots, XALLOC_REGISTRY_CHUNK_BITS);
	reg->chunks = xalloc_os_meta_big_calloc(nr_chunks,
						sizeof(*reg->chunks));
	return reg->chunks ? 0 : -ENOMEM;
}

static void registry_exit_range(struct xalloc_registry *reg)
{
	unsigned long i;

	if (!reg->chunks)
		return;
	for (i = 0; i * XALLOC_REGISTRY_CHUNK_BITS < reg->slots; i++)
		xalloc_os_meta_free(reg->chunks[i]);
	xalloc_os_meta_big_free(reg->chunks);
	reg->chunks = NULL;
}

static void registry_exit(void)
{
	registry_exit_range(&xalloc_vmalloc_registry);
	registry_exit_range(&xalloc_direct_registry);
}

/*
 * The direct map's range is all the physical memory the kernel can map,
 * hot-added memory included: chunks are allocated as segments land in
 * them, so the range costs a pointer per 16 GiB: 32 KiB for the 2^46
 * bytes of 4-level paging, 2 MiB for the 2^52 of 5-level.
 */
static int registry_init(void)
{
	if (registry_init_range(&xalloc_vmalloc_registry,
				XALLOC_OS_SEGMENT_AREA_START,
				XALLOC_OS_SEGMENT_AREA_END) ||
	    registry_init_range(&xalloc_direct_registry,
				XALLOC_OS_DIRECT_AREA_START,
				XALLOC_OS_DIRECT_AREA_END)) {
		registry_exit();
		return -ENOMEM;
	}
	return 0;
}

/* Bytes the registries hold: their chunk arrays and their chunks. */
static unsigned long registry_bytes(void)
{
	unsigned long bytes = xalloc_event_read(&registry_chunks) * PAGE_SIZE;
	struct xalloc_registry *regs[] = {
		&xalloc_vmalloc_registry, &xalloc_direct_registry,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		bytes += PAGE_ALIGN(DIV_ROUND_UP(regs[i]->slots,
						 XALLOC_REGISTRY_CHUNK_BITS) *
				    sizeof(*regs[i]->chunks));
	return bytes;
}

/* The registry of @segment's range, and its slot there in @slot. */
static struct xalloc_registry *registry_of(struct xalloc_segment *segment,
					   unsigned long *slot)
{
	struct xalloc_registry *reg = xalloc_os_in_segment_area(segment) ?
				      &xalloc_vmalloc_registry :
				      &xalloc_direct_registry;

	*slot = ((unsigned long)segment - reg->base) >>
		XALLOC_SEGMENT_MIN_SHIFT;
	return reg;
}

/* Enter a segment whose header is written; false when out of memory. */
static bool registry_add(struct xalloc_segment *segment, gfp_t gfp)
{
	unsigned long slot;
	struct xalloc_registry *reg = registry_of(segment, &slot);
	unsigned long **chunkp, *chunk;

	if (WARN_ON_ONCE(slot >= reg->slots))
		return false;
	chunkp = &reg->chunks[slot / XALLOC_REGISTRY_CHUNK_BITS];
	if (!READ_ONCE(*chunkp)) {
		if (xalloc_os_should_fail(XALLOC_FAULT_METADATA, PAGE_SIZE))
			return false;
		chunk = xalloc_os_meta_zalloc(PAGE_SIZE, gfp);
		if (!chunk)
			return false;
		/* Fully ordered: the zeroed chunk is seen before its pointer. */
		if (xalloc_os_cas_ptr(chunkp, NULL, chunk))
			xalloc_event_inc(&registry_chunks);
		else
			xalloc_os_meta_free(chunk);
	}
	/* The header is seen before the bit: see xalloc_segment_lookup(). */
	xalloc_os_bit_publish(slot % XALLOC_REGISTRY_CHUNK_BITS, *chunkp);
	return true;
}

static void registry_remove(struct xalloc_segment *segment)
{
	unsigned long slot;
	struct xalloc_registry *reg = registry_of(segment, &slot);

	xalloc_os_bit_clear(slot % XALLOC_REGISTRY_CHUNK_BITS,
			    reg->chunks[slot / XALLOC_REGISTRY_CHUNK_BITS]);
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

/*
 * A value no cache's key takes (see cache_new()): the page holds blocks of
 * some cache, so its first lending zeroes what it carves.
 */
#define XALLOC_KEY_STALE	1UL

/*
 * Give an empty @segment the pages of @kind. A segment never lent holds
 * what the page allocator gave; one lent before holds old blocks of
 * caches its new descriptors cannot name. Called under the pool lock, or
 * before the segment is in a pool.
 */
static void segment_format(struct xalloc_segment *segment,
			   enum xalloc_page_kind kind)
{
	unsigned int shift = xalloc_kind_page_shift(kind);
	bool fresh = !segment->lent;
	unsigned int i;

	WRITE_ONCE(segment->page_shift, shift);
	segment->nr_pages = BIT(segment->shift - shift);
	for (i = 0; i < segment->nr_slots; i++) {
		struct xalloc_page *page = &segment->pages[i];

		memset(page, 0, sizeof(*page));
		page->index = i;
		page->retired = xalloc_os_gp_completed_cookie();
		page->last_key = fresh ? 0 : XALLOC_KEY_STALE;
		INIT_LIST_HEAD(&page->link);
	}
}

static void segment_init(struct xalloc_segment *segment,
			 struct xalloc_pool *pool, enum xalloc_page_kind kind)
{
	segment->cookie = xalloc_segment_cookie(segment);
	segment->pool = pool;
	segment->shift = pool->shift;
	/* Small pages are the smallest: a 4 MiB segment has large ones. */
	segment->nr_slots = pool->shift == XALLOC_SEGMENT_MAX_SHIFT ? 1 :
			    BIT(pool->shift -
				xalloc_kind_page_shift(XALLOC_PAGE_SMALL));
	segment->used_pages = 0;
	segment->node = pool->node;
	segment->retired = xalloc_os_gp_completed_cookie();
	segment->empty_since = xalloc_os_now();
	segment->lent = false;
	segment_format(segment, kind);
}

static void segment_unmap(struct xalloc_segment *segment)
{
	xalloc_os_unmap_segment(segment, BIT(segment->shift));
}

/* Map and register a segment for @pool; not in the pool yet. May sleep. */
static struct xalloc_segment *segment_map(struct xalloc_pool *pool,
					  enum xalloc_page_kind kind,
					  gfp_t gfp)
{
	struct xalloc_segment *segment;

	if (pool->direct)
		segment = xalloc_os_map_direct_segment(BIT(pool->shift),
						       pool->node,
						       xalloc_os_segment_gfp(gfp));
	else
		segment = xalloc_os_map_segment(BIT(pool->shift), pool->node,
						xalloc_os_segment_gfp(gfp));
	if (!segment)
		return NULL;
	segment_init(segment, pool, kind);
	if (!registry_add(segment, xalloc_os_segment_gfp(gfp))) {
		segment_unmap(segment);
		return NULL;
	}
	xalloc_event_inc(&nr_maps);
	return segment;
}

/*
 * The reserve: how many of its empty segments @pool keeps, for the kinds
 * that use it, given the free pages its partly used segments have; scaled
 * by demand, or not. Under the pool lock, or racy for a hint.
 */
static unsigned long pool_keep_empty(struct xalloc_pool *pool, bool scaled)
{
	unsigned long unit = READ_ONCE(xalloc_reserve_segments);
	unsigned long free_pages = READ_ONCE(pool->free_pages);
	unsigned int active = READ_ONCE(pool->active);
	unsigned long keep = 0, want, per;

	if (scaled)
		unit *= READ_ONCE(pool->demand);
	if (active & ~BIT(XALLOC_PAGE_SMALL))
		keep = unit;
	if (active & BIT(XALLOC_PAGE_SMALL)) {
		want = unit * XALLOC_RESERVE_SMALL_PAGES;
		per = pool_pages_per_segment(pool, XALLOC_PAGE_SMALL);
		if (want > free_pages)
			keep = max(keep, DIV_ROUND_UP(want - free_pages, per));
	}
	return keep;
}

/* Is @pool below its low watermark? */
static bool pool_wants_refill(struct xalloc_pool *pool)
{
	return READ_ONCE(pool->nr_empty) < pool_keep_empty(pool, true);
}

/* Put @segment on the list its page count calls for. */
static void pool_file_segment(struct xalloc_pool *pool,
			      struct xalloc_segment *segment)
{
	if (segment->used_pages == 0)
		list_move_tail(&segment->link, &pool->empty);
	else if (segment->used_pages == segment->nr_pages)
		list_move(&segment->link, &pool->full);
	else
		list_move(&segment->link, &pool->partial);
}

/*
 * Lend @page, a free page of @pool, to @cache. Called under the pool
 * lock. Return: true if the pool's reserve wants a refill.
 */
static bool pool_lend_page(struct xalloc_pool *pool, struct xalloc_page *page,
			   struct xalloc_cache *cache)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);

	WRITE_ONCE(pool->active, pool->active | BIT(cache->kind));
	pool->lent |= BIT(cache->kind);
	segment->lent = true;
	WRITE_ONCE(page->flags, XALLOC_PAGE_IN_USE);
	WRITE_ONCE(page->cache, cache);
	if (segment->used_pages++ == 0) {
		WRITE_ONCE(pool->nr_empty, pool->nr_empty - 1);
		WRITE_ONCE(pool->free_pages,
			   pool->free_pages + segment->nr_pages);
	}
	WRITE_ONCE(pool->free_pages, pool->free_pages - 1);
	pool_file_segment(pool, segment);
	if (!pool_wants_refill(pool))
		return false;
	pool->refill = true;
	return true;
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

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	list_add_tail(&segment->link, &pool->empty);
	pool->nr_segments++;
	WRITE_ONCE(pool->nr_empty, pool->nr_empty + 1);
	if (cache) {
		page = &segment->pages[0];
		refill = pool_lend_page(pool, page, cache);
	}
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	if (refill)
		xalloc_segment_request_refill();
	return page;
}

/*
 * An allocation had to map a segment itself: the reserve did not keep up,
 * so it grows by one unit. Called under the pool lock. Return: true if it
 * grew.
 */
static bool pool_demand_grows(struct xalloc_pool *pool)
{
	pool->demand_stamp = xalloc_os_now();
	if (pool->demand == XALLOC_DEMAND_MAX)
		return false;
	WRITE_ONCE(pool->demand, pool->demand + 1);
	return true;
}

/**
 * xalloc_segment_grow() - map a new segment and lend a page of it
 * @cache: the cache that will own the page
 * @node: NUMA node to map it on
 * @gfp: allocation flags; must allow sleeping
 *
 * Called when the pool had no page to lend: the reserve grows too.
 *
 * Return: a page of the new segment, marked in use and owned by @cache
 * (the caller initialises the rest, as after xalloc_segment_take_page()),
 * or NULL when the segment could not be mapped.
 */
struct xalloc_page *xalloc_segment_grow(struct xalloc_cache *cache,
					int node, gfp_t gfp)
{
	struct xalloc_pool *pool = pool_of(node, cache);
	struct xalloc_segment *segment;
	unsigned long flags;
	bool grew = false;

	segment = segment_map(pool, cache->kind, gfp);
	if (!segment)
		return NULL;
	xalloc_event_inc(&nr_inline_maps);
	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	/* The first page of a kind is no sign that the reserve lags. */
	if (pool->lent & BIT(cache->kind))
		grew = pool_demand_grows(pool);
	/* The miss that brought the caller here is served. */
	pool->starved = false;
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	if (grew)
		queue_later(&demand_work, XALLOC_DEMAND_PERIOD);
	return pool_add_segment(pool, segment, cache);
}

/*
 * A page of @segment that may be lent to @cache: free, and given back a
 * grace period ago, or by @cache itself. A free racing with the page going
 * back may still write into it, but it validated the page as @cache's:
 * a double free then damages @cache, as in SLUB, and never another cache.
 * An XALLOC_TYPESAFE_BY_RCU cache waits for the grace period too: carving
 * the page again runs the constructor over objects that readers may still
 * be looking at.
 */
static struct xalloc_page *segment_free_page(struct xalloc_segment *segment,
					     struct xalloc_cache *cache)
{
	struct xalloc_page *page;
	unsigned int i;

	for (i = 0; i < segment->nr_pages; i++) {
		page = &segment->pages[i];
		if (!(READ_ONCE(page->flags) & XALLOC_PAGE_IN_USE) &&
		    ((page->last_key == cache->freelist_key &&
		      !(cache->flags & XALLOC_TYPESAFE_BY_RCU)) ||
		     xalloc_os_gp_passed(page->retired)))
			return page;
	}
	return NULL;
}

/*
 * A free page of an empty @segment for @cache, formatting the segment for
 * the cache's kind if it has another format and no free can still be
 * looking at it with the old one.
 */
static struct xalloc_page *empty_segment_page(struct xalloc_segment *segment,
					      struct xalloc_cache *cache)
{
	if (segment->page_shift != xalloc_kind_page_shift(cache->kind)) {
		if (!xalloc_os_gp_passed(segment->retired))
			return NULL;
		segment_format(segment, cache->kind);
	}
	return segment_free_page(segment, cache);
}

static struct xalloc_page *pool_pick_page(struct xalloc_pool *pool,
					  struct xalloc_cache *cache)
{
	unsigned int shift = xalloc_kind_page_shift(cache->kind);
	struct xalloc_segment *segment;
	struct xalloc_page *page;

	/* Fill partial segments first, so that empty ones can go back. */
	list_for_each_entry(segment, &pool->partial, link) {
		if (segment->page_shift != shift)
			continue;
		page = segment_free_page(segment, cache);
		if (page)
			return page;
	}
	/*
	 * The newest empty segment of the format first (the oldest go back
	 * first), then one to format anew.
	 */
	list_for_each_entry_reverse(segment, &pool->empty, link) {
		if (segment->page_shift != shift)
			continue;
		page = segment_free_page(segment, cache);
		if (page)
			return page;
	}
	list_for_each_entry_reverse(segment, &pool->empty, link) {
		if (segment->page_shift == shift)
			continue;
		page = empty_segment_page(segment, cache);
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
 * a grace period ago is not lent (see the head of this file). Crossing the
 * pool's low watermark queues a refill. Finding no page does not: the
 * caller maps a segment itself, or, if it cannot sleep, asks with
 * xalloc_segment_request_refill().
 *
 * Return: the page, or NULL when the pool has no page to lend.
 */
struct xalloc_page *xalloc_segment_take_page(struct xalloc_cache *cache,
					     int node)
{
	struct xalloc_pool *pool = pool_of(node, cache);
	struct xalloc_page *page;
	unsigned long flags;
	bool refill = false;

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	WRITE_ONCE(pool->active, pool->active | BIT(cache->kind));
	page = pool_pick_page(pool, cache);
	if (page)
		refill = pool_lend_page(pool, page, cache);
	else
		pool->starved = true;
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	if (refill)
		xalloc_segment_request_refill();
	return page;
}

static void pool_gp_passed(struct rcu_head *head);

/*
 * A page given back is lent to another cache only after a grace period
 * (see the head of this file). On a quiet system nothing else may ask RCU
 * for one, so the pool does, and asks again until the page given back
 * last is clear. Called under the pool lock.
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

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	pool->gp_wanted = false;
	if (!xalloc_os_gp_passed(pool->last_retired))
		pool_want_gp(pool);
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
}

/* How long an empty segment waits before it may be unmapped. */
static unsigned long give_back_delay(void)
{
	if (!READ_ONCE(xalloc_reserve_segments))
		return 0;
	return xalloc_os_ms_to_ticks(READ_ONCE(xalloc_give_back_ms));
}

/* Put the empty @segment's pages back in @pool's count. Under its lock. */
static void pool_segment_emptied(struct xalloc_pool *pool,
				 struct xalloc_segment *segment)
{
	WRITE_ONCE(pool->nr_empty, pool->nr_empty + 1);
	WRITE_ONCE(pool->free_pages, pool->free_pages - segment->nr_pages);
	segment->empty_since = xalloc_os_now();
}

/**
 * xalloc_segment_release_page() - give an empty page back to its segment
 * @page: a page with no block in use, off every heap list, retired (see
 *        xalloc_page_try_retire())
 *
 * Callable from any context; giving the segment back is deferred. The
 * thread_free word keeps XALLOC_TF_RETIRED until the page is lent again.
 */
void xalloc_segment_release_page(struct xalloc_page *page)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);
	struct xalloc_pool *pool = segment->pool;
	unsigned long flags;
	bool emptied = false;

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	/*
	 * The page is filled with its cache's blocks, unless it held
	 * another cache's and was not carved whole.
	 */
	if (!(page->flags & XALLOC_PAGE_DIRTY) ||
	    page->capacity == page->reserved)
		page->last_key = page->cache->freelist_key;
	else
		page->last_key = XALLOC_KEY_STALE;	/* blocks of two caches */
	WRITE_ONCE(page->flags, 0);
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
	segment->retired = page->retired;
	pool->last_retired = page->retired;
	pool_want_gp(pool);
	WRITE_ONCE(pool->free_pages, pool->free_pages + 1);
	if (--segment->used_pages == 0) {
		pool_segment_emptied(pool, segment);
		emptied = true;
	}
	pool_file_segment(pool, segment);
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	if (emptied)
		xalloc_segment_give_back_after(give_back_delay());
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

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	WRITE_ONCE(page->flags, XALLOC_PAGE_IN_USE | XALLOC_PAGE_LEAKED);
	WRITE_ONCE(page->cache, NULL);
	/* A late remote free, breaking the destroy contract, is refused. */
	xalloc_atomic_set(&page->thread_free, XALLOC_TF_RETIRED);
	page->heap = NULL;
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * struct pool_trim - what a trim of the pools gives back
 * @keep_reserve: leave each pool its reserve
 * @scaled: that reserve as demand scaled it, or its base
 * @min_age: only segments empty for at least this many ticks
 * @max: at most this many segments in all
 * @released: segments taken so far
 * @next: ticks until the youngest segment kept for its age may go, 0
 *        if none was
 * @list: the segments taken, out of their pools and the registry
 */
struct pool_trim {
	bool keep_reserve;
	bool scaled;
	unsigned long min_age;
	unsigned long max;
	unsigned long released;
	unsigned long next;
	struct list_head list;
};

/*
 * Take the empty segments of @pool that @trim asks for, oldest first,
 * out of the pool and the registry.
 */
static void pool_detach_empty(struct xalloc_pool *pool, struct pool_trim *trim)
{
	struct xalloc_segment *segment, *next;
	unsigned long flags, keep, age;

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	keep = trim->keep_reserve ? pool_keep_empty(pool, trim->scaled) : 0;
	list_for_each_entry_safe(segment, next, &pool->empty, link) {
		if (pool->nr_empty <= keep || trim->released >= trim->max)
			break;
		age = xalloc_os_now() - segment->empty_since;
		if (age < trim->min_age) {
			/* The list is oldest first: the rest are younger. */
			if (!trim->next || trim->min_age - age < trim->next)
				trim->next = trim->min_age - age;
			break;
		}
		list_move(&segment->link, &trim->list);
		registry_remove(segment);
		WRITE_ONCE(pool->nr_empty, pool->nr_empty - 1);
		pool->nr_segments--;
		trim->released++;
	}
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
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
		segment_unmap(segment);
	}
}

/* Unmap what @trim asks for from every pool, after one grace period. */
static void pools_trim(struct pool_trim *trim)
{
	unsigned int i;

	INIT_LIST_HEAD(&trim->list);
	for (i = 0; i < nr_pools && trim->released < trim->max; i++)
		pool_detach_empty(&pools[i], trim);
	unmap_detached(&trim->list);
}

/**
 * xalloc_segment_map_huge() - map a segment for one huge object
 * @cache: the huge pseudo-cache, which will own its page
 * @bytes: the object's size, a multiple of PAGE_SIZE
 * @node: NUMA node for its memory
 * @gfp: allocation flags; must allow sleeping
 *
 * The segment is a page of header, then the object; it is aligned to the
 * power of two above its size, so that the object's start is in the
 * segment's first small-size granule, where the registry finds it.
 *
 * Return: its page, in use, owned by @cache, holding one allocated block
 * at its start; or NULL.
 */
struct xalloc_page *xalloc_segment_map_huge(struct xalloc_cache *cache,
					    unsigned long bytes, int node,
					    gfp_t gfp)
{
	unsigned long size = PAGE_SIZE + bytes;
	struct xalloc_segment *segment;
	struct xalloc_page *page;

	segment = xalloc_os_map_segment(size, node, xalloc_os_segment_gfp(gfp));
	if (!segment)
		return NULL;
	segment->cookie = xalloc_segment_cookie(segment);
	segment->pool = NULL;
	segment->shift = order_base_2(size);
	segment->page_shift = XALLOC_HUGE_PAGE_SHIFT;
	segment->nr_pages = 1;
	segment->nr_slots = 1;
	segment->used_pages = 1;
	segment->node = node;
	segment->lent = true;
	page = &segment->pages[0];
	memset(page, 0, sizeof(*page));
	INIT_LIST_HEAD(&page->link);
	WRITE_ONCE(page->flags, XALLOC_PAGE_IN_USE);
	page->cache = cache;
	page->cpu = XALLOC_NO_CPU;
	page->start = (void *)segment + PAGE_SIZE;
	/* No divisions: the one block is at offset 0 (block_recip 0). */
	page->block_size = bytes;
	page->reserved = 1;
	WRITE_ONCE(page->capacity, 1);
	page->used = 1;
	if (!registry_add(segment, xalloc_os_segment_gfp(gfp))) {
		xalloc_os_unmap_segment(segment, size);
		return NULL;
	}
	xalloc_event_inc(&nr_maps);
	xalloc_event_inc(&nr_huge);
	xalloc_event_add(&huge_bytes, size);
	xalloc_event_add(&huge_held,
			 size + xalloc_os_segment_overhead(size));
	return page;
}

/**
 * xalloc_page_lookup_far() - find the page a pointer falls in, anywhere
 * @ptr: a pointer that may or may not come from xalloc
 *
 * As xalloc_page_lookup(), and also deep inside a huge object, past the
 * first small-size granule of its segment, where a free never points: the
 * segment starts at the boundary of the power of two it is aligned to,
 * one of those above the small size, which are probed here in turn. For
 * xalloc_obj_info(), off every fast path. Call it in a CPU section.
 *
 * Return: the page descriptor, or NULL. A huge page's block may end
 * before its segment's span does: check with xalloc_page_block_holding().
 */
struct xalloc_page *xalloc_page_lookup_far(const void *ptr)
{
	unsigned long addr = (unsigned long)ptr, base;
	struct xalloc_page *page = xalloc_page_lookup(ptr);
	struct xalloc_segment *segment;
	unsigned int shift;

	if (page && xalloc_page_block_holding(page, ptr))
		return page;
	/*
	 * Not a block of the segment found, if any: that may be a huge one
	 * ending before @ptr, which another huge segment holds.
	 */
	for (shift = XALLOC_SEGMENT_MIN_SHIFT + 1;
	     shift <= order_base_2(PAGE_SIZE + XALLOC_KMALLOC_MAX_SIZE);
	     shift++) {
		base = addr & ~(BIT(shift) - 1);
		if (!xalloc_segment_starts_at(base))
			continue;
		segment = (void *)base;
		if (segment->cookie == xalloc_segment_cookie(segment) &&
		    READ_ONCE(segment->shift) == shift &&
		    xalloc_page_block_holding(&segment->pages[0], ptr))
			return &segment->pages[0];
	}
	return page;
}

static void huge_unmap_fn(struct xalloc_os_work *work)
{
	struct xalloc_segment *segment, *next;
	struct llist_node *list = llist_del_all(&huge_unmaps);

	/* vfree() needs no size. */
	llist_for_each_entry_safe(segment, next, list, unmap)
		xalloc_os_unmap_segment(segment, 0);
}

static void huge_gp_passed(struct rcu_head *head)
{
	struct xalloc_segment *segment;

	segment = container_of(head, struct xalloc_segment, rcu);
	llist_add(&segment->unmap, &huge_unmaps);
	xalloc_os_queue_work(XALLOC_QUEUE_BACKGROUND, &huge_unmap_work);
}

/**
 * xalloc_segment_release_huge() - give back the segment of a huge object
 * @page: its page; the object was freed, once (see xalloc_huge_free())
 *
 * Callable from any context. The segment leaves the registry at once, so
 * that a later free of the object is refused without reading it, and is
 * unmapped by a worker a grace period later, when no free that looked it
 * up before can still be reading its header, and no RCU reader the
 * object's memory (xalloc_free_rcu() relies on it).
 */
void xalloc_segment_release_huge(struct xalloc_page *page)
{
	struct xalloc_segment *segment = xalloc_segment_of(page);
	unsigned long size = PAGE_SIZE + page->block_size;

	registry_remove(segment);
	xalloc_event_dec(&nr_huge);
	xalloc_event_sub(&huge_bytes, size);
	xalloc_event_sub(&huge_held,
			 size + xalloc_os_segment_overhead(size));
	xalloc_os_after_gp(&segment->rcu, huge_gp_passed);
}

/* Map an empty segment of @kind into @pool; false when memory is short. */
static bool pool_map_empty(struct xalloc_pool *pool,
			   enum xalloc_page_kind kind)
{
	struct xalloc_segment *segment;

	segment = segment_map(pool, kind, XALLOC_REFILL_GFP);
	if (!segment)
		return false;
	pool_add_segment(pool, segment, NULL);
	return true;
}

/*
 * Map the segments @pool lacks for its reserve, if a page lent crossed its
 * watermark, or if @all. Nobody waits for this work: it gives up at once
 * when memory is short rather than retry, warn or wake the OOM killer.
 */
static void pool_refill(struct xalloc_pool *pool, bool all)
{
	enum xalloc_page_kind kind = pool->shift == XALLOC_SEGMENT_MAX_SHIFT ?
				     XALLOC_PAGE_LARGE : XALLOC_PAGE_SMALL;
	unsigned long n = pool_keep_empty(pool, true);
	unsigned long flags;
	bool starved, asked;

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	starved = pool->starved;
	asked = pool->refill || all;
	pool->starved = false;
	pool->refill = false;
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	if (!starved && !asked)
		return;
	/*
	 * What is lacking is counted once, since the shrinker may be
	 * unmapping; and the count stops short if demand drops meanwhile.
	 */
	n = n > READ_ONCE(pool->nr_empty) ? n - pool->nr_empty : 0;
	if (starved && !n && READ_ONCE(xalloc_reserve_segments))
		pool_map_empty(pool, kind);
	while (n-- && pool_wants_refill(pool) && pool_map_empty(pool, kind))
		;
}

/*
 * Unmap the segments that stayed empty for give_back_ms and that no
 * reserve needs, and come back when the next one is due. Queued when a
 * segment empties; a pending run is never later than a new one would be.
 */
static void give_back_aged(struct xalloc_os_delayed_work *work)
{
	struct pool_trim trim = {
		.keep_reserve = true,
		.scaled = true,
		.min_age = give_back_delay(),
		.max = ULONG_MAX,
	};

	pools_trim(&trim);
	if (trim.next)
		queue_later(&give_back_work, trim.next);
}

/*
 * A period passed since @pool's demand last changed, and no allocation
 * had to map meanwhile: halve it. Return: true if it dropped; *@above is
 * set while it is above 1, so that the work comes back to halve it again.
 */
static bool pool_demand_decays(struct xalloc_pool *pool, bool *above)
{
	unsigned long flags;
	bool dropped = false;

	xalloc_os_spin_lock_irqsave(&pool->lock, flags);
	if (pool->demand > 1 &&
	    !xalloc_os_time_before(xalloc_os_now(),
				   pool->demand_stamp + XALLOC_DEMAND_PERIOD)) {
		WRITE_ONCE(pool->demand, pool->demand / 2);
		pool->demand_stamp = xalloc_os_now();
		dropped = true;
	}
	*above |= pool->demand > 1;
	xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	return dropped;
}

/*
 * Let demand decay, give back what a smaller reserve does not need, and
 * come back a period later while some pool's demand is above 1.
 */
static void decay_demand(struct xalloc_os_delayed_work *work)
{
	bool dropped = false, above = false;
	unsigned int i;

	for (i = 0; i < nr_pools; i++)
		dropped |= pool_demand_decays(&pools[i], &above);
	if (dropped)
		xalloc_os_mod_delayed_work(XALLOC_QUEUE_BACKGROUND,
					   &give_back_work, 0);
	if (above)
		queue_later(&demand_work, XALLOC_DEMAND_PERIOD);
}

/*
 * Map what the reserves that asked lack, or all of them if @all. One
 * refill at a time, so that two do not both map what one pool lacks.
 */
static void pools_refill(bool all)
{
	unsigned int i;

	xalloc_os_mutex_lock(&refill_mutex);
	for (i = 0; i < nr_pools; i++)
		pool_refill(&pools[i], all);
	xalloc_os_mutex_unlock(&refill_mutex);
}

static void refill_pools(struct xalloc_os_work *work)
{
	pools_refill(false);
}

/**
 * xalloc_segment_give_back_after() - unmap the empty segments due, then
 * @delay: in ticks; 0 brings a pending run forward
 *
 * Callable from any context.
 */
void xalloc_segment_give_back_after(unsigned long delay)
{
	if (!delay)
		xalloc_os_mod_delayed_work(XALLOC_QUEUE_BACKGROUND,
					   &give_back_work, 0);
	else
		queue_later(&give_back_work, delay);
}

/**
 * xalloc_segment_request_refill() - map what the reserves that asked lack
 *
 * Callable from any context: the work runs at once, in process context.
 */
void xalloc_segment_request_refill(void)
{
	xalloc_os_queue_work(XALLOC_QUEUE_BACKGROUND, &refill_work);
}

/*
 * Every pool's reserve back to its base. If @afresh, the pools also start
 * as if they had lent nothing: the next segment an allocation maps for a
 * kind is its first, no sign that the reserve lags, and no refill asked
 * for before is pending.
 */
static void pools_reset(bool afresh)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < nr_pools; i++) {
		xalloc_os_spin_lock_irqsave(&pools[i].lock, flags);
		WRITE_ONCE(pools[i].demand, 1);
		if (afresh) {
			pools[i].lent = 0;
			pools[i].refill = false;
			pools[i].starved = false;
		}
		xalloc_os_spin_unlock_irqrestore(&pools[i].lock, flags);
	}
}

/**
 * xalloc_segment_rebalance() - bring the reserves to a new size, now
 *
 * Gives back the empty segments beyond the reserves at their base,
 * whatever their age, and maps what they lack. May sleep.
 */
void xalloc_segment_rebalance(void)
{
	pools_reset(true);
	xalloc_segment_trim();
	pools_refill(true);
	/* A shorter delay, or none, applies to what waits already. */
	xalloc_segment_give_back_after(0);
}

/**
 * xalloc_segment_trim() - unmap every empty segment beyond the reserves
 *
 * Whatever their age; and the reserves go back to their base, whatever
 * demand scaled them to: the caller asks for memory back. May sleep.
 */
void xalloc_segment_trim(void)
{
	struct pool_trim trim = {
		.keep_reserve = true,
		.max = ULONG_MAX,
	};

	/* A refill under way stops at the base (see pool_refill()). */
	pools_reset(false);
	pools_trim(&trim);
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
 * the pages they emptied, and every CPU its empty current page, then the
 * empty segments are unmapped, reserves included. A work item, since the
 * shrinker must not wait for every CPU of every cache.
 */
static void reclaim_caches(struct xalloc_os_work *work)
{
	xalloc_caches_shrink_all();
	xalloc_segment_release_empty(ULONG_MAX);
	WRITE_ONCE(reclaim_last, xalloc_os_now());
}

/**
 * xalloc_segment_request_reclaim() - have the caches give back what they can
 *
 * Runs the reclaim work soon, at most about once a second: each run visits
 * every CPU of every cache.
 */
void xalloc_segment_request_reclaim(void)
{
	unsigned long last = READ_ONCE(reclaim_last);

	if (last && xalloc_os_time_before(xalloc_os_now(),
					  last + XALLOC_OS_TICKS_PER_SEC))
		return;
	xalloc_os_queue_work(XALLOC_QUEUE_BACKGROUND, &reclaim_work);
}

/**
 * xalloc_segment_release_empty() - unmap empty segments, reserves included
 * @max: at most this many
 *
 * Under memory pressure the ready reserves go too, whatever their age, and
 * demand drops to its base; they are mapped again when allocations need
 * them. May sleep.
 *
 * Return: the number of segments unmapped.
 */
unsigned long xalloc_segment_release_empty(unsigned long max)
{
	struct pool_trim trim = { .max = max };

	/* Demand that pressure cuts short starts again from the base. */
	pools_reset(true);
	pools_trim(&trim);
	return trim.released;
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

	for (node = 0; node < nr_pools / XALLOC_POOL_TYPES; node++) {
		pool = pool_of(node, cache);
		xalloc_os_spin_lock_irqsave(&pool->lock, flags);
		list_for_each_entry(segment, &pool->partial, link)
			count += segment_holds_cache(segment, cache);
		list_for_each_entry(segment, &pool->full, link)
			count += segment_holds_cache(segment, cache);
		xalloc_os_spin_unlock_irqrestore(&pool->lock, flags);
	}
	return count;
}

/* Add up the pools of @node (NUMA_NO_NODE: of every node) into @stats. */
static void pools_stats(int node, struct xalloc_segment_stats *stats)
{
	unsigned long flags, bytes;
	unsigned int i;

	for (i = 0; i < nr_pools; i++) {
		if (node != NUMA_NO_NODE && pools[i].node != node)
			continue;
		xalloc_os_spin_lock_irqsave(&pools[i].lock, flags);
		bytes = pools[i].nr_segments << pools[i].shift;
		stats->segments += pools[i].nr_segments;
		stats->empty += pools[i].nr_empty;
		stats->bytes += bytes;
		stats->ready += (pools[i].free_pages <<
				 xalloc_kind_page_shift(XALLOC_PAGE_SMALL)) +
				(pools[i].nr_empty << pools[i].shift);
		stats->held += bytes;
		/* A direct-map segment costs nothing beyond its pages. */
		if (!pools[i].direct)
			stats->held += pools[i].nr_segments *
				xalloc_os_segment_overhead(BIT(pools[i].shift));
		xalloc_os_spin_unlock_irqrestore(&pools[i].lock, flags);
	}
	stats->maps = xalloc_event_read(&nr_maps);
	stats->inline_maps = xalloc_event_read(&nr_inline_maps);
}

/**
 * xalloc_segment_get_stats() - count the segments xalloc holds
 * @stats: filled with the counts of every pool together
 */
void xalloc_segment_get_stats(struct xalloc_segment_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	pools_stats(NUMA_NO_NODE, stats);
	stats->huge = xalloc_event_read(&nr_huge);
	stats->segments += stats->huge;
	stats->bytes += xalloc_event_read(&huge_bytes);
	stats->held += xalloc_event_read(&huge_held);
	stats->held += registry_bytes();
}
EXPORT_SYMBOL_GPL(xalloc_segment_get_stats);

/**
 * xalloc_segment_get_node_stats() - count the segments of one NUMA node
 * @node: the node
 * @stats: filled with the counts of the node's pools: segments, empty,
 *         bytes, held (without the registry) and ready; maps and
 *         inline_maps are those of every node; huge is 0
 *
 * A node out of range gets zeroes, with a warning.
 */
void xalloc_segment_get_node_stats(int node,
				   struct xalloc_segment_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!xalloc_os_node_valid(node)) {
		xalloc_warn_ratelimited("segment stats of node %d refused: no such node\n",
					node);
		return;
	}
	pools_stats(node, stats);
}
EXPORT_SYMBOL_GPL(xalloc_segment_get_node_stats);

int xalloc_segments_init(void)
{
	unsigned int i;

	xalloc_segment_secret = xalloc_os_random_long();
	xalloc_os_mutex_init(&refill_mutex);
	if (registry_init())
		return -ENOMEM;
	nr_pools = xalloc_os_nr_nodes() * XALLOC_POOL_TYPES;
	pools = xalloc_os_meta_calloc(nr_pools, sizeof(*pools));
	if (!pools) {
		registry_exit();
		return -ENOMEM;
	}
	for (i = 0; i < nr_pools; i++) {
		struct xalloc_pool *pool = &pools[i];

		xalloc_os_spin_init(&pool->lock);
		INIT_LIST_HEAD(&pool->partial);
		INIT_LIST_HEAD(&pool->empty);
		INIT_LIST_HEAD(&pool->full);
		pool->node = i / XALLOC_POOL_TYPES;
		pool->direct = i % XALLOC_POOL_TYPES == XALLOC_POOL_DIRECT;
		pool->shift = i % XALLOC_POOL_TYPES == XALLOC_POOL_LARGE ?
			      XALLOC_SEGMENT_MAX_SHIFT :
			      XALLOC_SEGMENT_MIN_SHIFT;
		pool->demand = 1;
	}
	xalloc_os_work_init(&refill_work, refill_pools);
	xalloc_os_delayed_work_init(&demand_work, decay_demand);
	xalloc_os_delayed_work_init(&give_back_work, give_back_aged);
	xalloc_os_work_init(&reclaim_work, reclaim_caches);
	xalloc_os_work_init(&huge_unmap_work, huge_unmap_fn);
	if (xalloc_os_shrinker_init()) {
		xalloc_os_meta_free(pools);
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
		segment_unmap(segment);
	}
}

/* Every cache is gone: unmap everything, leaked pages included. */
void xalloc_segments_exit(void)
{
	unsigned int i;

	xalloc_os_shrinker_exit();
	xalloc_os_cancel_work_sync(&reclaim_work);
	xalloc_os_cancel_work_sync(&refill_work);
	xalloc_os_cancel_delayed_work_sync(&demand_work);
	xalloc_os_cancel_delayed_work_sync(&give_back_work);
	/* The pools' grace-period requests point into them. */
	xalloc_os_gp_barrier();
	xalloc_os_flush_work(&huge_unmap_work);
	if (xalloc_event_read(&nr_huge))
		xalloc_err("%llu huge objects still allocated at unload; their memory is leaked\n",
			   xalloc_event_read(&nr_huge));
	for (i = 0; i < nr_pools; i++) {
		unmap_list(&pools[i].partial);
		unmap_list(&pools[i].full);
		unmap_list(&pools[i].empty);
	}
	xalloc_os_meta_free(pools);
	registry_exit();
}
