/* SPDX-License-Identifier: MIT */
#include "kdump_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "flat.h"
#include "util.h"

#define MAX_RECS (1u << 24)

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int bad(const struct kdump_file *kf, const char *why)
{
	msg("%s is not a valid kdump-compressed file: %s", kf->path, why);
	return -EINVAL;
}

/* Read the rebuilt file's bytes [off, off+len): later records win. */
static int kf_pread(struct kdump_file *kf, void *buf, size_t len, uint64_t off)
{
	if (off > kf->size || len > kf->size - off)
		return -EIO;
	if (!kf->flat)
		return pread_all(kf->fd, buf, len, (off_t)off);
	memset(buf, 0, len);
	for (size_t i = 0; i < kf->nrecs; i++) {
		const struct flat_rec *r = &kf->recs[i];
		uint64_t a = off > r->off ? off : r->off;
		uint64_t b = off + len < r->off + r->size ? off + len
							  : r->off + r->size;
		int err;

		if (a >= b)
			continue;
		err = pread_all(kf->fd, (uint8_t *)buf + (a - off), b - a,
				(off_t)(r->pos + (a - r->off)));
		if (err)
			return err;
	}
	return 0;
}

static int flat_index(struct kdump_file *kf, uint64_t file_size)
{
	uint64_t pos = FLAT_HEADER_SIZE;
	uint8_t rec[16];

	while (pos + sizeof(rec) <= file_size) {
		int64_t off, size;
		struct flat_rec *r;

		if (pread_all(kf->fd, rec, sizeof(rec), (off_t)pos))
			return bad(kf, "cannot read a flattened record");
		off = (int64_t)get_be64(rec);
		size = (int64_t)get_be64(rec + 8);
		if (off == -1) {
			kf->flat_ended = true;
			return 0;
		}
		pos += sizeof(rec);
		if (off < 0 || size <= 0 ||
		    (uint64_t)off > INT64_MAX - (uint64_t)size)
			return bad(kf, "bad flattened record");
		/* A stream cut inside a record (a transfer that broke off):
		 * its bytes that arrived are usable, and no end marker
		 * follows, so the dump reads as incomplete. */
		if ((uint64_t)size > file_size - pos)
			size = (int64_t)(file_size - pos);
		if (!size)
			return 0;
		if (kf->nrecs == MAX_RECS)
			return bad(kf, "too many flattened records");
		if (!(kf->nrecs & 1023)) {
			r = realloc(kf->recs,
				    (kf->nrecs + 1024) * sizeof(*kf->recs));
			if (!r)
				return -ENOMEM;
			kf->recs = r;
		}
		kf->recs[kf->nrecs++] =
			(struct flat_rec){(uint64_t)off, (uint64_t)size, pos};
		if ((uint64_t)(off + size) > kf->size)
			kf->size = (uint64_t)(off + size);
		kf->data += (uint64_t)size;
		pos += (uint64_t)size;
	}
	return 0; /* truncated stream: what is there is usable */
}

static int read_header(struct kdump_file *kf)
{
	uint8_t hdr[KH_SIZE], sub[KSH_SIZE];
	const char *why;
	uint32_t bs;

	if (kf_pread(kf, hdr, sizeof(hdr), 0))
		return bad(kf, "shorter than a header");
	if (memcmp(hdr, KDUMP_SIGNATURE, 8))
		return bad(kf, "no \"KDUMP   \" signature");
	bs = get_le32(hdr + 428); /* block_size: where the sub header is */
	if (bs < 512 || bs > 65536)
		return bad(kf, "block_size is not a page size");
	if (kf_pread(kf, sub, sizeof(sub), bs))
		return bad(kf, "shorter than its sub header");
	if (kdump_hdr_decode(&kf->h, hdr, sub, &why))
		return bad(kf, why);
	return 0;
}

