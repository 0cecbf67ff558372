/* SPDX-License-Identifier: MIT */
/*
 * makedumpfile's page classes, decided from one struct page. The order
 * of the tests is makedumpfile's (__exclude_unnecessary_pages): a page
 * that is both cache and hwpoison is counted as cache, and a dump level
 * only changes which of the first tests may match.
 */
#include "pageclass.h"

#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "util.h"

/* The page-type base of the bit encoding (PAGE_TYPE_BASE, kernels that
 * publish PAGE_*_MAPCOUNT_VALUE as ~PG_type); VMCOREINFO does not carry
 * it, and the value is fixed by the encoding, not by a kernel version. */
#define TYPE_BASE_BITS 0xf0000000u
#define MAPPING_ANON 1u

static struct pgc_num get(const struct vmcoreinfo *vi, const char *kind,
			  const char *name)
{
	struct pgc_num n = {0, false};

	n.ok = vmcoreinfo_get(vi, kind, name, &n.v);
	return n;
}

static uint64_t ld64(const uint8_t *p, struct pgc_num off)
{
	uint64_t v;

	memcpy(&v, p + off.v, sizeof(v));
	return v;
}

static uint32_t ld32(const uint8_t *p, struct pgc_num off)
{
	uint32_t v;

	memcpy(&v, p + off.v, sizeof(v));
	return v;
}

static bool bit(uint64_t flags, struct pgc_num nr)
{
	return nr.ok && nr.v >= 0 && nr.v < 64 && (flags >> nr.v) & 1;
}

/*
 * Whether page type @v is the type whose VMCOREINFO value is @val.
 * Byte encoding (PGTY_x << 24): the top byte names the type. Bit
 * encoding (~PG_x): makedumpfile compares the whole word for buddy,
 * offline and unaccepted pages (@masked false) and tests the type's bit
 * under the base for slab and hugetlb (@masked true), as the kernel's
 * PageType() does.
 */
static bool type_is(const struct pageclass *pc, uint32_t v, struct pgc_num val,
		    bool masked)
{
	uint32_t t = (uint32_t)val.v;

	if (!val.ok)
		return false;
	if (pc->byte_types)
		return v >> 24 == t >> 24;
	if (masked)
		return (v & (TYPE_BASE_BITS | ~t)) == TYPE_BASE_BITS;
	return v == t;
}

/* Offset of a field of the first tail page: folio.@folio_field is
 * published from the folio's start (one struct page earlier), older
 * kernels publish page.@page_field. */
static struct pgc_num tail_offset(const struct pageclass *pc,
				  const struct vmcoreinfo *vi,
				  const char *folio_field,
				  const char *page_field)
{
	char name[64];
	struct pgc_num n;

	snprintf(name, sizeof(name), "folio.%s", folio_field);
	n = get(vi, "OFFSET", name);
	if (n.ok) {
		n.v -= (int64_t)pc->size;
		return n;
	}
	snprintf(name, sizeof(name), "page.%s", page_field);
	return get(vi, "OFFSET", name);
}

static void offsets_init(struct pageclass *pc, const struct vmcoreinfo *vi)
{
	pc->mapping = get(vi, "OFFSET", "page.mapping");
	pc->mapcount = get(vi, "OFFSET", "page._mapcount");
	pc->type = get(vi, "OFFSET", "page.page_type");
	if (!pc->type.ok)
		pc->type = pc->mapcount;
	pc->private_ = get(vi, "OFFSET", "page.private");
	pc->head = get(vi, "OFFSET", "page.compound_head");
	if (!pc->head.ok) /* its name from Linux 7.1 on */
		pc->head = get(vi, "OFFSET", "page.compound_info");
	pc->head_mask = get(vi, "NUMBER", "PG_head_mask");
	pc->hugetlb_val = get(vi, "NUMBER", "PAGE_HUGETLB_MAPCOUNT_VALUE");
	pc->pg_hugetlb = get(vi, "NUMBER", "PG_hugetlb");
	/* Kernels with folio hugetlb markers keep the order in the low byte
	 * of the first tail page's flags (folio._flags_1). */
	pc->order_in_flags1 = pc->hugetlb_val.ok || pc->pg_hugetlb.ok;
	pc->order = tail_offset(pc, vi, "_folio_order", "compound_order");
	pc->dtor = tail_offset(pc, vi, "_folio_dtor", "compound_dtor");
	pc->hugetlb_dtor = get(vi, "NUMBER", "HUGETLB_PAGE_DTOR");
	pc->free_orders = get(vi, "LENGTH", "zone.free_area");
}

