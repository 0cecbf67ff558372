// SPDX-License-Identifier: GPL-2.0
/*
 * kdi_scribble: damage the crashed kernel's own structures, then panic.
 *
 * A test module for qemu-tests/capture-hostile.test: it panics the kernel
 * it is loaded into, and just before kexec starts the capture kernel it
 * overwrites what a dump tool reads, so that kdumpinit has to survive a
 * crashed kernel whose memory lies.
 *
 *   insmod kdi_scribble.ko what=KIND[,KIND...]
 *
 * KIND:
 *   prb      the printk ring's sizes: desc_ring.count_bits and
 *            text_data_ring.size_bits set to 60 (a ring of 2^60 records
 *            and a 2^60-byte text area)
 *   prbids   the ring's ids: tail_id one past head_id, so that walking
 *            from tail to head crosses 2^62 ids
 *   prbptr   the ring's pointers: descs non-canonical, infos in the
 *            fixmap (mapped, but to no RAM), text data pointing at the
 *            ring structure itself (readable, but not text)
 *   prbhead  the `prb` pointer itself, non-canonical
 *   prbrec   the ring's records, its header intact: in turn, a text block
 *            that begins after it ends, one 2^40 bytes long, a record
 *            whose text_len (65535) is longer than its block, a block
 *            whose id word is garbage
 *   pages    struct pages of an order-10 block this module allocates:
 *            a buddy page claiming order 40, a page with every flag set,
 *            an anonymous mapping pointing nowhere, a tail page whose
 *            head is garbage, a hugetlb head claiming order 255, 256
 *            pages of pseudo-random words; and mem_section: one present
 *            section's mem_map pointer made non-canonical, the next one's
 *            shifted by 1 GiB of struct pages, an unused root pointer
 *            set to garbage
 *   all      everything but prbhead (with it, the ring's damage would be
 *            unreachable)
 *
 * How it reaches the structures: every address and offset comes from the
 * kernel's own VMCOREINFO note (paddr_vmcoreinfo_note() is exported),
 * the same text a dump tool reads: SYMBOL(prb), OFFSET(prb_desc_ring.*),
 * OFFSET(prb_data_ring.*), OFFSET(prb_desc.*), OFFSET(printk_info.*).
 * kallsyms_lookup_name is not exported in 6.1, and the ring's structures
 * are private to kernel/printk. struct page and mem_section come from the
 * headers (an alloc_pages block, __nr_to_section; mem_section is
 * exported).
 *
 * When: damaging the printk ring before panic() would crash panic()'s own
 * printk, and the capture kernel would never start. So the module
 * registers a panic notifier (called last) and panics: with
 * crash_kexec_post_notifiers, panic() logs its line, stops the other CPUs,
 * calls the notifiers, then kexecs into the capture kernel; nothing reads
 * or writes the damaged structures in between. crash_kexec_post_notifiers
 * is not exported: the module sets it through kallsyms_lookup_name found
 * with a kprobe when it can, and the test also puts it on the kernel
 * command line. Without it the capture kernel would start before the
 * notifier and see nothing damaged: the module refuses to load when it
 * cannot set it, unless assume_post_notifiers=1 says the command line
 * has it.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/panic_notifier.h>
#include <linux/crash_core.h>
#include <linux/elf.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/gfp.h>
#include <linux/string.h>
#include <linux/io.h>

static char *what = "all";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "prb,prbids,prbptr,prbhead,prbrec,pages or all");

static bool assume_post_notifiers;
module_param(assume_post_notifiers, bool, 0444);
MODULE_PARM_DESC(assume_post_notifiers,
		 "crash_kexec_post_notifiers is on the command line");

#define K_PRB		0x01
#define K_PRBIDS	0x02
#define K_PRBPTR	0x04
#define K_PRBHEAD	0x08
#define K_PAGES		0x10
#define K_PRBREC	0x20
#define K_PRBANY	(K_PRB | K_PRBIDS | K_PRBPTR | K_PRBHEAD | K_PRBREC)

static unsigned int kinds;

/* Garbage values: non-canonical on x86_64 (bit 63 set, bit 47 clear). */
#define JUNK(n)		(0xdead4b1d00000000UL + (n) * 0x100UL)

