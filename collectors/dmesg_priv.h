/* SPDX-License-Identifier: MIT */
/* Shared by the kernel log readers (dmesg*.c); not a public interface. */
#ifndef KDI_DMESG_PRIV_H
#define KDI_DMESG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memsrc.h"

/* Rings bigger than this are corrupt, not big logs (the kernel caps
 * log_buf_len at 2^25; descriptors are fewer than bytes). */
#define MAX_RING_BITS 28
#define OUT_SIZE 65536

struct out {
	int fd;
	int err;
	bool caller; /* DMESG_CALLER */
	size_t len;
	char buf[OUT_SIZE];
};

struct need {
	const char *kind, *name;
	int64_t *val;
};

/* Look up every entry of @n; -ENOENT with a message naming the first
 * one VMCOREINFO lacks. */
int dmesg_lookup(const struct memsrc *ms, const struct need *n, size_t count);

/* Write one record as makedumpfile does (see dmesg.h); @caller is the
 * record's caller_id, or -1 when VMCOREINFO has no offset for it. */
void dmesg_out_record(struct out *o, uint64_t ts_nsec, int64_t caller,
		      const uint8_t *text, size_t len);
void dmesg_out_flush(struct out *o);

/* Read @size bytes at kernel address @vaddr into a new buffer; pages
 * missing from a filtered dump read as zeros. NULL with *@err set and a
 * message naming @what on failure. */
void *dmesg_read_array(const struct memsrc *ms, uint64_t vaddr, uint64_t size,
		       const char *what, int *err);

uint64_t dmesg_get64(const uint8_t *p, int64_t off);
uint32_t dmesg_get32(const uint8_t *p, int64_t off);
uint16_t dmesg_get16(const uint8_t *p, int64_t off);

/* Linux 5.10 and later: the lockless ring (SYMBOL(prb)). */
int dmesg_prb_write(const struct memsrc *ms, struct out *o);
/* Linux 3.5 to 5.9: variable-length records in log_buf. */
int dmesg_legacy_write(const struct memsrc *ms, struct out *o);

#endif
