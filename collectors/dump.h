/* SPDX-License-Identifier: MIT */
/*
 * Turning a vmcore into a dump: kdump-compressed (what crash reads) or ELF,
 * onto a sink (seekable, or a stream through the flattened encoder).
 */
#ifndef KDI_DUMP_H
#define KDI_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "sink.h"
#include "vmcore.h"

enum dump_format { DUMP_KDUMP, DUMP_ELF };
enum dump_compress { DUMP_COMPRESS_NONE, DUMP_COMPRESS_ZSTD };

struct dump_opts {
	int level; /* 0..31, see filter.h */
	enum dump_format format;
	enum dump_compress compress;
	int zstd_level;	       /* see dump_zstd_level_ok(), default -1 */
	unsigned int threads;  /* compressing threads (1: no extra thread) */
	bool progress;	       /* percent, MB/s, ETA on stderr */
	uint64_t bitmap_cache; /* see DUMP_BITMAP_CACHE */
	bool dry_run; /* only count the pfns the filter keeps: one pass */
	/* Trust none of the crashed kernel's own tables: no memory model,
	 * no struct page read; every page with data is dumped (level 0).
	 * The capture's fallback after a first attempt died. */
	bool raw;
};

struct dump_result {
	uint64_t pages_present; /* pfns with data in the vmcore */
	uint64_t pages_dumped;	/* pfns stored in the dump */
	uint64_t bytes_written; /* size of the dump */
	bool complete;		/* false: incomplete flag set in header */
	double seconds;
};

/*
 * The counting pass keeps the whole bitmap when it is this small (64 GiB
 * of 4 KiB pages): the writers then copy it instead of filtering again.
 * A bigger machine is filtered twice, in the same memory as a small one.
 */
#define DUMP_BITMAP_CACHE (2u << 20)

void dump_opts_default(struct dump_opts *o);

/* One compressing thread per online CPU. */
unsigned int dump_threads_auto(void);

/*
 * zstd levels a dump may use: the fast levels DUMP_ZSTD_FAST_MIN..-1 and
 * 1..DUMP_ZSTD_MAX. 0 is refused: zstd reads it as its default level 3.
 * -1 is the default: literals stay raw, which halves the CPU cost per
 * page and still gives a dump smaller than makedumpfile -c (bench/run).
 */
#define DUMP_ZSTD_DEFAULT (-1)
#define DUMP_ZSTD_FAST_MIN (-7)
#define DUMP_ZSTD_MAX 19
#define DUMP_ZSTD_RANGE "-7..-1 or 1..19"

static inline bool dump_zstd_level_ok(long v)
{
	return (v >= DUMP_ZSTD_FAST_MIN && v <= -1) ||
	       (v >= 1 && v <= DUMP_ZSTD_MAX);
}

/*
 * Write the dump of @vc to @out.
 * On a write failure (ENOSPC, short write) the header is rewritten with
 * the incomplete flag where the format has one, what was written stays
 * readable, and the error is returned. With o->dry_run nothing is read
 * but struct pages and nothing is written (@out may be NULL):
 * res->pages_dumped is the count of pfns the filter keeps.
 * @return 0 or -errno (with a message naming the cause).
 */
int dump_write(struct vmcore *vc, const struct dump_opts *o, struct sink *out,
	       struct dump_result *res);

#endif
