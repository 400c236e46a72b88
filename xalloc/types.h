/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc's types: segments, pages, per-CPU heaps and caches, with their
 * invariants and the owner of every field.
 *
 * Memory comes in three levels, as in mimalloc:
 *
 *  - a segment is vmalloc space aligned to its size: 512 KiB for small and
 *    medium pages, 4 MiB for large ones. Its header holds the descriptors
 *    of the pages inside it, so the page of a block of a known cache is
 *    found with one mask and one shift, and that of any pointer with the
 *    segment registry (see xalloc_segment_lookup());
 *  - a page is a run of a segment whose blocks all belong to one cache and
 *    one CPU;
 *  - a block is one object; a free block holds the next pointer of its free
 *    list.
 *
 * Lock order, outermost first:
 *
 *   caches_lock (cache.c: the list of caches)
 *     cache->visit_lock (one visit of every heap at a time)
 *       the CPU hotplug lock (read side)
 *         hotplug_caches_lock (cache.c)
 *         the heap lock (per CPU, interrupts off; see struct xalloc_heap)
 *           cache->abandoned_lock
 *           the segment pool's lock (segment.c)
 *   a CPU's xalloc_free_rcu() arrays lock (rcu.c; a leaf, interrupts off)
 *
 * The fast paths take no lock but on PREEMPT_RT: they claim their CPU's
 * object array (see struct xalloc_heap). A remote free takes no lock: one
 * compare-and-swap on the page's thread_free word.
 */
#ifndef _XALLOC_TYPES_H
#define _XALLOC_TYPES_H

#include "os.h"

/*
 * The design needs 64-bit words: the thread_free word packs a block index
 * and a count, and segments rely on naturally aligned vmalloc areas of
 * their size, which 32-bit kernels do not give.
 */
#ifndef CONFIG_64BIT
#error "xalloc needs a 64-bit kernel"
#endif

/*
 * Segments come in two sizes, so that a small cache's first segment costs
 * 512 KiB and not 4 MiB: small and medium pages share 512 KiB segments
 * (an empty one can be formatted for either kind, so one reserve serves
 * both), and large pages take 4 MiB segments of their own.
 */
#define XALLOC_SEGMENT_MIN_SHIFT	19
#define XALLOC_SEGMENT_MAX_SHIFT	22
#define XALLOC_SEGMENT_MIN_SIZE		BIT(XALLOC_SEGMENT_MIN_SHIFT)
#define XALLOC_SEGMENT_MAX_SIZE		BIT(XALLOC_SEGMENT_MAX_SHIFT)

/*
 * Page kinds, by the size of their pages. A cache uses the smallest kind
 * whose pages are at least XALLOC_MIN_BLOCKS_PER_PAGE of its blocks. All
 * pages of a segment are of one kind, its format.
 */
enum xalloc_page_kind {
	XALLOC_PAGE_SMALL,	/* 64 KiB pages, eight per 512 KiB segment */
	XALLOC_PAGE_MEDIUM,	/* one 512 KiB page per 512 KiB segment */
	XALLOC_PAGE_LARGE,	/* one 4 MiB page per 4 MiB segment */
	XALLOC_PAGE_KINDS,
};

#define XALLOC_MIN_BLOCKS_PER_PAGE	8

/*
 * Block indexes are computed as (offset * recip) >> XALLOC_RECIP_SHIFT with
 * recip = ceil(2^XALLOC_RECIP_SHIFT / block_size). The result is exact
 * when offset * block_size < 2^XALLOC_RECIP_SHIFT: offsets are below the
 * largest segment size, and a block is at most XALLOC_MAX_OBJECT_SIZE plus
 * a red zone, a free pointer and the tracks of XALLOC_STORE_USER, aligned
 * to at most PAGE_SIZE: below 2^19.
 * The product offset * recip stays below
 * 2^(SEGMENT_MAX_SHIFT + RECIP_SHIFT - 3).
 */
#define XALLOC_RECIP_SHIFT	41
#define XALLOC_TRACKS_SIZE	64
#define XALLOC_MAX_BLOCK_SIZE \
	ALIGN(XALLOC_MAX_OBJECT_SIZE + 2 * sizeof(void *) + \
	      XALLOC_TRACKS_SIZE, PAGE_SIZE)
static_assert(XALLOC_MAX_BLOCK_SIZE <= (1 << 19));
/* The blocks of an XALLOC_DIRECT_MAP cache fit a 512 KiB segment's pages. */
static_assert(ALIGN(XALLOC_DIRECT_MAP_MAX_SIZE + 2 * sizeof(void *) +
		    XALLOC_TRACKS_SIZE, PAGE_SIZE) * XALLOC_MIN_BLOCKS_PER_PAGE <=
	      XALLOC_SEGMENT_MIN_SIZE);
