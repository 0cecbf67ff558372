/* SPDX-License-Identifier: MIT */
/*
 * Reader of kdump-compressed dumps, seekable or flattened (makedumpfile
 * -F, kdumpinit dump to -): header, notes, VMCOREINFO and pages.
 *
 * Every offset and size read from the file is checked against the file
 * before use. The 2nd bitmap is held in memory (max_mapnr / 8 bytes,
 * 32 MiB for 1 TiB of RAM): this reader is for host-side tools.
 * Page data may be zstd-compressed or raw; zlib, lzo and snappy pages
 * read as -ENOTSUP.
 */
#ifndef KDI_KDUMP_READ_H
#define KDI_KDUMP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdump_fmt.h"
#include "memsrc.h"
#include "vmcoreinfo.h"

struct flat_rec {
	uint64_t off, size, pos; /* pos: where the data is in the stream */
};

struct kdump_file {
	const char *path;
	int fd;
	uint64_t size; /* of the file, or of the rebuilt file when flat */
	uint64_t data; /* bytes of data the file really holds */
	bool flat;
	bool flat_ended; /* the flattened stream has its end marker */
	struct flat_rec *recs;
	size_t nrecs;
	struct kdump_hdr h;
	uint8_t *bmp2;	/* 2nd bitmap */
	uint64_t *rank; /* set bits of bmp2 before each 512-pfn block */
	uint64_t desc_off;
	uint64_t pages_present, pages_dumped;
	uint8_t *notes;
	struct vmcoreinfo vi;
	bool has_vi;
	uint8_t *cbuf; /* one block of compressed data */
	uint8_t *page; /* one block, for kdump_memsrc() */
	void *dctx;    /* ZSTD_DCtx */
};

/* @return 0 or -errno, with a message naming @path and the problem. */
int kdump_open(struct kdump_file *kf, const char *path);
void kdump_close(struct kdump_file *kf);

/* Whether @path starts like a kdump-compressed or flattened file. */
bool kdump_probe(const char *path);

/*
 * Read page @pfn into @buf (block_size bytes).
 * @return 0, -ENOENT when the dump does not hold the page, -EINVAL for a
 *         corrupt descriptor or page, -ENOTSUP for zlib/lzo/snappy data.
 */
int kdump_read_page(struct kdump_file *kf, uint64_t pfn, void *buf);

/* A memsrc over the dump (needs the dump's VMCOREINFO: kf->has_vi). */
void kdump_memsrc(struct kdump_file *kf, struct memsrc *ms);

#endif
