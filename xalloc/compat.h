/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels xalloc builds for: Debian 12's 6.1,
 * 6.12 and 6.12 PREEMPT_RT, and the debug kernels built from 6.12. Each
 * difference is decided here and nowhere else, by a feature probe of the
 * headers (compat.mk, for what only a declaration shows) or by the macro
 * itself: os.c, the only file of the core that calls the kernel directly,
 * includes it, as do the clients in this tree that need it. Kernels older
 * than 6.1 are refused by the Kbuild.
 */
#ifndef _XALLOC_COMPAT_H
#define _XALLOC_COMPAT_H

#include <linux/shrinker.h>
#include <linux/slab.h>

typedef unsigned long (*xalloc_shrink_fn)(struct shrinker *shrinker,
					  struct shrink_control *sc);

#ifdef XALLOC_HAVE_SHRINKER_ALLOC
/* 6.7 made shrinkers allocated and freed by the shrinker code. */
static inline struct shrinker *
xalloc_compat_shrinker_create(const char *name, xalloc_shrink_fn count,
			      xalloc_shrink_fn scan, long batch)
{
	struct shrinker *shrinker = shrinker_alloc(0, "%s", name);

	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->batch = batch;
	shrinker_register(shrinker);
	return shrinker;
}

static inline void xalloc_compat_shrinker_destroy(struct shrinker *shrinker)
{
	shrinker_free(shrinker);
}
#else
/* Before 6.7 the caller owns the struct, and must set its seeks. */
static inline struct shrinker *
xalloc_compat_shrinker_create(const char *name, xalloc_shrink_fn count,
			      xalloc_shrink_fn scan, long batch)
{
	struct shrinker *shrinker = kzalloc(sizeof(*shrinker), GFP_KERNEL);

	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->batch = batch;
	shrinker->seeks = DEFAULT_SEEKS;
	if (register_shrinker(shrinker, "%s", name)) {
		kfree(shrinker);
		return NULL;
	}
	return shrinker;
}

static inline void xalloc_compat_shrinker_destroy(struct shrinker *shrinker)
{
	if (!shrinker)
		return;
	unregister_shrinker(shrinker);
	kfree(shrinker);
}
#endif

/* SLAB_NO_MERGE came in 6.5; SLAB_NOLEAKTRACE keeps a cache unmerged too. */
#ifndef SLAB_NO_MERGE
#define SLAB_NO_MERGE		SLAB_NOLEAKTRACE
#endif

#endif /* _XALLOC_COMPAT_H */
