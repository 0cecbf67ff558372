/* SPDX-License-Identifier: MIT */
/*
 * The configuration: /etc/kdumpinit.conf (kdump.conf syntax, one directive
 * per line) and kdumpinit.KEY=VALUE overrides from the kernel command line.
 * The reference for every key is docs/config.md.
 *
 * Use: config_defaults(), then config_parse_file(), then
 * config_apply_cmdline(). Every error is printed as
 * "kdumpinit: WHERE: KEY VALUE: reason" (WHERE is "FILE:LINE" or "kernel
 * command line") and parsing goes on, so that one run shows all errors.
 * Nothing is clamped or dropped: a bad value is an error, and the field
 * keeps its previous value. None of these functions exits, so PID 1 may
 * call them.
 */
#ifndef KDI_CONFIG_H
#define KDI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "dump.h"
#include "transport.h"

/* Longest accepted line, newline included; a longer one is an error. */
#define CONFIG_LINE_MAX 1024
#define CONFIG_MODULES_MAX 32

enum kdi_action { ACTION_REBOOT, ACTION_HALT, ACTION_POWEROFF };

struct kdi_config {
	/* The target, given to the transport as it is. */
	struct target_conf tgt;

	/* Modules mkinitrd packs besides those it finds itself. */
	char extra_modules[CONFIG_MODULES_MAX][64];
	unsigned int n_extra_modules;

	/* The dump: core_collector is translated into these four. */
	int dump_level;		     /* 0..31, default 31 */
	enum dump_format format;     /* default DUMP_KDUMP */
	enum dump_compress compress; /* default DUMP_COMPRESS_ZSTD */
	int zstd_level;		     /* see dump_zstd_level_ok() */
	unsigned int threads;	     /* 0: one per online CPU (default) */

	unsigned int dump_timeout; /* seconds; 0 = no limit (default) */
	char hostname[65];	   /* "" = the crashed kernel's nodename */

	enum kdi_action failure_action; /* default reboot */
	enum kdi_action final_action;	/* default reboot */
};

/* Fill @cfg with the defaults (no target). */
void config_defaults(struct kdi_config *cfg);

/*
 * Set directive @key to @value (the rest of the line, words separated by
 * blanks; NULL or "" when there is none). @where names the place for
 * messages ("FILE:LINE", "kernel command line").
 * @return 0, or -EINVAL with a message (the field is left as it was).
 */
int config_set(struct kdi_config *cfg, const char *key, const char *value,
	       const char *where);

/*
 * Parse one line of a config file (without its newline): blank lines and
 * "#" comments are skipped, "KEY VALUE..." goes to config_set().
 * @return 0, or -EINVAL with a message.
 */
int config_parse_line(struct kdi_config *cfg, const char *line,
		      const char *where);

/*
 * Parse @path on top of @cfg. Every bad line is reported (not only the
 * first); a line longer than CONFIG_LINE_MAX - 1 is an error; a file
 * without a target is an error.
 * @return 0, -EINVAL after reporting errors, or -errno when the file
 *         cannot be read (with a message).
 */
int config_parse_file(struct kdi_config *cfg, const char *path);

/*
 * Apply every kdumpinit.KEY=VALUE word of kernel command line @cmdline
 * (a value may be double-quoted to hold blanks:
 * kdumpinit.extra_modules="nvme ahci"). Other words are ignored.
 * @return 0, or -EINVAL after reporting every bad override.
 */
int config_apply_cmdline(struct kdi_config *cfg, const char *cmdline);

/* Names for messages and summaries. */
const char *config_action_name(enum kdi_action a);

/*
 * Write a one-line "key=value ..." summary of @cfg to @buf (always
 * terminated; values hold no blanks, so that a shell can split it).
 * @return the length it needed, as snprintf().
 */
size_t config_summary(const struct kdi_config *cfg, char *buf, size_t size);

#endif
