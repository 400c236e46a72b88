/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc internals: the functions each file offers the others, and the
 * inline helpers of blocks and pages. The types are in types.h.
 */
#ifndef _XALLOC_INTERNAL_H
#define _XALLOC_INTERNAL_H

#include "types.h"

/* segment.c */
extern unsigned int xalloc_reserve_segments;
extern unsigned int xalloc_give_back_ms;

int xalloc_segments_init(void);
void xalloc_segments_exit(void);
struct xalloc_page *xalloc_segment_take_page(struct xalloc_cache *cache,
					     int node);
struct xalloc_page *xalloc_segment_grow(struct xalloc_cache *cache,
					int node, gfp_t gfp);
void xalloc_segment_release_page(struct xalloc_page *page);
struct xalloc_page *xalloc_segment_map_huge(struct xalloc_cache *cache,
					    unsigned long bytes, int node,
					    gfp_t gfp);
void xalloc_segment_release_huge(struct xalloc_page *page);
void xalloc_segment_leak_page(struct xalloc_page *page);
void xalloc_segment_request_refill(void);
void xalloc_segment_give_back_after(unsigned long delay);
void xalloc_segment_rebalance(void);
void xalloc_segment_trim(void);
unsigned long xalloc_segment_count_of(struct xalloc_cache *cache);
void *xalloc_page_base(struct xalloc_page *page);
unsigned long xalloc_page_bytes(struct xalloc_page *page);

/*
 * The segment whose header holds the descriptor @page: every segment is
 * aligned to at least the small size and its header is at its start.
 */
static inline struct xalloc_segment *
xalloc_segment_of(const struct xalloc_page *page)
{
	return (void *)((unsigned long)page & ~(XALLOC_SEGMENT_MIN_SIZE - 1));
}

extern unsigned long xalloc_segment_secret;

static inline unsigned long xalloc_segment_cookie(struct xalloc_segment *seg)
{
	return xalloc_segment_secret ^ (unsigned long)seg;
}

/*
 * The segment registry: one bit per XALLOC_SEGMENT_MIN_SIZE granule of the
 * vmalloc range, and one per granule of the direct map (for
 * XALLOC_DIRECT_MAP caches), set while a segment starting there is
 * mapped, in chunks of a page of bits allocated as segments first land in
 * them. A pointer is looked up here before anything at its address is
 * read, so that a stray pointer into other vmalloc, ioremap or direct-map
 * memory is never dereferenced (an uncached read of a device register can
 * have side effects; a direct-map page may be unmapped). Bits are set
 * after the segment header is written and cleared before the segment is
 * unmapped, with a grace period in between: lookups run in a CPU section
 * (see xalloc_cpu_enter()).
 */
#define XALLOC_REGISTRY_CHUNK_BITS	(PAGE_SIZE * BITS_PER_BYTE)

/**
 * struct xalloc_registry - the segment bits of one address range
 * @chunks: chunk pointers, NULL until a segment lands in the chunk
 * @base: the range's first address
 * @slots: granules in the range
 */
struct xalloc_registry {
	unsigned long **chunks;
	unsigned long base;
	unsigned long slots;
};

extern struct xalloc_registry xalloc_vmalloc_registry;
extern struct xalloc_registry xalloc_direct_registry;

/* Does a mapped segment start at @addr, a multiple of the granule? */
static __always_inline bool xalloc_segment_starts_at(unsigned long addr)
{
	const struct xalloc_registry *reg = &xalloc_vmalloc_registry;
	unsigned long slot = (addr - reg->base) >> XALLOC_SEGMENT_MIN_SHIFT;
	unsigned long *chunk;

	/*
	 * Below the range the subtraction wraps past the last slot. Only an
	 * address outside the vmalloc range pays for the second range.
	 */
	if (unlikely(slot >= reg->slots)) {
		reg = &xalloc_direct_registry;
		slot = (addr - reg->base) >> XALLOC_SEGMENT_MIN_SHIFT;
		if (slot >= reg->slots)
			return false;
	}
	chunk = READ_ONCE(reg->chunks[slot / XALLOC_REGISTRY_CHUNK_BITS]);
	return chunk &&
	       xalloc_os_bit_test_acquire(slot % XALLOC_REGISTRY_CHUNK_BITS,
					  chunk);
}

