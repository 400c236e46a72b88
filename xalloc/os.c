// SPDX-License-Identifier: GPL-2.0
/*
 * What xalloc asks of the kernel beyond inline calls: segment memory,
 * stacks, fault injection, a shrinker and CPU hotplug notifications.
 *
 * Segment memory.
 *
 * A segment must be aligned to its size. vmalloc() gives no alignment to
 * modules (__vmalloc_node() is exported only for the vmalloc test module,
 * and vmalloc_huge() loses its PMD alignment when it falls back to small
 * pages), but an area created with VM_IOREMAP is naturally aligned up to
 * IOREMAP_MAX_ORDER (1 GiB on x86-64). So a segment is built from pages of
 * its node, mapped with vmap(VM_IOREMAP), and VM_MAP_PUT_PAGES hands the
 * pages and their array to vfree() when the segment is released.
 */
#include <linux/cpuhotplug.h>
#include <linux/fault-inject.h>
#include <linux/kasan.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include "compat.h"
#include "os.h"

static void free_pages_array(struct page **pages, unsigned int n)
{
	while (n--)
		__free_page(pages[n]);
	kvfree(pages);
}

/*
 * vmap() allocates its page tables with GFP_KERNEL: for a caller that may
 * not recurse into the filesystem or I/O, say so with a scope, as
 * __vmalloc_area_node() does.
 */
static void *vmap_in_scope(struct page **pages, unsigned int n, gfp_t gfp)
{
	unsigned int flags = 0;
	bool nofs = (gfp & (__GFP_FS | __GFP_IO)) == __GFP_IO;
	bool noio = !(gfp & (__GFP_FS | __GFP_IO));
	void *addr;

	if (nofs)
		flags = memalloc_nofs_save();
	else if (noio)
		flags = memalloc_noio_save();
	addr = vmap(pages, n, VM_MAP | VM_IOREMAP | VM_MAP_PUT_PAGES,
		    PAGE_KERNEL);
	if (nofs)
		memalloc_nofs_restore(flags);
	else if (noio)
		memalloc_noio_restore(flags);
	return addr;
}

/**
 * xalloc_os_map_segment() - map a segment aligned to its size
 * @size: a multiple of PAGE_SIZE, at most 1 << IOREMAP_MAX_ORDER; the
 *        segment is aligned to the power of two at or above it
 * @node: NUMA node for its memory
 * @gfp: flags for the page allocations; must allow blocking
 *
 * Return: the segment, or NULL.
 */
void *xalloc_os_map_segment(unsigned long size, int node, gfp_t gfp)
{
	unsigned int i, n = size >> PAGE_SHIFT;
	struct page **pages;
	void *addr;

	if (xalloc_os_should_fail(XALLOC_FAULT_SEGMENT, size) ||
	    xalloc_os_should_fail(XALLOC_FAULT_METADATA, n * sizeof(*pages)))
		return NULL;
	pages = kvmalloc_array(n, sizeof(*pages), gfp);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++) {
		/* A huge segment is thousands of pages. */
		cond_resched();
		pages[i] = alloc_pages_node(node, gfp, 0);
		if (!pages[i]) {
			free_pages_array(pages, i);
			return NULL;
		}
	}
	addr = vmap_in_scope(pages, n, gfp);
	if (!addr) {
		free_pages_array(pages, n);
		return NULL;
	}
	if (!IS_ALIGNED((unsigned long)addr, roundup_pow_of_two(size))) {
		xalloc_err("segment at %p is not aligned to %lu bytes\n",
			   addr, roundup_pow_of_two(size));
		vfree(addr);
		return NULL;
	}
	return addr;
}

/**
 * xalloc_os_map_direct_segment() - a segment in the direct map
 * @size: a power of two, at least PAGE_SIZE
 * @node: NUMA node for its memory
 * @gfp: flags for the page allocation; must allow blocking
 *
 * One block of the page allocator, naturally aligned to its order
 * physically and so virtually (the direct map starts on a boundary of the
 * largest page table level), compound, as kmalloc_large() asks for. No
 * __GFP_NOFAIL, which the page allocator refuses above order 1 (the
 * caller retries instead).
 *
 * Return: the segment, or NULL when no free block of the order can be
 * had.
 */