/* VMCOREINFO text (a copy) and lookups in it. */
static char vmci[8192];

static bool vmci_get(const char *key, unsigned long *val, int base)
{
	size_t klen = strlen(key);
	const char *p = vmci;

	while (*p) {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) > klen && !strncmp(p, key, klen) &&
		    p[klen] == '=') {
			char num[32];
			size_t n = nl - p - klen - 1;

			if (n >= sizeof(num))
				return false;
			memcpy(num, p + klen + 1, n);
			num[n] = 0;
			return !kstrtoul(num, base, val);
		}
		p = *nl ? nl + 1 : nl;
	}
	return false;
}

static int vmci_load(void)
{
	Elf64_Nhdr *nh = phys_to_virt(paddr_vmcoreinfo_note());
	const char *desc = (const char *)(nh + 1) + ALIGN(nh->n_namesz, 4);
	size_t n = nh->n_descsz;

	if (n >= sizeof(vmci))
		n = sizeof(vmci) - 1;
	memcpy(vmci, desc, n);
	vmci[n] = 0;
	if (!strstr(vmci, "OSRELEASE=")) {
		pr_emerg("kdi_scribble: no VMCOREINFO text in the note\n");
		return -ENOENT;
	}
	return 0;
}

/* The printk ring's fields, as addresses. */
static unsigned long *prb_var;		/* SYMBOL(prb): the pointer */
static unsigned long rb;		/* the ring it points to */
static unsigned long off_desc, off_text, off_count_bits, off_descs,
	off_infos, off_head_id, off_tail_id, off_size_bits, off_data;
static unsigned long size_desc, off_lpos, off_begin, off_next, size_info,
	off_text_len;

static int prb_find(void)
{
	unsigned long sym;

	if (!vmci_get("SYMBOL(prb)", &sym, 16) ||
	    !vmci_get("OFFSET(printk_ringbuffer.desc_ring)", &off_desc, 10) ||
	    !vmci_get("OFFSET(printk_ringbuffer.text_data_ring)", &off_text, 10) ||
	    !vmci_get("OFFSET(prb_desc_ring.count_bits)", &off_count_bits, 10) ||
	    !vmci_get("OFFSET(prb_desc_ring.descs)", &off_descs, 10) ||
	    !vmci_get("OFFSET(prb_desc_ring.infos)", &off_infos, 10) ||
	    !vmci_get("OFFSET(prb_desc_ring.head_id)", &off_head_id, 10) ||
	    !vmci_get("OFFSET(prb_desc_ring.tail_id)", &off_tail_id, 10) ||
	    !vmci_get("OFFSET(prb_data_ring.size_bits)", &off_size_bits, 10) ||
	    !vmci_get("OFFSET(prb_data_ring.data)", &off_data, 10)) {
		pr_emerg("kdi_scribble: VMCOREINFO lacks the printk ring\n");
		return -ENOENT;
	}
	if ((kinds & K_PRBREC) &&
	    (!vmci_get("SIZE(prb_desc)", &size_desc, 10) ||
	     !vmci_get("OFFSET(prb_desc.text_blk_lpos)", &off_lpos, 10) ||
	     !vmci_get("OFFSET(prb_data_blk_lpos.begin)", &off_begin, 10) ||
	     !vmci_get("OFFSET(prb_data_blk_lpos.next)", &off_next, 10) ||
	     !vmci_get("SIZE(printk_info)", &size_info, 10) ||
	     !vmci_get("OFFSET(printk_info.text_len)", &off_text_len, 10))) {
		pr_emerg("kdi_scribble: VMCOREINFO lacks the ring's records\n");
		return -ENOENT;
	}
	prb_var = (unsigned long *)sym;
	rb = *prb_var;
	pr_emerg("kdi_scribble: prb at %px -> ring %px\n", prb_var, (void *)rb);
	return 0;
}

#define FIELD(base, off, type)	(*(type *)((base) + (off)))