static void numbers_init(struct pageclass *pc, const struct vmcoreinfo *vi)
{
	pc->pg_lru = get(vi, "NUMBER", "PG_lru");
	pc->pg_private = get(vi, "NUMBER", "PG_private");
	pc->pg_swapcache = get(vi, "NUMBER", "PG_swapcache");
	pc->pg_swapbacked = get(vi, "NUMBER", "PG_swapbacked");
	pc->pg_slab = get(vi, "NUMBER", "PG_slab");
	pc->pg_hwpoison = get(vi, "NUMBER", "PG_hwpoison");
	pc->pg_buddy = get(vi, "NUMBER", "PG_buddy");
	pc->buddy_val = get(vi, "NUMBER", "PAGE_BUDDY_MAPCOUNT_VALUE");
	pc->offline_val = get(vi, "NUMBER", "PAGE_OFFLINE_MAPCOUNT_VALUE");
	pc->slab_val = get(vi, "NUMBER", "PAGE_SLAB_MAPCOUNT_VALUE");
	pc->unaccepted_val =
		get(vi, "NUMBER", "PAGE_UNACCEPTED_MAPCOUNT_VALUE");
	pc->byte_types = pc->buddy_val.ok &&
			 ((uint32_t)pc->buddy_val.v & 0xffffffu) == 0;
}

static void classes_init(struct pageclass *pc, int level,
			 void (*note)(void *ctx, const char *text), void *ctx)
{
	bool buddy = pc->private_.ok &&
		     ((pc->buddy_val.ok && pc->type.ok) || pc->pg_buddy.ok);

	if ((level & DL_FREE) && !buddy)
		note(ctx, "no OFFSET(page.private) or "
			  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE): free pages kept");
	pc->free = (level & DL_FREE) && buddy;
	if ((level & (DL_CACHE | DL_CACHE_PRIVATE | DL_USER)) &&
	    !pc->mapping.ok)
		note(ctx, "no OFFSET(page.mapping): cache and user pages kept");
	if ((level & (DL_CACHE | DL_CACHE_PRIVATE)) && !pc->pg_lru.ok)
		note(ctx, "no NUMBER(PG_lru): page cache kept");
	if ((level & DL_CACHE) && !(level & DL_CACHE_PRIVATE) &&
	    !pc->pg_private.ok)
		note(ctx, "no NUMBER(PG_private): page cache kept");
	pc->cache = (level & DL_CACHE) && pc->mapping.ok && pc->pg_lru.ok &&
		    pc->pg_private.ok;
	pc->cache_private =
		(level & DL_CACHE_PRIVATE) && pc->mapping.ok && pc->pg_lru.ok;
	pc->user = (level & DL_USER) && pc->mapping.ok;
	if ((level & DL_USER) && !pc->order_in_flags1 &&
	    !(pc->dtor.ok && pc->hugetlb_dtor.ok))
		note(ctx, "no NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE), "
			  "NUMBER(PG_hugetlb) or HUGETLB_PAGE_DTOR: "
			  "hugetlbfs pages kept");
	if ((level & ~DL_ZERO) && !pc->head_mask.ok)
		note(ctx, "no NUMBER(PG_head_mask): compound pages are "
			  "classified page by page");
}

static void offset_bad(void (*note)(void *ctx, const char *text), void *ctx,
		       const char *name, int64_t off, int64_t size)
{
	char text[160];

	snprintf(text, sizeof(text),
		 "OFFSET(%s)=%lld lies outside SIZE(page)=%lld: not used "
		 "(corrupt VMCOREINFO)",
		 name, (long long)off, (long long)size);
	note(ctx, text);
}

