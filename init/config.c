/* SPDX-License-Identifier: MIT */
/*
 * The config parser. Defaults first, then one directive per line through
 * one table of setters. Unlike musl's resolv.conf reader, nothing is
 * dropped or clamped: a dump config that silently means something else
 * than what was written is found out only after a crash, so every doubt
 * is an error that names file, line and reason.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config_priv.h"
#include "cpool.h"
#include "util.h"

struct setting {
	const char *key;
	int (*set)(struct kdi_config *cfg, const struct place *p);
};

/* The unsigned numbers: decimal, in a range, nothing else to check. */
struct number {
	const char *key;
	size_t off; /* of an unsigned int in struct kdi_config */
	unsigned long min, max;
};

#define NUM(key, field, min, max)                                              \
	{                                                                      \
		key, offsetof(struct kdi_config, field), min, max              \
	}

static const struct number numbers[] = {
	NUM("ssh_port", tgt.ssh.port, 1, 65535),
	NUM("nfs_version", tgt.nfs.version, 3, 4),
	NUM("nfs_port", tgt.nfs.port, 1, 65535),
	NUM("nfs_mount_port", tgt.nfs.mount_port, 1, 65535),
	NUM("io_timeout", tgt.io_timeout, 1, 3600),
	NUM("retry_window", tgt.retry_window, 0, 24 * 3600),
	NUM("device_timeout", tgt.device_timeout, 0, 3600),
	NUM("dump_timeout", dump_timeout, 0, 7 * 24 * 3600),
	NUM("threads", threads, 0, CPOOL_MAX_THREADS),
};

static int number_set(struct kdi_config *cfg, const struct number *n,
		      const struct place *p)
{
	unsigned long v;
	int err = config_number(p, n->min, n->max, &v);

	if (!err)
		*(unsigned int *)((char *)cfg + n->off) = (unsigned int)v;
	return err;
}

int config_bad(const struct place *p, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	msg("%s: %s%s%s: %s", p->where, p->key, p->value[0] ? " " : "",
	    p->value, why);
	return -EINVAL;
}

void config_warn(const struct place *p, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	msg("%s: %s %s: warning: %s", p->where, p->key, p->value, why);
}

void config_defaults(struct kdi_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->tgt.kind = TARGET_NONE;
	strcpy(cfg->tgt.path, "/var/crash");
	cfg->tgt.ssh.port = 22;
	strcpy(cfg->tgt.ssh.key, "/root/.ssh/kdump_id_rsa");
	strcpy(cfg->tgt.ssh.known_hosts, "/root/.ssh/known_hosts");
	cfg->dump_level = 31;
	cfg->format = DUMP_KDUMP;
	cfg->compress = DUMP_COMPRESS_ZSTD;
	cfg->zstd_level = DUMP_ZSTD_DEFAULT;
	cfg->tgt.device_timeout = 30;
	cfg->tgt.io_timeout = 30;
	cfg->tgt.retry_window = 120;
	cfg->tgt.nfs.version = 4;
	net_conf_defaults(&cfg->tgt.net);
	cfg->dump_timeout = 0;
	cfg->failure_action = ACTION_REBOOT;
	cfg->final_action = ACTION_REBOOT;
}

int config_words(char *buf, char **w, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *s = strtok_r(buf, BLANKS, &save); s;
	     s = strtok_r(NULL, BLANKS, &save)) {
		if (n == max)
			return -E2BIG;
		w[n++] = s;
	}
	return n;
}

static int one_word(const struct place *p)
{
	if (!p->value[0])
		return config_bad(p, "needs a value");
	if (p->value[strcspn(p->value, BLANKS)])
		return config_bad(p, "takes one value (no blanks)");
	return 0;
}

/* Copy one word into a fixed field: too long is an error, not a cut. */
static int word_copy(const struct place *p, char *dst, size_t size)
{
	int err = one_word(p);

	if (err)
		return err;
	if (strlen(p->value) >= size)
		return config_bad(p, "longer than %zu bytes", size - 1);
	strcpy(dst, p->value);
	return 0;
}

