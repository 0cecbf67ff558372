/* SPDX-License-Identifier: MIT */
/*
 * Page classification from one struct page, makedumpfile's rules: which
 * pages a dump level leaves out, and how many pages from there on (a free
 * buddy block or a compound page goes as a whole).
 *
 * Every offset, flag bit and page-type value comes from VMCOREINFO. An
 * entry a level needs that the kernel did not publish turns that class
 * off (its pages are kept) and adds a note; nothing is guessed from the
 * kernel version.
 */
#ifndef KDI_PAGECLASS_H
#define KDI_PAGECLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcoreinfo.h"

/* Why a page is left out; PGC_KEEP (0) when it is kept. */
enum pgc_class {
	PGC_KEEP,
	PGC_FREE,
	PGC_CACHE,
	PGC_CACHE_PRIVATE,
	PGC_USER,
	PGC_HWPOISON,
	PGC_OFFLINE,
	PGC_NCLASSES
};

struct pgc_num {
	int64_t v;
	bool ok;
};

struct pageclass {
	bool scan; /* whether struct pages are read at all at this level */
	bool free, cache, cache_private, user; /* classes in effect */
	uint64_t size;			       /* SIZE(page) */
	struct pgc_num flags, mapping, mapcount, type, private_, head;
	struct pgc_num order, dtor; /* offsets inside the first tail page */
	bool order_in_flags1;	    /* order in the low byte of page[1].flags */
	struct pgc_num pg_lru, pg_private, pg_swapcache, pg_swapbacked;
	struct pgc_num pg_slab, pg_hwpoison, pg_buddy, pg_hugetlb;
	struct pgc_num head_mask, hugetlb_dtor, free_orders;
	struct pgc_num buddy_val, offline_val, slab_val, hugetlb_val;
	struct pgc_num unaccepted_val;
	bool byte_types; /* page type in the top byte (PGTY_* << 24) */
};

/*
 * Read the entries the rules need from @vi for dump @level. Missing
 * entries are reported through @note (called once per missing class
 * with a sentence such as "no NUMBER(PG_lru): page cache kept").
 */
void pageclass_init(struct pageclass *pc, const struct vmcoreinfo *vi,
		    int level, void (*note)(void *ctx, const char *text),
		    void *ctx);

/*
 * Classify the page at @pfn from its struct page @p; @next is the struct
 * page of @pfn + 1 (the first tail page, where compound pages keep their
 * order), or NULL when it cannot be read.
 * @return the class; *@nr gets how many pages from @pfn it covers (1, or
 *         2^order for a free block or a compound page).
 */
enum pgc_class pageclass_of(const struct pageclass *pc, uint64_t pfn,
			    const uint8_t *p, const uint8_t *next,
			    uint64_t *nr);

const char *pageclass_name(enum pgc_class c);

#endif
