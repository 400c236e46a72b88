// SPDX-License-Identifier: GPL-2.0
/*
 * Frees after a grace period: xalloc_free_rcu(), as kfree_rcu().
 *
 * Frees are gathered per CPU into arrays, as kvfree_rcu() gathers them:
 * xalloc_free_rcu() stores the caller's rcu_head in its CPU's array, and
 * the array, once full or at most XALLOC_RCU_DRAIN_DELAY after its first
 * free, is handed to RCU with one grace-period work of its own. After the
 * grace period a worker frees every object of the array, in process
 * context, as kvfree_rcu() does, so that a few hundred frees do not run
 * in one softirq. A burst of frees costs RCU one callback per few hundred
 * objects, not one per object.
 *
 * The stored pointer is the rcu_head, not the object: the object is the
 * block of its page that the head falls in, found as any pointer is,
 * through the segment registry. So the head may be anywhere in the object,
 * nothing encodes its offset, and the head itself holds the mark that
 * refuses a second queueing (see head_claim()).
 *
 * Arrays are never allocated in the caller's context, which may be an
 * interrupt, or on PREEMPT_RT a raw spinlock's section. Each CPU keeps a
 * spare array, refilled by a work item with GFP_KERNEL; an array whose
 * objects are freed becomes its CPU's spare again. With neither array nor
 * spare (memory pressure, or a burst that outruns the refill), a free is
 * queued alone with call_rcu() on its own rcu_head, which is what the
 * head is for: no free ever fails or waits for memory.
 *
 * A huge object is freed at once: its segment is unmapped only a grace
 * period after its free (see xalloc_segment_release_huge()).
 *
 * Pending frees are counted, so that xalloc_cache_destroy() drains the
 * arrays and waits (xalloc_rcu_barrier()) only when there are some.
 */
#include "internal.h"

/*
 * How long a partly filled array waits for more frees before its grace
 * period. Only the array filling waits, at most one per CPU: a full one
 * is handed to RCU at once. So the delay bounds how long a few hundred
 * objects per CPU stay allocated after a grace period, not how much
 * memory waits; kvfree_rcu() waits up to five seconds.
 */
#define XALLOC_RCU_DRAIN_DELAY		XALLOC_OS_TICKS_PER_SEC

/* An array is a page, as kvfree_rcu()'s: about 500 frees. */
#define XALLOC_RCU_BATCH_BYTES		PAGE_SIZE
#define XALLOC_RCU_BATCH_HEADS					\
	((XALLOC_RCU_BATCH_BYTES - sizeof(struct xalloc_rcu_batch)) /	\
	 sizeof(struct rcu_head *))

/**
 * struct xalloc_rcu_batch - frees waiting for one grace period together
 * @work: queued with xalloc_os_queue_gp_work() once the array is sealed
 * @nr: heads stored; written under its CPU's lock while the array fills,
 *      read by the worker, reset when the array becomes a spare
 * @heads: the rcu_heads of the objects to free
 *
 * An array is owned by its CPU's struct xalloc_rcu_cpu while it fills or
 * waits as the spare, and by RCU and the workqueue from the
 * grace-period work that seals it until its worker has freed its objects
 * and made it a spare again, or freed it.
 */
struct xalloc_rcu_batch {
	struct xalloc_os_gp_work work;
	unsigned int nr;
	struct rcu_head *heads[];
};

/**
 * struct xalloc_rcu_cpu - one CPU's frees waiting for their array to fill
 * @lock: guards every other field but the work items. Raw and taken with
 *        interrupts off: xalloc_free_rcu() may be called from any context
 *        but NMI, on PREEMPT_RT too. No xalloc lock is taken under it;
 *        the only call made under it is the xalloc_os_queue_gp_work()
 *        that seals an array, so that once an array has left @filling it
 *        is RCU's (see xalloc_rcu_barrier()).
 * @filling: the array frees go to, or NULL; never empty
 * @spare: an empty array, ready to replace @filling when it is sealed
 * @queued: frees queued on this CPU, in an array or alone
 * @freed: queued frees done on this CPU (not always the CPU that queued
 *         them: see xalloc_rcu_get_stats())
 * @batches: arrays sealed
 * @unbatched: frees queued alone, no array being ready
 * @drain: seals @filling, at most XALLOC_RCU_DRAIN_DELAY after its first
 *         free
 * @refill: allocates @spare, which the free path never does itself
 *
 * Any CPU may take another's lock: the drain and refill work may run
 * elsewhere once their CPU is offline, and xalloc_rcu_barrier() drains
 * every CPU.
 */
