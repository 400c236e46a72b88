/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the xalloc KUnit suites.
 */
#ifndef _XALLOC_TEST_H
#define _XALLOC_TEST_H

#include <kunit/test.h>
#include <xalloc.h>

/* Objects allocated or freed together on one CPU. */
struct xt_batch {
	struct xalloc_cache *cache;
	void **objs;
	unsigned int n;
	gfp_t gfp;
	unsigned int done;
};

struct xalloc_cache *xt_create(struct kunit *test, const char *name,
			       unsigned int size, unsigned int align,
			       unsigned long flags, void (*ctor)(void *));
struct xt_batch *xt_batch_new(struct kunit *test, struct xalloc_cache *cache,
			      unsigned int n);
long xt_alloc_batch(void *arg);
long xt_free_batch(void *arg);
long xt_run_on(int cpu, long (*fn)(void *), void *arg);
void xt_two_cpus(struct kunit *test, int *a, int *b);
void xt_stats(struct xalloc_cache *cache, struct xalloc_cache_stats *st);
unsigned long xt_huge_segments(void);
int xt_write_file(const char *path, const char *text);
int xt_shell(const char *cmd);
void xt_set_reserve(struct kunit *test, const char *segments);
void xt_flush(struct xalloc_cache *cache);
bool xt_same_page(const void *a, const void *b);
void xt_fail_nth(unsigned int n);
unsigned int xt_fail_nth_left(void);
unsigned int xt_fail_each_point(struct kunit *test,
				struct xalloc_cache *cache, void **obj);
void xt_wait_for_rcu_frees(struct xalloc_cache *cache, u64 frees);
void xt_expect_shrunk_after(struct kunit *test, struct xalloc_cache *cache,
			    unsigned int failures);
bool xt_bytes_are(const void *p, u8 value, size_t n);
bool xt_kasan_poisoned(const void *p);

/*
 * Functions that misuse an object on purpose, to test xalloc's own checks
 * (a write after free, a forged free pointer), are __no_sanitize_address:
 * on the KASAN kernel, where xalloc poisons free blocks and the bytes past
 * each object, KASAN would report the misuse before xalloc sees it.
 */

#endif /* _XALLOC_TEST_H */
