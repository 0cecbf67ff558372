/* SPDX-License-Identifier: MIT */
/*
 * VMCOREINFO: the key=value note the crashed kernel publishes about itself.
 * Everything kdumpinit knows about a kernel's layout comes from here,
 * never from a version number.
 */
#ifndef KDI_VMCOREINFO_H
#define KDI_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmcoreinfo {
	char *text;  /* NUL-terminated copy of the note's descriptor */
	size_t size; /* bytes of text, without the NUL */
	char osrelease[65];
	char build_id[129];
	uint64_t page_size;
	uint64_t kerneloffset; /* KASLR offset, 0 when absent */
	int64_t crashtime;     /* seconds since the epoch, 0 when absent */
	bool has_crashtime;
	unsigned long serial; /* unique per parse: a key for derived caches */
};

/*
 * Parse @len bytes of VMCOREINFO text (not necessarily NUL-terminated).
 * Fills the fixed fields above; PAGESIZE and OSRELEASE are required.
 * @return 0, or -EINVAL with a message naming the missing or bad entry.
 */
int vmcoreinfo_parse(struct vmcoreinfo *vi, const char *text, size_t len);
void vmcoreinfo_free(struct vmcoreinfo *vi);

/*
 * Look up one entry; @kind is "SYMBOL", "OFFSET", "SIZE", "LENGTH" or
 * "NUMBER", @name what stands in the parentheses ("page.flags").
 * SYMBOL values are hex, the others decimal (NUMBER may be negative).
 * @return true and *@out set when the entry exists and parses.
 */
bool vmcoreinfo_get(const struct vmcoreinfo *vi, const char *kind,
		    const char *name, int64_t *out);

/* The raw value string of "KEY=" (for KEY without parentheses), or NULL.
 * The pointer is into vi->text and ends at the line end, not at a NUL:
 * @len receives its length. */
const char *vmcoreinfo_raw(const struct vmcoreinfo *vi, const char *key,
			   size_t *len);

#endif
