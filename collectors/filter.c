/* SPDX-License-Identifier: MIT */
/*
 * Page filter: a pfn is kept when the vmcore holds its data and its
 * struct page does not put it in a class the dump level leaves out.
 *
 * Struct pages are read a chunk at a time (FILTER_CHUNK of them, 256 KiB
 * with 64-byte pages), so memory does not depend on RAM size. A free
 * block or compound page that starts before a window and reaches into it
 * is found again from the window's start: such blocks are aligned to
 * their size, so their head is the start rounded down to some power of
 * two, and those few heads are read again. That keeps every window
 * independent of the order the writer asks for them in.
 */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmodel.h"
#include "pageclass.h"
#include "util.h"

#define FILTER_CHUNK 4096u /* struct pages read at once */

struct filter_priv {
	struct memsrc ms;
	struct memmodel mm;
	bool have_mm;
	struct pageclass pc;
	uint8_t *pages;		       /* FILTER_CHUNK + 1 struct pages */
	uint64_t chunk_start, chunk_n; /* pfns classifiable from pages */
	uint64_t chunk_have;	       /* struct pages in pages (+1) */
	uint64_t counts[PGC_NCLASSES]; /* pages left out, current pass */
	uint64_t limit; /* no page at or above: no struct page there */
};

/* Record @text once in f->notes and say it once. */
static void filter_note(void *ctx, const char *text)
{
	struct filter *f = ctx;
	size_t used = 0, len = strlen(text);

	while (used < sizeof(f->notes) && f->notes[used]) {
		if (!strcmp(f->notes + used, text))
			return;
		used += strlen(f->notes + used) + 1;
	}
	msg("dump level %d: %s", f->level, text);
	if (used + len + 2 <= sizeof(f->notes))
		memcpy(f->notes + used, text, len + 1);
}

static int filter_setup(struct filter *f, struct vmcore *vc, int level,
			bool raw)
{
	struct filter_priv *p;
	char why[160];
	int err;

	memset(f, 0, sizeof(*f));
	if (level < 0 || level > DL_MAX)
		return -EINVAL;
	f->vc = vc;
	f->level = level;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	f->priv = p;
	vmcore_memsrc(vc, &p->ms);
	p->limit = vc->max_pfn;
	if (raw)
		return 0; /* pc.scan false, no memory model */
	pageclass_init(&p->pc, &vc->vi, level, filter_note, f);
	if (p->pc.scan) {
		p->pages = malloc((FILTER_CHUNK + 1) * p->pc.size);
		if (!p->pages) {
			filter_free(f);
			return -ENOMEM;
		}
	}
	/* The memory model also bounds the dump at every level, as
	 * makedumpfile's max_mapnr. */
	err = memmodel_init(&p->mm, &p->ms, vc->max_pfn, why, sizeof(why));
	if (err == -ENOMEM) {
		filter_free(f);
		return err;
	}
	if (err && p->pc.scan) {
		char text[200];

		snprintf(text, sizeof(text), "%s: no page left out by type",
			 why);
		filter_note(f, text);
	}
	p->have_mm = !err;
	if (p->have_mm)
		p->limit = memmodel_end(&p->mm);
	return 0;
}

int filter_init(struct filter *f, struct vmcore *vc, int level)
{
	return filter_setup(f, vc, level, false);
}

int filter_init_raw(struct filter *f, struct vmcore *vc)
{
	return filter_setup(f, vc, 0, true);
}

