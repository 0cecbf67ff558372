/* SPDX-License-Identifier: MIT */
/*
 * Reader for an ELF64 vmcore (/proc/vmcore, or a copy of it on the host).
 *
 * vmcore_open() validates every header field it uses: a truncated file, a
 * bad magic, absurd counts, overlapping or out-of-file segments, or no
 * VMCOREINFO note give a message naming what is wrong and -EINVAL.
 *
 * Page access is through a window of VMCORE_WINDOW bytes, so memory use
 * does not grow with the size of the vmcore. /proc/vmcore is mapped (its
 * read() maps and unmaps every page of the old memory; its mmap() sets
 * the mapping up once); a copy on disk is read with pread() into a buffer,
 * which costs a fraction of faulting in the page cache page by page.
 *
 * Segments: a PT_LOAD wholly inside another (the kernel-text segment that
 * kexec adds, which repeats part of a RAM segment) is dropped; any other
 * overlap is an error. On some machines a segment starts or ends inside
 * a page: such a partial page is not present for vmcore_page() and
 * vmcore_pfn_present() (only pages wholly backed by file data are), but
 * its backed bytes can still be read through vmcore_memsrc(), which is
 * byte-granular. Bytes between filesz and memsz are not present.
 */
#ifndef KDI_VMCORE_H
#define KDI_VMCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memsrc.h"
#include "vmcoreinfo.h"

#define VMCORE_WINDOW (4u << 20) /* bytes mapped at once */

struct vmcore_seg {
	uint64_t paddr;	 /* physical start (not always page aligned) */
	uint64_t memsz;	 /* bytes of memory described */
	uint64_t offset; /* file offset of the data */
	uint64_t filesz; /* bytes present in the file (<= memsz) */
};

struct vmcore {
	const char *path;
	int fd;
	uint64_t file_size;
	uint16_t e_machine;
	struct vmcore_seg *segs; /* sorted by paddr, non-overlapping */
	unsigned int nsegs;
	uint8_t *notes; /* all PT_NOTE contents, concatenated */
	size_t notes_size;
	unsigned int nr_cpus; /* NT_PRSTATUS notes */
	struct vmcoreinfo vi;
	uint64_t page_size; /* == vi.page_size */
	uint64_t max_pfn;   /* one past the highest pfn in a segment */
	/* Page access, private to vmcore_win.c: the file range
	 * [win_off, win_off + win_len) is at win, mapped (map) or read
	 * into a buffer of VMCORE_WINDOW bytes. */
	bool map;
	uint8_t *win, *buf;
	uint64_t win_off, win_len;
	uint64_t ra_pfn, ra_end; /* vmcore_will_read() */
};

/* @return 0 or -errno, with a message naming @path and the problem. */
int vmcore_open(struct vmcore *vc, const char *path);
void vmcore_close(struct vmcore *vc);

/*
 * Pointer to the page_size bytes of page @pfn, valid until the next call
 * on @vc. @return NULL when the pfn is not in the file (hole, or beyond
 * a segment's filesz): the caller treats it as not present.
 * On I/O error sets *@err to -errno and returns NULL (@err may be NULL
 * only when the caller does not care).
 */
const uint8_t *vmcore_page(struct vmcore *vc, uint64_t pfn, int *err);

/*
 * Hint: the next vmcore_page() calls ask for pfns in [@pfn, @pfn + @n),
 * in order, perhaps not all of them. Lets a read fetch just that range;
 * without a hint the reader assumes a sequential scan.
 */
void vmcore_will_read(struct vmcore *vc, uint64_t pfn, uint64_t n);

/* File offset of page @pfn, or false when it is not wholly backed.
 * Reads nothing: threads may call it, and pread() what it gives. */
bool vmcore_pfn_offset(const struct vmcore *vc, uint64_t pfn, uint64_t *off);

/* Whether @pfn lies inside a segment's file-backed part. */
bool vmcore_pfn_present(const struct vmcore *vc, uint64_t pfn);

/* A memsrc reading from this vmcore. */
void vmcore_memsrc(struct vmcore *vc, struct memsrc *ms);

#endif
