/* SPDX-License-Identifier: MIT */
#include "flat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int flat_emit(struct flat *fl, const void *buf, size_t len)
{
	if (fl->err)
		return fl->err;
	fl->err = fl->write(fl->wctx, buf, len);
	return fl->err;
}

static int flat_flush(struct flat *fl)
{
	uint8_t rec[16];
	int err;

	if (!fl->len)
		return fl->err;
	put_be64(rec, fl->off);
	put_be64(rec + 8, fl->len);
	err = flat_emit(fl, rec, sizeof(rec));
	if (!err)
		err = flat_emit(fl, fl->buf, fl->len);
	fl->len = 0;
	return err;
}

static int flat_pwrite(struct sink *s, const void *buf, size_t len,
		       uint64_t off)
{
	struct flat *fl = s->ctx;
	const uint8_t *p = buf;
	int err;

	if (off > INT64_MAX - len)
		return -EFBIG;
	while (len) {
		size_t n;

		if (fl->len &&
		    (fl->off + fl->len != off || fl->len == FLAT_BUF)) {
			err = flat_flush(fl);
			if (err)
				return err;
		}
		if (!fl->len)
			fl->off = off;
		n = FLAT_BUF - fl->len;
		if (n > len)
			n = len;
		memcpy(fl->buf + fl->len, p, n);
		fl->len += n;
		p += n;
		off += n;
		len -= n;
	}
	return fl->err;
}

static int flat_sync(struct sink *s)
{
	return flat_flush(s->ctx);
}

int flat_write_fd(void *ctx, const void *buf, size_t len)
{
	return write_all(*(int *)ctx, buf, len);
}

int flat_init(struct flat *fl, struct sink *s, flat_write_fn fn, void *ctx)
{
	uint8_t *hdr;
	int err;

	memset(fl, 0, sizeof(*fl));
	fl->write = fn;
	fl->wctx = ctx;
	fl->buf = malloc(FLAT_BUF);
	hdr = calloc(1, FLAT_HEADER_SIZE);
	if (!fl->buf || !hdr) {
		free(hdr);
		flat_free(fl);
		return -ENOMEM;
	}
	memcpy(hdr, FLAT_SIGNATURE, strlen(FLAT_SIGNATURE));
	put_be64(hdr + 16, 1); /* type: flat header */
	put_be64(hdr + 24, 1); /* version */
	err = flat_emit(fl, hdr, FLAT_HEADER_SIZE);
	free(hdr);
	s->pwrite = flat_pwrite;
	s->sync = flat_sync;
	s->ctx = fl;
	s->positioned = false;
	return err;
}

int flat_finish(struct flat *fl)
{
	uint8_t end[16];
	int err = flat_flush(fl);

	if (err)
		return err;
	memset(end, 0xff, sizeof(end));
	return flat_emit(fl, end, sizeof(end));
}

void flat_free(struct flat *fl)
{
	free(fl->buf);
	fl->buf = NULL;
}
