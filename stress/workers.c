// SPDX-License-Identifier: GPL-2.0
/*
 * Process context: a worker thread per CPU, bound to it, allocates objects
 * of random caches into a bounded set of slots and, when it replaces one,
 * frees it or hands it to another CPU. It also frees what other CPUs
 * handed to it.
 *
 * The workers are smpboot threads, the kernel's per-CPU threads that CPU
 * hotplug parks before a CPU goes offline and unparks once it is back, so
 * that the hotplug controller can take any CPU but 0 away at any time.
 * A parked worker keeps its live objects. Their pages are abandoned with
 * the dead CPU and adopted by another, so that the worker's frees, once
 * its CPU is back, land in pages it no longer owns.
 */
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/smpboot.h>

#include "stress.h"

/* Operations between two looks at parking and rescheduling. */
#define STRESS_BATCH		64
/* One batch in this many is a wave instead. */
#define STRESS_WAVE_EVERY	64
/* A wave spans about three 64 KiB pages, up to this many objects. */
#define STRESS_WAVE_BYTES	(3 * 65536)
#define STRESS_WAVE_MAX		8192

static DEFINE_PER_CPU(struct task_struct *, stress_tasks);
static bool stress_workers_run;

/*
 * Keep half the objects, hand most of the others to other CPUs' workers
 * and a few (small ones, cheap to check in an interrupt) to their
 * interrupt contexts.
 */
static void stress_worker_dispose(struct stress_cpu *pc, struct stress_ref ref,
				  u32 r)
{
	bool sent = false;

	if (r % 8 >= 4 && r % 8 < 7)
		sent = stress_send(pc->cpu, &pc->rnd, ref, false);
	else if (r % 8 == 7 && ref.idx < STRESS_IRQ_CACHES)
		sent = stress_send(pc->cpu, &pc->rnd, ref, true);
	if (!sent)
		stress_obj_free(&pc->worker, ref, false);
}

static void stress_worker_op(struct stress_cpu *pc)
{
	u32 r = prandom_u32_state(&pc->rnd);
	struct stress_ref *slot = &pc->slots[r % STRESS_SLOTS];
	/* Some non-sleeping allocations in process context too. */
	gfp_t gfp = (r >> 16) % 16 ? GFP_KERNEL : GFP_NOWAIT;
	unsigned int idx;

	if (slot->obj) {
		stress_worker_dispose(pc, *slot, r >> 8);
		slot->obj = NULL;
	}
	/* Leave one slot in 8 empty: the live set grows and shrinks. */
	if (!((r >> 24) % 8))
		return;
	idx = stress_pick_cache(&pc->rnd, STRESS_NR_CACHES);
	*slot = stress_obj_alloc(&pc->worker, &pc->rnd, idx, gfp);
}

/*
 * A wave: objects of one small cache, allocated in a row and most handed
 * to other CPUs at once. The slots hold too few small objects to fill a
 * page; a wave fills pages, so that the remote frees land in full pages,
 * which must come back to their owner through its unfull list.
 */
static void stress_worker_wave(struct stress_cpu *pc)
{
	unsigned int idx = stress_pick_cache(&pc->rnd, STRESS_IRQ_CACHES + 1);
	unsigned int i, n = STRESS_WAVE_BYTES / stress_caches[idx].size;
	struct stress_ref ref;

	n = min(n, STRESS_WAVE_MAX);
	for (i = 0; i < n; i++) {
		ref = stress_obj_alloc(&pc->worker, &pc->rnd, idx, GFP_KERNEL);
		if (!ref.obj)
			continue;
		if (!(i % 4) || !stress_send(pc->cpu, &pc->rnd, ref, false))
			stress_obj_free(&pc->worker, ref, false);
		if (!(i % STRESS_BATCH))
			cond_resched();
	}
	pc->waves++;
}

static int stress_worker_should_run(unsigned int cpu)
{
	return READ_ONCE(stress_workers_run);
}

static void stress_worker_fn(unsigned int cpu)
{
	struct stress_cpu *pc = stress_cpus[cpu];
	unsigned int i;

	stress_drain(&pc->worker, &pc->inbox, true);
	if (prandom_u32_state(&pc->rnd) % STRESS_WAVE_EVERY) {
		for (i = 0; i < STRESS_BATCH; i++)
			stress_worker_op(pc);
	} else {
		stress_worker_wave(pc);
	}
	pc->batches++;
	cond_resched();
}

/* The worker runs on its CPU for the first time, or again after parking. */
static void stress_worker_unpark(unsigned int cpu)
{
	struct stress_cpu *pc = stress_cpus[cpu];

	stress_irq_start(pc);
	WRITE_ONCE(pc->accepting, true);
}

static void stress_worker_setup(unsigned int cpu)
{
	prandom_seed_state(&stress_cpus[cpu]->rnd, get_random_u64());
	stress_worker_unpark(cpu);
}

/* The CPU is going offline, or the stress is over. */
static void stress_worker_park(unsigned int cpu)
{
	struct stress_cpu *pc = stress_cpus[cpu];

	WRITE_ONCE(pc->accepting, false);
	stress_irq_stop(pc);
}

static void stress_worker_cleanup(unsigned int cpu, bool online)
{
	stress_worker_park(cpu);
}

static struct smp_hotplug_thread stress_threads = {
	.store			= &stress_tasks,
	.thread_should_run	= stress_worker_should_run,
	.thread_fn		= stress_worker_fn,
	.setup			= stress_worker_setup,
	.cleanup		= stress_worker_cleanup,
	.park			= stress_worker_park,
	.unpark			= stress_worker_unpark,
	.thread_comm		= "xalloc_stress/%u",
};

/**
 * stress_workers_start() - start a worker on every online CPU
 *
 * CPUs that come online later get theirs from CPU hotplug.
 *
 * Return: 0 or a negative errno.
 */
int stress_workers_start(void)
{
	WRITE_ONCE(stress_workers_run, true);
	return smpboot_register_percpu_thread(&stress_threads);
}

/**
 * stress_workers_stop() - stop the workers and their CPUs' timers
 *
 * Their live objects stay in their slots, for the caller to free.
 */
void stress_workers_stop(void)
{
	WRITE_ONCE(stress_workers_run, false);
	smpboot_unregister_percpu_thread(&stress_threads);
}