struct xalloc_rcu_cpu {
	struct xalloc_os_raw_spinlock lock;
	struct xalloc_rcu_batch *filling;
	struct xalloc_rcu_batch *spare;
	unsigned long queued;
	unsigned long freed;
	unsigned long batches;
	unsigned long unbatched;
	struct xalloc_os_delayed_work drain;
	struct xalloc_os_work refill;
};

static struct xalloc_rcu_cpu __percpu *rcu_cpus;

/* This CPU's frees, locked; interrupts off keep the task on the CPU. */
static struct xalloc_rcu_cpu *rcu_cpu_lock(unsigned long *flags)
	__acquires(&rcu_cpus->lock)
{
	struct xalloc_rcu_cpu *rc;

	xalloc_os_irq_save(*flags);
	rc = xalloc_os_this_ptr(rcu_cpus);
	xalloc_os_raw_lock(&rc->lock);
	return rc;
}

static void rcu_cpu_unlock(struct xalloc_rcu_cpu *rc, unsigned long flags)
	__releases(&rc->lock)
{
	xalloc_os_raw_unlock_irqrestore(&rc->lock, flags);
}

static void count_freed(unsigned int nr)
{
	struct xalloc_rcu_cpu *rc;
	unsigned long flags;

	rc = rcu_cpu_lock(&flags);
	rc->freed += nr;
	rcu_cpu_unlock(rc, flags);
}

/*
 * Free the object that holds @head. It is allocated until now, unless its
 * caller freed it meanwhile (as with kfree_rcu(), a misuse that may free
 * another object by then): then the free reports what it finds.
 */
static void free_queued(struct rcu_head *head)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	void *obj = NULL;

	xalloc_cpu_enter();
	page = xalloc_page_lookup(head);
	if (page) {
		cache = READ_ONCE(page->cache);
		obj = xalloc_page_block_holding(page, head);
	}
	xalloc_cpu_exit();
	if (cache && obj) {
		/* Not queued any more: the object may be queued again. */
		WRITE_ONCE(head->func, NULL);
		xalloc_cache_free(cache, obj);
	} else {
		/* Its page was given back, or re-carved: the free reports it. */
		xalloc_free(head);
	}
}

/* A free queued alone, on its own rcu_head. */
static void free_one_gp_passed(struct rcu_head *head)
{
	free_queued(head);
	count_freed(1);
}

/*
 * The grace period of an array has passed: free its objects, and keep the
 * array as this CPU's spare if it has none.
 */
static void batch_gp_passed(struct xalloc_os_gp_work *work)
{
	struct xalloc_rcu_batch *batch;
	struct xalloc_rcu_cpu *rc;
	unsigned long flags;
	unsigned int i, nr;

	batch = container_of(work, struct xalloc_rcu_batch, work);
	nr = batch->nr;
	for (i = 0; i < nr; i++) {
		free_queued(batch->heads[i]);
		/* kmemleak scans a spare: no stale pointer may keep a block. */
		if (XALLOC_LEAK_TRACKING)
			batch->heads[i] = NULL;
		if (!(i % 64))
			xalloc_os_cond_resched();
	}
	batch->nr = 0;
	rc = rcu_cpu_lock(&flags);
	rc->freed += nr;
	if (!rc->spare) {
		rc->spare = batch;
		batch = NULL;
	}
	rcu_cpu_unlock(rc, flags);
	xalloc_os_free_rcu_batch(batch);
}

/* Hand @rc's filling array to RCU. */
static void batch_seal(struct xalloc_rcu_cpu *rc)
{
	struct xalloc_rcu_batch *batch = rc->filling;

	xalloc_os_raw_assert_held(&rc->lock);
	rc->batches++;
	rc->filling = NULL;
	xalloc_os_gp_work_init(&batch->work, batch_gp_passed);
	xalloc_os_queue_gp_work(&batch->work);
}

/*
 * Queue the free of the object that holds @head: in this CPU's array,
 * sealing it if that makes it full, or alone if there is no array.
 */
static void queue_free(struct rcu_head *head)
{
	struct xalloc_rcu_batch *batch;
	struct xalloc_rcu_cpu *rc;
	unsigned long flags;
	bool refill = false;
	unsigned int nr = 0;

	rc = rcu_cpu_lock(&flags);
	rc->queued++;
	batch = rc->filling;
	if (!batch) {
		batch = rc->spare;
		rc->spare = NULL;
		rc->filling = batch;
		refill = true;
	}
	if (batch) {
		batch->heads[batch->nr++] = head;
		nr = batch->nr;
		if (nr == XALLOC_RCU_BATCH_HEADS)
			batch_seal(rc);
	} else {
		rc->unbatched++;
	}
	rcu_cpu_unlock(rc, flags);

	if (!batch)
		xalloc_os_after_gp(head, free_one_gp_passed);
	if (nr == 1)
		xalloc_os_queue_delayed_work(XALLOC_QUEUE_RECLAIM, &rc->drain,
					     XALLOC_RCU_DRAIN_DELAY);
	if (refill)
		xalloc_os_queue_work(XALLOC_QUEUE_RECLAIM, &rc->refill);
}

