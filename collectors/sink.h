/* SPDX-License-Identifier: MIT */
/*
 * Where a dump's bytes go. Writers only ever call sink_pwrite(): a seekable
 * file takes it directly; a stream (stdout, an SSH channel) is wrapped by
 * the flattened-format encoder (flat.h), which turns every positioned
 * write into a {offset, size} record.
 */
#ifndef KDI_SINK_H
#define KDI_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink {
	/* @return 0 or -errno (-ENOSPC when out of space). */
	int (*pwrite)(struct sink *s, const void *buf, size_t len,
		      uint64_t off);
	/* Flush buffered data and make it durable. Optional. @return 0/-errno
	 */
	int (*sync)(struct sink *s);
	void *ctx;
	int fd;
};

static inline int sink_pwrite(struct sink *s, const void *buf, size_t len,
			      uint64_t off)
{
	return s->pwrite(s, buf, len, off);
}

static inline int sink_sync(struct sink *s)
{
	return s->sync ? s->sync(s) : 0;
}

/* A sink writing to seekable file descriptor @fd. */
void sink_fd_init(struct sink *s, int fd);

#endif
