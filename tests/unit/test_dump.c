/* SPDX-License-Identifier: MIT */
/* The dump writers end to end on a synthetic vmcore: every page of every
 * output format reads back equal to the source, zero pages are shared or
 * excluded as the level says, a flattened stream rebuilds into the same
 * bytes as the seekable file, and a dump cut short says so. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "elfcore.h"
#include "dump.h"
#include "flat.h"
#include "kdump_read.h"
#include "util.h"

#define PS 4096
/* Segments (start pfn, pages): the last is past the first 2^18-pfn window
 * and makes the bitmaps span several blocks; it ends with a zero page. */
static const uint64_t segs[][2] = {{0, 40}, {256, 300}, {300000, 51}};
#define NSEGS 3

static char src[] = "/tmp/kdi-src-XXXXXX";
static uint64_t npages, nzero;

static uint64_t xorshift(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	x *= 0x2545f4914f6cdd1dull;
	return x ^ x >> 29;
}

static void fill_page(uint8_t *p, uint64_t pfn)
{
	switch (pfn % 5) {
	case 0:
		memset(p, 0, PS); /* zero */
		break;
	case 1:
		for (int i = 0; i < PS; i++) /* incompressible */
			p[i] = (uint8_t)(xorshift(pfn * PS + (uint64_t)i) >>
					 24);
		break;
	default:
		for (int i = 0; i < PS; i++)
			p[i] = (uint8_t)("kdumpinit page "[i % 15] + pfn);
	}
}

static void make_vmcore(void)
{
	static const char vmci[] =
		"OSRELEASE=6.1.0-kdi-test\nPAGESIZE=4096\n"
		"CRASHTIME=1700000000\nNUMBER(phys_base)=0\n";
	uint8_t notes[1024] = {0}, prstatus[336] = {0}, page[PS];
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph[1 + NSEGS] = {0};
	size_t nsz = 0;
	uint64_t off;
	int fd = mkstemp(src);

	nsz += put_note(notes + nsz, "CORE", NT_PRSTATUS, prstatus, 336);
	nsz += put_note(notes + nsz, "CORE", NT_PRSTATUS, prstatus, 336);
	nsz += put_note(notes + nsz, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);
	put_core_header(&eh, 1 + NSEGS);
	off = sizeof(eh) + sizeof(ph);
	ph[0] = (Elf64_Phdr){
		.p_type = PT_NOTE, .p_offset = off, .p_filesz = nsz};
	off = (off + nsz + PS - 1) / PS * PS;
	npages = nzero = 0;
	for (int i = 0; i < NSEGS; i++) {
		ph[1 + i] = (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_offset = off,
					 .p_paddr = segs[i][0] * PS,
					 .p_vaddr = 0xffff888000000000ull +
						    segs[i][0] * PS,
					 .p_filesz = segs[i][1] * PS,
					 .p_memsz = segs[i][1] * PS};
		for (uint64_t p = 0; p < segs[i][1]; p++) {
			fill_page(page, segs[i][0] + p);
			CHECK(!pwrite_all(fd, page, PS, (off_t)(off + p * PS)));
			npages++;
			nzero += (segs[i][0] + p) % 5 == 0;
		}
		off += segs[i][1] * PS;
	}
	CHECK(!pwrite_all(fd, &eh, sizeof(eh), 0));
	CHECK(!pwrite_all(fd, ph, sizeof(ph), sizeof(eh)));
	CHECK(!pwrite_all(fd, notes, nsz, (off_t)ph[0].p_offset));
	close(fd);
}

/* Dump the source to a new temp file; @flat through the encoder. */
static int dump_file(char *out, const struct dump_opts *o, bool flat,
		     struct dump_result *res)
{
	struct vmcore vc;
	struct sink s;
	struct flat fl;
	int fd = mkstemp(out), err;

	CHECK_EQ_U(vmcore_open(&vc, src), 0);
	if (flat) {
		CHECK_EQ_U(flat_init(&fl, &s, flat_write_fd, &fd), 0);
		err = dump_write(&vc, o, &s, res);
		if (!err)
			err = flat_finish(&fl);
		flat_free(&fl);
	} else {
		sink_fd_init(&s, fd);
		err = dump_write(&vc, o, &s, res);
	}
	close(fd);
	vmcore_close(&vc);
	return err;
}

/* Every source pfn reads back equal from the kdump file, zero pages
 * included at every level. @return pages compared. */