static_assert(XALLOC_SEGMENT_MAX_SHIFT + 19 <= XALLOC_RECIP_SHIFT);
static_assert(XALLOC_SEGMENT_MAX_SHIFT + XALLOC_RECIP_SHIFT - 3 < 64);

static inline unsigned int xalloc_kind_page_shift(enum xalloc_page_kind kind)
{
	static const unsigned char shift[XALLOC_PAGE_KINDS] = {
		16, XALLOC_SEGMENT_MIN_SHIFT, XALLOC_SEGMENT_MAX_SHIFT,
	};

	return shift[kind];
}

static inline unsigned int
xalloc_kind_segment_shift(enum xalloc_page_kind kind)
{
	return kind == XALLOC_PAGE_LARGE ? XALLOC_SEGMENT_MAX_SHIFT :
					   XALLOC_SEGMENT_MIN_SHIFT;
}

/*
 * Huge objects, too large for a page kind (kmalloc sizes above
 * XALLOC_MAX_OBJECT_SIZE), take a segment each: a page of header, then
 * the object, page-aligned, as kmalloc_large() gives. The segment's one
 * page descriptor covers it all (its page_shift is beyond any offset) and
 * names the huge pseudo-cache, which only huge.c allocates from.
 */
#define XALLOC_HUGE_PAGE_SHIFT	40
/* The flag of the huge pseudo-cache: never a flag of a created cache. */
#define XALLOC_CACHE_HUGE	0x80000000UL
static_assert(!(XALLOC_CACHE_HUGE & XALLOC_CACHE_FLAGS));

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
/* Blocks are at least 8 bytes: a page holds at most 2^(SEGMENT_MAX_SHIFT - 3). */
static_assert(BIT(XALLOC_SEGMENT_MAX_SHIFT - 3) + 1 <=
	      XALLOC_TF_HEAD_MASK >> XALLOC_TF_HEAD_SHIFT);

struct xalloc_cache;
struct xalloc_heap;

/**
 * struct xalloc_page - descriptor of a page, kept in its segment's header
 * @free: blocks ready to allocate
 * @local_free: blocks freed by the owner, moved to @free by collection
 * @used: blocks allocated, including those on @thread_free
 * @capacity: blocks carved so far; a free on another CPU reads it without
 *             the heap lock, so it is written with WRITE_ONCE()
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

/*
 * Who allocated or freed a block, in XALLOC_STORE_USER caches: two of
 * these (allocation, then free) follow the object and what else the
 * block keeps (see cache_layout()). Written by whoever allocates or frees
 * the block, as it does; read by reports and xalloc_obj_info().
 */
struct xalloc_track {
	unsigned long addr;
	unsigned long when;
	u32 stack;
	int cpu;
	int pid;
};

enum xalloc_track_kind {
	XALLOC_TRACK_ALLOC,
	XALLOC_TRACK_FREE,
	XALLOC_TRACKS,
};

static_assert(XALLOC_TRACKS * sizeof(struct xalloc_track) <=
	      XALLOC_TRACKS_SIZE);

struct xalloc_pool;

/**
 * struct xalloc_segment - header at the start of every segment
 * @cookie: a secret random word xor the segment address, checked by
 *          every lookup: a header that does not carry it is not used
 * @pool: the pool of its node and size; NULL for a huge segment
 * @link: link in one of the pool's lists; a huge segment has no pool
 * @shift: log2 of the segment size
 * @page_shift: log2 of the page size: the segment's format
 * @nr_pages: pages in the segment
 * @nr_slots: descriptors the header has room for, the most pages any
 *            format of its size has: the header, and where the first
 *            block starts, do not move when the format changes
 * @used_pages: pages owned by caches
 * @node: NUMA node of its memory
 * @retired: grace-period cookie taken when a page of it was last given
 *           back: the segment takes another format only once it passed
 * @empty_since: jiffies when its last page was given back
 * @lent: a page of it was lent since it was mapped
 * @rcu: a huge segment, freed: waits for the grace period
 * @unmap: a huge segment, after the grace period: waits to be unmapped
 * @pages: page descriptors
 *
 * Owners: everything but @cookie, @shift, @nr_slots and @node (set once,
 * before the segment enters the registry) is under the pool lock. A free
 * reads @page_shift without it: the format changes only a grace period
 * after the last page went back, so a free that started before then is
 * over; one that starts later (a double free, a stale pointer) may pick a
 * descriptor with the old page size, but every descriptor stays in the
 * header and every one is free, naming no cache, so the free is refused.
 */
struct xalloc_segment {
	unsigned long cookie;
	struct xalloc_pool *pool;
	union {
		struct list_head link;
		struct rcu_head rcu;
		struct llist_node unmap;
	};
	unsigned int shift;
	unsigned int page_shift;
	unsigned int nr_pages;
	unsigned int nr_slots;
	unsigned int used_pages;
	int node;
	unsigned long retired;
	unsigned long empty_since;
	bool lent;
	struct xalloc_page pages[] ____cacheline_aligned_in_smp;
};

