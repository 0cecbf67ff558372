/* SPDX-License-Identifier: MIT */
/*
 * Page filtering on a synthetic machine: a vmcore whose struct pages,
 * mem_section (SPARSEMEM_EXTREME) and page tables are built here, with
 * one page of each class makedumpfile knows. Each dump level must leave
 * out exactly the pages of its classes (hwpoison and offline always),
 * free blocks and compound pages as a whole even across window edges,
 * and give the same bits whatever the window size; the same machine
 * described as FLATMEM gives the same answers where both have a map.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "elfcore.h"
#include "filter.h"
#include "util.h"

#define PS 4096ull
#define NPFN 4096ull		    /* 16 MiB of "RAM" */
#define SECPFN 1024ull		    /* SECTION_SIZE_BITS 22 */
#define SP 64ull		    /* SIZE(page) */
#define VBASE 0xffffea0000000000ull /* region mapped 1:1 onto pfns 0.. */
#define KTEXT 0xffffffff80000000ull /* __START_KERNEL_map */
#define MEMMAP (VBASE + 0x10000)    /* struct pages, at pfn 16.. */
#define HOLE_A 1536		    /* pfns [HOLE_A, HOLE_B) not in the file */
#define HOLE_B 1600
#define NOSEC 2	  /* section without a mem_map */
#define BEYOND 64 /* pfns in the file past the last mem_map: not dumped */

/* 6.1-like layout and bits (offsets into struct page). */
#define O_FLAGS 0
#define O_HEAD 8
#define O_DTOR 16
#define O_ORDER 17
#define O_MAPPING 24
#define O_PRIVATE 40
#define O_MAPCOUNT 48
#define PG_LRU 4
#define PG_SLAB 9
#define PG_SWAPCACHE 10
#define PG_PRIVATE 13
#define PG_HEAD 16
#define PG_SWAPBACKED 19
#define PG_HWPOISON 23

static const char vmci_sparse[] =
	"SYMBOL(mem_section)=ffffea0000005000\nLENGTH(mem_section)=65536\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=22\nNUMBER(MAX_PHYSMEM_BITS)=46\n";
static const char vmci_flat[] = "SYMBOL(mem_map)=ffffea0000007000\n";
static const char vmci[] =
	"OSRELEASE=6.1.0-kdi-filter\nPAGESIZE=4096\nCRASHTIME=1700000000\n"
	"SYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\n"
	"KERNELOFFSET=0\nNUMBER(pgtable_l5_enabled)=0\n"
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\n"
	"NUMBER(PG_lru)=4\nNUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\n"
	"NUMBER(PG_hwpoison)=23\nNUMBER(PG_head_mask)=65536\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

/* The classes, as makedumpfile defines them; the expectation below
 * follows from these and the level bits, not from the code. */
enum want { KEEP, FREE, CACHE, CACHE_PRI, USER, ALWAYS, NOMAP_FREE };

struct scene {
	uint64_t pfn, nr;
	enum want want;
};

static const struct scene scenes[] = {
	{128, 128, FREE},      /* order 7 across the 64-pfn window edges */
	{300, 1, CACHE},       /* lru, file mapping */
	{301, 1, CACHE_PRI},   /* lru + private */
	{302, 1, USER},	       /* lru, anonymous: user, not cache */
	{303, 1, KEEP},	       /* slab with an odd mapping: not anon */
	{304, 4, CACHE},       /* order-2 file folio, tails follow */
	{310, 2, KEEP},	       /* plain compound page, tail kept */
	{400, 1, ALWAYS},      /* hwpoison */
	{401, 1, ALWAYS},      /* offline */
	{402, 1, KEEP},	       /* "buddy" of impossible order 11 */
	{420, 1, CACHE},       /* swap cache (swapbacked) */
	{421, 1, KEEP},	       /* swapcache bit without swapbacked */
	{512, 512, USER},      /* hugetlbfs order 9 */
	{1100, 4, FREE},       /* order 2 */
	{3072, 1024, FREE},    /* order 10, a whole section */
	{2100, 1, NOMAP_FREE}, /* free, but SPARSEMEM has no map for it */
};

static char path[] = "/tmp/kdi-filter-XXXXXX";
static uint8_t *mem;	  /* the machine's physical memory */
static bool flat;	  /* FLATMEM: mem_map covers every pfn */
static const char *model; /* the memory model's entries, if not the above */

static void pte(uint64_t table_pfn, unsigned int i, uint64_t pfn)
{
	uint64_t e = pfn * PS | 0x63;

	memcpy(mem + table_pfn * PS + i * 8, &e, 8);
}

/* Page tables: VBASE + i * PS -> pfn i (i < 512), init_top_pgt at pfn 1
 * also reachable through the kernel text map. */