/**
 * xalloc_segment_lookup() - find the segment a pointer falls in
 * @ptr: a pointer that may or may not come from xalloc
 *
 * A segment is aligned to its size, and is one of two sizes: @ptr is in
 * the small segment starting at its small-size boundary, or in the large
 * one starting at its large-size boundary, or in none. The registry says
 * which before anything at @ptr's address is read; the header must carry
 * its cookie, and span @ptr. Call it in a CPU section, so the segment
 * stays mapped while it is used.
 *
 * Return: the segment, or NULL when @ptr is not inside an xalloc segment.
 */
static __always_inline struct xalloc_segment *
xalloc_segment_lookup(const void *ptr)
{
	unsigned long addr = (unsigned long)ptr;
	struct xalloc_segment *segment;

	segment = (void *)(addr & ~(XALLOC_SEGMENT_MIN_SIZE - 1));
	if (unlikely(!xalloc_segment_starts_at((unsigned long)segment))) {
		segment = (void *)(addr & ~(XALLOC_SEGMENT_MAX_SIZE - 1));
		if (!xalloc_segment_starts_at((unsigned long)segment) ||
		    addr - (unsigned long)segment >=
		    BIT(READ_ONCE(segment->shift)))
			return NULL;
	}
	if (unlikely(segment->cookie != xalloc_segment_cookie(segment)))
		return NULL;
	return segment;
}

/*
 * The page of @block, a block of @cache known to be in a lent page: no
 * checks. The cache knows the size of its segments and of its pages, so
 * nothing is read from the segment header.
 */
static __always_inline struct xalloc_page *
xalloc_page_of_block(const struct xalloc_cache *cache, const void *block)
{
	unsigned long addr = (unsigned long)block;
	unsigned long base = addr & cache->segment_mask;
	struct xalloc_segment *segment = (void *)base;

	return &segment->pages[(addr - base) >> cache->page_shift];
}

/**
 * xalloc_page_lookup() - find the page descriptor of a block
 * @obj: a pointer that may or may not come from xalloc
 *
 * Reads nothing at @obj's address unless the registry says a segment is
 * mapped there. Call it in a CPU section, so the segment stays mapped
 * while the descriptor is used. Inline, as xalloc_page_holds_block():
 * every free runs both.
 *
 * Return: the descriptor of the page @obj falls in, or NULL when @obj is
 * not inside an xalloc segment.
 */
static __always_inline struct xalloc_page *
xalloc_page_lookup(const void *obj)
{
	struct xalloc_segment *segment = xalloc_segment_lookup(obj);

	if (!segment)
		return NULL;
	return &segment->pages[((unsigned long)obj - (unsigned long)segment) >>
			       READ_ONCE(segment->page_shift)];
}

struct xalloc_page *xalloc_page_lookup_far(const void *ptr);

/**
 * xalloc_page_holds_block() - is @obj the start of a carved block of @page?
 * @page: a page in use
 * @obj: the pointer to check
 *
 * Return: true if it is.
 */
static __always_inline bool
xalloc_page_holds_block(struct xalloc_page *page, const void *obj)
{
	unsigned long offset, index;

	if (obj < page->start)
		return false;
	/* A multiply instead of a division: this runs on every free. */
	offset = obj - page->start;
	index = (offset * page->block_recip) >> XALLOC_RECIP_SHIFT;
	return index * page->block_size == offset &&
	       index < READ_ONCE(page->capacity);
}

/* The index of a carved block in its page. */
static inline unsigned long xalloc_block_index(const struct xalloc_page *page,
					       const void *block)
{
	return ((block - page->start) * page->block_recip) >>
	       XALLOC_RECIP_SHIFT;
}

/*
 * The carved block of @page that @ptr falls in, or NULL if none. The last
 * test is for a huge page, whose one block may end before its segment's
 * alignment, with other vmalloc memory after it.
 */
static inline void *xalloc_page_block_holding(struct xalloc_page *page,
					      const void *ptr)
{
	unsigned long index;
	void *block;

	if (ptr < page->start)
		return NULL;
	index = xalloc_block_index(page, ptr);
	if (index >= READ_ONCE(page->capacity))
		return NULL;
	block = page->start + index * page->block_size;
	return ptr - block < page->block_size ? block : NULL;
}

