/* SPDX-License-Identifier: MIT */
/*
 * x86_64 translation and kernel log extraction on a synthetic machine:
 * physical memory in an array, page tables built by the test (4 and 5
 * levels, 4 KiB, 2 MiB and 1 GiB pages), a printk ring buffer and a
 * legacy log_buf laid out with offsets that only VMCOREINFO tells.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "check.h"
#include "dmesg.h"
#include "util.h"
#include "vmcoreinfo.h"

#define PS 4096ull
#define NPAGES 64
#define PHYS0 0x200000ull /* where the memory array starts */
#define PHYS_BASE 0x200000ull
#define KMAP 0xffffffff80000000ull
#define DMAP 0xffff888000000000ull /* direct map, through a 2 MiB page */
#define GMAP 0xffffc90000000000ull /* 1 GiB page over the same memory */

static uint8_t mem[NPAGES * PS];
static unsigned int next_table;
static bool l5;

static int mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	if (pa < PHYS0 || pa - PHYS0 > sizeof(mem) ||
	    len > sizeof(mem) - (pa - PHYS0))
		return -ENOENT;
	memcpy(buf, mem + (pa - PHYS0), len);
	return 0;
}

static uint64_t *entry(uint64_t table_pa, uint64_t vaddr, int lvl)
{
	unsigned int idx = (vaddr >> (12 + 9 * (lvl - 1))) & 511;

	return (uint64_t *)(mem + (table_pa - PHYS0)) + idx;
}

/* Map @vaddr to @pa with an entry at level @leaf (1: 4K, 2: 2M, 3: 1G). */
static void map(uint64_t vaddr, uint64_t pa, int leaf)
{
	uint64_t table = PHYS0 + PS; /* page 1: the top table */

	for (int lvl = l5 ? 5 : 4; lvl > leaf; lvl--) {
		uint64_t *e = entry(table, vaddr, lvl);

		if (!*e)
			*e = (PHYS0 + next_table++ * PS) | 0x63;
		table = *e & 0x000ffffffffff000ull;
	}
	*entry(table, vaddr, leaf) = pa | 0x63 | (leaf > 1 ? 0x80 : 0);
}

static char vi_text[4096];

static void machine(bool five, const char *extra, struct vmcoreinfo *vi,
		    struct memsrc *ms)
{
	memset(mem, 0, sizeof(mem));
	l5 = five;
	next_table = 2;
	/* kernel image: KMAP + x -> PHYS_BASE + x */
	for (uint64_t i = 0; i < NPAGES; i++)
		map(KMAP + i * PS, PHYS_BASE + i * PS, 1);
	map(DMAP + PHYS0, PHYS0, 2);
	map(GMAP, 0, 3);
	snprintf(vi_text, sizeof(vi_text),
		 "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
		 "SYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=%llu\n"
		 "NUMBER(pgtable_l5_enabled)=%d\n%s",
		 KMAP + PS, PHYS_BASE, five, extra);
	CHECK_EQ_U(vmcoreinfo_parse(vi, vi_text, strlen(vi_text)), 0);
	ms->read_phys = mem_read;
	ms->ctx = NULL;
	ms->vi = vi;
	ms->size = sizeof(mem);
}