static void build_tables(void)
{
	pte(1, (VBASE >> 39) & 511, 2);
	pte(2, (VBASE >> 30) & 511, 3);
	pte(3, (VBASE >> 21) & 511, 4);
	for (unsigned int i = 0; i < 512; i++)
		pte(4, i, i);
	pte(1, 511, 10);
	pte(10, (KTEXT >> 30) & 511, 11);
	pte(11, 0, 12);
	for (unsigned int i = 0; i < 512; i++)
		pte(12, i, i);
}

static uint8_t *sp(uint64_t pfn)
{
	return mem + (MEMMAP - VBASE) + pfn * SP;
}

static void put64(uint64_t pfn, unsigned int off, uint64_t v)
{
	memcpy(sp(pfn) + off, &v, 8);
}

static void put32(uint64_t pfn, unsigned int off, uint32_t v)
{
	memcpy(sp(pfn) + off, &v, 4);
}

static void buddy(uint64_t pfn, uint64_t order)
{
	put32(pfn, O_MAPCOUNT, (uint32_t)-129);
	put64(pfn, O_PRIVATE, order);
}

static void compound(uint64_t pfn, unsigned int order, uint64_t flags)
{
	put64(pfn, O_FLAGS, flags | 1ull << PG_HEAD);
	sp(pfn + 1)[O_ORDER] = (uint8_t)order;
	for (uint64_t i = 1; i < 1ull << order; i++)
		put64(pfn + i, O_HEAD, (MEMMAP + pfn * SP) | 1);
}

static void build_pages(void)
{
	uint64_t roots = VBASE + 6 * PS, map = MEMMAP | 3, mem_map = MEMMAP;

	memcpy(mem + 5 * PS, &roots, 8);
	memcpy(mem + 7 * PS, &mem_map, 8);
	for (uint64_t s = 0; s < NPFN / SECPFN; s++)
		if (s != NOSEC)
			memcpy(mem + 6 * PS + s * 16, &map, 8);
	buddy(128, 7);
	put64(300, O_FLAGS, 1ull << PG_LRU);
	put64(300, O_MAPPING, 0xffff888000100000ull);
	put64(301, O_FLAGS, 1ull << PG_LRU | 1ull << PG_PRIVATE);
	put64(302, O_FLAGS, 1ull << PG_LRU);
	put64(302, O_MAPPING, 0xffff888000200001ull);
	put64(303, O_FLAGS, 1ull << PG_SLAB);
	put64(303, O_MAPPING, 0xffff888000300001ull);
	compound(304, 2, 1ull << PG_LRU);
	compound(310, 1, 0);
	put64(400, O_FLAGS, 1ull << PG_HWPOISON);
	put32(401, O_MAPCOUNT, (uint32_t)-257);
	buddy(402, 11);
	put64(420, O_FLAGS, 1ull << PG_SWAPCACHE | 1ull << PG_SWAPBACKED);
	put64(421, O_FLAGS, 1ull << PG_SWAPCACHE);
	compound(512, 9, 0);
	sp(513)[O_DTOR] = 2;
	buddy(1100, 2);
	buddy(3072, 10);
	buddy(2100, 0);
}

static int write_vmcore(void)
{
	static uint8_t notes[4096], prstatus[336];
	char text[2048];
	const uint64_t load[2][2] = {{0, HOLE_A}, {HOLE_B, NPFN + BEYOND}};
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph[3] = {0};
	uint64_t data = 4 * PS;
	size_t nsz = put_note(notes, "CORE", NT_PRSTATUS, prstatus, 336);
	int fd;

	strcpy(path, "/tmp/kdi-filter-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	snprintf(text, sizeof(text), "%s%s", vmci,
		 model	? model
		 : flat ? vmci_flat
			: vmci_sparse);
	nsz += put_note(notes + nsz, "VMCOREINFO", 0, text,
			(uint32_t)strlen(text));
	put_core_header(&eh, 3);
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = PS;
	ph[0].p_filesz = nsz;
	for (int i = 0; i < 2; i++) {
		uint64_t a = load[i][0] * PS,
			 len = (load[i][1] - load[i][0]) * PS;

		ph[i + 1].p_type = PT_LOAD;
		ph[i + 1].p_flags = PF_R | PF_W | PF_X;
		ph[i + 1].p_offset = data + a;
		ph[i + 1].p_vaddr = 0xffff888000000000ull + a;
		ph[i + 1].p_paddr = a;
		ph[i + 1].p_filesz = ph[i + 1].p_memsz = len;
	}
	if (pwrite_all(fd, &eh, sizeof(eh), 0) ||
	    pwrite_all(fd, ph, sizeof(ph), sizeof(eh)) ||
	    pwrite_all(fd, notes, nsz, PS) ||
	    pwrite_all(fd, mem, NPFN * PS, (off_t)data) ||
	    ftruncate(fd, (off_t)(data + (NPFN + BEYOND) * PS))) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static bool want_out(enum want w, int level)
{
	switch (w) {
	case FREE:
		return level & DL_FREE;
	case CACHE:
		return level & (DL_CACHE | DL_CACHE_PRIVATE);
	case CACHE_PRI:
		return level & DL_CACHE_PRIVATE;
	case USER:
		return level & DL_USER;
	case ALWAYS:
		return true;
	case NOMAP_FREE:
		return flat && (level & DL_FREE);
	default:
		return false;
	}
}

static bool expected(uint64_t pfn, int level)
{
	if ((pfn >= HOLE_A && pfn < HOLE_B) || (pfn >= NPFN && !flat))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(scenes); i++)
		if (pfn >= scenes[i].pfn && pfn < scenes[i].pfn + scenes[i].nr)
			return !want_out(scenes[i].want, level);
	return true;
}