/* Decimal only: "010" must not mean 8, nor "0x1f" 31, in a dump config. */
int config_number(const struct place *p, unsigned long lo, unsigned long hi,
		  unsigned long *out)
{
	unsigned long v = 0;
	const char *s = p->value;
	int err = one_word(p);

	if (err)
		return err;
	for (; *s >= '0' && *s <= '9' && v <= hi; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	if (*s && (*s < '0' || *s > '9'))
		return config_bad(p, "must be a number from %lu to %lu", lo,
				  hi);
	if (*s || v < lo || v > hi)
		return config_bad(p, "must be %lu..%lu", lo, hi);
	*out = v;
	return 0;
}

static bool name_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr(extra, *s))
			return false;
	return true;
}

static int target_claim(struct kdi_config *cfg, const struct place *p,
			enum target_kind kind)
{
	int err = one_word(p);

	if (err)
		return err;
	if (cfg->tgt.kind != TARGET_NONE)
		return config_bad(
			p, "only one target is allowed, and '%s %s' is one",
			cfg->tgt.type, cfg->tgt.device);
	if (strlen(p->value) >= sizeof(cfg->tgt.device))
		return config_bad(p, "longer than %zu bytes",
				  sizeof(cfg->tgt.device) - 1);
	cfg->tgt.kind = kind;
	strcpy(cfg->tgt.type, p->key);
	strcpy(cfg->tgt.device, p->value);
	return 0;
}

static int set_local(struct kdi_config *cfg, const struct place *p)
{
	static const char *const prefixes[] = {
		"/dev/", "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="};
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		n = strlen(prefixes[i]);
		if (!strncmp(p->value, prefixes[i], n) && p->value[n])
			return target_claim(cfg, p, TARGET_LOCAL);
	}
	if (!p->value[0])
		return config_bad(p, "needs a device");
	return config_bad(p, "the device must be /dev/NAME, UUID=, LABEL=, "
			     "PARTUUID= or PARTLABEL=");
}

static int set_nfs(struct kdi_config *cfg, const struct place *p)
{
	const char *colon = strstr(p->value, ":/");
	const char *host = p->value;
	size_t len;

	if (!colon || colon == p->value)
		return config_bad(p, "must be SERVER:/EXPORT");
	len = (size_t)(colon - host);
	/* "[fe80::1]:/export": the brackets are not part of the address. */
	if (host[0] == '[' && len > 2 && colon[-1] == ']') {
		host++;
		len -= 2;
	}
	if (len >= sizeof(cfg->tgt.nfs.server) ||
	    strlen(colon + 1) >= sizeof(cfg->tgt.nfs.export))
		return config_bad(p, "server or export name too long");
	if (target_claim(cfg, p, TARGET_NFS))
		return -EINVAL;
	memcpy(cfg->tgt.nfs.server, host, len);
	cfg->tgt.nfs.server[len] = 0;
	strcpy(cfg->tgt.nfs.export, colon + 1);
	return 0;
}

static int set_ssh(struct kdi_config *cfg, const struct place *p)
{
	const char *at = strchr(p->value, '@');
	size_t ulen;

	if (!at || at == p->value || !at[1] || strchr(at + 1, '@'))
		return config_bad(p, "must be USER@HOST");
	ulen = (size_t)(at - p->value);
	if (ulen >= sizeof(cfg->tgt.ssh.user) || strlen(at + 1) >= 256)
		return config_bad(p, "user or host name too long");
	if (!name_ok(at + 1, ".-_:[]"))
		return config_bad(p, "not a host name or address");
	if (target_claim(cfg, p, TARGET_SSH))
		return -EINVAL;
	memcpy(cfg->tgt.ssh.user, p->value, ulen);
	cfg->tgt.ssh.user[ulen] = 0;
	strcpy(cfg->tgt.ssh.host, at + 1);
	return 0;
}

