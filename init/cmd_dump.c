/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit dump: filter and save a vmcore, kdump-compressed (default) or
 * ELF, to a file or, flattened, to stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "cpool.h"
#include "dump.h"
#include "flat.h"
#include "util.h"

static const char dump_usage[] =
	"usage: kdumpinit dump [-d LEVEL] [--compress zstd|none] "
	"[--zstd-level N (-7..-1, 1..19; default -1)]\n"
	"                      [--threads N] [--elf] [--flat] [--force] "
	"[--progress] VMCORE OUTPUT|-\n"
	"       kdumpinit dump --dry-run [-d LEVEL] VMCORE\n"
	"  -d LEVEL        dump level 0..31 (1 zero, 2 cache, 4 cache+private,\n"
	"                  8 user, 16 free pages are left out); default 0\n"
	"  --threads N     compress on N threads (default: one per online CPU;\n"
	"                  the dump is the same for any N)\n"
	"  --elf           write an ELF core instead of kdump-compressed\n"
	"  --flat          write makedumpfile's flattened format (always for -)\n"
	"  --force         replace OUTPUT if it exists (otherwise refused); a\n"
	"                  symbolic link is replaced, not followed\n"
	"  --progress      show percent, MB/s and ETA on stderr\n"
	"  --dry-run       only filter: how many pages LEVEL keeps, and the\n"
	"                  time one pass over the struct pages takes\n"
	"Numbers are decimal. The output is created mode 0600. Rebuild a\n"
	"flattened dump with `makedumpfile -R FILE < FLAT`.\n";

struct dump_args {
	struct dump_opts o;
	bool flat, force;
	const char *vmcore, *output;
};

