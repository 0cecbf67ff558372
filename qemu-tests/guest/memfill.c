/* SPDX-License-Identifier: MIT */
/*
 * memfill: fill a test guest's memory with pages of known classes before it
 * is crashed, so that a vmcore holds every class a dump filter must tell
 * apart. Built with musl-gcc -static; runs as a guest program only.
 *
 *   memfill anon PATTERN_MB ZERO_MB HUGE_PAGES
 *	map anonymous memory: PATTERN_MB filled with a per-page pattern,
 *	ZERO_MB written with zeroes (allocated pages whose contents are zero),
 *	HUGE_PAGES 2 MiB hugetlb pages filled with a pattern; then detach and
 *	keep the memory mapped until the machine dies. Exits 0 once all of it
 *	is resident.
 *   memfill slab DIR COUNT
 *	create COUNT empty files in DIR and look up as many missing names, so
 *	that dentry and inode slabs grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_SIZE 4096UL
#define HUGE_SIZE (2UL << 20)
#define MB (1UL << 20)

static void *anon_map(size_t len, int extra)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Every page differs from the others (its index is in it) so that a
 * deduplicating or zero-detecting writer cannot skip it, and half of each
 * page is a repeated word so that it compresses like ordinary data.
 */
static void pattern_fill(unsigned char *p, size_t len, uint64_t seed)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *w = (uint64_t *)(p + off);
		uint64_t x = seed ^ (off / PAGE_SIZE) * 0x9e3779b97f4a7c15ULL;

		for (size_t i = 0; i < PAGE_SIZE / 16; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			w[i] = x;
		}
		for (size_t i = PAGE_SIZE / 16; i < PAGE_SIZE / 8; i++)
			w[i] = 0x4b44492d46494c4cULL; /* "KDI-FILL" */
	}
}

static int anon_fill(size_t pattern_mb, size_t zero_mb, size_t huge_pages)
{
	unsigned char *p;

	if (pattern_mb) {
		p = anon_map(pattern_mb * MB, 0);
		if (!p)
			return -errno;
		pattern_fill(p, pattern_mb * MB, 0x1234);
	}
	if (zero_mb) {
		p = anon_map(zero_mb * MB, 0);
		if (!p)
			return -errno;
		/* A write, not a read: a read would map the shared zero page */
		for (size_t off = 0; off < zero_mb * MB; off += PAGE_SIZE)
			((volatile unsigned char *)p)[off] = 0;
	}
	if (huge_pages) {
		p = anon_map(huge_pages * HUGE_SIZE, MAP_HUGETLB);
		if (!p)
			return -errno;
		pattern_fill(p, huge_pages * HUGE_SIZE, 0x5678);
	}
	return 0;
}

/* Fill in a child that outlives us, so the caller's shell can go on. */
static int anon_main(char **argv)
{
	int fds[2];
	char res = 1;
	pid_t pid;

	if (pipe(fds))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int err;

		close(fds[0]);
		setsid();
		err = anon_fill(strtoul(argv[2], NULL, 0),
				strtoul(argv[3], NULL, 0),
				strtoul(argv[4], NULL, 0));
		if (err)
			fprintf(stderr, "memfill: cannot map memory: %s\n",
				strerror(-err));
		res = err ? 1 : 0;
		if (write(fds[1], &res, 1) != 1 || err)
			_exit(1);
		close(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (read(fds[0], &res, 1) != 1)
		return 1;
	return res;
}

static int slab_main(char **argv)
{
	unsigned long count = strtoul(argv[3], NULL, 0);
	char path[4096];
	struct stat st;

	for (unsigned long i = 0; i < count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%06lu", argv[2], i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0) {
			fprintf(stderr, "memfill: cannot create %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		close(fd);
		/* A negative dentry per missing name */
		snprintf(path, sizeof(path), "%s/missing%06lu", argv[2], i);
		stat(path, &st);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "anon"))
		return anon_main(argv);
	if (argc == 4 && !strcmp(argv[1], "slab"))
		return slab_main(argv);
	fprintf(stderr, "usage: memfill anon PATTERN_MB ZERO_MB HUGE_PAGES\n"
			"       memfill slab DIR COUNT\n");
	return 100;
}
