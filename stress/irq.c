// SPDX-License-Identifier: GPL-2.0
/*
 * Hardirq and softirq context: on each CPU an hrtimer (hardirq) and a
 * timer (softirq), pinned to it, allocate with GFP_ATOMIC or GFP_NOWAIT
 * while the CPU's worker allocates in process context: xalloc's heap lock
 * must keep the three apart. Each keeps a ring of live objects; when it
 * replaces the oldest, it frees it, or hands it to another CPU's worker or
 * interrupt contexts. Both also free what other CPUs handed to them.
 *
 * The timers run while the CPU's worker does: they are started on the CPU
 * when the worker starts or comes back with the CPU, and stopped before it
 * parks, so that no timer migrates away from a CPU going offline.
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/smp.h>
#include <linux/timer.h>

#include "stress.h"

/*
 * Often enough to land in the middle of process-context allocations, rare
 * enough that the emulated CPUs of the test VM keep up.
 */
#define STRESS_HRTIMER_NS	(500 * NSEC_PER_USEC)
/* The timer fires once a jiffy: a few steps each time. */
#define STRESS_SOFT_STEPS	8

/* Free @ref here, or hand it over to another CPU. */
static void stress_irq_dispose(struct stress_irq *irq, struct stress_ref ref)
{
	u32 r = prandom_u32_state(&irq->rnd) % 4;

	if (r < 2 && stress_send(smp_processor_id(), &irq->rnd, ref, r == 1))
		return;
	stress_obj_free(&irq->counts, ref, false);
}

static void stress_irq_step(struct stress_irq *irq, gfp_t gfp)
{
	struct stress_ref *slot = &irq->ring[irq->fires++ % STRESS_RING];
	unsigned int idx;

	if (slot->obj)
		stress_irq_dispose(irq, *slot);
	idx = stress_pick_cache(&irq->rnd, STRESS_IRQ_CACHES);
	*slot = stress_obj_alloc(&irq->counts, &irq->rnd, idx, gfp);
}

static enum hrtimer_restart stress_hrtimer_fn(struct hrtimer *timer)
{
	struct stress_cpu *pc = container_of(timer, struct stress_cpu,
					     hrtimer);

	if (!READ_ONCE(pc->irq_on))
		return HRTIMER_NORESTART;
	stress_drain(&pc->hard.counts, &pc->irq_inbox, true);
	stress_irq_step(&pc->hard, GFP_ATOMIC);
	hrtimer_forward_now(timer, ns_to_ktime(STRESS_HRTIMER_NS));
	return HRTIMER_RESTART;
}

static void stress_timer_fn(struct timer_list *timer)
{
	struct stress_cpu *pc = container_of(timer, struct stress_cpu, timer);
	unsigned int i;

	if (!READ_ONCE(pc->irq_on))
		return;
	stress_drain(&pc->soft.counts, &pc->irq_inbox, true);
	for (i = 0; i < STRESS_SOFT_STEPS; i++)
		stress_irq_step(&pc->soft, i & 1 ? GFP_NOWAIT : GFP_ATOMIC);
	mod_timer(timer, jiffies + 1);
}

void stress_irq_init(struct stress_cpu *pc)
{
	/*
	 * Hardirq context, but on PREEMPT_RT, where the hrtimer expires in
	 * softirq context: xalloc, as SLUB, may not be called from hardirq
	 * context there.
	 */
	hrtimer_init(&pc->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	pc->hrtimer.function = stress_hrtimer_fn;
	timer_setup(&pc->timer, stress_timer_fn, TIMER_PINNED);
	prandom_seed_state(&pc->hard.rnd, get_random_u64());
	prandom_seed_state(&pc->soft.rnd, get_random_u64());
}

/**
 * stress_irq_start() - start the timers of a CPU
 * @pc: the CPU's state
 *
 * Context: on @pc's CPU, where the pinned timers are queued.
 */
void stress_irq_start(struct stress_cpu *pc)
{
	WRITE_ONCE(pc->irq_on, true);
	hrtimer_start(&pc->hrtimer, ns_to_ktime(STRESS_HRTIMER_NS),
		      HRTIMER_MODE_REL_PINNED);
	mod_timer(&pc->timer, jiffies + 1);
}

/**
 * stress_irq_stop() - stop the timers of a CPU and wait for them
 * @pc: the CPU's state
 *
 * Context: process context, on any CPU.
 */
void stress_irq_stop(struct stress_cpu *pc)
{
	WRITE_ONCE(pc->irq_on, false);
	hrtimer_cancel(&pc->hrtimer);
	timer_delete_sync(&pc->timer);
}