void filter_free(struct filter *f)
{
	struct filter_priv *p = f->priv;

	if (!p)
		return;
	if (getenv("KDI_FILTER_STATS"))
		for (int c = 1; c < PGC_NCLASSES; c++)
			msg("filter: %llu %s pages left out",
			    (unsigned long long)p->counts[c],
			    pageclass_name((enum pgc_class)c));
	memmodel_free(&p->mm);
	free(p->pages);
	free(p);
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

/* Count and clear the set bits in [from, to) of a window's bits. */
static uint64_t clear_range(uint8_t *bits, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (; from < to && (from & 7); from++) {
		n += (bits[from >> 3] >> (from & 7)) & 1;
		bits[from >> 3] &= (uint8_t) ~(1u << (from & 7));
	}
	for (; from + 8 <= to; from += 8) {
		n += (uint64_t)__builtin_popcount(bits[from >> 3]);
		bits[from >> 3] = 0;
	}
	for (; from < to; from++) {
		n += (bits[from >> 3] >> (from & 7)) & 1;
		bits[from >> 3] &= (uint8_t) ~(1u << (from & 7));
	}
	return n;
}

static void present_bits(const struct vmcore *vc, uint64_t start,
			 uint64_t count, uint8_t *bits)
{
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
}

/* Read *@n struct pages from @va, and the next one when the memory map
 * run goes on (*@n then counts it). @return 0 or -errno. */
static int chunk_read(struct filter_priv *p, uint64_t va, uint64_t pfn,
		      uint64_t run_end, uint64_t *n)
{
	bool more = pfn + *n < run_end;
	int err = memsrc_read_virt(&p->ms, va, p->pages,
				   (*n + more) * p->pc.size);

	if (err && more)
		return memsrc_read_virt(&p->ms, va, p->pages, *n * p->pc.size);
	if (!err)
		*n += more;
	return err;
}

/*
 * Read the struct pages of pfns [@pfn, @pfn + n) into p->pages, n at
 * most FILTER_CHUNK and not past @end or the section, plus the next one
 * when it shares the section (a head's first tail page).
 * @return 0; -ENOENT when these pfns have no readable struct page (*@skip
 *         says up to where); another -errno on an I/O error.
 */
static int chunk_load(struct filter *f, uint64_t pfn, uint64_t end,
		      uint64_t *skip)
{
	struct filter_priv *p = f->priv;
	uint64_t va, run_end, n;
	int err = memmodel_page(&p->mm, pfn, &va, &run_end);

	*skip = run_end > pfn ? run_end : pfn + 1;
	p->chunk_n = 0;
	if (err && err != -ENOENT && err != -EFAULT)
		return err;
	if (err == -EFAULT)
		filter_note(f, "some mem_section entries cannot be read: "
			       "their pages are kept");
	if (err)
		return -ENOENT;
	n = run_end - pfn;
	if (n > FILTER_CHUNK)
		n = FILTER_CHUNK;
	if (n > end - pfn)
		n = end - pfn;
	*skip = pfn + n;
	err = chunk_read(p, va, pfn, run_end, &n);
	/* A range is read whole or not at all: after a failure, only the
	 * struct pages in the first page of memory, so that those that can
	 * be read are classified whatever the window size. */
	if ((err == -ENOENT || err == -EFAULT) && n > 1) {
		uint64_t ps = p->ms.vi->page_size;

		n = (ps - va % ps) / p->pc.size;
		n = n ? n : 1;
		if (n > *skip - pfn)
			n = *skip - pfn;
		*skip = pfn + n;
		err = chunk_read(p, va, pfn, run_end, &n);
	}
	if (err == -ENOENT || err == -EFAULT) {
		filter_note(f, "some struct pages cannot be read: "
			       "their pages are kept");
		return -ENOENT;
	}
	if (err)
		return err;
	p->chunk_start = pfn;
	p->chunk_n = *skip - pfn;
	p->chunk_have = n;
	return 0;
}

/* Classify @pfn from the loaded chunk; @pfn must be in it. */
static enum pgc_class chunk_class(struct filter_priv *p, uint64_t pfn,
				  uint64_t *nr)
{
	uint64_t i = pfn - p->chunk_start;
	const uint8_t *sp = p->pages + i * p->pc.size;
	const uint8_t *next = i + 1 < p->chunk_have ? sp + p->pc.size : NULL;

	return pageclass_of(&p->pc, pfn, sp, next, nr);
}

/*
 * Where a block left out that starts before @start ends (or @start when
 * none covers it). Its head is @start rounded down to a power of two.
 */
static int lookback(struct filter *f, uint64_t start, uint64_t *out,
		    enum pgc_class *cls)
{
	struct filter_priv *p = f->priv;
	uint64_t last = start, skip;

	*out = start;
	*cls = PGC_KEEP;
	for (unsigned int k = 1; k < 64 && last; k++) {
		uint64_t head = start & ~((1ull << k) - 1), nr;
		enum pgc_class c;
		int err;

		if (head == last)
			continue;
		last = head;
		if (!vmcore_pfn_present(f->vc, head))
			continue;
		err = chunk_load(f, head, head + 1, &skip);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		c = chunk_class(p, head, &nr);
		if (c != PGC_KEEP && head + nr > *out) {
			*out = head + nr;
			*cls = c;
		}
	}
	p->chunk_n = 0;
	return 0;
}

static bool bit_set(const uint8_t *bits, uint64_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1;
}

static int classify_window(struct filter *f, uint64_t start, uint64_t end,
			   uint8_t *bits)
{
	struct filter_priv *p = f->priv;
	uint64_t pfn, e, nr, skip;
	enum pgc_class c;
	int err = lookback(f, start, &e, &c);

	if (err)
		return err;
	p->counts[c] += clear_range(bits, 0, (e < end ? e : end) - start);
	for (pfn = e; pfn < end;) {
		if (!bits[(pfn - start) >> 3] && !((pfn - start) & 7)) {
			pfn += 8;
			continue;
		}
		if (!bit_set(bits, pfn - start)) {
			pfn++;
			continue;
		}
		if (pfn < p->chunk_start ||
		    pfn >= p->chunk_start + p->chunk_n) {
			err = chunk_load(f, pfn, end, &skip);
			if (err == -ENOENT) {
				pfn = skip;
				continue;
			}
			if (err)
				return err;
		}
		c = chunk_class(p, pfn, &nr);
		if (c == PGC_KEEP) {
			pfn++;
			continue;
		}
		e = pfn + nr < end ? pfn + nr : end;
		p->counts[c] += clear_range(bits, pfn - start, e - start);
		pfn += nr;
	}
	p->chunk_n = 0;
	return 0;
}

int filter_window(struct filter *f, uint64_t start, uint64_t count,
		  uint8_t *bits)
{
	struct filter_priv *p = f->priv;

	present_bits(f->vc, start, count, bits);
	if (p && p->limit < start + count)
		clear_range(bits, p->limit > start ? p->limit - start : 0,
			    count);
	if (!p || !p->pc.scan || !p->have_mm)
		return 0;
	if (start == 0)
		memset(p->counts, 0, sizeof(p->counts));
	return classify_window(f, start, start + count, bits);
}
