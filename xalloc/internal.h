/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc internals: segments, pages, per-CPU heaps and caches.
 *
 * Memory comes in three levels, as in mimalloc:
 *
 *  - a segment is 4 MiB of vmalloc space aligned to 4 MiB; its header holds
 *    the descriptors of the pages inside it, so the page of any block is
 *    found with one mask and one shift;
 *  - a page is a run of a segment whose blocks all belong to one cache and
 *    one CPU;
 *  - a block is one object; a free block holds the next pointer of its free
 *    list.
 */
#ifndef _XALLOC_INTERNAL_H
#define _XALLOC_INTERNAL_H

#include "os.h"

/*
 * The design needs 64-bit words: the thread_free word packs a block index
 * and a count, and segments rely on naturally aligned vmalloc areas of
 * their size, which 32-bit kernels do not give.
 */
#ifndef CONFIG_64BIT
#error "xalloc needs a 64-bit kernel"
#endif

#define XALLOC_SEGMENT_SHIFT	22
#define XALLOC_SEGMENT_SIZE	BIT(XALLOC_SEGMENT_SHIFT)
#define XALLOC_SEGMENT_MASK	(XALLOC_SEGMENT_SIZE - 1)

/*
 * Page kinds, by the size of their pages. A cache uses the smallest kind
 * whose pages hold at least XALLOC_MIN_BLOCKS_PER_PAGE of its blocks. All
 * pages of a segment are of one kind.
 */
enum xalloc_page_kind {
	XALLOC_PAGE_SMALL,	/* 64 KiB pages */
	XALLOC_PAGE_MEDIUM,	/* 512 KiB pages */
	XALLOC_PAGE_LARGE,	/* one page per segment */
	XALLOC_PAGE_KINDS,
};

#define XALLOC_MIN_BLOCKS_PER_PAGE	8

/*
 * Block indexes are computed as (offset * recip) >> XALLOC_RECIP_SHIFT with
 * recip = ceil(2^XALLOC_RECIP_SHIFT / block_size). The result is exact
 * when offset * block_size < 2^XALLOC_RECIP_SHIFT: offsets are below the
 * segment size, and a block is at most XALLOC_MAX_OBJECT_SIZE plus a red
 * zone and a free pointer, aligned to at most PAGE_SIZE: below 2^19. The
 * product offset * recip stays below 2^(SEGMENT_SHIFT + RECIP_SHIFT - 3).
 */
#define XALLOC_RECIP_SHIFT	41
#define XALLOC_MAX_BLOCK_SIZE \
	ALIGN(XALLOC_MAX_OBJECT_SIZE + 2 * sizeof(void *), PAGE_SIZE)
static_assert(XALLOC_MAX_BLOCK_SIZE <= (1 << 19));
static_assert(XALLOC_SEGMENT_SHIFT + 19 <= XALLOC_RECIP_SHIFT);
static_assert(XALLOC_SEGMENT_SHIFT + XALLOC_RECIP_SHIFT - 3 < 64);

static inline unsigned int xalloc_kind_page_shift(enum xalloc_page_kind kind)
{
	static const unsigned char shift[XALLOC_PAGE_KINDS] = {
		16, 19, XALLOC_SEGMENT_SHIFT,
	};

	return shift[kind];
}

/* The owner CPU of an abandoned page: no CPU, so every free is remote. */
#define XALLOC_NO_CPU		(-1)

/* Page flags, owner-written. */
#define XALLOC_PAGE_IN_USE	0x1	/* owned by a cache */
#define XALLOC_PAGE_IN_FULL	0x2	/* on its heap's full list */
#define XALLOC_PAGE_LEAKED	0x4	/* its cache was destroyed with it live */
#define XALLOC_PAGE_DIRTY	0x8	/* holds another cache's old blocks */

