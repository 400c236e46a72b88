/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operating-system boundary of xalloc, in user space.
 *
 * xalloc/os.h includes this instead of its kernel part when __KERNEL__ is
 * not defined, so that the core files build unchanged into a program:
 *
 *  - a "CPU" is a thread that has called xalloc_user_cpu_start(): it owns
 *    that CPU's heaps until xalloc_user_cpu_stop(), which is the CPU going
 *    offline (its heaps are abandoned, and adopted later);
 *  - there are no interrupts, so the interrupts-off sections and the
 *    fast path's claim only keep other threads out where one could enter
 *    (a visit run on a CPU from another thread, see os.c);
 *  - segments are mmap()ed, aligned to their size;
 *  - RCU is a small epoch scheme of os.c, deferred work a worker thread;
 *  - atomics are C11's, through the GCC builtins that implement them.
 *
 * Also here: the generic kernel helpers the core uses (list_head, llist,
 * READ_ONCE, BIT, min_t, ...), under their kernel names, as the kernel's
 * own tools/ headers provide them outside the kernel.
 */
#ifndef _XALLOC_OS_USER_H
#define _XALLOC_OS_USER_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel configuration the core asks about */
#define CONFIG_64BIT			1

/* Types and attributes */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef long long s64;
typedef int8_t s8;
typedef unsigned int gfp_t;
typedef struct {
	long counter;
} atomic_long_t;

#define __percpu
#define __read_mostly
#define noinline			__attribute__((noinline))
#undef __always_inline
#define __always_inline			inline __attribute__((always_inline))
#define __printf(a, b)			__attribute__((format(printf, a, b)))
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define ____cacheline_aligned_in_smp	__attribute__((aligned(64)))
#define __no_sanitize_address		__attribute__((no_sanitize_address))
#define likely(x)			__builtin_expect(!!(x), 1)
#define unlikely(x)			__builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL_GPL(sym)
#define IS_ENABLED(option)		0

/* One argument or two, as the kernel's. */
#undef static_assert
#define static_assert(expr, ...)	__static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...)	_Static_assert(expr, msg)

#define __stringify_1(x)		#x
#define __stringify(x)			__stringify_1(x)

/* Arithmetic and bits */
#define BIT(n)				(1UL << (n))
#define BIT_ULL(n)			(1ULL << (n))
#define BITS_PER_BYTE			8
#define BITS_PER_LONG			64
#define GENMASK(h, l) \
	(((~0UL) - (1UL << (l)) + 1) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define ALIGN(x, a)			(((x) + ((a) - 1)) & ~((typeof(x))(a) - 1))
#define PTR_ALIGN(p, a)			((typeof(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a)		(((x) & ((typeof(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)		(((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a)			(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define min(a, b)			((a) < (b) ? (a) : (b))
#define max(a, b)			((a) > (b) ? (a) : (b))
#define min_t(t, a, b)			((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)			((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define min3(a, b, c)			min(min(a, b), c)
#define clamp_t(t, v, lo, hi)		min_t(t, max_t(t, v, lo), hi)
#define div64_u64(a, b)			((u64)(a) / (u64)(b))
#define is_power_of_2(n)		((n) != 0 && ((n) & ((n) - 1)) == 0)
#define order_base_2(n) \
	((n) > 1 ? (int)(BITS_PER_LONG - __builtin_clzl((n) - 1)) : 0)
#define SZ_256				0x100
#define SZ_512				0x200
#define SZ_1K				0x400
#define SZ_2K				0x800
#define SZ_4K				0x1000
#define SZ_8K				0x2000
#define SZ_16K				0x4000
#define SZ_32K				0x8000
#define SZ_64K				0x10000
#define SZ_128K				0x20000
#define SZ_256K				0x40000
#define SZ_1M				0x100000
#define SZ_16M				0x1000000
#define PAGE_SHIFT			12
#define PAGE_SIZE			(1UL << PAGE_SHIFT)
#define PAGE_ALIGN(x)			ALIGN(x, PAGE_SIZE)
#define NUMA_NO_NODE			(-1)
#define ZERO_SIZE_PTR			((void *)16)
#define ZERO_OR_NULL_PTR(p)		((unsigned long)(p) <= (unsigned long)ZERO_SIZE_PTR)
#define swab(x)				__builtin_bswap64(x)

/* Compiler and memory ordering */
#define barrier()			__asm__ __volatile__("" : : : "memory")
/*
 * READ_ONCE() orders what depends on the value it reads, in the kernel's
 * memory model; C11 has no such order but consume, which compilers make
 * acquire (free on x86).
 */
#define READ_ONCE(x)			__atomic_load_n(&(x), __ATOMIC_CONSUME)
#define WRITE_ONCE(x, v)		__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define data_race(expr)			(expr)
#define smp_mb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Strings */
#define scnprintf(buf, size, ...) \
	xalloc_user_scnprintf(buf, size, __VA_ARGS__)
#define vscnprintf(buf, size, fmt, args) \
	xalloc_user_vscnprintf(buf, size, fmt, args)
#define strscpy(dst, src, size)		xalloc_user_strscpy(dst, src, size)
int xalloc_user_scnprintf(char *buf, size_t size, const char *fmt, ...)
	__printf(3, 4);
int xalloc_user_vscnprintf(char *buf, size_t size, const char *fmt,
			   va_list args);
long xalloc_user_strscpy(char *dst, const char *src, size_t size);

/* Warnings: counted, so that tests can assert there were none. */
extern atomic_long_t xalloc_user_warnings;
#define WARN_ON_ONCE(cond) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		xalloc_user_warn(__FILE__, __LINE__, #cond);		\
	__c;								\
})
void xalloc_user_warn(const char *file, int line, const char *what);

