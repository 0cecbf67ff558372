/* SPDX-License-Identifier: MIT */
/*
 * The kdump-compressed writer. Layout (see kdump_fmt.h):
 *
 *   block 0      header, written first with the incomplete flag set and
 *                rewritten without it once everything else is written, so
 *                a dump cut short by anything (ENOSPC, EFBIG, a reset)
 *                says so. A flattened stream (a sink with no descriptor)
 *                gets it once, complete, as makedumpfile -F writes it:
 *                crash reads a flattened file directly and takes the
 *                first record at an offset, so a rewrite would leave it
 *                seeing the incomplete flag; a cut stream lacks the end
 *                marker instead
 *   block 1..    sub header + the vmcore's ELF notes
 *   bitmaps      1st (present) and 2nd (dumped), written per window
 *   descs        one per pfn the filter keeps (counted beforehand)
 *   data         the shared zero page, then pages in pfn order
 *
 * Bitmap bytes are written only after the descs and data of their pfns,
 * after each buffer flush and at the end of a window: whatever a failure
 * leaves behind, every dumped bit points at written data, and all but the
 * last buffer's worth (1 MiB of data, 4096 descs) is readable.
 *
 * Zero pages, at every dump level, stay in the 2nd bitmap and point at the
 * one stored zero page: that is what makedumpfile does at level bit 1, and
 * readers need it: crash, makedumpfile and libkdumpfile fail on a page
 * that is excluded but read a shared zero page as zeros, and kernel data
 * that happens to be zero (parts of the printk ring) must stay readable.
 * So the desc table's size, counted before any page is read, is exact.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "cpool.h"
#include "dumpw.h"
#include "kdump_fmt.h"
#include "util.h"

#define DESC_BUF (4096 * KDESC_SIZE)
#define DATA_BUF (1u << 20)

struct kw {
	struct dump_job *j;
	uint64_t bs;
	struct kdump_hdr h;
	uint64_t bmp1_off, bmp2_off, bmp_bytes;
	uint64_t desc_next, data_next, end;
	uint64_t committed;	/* dumped pfns whose bitmap bits are written */
	uint64_t flushes;	/* buffer flushes so far */
	struct kdump_desc zero; /* desc of the shared zero page */
	uint8_t *present;	/* window's 1st bitmap */
	uint8_t *descs, *data, *cbuf;
	size_t ndesc, ndata, cbound;
	ZSTD_CCtx *cc;
	struct cpool pool; /* workers, when there are (nthreads > 0) */
};

static int kw_out(struct kw *w, const void *buf, size_t len, uint64_t off)
{
	int err = sink_pwrite(w->j->out, buf, len, off);

	if (!err && off + len > w->end)
		w->end = off + len;
	return err;
}

/* Offset and size of the VMCOREINFO note's descriptor within @notes. */
static void find_vmcoreinfo(const uint8_t *n, size_t size, uint64_t *off,
			    uint64_t *len)
{
	size_t p = 0;

	*off = *len = 0;
	while (size - p >= 12) {
		uint32_t nsz = get_le32(n + p), dsz = get_le32(n + p + 4);
		size_t name = p + 12, desc = name + ((nsz + 3ul) & ~3ul);

		if (desc > size || dsz > size - desc)
			return;
		if (nsz >= 10 && !memcmp(n + name, "VMCOREINFO", 10)) {
			*off = desc;
			*len = dsz;
			return;
		}
		p = desc + ((dsz + 3ul) & ~3ul);
	}
}

static int kw_header(struct kw *w, uint32_t status)
{
	uint8_t *blk = calloc(1, w->bs);
	uint8_t sub[KSH_SIZE];
	int err;

	if (!blk)
		return -ENOMEM;
	w->h.status = status;
	kdump_hdr_encode(&w->h, blk, sub);
	err = kw_out(w, blk, w->bs, 0);
	free(blk);
	return err;
}

/*
 * The crashed kernel's utsname, as makedumpfile records it: read from
 * init_uts_ns when VMCOREINFO locates it and its release matches
 * OSRELEASE; otherwise what is known without it.
 */