/*
 * A page's thread_free word holds the whole list of remote frees in one
 * atomic word: its length, its first block (as an index, since a page
 * holds at most 2^19 blocks), and three flags:
 *
 *   bits 0-2    XALLOC_TF_FULL, XALLOC_TF_QUEUED, XALLOC_TF_RETIRED
 *   bits 3-22   index of the first block plus one; 0 for an empty list
 *   bits 23-63  number of blocks on the list
 *
 * The length lets the owner collect a list without walking it.
 *
 * FULL is set by the owner when it moves the page to its full list; the
 * first remote free that sees it swaps it for QUEUED in the same
 * compare-and-swap that pushes its block, and queues the page on the owner
 * heap's unfull list. The owner clears QUEUED once it has taken the page
 * off that list. A page is therefore on the unfull list at most once.
 *
 * RETIRED is set by the owner, in place of an empty word, when it gives
 * the page back to its segment; it stays until the page is lent again. A
 * page is given back only when used is 0, so every block is free: a remote
 * free that finds RETIRED is a double free, and is refused without a push.
 */
#define XALLOC_TF_FULL		BIT(0)
#define XALLOC_TF_QUEUED	BIT(1)
#define XALLOC_TF_RETIRED	BIT(2)
#define XALLOC_TF_FLAGS		(XALLOC_TF_FULL | XALLOC_TF_QUEUED | \
				 XALLOC_TF_RETIRED)
#define XALLOC_TF_HEAD_SHIFT	3
#define XALLOC_TF_HEAD_MASK	GENMASK(22, XALLOC_TF_HEAD_SHIFT)
#define XALLOC_TF_COUNT_SHIFT	23
#define XALLOC_TF_ONE		BIT(XALLOC_TF_COUNT_SHIFT)
/* Blocks are at least 8 bytes: a page holds at most 2^(SEGMENT_SHIFT - 3). */
static_assert(BIT(XALLOC_SEGMENT_SHIFT - 3) + 1 <=
	      XALLOC_TF_HEAD_MASK >> XALLOC_TF_HEAD_SHIFT);

struct xalloc_cache;
struct xalloc_heap;

/**
 * struct xalloc_page - descriptor of a page, kept in its segment's header
 * @free: blocks ready to allocate
 * @local_free: blocks freed by the owner, moved to @free by collection
 * @used: blocks allocated, including those on @thread_free
 * @capacity: blocks carved so far
 * @nr_local_free: blocks on @local_free
 * @block_size: size of each block
 * @flags: XALLOC_PAGE_*
 * @cpu: owner CPU
 * @start: first block
 * @cache: owning cache; changes only under the segment pool's lock
 * @block_recip: divides by @block_size with a multiply, see
 *               xalloc_page_holds_block()
 * @thread_free: blocks freed by other CPUs, and XALLOC_TF_* flags
 * @unfull: link in the owner heap's unfull list
 * @heap: owner heap
 * @link: link in the owner heap's page list or full list
 * @reserved: blocks that fit in the page
 * @index: position in the segment
 * @retired: RCU grace-period cookie taken when the page was given back
 * @last_key: freelist key of the cache whose blocks fill the page, 0 for
 *            a page never lent: another cache's blocks are zeroed as
 *            they are carved, and a page goes back to the same cache
 *            without waiting for a grace period
 *
 * Owners: while the page is lent, the owner CPU writes the first cache
 * line under its heap lock, and remote frees write only @thread_free,
 * by compare-and-swap; the pool lock covers lending and giving back
 * (@flags IN_USE, @cache, @retired). |free| is capacity - used -
 * @nr_local_free, so counting a page walks no list.
 *
 * The first cache line is the owner's; the second is written by remote
 * frees, so that they do not bounce the owner's fast-path line.
 */
struct xalloc_page {
	void *free;
	void *local_free;
	unsigned int used;
	unsigned int capacity;
	unsigned int nr_local_free;
	unsigned int block_size;
	unsigned short flags;
	int cpu;
	void *start;
	struct xalloc_cache *cache;
	u64 block_recip;

