// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's allocator: whichever malloc() the program is linked
 * with (glibc's, or mimalloc, jemalloc or tcmalloc placed before it). The
 * name is that of the object file that defines the malloc() called, so
 * that a run cannot measure glibc while claiming to measure another.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *bench_allocator(void)
{
	void *fn = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;
	const char *base;

	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return "unknown";
	base = strrchr(info.dli_fname, '/');
	return base ? base + 1 : info.dli_fname;
}

void *bench_alloc(size_t size)
{
	return malloc(size);
}

void bench_free(void *p)
{
	free(p);
}