void *xalloc_os_map_direct_segment(unsigned long size, int node, gfp_t gfp)
{
	struct page *page;

	if (xalloc_os_should_fail(XALLOC_FAULT_SEGMENT, size))
		return NULL;
	page = alloc_pages_node(node, (gfp & ~__GFP_NOFAIL) | __GFP_COMP,
				get_order(size));
	return page ? page_address(page) : NULL;
}

/**
 * xalloc_os_unmap_segment() - unmap a segment and free its pages
 * @segment: from xalloc_os_map_segment() or xalloc_os_map_direct_segment()
 * @size: its size, as mapped
 *
 * Context: process context; may sleep.
 */
void xalloc_os_unmap_segment(void *segment, unsigned long size)
{
	if (is_vmalloc_addr(segment))
		vfree(segment);
	else
		__free_pages(virt_to_page(segment), get_order(size));
}

/**
 * xalloc_os_segment_overhead() - memory a segment costs beyond its pages
 * @size: the segment size
 *
 * The array of its pages, which vfree() gives back with it; its vmalloc
 * area descriptors; and its share of the page tables that map it: one
 * entry per page of the virtual span it takes, guard page included (vmap
 * places the next area at the next boundary of its alignment). Those page
 * tables stay after the segment is unmapped, as all vmalloc page tables do.
 *
 * Return: the bytes.
 */
unsigned long xalloc_os_segment_overhead(unsigned long size)
{
	unsigned long pages = size >> PAGE_SHIFT;
	unsigned long span = ALIGN(size + PAGE_SIZE, roundup_pow_of_two(size));

	return kmalloc_size_roundup(pages * sizeof(struct page *)) +
	       kmalloc_size_roundup(sizeof(struct vm_struct)) +
	       sizeof(struct vmap_area) +
	       (span >> PAGE_SHIFT) * sizeof(pte_t);
}

#ifdef CONFIG_KASAN_GENERIC
/*
 * Exported for modules (GPL) but declared in mm/kasan/kasan.h, as are the
 * shadow values, which KASAN's reports name: "slab-out-of-bounds" and
 * "slab-use-after-free".
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);

#define XALLOC_KASAN_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)
#define XALLOC_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE */
#define XALLOC_KASAN_FREE	0xFB	/* KASAN_SLAB_FREE */

/*
 * Without KASAN_VMALLOC the vmalloc range's shadow is one read-only zero
 * page, shared: only direct-map segments have a shadow of their own.
 */
static bool kasan_has_shadow(const void *addr)
{
	return IS_ENABLED(CONFIG_KASAN_VMALLOC) || !is_vmalloc_addr(addr);
}

void xalloc_os_kasan_free(const void *block, unsigned long span)
{
	if (kasan_has_shadow(block))
		kasan_poison(block, round_up(span, XALLOC_KASAN_GRANULE),
			     XALLOC_KASAN_FREE, false);
}

void xalloc_os_kasan_alloc(const void *obj, unsigned long size,
			   unsigned long span)
{
	unsigned long whole = round_down(size, XALLOC_KASAN_GRANULE);

	if (!kasan_has_shadow(obj))
		return;
	span = round_up(span, XALLOC_KASAN_GRANULE);
	kasan_poison(obj, whole, 0, false);
	if (whole == span)
		return;
	kasan_poison(obj + whole, span - whole, XALLOC_KASAN_REDZONE, false);
	/* A shadow byte of n: the granule's first n bytes may be used. */
	if (size > whole)
		kasan_poison(obj + whole, XALLOC_KASAN_GRANULE, size - whole,
			     false);
}
#endif

/* Frames kept per stack: enough to see past the caller's caller. */
#define XALLOC_STACK_DEPTH	16

