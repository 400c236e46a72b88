// SPDX-License-Identifier: GPL-2.0
/*
 * Frees after a grace period: xalloc_free_rcu(), as kfree_rcu().
 *
 * The caller's rcu_head is queued with call_rcu(), which gathers the
 * callbacks of each CPU and runs those of one grace period together. The
 * callback gets only the rcu_head: the object that holds it is the block
 * of its page that the head falls in, found as any pointer is, through the
 * segment registry. So the head may be anywhere in the object, and nothing
 * has to encode its offset.
 *
 * Each cache counts its pending frees, so that xalloc_cache_destroy()
 * waits for them (with rcu_barrier()) only when it has some.
 */
#include "internal.h"

/* The start of the block of @page that @ptr falls in. */
static void *block_holding(struct xalloc_page *page, const void *ptr)
{
	return page->start + xalloc_block_index(page, ptr) * page->block_size;
}

static void free_rcu_callback(struct rcu_head *head)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	void *obj = NULL;

	/* Allocated until now, so its page and cache cannot change. */
	xalloc_cpu_enter();
	page = xalloc_page_lookup(head);
	if (page) {
		cache = READ_ONCE(page->cache);
		obj = block_holding(page, head);
	}
	xalloc_cpu_exit();
	/* Freed meanwhile, and its page given back: the free reports it. */
	if (!cache) {
		xalloc_free(head);
		return;
	}
	xalloc_cache_free(cache, obj);
	xalloc_event_dec(&cache->rcu_pending);
}

/*
 * Is @head inside the object @obj of @cache, on @page? Report it if not,
 * and leave the object allocated.
 */
static bool head_fits(struct xalloc_cache *cache, struct xalloc_page *page,
		      const void *obj, const struct rcu_head *head)
{
	unsigned long offset = (unsigned long)head - (unsigned long)obj;

	if (offset <= xalloc_cache_usable_size(cache) - sizeof(*head))
		return true;
	xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
		      "rcu_head %p is not inside the object", head);
	return false;
}

/**
 * __xalloc_free_rcu() - free an object after a grace period
 * @obj: an allocated object of any xalloc cache
 * @head: an rcu_head inside @obj
 *
 * Use xalloc_free_rcu(). @obj is checked now, as a free would check it:
 * a pointer that is not an allocated xalloc object, or an @head outside
 * it, is reported and counted, and nothing is freed.
 *
 * Context: any context but NMI.
 */
void __xalloc_free_rcu(void *obj, struct rcu_head *head)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	bool queue = false;

	xalloc_cpu_enter();
	page = xalloc_page_lookup(obj);
	if (page)
		cache = READ_ONCE(page->cache);
	if (!cache || !xalloc_page_holds_block(page, obj)) {
		xalloc_report_refused_free(obj, NULL, page);
	} else if (xalloc_block_looks_free(cache, page, obj)) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
			      "double free (by xalloc_free_rcu)");
	} else if (head_fits(cache, page, obj, head)) {
		xalloc_event_inc(&cache->rcu_pending);
		queue = true;
	}
	xalloc_cpu_exit();
	if (queue)
		xalloc_os_after_gp(head, free_rcu_callback);
}
EXPORT_SYMBOL_GPL(__xalloc_free_rcu);
