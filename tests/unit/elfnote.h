/* SPDX-License-Identifier: MIT */
/* Building synthetic vmcores in unit tests: one ELF note. */
#ifndef KDI_TEST_ELFNOTE_H
#define KDI_TEST_ELFNOTE_H

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

#endif