/**
 * xalloc_os_stack_init() - make the stack depot ready, if there is one
 *
 * Context: process context; may sleep.
 *
 * Return: 0, or -ENOMEM when the depot could not be set up (stacks are
 * then not kept).
 */
int xalloc_os_stack_init(void)
{
	if (!IS_ENABLED(CONFIG_STACKDEPOT))
		return 0;
	return stack_depot_init();
}

/**
 * xalloc_os_save_stack() - save the current stack, xalloc's frames left out
 * @caller: set to the first return address outside xalloc, 0 if none
 *
 * Any context but NMI: the depot is asked not to sleep (GFP_NOWAIT, as
 * SLUB's set_track_prepare() asks).
 *
 * Return: the stack depot handle, or 0 without a depot or on failure.
 */
u32 xalloc_os_save_stack(unsigned long *caller)
{
	unsigned long entries[XALLOC_STACK_DEPTH];
	unsigned int n, skip = 0;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	while (skip < n && within_module(entries[skip], THIS_MODULE))
		skip++;
	*caller = skip < n ? entries[skip] : 0;
	if (!IS_ENABLED(CONFIG_STACKDEPOT) || skip == n)
		return 0;
	return stack_depot_save(entries + skip, n - skip, GFP_NOWAIT);
}

/**
 * xalloc_os_print_stack() - print a stack saved by xalloc_os_save_stack()
 * @stack: its handle; 0 prints nothing
 */
void xalloc_os_print_stack(u32 stack)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack)
		stack_depot_print(stack);
}

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(fail_segment);
static DECLARE_FAULT_ATTR(fail_metadata);

/**
 * xalloc_os_should_fail() - ask fault injection whether to fail
 * @fault: what is being allocated
 * @size: how many bytes
 *
 * Return: true if the allocation must fail.
 */
bool xalloc_os_should_fail(enum xalloc_fault fault, size_t size)
{
	return should_fail(fault == XALLOC_FAULT_SEGMENT ? &fail_segment :
			   &fail_metadata, size);
}

/**
 * xalloc_os_faults_init() - expose the fault attributes in debugfs
 * @debugfs_dir: /sys/kernel/debug/xalloc
 *
 * Injected failures print one line each rather than a stack trace, which
 * the test harness would take for a kernel splat.
 */
void xalloc_os_faults_init(struct dentry *debugfs_dir)
{
	fail_segment.verbose = 1;
	fail_metadata.verbose = 1;
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_segment", debugfs_dir, &fail_segment);
	fault_create_debugfs_attr("fail_metadata", debugfs_dir,
				  &fail_metadata);
#endif
}
#else
bool xalloc_os_should_fail(enum xalloc_fault fault, size_t size)
{
	return false;
}

void xalloc_os_faults_init(struct dentry *debugfs_dir)
{
}
#endif

static struct shrinker *segment_shrinker;

static unsigned long shrinker_count(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	return xalloc_segment_count_reclaimable() ?: SHRINK_EMPTY;
}

static unsigned long shrinker_scan(struct shrinker *shrinker,
				   struct shrink_control *sc)
{
	xalloc_segment_request_reclaim();
	return xalloc_segment_release_empty(sc->nr_to_scan);
}

/**
 * xalloc_os_shrinker_init() - give empty segments back under pressure
 *
 * Return: 0 or -ENOMEM.
 */
int xalloc_os_shrinker_init(void)
{
	/* One object is a segment, 512 KiB or 4 MiB: a few at a time. */
	segment_shrinker = xalloc_compat_shrinker_create("xalloc-segments",
							 shrinker_count,
							 shrinker_scan, 4);
	return segment_shrinker ? 0 : -ENOMEM;
}

void xalloc_os_shrinker_exit(void)
{
	xalloc_compat_shrinker_destroy(segment_shrinker);
}

static int xalloc_cpuhp_state;

