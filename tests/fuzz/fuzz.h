/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): an input as a
 * file (a memfd read through /proc/self/fd/N, as the code opens paths),
 * a failed property reported through the sanitizer (so that it reaches
 * the report even with -close_fd_mask=2), and the synthetic machine of
 * the filter and dmesg harnesses.
 */
#ifndef KDI_FUZZ_H
#define KDI_FUZZ_H

#include <elf.h>
#include <errno.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmcore.h"
#include "vmcore_priv.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test broke: say which, then crash. */
#define FUZZ_FAIL(...)                                                         \
	do {                                                                   \
		char fuzz_why_[256];                                           \
		int fuzz_n_ =                                                  \
			snprintf(fuzz_why_, sizeof(fuzz_why_), "FUZZ_FAIL: "); \
		snprintf(fuzz_why_ + fuzz_n_, sizeof(fuzz_why_) - fuzz_n_,     \
			 __VA_ARGS__);                                         \
		__sanitizer_report_error_summary(fuzz_why_);                   \
		abort();                                                       \
	} while (0)

/* A memfd, made once per harness process. */
static inline int fuzz_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		abort();
	return fd;
}

/* Make the file behind @fd hold @size bytes of @data followed by
 * @pad zero bytes. */
static inline void fuzz_fill(int fd, const void *data, size_t size,
			     uint64_t pad)
{
	const uint8_t *p = data;

	if (ftruncate(fd, 0))
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fd, p + done, size - done, (off_t)done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	if (ftruncate(fd, (off_t)(size + pad)))
		abort();
}

static inline void fuzz_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Writers must hand over memory that is theirs to read. */
static inline void fuzz_check_readable(const void *p, size_t n)
{
	if (n && __asan_region_is_poisoned((void *)(uintptr_t)p, n))
		FUZZ_FAIL("a writer handed over %zu bytes it may not read", n);
}

/*
 * The synthetic machine (fuzz_dmesg, fuzz_filter): an input is
 *
 *   VMCOREINFO text, '\0', 2 option bytes, then patches of physical
 *   memory {u32 paddr, u16 len, len bytes} (little-endian) to its end
 *
 * over MACHINE_SIZE bytes of memory at physical address 0, in a memfd
 * opened as a vmcore of two segments ([0, HOLE), [HOLE_END, end) with a
 * tail past the file's end: MACHINE_EXTRA(option) pages) whose page
 * tables are prebuilt at 0x1000 (patches may change them):
 *
 *   KMAP + x (kernel text, init_top_pgt = KMAP + 0x1000) -> x (2 MiB)
 *   DMAP + x (direct map), VBASE + x (vmemmap) -> x (1 GiB)
 *
 * tests/fuzz/make-seeds.py builds seeds on the same layout.
 */
#define MACHINE_SIZE (2u << 20)
#define MACHINE_HOLE 0x180000u
#define MACHINE_HOLE_END 0x190000u
#define MACHINE_TABLE 0x1000u

struct machine {
	struct vmcore vc;
	int fd;
	uint8_t opt[2];
	bool have_vi;
	/* patched ranges, to be zeroed again */
	uint32_t undo_off[256], undo_len[256];
	unsigned int nundo;
};

static inline void machine_pwrite(struct machine *m, const void *p, size_t len,
				  uint64_t off)
{
	if (pwrite(m->fd, p, len, (off_t)off) != (ssize_t)len)
		abort();
}

static inline void machine_tables(struct machine *m)
{
	static const struct {
		unsigned int idx;
		uint64_t val;
	} e[] = {
		{0, 0xe3},		     /* 2 MiB / 1 GiB page at 0 */
		{273, MACHINE_TABLE | 0x63}, /* DMAP: PML4 -> itself */
		{468, MACHINE_TABLE | 0x63}, /* VBASE */
		{510, MACHINE_TABLE | 0x63}, /* KMAP: PUD -> itself */
		{511, MACHINE_TABLE | 0x63}, /* KMAP: PML4 -> itself */
	};

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		machine_pwrite(m, &e[i].val, 8, MACHINE_TABLE + e[i].idx * 8);
}