/* Every record in turn: see prbrec at the top. */
static void prb_records_damage(unsigned long d, unsigned long t)
{
	unsigned long n = 1UL << FIELD(d, off_count_bits, unsigned int);
	unsigned long descs = FIELD(d, off_descs, unsigned long);
	unsigned long infos = FIELD(d, off_infos, unsigned long);
	unsigned long data = FIELD(t, off_data, unsigned long);
	unsigned long mask = (1UL << FIELD(t, off_size_bits, unsigned int)) - 1;
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long lpos = descs + i * size_desc + off_lpos;
		unsigned long *begin = &FIELD(lpos, off_begin, unsigned long);
		unsigned long *next = &FIELD(lpos, off_next, unsigned long);

		/* Data-less records (lpos bit 0 set) have no block. */
		if (*begin & 1)
			continue;
		switch (i % 4) {
		case 0:
			*begin = *next + 4096;
			break;
		case 1:
			*next = *begin + (1UL << 40);
			break;
		case 2:
			FIELD(infos + i * size_info, off_text_len, u16) = 0xffff;
			break;
		case 3:
			FIELD(data, *begin & mask, unsigned long) = JUNK(7);
			break;
		}
	}
}

static void prb_damage(void)
{
	unsigned long d = rb + off_desc, t = rb + off_text;

	if (kinds & K_PRBREC)
		prb_records_damage(d, t);
	if (kinds & K_PRB) {
		FIELD(d, off_count_bits, unsigned int) = 60;
		FIELD(t, off_size_bits, unsigned int) = 60;
	}
	if (kinds & K_PRBIDS) {
		unsigned long head = FIELD(d, off_head_id, unsigned long);

		FIELD(d, off_tail_id, unsigned long) = head + 1;
	}
	if (kinds & K_PRBPTR) {
		FIELD(d, off_descs, unsigned long) = JUNK(1);
		/* The fixmap's top page: mapped (APIC), no RAM behind it. */
		FIELD(d, off_infos, unsigned long) = 0xffffffffff5fe000UL;
		FIELD(t, off_data, unsigned long) = rb;
	}
	if (kinds & K_PRBHEAD)
		*prb_var = JUNK(2);
}

/* Struct pages and sections. */
#define BLOCK_ORDER	10
static struct page *block;
static unsigned long block_pfn;
static unsigned long sec_junk = -1UL, sec_shift = -1UL;
static unsigned long hugetlb_dtor = 2;

static int pages_prepare(void)
{
	unsigned long nr, bsec;

	block = alloc_pages(GFP_KERNEL | __GFP_NOWARN, BLOCK_ORDER);
	if (!block) {
		pr_emerg("kdi_scribble: cannot allocate an order-%d block\n",
			 BLOCK_ORDER);
		return -ENOMEM;
	}
	block_pfn = page_to_pfn(block);
	bsec = pfn_to_section_nr(block_pfn);
	/* Two present sections past the first, away from the block's. */
	for (nr = 1; nr < 64 && sec_shift == -1UL; nr++) {
		if (nr == bsec || !present_section_nr(nr))
			continue;
		if (sec_junk == -1UL)
			sec_junk = nr;
		else
			sec_shift = nr;
	}
	vmci_get("NUMBER(HUGETLB_PAGE_DTOR)", &hugetlb_dtor, 10);
	pr_emerg("kdi_scribble: pages: block pfn %#lx (section %lu), sections %ld and %ld, root 1\n",
		 block_pfn, bsec, (long)sec_junk, (long)sec_shift);
	return 0;
}