	atomic_long_t thread_free ____cacheline_aligned_in_smp;
	struct llist_node unfull;
	struct xalloc_heap *heap;
	struct list_head link;
	unsigned int reserved;
	unsigned int index;
	unsigned long retired;
	unsigned long last_key;
} ____cacheline_aligned_in_smp;

struct xalloc_pool;

/**
 * struct xalloc_segment - header at the start of every segment
 * @cookie: a secret random word xor the segment address, checked by
 *          every lookup: a header that does not carry it is not used
 * @pool: the pool of its node and page kind
 * @link: link in one of the pool's lists
 * @page_shift: log2 of the page size
 * @nr_pages: pages in the segment
 * @used_pages: pages owned by caches
 * @node: NUMA node of its memory
 * @pages: page descriptors
 */
struct xalloc_segment {
	unsigned long cookie;
	struct xalloc_pool *pool;
	struct list_head link;
	unsigned int page_shift;
	unsigned int nr_pages;
	unsigned int used_pages;
	int node;
	struct xalloc_page pages[] ____cacheline_aligned_in_smp;
};

/**
 * struct xalloc_heap - the pages of one cache owned by one CPU
 * @lock: protects everything here but @unfull and the remote-free counter
 * @current_page: the page allocations pop from
 * @pages: pages that may have free blocks, @current_page among them
 * @full: pages that had no free block when last looked at
 * @nr_pages: pages on @pages and @full
 * @allocs: successful allocations on this CPU
 * @alloc_fails: failed allocations on this CPU
 * @local_frees: frees by this CPU into its own pages
 * @remote_frees: frees by this CPU into pages of other CPUs
 * @unfull: full pages that a remote free made usable again
 */
struct xalloc_heap {
	local_lock_t lock;
	struct xalloc_page *current_page;
	struct list_head pages;
	struct list_head full;
	unsigned long nr_pages;
	u64 allocs;
	u64 alloc_fails;
	u64 local_frees;
	u64 remote_frees;

	struct llist_head unfull ____cacheline_aligned_in_smp;
};

/**
 * struct xalloc_cache - a cache of objects of one size
 * @heaps: one heap per CPU
 * @object_size: size asked for
 * @block_size: size of each block
 * @align: alignment of each block
 * @free_offset: where a free block keeps its next pointer
 * @freelist_key: random; free pointers are stored xor it, see
 *                xalloc_block_key()
 * @block_recip: ceil(2^XALLOC_RECIP_SHIFT / @block_size)
 * @kind: page kind of its pages
 * @flags: XALLOC_* creation flags
 * @ctor: constructor, run once per block when it is carved
 * @name: unique name, also its debugfs directory
 * @list: link in the list of caches
 * @debugfs: its debugfs directory
 * @abandoned_lock: protects @abandoned and @nr_abandoned
 * @abandoned: pages of CPUs that went offline, waiting for an owner
 * @nr_abandoned: pages on @abandoned
 * @hotplug_link: link in the list of caches CPU hotplug visits
 * @visit_lock: serialises visits of every heap (stats, collect, validate,
 *              shrink, teardown), so that one visit adopting abandoned
 *              pages cannot hide them from another. Taken before the CPU
 *              hotplug lock.
 * @invalid_frees: frees refused, see struct xalloc_cache_stats
 * @corruptions: damage found, see struct xalloc_cache_stats
 */
struct xalloc_cache {
	struct xalloc_heap __percpu *heaps;
	unsigned int object_size;
	unsigned int block_size;
	unsigned int align;
	unsigned int free_offset;
	unsigned long freelist_key;
	u64 block_recip;
	enum xalloc_page_kind kind;
	unsigned long flags;
	void (*ctor)(void *obj);
	const char *name;
	struct list_head list;
	struct dentry *debugfs;
	spinlock_t abandoned_lock;	/* irq-safe: taken by the slow path */
	struct list_head abandoned;
	unsigned long nr_abandoned;
	struct list_head hotplug_link;
	struct mutex visit_lock;	/* see above; before the hotplug lock */
	atomic_long_t invalid_frees;
	atomic_long_t corruptions;
};