static void check_translation(bool five)
{
	struct vmcoreinfo vi;
	struct memsrc ms;
	uint64_t pa = 0;
	uint8_t a[16], b[16];

	machine(five, "", &vi, &ms);
	CHECK_EQ_U(arch_vtop(&ms, KMAP + 40 * PS + 123, &pa), 0);
	CHECK_EQ_U(pa, PHYS_BASE + 40 * PS + 123);
	CHECK_EQ_U(arch_vtop(&ms, DMAP + PHYS0 + 5 * PS + 7, &pa), 0);
	CHECK_EQ_U(pa, PHYS0 + 5 * PS + 7);
	CHECK_EQ_U(arch_vtop(&ms, GMAP + 0x3fffffff, &pa), 0);
	CHECK_EQ_U(pa, 0x3fffffff);
	CHECK_EQ_U(arch_vtop(&ms, KMAP + NPAGES * PS, &pa), -EFAULT);
	CHECK_EQ_U(arch_vtop(&ms, 0xffff900000000000ull, &pa), -EFAULT);
	/* a read across pages of different mappings */
	memcpy(mem + 9 * PS - 8, "0123456789abcdef", 16);
	CHECK_EQ_U(memsrc_read_virt(&ms, KMAP + 9 * PS - PHYS_BASE + PHYS0 - 8,
				    a, 16),
		   0);
	CHECK_EQ_U(memsrc_read_virt(&ms, GMAP + PHYS0 + 9 * PS - 8, b, 16), 0);
	CHECK(!memcmp(a, "0123456789abcdef", 16) && !memcmp(a, b, 16));
	/* beyond the memory: the translation works, the read does not */
	CHECK_EQ_U(memsrc_read_virt(&ms, DMAP + PHYS0 + 0x100000, a, 8),
		   -ENOENT);
	vmcoreinfo_free(&vi);
}

static void test_translate_4level(void)
{
	check_translation(false);
}

static void test_translate_5level(void)
{
	check_translation(true);
}

/* Ring layout for the test: not the kernel's, so that only VMCOREINFO
 * can say where things are. */
static const char prb_info[] =
	"SYMBOL(prb)=ffffffff80010000\n"
	"SIZE(printk_ringbuffer)=128\n"
	"OFFSET(printk_ringbuffer.desc_ring)=16\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=80\n"
	"OFFSET(prb_desc_ring.count_bits)=4\nOFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=32\n"
	"OFFSET(prb_desc_ring.tail_id)=48\n"
	"SIZE(prb_desc)=32\nOFFSET(prb_desc.state_var)=8\n"
	"OFFSET(prb_desc.text_blk_lpos)=16\n"
	"OFFSET(prb_data_blk_lpos.begin)=8\nOFFSET(prb_data_blk_lpos.next)=0\n"
	"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
	"SIZE(printk_info)=64\nOFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=16\nOFFSET(printk_info.text_len)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n";

/* kernel virtual addresses of the ring's parts */
#define PRB_PTR 0xffffffff80010000ull
#define PRB 0xffffffff80010100ull
#define DESCS 0xffffffff80011000ull
#define INFOS 0xffffffff80012000ull
#define TEXT (DMAP + PHYS0 + 0x20000) /* the log buffer: direct map */

static void *kv(uint64_t vaddr)
{
	if (vaddr >= DMAP && vaddr < DMAP + PHYS0 + (1ull << 21))
		return mem + (vaddr - DMAP - PHYS0);
	return mem + (vaddr - KMAP + PHYS_BASE - PHYS0);
}

static void put64(uint64_t vaddr, uint64_t v)
{
	memcpy(kv(vaddr), &v, 8);
}

#define RING 512

static void record(uint64_t id, uint64_t state_id, uint64_t state,
		   uint64_t begin, uint64_t next, uint64_t ts, const char *text,
		   uint16_t text_len)
{
	uint64_t d = DESCS + (id % 8) * 32, i = INFOS + (id % 8) * 64;

	put64(d + 8, state << 62 | state_id);
	put64(d + 16 + 8, begin);
	put64(d + 16, next);
	put64(i + 16, ts);
	memcpy(kv(i + 8), &text_len, 2);
	if (text) {
		uint64_t at = begin % RING > next % RING ? 0 : begin % RING;

		put64(TEXT + at, id);
		memcpy(kv(TEXT + at + 8), text, strlen(text));
	}
}

