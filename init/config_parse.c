/* SPDX-License-Identifier: MIT */
/*
 * The config's syntax: lines of a file, words of the kernel command line,
 * makedumpfile's options in core_collector, and the one-line summary.
 * What each directive means is in config.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_priv.h"
#include "util.h"

/* What a core_collector line asks for, before it is applied. */
struct collector {
	int level;
	enum dump_format format;
	enum dump_compress compress;
};

static int collector_level(const struct place *p, const char *arg, int *level)
{
	struct place q = {p->where, p->key, arg ? arg : ""};
	unsigned long v;

	if (!arg)
		return config_bad(p, "-d needs a dump level");
	/* makedumpfile retries at the next level on ENOSPC with "-d 1,31";
	 * kdumpinit keeps one level. */
	if (strchr(arg, ','))
		return config_bad(p, "-d %s: give one dump level", arg);
	if (config_number(&q, 0, 31, &v))
		return -EINVAL;
	*level = (int)v;
	return 0;
}

/* One word of short options ("-l", "-lF", "-d31", "-ld"), taking its
 * argument from @next when needed. @return words used, or -EINVAL. */
static int collector_short(const struct place *p, struct collector *c,
			   const char *w, const char *next)
{
	for (const char *o = w + 1; *o; o++) {
		switch (*o) {
		case 'c':
		case 'l':
		case 'p':
			config_warn(
				p,
				"-%c: writing zstd instead, the only compression "
				"built in",
				*o);
			/* fallthrough */
		case 'z':
			c->compress = DUMP_COMPRESS_ZSTD;
			break;
		case 'E':
			c->format = DUMP_ELF;
			break;
		case 'F':
			/* The transport decides: a stream target gets the
			 * flattened format anyway. */
			break;
		case 'd':
			if (o[1])
				return collector_level(p, o + 1, &c->level) ? -1
									    : 1;
			return collector_level(p, next, &c->level) ? -1 : 2;
		default:
			return config_bad(
				p,
				"makedumpfile option -%c is not "
				"supported (kdumpinit understands -c -l "
				"-p -z -E -F -d N --message-level N)",
				*o);
		}
	}
	return 1;
}

int config_set_collector(struct kdi_config *cfg, const struct place *p)
{
	char buf[CONFIG_LINE_MAX], *w[WORDS_MAX + 1], *prog;
	/* makedumpfile's own defaults: no filtering, no compression. */
	struct collector c = {0, DUMP_KDUMP, DUMP_COMPRESS_NONE};
	int nw, used;

	snprintf(buf, sizeof(buf), "%s", p->value);
	nw = config_words(buf, w, WORDS_MAX + 1);
	if (nw <= 0)
		return config_bad(p, nw ? "too many words" : "needs a command");
	prog = strrchr(w[0], '/') ? strrchr(w[0], '/') + 1 : w[0];
	if (strcmp(prog, "makedumpfile"))
		return config_bad(p,
				  "only makedumpfile is understood: kdumpinit "
				  "does its work itself");
	for (int i = 1; i < nw; i += used) {
		const char *next = i + 1 < nw ? w[i + 1] : NULL;

		used = 1;
		if (!strcmp(w[i], "--message-level")) {
			used = 2;
			if (!next)
				return config_bad(
					p, "--message-level needs a value");
		} else if (!strncmp(w[i], "--message-level=", 16)) {
			continue;
		} else if (w[i][0] == '-' && w[i][1] && w[i][1] != '-') {
			used = collector_short(p, &c, w[i], next);
			if (used < 0)
				return -EINVAL;
		} else {
			return config_bad(
				p,
				"makedumpfile option %s is not supported "
				"(kdumpinit understands -c -l -p -z -E "
				"-F -d N --message-level N)",
				w[i]);
		}
	}
	cfg->dump_level = c.level;
	cfg->format = c.format;
	cfg->compress = c.compress;
	return 0;
}

int config_parse_line(struct kdi_config *cfg, const char *line,
		      const char *where)
{
	char buf[CONFIG_LINE_MAX], *key, *value, *end;

	if (strlen(line) >= sizeof(buf)) {
		msg("%s: line longer than %d bytes", where,
		    CONFIG_LINE_MAX - 1);
		return -EINVAL;
	}
	strcpy(buf, line);
	/* A comment starts with '#' at the start of a line or a word. */
	for (char *h = strchr(buf, '#'); h; h = strchr(h + 1, '#'))
		if (h == buf || strchr(BLANKS, h[-1])) {
			*h = 0;
			break;
		}
	key = buf + strspn(buf, BLANKS);
	if (!*key)
		return 0;
	value = key + strcspn(key, BLANKS);
	if (*value)
		*value++ = 0;
	value += strspn(value, BLANKS);
	end = value + strlen(value);
	while (end > value && strchr(BLANKS, end[-1]))
		*--end = 0;
	return config_set(cfg, key, value, where);
}

enum line_status { LINE_OK, LINE_END, LINE_LONG, LINE_NUL };

/* Read one line of @f, without its newline, into @line (@size bytes).
 * A line that does not fit, or that holds a NUL byte, is read to its end
 * all the same, so that the next line keeps its number; *@nul is then the
 * NUL's offset in the line. @return LINE_END at the end of the file. */
static enum line_status line_read(FILE *f, char *line, size_t size, size_t *nul)
{
	bool has_nul = false;
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (!ch && !has_nul) {
			has_nul = true;
			*nul = n;
		}
		if (n + 1 < size)
			line[n] = (char)ch;
		n++;
	}
	if (ch == EOF && !n)
		return LINE_END;
	line[n < size ? n : size - 1] = 0;
	if (has_nul)
		return LINE_NUL;
	return n < size ? LINE_OK : LINE_LONG;
}