static int abs_path(const struct place *p, char *dst, size_t size)
{
	if (p->value[0] && p->value[0] != '/')
		return config_bad(p, "must be an absolute path");
	size_t n = strlen(p->value);

	if (strstr(p->value, "/../") ||
	    (n >= 3 && !strcmp(p->value + n - 3, "/..")))
		return config_bad(p, "must not contain '..'");
	return word_copy(p, dst, size);
}

static int set_path(struct kdi_config *cfg, const struct place *p)
{
	return abs_path(p, cfg->tgt.path, sizeof(cfg->tgt.path));
}

static int set_sshkey(struct kdi_config *cfg, const struct place *p)
{
	return abs_path(p, cfg->tgt.ssh.key, sizeof(cfg->tgt.ssh.key));
}

static int set_known_hosts(struct kdi_config *cfg, const struct place *p)
{
	return abs_path(p, cfg->tgt.ssh.known_hosts,
			sizeof(cfg->tgt.ssh.known_hosts));
}

static int set_extra_modules(struct kdi_config *cfg, const struct place *p)
{
	char buf[CONFIG_LINE_MAX], *w[WORDS_MAX + 1];
	unsigned int n = cfg->n_extra_modules;
	int nw;

	snprintf(buf, sizeof(buf), "%s", p->value);
	nw = config_words(buf, w, WORDS_MAX + 1);
	if (nw <= 0)
		return config_bad(p, "needs module names");
	for (int i = 0; i < nw; i++) {
		if (!name_ok(w[i], "_-") || strlen(w[i]) >= 64)
			return config_bad(p,
					  "'%s' is not a module name (write "
					  "ext4, not ext4.ko or a path)",
					  w[i]);
	}
	for (int i = 0; i < nw; i++) {
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= !strcmp(cfg->extra_modules[j], w[i]);
		if (dup)
			continue;
		if (n == CONFIG_MODULES_MAX)
			return config_bad(p, "more than %d modules",
					  CONFIG_MODULES_MAX);
		strcpy(cfg->extra_modules[n++], w[i]);
	}
	cfg->n_extra_modules = n;
	return 0;
}

static int set_action(const struct place *p, enum kdi_action *a)
{
	static const char *const names[] = {"reboot", "halt", "poweroff"};
	int err = one_word(p);

	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(p->value, names[i])) {
			*a = (enum kdi_action)i;
			return 0;
		}
	if (!strcmp(p->value, "shell") || !strcmp(p->value, "dump_to_rootfs"))
		return config_bad(
			p, "not possible: kdumpinit's initrd has no shell "
			   "and no root filesystem; use reboot, halt or "
			   "poweroff");
	return config_bad(p, "must be reboot, halt or poweroff");
}

static int set_failure_action(struct kdi_config *cfg, const struct place *p)
{
	return set_action(p, &cfg->failure_action);
}

static int set_final_action(struct kdi_config *cfg, const struct place *p)
{
	return set_action(p, &cfg->final_action);
}

static int set_dump_level(struct kdi_config *cfg, const struct place *p)
{
	unsigned long v;
	int err = config_number(p, 0, 31, &v);

	if (!err)
		cfg->dump_level = (int)v;
	return err;
}

static int set_zstd_level(struct kdi_config *cfg, const struct place *p)
{
	bool neg = p->value[0] == '-';
	const char *s = p->value + neg;
	long v = 0;
	int err = one_word(p);

	if (err)
		return err;
	/* Decimal digits after an optional '-', bounded before overflow. */
	for (; *s >= '0' && *s <= '9' && v <= DUMP_ZSTD_MAX; s++)
		v = v * 10 + (*s - '0');
	if (neg)
		v = -v;
	if (*s || s == p->value + neg || !dump_zstd_level_ok(v))
		return config_bad(p, "must be %s", DUMP_ZSTD_RANGE);
	cfg->zstd_level = (int)v;
	return 0;
}

