/* SPDX-License-Identifier: MIT */
/*
 * Minimal unit-test support. A test program calls CHECK() inside test
 * functions registered with RUN(); each test prints one line
 * "PASS name" or "FAIL name: why" that tests/run counts.
 */
#ifndef KDI_CHECK_H
#define KDI_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_total;
static int check_failed_now;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  %s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                    \
			check_failed_now = 1;                                  \
		}                                                              \
	} while (0)

#define CHECK_EQ_U(a, b)                                                       \
	do {                                                                   \
		unsigned long long a_ = (a), b_ = (b);                         \
		if (a_ != b_) {                                                \
			fprintf(stderr, "  %s:%d: %s == %llu, want %llu\n",    \
				__FILE__, __LINE__, #a, a_, b_);               \
			check_failed_now = 1;                                  \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || strcmp(a_, b_)) {                                   \
			fprintf(stderr,                                        \
				"  %s:%d: %s == \"%s\", want \"%s\"\n",        \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)",    \
				b_);                                           \
			check_failed_now = 1;                                  \
		}                                                              \
	} while (0)

/* A check that failed outside a test (in set-up code before it) is a
 * failure of its own, never reset unseen. */
#define CHECK_SETUP(where)                                                     \
	do {                                                                   \
		if (check_failed_now) {                                        \
			printf("FAIL setup %s\n", where);                      \
			check_failed_total++;                                  \
		}                                                              \
		check_failed_now = 0;                                          \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		CHECK_SETUP("before " #fn);                                    \
		fn();                                                          \
		printf("%s %s\n", check_failed_now ? "FAIL" : "PASS", #fn);    \
		fflush(stdout);                                                \
		check_failed_total += check_failed_now;                        \
	} while (0)

#define CHECK_EXIT()                                                           \
	do {                                                                   \
		CHECK_SETUP("at the end");                                     \
		return check_failed_total ? 1 : 0;                             \
	} while (0)

#endif