static void kw_utsname(struct kw *w)
{
	struct vmcore *vc = w->j->vc;
	struct kdump_hdr *h = &w->h;
	struct memsrc ms;
	int64_t sym, off;
	char uts[6][65];

	strcpy(h->sysname, "Linux");
	snprintf(h->release, sizeof(h->release), "%s", vc->vi.osrelease);
	if (vc->e_machine == 62)
		strcpy(h->machine, "x86_64");
	vmcore_memsrc(vc, &ms);
	if (!vmcoreinfo_get(&vc->vi, "SYMBOL", "init_uts_ns", &sym) ||
	    !vmcoreinfo_get(&vc->vi, "OFFSET", "uts_namespace.name", &off) ||
	    memsrc_read_virt(&ms, (uint64_t)(sym + off), uts, sizeof(uts)))
		return;
	for (int i = 0; i < 6; i++)
		uts[i][64] = '\0';
	if (strcmp(uts[2], vc->vi.osrelease))
		return;
	memcpy(h->sysname, uts[0], 65);
	memcpy(h->nodename, uts[1], 65);
	memcpy(h->version, uts[3], 65);
	memcpy(h->machine, uts[4], 65);
	memcpy(h->domainname, uts[5], 65);
}

static void kw_layout(struct kw *w)
{
	struct vmcore *vc = w->j->vc;
	struct kdump_hdr *h = &w->h;
	int64_t pb = 0;
	uint64_t bmp_blocks, voff, vlen;

	h->header_version = KDUMP_HEADER_VERSION;
	kw_utsname(w);
	h->tv_sec = vc->vi.crashtime;
	h->block_size = (uint32_t)w->bs;
	h->nr_cpus = vc->nr_cpus;
	if (vmcoreinfo_get(&vc->vi, "NUMBER", "phys_base", &pb))
		h->phys_base = (uint64_t)pb;
	h->dump_level = w->j->o->level;
	h->offset_note = w->bs + KSH_SIZE;
	h->size_note = vc->notes_size;
	find_vmcoreinfo(vc->notes, vc->notes_size, &voff, &vlen);
	if (vlen) {
		h->offset_vmcoreinfo = h->offset_note + voff;
		h->size_vmcoreinfo = vlen;
	}
	h->sub_hdr_size =
		(uint32_t)((KSH_SIZE + vc->notes_size + w->bs - 1) / w->bs);
	h->max_mapnr = vc->max_pfn;
	bmp_blocks = (vc->max_pfn + w->bs * 8 - 1) / (w->bs * 8);
	if (!bmp_blocks)
		bmp_blocks = 1;
	h->bitmap_blocks = (uint32_t)(2 * bmp_blocks);
	w->bmp_bytes = bmp_blocks * w->bs;
	w->bmp1_off = (1 + h->sub_hdr_size) * w->bs;
	w->bmp2_off = w->bmp1_off + w->bmp_bytes;
	w->desc_next = w->bmp2_off + w->bmp_bytes;
	w->data_next = w->desc_next + w->j->kept * KDESC_SIZE;
}

static int kw_sub_header(struct kw *w)
{
	struct vmcore *vc = w->j->vc;
	size_t len = w->h.sub_hdr_size * w->bs;
	uint8_t *blk = calloc(1, len);
	uint8_t hdr[KH_SIZE];
	int err;

	if (!blk)
		return -ENOMEM;
	kdump_hdr_encode(&w->h, hdr, blk);
	memcpy(blk + KSH_SIZE, vc->notes, vc->notes_size);
	err = kw_out(w, blk, len, w->bs);
	free(blk);
	return err;
}

static int kw_flush(struct kw *w)
{
	int err = 0;

	if (w->ndata) {
		err = kw_out(w, w->data, w->ndata, w->data_next - w->ndata);
		w->ndata = 0;
	}
	if (!err && w->ndesc) {
		err = kw_out(w, w->descs, w->ndesc * KDESC_SIZE,
			     w->desc_next - w->ndesc * KDESC_SIZE);
		w->ndesc = 0;
	}
	if (!err)
		w->flushes++;
	return err;
}

static int kw_desc(struct kw *w, const struct kdump_desc *d)
{
	kdump_desc_encode(d, w->descs + w->ndesc * KDESC_SIZE);
	w->ndesc++;
	w->desc_next += KDESC_SIZE;
	return w->ndesc * KDESC_SIZE == DESC_BUF ? kw_flush(w) : 0;
}

/* Append a page's stored form to the data, and its desc. */
static int kw_data(struct kw *w, const void *src, uint32_t size, bool zstd)
{
	struct kdump_desc d = {.offset = w->data_next, .size = size};
	int err;

	if (zstd)
		d.flags = KDUMP_ZSTD;
	if (w->ndata + d.size > DATA_BUF) {
		err = kw_flush(w);
		if (err)
			return err;
	}
	memcpy(w->data + w->ndata, src, d.size);
	w->ndata += d.size;
	w->data_next += d.size;
	return kw_desc(w, &d);
}

