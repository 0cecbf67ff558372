/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit info FILE: what a vmcore or dump is: format, kernel, crash
 * time, dump level, pages, compression, completeness, and the panic line
 * of its kernel log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "dmesg.h"
#include "dumpfile.h"
#include "util.h"

/*
 * Print @label, then @n bytes of @s with every byte that is not printable
 * ASCII written as \xNN, the notation of the kernel log printer
 * (collectors/dmesg.c, whose escaping is inline there, not a function).
 * Unlike it, this escapes tab, newline and carriage return too: a field
 * is one line, and what it prints comes from the crashed kernel's memory
 * or a dump file, which may hold terminal escapes or a forged
 * "status: complete" line.
 */
static void print_field(const char *label, const char *s, size_t n)
{
	fputs(label, stdout);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('\n');
}

/* The kernel log goes through dmesg_write() into a memory file, then the
 * last panic line is picked out. */
static void print_panic_line(const struct memsrc *ms)
{
	int fd = memfd_create("kdumpinit-dmesg", MFD_CLOEXEC);
	off_t len;
	const char *best;
	char *log;
	size_t best_len;

	if (fd < 0 || !ms->vi || dmesg_write(ms, fd, 0)) {
		printf("panic:       (kernel log not readable)\n");
		goto out;
	}
	len = lseek(fd, 0, SEEK_END);
	log = len > 0 ? mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0)
		      : MAP_FAILED;
	if (log == MAP_FAILED) {
		printf("panic:       (empty kernel log)\n");
		goto out;
	}
	best = dmesg_panic_line(log, (size_t)len, &best_len);
	if (best)
		print_field("panic:       ", best, best_len);
	else
		printf("panic:       (no panic line in the kernel log)\n");
	munmap(log, (size_t)len);
out:
	if (fd >= 0)
		close(fd);
}

static void print_time(int64_t t, bool known)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (!known || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
		printf("crash time:  unknown\n");
	else
		printf("crash time:  %s\n", buf);
}

static const char *compression(uint32_t status)
{
	if (status & KDUMP_ZSTD)
		return "zstd";
	if (status & KDUMP_ZLIB)
		return "zlib";
	if (status & KDUMP_LZO)
		return "lzo";
	if (status & KDUMP_SNAPPY)
		return "snappy";
	return "none";
}

static void info_kdump(const struct kdump_file *kf)
{
	bool complete = !(kf->h.status & KDUMP_INCOMPLETE) &&
			(!kf->flat || kf->flat_ended);

	printf("format:      kdump-compressed%s\n",
	       kf->flat ? " (flattened: rebuild with makedumpfile -R)" : "");
	print_field("kernel:      ", kf->h.release,
		    strnlen(kf->h.release, sizeof(kf->h.release)));
	print_time(kf->h.tv_sec, kf->h.tv_sec != 0);
	printf("dump level:  %d\n", kf->h.dump_level);
	printf("pages:       %llu present, %llu stored\n",
	       (unsigned long long)kf->pages_present,
	       (unsigned long long)kf->pages_dumped);
	printf("compression: %s\n", compression(kf->h.status));
	printf("status:      %s\n",
	       complete ? "complete"
	       : kf->flat && !kf->flat_ended
		       ? "INCOMPLETE (flattened stream cut short)"
		       : "INCOMPLETE (the dump was cut short)");
}

static void info_elf(const struct vmcore *vc)
{
	uint64_t pages = 0, holes = 0;

	for (unsigned int i = 0; i < vc->nsegs; i++) {
		pages += vc->segs[i].filesz / vc->page_size;
		holes += (vc->segs[i].memsz - vc->segs[i].filesz) /
			 vc->page_size;
	}
	printf("format:      ELF vmcore\n");
	print_field("kernel:      ", vc->vi.osrelease,
		    strnlen(vc->vi.osrelease, sizeof(vc->vi.osrelease)));
	print_time(vc->vi.crashtime, vc->vi.has_crashtime);
	printf("dump level:  not recorded in ELF\n");
	printf("pages:       %llu present, %llu stored\n",
	       (unsigned long long)(pages + holes), (unsigned long long)pages);
	printf("compression: none\n");
	printf("status:      complete\n");
}

int cmd_info(int argc, char **argv)
{
	struct dumpfile df;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: kdumpinit info FILE\n");
		return EXIT_USAGE;
	}
	if (dumpfile_open(&df, argv[1]))
		return EXIT_SYSTEM;
	if (df.kdump)
		info_kdump(&df.kf);
	else
		info_elf(&df.vc);
	print_panic_line(&df.ms);
	dumpfile_close(&df);
	return 0;
}
