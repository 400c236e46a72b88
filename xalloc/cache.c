// SPDX-License-Identifier: GPL-2.0
/*
 * The public cache API but for allocation and free: create, destroy,
 * collect, validate, shrink, read the counters.
 *
 * A cache is one object size with one heap per CPU. This file checks what
 * callers pass in, lays out the blocks and keeps the list of live caches;
 * allocation is in alloc.c, free in free.c.
 */
#include "internal.h"

/*
 * The memory an object array may hold, per CPU: room for the fast path to
 * absorb bursts, little enough that the blocks it holds back from their
 * pages do not matter.
 */
#define XALLOC_CACHED_BYTES	SZ_64K

static struct xalloc_os_mutex caches_lock;	/* see xalloc_caches_init() */
static LIST_HEAD(caches);

/*
 * The caches a CPU going offline hands its pages to. Changed under the
 * CPU hotplug read lock and hotplug_caches_lock; read by the dead-CPU
 * callback, which runs under the hotplug write lock. (caches_lock cannot
 * serve: stats readers hold it while they take the hotplug read lock.)
 */
static LIST_HEAD(hotplug_caches);
static struct xalloc_os_mutex hotplug_caches_lock;

/* Set by the module parameter "debug": XALLOC_DEBUG for every new cache. */
bool xalloc_debug_all;

/* Why the arguments of xalloc_cache_create() are refused, or NULL. */
static const char *cache_args_error(const char *name, unsigned int size,
				    unsigned int align, unsigned long flags)
{
	size_t len;

	if (!name)
		return "no name";
	len = strnlen(name, XALLOC_NAME_MAX + 1);
	if (len == 0 || len > XALLOC_NAME_MAX)
		return "name must be 1 to " __stringify(XALLOC_NAME_MAX)
		       " characters";
	if (strpbrk(name, "/ \t\n"))
		return "name must not contain '/' or white space";
	if (size == 0 || size > XALLOC_MAX_OBJECT_SIZE)
		return "size must be 1 to " __stringify(XALLOC_MAX_OBJECT_SIZE)
		       " bytes";
	if (align && (!is_power_of_2(align) || align > PAGE_SIZE))
		return "align must be 0 or a power of two up to PAGE_SIZE";
	if (flags & ~XALLOC_CACHE_FLAGS)
		return "unknown flags";
	/* Its blocks then fit the pages of a 512 KiB segment. */
	if (flags & XALLOC_DIRECT_MAP && size > XALLOC_DIRECT_MAP_MAX_SIZE)
		return "size of an XALLOC_DIRECT_MAP cache must be at most "
		       __stringify(XALLOC_DIRECT_MAP_MAX_SIZE) " bytes";
	return NULL;
}