int config_parse_file(struct kdi_config *cfg, const char *path)
{
	char line[CONFIG_LINE_MAX], where[PATH_MAX + 16];
	FILE *f = fopen(path, "re");
	enum line_status st;
	unsigned int n = 0;
	size_t nul = 0;
	int err = 0;

	if (!f) {
		err = -errno;
		msg("cannot read %s: %s", path, strerror(-err));
		return err;
	}
	while ((st = line_read(f, line, sizeof(line), &nul)) != LINE_END) {
		snprintf(where, sizeof(where), "%s:%u", path, ++n);
		/* A NUL would silently end the line for the parser: what
		 * follows it would be ignored unseen. */
		if (st == LINE_NUL) {
			msg("%s: a NUL byte (at byte %zu of the line): a config "
			    "is text",
			    where, nul + 1);
			err = -EINVAL;
		} else if (st == LINE_LONG) {
			msg("%s: line longer than %d bytes", where,
			    CONFIG_LINE_MAX - 1);
			err = -EINVAL;
		} else if (config_parse_line(cfg, line, where)) {
			err = -EINVAL;
		}
	}
	if (ferror(f)) {
		msg("cannot read %s: %s", path, strerror(EIO));
		err = -EIO;
	}
	fclose(f);
	if (cfg->tgt.kind == TARGET_NONE && err != -EIO) {
		msg("%s: no dump target: add a line such as 'ext4 UUID=...' "
		    "(see docs/config.md)",
		    path);
		err = -EINVAL;
	}
	return err;
}

/* Next word of a kernel command line: blanks end it except inside double
 * quotes, which are removed. @return the text after it. */
static const char *cmdline_word(const char *s, char *word, size_t size,
				bool *cut)
{
	bool quoted = false;
	size_t n = 0;

	*cut = false;
	for (; *s && (quoted || !strchr(BLANKS, *s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			word[n++] = *s;
		else
			*cut = true;
	}
	word[n] = 0;
	return s;
}

int config_apply_cmdline(struct kdi_config *cfg, const char *cmdline)
{
	static const char prefix[] = "kdumpinit.";
	const char *where = "kernel command line";
	char word[CONFIG_LINE_MAX], *eq;
	bool cut;
	int err = 0;

	while (*cmdline) {
		cmdline += strspn(cmdline, BLANKS);
		cmdline = cmdline_word(cmdline, word, sizeof(word), &cut);
		if (strncmp(word, prefix, sizeof(prefix) - 1))
			continue;
		eq = strchr(word, '=');
		if (cut || !eq) {
			msg("%s: %s: %s", where, word,
			    cut ? "too long" : "must be kdumpinit.KEY=VALUE");
			err = -EINVAL;
			continue;
		}
		*eq = 0;
		if (config_set(cfg, word + sizeof(prefix) - 1, eq + 1, where))
			err = -EINVAL;
	}
	return err;
}

const char *config_action_name(enum kdi_action a)
{
	static const char *const names[] = {"reboot", "halt", "poweroff"};

	return (unsigned int)a < ARRAY_SIZE(names) ? names[a] : "?";
}

size_t config_summary(const struct kdi_config *c, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	buf_addf(buf, size, &len, "target=%s device=%s path=%s",
		 c->tgt.type[0] ? c->tgt.type : "none",
		 c->tgt.device[0] ? c->tgt.device : "none", c->tgt.path);
	if (c->tgt.kind == TARGET_NFS)
		buf_addf(
			buf, size, &len,
			" nfs_server=%s nfs_export=%s nfs_version=%u nfs_port=%u "
			"nfs_mount_port=%u",
			c->tgt.nfs.server, c->tgt.nfs.export,
			c->tgt.nfs.version, c->tgt.nfs.port,
			c->tgt.nfs.mount_port);
	if (c->tgt.kind == TARGET_NFS || c->tgt.kind == TARGET_SSH) {
		char net[512];

		net_conf_summary(&c->tgt.net, net, sizeof(net));
		buf_addf(buf, size, &len, " %s io_timeout=%u retry_window=%u",
			 net, c->tgt.io_timeout, c->tgt.retry_window);
	}
	if (c->tgt.kind == TARGET_SSH)
		buf_addf(buf, size, &len,
			 " ssh_user=%s ssh_host=%s ssh_port=%u sshkey=%s "
			 "known_hosts=%s",
			 c->tgt.ssh.user, c->tgt.ssh.host, c->tgt.ssh.port,
			 c->tgt.ssh.key, c->tgt.ssh.known_hosts);
	buf_addf(
		buf, size, &len,
		" dump_level=%d format=%s compress=%s zstd_level=%d threads=%u "
		"device_timeout=%u dump_timeout=%u failure_action=%s "
		"final_action=%s",
		c->dump_level, c->format == DUMP_ELF ? "elf" : "kdump",
		c->compress == DUMP_COMPRESS_ZSTD ? "zstd" : "none",
		c->zstd_level, c->threads, c->tgt.device_timeout,
		c->dump_timeout, config_action_name(c->failure_action),
		config_action_name(c->final_action));
	if (c->hostname[0])
		buf_addf(buf, size, &len, " hostname=%s", c->hostname);
	buf_addf(buf, size, &len, " extra_modules=");
	for (unsigned int i = 0; i < c->n_extra_modules; i++)
		buf_addf(buf, size, &len, "%s%s", i ? "," : "",
			 c->extra_modules[i]);
	return len;
}
