/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xalloc: a slab-style object allocator with sharded free lists.
 *
 * The API follows kmem_cache: create a cache for one object size, allocate
 * and free objects from any context but NMI, destroy the cache when every
 * object is back. See Documentation/xalloc.rst.
 */
#ifndef _XALLOC_H
#define _XALLOC_H

#include <linux/gfp.h>
#include <linux/types.h>

struct rcu_head;

/* Align blocks to the cache line, as SLAB_HWCACHE_ALIGN does. */
#define XALLOC_HWCACHE_ALIGN	0x00000001UL
/*
 * Check every object, as slub_debug=FZP would: a red zone after each object
 * catches overruns and double frees, and free objects are poisoned (unless
 * the cache has a constructor) so that writes after free are found at the
 * next allocation. The module parameter "debug" sets it on every cache.
 */
#define XALLOC_DEBUG		0x00000002UL
/*
 * As SLAB_TYPESAFE_BY_RCU: a freed object may be handed out again at once,
 * but only as an object of the same cache, until a grace period has
 * passed. A reader under rcu_read_lock() that found an object may read it
 * after its free: it is still memory of this cache, holding an object of
 * this type, free or reallocated (the reader must recheck its identity,
 * typically under a lock of the object). Pages do not leave the cache,
 * nor are they carved again (re-running the constructor), and segments
 * are not unmapped, before a grace period. The free pointer lives after
 * the object, which init_on_alloc, init_on_free and debug poison leave
 * alone, as in SLUB.
 */
#define XALLOC_TYPESAFE_BY_RCU	0x00000004UL

/*
 * As SLAB_STORE_USER: keep, for each object, who allocated it and who
 * freed it last: the first caller outside xalloc, the CPU, the task, the
 * time, and the whole stack on kernels with CONFIG_STACKDEPOT. Every
 * report about an object prints them, destroy lists the first leaked
 * objects with their allocation sites, and xalloc_obj_info() returns
 * them. Costs 64 bytes per object and a stack walk per allocation and
 * free.
 */
#define XALLOC_STORE_USER	0x00000008UL

/*
 * Objects in the direct map, as slab objects are: the cache's segments are
 * naturally aligned blocks of 512 KiB from the page allocator (order 7 on
 * 4 KiB pages) rather than vmalloc space, so virt_to_page(), page_to_nid(),
 * virt_to_phys() and a list_lru (inodes, dentries, shrinker-managed caches)
 * work on its objects. Objects are at most XALLOC_DIRECT_MAP_MAX_SIZE.
 * Where no such block can be had (fragmented memory, after the page
 * allocator's compaction), an allocation that needs a new segment fails
 * (NULL, counted in alloc_fails): a segment must be aligned to its size to
 * be found from an object's address, so there is no smaller order to fall
 * back to, and vmalloc memory would break the promise above.
 */
#define XALLOC_DIRECT_MAP	0x00000010UL

/* Largest object size an XALLOC_DIRECT_MAP cache can hold. */
#define XALLOC_DIRECT_MAP_MAX_SIZE	32768	/* 32 KiB */

/* Every flag xalloc_cache_create() knows; other bits are rejected. */
#define XALLOC_CACHE_FLAGS	(XALLOC_HWCACHE_ALIGN | XALLOC_DEBUG | \
				 XALLOC_TYPESAFE_BY_RCU | XALLOC_STORE_USER | \
				 XALLOC_DIRECT_MAP)

/* Longest cache name, without the terminating NUL. */
#define XALLOC_NAME_MAX		31

/* Largest object size a cache can hold. */
#define XALLOC_MAX_OBJECT_SIZE	262144	/* 256 KiB */
/* Largest object xalloc_kmalloc() gives, in a segment of its own. */
#define XALLOC_KMALLOC_MAX_SIZE	(64UL << 20)	/* 64 MiB */

struct xalloc_cache;

/**
 * struct xalloc_cache_stats - a snapshot of a cache's counters
 * @object_size: bytes the caller asked for per object
 * @block_size: bytes each object occupies, with alignment and free pointer
 * @segments: distinct segments that hold pages of this cache
 * @pages: pages owned by this cache
 * @reserved: blocks that fit in those pages
 * @capacity: blocks carved so far (the rest of @reserved is untouched)
 * @used: blocks allocated, including those freed remotely but not collected
 * @thread_free: blocks freed by another CPU, waiting for their owner
 * @local_free: blocks freed by their owner CPU, not yet reusable
 * @free: blocks ready to be allocated
 * @allocs: successful allocations
 * @frees: frees, local and remote
 * @remote_frees: frees made on a CPU other than the page's owner
 * @alloc_fails: allocations that returned NULL
 * @invalid_frees: frees refused: double frees, pointers that are not the
 *                 start of an object of this cache
 * @corruptions: damage found in free lists, red zones or poison
 * @flags: the cache's XALLOC_* flags
 *
 * At quiescence @used + @free + @local_free == @capacity, and @used is the
 * number of live objects plus @thread_free.
 */
struct xalloc_cache_stats {
	unsigned int object_size;
	unsigned int block_size;
	unsigned long segments;
	unsigned long pages;
	unsigned long reserved;
	unsigned long capacity;
	unsigned long used;
	unsigned long thread_free;
	unsigned long local_free;
	unsigned long free;
	u64 allocs;
	u64 frees;
	u64 remote_frees;
	u64 alloc_fails;
	u64 invalid_frees;
	u64 corruptions;
	unsigned long flags;
};

