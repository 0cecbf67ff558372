/* SPDX-License-Identifier: MIT */
/*
 * Page access for the vmcore reader: one window of the file at a time,
 * mapped (/proc/vmcore) or read into a buffer (a file on disk).
 */
#include "vmcore.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"
#include "vmcore_priv.h"

static int win_alloc_buf(struct vmcore *vc)
{
	vc->map = false;
	if (!vc->buf)
		vc->buf = malloc(VMCORE_WINDOW);
	return vc->buf ? 0 : -ENOMEM;
}

int vmcore_win_init(struct vmcore *vc)
{
	struct statfs sf;

	vc->win = NULL;
	vc->win_len = 0;
	vc->ra_pfn = vc->ra_end = 0;
	if (!fstatfs(vc->fd, &sf) && sf.f_type == PROC_SUPER_MAGIC) {
		vc->map = true;
		return 0;
	}
	return win_alloc_buf(vc);
}

void vmcore_win_free(struct vmcore *vc)
{
	if (vc->map && vc->win)
		munmap(vc->win, vc->win_len);
	free(vc->buf);
	vc->win = vc->buf = NULL;
	vc->win_len = 0;
}

void vmcore_will_read(struct vmcore *vc, uint64_t pfn, uint64_t n)
{
	vc->ra_pfn = pfn;
	vc->ra_end = pfn + n;
}

/* Map the window holding [off, off + len); false when mmap is refused. */
static bool win_map(struct vmcore *vc, uint64_t off, uint64_t len)
{
	uint64_t host = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = off & ~((uint64_t)VMCORE_WINDOW - 1);
	void *p;

	if (off + len > start + VMCORE_WINDOW)
		start = off & ~(host - 1);
	if (vc->win) {
		munmap(vc->win, vc->win_len);
		vc->win = NULL;
		vc->win_len = 0;
	}
	vc->win_off = start;
	vc->win_len = vc->file_size - start < VMCORE_WINDOW
			      ? vc->file_size - start
			      : VMCORE_WINDOW;
	p = mmap(NULL, vc->win_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
		 vc->fd, (off_t)start);
	if (p == MAP_FAILED) {
		vc->win_len = 0;
		return false;
	}
	/* Pages are read once, in order: let the kernel read ahead and
	 * drop them behind us. */
	madvise(p, vc->win_len, MADV_SEQUENTIAL);
	vc->win = p;
	return true;
}

/*
 * Read page @pfn (at file offset @off) and the pages after it that the
 * caller said it will want, as far as the buffer and the segment go.
 */
static int win_read(struct vmcore *vc, uint64_t pfn, uint64_t off)
{
	uint64_t ps = vc->page_size, pa = pfn * ps;
	const struct vmcore_seg *s = vmcore_seg_find(vc, pa);
	uint64_t want = VMCORE_WINDOW / ps, left;
	int err;

	if (pfn >= vc->ra_pfn && pfn < vc->ra_end && vc->ra_end - pfn < want)
		want = vc->ra_end - pfn;
	left = (s->filesz - (pa - s->paddr)) / ps; /* >= 1: page_offset() */
	if (want > left)
		want = left;
	vc->win = vc->buf;
	vc->win_len = 0;
	err = pread_all(vc->fd, vc->buf, want * ps, (off_t)off);
	if (err)
		return err;
	vc->win_off = off;
	vc->win_len = want * ps;
	return 0;
}

const uint8_t *vmcore_page(struct vmcore *vc, uint64_t pfn, int *err)
{
	uint64_t off, ps = vc->page_size;
	int e;

	if (!vmcore_pfn_offset(vc, pfn, &off))
		return NULL;
	if (vc->win && off >= vc->win_off &&
	    off + ps <= vc->win_off + vc->win_len)
		return vc->win + (off - vc->win_off);
	if (vc->map) {
		if (win_map(vc, off, ps))
			return vc->win + (off - vc->win_off);
		/* A kernel without mmap on /proc/vmcore (before 3.11). */
		e = win_alloc_buf(vc);
		if (e)
			goto err;
	}
	e = win_read(vc, pfn, off);
	if (!e)
		return vc->win + (off - vc->win_off);
err:
	if (err)
		*err = e;
	return NULL;
}
