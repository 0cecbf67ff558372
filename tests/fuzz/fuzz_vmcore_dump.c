/* SPDX-License-Identifier: MIT */
/*
 * An ELF vmcore as the capture sees it: vmcore_open() (vmcore.c,
 * vmcoreinfo.c, vmcore_win.c), then dump_write() (dump.c, filter.c,
 * memmodel.c, pageclass.c, kdump_write.c, elf_write.c, flat.c) into a
 * memfd, then the dump read back (kdump_read.c or vmcore.c again).
 *
 * The input is the file; its last byte also says how to dump it:
 *   bits 0-1  zero bytes appended to the file: none, up to a multiple
 *             of 4 KiB, 16 KiB, 64 KiB (seeds map pages onto them)
 *   bits 2-3  dump level 31, 0, 16 or 1
 *   bit 4     ELF instead of kdump-compressed
 *   bit 5     through the flattened encoder (a stream)
 *   bit 6     the target fills up (ENOSPC) after OUT_LIMIT bytes
 *   bit 7     no compression
 *
 * Properties: a dump that succeeded reads back, complete; every page
 * read back from a dump (complete or not) is the vmcore's page, and
 * only a present pfn is in it.
 */
#include "dump.h"
#include "flat.h"
#include "fuzz.h"
#include "kdump_read.h"

#define MAX_PFNS (1u << 20)   /* bigger machines: not dumped */
#define MAX_PRESENT 4096u     /* more pages present: not dumped */
#define OUT_LIMIT (40u << 10) /* bytes, with bit 6 */
#define CHECK_PFNS (1u << 16) /* pfns compared after the dump */

struct limited {
	struct sink s;
	int fd;
	uint64_t limit;
	uint64_t streamed; /* flat: bytes so far */
};

static int lim_pwrite(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	struct limited *l = s->ctx;
	size_t n = len;

	fuzz_check_readable(buf, len);
	if (off >= l->limit)
		return -ENOSPC;
	if (n > l->limit - off)
		n = (size_t)(l->limit - off);
	if (pwrite(l->fd, buf, n, (off_t)off) != (ssize_t)n)
		abort();
	return n < len ? -ENOSPC : 0;
}

static int lim_stream(void *ctx, const void *buf, size_t len)
{
	struct limited *l = ctx;
	size_t n = len;

	fuzz_check_readable(buf, len);
	if (l->streamed >= l->limit)
		return -ENOSPC;
	if (n > l->limit - l->streamed)
		n = (size_t)(l->limit - l->streamed);
	if (pwrite(l->fd, buf, n, (off_t)l->streamed) != (ssize_t)n)
		abort();
	l->streamed += n;
	return n < len ? -ENOSPC : 0;
}

static int in_fd = -1, out_fd;
static char in_path[32], out_path[32];
static uint8_t page[64u << 10];

/* Page @pfn of the dump (@got) against the vmcore's. */
static void compare(struct vmcore *vc, uint64_t pfn, const uint8_t *got,
		    const char *what)
{
	int err = 0;
	const uint8_t *want = vmcore_page(vc, pfn, &err);

	if (!want)
		FUZZ_FAIL("%s holds pfn %llu, which is not in the vmcore (%d)",
			  what, (unsigned long long)pfn, err);
	if (memcmp(want, got, vc->page_size))
		FUZZ_FAIL("%s: pfn %llu differs from the vmcore's", what,
			  (unsigned long long)pfn);
}