/**
 * struct xalloc_segment_stats - segments held by xalloc, all caches together
 * @segments: segments mapped
 * @empty: segments with no page in use
 * @bytes: bytes of virtual memory those segments span
 * @held: bytes of memory xalloc holds for them: the pages that back them,
 *        the arrays of those pages, the page tables that map them, their
 *        vmalloc descriptors and the segment registry
 * @ready: bytes of pages ready to lend: free pages of partly used
 *         segments, and empty segments
 * @maps: segments mapped since the module was loaded
 * @inline_maps: of those, segments an allocation had to map itself, the
 *               background refill having fallen behind
 * @huge: huge objects (kmalloc sizes above XALLOC_MAX_OBJECT_SIZE), each
 *        in a segment of its own, counted in @segments, @bytes and @held
 */
struct xalloc_segment_stats {
	unsigned long segments;
	unsigned long empty;
	unsigned long bytes;
	unsigned long held;
	unsigned long ready;
	unsigned long maps;
	unsigned long inline_maps;
	unsigned long huge;
};

/**
 * struct xalloc_track_info - who allocated or freed an object
 * @addr: the first caller outside xalloc; 0 if nothing was recorded
 * @stack: stack depot handle of the stack (see stack_depot_fetch()), 0
 *         without CONFIG_STACKDEPOT or when the depot was out of memory
 * @cpu: the CPU it ran on
 * @pid: the task it ran in (0 in interrupt context)
 * @when: jiffies
 */
struct xalloc_track_info {
	unsigned long addr;
	u32 stack;
	int cpu;
	int pid;
	unsigned long when;
};

/**
 * struct xalloc_obj_info - what xalloc knows of an object
 * @cache: the name of its cache
 * @object: its start
 * @object_size: the object size of its cache
 * @allocated: it is allocated (not free, nor held free by a CPU)
 * @alloc: its last allocation, in an XALLOC_STORE_USER cache
 * @free: its last free, in an XALLOC_STORE_USER cache
 */
struct xalloc_obj_info {
	char cache[XALLOC_NAME_MAX + 1];
	void *object;
	unsigned int object_size;
	bool allocated;
	struct xalloc_track_info alloc;
	struct xalloc_track_info free;
};

struct xalloc_cache *xalloc_cache_create(const char *name, unsigned int size,
					 unsigned int align,
					 unsigned long flags,
					 void (*ctor)(void *));
void xalloc_cache_destroy(struct xalloc_cache *cache);
void *xalloc_cache_alloc(struct xalloc_cache *cache, gfp_t gfp);
void *xalloc_cache_zalloc(struct xalloc_cache *cache, gfp_t gfp);
void *xalloc_cache_alloc_node(struct xalloc_cache *cache, gfp_t gfp,
			      int node);
void xalloc_cache_free(struct xalloc_cache *cache, void *obj);
void xalloc_free(void *obj);
void __xalloc_free_rcu(void *obj, struct rcu_head *head);

/**
 * xalloc_free_rcu() - free an xalloc object after a grace period
 * @ptr: the object, of any xalloc cache, or NULL (then nothing happens)
 * @rhf: the name of a struct rcu_head member of *@ptr
 *
 * As kfree_rcu(): the object is freed once every RCU reader that may
 * have found it has left its read-side section, without the caller
 * writing a callback. As with kfree_rcu(), frees are gathered per CPU into
 * arrays that wait for one grace period together, so the object may be
 * freed up to a second after its grace period; xalloc_rcu_barrier() waits
 * for it. The rcu_head may be anywhere in the object: it marks the object
 * queued, and is queued itself only when no array is ready.
 * xalloc_cache_destroy() waits for the pending frees. Never pass an xalloc
 * object to kfree_rcu(): it would kfree() it.
 *
 * Context: any context but NMI.
 */
#define xalloc_free_rcu(ptr, rhf)					\
	do {								\
		typeof(ptr) ___p = (ptr);				\
									\
		if (___p)						\
			__xalloc_free_rcu(___p, &(*___p).rhf);		\
	} while (0)

/**
 * struct xalloc_rcu_stats - frees queued by xalloc_free_rcu(), all caches
 * @pending: queued and not yet done
 * @queued: queued since the module was loaded
 * @batches: arrays of frees handed to RCU, each with one call_rcu()
 * @unbatched: frees handed to RCU one by one, no array being ready
 */
struct xalloc_rcu_stats {
	unsigned long pending;
	unsigned long queued;
	unsigned long batches;
	unsigned long unbatched;
};

void xalloc_rcu_barrier(void);
void xalloc_rcu_get_stats(struct xalloc_rcu_stats *stats);

int xalloc_cache_alloc_bulk(struct xalloc_cache *cache, gfp_t gfp, size_t nr,
			    void **p);
void xalloc_cache_free_bulk(struct xalloc_cache *cache, size_t nr, void **p);

unsigned int xalloc_cache_size(struct xalloc_cache *cache);
size_t xalloc_ksize(const void *obj);
void *xalloc_kmalloc(size_t size, gfp_t gfp);
void *xalloc_kmalloc_node(size_t size, gfp_t gfp, int node);
void *xalloc_kzalloc(size_t size, gfp_t gfp);
void *xalloc_krealloc(const void *p, size_t new_size, gfp_t gfp);
void xalloc_cache_collect(struct xalloc_cache *cache);
unsigned long xalloc_cache_validate(struct xalloc_cache *cache);
unsigned long xalloc_cache_shrink(struct xalloc_cache *cache);
bool xalloc_obj_info(const void *ptr, struct xalloc_obj_info *info);
void xalloc_dump_obj(const void *ptr);
void xalloc_cache_get_stats(struct xalloc_cache *cache,
			    struct xalloc_cache_stats *stats);
void xalloc_segment_get_stats(struct xalloc_segment_stats *stats);
void xalloc_segment_get_node_stats(int node,
				   struct xalloc_segment_stats *stats);

#endif /* _XALLOC_H */