/* Doubly linked lists, with the kernel's interface. */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)		{ &(name), &(name) }
#define LIST_HEAD(name)			struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void __list_link(struct list_head *entry,
			       struct list_head *prev, struct list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

static inline void list_add(struct list_head *entry, struct list_head *head)
{
	__list_link(entry, head, head->next);
}

static inline void list_add_tail(struct list_head *entry,
				 struct list_head *head)
{
	__list_link(entry, head->prev, head);
}

static inline void __list_unlink(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
}

static inline void list_del(struct list_head *entry)
{
	__list_unlink(entry);
	entry->next = NULL;
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_unlink(entry);
	INIT_LIST_HEAD(entry);
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	__list_unlink(entry);
	list_add(entry, head);
}

static inline void list_move_tail(struct list_head *entry,
				  struct list_head *head)
{
	__list_unlink(entry);
	list_add_tail(entry, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

/* Put @list's entries between @prev and @next; @list is left as it was. */
static inline void __list_splice(struct list_head *list,
				 struct list_head *prev,
				 struct list_head *next)
{
	list->next->prev = prev;
	prev->next = list->next;
	list->prev->next = next;
	next->prev = list->prev;
}

static inline void list_splice_init(struct list_head *list,
				    struct list_head *head)
{
	if (!list_empty(list)) {
		__list_splice(list, head, head->next);
		INIT_LIST_HEAD(list);
	}
}

static inline void list_splice_tail_init(struct list_head *list,
					 struct list_head *head)
{
	if (!list_empty(list)) {
		__list_splice(list, head->prev, head);
		INIT_LIST_HEAD(list);
	}
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_prev_entry(pos, member) \
	list_entry((pos)->member.prev, typeof(*(pos)), member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_reverse(pos, head, member)			\
	for (pos = list_entry((head)->prev, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_prev_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, typeof(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (head);					\
	     pos = n, n = list_next_entry(n, member))

/* Lock-free singly linked lists: push from anywhere, take all at once. */
struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

#define LLIST_HEAD(name)		struct llist_head name = { NULL }

static inline void init_llist_head(struct llist_head *list)
{
	list->first = NULL;
}

/* Returns true if the list was empty. */
static inline bool llist_add(struct llist_node *node, struct llist_head *head)
{
	struct llist_node *first = __atomic_load_n(&head->first,
						   __ATOMIC_RELAXED);

	do {
		node->next = first;
	} while (!__atomic_compare_exchange_n(&head->first, &first, node, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	return !first;
}

static inline struct llist_node *llist_del_all(struct llist_head *head)
{
	return __atomic_exchange_n(&head->first, NULL, __ATOMIC_ACQUIRE);
}

#define llist_entry(ptr, type, member)	container_of(ptr, type, member)
#define llist_for_each_entry_safe(pos, n, node, member)			\
	for (pos = (node) ? llist_entry(node, typeof(*pos), member) : NULL; \
	     pos && ((n = pos->member.next ?				\
		      llist_entry(pos->member.next, typeof(*pos), member) : \
		      NULL), true);						\
	     pos = n)

/* Allocation flags: only what the core asks of them matters here. */
#define __GFP_DIRECT_RECLAIM		0x01u
#define __GFP_ZERO			0x02u
#define __GFP_NOWARN			0x04u
#define __GFP_NOFAIL			0x08u
#define __GFP_NORETRY			0x10u
#define __GFP_RETRY_MAYFAIL		0x20u
#define __GFP_ACCOUNT			0x40u
#define __GFP_NOMEMALLOC		0x80u
#define GFP_KERNEL			__GFP_DIRECT_RECLAIM
#define GFP_NOWAIT			0u
#define GFP_ATOMIC			0u

/* RCU (os.c): an rcu_head as the kernel's, and its callbacks. */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#include "../include/xalloc.h"

/* Printing */
#define xalloc_warn(fmt, ...) \
	xalloc_user_print("warn", "xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_err(fmt, ...) \
	xalloc_user_print("err", "xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_info(fmt, ...) \
	xalloc_user_print("info", "xalloc: " fmt, ##__VA_ARGS__)
#define xalloc_warn_ratelimited		xalloc_warn
#define xalloc_err_ratelimited		xalloc_err
#define XALLOC_DEFINE_RATELIMIT(name)	int name
#define xalloc_ratelimit(state)		((void)(state), true)
void xalloc_user_print(const char *level, const char *fmt, ...)
	__printf(2, 3);
#define XALLOC_OS_CODE_FMT		"%p"

#define xalloc_swab(word)		swab(word)
unsigned long xalloc_os_random_long(void);

/* Event counters */
#define xalloc_event_inc(c)	__atomic_fetch_add(&(c)->counter, 1, __ATOMIC_RELAXED)
#define xalloc_event_add(c, n)	__atomic_fetch_add(&(c)->counter, (n), __ATOMIC_RELAXED)
#define xalloc_event_dec(c)	__atomic_fetch_sub(&(c)->counter, 1, __ATOMIC_RELAXED)
#define xalloc_event_sub(c, n)	__atomic_fetch_sub(&(c)->counter, (n), __ATOMIC_RELAXED)
#define xalloc_event_dec_release(c) \
	__atomic_sub_fetch(&(c)->counter, 1, __ATOMIC_RELEASE)
#define xalloc_event_read_acquire(c) \
	((u64)__atomic_load_n(&(c)->counter, __ATOMIC_ACQUIRE))
#define xalloc_event_read(c) \
	((u64)__atomic_load_n(&(c)->counter, __ATOMIC_RELAXED))

/* Metadata memory (os.c counts it, and may fail it: see faults) */
void *xalloc_os_meta_zalloc(size_t size, gfp_t gfp);
void *xalloc_os_meta_calloc(size_t n, size_t size);
void xalloc_os_meta_free(const void *p);
#define xalloc_os_meta_big_calloc(n, size)	xalloc_os_meta_calloc(n, size)
#define xalloc_os_meta_big_free(p)		xalloc_os_meta_free(p)
char *xalloc_os_strdup(const char *s);
#define xalloc_os_alloc_rcu_batch(size) \
	xalloc_os_meta_zalloc(size, GFP_KERNEL)
#define xalloc_os_free_rcu_batch(batch)		xalloc_os_meta_free(batch)

/* Bitmaps read without a lock */
static inline void xalloc_os_bit_publish(unsigned long nr, unsigned long *map)
{
	__atomic_fetch_or(&map[nr / BITS_PER_LONG], BIT(nr % BITS_PER_LONG),
			  __ATOMIC_RELEASE);
}

static inline void xalloc_os_bit_clear(unsigned long nr, unsigned long *map)
{
	__atomic_fetch_and(&map[nr / BITS_PER_LONG],
			   ~BIT(nr % BITS_PER_LONG), __ATOMIC_RELAXED);
}

static inline bool xalloc_os_bit_test_acquire(unsigned long nr,
					      const unsigned long *map)
{
	return __atomic_load_n(&map[nr / BITS_PER_LONG], __ATOMIC_ACQUIRE) &
	       BIT(nr % BITS_PER_LONG);
}

#define xalloc_os_cas_ptr(p, old, new) ({				\
	typeof(*(p)) __old = (old);					\
	__atomic_compare_exchange_n(p, &__old, new, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
})

/* Time: milliseconds since the program started. */
#define XALLOC_OS_TICKS_PER_SEC		1000UL
#define xalloc_os_ms_to_ticks(ms)	((unsigned long)(ms))
#define xalloc_os_time_before(a, b)	((long)((a) - (b)) < 0)
unsigned long xalloc_os_now(void);

/* No KASAN, kmemleak or stack depot here: the sanitizers see instead. */
#define XALLOC_LEAK_TRACKING			false
#define xalloc_os_leak_alloc(obj, size, gfp)	do { } while (0)
#define xalloc_os_leak_free(obj)		do { } while (0)
#define xalloc_os_kasan_check_read(p, size)	do { } while (0)
#define xalloc_os_kasan_check_write(p, size)	do { } while (0)
#define xalloc_os_kasan_free(block, span)	do { } while (0)
#define xalloc_os_kasan_alloc(obj, size, span)	do { } while (0)
static inline int xalloc_os_stack_init(void) { return 0; }
static inline u32 xalloc_os_save_stack(unsigned long *caller)
{
	*caller = (unsigned long)__builtin_return_address(0);
	return 0;
}
static inline void xalloc_os_print_stack(u32 stack) { }

/* Segment memory (os.c) */
void *xalloc_os_map_segment(unsigned long size, int node, gfp_t gfp);
void *xalloc_os_map_direct_segment(unsigned long size, int node, gfp_t gfp);
void xalloc_os_unmap_segment(void *segment, unsigned long size);
unsigned long xalloc_os_segment_overhead(unsigned long size);
/* Segments lie anywhere in user space; there is no direct map. */
#define XALLOC_OS_SEGMENT_AREA_START	0UL
#define XALLOC_OS_SEGMENT_AREA_END	(1UL << 47)
#define XALLOC_OS_DIRECT_AREA_START	0UL
#define XALLOC_OS_DIRECT_AREA_END	0UL
#define xalloc_os_in_segment_area(p)	true

static inline bool xalloc_os_may_sleep(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

static inline bool xalloc_os_must_not_fail(gfp_t gfp)
{
	return gfp & __GFP_NOFAIL;
}

#define xalloc_os_cond_resched()	do { } while (0)
#define xalloc_os_cache_line_size()	64U

static inline gfp_t xalloc_os_segment_gfp(gfp_t gfp)
{
	return gfp | __GFP_NOWARN;
}

/* Locks, on pthread mutexes (os.c) */
struct xalloc_os_spinlock {
	pthread_mutex_t lock;
};

#define xalloc_os_spin_init(l)		pthread_mutex_init(&(l)->lock, NULL)
#define xalloc_os_spin_lock(l)		pthread_mutex_lock(&(l)->lock)
#define xalloc_os_spin_unlock(l)	pthread_mutex_unlock(&(l)->lock)
#define xalloc_os_spin_lock_irqsave(l, flags) \
	do { (flags) = 0; pthread_mutex_lock(&(l)->lock); } while (0)
#define xalloc_os_spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); pthread_mutex_unlock(&(l)->lock); } while (0)

struct xalloc_os_raw_spinlock {
	pthread_mutex_t lock;
};

#define xalloc_os_raw_init(l)		pthread_mutex_init(&(l)->lock, NULL)
#define xalloc_os_raw_lock(l)		pthread_mutex_lock(&(l)->lock)
#define xalloc_os_raw_lock_irqsave(l, flags) \
	do { (flags) = 0; pthread_mutex_lock(&(l)->lock); } while (0)
#define xalloc_os_raw_unlock_irqrestore(l, flags) \
	do { (void)(flags); pthread_mutex_unlock(&(l)->lock); } while (0)
#define xalloc_os_raw_assert_held(l)	do { } while (0)
#define xalloc_os_irq_save(flags)	((flags) = 0)

struct xalloc_os_mutex {
	pthread_mutex_t lock;
};

#define XALLOC_OS_DEFINE_MUTEX(name) \
	struct xalloc_os_mutex name = { .lock = PTHREAD_MUTEX_INITIALIZER }
#define xalloc_os_mutex_init(m)		pthread_mutex_init(&(m)->lock, NULL)
#define xalloc_os_mutex_lock(m) \
	do { xalloc_user_might_sleep(); pthread_mutex_lock(&(m)->lock); } while (0)
#define xalloc_os_mutex_unlock(m)	pthread_mutex_unlock(&(m)->lock)

/* Deferred work: one worker thread runs it, in order of due time (os.c). */
struct xalloc_os_work_item {
	struct xalloc_os_work_item *next;
	void (*run)(struct xalloc_os_work_item *item);
	unsigned long due;
	bool queued;
};

struct xalloc_os_work {
	struct xalloc_os_work_item item;
	void (*fn)(struct xalloc_os_work *work);
};

struct xalloc_os_delayed_work {
	struct xalloc_os_work_item item;
	void (*fn)(struct xalloc_os_delayed_work *work);
};

struct xalloc_os_gp_work {
	struct xalloc_os_work_item item;
	struct rcu_head rcu;
	void (*fn)(struct xalloc_os_gp_work *work);
};

/*
 * CPUs and their sections. A CPU section is also an RCU read-side section,
 * as a preempt-disabled one is in the kernel; the claim is the plain flag
 * of the kernel's non-RT build, since no interrupt can land in a fast path
 * here. A section makes its CPU's sequence odd, with a compiler barrier
 * where the kernel disables preemption; visits and grace periods pay for
 * the ordering instead, with membarrier() (see os.c).
 */
#define XALLOC_USER_MAX_CPUS		64
extern __thread int xalloc_user_cpu;
extern int xalloc_user_nr_cpus;
void rcu_read_lock(void);
void rcu_read_unlock(void);

struct xalloc_user_cpu_state {
	unsigned long seq;		/* odd in a section; its thread's */
	unsigned int visitor;		/* a visit is on: the visitor's */
	pthread_mutex_t visit_lock;	/* one visit at a time */
} __attribute__((aligned(64)));

extern struct xalloc_user_cpu_state xalloc_user_cpu_states[];
extern __thread unsigned int xalloc_user_section_depth;
extern __thread struct xalloc_user_cpu_state *xalloc_user_section_cpu;
extern __thread bool xalloc_user_visiting;
extern bool xalloc_user_hot_side_fences;
__printf(1, 2) __attribute__((noreturn))
void xalloc_user_bug(const char *fmt, ...);
void xalloc_user_cpu_wait_visit(struct xalloc_user_cpu_state *c);

/* As might_sleep(): nothing that may sleep runs in a CPU section. */
static inline void xalloc_user_might_sleep(void)
{
	if (__builtin_expect(xalloc_user_section_depth != 0, 0))
		xalloc_user_bug("sleeping in a CPU section");
}

/* The light side of the asymmetric fence (see os.c). */
static inline void xalloc_user_fence_light(void)
{
	if (__builtin_expect(xalloc_user_hot_side_fences, 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/*
 * Only the CPU's owner writes its sequence: a visitor, which holds the CPU
 * by its visit lock, is an rcu_read_lock() reader in its sections instead.
 */
static inline void xalloc_user_section_mark(struct xalloc_user_cpu_state *c)
{
	__atomic_store_n(&c->seq, __atomic_load_n(&c->seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	xalloc_user_fence_light();
}

static inline void
xalloc_user_section_unmark(struct xalloc_user_cpu_state *c)
{
	__atomic_store_n(&c->seq, __atomic_load_n(&c->seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/*
 * Sections nest; the outermost one marks the CPU it began on, and its end
 * unmarks that CPU. They are entered at the API's entry points, under no
 * lock of the boundary: one that waits for a visit while holding a lock
 * the visit takes would deadlock, where the kernel's could not.
 */
static inline void xalloc_cpu_enter(void)
{
	struct xalloc_user_cpu_state *c;

	if (xalloc_user_section_depth++)
		return;
	if (__builtin_expect(xalloc_user_cpu < 0, 0))
		xalloc_user_bug("a CPU section on a thread that is no CPU");
	if (__builtin_expect(xalloc_user_visiting, 0)) {
		xalloc_user_section_cpu = NULL;
		rcu_read_lock();
		return;
	}
	c = &xalloc_user_cpu_states[xalloc_user_cpu];
	xalloc_user_section_cpu = c;
	for (;;) {
		xalloc_user_section_mark(c);
		if (__builtin_expect(!__atomic_load_n(&c->visitor,
						      __ATOMIC_ACQUIRE), 1))
			return;
		xalloc_user_cpu_wait_visit(c);
	}
}

static inline void xalloc_cpu_exit(void)
{
	if (--xalloc_user_section_depth)
		return;
	if (__builtin_expect(!xalloc_user_section_cpu, 0))
		rcu_read_unlock();
	else
		xalloc_user_section_unmark(xalloc_user_section_cpu);
}

#define XALLOC_CLAIM_IS_LOCK		false

/*
 * Per-CPU data: XALLOC_USER_MAX_CPUS copies, XALLOC_USER_PCPU_STRIDE bytes
 * apart, so that the copy of any field is found from copy 0's by an
 * offset, as the kernel finds it. Allocations share pages, as they share
 * the kernel's per-CPU chunks (os.c).
 */
#define XALLOC_USER_PCPU_STRIDE		(256UL << 10)

/*
 * A CPU's own lock (a local_lock() in the kernel) is a CPU section, as it
 * is preemption and interrupts off in the kernel's non-RT build: one
 * thread at a time is a given CPU, and a visit keeps out of its sections.
 */
struct xalloc_os_cpu_lock {
	char unused;
};

void *xalloc_user_alloc_percpu(size_t size);
void xalloc_user_free_percpu(void *pcpu);
#define xalloc_os_alloc_percpu(type) ({					\
	_Static_assert(sizeof(type) <= XALLOC_USER_PCPU_STRIDE,		\
		       "per-CPU copy too large");			\
	(type *)xalloc_user_alloc_percpu(sizeof(type));			\
})
#define xalloc_os_free_percpu(pcpu)	xalloc_user_free_percpu(pcpu)
#define xalloc_os_cpu_ptr(pcpu, cpu) \
	((typeof(pcpu))((char *)(pcpu) + (cpu) * XALLOC_USER_PCPU_STRIDE))
#define xalloc_os_this_ptr(pcpu)	xalloc_os_cpu_ptr(pcpu, xalloc_user_cpu)
#define xalloc_os_cpu_lock_init(l)	do { } while (0)
#define xalloc_os_cpu_lock(pcpu_l)	xalloc_cpu_enter()
#define xalloc_os_cpu_unlock(pcpu_l)	xalloc_cpu_exit()
#define xalloc_os_cpu_lock_irqsave(pcpu_l, flags) \
	do { (flags) = 0; xalloc_cpu_enter(); } while (0)
#define xalloc_os_cpu_unlock_irqrestore(pcpu_l, flags) \
	do { (void)(flags); xalloc_cpu_exit(); } while (0)
#define xalloc_os_cpu_assert_held(l) do {				\
	if (__builtin_expect(!xalloc_user_section_depth, 0))		\
		xalloc_user_bug("a CPU's lock is not held");		\
} while (0)
#define xalloc_os_this_cpu_add(pcpu_field, n) \
	(*xalloc_os_this_ptr(&(pcpu_field)) += (n))

#define xalloc_for_each_cpu(cpu) \
	for ((cpu) = 0; (cpu) < xalloc_user_nr_cpus; (cpu)++)
bool xalloc_cpu_online(int cpu);

static inline int xalloc_this_cpu(void)
{
	return xalloc_user_cpu;
}

static inline int xalloc_this_node(void)
{
	return 0;
}

static inline int xalloc_os_nr_nodes(void)
{
	return 1;
}

static inline bool xalloc_os_node_valid(int node)
{
	return node == 0;
}

static inline bool xalloc_os_node_has_memory(int node)
{
	return node == 0;
}

static inline bool xalloc_os_init_on_alloc(gfp_t gfp)
{
	return gfp & __GFP_ZERO;
}

static inline bool xalloc_os_init_on_free(void)
{
	return false;
}

/* As might_alloc(): a gfp that may sleep, from a section, is a bug. */
#define xalloc_os_might_alloc(gfp) do {					\
	if ((gfp) & __GFP_DIRECT_RECLAIM)				\
		xalloc_user_might_sleep();				\
} while (0)
#define xalloc_os_check_account(gfp)	do { } while (0)

/* The thread_free word */
static inline unsigned long xalloc_atomic_read(atomic_long_t *word)
{
	return __atomic_load_n(&word->counter, __ATOMIC_RELAXED);
}

static inline void xalloc_atomic_set(atomic_long_t *word, unsigned long val)
{
	__atomic_store_n(&word->counter, val, __ATOMIC_RELAXED);
}

static inline bool xalloc_atomic_cas(atomic_long_t *word, unsigned long *old,
				     unsigned long new)
{
	return __atomic_compare_exchange_n(&word->counter, (long *)old, new,
					   false, __ATOMIC_SEQ_CST,
					   __ATOMIC_RELAXED);
}

static inline unsigned long
xalloc_atomic_fetch_and_acquire(atomic_long_t *word, unsigned long mask)
{
	return __atomic_fetch_and(&word->counter, mask, __ATOMIC_ACQUIRE);
}

static inline void xalloc_atomic_clear_bits(atomic_long_t *word,
					    unsigned long bits)
{
	__atomic_fetch_and(&word->counter, ~bits, __ATOMIC_RELAXED);
}

long xalloc_os_run_on_cpu(int cpu, long (*fn)(void *), void *arg);
void xalloc_os_hotplug_lock(void);
void xalloc_os_hotplug_unlock(void);

/* Fault injection: the fuzzer and the tests set a countdown. */
enum xalloc_fault {
	XALLOC_FAULT_SEGMENT,
	XALLOC_FAULT_METADATA,
};

struct dentry;
bool xalloc_os_should_fail(enum xalloc_fault fault, size_t size);
static inline void xalloc_os_faults_init(struct dentry *dir) { }

/* Memory pressure: the tests call the reclaim entry points directly. */
static inline int xalloc_os_shrinker_init(void) { return 0; }
static inline void xalloc_os_shrinker_exit(void) { }
unsigned long xalloc_segment_count_reclaimable(void);
unsigned long xalloc_segment_release_empty(unsigned long max);
void xalloc_segment_request_reclaim(void);

int xalloc_os_task_pid(void);

static inline int xalloc_os_cpu_hint(void)
{
	return xalloc_user_cpu;
}

#define XALLOC_REFILL_GFP	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

int xalloc_os_hotplug_init(int (*cpu_dead)(unsigned int cpu));
void xalloc_os_hotplug_exit(void);

/* Grace periods (os.c) */
void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head));
void rcu_barrier(void);
unsigned long xalloc_user_gp_cookie(void);
bool xalloc_user_gp_passed(unsigned long cookie);
#define xalloc_os_wait_frees()		synchronize_rcu()
#define xalloc_os_after_gp(head, fn)	call_rcu(head, fn)
#define xalloc_os_gp_barrier()		rcu_barrier()
#define xalloc_os_gp_cookie()		xalloc_user_gp_cookie()
#define xalloc_os_gp_completed_cookie()	0UL
#define xalloc_os_gp_passed(cookie)	xalloc_user_gp_passed(cookie)

#endif /* _XALLOC_OS_USER_H */
