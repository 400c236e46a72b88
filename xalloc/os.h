/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operating-system boundary of xalloc.
 *
 * Everything the allocator core needs from its host goes through this
 * header: segment memory, per-CPU heaps and their locks, the atomics of
 * remote frees, deferred work, running a function on every CPU, and
 * printing. The core (alloc.c, free.c, heap.c, visit.c, page.c, segment.c,
 * cache.c, rcu.c, huge.c, report.c, track.c, debug.c) includes no other
 * kernel header, so it can be rebuilt on top of another implementation of
 * this file, outside the kernel.
 */
#ifndef _XALLOC_OS_H
#define _XALLOC_OS_H

#ifndef __KERNEL__
/* The same boundary in user space: see userspace/xalloc_os_user.h. */
#include "../userspace/xalloc_os_user.h"
#else

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kasan-checks.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/local_lock.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/swab.h>
#include <linux/topology.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "../include/xalloc.h"

/* Printing: every message names the allocator. */
#define xalloc_warn(fmt, ...)	pr_warn("xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_err(fmt, ...)	pr_err("xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_info(fmt, ...)	pr_info("xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_warn_ratelimited(fmt, ...) \
	pr_warn_ratelimited("xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_err_ratelimited(fmt, ...) \
	pr_err_ratelimited("xalloc: " fmt, ##__VA_ARGS__)
/* One rate limit shared by several call sites. */
#define XALLOC_DEFINE_RATELIMIT(name) \
	DEFINE_RATELIMIT_STATE(name, DEFAULT_RATELIMIT_INTERVAL, \
			       DEFAULT_RATELIMIT_BURST)
#define xalloc_ratelimit(state)		__ratelimit(state)

/* How a code address prints: as a symbol and offset. */
#define XALLOC_OS_CODE_FMT		"%pS"

#define xalloc_swab(word)		swab(word)
#define xalloc_os_random_long()		get_random_long()

/* Event counters that any CPU may bump. */
#define xalloc_event_inc(counter)	atomic_long_inc(counter)
#define xalloc_event_add(counter, n)	atomic_long_add(n, counter)
#define xalloc_event_dec_release(counter) \
	atomic_long_dec_return_release(counter)
#define xalloc_event_read_acquire(counter) \
	((u64)atomic_long_read_acquire(counter))
#define xalloc_event_read(counter)	((u64)atomic_long_read(counter))
#define xalloc_event_dec(counter)	atomic_long_dec(counter)
#define xalloc_event_sub(counter, n)	atomic_long_sub(n, counter)

/*
 * The allocator's own metadata (caches, pools, the registry's chunks),
 * from the kernel's allocators. Callers ask xalloc_os_should_fail() first
 * where a test injects failures.
 */
#define xalloc_os_meta_zalloc(size, gfp)	kzalloc(size, gfp)
#define xalloc_os_meta_calloc(n, size)		kcalloc(n, size, GFP_KERNEL)
#define xalloc_os_meta_free(p)			kfree(p)
/* Large arrays: vmalloc'd when the page allocator cannot give them. */
#define xalloc_os_meta_big_calloc(n, size)	kvcalloc(n, size, GFP_KERNEL)
#define xalloc_os_meta_big_free(p)		kvfree(p)
#define xalloc_os_strdup(s)			kstrdup(s, GFP_KERNEL)

/*
 * Bits of a bitmap that lookups test without a lock: a set publishes
 * what was written before it (release), a test that finds the bit set
 * sees it (acquire).
 */
static inline void xalloc_os_bit_publish(unsigned long nr,
					 unsigned long *map)
{
	/* Orders the writes before the set bit, which is not itself a barrier. */
	smp_mb__before_atomic();
	set_bit(nr, map);
}

#define xalloc_os_bit_clear(nr, map)		clear_bit(nr, map)
#define xalloc_os_bit_test_acquire(nr, map)	test_bit_acquire(nr, map)
/* Install @new at *@p if it is still @old; true if it was. Fully ordered. */
#define xalloc_os_cas_ptr(p, old, new) ({				\
	typeof(p) __p = (p);						\
	typeof(*__p) __old = (old);					\
									\
	cmpxchg(__p, __old, new) == __old;				\
})