/* Every field read from a struct page inside it: an offset that is not
 * is dropped, as if VMCOREINFO lacked it, and the page classes that need
 * it are kept. */
static void offsets_check(struct pageclass *pc,
			  void (*note)(void *ctx, const char *text), void *ctx)
{
	const struct {
		struct pgc_num *n;
		int64_t len;
		const char *name;
	} f[] = {
		{&pc->mapping, 8, "page.mapping"},
		{&pc->private_, 8, "page.private"},
		{&pc->head, 8, "page.compound_head"},
		{&pc->type, 4, "page.page_type"},
		{&pc->mapcount, 4, "page._mapcount"},
		{&pc->order, 1, "folio._folio_order"},
		{&pc->dtor, 1, "folio._folio_dtor"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i].n->ok &&
		    !field_fits(f[i].n->v, f[i].len, (int64_t)pc->size)) {
			offset_bad(note, ctx, f[i].name, f[i].n->v,
				   (int64_t)pc->size);
			f[i].n->ok = false;
		}
}

void pageclass_init(struct pageclass *pc, const struct vmcoreinfo *vi,
		    int level, void (*note)(void *ctx, const char *text),
		    void *ctx)
{
	struct pgc_num size;

	memset(pc, 0, sizeof(*pc));
	size = get(vi, "SIZE", "page");
	pc->flags = get(vi, "OFFSET", "page.flags");
	if (!size.ok || size.v < 8 || size.v > 4096 || !pc->flags.ok) {
		if (level & ~DL_ZERO)
			note(ctx, "no SIZE(page) or OFFSET(page.flags): "
				  "no page is left out by type");
		return;
	}
	pc->size = (uint64_t)size.v;
	if (!field_fits(pc->flags.v, 8, size.v)) {
		offset_bad(note, ctx, "page.flags", pc->flags.v, size.v);
		pc->flags.ok = false;
		return;
	}
	offsets_init(pc, vi);
	offsets_check(pc, note, ctx);
	numbers_init(pc, vi);
	classes_init(pc, level, note, ctx);
	/* makedumpfile reads struct pages whenever one of these applies;
	 * hwpoison and offline pages then go at every level. */
	pc->scan = (level & (DL_CACHE | DL_CACHE_PRIVATE | DL_USER)) ||
		   pc->pg_hwpoison.ok || pc->free;
}

/*
 * Where VMCOREINFO has no NUMBER(PG_slab) (Linux 6.10 on, slab is a page
 * type), makedumpfile falls back to bit 7 of a 2.6 layout, which is
 * PG_waiters in 6.12: it then takes a user page someone waits on for slab
 * and keeps it. That is its error; no bit is tested here without the
 * entry.
 */
static bool is_slab(const struct pageclass *pc, uint64_t flags, uint32_t t)
{
	return type_is(pc, t, pc->slab_val, true) || bit(flags, pc->pg_slab);
}

static bool is_buddy(const struct pageclass *pc, uint64_t flags, uint32_t t)
{
	if (pc->buddy_val.ok && pc->type.ok)
		return !is_slab(pc, flags, t) &&
		       type_is(pc, t, pc->buddy_val, false);
	return bit(flags, pc->pg_buddy);
}

static bool is_cache(const struct pageclass *pc, uint64_t flags)
{
	if (bit(flags, pc->pg_lru))
		return true;
	/* PG_swapcache means swap cache only with PG_swapbacked (where the
	 * kernel has that bit). */
	return (!pc->pg_swapbacked.ok || bit(flags, pc->pg_swapbacked)) &&
	       bit(flags, pc->pg_swapcache);
}