static void build_ring(void)
{
	uint8_t *rb = kv(PRB);

	put64(PRB_PTR, PRB);
	rb[16 + 4] = 3; /* 8 descriptors */
	put64(PRB + 16 + 8, DESCS);
	put64(PRB + 16 + 16, INFOS);
	put64(PRB + 16 + 32, 20); /* head */
	put64(PRB + 16 + 48, 13); /* tail */
	rb[80] = 9;		  /* 512 bytes of text */
	put64(PRB + 80 + 8, TEXT);
	/* ids 13..20: lpos values carry ring wraps in their high bits */
	record(13, 13, 2, 2 * RING + 200, 2 * RING + 232, 0,
	       "Linux version 6.1", 17);
	record(14, 14, 3, 2 * RING + 232, 2 * RING + 264, 5, "reusable", 8);
	record(15, 15, 2, 2 * RING + 264, 2 * RING + 296, 1500000000,
	       "line one\nline two", 17);
	record(16, 16, 2, 2 * RING + 296, 2 * RING + 296, 7, NULL, 0);
	record(17, 17, 2, 2 * RING + 296, 2 * RING + 328, 2000001999,
	       "a\001b\303\tc\r\177", 8);
	record(18, 18, 2, 2 * RING + 480, 3 * RING + 40, 3000000000,
	       "wrapped block here", 18);
	record(19, 11, 2, 3 * RING + 40, 3 * RING + 80, 4, "stale id", 8);
	record(20, 20, 1, 3 * RING + 80, 3 * RING + 104, 123456789012345ull,
	       "cut short here", 100);
}

static const char prb_expect[] = "[    0.000000] Linux version 6.1\n"
				 "[    1.500000] line one\n"
				 "               line two\n"
				 "[    2.000001] a\\x01b\\xffffffc3\tc\r\\x7f\n"
				 "[    3.000000] wrapped block here\n"
				 "[123456.789012] cut short here\\x00\\x00\n";

static int run_dmesg(const struct memsrc *ms, char *out, size_t size,
		     size_t *len)
{
	FILE *f = tmpfile();
	int err = dmesg_write(ms, fileno(f), 0);

	rewind(f);
	*len = fread(out, 1, size, f);
	fclose(f);
	return err;
}

static void test_prb(void)
{
	struct vmcoreinfo vi;
	struct memsrc ms;
	char out[4096];
	size_t len;

	machine(false, prb_info, &vi, &ms);
	build_ring();
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), 0);
	CHECK_EQ_U(len, sizeof(prb_expect) - 1);
	CHECK(!memcmp(out, prb_expect, sizeof(prb_expect) - 1));
	vmcoreinfo_free(&vi);
}

static void test_prb_missing_entry(void)
{
	struct vmcoreinfo vi;
	struct memsrc ms;
	char out[64], info[sizeof(prb_info)];
	size_t len;

	memcpy(info, prb_info, sizeof(info));
	memcpy(strstr(info, "state_var"), "state_vax", 9);
	machine(false, info, &vi, &ms);
	build_ring();
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -ENOENT);
	CHECK_EQ_U(len, 0);
	vmcoreinfo_free(&vi);
}

static void test_prb_corrupt(void)
{
	struct vmcoreinfo vi;
	struct memsrc ms;
	char out[64];
	size_t len;

	machine(false, prb_info, &vi, &ms);
	build_ring();
	((uint8_t *)kv(PRB))[80] = 60; /* 2^60 bytes of text */
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
	build_ring();
	put64(PRB + 80 + 8, DMAP + 0x1000000); /* text not mapped */
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EFAULT);
	build_ring();
	put64(PRB + 80 + 8, DMAP + PHYS0 + 0x100000); /* not in the dump */
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -ENOENT);
	vmcoreinfo_free(&vi);
}

/* @base with the value of entry @key ("OFFSET(x.y)") replaced by @val. */
static void with_entry(char *out, size_t size, const char *base,
		       const char *key, const char *val)
{
	const char *at = strstr(base, key), *eol;

	CHECK(at != NULL);
	if (!at) {
		snprintf(out, size, "%s", base);
		return;
	}
	eol = strchr(at, '\n');
	snprintf(out, size, "%.*s=%s%s", (int)(at - base + strlen(key)), base,
		 val, eol);
}

