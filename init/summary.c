/* SPDX-License-Identifier: MIT */
#include "summary.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmesg.h"
#include "progress.h"

void summary_find_panic(struct capture *cap, const char *log, size_t len)
{
	size_t n;
	const char *line = dmesg_panic_line(log, len, &n);

	if (!line)
		return;
	if (n >= sizeof(cap->panic))
		n = sizeof(cap->panic) - 1;
	memcpy(cap->panic, line, n);
	cap->panic[n] = 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

static const char *format_name(const struct dump_opts *o)
{
	if (o->format == DUMP_ELF)
		return "ELF";
	return o->compress == DUMP_COMPRESS_ZSTD ? "kdump-compressed, zstd"
						 : "kdump-compressed";
}

size_t summary_format(const struct capture *cap, char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	char when[64];
	struct tm tm;

	if (!size)
		return 0;
	buf[0] = 0;
	if (gmtime_r(&cap->crash_time, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(when, sizeof(when), "%lld (out of range)",
			 (long long)cap->crash_time);
	put(&o, "kernel release: %s\n", cap->release);
	put(&o, "panic: %s\n", cap->panic[0] ? cap->panic : "(not found)");
	put(&o, "crash time: %s\n", when);
	if (cap->target[0])
		put(&o, "target: %s\n", cap->target);
	if (cap->via[0])
		put(&o, "transfer: %s\n", cap->via);
	if (cap->reconnects)
		put(&o, "reconnects: %u\n", cap->reconnects);
	if (cap->fallback[0])
		put(&o,
		    "fallback: %s; this dump trusts none of the crashed "
		    "kernel's tables (unfiltered, no kernel log read)\n",
		    cap->fallback);
	put(&o, "dump level: %d\n", cap->opts.level);
	put(&o, "format: %s%s\n", format_name(&cap->opts),
	    cap->flattened ? ", as a flattened stream in vmcore.flat "
			     "(makedumpfile -R vmcore < vmcore.flat rebuilds "
			     "the file crash opens)"
			   : "");
	put(&o, "pages: %llu dumped of %llu present\n",
	    (unsigned long long)cap->res.pages_dumped,
	    (unsigned long long)cap->res.pages_present);
	put(&o, "bytes: %llu\n", (unsigned long long)cap->res.bytes_written);
	put(&o, "duration: %.1f s (dump %.1f s)\n", progress_now() - cap->start,
	    cap->res.seconds);
	if (cap->dmesg_why[0])
		put(&o, "kernel log: not saved: %s\n", cap->dmesg_why);
	else
		put(&o, "kernel log: vmcore-dmesg.txt\n");
	if (cap->sha256[0])
		put(&o, "sha256: %s\n", cap->sha256);
	if (cap->dump_why[0])
		put(&o, "outcome: incomplete: %s\n", cap->dump_why);
	else
		put(&o, "outcome: complete\n");
	return o.len;
}