/* Seal @rc's array, if it has one: its frees have waited long enough. */
static void drain_cpu(struct xalloc_rcu_cpu *rc)
{
	unsigned long flags;

	xalloc_os_raw_lock_irqsave(&rc->lock, flags);
	if (rc->filling)
		batch_seal(rc);
	xalloc_os_raw_unlock_irqrestore(&rc->lock, flags);
}

static void drain_work(struct xalloc_os_delayed_work *work)
{
	drain_cpu(container_of(work, struct xalloc_rcu_cpu, drain));
}

/* Give @rc a spare array, here where allocating may sleep. */
static void refill_spare(struct xalloc_rcu_cpu *rc)
{
	struct xalloc_rcu_batch *batch;
	unsigned long flags;

	batch = xalloc_os_alloc_rcu_batch(XALLOC_RCU_BATCH_BYTES);
	if (!batch)
		return;
	xalloc_os_raw_lock_irqsave(&rc->lock, flags);
	if (!rc->spare) {
		rc->spare = batch;
		batch = NULL;
	}
	xalloc_os_raw_unlock_irqrestore(&rc->lock, flags);
	xalloc_os_free_rcu_batch(batch);
}

static void refill_work(struct xalloc_os_work *work)
{
	refill_spare(container_of(work, struct xalloc_rcu_cpu, refill));
}

/**
 * xalloc_rcu_get_stats() - count the frees of xalloc_free_rcu()
 * @stats: filled in
 *
 * A free is counted as done on the CPU that did it, which may not be the
 * one that queued it. So the frees done are summed over every CPU first,
 * then the frees queued: a free counted done was counted queued before
 * (under the locks that order the two counts), so @stats->pending never
 * goes below the frees queued before the call and not yet done. When it is
 * 0, what every queued free did is seen.
 *
 * Context: any context but NMI.
 */
void xalloc_rcu_get_stats(struct xalloc_rcu_stats *stats)
{
	struct xalloc_rcu_cpu *rc;
	unsigned long flags, freed = 0;
	int cpu;

	memset(stats, 0, sizeof(*stats));
	xalloc_for_each_cpu(cpu) {
		rc = xalloc_os_cpu_ptr(rcu_cpus, cpu);
		xalloc_os_raw_lock_irqsave(&rc->lock, flags);
		freed += rc->freed;
		xalloc_os_raw_unlock_irqrestore(&rc->lock, flags);
	}
	xalloc_for_each_cpu(cpu) {
		rc = xalloc_os_cpu_ptr(rcu_cpus, cpu);
		xalloc_os_raw_lock_irqsave(&rc->lock, flags);
		stats->queued += rc->queued;
		stats->batches += rc->batches;
		stats->unbatched += rc->unbatched;
		xalloc_os_raw_unlock_irqrestore(&rc->lock, flags);
	}
	stats->pending = stats->queued - freed;
}
EXPORT_SYMBOL_GPL(xalloc_rcu_get_stats);

/**
 * xalloc_rcu_frees_pending() - are frees queued by xalloc_free_rcu() due?
 *
 * Return: true if some queued before the call have not been done; when it
 * returns false, what the frees did is seen.
 */
bool xalloc_rcu_frees_pending(void)
{
	struct xalloc_rcu_stats stats;

	xalloc_rcu_get_stats(&stats);
	return stats.pending;
}

/**
 * xalloc_rcu_barrier() - wait for the frees queued by xalloc_free_rcu()
 *
 * As kvfree_rcu_barrier(): every object whose xalloc_free_rcu() returned
 * before this call is freed when it returns. The arrays still filling are
 * handed to RCU now rather than after their delay.
 *
 * Context: process context; may sleep.
 */
void xalloc_rcu_barrier(void)
{
	int cpu;

	xalloc_for_each_cpu(cpu)
		drain_cpu(xalloc_os_cpu_ptr(rcu_cpus, cpu));
	/*
	 * An array sealed before its lock was taken above is RCU's already:
	 * after its grace period its work is queued, then flushed.
	 */
	xalloc_os_gp_barrier();
	xalloc_os_flush_reclaim_queue();
}
EXPORT_SYMBOL_GPL(xalloc_rcu_barrier);

/*
 * Every CPU gets its lock and work items; the online ones a spare array
 * too, so that the first frees are batched. A CPU without one (it came
 * online later, or memory was short) gets it at its first free.
 */