/*
 * VMCOREINFO from a corrupt or crafted vmcore: offsets before or far
 * past the structures they index, sizes that would allocate gigabytes.
 * Each is refused with an error (ASan sees any read outside), never a
 * crash, and no buffer larger than the dump is allocated.
 */
static void test_prb_hostile(void)
{
	static const struct {
		const char *key, *val;
	} bad[] = {
		{"OFFSET(prb_desc_ring.count_bits)", "-1099511627776"},
		{"OFFSET(prb_desc_ring.count_bits)", "4096"},
		{"OFFSET(prb_desc.state_var)", "-100000000"},
		{"OFFSET(prb_desc.state_var)", "30"},
		{"OFFSET(prb_desc.text_blk_lpos)", "-8"},
		{"OFFSET(prb_data_blk_lpos.begin)", "9223372036854775807"},
		{"OFFSET(printk_ringbuffer.desc_ring)", "-16"},
		{"OFFSET(printk_ringbuffer.text_data_ring)", "127"},
		{"OFFSET(printk_info.ts_nsec)", "-4"},
		{"OFFSET(atomic_long_t.counter)", "-9223372036854775807"},
		{"SIZE(printk_ringbuffer)", "1000000"},
		{"SIZE(prb_desc)", "1023"},
		{"SIZE(printk_info)", "-64"},
	};
	char info[sizeof(prb_info) + 64], out[4096];
	struct vmcoreinfo vi;
	struct memsrc ms;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		with_entry(info, sizeof(info), prb_info, bad[i].key,
			   bad[i].val);
		machine(false, info, &vi, &ms);
		build_ring();
		CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
		vmcoreinfo_free(&vi);
	}
	/* 2^20 descriptors of a sane size: 32 MiB for a 256 KiB dump. */
	machine(false, prb_info, &vi, &ms);
	build_ring();
	((uint8_t *)kv(PRB))[16 + 4] = 20;
	((uint8_t *)kv(PRB))[80] = 20;
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
	/* more descriptors than bytes of text */
	build_ring();
	((uint8_t *)kv(PRB))[16 + 4] = 10;
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
	vmcoreinfo_free(&vi);
}

/*
 * A ring whose tail id lies after its head (more records apart than the
 * ring holds) is read as its last count records, not as nothing; a
 * descriptor whose text block carries another record's id is left out,
 * not printed from the wrong place. Both say so on the console.
 */
static void test_prb_bad_ids(void)
{
	static const char without15[] =
		"[    0.000000] Linux version 6.1\n"
		"[    2.000001] a\\x01b\\xffffffc3\tc\r\\x7f\n"
		"[    3.000000] wrapped block here\n"
		"[123456.789012] cut short here\\x00\\x00\n";
	struct vmcoreinfo vi;
	struct memsrc ms;
	char out[4096];
	size_t len;

	machine(false, prb_info, &vi, &ms);
	build_ring();
	put64(PRB + 16 + 48, 21); /* tail = head + 1 */
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), 0);
	CHECK_EQ_U(len, sizeof(prb_expect) - 1);
	CHECK(!memcmp(out, prb_expect, sizeof(prb_expect) - 1));
	build_ring();
	put64(TEXT + 264, 99); /* record 15's block says it is 99's */
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), 0);
	CHECK_EQ_U(len, sizeof(without15) - 1);
	CHECK(!memcmp(out, without15, sizeof(without15) - 1));
	vmcoreinfo_free(&vi);
}

static const char legacy_info[] =
	"SYMBOL(log_buf)=ffffffff80010000\nSYMBOL(log_buf_len)=ffffffff80010008\n"
	"SYMBOL(log_first_idx)=ffffffff80010010\n"
	"SYMBOL(log_next_idx)=ffffffff80010018\n"
	"SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
	"OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n";

