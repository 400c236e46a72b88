// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of caches created with XALLOC_DEBUG, after slub_debug=FZP.
 *
 * A debug block is laid out as the object, a red zone of at least a word,
 * then the free pointer, so that neither the free pointer nor the
 * allocator's checks ever overlap the object. The red zone reads
 * XALLOC_RED_ACTIVE while the object is allocated and XALLOC_RED_INACTIVE
 * while it is free: a write past the end of the object and a double free
 * both show there. A free object of a cache without constructor is filled
 * with XALLOC_POISON_FREE, so that a write after free shows when the block
 * is next handed out. (With a constructor the object must keep its
 * constructed state while free, and with XALLOC_TYPESAFE_BY_RCU readers
 * may still read it, so it is not poisoned, as in SLUB.)
 *
 * The first damaged byte is reported with the cache, the page and the
 * offset, and the damage is repaired. An object whose red zone was overrun
 * is not freed, as SLUB does not free it: it stays counted in used.
 */
#include "internal.h"

#define XALLOC_RED_ACTIVE	0xcc	/* SLUB_RED_ACTIVE */
#define XALLOC_RED_INACTIVE	0xbb	/* SLUB_RED_INACTIVE */
#define XALLOC_POISON_FREE	0x6b	/* POISON_FREE */

static u8 *red_zone(struct xalloc_cache *cache, void *block)
{
	return block + cache->object_size;
}

static unsigned int red_zone_size(struct xalloc_cache *cache)
{
	return cache->free_offset - cache->object_size;
}

/**
 * xalloc_debug_init_block() - give a newly carved block its free state
 * @cache: a cache with XALLOC_DEBUG
 * @block: the block, before the constructor runs on it
 */
void xalloc_debug_init_block(struct xalloc_cache *cache, void *block)
{
	if (xalloc_cache_poisons_free(cache))
		memset(block, XALLOC_POISON_FREE, cache->object_size);
	memset(red_zone(cache, block), XALLOC_RED_INACTIVE,
	       red_zone_size(cache));
}

/*
 * memchr_inv(), which KASAN would check: a free block's bytes are
 * poisoned in its shadow, and this file reads them unchecked (see Kbuild).
 */
static u8 *first_byte_not(u8 *start, u8 value, unsigned int len)
{
	u64 pattern = 0x0101010101010101ULL * value;
	unsigned int i = 0;

	while (i < len && !IS_ALIGNED((unsigned long)start + i, 8)) {
		if (start[i] != value)
			return start + i;
		i++;
	}
	while (i + 8 <= len && *(u64 *)(start + i) == pattern)
		i += 8;
	for (; i < len; i++)
		if (start[i] != value)
			return start + i;
	return NULL;
}

/*
 * Check that [@start, @start + @len) of @block holds only @value; if not,
 * report the first byte that differs and restore the range.
 */
static bool debug_check_bytes(struct xalloc_cache *cache,
			      struct xalloc_page *page, void *block,
			      u8 *start, unsigned int len, u8 value,
			      const char *what)
{
	u8 *bad = first_byte_not(start, value, len);

	if (!bad)
		return true;
	xalloc_report(XALLOC_REPORT_CORRUPTION, cache, page, block, 1,
		      "%s: byte %ld of the block is %#x, not %#x", what,
		      (long)(bad - (u8 *)block), *bad, value);
	memset(start, value, len);
	return false;
}

/**
 * xalloc_debug_check_free() - check a free block
 * @cache: a cache with XALLOC_DEBUG
 * @page: the page of @block
 * @block: a block on one of @page's free lists
 *
 * Reports, counts and repairs a red zone or poison written to while the
 * block was free.
 *
 * Return: true if the block was intact.
 */
bool xalloc_debug_check_free(struct xalloc_cache *cache,
			     struct xalloc_page *page, void *block)
{
	bool ok;

	ok = debug_check_bytes(cache, page, block, red_zone(cache, block),
			       red_zone_size(cache), XALLOC_RED_INACTIVE,
			       "red zone of a free object overwritten");
	if (xalloc_cache_poisons_free(cache) &&
	    !debug_check_bytes(cache, page, block, block, cache->object_size,
			       XALLOC_POISON_FREE,
			       "free object written to (use after free)"))
		ok = false;
	return ok;
}

/**
 * xalloc_debug_alloc() - check a block as it is handed out
 * @cache: a cache with XALLOC_DEBUG
 * @block: the block, just taken off a free list
 *
 * Reports a red zone or poison written to while the block was free, then
 * marks the block allocated.
 */
void xalloc_debug_alloc(struct xalloc_cache *cache, void *block)
{
	xalloc_debug_check_free(cache, xalloc_page_of_block(cache, block), block);
	memset(red_zone(cache, block), XALLOC_RED_ACTIVE,
	       red_zone_size(cache));
}

/**
 * xalloc_debug_free() - check a block as it is freed
 * @cache: a cache with XALLOC_DEBUG
 * @page: the page of @block
 * @block: the block
 *
 * Refuses a double free and an object whose red zone was overrun; else
 * poisons the object and marks the block free.
 *
 * Return: true if the block may go back to a free list.
 */
bool xalloc_debug_free(struct xalloc_cache *cache, struct xalloc_page *page,
		       void *block)
{
	unsigned int size = red_zone_size(cache);
	u8 *red = red_zone(cache, block);

	if (!first_byte_not(red, XALLOC_RED_INACTIVE, size)) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, block, 1,
			      "double free");
		return false;
	}
	if (!debug_check_bytes(cache, page, block, red, size,
			       XALLOC_RED_ACTIVE,
			       "write past the end of the object; not freed"))
		return false;
	if (xalloc_cache_poisons_free(cache))
		memset(block, XALLOC_POISON_FREE, cache->object_size);
	memset(red, XALLOC_RED_INACTIVE, size);
	return true;
}
