/* SPDX-License-Identifier: MIT */
/* The kdump-compressed header encoding, the flattened encoder, and the
 * reader's handling of crafted bad files. Golden bytes are built from
 * the layout in makedumpfile's diskdump_mod.h for a 64-bit target. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "flat.h"
#include "kdump_fmt.h"
#include "kdump_read.h"

static struct kdump_hdr sample_hdr(void)
{
	struct kdump_hdr h = {
		.header_version = 6,
		.sysname = "Linux",
		.release = "6.1.0-13-amd64",
		.machine = "x86_64",
		.tv_sec = 0x123456789,
		.status = KDUMP_ZSTD | KDUMP_INCOMPLETE,
		.block_size = 4096,
		.sub_hdr_size = 2,
		.bitmap_blocks = 4,
		.nr_cpus = 3,
		.phys_base = 0x1000000,
		.dump_level = 31,
		.offset_vmcoreinfo = 0x1100,
		.size_vmcoreinfo = 0x800,
		.offset_note = 0x1068,
		.size_note = 0x1000,
		.max_mapnr = 0x10000,
	};
	return h;
}

static void test_header_golden(void)
{
	struct kdump_hdr h = sample_hdr();
	uint8_t hdr[KH_SIZE], sub[KSH_SIZE];

	kdump_hdr_encode(&h, hdr, sub);
	CHECK(!memcmp(hdr, "KDUMP   ", 8));
	CHECK_EQ_U(get_le32(hdr + 8), 6);
	CHECK(!memcmp(hdr + 12, "Linux", 6));		 /* sysname */
	CHECK_EQ_U(hdr + 77 < hdr + 142 && !hdr[77], 1); /* nodename empty */
	CHECK(!memcmp(hdr + 142, "6.1.0-13-amd64", 15)); /* release */
	CHECK(!memcmp(hdr + 272, "x86_64", 7));		 /* machine */
	CHECK_EQ_U(get_le64(hdr + 408), 0x123456789);	 /* tv_sec */
	CHECK_EQ_U(get_le64(hdr + 416), 0);		 /* tv_usec */
	CHECK_EQ_U(get_le32(hdr + 424), 0x28);		 /* status */
	CHECK_EQ_U(get_le32(hdr + 428), 4096);		 /* block_size */
	CHECK_EQ_U(get_le32(hdr + 432), 2);		 /* sub_hdr_size */
	CHECK_EQ_U(get_le32(hdr + 436), 4);		 /* bitmap_blocks */
	CHECK_EQ_U(get_le32(hdr + 440), 0x10000);	 /* max_mapnr */
	CHECK_EQ_U(get_le32(hdr + 460), 3);		 /* nr_cpus */
	CHECK_EQ_U(hdr[409], 0x67);			 /* little-endian */
	CHECK_EQ_U(get_le64(sub + 0), 0x1000000);	 /* phys_base */
	CHECK_EQ_U(get_le32(sub + 8), 31);		 /* dump_level */
	CHECK_EQ_U(get_le32(sub + 12), 0);		 /* split */
	CHECK_EQ_U(get_le64(sub + 32), 0x1100);		 /* offset_vmcoreinfo */
	CHECK_EQ_U(get_le64(sub + 40), 0x800);
	CHECK_EQ_U(get_le64(sub + 48), 0x1068); /* offset_note */
	CHECK_EQ_U(get_le64(sub + 56), 0x1000);
	CHECK_EQ_U(get_le64(sub + 96), 0x10000); /* max_mapnr_64 */
}

static void test_header_big_mapnr(void)
{
	struct kdump_hdr h = sample_hdr(), d;
	uint8_t hdr[KH_SIZE], sub[KSH_SIZE];
	const char *why = NULL;

	h.max_mapnr = 0x123456789ull; /* > 32 bits: 4.6 TiB of 4K pages */
	h.bitmap_blocks = (uint32_t)(2 * ((h.max_mapnr + 32767) / 32768));
	kdump_hdr_encode(&h, hdr, sub);
	CHECK_EQ_U(get_le32(hdr + 440), 0xffffffffu);
	CHECK_EQ_U(kdump_hdr_decode(&d, hdr, sub, &why), 0);
	CHECK_EQ_U(d.max_mapnr, 0x123456789ull);
	CHECK_STR(d.release, "6.1.0-13-amd64");
	CHECK_EQ_U(d.tv_sec, 0x123456789);
	CHECK_EQ_U(d.status, 0x28);
	CHECK_EQ_U(d.offset_note, 0x1068);
}

