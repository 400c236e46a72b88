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
 * A huge object is freed at once: its segment is unmapped only a grace
 * period after its free (see xalloc_segment_release_huge()).
 *
 * Pending frees are counted, so that xalloc_cache_destroy() waits for
 * them (with rcu_barrier()) only when there are some. A second
 * xalloc_free_rcu() of an object still queued is refused (see
 * head_claim()).
 */
#include "internal.h"

/*
 * Frees queued and not yet run, of every cache: xalloc_cache_destroy()
 * waits for them when there are any. One count for all caches, so that it
 * stays right even if a caller frees an object it queued (the callback
 * then finds the block in another state, or in another cache's page).
 */
static atomic_long_t rcu_pending;

/**
 * xalloc_rcu_frees_pending() - are frees queued by xalloc_free_rcu() due?
 *
 * Return: true if some have not run yet. Acquire: when it returns false,
 * what the frees did is seen.
 */
bool xalloc_rcu_frees_pending(void)
{
	return xalloc_event_read_acquire(&rcu_pending);
}

static void free_rcu_callback(struct rcu_head *head)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	void *obj = NULL;

	/*
	 * Allocated until now, unless its caller freed it meanwhile (as
	 * kfree_rcu(), a misuse that may free another object by then).
	 */
	xalloc_cpu_enter();
	page = xalloc_page_lookup(head);
	if (page) {
		cache = READ_ONCE(page->cache);
		obj = xalloc_page_block_holding(page, head);
	}
	xalloc_cpu_exit();
	if (cache && obj) {
		/* Not queued any more: the object may be queued again. */
		WRITE_ONCE(head->func, NULL);
		xalloc_cache_free(cache, obj);
	} else {
		/* Its page was given back, or re-carved: the free reports it. */
		xalloc_free(head);
	}
	xalloc_event_dec_release(&rcu_pending);
}

/*
 * Is @head inside the object @obj of @cache, on @page, and aligned as
 * call_rcu() needs (it refuses a misaligned head with a warning, and the
 * object would leak)? Report it if not, and leave the object allocated.
 */
static bool head_fits(struct xalloc_cache *cache, struct xalloc_page *page,
		      const void *obj, const struct rcu_head *head)
{
	unsigned long offset = (unsigned long)head - (unsigned long)obj;
	unsigned int usable = xalloc_page_usable_size(cache, page);

	if (!IS_ALIGNED((unsigned long)head, __alignof__(*head))) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
			      "rcu_head %p is misaligned", head);
		return false;
	}
	if (usable >= sizeof(*head) && offset <= usable - sizeof(*head))
		return true;
	xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
		      "rcu_head %p is not inside the object", head);
	return false;
}

/*
 * Mark @head queued, unless it is: a second xalloc_free_rcu() of an
 * object still queued would link its rcu_head into RCU's lists twice.
 * The mark is the callback itself in @func, which call_rcu() writes
 * anyway and the callback clears; the compare-and-swap settles two
 * queueings at once.
 */
static bool head_claim(struct xalloc_cache *cache, struct xalloc_page *page,
		       const void *obj, struct rcu_head *head)
{
	rcu_callback_t seen = READ_ONCE(head->func);

	if (seen != free_rcu_callback &&
	    cmpxchg(&head->func, seen, free_rcu_callback) == seen)
		return true;
	xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
		      "double free (queued by xalloc_free_rcu already)");
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
	} else if (!head_fits(cache, page, obj, head)) {
		/* Reported: left allocated. */
	} else if (cache->flags & XALLOC_CACHE_HUGE) {
		/*
		 * Its segment is unmapped a grace period after the free
		 * anyway: free it now, and leave @head alone. The callback
		 * could not find an object whose head lies past its first
		 * granule.
		 */
		xalloc_huge_free(page, obj);
	} else if (head_claim(cache, page, obj, head)) {
		xalloc_event_inc(&rcu_pending);
		queue = true;
	}
	xalloc_cpu_exit();
	if (queue)
		xalloc_os_after_gp(head, free_rcu_callback);
}
EXPORT_SYMBOL_GPL(__xalloc_free_rcu);