static int parse_level(const char *s, const char *what, uint64_t max, int *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > max) {
		msg("bad %s '%s': use 0..%llu", what, s,
		    (unsigned long long)max);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int zstd_level_parse(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || !dump_zstd_level_ok(v)) {
		msg("bad zstd level '%s': use %s", s, DUMP_ZSTD_RANGE);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int dump_parse(int argc, char **argv, struct dump_args *a)
{
	static const struct option lopts[] = {
		{"compress", required_argument, NULL, 'c'},
		{"zstd-level", required_argument, NULL, 'z'},
		{"threads", required_argument, NULL, 't'},
		{"elf", no_argument, NULL, 'E'},
		{"flat", no_argument, NULL, 'F'},
		{"force", no_argument, NULL, 'f'},
		{"progress", no_argument, NULL, 'p'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t t;
	int c;

	dump_opts_default(&a->o);
	a->o.threads = dump_threads_auto();
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_level(optarg, "dump level", 31, &a->o.level))
				return -EINVAL;
			break;
		case 'c':
			if (!strcmp(optarg, "zstd"))
				a->o.compress = DUMP_COMPRESS_ZSTD;
			else if (!strcmp(optarg, "none"))
				a->o.compress = DUMP_COMPRESS_NONE;
			else {
				msg("unknown compression '%s': use zstd or none",
				    optarg);
				return -EINVAL;
			}
			break;
		case 'z':
			if (zstd_level_parse(optarg, &a->o.zstd_level))
				return -EINVAL;
			break;
		case 't':
			if (parse_u64(optarg, &t) || !t ||
			    t > CPOOL_MAX_THREADS) {
				msg("bad thread count '%s': use 1..%d", optarg,
				    CPOOL_MAX_THREADS);
				return -EINVAL;
			}
			a->o.threads = (unsigned int)t;
			break;
		case 'E':
			a->o.format = DUMP_ELF;
			break;
		case 'F':
			a->flat = true;
			break;
		case 'f':
			a->force = true;
			break;
		case 'p':
			a->o.progress = true;
			break;
		case 'n':
			a->o.dry_run = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 2 - a->o.dry_run) {
		msg(a->o.dry_run ? "dump --dry-run needs VMCORE only"
				 : "dump needs VMCORE and OUTPUT");
		return -EINVAL;
	}
	a->vmcore = argv[optind];
	if (a->o.dry_run)
		return 0;
	a->output = argv[optind + 1];
	if (!strcmp(a->output, "-"))
		a->flat = true;
	return 0;
}

/*
 * Make room for --force. A symbolic link at @path is replaced itself, as
 * mv or ln -sf replace one: writing through it would put the dump, and
 * mode 0600, on whatever file it names, which a user who named OUTPUT did
 * not ask for (and in a shared directory someone else chose). A regular
 * file is unlinked rather than truncated for the same reason: its other
 * hard links keep their content. Anything else (a directory, a FIFO, a
 * device such as /dev/null) is refused: "-" writes to a pipe or device.
 */
static int output_remove(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode)) {
		msg("refusing to replace %s: not a regular file (use - and "
		    "redirect stdout to write a dump to a pipe or device)",
		    path);
		return -EEXIST;
	}
	if (unlink(path) && errno != ENOENT) {
		int err = -errno;

		msg("cannot remove %s to replace it: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int open_output(const struct dump_args *a)
{
	int fd, err;

	if (!strcmp(a->output, "-")) {
		if (isatty(STDOUT_FILENO)) {
			msg("refusing to write a dump to a terminal: redirect "
			    "stdout");
			return -ENOTTY;
		}
		return STDOUT_FILENO;
	}
	if (a->force) {
		err = output_remove(a->output);
		if (err)
			return err;
	}
	/* Always a new file: O_EXCL follows no link, not even a dangling
	 * one, and fails if something took the name since output_remove. */
	fd = open(a->output,
		  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		msg("cannot create %s: %s%s", a->output, strerror(-err),
		    err == -EEXIST && !a->force ? " (use --force to replace it)"
						: "");
		return err;
	}
	/* Exactly 0600 whatever the umask: dumps hold secrets, and their
	 * owner must be able to read them. */
	if (fchmod(fd, 0600) < 0) {
		err = -errno;
		msg("cannot make %s mode 0600: %s", a->output, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int dump_to(struct vmcore *vc, const struct dump_args *a, int fd,
		   struct dump_result *res)
{
	struct sink s;
	struct flat fl;
	int err;

	if (!a->flat) {
		sink_fd_init(&s, fd);
		return dump_write(vc, &a->o, &s, res);
	}
	err = flat_init(&fl, &s, flat_write_fd, &fd);
	if (!err)
		err = dump_write(vc, &a->o, &s, res);
	if (!err)
		err = flat_finish(&fl);
	if (err)
		msg("cannot write the flattened dump to %s: %s", a->output,
		    strerror(-err));
	flat_free(&fl);
	return err;
}

/* Filter only: the pages a level keeps, and what one pass costs. */
static int dump_dry_run(struct vmcore *vc, const struct dump_opts *o)
{
	struct dump_result res;
	int err = dump_write(vc, o, NULL, &res);
	double gb = (double)res.pages_present * (double)vc->page_size / 1e9;

	if (!err)
		printf("%s: -d %d keeps %llu of %llu pages (%.1f MiB before "
		       "compression, zero pages included); one filter pass "
		       "%.3f s, %.1f ms per GB\n",
		       vc->path, o->level, (unsigned long long)res.pages_dumped,
		       (unsigned long long)res.pages_present,
		       (double)res.pages_dumped * (double)vc->page_size /
			       1048576.0,
		       res.seconds, gb > 0 ? res.seconds * 1e3 / gb : 0.0);
	vmcore_close(vc);
	return err ? EXIT_SYSTEM : 0;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_args a = {0};
	struct dump_result res;
	struct vmcore vc;
	int fd, err;

	if (dump_parse(argc, argv, &a)) {
		fputs(dump_usage, stderr);
		return EXIT_USAGE;
	}
	if (vmcore_open(&vc, a.vmcore))
		return EXIT_SYSTEM;
	if (a.o.dry_run)
		return dump_dry_run(&vc, &a.o);
	fd = open_output(&a);
	if (fd < 0) {
		vmcore_close(&vc);
		return EXIT_SYSTEM;
	}
	err = dump_to(&vc, &a, fd, &res);
	if (fd != STDOUT_FILENO && close(fd) < 0 && !err) {
		err = -errno;
		msg("cannot close %s: %s", a.output, strerror(errno));
	}
	vmcore_close(&vc);
	/* The result goes to stderr when stdout carries the dump. */
	dprintf(a.flat && fd == STDOUT_FILENO ? STDERR_FILENO : STDOUT_FILENO,
		"%s: %llu of %llu pages, %llu bytes, %.2f s%s\n", a.output,
		(unsigned long long)res.pages_dumped,
		(unsigned long long)res.pages_present,
		(unsigned long long)res.bytes_written, res.seconds,
		err ? ", INCOMPLETE" : "");
	return err ? EXIT_SYSTEM : 0;
}
