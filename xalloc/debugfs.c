// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/xalloc/
 *
 *   summary          one row per cache, slabinfo-like
 *   segments         segments mapped, empty, bytes spanned and held,
 *                    bytes ready to lend, maps and inline maps, huge
 *                    objects
 *   fail_segment/    fault injection for segment mapping
 *   fail_metadata/   fault injection for metadata allocations
 *   <cache>/stats    one "key value" pair per line
 *   <cache>/pages    a header line, then one line per page
 *   <cache>/control  write "collect" to collect every CPU's remote frees,
 *                    "validate" to check every page (-EIO if one is wrong)
 *
 * Counters are read on each CPU under its heap lock, so they are exact when
 * the cache is quiescent.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *xalloc_debugfs_root;

static int stats_show(struct seq_file *m, void *v)
{
	struct xalloc_cache *cache = m->private;
	struct xalloc_cache_stats st;

	xalloc_cache_get_stats(cache, &st);
	seq_printf(m, "object_size %u\n", st.object_size);
	seq_printf(m, "block_size %u\n", st.block_size);
	seq_printf(m, "align %u\n", cache->align);
	seq_printf(m, "segments %lu\n", st.segments);
	seq_printf(m, "pages %lu\n", st.pages);
	seq_printf(m, "reserved %lu\n", st.reserved);
	seq_printf(m, "capacity %lu\n", st.capacity);
	seq_printf(m, "used %lu\n", st.used);
	seq_printf(m, "thread_free %lu\n", st.thread_free);
	seq_printf(m, "local_free %lu\n", st.local_free);
	seq_printf(m, "free %lu\n", st.free);
	seq_printf(m, "allocs %llu\n", st.allocs);
	seq_printf(m, "frees %llu\n", st.frees);
	seq_printf(m, "remote_frees %llu\n", st.remote_frees);
	seq_printf(m, "alloc_fails %llu\n", st.alloc_fails);
	seq_printf(m, "invalid_frees %llu\n", st.invalid_frees);
	seq_printf(m, "corruptions %llu\n", st.corruptions);
	seq_printf(m, "debug %d\n", !!(st.flags & XALLOC_DEBUG));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Snapshot the pages, growing the buffer until every page fits. */
static struct xalloc_page_info *pages_snapshot(struct xalloc_cache *cache,
					       unsigned int *count)
{
	struct xalloc_page_info *info = NULL;
	unsigned int max = 16, n;

	for (;;) {
		info = kvcalloc(max, sizeof(*info), GFP_KERNEL);
		if (!info)
			return NULL;
		n = xalloc_heaps_page_info(cache, info, max);
		if (n <= max)
			break;
		kvfree(info);
		max = n + n / 4;
	}
	*count = n;
	return info;
}

static int pages_show(struct seq_file *m, void *v)
{
	struct xalloc_cache *cache = m->private;
	struct xalloc_page_info *info;
	unsigned int i, n;

	info = pages_snapshot(cache, &n);
	if (!info)
		return -ENOMEM;
	seq_puts(m, "segment page cpu block_size capacity reserved used free local_free thread_free full\n");
	for (i = 0; i < n; i++)
		seq_printf(m, "%p %u %d %u %u %u %u %u %u %u %d\n",
			   info[i].segment, info[i].index, info[i].cpu,
			   info[i].block_size, info[i].capacity,
			   info[i].reserved, info[i].used, info[i].free,
			   info[i].local_free, info[i].thread_free,
			   info[i].full);
	kvfree(info);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pages);

static ssize_t control_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct xalloc_cache *cache = file->private_data;
	char cmd[16];

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	if (!strcmp(strim(cmd), "collect"))
		xalloc_cache_collect(cache);
	else if (!strcmp(strim(cmd), "validate"))
		return xalloc_cache_validate(cache) ? -EIO : len;
	else
		return -EINVAL;
	return len;
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = control_write,
	.llseek = noop_llseek,
};

static int summary_row(struct xalloc_cache *cache, void *arg)
{
	struct seq_file *m = arg;
	struct xalloc_cache_stats st;

	xalloc_cache_get_stats(cache, &st);
	seq_printf(m, "%-20s %8u %8u %6lu %6lu %10lu %10lu %10lu %12llu %12llu %12llu %6llu\n",
		   cache->name, st.object_size, st.block_size, st.segments,
		   st.pages, st.capacity, st.used, st.thread_free, st.allocs,
		   st.frees, st.remote_frees, st.alloc_fails);
	return 0;
}

static int summary_show(struct seq_file *m, void *v)
{
	seq_printf(m, "# %-18s %8s %8s %6s %6s %10s %10s %10s %12s %12s %12s %6s\n",
		   "name", "objsize", "blksize", "segs", "pages", "capacity",
		   "used", "thr_free", "allocs", "frees", "remote_frees",
		   "fails");
	return xalloc_visit_caches(m, summary_row);
}
DEFINE_SHOW_ATTRIBUTE(summary);

static int segments_show(struct seq_file *m, void *v)
{
	struct xalloc_segment_stats st;

	xalloc_segment_get_stats(&st);
	seq_printf(m, "segments %lu\n", st.segments);
	seq_printf(m, "empty %lu\n", st.empty);
	seq_printf(m, "bytes %lu\n", st.bytes);
	seq_printf(m, "held %lu\n", st.held);
	seq_printf(m, "ready %lu\n", st.ready);
	seq_printf(m, "maps %lu\n", st.maps);
	seq_printf(m, "inline_maps %lu\n", st.inline_maps);
	seq_printf(m, "huge %lu\n", st.huge);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(segments);

static int rcu_show(struct seq_file *m, void *v)
{
	struct xalloc_rcu_stats st;

	xalloc_rcu_get_stats(&st);
	seq_printf(m, "pending %lu\n", st.pending);
	seq_printf(m, "queued %lu\n", st.queued);
	seq_printf(m, "batches %lu\n", st.batches);
	seq_printf(m, "unbatched %lu\n", st.unbatched);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rcu);

/**
 * xalloc_debugfs_add_cache() - create the debugfs directory of a cache
 * @cache: the new cache
 *
 * debugfs is a diagnostic aid: a failure here does not fail the cache.
 */
void xalloc_debugfs_add_cache(struct xalloc_cache *cache)
{
	struct dentry *dir;

	dir = debugfs_create_dir(cache->name, xalloc_debugfs_root);
	debugfs_create_file("stats", 0444, dir, cache, &stats_fops);
	debugfs_create_file("pages", 0444, dir, cache, &pages_fops);
	debugfs_create_file("control", 0200, dir, cache, &control_fops);
	cache->debugfs = dir;
}

/**
 * xalloc_debugfs_remove_cache() - remove the debugfs directory of a cache
 * @cache: the cache
 *
 * Waits for readers of its files to finish.
 */
void xalloc_debugfs_remove_cache(struct xalloc_cache *cache)
{
	debugfs_remove_recursive(cache->debugfs);
	cache->debugfs = NULL;
}

int xalloc_debugfs_init(void)
{
	xalloc_debugfs_root = debugfs_create_dir("xalloc", NULL);
	debugfs_create_file("summary", 0444, xalloc_debugfs_root, NULL,
			    &summary_fops);
	debugfs_create_file("segments", 0444, xalloc_debugfs_root, NULL,
			    &segments_fops);
	debugfs_create_file("rcu", 0444, xalloc_debugfs_root, NULL,
			    &rcu_fops);
	xalloc_os_faults_init(xalloc_debugfs_root);
	return 0;
}

void xalloc_debugfs_exit(void)
{
	debugfs_remove_recursive(xalloc_debugfs_root);
}