static uint64_t compare_kdump(const char *path)
{
	struct kdump_file kf;
	uint8_t want[PS], got[PS];
	uint64_t n = 0;

	CHECK_EQ_U(kdump_open(&kf, path), 0);
	CHECK_STR(kf.h.release, "6.1.0-kdi-test");
	CHECK_EQ_U(kf.h.tv_sec, 1700000000);
	CHECK_EQ_U(kf.h.nr_cpus, 2);
	CHECK_EQ_U(kf.h.status & KDUMP_INCOMPLETE, 0);
	CHECK_EQ_U(kf.pages_present, npages);
	CHECK(kf.has_vi);
	for (int i = 0; i < NSEGS; i++)
		for (uint64_t p = segs[i][0]; p < segs[i][0] + segs[i][1];
		     p++) {
			int err = kdump_read_page(&kf, p, got);

			fill_page(want, p);
			CHECK_EQ_U(err, 0);
			CHECK(!memcmp(want, got, PS));
			n++;
		}
	CHECK(kdump_read_page(&kf, 100, got) == -ENOENT); /* a hole */
	kdump_close(&kf);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static void test_kdump_zstd(void)
{
	char out[] = "/tmp/kdi-out-XXXXXX";
	struct dump_opts o;
	struct dump_result r;

	dump_opts_default(&o);
	CHECK_EQ_U(dump_file(out, &o, false, &r), 0);
	CHECK_EQ_U(r.pages_present, npages);
	CHECK_EQ_U(r.pages_dumped, npages);
	CHECK(r.complete);
	CHECK_EQ_U(compare_kdump(out), npages);
	/* zero pages share one page; incompressible ones are stored raw */
	CHECK(file_size(out) < (off_t)((npages - nzero) * PS));
	CHECK_EQ_U((uint64_t)file_size(out), r.bytes_written);
	unlink(out);
}

static void test_kdump_level1_none(void)
{
	char out[] = "/tmp/kdi-out-XXXXXX";
	struct dump_opts o;
	struct dump_result r;

	dump_opts_default(&o);
	o.level = 1;
	o.compress = DUMP_COMPRESS_NONE;
	CHECK_EQ_U(dump_file(out, &o, false, &r), 0);
	/* zero pages stay readable (as with makedumpfile), sharing one */
	CHECK_EQ_U(r.pages_dumped, npages);
	CHECK_EQ_U(compare_kdump(out), npages);
	/* header, sub header, 2 x 10 bitmap blocks (300051 pfns), a desc
	 * per pfn, the shared zero page, the other pages raw */
	CHECK_EQ_U(file_size(out),
		   (2 + 20) * PS + npages * 24 + (1 + npages - nzero) * PS);
	unlink(out);
}

/* Apply a flattened stream's records to a buffer as makedumpfile -R
 * does, and compare with the seekable file. */
static void test_flat_rebuild(void)
{
	char seek[] = "/tmp/kdi-out-XXXXXX", flat[] = "/tmp/kdi-flt-XXXXXX";
	struct dump_opts o;
	struct dump_result r;
	off_t sz;
	uint8_t *a, *b, *c;
	size_t fsz, pos = FLAT_HEADER_SIZE;
	int fd;

	dump_opts_default(&o);
	CHECK_EQ_U(dump_file(seek, &o, false, &r), 0);
	CHECK_EQ_U(dump_file(flat, &o, true, &r), 0);
	CHECK_EQ_U(compare_kdump(flat), npages);
	sz = file_size(seek);
	fsz = (size_t)file_size(flat);
	a = calloc(1, (size_t)sz);
	b = calloc(1, fsz);
	c = calloc(1, (size_t)sz);
	fd = open(seek, O_RDONLY);
	CHECK(!pread_all(fd, a, (size_t)sz, 0));
	close(fd);
	fd = open(flat, O_RDONLY);
	CHECK(!pread_all(fd, b, fsz, 0));
	close(fd);
	while (pos + 16 <= fsz) {
		uint64_t off = 0, len = 0;

		for (int i = 0; i < 8; i++) {
			off = off << 8 | b[pos + i];
			len = len << 8 | b[pos + 8 + i];
		}
		pos += 16;
		if (off == UINT64_MAX)
			break;
		CHECK(off + len <= (uint64_t)sz && pos + len <= fsz);
		if (off + len > (uint64_t)sz || pos + len > fsz)
			break;
		memcpy(c + off, b + pos, len);
		pos += len;
	}
	CHECK_EQ_U(pos, fsz); /* ended by the end marker, nothing after */
	CHECK(!memcmp(a, c, (size_t)sz));
	free(a);
	free(b);
	free(c);
	unlink(seek);
	unlink(flat);
}

static void test_elf(void)
{
	char out[] = "/tmp/kdi-out-XXXXXX";
	struct dump_opts o;
	struct dump_result r;
	struct vmcore vc;
	uint8_t want[PS];
	off_t size0 = 0;

	for (int level = 0; level <= 1; level++) {
		strcpy(out, "/tmp/kdi-out-XXXXXX");
		dump_opts_default(&o);
		o.format = DUMP_ELF;
		o.level = level;
		CHECK_EQ_U(dump_file(out, &o, false, &r), 0);
		CHECK_EQ_U(r.pages_dumped, level ? npages - nzero : npages);
		/* Zero pages are holes, the trailing one included: the file
		 * keeps the length its program headers describe. */
		if (!level)
			size0 = file_size(out);
		CHECK_EQ_U(file_size(out), size0);
		CHECK_EQ_U(vmcore_open(&vc, out), 0);
		CHECK_STR(vc.vi.osrelease, "6.1.0-kdi-test");
		CHECK_EQ_U(vc.nr_cpus, 2);
		for (int i = 0; i < NSEGS; i++)
			for (uint64_t p = segs[i][0];
			     p < segs[i][0] + segs[i][1]; p++) {
				const uint8_t *got = vmcore_page(&vc, p, NULL);

				fill_page(want, p);
				CHECK(got && !memcmp(want, got, PS));
			}
		CHECK(!vmcore_pfn_present(&vc, 100));
		vmcore_close(&vc);
		unlink(out);
	}
}

/* A file that takes @limit bytes, then fails like a full disk. */
struct limited {
	int fd;
	uint64_t limit;
};

static int limited_pwrite(struct sink *s, const void *buf, size_t len,
			  uint64_t off)
{
	const struct limited *l = s->ctx;

	if (off + len > l->limit)
		return -ENOSPC;
	return pwrite_all(l->fd, buf, len, (off_t)off);
}

static void incomplete(unsigned int threads)
{
	char out[] = "/tmp/kdi-out-XXXXXX";
	struct limited lim;
	struct sink s = {
		.pwrite = limited_pwrite, .ctx = &lim, .positioned = true};
	struct dump_opts o;
	struct dump_result r;
	struct kdump_file kf;
	struct vmcore vc;
	uint8_t want[PS], got[PS];
	uint64_t ok = 0;

	dump_opts_default(&o);
	o.compress = DUMP_COMPRESS_NONE;
	o.threads = threads;
	CHECK_EQ_U(dump_file(out, &o, false, &r), 0);
	unlink(out);
	/* Full in the last window: the first two segments are complete. */
	lim.limit = r.bytes_written - 25 * PS;
	strcpy(out, "/tmp/kdi-out-XXXXXX");
	lim.fd = mkstemp(out);
	CHECK_EQ_U(vmcore_open(&vc, src), 0);
	CHECK(dump_write(&vc, &o, &s, &r) == -ENOSPC);
	CHECK(!r.complete);
	vmcore_close(&vc);
	close(lim.fd);
	CHECK_EQ_U(kdump_open(&kf, out), 0);
	CHECK(kf.h.status & KDUMP_INCOMPLETE);
	for (uint64_t p = 0; p < 556; p++) {
		int err = kdump_read_page(&kf, p, got);

		fill_page(want, p);
		CHECK(err == 0 || err == -ENOENT);
		if (!err) {
			CHECK(!memcmp(want, got, PS));
			ok++;
		}
	}
	CHECK_EQ_U(ok, 340);
	CHECK(kdump_read_page(&kf, 300000, got) == -ENOENT);
	kdump_close(&kf);
	unlink(out);
}

static void test_incomplete(void)
{
	incomplete(1);
}

/* Pages read by worker threads: the same readable part when cut short. */
static void test_incomplete_threads(void)
{
	incomplete(3);
}

static bool same_file(const char *a, const char *b)
{
	off_t n = file_size(a);
	uint8_t *x = malloc((size_t)n), *y = malloc((size_t)n);
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	bool same = n > 0 && n == file_size(b) && x && y &&
		    !pread_all(fa, x, (size_t)n, 0) &&
		    !pread_all(fb, y, (size_t)n, 0) && !memcmp(x, y, (size_t)n);

	close(fa);
	close(fb);
	free(x);
	free(y);
	return same;
}

/* The dump is the same byte for byte whatever the number of threads,
 * seekable or flattened, at the default and another zstd level, and
 * whether the counting pass kept the bitmap or the writer filters again. */
static void test_threads(void)
{
	static const unsigned int threads[] = {2, 3, 8};
	struct dump_opts o;
	struct dump_result r;

	dump_opts_default(&o);
	for (int lvl = 0; lvl < 3; lvl++) {
		for (int flat = 0; flat < 2; flat++) {
			char one[] = "/tmp/kdi-out-XXXXXX";

			o.zstd_level = lvl == 1 ? 3 : DUMP_ZSTD_DEFAULT;
			o.level = lvl == 2 ? 31 : 0;
			o.threads = 1;
			CHECK_EQ_U(dump_file(one, &o, flat, &r), 0);
			for (int t = 0; t < 3; t++) {
				char many[] = "/tmp/kdi-out-XXXXXX";

				o.threads = threads[t];
				CHECK_EQ_U(dump_file(many, &o, flat, &r), 0);
				CHECK(same_file(one, many));
				if (!flat && !o.level)
					CHECK_EQ_U(compare_kdump(many), npages);
				unlink(many);
			}
			/* Filtered again rather than the bitmap kept. */
			{
				char again[] = "/tmp/kdi-out-XXXXXX";

				o.threads = 1;
				o.bitmap_cache = 0;
				CHECK_EQ_U(dump_file(again, &o, flat, &r), 0);
				CHECK(same_file(one, again));
				o.bitmap_cache = DUMP_BITMAP_CACHE;
				unlink(again);
			}
			unlink(one);
		}
	}
}

int main(void)
{
	make_vmcore();
	RUN(test_kdump_zstd);
	RUN(test_kdump_level1_none);
	RUN(test_flat_rebuild);
	RUN(test_elf);
	RUN(test_incomplete);
	RUN(test_incomplete_threads);
	RUN(test_threads);
	unlink(src);
	CHECK_EXIT();
}
