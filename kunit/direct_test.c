// SPDX-License-Identifier: GPL-2.0
/*
 * XALLOC_DIRECT_MAP: objects in the direct map, where virt_to_page(),
 * page_to_nid(), virt_to_phys() and a list_lru work as on slab objects;
 * an allocation that finds no 512 KiB block fails cleanly; sizes that do
 * not fit are refused.
 */
#include <linux/io.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/nodemask.h>

#include "xalloc_test.h"

/* The shape of an inode as the VFS keeps it: on a list_lru. */
struct lru_obj {
	struct list_head lru;
	unsigned long id;
	char rest[600];
};

#define DIRECT_OBJS	300	/* a few 64 KiB pages of 640 B objects */

/*
 * Is @obj in the direct map, its struct page the one whose memory holds
 * it, on @node (NUMA_NO_NODE: any)?
 */
static bool in_direct_map(const void *obj, int node)
{
	struct page *page;

	if (is_vmalloc_addr(obj) || !virt_addr_valid(obj))
		return false;
	page = virt_to_page(obj);
	if (page_address(page) != (void *)ALIGN_DOWN((unsigned long)obj,
						     PAGE_SIZE) ||
	    virt_to_phys((void *)obj) !=
	    page_to_phys(page) + offset_in_page(obj))
		return false;
	return node == NUMA_NO_NODE || page_to_nid(page) == node;
}

/*
 * Objects of a direct-map cache are in the direct map, of this CPU's
 * node, and asked for on a node, of that node; those of a plain cache are
 * not. The lookups work on them as on any object.
 */
static void direct_objects_have_struct_pages(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "xt_direct",
					       sizeof(struct lru_obj), 0,
					       XALLOC_DIRECT_MAP, NULL);
	struct xalloc_cache *plain = xt_create(test, "xt_direct_plain",
					       sizeof(struct lru_obj), 0, 0,
					       NULL);
	struct xalloc_obj_info info;
	unsigned int i, wrong = 0;
	void **objs, *obj;
	int node;

	objs = kunit_kcalloc(test, DIRECT_OBJS, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	for (i = 0; i < DIRECT_OBJS; i++) {
		objs[i] = xalloc_cache_alloc(cache, GFP_KERNEL);
		if (!objs[i] || !in_direct_map(objs[i], numa_mem_id()))
			wrong++;
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, xalloc_ksize(objs[7]), sizeof(struct lru_obj));
	KUNIT_ASSERT_TRUE(test, xalloc_obj_info(objs[7] + 20, &info));
	KUNIT_EXPECT_PTR_EQ(test, info.object, objs[7]);
	KUNIT_EXPECT_STREQ(test, info.cache, "xt_direct");
	for (i = 0; i < DIRECT_OBJS; i++)
		xalloc_cache_free(cache, objs[i]);

	for_each_node_state(node, N_MEMORY) {
		obj = xalloc_cache_alloc_node(cache, GFP_KERNEL, node);
		KUNIT_EXPECT_TRUE_MSG(test, in_direct_map(obj, node),
				      "node %d", node);
		xalloc_cache_free(cache, obj);
	}

	obj = xalloc_cache_alloc(plain, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(obj));
	xalloc_cache_free(plain, obj);
}

struct lru_run {
	struct xalloc_cache *cache;
	struct list_lru *lru;
	struct lru_obj **objs;
	unsigned int n;
	unsigned int done;
};

/* Allocate run->n objects and put each on the list_lru. */
static long lru_add_on_cpu(void *arg)
{
	struct lru_run *run = arg;
	struct lru_obj *obj;
	unsigned int i;

	run->done = 0;
	for (i = 0; i < run->n; i++) {
		obj = xalloc_cache_alloc(run->cache, GFP_KERNEL);
		run->objs[i] = obj;
		if (!obj)
			continue;
		obj->id = i;
		INIT_LIST_HEAD(&obj->lru);
		if (list_lru_add_obj(run->lru, &obj->lru))
			run->done++;
	}
	return 0;
}

/* Take run's objects off the list_lru, and free them. */
static long lru_del_on_cpu(void *arg)
{
	struct lru_run *run = arg;
	unsigned int i;

	run->done = 0;
	for (i = 0; i < run->n; i++) {
		if (!run->objs[i])
			continue;
		if (list_lru_del_obj(run->lru, &run->objs[i]->lru))
			run->done++;
		xalloc_cache_free(run->cache, run->objs[i]);
	}
	return 0;
}

static void destroy_lru(void *lru)
{
	list_lru_destroy(lru);
}

/*
 * The minix inode cache's crash at unmount: objects go on a list_lru
 * (memcg-aware where the kernel has memcg, as a superblock's inode list),
 * which files each under the node of its struct page, on two CPUs of
 * different nodes where there are two: each node counts the objects its
 * CPU allocated; each CPU then takes the
 * other's objects off and frees them (remote frees), and the cache ends
 * empty.
 */