static void log_rec(uint32_t at, uint64_t ts, uint16_t len, const char *text)
{
	uint8_t *p = (uint8_t *)kv(TEXT) + at;
	uint16_t tl = (uint16_t)strlen(text);

	memcpy(p, &ts, 8);
	memcpy(p + 8, &len, 2);
	memcpy(p + 10, &tl, 2);
	memcpy(p + 16, text, tl);
	memcpy(p + 16 + tl, "SUBSYSTEM=x", len ? 11 : 0); /* dict: not shown */
}

static void test_legacy(void)
{
	struct vmcoreinfo vi;
	struct memsrc ms;
	char out[4096];
	size_t len;
	static const char expect[] = "[    9.000001] oldest\n"
				     "[   10.000000] after the wrap\n"
				     "[   11.000000] newest\n";
	uint32_t v;

	machine(false, legacy_info, &vi, &ms);
	put64(0xffffffff80010000ull, TEXT);
	v = 256;
	memcpy(kv(0xffffffff80010008ull), &v, 4);
	v = 200;
	memcpy(kv(0xffffffff80010010ull), &v, 4);
	v = 88;
	memcpy(kv(0xffffffff80010018ull), &v, 4);
	log_rec(200, 9000001000ull, 40, "oldest");
	log_rec(240, 0, 0, ""); /* end marker: continue at 0 */
	log_rec(0, 10000000000ull, 48, "after the wrap");
	log_rec(48, 11000000000ull, 40, "newest");
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), 0);
	CHECK_EQ_U(len, sizeof(expect) - 1);
	CHECK(!memcmp(out, expect, sizeof(expect) - 1));
	/* a record longer than the buffer is an error, not a crash */
	log_rec(48, 11000000000ull, 4000, "newest");
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
	/* records that lead back to the start without reaching next: a
	 * cycle, read once around, not 2^28 times (found by fuzzing) */
	v = 0;
	memcpy(kv(0xffffffff80010010ull), &v, 4);
	v = 200;
	memcpy(kv(0xffffffff80010018ull), &v, 4);
	log_rec(0, 1, 48, "one");
	log_rec(48, 2, 40, "two");
	log_rec(88, 0, 0, "");
	CHECK_EQ_U(run_dmesg(&ms, out, sizeof(out), &len), -EINVAL);
	CHECK(len < 200);
	vmcoreinfo_free(&vi);
}

/* info and the capture summary name the line that says why the kernel
 * went down: a panic over an oops over the sysrq trigger, the last of each. */
static void test_panic_line(void)
{
	static const char log[] =
		"[    1.0] sysrq: Trigger a crash\n"
		"[    1.1] Oops: 0002 [#1] SMP\n"
		"[    1.2] Kernel panic - not syncing: first\n"
		"[    1.3] Kernel panic - not syncing: last";
	size_t n = 0;
	const char *l = dmesg_panic_line(log, sizeof(log) - 1, &n);

	CHECK(l && n == 42 && !strncmp(l, "[    1.3] Kernel panic", 22));
	l = dmesg_panic_line(log, 62, &n); /* up to the Oops line */
	CHECK(l && !strncmp(l, "[    1.1] Oops: 0002 [#1] SMP", n) && n == 29);
	l = dmesg_panic_line(log, 32, &n); /* the sysrq line alone */
	CHECK(l == log && n == 32);
	CHECK(!dmesg_panic_line("[    0.0] Linux version\n", 24, &n));
}

int main(void)
{
	RUN(test_panic_line);
	RUN(test_translate_4level);
	RUN(test_translate_5level);
	RUN(test_prb);
	RUN(test_prb_missing_entry);
	RUN(test_prb_corrupt);
	RUN(test_prb_hostile);
	RUN(test_prb_bad_ids);
	RUN(test_legacy);
	CHECK_EXIT();
}