/* As SLUB's calculate_alignment(). */
static unsigned int cache_align(unsigned int size, unsigned int align,
				unsigned long flags)
{
	if (flags & XALLOC_HWCACHE_ALIGN) {
		unsigned int ralign = xalloc_os_cache_line_size();

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	return max_t(unsigned int, align, sizeof(void *));
}

static enum xalloc_page_kind cache_page_kind(unsigned int block_size)
{
	enum xalloc_page_kind kind;

	for (kind = XALLOC_PAGE_SMALL; kind < XALLOC_PAGE_LARGE; kind++)
		if ((unsigned long)block_size * XALLOC_MIN_BLOCKS_PER_PAGE <=
		    1UL << xalloc_kind_page_shift(kind))
			break;
	return kind;
}

/*
 * A free block keeps its next pointer in its first word. With a
 * constructor the object must keep its constructed state while free, and
 * in an XALLOC_TYPESAFE_BY_RCU cache readers may still read it, so the
 * pointer goes after the object, as in SLUB; with XALLOC_DEBUG it goes
 * after a red zone that follows the object (see debug.c). The tracks of
 * XALLOC_STORE_USER come last.
 */
static void cache_layout(struct xalloc_cache *cache)
{
	unsigned int size = cache->object_size;

	cache->align = cache_align(size, cache->align, cache->flags);
	if (cache->flags & XALLOC_DEBUG) {
		cache->free_offset = ALIGN(size, sizeof(void *)) +
				     sizeof(void *);
		size = cache->free_offset + sizeof(void *);
	} else if (cache->ctor || cache->flags & XALLOC_TYPESAFE_BY_RCU) {
		cache->free_offset = ALIGN(size, sizeof(void *));
		size = cache->free_offset + sizeof(void *);
	}
	if (cache->flags & XALLOC_STORE_USER) {
		cache->track_offset = ALIGN(size, sizeof(void *));
		size = cache->track_offset +
		       XALLOC_TRACKS * sizeof(struct xalloc_track);
	}
	cache->block_size = ALIGN(size, cache->align);
	cache->block_recip = div64_u64(BIT_ULL(XALLOC_RECIP_SHIFT) - 1,
				       cache->block_size) + 1;
	cache->kind = cache_page_kind(cache->block_size);
	cache->segment_mask = ~(BIT(xalloc_kind_segment_shift(cache->kind)) - 1);
	cache->page_shift = xalloc_kind_page_shift(cache->kind);
	cache->cached_max = min_t(unsigned int, XALLOC_CACHED_MAX,
				  XALLOC_CACHED_BYTES / cache->block_size);
	if (cache->cached_max < 2)
		cache->cached_max = 0;
	cache->cached_batch = cache->cached_max / 2;
}

static struct xalloc_cache *cache_find(const char *name)
{
	struct xalloc_cache *cache;

	list_for_each_entry(cache, &caches, list)
		if (!strcmp(cache->name, name))
			return cache;
	return NULL;
}

static void cache_free(struct xalloc_cache *cache)
{
	xalloc_os_free_percpu(cache->heaps);
	xalloc_os_meta_free(cache->name);
	xalloc_os_meta_free(cache);
}

static struct xalloc_cache *cache_alloc(const char *name, unsigned int size,
					unsigned int align,
					unsigned long flags,
					void (*ctor)(void *))
{
	struct xalloc_cache *cache;
	int cpu;

	if (xalloc_os_should_fail(XALLOC_FAULT_METADATA, sizeof(*cache)))
		return NULL;
	cache = xalloc_os_meta_zalloc(sizeof(*cache), GFP_KERNEL);
	if (!cache)
		return NULL;
	cache->name = xalloc_os_strdup(name);
	cache->heaps = xalloc_os_alloc_percpu(struct xalloc_heap);
	if (!cache->name || !cache->heaps) {
		cache_free(cache);
		return NULL;
	}
	xalloc_for_each_cpu(cpu)
		xalloc_heap_init(xalloc_cpu_heap(cache, cpu));
	xalloc_os_spin_init(&cache->abandoned_lock);
	INIT_LIST_HEAD(&cache->abandoned);
	xalloc_os_mutex_init(&cache->visit_lock);
	cache->object_size = size;
	cache->align = align;
	cache->flags = flags;
	if (READ_ONCE(xalloc_debug_all))
		cache->flags |= XALLOC_DEBUG;
	cache->ctor = ctor;
	/* 0 and 1 name no cache in a page's last_key (see segment.c). */
	do {
		cache->freelist_key = xalloc_os_random_long();
	} while (cache->freelist_key <= 1);
	cache_layout(cache);
	return cache;
}

/* Add @cache to, or remove it from, the caches CPU hotplug visits. */
static void cache_set_hotplug(struct xalloc_cache *cache, bool on)
{
	xalloc_os_hotplug_lock();
	xalloc_os_mutex_lock(&hotplug_caches_lock);
	if (on)
		list_add_tail(&cache->hotplug_link, &hotplug_caches);
	else
		list_del(&cache->hotplug_link);
	xalloc_os_mutex_unlock(&hotplug_caches_lock);
	xalloc_os_hotplug_unlock();
}

/**
 * xalloc_cache_create() - create a cache of objects of one size
 * @name: unique name of 1 to XALLOC_NAME_MAX characters, no '/' nor white
 *        space; it names the cache's debugfs directory. Copied.
 * @size: object size, 1 to XALLOC_MAX_OBJECT_SIZE bytes
 * @align: 0, or the alignment of each object: a power of two up to
 *         PAGE_SIZE. Objects are always aligned to at least a pointer.
 * @flags: any of XALLOC_HWCACHE_ALIGN, XALLOC_DEBUG,
 *         XALLOC_TYPESAFE_BY_RCU, XALLOC_STORE_USER and XALLOC_DIRECT_MAP
 *         (see include/xalloc.h); other bits are refused
 * @ctor: optional constructor, run once on each block when it is first
 *        carved, under the heap lock (interrupts disabled, but on
 *        PREEMPT_RT); it must not sleep. Objects must be freed in their
 *        constructed state.
 *
 * Context: process context; may sleep.
 *
 * Return: the cache, or NULL if an argument is invalid (the reason is
 * logged with pr_warn), the name is taken, or memory is short.
 */
struct xalloc_cache *xalloc_cache_create(const char *name, unsigned int size,
					 unsigned int align,
					 unsigned long flags,
					 void (*ctor)(void *))
{
	const char *why = cache_args_error(name, size, align, flags);
	struct xalloc_cache *cache;

	if (why) {
		xalloc_warn("cannot create cache '%s' (size %u, align %u, flags %#lx): %s\n",
			    name ?: "(null)", size, align, flags, why);
		return NULL;
	}
	if (flags & XALLOC_STORE_USER && xalloc_os_stack_init())
		xalloc_warn("cache '%s': no stack depot; objects' stacks are not kept\n",
			    name);
	cache = cache_alloc(name, size, align, flags, ctor);
	if (!cache) {
		xalloc_warn("cannot create cache '%s': out of memory\n", name);
		return NULL;
	}
	xalloc_os_mutex_lock(&caches_lock);
	if (cache_find(name)) {
		xalloc_os_mutex_unlock(&caches_lock);
		xalloc_warn("cannot create cache '%s': name already in use\n",
			    name);
		cache_free(cache);
		return NULL;
	}
	list_add_tail(&cache->list, &caches);
	xalloc_debugfs_add_cache(cache);
	xalloc_os_mutex_unlock(&caches_lock);
	cache_set_hotplug(cache, true);
	return cache;
}
EXPORT_SYMBOL_GPL(xalloc_cache_create);

/**
 * xalloc_cache_destroy() - destroy a cache
 * @cache: the cache, or NULL (then nothing happens)
 *
 * Nobody may allocate from or free to @cache any more. Frees queued by
 * xalloc_free_rcu() are waited for. Objects still allocated then are
 * reported with pr_err and leaked: their memory stays mapped, so late
 * accesses do not touch freed memory, and frees of them are refused with
 * a warning.
 *
 * Context: process context; may sleep.
 */
void xalloc_cache_destroy(struct xalloc_cache *cache)
{
	unsigned long leaked;

	if (!cache)
		return;
	if (xalloc_rcu_frees_pending())
		xalloc_rcu_barrier();
	xalloc_os_mutex_lock(&caches_lock);
	list_del(&cache->list);
	xalloc_debugfs_remove_cache(cache);
	xalloc_os_mutex_unlock(&caches_lock);

	cache_set_hotplug(cache, false);
	leaked = xalloc_heaps_teardown(cache);
	if (leaked)
		xalloc_err("cache '%s' destroyed with %lu objects still allocated; their memory is leaked\n",
			   cache->name, leaked);
	/* A CPU section may still hold the cache, if a free raced this. */
	xalloc_os_wait_frees();
	cache_free(cache);
}
EXPORT_SYMBOL_GPL(xalloc_cache_destroy);

/**
 * xalloc_cache_size() - the object size of a cache
 * @cache: the cache
 *
 * Return: the size given to xalloc_cache_create(), or 0 for NULL.
 */
unsigned int xalloc_cache_size(struct xalloc_cache *cache)
{
	return cache ? cache->object_size : 0;
}
EXPORT_SYMBOL_GPL(xalloc_cache_size);

/**
 * xalloc_ksize() - the usable size of an xalloc object
 * @obj: an object of any xalloc cache, or NULL or ZERO_SIZE_PTR
 *
 * As ksize(): the bytes the caller may use at @obj, which can be more
 * than its cache's object size, up to where the allocator keeps data of
 * its own: the whole block in a plain cache, up to the free pointer in a
 * cache with a constructor or XALLOC_TYPESAFE_BY_RCU, up to the records of
 * XALLOC_STORE_USER, the object size alone in a debug cache (its red zone
 * follows). __GFP_ZERO and init_on_alloc zero the object size,
 * as SLUB does; init_on_free zeroes all of it.
 *
 * A pointer that is not an allocated xalloc object (a free one, the inside
 * of one, anything else) is reported and gets 0, so that nobody writes
 * through it.
 *
 * Context: any context but NMI.
 *
 * Return: the usable size, or 0.
 */
size_t xalloc_ksize(const void *obj)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	size_t size = 0;

	if (ZERO_OR_NULL_PTR(obj))
		return 0;
	xalloc_cpu_enter();
	page = xalloc_page_lookup(obj);
	if (page)
		cache = READ_ONCE(page->cache);
	if (cache && xalloc_page_holds_block(page, obj) &&
	    !xalloc_block_looks_free(cache, page, obj)) {
		size = xalloc_page_usable_size(cache, page);
		/* As ksize(): the caller may use all it is told. */
		xalloc_os_kasan_alloc(obj, size, size);
	}
	xalloc_cpu_exit();
	if (!size)
		xalloc_warn_ratelimited("ksize of %p, which is not an allocated xalloc object\n",
					obj);
	return size;
}
EXPORT_SYMBOL_GPL(xalloc_ksize);

