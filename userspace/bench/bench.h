/* SPDX-License-Identifier: GPL-2.0 */
/* The allocator a benchmark binary measures (front-*.c). */
#ifndef _XALLOC_BENCH_H
#define _XALLOC_BENCH_H

#include <stddef.h>

const char *bench_allocator(void);
void *bench_alloc(size_t size);
void bench_free(void *p);

#endif /* _XALLOC_BENCH_H */
