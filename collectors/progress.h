/* SPDX-License-Identifier: MIT */
/*
 * Progress of a long dump on stderr: percent, MB/s, ETA, at most a few
 * updates per second. Callers report every PROGRESS_STEP pages or so: the
 * clock is read only then, never per page.
 */
#ifndef KDI_PROGRESS_H
#define KDI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_STEP 4096 /* pages between two progress_update() calls */

struct progress {
	bool on;
	uint64_t total; /* pages to process */
	uint64_t page_size;
	double start, last; /* seconds, monotonic */
	bool printed;
};

/* Seconds on the monotonic clock. */
double progress_now(void);

void progress_start(struct progress *p, bool on, uint64_t total,
		    uint64_t page_size);
/* @done pages processed so far; prints when enough time has passed. */
void progress_update(struct progress *p, uint64_t done);
/* End the progress line (if one was printed). */
void progress_end(struct progress *p);

#endif
