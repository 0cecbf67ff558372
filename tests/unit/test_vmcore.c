/* SPDX-License-Identifier: MIT */
/*
 * The ELF vmcore reader on crafted files: a good vmcore reads back the
 * right pages (through the mmap window and through the pread fallback),
 * and every bad header field gives -EINVAL and a message naming the file
 * and the problem.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "elfcore.h"
#include "util.h"
#include "vmcore.h"

#define PS 4096u
#define MAXPH 8

static const char vmcoreinfo[] =
	"OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
	"CRASHTIME=1700000000\nKERNELOFFSET=1e000000\n";

/* A vmcore being built: headers, notes, then segment data. */
struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAXPH];
	uint8_t notes[1024];
	size_t notes_len;
	size_t size; /* file size to write (may truncate) */
};

struct seg {
	uint64_t paddr, filesz, memsz;
};

/* RAM at pfn 0-39, 256-1535 (5 MiB: wider than the mmap window),
 * 4000-4009 with its last 4 pages not in the file, and a piece that
 * starts and ends inside pages; kernel text repeated inside pfn 256+. */
static const struct seg good_segs[] = {
	{256 * PS, 1280 * PS, 1280 * PS}, {0, 40 * PS, 40 * PS},
	{4000 * PS, 6 * PS, 10 * PS},	  {5000 * PS + 0x800, 2 * PS, 2 * PS},
	{300 * PS, 16 * PS, 16 * PS}, /* kernel text: inside pfn 256+ */
};

static char path[64];
static char errbuf[4096];

static uint8_t pattern(uint64_t paddr)
{
	return (uint8_t)(paddr / PS * 7 + paddr % 251);
}

static void img_init(struct img *im, const struct seg *segs, unsigned int n)
{
	uint64_t off = 4 * PS;
	uint8_t prstatus[336] = {0};

	memset(im, 0, sizeof(*im));
	put_core_header(&im->eh, (uint16_t)(n + 1));
	im->notes_len = put_note(im->notes, "CORE", NT_PRSTATUS, prstatus,
				 sizeof(prstatus));
	im->notes_len += put_note(im->notes + im->notes_len, "CORE",
				  NT_PRSTATUS, prstatus, sizeof(prstatus));
	im->notes_len += put_note(im->notes + im->notes_len, "VMCOREINFO", 0,
				  vmcoreinfo, sizeof(vmcoreinfo) - 1);
	im->ph[0].p_type = PT_NOTE;
	im->ph[0].p_offset = PS;
	im->ph[0].p_filesz = im->notes_len;
	for (unsigned int i = 0; i < n; i++) {
		Elf64_Phdr *ph = &im->ph[i + 1];

		ph->p_type = PT_LOAD;
		ph->p_paddr = segs[i].paddr;
		ph->p_offset = off;
		ph->p_filesz = segs[i].filesz;
		ph->p_memsz = segs[i].memsz;
		off += segs[i].filesz;
	}
	im->size = off;
}

static void img_write(const struct img *im)
{
	FILE *f;
	uint8_t *buf = calloc(1, im->size > 4 * PS ? im->size : 4 * PS);

	memcpy(buf, &im->eh, sizeof(im->eh));
	memcpy(buf + sizeof(im->eh), im->ph, sizeof(im->ph));
	memcpy(buf + PS, im->notes, im->notes_len);
	for (unsigned int i = 1; i < im->eh.e_phnum && i < MAXPH; i++) {
		const Elf64_Phdr *ph = &im->ph[i];

		for (uint64_t b = 0; ph->p_type == PT_LOAD && b < ph->p_filesz;
		     b++)
			if (ph->p_offset + b < im->size)
				buf[ph->p_offset + b] =
					pattern(ph->p_paddr + b);
	}
	f = fopen(path, "w");
	fwrite(buf, 1, im->size, f);
	fclose(f);
	free(buf);
}

/* vmcore_open() with stderr captured into errbuf. */
static int open_capture(struct vmcore *vc)
{
	FILE *log = tmpfile();
	int saved = dup(2), err;
	size_t n;

	fflush(stderr);
	dup2(fileno(log), 2);
	err = vmcore_open(vc, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(log);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, log);
	errbuf[n] = '\0';
	fclose(log);
	return err;
}

static bool page_ok(const uint8_t *p, uint64_t pfn)
{
	for (uint64_t b = 0; p && b < PS; b++)
		if (p[b] != pattern(pfn * PS + b))
			return false;
	return p != NULL;
}

