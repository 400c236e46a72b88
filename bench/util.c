// SPDX-License-Identifier: GPL-2.0
/*
 * What every scenario needs: cache names, fixed-point output, bound
 * kthreads started together, and memory pressure on demand.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bench.h"

/**
 * bench_create() - create a cache under a name no other live cache has
 * @ops: the allocator
 * @size: object size
 * @objects: objects the scenario may hold on one CPU
 *
 * xalloc refuses duplicate names, and a fresh name per cache keeps one
 * measurement's SLUB cache apart from the last one's in sysfs.
 *
 * Return: the cache, or NULL.
 */
void *bench_create(const struct bench_ops *ops, unsigned int size,
		   unsigned int objects)
{
	static atomic_t seq = ATOMIC_INIT(0);
	char name[32];

	snprintf(name, sizeof(name), "xbench-%s-%u-%d", ops->name, size,
		 atomic_inc_return(&seq));
	return ops->create(name, size, objects);
}

/* @num / @den in hundredths, rounded down; 0 when @den is 0. */
u64 bench_centi(u64 num, u64 den)
{
	return den ? div64_u64(num * 100, den) : 0;
}

/**
 * bench_fmt() - format @num / @den with two decimals
 * @buf: BENCH_FMT_LEN bytes
 * @num: numerator
 * @den: denominator
 *
 * The kernel has no floating point to print with.
 *
 * Return: @buf.
 */
char *bench_fmt(char *buf, u64 num, u64 den)
{
	u64 centi = bench_centi(num, den);
	u32 rem;
	u64 whole = div_u64_rem(centi, 100, &rem);

	snprintf(buf, BENCH_FMT_LEN, "%llu.%02u", whole, rem);
	return buf;
}

/**
 * bench_line() - print one measurement as a machine-readable line
 * @sc: the scenario
 * @size: object size, 0 (printed "all") for a scenario that mixes sizes
 * @ops: the allocator, or NULL for a measurement of the harness itself
 * @fmt: the measured values, as space-separated key=value pairs
 */
void bench_line(const struct bench_scenario *sc, unsigned int size,
		const struct bench_ops *ops, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	char sz[12];

	if (size)
		snprintf(sz, sizeof(sz), "%u", size);
	else
		strscpy(sz, "all", sizeof(sz));
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("XBENCH scenario=%s size=%s alloc=%s %pV\n", sc->name, sz,
		ops ? ops->name : "none", &vaf);
	va_end(args);
}

/* The @i-th online CPU, or -1 when there are fewer. */
int bench_cpu(unsigned int i)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (!i--)
			return cpu;
	return -1;
}

struct bench_thread {
	struct task_struct *task;
	struct completion *go;
	struct completion done;
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

static int bench_thread_main(void *data)
{
	struct bench_thread *t = data;

	/* Start with the others, not as soon as this one is woken. */
	wait_for_completion(t->go);
	t->ret = t->fn(t->arg);
	complete(&t->done);
	return 0;
}

/*
 * Wait in TASK_IDLE: a scenario may run for minutes and the hung-task
 * detector would take the sleeping insmod for a hang.
 */
static int bench_thread_join(struct bench_thread *t)
{
	wait_for_completion_state(&t->done, TASK_IDLE);
	kthread_stop(t->task);
	put_task_struct(t->task);
	return t->ret;
}

static int bench_thread_create(struct bench_thread *t, int cpu,
			       struct completion *go, int (*fn)(void *),
			       void *arg)
{
	t->go = go;
	t->fn = fn;
	t->arg = arg;
	init_completion(&t->done);
	t->task = kthread_create_on_cpu(bench_thread_main, t, cpu,
					"xbench/%u");
	if (IS_ERR(t->task))
		return PTR_ERR(t->task);
	get_task_struct(t->task);
	return 0;
}

/* Stop threads that never ran their function. */
static void bench_thread_cancel(struct bench_thread *t)
{
	kthread_stop(t->task);
	put_task_struct(t->task);
}

/**
 * bench_run_parallel() - run @fn on @n CPUs at once and wait for all
 * @n: number of threads
 * @cpus: the CPU of each thread; a kthread bound there cannot migrate
 * @fn: the function
 * @args: its argument for each thread
 *
 * The threads are created and woken first, then released together.
 *
 * Return: 0, or the first non-zero value @fn returned, or -errno.
 */
int bench_run_parallel(unsigned int n, const int *cpus, int (*fn)(void *),
		       void **args)
{
	struct bench_thread *threads;
	DECLARE_COMPLETION_ONSTACK(go);
	unsigned int i, created;
	int ret = 0, r;

	threads = kcalloc(n, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	for (created = 0; created < n; created++) {
		ret = bench_thread_create(&threads[created], cpus[created], &go,
					  fn, args[created]);
		if (ret)
			break;
	}
	if (ret) {
		for (i = 0; i < created; i++)
			bench_thread_cancel(&threads[i]);
		kfree(threads);
		return ret;
	}
	for (i = 0; i < n; i++)
		wake_up_process(threads[i].task);
	complete_all(&go);
	for (i = 0; i < n; i++) {
		r = bench_thread_join(&threads[i]);
		if (r && !ret)
			ret = r;
	}
	kfree(threads);
	return ret;
}

/* Run @fn(@arg) in a kthread bound to @cpu and wait for it. */
int bench_run_on(int cpu, int (*fn)(void *), void *arg)
{
	return bench_run_parallel(1, &cpu, fn, &arg);
}

/**
 * bench_drop_caches() - run every shrinker, as memory pressure would
 *
 * Writes "2" to /proc/sys/vm/drop_caches: every shrinker is asked to give
 * back what it can, xalloc's (empty segments, reserves included) among
 * them; the page cache is left alone. The path is looked up in the root
 * that kthreads share with init, where the bench VM's init mounts /proc.
 *
 * Return: 0 or a negative errno.
 */
int bench_drop_caches(void)
{
	static const char slab[] = "2";
	struct file *file = filp_open("/proc/sys/vm/drop_caches", O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = kernel_write(file, slab, strlen(slab), &pos);
	filp_close(file, NULL);
	return ret < 0 ? ret : 0;
}