/**
 * xalloc_os_hotplug_init() - be told when a CPU has gone offline
 * @cpu_dead: called once the CPU is dead
 *
 * The callback runs at the PREPARE stage of CPU teardown, after the CPU has
 * stopped: nothing runs there any more, so its per-CPU state can be taken
 * over from another CPU.
 *
 * Return: 0 or a negative errno.
 */
int xalloc_os_hotplug_init(int (*cpu_dead)(unsigned int cpu))
{
	int ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					    "xalloc:dead", NULL, cpu_dead);

	if (ret < 0)
		return ret;
	xalloc_cpuhp_state = ret;
	return 0;
}

void xalloc_os_hotplug_exit(void)
{
	cpuhp_remove_state_nocalls(xalloc_cpuhp_state);
}

static struct workqueue_struct *reclaim_wq;

static struct workqueue_struct *queue_of(enum xalloc_os_queue queue)
{
	return queue == XALLOC_QUEUE_RECLAIM ? reclaim_wq : system_unbound_wq;
}

int xalloc_os_work_init_queues(void)
{
	reclaim_wq = alloc_workqueue("xalloc_reclaim", WQ_MEM_RECLAIM, 0);
	return reclaim_wq ? 0 : -ENOMEM;
}

void xalloc_os_work_exit_queues(void)
{
	destroy_workqueue(reclaim_wq);
}

static void work_run(struct work_struct *work)
{
	struct xalloc_os_work *w = container_of(work, struct xalloc_os_work,
						work);

	w->fn(w);
}

static void delayed_work_run(struct work_struct *work)
{
	struct xalloc_os_delayed_work *w;

	w = container_of(to_delayed_work(work), struct xalloc_os_delayed_work,
			 work);
	w->fn(w);
}

static void gp_work_run(struct work_struct *work)
{
	struct xalloc_os_gp_work *w;

	w = container_of(to_rcu_work(work), struct xalloc_os_gp_work, work);
	w->fn(w);
}

void xalloc_os_work_init(struct xalloc_os_work *work,
			 void (*fn)(struct xalloc_os_work *work))
{
	INIT_WORK(&work->work, work_run);
	work->fn = fn;
}

void xalloc_os_delayed_work_init(struct xalloc_os_delayed_work *work,
				 void (*fn)(struct xalloc_os_delayed_work *work))
{
	INIT_DELAYED_WORK(&work->work, delayed_work_run);
	work->fn = fn;
}

void xalloc_os_gp_work_init(struct xalloc_os_gp_work *work,
			    void (*fn)(struct xalloc_os_gp_work *work))
{
	INIT_RCU_WORK(&work->work, gp_work_run);
	work->fn = fn;
}

bool xalloc_os_queue_work(enum xalloc_os_queue queue,
			  struct xalloc_os_work *work)
{
	return queue_work(queue_of(queue), &work->work);
}

bool xalloc_os_queue_delayed_work(enum xalloc_os_queue queue,
				  struct xalloc_os_delayed_work *work,
				  unsigned long delay)
{
	return queue_delayed_work(queue_of(queue), &work->work, delay);
}

void xalloc_os_mod_delayed_work(enum xalloc_os_queue queue,
				struct xalloc_os_delayed_work *work,
				unsigned long delay)
{
	mod_delayed_work(queue_of(queue), &work->work, delay);
}

/* call_rcu_hurry() inside: a lazy RCU kernel does not hold it back. */
void xalloc_os_queue_gp_work(struct xalloc_os_gp_work *work)
{
	queue_rcu_work(reclaim_wq, &work->work);
}

void xalloc_os_cancel_work_sync(struct xalloc_os_work *work)
{
	cancel_work_sync(&work->work);
}

void xalloc_os_cancel_delayed_work_sync(struct xalloc_os_delayed_work *work)
{
	cancel_delayed_work_sync(&work->work);
}

void xalloc_os_flush_work(struct xalloc_os_work *work)
{
	flush_work(&work->work);
}

void xalloc_os_flush_reclaim_queue(void)
{
	flush_workqueue(reclaim_wq);
}
