/* SPDX-License-Identifier: MIT */
/*
 * makedumpfile's flattened format, for outputs that cannot seek (stdout,
 * an SSH channel): a 4096-byte header ("makedumpfile", type 1, version 1,
 * big-endian), then records {int64 offset, int64 size} + data, ended by
 * offset = size = -1. `makedumpfile -R FILE < stream` rebuilds the
 * seekable file by writing each record at its offset.
 *
 * The encoder is a sink: positioned writes that continue the previous one
 * are merged into one record (up to FLAT_BUF bytes), so a dump written
 * mostly in order costs few record headers.
 */
#ifndef KDI_FLAT_H
#define KDI_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_BUF (1u << 20)
#define FLAT_SIGNATURE "makedumpfile"

/* Writes the stream's bytes; @return 0 or -errno. */
typedef int (*flat_write_fn)(void *ctx, const void *buf, size_t len);

struct flat {
	flat_write_fn write;
	void *wctx;
	uint8_t *buf; /* pending record's data */
	size_t len;
	uint64_t off; /* where the pending record goes */
	int err;      /* first write error: later writes fail with it */
};

/*
 * Make @s a sink that encodes into @fl and writes through @fn(@ctx).
 * Writes the stream header. @return 0 or -errno.
 */
int flat_init(struct flat *fl, struct sink *s, flat_write_fn fn, void *ctx);

/* A flat_write_fn writing to the file descriptor stored in ctx (an int *). */
int flat_write_fd(void *ctx, const void *buf, size_t len);

/* Flush the pending record and write the end marker. @return 0/-errno. */
int flat_finish(struct flat *fl);

void flat_free(struct flat *fl);

#endif
