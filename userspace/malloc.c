// SPDX-License-Identifier: GPL-2.0
/*
 * A malloc()-style front end over the core, for programs and benchmarks:
 * the kmalloc size classes are the caches (xalloc/kmalloc.c), and a thread
 * becomes a CPU of its own at its first call, as mimalloc gives each
 * thread a heap. At the thread's exit its CPU goes offline: its heaps are
 * abandoned, and adopted by the next thread to take that CPU, as they are
 * adopted after hotplug in the kernel.
 *
 * At most XALLOC_USER_MALLOC_THREADS threads may use it at once; the next
 * one gets NULL and a message.
 */
#include "../xalloc/internal.h"
#include "xalloc_user.h"

static pthread_once_t malloc_once = PTHREAD_ONCE_INIT;
static int malloc_init_error;
static pthread_key_t cpu_key;
static pthread_mutex_t cpus_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cpu_taken[XALLOC_USER_MALLOC_THREADS];

/* A thread's exit: its CPU goes offline and may be taken again. */
static void thread_detach(void *arg)
{
	int cpu = (int)(long)arg - 1;

	xalloc_user_cpu_stop();
	pthread_mutex_lock(&cpus_lock);
	cpu_taken[cpu] = false;
	pthread_mutex_unlock(&cpus_lock);
}

static void malloc_init(void)
{
	malloc_init_error = pthread_key_create(&cpu_key, thread_detach);
	if (!malloc_init_error)
		malloc_init_error = xalloc_user_init(XALLOC_USER_MALLOC_THREADS);
	if (malloc_init_error)
		fprintf(stderr, "xalloc: cannot start: %d\n", malloc_init_error);
}

/* Make the calling thread a CPU: false if none is left. */
static noinline bool thread_attach(void)
{
	int cpu;

	pthread_once(&malloc_once, malloc_init);
	if (malloc_init_error)
		return false;
	pthread_mutex_lock(&cpus_lock);
	for (cpu = 0; cpu < XALLOC_USER_MALLOC_THREADS; cpu++)
		if (!cpu_taken[cpu])
			break;
	if (cpu < XALLOC_USER_MALLOC_THREADS)
		cpu_taken[cpu] = true;
	pthread_mutex_unlock(&cpus_lock);
	if (cpu == XALLOC_USER_MALLOC_THREADS) {
		fprintf(stderr, "xalloc: more than %d threads\n",
			XALLOC_USER_MALLOC_THREADS);
		return false;
	}
	xalloc_user_cpu_start(cpu);
	/* The key's value is never NULL, so its destructor runs. */
	pthread_setspecific(cpu_key, (void *)(long)(cpu + 1));
	return true;
}

static __always_inline bool thread_ready(void)
{
	return likely(xalloc_user_cpu >= 0) || thread_attach();
}

void *xalloc_user_malloc(size_t size)
{
	if (!thread_ready())
		return NULL;
	if (unlikely(!size))
		size = 1;	/* malloc(0) is a unique pointer */
	return xalloc_kmalloc(size, GFP_KERNEL);
}

void *xalloc_user_calloc(size_t nmemb, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(nmemb, size, &bytes))
		return NULL;
	if (!thread_ready())
		return NULL;
	return xalloc_kzalloc(bytes ? bytes : 1, GFP_KERNEL);
}

void xalloc_user_free(void *p)
{
	if (!p)
		return;
	if (!thread_ready())
		return;
	xalloc_free(p);
}

size_t xalloc_user_usable_size(const void *p)
{
	if (!p || !thread_ready())
		return 0;
	return xalloc_ksize(p);
}

int xalloc_user_malloc_stats(size_t size, struct xalloc_cache_stats *stats)
{
	struct xalloc_cache *cache;

	if (!thread_ready())
		return -ENOMEM;
	cache = xalloc_kmalloc_class(size);
	if (!cache)
		return -EINVAL;
	xalloc_cache_collect(cache);
	xalloc_cache_get_stats(cache, stats);
	return 0;
}