static void test_header_bad(void)
{
	struct kdump_hdr h = sample_hdr(), d;
	uint8_t hdr[KH_SIZE], sub[KSH_SIZE];
	const char *why = NULL;

	kdump_hdr_encode(&h, hdr, sub);
	hdr[0] = 'X';
	CHECK(kdump_hdr_decode(&d, hdr, sub, &why) == -EINVAL);
	CHECK(why && strstr(why, "signature"));
	kdump_hdr_encode(&h, hdr, sub);
	put_le32(hdr + 8, 7);
	CHECK(kdump_hdr_decode(&d, hdr, sub, &why) == -EINVAL);
	kdump_hdr_encode(&h, hdr, sub);
	put_le32(hdr + 428, 3000);
	CHECK(kdump_hdr_decode(&d, hdr, sub, &why) == -EINVAL);
	h.bitmap_blocks = 2; /* 1 block each: 32768 pfns < 0x10000 */
	kdump_hdr_encode(&h, hdr, sub);
	CHECK(kdump_hdr_decode(&d, hdr, sub, &why) == -EINVAL);
	CHECK(why && strstr(why, "bitmap"));
}

/* A flat_write_fn collecting the stream in memory. */
struct mem {
	uint8_t *p;
	size_t len, fail_after;
};

static int mem_write(void *ctx, const void *buf, size_t len)
{
	struct mem *m = ctx;

	if (m->fail_after && m->len + len > m->fail_after)
		return -ENOSPC;
	m->p = realloc(m->p, m->len + len);
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return 0;
}

static const uint8_t *rec_at(const uint8_t *p, uint64_t off, uint64_t size)
{
	for (int i = 0; i < 8; i++) {
		if (p[i] != (uint8_t)(off >> (56 - 8 * i)) ||
		    p[8 + i] != (uint8_t)(size >> (56 - 8 * i)))
			return NULL;
	}
	return p + 16;
}

static void test_flat_golden(void)
{
	struct mem m = {0};
	struct flat fl;
	struct sink s;
	const uint8_t *p;

	CHECK_EQ_U(flat_init(&fl, &s, mem_write, &m), 0);
	CHECK_EQ_U(sink_pwrite(&s, "abc", 3, 0), 0);
	CHECK_EQ_U(sink_pwrite(&s, "de", 2, 3), 0); /* contiguous: merged */
	CHECK_EQ_U(sink_pwrite(&s, "x", 1, 100), 0);
	CHECK_EQ_U(sink_pwrite(&s, "Y", 1, 0), 0); /* rewrite: new record */
	CHECK_EQ_U(flat_finish(&fl), 0);
	flat_free(&fl);
	CHECK_EQ_U(m.len, 4096 + 16 + 5 + 16 + 1 + 16 + 1 + 16);
	CHECK(!memcmp(m.p, "makedumpfile\0\0\0\0", 16));
	CHECK(rec_at(m.p + 16, 1, 1)); /* type 1, version 1, big-endian */
	for (size_t i = 32; i < 4096; i++)
		CHECK(!m.p[i]);
	p = rec_at(m.p + 4096, 0, 5);
	CHECK(p && !memcmp(p, "abcde", 5));
	p = rec_at(m.p + 4096 + 21, 100, 1);
	CHECK(p && *p == 'x');
	p = rec_at(m.p + 4096 + 38, 0, 1);
	CHECK(p && *p == 'Y');
	CHECK(rec_at(m.p + 4096 + 55, UINT64_MAX, UINT64_MAX));
	free(m.p);
}

static void test_flat_split_and_error(void)
{
	struct mem m = {0};
	struct flat fl;
	struct sink s;
	uint8_t *big = calloc(1, FLAT_BUF + 10);

	CHECK_EQ_U(flat_init(&fl, &s, mem_write, &m), 0);
	CHECK_EQ_U(sink_pwrite(&s, big, FLAT_BUF + 10, 4096), 0);
	CHECK_EQ_U(flat_finish(&fl), 0);
	flat_free(&fl);
	CHECK(rec_at(m.p + 4096, 4096, FLAT_BUF));
	CHECK(rec_at(m.p + 4096 + 16 + FLAT_BUF, 4096 + FLAT_BUF, 10));
	free(m.p);

	/* A failing stream makes every later write fail too. */
	m = (struct mem){.fail_after = 5000};
	CHECK_EQ_U(flat_init(&fl, &s, mem_write, &m), 0);
	CHECK_EQ_U(sink_pwrite(&s, big, 2000, 0), 0); /* buffered */
	CHECK(sink_pwrite(&s, "z", 1, 9000) == -ENOSPC);
	CHECK(flat_finish(&fl) == -ENOSPC);
	flat_free(&fl);
	free(m.p);
	free(big);
}

/* Write a minimal kdump file: header, sub header, bitmaps for 64 pfns
 * with pfn 3 dumped, one desc, one raw page. */
static void write_file(const char *path, uint32_t bitmap_blocks,
		       uint64_t desc_off_data, size_t truncate_to)
{
	struct kdump_hdr h = {.header_version = 6,
			      .block_size = 4096,
			      .sub_hdr_size = 1,
			      .max_mapnr = 64,
			      .bitmap_blocks = bitmap_blocks};
	static uint8_t f[6 * 4096 + 4096];
	struct kdump_desc d = {.offset = desc_off_data, .size = 4096};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	memset(f, 0, sizeof(f));
	kdump_hdr_encode(&h, f, f + 4096);
	f[2 * 4096] = 0xff; /* 1st bitmap: pfns 0..7 */
	f[3 * 4096] = 0x08; /* 2nd bitmap: pfn 3 */
	kdump_desc_encode(&d, f + 4 * 4096);
	memset(f + 5 * 4096, 0xab, 4096);
	CHECK_EQ_U(write(fd, f, truncate_to ? truncate_to : 6 * 4096),
		   truncate_to ? truncate_to : 6 * 4096);
	close(fd);
}

