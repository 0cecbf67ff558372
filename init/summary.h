/* SPDX-License-Identifier: MIT */
/*
 * What one capture did, and summary.txt, the short human-readable record
 * saved next to the dump.
 */
#ifndef KDI_SUMMARY_H
#define KDI_SUMMARY_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#include "dump.h"

struct capture {
	char release[65]; /* the crashed kernel's release */
	char panic[256];  /* its panic line, or "" when not found */
	time_t crash_time;
	double start;	     /* monotonic seconds when the worker began */
	char dmesg_why[160]; /* why the kernel log is missing, or "" */
	struct dump_opts opts;
	struct dump_result res;
	char dump_why[160];	     /* why the dump is incomplete, or "" */
	char target[PATH_MAX + 600]; /* where it went, over which network */
	char via[128];		     /* how the bytes travelled, or "" */
	char fallback[160];	     /* why this is the fallback dump, or "" */
	bool flattened;		     /* saved as vmcore.flat */
	unsigned int reconnects;     /* network targets */
	char sha256[96];	     /* of the saved vmcore, or why none */
};

/* Remember the last panic-looking line of the kernel log @log. */
void summary_find_panic(struct capture *cap, const char *log, size_t len);

/* Render summary.txt into @buf. @return its length (truncated to @size). */
size_t summary_format(const struct capture *cap, char *buf, size_t size);

#endif
