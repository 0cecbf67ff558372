/* SPDX-License-Identifier: MIT */
/*
 * The ELF writer: an ELF64 core with one PT_NOTE (the vmcore's notes) and
 * one PT_LOAD per run of consecutive pfns the filter keeps.
 *
 * Zero pages excluded by dump level bit 1 are found while writing, after
 * the program headers were fixed: they stay inside their segment as holes
 * that are never written, so they read as zeros (and take no space in a
 * seekable file, nor in a flattened stream). Reading them is therefore
 * exact; only ELF gives no way to tell "excluded" from "zero".
 *
 * p_vaddr is taken from the source's direct-map PT_LOAD that holds the run
 * (readers derive PAGE_OFFSET from it), 0 when none does.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dumpw.h"
#include "kdump_fmt.h"
#include "util.h"

#define KERNEL_MAP 0xffffffff80000000ull /* kernel text, not direct map */
#define PHDR_BUF 1024			 /* program headers buffered */

struct ew {
	struct dump_job *j;
	uint64_t bs;
	Elf64_Phdr *src; /* the source's direct-map PT_LOADs */
	unsigned int nsrc;
	uint64_t nruns, run_start, run_len; /* run_len 0: no run open */
	uint64_t phdr_next, data_next, end;
	Elf64_Phdr *ph;
	unsigned int nph;
	bool counting; /* first pass: only count runs */
};

static int ew_out(struct ew *w, const void *buf, size_t len, uint64_t off)
{
	int err = sink_pwrite(w->j->out, buf, len, off);

	if (!err && off + len > w->end)
		w->end = off + len;
	return err;
}

/* The source's program headers, for p_vaddr. Failure is not fatal. */
static void ew_read_src(struct ew *w)
{
	struct vmcore *vc = w->j->vc;
	Elf64_Ehdr eh;

	if (pread_all(vc->fd, &eh, sizeof(eh), 0) || eh.e_phnum == PN_XNUM ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return;
	w->src = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(Elf64_Phdr));
	if (!w->src ||
	    pread_all(vc->fd, w->src, eh.e_phnum * sizeof(Elf64_Phdr),
		      (off_t)eh.e_phoff))
		return;
	for (unsigned int i = 0; i < eh.e_phnum; i++)
		if (w->src[i].p_type == PT_LOAD &&
		    w->src[i].p_vaddr < KERNEL_MAP)
			w->src[w->nsrc++] = w->src[i];
}

static uint64_t ew_vaddr(const struct ew *w, uint64_t paddr)
{
	for (unsigned int i = 0; i < w->nsrc; i++)
		if (paddr >= w->src[i].p_paddr &&
		    paddr - w->src[i].p_paddr < w->src[i].p_memsz)
			return w->src[i].p_vaddr + (paddr - w->src[i].p_paddr);
	return 0;
}

static int ew_flush_phdrs(struct ew *w)
{
	int err;

	if (!w->nph)
		return 0;
	err = ew_out(w, w->ph, w->nph * sizeof(Elf64_Phdr), w->phdr_next);
	w->phdr_next += w->nph * sizeof(Elf64_Phdr);
	w->nph = 0;
	return err;
}

static int ew_close_run(struct ew *w)
{
	Elf64_Phdr *p;

	if (!w->run_len)
		return 0;
	w->nruns++;
	if (w->counting) {
		w->run_len = 0;
		return 0;
	}
	p = &w->ph[w->nph++];
	memset(p, 0, sizeof(*p));
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_W | PF_X;
	p->p_offset = w->data_next;
	p->p_paddr = w->run_start * w->bs;
	p->p_vaddr = ew_vaddr(w, p->p_paddr);
	p->p_filesz = p->p_memsz = w->run_len * w->bs;
	p->p_align = 0;
	w->data_next += p->p_filesz;
	w->run_len = 0;
	return w->nph == PHDR_BUF ? ew_flush_phdrs(w) : 0;
}

/* Whether pfn continues the open run: contiguous and in the same source
 * segment, so that one p_vaddr offset holds for the whole run. */
static bool ew_continues(const struct ew *w, uint64_t pfn)
{
	uint64_t pa = pfn * w->bs;

	return w->run_len && w->run_start + w->run_len == pfn &&
	       ew_vaddr(w, pa) == ew_vaddr(w, pa - w->bs) + w->bs;
}