/* The first block of the thread_free list in @word, or NULL. */
static inline void *xalloc_tf_head(const struct xalloc_page *page,
				   unsigned long word)
{
	unsigned long index = (word & XALLOC_TF_HEAD_MASK) >>
			      XALLOC_TF_HEAD_SHIFT;

	return index ? page->start + (index - 1) * page->block_size : NULL;
}

static inline unsigned int xalloc_tf_count(unsigned long word)
{
	return word >> XALLOC_TF_COUNT_SHIFT;
}

/* page.c */
void xalloc_page_init(struct xalloc_page *page, struct xalloc_cache *cache,
		      struct xalloc_heap *heap, int cpu);
void xalloc_page_extend(struct xalloc_page *page);
unsigned int xalloc_page_collect(struct xalloc_page *page);
void xalloc_page_queue_unfull(struct xalloc_page *page);
bool xalloc_page_try_mark_full(struct xalloc_page *page);
void xalloc_page_clear_full(struct xalloc_page *page);
void xalloc_page_clear_queued(struct xalloc_page *page);
bool xalloc_page_try_retire(struct xalloc_page *page);
unsigned int xalloc_page_count_thread_free(struct xalloc_page *page);
bool xalloc_page_validate(struct xalloc_page *page);

/*
 * Free pointers are stored encoded, as SLUB's CONFIG_SLAB_FREELIST_HARDENED
 * stores them: xor a key secret to the cache and distinct per page, and the
 * byte-swapped address of the word that holds them. A stray write into a
 * free block then decodes to a wild pointer, which the checks below refuse
 * to follow, and reading a free block gives away neither the key nor a
 * usable address.
 */
static inline unsigned long xalloc_block_key(const struct xalloc_cache *cache,
					     const struct xalloc_page *page,
					     const void *block)
{
	unsigned long slot = (unsigned long)block + cache->free_offset;

	return cache->freelist_key ^ (unsigned long)page ^ xalloc_swab(slot);
}

/* The block after @block on its list; @cache is @page's cache. */
static inline void *xalloc_block_next(const struct xalloc_cache *cache,
				      const struct xalloc_page *page,
				      void *block)
{
	unsigned long raw = *(unsigned long *)(block + cache->free_offset);

	return (void *)(raw ^ xalloc_block_key(cache, page, block));
}

static inline void xalloc_block_set_next(const struct xalloc_cache *cache,
					 const struct xalloc_page *page,
					 void *block, void *next)
{
	*(unsigned long *)(block + cache->free_offset) =
		(unsigned long)next ^ xalloc_block_key(cache, page, block);
}

/*
 * An allocated block keeps no encoded pointer, so that a free of it is
 * never mistaken for a double free (see xalloc_free_pointer_fits()).
 */
static inline void xalloc_block_clear_next(const struct xalloc_cache *cache,
					   void *block)
{
	*(unsigned long *)(block + cache->free_offset) = 0;
}

/*
 * The cheap check of a decoded free pointer, on the allocation fast path:
 * the end of the list or a carved part of @page. The slow paths check
 * block boundaries too, with xalloc_page_holds_block().
 */
static inline bool xalloc_page_next_ok(const struct xalloc_page *page,
				       const void *next)
{
	return !next || (unsigned long)(next - page->start) <
			(unsigned long)page->capacity * page->block_size;
}

/**
 * xalloc_free_pointer_fits() - could @block be free, by its free pointer?
 * @cache: the cache of @page
 * @page: the page of @block, in use
 * @block: a carved block of @page
 * @next: what the free pointer of @block decodes to
 *
 * A free block's pointer decodes to the end of a list, to another block of
 * its page, or, in an object array, to itself; an allocated block's was
 * cleared at allocation, and whatever its user wrote over it decodes to
 * one of these only by a chance of about one in 2^48, since the key is
 * secret. So a true answer at a free means a double free (or a stray
 * write that forged a free pointer, equally worth refusing). A pointer
 * out of the segment is refused first, with no multiply.
 *
 * Return: true if @block looks free.
 */
static __always_inline bool
xalloc_free_pointer_fits(const struct xalloc_cache *cache,
			 struct xalloc_page *page, const void *block,
			 const void *next)
{
	return !next ||
	       (!(((unsigned long)next ^ (unsigned long)block) &
		  cache->segment_mask) &&
		xalloc_page_holds_block(page, next));
}