static void direct_objects_on_a_list_lru(struct kunit *test)
{
	struct xalloc_cache *cache = xt_create(test, "xt_direct_lru",
					       sizeof(struct lru_obj), 0,
					       XALLOC_DIRECT_MAP, NULL);
	struct xalloc_cache_stats st;
	struct lru_run *runs;
	struct list_lru *lru;
	unsigned long expect;
	int a, b, node;
	unsigned int r;
	int cpus[2];

	xt_two_cpus(test, &a, &b);
	/* The last CPU is on the second node of the check VM. */
	b = cpumask_last(cpu_online_mask);
	cpus[0] = a;
	cpus[1] = b;
	lru = kunit_kzalloc(test, sizeof(*lru), GFP_KERNEL);
	runs = kunit_kcalloc(test, 2, sizeof(*runs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lru);
	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_EQ(test, __list_lru_init(lru, true, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, destroy_lru,
							   lru));
	for (r = 0; r < 2; r++) {
		runs[r].cache = cache;
		runs[r].lru = lru;
		runs[r].n = DIRECT_OBJS;
		runs[r].objs = kunit_kcalloc(test, DIRECT_OBJS,
					     sizeof(*runs[r].objs),
					     GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, runs[r].objs);
		xt_run_on(cpus[r], lru_add_on_cpu, &runs[r]);
		KUNIT_EXPECT_EQ(test, runs[r].done, DIRECT_OBJS);
	}
	KUNIT_EXPECT_EQ(test, list_lru_count(lru), 2UL * DIRECT_OBJS);
	for_each_node(node) {
		expect = 0;
		for (r = 0; r < 2; r++)
			if (cpu_to_mem(cpus[r]) == node)
				expect += DIRECT_OBJS;
		KUNIT_EXPECT_EQ_MSG(test, list_lru_count_node(lru, node),
				    expect, "node %d", node);
	}
	xt_run_on(b, lru_del_on_cpu, &runs[0]);
	xt_run_on(a, lru_del_on_cpu, &runs[1]);
	KUNIT_EXPECT_EQ(test, runs[0].done + runs[1].done, 2U * DIRECT_OBJS);
	KUNIT_EXPECT_EQ(test, list_lru_count(lru), 0UL);
	xalloc_cache_collect(cache);
	xt_stats(cache, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0UL);
	KUNIT_EXPECT_EQ(test, st.thread_free, 0UL);
}

/*
 * No 512 KiB block to be had, as in fragmented memory (injected at the
 * segment's page allocation, and at any other point the mapping reaches
 * in this state): the allocation fails, is counted, and leaves no segment
 * behind; with the failures gone it succeeds in the direct map. With no
 * reserve and objects that fill a segment's one page, every allocation
 * after a shrink needs a new segment.
 */
static void direct_map_without_a_block_fails_cleanly(struct kunit *test)
{
	struct xalloc_cache *cache;
	unsigned int failures;
	void *obj;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	xt_set_reserve(test, "0");
	cache = xt_create(test, "xt_direct_fail", XALLOC_DIRECT_MAP_MAX_SIZE,
			  0, XALLOC_DIRECT_MAP, NULL);
	failures = xt_fail_each_point(test, cache, &obj);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, in_direct_map(obj, NUMA_NO_NODE));
	xalloc_cache_free(cache, obj);
	KUNIT_EXPECT_GE(test, failures, 1U);
	xt_expect_shrunk_after(test, cache, failures);
}

/* Objects above XALLOC_DIRECT_MAP_MAX_SIZE are refused at creation. */
static void direct_map_refuses_large_objects(struct kunit *test)
{
	struct xalloc_cache *cache;

	cache = xalloc_cache_create("xt_direct_big",
				    XALLOC_DIRECT_MAP_MAX_SIZE + 1, 0,
				    XALLOC_DIRECT_MAP, NULL);
	KUNIT_EXPECT_NULL(test, cache);
	xalloc_cache_destroy(cache);
	cache = xalloc_cache_create("xt_direct_big", XALLOC_DIRECT_MAP_MAX_SIZE,
				    0, XALLOC_DIRECT_MAP | XALLOC_DEBUG |
				    XALLOC_STORE_USER, NULL);
	KUNIT_EXPECT_NOT_NULL(test, cache);
	xalloc_cache_destroy(cache);
}

static struct kunit_case direct_cases[] = {
	KUNIT_CASE(direct_objects_have_struct_pages),
	KUNIT_CASE(direct_objects_on_a_list_lru),
	KUNIT_CASE(direct_map_without_a_block_fails_cleanly),
	KUNIT_CASE(direct_map_refuses_large_objects),
	{}
};

static struct kunit_suite direct_suite = {
	.name = "xalloc_direct",
	.test_cases = direct_cases,
};

kunit_test_suite(direct_suite);
