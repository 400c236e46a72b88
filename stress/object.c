// SPDX-License-Identifier: GPL-2.0
/*
 * The pattern every object carries while it is live.
 *
 * An object starts with a header: a queue link, a tag (the cache index in
 * its low bits, random bits above) and a check, a hash of the object's
 * address, size and tag under a magic. The rest is filled with words
 * derived from the tag, the address and the word's index, so that an
 * object written over by a neighbour, handed out twice, or moved is told
 * apart from its own content. The queue link is not covered: it is what
 * the lock-free queues write while the object travels between CPUs.
 *
 * Checked besides: a fresh object of a cache with a constructor must be in
 * the constructed state (xalloc must not have written into it while it
 * was free), and a fresh object that xalloc had to zero must be zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "stress.h"

#define STRESS_MAGIC		0x5ca1ab1e0ddba11ULL
#define STRESS_TAG_IDX_MASK	0xfU
/* A random tag bit: free through xalloc_free() rather than the cache. */
#define STRESS_TAG_ANY_CACHE	0x10U
#define STRESS_CTOR_BYTE	0xc7
/* Corruptions reported in full; the rest are only counted. */
#define STRESS_REPORTS		5

static_assert(STRESS_TAG_IDX_MASK + 1 >= STRESS_NR_CACHES);

/**
 * struct stress_hdr - the start of every live object
 * @node: link while the object waits in another CPU's queue; not checked
 * @tag: the cache index in the low bits, random above
 * @check: stress_check() of the object's address, size and @tag
 */
struct stress_hdr {
	struct llist_node node;
	u32 tag;
	u32 check;
};

static u32 stress_check(const void *obj, unsigned int size, u32 tag)
{
	return hash_64((unsigned long)obj ^ ((u64)size << 32 | tag) ^
		       STRESS_MAGIC, 32);
}

static u64 stress_word(const void *obj, u32 tag, unsigned int i)
{
	return ((u64)tag << 32 | i) * GOLDEN_RATIO_64 ^ (unsigned long)obj;
}

static unsigned int stress_words(unsigned int size)
{
	return (size - sizeof(struct stress_hdr)) / sizeof(u64);
}

static void stress_fill(void *obj, unsigned int size, u32 tag)
{
	struct stress_hdr *hdr = obj;
	u64 *word = obj + sizeof(*hdr);
	unsigned int i, n = stress_words(size);

	hdr->node.next = NULL;
	hdr->tag = tag;
	hdr->check = stress_check(obj, size, tag);
	for (i = 0; i < n; i++)
		word[i] = stress_word(obj, tag, i);
}

/* The offset of the first byte that breaks the pattern, or -1. */
static long stress_bad_offset(const void *obj, unsigned int size,
			      unsigned int idx)
{
	const struct stress_hdr *hdr = obj;
	const u64 *word = obj + sizeof(*hdr);
	unsigned int i, n = stress_words(size);

	if ((hdr->tag & STRESS_TAG_IDX_MASK) != idx ||
	    hdr->check != stress_check(obj, size, hdr->tag))
		return offsetof(struct stress_hdr, tag);
	for (i = 0; i < n; i++)
		if (word[i] != stress_word(obj, hdr->tag, i))
			return sizeof(*hdr) + i * sizeof(u64);
	return -1;
}

/* Count a corruption; report the first few with the bytes around it. */
static void stress_corrupt(const void *obj, const struct stress_cache *sc,
			   const char *what, long offset)
{
	long start = offset & ~15L;

	if (atomic_inc_return(&stress_corruptions) > STRESS_REPORTS)
		return;
	pr_err("corrupted object %p of cache %s (%u bytes): %s broken at offset %ld; bytes from offset %ld:\n",
	       obj, sc->name, sc->size, what, offset, start);
	print_hex_dump(KERN_ERR, KBUILD_MODNAME ": ", DUMP_PREFIX_NONE, 16, 1,
		       obj + start, min_t(long, 32, sc->size - start), false);
}

/**
 * stress_obj_construct() - put an object in its constructed state
 * @obj: the object
 * @size: its size
 *
 * The constructors of the caches that have one call this, and the stress
 * calls it again before each free: objects go back constructed.
 */
void stress_obj_construct(void *obj, unsigned int size)
{
	memset(obj, STRESS_CTOR_BYTE, size);
}

/*
 * A new object must be constructed, or zero if xalloc had to zero it. As
 * SLUB's poisoned caches, XALLOC_DEBUG caches zero only for __GFP_ZERO:
 * otherwise their objects come with the free poison, checked by xalloc.
 */
