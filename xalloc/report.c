// SPDX-License-Identifier: GPL-2.0
/*
 * Reports: every free refused, every corruption found and every page that
 * fails validation is told here, in one format,
 *
 *   xalloc: cache 'NAME': WHAT: object PTR, page N of segment SEG, offset OFF
 *
 * with the parts that are not known left out, and counted in the cache's
 * invalid_frees or corruptions. Refusals and corruptions are rate-limited:
 * a loop of bad frees must not flood the log.
 */
#include "internal.h"

static XALLOC_DEFINE_RATELIMIT(report_ratelimit);

static void report_count(enum xalloc_report_kind kind,
			 struct xalloc_cache *cache, unsigned long count)
{
	if (!cache)
		return;
	if (kind == XALLOC_REPORT_INVALID_FREE)
		xalloc_event_add(&cache->invalid_frees, count);
	else if (kind == XALLOC_REPORT_CORRUPTION)
		xalloc_event_add(&cache->corruptions, count);
}

/*
 * Who allocated and freed the block @obj falls in, if @page is @cache's
 * and the cache keeps tracks (XALLOC_STORE_USER).
 */
static void report_tracks(struct xalloc_cache *cache, struct xalloc_page *page,
			  const void *obj)
{
	void *block;

	if (!cache || !page || !obj || !(cache->flags & XALLOC_STORE_USER) ||
	    READ_ONCE(page->cache) != cache)
		return;
	block = xalloc_page_block_holding(page, obj);
	if (block)
		xalloc_track_print(cache, block);
}

/**
 * xalloc_report() - report and count a refusal, a corruption or a bad page
 * @kind: what is reported, and so which counter counts it
 * @cache: the cache concerned, or NULL
 * @page: the page of @obj, or NULL
 * @obj: the object concerned, or NULL
 * @count: how many events the report stands for
 * @fmt: what happened, printf-style, without a newline
 */
void xalloc_report(enum xalloc_report_kind kind, struct xalloc_cache *cache,
		   struct xalloc_page *page, const void *obj,
		   unsigned long count, const char *fmt, ...)
{
	char who[XALLOC_NAME_MAX + 12] = "", where[96] = "", what[128];
	va_list args;
	int len = 0;

	report_count(kind, cache, count);
	if (kind != XALLOC_REPORT_INCONSISTENT && !xalloc_ratelimit(&report_ratelimit))
		return;
	if (obj)
		len = scnprintf(where, sizeof(where), ": object %p", obj);
	if (page)
		len += scnprintf(where + len, sizeof(where) - len,
				 "%s page %u of segment %p", len ? "," : ":",
				 page->index, xalloc_segment_of(page));
	if (page && obj && obj >= page->start)
		scnprintf(where + len, sizeof(where) - len, ", offset %ld",
			  (long)(obj - page->start));
	if (cache)
		scnprintf(who, sizeof(who), "cache '%s': ", cache->name);
	va_start(args, fmt);
	vscnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	if (kind == XALLOC_REPORT_INVALID_FREE)
		xalloc_warn("%s%s%s\n", who, what, where);
	else
		xalloc_err("%s%s%s\n", who, what, where);
	report_tracks(cache, page, obj);
}

/**
 * xalloc_report_refused_free() - say why a free of @obj is refused
 * @obj: the pointer freed
 * @expected: the cache it was freed to, or NULL for xalloc_free()
 * @page: the page @obj falls in, or NULL if it is not in a segment
 */
void xalloc_report_refused_free(const void *obj,
				struct xalloc_cache *expected,
				struct xalloc_page *page)
{
	struct xalloc_cache *cache = page ? READ_ONCE(page->cache) : NULL;
	enum xalloc_report_kind kind = XALLOC_REPORT_INVALID_FREE;

	if (cache && (!expected || cache == expected))
		xalloc_report(kind, cache, page, obj, 1, "misaligned free");
	else if (!page)
		xalloc_report(kind, expected, NULL, obj, 1,
			      "free of a pointer that is not an xalloc object");
	else if (!cache)
		xalloc_report(kind, expected, page, obj, 1, "free into %s",
			      READ_ONCE(page->flags) & XALLOC_PAGE_LEAKED ?
			      "a destroyed cache" : "a page not in use");
	else
		xalloc_report(kind, expected, page, obj, 1,
			      "free of an object of cache '%s'", cache->name);
}