/* Order of the compound page headed by @p, and whether it is hugetlbfs. */
static unsigned int compound_of(const struct pageclass *pc, uint64_t pfn,
				const uint8_t *next, uint32_t t, bool *hugetlb)
{
	uint64_t order = 0;

	if (pc->order_in_flags1) {
		uint64_t f1 = ld64(next, pc->flags);

		order = f1 & 0xff;
		if (pc->hugetlb_val.ok)
			*hugetlb = type_is(pc, t, pc->hugetlb_val, true);
		else
			*hugetlb = bit(f1, pc->pg_hugetlb);
	} else {
		if (pc->order.ok)
			order = next[pc->order.v];
		if (pc->dtor.ok && pc->hugetlb_dtor.ok)
			*hugetlb = next[pc->dtor.v] == pc->hugetlb_dtor.v;
	}
	if (order >= 64 || (pfn & ((1ull << order) - 1)))
		return 0;
	return (unsigned int)order;
}

static enum pgc_class by_use(const struct pageclass *pc, uint64_t flags,
			     uint64_t mapping, uint32_t t, bool hugetlb)
{
	bool anon = (mapping & MAPPING_ANON) && !is_slab(pc, flags, t);
	bool cache = is_cache(pc, flags);

	if (pc->cache && cache && !bit(flags, pc->pg_private) && !anon)
		return PGC_CACHE;
	if (pc->cache_private && cache && !anon)
		return bit(flags, pc->pg_private) ? PGC_CACHE_PRIVATE
						  : PGC_CACHE;
	if (pc->user && (anon || hugetlb))
		return PGC_USER;
	if (bit(flags, pc->pg_hwpoison))
		return PGC_HWPOISON;
	if (pc->offline_val.ok && !is_slab(pc, flags, t) &&
	    type_is(pc, t, pc->offline_val, false))
		return PGC_OFFLINE;
	return PGC_KEEP;
}

enum pgc_class pageclass_of(const struct pageclass *pc, uint64_t pfn,
			    const uint8_t *p, const uint8_t *next, uint64_t *nr)
{
	uint64_t flags, mapping, private_;
	unsigned int order = 0;
	bool hugetlb = false;
	uint32_t t;

	*nr = 1;
	if (!pc->scan)
		return PGC_KEEP;
	flags = ld64(p, pc->flags);
	mapping = pc->mapping.ok ? ld64(p, pc->mapping) : 0;
	private_ = pc->private_.ok ? ld64(p, pc->private_) : 0;
	t = pc->type.ok ? ld32(p, pc->type) : 0;
	if (pc->head_mask.ok && (flags & (uint64_t)pc->head_mask.v) && next)
		order = compound_of(pc, pfn, next, t, &hugetlb);
	/* A tail page goes with its head, which comes first in pfn order. */
	if (pc->head.ok && (ld64(p, pc->head) & 1))
		return PGC_KEEP;
	if (pc->free && is_buddy(pc, flags, t)) {
		/* makedumpfile keeps a "free" page of impossible order. */
		if (private_ >= 64 || (pc->free_orders.ok &&
				       private_ >= (uint64_t)pc->free_orders.v))
			return PGC_KEEP;
		/* A free block starts at a multiple of its size: one that
		 * does not is a corrupt struct page, and hides nothing. */
		if (pfn & ((1ull << private_) - 1))
			return PGC_KEEP;
		*nr = 1ull << private_;
		return PGC_FREE;
	}
	/* Unaccepted memory sits outside the buddy lists, in blocks of the
	 * largest order. */
	if (pc->free && pc->free_orders.ok && pc->free_orders.v > 0 &&
	    pc->free_orders.v < 64 &&
	    type_is(pc, t, pc->unaccepted_val, false) &&
	    !(pfn & ((1ull << (pc->free_orders.v - 1)) - 1))) {
		*nr = 1ull << (pc->free_orders.v - 1);
		return PGC_FREE;
	}
	*nr = 1ull << order;
	return by_use(pc, flags, mapping, t, hugetlb);
}

const char *pageclass_name(enum pgc_class c)
{
	static const char *const names[PGC_NCLASSES] = {
		"kept", "free",	    "cache",   "cache private",
		"user", "hwpoison", "offline",
	};

	return c < PGC_NCLASSES ? names[c] : "?";
}
