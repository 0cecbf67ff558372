/* SPDX-License-Identifier: MIT */
/*
 * The page filter (filter.c) with the memory model (memmodel.c) and the
 * page classifier (pageclass.c) over struct pages, mem_section and page
 * tables that come from the input, on the synthetic machine of fuzz.h.
 *
 * Option byte 0: bits 0-4 the dump level; bit 5 the hole between the
 * segments; bits 6-7 the small window (8, 64, 512 or 4096 pfns).
 * Option byte 1: pages of memory past the file's end, times 64.
 *
 * Properties (filter.h): the bits are the same whatever the window size
 * and the order the windows are asked for in; a kept pfn is present.
 * FUZZ_SHOW=1 in the environment prints how many pfns are kept.
 */
#include "dumpw.h"
#include "filter.h"
#include "fuzz.h"

#define MAX_PFNS (1u << 20)

static struct machine m;
static bool ready;
static uint8_t whole[MAX_PFNS / 8], parts[MAX_PFNS / 8];

static uint64_t round8(uint64_t n)
{
	return (n + 7) & ~7ull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t small[] = {8, 64, 512, 4096};
	struct filter f;
	uint64_t max, win, bytes, last;
	int level, err, err2 = 0;

	if (!ready) {
		machine_setup(&m);
		ready = true;
	}
	if (!machine_load(&m, data, size))
		return 0;
	machine_segs(&m, m.opt[0] & 32, (uint64_t)m.opt[1] * 64);
	level = m.opt[0] & 31;
	win = small[m.opt[0] >> 6];
	max = m.vc.max_pfn;
	if (max > MAX_PFNS)
		return 0;
	bytes = round8(max) / 8;
	if (filter_init(&f, &m.vc, level))
		return 0;

	/* One window for everything. */
	err = filter_window(&f, 0, round8(max), whole);
	/* Small windows, last first. */
	last = (max - 1) / win * win;
	for (uint64_t s = last + win; !err2 && s > 0;) {
		s -= win;
		err2 = filter_window(&f, s,
				     round8(max - s < win ? max - s : win),
				     parts + s / 8);
	}
	filter_free(&f);
	if (!err != !err2)
		FUZZ_FAIL("filter_window failed with one window size only "
			  "(%d, %d)",
			  err, err2);
	if (getenv("FUZZ_SHOW")) { /* see what a seed gives */
		uint64_t kept = 0;

		for (uint64_t b = 0; b < bytes; b++)
			kept += (uint64_t)__builtin_popcount(whole[b]);
		printf("level %d, %llu pfns: %d, %llu kept\n", level,
		       (unsigned long long)max, err, (unsigned long long)kept);
	}
	if (err)
		return 0;
	for (uint64_t b = 0; b < bytes; b++)
		if (whole[b] != parts[b])
			FUZZ_FAIL("filter bits of pfns %llu.. differ with "
				  "windows of %llu pfns: %02x, %02x",
				  (unsigned long long)b * 8,
				  (unsigned long long)win, whole[b], parts[b]);
	for (uint64_t pfn = 0; pfn < max; pfn++)
		if (bit_test(whole, pfn) && !vmcore_pfn_present(&m.vc, pfn))
			FUZZ_FAIL("filter keeps pfn %llu, not in the vmcore",
				  (unsigned long long)pfn);
	return 0;
}
