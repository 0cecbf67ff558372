/* SPDX-License-Identifier: MIT */
/*
 * Architecture-specific address translation. One file per architecture
 * (arch_x86_64.c); the rest of the collectors only call these.
 */
#ifndef KDI_ARCH_H
#define KDI_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "memsrc.h"

/*
 * Translate kernel virtual address @vaddr to a physical address, using
 * the page tables found from VMCOREINFO (SYMBOL(init_top_pgt) or
 * swapper_pg_dir, NUMBER(phys_base), KERNELOFFSET, pgtable_l5_enabled).
 * Direct-map and kernel-text addresses are translated without a walk
 * where VMCOREINFO makes that safe.
 * @return 0, -EFAULT when not mapped, or an error from read_phys.
 */
int arch_vtop(const struct memsrc *ms, uint64_t vaddr, uint64_t *paddr);

/* Whether vmcores of ELF machine @e_machine can be read (EM_X86_64). */
bool arch_supported(unsigned int e_machine);

#endif
