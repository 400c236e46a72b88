// SPDX-License-Identifier: GPL-2.0
/*
 * Handing objects to other CPUs. Each CPU has two lock-free queues
 * (llist): one its worker drains, one its hardirq and softirq contexts
 * drain. Any context may push to any queue, so objects cross CPUs and
 * contexts, and the CPU that frees an object is usually not the one whose
 * page holds it: a remote free, in xalloc's terms.
 */
#include <linux/cpumask.h>

#include "stress.h"

/* The @nth online CPU, or the next one if that is @self. */
static int stress_nth_peer(int self, unsigned int nth)
{
	int cpu = cpumask_nth(nth, cpu_online_mask);

	if (cpu == self)
		cpu = cpumask_next(cpu, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	return cpu;
}

/* Another online CPU, drawn at random, or -1 if there is none. */
static int stress_pick_peer(int self, struct rnd_state *rnd)
{
	unsigned int n = num_online_cpus();
	int cpu;

	if (n < 2)
		return -1;
	/*
	 * The online mask is read without the hotplug lock, on purpose: CPUs
	 * come and go all the time here, the answer is only a hint, and a
	 * peer that went offline meanwhile stops accepting (stress_send()).
	 */
	cpu = data_race(stress_nth_peer(self, prandom_u32_state(rnd) % n));
	return cpu == self || cpu >= nr_cpu_ids ? -1 : cpu;
}

/**
 * stress_send() - hand an object to another CPU
 * @self: the calling CPU
 * @rnd: random state of the caller
 * @ref: the object
 * @to_irq: to the interrupt contexts of that CPU rather than its worker
 *
 * Only CPUs whose worker and timers run take objects, so that none waits
 * long in the queue of a CPU going offline; the few pushed as it goes
 * wait until it is back, or until the end of the run.
 *
 * Return: true if the object was handed over; else the caller keeps it.
 */
bool stress_send(int self, struct rnd_state *rnd, struct stress_ref ref,
		 bool to_irq)
{
	struct stress_cpu *peer;
	int cpu = stress_pick_peer(self, rnd);

	if (cpu < 0)
		return false;
	peer = stress_cpus[cpu];
	if (!READ_ONCE(peer->accepting))
		return false;
	llist_add(stress_obj_node(ref.obj),
		  to_irq ? &peer->irq_inbox : &peer->inbox);
	return true;
}

/**
 * stress_drain() - check and free every object waiting in a queue
 * @c: the calling context's counters
 * @head: the queue
 * @remote: count the frees as frees of objects another CPU handed over
 */
void stress_drain(struct stress_counts *c, struct llist_head *head,
		  bool remote)
{
	struct llist_node *node = llist_del_all(head), *next;

	while (node) {
		next = node->next;
		stress_obj_free_node(c, node, remote);
		node = next;
	}
}