/* Does @block, a carved block of @page, look free by its free pointer? */
static inline bool xalloc_block_looks_free(const struct xalloc_cache *cache,
					   struct xalloc_page *page,
					   const void *block)
{
	unsigned long word = *(const unsigned long *)(block +
						      cache->free_offset);

	return xalloc_free_pointer_fits(cache, page, block,
					(void *)(word ^ xalloc_block_key(cache,
									 page,
									 block)));
}

/*
 * What a caller may use of a block of @cache, as SLUB's slab_ksize(): all
 * of it but where the allocator keeps data of its own.
 */
static inline unsigned int
xalloc_cache_usable_size(const struct xalloc_cache *cache)
{
	if (cache->flags & XALLOC_DEBUG)
		return cache->object_size;
	/* A constructor or XALLOC_TYPESAFE_BY_RCU: the pointer is after. */
	if (cache->free_offset)
		return cache->free_offset;
	if (cache->track_offset)
		return cache->track_offset;
	return cache->block_size;
}

/* The same for the block of @page, a page of @cache: huge ones differ. */
static inline unsigned int
xalloc_page_usable_size(const struct xalloc_cache *cache,
			const struct xalloc_page *page)
{
	if (cache->flags & XALLOC_CACHE_HUGE)
		return page->block_size;
	return xalloc_cache_usable_size(cache);
}

/*
 * The mark of a free block held in a CPU's object array: its free pointer
 * encodes the block itself. No list points a block at itself, so a block
 * that left the array for a list, or was written to, no longer carries
 * it; and xalloc_free_pointer_fits() takes it for a free block, so a
 * second free is refused.
 */
static inline void xalloc_block_mark_cached(const struct xalloc_cache *cache,
					    const struct xalloc_page *page,
					    void *block)
{
	xalloc_block_set_next(cache, page, block, block);
}

static inline bool
xalloc_block_marked_cached(const struct xalloc_cache *cache,
			   const struct xalloc_page *page, void *block)
{
	return xalloc_block_next(cache, page, block) == block;
}

void *xalloc_page_free_list_broken(struct xalloc_page *page, void *block,
				   void *next);
void *xalloc_page_try_alloc(struct xalloc_page *page);

/*
 * Pop the first free block of @page, a page of @cache; @page->free must
 * not be empty.
 */
static inline void *xalloc_page_pop(const struct xalloc_cache *cache,
				    struct xalloc_page *page)
{
	void *block = page->free;
	void *next = xalloc_block_next(cache, page, block);

	if (unlikely(!xalloc_page_next_ok(page, next)))
		next = xalloc_page_free_list_broken(page, block, next);
	page->free = next;
	xalloc_block_clear_next(cache, block);
	page->used++;
	return block;
}

/**
 * struct xalloc_page_info - a snapshot of one page, for debugfs
 * @segment: segment address
 * @index: page index in the segment
 * @cpu: owner CPU
 * @block_size: block size
 * @capacity: blocks carved
 * @reserved: blocks that fit
 * @used: see struct xalloc_page
 * @free: length of the free list
 * @local_free: length of the local_free list
 * @thread_free: length of the thread_free list
 * @full: on the full list
 */
struct xalloc_page_info {
	void *segment;
	unsigned int index;
	int cpu;
	unsigned int block_size;
	unsigned int capacity;
	unsigned int reserved;
	unsigned int used;
	unsigned int free;
	unsigned int local_free;
	unsigned int thread_free;
	bool full;
};

/*
 * A CPU's heap of @cache, its claim and its lock (see struct xalloc_heap):
 * the fast path claims the object array with @busy, or on PREEMPT_RT with
 * the heap lock itself; the page path takes the heap lock.
 */
#define xalloc_this_heap(cache)		xalloc_os_this_ptr((cache)->heaps)
#define xalloc_cpu_heap(cache, cpu)	xalloc_os_cpu_ptr((cache)->heaps, cpu)

static __always_inline bool xalloc_heap_claim(struct xalloc_cache *cache,
					      struct xalloc_heap *heap)
{
	if (XALLOC_CLAIM_IS_LOCK) {
		xalloc_os_cpu_lock(&cache->heaps->lock);
		return true;
	}
	return xalloc_os_claim(&heap->busy);
}

static __always_inline void xalloc_heap_unclaim(struct xalloc_cache *cache,
						struct xalloc_heap *heap)
{
	if (XALLOC_CLAIM_IS_LOCK)
		xalloc_os_cpu_unlock(&cache->heaps->lock);
	else
		xalloc_os_unclaim(&heap->busy);
}

