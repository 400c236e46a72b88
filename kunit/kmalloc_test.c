// SPDX-License-Identifier: GPL-2.0
/*
 * The kmalloc family: size classes, zeroing, resizing, and the sizes and
 * pointers that are refused.
 */
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "xalloc_test.h"

/* The smallest kmalloc class that holds @size. */
static size_t class_for(size_t size)
{
	static const size_t small[] = { 8, 16, 32, 64, 96, 128, 192 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(small); i++)
		if (size <= small[i])
			return small[i];
	return roundup_pow_of_two(size);
}

/*
 * Every size up to 4 KiB, and above, each power of two and the size just
 * past the one before: the object's usable size is its class, all of it
 * may be written, and xalloc_free() takes it back.
 */
static void check_size(struct kunit *test, size_t size)
{
	void *obj = xalloc_kmalloc(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL_MSG(test, obj, "size %zu", size);
	KUNIT_EXPECT_EQ_MSG(test, xalloc_ksize(obj), class_for(size),
			    "size %zu", size);
	memset(obj, 0x3c, xalloc_ksize(obj));
	xalloc_free(obj);
}

static void sizes_take_their_class(struct kunit *test)
{
	size_t size;

	for (size = 1; size <= SZ_4K; size++)
		check_size(test, size);
	for (size = SZ_8K; size <= XALLOC_MAX_OBJECT_SIZE; size *= 2) {
		check_size(test, size / 2 + 1);
		check_size(test, size);
	}
}

static void kzalloc_zeroes_the_class(struct kunit *test)
{
	size_t sizes[] = { 1, 24, 100, 1000, SZ_4K + 1, SZ_64K };
	unsigned int i;
	char *obj;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Dirty the block first, so that zeroing shows. */
		obj = xalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		memset(obj, 0xff, xalloc_ksize(obj));
		xalloc_free(obj);
		obj = xalloc_kzalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		KUNIT_EXPECT_NULL(test, memchr_inv(obj, 0, xalloc_ksize(obj)));
		xalloc_free(obj);
	}
}

/* 0 bytes is ZERO_SIZE_PTR, freed as NULL; above the largest, NULL. */
static void edge_sizes(struct kunit *test)
{
	void *obj = xalloc_kmalloc(0, GFP_KERNEL);

	KUNIT_EXPECT_PTR_EQ(test, obj, ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(obj), 0UL);
	xalloc_free(obj);
	xalloc_free(NULL);
	KUNIT_EXPECT_NULL(test, xalloc_kmalloc(XALLOC_KMALLOC_MAX_SIZE + 1,
					       GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, xalloc_kmalloc(SIZE_MAX, GFP_KERNEL));
	/* A segment of its own is mapped: that sleeps. */
	KUNIT_EXPECT_NULL(test, xalloc_kmalloc(XALLOC_MAX_OBJECT_SIZE + 1,
					       GFP_ATOMIC));
}

/*
 * Above 256 KiB, up to 64 MiB, each object is page-aligned in a segment
 * of its own, usable to the page, found from its pointer by every lookup;
 * freeing it gives the segment back, after a grace period. Interior and
 * repeated frees are refused; kzalloc zeroes; krealloc crosses the
 * boundary both ways with the contents.
 */
static void huge_objects_take_a_segment(struct kunit *test)
{
	static const size_t sizes[] = {
		XALLOC_MAX_OBJECT_SIZE + 1, SZ_1M, SZ_4M + 1, SZ_16M,
		XALLOC_KMALLOC_MAX_SIZE,
	};
	unsigned long before = xt_huge_segments();
	struct xalloc_obj_info info;
	unsigned int i;
	u8 *p, *q;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = xalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", sizes[i]);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(p));
		KUNIT_EXPECT_EQ(test, xalloc_ksize(p), PAGE_ALIGN(sizes[i]));
		KUNIT_EXPECT_EQ(test, xt_huge_segments(), before + 1);
		memset(p, 0x7e, xalloc_ksize(p));
		KUNIT_ASSERT_TRUE(test, xalloc_obj_info(p + 100, &info));
		KUNIT_EXPECT_PTR_EQ(test, info.object, (void *)p);
		KUNIT_EXPECT_STREQ(test, info.cache, "kmalloc-huge");
		KUNIT_EXPECT_TRUE(test, info.allocated);
		/* Its last byte, past the reach of a free's lookup. */
		KUNIT_ASSERT_TRUE(test, xalloc_obj_info(p + sizes[i] - 1,
							&info));
		KUNIT_EXPECT_PTR_EQ(test, info.object, (void *)p);
		/* Its guard page, maybe in the segment's first granule. */
		KUNIT_EXPECT_FALSE(test, xalloc_obj_info(p + PAGE_ALIGN(sizes[i]),
							 &info));
		/* Refused: the inside of it, or another cache's free. */
		xalloc_free(p + PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, xt_huge_segments(), before + 1);
		KUNIT_EXPECT_EQ(test, p[sizes[i] - 1], 0x7e);
		xalloc_free(p);
		KUNIT_EXPECT_EQ(test, xt_huge_segments(), before);
		/* Before and after the grace period: refused either way. */
		xalloc_free(p);
		rcu_barrier();
		xalloc_free(p);
		KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 0UL);
	}

	p = xalloc_kzalloc(SZ_2M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, SZ_2M));
	xalloc_free(p);

	p = xalloc_kmalloc(1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x11, 1000);
	q = xalloc_krealloc(p, SZ_1M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0x11, 1000));
	p = xalloc_krealloc(q, SZ_4M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x11, 1000));
	q = xalloc_krealloc(p, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0x11, 100));
	xalloc_free(q);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, xt_huge_segments(), before);
}