static void test_read_crafted(void)
{
	char path[] = "/tmp/kdi-kfmt-XXXXXX";
	int fd = mkstemp(path);
	struct kdump_file kf;
	uint8_t page[4096];

	close(fd);
	write_file(path, 2, 5 * 4096, 0);
	CHECK_EQ_U(kdump_open(&kf, path), 0);
	CHECK_EQ_U(kf.pages_present, 8);
	CHECK_EQ_U(kf.pages_dumped, 1);
	CHECK_EQ_U(kdump_read_page(&kf, 3, page), 0);
	CHECK_EQ_U(page[100], 0xab);
	CHECK(kdump_read_page(&kf, 2, page) == -ENOENT);
	CHECK(kdump_read_page(&kf, 64, page) == -ENOENT);
	kdump_close(&kf);

	write_file(path, 2, 5 * 4096 + 100, 0); /* data past the end */
	CHECK_EQ_U(kdump_open(&kf, path), 0);
	CHECK(kdump_read_page(&kf, 3, page) == -EINVAL);
	kdump_close(&kf);

	write_file(path, 0, 5 * 4096, 0); /* no bitmap */
	CHECK(kdump_open(&kf, path) == -EINVAL);
	write_file(path, 2000, 5 * 4096, 0); /* bitmaps past the end */
	CHECK(kdump_open(&kf, path) == -EINVAL);
	write_file(path, 2, 5 * 4096, 300); /* truncated header */
	CHECK(kdump_open(&kf, path) == -EINVAL);
	write_file(path, 2, 5 * 4096, 4096 + 50); /* truncated sub header */
	CHECK(kdump_open(&kf, path) == -EINVAL);
	unlink(path);
}

static void test_read_flat_bad(void)
{
	char path[] = "/tmp/kdi-kfmt-XXXXXX";
	int fd = mkstemp(path);
	uint8_t hdr[4096] = "makedumpfile";
	uint8_t rec[16];
	struct kdump_file kf;

	hdr[23] = 1;
	hdr[31] = 1;
	memset(rec, 0xff, 8); /* offset -1 ... */
	memset(rec + 8, 0, 8);
	rec[15] = 5; /* ... is the end marker; now a negative size: */
	CHECK_EQ_U(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	memset(rec, 0, 8);
	memset(rec + 8, 0xfe, 8);
	CHECK_EQ_U(write(fd, rec, sizeof(rec)), sizeof(rec));
	close(fd);
	CHECK(kdump_open(&kf, path) == -EINVAL);
	hdr[23] = 2; /* unknown type */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_EQ_U(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	close(fd);
	CHECK(kdump_open(&kf, path) == -EINVAL);
	unlink(path);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * A 12 KB flattened stream whose header claims 2^33 pfns (1 GiB of
 * bitmaps each) and whose one other record sits at 2^32: the bitmaps
 * would be a hole. Refused at once, without allocating them.
 */
static void test_read_flat_huge(void)
{
	char path[] = "/tmp/kdi-kfmt-XXXXXX";
	int fd = mkstemp(path);
	struct kdump_hdr h = {.header_version = 6,
			      .block_size = 4096,
			      .sub_hdr_size = 1,
			      .max_mapnr = 1ull << 33};
	static uint8_t f[4096 + 16 + 8192 + 16 + 1 + 16];
	uint8_t *p = f + 4096;
	struct kdump_file kf;

	h.bitmap_blocks = (uint32_t)(2 * ((h.max_mapnr + 32767) / 32768));
	memcpy(f, "makedumpfile", 12);
	f[23] = 1;
	f[31] = 1;
	put_be64(p, 0);
	put_be64(p + 8, 8192);
	kdump_hdr_encode(&h, p + 16, p + 16 + 4096);
	p += 16 + 8192;
	put_be64(p, 1ull << 32);
	put_be64(p + 8, 1);
	p += 17;
	memset(p, 0xff, 8); /* end marker */
	memset(p + 8, 0, 8);
	CHECK_EQ_U(write(fd, f, sizeof(f)), sizeof(f));
	close(fd);
	CHECK(kdump_open(&kf, path) == -EINVAL);
	unlink(path);
}

int main(void)
{
	RUN(test_header_golden);
	RUN(test_header_big_mapnr);
	RUN(test_header_bad);
	RUN(test_flat_golden);
	RUN(test_flat_split_and_error);
	RUN(test_read_crafted);
	RUN(test_read_flat_bad);
	RUN(test_read_flat_huge);
	CHECK_EXIT();
}
