// SPDX-License-Identifier: GPL-2.0
/* The benchmark's allocator: xalloc's core, through its malloc() front end. */
#include "../xalloc_user.h"
#include "bench.h"

const char *bench_allocator(void)
{
	return "xalloc";
}

void *bench_alloc(size_t size)
{
	return xalloc_user_malloc(size);
}

void bench_free(void *p)
{
	xalloc_user_free(p);
}
