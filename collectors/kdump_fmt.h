/* SPDX-License-Identifier: MIT */
/*
 * The kdump-compressed format's fixed-layout records, as 64-bit
 * little-endian targets (x86_64) lay them out, encoded field by field:
 * the C structs of makedumpfile depend on the sizes of long and time_t.
 *
 * Block 0: disk_dump_header (KH_SIZE bytes). Block 1: kdump_sub_header
 * (KSH_SIZE bytes) followed by the ELF notes. Then the 1st bitmap (pfns
 * present) and the 2nd (pfns dumped), then one page_desc per set bit of
 * the 2nd bitmap, in pfn order, then page data.
 */
#ifndef KDI_KDUMP_FMT_H
#define KDI_KDUMP_FMT_H

#include <stddef.h>
#include <stdint.h>

#define KDUMP_SIGNATURE "KDUMP   "
#define KDUMP_HEADER_VERSION 6
#define KH_SIZE 464  /* disk_dump_header on a 64-bit target */
#define KSH_SIZE 104 /* kdump_sub_header, version 6 */
#define KDESC_SIZE 24

/* status (header) and flags (page_desc) bits */
#define KDUMP_ZLIB 0x1
#define KDUMP_LZO 0x2
#define KDUMP_SNAPPY 0x4
#define KDUMP_INCOMPLETE 0x8
#define KDUMP_ZSTD 0x20
#define KDUMP_COMPRESSED (KDUMP_ZLIB | KDUMP_LZO | KDUMP_SNAPPY | KDUMP_ZSTD)

struct kdump_hdr {
	int32_t header_version;
	char sysname[65], nodename[65], release[65], version[65];
	char machine[65], domainname[65];
	int64_t tv_sec;
	uint32_t status;
	uint32_t block_size;
	uint32_t sub_hdr_size;	/* blocks */
	uint32_t bitmap_blocks; /* both bitmaps */
	uint32_t nr_cpus;
	/* sub header */
	uint64_t phys_base;
	int32_t dump_level;
	uint64_t offset_vmcoreinfo, size_vmcoreinfo;
	uint64_t offset_note, size_note;
	uint64_t max_mapnr; /* max_mapnr_64; the 32-bit field is clamped */
};

struct kdump_desc {
	uint64_t offset;
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
};

/* Encode into @hdr (KH_SIZE bytes) and @sub (KSH_SIZE bytes). */
void kdump_hdr_encode(const struct kdump_hdr *h, uint8_t *hdr, uint8_t *sub);

/*
 * Decode and check a header: signature, version 1..6 with a sub header,
 * block size a power of two in 512..64K, bitmaps large enough for
 * max_mapnr. @return 0 or -EINVAL, with a reason in @why.
 */
int kdump_hdr_decode(struct kdump_hdr *h, const uint8_t *hdr,
		     const uint8_t *sub, const char **why);

void kdump_desc_encode(const struct kdump_desc *d, uint8_t *p);
void kdump_desc_decode(struct kdump_desc *d, const uint8_t *p);

void put_le32(uint8_t *p, uint32_t v);
void put_le64(uint8_t *p, uint64_t v);
uint32_t get_le32(const uint8_t *p);
uint64_t get_le64(const uint8_t *p);

#endif