/**
 * xalloc_cache_collect() - make every CPU collect its remote frees
 * @cache: the cache, or NULL (then nothing happens)
 *
 * Each CPU takes the thread_free lists of its pages of @cache and
 * subtracts what it found from used, as its allocation slow path would,
 * and gives back the pages left empty, but for its current page.
 *
 * Context: process context; may sleep.
 */
void xalloc_cache_collect(struct xalloc_cache *cache)
{
	if (cache)
		xalloc_heaps_collect(cache);
}
EXPORT_SYMBOL_GPL(xalloc_cache_collect);

/**
 * xalloc_cache_validate() - check the free lists and counters of a cache
 * @cache: the cache; quiescent, or the counters may be caught mid-update
 *
 * Walks every page of every CPU, on that CPU, checking that each free list
 * holds only blocks of its page and that used + free + local_free ==
 * capacity and thread_free <= used. Each inconsistent page is reported
 * with pr_err, as SLUB's validate does.
 *
 * Context: process context; may sleep.
 *
 * Return: the number of inconsistent pages; 0 when all is well.
 */
unsigned long xalloc_cache_validate(struct xalloc_cache *cache)
{
	return cache ? xalloc_heaps_validate(cache) : 0;
}
EXPORT_SYMBOL_GPL(xalloc_cache_validate);

