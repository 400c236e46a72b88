// SPDX-License-Identifier: GPL-2.0
/*
 * Huge objects: kmalloc sizes above XALLOC_MAX_OBJECT_SIZE, up to
 * XALLOC_KMALLOC_MAX_SIZE, each in a segment of its own, as mimalloc's
 * huge pages and the kernel's kmalloc_large().
 *
 * A huge object is a page-aligned block at the start of its segment's one
 * page, after a page of header. The page names the huge pseudo-cache
 * below, so that every lookup (xalloc_free(), xalloc_ksize(),
 * xalloc_obj_info(), xalloc_free_rcu()) finds it as it finds any object;
 * the free path hands it here (see free_checks_debug() in free.c), off
 * the fast path of every other object. The first free claims the object
 * by retiring its page's thread_free word, so that a second free, racing
 * or not, is refused; the segment leaves the registry at once and is
 * unmapped a grace period later.
 *
 * Mapping sleeps, so a huge allocation needs a gfp that allows it.
 */
#include "internal.h"

/* The owner of every huge page; never on the list of caches. */
static struct xalloc_cache huge_cache = {
	.name = "kmalloc-huge",
	.flags = XALLOC_CACHE_HUGE,
};

void xalloc_huge_init(void)
{
	/* 0 and 1 name no cache in a page's last_key, as in cache.c. */
	do {
		huge_cache.freelist_key = xalloc_os_random_long();
	} while (huge_cache.freelist_key <= 1);
}

/**
 * xalloc_huge_alloc() - allocate a huge object
 * @size: bytes, above XALLOC_MAX_OBJECT_SIZE
 * @gfp: allocation flags; must allow sleeping. __GFP_ZERO zeroes the
 *       whole usable size.
 * @node: NUMA node, or NUMA_NO_NODE for this CPU's
 *
 * Return: the object, page-aligned, or NULL.
 */
void *xalloc_huge_alloc(size_t size, gfp_t gfp, int node)
{
	struct xalloc_page *page;

	if (size > XALLOC_KMALLOC_MAX_SIZE) {
		xalloc_warn_ratelimited("kmalloc of %zu bytes refused: at most %lu\n",
					size, XALLOC_KMALLOC_MAX_SIZE);
		return NULL;
	}
	if (!xalloc_os_may_sleep(gfp)) {
		xalloc_warn_ratelimited("kmalloc of %zu bytes refused: objects above %u bytes need a gfp that may sleep\n",
					size, XALLOC_MAX_OBJECT_SIZE);
		return NULL;
	}
	if (node != NUMA_NO_NODE && !xalloc_os_node_valid(node)) {
		xalloc_warn_ratelimited("kmalloc of %zu bytes on node %d refused: no such node\n",
					size, node);
		return NULL;
	}
	xalloc_os_might_alloc(gfp);
	xalloc_os_check_account(gfp);
	if (node == NUMA_NO_NODE || !xalloc_os_node_has_memory(node))
		node = xalloc_this_node();
	for (;;) {
		page = xalloc_segment_map_huge(&huge_cache, PAGE_ALIGN(size),
					       node, gfp);
		if (page || !xalloc_os_must_not_fail(gfp))
			break;
		xalloc_os_cond_resched();
	}
	if (!page)
		return NULL;
	/*
	 * The pages come zeroed only under init_on_alloc: they are asked
	 * for without __GFP_ZERO (see xalloc_os_segment_gfp()).
	 */
	if (gfp & __GFP_ZERO &&
	    !xalloc_os_init_on_alloc(xalloc_os_segment_gfp(gfp)))
		memset(page->start, 0, page->block_size);
	xalloc_os_kasan_alloc(page->start, size, page->block_size);
	xalloc_os_leak_alloc(page->start, size, gfp);
	return page->start;
}

/**
 * xalloc_huge_free() - free a huge object
 * @page: its page
 * @obj: the object, the start of @page's block
 *
 * Called in a CPU section. Only the first free of the object gives its
 * segment back; any other is reported as a double free.
 */
void xalloc_huge_free(struct xalloc_page *page, void *obj)
{
	unsigned long old = 0;

	if (!xalloc_atomic_cas(&page->thread_free, &old, XALLOC_TF_RETIRED)) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, page->cache, page,
			      obj, 1, "double free");
		return;
	}
	xalloc_os_leak_free(obj);
	xalloc_segment_release_huge(page);
}
