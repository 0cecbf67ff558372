/* SPDX-License-Identifier: MIT */
/*
 * One struct page at a time, for the layouts and page-type encodings
 * other than the synthetic machine's: the one-type-per-page encoding
 * (PGTY_x << 24, order in the first tail page's flags), PG_hugetlb in
 * the tail's flags, the bit encoding with slab as a page type, and
 * VMCOREINFO without the entries a level needs (pages kept, a note).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "filter.h"
#include "pageclass.h"

#define COMMON                                                                 \
	"OSRELEASE=6.12.0-kdi\nPAGESIZE=4096\nSIZE(page)=64\n"                 \
	"OFFSET(page.flags)=0\nOFFSET(page.mapping)=24\n"                      \
	"OFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"                 \
	"OFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\n"            \
	"NUMBER(PG_lru)=5\nNUMBER(PG_private)=12\nNUMBER(PG_swapcache)=9\n"    \
	"NUMBER(PG_swapbacked)=17\nNUMBER(PG_head_mask)=64\n"

static const char byte_types[] =
	COMMON "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
	       "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n"
	       "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
	       "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n";

static const char pg_hugetlb[] =
	COMMON "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	       "NUMBER(PG_hugetlb)=8\nNUMBER(PG_slab)=7\n";

static const char bit_slab[] =
	COMMON "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	       "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-4097\n";

static const char no_lru[] = "OSRELEASE=5.0\nPAGESIZE=4096\nSIZE(page)=64\n"
			     "OFFSET(page.flags)=0\nOFFSET(page.mapping)=24\n"
			     "NUMBER(PG_private)=12\n";

static uint8_t pg[2][64];
static char notes[2048];

static void note(void *ctx, const char *text)
{
	(void)ctx;
	size_t n = strlen(notes);

	snprintf(notes + n, sizeof(notes) - n, "%s|", text);
}

static void init(struct pageclass *pc, struct vmcoreinfo *vi, const char *text,
		 int level)
{
	CHECK_EQ_U(vmcoreinfo_parse(vi, text, strlen(text)), 0);
	notes[0] = 0;
	pageclass_init(pc, vi, level, note, NULL);
	memset(pg, 0, sizeof(pg));
}

static void put(int i, unsigned int off, uint64_t v, size_t n)
{
	memcpy(pg[i] + off, &v, n);
}

static enum pgc_class of(const struct pageclass *pc, uint64_t pfn, uint64_t *nr)
{
	return pageclass_of(pc, pfn, pg[0], pg[1], nr);
}

static void test_byte_types(void)
{
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, byte_types, 31);
	CHECK(pc.byte_types);
	CHECK_STR(notes, "");
	put(0, 48, 0xf0000000u, 4); /* buddy, order 3 */
	put(0, 40, 3, 8);
	CHECK_EQ_U(of(&pc, 8, &nr), PGC_FREE);
	CHECK_EQ_U(nr, 8);
	put(0, 48, 0xf5000000u, 4); /* slab with an odd word at mapping */
	put(0, 24, 0xffff888000000001ull, 8);
	CHECK_EQ_U(of(&pc, 8, &nr), PGC_KEEP);
	put(0, 48, 0xffffffffu, 4); /* anonymous */
	CHECK_EQ_U(of(&pc, 8, &nr), PGC_USER);
	put(0, 24, 0, 8);
	put(0, 48, 0xf1000000u, 4); /* offline */
	CHECK_EQ_U(of(&pc, 8, &nr), PGC_OFFLINE);
	/* hugetlb head, order 9 in page[1].flags */
	put(0, 0, 64, 8);
	put(0, 48, 0xf4000000u, 4);
	put(1, 0, 9, 8);
	CHECK_EQ_U(of(&pc, 512, &nr), PGC_USER);
	CHECK_EQ_U(nr, 512);
	CHECK_EQ_U(of(&pc, 256, &nr), PGC_USER); /* misaligned: one page */
	CHECK_EQ_U(nr, 1);
	vmcoreinfo_free(&vi);
	init(&pc, &vi, byte_types, 16);
	put(0, 48, 0xf4000000u, 4); /* hugetlb is not free */
	CHECK_EQ_U(of(&pc, 8, &nr), PGC_KEEP);
	vmcoreinfo_free(&vi);
}

static void test_pg_hugetlb(void)
{
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, pg_hugetlb, 8);
	CHECK(!pc.byte_types);
	put(0, 0, 64, 8);
	put(1, 0, 1ull << 8 | 2, 8);
	CHECK_EQ_U(of(&pc, 4, &nr), PGC_USER);
	CHECK_EQ_U(nr, 4);
	put(1, 0, 2, 8); /* a compound page that is not hugetlb */
	CHECK_EQ_U(of(&pc, 4, &nr), PGC_KEEP);
	put(0, 0, 64 | 1ull << 7, 8); /* PG_slab by bit: not anonymous */
	put(0, 24, 1, 8);
	CHECK_EQ_U(of(&pc, 4, &nr), PGC_KEEP);
	put(0, 8, 0xffffea0000000001ull, 8); /* a tail page is kept */
	put(0, 0, 0, 8);
	CHECK_EQ_U(of(&pc, 5, &nr), PGC_KEEP);
	vmcoreinfo_free(&vi);
}