/**
 * xalloc_cache_shrink() - give back the memory a cache does not use
 * @cache: the cache
 *
 * Collects every CPU's remote frees, gives every empty page back to its
 * segment, and unmaps the empty segments beyond the ready reserve.
 *
 * Context: process context; may sleep.
 *
 * Return: the bytes of pages @cache gave back.
 */
unsigned long xalloc_cache_shrink(struct xalloc_cache *cache)
{
	unsigned long released;

	if (!cache)
		return 0;
	released = xalloc_heaps_shrink(cache);
	xalloc_segment_trim();
	return released;
}
EXPORT_SYMBOL_GPL(xalloc_cache_shrink);

/**
 * xalloc_cache_get_stats() - read the counters of a cache
 * @cache: the cache
 * @stats: filled with the counters
 *
 * Each CPU's part is read on that CPU; the whole is exact when the cache
 * is quiescent.
 *
 * Context: process context; may sleep.
 */
void xalloc_cache_get_stats(struct xalloc_cache *cache,
			    struct xalloc_cache_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!cache)
		return;
	stats->object_size = cache->object_size;
	stats->block_size = cache->block_size;
	stats->flags = cache->flags;
	stats->invalid_frees = xalloc_event_read(&cache->invalid_frees);
	stats->corruptions = xalloc_event_read(&cache->corruptions);
	xalloc_heaps_stats(cache, stats);
	stats->segments = xalloc_segment_count_of(cache);
}
EXPORT_SYMBOL_GPL(xalloc_cache_get_stats);

static int cache_shrink(struct xalloc_cache *cache, void *arg)
{
	xalloc_heaps_shrink(cache);
	return 0;
}

/**
 * xalloc_caches_shrink_all() - shrink every cache on every CPU
 *
 * Each CPU's object array goes back to its pages, remote frees are
 * collected, and every page left empty goes back to its segment, each
 * CPU's current page included: a CPU that stopped allocating from a cache
 * keeps none of its memory. May sleep.
 */
void xalloc_caches_shrink_all(void)
{
	xalloc_visit_caches(NULL, cache_shrink);
}

/**
 * xalloc_visit_caches() - call @fn on every live cache, in creation order
 * @arg: passed to @fn
 * @fn: stops the walk by returning non-zero
 *
 * Return: what the last call of @fn returned, or 0.
 */
int xalloc_visit_caches(void *arg,
			int (*fn)(struct xalloc_cache *cache, void *arg))
{
	struct xalloc_cache *cache;
	int ret = 0;

	xalloc_os_mutex_lock(&caches_lock);
	list_for_each_entry(cache, &caches, list) {
		ret = fn(cache, arg);
		if (ret)
			break;
	}
	xalloc_os_mutex_unlock(&caches_lock);
	return ret;
}

/*
 * A CPU went offline: its pages of every cache wait for a new owner. One
 * grace period serves every cache (see xalloc_heap_abandon_prepare()).
 */
static int caches_cpu_dead(unsigned int cpu)
{
	struct xalloc_cache *cache;

	list_for_each_entry(cache, &hotplug_caches, hotplug_link)
		xalloc_heap_abandon_prepare(cache, cpu);
	xalloc_os_wait_frees();
	list_for_each_entry(cache, &hotplug_caches, hotplug_link)
		xalloc_heap_abandon(cache, cpu);
	return 0;
}

int xalloc_caches_init(void)
{
	xalloc_os_mutex_init(&caches_lock);
	xalloc_os_mutex_init(&hotplug_caches_lock);
	return xalloc_os_hotplug_init(caches_cpu_dead);
}

void xalloc_caches_exit(void)
{
	xalloc_os_hotplug_exit();
}
