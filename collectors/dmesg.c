/* SPDX-License-Identifier: MIT */
/*
 * Kernel log extraction: the output format, shared reading helpers, and
 * the choice of reader. Every structure offset and size comes from
 * VMCOREINFO; every index read from the dump is checked against the
 * buffers before use, so a corrupt log gives an error, never a crash.
 */
#include "dmesg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg_priv.h"
#include "util.h"

int dmesg_lookup(const struct memsrc *ms, const struct need *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!vmcoreinfo_get(ms->vi, n[i].kind, n[i].name, n[i].val)) {
			msg("cannot find the kernel log: VMCOREINFO has no "
			    "%s(%s)",
			    n[i].kind, n[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

void dmesg_out_flush(struct out *o)
{
	if (!o->err && o->len)
		o->err = write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		dmesg_out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* One record, formatted as makedumpfile formats it (see dmesg.h). */
void dmesg_out_record(struct out *o, uint64_t ts_nsec, int64_t caller,
		      const uint8_t *text, size_t len)
{
	char pre[64], esc[16], id[16];
	int plen = snprintf(pre, sizeof(pre), "[%5lld.%06ld] ",
			    (long long)(ts_nsec / 1000000000),
			    (long)(ts_nsec % 1000000000 / 1000));

	/* The top bit says a CPU (in interrupt context) printed it, else
	 * the rest is the task's pid. */
	if (o->caller && caller >= 0) {
		snprintf(id, sizeof(id), "%c%u",
			 caller & 0x80000000 ? 'C' : 'T',
			 (unsigned int)(caller & 0x7fffffff));
		plen += snprintf(pre + plen, sizeof(pre) - (size_t)plen,
				 "[%8s] ", id);
	}

	out_put(o, pre, (size_t)plen);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = text[i];

		if (c == '\n') {
			out_put(o, "\n", 1);
			memset(pre, ' ', (size_t)plen);
			out_put(o, pre, (size_t)plen);
		} else if ((c >= 0x20 && c < 0x7f) || (c >= 9 && c <= 13)) {
			out_put(o, (const char *)&c, 1);
		} else {
			/* makedumpfile passes a signed char to %02x */
			int n = snprintf(esc, sizeof(esc), "\\x%02x",
					 (unsigned int)(int)(signed char)c);
			out_put(o, esc, (size_t)n);
		}
	}
	out_put(o, "\n", 1);
}

/*
 * Read one of the log's arrays. A filtered dump leaves out zero pages
 * (and an unfilled ring has some): those read as zeros, as makedumpfile
 * reads them, and a zero descriptor is skipped as not committed.
 */
void *dmesg_read_array(const struct memsrc *ms, uint64_t vaddr, uint64_t size,
		       const char *what, int *err)
{
	uint64_t ps = ms->vi->page_size, done = 0, got = 0, cap = mem_cap();
	uint8_t *p;

	/* The sizes come from the crashed kernel: no more than the source
	 * holds (a zero-filled gap is fine, a made-up gigabyte is not), nor
	 * than this system can spare. */
	if (ms->size && ms->size < cap)
		cap = ms->size;
	if (size > cap) {
		msg("the kernel log's %s claims %llu bytes, more than %s (%llu "
		    "bytes): corrupt, not read",
		    what, (unsigned long long)size,
		    ms->size && ms->size == cap ? "the dump holds"
						: "this system can spare",
		    (unsigned long long)cap);
		*err = -EINVAL;
		return NULL;
	}
	p = malloc(size ? size : 1);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = 0;
	while (!*err && done < size) {
		uint64_t n = ps - (vaddr + done) % ps;

		if (n > size - done)
			n = size - done;
		*err = memsrc_read_virt(ms, vaddr + done, p + done, n);
		got += !*err;
		if (*err == -ENOENT) {
			memset(p + done, 0, n);
			*err = 0;
		}
		done += n;
	}
	if (!*err && !got && size)
		*err = -ENOENT; /* none of it: the pointer is wrong */
	if (*err) {
		msg("cannot read the kernel log's %s at 0x%llx: %s", what,
		    (unsigned long long)vaddr, strerror(-*err));
		free(p);
		return NULL;
	}
	return p;
}

uint64_t dmesg_get64(const uint8_t *p, int64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

uint32_t dmesg_get32(const uint8_t *p, int64_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

uint16_t dmesg_get16(const uint8_t *p, int64_t off)
{
	uint16_t v;

	memcpy(&v, p + off, 2);
	return v;
}

int dmesg_write(const struct memsrc *ms, int fd, unsigned int flags)
{
	struct out *o = malloc(sizeof(*o));
	int64_t sym;
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->err = 0;
	o->caller = flags & DMESG_CALLER;
	o->len = 0;
	if (!ms->vi)
		err = -ENOENT;
	else if (vmcoreinfo_get(ms->vi, "SYMBOL", "prb", &sym))
		err = dmesg_prb_write(ms, o);
	else
		err = dmesg_legacy_write(ms, o);
	dmesg_out_flush(o);
	if (!err)
		err = o->err;
	free(o);
	return err;
}

/* Most telling first: a panic names its cause; an oops or BUG often is
 * the cause when the panic line only says "Fatal exception"; a sysrq
 * trigger at least says the crash was asked for. */
static const char *const panic_marks[][2] = {
	{"Kernel panic - not syncing", NULL},
	{"BUG: ", "Oops"},
	{"sysrq: Trigger a crash", "SysRq : Trigger a crash"},
};

static bool line_has(const char *line, size_t n, const char *const *marks)
{
	for (int i = 0; i < 2 && marks[i]; i++)
		if (memmem(line, n, marks[i], strlen(marks[i])))
			return true;
	return false;
}

const char *dmesg_panic_line(const char *log, size_t len, size_t *n)
{
	const char *end = log + len;

	for (size_t i = 0; i < sizeof(panic_marks) / sizeof(*panic_marks);
	     i++) {
		const char *found = NULL, *p = log;
		size_t found_n = 0;

		while (p < end) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			size_t ln = (size_t)((eol ? eol : end) - p);

			if (line_has(p, ln, panic_marks[i])) {
				found = p;
				found_n = ln;
			}
			p += ln + 1;
		}
		if (found) {
			*n = found_n;
			return found;
		}
	}
	return NULL;
}