static int read_bitmaps(struct kdump_file *kf)
{
	uint64_t bs = kf->h.block_size;
	uint64_t one = (uint64_t)kf->h.bitmap_blocks / 2 * bs;
	uint64_t off1 = (1 + (uint64_t)kf->h.sub_hdr_size) * bs;
	uint64_t n = (kf->h.max_mapnr + 7) / 8, blocks = (n + 63) / 64;
	uint8_t *bmp1;
	int err;

	kf->desc_off = off1 + 2 * one;
	if (kf->desc_off > kf->size)
		return bad(kf, "bitmaps beyond the end of the file");
	/* A flattened stream may place them anywhere: they must still be
	 * there, not a hole that a made-up max_mapnr asks us to allocate. */
	if (2 * n > kf->data)
		return bad(kf, "max_mapnr asks for bitmaps larger than the "
			       "data in the file");
	bmp1 = malloc(n ? n : 1);
	kf->bmp2 = calloc(blocks * 64 + 8, 1);
	kf->rank = calloc(blocks + 1, sizeof(*kf->rank));
	if (!bmp1 || !kf->bmp2 || !kf->rank) {
		free(bmp1);
		return -ENOMEM;
	}
	err = kf_pread(kf, bmp1, n, off1);
	if (!err)
		err = kf_pread(kf, kf->bmp2, n, off1 + one);
	if (err) {
		free(bmp1);
		return bad(kf, "cannot read the bitmaps");
	}
	for (uint64_t i = 0; i < n; i++)
		kf->pages_present += (uint64_t)__builtin_popcount(bmp1[i]);
	free(bmp1);
	if (kf->h.max_mapnr & 7) /* bits past max_mapnr are not pages */
		kf->bmp2[n - 1] &= (uint8_t)((1u << (kf->h.max_mapnr & 7)) - 1);
	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t c = 0;

		for (uint64_t i = b * 64; i < b * 64 + 64; i++)
			c += (uint64_t)__builtin_popcount(kf->bmp2[i]);
		kf->rank[b + 1] = kf->rank[b] + c;
	}
	kf->pages_dumped = kf->rank[blocks];
	if (kf->pages_dumped > (kf->size - kf->desc_off) / KDESC_SIZE &&
	    !(kf->h.status & KDUMP_INCOMPLETE))
		return bad(kf, "page descriptors beyond the end of the file");
	return 0;
}

static int read_notes(struct kdump_file *kf)
{
	const struct kdump_hdr *h = &kf->h;
	uint64_t end = (1 + (uint64_t)h->sub_hdr_size) * h->block_size;

	if (!h->size_vmcoreinfo)
		return 0;
	if (h->offset_vmcoreinfo > end || h->size_vmcoreinfo > (1u << 24) ||
	    h->size_vmcoreinfo > end - h->offset_vmcoreinfo)
		return bad(kf, "VMCOREINFO outside the sub header");
	kf->notes = malloc(h->size_vmcoreinfo);
	if (!kf->notes)
		return -ENOMEM;
	if (kf_pread(kf, kf->notes, h->size_vmcoreinfo, h->offset_vmcoreinfo))
		return bad(kf, "cannot read VMCOREINFO");
	kf->has_vi = !vmcoreinfo_parse(&kf->vi, (const char *)kf->notes,
				       h->size_vmcoreinfo);
	return 0;
}

bool kdump_probe(const char *path)
{
	char sig[12];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !pread_all(fd, sig, sizeof(sig), 0) &&
	     (!memcmp(sig, KDUMP_SIGNATURE, 8) ||
	      !memcmp(sig, FLAT_SIGNATURE, 12));
	close(fd);
	return ok;
}

