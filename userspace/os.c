// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space implementation of xalloc's OS boundary (see
 * xalloc_os_user.h): CPUs as threads, segments from mmap(), a small RCU,
 * deferred work on one worker thread, and fault injection by countdown.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../xalloc/internal.h"
#include "xalloc_user.h"

__thread int xalloc_user_cpu = -1;
int xalloc_user_nr_cpus = 1;
atomic_long_t xalloc_user_warnings;

/* Printing and strings */

void xalloc_user_print(const char *level, const char *fmt, ...)
{
	va_list args;

	if (!strcmp(level, "info") && !getenv("XALLOC_USER_VERBOSE"))
		return;
	va_start(args, fmt);
	fprintf(stderr, "[%s] ", level);
	vfprintf(stderr, fmt, args);
	va_end(args);
}

int xalloc_user_vscnprintf(char *buf, size_t size, const char *fmt,
			   va_list args)
{
	int len;

	if (!size)
		return 0;
	len = vsnprintf(buf, size, fmt, args);
	if (len < 0)
		return 0;
	return (size_t)len >= size ? (int)size - 1 : len;
}

int xalloc_user_scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int len;

	va_start(args, fmt);
	len = xalloc_user_vscnprintf(buf, size, fmt, args);
	va_end(args);
	return len;
}

long xalloc_user_strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

void xalloc_user_warn(const char *file, int line, const char *what)
{
	xalloc_event_inc(&xalloc_user_warnings);
	fprintf(stderr, "[warn] xalloc: WARN_ON_ONCE(%s) at %s:%d\n", what,
		file, line);
}

unsigned long xalloc_os_random_long(void)
{
	unsigned long value;

	if (getrandom(&value, sizeof(value), 0) != sizeof(value))
		value = (unsigned long)time(NULL) * 0x9e3779b97f4a7c15UL;
	return value;
}

int xalloc_os_task_pid(void)
{
	return gettid();
}

unsigned long xalloc_os_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000;
}

/* Fault injection: the nth point this thread reaches fails, as fail-nth. */

static __thread unsigned int fail_nth;

void xalloc_user_fail_nth(unsigned int n)
{
	fail_nth = n;
}

unsigned int xalloc_user_fail_nth_left(void)
{
	unsigned int left = fail_nth;

	fail_nth = 0;
	return left;
}

bool xalloc_os_should_fail(enum xalloc_fault fault, size_t size)
{
	if (!fail_nth)
		return false;
	return --fail_nth == 0;
}

/* Metadata memory */

void *xalloc_os_meta_zalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size);
}

void *xalloc_os_meta_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

void xalloc_os_meta_free(const void *p)
{
	free((void *)p);
}

char *xalloc_os_strdup(const char *s)
{
	return strdup(s);
}

/*
 * The size of each mapping, for the unmaps that do not give it (a huge
 * segment is unmapped with size 0, as vfree() needs none).
 */
struct mapping {
	unsigned long addr, size;
};

static struct mapping *mappings;
static size_t nr_mappings, max_mappings;
static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;

static bool mapping_add(unsigned long addr, unsigned long size)
{
	struct mapping *grown;
	bool ok = true;

	pthread_mutex_lock(&mappings_lock);
	if (nr_mappings == max_mappings) {
		grown = realloc(mappings, (max_mappings * 2 + 16) *
				sizeof(*mappings));
		if (grown) {
			mappings = grown;
			max_mappings = max_mappings * 2 + 16;
		}
	}
	if (nr_mappings < max_mappings)
		mappings[nr_mappings++] = (struct mapping){ addr, size };
	else
		ok = false;
	pthread_mutex_unlock(&mappings_lock);
	return ok;
}

static unsigned long mapping_remove(unsigned long addr)
{
	unsigned long size = 0;
	size_t i;

	pthread_mutex_lock(&mappings_lock);
	for (i = 0; i < nr_mappings; i++) {
		if (mappings[i].addr == addr) {
			size = mappings[i].size;
			mappings[i] = mappings[--nr_mappings];
			break;
		}
	}
	pthread_mutex_unlock(&mappings_lock);
	return size;
}

/*
 * Segments: aligned, as the kernel's, to the power of two at or above
 * their size: mapped with that much to spare, then trimmed.
 */