static int ew_page(struct ew *w, uint64_t pfn)
{
	struct dump_job *j = w->j;
	uint64_t off = w->data_next + w->run_len * w->bs;
	const uint8_t *page;
	int err = 0;

	dump_tick(j);
	page = vmcore_page(j->vc, pfn, &err);
	if (!page) {
		if (!err)
			err = -EIO;
		msg("cannot read pfn %#llx of %s: %s", (unsigned long long)pfn,
		    j->vc->path, strerror(-err));
		return err;
	}
	if ((j->o->level & DL_ZERO) && page_is_zero(page, w->bs))
		return 0; /* a hole: reads as zeros */
	err = ew_out(w, page, w->bs, off);
	if (!err)
		j->res->pages_dumped++;
	return err;
}

static int ew_pass(struct ew *w)
{
	struct dump_job *j = w->j;
	int err = 0;

	for (uint64_t s = 0; !err && s < j->vc->max_pfn; s += DUMP_WINDOW) {
		uint64_t n = dump_window_count(j, s);

		err = dump_window(j, s, n);
		for (uint64_t i = 0; i < n && !err; i++) {
			if (!bit_test(j->bits, i)) {
				err = ew_close_run(w);
				continue;
			}
			if (!ew_continues(w, s + i)) {
				err = ew_close_run(w);
				w->run_start = s + i;
			}
			if (!err && !w->counting) {
				dump_read_ahead(j, s, i, n);
				err = ew_page(w, s + i);
			}
			w->run_len++;
		}
	}
	if (!err)
		err = ew_close_run(w);
	return err;
}

/* ELF header, the PN_XNUM section header when needed, and the notes. */
static int ew_headers(struct ew *w, uint64_t *notes_off)
{
	struct vmcore *vc = w->j->vc;
	uint64_t phnum = w->nruns + 1;
	bool xnum = phnum >= PN_XNUM;
	Elf64_Ehdr eh = {0};
	Elf64_Shdr sh = {0};
	Elf64_Phdr note = {0};
	int err;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = vc->e_machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh) + (xnum ? sizeof(sh) : 0);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = xnum ? PN_XNUM : (Elf64_Half)phnum;
	if (xnum) {
		/* More than 65534 headers: the count is in section 0. */
		eh.e_shoff = sizeof(eh);
		eh.e_shentsize = sizeof(sh);
		eh.e_shnum = 1;
		sh.sh_info = (Elf64_Word)phnum;
	}
	*notes_off = eh.e_phoff + phnum * sizeof(Elf64_Phdr);
	note.p_type = PT_NOTE;
	note.p_offset = *notes_off;
	note.p_filesz = note.p_memsz = vc->notes_size;
	err = ew_out(w, &eh, sizeof(eh), 0);
	if (!err && xnum)
		err = ew_out(w, &sh, sizeof(sh), sizeof(eh));
	if (!err)
		err = ew_out(w, &note, sizeof(note), eh.e_phoff);
	if (!err)
		err = ew_out(w, vc->notes, vc->notes_size, *notes_off);
	w->phdr_next = eh.e_phoff + sizeof(note);
	return err;
}

int elf_write(struct dump_job *j)
{
	struct ew w = {.j = j, .bs = j->vc->page_size, .counting = true};
	uint64_t notes_off;
	int err;

	if (j->vc->page_size > UINT32_MAX)
		return -EINVAL;
	ew_read_src(&w);
	w.ph = malloc(PHDR_BUF * sizeof(Elf64_Phdr));
	err = w.ph ? ew_pass(&w) : -ENOMEM;
	if (!err)
		err = ew_headers(&w, &notes_off);
	if (!err) {
		/* Page data starts on a page boundary, as in /proc/vmcore. */
		w.data_next = (notes_off + j->vc->notes_size + w.bs - 1) /
			      w.bs * w.bs;
		w.counting = false;
		err = ew_pass(&w);
	}
	if (!err)
		err = ew_flush_phdrs(&w);
	if (!err && w.end < w.data_next) {
		/* Trailing holes: give the file its full length. */
		err = ew_out(&w, "", 1, w.data_next - 1);
	}
	j->res->bytes_written = w.end;
	free(w.ph);
	free(w.src);
	return err;
}