/* segment.c */
extern unsigned int xalloc_reserve_segments;

int xalloc_segments_init(void);
void xalloc_segments_exit(void);
struct xalloc_page *xalloc_segment_take_page(struct xalloc_cache *cache,
					     int node);
struct xalloc_page *xalloc_segment_grow(struct xalloc_cache *cache,
					int node, gfp_t gfp);
void xalloc_segment_release_page(struct xalloc_page *page);
void xalloc_segment_leak_page(struct xalloc_page *page);
void xalloc_segment_request_refill(void);
void xalloc_segment_rebalance(void);
void xalloc_segment_trim(void);
unsigned long xalloc_segment_count_of(struct xalloc_cache *cache);
void *xalloc_page_base(struct xalloc_page *page);
unsigned long xalloc_page_bytes(struct xalloc_page *page);

static inline struct xalloc_segment *xalloc_segment_of(const void *ptr)
{
	return (struct xalloc_segment *)((unsigned long)ptr &
					 ~XALLOC_SEGMENT_MASK);
}

extern unsigned long xalloc_segment_secret;

static inline unsigned long xalloc_segment_cookie(struct xalloc_segment *seg)
{
	return xalloc_segment_secret ^ (unsigned long)seg;
}

/*
 * The segment registry: one bit per segment-sized slot of the vmalloc
 * range, set while a segment is mapped there, in chunks of a page of bits
 * allocated as segments first land in them. A pointer is looked up here
 * before anything at its address is read, so that a stray pointer into
 * other vmalloc or ioremap memory is never dereferenced (an uncached read
 * of a device register can have side effects). Bits are set after the
 * segment header is written and cleared before the segment is unmapped,
 * with a grace period in between: lookups run in a free section (see
 * xalloc_os_free_begin()).
 */
#define XALLOC_REGISTRY_CHUNK_BITS	(PAGE_SIZE * BITS_PER_BYTE)

extern unsigned long **xalloc_registry;
extern unsigned long xalloc_registry_slots;

static __always_inline bool xalloc_segment_is_mapped(const void *segment)
{
	unsigned long slot = ((unsigned long)segment - VMALLOC_START) >>
			     XALLOC_SEGMENT_SHIFT;
	unsigned long *chunk;

	/* Below VMALLOC_START, the subtraction wraps past the last slot. */
	if (slot >= xalloc_registry_slots)
		return false;
	chunk = READ_ONCE(xalloc_registry[slot / XALLOC_REGISTRY_CHUNK_BITS]);
	return chunk && test_bit_acquire(slot % XALLOC_REGISTRY_CHUNK_BITS,
					 chunk);
}

/* The page of @block, a block known to be in a lent page: no checks. */
static __always_inline struct xalloc_page *
xalloc_page_of_block(const void *block)
{
	struct xalloc_segment *segment = xalloc_segment_of(block);
	unsigned long offset = (unsigned long)block & XALLOC_SEGMENT_MASK;

	return &segment->pages[offset >> segment->page_shift];
}

/**
 * xalloc_page_lookup() - find the page descriptor of a block
 * @obj: a pointer that may or may not come from xalloc
 *
 * Reads nothing at @obj's address unless the registry says a segment is
 * mapped there. Call it in a free section, so the segment stays mapped
 * while the descriptor is used. Inline, as xalloc_page_holds_block():
 * every free runs both.
 *
 * Return: the descriptor of the page @obj falls in, or NULL when @obj is
 * not inside an xalloc segment.
 */