static inline void machine_setup(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = fuzz_memfd("fuzz-machine");
	if (ftruncate(m->fd, MACHINE_SIZE))
		abort();
	machine_tables(m);
	m->vc.fd = -1;
}

/* Undo the last input's patches and free its VMCOREINFO. */
static inline void machine_reset(struct machine *m)
{
	static const uint8_t zero[65536];

	for (unsigned int i = 0; i < m->nundo; i++)
		machine_pwrite(m, zero, m->undo_len[i], m->undo_off[i]);
	if (m->nundo)
		machine_tables(m);
	m->nundo = 0;
	if (m->have_vi)
		vmcoreinfo_free(&m->vc.vi);
	m->have_vi = false;
}

/* Load an input. @return false when it has no usable VMCOREINFO (the
 * machine is then not to be used). */
static inline bool machine_load(struct machine *m, const uint8_t *data,
				size_t size)
{
	const uint8_t *z = memchr(data, 0, size);
	size_t tlen = z ? (size_t)(z - data) : size, pos = tlen + 1;
	struct vmcore *vc = &m->vc;
	uint64_t ps;
	uint8_t *buf = vc->buf;

	machine_reset(m);
	m->opt[0] = pos < size ? data[pos] : 0;
	m->opt[1] = pos + 1 < size ? data[pos + 1] : 0;
	for (pos += 2; pos + 6 <= size && m->nundo < 256;) {
		uint32_t at;
		uint16_t len;

		memcpy(&at, data + pos, 4);
		memcpy(&len, data + pos + 4, 2);
		pos += 6;
		if (len > size - pos)
			len = (uint16_t)(size - pos);
		at %= MACHINE_SIZE;
		if (len > MACHINE_SIZE - at)
			len = (uint16_t)(MACHINE_SIZE - at);
		machine_pwrite(m, data + pos, len, at);
		m->undo_off[m->nundo] = at;
		m->undo_len[m->nundo++] = len;
		pos += len;
	}
	/* The vmcore, as vmcore_open() would leave it after its checks. */
	memset(vc, 0, sizeof(*vc));
	vc->buf = buf;
	vc->path = "fuzz-machine";
	vc->fd = m->fd;
	vc->file_size = MACHINE_SIZE;
	vc->e_machine = EM_X86_64;
	if (vmcoreinfo_parse(&vc->vi, (const char *)data, tlen))
		return false;
	m->have_vi = true;
	ps = vc->vi.page_size;
	/* vmcore_open()'s check_layout(): x86_64 pages are 4 KiB. */
	if (ps != 4096)
		return false;
	vc->page_size = ps;
	return true;
}

/* The segments: the hole when option bit @hole_bit is set, and @extra
 * pages past the file's end in the last one. */
static inline void machine_segs(struct machine *m, bool hole, uint64_t extra)
{
	static struct vmcore_seg segs[2];
	struct vmcore *vc = &m->vc;
	const struct vmcore_seg *last;

	if (hole) {
		segs[0] = (struct vmcore_seg){0, MACHINE_HOLE, 0, MACHINE_HOLE};
		segs[1] = (struct vmcore_seg){
			MACHINE_HOLE_END, MACHINE_SIZE - MACHINE_HOLE_END,
			MACHINE_HOLE_END, MACHINE_SIZE - MACHINE_HOLE_END};
		vc->nsegs = 2;
	} else {
		segs[0] = (struct vmcore_seg){0, MACHINE_SIZE, 0, MACHINE_SIZE};
		vc->nsegs = 1;
	}
	segs[vc->nsegs - 1].memsz += extra * vc->page_size;
	vc->segs = segs;
	last = &segs[vc->nsegs - 1];
	vc->max_pfn =
		last->paddr / vc->page_size +
		(last->memsz + last->paddr % vc->page_size + vc->page_size -
		 1) / vc->page_size;
	if (vmcore_win_init(vc))
		abort();
}

#endif
