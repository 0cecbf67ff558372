/* SPDX-License-Identifier: MIT */
/*
 * x86_64 address translation. Kernel-image addresses are linear:
 * paddr = vaddr - __START_KERNEL_map + phys_base (VMCOREINFO's SYMBOL
 * values are the running kernel's, KASLR included). That is only used to
 * find the top page table; every address is then translated by walking
 * the tables, which is right for the direct map (whose base KASLR
 * randomises), vmemmap, vmalloc and modules alike.
 *
 * The walk reads 4 or 5 entries: the last PMD-level entry is cached, so
 * that reading along vmemmap or the direct map (2 MiB pages) costs no
 * read and 4 KiB pages cost one. The cache is keyed by the VMCOREINFO
 * parse and the memory source, so a new dump never sees an old entry.
 */
#include "arch.h"

#include <elf.h>
#include <errno.h>

#include "vmcoreinfo.h"

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT 0x1ull
#define PTE_PSE 0x80ull
#define PHYS_MASK 0x000ffffffffff000ull
#define PMD_SHIFT 21

struct walk {
	const struct vmcoreinfo *vi;
	unsigned long serial;
	const void *ctx;
	int (*read_phys)(void *ctx, uint64_t paddr, void *buf, size_t len);
	uint64_t top, mask;
	int levels;
	bool pmd_valid;
	uint64_t pmd_region; /* vaddr >> PMD_SHIFT */
	uint64_t pmd;	     /* its PMD entry */
};

static struct walk cache;

/* The top page table's physical address, from VMCOREINFO. */
static int top_table(const struct vmcoreinfo *vi, uint64_t *pa)
{
	static const char *const names[] = {"init_top_pgt", "init_level4_pgt",
					    "swapper_pg_dir"};
	int64_t sym = 0, phys_base = 0;
	bool found = false;

	for (unsigned int i = 0; !found && i < 3; i++)
		found = vmcoreinfo_get(vi, "SYMBOL", names[i], &sym);
	if (!found || (uint64_t)sym < START_KERNEL_MAP)
		return -EFAULT;
	vmcoreinfo_get(vi, "NUMBER", "phys_base", &phys_base);
	*pa = (uint64_t)sym - START_KERNEL_MAP + (uint64_t)phys_base;
	return 0;
}

static int walk_setup(const struct memsrc *ms, struct walk *w)
{
	int64_t l5 = 0, sme = 0;
	int err;

	if (!ms->vi)
		return -EFAULT;
	if (w->vi == ms->vi && w->serial == ms->vi->serial &&
	    w->ctx == ms->ctx && w->read_phys == ms->read_phys)
		return 0;
	w->vi = NULL;
	err = top_table(ms->vi, &w->top);
	if (err)
		return err;
	vmcoreinfo_get(ms->vi, "NUMBER", "pgtable_l5_enabled", &l5);
	/* AMD SME sets the encryption bit in the entries: not an address */
	vmcoreinfo_get(ms->vi, "NUMBER", "sme_mask", &sme);
	w->mask = PHYS_MASK & ~(uint64_t)sme;
	w->levels = l5 ? 5 : 4;
	w->pmd_valid = false;
	w->vi = ms->vi;
	w->serial = ms->vi->serial;
	w->ctx = ms->ctx;
	w->read_phys = ms->read_phys;
	return 0;
}

/* Read the entry of @vaddr at level @lvl in @table. */
static int entry_read(const struct memsrc *ms, uint64_t table, uint64_t vaddr,
		      int lvl, uint64_t *entry)
{
	uint64_t idx = (vaddr >> (12 + 9 * (lvl - 1))) & 511;
	int err = ms->read_phys(ms->ctx, table + idx * 8, entry, 8);

	if (err)
		return err == -ENOENT ? -EFAULT : err;
	return *entry & PTE_PRESENT ? 0 : -EFAULT;
}

/* Walk from the top down to the PMD entry of @vaddr, or to a 1 GiB
 * page (then *@pmd is that PUD entry and *@huge is set). */
static int walk_to_pmd(const struct memsrc *ms, const struct walk *w,
		       uint64_t vaddr, uint64_t *pmd, bool *huge)
{
	uint64_t table = w->top, e = 0;
	int err;

	*huge = false;
	for (int lvl = w->levels; lvl >= 2; lvl--) {
		err = entry_read(ms, table, vaddr, lvl, &e);
		if (err)
			return err;
		if (lvl == 3 && (e & PTE_PSE)) {
			*huge = true;
			break;
		}
		table = e & w->mask;
	}
	*pmd = e;
	return 0;
}

int arch_vtop(const struct memsrc *ms, uint64_t vaddr, uint64_t *paddr)
{
	struct walk *w = &cache;
	uint64_t pmd, pte, size;
	bool huge;
	int err = walk_setup(ms, w);

	if (err)
		return err;
	if (w->pmd_valid && w->pmd_region == vaddr >> PMD_SHIFT) {
		pmd = w->pmd;
	} else {
		err = walk_to_pmd(ms, w, vaddr, &pmd, &huge);
		if (err)
			return err;
		if (huge) { /* 1 GiB page: not cached, it is one walk */
			size = 1ull << 30;
			*paddr = (pmd & w->mask & ~(size - 1)) +
				 (vaddr & (size - 1));
			return 0;
		}
		w->pmd_valid = true;
		w->pmd_region = vaddr >> PMD_SHIFT;
		w->pmd = pmd;
	}
	if (pmd & PTE_PSE) { /* 2 MiB page */
		size = 1ull << PMD_SHIFT;
		*paddr = (pmd & w->mask & ~(size - 1)) + (vaddr & (size - 1));
		return 0;
	}
	err = entry_read(ms, pmd & w->mask, vaddr, 1, &pte);
	if (err)
		return err;
	*paddr = (pte & w->mask) + (vaddr & 0xfff);
	return 0;
}

bool arch_supported(unsigned int e_machine)
{
	return e_machine == EM_X86_64;
}
