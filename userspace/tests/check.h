/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tests' assertion: counts every check, and prints and counts every
 * one that fails; main() reports the counts and fails the program.
 */
#ifndef _XALLOC_TEST_CHECK_H
#define _XALLOC_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__,	\
			#cond);						\
	}								\
} while (0)

#endif /* _XALLOC_TEST_CHECK_H */