/* Time, in ticks of xalloc_os_now(). */
#define XALLOC_OS_TICKS_PER_SEC			HZ
#define xalloc_os_ms_to_ticks(ms)		msecs_to_jiffies(ms)
#define xalloc_os_time_before(a, b)		time_before(a, b)

/*
 * kmemleak, whose calls are empty inlines on kernels without
 * CONFIG_DEBUG_KMEMLEAK. Segments are vmap()ed or page-allocator memory,
 * which kmemleak neither tracks nor scans, so each object is told to it:
 * a leaked object is reported, and what an object points to is seen. It
 * scans per-CPU memory, the heaps among it, so the object arrays must not
 * keep stale pointers to objects handed out (XALLOC_LEAK_TRACKING).
 */
#define XALLOC_LEAK_TRACKING		IS_ENABLED(CONFIG_DEBUG_KMEMLEAK)
#define xalloc_os_leak_alloc(obj, size, gfp) \
	kmemleak_alloc(obj, size, 1, gfp)
#define xalloc_os_leak_free(obj)	kmemleak_free(obj)

/*
 * KASAN (os.c). On a kernel with generic KASAN, free blocks and the bytes
 * past each object are poisoned in KASAN's shadow, so that the code of
 * xalloc's users, which KASAN instruments, is reported when it touches an
 * object after its free or past its end. The files that handle blocks
 * themselves are built without instrumentation (see Kbuild). Addresses
 * and spans are multiples of 8 bytes, KASAN's granule.
 *
 * xalloc_os_kasan_free(): the @span bytes at @block are free.
 * xalloc_os_kasan_alloc(): the first @size bytes at @obj may be used,
 * the rest of @span is a red zone.
 */
/*
 * A caller's array that an uninstrumented file reads or writes, checked
 * as the caller's own code would be (empty inlines without KASAN).
 */
#define xalloc_os_kasan_check_read(p, size)	__kasan_check_read(p, size)
#define xalloc_os_kasan_check_write(p, size)	__kasan_check_write(p, size)

#ifdef CONFIG_KASAN_GENERIC
void xalloc_os_kasan_free(const void *block, unsigned long span);
void xalloc_os_kasan_alloc(const void *obj, unsigned long size,
			   unsigned long span);
#else

static inline void xalloc_os_kasan_free(const void *block,
					unsigned long span)
{
}

static inline void xalloc_os_kasan_alloc(const void *obj, unsigned long size,
					 unsigned long span)
{
}
#endif

/*
 * Segment memory (os.c). A segment is aligned to its own size, so that the
 * segment of any block is found with one mask. Mapping may sleep: callers
 * only get here with a gfp that allows blocking.
 */
void *xalloc_os_map_segment(unsigned long size, int node, gfp_t gfp);
void *xalloc_os_map_direct_segment(unsigned long size, int node, gfp_t gfp);
void xalloc_os_unmap_segment(void *segment, unsigned long size);
unsigned long xalloc_os_segment_overhead(unsigned long size);

/*
 * Where segments can lie, for the segment registry: the vmalloc area, and
 * the direct map (all the physical memory the kernel can map, hot-added
 * memory included) for XALLOC_DIRECT_MAP segments.
 */
#define XALLOC_OS_SEGMENT_AREA_START	VMALLOC_START
#define XALLOC_OS_SEGMENT_AREA_END	VMALLOC_END
#define XALLOC_OS_DIRECT_AREA_START	PAGE_OFFSET
#define XALLOC_OS_DIRECT_AREA_END	(PAGE_OFFSET + BIT_ULL(MAX_PHYSMEM_BITS))
#define xalloc_os_in_segment_area(p)	is_vmalloc_addr(p)

static inline bool xalloc_os_may_sleep(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp);
}