#define xalloc_heap_lock(cache, flags) \
	xalloc_os_cpu_lock_irqsave(&(cache)->heaps->lock, flags)
#define xalloc_heap_unlock(cache, flags) \
	xalloc_os_cpu_unlock_irqrestore(&(cache)->heaps->lock, flags)
#define xalloc_heap_assert_locked(heap)	xalloc_os_cpu_assert_held(&(heap)->lock)
#define xalloc_heap_lock_init(heap)	xalloc_os_cpu_lock_init(&(heap)->lock)

/*
 * The counters of this CPU's heap. Every bump goes through these, in the
 * fast paths and under the heap lock alike, since on PREEMPT_RT a task
 * holding the lock can be preempted by one that bumps the same counter in
 * a fast path.
 */
#define xalloc_count_allocs(cache, n) \
	xalloc_os_this_cpu_add((cache)->heaps->allocs, n)
#define xalloc_count_alloc(cache)	xalloc_count_allocs(cache, 1)
#define xalloc_count_alloc_fail(cache) \
	xalloc_os_this_cpu_add((cache)->heaps->alloc_fails, 1)
#define xalloc_count_local_frees(cache, n) \
	xalloc_os_this_cpu_add((cache)->heaps->local_frees, n)
#define xalloc_count_local_free(cache)	xalloc_count_local_frees(cache, 1)
#define xalloc_count_remote_frees(cache, n) \
	xalloc_os_this_cpu_add((cache)->heaps->remote_frees, n)

/*
 * A page's flags have two owners (IN_USE the segment pool's lock, the rest
 * the page's heap), and the pool reads IN_USE of pages that heaps own, so
 * every write is one WRITE_ONCE() of the whole word.
 */
static inline void xalloc_page_set_flags(struct xalloc_page *page,
					 unsigned int flags)
{
	WRITE_ONCE(page->flags, page->flags | flags);
}

static inline void xalloc_page_clear_flags(struct xalloc_page *page,
					   unsigned int flags)
{
	WRITE_ONCE(page->flags, page->flags & ~flags);
}

/* heap.c: one CPU's pages, under its heap lock */
void xalloc_heap_init(struct xalloc_heap *heap);
void xalloc_heap_page_to_full(struct xalloc_heap *heap,
			      struct xalloc_page *page);
void xalloc_heap_take_unfull(struct xalloc_heap *heap);
bool xalloc_heap_adopt(struct xalloc_cache *cache, struct xalloc_heap *heap);
bool xalloc_heap_retire_page(struct xalloc_heap *heap,
			     struct xalloc_page *page);
void xalloc_heap_free_to_page(struct xalloc_cache *cache,
			      struct xalloc_heap *heap,
			      struct xalloc_page *page, void *block);
void xalloc_heap_drop_cached(struct xalloc_cache *cache,
			     struct xalloc_page *page, void *block);
void xalloc_heap_flush(struct xalloc_cache *cache, struct xalloc_heap *heap,
		       unsigned int n);

/*
 * Does @block, of @page, leave the object array with its mark? If not, it
 * is reported and kept out of use (see xalloc_heap_drop_cached()). Every
 * way out of the array asks: a pop, a bulk take, a flush.
 */
static __always_inline bool
xalloc_cached_block_intact(struct xalloc_cache *cache,
			   struct xalloc_page *page, void *block)
{
	if (likely(xalloc_block_marked_cached(cache, page, block)))
		return true;
	xalloc_heap_drop_cached(cache, page, block);
	return false;
}

void xalloc_heap_abandon_prepare(struct xalloc_cache *cache, int cpu);
void xalloc_heap_abandon(struct xalloc_cache *cache, int cpu);

/* visit.c: every CPU's heap of a cache, from process context */
void xalloc_heaps_collect(struct xalloc_cache *cache);
unsigned long xalloc_heaps_validate(struct xalloc_cache *cache);
unsigned long xalloc_heaps_shrink(struct xalloc_cache *cache);
unsigned long xalloc_heaps_teardown(struct xalloc_cache *cache);
void xalloc_heaps_stats(struct xalloc_cache *cache,
			struct xalloc_cache_stats *stats);