static void check_kdump(struct vmcore *vc, int err)
{
	struct kdump_file kf;
	uint64_t n;

	if (kdump_open(&kf, out_path)) {
		if (!err)
			FUZZ_FAIL("the kdump file written cannot be read");
		return;
	}
	if (!err &&
	    ((kf.h.status & KDUMP_INCOMPLETE) || (kf.flat && !kf.flat_ended)))
		FUZZ_FAIL("a complete dump reads as incomplete");
	if (kf.h.block_size != vc->page_size)
		FUZZ_FAIL("block_size %u, page size %llu", kf.h.block_size,
			  (unsigned long long)vc->page_size);
	n = kf.h.max_mapnr < CHECK_PFNS ? kf.h.max_mapnr : CHECK_PFNS;
	for (uint64_t pfn = 0; pfn < n; pfn++) {
		int e = kdump_read_page(&kf, pfn, page);

		if (!e)
			compare(vc, pfn, page, "the kdump file");
		else if (e != -ENOENT)
			FUZZ_FAIL("pfn %llu of the kdump file: error %d",
				  (unsigned long long)pfn, e);
	}
	kdump_close(&kf);
}

static void check_elf(struct vmcore *vc, int err, uint64_t dumped)
{
	struct vmcore out;
	uint64_t n;

	if (vmcore_open(&out, out_path)) {
		/* Without a page kept the ELF file has no PT_LOAD, which
		 * vmcore_open() refuses (reported; tolerated here). */
		if (!err && dumped)
			FUZZ_FAIL("the ELF file written cannot be read");
		return;
	}
	n = out.max_pfn < CHECK_PFNS ? out.max_pfn : CHECK_PFNS;
	for (uint64_t pfn = 0; pfn < n; pfn++) {
		int e = 0;
		const uint8_t *p = vmcore_page(&out, pfn, &e);

		if (e)
			FUZZ_FAIL("pfn %llu of the ELF file: error %d",
				  (unsigned long long)pfn, e);
		if (p) {
			memcpy(page, p, out.page_size);
			compare(vc, pfn, page, "the ELF file");
		}
	}
	vmcore_close(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int levels[] = {31, 0, 16, 1};
	static const uint64_t pads[] = {0, 0, 16u << 10, 64u << 10};
	uint8_t opt = size ? data[size - 1] : 0;
	uint64_t pad = pads[opt & 3], present = 0;
	struct limited lim = {.limit = opt & 64 ? OUT_LIMIT : UINT64_MAX};
	struct dump_opts o;
	struct dump_result res;
	struct vmcore vc;
	struct flat fl;
	struct sink fs, *s = &lim.s;
	int err;

	if (in_fd < 0) {
		in_fd = fuzz_memfd("fuzz-vmcore");
		out_fd = fuzz_memfd("fuzz-dump");
		fuzz_path(in_path, sizeof(in_path), in_fd);
		fuzz_path(out_path, sizeof(out_path), out_fd);
	}
	if ((opt & 3) == 1)
		pad = (4096 - size % 4096) % 4096;
	fuzz_fill(in_fd, data, size, pad);
	if (vmcore_open(&vc, in_path))
		return 0;
	for (unsigned int i = 0; i < vc.nsegs; i++)
		present += vc.segs[i].filesz / vc.page_size;
	if (vc.max_pfn > MAX_PFNS || present > MAX_PRESENT)
		goto out;

	dump_opts_default(&o);
	o.level = levels[(opt >> 2) & 3];
	o.format = opt & 16 ? DUMP_ELF : DUMP_KDUMP;
	o.compress = opt & 128 ? DUMP_COMPRESS_NONE : DUMP_COMPRESS_ZSTD;
	fuzz_fill(out_fd, NULL, 0, 0);
	lim.fd = out_fd;
	lim.s = (struct sink){
		.pwrite = lim_pwrite, .ctx = &lim, .positioned = true};
	if (opt & 32) {
		if (flat_init(&fl, &fs, lim_stream, &lim)) {
			flat_free(&fl);
			goto out;
		}
		s = &fs;
	}
	err = dump_write(&vc, &o, s, &res);
	if (opt & 32) {
		int e = flat_finish(&fl);

		err = err ? err : e;
		flat_free(&fl);
	}
	if (o.format == DUMP_KDUMP)
		check_kdump(&vc, err);
	else if (!(opt & 32))
		check_elf(&vc, err, res.pages_dumped);
out:
	vmcore_close(&vc);
	return 0;
}
