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
	int zstd_level; /* default 1 */
	bool progress;	/* percent, MB/s, ETA on stderr */
};

struct dump_result {
	uint64_t pages_present; /* pfns with data in the vmcore */
	uint64_t pages_dumped;	/* pfns stored in the dump */
	uint64_t bytes_written; /* size of the dump */
	bool complete;		/* false: incomplete flag set in header */
	double seconds;
};

void dump_opts_default(struct dump_opts *o);

/*
 * Write the dump of @vc to @out.
 * On a write failure (ENOSPC, short write) the header is rewritten with
 * the incomplete flag where the format has one, what was written stays
 * readable, and the error is returned.
 * @return 0 or -errno (with a message naming the cause).
 */
int dump_write(struct vmcore *vc, const struct dump_opts *o, struct sink *out,
	       struct dump_result *res);

#endif