/*
 * The most blocks a heap's object array holds; a cache holds fewer when its
 * blocks are large (see struct xalloc_cache), so that the array pins
 * little memory.
 */
#define XALLOC_CACHED_MAX	32

/**
 * struct xalloc_heap - the pages of one cache owned by one CPU
 * @busy: set while a fast path works on @cached (never on PREEMPT_RT)
 * @nr_cached: blocks in @cached
 * @cached: free blocks of this heap's pages, last freed first out
 * @lock: the heap lock; protects everything below but @unfull
 * @current_page: the page the slow path allocates from first
 * @pages: pages that may have free blocks, @current_page among them
 * @full: pages that had no free block when last looked at
 * @nr_pages: pages on @pages and @full
 * @allocs: successful allocations on this CPU
 * @alloc_fails: failed allocations on this CPU
 * @local_frees: frees by this CPU into its own pages
 * @remote_frees: frees by this CPU into pages of other CPUs
 * @unfull: full pages that a remote free made usable again
 *
 * The object array is the fast path. Its blocks are free, marked so (see
 * xalloc_block_mark_cached(): freeing one again is refused as a double
 * free, and one written to after its free is found, and kept out of use,
 * when it leaves the array), and counted in their pages' used: to a page,
 * a block in the array is still allocated. Every visit of the heap (stats,
 * collect, validate, shrink, teardown) and a CPU going offline first give
 * them back to their pages, so the counters read at quiescence are the
 * pages' invariants exactly.
 *
 * Reentrancy (not PREEMPT_RT). The fast paths run with preemption off and
 * interrupts on, so an interrupt may land in the middle of one and
 * allocate or free on the same heap. A fast path claims @cached by setting
 * @busy, and touches nothing else of the heap but its counters, which are
 * bumped with xalloc_os_this_cpu_add(), atomic with respect to this CPU.
 * An interrupt that finds @busy set leaves @cached alone and works on the
 * pages under the heap lock. Since an interrupt runs to its end before the
 * code it interrupted resumes, that code finds @cached as it left it, and
 * @busy needs no atomic operation. The heap lock disables interrupts, so
 * nothing interleaves with the page path. On PREEMPT_RT interrupts are
 * threads and another task may run on this CPU mid-path, so the claim is
 * the heap lock (a per-CPU sleeping lock) instead of @busy.
 *
 * Owners: @busy, @nr_cached and @cached are the CPU's: touched under @busy
 * or under the heap lock with @busy clear. @allocs, @alloc_fails,
 * @local_frees and @remote_frees are the CPU's, bumped only with
 * xalloc_os_this_cpu_add(). @unfull is a lock-free list that
 * remote frees push to and the owner drains. The rest is under the heap
 * lock.
 */
struct xalloc_heap {
	unsigned int busy;
	unsigned int nr_cached;
	void *cached[XALLOC_CACHED_MAX];

	struct xalloc_os_cpu_lock lock;
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
 * @track_offset: where a block keeps its struct xalloc_track pair, in an
 *                XALLOC_STORE_USER cache; 0 in others
 * @freelist_key: random; free pointers are stored xor it, see
 *                xalloc_block_key()
 * @block_recip: ceil(2^XALLOC_RECIP_SHIFT / @block_size)
 * @kind: page kind of its pages
 * @segment_mask: ~(size - 1) of the segments its pages are in: masks a
 *                block's address down to its segment
 * @page_shift: log2 of the size of its pages, the format of its segments
 * @cached_max: blocks a heap's object array holds, at most
 *              XALLOC_CACHED_MAX and about 64 KiB of blocks: 0 for blocks
 *              above 32 KiB, whose allocations go to the pages directly
 * @cached_batch: blocks moved between the array and the pages at once
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
	unsigned int track_offset;
	unsigned long freelist_key;
	u64 block_recip;
	enum xalloc_page_kind kind;
	unsigned long segment_mask;
	unsigned int page_shift;
	unsigned int cached_max;
	unsigned int cached_batch;
	unsigned long flags;
	void (*ctor)(void *obj);
	const char *name;
	struct list_head list;
	struct dentry *debugfs;
	struct xalloc_os_spinlock abandoned_lock;	/* irq-safe: taken by the slow path */
	struct list_head abandoned;
	unsigned long nr_abandoned;
	struct list_head hotplug_link;
	struct xalloc_os_mutex visit_lock;	/* see above; before the hotplug lock */
	atomic_long_t invalid_frees;
	atomic_long_t corruptions;
};

#endif /* _XALLOC_TYPES_H */
