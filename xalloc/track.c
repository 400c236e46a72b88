// SPDX-License-Identifier: GPL-2.0
/*
 * Who allocated and who freed each object, in XALLOC_STORE_USER caches,
 * as SLAB_STORE_USER: two struct xalloc_track after the rest of the block
 * (see cache_layout()), written at each allocation and free, printed with
 * every report about the object, and with the first leaked objects when
 * a cache is destroyed; xalloc_obj_info() and xalloc_dump_obj() give them
 * to callers.
 */
#include "internal.h"

static struct xalloc_track *block_track(struct xalloc_cache *cache,
					const void *block,
					enum xalloc_track_kind kind)
{
	return (struct xalloc_track *)(block + cache->track_offset) + kind;
}

/**
 * xalloc_track_record() - record who allocates or frees a block, and when
 * @cache: a cache with XALLOC_STORE_USER
 * @block: the block, being allocated or freed by the caller
 * @kind: which
 */
void xalloc_track_record(struct xalloc_cache *cache, void *block,
			 enum xalloc_track_kind kind)
{
	struct xalloc_track *track = block_track(cache, block, kind);
	unsigned long addr;

	/* Written here: os.c is KASAN-checked, and the track is poisoned. */
	track->stack = xalloc_os_save_stack(&addr);
	track->addr = addr;
	track->cpu = xalloc_os_cpu_hint();
	track->pid = xalloc_os_task_pid();
	track->when = xalloc_os_now();
}

/*
 * A copy of @track, which the object's next allocation or free may be
 * rewriting on another CPU: each field is one aligned word, old or new,
 * so the stack handle is always one the depot gave; fields of two events
 * may mix, which a report can live with.
 */
static void info_track(struct xalloc_track_info *info,
		       const struct xalloc_track *track)
{
	/* Racy by design, as said above. */
	struct xalloc_track copy = data_race(*track);

	info->addr = copy.addr;
	info->stack = copy.stack;
	info->cpu = copy.cpu;
	info->pid = copy.pid;
	info->when = copy.when;
}

static void track_print(const struct xalloc_track_info *track,
			const char *what)
{
	if (!track->addr)
		return;
	xalloc_err("  %s by " XALLOC_OS_CODE_FMT
		   " on CPU %d, pid %d, %lu jiffies ago\n",
		   what, (void *)track->addr, track->cpu, track->pid,
		   xalloc_os_now() - track->when);
	xalloc_os_print_stack(track->stack);
}

/**
 * xalloc_track_print() - print who allocated and freed a block
 * @cache: the cache of @block; nothing is printed unless it has
 *         XALLOC_STORE_USER
 * @block: a carved block
 */
void xalloc_track_print(struct xalloc_cache *cache, const void *block)
{
	struct xalloc_track_info info;

	if (!(cache->flags & XALLOC_STORE_USER))
		return;
	info_track(&info, block_track(cache, block, XALLOC_TRACK_ALLOC));
	track_print(&info, "allocated");
	info_track(&info, block_track(cache, block, XALLOC_TRACK_FREE));
	track_print(&info, "last freed");
}

/**
 * xalloc_track_report_leak() - list a block still allocated at destroy
 * @cache: the cache being destroyed
 * @block: a block of it that does not look free
 */
void xalloc_track_report_leak(struct xalloc_cache *cache, const void *block)
{
	xalloc_err("cache '%s': object %p still allocated\n", cache->name,
		   block);
	xalloc_track_print(cache, block);
}

/**
 * xalloc_obj_info() - what xalloc knows of the object holding a pointer
 * @ptr: a pointer to or into an object of any xalloc cache
 * @info: filled in when the answer is true
 *
 * As kmem_obj_info(): the cache, the object's start and state, and in an
 * XALLOC_STORE_USER cache who allocated and last freed it. Safe on any
 * pointer: one that is not inside a carved block of a live cache gets
 * false, and nothing at its address is read.
 *
 * Context: any context but NMI.
 *
 * Return: true if @ptr is inside an xalloc object.
 */
bool xalloc_obj_info(const void *ptr, struct xalloc_obj_info *info)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	void *block = NULL;

	memset(info, 0, sizeof(*info));
	xalloc_cpu_enter();
	page = xalloc_page_lookup_far(ptr);
	if (page)
		cache = READ_ONCE(page->cache);
	if (cache)
		block = xalloc_page_block_holding(page, ptr);
	if (block) {
		strscpy(info->cache, cache->name, sizeof(info->cache));
		info->object = block;
		info->object_size = cache->flags & XALLOC_CACHE_HUGE ?
				    page->block_size : cache->object_size;
		info->allocated = !xalloc_block_looks_free(cache, page, block);
		if (cache->flags & XALLOC_STORE_USER) {
			info_track(&info->alloc,
				   block_track(cache, block, XALLOC_TRACK_ALLOC));
			info_track(&info->free,
				   block_track(cache, block, XALLOC_TRACK_FREE));
		}
	}
	xalloc_cpu_exit();
	return block;
}
EXPORT_SYMBOL_GPL(xalloc_obj_info);

/**
 * xalloc_dump_obj() - print what xalloc knows of the object holding a pointer
 * @ptr: any pointer
 *
 * As kmem_dump_obj(): the cache, the object, its offset in it and its
 * state, then who allocated and last freed it (XALLOC_STORE_USER).
 *
 * Context: any context but NMI.
 */
void xalloc_dump_obj(const void *ptr)
{
	struct xalloc_obj_info info;

	if (!xalloc_obj_info(ptr, &info)) {
		xalloc_err("%p is not inside an xalloc object\n", ptr);
		return;
	}
	xalloc_err("%p is %ld bytes into %s object %p of cache '%s' (%u bytes)\n",
		   ptr, (long)(ptr - info.object),
		   info.allocated ? "allocated" : "free", info.object,
		   info.cache, info.object_size);
	track_print(&info.alloc, "allocated");
	track_print(&info.free, "last freed");
}
EXPORT_SYMBOL_GPL(xalloc_dump_obj);