void *xalloc_os_map_segment(unsigned long size, int node, gfp_t gfp)
{
	unsigned long align = 1UL << order_base_2(size), start, aligned;
	void *map;

	if (xalloc_os_should_fail(XALLOC_FAULT_SEGMENT, size) ||
	    xalloc_os_should_fail(XALLOC_FAULT_METADATA, size / PAGE_SIZE))
		return NULL;
	map = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	start = (unsigned long)map;
	aligned = ALIGN(start, align);
	if (aligned > start)
		munmap(map, aligned - start);
	munmap((void *)(aligned + size), start + align - aligned);
	if (!mapping_add(aligned, size)) {
		munmap((void *)aligned, size);
		return NULL;
	}
	return (void *)aligned;
}

void *xalloc_os_map_direct_segment(unsigned long size, int node, gfp_t gfp)
{
	return xalloc_os_map_segment(size, node, gfp);
}

void xalloc_os_unmap_segment(void *segment, unsigned long size)
{
	unsigned long mapped = mapping_remove((unsigned long)segment);

	/* An unmap of what was not mapped so is a bug, not a leak to hide. */
	if (!mapped || (size && size != mapped) || munmap(segment, mapped))
		abort();
}

unsigned long xalloc_os_segment_overhead(unsigned long size)
{
	return 0;
}

/*
 * Per-CPU memory, laid out as the kernel's: one area of XALLOC_USER_MAX_CPUS
 * units, XALLOC_USER_PCPU_STRIDE bytes each. An allocation is a run of
 * granules at the same offset in every unit, so that copy c is c strides
 * past copy 0, and allocations share pages: a cache's heaps for every CPU
 * cost their size, not a page each. Free runs are zero (the area starts
 * so, and a free zeroes every copy), so an allocation is zero without a
 * write. The area is heap memory, which LeakSanitizer scans, as kmemleak
 * scans the kernel's per-CPU areas.
 */
#define PCPU_GRANULE		64
#define PCPU_GRANULES		(XALLOC_USER_PCPU_STRIDE / PCPU_GRANULE)

static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static void *pcpu_block;		/* as calloc() gave it */
static char *pcpu_area;			/* aligned to a granule */
static bool pcpu_used[PCPU_GRANULES];
static unsigned int pcpu_len[PCPU_GRANULES];	/* at each run's start */
/* CPUs that may have written a copy: a free zeroes theirs. */
static int pcpu_cpus_touched;

/* Every CPU up to @nr may write its copies. */
static void xalloc_user_pcpu_span(int nr)
{
	pthread_mutex_lock(&pcpu_lock);
	pcpu_cpus_touched = max(pcpu_cpus_touched, nr);
	pthread_mutex_unlock(&pcpu_lock);
}

void *xalloc_user_alloc_percpu(size_t size)
{
	unsigned int need = max(DIV_ROUND_UP(size, PCPU_GRANULE), 1UL);
	unsigned int run = 0, start, i;
	void *ret = NULL;

	pthread_mutex_lock(&pcpu_lock);
	if (!pcpu_block) {
		/* struct xalloc_heap is cacheline-aligned. */
		pcpu_block = calloc(1, XALLOC_USER_MAX_CPUS *
				    XALLOC_USER_PCPU_STRIDE + PCPU_GRANULE);
		pcpu_area = (char *)ALIGN((unsigned long)pcpu_block,
					  PCPU_GRANULE);
	}
	for (i = 0; pcpu_block && i < PCPU_GRANULES; i++) {
		run = pcpu_used[i] ? 0 : run + 1;
		if (run == need) {
			start = i + 1 - need;
			memset(&pcpu_used[start], true, need);
			pcpu_len[start] = need;
			ret = pcpu_area + start * PCPU_GRANULE;
			break;
		}
	}
	pthread_mutex_unlock(&pcpu_lock);
	return ret;
}

void xalloc_user_free_percpu(void *pcpu)
{
	unsigned int start;
	int cpu;

	if (!pcpu)
		return;
	start = ((char *)pcpu - pcpu_area) / PCPU_GRANULE;
	pthread_mutex_lock(&pcpu_lock);
	if (start >= PCPU_GRANULES || !pcpu_len[start])
		abort();	/* not an allocation, or freed twice */
	for (cpu = 0; cpu < pcpu_cpus_touched; cpu++)
		memset(xalloc_os_cpu_ptr((char *)pcpu, cpu), 0,
		       pcpu_len[start] * PCPU_GRANULE);
	memset(&pcpu_used[start], false, pcpu_len[start]);
	pcpu_len[start] = 0;
	pthread_mutex_unlock(&pcpu_lock);
}