static void check_pages(struct vmcore *vc)
{
	bool all = true;

	for (uint64_t pfn = 0; pfn < 40; pfn++)
		all &= page_ok(vmcore_page(vc, pfn, NULL), pfn);
	for (uint64_t pfn = 256; pfn < 1536; pfn++)
		all &= page_ok(vmcore_page(vc, pfn, NULL), pfn);
	for (uint64_t pfn = 4000; pfn < 4006; pfn++)
		all &= page_ok(vmcore_page(vc, pfn, NULL), pfn);
	/* backwards, so that the window slides both ways */
	for (uint64_t pfn = 1535; pfn >= 256; pfn -= 97)
		all &= page_ok(vmcore_page(vc, pfn, NULL), pfn);
	CHECK(all);
	CHECK(!vmcore_page(vc, 40, NULL));
	CHECK(!vmcore_page(vc, 4006, NULL)); /* beyond filesz */
	CHECK(!vmcore_page(vc, 5000, NULL)); /* partial pages */
	CHECK(!vmcore_page(vc, 5002, NULL));
	CHECK(page_ok(vmcore_page(vc, 5001, NULL), 5001));
}

static void test_good(void)
{
	struct img im;
	struct vmcore vc;
	struct memsrc ms;
	uint8_t buf[0x1000];
	bool same = true;

	img_init(&im, good_segs, ARRAY_SIZE(good_segs));
	img_write(&im);
	CHECK_EQ_U(open_capture(&vc), 0);
	CHECK_EQ_U(vc.nsegs, 4); /* the kernel-text repeat is dropped */
	CHECK_EQ_U(vc.segs[0].paddr, 0);
	CHECK_EQ_U(vc.segs[1].paddr, 256 * PS);
	CHECK_EQ_U(vc.nr_cpus, 2);
	CHECK_EQ_U(vc.page_size, PS);
	CHECK_EQ_U(vc.max_pfn, 5003);
	CHECK_STR(vc.vi.osrelease, "6.1.0-test");
	CHECK_EQ_U(vc.notes_size, im.notes_len);
	CHECK(vmcore_pfn_present(&vc, 39));
	CHECK(!vmcore_pfn_present(&vc, 40));
	CHECK(vmcore_pfn_present(&vc, 4005));
	CHECK(!vmcore_pfn_present(&vc, 4006));
	CHECK(!vmcore_pfn_present(&vc, 5000));
	CHECK(vmcore_pfn_present(&vc, 5001));
	CHECK(!vmcore_pfn_present(&vc, 5002));
	CHECK(!vmcore_pfn_present(&vc, UINT64_MAX / PS));
	check_pages(&vc); /* a file on disk is read into a buffer */
	/* A read-ahead hint that ends early, or that the reads leave, does
	 * not change what is read. */
	vmcore_will_read(&vc, 38, 2);
	CHECK(page_ok(vmcore_page(&vc, 38, NULL), 38));
	CHECK(page_ok(vmcore_page(&vc, 39, NULL), 39));
	CHECK(page_ok(vmcore_page(&vc, 256, NULL), 256));
	vmcore_will_read(&vc, 4000, 1);
	check_pages(&vc);
	/* Mapping (as for /proc/vmcore) reads the same. */
	vc.map = true;
	vc.win = NULL;
	vc.win_len = 0;
	check_pages(&vc);
	/* Byte reads reach the backed part of a partial page... */
	vmcore_memsrc(&vc, &ms);
	CHECK_EQ_U(ms.read_phys(ms.ctx, 5000 * PS + 0x800, buf, 0x800), 0);
	for (unsigned int i = 0; i < 0x800; i++)
		same &= buf[i] == pattern(5000 * PS + 0x800 + i);
	CHECK(same);
	/* ...but not what is before it, after filesz, or in a hole. */
	CHECK_EQ_U(ms.read_phys(ms.ctx, 5000 * PS, buf, 16), -ENOENT);
	CHECK_EQ_U(ms.read_phys(ms.ctx, 4006 * PS, buf, 16), -ENOENT);
	CHECK_EQ_U(ms.read_phys(ms.ctx, 39 * PS, buf, PS + 1), -ENOENT);
	CHECK_EQ_U(ms.read_phys(ms.ctx, 39 * PS + 8, buf, 16), 0);
	CHECK_EQ_U(buf[0], pattern(39 * PS + 8));
	vmcore_close(&vc);
}

enum fault {
	F_TRUNC_EHDR,
	F_TRUNC_PHDR,
	F_TRUNC_DATA,
	F_MAGIC,
	F_CLASS,
	F_ENDIAN,
	F_MACHINE,
	F_TYPE,
	F_PHNUM0,
	F_PHNUM_HUGE,
	F_PHOFF,
	F_PHENTSIZE,
	F_FILESZ,
	F_OVERLAP,
	F_LOAD_OUT,
	F_LOAD_WRAP,
	F_NOTE_OUT,
	F_NOTE_LONG,
	F_NO_VMCOREINFO,
	F_NO_PAGESIZE,
};