static inline bool xalloc_os_must_not_fail(gfp_t gfp)
{
	return gfp & __GFP_NOFAIL;
}

#define xalloc_os_cond_resched()	cond_resched()
#define xalloc_os_cache_line_size()	cache_line_size()

/* Flags vmalloc understands, taken from an allocation's gfp. */
static inline gfp_t xalloc_os_segment_gfp(gfp_t gfp)
{
	return (gfp & (GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL |
		       __GFP_NORETRY | __GFP_NOFAIL)) | __GFP_NOWARN;
}

/*
 * Locks. A spinlock is taken with interrupts off (_irqsave) wherever an
 * interrupt may take it too; a raw one stays a spinning lock on
 * PREEMPT_RT, for sections that may be reached from any context there.
 */
struct xalloc_os_spinlock {
	spinlock_t lock;	/* the kernel's, wrapped for the boundary */
};

#define xalloc_os_spin_init(l)		spin_lock_init(&(l)->lock)
#define xalloc_os_spin_lock(l)		spin_lock(&(l)->lock)
#define xalloc_os_spin_unlock(l)	spin_unlock(&(l)->lock)
#define xalloc_os_spin_lock_irqsave(l, flags) \
	spin_lock_irqsave(&(l)->lock, flags)
#define xalloc_os_spin_unlock_irqrestore(l, flags) \
	spin_unlock_irqrestore(&(l)->lock, flags)

struct xalloc_os_raw_spinlock {
	raw_spinlock_t lock;
};

#define xalloc_os_raw_init(l)		raw_spin_lock_init(&(l)->lock)
#define xalloc_os_raw_lock(l)		raw_spin_lock(&(l)->lock)
#define xalloc_os_raw_lock_irqsave(l, flags) \
	raw_spin_lock_irqsave(&(l)->lock, flags)
#define xalloc_os_raw_unlock_irqrestore(l, flags) \
	raw_spin_unlock_irqrestore(&(l)->lock, flags)
#define xalloc_os_raw_assert_held(l)	lockdep_assert_held(&(l)->lock)
#define xalloc_os_irq_save(flags)	local_irq_save(flags)

/* A sleeping lock, for process context. */
struct xalloc_os_mutex {
	struct mutex lock;	/* the kernel's, wrapped for the boundary */
};

#define xalloc_os_mutex_init(m)		mutex_init(&(m)->lock)
#define xalloc_os_mutex_lock(m)		mutex_lock(&(m)->lock)
#define xalloc_os_mutex_unlock(m)	mutex_unlock(&(m)->lock)

/*
 * Deferred work (os.c): @fn runs later, in process context, on one of two
 * queues. XALLOC_QUEUE_BACKGROUND is the kernel's unbound queue;
 * XALLOC_QUEUE_RECLAIM is xalloc's own, which runs work on the CPU that
 * queued it and keeps running under memory pressure (WQ_MEM_RECLAIM), for
 * the work that frees memory. A grace-period work runs after an RCU grace
 * period, on XALLOC_QUEUE_RECLAIM.
 */
struct xalloc_os_work {
	struct work_struct work;
	void (*fn)(struct xalloc_os_work *work);
};

struct xalloc_os_delayed_work {
	struct delayed_work work;
	void (*fn)(struct xalloc_os_delayed_work *work);
};

struct xalloc_os_gp_work {
	struct rcu_work work;
	void (*fn)(struct xalloc_os_gp_work *work);
};

/*
 * CPU sections and claims, on which the per-CPU heaps rely (see
 * xalloc_heap_claim() in internal.h and struct xalloc_heap):
 *
 *  - every allocation and free runs in a CPU section, which keeps it on
 *    its CPU and is an RCU read-side section (see "Free sections" below):
 *    preempt_disable(), or on PREEMPT_RT, where the heap lock sleeps,
 *    rcu_read_lock() and migrate_disable();
 *  - in it, a fast path claims the heap's object array: a plain flag,
 *    since only an interrupt on this CPU can see it, and that interrupt
 *    runs to its end before the claimer resumes. On PREEMPT_RT another
 *    task may run on this CPU meanwhile, so the claim is the heap lock
 *    (XALLOC_CLAIM_IS_LOCK);
 *  - the page path takes the heap lock, which disables interrupts (but on
 *    PREEMPT_RT).
 */