static int set_compress(struct kdi_config *cfg, const struct place *p)
{
	int err = one_word(p);

	if (err)
		return err;
	if (!strcmp(p->value, "zstd"))
		cfg->compress = DUMP_COMPRESS_ZSTD;
	else if (!strcmp(p->value, "none"))
		cfg->compress = DUMP_COMPRESS_NONE;
	else
		return config_bad(
			p, "must be zstd or none (only zstd is built in)");
	return 0;
}

static int set_format(struct kdi_config *cfg, const struct place *p)
{
	int err = one_word(p);

	if (err)
		return err;
	if (!strcmp(p->value, "kdump"))
		cfg->format = DUMP_KDUMP;
	else if (!strcmp(p->value, "elf"))
		cfg->format = DUMP_ELF;
	else
		return config_bad(p, "must be kdump or elf");
	return 0;
}

static int set_hostname(struct kdi_config *cfg, const struct place *p)
{
	int err = one_word(p);

	if (err)
		return err;
	if (!name_ok(p->value, ".-_"))
		return config_bad(p, "only letters, digits, '.', '-' and '_'");
	return word_copy(p, cfg->hostname, sizeof(cfg->hostname));
}

static const struct setting settings[] = {
	{"ext2", set_local},
	{"ext3", set_local},
	{"ext4", set_local},
	{"xfs", set_local},
	{"btrfs", set_local},
	{"vfat", set_local},
	{"nfs", set_nfs},
	{"ssh", set_ssh},
	{"path", set_path},
	{"sshkey", set_sshkey},
	{"known_hosts", set_known_hosts},
	{"core_collector", config_set_collector},
	{"extra_modules", set_extra_modules},
	{"failure_action", set_failure_action},
	{"default", set_failure_action}, /* kdump.conf's old name */
	{"final_action", set_final_action},
	{"dump_level", set_dump_level},
	{"compress", set_compress},
	{"zstd_level", set_zstd_level},
	{"format", set_format},
	{"hostname", set_hostname},
};

/* kdump.conf directives that cannot mean anything here, and why. */
static const struct {
	const char *key;
	const char *why;
} refused[] = {
	{"raw", "dumping to a raw partition is not supported; use a "
		"filesystem target"},
	{"kdump_pre", "kdumpinit's initrd has no shell to run scripts"},
	{"kdump_post", "kdumpinit's initrd has no shell to run scripts"},
	{"extra_bins", "kdumpinit's initrd has no shell to run programs"},
	{"dracut_args", "kdumpinit-mkinitrd builds the initrd, not dracut"},
	{"fence_kdump_args", "fence_kdump is not supported"},
	{"fence_kdump_nodes", "fence_kdump is not supported"},
	{"force_rebuild", "kdumpinit-mkinitrd always builds a new initrd"},
	{"force_no_rebuild", "kdumpinit-mkinitrd always builds a new initrd"},
	{"auto_reset_crashkernel", "set crashkernel= on the kernel command "
				   "line yourself"},
};

int config_set(struct kdi_config *cfg, const char *key, const char *value,
	       const char *where)
{
	struct place p = {where, key, value ? value : ""};
	char why[256] = "";
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (!strcmp(key, settings[i].key))
			return settings[i].set(cfg, &p);
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
		if (!strcmp(key, numbers[i].key))
			return number_set(cfg, &numbers[i], &p);
	/* The network's own directives (ip, nameserver, ...). */
	err = net_conf_set(&cfg->tgt.net, key, p.value, why, sizeof(why));
	if (err != -ENOENT)
		return err ? config_bad(&p, "%s", why) : 0;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		if (!strcmp(key, refused[i].key))
			return config_bad(&p, "not supported: %s",
					  refused[i].why);
	return config_bad(&p, "unknown directive (see docs/config.md)");
}