static void apply(struct img *im, enum fault f)
{
	switch (f) {
	case F_TRUNC_EHDR:
		im->size = 40;
		break;
	case F_TRUNC_PHDR:
		im->size = sizeof(Elf64_Ehdr) + 60;
		break;
	case F_TRUNC_DATA:
		im->size -= PS / 2;
		break;
	case F_MAGIC:
		im->eh.e_ident[1] = 'X';
		break;
	case F_CLASS:
		im->eh.e_ident[EI_CLASS] = ELFCLASS32;
		break;
	case F_ENDIAN:
		im->eh.e_ident[EI_DATA] = ELFDATA2MSB;
		break;
	case F_MACHINE:
		im->eh.e_machine = EM_AARCH64 + 1;
		break;
	case F_TYPE:
		im->eh.e_type = ET_EXEC;
		break;
	case F_PHNUM0:
		im->eh.e_phnum = 0;
		break;
	case F_PHNUM_HUGE:
		im->eh.e_phnum = 0xffff;
		break;
	case F_PHOFF:
		im->eh.e_phoff = UINT64_MAX - 8;
		break;
	case F_PHENTSIZE:
		im->eh.e_phentsize = 32;
		break;
	case F_FILESZ:
		im->ph[2].p_filesz = im->ph[2].p_memsz + PS;
		break;
	case F_OVERLAP:
		im->ph[2].p_paddr = 30 * PS; /* pfn 30-49 over 0-39 */
		break;
	case F_LOAD_OUT:
		im->ph[1].p_offset = 1ull << 40;
		break;
	case F_LOAD_WRAP:
		im->ph[2].p_paddr = UINT64_MAX - PS;
		break;
	case F_NOTE_OUT:
		im->ph[0].p_filesz = 1ull << 40;
		break;
	case F_NOTE_LONG:
		im->notes[4] = 0xff; /* n_descsz of the first note */
		im->notes[5] = 0xff;
		break;
	case F_NO_VMCOREINFO:
		im->ph[0].p_filesz = im->notes_len - 24 -
				     ((sizeof(vmcoreinfo) - 1 + 3) & ~3u);
		break;
	case F_NO_PAGESIZE:
		memcpy(memmem(im->notes, sizeof(im->notes), "PAGESIZE", 8),
		       "PAGEBIG", 7);
		break;
	}
}

static const struct {
	enum fault f;
	const char *says;
} faults[] = {
	{F_TRUNC_EHDR, "truncated"},
	{F_TRUNC_PHDR, "truncated"},
	{F_TRUNC_DATA, "PT_LOAD lies beyond the end of the file"},
	{F_MAGIC, "no ELF magic"},
	{F_CLASS, "not a 64-bit"},
	{F_ENDIAN, "not little-endian"},
	{F_MACHINE, "not x86_64"},
	{F_TYPE, "not a core file"},
	{F_PHNUM0, "number of program headers"},
	{F_PHNUM_HUGE, "number of program headers"},
	{F_PHOFF, "program headers lie beyond"},
	{F_PHENTSIZE, "program header size"},
	{F_FILESZ, "filesz > memsz"},
	{F_OVERLAP, "overlap"},
	{F_LOAD_OUT, "PT_LOAD lies beyond"},
	{F_LOAD_WRAP, "wraps"},
	{F_NOTE_OUT, "PT_NOTE lies beyond"},
	{F_NOTE_LONG, "runs past the end"},
	{F_NO_VMCOREINFO, "no VMCOREINFO"},
	{F_NO_PAGESIZE, "PAGESIZE"},
};

static void test_bad_files(void)
{
	static const struct seg segs[] = {{0, 40 * PS, 40 * PS},
					  {256 * PS, 20 * PS, 20 * PS}};

	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		struct img im;
		struct vmcore vc;
		int err;

		img_init(&im, segs, ARRAY_SIZE(segs));
		apply(&im, faults[i].f);
		img_write(&im);
		err = open_capture(&vc);
		if (err != -EINVAL || !strstr(errbuf, path) ||
		    !strstr(errbuf, faults[i].says)) {
			fprintf(stderr, "  fault %zu: err %d, said: %s", i, err,
				errbuf);
			check_failed_now = 1;
		}
	}
}

static void test_missing_file(void)
{
	struct vmcore vc;

	snprintf(path, sizeof(path), "/nonexistent/vmcore");
	CHECK_EQ_U(open_capture(&vc), -ENOENT);
	CHECK(strstr(errbuf, "cannot open /nonexistent/vmcore") != NULL);
}

int main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/kdi-vmcore-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	RUN(test_good);
	RUN(test_bad_files);
	unlink(path);
	RUN(test_missing_file);
	CHECK_EXIT();
}
