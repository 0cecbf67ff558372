/* SPDX-License-Identifier: MIT */
/*
 * Internal to the dump writers (dump.c, kdump_write.c, elf_write.c): the
 * state of one dump and the helpers both formats use.
 *
 * Both writers walk the pfns in windows of DUMP_WINDOW pages: the filter's
 * bitmap for one window is all that is held per pfn, so memory use stays
 * bounded whatever the size of the vmcore.
 */
#ifndef KDI_DUMPW_H
#define KDI_DUMPW_H

#include <stdbool.h>
#include <stdint.h>

#include "dump.h"
#include "filter.h"
#include "progress.h"

#define DUMP_WINDOW (1u << 18) /* pfns per window: 32 KiB of bitmap */

struct dump_job {
	struct vmcore *vc;
	struct filter *f;
	const struct dump_opts *o;
	struct sink *out;
	struct dump_result *res;
	struct progress pg;
	uint8_t *bits;	 /* DUMP_WINDOW / 8 bytes */
	uint8_t *cache;	 /* the whole bitmap, when small: see dump.c */
	bool cached;	 /* cache is filled */
	uint64_t kept;	 /* pfns the filter keeps (first pass) */
	uint64_t done;	 /* pfns processed, for progress */
	uint64_t ra_end; /* pfns before this were announced to the reader */
};

/* pfns in the window starting at @start (a multiple of 8). */
uint64_t dump_window_count(const struct dump_job *j, uint64_t start);

/* Fill j->bits with the filter's window at @start. @return 0 or -errno. */
int dump_window(struct dump_job *j, uint64_t start, uint64_t count);

/*
 * Before reading kept pfn @start + @i of the window: tell the reader
 * which pages follow, so that one read fetches a run of them.
 */
void dump_read_ahead(struct dump_job *j, uint64_t start, uint64_t i,
		     uint64_t count);

static inline bool bit_test(const uint8_t *bits, uint64_t i)
{
	return bits[i >> 3] & (1u << (i & 7));
}

static inline void bit_clear(uint8_t *bits, uint64_t i)
{
	bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

bool page_is_zero(const uint8_t *p, size_t len);

/* Count progress, reading the clock only every PROGRESS_STEP pages. */
static inline void dump_tick(struct dump_job *j)
{
	if (!(++j->done % PROGRESS_STEP))
		progress_update(&j->pg, j->done);
}

int kdump_write(struct dump_job *j);
int elf_write(struct dump_job *j);

#endif
