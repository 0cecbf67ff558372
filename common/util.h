/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every part of kdumpinit: messages, checked I/O.
 *
 * Conventions (see README "Code conventions"):
 *  - actions return 0 or -errno; predicates return bool;
 *  - messages start with "kdumpinit: " and name the object they concern;
 *  - die() is for host subcommands and the capture worker, never PID 1.
 */
#ifndef KDI_UTIL_H
#define KDI_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A field of @len bytes at offset @off lies within @size bytes. For
 * layouts read from VMCOREINFO or from a crashed kernel's memory, where
 * any of the three may be garbage (negative, huge).
 */
static inline bool field_fits(int64_t off, int64_t len, int64_t size)
{
	return off >= 0 && len >= 0 && size >= 0 && len <= size &&
	       off <= size - len;
}

/* Exit codes, as s6 uses them: 0 ok, 100 usage or config, 111 system. */
#define EXIT_USAGE 100
#define EXIT_SYSTEM 111

/* Print "kdumpinit: <fmt>\n" on stderr. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* msg(), then exit(code). */
_Noreturn void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Write all of @len bytes, retrying on EINTR and short writes.
 * @return 0, or -errno (-ENOSPC when the device filled up: a write that
 *         makes no progress is reported as -ENOSPC, never looped on).
 */
int write_all(int fd, const void *buf, size_t len);

/* As write_all(), at file offset @off. */
int pwrite_all(int fd, const void *buf, size_t len, off_t off);

/*
 * Read exactly @len bytes at @off.
 * @return 0, -EIO on a short read (end of file), or -errno.
 */
int pread_all(int fd, void *buf, size_t len, off_t off);

/*
 * Parse an unsigned decimal number that must fill the whole string, as
 * numbers are everywhere in kdumpinit ("010" is ten; "0x1f", "+1", " 1"
 * are errors). @return 0, or -EINVAL / -ERANGE.
 */
int parse_u64(const char *s, uint64_t *out);

/*
 * Append to @buf as snprintf() would at offset @*len, and add to @*len
 * what snprintf() counted: @*len ends as the length the whole text
 * needs, even when @size cut it (summaries, "key=value" lines).
 */
void buf_addf(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Write a reason into @why (when it is not NULL) for the caller to print.
 * @return @err, so that a parser can say `return why_set(...)`.
 */
int why_set(char *why, size_t size, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t now_ms(void);

/*
 * The most one buffer sized from untrusted input may take: half the
 * memory available now (in the capture kernel, a few tens of MB), and at
 * least 16 MiB. Asking more is a sign of corruption, not of a big log.
 */
uint64_t mem_cap(void);

#endif