static void stress_check_fresh(struct stress_counts *c,
			       const struct stress_cache *sc, void *obj,
			       gfp_t gfp)
{
	bool zeroed = sc->flags & XALLOC_DEBUG ? !!(gfp & __GFP_ZERO) :
		      want_init_on_alloc(gfp);
	void *bad;

	if (sc->ctor) {
		bad = memchr_inv(obj, STRESS_CTOR_BYTE, sc->size);
		if (bad)
			stress_corrupt(obj, sc, "constructed state", bad - obj);
	} else if (zeroed) {
		bad = memchr_inv(obj, 0, sc->size);
		if (bad)
			stress_corrupt(obj, sc, "zeroing", bad - obj);
	} else {
		return;
	}
	c->checked++;
}

static void stress_count_null(struct stress_counts *c, unsigned int idx,
			      gfp_t gfp)
{
	c->nulls[idx]++;
	if (!gfpflags_allow_blocking(gfp))
		return;		/* atomic: fails when nothing is ready */
	if (READ_ONCE(stress_faults))
		c->faults++;
	else
		c->unexpected++;
}

/**
 * stress_obj_alloc() - allocate an object, check it and fill it
 * @c: the calling context's counters
 * @rnd: its random state
 * @idx: index of the cache in stress_caches[]
 * @gfp: allocation flags; one allocation in 8 of a cache without a
 *       constructor also asks for zeroing, through xalloc_cache_zalloc()
 *
 * Return: the object, or a reference to NULL when the allocation failed.
 */
struct stress_ref stress_obj_alloc(struct stress_counts *c,
				   struct rnd_state *rnd, unsigned int idx,
				   gfp_t gfp)
{
	struct stress_cache *sc = &stress_caches[idx];
	struct stress_ref ref = { .idx = idx };
	u32 r = prandom_u32_state(rnd);
	bool zero = !sc->ctor && !(r & 0xe0);

	if (zero)
		ref.obj = xalloc_cache_zalloc(sc->cache, gfp);
	else
		ref.obj = xalloc_cache_alloc(sc->cache, gfp);
	if (!ref.obj) {
		stress_count_null(c, idx, gfp);
		return ref;
	}
	c->allocs[idx]++;
	stress_check_fresh(c, sc, ref.obj, zero ? gfp | __GFP_ZERO : gfp);
	stress_fill(ref.obj, sc->size, (r & ~STRESS_TAG_IDX_MASK) | idx);
	return ref;
}

/**
 * stress_obj_free() - check an object's pattern and free it
 * @c: the calling context's counters
 * @ref: the object
 * @remote: it was handed over by another CPU
 */
void stress_obj_free(struct stress_counts *c, struct stress_ref ref,
		     bool remote)
{
	const struct stress_cache *sc = &stress_caches[ref.idx];
	struct stress_hdr *hdr = ref.obj;
	bool any_cache = hdr->tag & STRESS_TAG_ANY_CACHE;
	long bad = stress_bad_offset(ref.obj, sc->size, ref.idx);

	c->checked++;
	if (bad >= 0)
		stress_corrupt(ref.obj, sc, "pattern", bad);
	if (sc->ctor)
		stress_obj_construct(ref.obj, sc->size);
	if (any_cache)
		xalloc_free(ref.obj);
	else
		xalloc_cache_free(sc->cache, ref.obj);
	c->frees[ref.idx]++;
	if (remote)
		c->remote++;
}

struct llist_node *stress_obj_node(void *obj)
{
	return &((struct stress_hdr *)obj)->node;
}

/**
 * stress_obj_free_node() - free an object that came through a queue
 * @c: the calling context's counters
 * @node: its queue link
 * @remote: it was handed over by another CPU
 *
 * The cache comes from the tag. An object whose tag names no cache is
 * reported and left alone: there is no telling where it belongs.
 */
void stress_obj_free_node(struct stress_counts *c, struct llist_node *node,
			  bool remote)
{
	struct stress_hdr *hdr = container_of(node, struct stress_hdr, node);
	unsigned int idx = hdr->tag & STRESS_TAG_IDX_MASK;

	if (idx >= STRESS_NR_CACHES) {
		if (atomic_inc_return(&stress_corruptions) <= STRESS_REPORTS)
			pr_err("queued object %p has the tag %#x of no cache\n",
			       hdr, hdr->tag);
		return;
	}
	stress_obj_free(c, (struct stress_ref){ .obj = hdr, .idx = idx },
			remote);
}