/* A misuse of the boundary that the kernel would catch: say what, and stop. */
void xalloc_user_bug(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	fputs("xalloc: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	abort();
}

/*
 * The asymmetric fence. A CPU section is entered on every allocation and
 * free, and looked into only by a visit or a grace period: the section
 * orders its mark before its loads with a compiler barrier alone, and the
 * rare side makes every running thread of the process execute a full
 * barrier with membarrier() before it reads the marks, as liburcu's "memb"
 * flavour does. Either the section's mark is then visible to the rare
 * side, or the rare side's own store (the visit's request, what a grace
 * period's caller unpublished) is visible to the section's loads. Where
 * membarrier() is missing, both sides fence.
 */
bool xalloc_user_hot_side_fences;

static void asym_fence_init(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		    0, 0))
		xalloc_user_hot_side_fences = true;
}

static void cpus_init(void);
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;

static void asym_fence_heavy(void)
{
	/* Registered first: membarrier() refuses an unregistered process. */
	pthread_once(&cpus_once, cpus_init);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!xalloc_user_hot_side_fences &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		abort();	/* registered, so it cannot fail */
}

/*
 * CPUs. A thread becomes a CPU with xalloc_user_cpu_start() and leaves it
 * with xalloc_user_cpu_stop(), which is the CPU going offline: the dead-CPU
 * callback runs then, under the hotplug lock taken for writing.
 *
 * A CPU's sections (xalloc_cpu_enter(), in xalloc_os_user.h) make its
 * sequence odd. A visit of the CPU from another thread
 * (xalloc_os_run_on_cpu()) must find it outside its sections and keep it
 * out, as a kernel visit runs only where preemption is enabled: it posts
 * itself and waits for an even sequence, while a section that finds a
 * visitor steps out and waits for the visit's lock. A grace period waits
 * for every CPU's sequence found odd to move on, as the kernel's waits for
 * every CPU to leave its preempt-disabled sections.
 */
static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;
static int (*cpu_dead_fn)(unsigned int cpu);
static bool cpu_online[XALLOC_USER_MAX_CPUS];
struct xalloc_user_cpu_state xalloc_user_cpu_states[XALLOC_USER_MAX_CPUS];
__thread unsigned int xalloc_user_section_depth;
__thread struct xalloc_user_cpu_state *xalloc_user_section_cpu;
__thread bool xalloc_user_visiting;
/* The depth of the thread's rcu_read_lock() sections (see RCU below). */
static __thread unsigned int read_nesting;

static void cpus_init(void)
{
	int cpu;

	asym_fence_init();
	for (cpu = 0; cpu < XALLOC_USER_MAX_CPUS; cpu++)
		pthread_mutex_init(&xalloc_user_cpu_states[cpu].visit_lock,
				   NULL);
}

/*
 * The worker and the RCU thread act as CPUs of their own, the last two,
 * while they run work and callbacks, as the kernel runs them on a CPU:
 * their frees and allocations go through those CPUs' heaps.
 */
static int worker_cpu, rcu_cpu;

void xalloc_user_set_nr_cpus(int nr)
{
	pthread_once(&cpus_once, cpus_init);
	if (nr < 1 || nr + 2 > XALLOC_USER_MAX_CPUS) {
		xalloc_user_bug("%d CPUs: 1 to %d", nr,
				XALLOC_USER_MAX_CPUS - 2);
	}
	xalloc_user_pcpu_span(nr + 2);
	xalloc_user_nr_cpus = nr + 2;
	worker_cpu = nr;
	rcu_cpu = nr + 1;
	cpu_online[worker_cpu] = true;
	cpu_online[rcu_cpu] = true;
}

/* A section found a visit on: leave, and wait for the visit's end. */
void xalloc_user_cpu_wait_visit(struct xalloc_user_cpu_state *c)
{
	xalloc_user_section_unmark(c);
	pthread_mutex_lock(&c->visit_lock);
	pthread_mutex_unlock(&c->visit_lock);
}

void xalloc_user_cpu_start(int cpu)
{
	pthread_once(&cpus_once, cpus_init);
	/*
	 * The last two are the worker's and the RCU thread's. A thread may
	 * start several and play each in turn, as the fuzzer does.
	 */
	if (cpu < 0 || cpu >= xalloc_user_nr_cpus - 2 ||
	    xalloc_user_section_depth) {
		xalloc_user_bug("CPU %d cannot start", cpu);
	}
	pthread_rwlock_wrlock(&hotplug_lock);
	__atomic_store_n(&cpu_online[cpu], true, __ATOMIC_RELEASE);
	xalloc_user_cpu = cpu;
	pthread_rwlock_unlock(&hotplug_lock);
}

