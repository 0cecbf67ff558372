/* SPDX-License-Identifier: MIT */
/*
 * VMCOREINFO parsing: lines "KEY=VALUE", where KEY is a plain name
 * (OSRELEASE, PAGESIZE, KERNELOFFSET, CRASHTIME, BUILD-ID) or
 * KIND(name) (SYMBOL, OFFSET, SIZE, LENGTH, NUMBER).
 */
#include "vmcoreinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Find the line starting with @key (which ends in '='); return a pointer
 * to the value and its length up to the line end. */
static const char *find_value(const struct vmcoreinfo *vi, const char *key,
			      size_t *len)
{
	size_t klen = strlen(key);
	const char *p = vi->text, *end = vi->text + vi->size;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= klen && !memcmp(p, key, klen)) {
			*len = (size_t)(eol - p - (ptrdiff_t)klen);
			return p + klen;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

const char *vmcoreinfo_raw(const struct vmcoreinfo *vi, const char *key,
			   size_t *len)
{
	char k[128];

	if (!vi->text || snprintf(k, sizeof(k), "%s=", key) >= (int)sizeof(k))
		return NULL;
	return find_value(vi, k, len);
}

/* Parse a whole value as a number in @base; "0x" forces hex. */
static bool parse_num(const char *s, size_t len, int base, int64_t *out)
{
	char buf[40];
	char *end;
	bool neg = false;
	uint64_t v;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	s = buf;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

bool vmcoreinfo_get(const struct vmcoreinfo *vi, const char *kind,
		    const char *name, int64_t *out)
{
	char key[160];
	const char *v;
	size_t len;

	if (!vi->text || snprintf(key, sizeof(key), "%s(%s)", kind, name) >=
				 (int)sizeof(key))
		return false;
	v = vmcoreinfo_raw(vi, key, &len);
	return v && parse_num(v, len, strcmp(kind, "SYMBOL") ? 10 : 16, out);
}

static void copy_str(struct vmcoreinfo *vi, const char *key, char *dst,
		     size_t size)
{
	size_t len;
	const char *v = vmcoreinfo_raw(vi, key, &len);

	if (v && len < size) {
		memcpy(dst, v, len);
		dst[len] = '\0';
	}
}

static int parse_fixed(struct vmcoreinfo *vi)
{
	const char *v;
	size_t len;
	int64_t n;

	copy_str(vi, "OSRELEASE", vi->osrelease, sizeof(vi->osrelease));
	if (!vi->osrelease[0]) {
		msg("VMCOREINFO has no usable OSRELEASE");
		return -EINVAL;
	}
	v = vmcoreinfo_raw(vi, "PAGESIZE", &len);
	if (!v || !parse_num(v, len, 10, &n) || n <= 0) {
		msg("VMCOREINFO has no usable PAGESIZE");
		return -EINVAL;
	}
	vi->page_size = (uint64_t)n;
	v = vmcoreinfo_raw(vi, "KERNELOFFSET", &len);
	if (v && parse_num(v, len, 16, &n))
		vi->kerneloffset = (uint64_t)n;
	v = vmcoreinfo_raw(vi, "CRASHTIME", &len);
	if (v && parse_num(v, len, 10, &n)) {
		vi->crashtime = n;
		vi->has_crashtime = true;
	}
	copy_str(vi, "BUILD-ID", vi->build_id, sizeof(vi->build_id));
	return 0;
}

int vmcoreinfo_parse(struct vmcoreinfo *vi, const char *text, size_t len)
{
	static unsigned long serial;
	int err;

	memset(vi, 0, sizeof(*vi));
	/* The descriptor may be padded with NULs: the text ends there. */
	len = strnlen(text, len);
	vi->text = malloc(len + 1);
	if (!vi->text)
		return -ENOMEM;
	memcpy(vi->text, text, len);
	vi->text[len] = '\0';
	vi->size = len;
	err = parse_fixed(vi);
	vi->serial = ++serial;
	if (err)
		vmcoreinfo_free(vi);
	return err;
}

void vmcoreinfo_free(struct vmcoreinfo *vi)
{
	free(vi->text);
	vi->text = NULL;
	vi->size = 0;
}
