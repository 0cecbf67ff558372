/* SPDX-License-Identifier: MIT */
/*
 * struct page lookup: SPARSEMEM (section_mem_map holds the section's
 * mem_map minus its first pfn's offset, with flags in the low bits) and
 * FLATMEM (one mem_map from pfn 0).
 */
#include "memmodel.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SECTION_MARKED_PRESENT 1u

static bool vi_get(const struct memsrc *ms, const char *kind, const char *name,
		   uint64_t *out)
{
	int64_t v;

	/* Kernel addresses read as negative: only SYMBOL may be one. */
	if (!vmcoreinfo_get(ms->vi, kind, name, &v) ||
	    (v < 0 && strcmp(kind, "SYMBOL")))
		return false;
	*out = (uint64_t)v;
	return true;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + !!(a % b);
}

/* A failed read of the kernel's own tables: the dump lacks them, or they
 * do not translate. Other errors (I/O) go up unchanged. */
static int table_err(int err)
{
	return err == -ENOENT || err == -EFAULT ? -EFAULT : err;
}

static int secbuf_load(struct memmodel *mm, uint64_t sec)
{
	uint64_t per_buf = mm->page_size / mm->sec_size;
	uint64_t first, n, addr;
	int err;

	if (mm->sec_first != UINT64_MAX && sec >= mm->sec_first &&
	    sec < mm->sec_first + mm->sec_n)
		return 0;
	if (mm->kind == MM_SPARSE_EXTREME) {
		uint64_t root = sec / mm->per_root;

		if (root >= mm->nroots || !mm->roots[root])
			return -ENOENT;
		first = root * mm->per_root;
		n = mm->per_root;
		addr = mm->roots[root];
	} else {
		first = sec - sec % per_buf;
		n = per_buf;
		addr = mm->array + first * mm->sec_size;
	}
	if (first + n > mm->nr_secs)
		n = mm->nr_secs - first;
	mm->sec_first = UINT64_MAX;
	err = memsrc_read_virt(mm->ms, addr, mm->secbuf, n * mm->sec_size);
	if (err)
		return table_err(err);
	mm->sec_first = first;
	mm->sec_n = n;
	return 0;
}

/* The decoded mem_map of section @sec, or -ENOENT when not present. */
static int section_map(struct memmodel *mm, uint64_t sec, uint64_t *map)
{
	uint64_t v;
	int err = secbuf_load(mm, sec);

	if (err)
		return err;
	memcpy(&v,
	       mm->secbuf + (sec - mm->sec_first) * mm->sec_size + mm->map_off,
	       sizeof(v));
	if (!(v & SECTION_MARKED_PRESENT))
		return -ENOENT;
	/* mem_map is page aligned, so every flag bit sits below the page
	 * size, however many flags the kernel defines. */
	*map = (v & ~(mm->page_size - 1)) +
	       sec * mm->sec_pfns * mm->page_struct_size;
	return 0;
}

/* Whether the roots read lead to a readable struct page. */
static bool roots_valid(struct memmodel *mm)
{
	for (uint64_t s = 0; s < mm->nr_secs; s++) {
		uint64_t map, v;
		int err = section_map(mm, s, &map);

		if (err == -ENOENT)
			continue;
		return !err && !memsrc_read_virt(mm->ms, map, &v, sizeof(v));
	}
	return false;
}

static int roots_read(struct memmodel *mm, uint64_t addr)
{
	int err;

	mm->sec_first = UINT64_MAX;
	err = memsrc_read_virt(mm->ms, addr, mm->roots, mm->nroots * 8);
	return err ? table_err(err) : 0;
}

/* SPARSEMEM_EXTREME: SYMBOL(mem_section) is the roots array itself
 * (VMCOREINFO publishes the pointer's value), or, from older kernels'
 * notes, the address of the pointer to it: try both, as makedumpfile. */
static int extreme_init(struct memmodel *mm, uint64_t sym)
{
	uint64_t ptr;

	mm->nroots = div_up(mm->nr_secs, mm->per_root);
	mm->roots = calloc(mm->nroots, 8);
	if (!mm->roots)
		return -ENOMEM;
	if (!roots_read(mm, sym) && roots_valid(mm))
		return 0;
	if (memsrc_read_virt(mm->ms, sym, &ptr, 8) || roots_read(mm, ptr) ||
	    !roots_valid(mm))
		return -EFAULT;
	return 0;
}

