/* SPDX-License-Identifier: MIT */
/* Building synthetic vmcores in unit tests: the ELF header, notes. */
#ifndef KDI_TEST_ELFCORE_H
#define KDI_TEST_ELFCORE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Write an ELF note (header, name, descriptor, each 4-byte padded) at @p.
 * @return the bytes written. */
static inline size_t put_note(uint8_t *p, const char *name, uint32_t type,
			      const void *desc, uint32_t dsz)
{
	uint32_t nsz = (uint32_t)strlen(name) + 1;
	size_t n = 12;

	memcpy(p, &nsz, 4);
	memcpy(p + 4, &dsz, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + n, name, nsz);
	n += (nsz + 3) & ~3u;
	memcpy(p + n, desc, dsz);
	return n + ((dsz + 3) & ~3u);
}

/* Fill @eh as an x86_64 little-endian ELF64 core file whose @phnum
 * program headers follow it directly. */
static inline void put_core_header(Elf64_Ehdr *eh, uint16_t phnum)
{
	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
}

#endif
