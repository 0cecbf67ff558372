/* SPDX-License-Identifier: MIT */
#include "kdump_fmt.h"

#include <errno.h>
#include <string.h>

/* disk_dump_header offsets (64-bit target: timeval is 8-byte aligned) */
enum {
	KH_SIG = 0,
	KH_VERSION = 8,
	KH_UTS = 12, /* 6 x 65: sysname nodename release version machine dom */
	KH_TV_SEC = 408,
	KH_TV_USEC = 416,
	KH_STATUS = 424,
	KH_BLOCK_SIZE = 428,
	KH_SUB_HDR_SIZE = 432,
	KH_BITMAP_BLOCKS = 436,
	KH_MAX_MAPNR = 440,
	KH_NR_CPUS = 460,
};

/* kdump_sub_header offsets */
enum {
	KSH_PHYS_BASE = 0,
	KSH_DUMP_LEVEL = 8,
	KSH_OFF_VMCOREINFO = 32,
	KSH_SIZE_VMCOREINFO = 40,
	KSH_OFF_NOTE = 48,
	KSH_SIZE_NOTE = 56,
	KSH_MAX_MAPNR_64 = 96,
};

void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_str(uint8_t *p, const char *s)
{
	size_t n = strnlen(s, 64);

	memcpy(p, s, n); /* the rest of the 65 bytes stays zero */
}

static void get_str(char *dst, const uint8_t *p)
{
	memcpy(dst, p, 64);
	dst[64] = '\0';
}

void kdump_hdr_encode(const struct kdump_hdr *h, uint8_t *hdr, uint8_t *sub)
{
	memset(hdr, 0, KH_SIZE);
	memcpy(hdr + KH_SIG, KDUMP_SIGNATURE, 8);
	put_le32(hdr + KH_VERSION, (uint32_t)h->header_version);
	put_str(hdr + KH_UTS + 0 * 65, h->sysname);
	put_str(hdr + KH_UTS + 1 * 65, h->nodename);
	put_str(hdr + KH_UTS + 2 * 65, h->release);
	put_str(hdr + KH_UTS + 3 * 65, h->version);
	put_str(hdr + KH_UTS + 4 * 65, h->machine);
	put_str(hdr + KH_UTS + 5 * 65, h->domainname);
	put_le64(hdr + KH_TV_SEC, (uint64_t)h->tv_sec);
	/* tv_usec stays 0: readers that first try the 32-bit layout then
	 * find an impossible block size there and use this one. */
	put_le32(hdr + KH_STATUS, h->status);
	put_le32(hdr + KH_BLOCK_SIZE, h->block_size);
	put_le32(hdr + KH_SUB_HDR_SIZE, h->sub_hdr_size);
	put_le32(hdr + KH_BITMAP_BLOCKS, h->bitmap_blocks);
	put_le32(hdr + KH_MAX_MAPNR, h->max_mapnr > UINT32_MAX
					     ? UINT32_MAX
					     : (uint32_t)h->max_mapnr);
	put_le32(hdr + KH_NR_CPUS, h->nr_cpus);

	memset(sub, 0, KSH_SIZE);
	put_le64(sub + KSH_PHYS_BASE, h->phys_base);
	put_le32(sub + KSH_DUMP_LEVEL, (uint32_t)h->dump_level);
	put_le64(sub + KSH_OFF_VMCOREINFO, h->offset_vmcoreinfo);
	put_le64(sub + KSH_SIZE_VMCOREINFO, h->size_vmcoreinfo);
	put_le64(sub + KSH_OFF_NOTE, h->offset_note);
	put_le64(sub + KSH_SIZE_NOTE, h->size_note);
	put_le64(sub + KSH_MAX_MAPNR_64, h->max_mapnr);
}

static int bad(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

int kdump_hdr_decode(struct kdump_hdr *h, const uint8_t *hdr,
		     const uint8_t *sub, const char **why)
{
	uint64_t bits;

	memset(h, 0, sizeof(*h));
	if (memcmp(hdr + KH_SIG, KDUMP_SIGNATURE, 8))
		return bad(why, "no \"KDUMP   \" signature");
	h->header_version = (int32_t)get_le32(hdr + KH_VERSION);
	if (h->header_version < 1 || h->header_version > 6)
		return bad(why, "unsupported header_version");
	get_str(h->sysname, hdr + KH_UTS);
	get_str(h->nodename, hdr + KH_UTS + 1 * 65);
	get_str(h->release, hdr + KH_UTS + 2 * 65);
	get_str(h->version, hdr + KH_UTS + 3 * 65);
	get_str(h->machine, hdr + KH_UTS + 4 * 65);
	get_str(h->domainname, hdr + KH_UTS + 5 * 65);
	h->tv_sec = (int64_t)get_le64(hdr + KH_TV_SEC);
	h->status = get_le32(hdr + KH_STATUS);
	h->block_size = get_le32(hdr + KH_BLOCK_SIZE);
	h->sub_hdr_size = get_le32(hdr + KH_SUB_HDR_SIZE);
	h->bitmap_blocks = get_le32(hdr + KH_BITMAP_BLOCKS);
	h->max_mapnr = get_le32(hdr + KH_MAX_MAPNR);
	h->nr_cpus = get_le32(hdr + KH_NR_CPUS);
	if (h->block_size < 512 || h->block_size > 65536 ||
	    (h->block_size & (h->block_size - 1)))
		return bad(why, "block_size is not a page size");
	if (h->sub_hdr_size < 1 || h->sub_hdr_size > (1u << 20))
		return bad(why, "bad sub_hdr_size");
	h->phys_base = get_le64(sub + KSH_PHYS_BASE);
	h->dump_level = (int32_t)get_le32(sub + KSH_DUMP_LEVEL);
	if (h->header_version >= 3) {
		h->offset_vmcoreinfo = get_le64(sub + KSH_OFF_VMCOREINFO);
		h->size_vmcoreinfo = get_le64(sub + KSH_SIZE_VMCOREINFO);
	}
	if (h->header_version >= 4) {
		h->offset_note = get_le64(sub + KSH_OFF_NOTE);
		h->size_note = get_le64(sub + KSH_SIZE_NOTE);
	}
	if (h->header_version >= 6)
		h->max_mapnr = get_le64(sub + KSH_MAX_MAPNR_64);
	/* Each of the two bitmaps must hold max_mapnr bits. */
	bits = (uint64_t)h->bitmap_blocks / 2 * h->block_size * 8;
	if (!h->bitmap_blocks || (h->bitmap_blocks & 1) || bits < h->max_mapnr)
		return bad(why, "bitmaps smaller than max_mapnr");
	return 0;
}

void kdump_desc_encode(const struct kdump_desc *d, uint8_t *p)
{
	put_le64(p, d->offset);
	put_le32(p + 8, d->size);
	put_le32(p + 12, d->flags);
	put_le64(p + 16, d->page_flags);
}

void kdump_desc_decode(struct kdump_desc *d, const uint8_t *p)
{
	d->offset = get_le64(p);
	d->size = get_le32(p + 8);
	d->flags = get_le32(p + 12);
	d->page_flags = get_le64(p + 16);
}