void xalloc_user_cpu_stop(void)
{
	int cpu = xalloc_user_cpu;

	if (cpu < 0 || xalloc_user_section_depth || xalloc_user_visiting)
		xalloc_user_bug("a CPU stop on no CPU or in a section");

	pthread_rwlock_wrlock(&hotplug_lock);
	__atomic_store_n(&cpu_online[cpu], false, __ATOMIC_RELEASE);
	xalloc_user_cpu = -1;
	if (cpu_dead_fn)
		cpu_dead_fn(cpu);
	pthread_rwlock_unlock(&hotplug_lock);
}

bool xalloc_cpu_online(int cpu)
{
	return __atomic_load_n(&cpu_online[cpu], __ATOMIC_ACQUIRE);
}

long xalloc_os_run_on_cpu(int cpu, long (*fn)(void *), void *arg)
{
	struct xalloc_user_cpu_state *c = &xalloc_user_cpu_states[cpu];
	int self = xalloc_user_cpu;
	unsigned long seq;
	long ret;

	if (xalloc_user_section_depth || xalloc_user_visiting ||
	    read_nesting) {
		/* The kernel's visit may sleep: not from a section. */
		xalloc_user_bug("a visit from a CPU or RCU section");
	}
	if (cpu == self)
		return fn(arg);
	pthread_mutex_lock(&c->visit_lock);
	__atomic_store_n(&c->visitor, 1, __ATOMIC_RELAXED);
	asym_fence_heavy();
	seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	while (seq & 1) {
		sched_yield();
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	}
	/* The visitor's sections mark the CPU's sequence, as its owner's. */
	xalloc_user_cpu = cpu;
	xalloc_user_visiting = true;
	ret = fn(arg);
	xalloc_user_visiting = false;
	xalloc_user_cpu = self;
	__atomic_store_n(&c->visitor, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->visit_lock);
	return ret;
}

void xalloc_os_hotplug_lock(void)
{
	pthread_rwlock_rdlock(&hotplug_lock);
}