/* Linux 7.1 renamed page.compound_head to page.compound_info. */
static void test_compound_info(void)
{
	static const char text[] =
		"OSRELEASE=7.1\nPAGESIZE=4096\nSIZE(page)=64\n"
		"OFFSET(page.flags)=0\nOFFSET(page.mapping)=24\n"
		"OFFSET(page.compound_info)=8\n";
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, text, 8);
	put(0, 24, 1, 8);
	CHECK_EQ_U(of(&pc, 5, &nr), PGC_USER);
	put(0, 8, 0xffffea0000000001ull, 8);
	CHECK_EQ_U(of(&pc, 5, &nr), PGC_KEEP);
	vmcoreinfo_free(&vi);
}

static void test_bit_slab(void)
{
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, bit_slab, 31);
	put(0, 48, 0xffffefffu, 4); /* slab page type */
	put(0, 24, 1, 8);
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_KEEP);
	put(0, 48, 0xffffff7fu, 4); /* buddy */
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_FREE);
	put(0, 48, 0xffffef7fu, 4); /* buddy and slab: makedumpfile keeps */
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_KEEP);
	put(0, 48, 0, 4); /* swap cache: PG_swapcache with PG_swapbacked */
	put(0, 24, 0, 8);
	put(0, 0, 1u << 9 | 1u << 17, 8);
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_CACHE);
	vmcoreinfo_free(&vi);
}

static void test_missing_entries(void)
{
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, no_lru, 31);
	CHECK(strstr(notes, "no NUMBER(PG_lru): page cache kept") != NULL);
	CHECK(strstr(notes, "free pages kept") != NULL);
	put(0, 0, 1u << 5, 8);
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_KEEP);
	put(0, 24, 1, 8);
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_USER); /* anon needs only mapping */
	vmcoreinfo_free(&vi);
	init(&pc, &vi, no_lru, 1);
	CHECK_STR(notes, ""); /* level 1 needs no entry */
	CHECK(!pc.scan);
	vmcoreinfo_free(&vi);
}

/*
 * A corrupt VMCOREINFO or struct page: offsets outside SIZE(page) are
 * dropped with a note (ASan sees any read past the 64 bytes), and a
 * "free block" whose pfn is not a multiple of its size hides nothing.
 */
static void test_hostile(void)
{
	static const char far_flags[] =
		"OSRELEASE=6.1\nPAGESIZE=4096\nSIZE(page)=64\n"
		"OFFSET(page.flags)=1000000000000\n";
	static const char bad_fields[] =
		"OSRELEASE=6.1\nPAGESIZE=4096\nSIZE(page)=64\n"
		"OFFSET(page.flags)=0\nOFFSET(page.mapping)=-8\n"
		"OFFSET(page._mapcount)=62\nOFFSET(page.private)=57\n"
		"OFFSET(page.compound_head)=64\nNUMBER(PG_lru)=5\n"
		"NUMBER(PG_private)=12\nNUMBER(PG_head_mask)=64\n"
		"OFFSET(page.compound_order)=100\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n";
	struct vmcoreinfo vi;
	struct pageclass pc;
	uint64_t nr;

	init(&pc, &vi, far_flags, 31);
	CHECK(strstr(notes, "OFFSET(page.flags)=1000000000000 lies outside "
			    "SIZE(page)=64") != NULL);
	CHECK(!pc.scan);
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_KEEP);
	vmcoreinfo_free(&vi);

	init(&pc, &vi, bad_fields, 31);
	CHECK(strstr(notes, "OFFSET(page.mapping)=-8") != NULL);
	CHECK(strstr(notes, "OFFSET(page._mapcount)=62") != NULL);
	CHECK(strstr(notes, "OFFSET(page.private)=57") != NULL);
	CHECK(strstr(notes, "OFFSET(page.compound_head)=64") != NULL);
	CHECK(strstr(notes, "OFFSET(folio._folio_order)=100") != NULL);
	memset(pg, 0xff, sizeof(pg));
	CHECK_EQ_U(of(&pc, 1, &nr), PGC_KEEP);
	vmcoreinfo_free(&vi);

	/* "buddy, order 40" at pfn 3, and order 3 at pfn 12: kept */
	init(&pc, &vi, byte_types, 16);
	put(0, 48, 0xf0000000u, 4);
	put(0, 40, 40, 8);
	CHECK_EQ_U(of(&pc, 3, &nr), PGC_KEEP);
	CHECK_EQ_U(nr, 1);
	put(0, 40, 3, 8);
	CHECK_EQ_U(of(&pc, 12, &nr), PGC_KEEP);
	CHECK_EQ_U(of(&pc, 16, &nr), PGC_FREE);
	CHECK_EQ_U(nr, 8);
	vmcoreinfo_free(&vi);
}

int main(void)
{
	RUN(test_byte_types);
	RUN(test_pg_hugetlb);
	RUN(test_bit_slab);
	RUN(test_compound_info);
	RUN(test_missing_entries);
	RUN(test_hostile);
	CHECK_EXIT();
}