int xalloc_rcu_init(void)
{
	struct xalloc_rcu_cpu *rc;
	int cpu;

	rcu_cpus = xalloc_os_alloc_percpu(struct xalloc_rcu_cpu);
	if (!rcu_cpus)
		return -ENOMEM;
	xalloc_for_each_cpu(cpu) {
		rc = xalloc_os_cpu_ptr(rcu_cpus, cpu);
		xalloc_os_raw_init(&rc->lock);
		xalloc_os_delayed_work_init(&rc->drain, drain_work);
		xalloc_os_work_init(&rc->refill, refill_work);
		if (xalloc_cpu_online(cpu))
			refill_spare(rc);
	}
	return 0;
}

/* Nobody frees any more: free what is queued, then the spare arrays. */
void xalloc_rcu_exit(void)
{
	struct xalloc_rcu_cpu *rc;
	int cpu;

	xalloc_for_each_cpu(cpu) {
		rc = xalloc_os_cpu_ptr(rcu_cpus, cpu);
		xalloc_os_cancel_delayed_work_sync(&rc->drain);
		xalloc_os_cancel_work_sync(&rc->refill);
	}
	xalloc_rcu_barrier();
	xalloc_for_each_cpu(cpu)
		xalloc_os_free_rcu_batch(xalloc_os_cpu_ptr(rcu_cpus, cpu)->spare);
	xalloc_os_free_percpu(rcu_cpus);
}

/*
 * Is @head inside the object @obj of @cache, on @page, and aligned as
 * call_rcu() needs (it refuses a misaligned head with a warning, and the
 * object would leak)? Report it if not, and leave the object allocated.
 */
static bool head_fits(struct xalloc_cache *cache, struct xalloc_page *page,
		      const void *obj, const struct rcu_head *head)
{
	unsigned long offset = (unsigned long)head - (unsigned long)obj;
	unsigned int usable = xalloc_page_usable_size(cache, page);

	if (!IS_ALIGNED((unsigned long)head, __alignof__(*head))) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
			      "rcu_head %p is misaligned", head);
		return false;
	}
	if (usable >= sizeof(*head) && offset <= usable - sizeof(*head))
		return true;
	xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
		      "rcu_head %p is not inside the object", head);
	return false;
}

/*
 * Mark @head queued, unless it is: a second xalloc_free_rcu() of an
 * object still queued would store it in an array twice, or link it into
 * RCU's lists twice. The mark is the callback of a free queued alone in
 * @func, which call_rcu() writes anyway, and free_queued() clears; the
 * compare-and-swap settles two queueings at once.
 */
static bool head_claim(struct xalloc_cache *cache, struct xalloc_page *page,
		       const void *obj, struct rcu_head *head)
{
	typeof(head->func) seen = READ_ONCE(head->func);

	if (seen != free_one_gp_passed &&
	    xalloc_os_cas_ptr(&head->func, seen, free_one_gp_passed))
		return true;
	xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
		      "double free (queued by xalloc_free_rcu already)");
	return false;
}

/**
 * __xalloc_free_rcu() - free an object after a grace period
 * @obj: an allocated object of any xalloc cache
 * @head: an rcu_head inside @obj
 *
 * Use xalloc_free_rcu(). @obj is checked now, as a free would check it:
 * a pointer that is not an allocated xalloc object, or an @head outside
 * it, is reported and counted, and nothing is freed.
 *
 * Context: any context but NMI.
 */
void __xalloc_free_rcu(void *obj, struct rcu_head *head)
{
	struct xalloc_cache *cache = NULL;
	struct xalloc_page *page;
	bool queue = false;

	xalloc_cpu_enter();
	page = xalloc_page_lookup(obj);
	if (page)
		cache = READ_ONCE(page->cache);
	if (!cache || !xalloc_page_holds_block(page, obj)) {
		xalloc_report_refused_free(obj, NULL, page);
	} else if (xalloc_block_looks_free(cache, page, obj)) {
		xalloc_report(XALLOC_REPORT_INVALID_FREE, cache, page, obj, 1,
			      "double free (by xalloc_free_rcu)");
	} else if (!head_fits(cache, page, obj, head)) {
		/* Reported: left allocated. */
	} else if (cache->flags & XALLOC_CACHE_HUGE) {
		/*
		 * Its segment is unmapped a grace period after the free
		 * anyway: free it now, and leave @head alone. The callback
		 * could not find an object whose head lies past its first
		 * granule.
		 */
		xalloc_huge_free(page, obj);
	} else if (head_claim(cache, page, obj, head)) {
		queue = true;
	}
	xalloc_cpu_exit();
	if (queue)
		queue_free(head);
}
EXPORT_SYMBOL_GPL(__xalloc_free_rcu);
