/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL 0.25 /* seconds between two lines */

double progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, bool on, uint64_t total,
		    uint64_t page_size)
{
	p->on = on;
	p->total = total;
	p->page_size = page_size;
	p->start = progress_now();
	p->last = p->start;
	p->printed = false;
}

void progress_update(struct progress *p, uint64_t done)
{
	double now, el, rate, eta;
	unsigned int pct;

	if (!p->on || !p->total)
		return;
	now = progress_now();
	if (now - p->last < PROGRESS_INTERVAL)
		return;
	p->last = now;
	el = now - p->start;
	if (done > p->total)
		done = p->total;
	rate = el > 0 ? (double)done * (double)p->page_size / el / 1e6 : 0;
	eta = done ? el * (double)(p->total - done) / (double)done : 0;
	pct = (unsigned int)(done * 100 / p->total);
	/* One write per line, \r so a terminal shows a single moving line. */
	dprintf(STDERR_FILENO,
		"\rkdumpinit: dump %3u%% %7.1f MB/s ETA %u:%02u ", pct, rate,
		(unsigned int)eta / 60, (unsigned int)eta % 60);
	p->printed = true;
}

void progress_end(struct progress *p)
{
	if (p->printed)
		dprintf(STDERR_FILENO, "\n");
	p->printed = false;
}
