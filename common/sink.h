/* SPDX-License-Identifier: MIT */
/*
 * Where a file's bytes go: the one contract between the writers
 * (collectors/) and the targets (transports/), and the host commands'
 * files. Writers only ever call sink_pwrite().
 *
 * A sink says whether it takes positioned writes. One that does (a local
 * file, an NFS or SFTP file) may be written at any offset, and a dump
 * writer may come back to its header at the end. One that does not (a
 * pipe, an ssh channel) takes its bytes in order: the flattened-format
 * encoder (flat.h) goes in front of it, turning every positioned write
 * into an {offset, size} record. Nobody outside the sink's maker looks at
 * what is behind it.
 */
#ifndef KDI_SINK_H
#define KDI_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink {
	/* @return 0 or -errno (-ENOSPC when out of space). */
	int (*pwrite)(struct sink *s, const void *buf, size_t len,
		      uint64_t off);
	/* Flush buffered data and make it durable. Optional.
	 * @return 0 or -errno. */
	int (*sync)(struct sink *s);
	void *ctx; /* the maker's own state */
	/* true: writes may go to any offset, in any order, and a later
	 * write replaces earlier bytes (a writer may mark a file incomplete
	 * and clear the mark at the end). false: a stream, where what was
	 * sent stays sent (the flattened encoder's sink says false). */
	bool positioned;
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

/* A positioned sink writing to seekable file descriptor @fd (not owned:
 * the caller closes it). */
void sink_fd_init(struct sink *s, int fd);

/* The descriptor behind a sink made by sink_fd_init(), for its maker. */
int sink_fd(const struct sink *s);

#endif
