// SPDX-License-Identifier: GPL-2.0
/*
 * The kmalloc family: objects of any size up to XALLOC_KMALLOC_MAX_SIZE,
 * from size classes, each a cache created at load, freed by
 * xalloc_free().
 *
 * The classes are kmalloc's: 8, 16, 32, 64, 96, 128 and 192 bytes, then
 * the powers of two up to 256 KiB. A request takes the smallest class that
 * holds it, and xalloc_ksize() tells the caller the class size, which it
 * may use, as ksize() does. A request of 0 bytes gets ZERO_SIZE_PTR, which
 * xalloc_free() takes as it takes NULL. Above 256 KiB an object takes a
 * segment of its own (see huge.c), with a gfp that may sleep.
 */
#include "internal.h"

static const unsigned int class_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, SZ_256, SZ_512, SZ_1K, SZ_2K, SZ_4K,
	SZ_8K, SZ_16K, SZ_32K, SZ_64K, SZ_128K, SZ_256K,
};

static_assert(SZ_256K == XALLOC_MAX_OBJECT_SIZE);

static struct xalloc_cache *classes[ARRAY_SIZE(class_sizes)];

/* The class of a request of @size bytes, 1 to XALLOC_MAX_OBJECT_SIZE. */
static unsigned int class_of(size_t size)
{
	if (size <= 64)
		return order_base_2(max_t(size_t, size, 8)) - 3;
	if (size <= 96)
		return 4;
	if (size <= 128)
		return 5;
	if (size <= 192)
		return 6;
	/* 256 is class 7, 512 class 8, and so on. */
	return order_base_2(size) - 1;
}

/*
 * An object of @size bytes from the class @cache: under KASAN, the class's
 * bytes past @size are a red zone, as SLUB makes them for kmalloc().
 */
static __always_inline void *kmalloc_from(struct xalloc_cache *cache,
					  size_t size, gfp_t gfp, int node)
{
	/* A constant in xalloc_kmalloc(): no call through the node check. */
	void *obj = node == NUMA_NO_NODE ? xalloc_cache_alloc(cache, gfp) :
		    xalloc_cache_alloc_node(cache, gfp, node);

	if (obj)
		xalloc_os_kasan_alloc(obj, size, cache->object_size);
	return obj;
}

/**
 * xalloc_kmalloc() - allocate an object of any size
 * @size: bytes, up to XALLOC_KMALLOC_MAX_SIZE
 * @gfp: as for xalloc_cache_alloc()
 *
 * As kmalloc(). Free it with xalloc_free().
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: the object; ZERO_SIZE_PTR for 0 bytes; NULL on failure, or
 * (with a warning) for a size above XALLOC_KMALLOC_MAX_SIZE, or above
 * XALLOC_MAX_OBJECT_SIZE with a gfp that may not sleep.
 */
void *xalloc_kmalloc(size_t size, gfp_t gfp)
{
	if (likely(size && size <= XALLOC_MAX_OBJECT_SIZE))
		return kmalloc_from(classes[class_of(size)], size, gfp,
				    NUMA_NO_NODE);
	return xalloc_kmalloc_node(size, gfp, NUMA_NO_NODE);
}
EXPORT_SYMBOL_GPL(xalloc_kmalloc);

/**
 * xalloc_kmalloc_node() - allocate an object of any size on a NUMA node
 * @size: bytes, up to XALLOC_KMALLOC_MAX_SIZE
 * @gfp: as for xalloc_cache_alloc()
 * @node: as for xalloc_cache_alloc_node()
 *
 * As kmalloc_node(). Free it with xalloc_free().
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: as xalloc_kmalloc().
 */
void *xalloc_kmalloc_node(size_t size, gfp_t gfp, int node)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > XALLOC_MAX_OBJECT_SIZE))
		return xalloc_huge_alloc(size, gfp, node);
	return kmalloc_from(classes[class_of(size)], size, gfp, node);
}
EXPORT_SYMBOL_GPL(xalloc_kmalloc_node);

/**
 * xalloc_kzalloc() - allocate a zeroed object of any size
 * @size: bytes, up to XALLOC_KMALLOC_MAX_SIZE
 * @gfp: as for xalloc_cache_alloc()
 *
 * As kzalloc(): the whole class size reads zero.
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: as xalloc_kmalloc().
 */
void *xalloc_kzalloc(size_t size, gfp_t gfp)
{
	return xalloc_kmalloc(size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(xalloc_kzalloc);

/**
 * xalloc_krealloc() - resize an object of any xalloc cache
 * @p: the object, or NULL or ZERO_SIZE_PTR (then as xalloc_kmalloc())
 * @new_size: bytes wanted; 0 frees @p
 * @gfp: as for xalloc_cache_alloc()
 *
 * As krealloc(): if @p's usable size holds @new_size, @p itself comes
 * back, its bytes past @new_size zeroed under __GFP_ZERO or init_on_alloc;
 * otherwise a new object gets @p's contents and @p is freed. A pointer that
 * is not an allocated xalloc object is reported and left alone.
 *
 * Context: as xalloc_cache_alloc().
 *
 * Return: the object, ZERO_SIZE_PTR when @new_size is 0, or NULL on
 * failure (then @p is untouched and still allocated).
 */
void *xalloc_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t old = 0;
	void *ret;

	if (unlikely(!new_size)) {
		xalloc_free((void *)p);
		return ZERO_SIZE_PTR;
	}
	if (!ZERO_OR_NULL_PTR(p)) {
		old = xalloc_ksize(p);
		if (!old)
			return NULL;	/* reported by xalloc_ksize() */
	}
	if (old >= new_size) {
		if (xalloc_os_init_on_alloc(gfp) || gfp & __GFP_ZERO)
			memset((void *)p + new_size, 0, old - new_size);
		/* xalloc_ksize() opened all of it. */
		xalloc_os_kasan_alloc(p, new_size, old);
		return (void *)p;
	}
	ret = xalloc_kmalloc(new_size, gfp);
	if (ret && old) {
		memcpy(ret, p, old);
		xalloc_free((void *)p);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(xalloc_krealloc);

/* The class cache a request of @size bytes comes from, if any. */
struct xalloc_cache *xalloc_kmalloc_class(size_t size)
{
	if (!size || size > XALLOC_MAX_OBJECT_SIZE)
		return NULL;
	return classes[class_of(size)];
}

/* Create the size classes, after debugfs: each has a directory there. */
int xalloc_kmalloc_init(void)
{
	char name[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(class_sizes); i++) {
		snprintf(name, sizeof(name), "kmalloc-%u", class_sizes[i]);
		classes[i] = xalloc_cache_create(name, class_sizes[i], 0, 0,
						 NULL);
		if (!classes[i]) {
			xalloc_kmalloc_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void xalloc_kmalloc_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(class_sizes); i++) {
		xalloc_cache_destroy(classes[i]);
		classes[i] = NULL;
	}
}