#define DIRTY_PAGES	96	/* more than the 65 pages of the object */

/*
 * Give this CPU's page lists pages full of 0xa5, then ask for a zeroed
 * huge object, whose pages come from those lists.
 */
static long kzalloc_over_dirty_pages(void *unused)
{
	struct page *pages[DIRTY_PAGES];
	unsigned int n;

	for (n = 0; n < DIRTY_PAGES; n++) {
		pages[n] = alloc_page(GFP_KERNEL);
		if (!pages[n])
			break;
		memset(page_address(pages[n]), 0xa5, PAGE_SIZE);
	}
	while (n--)
		__free_page(pages[n]);
	return (long)xalloc_kzalloc(XALLOC_MAX_OBJECT_SIZE + 1, GFP_KERNEL);
}

/*
 * Bug: a huge kzalloc was left unzeroed on a kernel booted with
 * init_on_alloc=0 (the RT test kernel): the check for the pages' own
 * zeroing took __GFP_ZERO for it. On kernels with init_on_alloc the pages
 * come zeroed, and this passes either way.
 */
static void huge_kzalloc_zeroes_without_init_on_alloc(struct kunit *test)
{
	u8 *p = (void *)xt_run_on(raw_smp_processor_id(),
				  kzalloc_over_dirty_pages, NULL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, xalloc_ksize(p)));
	xalloc_free(p);
}

/*
 * krealloc: a size the object holds keeps it (zeroing what lies past the
 * new size under __GFP_ZERO); a larger one moves the contents; NULL
 * allocates; 0 frees; a pointer that is no object is left alone.
 */
static void krealloc_keeps_the_contents(struct kunit *test)
{
	char *p = xalloc_kmalloc(24, GFP_KERNEL), *q;
	void *foreign = kunit_kmalloc(test, 64, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 24; i++)
		p[i] = i;
	memset(p + 24, 0x77, 8);
	q = xalloc_krealloc(p, 20, GFP_KERNEL | __GFP_ZERO);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_TRUE(test, xt_bytes_are(p + 20, 0, 12));
	q = xalloc_krealloc(p, 1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(q), 1024UL);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, q[i], (char)i);
	/* The old object went back. */
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 0UL);
	KUNIT_EXPECT_PTR_EQ(test, xalloc_krealloc(q, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(q), 0UL);

	p = xalloc_krealloc(NULL, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(p), 128UL);
	xalloc_free(p);
	KUNIT_EXPECT_NULL(test, xalloc_krealloc(foreign, 100, GFP_KERNEL));
}

static struct kunit_case kmalloc_cases[] = {
	KUNIT_CASE(sizes_take_their_class),
	KUNIT_CASE(kzalloc_zeroes_the_class),
	KUNIT_CASE(edge_sizes),
	KUNIT_CASE(krealloc_keeps_the_contents),
	KUNIT_CASE(huge_objects_take_a_segment),
	KUNIT_CASE(huge_kzalloc_zeroes_without_init_on_alloc),
	{}
};

static struct kunit_suite kmalloc_suite = {
	.name = "xalloc_kmalloc",
	.test_cases = kmalloc_cases,
};

kunit_test_suite(kmalloc_suite);