#ifdef CONFIG_PREEMPT_RT
#define xalloc_cpu_enter()		do { rcu_read_lock(); migrate_disable(); } while (0)
#define xalloc_cpu_exit()		do { migrate_enable(); rcu_read_unlock(); } while (0)
#define XALLOC_CLAIM_IS_LOCK		true
#else
#define xalloc_cpu_enter()		preempt_disable()
#define xalloc_cpu_exit()		preempt_enable()
#define XALLOC_CLAIM_IS_LOCK		false
#endif

/*
 * Per-CPU data, and the lock of a CPU's own copy (interrupts off but on
 * PREEMPT_RT, where it sleeps): @pcpu is a per-CPU pointer, and
 * @pcpu_lock the lock inside the copy it points to.
 */
struct xalloc_os_cpu_lock {
	local_lock_t lock;
};

#define xalloc_os_alloc_percpu(type)	alloc_percpu(type)
#define xalloc_os_free_percpu(pcpu)	free_percpu(pcpu)
#define xalloc_os_this_ptr(pcpu)	this_cpu_ptr(pcpu)
#define xalloc_os_cpu_ptr(pcpu, cpu)	per_cpu_ptr(pcpu, cpu)
#define xalloc_os_cpu_lock_init(l)	local_lock_init(&(l)->lock)
#define xalloc_os_cpu_lock(pcpu_l)	local_lock(&(pcpu_l)->lock)
#define xalloc_os_cpu_unlock(pcpu_l)	local_unlock(&(pcpu_l)->lock)
#define xalloc_os_cpu_lock_irqsave(pcpu_l, flags) \
	local_lock_irqsave(&(pcpu_l)->lock, flags)
#define xalloc_os_cpu_unlock_irqrestore(pcpu_l, flags) \
	local_unlock_irqrestore(&(pcpu_l)->lock, flags)
#define xalloc_os_cpu_assert_held(l)	lockdep_assert_held(&(l)->lock)
/*
 * Add to a field of this CPU's copy, atomically with respect to this CPU:
 * one instruction on x86, interrupts off around it elsewhere.
 */
#define xalloc_os_this_cpu_add(pcpu_field, n)	this_cpu_add(pcpu_field, n)

#define xalloc_for_each_cpu(cpu)	for_each_possible_cpu(cpu)

static inline bool xalloc_cpu_online(int cpu)
{
	return cpu_online(cpu);
}

static inline int xalloc_this_cpu(void)
{
	return smp_processor_id();
}

static inline int xalloc_this_node(void)
{
	return numa_mem_id();
}

/* How many node numbers this kernel can have. */
static inline int xalloc_os_nr_nodes(void)
{
	return nr_node_ids;
}

/* Is @node a node number this kernel can have? */
static inline bool xalloc_os_node_valid(int node)
{
	return node >= 0 && node < xalloc_os_nr_nodes();
}

static inline bool xalloc_os_node_has_memory(int node)
{
	return node_state(node, N_MEMORY);
}

/* Zeroing as SLUB does it: init_on_alloc, init_on_free, __GFP_ZERO. */
static inline bool xalloc_os_init_on_alloc(gfp_t gfp)
{
	return want_init_on_alloc(gfp);
}

static inline bool xalloc_os_init_on_free(void)
{
	return want_init_on_free();
}

static inline void xalloc_os_might_alloc(gfp_t gfp)
{
	might_alloc(gfp);
}

/*
 * Objects are not charged to memory cgroups (see "Memory cgroups" in
 * Documentation/xalloc.rst): say so once to whoever asks. Called on the
 * slow paths, which every cache's first allocation takes.
 */