static void pages_damage(void)
{
	struct page *p = block;
	unsigned long x = 0x4b1d5f1e7c2a4e0bUL;
	int i, j;

	/* A free page claiming order 40 (page->private is a buddy's order). */
	__SetPageBuddy(p);
	set_page_private(p, 40);
	/* Every flag, and garbage node/zone/section bits. */
	p[1].flags = ~0UL;
	/* An anonymous page whose anon_vma is nowhere. */
	p[2].mapping = (struct address_space *)(JUNK(3) | PAGE_MAPPING_ANON);
	atomic_set(&p[2]._mapcount, 0x7fffffff);
	/* A tail page whose head is garbage. */
	p[3].compound_head = JUNK(4) | 1;
	/* A hugetlb head page claiming order 255. */
	p[4].flags |= 1UL << PG_head;
	p[5].compound_head = (unsigned long)&p[4] | 1;
	p[5].compound_dtor = hugetlb_dtor;
	p[5].compound_order = 255;
	/* 256 struct pages of pseudo-random words. */
	for (i = 16; i < 16 + 256; i++) {
		unsigned long *w = (unsigned long *)&p[i];

		for (j = 0; j < sizeof(struct page) / sizeof(long); j++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			w[j] = x;
		}
	}
	/* Sections: a non-canonical mem_map, a shifted one, a bad root. */
	if (sec_junk != -1UL) {
		struct mem_section *ms = __nr_to_section(sec_junk);

		ms->section_mem_map = JUNK(5) |
			(ms->section_mem_map & ~SECTION_MAP_MASK);
	}
	if (sec_shift != -1UL) {
		struct mem_section *ms = __nr_to_section(sec_shift);

		ms->section_mem_map += (1UL << (30 - PAGE_SHIFT)) *
			sizeof(struct page);
	}
	if (NR_SECTION_ROOTS > 1 && !mem_section[1])
		mem_section[1] = (struct mem_section *)JUNK(6);
}

static int scribble_panic(struct notifier_block *nb, unsigned long ev,
			  void *msg)
{
	pr_emerg("kdi_scribble: damaging now (%s)\n", what);
	if (kinds & K_PAGES)
		pages_damage();
	if (!(kinds & K_PRBANY))
		pr_emerg("kdi_scribble: damage done\n");
	/* Last: no printk may run once the ring is damaged. */
	prb_damage();
	return NOTIFY_DONE;
}

static struct notifier_block scribble_nb = {
	.notifier_call = scribble_panic,
	.priority = INT_MIN,
};

/* crash_kexec_post_notifiers through kallsyms_lookup_name, if reachable. */
static bool post_notifiers_set(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);
	bool *flag;

	if (register_kprobe(&kp) < 0)
		return false;
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	if (!lookup)
		return false;
	flag = (bool *)lookup("crash_kexec_post_notifiers");
	if (!flag)
		return false;
	pr_emerg("kdi_scribble: crash_kexec_post_notifiers was %d, now 1\n",
		 *flag);
	*flag = true;
	return true;
}

static int kinds_parse(const char *s)
{
	static const struct { const char *name; unsigned int k; } tab[] = {
		{ "prb", K_PRB }, { "prbids", K_PRBIDS },
		{ "prbptr", K_PRBPTR }, { "prbhead", K_PRBHEAD },
		{ "prbrec", K_PRBREC }, { "pages", K_PAGES },
		{ "all", (K_PRBANY & ~K_PRBHEAD) | K_PAGES },
	};

	while (*s) {
		size_t n = strchrnul(s, ',') - s;
		int i;

		for (i = 0; i < ARRAY_SIZE(tab); i++)
			if (strlen(tab[i].name) == n && !strncmp(s, tab[i].name, n))
				break;
		if (i == ARRAY_SIZE(tab)) {
			pr_emerg("kdi_scribble: unknown kind in what=%s\n", what);
			return -EINVAL;
		}
		kinds |= tab[i].k;
		s += n;
		if (*s)
			s++;
	}
	return kinds ? 0 : -EINVAL;
}

static int __init scribble_init(void)
{
	int err;

	err = kinds_parse(what);
	if (!err)
		err = vmci_load();
	if (!err && (kinds & K_PRBANY))
		err = prb_find();
	if (!err && (kinds & K_PAGES))
		err = pages_prepare();
	if (err)
		return err;
	if (!post_notifiers_set() && !assume_post_notifiers) {
		pr_emerg("kdi_scribble: cannot set crash_kexec_post_notifiers; boot with it and load with assume_post_notifiers=1\n");
		return -ENOSYS;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &scribble_nb);
	panic("kdi_scribble: damaging %s", what);
	return 0;
}

module_init(scribble_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kdumpinit test: damage the crashed kernel's structures, then panic");