int kdump_open(struct kdump_file *kf, const char *path)
{
	uint8_t sig[32];
	struct stat st;
	int err;

	memset(kf, 0, sizeof(*kf));
	kf->path = path;
	kf->fd = -1;
	kf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (kf->fd < 0 || fstat(kf->fd, &st)) {
		err = -errno;
		msg("cannot open %s: %s", path, strerror(errno));
		return err;
	}
	kf->size = (uint64_t)st.st_size;
	kf->data = kf->size;
	err = -ENOMEM;
	kf->dctx = ZSTD_createDCtx();
	if (!kf->dctx)
		goto err_close;
	if (!pread_all(kf->fd, sig, sizeof(sig), 0) &&
	    !memcmp(sig, FLAT_SIGNATURE, 13)) {
		if (get_be64(sig + 16) != 1 || get_be64(sig + 24) != 1) {
			err = bad(kf, "unknown flattened type or version");
			goto err_close;
		}
		kf->flat = true;
		kf->size = 0;
		kf->data = 0;
		err = flat_index(kf, (uint64_t)st.st_size);
		if (err)
			goto err_close;
	}
	err = read_header(kf);
	if (!err)
		err = read_bitmaps(kf);
	if (!err)
		err = read_notes(kf);
	if (!err) {
		kf->cbuf = malloc(kf->h.block_size);
		kf->page = malloc(kf->h.block_size);
		err = kf->cbuf && kf->page ? 0 : -ENOMEM;
	}
	if (!err)
		return 0;
err_close:
	kdump_close(kf);
	return err;
}

void kdump_close(struct kdump_file *kf)
{
	if (kf->has_vi)
		vmcoreinfo_free(&kf->vi);
	ZSTD_freeDCtx(kf->dctx);
	free(kf->cbuf);
	free(kf->page);
	free(kf->notes);
	free(kf->rank);
	free(kf->bmp2);
	free(kf->recs);
	if (kf->fd >= 0)
		close(kf->fd);
	memset(kf, 0, sizeof(*kf));
	kf->fd = -1;
}

int kdump_read_page(struct kdump_file *kf, uint64_t pfn, void *buf)
{
	uint64_t bs = kf->h.block_size, idx;
	uint8_t raw[KDESC_SIZE];
	struct kdump_desc d;
	size_t n;

	if (pfn >= kf->h.max_mapnr || !(kf->bmp2[pfn >> 3] & (1u << (pfn & 7))))
		return -ENOENT;
	idx = kf->rank[pfn / 512];
	for (uint64_t i = pfn / 512 * 64; i < pfn >> 3; i++)
		idx += (uint64_t)__builtin_popcount(kf->bmp2[i]);
	idx += (uint64_t)__builtin_popcount(kf->bmp2[pfn >> 3] &
					    ((1u << (pfn & 7)) - 1));
	if (kf_pread(kf, raw, sizeof(raw), kf->desc_off + idx * KDESC_SIZE))
		return -ENOENT; /* an incomplete dump's missing tail */
	kdump_desc_decode(&d, raw);
	if (d.size > bs || !d.size || d.offset > kf->size ||
	    d.size > kf->size - d.offset)
		return -EINVAL;
	if (!(d.flags & KDUMP_COMPRESSED))
		return d.size == bs ? kf_pread(kf, buf, bs, d.offset) : -EINVAL;
	if (!(d.flags & KDUMP_ZSTD))
		return -ENOTSUP;
	if (kf_pread(kf, kf->cbuf, d.size, d.offset))
		return -EIO;
	n = ZSTD_decompressDCtx(kf->dctx, buf, bs, kf->cbuf, d.size);
	return ZSTD_isError(n) || n != bs ? -EINVAL : 0;
}

static int kf_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct kdump_file *kf = ctx;
	uint64_t bs = kf->h.block_size;
	uint8_t *out = buf;

	while (len) {
		uint64_t in = paddr % bs;
		size_t n = bs - in < len ? bs - in : len;
		int err = kdump_read_page(kf, paddr / bs, kf->page);

		if (err)
			return err;
		memcpy(out, kf->page + in, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

void kdump_memsrc(struct kdump_file *kf, struct memsrc *ms)
{
	ms->read_phys = kf_read_phys;
	ms->ctx = kf;
	ms->vi = kf->has_vi ? &kf->vi : NULL;
	ms->size = kf->pages_dumped * kf->h.block_size;
}
