/* SPDX-License-Identifier: MIT */
#include "dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpool.h"
#include "dumpw.h"
#include "util.h"

void dump_opts_default(struct dump_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->level = 0;
	o->format = DUMP_KDUMP;
	o->compress = DUMP_COMPRESS_ZSTD;
	/* zstd's -1 skips the Huffman stage, which on independent 4 KiB
	 * pages cost half the compression time for under 1% of size. */
	o->zstd_level = DUMP_ZSTD_DEFAULT;
	o->threads = 1;
	o->bitmap_cache = DUMP_BITMAP_CACHE;
	o->progress = false;
}

unsigned int dump_threads_auto(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > CPOOL_MAX_THREADS ? CPOOL_MAX_THREADS : (unsigned int)n;
}

uint64_t dump_window_count(const struct dump_job *j, uint64_t start)
{
	uint64_t n = j->vc->max_pfn - start;

	if (n > DUMP_WINDOW)
		n = DUMP_WINDOW;
	return (n + 7) & ~7ull;
}

int dump_window(struct dump_job *j, uint64_t start, uint64_t count)
{
	int err;

	if (j->cached) {
		memcpy(j->bits, j->cache + start / 8, count / 8);
		return 0;
	}
	err = filter_window(j->f, start, count, j->bits);
	if (!err && j->cache)
		memcpy(j->cache + start / 8, j->bits, count / 8);
	return err;
}

/*
 * Half the pages of a vmcore are zero, and each is read to its end: OR
 * 32-byte vectors rather than call memcmp, which musl runs a byte at a
 * time. Pages need not be aligned (a vmcore's segments need not be).
 */
bool page_is_zero(const uint8_t *p, size_t len)
{
	typedef uint64_t vec __attribute__((vector_size(32), aligned(1)));
	const vec *v = (const vec *)p;
	size_t n = len / sizeof(vec);

	/* Most pages that are not zero differ in the first bytes. */
	if (v[0][0] | v[0][1])
		return false;
	for (size_t i = 0; i < n; i += 4) {
		vec acc = v[i] | v[i + 1] | v[i + 2] | v[i + 3];

		if (acc[0] | acc[1] | acc[2] | acc[3])
			return false;
	}
	return true;
}

/* A few pfns the filter drops cost less to read along than a new read. */
#define READ_GAP 8

void dump_read_ahead(struct dump_job *j, uint64_t start, uint64_t i,
		     uint64_t count)
{
	uint64_t end = i + 1, max = VMCORE_WINDOW / j->vc->page_size;

	if (start + i < j->ra_end)
		return;
	for (uint64_t k = end; k < count && k - i < max; k++) {
		if (bit_test(j->bits, k))
			end = k + 1;
		else if (k - end >= READ_GAP)
			break;
	}
	j->ra_end = start + end;
	vmcore_will_read(j->vc, start + i, end - i);
}

/* Whether any pfn of [@start, @start + @n) has data in the file. */
static bool window_has_data(const struct vmcore *vc, uint64_t start, uint64_t n)
{
	for (unsigned int i = 0; i < vc->nsegs; i++) {
		const struct vmcore_seg *s = &vc->segs[i];
		uint64_t a = (s->paddr + vc->page_size - 1) / vc->page_size;
		uint64_t b = (s->paddr + s->filesz) / vc->page_size;

		if (a < b && a < start + n && b > start)
			return true;
	}
	return false;
}

/* First pass: how many pfns the filter keeps. Cheap: no page is read.
 * Windows without data (memory the ELF headers describe but the file
 * does not hold) are passed over: nothing to keep there. */
static int dump_count(struct dump_job *j)
{
	uint64_t bytes = (j->vc->max_pfn + 7) / 8;

	if (bytes <= j->o->bitmap_cache)
		j->cache = calloc(1, bytes); /* without it: filter again */
	for (uint64_t s = 0; s < j->vc->max_pfn; s += DUMP_WINDOW) {
		uint64_t n = dump_window_count(j, s);
		int err;

		if (!window_has_data(j->vc, s, n))
			continue;
		err = dump_window(j, s, n);

		if (err)
			return err;
		for (uint64_t b = 0; b < n / 8; b++)
			j->kept += (uint64_t)__builtin_popcount(j->bits[b]);
	}
	j->cached = j->cache != NULL;
	return 0;
}

int dump_write(struct vmcore *vc, const struct dump_opts *o, struct sink *out,
	       struct dump_result *res)
{
	struct filter f;
	struct dump_job j = {.vc = vc, .f = &f, .o = o, .out = out, .res = res};
	double t0 = progress_now();
	int err;

	memset(res, 0, sizeof(*res));
	if (o->level < 0 || o->level > DL_MAX) {
		msg("dump level %d is out of range: use 0..%d", o->level,
		    DL_MAX);
		return -EINVAL;
	}
	j.bits = malloc(DUMP_WINDOW / 8);
	if (!j.bits)
		return -ENOMEM;
	err = o->raw ? filter_init_raw(&f, vc) : filter_init(&f, vc, o->level);
	if (err)
		goto err_free;
	err = dump_count(&j);
	if (err) {
		msg("cannot filter the pages of %s: %s", vc->path,
		    strerror(-err));
		goto err_filter;
	}
	for (unsigned int i = 0; i < vc->nsegs; i++)
		res->pages_present += vc->segs[i].filesz / vc->page_size;
	if (o->dry_run) {
		res->pages_dumped = j.kept;
		goto err_filter;
	}
	progress_start(&j.pg, o->progress, j.kept, vc->page_size);
	if (o->format == DUMP_ELF)
		err = elf_write(&j);
	else
		err = kdump_write(&j);
	progress_end(&j.pg);
	if (!err)
		err = sink_sync(out);
	if (err)
		msg("dump of %s failed: %s%s", vc->path, strerror(-err),
		    err == -ENOSPC || err == -EFBIG
			    ? " (free space on the target, or raise the dump level)"
			    : "");
err_filter:
	filter_free(&f);
err_free:
	free(j.cache);
	free(j.bits);
	res->complete = !err;
	res->seconds = progress_now() - t0;
	return err;
}