unsigned int xalloc_heaps_page_info(struct xalloc_cache *cache,
				    struct xalloc_page_info *info,
				    unsigned int max);

/* report.c: every refusal, corruption and inconsistency, one format */
enum xalloc_report_kind {
	XALLOC_REPORT_INVALID_FREE,	/* counted in invalid_frees */
	XALLOC_REPORT_CORRUPTION,	/* counted in corruptions */
	XALLOC_REPORT_INCONSISTENT,	/* a page fails validation */
};

__printf(6, 7)
void xalloc_report(enum xalloc_report_kind kind, struct xalloc_cache *cache,
		   struct xalloc_page *page, const void *obj,
		   unsigned long count, const char *fmt, ...);
void xalloc_report_refused_free(const void *obj,
				struct xalloc_cache *expected,
				struct xalloc_page *page);

/* alloc.c */
/*
 * Blocks a bulk call handles per locked section or CPU section: 32, and
 * fewer large ones, so that zeroing, poisoning or carving them stays
 * within about 64 KiB per section. Without a cache to tell the size (a
 * bulk free of any cache's objects), one.
 */
static inline size_t xalloc_bulk_chunk(const struct xalloc_cache *cache)
{
	if (!cache)
		return 1;
	return clamp_t(size_t, SZ_64K / cache->block_size, 1, 32);
}

void *xalloc_heap_alloc_block(struct xalloc_cache *cache, gfp_t gfp,
			      int node, unsigned long *flags);

/* cache.c */
extern bool xalloc_debug_all;

/*
 * As SLUB: no zeroing when a constructor gives objects their state, when
 * debug poison fills free objects (the poison is what debugging wants to
 * see), or when RCU readers may still read a freed object.
 */
static __always_inline bool
xalloc_cache_keeps_free_contents(const struct xalloc_cache *cache)
{
	return cache->ctor ||
	       (cache->flags & (XALLOC_DEBUG | XALLOC_TYPESAFE_BY_RCU));
}

/*
 * Are free objects of @cache filled with poison? Not when they must keep
 * their constructed state, nor when RCU readers may still read them.
 */
static inline bool xalloc_cache_poisons_free(const struct xalloc_cache *cache)
{
	return (cache->flags & XALLOC_DEBUG) && !cache->ctor &&
	       !(cache->flags & XALLOC_TYPESAFE_BY_RCU);
}

int xalloc_caches_init(void);
void xalloc_caches_exit(void);
void xalloc_caches_shrink_all(void);
int xalloc_visit_caches(void *arg,
			int (*fn)(struct xalloc_cache *cache, void *arg));

/* rcu.c */
bool xalloc_rcu_frees_pending(void);
int xalloc_rcu_init(void);
void xalloc_rcu_exit(void);

/* huge.c: objects in a segment of their own */
void xalloc_huge_init(void);
void *xalloc_huge_alloc(size_t size, gfp_t gfp, int node);
void xalloc_huge_free(struct xalloc_page *page, void *obj);

/* kmalloc.c: the size classes */
int xalloc_kmalloc_init(void);
void xalloc_kmalloc_exit(void);
struct xalloc_cache *xalloc_kmalloc_class(size_t size);

/* debug.c: the checks of XALLOC_DEBUG caches */
void xalloc_debug_init_block(struct xalloc_cache *cache, void *block);
bool xalloc_debug_check_free(struct xalloc_cache *cache,
			     struct xalloc_page *page, void *block);
void xalloc_debug_alloc(struct xalloc_cache *cache, void *block);
bool xalloc_debug_free(struct xalloc_cache *cache, struct xalloc_page *page,
		       void *block);

/* track.c: who allocated and freed each block, XALLOC_STORE_USER */
#define XALLOC_LEAKS_LISTED	10	/* leaked blocks destroy lists */
void xalloc_track_record(struct xalloc_cache *cache, void *block,
			 enum xalloc_track_kind kind);
void xalloc_track_print(struct xalloc_cache *cache, const void *block);
void xalloc_track_report_leak(struct xalloc_cache *cache, const void *block);

/* debugfs.c */
int xalloc_debugfs_init(void);
void xalloc_debugfs_exit(void);
void xalloc_debugfs_add_cache(struct xalloc_cache *cache);
void xalloc_debugfs_remove_cache(struct xalloc_cache *cache);

#endif /* _XALLOC_INTERNAL_H */
