/* SPDX-License-Identifier: MIT */
/*
 * Page filtering: which pfns a dump at a given level keeps.
 *
 * Dump level bits (makedumpfile's): 1 zero, 2 cache without private,
 * 4 cache with private, 8 user, 16 free. Bit 1 (zero pages) needs the
 * page contents and is applied by the writer; this module applies the
 * others from struct page, located through VMCOREINFO alone.
 *
 * The filter works on a window of pfns at a time so that its memory use
 * does not depend on the machine's RAM size.
 */
#ifndef KDI_FILTER_H
#define KDI_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcore.h"

#define DL_ZERO 1
#define DL_CACHE 2
#define DL_CACHE_PRIVATE 4
#define DL_USER 8
#define DL_FREE 16
#define DL_MAX 31

struct filter {
	struct vmcore *vc;
	int level;
	/* Warnings recorded for the dump's info ("no NUMBER(PG_lru): page
	 * cache kept"), NUL-separated, at most FILTER_NOTES bytes. */
	char notes[512];
	void *priv; /* memory-model state, private to filter.c */
};

/* @return 0, or -errno with a message. Missing VMCOREINFO entries are not
 * an error: the affected classes are kept and a note is recorded. */
int filter_init(struct filter *f, struct vmcore *vc, int level);
/* A filter that reads nothing of the crashed kernel's tables: every pfn
 * with data in the vmcore is kept (level 0 without the memory model). */
int filter_init_raw(struct filter *f, struct vmcore *vc);
void filter_free(struct filter *f);

/*
 * Set bit i (LSB first) of @bits for each pfn @start + i, i < @count, that
 * is present in the vmcore and not excluded by the level's struct page
 * rules; clear the others. @start and @count are multiples of 8.
 * @return 0 or -errno.
 */
int filter_window(struct filter *f, uint64_t start, uint64_t count,
		  uint8_t *bits);

#endif
