/* SPDX-License-Identifier: MIT */
/*
 * An ELF vmcore as `kdumpinit dmesg` and the capture's log saving see
 * it: vmcore_open(), then dmesg_write() through the vmcore's memsrc
 * (dmesg*.c, arch_x86_64.c, memsrc.c) into a memfd, then the panic line
 * as `info` and the summary pick it; and the memory model the filter
 * would set up (memmodel.c).
 *
 * The input is the file; its last byte also says:
 *   bits 0-1  zero bytes appended to the file: none, up to a multiple
 *             of 4 KiB, 16 KiB, 64 KiB
 *   bit 2     DMESG_CALLER
 */
#include "dmesg.h"
#include "fuzz.h"
#include "memmodel.h"

#define MAX_PFNS (1u << 20) /* memmodel_end() reads every section */
#define LOG_MAX (16u << 20)

static int in_fd = -1, out_fd;
static char in_path[32];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t pads[] = {0, 0, 16u << 10, 64u << 10};
	uint8_t opt = size ? data[size - 1] : 0;
	uint64_t pad = pads[opt & 3];
	struct vmcore vc;
	struct memsrc ms;
	struct memmodel mm;
	char why[160], *log;
	off_t len;
	size_t n;

	if (in_fd < 0) {
		in_fd = fuzz_memfd("fuzz-vmcore");
		out_fd = fuzz_memfd("fuzz-dmesg-out");
		fuzz_path(in_path, sizeof(in_path), in_fd);
	}
	if ((opt & 3) == 1)
		pad = (4096 - size % 4096) % 4096;
	fuzz_fill(in_fd, data, size, pad);
	if (vmcore_open(&vc, in_path))
		return 0;
	vmcore_memsrc(&vc, &ms);

	fuzz_fill(out_fd, NULL, 0, 0);
	if (lseek(out_fd, 0, SEEK_SET))
		abort();
	dmesg_write(&ms, out_fd, opt & 4 ? DMESG_CALLER : 0);
	len = lseek(out_fd, 0, SEEK_END);
	if (len > 0 && len <= LOG_MAX) {
		log = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, out_fd,
			   0);
		if (log == MAP_FAILED)
			abort();
		dmesg_panic_line(log, (size_t)len, &n);
		munmap(log, (size_t)len);
	}

	if (vc.max_pfn <= MAX_PFNS &&
	    !memmodel_init(&mm, &ms, vc.max_pfn, why, sizeof(why))) {
		uint64_t end = memmodel_end(&mm), va, run;

		for (uint64_t pfn = 0; pfn < end && pfn < 4096; pfn = run) {
			if (memmodel_page(&mm, pfn, &va, &run) && run <= pfn)
				run = pfn + 1;
		}
		memmodel_free(&mm);
	}
	vmcore_close(&vc);
	return 0;
}
