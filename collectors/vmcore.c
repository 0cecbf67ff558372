/* SPDX-License-Identifier: MIT */
/*
 * ELF64 vmcore reader: header and program header validation, the notes,
 * the physical-to-file map. Page access: vmcore_win.c.
 */
#include "vmcore.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "util.h"
#include "vmcore_priv.h"

/* More program headers than any machine has memory ranges: a bigger
 * count is a corrupt header, not a big machine. */
#define MAX_PHNUM 65534u
#define MAX_NOTES_SIZE (64u << 20)

static int bad(const struct vmcore *vc, const char *what)
{
	msg("%s is not a usable vmcore: %s", vc->path, what);
	return -EINVAL;
}

/* Whether [off, off + len) lies inside the file, without overflow. */
static bool in_file(const struct vmcore *vc, uint64_t off, uint64_t len)
{
	return off <= vc->file_size && len <= vc->file_size - off;
}

static int check_ehdr(struct vmcore *vc, const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(vc, "no ELF magic (a kdump-compressed dump or "
			       "another file?)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(vc, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(vc, "not little-endian");
	if (eh->e_type != ET_CORE)
		return bad(vc, "ELF file is not a core file (ET_CORE)");
	if (!arch_supported(eh->e_machine))
		return bad(vc, "machine is not x86_64 (only x86_64 vmcores "
			       "are supported)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return bad(vc, "program header size is not 56");
	if (eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return bad(vc, "absurd number of program headers");
	if (!in_file(vc, eh->e_phoff,
		     (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return bad(vc, "program headers lie beyond the end of the file "
			       "(truncated copy?)");
	vc->e_machine = eh->e_machine;
	return 0;
}

static int add_note(struct vmcore *vc, const Elf64_Phdr *ph)
{
	uint8_t *p;

	if (!in_file(vc, ph->p_offset, ph->p_filesz))
		return bad(vc, "PT_NOTE lies beyond the end of the file "
			       "(truncated copy?)");
	if (ph->p_filesz > MAX_NOTES_SIZE - vc->notes_size)
		return bad(vc, "absurd PT_NOTE size");
	p = realloc(vc->notes, vc->notes_size + ph->p_filesz + 1);
	if (!p)
		return -ENOMEM;
	vc->notes = p;
	if (pread_all(vc->fd, p + vc->notes_size, ph->p_filesz,
		      (off_t)ph->p_offset)) {
		msg("cannot read the notes of %s", vc->path);
		return -EIO;
	}
	vc->notes_size += ph->p_filesz;
	return 0;
}

static int add_load(struct vmcore *vc, const Elf64_Phdr *ph)
{
	struct vmcore_seg *s = &vc->segs[vc->nsegs];

	if (ph->p_filesz > ph->p_memsz)
		return bad(vc, "PT_LOAD has filesz > memsz");
	if (!in_file(vc, ph->p_offset, ph->p_filesz))
		return bad(vc, "PT_LOAD lies beyond the end of the file "
			       "(truncated copy?)");
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
		return bad(vc, "PT_LOAD wraps around the address space");
	/* 52 bits: x86_64's and arm64's most. Past it the pfn bitmaps
	 * alone would take terabytes. */
	if (ph->p_paddr + ph->p_memsz > (1ull << 52))
		return bad(vc, "PT_LOAD reaches past 4 PiB of physical memory "
			       "(2^52 bytes, the architectures' limit)");
	if (!ph->p_memsz)
		return 0;
	s->paddr = ph->p_paddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	vc->nsegs++;
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct vmcore_seg *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* the bigger first, so that a contained duplicate follows it */
	return x->memsz > y->memsz ? -1 : x->memsz < y->memsz;
}

/*
 * kexec adds a PT_LOAD for the kernel text that repeats part of a RAM
 * segment: a segment wholly inside the one before it is dropped. Any
 * other overlap means the headers are corrupt.
 */
static int sort_segs(struct vmcore *vc)
{
	unsigned int n = 0;

	qsort(vc->segs, vc->nsegs, sizeof(*vc->segs), seg_cmp);
	for (unsigned int i = 0; i < vc->nsegs; i++) {
		struct vmcore_seg *s = &vc->segs[i];
		struct vmcore_seg *prev = n ? &vc->segs[n - 1] : NULL;

		if (prev && s->paddr < prev->paddr + prev->memsz) {
			if (s->paddr + s->memsz > prev->paddr + prev->memsz)
				return bad(vc, "PT_LOAD segments overlap");
			continue;
		}
		vc->segs[n++] = *s;
	}
	vc->nsegs = n;
	if (!n)
		return bad(vc, "no PT_LOAD segment");
	return 0;
}

static int read_phdrs(struct vmcore *vc, const Elf64_Ehdr *eh)
{
	size_t len = (size_t)eh->e_phnum * sizeof(Elf64_Phdr);
	Elf64_Phdr *ph = malloc(len);
	int err = -ENOMEM;

	vc->segs = calloc(eh->e_phnum, sizeof(*vc->segs));
	if (!ph || !vc->segs)
		goto out;
	err = pread_all(vc->fd, ph, len, (off_t)eh->e_phoff);
	if (err) {
		msg("cannot read the program headers of %s", vc->path);
		goto out;
	}
	for (unsigned int i = 0; !err && i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE)
			err = add_note(vc, &ph[i]);
		else if (ph[i].p_type == PT_LOAD)
			err = add_load(vc, &ph[i]);
	}
	if (!err)
		err = sort_segs(vc);
out:
	free(ph);
	return err;
}

/* Walk the notes: count CPUs, parse VMCOREINFO. */
static int read_notes(struct vmcore *vc)
{
	const uint8_t *p = vc->notes, *end = p ? p + vc->notes_size : p;
	bool found = false;

	while (end - p >= (ptrdiff_t)sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_len, desc_len;
		const char *name;

		memcpy(&nh, p, sizeof(nh));
		if (!nh.n_namesz && !nh.n_descsz && !nh.n_type)
			break; /* zero padding after the last note */
		name_len = ((uint64_t)nh.n_namesz + 3) & ~3ull;
		desc_len = ((uint64_t)nh.n_descsz + 3) & ~3ull;
		if (name_len + desc_len > (uint64_t)(end - p) - sizeof(nh))
			return bad(vc, "a note runs past the end of PT_NOTE");
		name = (const char *)p + sizeof(nh);
		p += sizeof(nh) + name_len;
		if (nh.n_type == NT_PRSTATUS && nh.n_namesz == 5 &&
		    !memcmp(name, "CORE", 5))
			vc->nr_cpus++;
		if (nh.n_namesz == 11 && !memcmp(name, "VMCOREINFO", 11) &&
		    !found) {
			if (vmcoreinfo_parse(&vc->vi, (const char *)p,
					     nh.n_descsz))
				return bad(vc, "its VMCOREINFO is unusable");
			found = true;
		}
		p += desc_len;
	}
	if (!found)
		return bad(vc, "no VMCOREINFO note (was it made by a kernel "
			       "with CONFIG_CRASH_CORE?)");
	return 0;
}

static int check_layout(struct vmcore *vc)
{
	uint64_t ps = vc->vi.page_size;
	const struct vmcore_seg *last = &vc->segs[vc->nsegs - 1];

	if (ps < 4096 || ps > (64u << 10) || (ps & (ps - 1)))
		return bad(vc, "VMCOREINFO gives an unsupported PAGESIZE");
	/* Its page tables map 4 KiB pages: another size would translate
	 * half of each page with the other half's entry. */
	if (vc->e_machine == EM_X86_64 && ps != 4096)
		return bad(vc, "VMCOREINFO gives a PAGESIZE other than "
			       "4096 for x86_64");
	vc->page_size = ps;
	vc->max_pfn = last->paddr / ps +
		      (last->memsz + last->paddr % ps + ps - 1) / ps;
	return 0;
}

int vmcore_open(struct vmcore *vc, const char *path)
{
	Elf64_Ehdr eh;
	struct stat st;
	int err;

	memset(vc, 0, sizeof(*vc));
	vc->path = path;
	vc->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vc->fd < 0) {
		err = -errno;
		msg("cannot open %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(vc->fd, &st)) {
		err = -errno;
		msg("cannot stat %s: %s", path, strerror(-err));
		goto err_close;
	}
	vc->file_size = (uint64_t)st.st_size;
	err = -EINVAL;
	memset(&eh, 0, sizeof(eh));
	if (pread(vc->fd, &eh, sizeof(eh), 0) < SELFMAG ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		bad(vc, "no ELF magic (a kdump-compressed dump or another "
			"file?)");
		goto err_close;
	}
	if (vc->file_size < sizeof(eh) ||
	    pread_all(vc->fd, &eh, sizeof(eh), 0)) {
		bad(vc, "shorter than an ELF header (truncated copy?)");
		goto err_close;
	}
	err = check_ehdr(vc, &eh);
	if (!err)
		err = read_phdrs(vc, &eh);
	if (!err)
		err = read_notes(vc);
	if (!err)
		err = check_layout(vc);
	if (!err)
		err = vmcore_win_init(vc);
	if (!err)
		return 0;
err_close:
	vmcore_close(vc);
	vc->fd = -1;
	return err;
}

void vmcore_close(struct vmcore *vc)
{
	vmcore_win_free(vc);
	if (vc->fd >= 0)
		close(vc->fd);
	vmcoreinfo_free(&vc->vi);
	free(vc->segs);
	free(vc->notes);
	vc->segs = NULL;
	vc->notes = NULL;
	vc->fd = -1;
}

/* The segment holding physical address @pa, or NULL. */
const struct vmcore_seg *vmcore_seg_find(const struct vmcore *vc, uint64_t pa)
{
	unsigned int lo = 0, hi = vc->nsegs;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct vmcore_seg *s = &vc->segs[mid];

		if (pa < s->paddr)
			hi = mid;
		else if (pa - s->paddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/* File offset of the whole page @pfn, or false when not wholly backed. */
bool vmcore_pfn_offset(const struct vmcore *vc, uint64_t pfn, uint64_t *off)
{
	uint64_t pa = pfn * vc->page_size;
	const struct vmcore_seg *s;

	if (pfn >= vc->max_pfn)
		return false;
	s = vmcore_seg_find(vc, pa);
	if (!s || pa - s->paddr > s->filesz ||
	    s->filesz - (pa - s->paddr) < vc->page_size)
		return false;
	*off = s->offset + (pa - s->paddr);
	return true;
}

bool vmcore_pfn_present(const struct vmcore *vc, uint64_t pfn)
{
	uint64_t off;

	return vmcore_pfn_offset(vc, pfn, &off);
}

/* Byte-granular: any part of a segment's file-backed data can be read,
 * also at the unaligned ends of a segment. Read with pread so that a
 * page returned by vmcore_page() stays valid. */
static int vmcore_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct vmcore *vc = ctx;
	uint8_t *out = buf;

	while (len) {
		const struct vmcore_seg *s = vmcore_seg_find(vc, paddr);
		uint64_t in, n;
		int err;

		if (!s || paddr - s->paddr >= s->filesz)
			return -ENOENT;
		in = paddr - s->paddr;
		n = s->filesz - in < len ? s->filesz - in : len;
		err = pread_all(vc->fd, out, n, (off_t)(s->offset + in));
		if (err)
			return err;
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

void vmcore_memsrc(struct vmcore *vc, struct memsrc *ms)
{
	ms->read_phys = vmcore_read_phys;
	ms->ctx = vc;
	ms->vi = &vc->vi;
	ms->size = 0;
	for (unsigned int i = 0; i < vc->nsegs; i++)
		ms->size += vc->segs[i].filesz;
}