/* Store a page as cpool_page() said: @page read, @frame compressed. */
static int kw_store(struct kw *w, enum cpage what, const uint8_t *page,
		    const uint8_t *frame, uint32_t size)
{
	if (what == CPAGE_ZERO)
		return kw_desc(w, &w->zero);
	return what == CPAGE_ZSTD ? kw_data(w, frame, size, true)
				  : kw_data(w, page, size, false);
}

/* The 1st bitmap: pfns present, whatever the filter says. */
static void kw_present(struct kw *w, uint64_t start, uint64_t count)
{
	memset(w->present, 0, count / 8);
	for (uint64_t i = 0; i < count; i++)
		if (vmcore_pfn_present(w->j->vc, start + i))
			w->present[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/*
 * Write the bitmap bytes [@from, @to) of the window at @start: the pfns
 * they cover have their descs and data written already.
 */
static int kw_commit(struct kw *w, uint64_t start, uint64_t from, uint64_t to)
{
	uint64_t off = start / 8 + from;
	int err;

	if (from == to)
		return 0;
	err = kw_out(w, w->present + from, to - from, w->bmp1_off + off);
	if (!err)
		err = kw_out(w, w->j->bits + from, to - from,
			     w->bmp2_off + off);
	for (uint64_t b = from; !err && b < to; b++)
		w->committed += (uint64_t)__builtin_popcount(w->j->bits[b]);
	return err;
}

/* After a buffer flush, every pfn before window index @i is on disk:
 * make the whole bitmap bytes of them readable, from *@done on, so that
 * a dump cut short later keeps all but the last buffer's worth. */
static int kw_flushed(struct kw *w, uint64_t start, uint64_t i, uint64_t *done)
{
	int err = kw_commit(w, start, *done, i / 8);

	*done = i / 8;
	return err;
}

/* The pages of the window, read and compressed in this thread. */
static int kw_pages(struct kw *w, uint64_t start, uint64_t count,
		    uint64_t *done)
{
	struct dump_job *j = w->j;
	int err = 0;

	for (uint64_t i = 0; i < count && !err; i++) {
		uint64_t flushes = w->flushes;
		const uint8_t *page;
		uint32_t size;

		if (!bit_test(j->bits, i))
			continue;
		dump_tick(j);
		dump_read_ahead(j, start, i, count);
		page = vmcore_page(j->vc, start + i, &err);
		if (!page) {
			if (err)
				msg("cannot read pfn %#llx of %s: %s",
				    (unsigned long long)(start + i),
				    j->vc->path, strerror(-err));
			bit_clear(j->bits, i);
		} else {
			enum cpage what = cpool_page(
				w->cc, j->o->compress == DUMP_COMPRESS_ZSTD,
				page, w->bs, w->cbuf, w->cbound, &size);

			err = kw_store(w, what, page, w->cbuf, size);
		}
		if (!err && flushes != w->flushes)
			err = kw_flushed(w, start, i, done);
	}
	return err;
}

/* Store the oldest batch back from the workers. */
static int kw_take(struct kw *w, uint64_t start, uint64_t *done)
{
	struct cbatch *b = cpool_next(&w->pool);
	int err = 0;

	for (unsigned int k = 0; k < b->n && !err; k++) {
		uint64_t flushes = w->flushes, i = b->idx[k];

		if (b->what[k] == CPAGE_ERROR) { /* as in kw_pages(): stop */
			msg("cannot read pfn %#llx of %s: %s",
			    (unsigned long long)b->pfn[k], w->j->vc->path,
			    strerror(-b->err[k]));
			bit_clear(w->j->bits, i);
			err = b->err[k];
		} else {
			err = kw_store(w, b->what[k], b->in + k * w->bs,
				       b->out + k * w->pool.cbound, b->size[k]);
		}
		if (!err && flushes != w->flushes)
			err = kw_flushed(w, start, i, done);
	}
	cpool_release(&w->pool);
	return err;
}

/* The pages of the window, read and compressed by the workers. */
static int kw_pages_pool(struct kw *w, uint64_t start, uint64_t count,
			 uint64_t *done)
{
	struct dump_job *j = w->j;
	int err = 0;

	for (uint64_t i = 0; i < count && !err; i++) {
		struct cbatch *b;

		if (!bit_test(j->bits, i))
			continue;
		dump_tick(j);
		if (!vmcore_pfn_present(j->vc, start + i)) {
			bit_clear(j->bits, i);
			continue;
		}
		while (!(b = cpool_fill(&w->pool)) && !err)
			err = kw_take(w, start, done);
		if (!err && cpool_add(b, i, start + i))
			cpool_submit(&w->pool);
	}
	cpool_submit(&w->pool);
	while (!err && cpool_pending(&w->pool))
		err = kw_take(w, start, done);
	return err;
}

static int kw_window(struct kw *w, uint64_t start)
{
	uint64_t count = dump_window_count(w->j, start), done = 0;
	int err = dump_window(w->j, start, count);

	if (err)
		return err;
	kw_present(w, start, count);
	err = w->pool.nthreads ? kw_pages_pool(w, start, count, &done)
			       : kw_pages(w, start, count, &done);
	/* The last buffer: its pfns' bitmap bytes are written after it. */
	if (!err)
		err = kw_flush(w);
	if (!err)
		err = kw_commit(w, start, done, count / 8);
	return err;
}

static int kw_body(struct kw *w)
{
	bool stream = !w->j->out->positioned;
	int err = kw_header(w, stream ? w->h.status
				      : KDUMP_INCOMPLETE | w->h.status);

	if (!err)
		err = kw_sub_header(w);
	if (!err) {
		/* One stored zero page that every zero pfn points at. */
		memset(w->data, 0, w->bs);
		w->zero = (struct kdump_desc){.offset = w->data_next,
					      .size = (uint32_t)w->bs};
		w->ndata = w->bs;
		w->data_next += w->bs;
	}
	for (uint64_t s = 0; !err && s < w->j->vc->max_pfn; s += DUMP_WINDOW)
		err = kw_window(w, s);
	if (!err && !stream)
		err = kw_header(w, w->h.status & ~KDUMP_INCOMPLETE);
	return err;
}

/* Workers when given more than one thread; else all in this thread. */
static int kw_start_pool(struct kw *w)
{
	const struct dump_opts *o = w->j->o;
	int err;

	if (o->threads < 2)
		return 0;
	err = cpool_start(&w->pool, w->j->vc, o->threads,
			  o->compress == DUMP_COMPRESS_ZSTD, o->zstd_level);
	if (err)
		msg("cannot start %u compression threads: %s", o->threads,
		    strerror(-err));
	return err;
}

int kdump_write(struct dump_job *j)
{
	struct kw w = {.j = j, .bs = j->vc->page_size};
	int err = -ENOMEM;

	kw_layout(&w);
	/* A real vmcore holds its memory: its bitmaps are 1/16384 of it.
	 * ELF headers describing terabytes that the file does not hold
	 * would have us write bitmaps of gigabytes of zeros. */
	if (2 * w.bmp_bytes > (1ull << 30) &&
	    2 * w.bmp_bytes / 64 > j->vc->file_size) {
		msg("%s describes %llu pages of memory but holds %llu bytes: "
		    "refusing to write %llu MiB of bitmaps (corrupt headers?)",
		    j->vc->path, (unsigned long long)j->vc->max_pfn,
		    (unsigned long long)j->vc->file_size,
		    (unsigned long long)(2 * w.bmp_bytes >> 20));
		return -EINVAL;
	}
	if (j->o->compress == DUMP_COMPRESS_ZSTD)
		w.h.status = KDUMP_ZSTD;
	w.cbound = ZSTD_compressBound(w.bs);
	w.present = malloc(DUMP_WINDOW / 8);
	w.descs = malloc(DESC_BUF);
	w.data = malloc(DATA_BUF);
	w.cbuf = malloc(w.cbound);
	w.cc = ZSTD_createCCtx();
	if (w.cc)
		ZSTD_CCtx_setParameter(w.cc, ZSTD_c_compressionLevel,
				       j->o->zstd_level);
	if (w.present && w.descs && w.data && w.cbuf && w.cc &&
	    w.bs <= DATA_BUF)
		err = kw_start_pool(&w);
	if (!err)
		err = kw_body(&w);
	j->res->bytes_written = w.end;
	j->res->pages_dumped = w.committed; /* what a reader will find */
	if (w.pool.nthreads)
		cpool_stop(&w.pool);
	ZSTD_freeCCtx(w.cc);
	free(w.cbuf);
	free(w.data);
	free(w.descs);
	free(w.present);
	return err;
}