static inline void xalloc_os_check_account(gfp_t gfp)
{
	if (unlikely(gfp & __GFP_ACCOUNT))
		pr_warn_once("xalloc: __GFP_ACCOUNT ignored: objects are not charged to memory cgroups\n");
}

/*
 * The thread_free word of a page: a block pointer with flag bits in its low
 * bits. Pushers publish the block's next pointer with a fully ordered
 * compare-and-swap; the owner takes the list with acquire.
 */
static inline unsigned long xalloc_atomic_read(atomic_long_t *word)
{
	return atomic_long_read(word);
}

static inline void xalloc_atomic_set(atomic_long_t *word,
				     unsigned long val)
{
	atomic_long_set(word, val);
}

static inline bool xalloc_atomic_cas(atomic_long_t *word,
				     unsigned long *old, unsigned long new)
{
	return atomic_long_try_cmpxchg(word, (long *)old, new);
}

/* Keep only the bits in @mask; return the old value. */
static inline unsigned long
xalloc_atomic_fetch_and_acquire(atomic_long_t *word, unsigned long mask)
{
	return atomic_long_fetch_and_acquire(mask, word);
}

static inline void xalloc_atomic_clear_bits(atomic_long_t *word,
					    unsigned long bits)
{
	atomic_long_andnot(bits, word);
}

/*
 * Run @fn(@arg) on @cpu, in process context, and wait for it. Callers hold
 * the CPU hotplug read lock so that @cpu stays online.
 */
static inline long xalloc_os_run_on_cpu(int cpu, long (*fn)(void *),
					void *arg)
{
	return work_on_cpu(cpu, fn, arg);
}

#define xalloc_os_hotplug_lock()	cpus_read_lock()
#define xalloc_os_hotplug_unlock()	cpus_read_unlock()

/*
 * Fault injection (os.c): segment and metadata allocations ask first, so
 * that tests can make them fail (fail_nth, or the debugfs attributes under
 * /sys/kernel/debug/xalloc/). Always false without CONFIG_FAULT_INJECTION.
 */
enum xalloc_fault {
	XALLOC_FAULT_SEGMENT,
	XALLOC_FAULT_METADATA,
};

bool xalloc_os_should_fail(enum xalloc_fault fault, size_t size);
void xalloc_os_faults_init(struct dentry *debugfs_dir);

/*
 * Memory pressure (os.c): a shrinker that counts segments with
 * xalloc_segment_count_reclaimable(), unmaps the empty ones with
 * xalloc_segment_release_empty(), and asks the caches to collect and give
 * back what remote frees emptied with xalloc_segment_request_reclaim().
 */
int xalloc_os_shrinker_init(void);
void xalloc_os_shrinker_exit(void);
unsigned long xalloc_segment_count_reclaimable(void);
unsigned long xalloc_segment_release_empty(unsigned long max);
void xalloc_segment_request_reclaim(void);

/*
 * Stacks, for XALLOC_STORE_USER (os.c): saved in the kernel's stack
 * depot, where it has one, as a handle; 0 means none.
 */
int xalloc_os_stack_init(void);
u32 xalloc_os_save_stack(unsigned long *caller);
void xalloc_os_print_stack(u32 stack);

/* Who and when, for the tracks: any context, preemptible or not. */
static inline int xalloc_os_task_pid(void)
{
	return in_task() ? task_pid_nr(current) : 0;
}

static inline int xalloc_os_cpu_hint(void)
{
	return raw_smp_processor_id();
}

#define xalloc_os_now()		jiffies

/* The background refill: nobody waits for it, so it never insists. */
#define XALLOC_REFILL_GFP	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

/*
 * CPU hotplug (os.c): @cpu_dead runs after a CPU has gone offline, on
 * another CPU, in process context, under the hotplug write lock.
 */
int xalloc_os_hotplug_init(int (*cpu_dead)(unsigned int cpu));
void xalloc_os_hotplug_exit(void);