/* Filter the whole machine in windows of @win pfns into @bits. */
static int run(int level, uint64_t win, uint8_t *bits)
{
	struct vmcore vc;
	struct filter f;
	int err = vmcore_open(&vc, path);

	if (err)
		return err;
	err = filter_init(&f, &vc, level);
	for (uint64_t s = 0; !err && s < NPFN + BEYOND; s += win)
		err = filter_window(&f, s, win, bits + s / 8);
	if (!err)
		filter_free(&f);
	vmcore_close(&vc);
	return err;
}

static void check_levels(void)
{
	static uint8_t a[(NPFN + BEYOND) / 8], b[(NPFN + BEYOND) / 8];
	static const int levels[] = {0, 1, 2, 4, 8, 16, 31, 6, 24};

	for (size_t l = 0; l < ARRAY_SIZE(levels); l++) {
		int level = levels[l];
		uint64_t bad = 0;

		CHECK_EQ_U(run(level, 64, a), 0);
		CHECK_EQ_U(run(level, NPFN + BEYOND, b), 0);
		CHECK(!memcmp(a, b, sizeof(a)));
		for (uint64_t pfn = 0; pfn < NPFN + BEYOND; pfn++)
			if (((a[pfn / 8] >> (pfn % 8)) & 1) !=
			    expected(pfn, level)) {
				if (!bad++)
					fprintf(stderr, "  level %d pfn %llu\n",
						level, (unsigned long long)pfn);
			}
		CHECK_EQ_U(bad, 0);
	}
}

static void test_sparsemem(void)
{
	flat = false;
	CHECK_EQ_U(write_vmcore(), 0);
	check_levels();
	unlink(path);
}

static void test_flatmem(void)
{
	flat = true;
	CHECK_EQ_U(write_vmcore(), 0);
	check_levels();
	unlink(path);
}

/*
 * The memory model's entries corrupt: a section_mem_map offset past
 * struct mem_section, sections so small that their roots would take
 * gigabytes. The filter must not crash nor allocate that, and with no
 * model it leaves no page out by type: levels 16 and 0 keep the same.
 */
static void test_bad_model(void)
{
	static const char *const bad[] = {
		"SYMBOL(mem_section)=ffffea0000005000\nLENGTH(mem_section)=65536\n"
		"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)="
		"1000000\nNUMBER(SECTION_SIZE_BITS)=22\n"
		"NUMBER(MAX_PHYSMEM_BITS)=46\n",
		"SYMBOL(mem_section)=ffffea0000005000\nLENGTH(mem_section)=65536\n"
		"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=-8\n"
		"NUMBER(SECTION_SIZE_BITS)=22\nNUMBER(MAX_PHYSMEM_BITS)=46\n",
		"SYMBOL(mem_section)=ffffea0000005000\n"
		"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
		"NUMBER(SECTION_SIZE_BITS)=13\nNUMBER(MAX_PHYSMEM_BITS)=64\n",
	};
	static uint8_t a[(NPFN + BEYOND) / 8], b[(NPFN + BEYOND) / 8];

	flat = false;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		model = bad[i];
		CHECK_EQ_U(write_vmcore(), 0);
		CHECK_EQ_U(run(0, 64, a), 0);
		CHECK_EQ_U(run(16, 64, b), 0);
		CHECK(!memcmp(a, b, sizeof(a)));
		CHECK_EQ_U(run(31, 64, b), 0);
		unlink(path);
	}
	model = NULL;
}

int main(void)
{
	mem = calloc(NPFN, PS);
	if (!mem)
		return 1;
	build_tables();
	build_pages();
	RUN(test_sparsemem);
	RUN(test_flatmem);
	RUN(test_bad_model);
	free(mem);
	CHECK_EXIT();
}