static int sparse_init(struct memmodel *mm, uint64_t sym, char *why, size_t len)
{
	uint64_t ssb, mpb, length,
		shift = (uint64_t)__builtin_ctzll(mm->page_size);

	if (!vi_get(mm->ms, "NUMBER", "SECTION_SIZE_BITS", &ssb) ||
	    !vi_get(mm->ms, "NUMBER", "MAX_PHYSMEM_BITS", &mpb) ||
	    ssb <= shift || ssb >= 48 || mpb < ssb || mpb > 64 ||
	    mm->sec_size == 0 || mm->sec_size > mm->page_size) {
		snprintf(why, len,
			 "no usable NUMBER(SECTION_SIZE_BITS), "
			 "NUMBER(MAX_PHYSMEM_BITS) or "
			 "SIZE(mem_section)");
		return -ENOENT;
	}
	if (!field_fits((int64_t)mm->map_off, 8, (int64_t)mm->sec_size)) {
		snprintf(
			why, len,
			"OFFSET(mem_section.section_mem_map)=%llu lies outside "
			"SIZE(mem_section)=%llu (corrupt VMCOREINFO)",
			(unsigned long long)mm->map_off,
			(unsigned long long)mm->sec_size);
		return -ENOENT;
	}
	mm->sec_pfns = 1ull << (ssb - shift);
	mm->nr_secs = div_up(mm->max_pfn, mm->sec_pfns);
	mm->per_root = mm->page_size / mm->sec_size;
	mm->array = sym;
	mm->secbuf = malloc(mm->page_size);
	if (!mm->secbuf)
		return -ENOMEM;
	/* EXTREME when the array holds one root per page of sections. */
	if (!vi_get(mm->ms, "LENGTH", "mem_section", &length) ||
	    length == div_up(1ull << (mpb - ssb), mm->per_root)) {
		int err;

		mm->kind = MM_SPARSE_EXTREME;
		/* 2^17 roots (1 MiB) cover 4 PiB with 128 MiB sections. */
		if (div_up(mm->nr_secs, mm->per_root) > (1u << 21)) {
			snprintf(why, len,
				 "NUMBER(SECTION_SIZE_BITS)=%llu makes %llu "
				 "sections: corrupt",
				 (unsigned long long)ssb,
				 (unsigned long long)mm->nr_secs);
			return -ENOENT;
		}
		err = extreme_init(mm, sym);
		if (err == -EFAULT)
			snprintf(why, len,
				 "cannot read mem_section's roots "
				 "at SYMBOL(mem_section)");
		return err == -EFAULT ? -ENOENT : err;
	}
	mm->kind = MM_SPARSE;
	mm->per_root = 1;
	return 0;
}

int memmodel_init(struct memmodel *mm, const struct memsrc *ms,
		  uint64_t max_pfn, char *why, size_t len)
{
	uint64_t sym, map;
	int err;

	memset(mm, 0, sizeof(*mm));
	mm->ms = ms;
	mm->max_pfn = max_pfn;
	mm->page_size = ms->vi->page_size;
	mm->sec_first = UINT64_MAX;
	if (!vi_get(ms, "SIZE", "page", &mm->page_struct_size) ||
	    !mm->page_struct_size || mm->page_struct_size > 4096) {
		snprintf(why, len, "no usable SIZE(page)");
		return -ENOENT;
	}
	if (vi_get(ms, "SYMBOL", "mem_section", &sym) &&
	    vi_get(ms, "SIZE", "mem_section", &mm->sec_size) &&
	    vi_get(ms, "OFFSET", "mem_section.section_mem_map", &mm->map_off)) {
		err = sparse_init(mm, sym, why, len);
		if (err)
			memmodel_free(mm);
		return err;
	}
	if (vi_get(ms, "SYMBOL", "mem_map", &sym)) {
		err = memsrc_read_virt(ms, sym, &map, 8);
		if (err || !map) {
			snprintf(why, len,
				 "cannot read mem_map at "
				 "SYMBOL(mem_map)");
			return -ENOENT;
		}
		mm->kind = MM_FLAT;
		mm->flat_map = map;
		return 0;
	}
	snprintf(why, len, "no SYMBOL(mem_section) or SYMBOL(mem_map)");
	return -ENOENT;
}

void memmodel_free(struct memmodel *mm)
{
	free(mm->roots);
	free(mm->secbuf);
	mm->roots = NULL;
	mm->secbuf = NULL;
	mm->kind = MM_NONE;
}

int memmodel_page(struct memmodel *mm, uint64_t pfn, uint64_t *vaddr,
		  uint64_t *end)
{
	uint64_t sec, map;
	int err;

	*end = mm->max_pfn;
	if (pfn >= mm->max_pfn || mm->kind == MM_NONE)
		return -ENOENT;
	if (mm->kind == MM_FLAT) {
		*vaddr = mm->flat_map + pfn * mm->page_struct_size;
		return 0;
	}
	sec = pfn / mm->sec_pfns;
	*end = (sec + 1) * mm->sec_pfns;
	if (*end > mm->max_pfn)
		*end = mm->max_pfn;
	err = section_map(mm, sec, &map);
	if (err)
		return err;
	*vaddr = map + (pfn - sec * mm->sec_pfns) * mm->page_struct_size;
	return 0;
}

uint64_t memmodel_end(struct memmodel *mm)
{
	uint64_t end = 0, map;

	if (mm->kind == MM_FLAT)
		return mm->max_pfn;
	for (uint64_t s = 0; s < mm->nr_secs; s++) {
		int err = section_map(mm, s, &map);

		/* A section whose entry cannot be read may hold pages. */
		if (err != -ENOENT)
			end = (s + 1) * mm->sec_pfns;
	}
	return end < mm->max_pfn ? end : mm->max_pfn;
}