static __always_inline struct xalloc_page *
xalloc_page_lookup(const void *obj)
{
	struct xalloc_segment *segment = xalloc_segment_of(obj);

	if (!xalloc_segment_is_mapped(segment) ||
	    unlikely(segment->cookie != xalloc_segment_cookie(segment)))
		return NULL;
	return xalloc_page_of_block(obj);
}

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
 * never mistaken for a double free (see xalloc_block_looks_free()).
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
 * xalloc_block_looks_free() - is @block on one of @page's free lists?
 * @cache: the cache of @page
 * @page: the page of @block, in use
 * @block: a carved block of @page
 *
 * A free block's pointer decodes to the end of a list or to a block of its
 * page; an allocated block's was cleared at allocation, and whatever its
 * user wrote over it decodes to that only by a chance of about one in
 * 2^48, since the key is secret. So a true answer means a double free
 * (or a stray write that forged a free pointer, equally worth refusing).
 *
 * Return: true if @block looks free.
 */
static inline bool xalloc_block_looks_free(const struct xalloc_cache *cache,
					   struct xalloc_page *page,
					   void *block)
{
	void *next = xalloc_block_next(cache, page, block);

	return !next || xalloc_page_holds_block(page, next);
}

void *xalloc_page_free_list_broken(struct xalloc_page *page, void *block,
				   void *next);

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

/* heap.c; the fast paths are inline, below */
void xalloc_heap_init(struct xalloc_heap *heap);
void *xalloc_heap_alloc_slow(struct xalloc_cache *cache, gfp_t gfp,
			     unsigned long flags);
void xalloc_heap_free_settle(struct xalloc_heap *heap,
			     struct xalloc_page *page);
void xalloc_heap_abandon_prepare(struct xalloc_cache *cache, int cpu);
void xalloc_heap_abandon(struct xalloc_cache *cache, int cpu);
void xalloc_heaps_collect(struct xalloc_cache *cache);
unsigned long xalloc_heaps_validate(struct xalloc_cache *cache);
unsigned long xalloc_heaps_shrink(struct xalloc_cache *cache);
unsigned long xalloc_heaps_teardown(struct xalloc_cache *cache);
void xalloc_heaps_stats(struct xalloc_cache *cache,
			struct xalloc_cache_stats *stats);
unsigned int xalloc_heaps_page_info(struct xalloc_cache *cache,
				    struct xalloc_page_info *info,
				    unsigned int max);

/**
 * xalloc_heap_alloc() - allocate a block on the calling CPU
 * @cache: the cache
 * @gfp: allocation flags; only ones that allow blocking may map a segment
 *
 * The fast path: pop the current page's free list, no atomic operation.
 * When it runs dry, the owner's own frees on local_free are taken first,
 * still inline: a CPU that allocates and frees in turn never needs the
 * slow path.
 *
 * Return: an uninitialised block, or NULL.
 */
static __always_inline void *xalloc_heap_alloc(struct xalloc_cache *cache,
					       gfp_t gfp)
{
	struct xalloc_heap *heap;
	struct xalloc_page *page;
	unsigned long flags;
	void *block;

	xalloc_heap_lock(cache, flags);
	heap = xalloc_this_heap(cache);
	page = heap->current_page;
	if (likely(page) && unlikely(!page->free)) {
		page->free = page->local_free;
		page->local_free = NULL;
		page->nr_local_free = 0;
	}
	if (likely(page && page->free)) {
		block = xalloc_page_pop(cache, page);
		heap->allocs++;
	} else {
		block = xalloc_heap_alloc_slow(cache, gfp, flags);
	}
	xalloc_heap_unlock(cache, flags);
	return block;
}

void xalloc_report_invalid_free(struct xalloc_cache *cache,
				struct xalloc_page *page, const void *obj,
				const char *why);

/**
 * xalloc_heap_free_remote() - free a block from a CPU that does not own it
 * @cache: the block's cache
 * @page: the block's page
 * @block: the block
 *
 * One compare-and-swap pushes the block on thread_free; if the page was
 * on its owner's full list, the same swap flags it queued, and the page
 * goes on the owner heap's unfull list. A page being given back refuses
 * the push (see XALLOC_TF_RETIRED). Inline, as the local free; called in
 * a free section, so the page is not lent again meanwhile (see
 * xalloc_segment_take_page()).
 */