void xalloc_os_hotplug_unlock(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

int xalloc_os_hotplug_init(int (*cpu_dead)(unsigned int cpu))
{
	cpu_dead_fn = cpu_dead;
	return 0;
}

void xalloc_os_hotplug_exit(void)
{
	cpu_dead_fn = NULL;
}

/*
 * RCU. Each reader thread has a sequence, odd inside a read-side section.
 * A grace period bumps the global counter and waits for every reader
 * found odd to move on. The asymmetric fence orders the reader's odd store
 * before its section's loads, and the updater's unpublishing before its
 * reads of the sequences: either the section began after the updater's
 * changes were visible, or the updater sees it odd and waits. A section's
 * end is a release, which the updater's read acquires.
 */

struct rcu_reader {
	unsigned long seq;
	struct rcu_reader *next;
};

static __thread struct rcu_reader *this_reader;
static struct rcu_reader *readers;
static pthread_mutex_t readers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t gp_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long gp_started, gp_completed;
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void reader_exit(void *arg)
{
	struct rcu_reader *reader = arg, **p;

	pthread_mutex_lock(&readers_lock);
	for (p = &readers; *p; p = &(*p)->next) {
		if (*p == reader) {
			*p = reader->next;
			break;
		}
	}
	pthread_mutex_unlock(&readers_lock);
	free(reader);
}

static void reader_key_init(void)
{
	pthread_key_create(&reader_key, reader_exit);
}

static struct rcu_reader *reader_register(void)
{
	struct rcu_reader *reader = calloc(1, sizeof(*reader));

	if (!reader)
		abort();
	pthread_once(&reader_once, reader_key_init);
	pthread_setspecific(reader_key, reader);
	pthread_mutex_lock(&readers_lock);
	reader->next = readers;
	readers = reader;
	pthread_mutex_unlock(&readers_lock);
	this_reader = reader;
	return reader;
}

void rcu_read_lock(void)
{
	struct rcu_reader *reader = this_reader;

	if (read_nesting++)
		return;
	if (unlikely(!reader))
		reader = reader_register();
	/* Only this thread writes it. */
	__atomic_store_n(&reader->seq,
			 __atomic_load_n(&reader->seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	xalloc_user_fence_light();
}

void rcu_read_unlock(void)
{
	struct rcu_reader *reader = this_reader;

	if (--read_nesting)
		return;
	__atomic_store_n(&reader->seq,
			 __atomic_load_n(&reader->seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/* Wait for a sequence found odd to move on. */
static void wait_even_or_moved(unsigned long *seq_word)
{
	unsigned long seq = __atomic_load_n(seq_word, __ATOMIC_ACQUIRE);

	while ((seq & 1) && __atomic_load_n(seq_word, __ATOMIC_ACQUIRE) == seq)
		sched_yield();
}

void synchronize_rcu(void)
{
	struct rcu_reader *reader;
	int cpu;

	if (read_nesting || xalloc_user_section_depth)
		abort();	/* a grace period inside a reader */
	pthread_mutex_lock(&gp_lock);
	__atomic_fetch_add(&gp_started, 1, __ATOMIC_SEQ_CST);
	/* What the caller unpublished is seen before the readers are read. */
	asym_fence_heavy();
	pthread_mutex_lock(&readers_lock);
	for (reader = readers; reader; reader = reader->next)
		wait_even_or_moved(&reader->seq);
	pthread_mutex_unlock(&readers_lock);
	for (cpu = 0; cpu < XALLOC_USER_MAX_CPUS; cpu++)
		wait_even_or_moved(&xalloc_user_cpu_states[cpu].seq);
	__atomic_store_n(&gp_completed,
			 __atomic_load_n(&gp_started, __ATOMIC_RELAXED),
			 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&gp_lock);
}

unsigned long xalloc_user_gp_cookie(void)
{
	/* As get_state_synchronize_rcu(): earlier stores come first. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&gp_started, __ATOMIC_SEQ_CST) + 1;
}

bool xalloc_user_gp_passed(unsigned long cookie)
{
	return __atomic_load_n(&gp_completed, __ATOMIC_ACQUIRE) >= cookie;
}

/*
 * Callbacks after a grace period: queued on a list that the RCU thread
 * takes whole, waits a grace period for, and runs.
 */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
static struct rcu_head *cb_list, **cb_tail = &cb_list;
static unsigned long cb_queued, cb_done;
static pthread_t rcu_thread;
static bool rcu_thread_started, rcu_thread_stop;

static void *rcu_thread_fn(void *arg)
{
	struct rcu_head *list, *next;
	unsigned long n;

	pthread_mutex_lock(&cb_lock);
	for (;;) {
		while (!cb_list && !rcu_thread_stop)
			pthread_cond_wait(&cb_cond, &cb_lock);
		if (!cb_list && rcu_thread_stop)
			break;
		list = cb_list;
		cb_list = NULL;
		cb_tail = &cb_list;
		pthread_mutex_unlock(&cb_lock);
		synchronize_rcu();
		xalloc_user_cpu = rcu_cpu;
		for (n = 0; list; list = next, n++) {
			next = list->next;
			list->func(list);
		}
		xalloc_user_cpu = -1;
		pthread_mutex_lock(&cb_lock);
		cb_done += n;
		pthread_cond_broadcast(&cb_cond);
	}
	pthread_mutex_unlock(&cb_lock);
	return NULL;
}

/* Callbacks run in the order they were queued: appended at the tail. */
void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head))
{
	head->func = fn;
	head->next = NULL;
	pthread_mutex_lock(&cb_lock);
	*cb_tail = head;
	cb_tail = &head->next;
	cb_queued++;
	pthread_cond_broadcast(&cb_cond);
	pthread_mutex_unlock(&cb_lock);
}

void rcu_barrier(void)
{
	unsigned long target;

	pthread_mutex_lock(&cb_lock);
	target = cb_queued;
	while (cb_done < target)
		pthread_cond_wait(&cb_cond, &cb_lock);
	pthread_mutex_unlock(&cb_lock);
}

/*
 * Deferred work: one worker thread runs the items that are due, earliest
 * first. Both queues share it; the reclaim queue's flush waits for the
 * items due by then.
 */
static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
/* Timed on CLOCK_MONOTONIC, as xalloc_os_now(): see work_cond_init(). */
static pthread_cond_t work_cond;
static pthread_once_t work_cond_once = PTHREAD_ONCE_INIT;
static struct xalloc_os_work_item *work_list;
static struct xalloc_os_work_item *work_current;
static pthread_t work_thread;
static bool work_stop;

static void work_unlink(struct xalloc_os_work_item *item)
{
	struct xalloc_os_work_item **p;

	for (p = &work_list; *p; p = &(*p)->next) {
		if (*p == item) {
			*p = item->next;
			item->queued = false;
			return;
		}
	}
}

static void work_insert(struct xalloc_os_work_item *item, unsigned long due)
{
	struct xalloc_os_work_item **p;

	item->due = due;
	for (p = &work_list; *p && !xalloc_os_time_before(due, (*p)->due);
	     p = &(*p)->next)
		;
	item->next = *p;
	*p = item;
	item->queued = true;
	pthread_cond_broadcast(&work_cond);
}

static void *work_thread_fn(void *arg)
{
	struct xalloc_os_work_item *item;
	struct timespec ts;
	unsigned long now;

	pthread_mutex_lock(&work_lock);
	while (!work_stop) {
		item = work_list;
		now = xalloc_os_now();
		if (!item) {
			pthread_cond_wait(&work_cond, &work_lock);
			continue;
		}
		if (xalloc_os_time_before(now, item->due)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += (item->due - now) * 1000000;
			ts.tv_sec += ts.tv_nsec / 1000000000;
			ts.tv_nsec %= 1000000000;
			pthread_cond_timedwait(&work_cond, &work_lock, &ts);
			continue;
		}
		work_unlink(item);
		work_current = item;
		pthread_mutex_unlock(&work_lock);
		/* @item may free itself: it is not touched after its run. */
		xalloc_user_cpu = worker_cpu;
		item->run(item);
		xalloc_user_cpu = -1;
		pthread_mutex_lock(&work_lock);
		work_current = NULL;
		pthread_cond_broadcast(&work_cond);
	}
	pthread_mutex_unlock(&work_lock);
	return NULL;
}

static void work_cond_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&work_cond, &attr);
	pthread_condattr_destroy(&attr);
}

int xalloc_os_work_init_queues(void)
{
	pthread_once(&work_cond_once, work_cond_init);
	work_stop = false;
	rcu_thread_stop = false;
	if (pthread_create(&work_thread, NULL, work_thread_fn, NULL))
		return -ENOMEM;
	if (pthread_create(&rcu_thread, NULL, rcu_thread_fn, NULL)) {
		xalloc_os_work_exit_queues();
		return -ENOMEM;
	}
	rcu_thread_started = true;
	return 0;
}

void xalloc_os_work_exit_queues(void)
{
	pthread_mutex_lock(&work_lock);
	work_stop = true;
	pthread_cond_broadcast(&work_cond);
	pthread_mutex_unlock(&work_lock);
	pthread_join(work_thread, NULL);
	if (rcu_thread_started) {
		pthread_mutex_lock(&cb_lock);
		rcu_thread_stop = true;
		pthread_cond_broadcast(&cb_cond);
		pthread_mutex_unlock(&cb_lock);
		pthread_join(rcu_thread, NULL);
		rcu_thread_started = false;
	}
}

static void work_run(struct xalloc_os_work_item *item)
{
	struct xalloc_os_work *work = container_of(item, struct xalloc_os_work,
						   item);

	work->fn(work);
}

static void delayed_work_run(struct xalloc_os_work_item *item)
{
	struct xalloc_os_delayed_work *work;

	work = container_of(item, struct xalloc_os_delayed_work, item);
	work->fn(work);
}

static void gp_work_run(struct xalloc_os_work_item *item)
{
	struct xalloc_os_gp_work *work;

	work = container_of(item, struct xalloc_os_gp_work, item);
	work->fn(work);
}

void xalloc_os_work_init(struct xalloc_os_work *work,
			 void (*fn)(struct xalloc_os_work *work))
{
	memset(&work->item, 0, sizeof(work->item));
	work->item.run = work_run;
	work->fn = fn;
}

void xalloc_os_delayed_work_init(struct xalloc_os_delayed_work *work,
				 void (*fn)(struct xalloc_os_delayed_work *work))
{
	memset(&work->item, 0, sizeof(work->item));
	work->item.run = delayed_work_run;
	work->fn = fn;
}

void xalloc_os_gp_work_init(struct xalloc_os_gp_work *work,
			    void (*fn)(struct xalloc_os_gp_work *work))
{
	memset(&work->item, 0, sizeof(work->item));
	work->item.run = gp_work_run;
	work->fn = fn;
}

static bool queue_item(struct xalloc_os_work_item *item, unsigned long delay)
{
	bool queued = false;

	pthread_mutex_lock(&work_lock);
	if (!item->queued) {
		work_insert(item, xalloc_os_now() + delay);
		queued = true;
	}
	pthread_mutex_unlock(&work_lock);
	return queued;
}

bool xalloc_os_queue_work(enum xalloc_os_queue queue,
			  struct xalloc_os_work *work)
{
	return queue_item(&work->item, 0);
}

bool xalloc_os_queue_delayed_work(enum xalloc_os_queue queue,
				  struct xalloc_os_delayed_work *work,
				  unsigned long delay)
{
	return queue_item(&work->item, delay);
}

void xalloc_os_mod_delayed_work(enum xalloc_os_queue queue,
				struct xalloc_os_delayed_work *work,
				unsigned long delay)
{
	pthread_mutex_lock(&work_lock);
	if (work->item.queued)
		work_unlink(&work->item);
	work_insert(&work->item, xalloc_os_now() + delay);
	pthread_mutex_unlock(&work_lock);
}

static void gp_work_queue(struct rcu_head *head)
{
	struct xalloc_os_gp_work *work;

	work = container_of(head, struct xalloc_os_gp_work, rcu);
	queue_item(&work->item, 0);
}

void xalloc_os_queue_gp_work(struct xalloc_os_gp_work *work)
{
	call_rcu(&work->rcu, gp_work_queue);
}

static void cancel_item(struct xalloc_os_work_item *item)
{
	pthread_mutex_lock(&work_lock);
	if (item->queued)
		work_unlink(item);
	while (work_current == item)
		pthread_cond_wait(&work_cond, &work_lock);
	/* A work that re-arms itself may have queued itself meanwhile. */
	if (item->queued)
		work_unlink(item);
	pthread_mutex_unlock(&work_lock);
}

void xalloc_os_cancel_work_sync(struct xalloc_os_work *work)
{
	cancel_item(&work->item);
}

void xalloc_os_cancel_delayed_work_sync(struct xalloc_os_delayed_work *work)
{
	cancel_item(&work->item);
}

void xalloc_os_flush_work(struct xalloc_os_work *work)
{
	pthread_mutex_lock(&work_lock);
	while (work->item.queued || work_current == &work->item)
		pthread_cond_wait(&work_cond, &work_lock);
	pthread_mutex_unlock(&work_lock);
}

/* Wait for every item due by now, and for the one running. */
void xalloc_os_flush_reclaim_queue(void)
{
	unsigned long now = xalloc_os_now();
	struct xalloc_os_work_item *item;
	bool busy;

	pthread_mutex_lock(&work_lock);
	do {
		busy = work_current;
		for (item = work_list; item; item = item->next)
			busy |= !xalloc_os_time_before(now, item->due);
		if (busy)
			pthread_cond_wait(&work_cond, &work_lock);
	} while (busy);
	pthread_mutex_unlock(&work_lock);
}

/* debugfs has no user-space counterpart: the stats calls serve instead. */
void xalloc_debugfs_add_cache(struct xalloc_cache *cache)
{
}

void xalloc_debugfs_remove_cache(struct xalloc_cache *cache)
{
}

/* The module's init and exit, in the same order (see xalloc/main.c). */
int xalloc_user_init(int nr_cpus)
{
	int ret;

	xalloc_user_set_nr_cpus(nr_cpus);
	ret = xalloc_os_work_init_queues();
	if (ret)
		return ret;
	ret = xalloc_segments_init();
	if (ret)
		goto out_queues;
	ret = xalloc_rcu_init();
	if (ret)
		goto out_segments;
	ret = xalloc_caches_init();
	if (ret)
		goto out_rcu;
	xalloc_huge_init();
	ret = xalloc_kmalloc_init();
	if (ret)
		goto out_caches;
	return 0;

out_caches:
	xalloc_caches_exit();
out_rcu:
	xalloc_rcu_exit();
out_segments:
	xalloc_segments_exit();
out_queues:
	xalloc_os_work_exit_queues();
	return ret;
}

void xalloc_user_exit(void)
{
	xalloc_kmalloc_exit();
	xalloc_rcu_exit();
	xalloc_caches_exit();
	xalloc_segments_exit();
	xalloc_os_work_exit_queues();
}
