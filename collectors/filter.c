/* SPDX-License-Identifier: MIT */
/*
 * Page filter, presence only: a pfn is kept when the vmcore holds its
 * data. The struct page classification of levels 2..16 is added by the
 * next part of the work; until then those bits are accepted and every
 * present page is kept. Bit 1 (zero pages) is the writer's job.
 */
#include "filter.h"

#include <errno.h>
#include <string.h>

int filter_init(struct filter *f, struct vmcore *vc, int level)
{
	memset(f, 0, sizeof(*f));
	if (level < 0 || level > DL_MAX)
		return -EINVAL;
	f->vc = vc;
	f->level = level;
	return 0;
}

void filter_free(struct filter *f)
{
	f->priv = NULL;
}

static void set_range(uint8_t *bits, uint64_t from, uint64_t to)
{
	for (; from < to && (from & 7); from++)
		bits[from >> 3] |= (uint8_t)(1u << (from & 7));
	for (; from + 8 <= to; from += 8)
		bits[from >> 3] = 0xff;
	for (; from < to; from++)
		bits[from >> 3] |= (uint8_t)(1u << (from & 7));
}

int filter_window(struct filter *f, uint64_t start, uint64_t count,
		  uint8_t *bits)
{
	const struct vmcore *vc = f->vc;
	uint64_t end = start + count;

	memset(bits, 0, count / 8);
	for (unsigned int i = 0; i < vc->nsegs; i++) {
		const struct vmcore_seg *s = &vc->segs[i];
		/* Only whole pages backed by the file are present. */
		uint64_t a = (s->paddr + vc->page_size - 1) / vc->page_size;
		uint64_t b = (s->paddr + s->filesz) / vc->page_size;

		if (a < start)
			a = start;
		if (b > end)
			b = end;
		if (a < b)
			set_range(bits, a - start, b - start);
	}
	return 0;
}