static __always_inline void xalloc_heap_free_remote(struct xalloc_cache *cache,
						    struct xalloc_page *page,
						    void *block)
{
	unsigned long head = (xalloc_block_index(page, block) + 1) <<
			     XALLOC_TF_HEAD_SHIFT;
	unsigned long old, new;

	old = xalloc_atomic_read(&page->thread_free);
	do {
		if (unlikely(old & XALLOC_TF_RETIRED)) {
			xalloc_report_invalid_free(cache, page, block,
						   "double free");
			return;
		}
		xalloc_block_set_next(cache, page, block,
				      xalloc_tf_head(page, old));
		new = ((old & ~XALLOC_TF_HEAD_MASK) + XALLOC_TF_ONE) | head;
		if (old & XALLOC_TF_FULL)
			new = (new & ~XALLOC_TF_FULL) | XALLOC_TF_QUEUED;
	} while (!xalloc_atomic_cas(&page->thread_free, &old, new));
	if (unlikely(old & XALLOC_TF_FULL))
		xalloc_page_queue_unfull(page);
	xalloc_count_remote_free(cache);
}

/**
 * xalloc_heap_free() - free a block, from any CPU
 * @cache: the block's cache
 * @page: the block's page
 * @block: the block
 *
 * On the owner CPU: push to local_free and decrement used at once. From
 * any other CPU: push to thread_free and leave used to the owner. The
 * page is still this CPU's page of @cache only if an interrupt has not
 * given it back since the caller looked it up (then the remote path
 * refuses the free, a double free). Both checks read the owner's cache
 * line, which the local path writes anyway.
 */
static __always_inline void xalloc_heap_free(struct xalloc_cache *cache,
					     struct xalloc_page *page,
					     void *block)
{
	struct xalloc_heap *heap;
	unsigned long flags;

	if (READ_ONCE(page->cpu) == xalloc_this_cpu_hint()) {
		xalloc_heap_lock(cache, flags);
		if (likely(page->cpu == xalloc_this_cpu() &&
			   page->cache == cache)) {
			heap = xalloc_this_heap(cache);
			xalloc_block_set_next(cache, page, block,
					      page->local_free);
			page->local_free = block;
			page->nr_local_free++;
			page->used--;
			heap->local_frees++;
			if (unlikely(page->flags & XALLOC_PAGE_IN_FULL ||
				     !page->used))
				xalloc_heap_free_settle(heap, page);
			xalloc_heap_unlock(cache, flags);
			return;
		}
		xalloc_heap_unlock(cache, flags);
	}
	xalloc_heap_free_remote(cache, page, block);
}

/* cache.c */
extern bool xalloc_debug_all;

/*
 * As SLUB: no zeroing when a constructor gives objects their state, or
 * when debug poison fills free objects (the poison is what debugging
 * wants to see).
 */
static __always_inline bool
xalloc_cache_keeps_free_contents(const struct xalloc_cache *cache)
{
	return cache->ctor || (cache->flags & XALLOC_DEBUG);
}

int xalloc_caches_init(void);
void xalloc_caches_exit(void);
void xalloc_caches_collect_all(void);
int xalloc_visit_caches(void *arg,
			int (*fn)(struct xalloc_cache *cache, void *arg));

/* debug.c: the checks of XALLOC_DEBUG caches */
void xalloc_debug_init_block(struct xalloc_cache *cache, void *block);
bool xalloc_debug_check_free(struct xalloc_cache *cache,
			     struct xalloc_page *page, void *block);
void xalloc_debug_alloc(struct xalloc_cache *cache, void *block);
bool xalloc_debug_free(struct xalloc_cache *cache, struct xalloc_page *page,
		       void *block);

/* debugfs.c */
int xalloc_debugfs_init(void);
void xalloc_debugfs_exit(void);
void xalloc_debugfs_add_cache(struct xalloc_cache *cache);
void xalloc_debugfs_remove_cache(struct xalloc_cache *cache);

#endif /* _XALLOC_INTERNAL_H */
