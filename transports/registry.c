/* SPDX-License-Identifier: MIT */
/*
 * The table of transports, and the target_* flow the worker uses on top
 * of whichever transport the config names.
 */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

extern const struct transport transport_local;
extern const struct transport transport_nfs;
extern const struct transport transport_ssh;

/* A vendor who wants a smaller binary builds without the network
 * targets (make WITH_NFS=0 WITH_SSH=0). */
static const struct transport *const transports[] = {
	&transport_local,
#if KDI_WITH_NFS
	&transport_nfs,
#endif
#if KDI_WITH_SSH
	&transport_ssh,
#endif
};

const struct transport *transport_find(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		for (const char *const *ty = transports[i]->types; *ty; ty++)
			if (!strcmp(*ty, type))
				return transports[i];
	return NULL;
}

int target_open(struct target *t, const struct target_conf *conf)
{
	memset(t, 0, sizeof(*t));
	t->conf = conf;
	if (!conf->type[0]) {
		msg("no dump target is configured: nowhere to save the dump");
		return -EDESTADDRREQ;
	}
	t->tp = transport_find(conf->type);
	if (!t->tp) {
		msg("target type '%s' is not supported by this build",
		    conf->type);
		return -EPROTONOSUPPORT;
	}
	t->positioned = t->tp->positioned;
	return t->tp->open(t);
}

int target_prepare(const struct target_conf *conf, struct net_state *st)
{
	const struct transport *tp = transport_find(conf->type);

	memset(st, 0, sizeof(*st));
	if (!tp || !tp->network)
		return 0;
#if KDI_WITH_NET
	return net_up(&conf->net, st);
#else
	return -EPROTONOSUPPORT;
#endif
}

int target_mkdir(struct target *t, const char *base)
{
	char name[sizeof(t->dir)];
	int err = -EEXIST;

	/* A second crash within the same second must not overwrite the
	 * first one's files: take the next free name. */
	for (int i = 1; i <= 99 && err == -EEXIST; i++) {
		if (i == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s-%d", base, i);
		err = t->tp->mkdir(t, name);
	}
	if (err == -EEXIST)
		msg("cannot create a dump directory %s-N: all names are taken",
		    base);
	if (!err)
		snprintf(t->dir, sizeof(t->dir), "%s", name);
	return err;
}

int target_save(struct target *t, const char *name,
		int (*fill)(struct sink *out, void *arg), void *arg)
{
	char tmp[256];
	struct sink out;
	int err, ferr;

	snprintf(tmp, sizeof(tmp), "%s-incomplete", name);
	err = t->tp->create(t, tmp, &out);
	if (err)
		return err;
	err = fill(&out, arg);
	/* Finish even after a failed fill: what was written must reach the
	 * disk under the -incomplete name. */
	ferr = t->tp->finish(t, &out);
	if (err)
		return err;
	if (ferr)
		return ferr;
	return t->tp->commit(t, tmp, name);
}

int target_close(struct target *t)
{
	if (!t->tp)
		return 0;
	return t->tp->close(t);
}

/* Write @len bytes of a pattern, in 1 MiB pieces, and make them durable. */
static int check_fill(struct sink *out, void *arg)
{
	static char buf[1 << 20];
	size_t len = *(size_t *)arg;
	int err = 0;

	memset(buf, 0x5a, sizeof(buf));
	for (size_t off = 0; !err && off < len; off += sizeof(buf))
		err = sink_pwrite(out, buf, sizeof(buf), off);
	return err ? err : sink_sync(out);
}

int target_check(const struct target_conf *conf, unsigned int mib)
{
	size_t len = (size_t)(mib ? mib : 4) << 20;
	uint64_t avail, total, t0;
	double secs;
	struct target t;
	char dir[64];
	int err, cerr;

	err = target_open(&t, conf);
	if (err)
		goto out_close;
	printf("%s: open, path %s present\n", t.where, conf->path);
	snprintf(dir, sizeof(dir), ".kdumpinit-check-%ld", (long)getpid());
	err = target_mkdir(&t, dir);
	if (err)
		goto out_close;
	t0 = now_ms();
	err = target_save(&t, "test", check_fill, &len);
	secs = (double)(now_ms() - t0) / 1000;
	cerr = t.tp->remove(&t, err ? "test-incomplete" : "test");
	if (!cerr)
		cerr = t.tp->remove(&t, NULL);
	if (err)
		goto out_close;
	printf("%s: wrote, synced and renamed a %zu MiB file in %s, removed "
	       "it\n",
	       t.where, len >> 20, t.dir);
	if (mib)
		printf("%s: %zu MiB in %.2f s: %.1f MiB/s (%s)\n", t.where,
		       len >> 20, secs,
		       secs > 0 ? (double)(len >> 20) / secs : 0,
		       t.via[0] ? t.via : t.tp->name);
	err = cerr;
	if (err)
		goto out_close;
	err = t.tp->space(&t, &avail, &total);
	if (!err)
		printf("%s: %.1f MiB free of %.1f MiB\n", t.where,
		       (double)avail / (1u << 20), (double)total / (1u << 20));
out_close:
	cerr = target_close(&t);
	return err ? err : cerr;
}
