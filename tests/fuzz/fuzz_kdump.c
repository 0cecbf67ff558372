/* SPDX-License-Identifier: MIT */
/*
 * A dump file as `kdumpinit info` and `kdumpinit dmesg` read it:
 * dumpfile_open() (dumpfile.c: a kdump-compressed file, seekable or a
 * flattened stream, kdump_read.c and kdump_fmt.c; anything else as an
 * ELF vmcore), its pages, then the kernel log through the dump's memsrc
 * and the panic line, as cmd_info.c does.
 *
 * The input is the file.
 */
#include "dmesg.h"
#include "dumpfile.h"
#include "fuzz.h"

#define READ_PFNS (1u << 16) /* pfns read with kdump_read_page() */
#define LOG_MAX (16u << 20)

static int in_fd = -1, out_fd;
static char in_path[32];
static uint8_t page[64u << 10];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dumpfile df;
	char *log;
	off_t len;
	size_t n;

	if (in_fd < 0) {
		in_fd = fuzz_memfd("fuzz-kdump");
		out_fd = fuzz_memfd("fuzz-dmesg-out");
		fuzz_path(in_path, sizeof(in_path), in_fd);
	}
	fuzz_fill(in_fd, data, size, 0);
	if (dumpfile_open(&df, in_path))
		return 0;
	if (df.kdump) {
		struct kdump_file *kf = &df.kf;
		uint64_t max = kf->h.max_mapnr < READ_PFNS ? kf->h.max_mapnr
							   : READ_PFNS;

		if (kf->h.block_size > sizeof(page))
			FUZZ_FAIL("block_size %u accepted", kf->h.block_size);
		for (uint64_t pfn = 0; pfn < max; pfn++)
			kdump_read_page(kf, pfn, page);
		kdump_read_page(kf, kf->h.max_mapnr, page);
		kdump_read_page(kf, UINT64_MAX, page);
	}
	fuzz_fill(out_fd, NULL, 0, 0);
	if (lseek(out_fd, 0, SEEK_SET))
		abort();
	if (df.ms.vi && !dmesg_write(&df.ms, out_fd, 0)) {
		len = lseek(out_fd, 0, SEEK_END);
		if (len > 0 && len <= LOG_MAX) {
			log = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE,
				   out_fd, 0);
			if (log == MAP_FAILED)
				abort();
			dmesg_panic_line(log, (size_t)len, &n);
			munmap(log, (size_t)len);
		}
	}
	dumpfile_close(&df);
	return 0;
}
