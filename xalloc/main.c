// SPDX-License-Identifier: GPL-2.0
/*
 * xalloc: a slab-style allocator with mimalloc's sharded free lists.
 *
 * Module entry points and parameters.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

/*
 * The segments exist: set, under the parameters' lock, once they are set
 * up and before they go, so that a write never reaches them half made.
 */
static bool segments_live;

/* A new reserve takes effect before the write returns. */
static int reserve_segments_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret && segments_live)
		xalloc_segment_rebalance();
	return ret;
}

static const struct kernel_param_ops reserve_segments_ops = {
	.set = reserve_segments_set,
	.get = param_get_uint,
};

/* A shorter delay applies to the segments waiting already. */
static int give_back_ms_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret && segments_live)
		xalloc_segment_give_back_after(0);
	return ret;
}

static const struct kernel_param_ops give_back_ms_ops = {
	.set = give_back_ms_set,
	.get = param_get_uint,
};

static void set_segments_live(bool live)
{
	kernel_param_lock(THIS_MODULE);
	segments_live = live;
	kernel_param_unlock(THIS_MODULE);
}

module_param_named(debug, xalloc_debug_all, bool, 0644);
MODULE_PARM_DESC(debug,
		 "create every cache with XALLOC_DEBUG: red zones and poison, checked at each allocation and free");

module_param_cb(reserve_segments, &reserve_segments_ops,
		&xalloc_reserve_segments, 0644);
MODULE_PARM_DESC(reserve_segments,
		 "ready reserve per NUMA node, in units of two small pages or one empty segment, before demand scales it; 0 keeps none and gives empty segments back at once (default 1)");

module_param_cb(give_back_ms, &give_back_ms_ops, &xalloc_give_back_ms,
		0644);
MODULE_PARM_DESC(give_back_ms,
		 "how long a segment stays empty before it is unmapped, without memory pressure (default 1000)");

static int __init xalloc_init(void)
{
	int ret = xalloc_os_work_init_queues();

	if (ret)
		return ret;
	ret = xalloc_segments_init();
	if (ret) {
		xalloc_os_work_exit_queues();
		return ret;
	}
	ret = xalloc_rcu_init();
	if (ret) {
		xalloc_segments_exit();
		xalloc_os_work_exit_queues();
		return ret;
	}
	ret = xalloc_caches_init();
	if (ret) {
		xalloc_rcu_exit();
		xalloc_segments_exit();
		xalloc_os_work_exit_queues();
		return ret;
	}
	set_segments_live(true);
	xalloc_debugfs_init();
	xalloc_huge_init();
	ret = xalloc_kmalloc_init();
	if (ret) {
		xalloc_debugfs_exit();
		xalloc_rcu_exit();
		xalloc_caches_exit();
		set_segments_live(false);
		xalloc_segments_exit();
		xalloc_os_work_exit_queues();
	}
	return ret;
}

static void __exit xalloc_exit(void)
{
	xalloc_kmalloc_exit();
	xalloc_debugfs_exit();
	xalloc_rcu_exit();
	xalloc_caches_exit();
	set_segments_live(false);
	xalloc_segments_exit();
	xalloc_os_work_exit_queues();
}

module_init(xalloc_init);
module_exit(xalloc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Slab-style object allocator with sharded free lists");