/*
 * Free sections. A free runs in its CPU section from the lookup of its
 * pointer to its push, and a CPU section is an RCU read-side section
 * (synchronize_rcu() waits for preempt-disabled regions too). Whoever
 * gives memory back waits for the sections under way with a grace period:
 * a page is lent to another cache, and a segment unmapped, only after one,
 * so a free that looked a page up never writes into memory that has
 * changed hands since; abandoning a dead CPU's pages waits the same way
 * for the frees that are queueing them.
 */
#define xalloc_os_wait_frees()		synchronize_rcu()

/*
 * The arrays of xalloc_free_rcu() (rcu.c), allocated where it may sleep:
 * kmalloc memory, which kmemleak scans, so that an object waiting in an
 * array is still referenced; zeroed, so that no stale pointer is.
 */
#define xalloc_os_alloc_rcu_batch(size) \
	kmalloc(size, GFP_KERNEL | __GFP_ZERO | __GFP_NORETRY | \
		__GFP_NOMEMALLOC | __GFP_NOWARN)
#define xalloc_os_free_rcu_batch(batch)	kfree(batch)

/* Run @fn(@head) after a grace period, from any context; wait for all. */
#define xalloc_os_after_gp(head, fn)	call_rcu(head, fn)
#define xalloc_os_gp_barrier()		rcu_barrier()

/* Grace-period cookies: has a grace period passed since the cookie? */
#define xalloc_os_gp_cookie()		get_state_synchronize_rcu()
#define xalloc_os_gp_completed_cookie()	get_completed_synchronize_rcu()
#define xalloc_os_gp_passed(cookie)	poll_state_synchronize_rcu(cookie)

#endif /* __KERNEL__ */

/*
 * Declared once for both implementations of the boundary: the deferred
 * work interface (its types are each implementation's) and the fast
 * path's claim of a heap's object array.
 */
enum xalloc_os_queue {
	XALLOC_QUEUE_BACKGROUND,
	XALLOC_QUEUE_RECLAIM,
};

int xalloc_os_work_init_queues(void);
void xalloc_os_work_exit_queues(void);
void xalloc_os_work_init(struct xalloc_os_work *work,
			 void (*fn)(struct xalloc_os_work *work));
void xalloc_os_delayed_work_init(struct xalloc_os_delayed_work *work,
				 void (*fn)(struct xalloc_os_delayed_work *work));
void xalloc_os_gp_work_init(struct xalloc_os_gp_work *work,
			    void (*fn)(struct xalloc_os_gp_work *work));
bool xalloc_os_queue_work(enum xalloc_os_queue queue,
			  struct xalloc_os_work *work);
/* Queue @work to run after @delay ticks, unless it is queued already. */
bool xalloc_os_queue_delayed_work(enum xalloc_os_queue queue,
				  struct xalloc_os_delayed_work *work,
				  unsigned long delay);
/* Queue @work to run after @delay ticks, queued already or not. */
void xalloc_os_mod_delayed_work(enum xalloc_os_queue queue,
				struct xalloc_os_delayed_work *work,
				unsigned long delay);
void xalloc_os_queue_gp_work(struct xalloc_os_gp_work *work);
void xalloc_os_cancel_work_sync(struct xalloc_os_work *work);
void xalloc_os_cancel_delayed_work_sync(struct xalloc_os_delayed_work *work);
void xalloc_os_flush_work(struct xalloc_os_work *work);
void xalloc_os_flush_reclaim_queue(void);

/*
 * The compiler barriers keep the array's accesses inside the claim; no
 * CPU barrier is needed, as only this CPU reads the flag.
 */
static __always_inline bool xalloc_os_claim(unsigned int *busy)
{
	if (READ_ONCE(*busy))
		return false;
	WRITE_ONCE(*busy, 1);
	barrier();
	return true;
}

static __always_inline void xalloc_os_unclaim(unsigned int *busy)
{
	barrier();
	WRITE_ONCE(*busy, 0);
}

#endif /* _XALLOC_OS_H */
